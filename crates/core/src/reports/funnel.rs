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

/// How far along the waterfall a stage is; a former customer was a customer.
fn rank(stage: AccountStage) -> usize {
    match stage {
        AccountStage::FormerCustomer => FUNNEL.len() - 1,
        s => FUNNEL.iter().position(|f| *f == s).unwrap_or(0),
    }
}

/// An account entering a stage.
#[derive(Debug, Clone, PartialEq)]
pub struct StageEvent {
    pub account: i64,
    pub stage: AccountStage,
    pub at: DateTime<Utc>,
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
    pub accounts: u64,
    pub stages: Vec<FunnelStage>,
    /// Accounts that left a customer relationship (counted as customers in the waterfall).
    pub former_customers_now: u64,
    pub cohorts: Vec<FunnelCohort>,
}

/// One account's path: when it first reached each waterfall stage (a skipped stage is reached
/// when a later one is), where it is now, and when it entered the funnel.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub entered: [Option<DateTime<Utc>>; 5],
    pub now: AccountStage,
    pub first: DateTime<Utc>,
}

/// The paths of the accounts of some stage events.
pub fn paths(events: &[StageEvent]) -> Vec<Path> {
    let mut by_account: BTreeMap<i64, Vec<&StageEvent>> = BTreeMap::new();
    for e in events {
        by_account.entry(e.account).or_default().push(e);
    }
    by_account
        .into_values()
        .map(|mut es| {
            es.sort_by_key(|e| e.at);
            let mut entered = [None; 5];
            for e in &es {
                for slot in entered.iter_mut().take(rank(e.stage) + 1) {
                    slot.get_or_insert(e.at);
                }
            }
            Path {
                entered,
                now: es.last().map_or(AccountStage::Target, |e| e.stage),
                first: es[0].at,
            }
        })
        .collect()
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

/// Builds the funnel from every account's stage events (in any order).
pub fn funnel(events: &[StageEvent], since: Option<NaiveDate>) -> FunnelReport {
    funnel_of_paths(&paths(events), since)
}

/// Builds the funnel from every account's path.
pub fn funnel_of_paths(all: &[Path], since: Option<NaiveDate>) -> FunnelReport {
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

    fn ev(account: i64, stage: AccountStage, month: u32, day: u32) -> StageEvent {
        StageEvent {
            account,
            stage,
            at: Utc.with_ymd_and_hms(2026, month, day, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn the_waterfall_counts_reached_stages_and_skips() {
        use AccountStage::*;
        let events = [
            ev(1, Target, 1, 1),
            ev(1, Engaged, 1, 11),
            ev(1, Qualified, 1, 21),
            ev(2, Target, 1, 5),
            // Account 2 jumps straight to opportunity: engaged and qualified count as reached.
            ev(2, Opportunity, 1, 25),
            ev(3, Target, 2, 1),
            ev(4, Customer, 2, 3),
            ev(4, FormerCustomer, 5, 3),
        ];
        let r = funnel(&events, None);
        let reached: Vec<u64> = r.stages.iter().map(|s| s.reached).collect();
        assert_eq!(reached, [4, 3, 3, 2, 1]);
        assert_eq!(r.stages[1].conversion_from_previous, Some(0.75));
        // Engaged after target: 10 days (account 1), 20 days (account 2), 0 days (account 4).
        assert_eq!(r.stages[1].median_days_from_previous, Some(10.0));
        assert_eq!(r.stages[0].current, 1);
        assert_eq!(r.former_customers_now, 1);
        assert_eq!(r.cohorts.len(), 2);
        assert_eq!(r.cohorts[0].cohort, "2026-01");
        assert_eq!(r.cohorts[0].stages[0].reached, 2);
        assert_eq!(r.cohorts[1].stages[4].reached, 1);

        let since = funnel(&events, NaiveDate::from_ymd_opt(2026, 2, 1));
        assert_eq!(since.accounts, 2);
    }
}
