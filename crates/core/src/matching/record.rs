//! What the matcher reads: raw person records, and the accounts and contacts it matches against.

use crate::ids::{AccountId, ContactId};
use crate::model::PERSON_FIELD_LIMITS;
use crate::validation::{check_len, strip_controls, ValidationErrors};
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

impl PersonRecord {
    /// Each field with its name, in the order of [`PERSON_FIELD_LIMITS`].
    pub fn fields(&self) -> [(&'static str, Option<&str>); 11] {
        [
            ("first_name", self.first_name.as_deref()),
            ("last_name", self.last_name.as_deref()),
            ("email", self.email.as_deref()),
            ("company", self.company.as_deref()),
            ("title", self.title.as_deref()),
            ("country", self.country.as_deref()),
            ("state", self.state.as_deref()),
            ("city", self.city.as_deref()),
            ("phone", self.phone.as_deref()),
            ("duns", self.duns.as_deref()),
            ("website", self.website.as_deref()),
        ]
    }

    /// Checks every field against its limit ([`PERSON_FIELD_LIMITS`]) and for control
    /// characters, naming each field at fault. Cheap however long a value is.
    pub fn check(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        for ((field, value), (_, max)) in self.fields().into_iter().zip(PERSON_FIELD_LIMITS) {
            if let Some(v) = value {
                // Intake stores values trimmed, so the spaces around one do not count.
                check_len(&mut errors, field, v.trim(), max);
            }
        }
        errors.into_result()
    }

    /// The record without control characters, so even a record rejected for holding them can
    /// be kept (PostgreSQL stores no NUL).
    pub fn without_controls(self) -> PersonRecord {
        let f = |v: Option<String>| v.map(|s| strip_controls(&s).into_owned());
        PersonRecord {
            first_name: f(self.first_name),
            last_name: f(self.last_name),
            email: f(self.email),
            company: f(self.company),
            title: f(self.title),
            country: f(self.country),
            state: f(self.state),
            city: f(self.city),
            phone: f(self.phone),
            duns: f(self.duns),
            website: f(self.website),
        }
    }
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
    /// As typed; compared with a record's when the names and addresses do not decide.
    pub phone: Option<String>,
    pub title: Option<String>,
}

/// An intake record waiting in review, as the matcher needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewEntry {
    pub id: i64,
    /// The record waiting in review it repeats (the first of the same person), if any.
    pub duplicate_of: Option<i64>,
    pub person: PersonRecord,
}
