//! Stage rules: where an account stands in the funnel follows from its score, its
//! opportunities, its assets and its relationship.
//!
//! Whether an account is a customer is one fact, [`customer_status`], derived where it can be:
//! - an active asset (no renewal date, or one not yet past) makes it a customer;
//! - assets that have all lapsed make it a former customer;
//! - a won opportunity makes it a customer, unless a person said it is a former one (a deal
//!   won once is not a contract that lasts);
//! - with none of these, a person's choice of relationship is the fact.
//!
//! The stage then follows: a customer is at the customer stage, a former customer at the
//! former-customer stage (an open opportunity reopens it); otherwise an open opportunity makes
//! an opportunity, and the score makes it qualified or engaged by the model's thresholds. The
//! stage and the relationship move together ([`relationship_after`]), so they never disagree.
//!
//! Rules move an account forward, except that a change of customer status moves it either way.
//! They move it back only when the fact that moved it is gone: an opportunity stage whose
//! opportunities all closed lost falls back to what the score says. A score that decays does
//! not un-qualify an account: the funnel counts accounts that reached a stage, and a person may
//! always set a stage by hand.

use super::model::StageThresholds;
use super::Points;
use crate::model::{AccountStage, Relationship};
use crate::{AssetId, OpportunityId};
use chrono::NaiveDate;

/// What the stage rules look at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StageFacts {
    pub current: AccountStage,
    pub relationship: Relationship,
    /// The account's score after the hierarchy roll-up.
    pub score: Points,
    /// An open opportunity, if any (the oldest).
    pub open_opportunity: Option<OpportunityId>,
    /// A won opportunity, if any (the latest).
    pub won_opportunity: Option<OpportunityId>,
    pub assets: AssetFacts,
}

/// What an account's assets say of it on the day the rules run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AssetFacts {
    /// An asset in force: without a renewal date, or renewing today or later.
    pub active: Option<AssetId>,
    /// When the account has assets and none is in force: the last renewal date it missed.
    pub lapsed_on: Option<NaiveDate>,
}

/// The account's customer status as its facts have it, and why: `None` when no fact decides
/// and a person's choice of relationship stands.
pub fn customer_status(f: &StageFacts) -> Option<(Relationship, String)> {
    if let Some(asset) = f.assets.active {
        return Some((Relationship::Customer, format!("asset {asset} is active")));
    }
    if let Some(on) = f.assets.lapsed_on {
        return Some((
            Relationship::FormerCustomer,
            format!("every asset lapsed (the last renewal was due {on})"),
        ));
    }
    match f.won_opportunity {
        Some(_) if f.relationship == Relationship::FormerCustomer => None,
        Some(won) => Some((Relationship::Customer, format!("opportunity {won} was won"))),
        None => None,
    }
}

/// Whether a person may set the relationship to `choice`: not against what the account's
/// facts say (an active asset, lapsed assets, a won opportunity). The error says which fact,
/// and what to change instead.
pub fn check_relationship(choice: Relationship, f: &StageFacts) -> Result<(), String> {
    let Some((derived, why)) = customer_status(f) else {
        return Ok(());
    };
    let allowed = choice == derived
        // A won deal without assets may since have ended: a person may say so.
        || (f.assets == AssetFacts::default()
            && f.won_opportunity.is_some()
            && choice == Relationship::FormerCustomer);
    if allowed {
        return Ok(());
    }
    let what_to_do = match derived {
        Relationship::Customer if f.assets.active.is_some() => {
            "set the asset's renewal date to when it ended"
        }
        Relationship::Customer => "reopen or lose the opportunity, or say former_customer",
        _ => "add an asset in force",
    };
    Err(format!(
        "the account is {} because {why}; to make it {}, {what_to_do}",
        derived.as_str(),
        choice.as_str()
    ))
}

