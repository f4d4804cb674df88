//! What the matcher reads: raw person records, and the accounts and contacts it matches against.

use crate::ids::{AccountId, ContactId};
use serde::{Deserialize, Serialize};

/// A person as they arrived: every field optional and untrusted. Absent fields are left out of
/// its JSON (intake keeps one per raw record, millions of them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duns: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
}

/// An account as the matcher needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountEntry {
    pub id: AccountId,
    pub name: String,
    pub domains: Vec<String>,
    pub duns: Option<String>,
    pub country: Option<String>,
    pub state: Option<String>,
    pub city: Option<String>,
    pub parent_id: Option<AccountId>,
}

/// A contact as the matcher needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactEntry {
    pub id: ContactId,
    pub account_id: AccountId,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

/// An intake record waiting in review, as the matcher needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewEntry {
    pub id: i64,
    /// The record waiting in review it repeats (the first of the same person), if any.
    pub duplicate_of: Option<i64>,
    pub person: PersonRecord,
}
