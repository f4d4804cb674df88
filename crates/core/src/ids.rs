//! Typed identifiers. Every row id is a 64-bit integer assigned by the store; the newtypes keep an
//! account id from being passed where a contact id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = i64)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<i64> for $name {
            fn from(v: i64) -> Self {
                Self(v)
            }
        }
    )*};
}

id_type!(
    /// Identifies an account (a company, or one of its subsidiaries or regions).
    AccountId,
    /// Identifies a contact: a person at an account.
    ContactId,
    /// Identifies an opportunity (a sales cycle).
    OpportunityId,
    /// Identifies a marketing campaign.
    CampaignId,
    /// Identifies an activity (email, web visit, meeting, call, ...).
    ActivityId,
    /// Identifies an asset: a product an account owns.
    AssetId,
    /// Identifies a user of abcrm.
    UserId,
    /// Identifies an API token.
    TokenId,
    /// Identifies a raw intake record.
    IntakeId,
    /// Identifies a saved segment.
    SegmentId,
    /// Identifies an audit log entry.
    AuditId,
    /// Identifies a task: something someone has to do about a record.
    TaskId,
);