/// The relationship an account takes when its stage moves `from` -> `to`: the customer stages
/// carry their status; leaving them by hand for a funnel stage makes a prospect again, but a
/// former customer with an open opportunity stays one (a win-back).
pub fn relationship_after(
    from: AccountStage,
    to: AccountStage,
    relationship: Relationship,
) -> Relationship {
    match to {
        AccountStage::Customer => Relationship::Customer,
        AccountStage::FormerCustomer => Relationship::FormerCustomer,
        AccountStage::Opportunity if relationship == Relationship::FormerCustomer => relationship,
        _ if matches!(
            relationship,
            Relationship::Customer | Relationship::FormerCustomer
        ) && matches!(from, AccountStage::Customer | AccountStage::FormerCustomer) =>
        {
            Relationship::Prospect
        }
        _ => relationship,
    }
}

/// The stage an account takes when a person sets its relationship to `relationship` while it
/// is at `stage`: the customer statuses bring their stages; leaving them starts the funnel over
/// (the rules then move it forward by its score and opportunities).
pub fn stage_for_relationship(relationship: Relationship, stage: AccountStage) -> AccountStage {
    match relationship {
        Relationship::Customer => AccountStage::Customer,
        Relationship::FormerCustomer if stage == AccountStage::Opportunity => stage,
        Relationship::FormerCustomer => AccountStage::FormerCustomer,
        _ if matches!(stage, AccountStage::Customer | AccountStage::FormerCustomer) => {
            AccountStage::Target
        }
        _ => stage,
    }
}

/// A stage change the rules call for, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageMove {
    pub to: AccountStage,
    pub reason: String,
    /// The relationship the account has with the move: its customer status, kept in step.
    pub relationship: Relationship,
}

fn rank(stage: AccountStage) -> u8 {
    match stage {
        AccountStage::Target => 0,
        AccountStage::Engaged => 1,
        AccountStage::Qualified => 2,
        AccountStage::Opportunity => 3,
        AccountStage::Customer => 4,
        AccountStage::FormerCustomer => 5,
    }
}

