//! A deterministic generator of messy person records with known truth, and the scorer that
//! measures matching against it (precision, recall, F1 for account assignment and duplicates).
//! Messy as real exports are: legal-form variants, typos, case, `&`/`and`, "The", subdomains,
//! plus tags, nicknames, free-mail addresses, subsidiaries, namesakes in other states, people
//! whose company has no account, and blank or junk fields.

use super::record::{AccountEntry, PersonRecord};
use crate::ids::AccountId;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;

/// A generated person and what is true of them.
#[derive(Debug, Clone)]
pub struct SynthPerson {
    pub id: String,
    pub record: PersonRecord,
    /// The account this person works at, when it exists.
    pub account: Option<AccountId>,
    /// The earlier person this one repeats.
    pub duplicate_of: Option<String>,
}

/// A generated world.
#[derive(Debug, Clone, Default)]
pub struct SynthData {
    pub accounts: Vec<AccountEntry>,
    pub people: Vec<SynthPerson>,
}

pub(crate) const WORDS: &[&str] = &[
    "Systems",
    "Foods",
    "Logistics",
    "Health",
    "Analytics",
    "Energy",
    "Robotics",
    "Media",
    "Capital",
    "Materials",
    "Labs",
    "Networks",
    "Software",
    "Devices",
    "Partners",
    "Pharma",
    "Security",
    "Retail",
    "Motors",
    "Insurance",
];
const SUFFIXES: &[&[&str]] = &[
    &["Inc", "Inc.", "Incorporated", ""],
    &["LLC", "L.L.C.", ""],
    &["Corp", "Corporation", "Corp.", ""],
    &["Ltd", "Limited", "Ltd."],
    &["GmbH", ""],
    &["Co.", "Company", ""],
    &["S.A.", "SA"],
];
pub(crate) const STATES: &[(&str, &str)] = &[
    ("CA", "San Francisco"),
    ("CA", "San Diego"),
    ("NY", "New York"),
    ("TX", "Austin"),
    ("WA", "Seattle"),
    ("MA", "Boston"),
    ("IL", "Chicago"),
    ("GA", "Atlanta"),
    ("CO", "Denver"),
    ("FL", "Miami"),
];
pub(crate) const FIRST: &[&str] = &[
    "Robert",
    "William",
    "James",
    "Michael",
    "Elizabeth",
    "Katherine",
    "Jennifer",
    "Thomas",
    "Richard",
    "Margaret",
    "Susan",
    "David",
    "Daniel",
    "Joseph",
    "Patricia",
    "Anna",
    "Wei",
    "Priya",
    "Carlos",
    "Sofia",
    "Lukas",
    "Ingrid",
    "Omar",
    "Fatima",
    "Hiroshi",
    "Mateo",
    "Chloe",
    "Noah",
    "Emma",
    "Olivia",
];
pub(crate) const NICK: &[(&str, &str)] = &[
    ("Robert", "Bob"),
    ("William", "Bill"),
    ("James", "Jim"),
    ("Michael", "Mike"),
    ("Elizabeth", "Liz"),
    ("Katherine", "Kate"),
    ("Jennifer", "Jen"),
    ("Thomas", "Tom"),
    ("Richard", "Rick"),
    ("Margaret", "Maggie"),
    ("Susan", "Sue"),
    ("David", "Dave"),
    ("Daniel", "Dan"),
    ("Joseph", "Joe"),
    ("Patricia", "Trish"),
];
pub(crate) const LAST: &[&str] = &[
    "Smith", "Johnson", "Garcia", "Miller", "Davis", "Martinez", "Lopez", "Wilson", "Anderson",
    "Taylor", "Moore", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker",
    "Young", "Patel", "Chen", "Kim", "Tanaka", "Muller", "Schmidt", "Dubois", "Rossi", "Novak",
    "Singh", "O'Brien", "Nguyen", "Kowalski", "Silva", "Okafor",
];
pub(crate) const FREE: &[&str] = &[
    "gmail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "icloud.com",
    "aol.com",
    "gmx.de",
    "protonmail.com",
];

struct Company {
    base: String,
    slug: String,
    account: Option<AccountId>,
    state: &'static str,
    city: &'static str,
    domain: String,
}

