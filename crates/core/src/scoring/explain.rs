//! Why an account has its score: every rule that contributed and how much, down to the contact
//! and the activity. The engine reports each contribution to a [`Sink`] as it computes it; the
//! fast path's sink is `()`, which keeps nothing, so explanation and score cannot drift apart.

use super::model::{EngagementRule, FitRule, FitTarget, Rollup, ScoringModel};
use super::scores::{AccountScore, ActivityFact, ContactScore, OwnScore};
use super::Points;
use crate::model::{ActivityKind, BuyingRole, Contact, ContactStatus, Seniority};
use crate::{AccountId, ActivityId, ContactId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// Where the engine reports contributions as it computes them.
pub(crate) trait Sink {
    /// The contributions that follow belong to this contact (`None`: to the account itself).
    fn begin(&mut self, _contact: Option<ContactId>) {}
    fn fit(&mut self, _rule: &FitRule, _points: Points) {}
    fn activity(
        &mut self,
        _rule: &EngagementRule,
        _a: &ActivityFact,
        _age_days: f64,
        _factor: f64,
        _points: Points,
    ) {
    }
    /// A cut by a rule's cap (`Some`) or by the contact maximum (`None`); `points` is negative.
    fn cap(&mut self, _rule: Option<&EngagementRule>, _points: Points) {}
    fn name(&mut self, _contact: &Contact) {}
    /// A contact's place in the account roll-up: rank (`None`: not counted), weight, points.
    fn contact(&mut self, _c: &ContactScore, _rank: Option<usize>, _weight: f64, _points: Points) {}
    fn breadth(&mut self, _roles: &[BuyingRole], _seniorities: &[Seniority], _points: Points) {}
    fn subsidiary(&mut self, _account: AccountId, _points: Points) {}
    fn best_of_hierarchy(&mut self, _account: AccountId, _points: Points) {}
}

impl Sink for () {}

/// A rule and what it added.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RuleLine {
    pub rule: String,
    pub points: Points,
}

/// An activity, the rule that scored it, and how far its points have decayed.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ActivityLine {
    pub activity_id: ActivityId,
    pub rule: String,
    pub kind: ActivityKind,
    pub occurred_at: DateTime<Utc>,
    /// The rule's points before decay.
    pub base: Points,
    pub age_days: f64,
    /// The share of `base` left after decay: 0.5 after one half-life.
    pub factor: f64,
    pub points: Points,
}

/// A contact's score and its place in the account's.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ContactLine {
    pub contact_id: ContactId,
    pub name: String,
    /// Fit lines plus activity lines plus caps.
    pub score: Points,
    /// 1 for the best contact; `None` when the contact is not counted (see `note`).
    pub rank: Option<usize>,
    /// The share of the contact's score the account takes: each further contact less.
    pub weight: f64,
    /// What the contact adds to the account: `score` times `weight`, rounded.
    pub points: Points,
    pub note: Option<String>,
    pub fit: Vec<RuleLine>,
    pub engagement: Vec<ActivityLine>,
    /// Cuts by rule caps and the contact maximum (negative).
    pub caps: Vec<RuleLine>,
}

/// One line of an account's explanation.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Line {
    /// An account fit rule the account matches.
    AccountFit(RuleLine),
    /// Activities recorded on the account with no contact.
    AccountEngagement {
        points: Points,
        activities: Vec<ActivityLine>,
        caps: Vec<RuleLine>,
    },
    Contact(ContactLine),
    /// Distinct buying roles and seniorities among engaged contacts.
    Breadth {
        roles: Vec<BuyingRole>,
        seniorities: Vec<Seniority>,
        points: Points,
    },
    /// A subsidiary's rolled-up score (roll-up `sum_children`).
    Subsidiary {
        account_id: AccountId,
        points: Points,
    },
    /// How far the best subsidiary's score lifts the account's (roll-up `max_children`).
    BestOfHierarchy {
        account_id: AccountId,
        points: Points,
    },
}

impl Line {
    /// What the line adds to the account's score.
    pub fn points(&self) -> Points {
        match self {
            Line::AccountFit(r) => r.points,
            Line::AccountEngagement { points, .. }
            | Line::Breadth { points, .. }
            | Line::Subsidiary { points, .. }
            | Line::BestOfHierarchy { points, .. } => *points,
            Line::Contact(c) => c.points,
        }
    }
}

/// Why an account has its score. The lines add up to `score` exactly.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Explanation {
    pub account_id: AccountId,
    pub model: String,
    /// The time the score is computed for: engagement decays from its activities to this.
    pub as_of: DateTime<Utc>,
    pub rollup: Rollup,
    #[serde(flatten)]
    pub parts: OwnScore,
    pub score: Points,
    pub lines: Vec<Line>,
}

impl Explanation {
    /// The sum of the lines.
    pub fn total(&self) -> Points {
        self.lines.iter().map(Line::points).sum()
    }
}

