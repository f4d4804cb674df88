//! The account funnel: a waterfall of accounts through target, engaged, qualified, opportunity
//! and customer, from the stage history, with stage-to-stage conversion, median days between
//! stages, and the same per cohort (the month an account entered the funnel).

use super::{median, ratio, Period};
use crate::model::AccountStage;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The stages of the waterfall, in order.
pub const FUNNEL: [AccountStage; 5] = [
    AccountStage::Target,
    AccountStage::Engaged,
    AccountStage::Qualified,
    AccountStage::Opportunity,
    AccountStage::Customer,
];

/// How far along the waterfall a stage is (its index in [`FUNNEL`]); a former customer was a
/// customer. An account has reached waterfall stage `i` once it entered any stage ranked `i` or
/// higher, so a skipped stage counts as passed when a later one is entered.
pub fn funnel_rank(stage: AccountStage) -> usize {
    match stage {
        AccountStage::FormerCustomer => FUNNEL.len() - 1,
        s => FUNNEL.iter().position(|f| *f == s).unwrap_or(0),
    }
}

/// One stage of the waterfall.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FunnelStage {
    pub stage: AccountStage,
    /// Accounts that reached this stage or a later one.
    pub reached: u64,
    /// Accounts whose stage is this one now.
    pub current: u64,
    /// `reached` over the previous stage's `reached`.
    pub conversion_from_previous: Option<f64>,
    /// Median days from entering the previous stage to entering this one.
    pub median_days_from_previous: Option<f64>,
}

/// The waterfall of the accounts that entered the funnel in one month.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FunnelCohort {
    /// `2026-03`.
    pub cohort: String,
    pub stages: Vec<FunnelStage>,
}

/// The account funnel report.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FunnelReport {
    /// Accounts that entered the funnel on or after this day (all when absent).
    pub since: Option<NaiveDate>,
    /// Whether each family (an ultimate parent with its subsidiaries) counts once, as one
    /// company: `accounts` and every count below are then families.
    pub family: bool,
    pub accounts: u64,
    pub stages: Vec<FunnelStage>,
    /// Accounts that left a customer relationship (counted as customers in the waterfall).
    pub former_customers_now: u64,
    pub cohorts: Vec<FunnelCohort>,
}

/// One account's path: when it first reached each waterfall stage (see [`funnel_rank`]), where
/// it is now, and when it entered the funnel.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub entered: [Option<DateTime<Utc>>; 5],
    pub now: AccountStage,
    pub first: DateTime<Utc>,
}

fn waterfall(paths: &[&Path]) -> Vec<FunnelStage> {
    let mut out: Vec<FunnelStage> = Vec::with_capacity(FUNNEL.len());
    for (i, stage) in FUNNEL.iter().enumerate() {
        let reached = paths.iter().filter(|p| p.entered[i].is_some()).count() as u64;
        let current = paths.iter().filter(|p| p.now == *stage).count() as u64;
        let (conversion, days) = if i == 0 {
            (None, None)
        } else {
            let mut days: Vec<f64> = paths
                .iter()
                .filter_map(|p| {
                    Some((p.entered[i]? - p.entered[i - 1]?).num_seconds() as f64 / 86_400.0)
                })
                .collect();
            (ratio(reached, out[i - 1].reached), median(&mut days))
        };
        out.push(FunnelStage {
            stage: *stage,
            reached,
            current,
            conversion_from_previous: conversion,
            median_days_from_previous: days.map(|d| (d * 10.0).round() / 10.0),
        });
    }
    out
}

/// The paths of families: the accounts' paths (with their ids) merged by `root_of` (the
/// ultimate parent of an account), each family once. A family reached a stage when its first
/// member did, entered the funnel with its first member, and is now where its furthest member is
/// (a customer anywhere makes a customer family).
pub fn family_paths(paths: &[(i64, Path)], root_of: impl Fn(i64) -> i64) -> Vec<Path> {
    // Current stages from least to most advanced for a company: a former customer is further
    // than a prospect in an opportunity, and less than a customer.
    let standing = |s: AccountStage| match s {
        AccountStage::Customer => FUNNEL.len() + 1,
        AccountStage::FormerCustomer => FUNNEL.len(),
        s => funnel_rank(s),
    };
    let mut families: BTreeMap<i64, Path> = BTreeMap::new();
    for (account, p) in paths {
        families
            .entry(root_of(*account))
            .and_modify(|f| {
                for (mine, theirs) in f.entered.iter_mut().zip(p.entered) {
                    *mine = match (*mine, theirs) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                }
                f.first = f.first.min(p.first);
                if standing(p.now) > standing(f.now) {
                    f.now = p.now;
                }
            })
            .or_insert_with(|| p.clone());
    }
    families.into_values().collect()
}

