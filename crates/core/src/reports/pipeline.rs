//! Pipeline: open opportunity amount by stage and by expected close period.

use super::Period;
use crate::model::OpportunityStage;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// An open opportunity as the pipeline sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenOpportunity {
    /// The account it is at, or its ultimate parent when families count as one company.
    pub account: i64,
    pub stage: OpportunityStage,
    pub amount: Option<f64>,
    pub close_date: Option<NaiveDate>,
}

/// Open opportunities at one stage.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PipelineStage {
    pub stage: OpportunityStage,
    pub opportunities: u64,
    /// The companies they are at: accounts, or families with `family`.
    pub accounts: u64,
    pub amount: f64,
}

/// Open opportunities expected to close in one period, by stage.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PipelinePeriod {
    /// `2026-Q4`, or `overdue` (close date before today) or `no close date`.
    pub period: String,
    pub opportunities: u64,
    pub amount: f64,
    pub by_stage: Vec<PipelineStage>,
}

/// The pipeline report.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PipelineReport {
    pub period: Period,
    pub today: NaiveDate,
    /// Whether an ultimate parent and its subsidiaries count as one company in `accounts`.
    pub family: bool,
    pub opportunities: u64,
    /// The companies with open opportunities: accounts, or families with `family`.
    pub accounts: u64,
    pub amount: f64,
    pub by_stage: Vec<PipelineStage>,
    pub by_close_period: Vec<PipelinePeriod>,
}

/// The distinct companies of some opportunities.
fn companies<'a>(opps: impl IntoIterator<Item = &'a OpenOpportunity>) -> u64 {
    opps.into_iter()
        .map(|o| o.account)
        .collect::<std::collections::HashSet<_>>()
        .len() as u64
}

fn stages(opps: &[&OpenOpportunity]) -> Vec<PipelineStage> {
    OpportunityStage::ALL
        .iter()
        .filter(|s| {
            !matches!(
                s,
                OpportunityStage::ClosedWon | OpportunityStage::ClosedLost
            )
        })
        .map(|s| {
            let at: Vec<_> = opps.iter().filter(|o| o.stage == *s).collect();
            PipelineStage {
                stage: *s,
                opportunities: at.len() as u64,
                accounts: companies(at.iter().copied().copied()),
                amount: at.iter().filter_map(|o| o.amount).sum(),
            }
        })
        .collect()
}

/// Builds the pipeline from open opportunities (closed ones are ignored).
pub fn pipeline(
    opps: &[OpenOpportunity],
    period: Period,
    today: NaiveDate,
    family: bool,
) -> PipelineReport {
    let open: Vec<&OpenOpportunity> = opps
        .iter()
        .filter(|o| {
            !matches!(
                o.stage,
                OpportunityStage::ClosedWon | OpportunityStage::ClosedLost
            )
        })
        .collect();
    // Key: 0 overdue, 1 a period (by start), 2 no close date.
    let mut periods: BTreeMap<(u8, NaiveDate), Vec<&OpenOpportunity>> = BTreeMap::new();
    for o in &open {
        let key = match o.close_date {
            Some(d) if d < today => (0, NaiveDate::MIN),
            Some(d) => (1, period.start(d)),
            None => (2, NaiveDate::MIN),
        };
        periods.entry(key).or_default().push(o);
    }
    PipelineReport {
        period,
        today,
        family,
        opportunities: open.len() as u64,
        accounts: companies(open.iter().copied()),
        amount: open.iter().filter_map(|o| o.amount).sum(),
        by_stage: stages(&open),
        by_close_period: periods
            .into_iter()
            .map(|((kind, start), os)| PipelinePeriod {
                period: match kind {
                    0 => "overdue".into(),
                    1 => period.label(start),
                    _ => "no close date".into(),
                },
                opportunities: os.len() as u64,
                amount: os.iter().filter_map(|o| o.amount).sum(),
                by_stage: stages(&os),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OpportunityStage::*;

    fn o(stage: OpportunityStage, amount: f64, close: Option<(u32, u32)>) -> OpenOpportunity {
        OpenOpportunity {
            account: amount as i64 % 3,
            stage,
            amount: Some(amount),
            close_date: close.and_then(|(m, d)| NaiveDate::from_ymd_opt(2026, m, d)),
        }
    }

    #[test]
    fn open_amount_by_stage_and_close_period() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let opps = [
            o(Proposal, 100.0, Some((12, 1))),
            o(Negotiation, 50.0, Some((12, 20))),
            o(Prospecting, 10.0, Some((11, 1))),
            o(Qualification, 5.0, None),
            o(ClosedWon, 1000.0, Some((12, 1))),
        ];
        let r = pipeline(&opps, Period::Month, today, false);
        assert_eq!((r.opportunities, r.amount), (4, 165.0));
        // At accounts 1, 2, 1 and 2 (the amount modulo 3).
        assert_eq!(r.accounts, 2);
        let periods: Vec<(&str, u64, f64)> = r
            .by_close_period
            .iter()
            .map(|p| (p.period.as_str(), p.opportunities, p.amount))
            .collect();
        assert_eq!(
            periods,
            [
                ("overdue", 1, 10.0),
                ("2026-12", 2, 150.0),
                ("no close date", 1, 5.0)
            ]
        );
        assert_eq!(r.by_stage.len(), 4);
        assert_eq!(r.by_stage[2].amount, 100.0);
    }
}
