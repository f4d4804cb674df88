//! Duplicates within one batch: a later record that is the same human as an earlier one. The
//! same address is the same person; otherwise records that meet in a block (the same employer
//! and the start of a name, the same full name anywhere, the same phone, the same mailbox
//! handle) are compared field by field ([`person_link::compare`]) and linked when the evidence
//! says Same.
//!
//! The model's threshold is set for two records of one employer. When the batch cannot tell
//! whether two records work at one employer (one names none, or names a company no account was
//! found for), the earlier record is one candidate among everyone the batch has seen, not
//! among one employer's people, and the evidence must be stronger by the log of how many more
//! candidates that is ([`BatchDedupe::unplaced_margin`]).

use super::person_link::{compare, LinkDecision, PersonFeatures, PAIRS_PER_MATCH, SAME_THRESHOLD};
use super::record::PersonRecord;
use super::FastMap;
use crate::normalize::company::{company_key, is_placeholder};
use crate::normalize::person::person_key;
use crate::normalize::{personal_domain, registrable_domain, Email};

/// The most records of one block a record is compared with (the latest ones): a block as big
/// as a common name at a large employer must not make a batch quadratic.
const MAX_COMPARED: usize = 64;

/// The share of a batch's records that repeat someone earlier in it (real data: about one in
/// ten). A pair drawn from everyone seen, `n` records, is the same person with odds of about
/// this share in `n`.
const REPEAT_SHARE: f64 = 0.1;

/// Phones are filed under their last this many digits, so a number written with and without
/// its country code (`+1 614 135 7940`, `614-135-7940` in a record without a country) meets.
const PHONE_TAIL: usize = 9;

/// The account a batch placed a record under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placed {
    /// An account that was there before the batch: the key of its family (one person is
    /// placed under a parent at one time and its subsidiary at another).
    Existing(String),
    /// An account the batch made of the record's own domain: it may be an existing account
    /// under another name.
    Provisional(String),
}

/// Where a record's person works, as far as the batch can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Place {
    /// The account (or account family) the record was matched to.
    Account(String),
    /// No account: the corporate domain or company the record itself names. Another record's
    /// account may be the same employer under another name.
    Declared(String),
    /// Nothing says.
    Unknown,
}

/// A record's place and the employer it names itself, squashed (`unitedsouthernretail`): its
/// company's key and its corporate domain's name (`unitedsouthernretail.co.uk`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Workplace {
    place: Place,
    company: Option<String>,
    domain: Option<String>,
}

/// What the duplicate check reads of a record, wherever the batch places it: made ahead of
/// the in-order check, on any core ([`BatchDedupe::check_keyed`]).
#[derive(Debug, Clone)]
pub struct PersonKeys {
    /// The address, and the address without its +tag.
    address: Option<(String, String)>,
    /// The registrable corporate domain of the address (not free mail's).
    domain: Option<String>,
    /// The company's key, unless it names none (`N/A`).
    company: Option<String>,
    /// The employer the record names, squashed: its company and its domain's name.
    named: [Option<String>; 2],
    /// The name's key ([`person_key`]).
    name: Option<String>,
}

impl PersonKeys {
    pub fn of(p: &PersonRecord) -> Self {
        let email = p.email.as_deref().and_then(|e| Email::parse(e).ok());
        let domain = email
            .as_ref()
            .map(|e| registrable_domain(e.domain()))
            .filter(|d| personal_domain(d).is_none());
        let company = p
            .company
            .as_deref()
            .map(company_key)
            .filter(|k| !k.is_empty() && !is_placeholder(k));
        let squashed = |s: &str| {
            s.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
        };
        let named = [
            company.as_deref().map(squashed),
            domain
                .as_deref()
                .and_then(|d| d.split('.').next())
                .map(squashed),
        ]
        .map(|n| n.filter(|n| !n.is_empty()));
        PersonKeys {
            address: email.map(|e| (e.as_str().to_string(), e.without_plus_tag())),
            domain,
            company,
            named,
            name: person_key(p.first_name.as_deref(), p.last_name.as_deref()),
        }
    }
}

