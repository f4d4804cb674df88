//! Campaigns and their members.

use super::{CampaignKind, MemberStatus, MAX_NAME};
use crate::ids::{AccountId, CampaignId, ContactId};
use crate::patch::Patch;
use crate::validation::{require_text, ValidationErrors};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A marketing campaign. Names are unique.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Campaign {
    pub id: CampaignId,
    pub name: String,
    pub kind: CampaignKind,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub budget: Option<f64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The fields of a new campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCampaign {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    /// Defaults to `other`.
    pub kind: Option<CampaignKind>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub budget: Option<f64>,
}

impl NewCampaign {
    /// Checks the name, dates and budget.
    pub fn validate(self) -> Result<NewCampaign, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        require_text(&mut errors, "name", &self.name, MAX_NAME);
        check_campaign(&mut errors, self.starts_on, self.ends_on, self.budget);
        errors.into_result().map(|()| NewCampaign {
            name: self.name.trim().to_string(),
            ..self
        })
    }
}

/// A partial update of a campaign.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CampaignPatch {
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: Patch<String>,
    #[schema(value_type = CampaignKind)]
    pub kind: Patch<CampaignKind>,
    #[schema(value_type = Option<NaiveDate>)]
    pub starts_on: Patch<NaiveDate>,
    #[schema(value_type = Option<NaiveDate>)]
    pub ends_on: Patch<NaiveDate>,
    #[schema(value_type = Option<f64>)]
    pub budget: Patch<f64>,
}

impl CampaignPatch {
    /// Applies the patch to `current` and validates the result.
    pub fn apply(self, current: &Campaign) -> Result<Campaign, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut next = current.clone();
        match self.name {
            Patch::Set(n) => next.name = n.trim().to_string(),
            Patch::Clear => errors.push("name", "is required and cannot be cleared"),
            Patch::Keep => {}
        }
        require_text(&mut errors, "name", &next.name, MAX_NAME);
        match self.kind {
            Patch::Set(k) => next.kind = k,
            Patch::Clear => errors.push("kind", "cannot be cleared"),
            Patch::Keep => {}
        }
        next.starts_on = self.starts_on.apply(next.starts_on);
        next.ends_on = self.ends_on.apply(next.ends_on);
        next.budget = self.budget.apply(next.budget);
        check_campaign(&mut errors, next.starts_on, next.ends_on, next.budget);
        errors.into_result().map(|()| next)
    }
}

fn check_campaign(
    errors: &mut ValidationErrors,
    starts: Option<NaiveDate>,
    ends: Option<NaiveDate>,
    budget: Option<f64>,
) {
    if let (Some(s), Some(e)) = (starts, ends) {
        if e < s {
            errors.push("ends_on", "must not be before starts_on");
        }
    }
    if budget.is_some_and(|b| !b.is_finite() || b < 0.0) {
        errors.push("budget", "must be a non-negative number");
    }
}

/// A contact's membership in a campaign. `account_id` is the contact's account, kept on the row
/// so campaign influence can be attributed at the account level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CampaignMember {
    pub campaign_id: CampaignId,
    pub contact_id: ContactId,
    pub account_id: AccountId,
    pub status: MemberStatus,
    pub joined_at: DateTime<Utc>,
}

/// Adds a contact to a campaign (or updates the status of an existing membership).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCampaignMember {
    pub contact_id: ContactId,
    /// Defaults to `sent`.
    pub status: Option<MemberStatus>,
    /// Defaults to now.
    pub joined_at: Option<DateTime<Utc>>,
}
