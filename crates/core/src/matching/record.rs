//! What the matcher reads: raw person records, and the accounts and contacts it matches against.

use crate::ids::{AccountId, ContactId};
use serde::{Deserialize, Serialize};

/// A person as they arrived: every field optional and untrusted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRecord {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub company: Option<String>,
    pub title: Option<String>,
    pub country: Option<String>,
    pub state: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub duns: Option<String>,
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
