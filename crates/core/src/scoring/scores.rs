//! What scoring reads and writes, shared by the engine that computes scores and the explanation
//! that takes one apart: an activity as scoring sees it, and the scores of contacts and accounts.

use super::Points;
use crate::model::{ActivityKind, BuyingRole, ContactStatus, Seniority};
use crate::{AccountId, ActivityId, CampaignId, ContactId};
use serde::Serialize;
use utoipa::ToSchema;

/// An activity as scoring sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActivityFact {
    pub id: ActivityId,
    /// `None` for an account-level activity (a web visit known only by company, say).
    pub contact: Option<ContactId>,
    pub kind: ActivityKind,
    pub campaign: Option<CampaignId>,
    /// Seconds since the Unix epoch.
    pub occurred_at: i64,
}

/// A contact's score, and what the account roll-up needs to know of the contact.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct ContactScore {
    pub contact_id: ContactId,
    pub fit: Points,
    pub engagement: Points,
    /// Fit plus engagement.
    pub score: Points,
    pub buying_role: Option<BuyingRole>,
    pub seniority: Option<Seniority>,
    pub status: ContactStatus,
}

/// An account's own score (before the hierarchy roll-up), by part.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, ToSchema)]
pub struct OwnScore {
    pub fit: Points,
    /// Engagement of activities recorded on the account with no contact.
    pub engagement: Points,
    /// Its contacts' scores, best first, each further one weighted down.
    pub people: Points,
    /// Distinct buying roles and seniorities among engaged contacts.
    pub breadth: Points,
    pub own: Points,
}

/// An account's score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct AccountScore {
    pub account_id: AccountId,
    #[serde(flatten)]
    pub parts: OwnScore,
    /// The score after the model's hierarchy roll-up: what stage rules and rankings use.
    pub score: Points,
}
