//! Campaign influence at the account level. Most opportunities have no contact role, so
//! crediting a campaign only through roles misses most of what marketing did: here an
//! opportunity is influenced by every campaign that touched any contact of its account (or of
//! its whole hierarchy) within a window before the opportunity was created.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;

/// An opportunity; `key` is its account, or the root of its account's hierarchy.
#[derive(Debug, Clone, PartialEq)]
pub struct InfluencedOpportunity {
    pub id: i64,
    pub key: i64,
    pub created_at: DateTime<Utc>,
    pub amount: Option<f64>,
}

/// A campaign touching a contact (membership or campaign activity), keyed like the
/// opportunities.
#[derive(Debug, Clone, PartialEq)]
pub struct Touch {
    pub key: i64,
    pub campaign: i64,
    pub at: DateTime<Utc>,
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
    pub opportunities: u64,
    pub amount: f64,
    /// Opportunities with at least one campaign touch in the window.
    pub influenced: u64,
    pub influenced_amount: f64,
    /// Most influenced amount first.
    pub campaigns: Vec<CampaignInfluence>,
}

/// Attributes each opportunity to the campaigns that touched its key within `window_days`
/// before it was created. `names` gives campaign names.
pub fn influence(
    opps: &[InfluencedOpportunity],
    touches: &[Touch],
    names: &HashMap<i64, String>,
    window_days: u32,
    hierarchy: bool,
) -> InfluenceReport {
    let mut by_key: HashMap<i64, Vec<(DateTime<Utc>, i64)>> = HashMap::new();
    for t in touches {
        by_key.entry(t.key).or_default().push((t.at, t.campaign));
    }
    for v in by_key.values_mut() {
        v.sort_unstable();
    }
    let window = Duration::days(i64::from(window_days));
    let mut campaigns: BTreeMap<i64, CampaignInfluence> = BTreeMap::new();
    let (mut influenced, mut influenced_amount) = (0u64, 0.0);
    // In id order, so sums of fractions come out the same whatever order the rows came in.
    let mut ordered: Vec<&InfluencedOpportunity> = opps.iter().collect();
    ordered.sort_by_key(|o| o.id);
    for o in ordered {
        let Some(ts) = by_key.get(&o.key) else {
            continue;
        };
        let lo = ts.partition_point(|(at, _)| *at < o.created_at - window);
        let hi = ts.partition_point(|(at, _)| *at < o.created_at);
        let inside = &ts[lo..hi];
        if inside.is_empty() {
            continue;
        }
        let amount = o.amount.unwrap_or(0.0);
        influenced += 1;
        influenced_amount += amount;
        let mut distinct: Vec<i64> = inside.iter().map(|(_, c)| *c).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let share = 1.0 / distinct.len() as f64;
        for c in &distinct {
            let ci = campaigns
                .entry(*c)
                .or_insert_with(|| CampaignInfluence::new(*c, names));
            ci.influenced += 1;
            ci.influenced_amount += amount;
            ci.even_split.opportunities += share;
            ci.even_split.amount += amount * share;
        }
        let first = inside[0].1;
        let last = inside[inside.len() - 1].1;
        if let Some(f) = campaigns.get_mut(&first) {
            f.first_touch.opportunities += 1.0;
            f.first_touch.amount += amount;
        }
        if let Some(l) = campaigns.get_mut(&last) {
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
        window_days,
        hierarchy,
        opportunities: opps.len() as u64,
        amount: opps.iter().filter_map(|o| o.amount).sum(),
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

    #[test]
    fn first_last_and_even_split_credit_campaigns_in_the_window() {
        let opps = [
            InfluencedOpportunity {
                id: 1,
                key: 10,
                created_at: at(6, 1),
                amount: Some(900.0),
            },
            InfluencedOpportunity {
                id: 2,
                key: 20,
                created_at: at(6, 1),
                amount: Some(100.0),
            },
        ];
        let touches = [
            Touch {
                key: 10,
                campaign: 1,
                at: at(4, 1),
            },
            Touch {
                key: 10,
                campaign: 2,
                at: at(5, 1),
            },
            Touch {
                key: 10,
                campaign: 3,
                at: at(5, 20),
            },
            // Too early for a 90-day window, and after the opportunity: neither counts.
            Touch {
                key: 10,
                campaign: 4,
                at: at(1, 1),
            },
            Touch {
                key: 10,
                campaign: 4,
                at: at(6, 2),
            },
        ];
        let names = HashMap::from([(1, "Webinar".to_string())]);
        let r = influence(&opps, &touches, &names, 90, true);
        assert_eq!(
            (r.opportunities, r.influenced, r.influenced_amount),
            (2, 1, 900.0)
        );
        let by_id: HashMap<i64, &CampaignInfluence> =
            r.campaigns.iter().map(|c| (c.campaign_id, c)).collect();
        assert_eq!(by_id.len(), 3);
        assert_eq!(by_id[&1].campaign, "Webinar");
        assert_eq!(by_id[&1].first_touch.amount, 900.0);
        assert_eq!(by_id[&3].last_touch.amount, 900.0);
        assert_eq!(by_id[&2].first_touch.amount, 0.0);
        assert!((by_id[&2].even_split.amount - 300.0).abs() < 1e-9);
        let total: f64 = r.campaigns.iter().map(|c| c.even_split.opportunities).sum();
        assert!((total - 1.0).abs() < 1e-9);
    }
}