impl Workplace {
    /// `account` is where the record was placed, if it was.
    fn of(keys: &PersonKeys, account: Option<Placed>) -> Self {
        let place = match account {
            Some(Placed::Existing(k)) => Place::Account(k),
            Some(Placed::Provisional(k)) => Place::Declared(k),
            None => keys
                .domain
                .clone()
                .or_else(|| keys.company.clone())
                .map_or(Place::Unknown, Place::Declared),
        };
        let [company, domain] = keys.named.clone();
        Workplace {
            place,
            company,
            domain,
        }
    }

    /// The key the record's name blocks are filed under.
    fn key(&self) -> Option<&str> {
        match &self.place {
            Place::Account(k) | Place::Declared(k) => Some(k),
            Place::Unknown => None,
        }
    }

    /// The two records name one employer themselves: a company or a domain's name.
    fn names_one_employer(&self, other: &Workplace) -> bool {
        let mine = [&self.company, &self.domain];
        let theirs = [&other.company, &other.domain];
        mine.iter()
            .flat_map(|m| theirs.iter().map(move |t| (m, t)))
            .any(|(m, t)| m.is_some() && m == t)
    }
}

/// Whether two records' places are one employer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Employer {
    Same,
    /// Not known: one place is unknown, or one is only declared and the two differ.
    Maybe,
    /// Two accounts, or two companies' domains.
    Different,
}

fn employer(a: &Workplace, b: &Workplace) -> Employer {
    match (&a.place, &b.place) {
        (Place::Account(x), Place::Account(y)) if x != y => Employer::Different,
        _ if a.key().is_some() && a.key() == b.key() => Employer::Same,
        _ if a.names_one_employer(b) => Employer::Same,
        // Two corporate addresses at two companies' domains: two employers, as two accounts.
        _ if a.domain.is_some() && b.domain.is_some() => Employer::Different,
        _ => Employer::Maybe,
    }
}

#[derive(Debug)]
struct Seen<Id> {
    first: Id,
    /// Where the first record of the person is among those seen.
    first_at: u32,
    features: PersonFeatures,
    workplace: Workplace,
    name: Option<String>,
}

/// Remembers the records of a batch and says which earlier one a record repeats.
#[derive(Debug, Default)]
pub struct BatchDedupe<Id> {
    /// Where the first record of the person with an address is among those seen.
    by_email: FastMap<String, u32>,
    by_mailbox: FastMap<String, u32>,
    /// Every record seen: the first record of its person, its features, its place and its
    /// name's key ([`person_key`]).
    people: Vec<Seen<Id>>,
    blocks: FastMap<String, Vec<u32>>,
}

impl<Id: Clone> BatchDedupe<Id> {
    /// An empty batch.
    pub fn new() -> Self {
        BatchDedupe {
            by_email: FastMap::default(),
            by_mailbox: FastMap::default(),
            people: Vec::new(),
            blocks: FastMap::default(),
        }
    }

    /// Makes room for `more` records, so a long run does not copy what it holds as it grows.
    pub fn reserve(&mut self, more: usize) {
        self.people.reserve(more);
    }

    /// The earlier record `p` repeats, if any; `p` is remembered as `id` either way.
    /// `place` says where the person works (the matched account's family, or the company key)
    /// so a name is compared closely only within one employer.
    pub fn check(&mut self, id: Id, p: &PersonRecord, place: Option<String>) -> Option<Id> {
        self.check_with(id, p, PersonFeatures::new(p), place.map(Placed::Existing))
    }

    /// [`check`](Self::check) with the record's features computed already (in parallel, say),
    /// and where the batch placed it.
    pub fn check_with(
        &mut self,
        id: Id,
        p: &PersonRecord,
        features: PersonFeatures,
        place: Option<Placed>,
    ) -> Option<Id> {
        self.check_keyed(id, PersonKeys::of(p), features, place)
    }

