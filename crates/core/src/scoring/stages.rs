//! Stage rules: where an account stands in the funnel follows from its score, its
//! opportunities and its relationship.
//!
//! - a customer relationship or a won opportunity makes it a customer;
//! - a former-customer relationship makes it a former customer (an open opportunity reopens it);
//! - an open opportunity makes it an opportunity;
//! - otherwise the score makes it qualified or engaged by the model's thresholds.
//!
//! Rules move an account forward. They move it back only when the fact that moved it is gone:
//! an opportunity stage whose opportunities all closed lost falls back to what the score says.
//! A score that decays does not un-qualify an account: the funnel counts accounts that reached
//! a stage, and a person may always set a stage by hand.

use super::model::StageThresholds;
use super::Points;
use crate::model::{AccountStage, Relationship};
use crate::OpportunityId;

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
}

/// A stage change the rules call for, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageMove {
    pub to: AccountStage,
    pub reason: String,
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
    let called_for = match (f.relationship, f.won_opportunity, f.open_opportunity) {
        (Relationship::Customer, _, _) => Some((
            AccountStage::Customer,
            "relationship is customer".to_string(),
        )),
        (Relationship::FormerCustomer, _, Some(open)) => Some(opened(open)),
        (Relationship::FormerCustomer, _, None) => Some((
            AccountStage::FormerCustomer,
            "relationship is former customer".to_string(),
        )),
        (_, Some(won), _) => Some((AccountStage::Customer, format!("opportunity {won} was won"))),
        (_, None, Some(open)) => Some(opened(open)),
        (_, None, None) => by_score(),
    };
    let (to, reason) = match called_for {
        Some((to, reason)) if rank(to) > rank(f.current) => (to, reason),
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
    (to != f.current).then_some(StageMove { to, reason })
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
}