/// The stage the rules call for, or `None` when the account stays where it is.
pub fn next_stage(thresholds: &StageThresholds, model: &str, f: &StageFacts) -> Option<StageMove> {
    let by_score = || {
        if f.score >= thresholds.qualified_at {
            Some((
                AccountStage::Qualified,
                format!(
                    "score {} reached the qualified threshold {} (model {model})",
                    f.score, thresholds.qualified_at
                ),
            ))
        } else if f.score >= thresholds.engaged_at {
            Some((
                AccountStage::Engaged,
                format!(
                    "score {} reached the engaged threshold {} (model {model})",
                    f.score, thresholds.engaged_at
                ),
            ))
        } else {
            None
        }
    };
    let opened = |id: OpportunityId| {
        (
            AccountStage::Opportunity,
            format!("opportunity {id} is open"),
        )
    };
    let status = customer_status(f).or_else(|| match f.relationship {
        Relationship::Customer => Some((f.relationship, "relationship is customer".to_string())),
        Relationship::FormerCustomer => Some((
            f.relationship,
            "relationship is former customer".to_string(),
        )),
        _ => None,
    });
    let status_now = match f.current {
        AccountStage::Customer => Some(Relationship::Customer),
        AccountStage::FormerCustomer => Some(Relationship::FormerCustomer),
        _ => None,
    };
    let status_changed = status.as_ref().is_some_and(|(r, _)| Some(*r) != status_now)
        && !(f.current == AccountStage::Opportunity
            && f.relationship == Relationship::FormerCustomer);
    let relationship = status.as_ref().map(|(r, _)| *r);
    let called_for = match (status, f.open_opportunity) {
        (Some((Relationship::Customer, why)), _) => Some((AccountStage::Customer, why)),
        (Some(_), Some(open)) => Some(opened(open)),
        (Some((_, why)), None) => Some((AccountStage::FormerCustomer, why)),
        (None, Some(open)) => Some(opened(open)),
        (None, None) => by_score(),
    };
    let (to, reason) = match called_for {
        Some((to, reason)) if rank(to) > rank(f.current) => (to, reason),
        // Customer status is a fact, not progress: when it changes, the account moves either
        // way (a customer whose assets lapsed; a former customer with an asset again).
        Some((to, reason)) if status_changed => (to, reason),
        // Back only when what moved the account is gone.
        Some((to, reason))
            if f.current == AccountStage::FormerCustomer && to == AccountStage::Opportunity =>
        {
            (to, reason)
        }
        called_for
            if f.current == AccountStage::Opportunity
                && f.open_opportunity.is_none()
                && f.won_opportunity.is_none() =>
        {
            let (to, why) =
                called_for.unwrap_or((AccountStage::Target, "no score threshold reached".into()));
            (to, format!("no open opportunity left; {why}"))
        }
        _ => return None,
    };
    let relationship =
        relationship.unwrap_or_else(|| relationship_after(f.current, to, f.relationship));
    (to != f.current).then_some(StageMove {
        to,
        reason,
        relationship,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: StageThresholds = StageThresholds {
        engaged_at: Points(10_000),
        qualified_at: Points(60_000),
    };

    fn facts(current: AccountStage, score: f64) -> StageFacts {
        StageFacts {
            current,
            relationship: Relationship::Prospect,
            score: Points::from_f64(score),
            open_opportunity: None,
            won_opportunity: None,
            assets: AssetFacts::default(),
        }
    }

    fn to(f: &StageFacts) -> Option<AccountStage> {
        next_stage(&T, "m", f).map(|m| m.to)
    }

    #[test]
    fn score_thresholds_engage_and_qualify() {
        assert_eq!(to(&facts(AccountStage::Target, 5.0)), None);
        assert_eq!(
            to(&facts(AccountStage::Target, 10.0)),
            Some(AccountStage::Engaged)
        );
        assert_eq!(
            to(&facts(AccountStage::Target, 75.0)),
            Some(AccountStage::Qualified)
        );
        let m = next_stage(&T, "default", &facts(AccountStage::Engaged, 61.5)).unwrap();
        assert_eq!(
            m.reason,
            "score 61.5 reached the qualified threshold 60 (model default)"
        );
    }

    #[test]
    fn decay_does_not_unqualify() {
        assert_eq!(to(&facts(AccountStage::Qualified, 3.0)), None);
    }

    #[test]
    fn opportunities_move_accounts_and_a_lost_one_falls_back() {
        let mut f = facts(AccountStage::Engaged, 20.0);
        f.open_opportunity = Some(OpportunityId(7));
        let m = next_stage(&T, "m", &f).unwrap();
        assert_eq!(
            (m.to, m.reason.as_str()),
            (AccountStage::Opportunity, "opportunity 7 is open")
        );
        f.current = AccountStage::Opportunity;
        f.open_opportunity = None;
        let m = next_stage(&T, "m", &f).unwrap();
        assert_eq!(m.to, AccountStage::Engaged);
        assert!(
            m.reason.starts_with("no open opportunity left"),
            "{}",
            m.reason
        );
        f.won_opportunity = Some(OpportunityId(7));
        assert_eq!(to(&f), Some(AccountStage::Customer));
    }

    #[test]
    fn customers_stay_customers_until_the_relationship_says_otherwise() {
        let mut f = facts(AccountStage::Customer, 0.0);
        f.won_opportunity = Some(OpportunityId(1));
        f.open_opportunity = Some(OpportunityId(2));
        assert_eq!(
            to(&f),
            None,
            "an expansion deal does not make a customer an opportunity"
        );
        f.relationship = Relationship::FormerCustomer;
        f.open_opportunity = None;
        assert_eq!(to(&f), Some(AccountStage::FormerCustomer));
        f.current = AccountStage::FormerCustomer;
        f.open_opportunity = Some(OpportunityId(3));
        assert_eq!(
            to(&f),
            Some(AccountStage::Opportunity),
            "a win-back starts a new cycle"
        );
    }

    #[test]
    fn a_customer_relationship_makes_a_customer() {
        let mut f = facts(AccountStage::Target, 0.0);
        f.relationship = Relationship::Customer;
        assert_eq!(to(&f), Some(AccountStage::Customer));
    }

    fn status_walk() -> StageFacts {
        facts(AccountStage::Engaged, 20.0)
    }

    #[test]
    fn an_account_walks_from_prospect_to_customer_to_former_customer() {
        let mut f = status_walk();
        f.won_opportunity = Some(OpportunityId(4));
        let m = next_stage(&T, "m", &f).unwrap();
        assert_eq!(
            (m.to, m.relationship, m.reason.as_str()),
            (
                AccountStage::Customer,
                Relationship::Customer,
                "opportunity 4 was won"
            )
        );
        f.current = m.to;
        f.relationship = m.relationship;
        f.assets.active = Some(AssetId(9));
        assert_eq!(
            next_stage(&T, "m", &f),
            None,
            "an asset keeps a customer one"
        );
        f.assets = AssetFacts {
            active: None,
            lapsed_on: NaiveDate::from_ymd_opt(2026, 3, 31),
        };
        let m = next_stage(&T, "m", &f).unwrap();
        assert_eq!(
            (m.to, m.relationship, m.reason.as_str()),
            (
                AccountStage::FormerCustomer,
                Relationship::FormerCustomer,
                "every asset lapsed (the last renewal was due 2026-03-31)"
            ),
            "customer status moves back when the assets lapse"
        );
        f.current = m.to;
        f.relationship = m.relationship;
        f.assets.active = Some(AssetId(10));
        let m = next_stage(&T, "m", &f).unwrap();
        assert_eq!(
            (m.to, m.relationship),
            (AccountStage::Customer, Relationship::Customer)
        );
    }

    #[test]
    fn a_customer_whose_assets_lapse_with_a_renewal_open_is_in_a_new_cycle() {
        let mut f = facts(AccountStage::Customer, 0.0);
        f.relationship = Relationship::Customer;
        f.open_opportunity = Some(OpportunityId(5));
        f.assets.lapsed_on = NaiveDate::from_ymd_opt(2026, 1, 1);
        let m = next_stage(&T, "m", &f).unwrap();
        assert_eq!(
            (m.to, m.relationship),
            (AccountStage::Opportunity, Relationship::FormerCustomer)
        );
    }

    #[test]
    fn a_person_may_not_contradict_the_facts() {
        let mut f = status_walk();
        assert_eq!(
            check_relationship(Relationship::Customer, &f),
            Ok(()),
            "nothing decides: a person's choice stands"
        );
        f.won_opportunity = Some(OpportunityId(4));
        let err = check_relationship(Relationship::Prospect, &f).unwrap_err();
        assert!(err.contains("opportunity 4 was won"), "{err}");
        assert_eq!(
            check_relationship(Relationship::FormerCustomer, &f),
            Ok(()),
            "a deal won once may have ended"
        );
        f.assets.active = Some(AssetId(2));
        let err = check_relationship(Relationship::FormerCustomer, &f).unwrap_err();
        assert!(
            err.contains("asset 2 is active") && err.contains("renewal date"),
            "{err}"
        );
    }

    #[test]
    fn the_stage_and_the_relationship_move_together() {
        use AccountStage as S;
        use Relationship as R;
        assert_eq!(
            relationship_after(S::Qualified, S::Customer, R::Prospect),
            R::Customer
        );
        assert_eq!(
            relationship_after(S::Customer, S::Qualified, R::Customer),
            R::Prospect
        );
        assert_eq!(
            relationship_after(S::FormerCustomer, S::Opportunity, R::FormerCustomer),
            R::FormerCustomer
        );
        assert_eq!(
            relationship_after(S::Engaged, S::Qualified, R::Partner),
            R::Partner
        );
        assert_eq!(stage_for_relationship(R::Customer, S::Engaged), S::Customer);
        assert_eq!(stage_for_relationship(R::Prospect, S::Customer), S::Target);
        assert_eq!(
            stage_for_relationship(R::FormerCustomer, S::Opportunity),
            S::Opportunity
        );
        assert_eq!(
            stage_for_relationship(R::Partner, S::Qualified),
            S::Qualified
        );
    }
}
