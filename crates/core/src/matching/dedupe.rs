//! Duplicates within one batch: a later record that is the same human as an earlier one. The
//! same address is the same person; otherwise records that meet in a block (the same employer
//! and the start of a name, the same phone, the same mailbox handle) are compared field by
//! field ([`person_link::compare`]) and linked when the evidence says Same.

use super::person_link::{compare, LinkDecision, PersonFeatures};
use super::record::PersonRecord;
use crate::normalize::company::{company_key, is_placeholder};
use crate::normalize::person::person_key;
use crate::normalize::{personal_domain, registrable_domain, Email};
use std::collections::HashMap;

/// The most records of one block a record is compared with (the latest ones): a block as big
/// as a common name at a large employer must not make a batch quadratic.
const MAX_COMPARED: usize = 64;

#[derive(Debug)]
struct Seen<Id> {
    first: Id,
    features: PersonFeatures,
    place: Option<String>,
    name: Option<String>,
}

/// Remembers the records of a batch and says which earlier one a record repeats.
#[derive(Debug, Default)]
pub struct BatchDedupe<Id> {
    by_email: HashMap<String, Id>,
    by_mailbox: HashMap<String, Id>,
    /// Every record seen: the first record of its person, its features, its place and its
    /// name's key ([`person_key`]).
    people: Vec<Seen<Id>>,
    blocks: HashMap<String, Vec<u32>>,
}

impl<Id: Clone> BatchDedupe<Id> {
    /// An empty batch.
    pub fn new() -> Self {
        BatchDedupe {
            by_email: HashMap::new(),
            by_mailbox: HashMap::new(),
            people: Vec::new(),
            blocks: HashMap::new(),
        }
    }

    /// Makes room for `more` records, so a long run does not copy what it holds as it grows.
    pub fn reserve(&mut self, more: usize) {
        self.people.reserve(more);
    }

    /// The earlier record `p` repeats, if any; `p` is remembered as `id` either way.
    /// `place` says where the person works (the matched account's id, or the company key) so a
    /// name is compared only within one employer.
    pub fn check(&mut self, id: Id, p: &PersonRecord, place: Option<String>) -> Option<Id> {
        self.check_with(id, p, PersonFeatures::new(p), place)
    }