/// Generates `accounts` accounts (some with subsidiaries) and `people` person records.
pub fn generate(seed: u64, accounts: usize, people: usize) -> SynthData {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut data = SynthData::default();
    let mut bases = HashSet::new();
    let mut companies: Vec<Company> = Vec::new();
    let mut next_id = 1i64;
    while data.accounts.len() < accounts {
        let base = loop {
            let b = format!(
                "{} {}",
                coined(&mut rng),
                WORDS.choose(&mut rng).expect("words")
            );
            if bases.insert(b.clone()) {
                break b;
            }
        };
        let slug: String = base
            .to_lowercase()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let (state, city) = *STATES.choose(&mut rng).expect("states");
        let suffix = *SUFFIXES
            .choose(&mut rng)
            .expect("suffixes")
            .choose(&mut rng)
            .expect("suffix");
        let id = AccountId(next_id);
        next_id += 1;
        let domain = format!("{slug}.com");
        data.accounts.push(AccountEntry {
            id,
            name: format!("{base} {suffix}").trim().to_string(),
            domains: vec![domain.clone()],
            duns: rng
                .gen_bool(0.3)
                .then(|| format!("{:09}", rng.gen_range(100_000_000..999_999_999u64))),
            country: Some("US".into()),
            state: Some(state.into()),
            city: Some(city.into()),
            parent_id: None,
        });
        companies.push(Company {
            base: base.clone(),
            slug: slug.clone(),
            account: Some(id),
            state,
            city,
            domain,
        });
        // Subsidiaries with domains of their own.
        if rng.gen_bool(0.12) {
            for (region, tld, legal, country) in [
                ("Deutschland", "de", "GmbH", "DE"),
                ("UK", "co.uk", "Ltd", "GB"),
            ]
            .iter()
            .take(rng.gen_range(1..=2))
            {
                let sid = AccountId(next_id);
                next_id += 1;
                let sdomain = format!("{slug}.{tld}");
                data.accounts.push(AccountEntry {
                    id: sid,
                    name: format!("{base} {region} {legal}"),
                    domains: vec![sdomain.clone()],
                    duns: None,
                    country: Some(country.to_string()),
                    state: None,
                    city: None,
                    parent_id: Some(id),
                });
                companies.push(Company {
                    base: format!("{base} {region}"),
                    slug: slug.clone(),
                    account: Some(sid),
                    state: "",
                    city: "",
                    domain: sdomain,
                });
            }
        }
        // A namesake in another state: same name, another company.
        if rng.gen_bool(0.03) {
            let (state2, city2) = *STATES
                .iter()
                .find(|(s, _)| *s != state)
                .expect("another state");
            let nid = AccountId(next_id);
            next_id += 1;
            let ndomain = format!("{slug}{}.com", state2.to_lowercase());
            data.accounts.push(AccountEntry {
                id: nid,
                name: format!("{base} {suffix}").trim().to_string(),
                domains: vec![ndomain.clone()],
                duns: None,
                country: Some("US".into()),
                state: Some(state2.into()),
                city: Some(city2.into()),
                parent_id: None,
            });
            companies.push(Company {
                base: base.clone(),
                slug: format!("{slug}{}", state2.to_lowercase()),
                account: Some(nid),
                state: state2,
                city: city2,
                domain: ndomain,
            });
        }
    }
    // Companies people work at that have no account yet.
    for _ in 0..accounts / 10 {
        let base = format!(
            "{} {}",
            coined(&mut rng),
            WORDS.choose(&mut rng).expect("words")
        );
        if !bases.insert(base.clone()) {
            continue;
        }
        let slug: String = base
            .to_lowercase()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let (state, city) = *STATES.choose(&mut rng).expect("states");
        companies.push(Company {
            domain: format!("{slug}.io"),
            base,
            slug,
            account: None,
            state,
            city,
        });
    }

    // One mailbox is one person: generated addresses never collide across people.
    let mut used: HashSet<String> = HashSet::new();
    let mut n = 0;
    while data.people.len() < people {
        n += 1;
        let id = format!("p{n}");
        if !data.people.is_empty() && rng.gen_bool(0.1) {
            let original = data.people[rng.gen_range(0..data.people.len())].clone();
            let first_id = original.duplicate_of.clone().unwrap_or(original.id.clone());
            let mut record = duplicate(&mut rng, &original.record);
            // A new address made for the duplicate must not be someone else's mailbox.
            if record.email.as_deref().map(str::to_lowercase)
                != original.record.email.as_deref().map(str::to_lowercase)
                && !record.email.as_deref().unwrap_or("").contains('+')
            {
                if let Some((local, host)) = record.email.clone().and_then(|e| {
                    e.split_once('@')
                        .map(|(l, h)| (l.to_string(), h.to_string()))
                }) {
                    let mut l = local;
                    while !used.insert(format!("{l}@{host}").to_lowercase()) {
                        l = format!("{l}{}", rng.gen_range(0..10));
                    }
                    record.email = Some(format!("{l}@{host}"));
                }
            }
            data.people.push(SynthPerson {
                id,
                record,
                account: original.account,
                duplicate_of: Some(first_id),
            });
            continue;
        }
        let c = companies.choose(&mut rng).expect("companies");
        let first = *FIRST.choose(&mut rng).expect("first");
        let last = *LAST.choose(&mut rng).expect("last");
        let mut local = format!(
            "{}.{}",
            first.to_lowercase(),
            last.to_lowercase().replace('\'', "")
        );
        let roll: f64 = rng.gen();
        let host = if roll < 0.6 {
            c.domain.clone()
        } else {
            FREE.choose(&mut rng).expect("free").to_string()
        };
        while !used.insert(format!("{local}@{host}")) {
            local = format!("{local}{}", rng.gen_range(0..10));
        }
        let (email, company, truth) = if roll < 0.6 {
            // Corporate address, sometimes at a subdomain or in capitals.
            let host = if rng.gen_bool(0.1) {
                format!("mail.{host}")
            } else {
                host
            };
            let mut e = format!("{local}@{host}");
            if rng.gen_bool(0.15) {
                e = e.to_uppercase();
            }
            (
                Some(e),
                rng.gen_bool(0.7).then(|| messy_company(&mut rng, &c.base)),
                c.account,
            )
        } else if roll < 0.92 {
            // Free mail, with a messy company name.
            let e = format!("{local}@{host}");
            (Some(e), Some(messy_company(&mut rng, &c.base)), c.account)
        } else {
            // Free mail and nothing to go on.
            let e = format!("{local}@{host}");
            (
                Some(e),
                rng.gen_bool(0.5).then(|| "Self-employed".to_string()),
                None,
            )
        };
        let _ = &c.slug;
        data.people.push(SynthPerson {
            id,
            record: PersonRecord {
                first_name: Some(first.to_string()),
                last_name: Some(last.to_string()),
                email,
                company,
                title: Some("Manager".into()),
                state: (!c.state.is_empty() && rng.gen_bool(0.7)).then(|| c.state.to_string()),
                city: (!c.city.is_empty() && rng.gen_bool(0.5)).then(|| c.city.to_string()),
                ..Default::default()
            },
            account: truth,
            duplicate_of: None,
        });
    }
    data
}

