//! Opportunities: sales cycles at an account, with the contacts who play a role in them.

use super::{BuyingRole, OpportunityStage, MAX_NAME};
use crate::ids::{AccountId, CampaignId, ContactId, OpportunityId, UserId};
use crate::patch::Patch;
use crate::validation::{require_text, ValidationErrors};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A sales cycle. `created_at` is when it started: "sales cycles started" counts these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Opportunity {
    pub id: OpportunityId,
    pub account_id: AccountId,
    pub name: String,
    pub stage: OpportunityStage,
    pub amount: Option<f64>,
    pub close_date: Option<NaiveDate>,
    /// The campaign credited as the opportunity's source, if any.
    pub source_campaign_id: Option<CampaignId>,
    pub owner_id: Option<UserId>,
    pub contact_roles: Vec<ContactRole>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A contact's part in one opportunity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRole {
    pub contact_id: ContactId,
    pub role: BuyingRole,
    #[serde(default)]
    pub is_primary: bool,
}

/// The fields of a new opportunity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOpportunity {
    pub account_id: AccountId,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    /// Defaults to `prospecting`.
    pub stage: Option<OpportunityStage>,
    pub amount: Option<f64>,
    pub close_date: Option<NaiveDate>,
    pub source_campaign_id: Option<CampaignId>,
    pub owner_id: Option<UserId>,
    #[serde(default)]
    pub contact_roles: Vec<ContactRole>,
    /// When the sales cycle started; defaults to now. Set by imports that carry history.
    pub created_at: Option<DateTime<Utc>>,
}

impl NewOpportunity {
    /// Checks the name, amount and contact roles.
    pub fn validate(self) -> Result<NewOpportunity, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        require_text(&mut errors, "name", &self.name, MAX_NAME);
        check_amount(&mut errors, self.amount);
        check_roles(&mut errors, &self.contact_roles);
        errors.into_result().map(|()| NewOpportunity {
            name: self.name.trim().to_string(),
            ..self
        })
    }
}

/// A partial update of an opportunity. `contact_roles`, when present, replaces the whole list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct OpportunityPatch {
    #[schema(value_type = i64)]
    pub account_id: Patch<AccountId>,
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: Patch<String>,
    #[schema(value_type = OpportunityStage)]
    pub stage: Patch<OpportunityStage>,
    #[schema(value_type = Option<f64>)]
    pub amount: Patch<f64>,
    #[schema(value_type = Option<NaiveDate>)]
    pub close_date: Patch<NaiveDate>,
    #[schema(value_type = Option<i64>)]
    pub source_campaign_id: Patch<CampaignId>,
    #[schema(value_type = Option<i64>)]
    pub owner_id: Patch<UserId>,
    #[schema(value_type = Option<Vec<ContactRole>>)]
    pub contact_roles: Patch<Vec<ContactRole>>,
}

impl OpportunityPatch {
    /// Applies the patch to `current` and validates the result.
    pub fn apply(self, current: &Opportunity) -> Result<Opportunity, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut next = current.clone();
        match self.account_id {
            Patch::Set(a) => next.account_id = a,
            Patch::Clear => errors.push(
                "account_id",
                "cannot be cleared: an opportunity belongs to an account",
            ),
            Patch::Keep => {}
        }
        match self.name {
            Patch::Set(n) => next.name = n.trim().to_string(),
            Patch::Clear => errors.push("name", "is required and cannot be cleared"),
            Patch::Keep => {}
        }
        require_text(&mut errors, "name", &next.name, MAX_NAME);
        match self.stage {
            Patch::Set(s) => next.stage = s,
            Patch::Clear => errors.push("stage", "cannot be cleared"),
            Patch::Keep => {}
        }
        next.amount = self.amount.apply(next.amount);
        next.close_date = self.close_date.apply(next.close_date);
        next.source_campaign_id = self.source_campaign_id.apply(next.source_campaign_id);
        next.owner_id = self.owner_id.apply(next.owner_id);
        match self.contact_roles {
            Patch::Set(r) => next.contact_roles = r,
            Patch::Clear => next.contact_roles.clear(),
            Patch::Keep => {}
        }
        check_amount(&mut errors, next.amount);
        check_roles(&mut errors, &next.contact_roles);
        errors.into_result().map(|()| next)
    }
}

fn check_amount(errors: &mut ValidationErrors, amount: Option<f64>) {
    if amount.is_some_and(|a| !a.is_finite() || a < 0.0) {
        errors.push("amount", "must be a non-negative number");
    }
}

fn check_roles(errors: &mut ValidationErrors, roles: &[ContactRole]) {
    for (i, r) in roles.iter().enumerate() {
        if roles[..i].iter().any(|o| o.contact_id == r.contact_id) {
            errors.push(
                format!("contact_roles[{i}].contact_id"),
                format!(
                    "contact {} is listed twice; give each contact one role",
                    r.contact_id
                ),
            );
        }
    }
    if roles.iter().filter(|r| r.is_primary).count() > 1 {
        errors.push("contact_roles", "at most one contact role can be primary");
    }
}
