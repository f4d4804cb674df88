//! Campaign influence at the account level. Most opportunities have no contact role, so
//! crediting a campaign only through roles misses most of what marketing did: here an
//! opportunity is influenced by every campaign that touched any contact of its account (or of
//! its whole hierarchy) within a window before the opportunity was created.
//!
//! A touch is a person's response by default: a campaign that only reached someone (an email
//! sent or opened, a membership `sent`) earns no credit, or every send would claim every deal.
//! Family-wide credit is an option, not the default: a webinar attended at one subsidiary did
//! not start a deal at another.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;

/// The touches of one campaign on one opportunity's account (or hierarchy) within the window
/// before the opportunity was created: the earliest and the latest.
#[derive(Debug, Clone, PartialEq)]
pub struct OpportunityTouch {
    pub opportunity: i64,
    pub amount: Option<f64>,
    pub campaign: i64,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
}

/// Which campaign touches credit an opportunity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Touches {
    /// Responses only: memberships with a status the scoring model counts as an answer to
    /// their campaign's kind (`[responses]`, by default registered, attended and responded) and
    /// activities [`RESPONSE_ACTIVITY_KINDS`].
    #[default]
    Responses,
    /// Every membership and campaign activity, sends included.
    All,
}

/// Activity kinds that are a person's response to a campaign: a click through, a form filled, a
/// webinar or event attended, a meeting or call held. An `email` activity records a send or an
/// open, which reaches a person without their answering.
pub const RESPONSE_ACTIVITY_KINDS: [&str; 6] =
    ["web_visit", "form", "webinar", "event", "meeting", "call"];

/// How an influence report credits campaigns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InfluenceOptions {
    /// Touches this many days before an opportunity was created count.
    pub window_days: u32,
    /// Touches anywhere in the account's hierarchy count, not only at its own account.
    pub hierarchy: bool,
    pub touches: Touches,
}

impl Default for InfluenceOptions {
    fn default() -> Self {
        InfluenceOptions {
            window_days: 90,
            hierarchy: false,
            touches: Touches::Responses,
        }
    }
}

/// Credit under one attribution model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Credit {
    /// Opportunities credited (fractions under even split).
    pub opportunities: f64,
    pub amount: f64,
}

/// One campaign's influence.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CampaignInfluence {
    pub campaign_id: i64,
    pub campaign: String,
    /// Opportunities with any touch of this campaign in the window.
    pub influenced: u64,
    pub influenced_amount: f64,
    pub first_touch: Credit,
    pub last_touch: Credit,
    pub even_split: Credit,
}

impl CampaignInfluence {
    fn new(campaign_id: i64, names: &HashMap<i64, String>) -> CampaignInfluence {
        CampaignInfluence {
            campaign_id,
            campaign: names
                .get(&campaign_id)
                .cloned()
                .unwrap_or_else(|| format!("campaign {campaign_id}")),
            influenced: 0,
            influenced_amount: 0.0,
            first_touch: Credit::default(),
            last_touch: Credit::default(),
            even_split: Credit::default(),
        }
    }
}

/// The influence report.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct InfluenceReport {
    pub window_days: u32,
    /// Whether touches anywhere in the account's hierarchy count.
    pub hierarchy: bool,
    /// Which touches counted.
    pub touches: Touches,
    pub opportunities: u64,
    pub amount: f64,
    /// Opportunities with at least one campaign touch in the window.
    pub influenced: u64,
    pub influenced_amount: f64,
    /// Most influenced amount first.
    pub campaigns: Vec<CampaignInfluence>,
}