    /// [`check_with`](Self::check_with) with the record's keys made already.
    pub fn check_keyed(
        &mut self,
        id: Id,
        keys: PersonKeys,
        features: PersonFeatures,
        place: Option<Placed>,
    ) -> Option<Id> {
        let workplace = Workplace::of(&keys, place);
        let by_address = keys.address.as_ref().and_then(|(address, mailbox)| {
            self.by_email
                .get(address)
                .or_else(|| self.by_mailbox.get(mailbox))
                .copied()
        });
        let PersonKeys { address, name, .. } = keys;
        let blocks = block_keys(&features, workplace.key(), name.as_deref());
        let by_evidence = self
            .linked(&features, &workplace, name.as_deref(), &blocks, by_address)
            .map(|at| self.people[at as usize].first_at);
        // A record whose address is one earlier person's and whose other fields are surely
        // another's joins two sightings of one person (a home address seen first without a
        // company, then with it): it repeats the earlier.
        let first_at = match (by_address, by_evidence) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let found = first_at.map(|at| self.people[at as usize].first.clone());
        let at = u32::try_from(self.people.len()).unwrap_or(u32::MAX);
        let first_at = first_at.unwrap_or(at);
        if let Some((address, mailbox)) = address {
            self.by_email.entry(address).or_insert(first_at);
            self.by_mailbox.entry(mailbox).or_insert(first_at);
        }
        self.people.push(Seen {
            first: found.clone().unwrap_or(id),
            first_at,
            features,
            workplace,
            name,
        });
        for k in blocks {
            self.blocks.entry(k).or_default().push(at);
        }
        found
    }

    /// How much more evidence than [`SAME_THRESHOLD`] a pair needs when the batch cannot tell
    /// whether the two work at one employer: the log of how much lower its prior is, one same
    /// person in `n / REPEAT_SHARE` pairs of everyone seen rather than one in 64 of one
    /// employer's.
    fn unplaced_margin(&self) -> f64 {
        let n = self.people.len() as f64;
        (n / (REPEAT_SHARE * PAIRS_PER_MATCH)).log2().max(0.0)
    }

    /// The earlier record the features are most surely the same person as, among those not of
    /// the `known` person (by the position of their first record). Two
    /// accounts are two employers: the same name, handle or phone there is a namesake or a
    /// shared line, not one person. The same name (nicknames folded) at the same employer is
    /// one person unless the evidence says otherwise (two work mailboxes, two mobiles); any
    /// other pair at one employer must be surely the same, and a pair whose employers may
    /// differ surer still ([`unplaced_margin`](Self::unplaced_margin)).
    fn linked(
        &self,
        features: &PersonFeatures,
        workplace: &Workplace,
        name: Option<&str>,
        keys: &[String],
        known: Option<u32>,
    ) -> Option<u32> {
        let margin = self.unplaced_margin();
        let mut best: Option<(f64, u32)> = None;
        for k in keys {
            let Some(block) = self.blocks.get(k) else {
                continue;
            };
            for &at in block.iter().rev().take(MAX_COMPARED) {
                let seen = &self.people[at as usize];
                if Some(seen.first_at) == known {
                    continue;
                }
                let relation = employer(workplace, &seen.workplace);
                if relation == Employer::Different {
                    continue;
                }
                let link = compare(features, &seen.features);
                let linked = match (relation, link.decision) {
                    (Employer::Maybe, _) => link.weight >= SAME_THRESHOLD + margin,
                    (_, LinkDecision::Same) => true,
                    (_, LinkDecision::Review) => {
                        name.is_some() && name == seen.name.as_deref() && !link.tells_apart()
                    }
                    (_, LinkDecision::Different) => false,
                };
                if linked && best.is_none_or(|(w, _)| link.weight > w) {
                    best = Some((link.weight, at));
                }
            }
        }
        best.map(|(_, at)| at)
    }
}

