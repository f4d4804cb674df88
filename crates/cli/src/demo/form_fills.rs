//! A morning of form fills for the demo, taken through the intake service like any others, so
//! the tour has something in every intake outcome: people at known accounts (placed by their
//! email's domain), people at companies abcrm does not know yet (new accounts), and people who
//! give a free-mail address and a company name that could be several accounts, or none (the
//! review queue, with ranked candidates).

use super::words::{FIRST_NAMES, LAST_NAMES};
use abcrm_core::intake::IntakeItem;
use abcrm_core::matching::PersonRecord;
use abcrm_core::model::Account;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet};

/// Companies the demo's accounts do not include: their people make new accounts.
const NEW_COMPANIES: &[(&str, &str)] = &[
    ("Quillfeather Analytics", "quillfeather.io"),
    ("Harborline Freight", "harborline-freight.com"),
    ("Ostrander Bio Labs", "ostranderbio.com"),
    ("Kestrel Ridge Energy", "kestrelridge.energy"),
];

const FREE_MAIL: &[&str] = &["gmail.com", "yahoo.com", "outlook.com", "hotmail.com"];
const TITLES: &[&str] = &[
    "VP Marketing",
    "Director of IT",
    "Procurement Manager",
    "Head of Data",
    "Sr. Software Engineer",
    "CFO",
    "Operations Manager",
];

/// The form fills for `accounts`, the same for the same seed and accounts.
pub fn form_fills(accounts: &[Account], seed: u64) -> Vec<IntakeItem> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xF0F1);
    let person = |rng: &mut ChaCha8Rng| {
        let first = *FIRST_NAMES.choose(rng).expect("names");
        let last = *LAST_NAMES.choose(rng).expect("names");
        (first.to_string(), last.to_string())
    };
    let mut out = Vec::new();
    let mut push = |record: PersonRecord| {
        out.push(IntakeItem {
            source_key: format!("demo-form-{}", out.len() + 1),
            record,
            hints: Default::default(),
        })
    };
    // Known accounts, by their domain.
    for account in accounts.iter().filter(|a| !a.domains.is_empty()).take(12) {
        let (first, last) = person(&mut rng);
        push(PersonRecord {
            email: Some(format!(
                "{}.{}@{}",
                first.to_lowercase(),
                last.to_lowercase(),
                account.domains[0]
            )),
            first_name: Some(first),
            last_name: Some(last),
            company: Some(account.name.clone()),
            title: Some(TITLES.choose(&mut rng).expect("titles").to_string()),
            ..Default::default()
        });
    }
    // Companies nobody has met yet.
    for (company, domain) in NEW_COMPANIES {
        let (first, last) = person(&mut rng);
        push(PersonRecord {
            email: Some(format!("{}@{domain}", first.to_lowercase())),
            first_name: Some(first),
            last_name: Some(last),
            company: Some(company.to_string()),
            title: Some(TITLES.choose(&mut rng).expect("titles").to_string()),
            country: Some("US".into()),
            ..Default::default()
        });
    }
    // A free-mail address and only the first word of a company name that several different
    // companies start with: the matcher ranks them, and a person decides.
    let mut families: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for a in accounts {
        let mut words = a.name.split_whitespace();
        if let (Some(first), Some(second)) = (words.next(), words.next()) {
            families
                .entry(first.to_string())
                .or_default()
                .insert(second.to_lowercase());
        }
    }
    let shared: Vec<&String> = families
        .iter()
        .filter(|(_, seconds)| seconds.len() >= 2)
        .map(|(first, _)| first)
        .collect();
    for company in shared
        .iter()
        .take(6)
        .map(|c| Some(c.to_string()))
        .chain([None, None])
    {
        let (first, last) = person(&mut rng);
        let mail = FREE_MAIL.choose(&mut rng).expect("free mail");
        push(PersonRecord {
            email: Some(format!(
                "{}{}{}@{mail}",
                first.to_lowercase(),
                last.chars().next().unwrap_or('x').to_lowercase(),
                rng.gen_range(1..99)
            )),
            first_name: Some(first),
            last_name: Some(last),
            company,
            title: Some(TITLES.choose(&mut rng).expect("titles").to_string()),
            ..Default::default()
        });
    }
    out
}
