//! Sales cycles started: opportunities created per period, the headline figure of an
//! account-based funnel (a lead count says how many forms were filled, not how many deals began).

use super::Period;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// What the figures are broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CyclesBy {
    /// One row per period.
    #[default]
    Total,
    /// The opportunity's source campaign.
    Campaign,
    /// The opportunity's owner.
    Owner,
}

impl std::str::FromStr for CyclesBy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "total" | "none" => Ok(CyclesBy::Total),
            "campaign" | "source_campaign" => Ok(CyclesBy::Campaign),
            "owner" => Ok(CyclesBy::Owner),
            other => Err(format!(
                "{other:?} is not a breakdown; expected total, campaign or owner"
            )),
        }
    }
}

/// Opportunities created on one day (in one group): `group` is the label of their campaign or
/// owner (`None` for "no campaign" / "no owner").
#[derive(Debug, Clone, PartialEq)]
pub struct CycleStart {
    pub day: NaiveDate,
    pub opportunities: u64,
    pub amount: f64,
    pub group: Option<String>,
}

/// Opportunities created in one period (and group).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CyclesRow {
    pub period: String,
    pub period_start: NaiveDate,
    /// The campaign or owner; absent in a total breakdown, `"(none)"` for opportunities without.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub started: u64,
    pub amount: f64,
}

/// The sales-cycles-started report.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CyclesReport {
    pub period: Period,
    pub by: CyclesBy,
    pub from: NaiveDate,
    /// Exclusive.
    pub to: NaiveDate,
    /// Every period in range appears in a total breakdown, with zeros where nothing started.
    pub rows: Vec<CyclesRow>,
    pub total_started: u64,
    pub total_amount: f64,
}

/// Counts the starts in `[from, to)` per period (and group).
pub fn sales_cycles(
    starts: &[CycleStart],
    period: Period,
    by: CyclesBy,
    from: NaiveDate,
    to: NaiveDate,
) -> CyclesReport {
    let mut cells: BTreeMap<(NaiveDate, Option<String>), (u64, f64)> = BTreeMap::new();
    if by == CyclesBy::Total {
        for p in period.starts(from, to) {
            cells.insert((p, None), (0, 0.0));
        }
    }
    let (mut total, mut amount) = (0, 0.0);
    for s in starts {
        let day = s.day;
        if day < from || day >= to {
            continue;
        }
        let group = match by {
            CyclesBy::Total => None,
            _ => Some(s.group.clone().unwrap_or_else(|| "(none)".into())),
        };
        let cell = cells.entry((period.start(day), group)).or_default();
        cell.0 += s.opportunities;
        cell.1 += s.amount;
        total += s.opportunities;
        amount += s.amount;
    }
    CyclesReport {
        period,
        by,
        from,
        to,
        rows: cells
            .into_iter()
            .map(|((start, group), (started, amount))| CyclesRow {
                period: period.label(start),
                period_start: start,
                group,
                started,
                amount,
            })
            .collect(),
        total_started: total,
        total_amount: amount,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(y: i32, m: u32, d: u32, amount: f64, group: Option<&str>) -> CycleStart {
        CycleStart {
            day: NaiveDate::from_ymd_opt(y, m, d).unwrap(),
            opportunities: 1,
            amount,
            group: group.map(Into::into),
        }
    }

    #[test]
    fn starts_are_counted_per_period_with_empty_periods_kept() {
        let starts = [
            start(2026, 1, 5, 100.0, Some("Q1 Summit")),
            start(2026, 1, 30, 50.0, None),
            start(2026, 3, 1, 10.0, Some("Q1 Summit")),
            start(2025, 12, 31, 999.0, None),
        ];
        let from = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let to = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
        let r = sales_cycles(&starts, Period::Month, CyclesBy::Total, from, to);
        let counts: Vec<(String, u64)> = r
            .rows
            .iter()
            .map(|r| (r.period.clone(), r.started))
            .collect();
        assert_eq!(
            counts,
            [
                ("2026-01".into(), 2),
                ("2026-02".into(), 0),
                ("2026-03".into(), 1)
            ]
        );
        assert_eq!((r.total_started, r.total_amount), (3, 160.0));

        let r = sales_cycles(&starts, Period::Quarter, CyclesBy::Campaign, from, to);
        let groups: Vec<(Option<&str>, u64)> = r
            .rows
            .iter()
            .map(|r| (r.group.as_deref(), r.started))
            .collect();
        assert_eq!(groups, [(Some("(none)"), 1), (Some("Q1 Summit"), 2)]);
    }
}
