//! Activities: every touch with an account or one of its people.

use super::{ActivityKind, MAX_NAME};
use crate::ids::{AccountId, ActivityId, CampaignId, ContactId, OpportunityId};
use crate::patch::Patch;
use crate::validation::{check_len, clean, ValidationErrors};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The longest body an activity keeps, in characters: pages of minutes, not a pasted file.
pub const MAX_BODY: usize = 20_000;

/// One email, visit, form fill, webinar, event, meeting or call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Activity {
    pub id: ActivityId,
    /// Always set: an activity with a contact carries that contact's account.
    pub account_id: AccountId,
    pub contact_id: Option<ContactId>,
    pub kind: ActivityKind,
    pub subject: Option<String>,
    /// A note's text, a call's or meeting's minutes, an email's body.
    pub body: Option<String>,
    pub occurred_at: DateTime<Utc>,
    pub campaign_id: Option<CampaignId>,
    pub opportunity_id: Option<OpportunityId>,
    pub created_at: DateTime<Utc>,
}

/// The fields of a new activity. Give a contact, an account, or both (they must agree).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewActivity {
    pub account_id: Option<AccountId>,
    pub contact_id: Option<ContactId>,
    pub kind: ActivityKind,
    pub subject: Option<String>,
    /// A note's text, a call's or meeting's minutes, an email's body (up to 20,000 characters).
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub body: Option<String>,
    /// Defaults to now.
    pub occurred_at: Option<DateTime<Utc>>,
    pub campaign_id: Option<CampaignId>,
    pub opportunity_id: Option<OpportunityId>,
}

impl NewActivity {
    /// Checks that the activity is attached to someone and its subject is not too long.
    pub fn validate(self) -> Result<NewActivity, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if self.account_id.is_none() && self.contact_id.is_none() {
            errors.push(
                "contact_id",
                "an activity needs a contact_id or an account_id",
            );
        }
        let subject = clean(self.subject);
        if let Some(s) = &subject {
            check_len(&mut errors, "subject", s, MAX_NAME * 5);
        }
        let body = clean(self.body);
        if let Some(b) = &body {
            check_len(&mut errors, "body", b, MAX_BODY);
        }
        errors.into_result().map(|()| NewActivity {
            subject,
            body,
            ..self
        })
    }
}

/// A partial update of an activity. Its contact and account do not change after the fact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ActivityPatch {
    #[schema(value_type = ActivityKind)]
    pub kind: Patch<ActivityKind>,
    #[schema(value_type = Option<String>)]
    pub subject: Patch<String>,
    #[schema(value_type = Option<String>, max_length = 20000)]
    pub body: Patch<String>,
    #[schema(value_type = DateTime<Utc>)]
    pub occurred_at: Patch<DateTime<Utc>>,
    #[schema(value_type = Option<i64>)]
    pub campaign_id: Patch<CampaignId>,
    #[schema(value_type = Option<i64>)]
    pub opportunity_id: Patch<OpportunityId>,
}

impl ActivityPatch {
    /// Applies the patch to `current` and validates the result.
    pub fn apply(self, current: &Activity) -> Result<Activity, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut next = current.clone();
        match self.kind {
            Patch::Set(k) => next.kind = k,
            Patch::Clear => errors.push("kind", "cannot be cleared"),
            Patch::Keep => {}
        }
        next.subject = clean(self.subject.apply(next.subject));
        if let Some(s) = &next.subject {
            check_len(&mut errors, "subject", s, MAX_NAME * 5);
        }
        next.body = clean(self.body.apply(next.body));
        if let Some(b) = &next.body {
            check_len(&mut errors, "body", b, MAX_BODY);
        }
        match self.occurred_at {
            Patch::Set(t) => next.occurred_at = t,
            Patch::Clear => errors.push("occurred_at", "cannot be cleared"),
            Patch::Keep => {}
        }
        next.campaign_id = self.campaign_id.apply(next.campaign_id);
        next.opportunity_id = self.opportunity_id.apply(next.opportunity_id);
        errors.into_result().map(|()| next)
    }
}