/// A made-up but pronounceable company word ("Zorvex", "Kalimo").
pub(crate) fn coined(rng: &mut ChaCha8Rng) -> String {
    let cons = [
        "b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "tr",
        "st", "pl", "qu",
    ];
    let vow = ["a", "e", "i", "o", "u", "ai", "ou"];
    let mut w = String::new();
    for _ in 0..rng.gen_range(2..=3) {
        w.push_str(cons.choose(rng).expect("c"));
        w.push_str(vow.choose(rng).expect("v"));
    }
    if rng.gen_bool(0.5) {
        w.push_str(
            ["x", "n", "r", "s", "l", "on", "ex", "ia"]
                .choose(rng)
                .expect("end"),
        );
    }
    let mut c = w.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// How people type a company's name: other legal forms, case, "The", typos, `&`.
pub(crate) fn messy_company(rng: &mut ChaCha8Rng, base: &str) -> String {
    let mut s = base.to_string();
    match rng.gen_range(0..10) {
        0 => s = s.to_uppercase(),
        1 => s = s.to_lowercase(),
        2 => s = format!("The {s}"),
        3 | 4 => {
            // One typo: a dropped, doubled or swapped letter.
            let mut chars: Vec<char> = s.chars().collect();
            let i = rng.gen_range(1..chars.len().saturating_sub(1).max(2));
            match rng.gen_range(0..3) {
                0 => {
                    chars.remove(i);
                }
                1 => chars.insert(i, chars[i]),
                _ if i + 1 < chars.len() => chars.swap(i, i + 1),
                _ => {}
            }
            s = chars.into_iter().collect();
        }
        _ => {}
    }
    let suffix = [
        "",
        " Inc",
        ", Inc.",
        " LLC",
        " Corp.",
        " Corporation",
        " Ltd",
        " Co",
        " GmbH",
    ]
    .choose(rng)
    .expect("suffix");
    format!("{s}{suffix}")
}

/// The same person again: another case, a plus tag, a nickname, or a personal address.
fn duplicate(rng: &mut ChaCha8Rng, p: &PersonRecord) -> PersonRecord {
    let mut d = p.clone();
    let email = p.email.clone().unwrap_or_default();
    match rng.gen_range(0..4) {
        0 => d.email = Some(format!("  {}  ", email.to_uppercase())),
        1 => d.email = email.split_once('@').map(|(l, h)| format!("{l}+news@{h}")),
        _ => {
            // A nickname, and a new address made from it at the same host.
            let nick = NICK
                .iter()
                .find(|(f, _)| Some(*f) == p.first_name.as_deref())
                .map(|(_, n)| n.to_string());
            let first =
                nick.unwrap_or_else(|| p.first_name.clone().unwrap_or_default().to_uppercase());
            let last = p.last_name.clone().unwrap_or_default();
            if let Some((_, host)) = email.split_once('@') {
                d.email = Some(format!(
                    "{}{}@{host}",
                    first.to_lowercase().chars().next().unwrap_or('x'),
                    last.to_lowercase().replace('\'', "")
                ));
            }
            d.first_name = Some(first);
        }
    }
    if rng.gen_bool(0.3) {
        d.title = None;
    }
    d
}

/// How matching did on a generated world.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Evaluation {
    /// Placing each person under the right account (or under none when theirs has no account).
    pub accounts: Score,
    /// Naming the earlier record a person repeats.
    pub duplicates: Score,
}