/// Attributes each touched opportunity to its campaigns: all of them (influence), the one that
/// touched first, the one that touched last, and an even split. `opportunities` and `amount`
/// count every opportunity in range, touched or not; `names` gives campaign names.
pub fn influence(
    opportunities: u64,
    amount: f64,
    touches: &[OpportunityTouch],
    names: &HashMap<i64, String>,
    options: InfluenceOptions,
) -> InfluenceReport {
    // By opportunity, in id order, so sums of fractions come out the same whatever order the
    // rows came in.
    let mut by_opportunity: BTreeMap<i64, Vec<&OpportunityTouch>> = BTreeMap::new();
    for t in touches {
        by_opportunity.entry(t.opportunity).or_default().push(t);
    }
    let mut campaigns: BTreeMap<i64, CampaignInfluence> = BTreeMap::new();
    let (mut influenced, mut influenced_amount) = (0u64, 0.0);
    for ts in by_opportunity.values() {
        // A campaign may touch through memberships and activities alike: one span each.
        let mut spans: BTreeMap<i64, (DateTime<Utc>, DateTime<Utc>)> = BTreeMap::new();
        for t in ts {
            let span = spans.entry(t.campaign).or_insert((t.first_at, t.last_at));
            span.0 = span.0.min(t.first_at);
            span.1 = span.1.max(t.last_at);
        }
        let amount = ts[0].amount.unwrap_or(0.0);
        influenced += 1;
        influenced_amount += amount;
        let share = 1.0 / spans.len() as f64;
        for c in spans.keys() {
            let ci = campaigns
                .entry(*c)
                .or_insert_with(|| CampaignInfluence::new(*c, names));
            ci.influenced += 1;
            ci.influenced_amount += amount;
            ci.even_split.opportunities += share;
            ci.even_split.amount += amount * share;
        }
        let first = spans
            .iter()
            .min_by_key(|(c, s)| (s.0, **c))
            .map(|(c, _)| *c);
        let last = spans
            .iter()
            .max_by_key(|(c, s)| (s.1, std::cmp::Reverse(**c)))
            .map(|(c, _)| *c);
        if let Some(f) = first.and_then(|c| campaigns.get_mut(&c)) {
            f.first_touch.opportunities += 1.0;
            f.first_touch.amount += amount;
        }
        if let Some(l) = last.and_then(|c| campaigns.get_mut(&c)) {
            l.last_touch.opportunities += 1.0;
            l.last_touch.amount += amount;
        }
    }
    let mut campaigns: Vec<CampaignInfluence> = campaigns
        .into_values()
        .map(|mut c| {
            // Even-split credit is fractional: to 1/10,000 of an opportunity and to the cent.
            c.even_split.opportunities = (c.even_split.opportunities * 1e4).round() / 1e4;
            c.even_split.amount = (c.even_split.amount * 100.0).round() / 100.0;
            c
        })
        .collect();
    campaigns.sort_by(|a, b| {
        b.influenced_amount
            .total_cmp(&a.influenced_amount)
            .then(a.campaign_id.cmp(&b.campaign_id))
    });
    InfluenceReport {
        window_days: options.window_days,
        hierarchy: options.hierarchy,
        touches: options.touches,
        opportunities,
        amount,
        influenced,
        influenced_amount,
        campaigns,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(month: u32, day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, month, day, 0, 0, 0).unwrap()
    }

    fn touch(
        opportunity: i64,
        amount: f64,
        campaign: i64,
        first: (u32, u32),
        last: (u32, u32),
    ) -> OpportunityTouch {
        OpportunityTouch {
            opportunity,
            amount: Some(amount),
            campaign,
            first_at: at(first.0, first.1),
            last_at: at(last.0, last.1),
        }
    }

    #[test]
    fn first_last_and_even_split_credit_the_touching_campaigns() {
        let touches = [
            touch(1, 900.0, 1, (4, 1), (4, 1)),
            touch(1, 900.0, 2, (5, 1), (5, 1)),
            touch(1, 900.0, 3, (4, 20), (5, 20)),
            touch(2, 100.0, 2, (1, 1), (1, 1)),
            // Campaign 1 touched opportunity 1 through an activity too, later.
            touch(1, 900.0, 1, (5, 25), (5, 25)),
        ];
        let names = HashMap::from([(1, "Webinar".to_string())]);
        let options = InfluenceOptions {
            hierarchy: true,
            ..InfluenceOptions::default()
        };
        let r = influence(3, 1500.0, &touches, &names, options);
        assert_eq!(
            (r.opportunities, r.influenced, r.influenced_amount),
            (3, 2, 1000.0)
        );
        let by_id: HashMap<i64, &CampaignInfluence> =
            r.campaigns.iter().map(|c| (c.campaign_id, c)).collect();
        assert_eq!(by_id[&1].campaign, "Webinar");
        assert_eq!(by_id[&3].campaign, "campaign 3");
        assert_eq!(by_id[&1].first_touch.amount, 900.0);
        assert_eq!(by_id[&1].last_touch.amount, 900.0);
        assert_eq!(by_id[&3].last_touch.amount, 0.0);
        assert_eq!(by_id[&2].first_touch.amount, 100.0);
        assert_eq!(by_id[&2].influenced_amount, 1000.0);
        assert!((by_id[&2].even_split.amount - 400.0).abs() < 1e-9);
        let total: f64 = r.campaigns.iter().map(|c| c.even_split.opportunities).sum();
        assert!(
            (total - 2.0).abs() < 1e-3,
            "shares are rounded to 1/10,000: {total}"
        );
        assert_eq!(
            r.campaigns[0].campaign_id, 2,
            "most influenced amount first"
        );
    }
}