    /// [`check`](Self::check) with the record's features computed already (in parallel, say).
    pub fn check_with(
        &mut self,
        id: Id,
        p: &PersonRecord,
        features: PersonFeatures,
        place: Option<String>,
    ) -> Option<Id> {
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
        let mut found = email.as_ref().and_then(|e| {
            self.by_email
                .get(e.as_str())
                .or_else(|| self.by_mailbox.get(&e.without_plus_tag()))
                .cloned()
        });
        let keys = block_keys(&features, place.as_deref());
        let name = person_key(p.first_name.as_deref(), p.last_name.as_deref());
        if found.is_none() {
            found = self.linked(&features, place.as_deref(), name.as_deref(), &keys);
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
        let at = u32::try_from(self.people.len()).unwrap_or(u32::MAX);
        self.people.push(Seen {
            first: keep,
            features,
            place,
            name,
        });
        for k in keys {
            self.blocks.entry(k).or_default().push(at);
        }
        found
    }

    /// The first record of the earlier person the features are most surely the same as.
    /// The first record of the earlier person the features are most surely the same as. Two
    /// places named and different are two employers: the same name, handle or phone there is a
    /// namesake or a shared line, not one person. The same name (nicknames folded) at the same
    /// employer is one person unless the evidence says otherwise (two work mailboxes, two
    /// mobiles); any other pair must be surely the same.
    fn linked(
        &self,
        features: &PersonFeatures,
        place: Option<&str>,
        name: Option<&str>,
        keys: &[String],
    ) -> Option<Id> {
        let mut best: Option<(f64, u32)> = None;
        for k in keys {
            let Some(block) = self.blocks.get(k) else {
                continue;
            };
            for &at in block.iter().rev().take(MAX_COMPARED) {
                let seen = &self.people[at as usize];
                let same_place = place.is_some() && place == seen.place.as_deref();
                if !same_place && place.is_some() && seen.place.is_some() {
                    continue;
                }
                let link = compare(features, &seen.features);
                let same_name = same_place && name.is_some() && name == seen.name.as_deref();
                let linked = match link.decision {
                    LinkDecision::Same => true,
                    LinkDecision::Review => same_name && !link.tells_apart(),
                    LinkDecision::Different => false,
                };
                if linked && best.is_none_or(|(w, _)| link.weight > w) {
                    best = Some((link.weight, at));
                }
            }
        }
        best.map(|(_, at)| self.people[at as usize].first.clone())
    }
}

/// The blocks a record is filed under: its name's starts at its place, its phone, its handle.
fn block_keys(f: &PersonFeatures, place: Option<&str>) -> Vec<String> {
    let mut keys = Vec::with_capacity(4);
    if let Some(place) = place {
        for (tag, prefix) in ["l", "f"].into_iter().zip(f.name_prefixes()) {
            if !prefix.is_empty() {
                keys.push(format!("{tag}\u{1}{place}\u{1}{prefix}"));
            }
        }
    }
    if let Some(phone) = f.phone() {
        if phone.digits().len() >= 7 {
            keys.push(format!("p\u{1}{}", phone.digits()));
        }
    }
    // A handle that says more than the name (`tessav81`) is looked up everywhere; a plain one
    // (`john.smith`) only at its place, or thousands of John Smiths would be compared.
    match (f.handle(), place) {
        (Some((handle, true)), _) => keys.push(format!("h\u{1}{handle}")),
        (Some((handle, false)), Some(place)) => keys.push(format!("h\u{1}{place}\u{1}{handle}")),
        _ => {}
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(first: &str, last: &str, email: &str, company: &str, phone: &str) -> PersonRecord {
        let some = |v: &str| (!v.is_empty()).then(|| v.to_string());
        PersonRecord {
            first_name: some(first),
            last_name: some(last),
            email: some(email),
            company: some(company),
            phone: some(phone),
            ..PersonRecord::default()
        }
    }

    #[test]
    fn one_person_under_many_addresses_and_spellings_is_found() {
        let mut d = BatchDedupe::new();
        let first = person(
            "Tessa",
            "Vance",
            "tvance@orbitly.com",
            "Orbitly",
            "+44 7700 900 123",
        );
        assert_eq!(d.check(0, &first, Some("orbitly".into())), None);
        for (i, p) in [
            person("Tessa", "Vance", "tvance@outlook.com", "Orbitly", ""),
            person("Tess", "Vance", "tessav81@gmail.com", "Orbitly", ""),
            person("Tessa", "Vancce", "", "Orbitly", "447700900123"),
            // A national number reads as the same phone with the record's country.
            PersonRecord {
                country: Some("UK".into()),
                ..person("Tessa", "Vance", "", "", "07700-900123")
            },
        ]
        .iter()
        .enumerate()
        {
            let place = p.company.as_ref().map(|_| "orbitly".to_string());
            assert_eq!(d.check(i + 1, p, place), Some(0), "{p:?}");
        }
    }

    #[test]
    fn namesakes_at_one_company_stay_two_people() {
        let mut d = BatchDedupe::new();
        let mut a = person(
            "Wei",
            "Wang",
            "wei.wang@acme.com",
            "Acme",
            "+1 415 555 0101",
        );
        a.title = Some("Software Engineer".into());
        let mut b = person("Wei", "Wang", "wwang@acme.com", "Acme", "+1 212 555 0199");
        b.title = Some("VP Finance".into());
        assert_eq!(d.check(0, &a, Some("acme".into())), None);
        assert_eq!(d.check(1, &b, Some("acme".into())), None);
    }
}