/// Matches every person of `data` as one batch, as the batch command does, and scores the
/// result. Accounts the batch creates are no account of the truth's.
pub fn evaluate(data: &SynthData, config: &super::MatchConfig) -> Evaluation {
    let mut index = super::MatchIndex::new();
    for a in &data.accounts {
        index.insert_account(a.clone());
    }
    let records: Vec<PersonRecord> = data.people.iter().map(|p| p.record.clone()).collect();
    let first_new = data.accounts.iter().map(|a| a.id.0).max().unwrap_or(0) + 1;
    let decisions = super::match_batch(&index, &records, config, first_new);
    let mut out = Evaluation::default();
    for (p, d) in data.people.iter().zip(decisions) {
        let predicted = d.account.filter(|a| a.0 < first_new);
        out.accounts.add(predicted, p.account);
        let dup = d.duplicate_of.map(|i| data.people[i].id.clone());
        out.duplicates.add(dup, p.duplicate_of.clone());
    }
    out
}

/// Precision, recall and F1 of one kind of decision.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Score {
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
}

impl Score {
    /// Share of the decisions made that were right.
    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    /// Share of the true answers that were found.
    pub fn recall(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    /// The harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }

    /// Adds one decision: `predicted` against `truth`.
    pub fn add<T: PartialEq>(&mut self, predicted: Option<T>, truth: Option<T>) {
        match (predicted, truth) {
            (Some(p), Some(t)) if p == t => self.true_positives += 1,
            (Some(_), Some(_)) => {
                self.false_positives += 1;
                self.false_negatives += 1;
            }
            (Some(_), None) => self.false_positives += 1,
            (None, Some(_)) => self.false_negatives += 1,
            (None, None) => {}
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic() {
        let (a, b) = (generate(5, 200, 500), generate(5, 200, 500));
        assert_eq!(
            a.people.iter().map(|p| &p.record).collect::<Vec<_>>(),
            b.people.iter().map(|p| &p.record).collect::<Vec<_>>()
        );
    }

    #[test]
    fn matching_meets_its_quality_targets_on_messy_data() {
        let data = generate(2026, 3_000, 12_000);
        let e = evaluate(&data, &super::super::MatchConfig::default());
        let (a, d) = (e.accounts, e.duplicates);
        eprintln!("accounts: precision {:.4} recall {:.4} F1 {:.4}; duplicates: precision {:.4} recall {:.4} F1 {:.4}", a.precision(), a.recall(), a.f1(), d.precision(), d.recall(), d.f1());
        assert!(a.f1() >= 0.97, "account assignment F1 {:.4}: {a:?}", a.f1());
        assert!(
            d.f1() >= 0.95,
            "duplicate detection F1 {:.4}: {d:?}",
            d.f1()
        );
    }

    #[test]
    fn f1_of_a_perfect_run_is_one() {
        let mut s = Score::default();
        s.add(Some(1), Some(1));
        s.add(None::<i32>, None);
        assert_eq!(s.f1(), 1.0);
    }
}
#[cfg(test)]
mod scratch {
    #[test]
    fn scratch_misses() {
        let data = super::generate(2026, 3_000, 12_000);
        let mut index = super::super::MatchIndex::new();
        for a in &data.accounts {
            index.insert_account(a.clone());
        }
        let cfg = super::super::MatchConfig::default();
        let mut by_rule = std::collections::BTreeMap::new();
        let mut shown = 0;
        for p in &data.people {
            let r = super::super::match_person(&index, &p.record, &cfg);
            let predicted = r.account.as_ref().map(|a| a.account_id);
            if predicted != p.account {
                *by_rule
                    .entry((r.rule, predicted.is_some(), p.account.is_some()))
                    .or_insert(0) += 1;
                if shown < 25 {
                    shown += 1;
                    let truth = p
                        .account
                        .and_then(|a| index.account_entry(a))
                        .map(|a| format!("{} {:?} {:?}", a.name, a.domains, a.country));
                    eprintln!(
                        "{:?}\n  -> {} {:?} | truth {:?}\n  {}",
                        p.record, r.rule, predicted, truth, r.explanation
                    );
                }
            }
        }
        eprintln!("{by_rule:?}");
    }
}