/// The blocks a record is filed under: its name's starts at its place, its full name, its
/// phone, its handle.
fn block_keys(f: &PersonFeatures, place: Option<&str>, name: Option<&str>) -> Vec<String> {
    let mut keys = Vec::with_capacity(5);
    if let Some(place) = place {
        for (tag, prefix) in ["l", "f"].into_iter().zip(f.name_prefixes()) {
            if !prefix.is_empty() {
                keys.push(format!("{tag}\u{1}{place}\u{1}{prefix}"));
            }
        }
    }
    // The full name anywhere: a record at home without a company meets its work record.
    if let Some(name) = name {
        keys.push(format!("n\u{1}{name}"));
    }
    if let Some(phone) = f.phone() {
        let digits = phone.digits();
        if digits.len() >= 7 {
            let tail = &digits[digits.len().saturating_sub(PHONE_TAIL)..];
            keys.push(format!("p\u{1}{tail}"));
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
    use std::collections::HashMap;

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
    fn a_sighting_at_home_without_a_company_is_found_by_name_and_phone() {
        let mut d = BatchDedupe::new();
        let work = person(
            "Charles",
            "Powell",
            "charles.powell@centralsterling.com",
            "",
            "+1 614 135 7940",
        );
        let home = person(
            "Charles",
            "Powell",
            "chuckp21@gmail.com",
            "",
            "614-135-7940",
        );
        assert_eq!(d.check(0, &work, Some("7".into())), None);
        assert_eq!(d.check(1, &home, None), Some(0));
    }

    /// A dedupe that has seen `n` people of distinct names at a thousand employers: a batch
    /// large enough that a bare name must say more to link.
    fn crowded(n: usize) -> BatchDedupe<usize> {
        let mut d = BatchDedupe::new();
        for i in 0..n {
            let filler = person(&format!("P{i}"), &format!("Q{i}"), "", "", "");
            d.check(i, &filler, Some(format!("{}", i % 1_000)));
        }
        d
    }

    #[test]
    fn the_same_name_alone_at_an_unknown_employer_is_not_enough_in_a_large_batch() {
        let mut d = crowded(5_000);
        let work = person("Donna", "Hale", "dhale@acme.com", "", "");
        let elsewhere = person("Donna", "Hale", "donnahale@gmail.com", "", "");
        assert_eq!(d.check(5_000, &work, Some("acme".into())), None);
        assert_eq!(d.check(5_001, &elsewhere, None), None);
    }

    #[test]
    fn an_address_seen_first_without_a_company_then_with_it_joins_the_work_record() {
        let mut d = crowded(5_000);
        let work = person("Jennifer", "Watanabe", "jwatanabe@quinton.com", "", "");
        let home = person("Jennifer", "Watanabe", "jen_w91@yahoo.com", "", "");
        let home_at_work = person("Jennifer", "Watanabe", "jen_w91@yahoo.com", "Quinton", "");
        assert_eq!(d.check(5_000, &work, Some("84".into())), None);
        assert_eq!(d.check(5_001, &home, None), None);
        assert_eq!(
            d.check(5_002, &home_at_work, Some("84".into())),
            Some(5_000)
        );
    }

    #[test]
    fn two_companies_domains_are_two_employers() {
        let mut d = BatchDedupe::new();
        let a = person("Rahul", "Taylor", "rahul.taylor@newcorp.com", "", "");
        let b = person("Rahul", "Taylor", "rahul.taylor@vertexaero.com", "", "");
        assert_eq!(d.check(0, &a, None), None);
        assert_eq!(d.check(1, &b, None), None);
    }

    #[test]
    fn records_that_name_one_company_work_at_one_employer() {
        let mut d = BatchDedupe::new();
        let work = person("Lars", "Wang", "lars.wang@unitedsouthern.co.uk", "", "");
        let home = person(
            "Lars",
            "Wang",
            "larswang1972@sky.com",
            "United Southern Ltd",
            "",
        );
        assert_eq!(d.check(0, &work, Some("1197".into())), None);
        assert_eq!(d.check(1, &home, None), Some(0));
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

    /// Duplicates the batch gets wrong on realistic data, each pair side by side with where
    /// each record was placed, whether the two ever meet in a block and what the comparison
    /// weighed, grouped by why: a tool for tuning the model, not a check.
    #[test]
    #[ignore = "a diagnostic: run in release with --nocapture"]
    fn diagnose_duplicates_on_realistic_data() {
        use crate::matching::batch::placed;
        use crate::matching::{match_batch, synth, MatchConfig};
        use std::collections::BTreeMap;
        let data = synth::generate(2026, 3_000, 12_000);
        let index = data.index();
        let records: Vec<PersonRecord> = data.people.iter().map(|p| p.record.clone()).collect();
        let decisions = match_batch(&index, &records, &MatchConfig::default(), 1_000_000);
        let at: HashMap<&str, usize> = data
            .people
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.as_str(), i))
            .collect();
        let features: Vec<PersonFeatures> = records.iter().map(PersonFeatures::new).collect();
        let places: Vec<Workplace> = records
            .iter()
            .zip(&decisions)
            .map(|(p, d)| {
                let placed = d.account.map(|a| placed(&index, a, 1_000_000));
                Workplace::of(&PersonKeys::of(p), placed)
            })
            .collect();
        let keys: Vec<Vec<String>> = features
            .iter()
            .zip(&places)
            .zip(&records)
            .map(|((f, pl), r)| {
                let name = person_key(r.first_name.as_deref(), r.last_name.as_deref());
                block_keys(f, pl.key(), name.as_deref())
            })
            .collect();
        let show = |i: usize| {
            let r = &records[i];
            let p = &data.people[i];
            format!(
                "  {:>6} {:<15} {:?} {:?} <{}> co={:?} ph={:?} t={:?} {:?}/{:?}/{:?} acc={:?} place={:?}",
                p.id,
                p.kind.as_str(),
                r.first_name.as_deref().unwrap_or(""),
                r.last_name.as_deref().unwrap_or(""),
                r.email.as_deref().unwrap_or(""),
                r.company.as_deref().unwrap_or(""),
                r.phone.as_deref().unwrap_or(""),
                r.title.as_deref().unwrap_or(""),
                r.city.as_deref().unwrap_or(""),
                r.state.as_deref().unwrap_or(""),
                r.country.as_deref().unwrap_or(""),
                p.account.map(|a| a.0),
                places[i].place,
            )
        };
        let pair = |i: usize, j: usize| {
            let l = compare(&features[i], &features[j]);
            let blocked = keys[i].iter().any(|k| keys[j].contains(k));
            format!(
                "{}\n{}\n    {:?} {:+.1} blocked={blocked}: {}",
                show(j),
                show(i),
                l.decision,
                l.weight,
                l.explain()
            )
        };
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (i, (p, d)) in data.people.iter().zip(&decisions).enumerate() {
            let truth = p.duplicate_of.as_deref().map(|id| at[id]);
            if d.duplicate_of == truth {
                continue;
            }
            if let Some(k) = d.duplicate_of {
                let why = format!(
                    "FP {} linked to {}",
                    p.kind.as_str(),
                    data.people[k].kind.as_str()
                );
                groups.entry(why).or_default().push(pair(i, k));
            }
            let Some(j) = truth else { continue };
            // The earlier record of the person the comparison likes best.
            let best = (0..i)
                .filter(|&k| {
                    k == j || data.people[k].duplicate_of.as_deref().map(|id| at[id]) == Some(j)
                })
                .max_by(|&x, &y| {
                    let w = |k: usize| compare(&features[i], &features[k]).weight;
                    w(x).total_cmp(&w(y))
                })
                .unwrap_or(j);
            let blocked = keys[i].iter().any(|k| keys[best].contains(k));
            let l = compare(&features[i], &features[best]);
            let why = if employer(&places[i], &places[best]) == Employer::Different {
                "accounts differ"
            } else if !blocked {
                "never blocked together"
            } else if employer(&places[i], &places[best]) == Employer::Maybe {
                "employer maybe, weight too low"
            } else if l.decision == LinkDecision::Same {
                "Same but not taken"
            } else if l.decision == LinkDecision::Review {
                "review"
            } else {
                "weight too low"
            };
            let why = format!(
                "FN {why}{}",
                if d.duplicate_of.is_some() {
                    " (linked elsewhere)"
                } else {
                    ""
                }
            );
            groups.entry(why).or_default().push(pair(i, best));
        }
        // DEDUPE_SAMPLES=all lists every pair.
        let samples = match std::env::var("DEDUPE_SAMPLES").as_deref() {
            Ok("all") => usize::MAX,
            Ok(n) => n.parse().unwrap_or(12),
            Err(_) => 12,
        };
        for (why, pairs) in &groups {
            eprintln!("== {why}: {}", pairs.len());
            for p in pairs.iter().take(samples) {
                eprintln!("{p}");
            }
        }
    }
}
