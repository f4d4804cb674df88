//! Duplicates within one batch: a later record that is the same human as an earlier one.

use super::record::PersonRecord;
use crate::normalize::company::{company_key, is_placeholder};
use crate::normalize::person::person_key;
use crate::normalize::{personal_domain, registrable_domain, Email};
use std::collections::HashMap;

/// Remembers the records of a batch and says which earlier one a record repeats.
#[derive(Debug, Default)]
pub struct BatchDedupe<Id> {
    by_email: HashMap<String, Id>,
    by_mailbox: HashMap<String, Id>,
    by_name_at: HashMap<(String, String), Id>,
}

impl<Id: Clone> BatchDedupe<Id> {
    /// An empty batch.
    pub fn new() -> Self {
        BatchDedupe {
            by_email: HashMap::new(),
            by_mailbox: HashMap::new(),
            by_name_at: HashMap::new(),
        }
    }

    /// The earlier record `p` repeats, if any; `p` is remembered as `id` either way.
    /// `place` says where the person works (the matched account's id, or the company key) so a
    /// name is compared only within one employer.
    pub fn check(&mut self, id: Id, p: &PersonRecord, place: Option<String>) -> Option<Id> {
        let email = p.email.as_deref().and_then(|e| Email::parse(e).ok());
        let place = place.or_else(|| {
            // A free-mail domain says nothing about the employer: two Bob Smiths at gmail.com
            // are not one person.
            let corporate = email
                .as_ref()
                .map(|e| registrable_domain(e.domain()))
                .filter(|d| personal_domain(d).is_none());
            corporate.or_else(|| {
                p.company
                    .as_deref()
                    .map(company_key)
                    .filter(|k| !k.is_empty() && !is_placeholder(k))
            })
        });
        let name = person_key(p.first_name.as_deref(), p.last_name.as_deref());
        let mut found = None;
        if let Some(e) = &email {
            found = self
                .by_email
                .get(e.as_str())
                .or_else(|| self.by_mailbox.get(&e.without_plus_tag()))
                .cloned();
        }
        if found.is_none() {
            if let (Some(n), Some(at)) = (&name, &place) {
                found = self.by_name_at.get(&(n.clone(), at.clone())).cloned();
            }
        }
        let keep = found.clone().unwrap_or(id);
        if let Some(e) = &email {
            self.by_email
                .entry(e.as_str().to_string())
                .or_insert_with(|| keep.clone());
            self.by_mailbox
                .entry(e.without_plus_tag())
                .or_insert_with(|| keep.clone());
        }
        if let (Some(n), Some(at)) = (name, place) {
            self.by_name_at.entry((n, at)).or_insert(keep);
        }
        found
    }
}
