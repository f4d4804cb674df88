//! Cost per sales cycle started: what each campaign spent for each opportunity it influenced.
//! A campaign's budget is divided by the sales cycles started (opportunities created) in range
//! that the campaign influenced, as the influence report counts them. A campaign without a
//! budget, or one that influenced no cycle, has no cost per cycle, and says why: never an
//! infinity, never a zero that reads as "free".

use super::InfluenceReport;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Why a campaign has a cost per cycle, or why it has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CostStatus {
    /// A budget and at least one influenced cycle: `cost_per_cycle` is set.
    Priced,
    /// The campaign influenced no sales cycle started in range.
    NoCycleStarted,
    /// The campaign has no budget.
    NoBudget,
}

impl CostStatus {
    /// How a person reads the status where a cost would be.
    pub fn label(self) -> &'static str {
        match self {
            CostStatus::Priced => "priced",
            CostStatus::NoCycleStarted => "no cycle started",
            CostStatus::NoBudget => "no budget",
        }
    }
}

/// A campaign as the cost report needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignBudget {
    pub campaign_id: i64,
    pub name: String,
    pub budget: Option<f64>,
}

/// One campaign's cost per sales cycle started.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CampaignCost {
    pub campaign_id: i64,
    pub campaign: String,
    /// The campaign's budget; absent when it has none.
    pub budget: Option<f64>,
    /// Sales cycles started in range that the campaign influenced.
    pub cycles_started: u64,
    /// Budget over cycles started, to the cent; absent unless `status` is `priced`.
    pub cost_per_cycle: Option<f64>,
    pub status: CostStatus,
}

/// The cost-per-sales-cycle-started report.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CostPerCycleReport {
    /// Opportunities created from this day.
    pub from: NaiveDate,
    /// Until the day before this one.
    pub to: NaiveDate,
    /// The influence window, hierarchy and touches the counts come from.
    pub window_days: u32,
    pub hierarchy: bool,
    pub touches: super::Touches,
    /// Every campaign: priced ones cheapest first, then those with no cycle started, then
    /// those with no budget (each by name).
    pub campaigns: Vec<CampaignCost>,
}

/// The cost per cycle of one campaign.
pub fn campaign_cost(budget: Option<f64>, cycles_started: u64) -> (Option<f64>, CostStatus) {
    match budget {
        None => (None, CostStatus::NoBudget),
        Some(_) if cycles_started == 0 => (None, CostStatus::NoCycleStarted),
        Some(b) => (
            Some((b / cycles_started as f64 * 100.0).round() / 100.0),
            CostStatus::Priced,
        ),
    }
}

/// Joins every campaign's budget with the cycles the influence report credits it with. A
/// campaign the report names but `campaigns` does not (it was deleted) is listed without a
/// budget.
pub fn cost_per_cycle(
    influence: &InfluenceReport,
    campaigns: &[CampaignBudget],
    from: NaiveDate,
    to: NaiveDate,
) -> CostPerCycleReport {
    let mut all: BTreeMap<i64, (String, Option<f64>, u64)> = campaigns
        .iter()
        .map(|c| (c.campaign_id, (c.name.clone(), c.budget, 0)))
        .collect();
    for c in &influence.campaigns {
        all.entry(c.campaign_id)
            .or_insert_with(|| (c.campaign.clone(), None, 0))
            .2 = c.influenced;
    }
    let mut rows: Vec<CampaignCost> = all
        .into_iter()
        .map(|(campaign_id, (campaign, budget, cycles_started))| {
            let (cost_per_cycle, status) = campaign_cost(budget, cycles_started);
            CampaignCost {
                campaign_id,
                campaign,
                budget,
                cycles_started,
                cost_per_cycle,
                status,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        a.status
            .cmp(&b.status)
            .then(
                a.cost_per_cycle
                    .unwrap_or(0.0)
                    .total_cmp(&b.cost_per_cycle.unwrap_or(0.0)),
            )
            .then_with(|| a.campaign.to_lowercase().cmp(&b.campaign.to_lowercase()))
            .then(a.campaign_id.cmp(&b.campaign_id))
    });
    CostPerCycleReport {
        from,
        to,
        window_days: influence.window_days,
        hierarchy: influence.hierarchy,
        touches: influence.touches,
        campaigns: rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::{CampaignInfluence, Credit, Touches};

    fn influenced(campaign_id: i64, name: &str, influenced: u64) -> CampaignInfluence {
        CampaignInfluence {
            campaign_id,
            campaign: name.into(),
            influenced,
            influenced_amount: 0.0,
            first_touch: Credit::default(),
            last_touch: Credit::default(),
            even_split: Credit::default(),
        }
    }

    fn budget(campaign_id: i64, name: &str, budget: Option<f64>) -> CampaignBudget {
        CampaignBudget {
            campaign_id,
            name: name.into(),
            budget,
        }
    }

    fn report(campaigns: Vec<CampaignInfluence>) -> InfluenceReport {
        InfluenceReport {
            window_days: 90,
            hierarchy: false,
            touches: Touches::Responses,
            opportunities: 10,
            amount: 0.0,
            influenced: 4,
            influenced_amount: 0.0,
            campaigns,
        }
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, d).unwrap()
    }

    #[test]
    fn the_budget_is_divided_by_the_cycles_the_campaign_influenced() {
        assert_eq!(
            campaign_cost(Some(1000.0), 3),
            (Some(333.33), CostStatus::Priced)
        );
        assert_eq!(campaign_cost(Some(0.0), 2), (Some(0.0), CostStatus::Priced));
    }

    #[test]
    fn no_budget_and_no_cycle_started_are_said_not_divided() {
        assert_eq!(campaign_cost(None, 4), (None, CostStatus::NoBudget));
        assert_eq!(campaign_cost(None, 0), (None, CostStatus::NoBudget));
        assert_eq!(
            campaign_cost(Some(500.0), 0),
            (None, CostStatus::NoCycleStarted)
        );
        assert_eq!(CostStatus::NoCycleStarted.label(), "no cycle started");
        assert_eq!(CostStatus::NoBudget.label(), "no budget");
    }

    #[test]
    fn every_campaign_is_listed_priced_cheapest_first() {
        let r = cost_per_cycle(
            &report(vec![
                influenced(1, "Webinar", 2),
                influenced(2, "Summit", 1),
                influenced(3, "Blog", 5),
                influenced(9, "Deleted", 1),
            ]),
            &[
                budget(1, "Webinar", Some(1000.0)),
                budget(2, "Summit", Some(300.0)),
                budget(3, "Blog", None),
                budget(4, "Trade show", Some(8000.0)),
            ],
            day(1),
            day(31),
        );
        let rows: Vec<(&str, u64, Option<f64>, CostStatus)> = r
            .campaigns
            .iter()
            .map(|c| {
                (
                    c.campaign.as_str(),
                    c.cycles_started,
                    c.cost_per_cycle,
                    c.status,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("Summit", 1, Some(300.0), CostStatus::Priced),
                ("Webinar", 2, Some(500.0), CostStatus::Priced),
                ("Trade show", 0, None, CostStatus::NoCycleStarted),
                ("Blog", 5, None, CostStatus::NoBudget),
                ("Deleted", 1, None, CostStatus::NoBudget),
            ]
        );
        assert_eq!((r.from, r.to, r.window_days), (day(1), day(31), 90));
    }
}