#[derive(Default)]
struct Frame {
    name: String,
    fit: Vec<RuleLine>,
    engagement: Vec<ActivityLine>,
    caps: Vec<RuleLine>,
}

/// The sink that keeps every line.
#[derive(Default)]
pub(crate) struct Collector {
    current: Option<ContactId>,
    account_fit: Vec<RuleLine>,
    account: Frame,
    contacts: HashMap<ContactId, Frame>,
    ranked: Vec<ContactLine>,
    uncounted: Vec<ContactLine>,
    tail: Vec<Line>,
}

impl Collector {
    fn frame(&mut self) -> &mut Frame {
        match self.current {
            Some(c) => self.contacts.entry(c).or_default(),
            None => &mut self.account,
        }
    }

    pub(crate) fn finish(
        mut self,
        model: &ScoringModel,
        account: AccountId,
        as_of: DateTime<Utc>,
        score: AccountScore,
    ) -> Explanation {
        let mut lines: Vec<Line> = self.account_fit.into_iter().map(Line::AccountFit).collect();
        if !self.account.engagement.is_empty() {
            lines.push(Line::AccountEngagement {
                points: score.parts.engagement,
                activities: std::mem::take(&mut self.account.engagement),
                caps: std::mem::take(&mut self.account.caps),
            });
        }
        self.ranked.sort_by_key(|c| c.rank);
        lines.extend(self.ranked.into_iter().map(Line::Contact));
        lines.extend(self.uncounted.into_iter().map(Line::Contact));
        lines.extend(self.tail);
        Explanation {
            account_id: account,
            model: model.name.clone(),
            as_of,
            rollup: model.account.rollup,
            parts: score.parts,
            score: score.score,
            lines,
        }
    }
}

impl Sink for Collector {
    fn begin(&mut self, contact: Option<ContactId>) {
        self.current = contact;
    }

    fn fit(&mut self, rule: &FitRule, points: Points) {
        let line = RuleLine {
            rule: rule.name.clone(),
            points,
        };
        match rule.target {
            FitTarget::Account => self.account_fit.push(line),
            FitTarget::Contact => self.frame().fit.push(line),
        }
    }

    fn activity(
        &mut self,
        rule: &EngagementRule,
        a: &ActivityFact,
        age_days: f64,
        factor: f64,
        points: Points,
    ) {
        // Decayed to nothing: not a contribution (and nothing to the sum).
        if points == Points::ZERO {
            return;
        }
        let line = ActivityLine {
            activity_id: a.id,
            rule: rule.name.clone(),
            kind: a.kind,
            occurred_at: DateTime::from_timestamp(a.occurred_at, 0).unwrap_or_default(),
            base: rule.points,
            age_days: (age_days * 100.0).round() / 100.0,
            factor,
            points,
        };
        self.frame().engagement.push(line);
    }

    fn cap(&mut self, rule: Option<&EngagementRule>, points: Points) {
        let rule = match rule {
            Some(r) => format!(
                "at most {} from {:?}",
                r.max_points.unwrap_or_default(),
                r.name
            ),
            None => "contact maximum".to_string(),
        };
        self.frame().caps.push(RuleLine { rule, points });
    }

    fn name(&mut self, contact: &Contact) {
        self.frame().name = contact.display_name();
    }

    fn contact(&mut self, c: &ContactScore, rank: Option<usize>, weight: f64, points: Points) {
        let frame = self.contacts.remove(&c.contact_id).unwrap_or_default();
        let note = match rank {
            None => Some(format!(
                "not counted: status {}",
                match c.status {
                    ContactStatus::LeftCompany => "left company",
                    s => s.as_str(),
                }
            )),
            Some(r) if weight == 0.0 => Some(format!(
                "not counted: only the best contacts count, and this is number {r}"
            )),
            Some(_) => None,
        };
        let line = ContactLine {
            contact_id: c.contact_id,
            name: frame.name,
            score: c.score,
            rank: rank.filter(|_| weight > 0.0),
            weight,
            points,
            note,
            fit: frame.fit,
            engagement: frame.engagement,
            caps: frame.caps,
        };
        if line.rank.is_some() {
            self.ranked.push(line);
        } else {
            self.uncounted.push(line);
        }
    }

    fn breadth(&mut self, roles: &[BuyingRole], seniorities: &[Seniority], points: Points) {
        self.tail.push(Line::Breadth {
            roles: roles.to_vec(),
            seniorities: seniorities.to_vec(),
            points,
        });
    }

    fn subsidiary(&mut self, account: AccountId, points: Points) {
        self.tail.push(Line::Subsidiary {
            account_id: account,
            points,
        });
    }

    fn best_of_hierarchy(&mut self, account: AccountId, points: Points) {
        self.tail.push(Line::BestOfHierarchy {
            account_id: account,
            points,
        });
    }
}