/// Builds the funnel from every account's path (or every family's, [`family_paths`]).
pub fn funnel(all: &[Path], since: Option<NaiveDate>, family: bool) -> FunnelReport {
    let chosen: Vec<&Path> = all
        .iter()
        .filter(|p| since.is_none_or(|s| p.first.date_naive() >= s))
        .collect();
    let mut cohorts: BTreeMap<NaiveDate, Vec<&Path>> = BTreeMap::new();
    for p in &chosen {
        cohorts
            .entry(Period::Month.start(p.first.date_naive()))
            .or_default()
            .push(p);
    }
    FunnelReport {
        since,
        family,
        accounts: chosen.len() as u64,
        stages: waterfall(&chosen),
        former_customers_now: chosen
            .iter()
            .filter(|p| p.now == AccountStage::FormerCustomer)
            .count() as u64,
        cohorts: cohorts
            .into_iter()
            .map(|(month, ps)| FunnelCohort {
                cohort: Period::Month.label(month),
                stages: waterfall(&ps),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(month: u32, day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, month, day, 0, 0, 0).unwrap()
    }

    /// A path entering the waterfall stages on these days, in order; `None` for not reached.
    fn path(entered: [Option<(u32, u32)>; 5], now: AccountStage) -> Path {
        let entered = entered.map(|d| d.map(|(m, dd)| day(m, dd)));
        Path {
            first: entered[0].unwrap(),
            entered,
            now,
        }
    }

    #[test]
    fn former_customers_rank_as_customers() {
        assert_eq!(funnel_rank(AccountStage::Target), 0);
        assert_eq!(funnel_rank(AccountStage::Opportunity), 3);
        assert_eq!(funnel_rank(AccountStage::FormerCustomer), 4);
    }

    #[test]
    fn the_waterfall_counts_reached_stages_and_medians() {
        use AccountStage::*;
        let paths = [
            path(
                [Some((1, 1)), Some((1, 11)), Some((1, 21)), None, None],
                Qualified,
            ),
            // Jumped straight to opportunity: engaged and qualified were reached that day.
            path(
                [
                    Some((1, 5)),
                    Some((1, 25)),
                    Some((1, 25)),
                    Some((1, 25)),
                    None,
                ],
                Opportunity,
            ),
            path([Some((2, 1)), None, None, None, None], Target),
            path([Some((2, 3)); 5], FormerCustomer),
        ];
        let r = funnel(&paths, None, false);
        let reached: Vec<u64> = r.stages.iter().map(|s| s.reached).collect();
        assert_eq!(reached, [4, 3, 3, 2, 1]);
        assert_eq!(r.stages[1].conversion_from_previous, Some(0.75));
        // Engaged after target: 10 days, 20 days and 0 days.
        assert_eq!(r.stages[1].median_days_from_previous, Some(10.0));
        assert_eq!(r.stages[0].current, 1);
        assert_eq!(r.former_customers_now, 1);
        assert_eq!(r.cohorts.len(), 2);
        assert_eq!(r.cohorts[0].cohort, "2026-01");
        assert_eq!(r.cohorts[0].stages[0].reached, 2);
        assert_eq!(r.cohorts[1].stages[4].reached, 1);

        let since = funnel(&paths, NaiveDate::from_ymd_opt(2026, 2, 1), false);
        assert_eq!(since.accounts, 2);
    }

    #[test]
    fn a_family_counts_once_from_its_first_member_to_its_furthest() {
        use AccountStage::*;
        let paths = [
            // The parent: engaged in January.
            (
                1,
                path([Some((1, 10)), Some((1, 20)), None, None, None], Engaged),
            ),
            // Its subsidiary: targeted earlier, a customer in March.
            (
                2,
                path(
                    [
                        Some((1, 2)),
                        Some((2, 1)),
                        Some((2, 10)),
                        Some((2, 20)),
                        Some((3, 1)),
                    ],
                    Customer,
                ),
            ),
            // Another company on its own.
            (3, path([Some((2, 5)), None, None, None, None], Target)),
        ];
        let root = |a: i64| if a == 2 { 1 } else { a };
        let families = family_paths(&paths, root);
        assert_eq!(families.len(), 2);
        let group = &families[0];
        assert_eq!(group.first, day(1, 2));
        assert_eq!(
            group.entered[1],
            Some(day(1, 20)),
            "engaged with its first member"
        );
        assert_eq!(group.entered[4], Some(day(3, 1)));
        assert_eq!(group.now, Customer);
        let r = funnel(&families, None, true);
        assert!(r.family);
        assert_eq!(r.accounts, 2);
        let reached: Vec<u64> = r.stages.iter().map(|s| s.reached).collect();
        assert_eq!(reached, [2, 1, 1, 1, 1]);
    }
}
