//! Generated organisations for benchmarks: accounts (one in ten a subsidiary), contacts with
//! roles, seniorities and some who left, and activities of every kind over two years. Streams,
//! so a million records cost no memory until the caller keeps them.

use crate::model::{
    Account, AccountStage, ActivityKind, BuyingRole, Contact, ContactStatus, Relationship,
    Seniority,
};
use crate::{AccountId, ActivityId, CampaignId, ContactId};
use chrono::{DateTime, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::ActivityFact;

const INDUSTRIES: [&str; 6] = [
    "Software",
    "Financial Services",
    "Manufacturing",
    "Healthcare",
    "Retail",
    "Information Technology",
];

/// The campaign generated activities belong to, one in five.
pub const CAMPAIGN: (CampaignId, &str) = (CampaignId(1), "Launch");

/// Accounts 1..=n.
pub fn accounts(seed: u64, n: usize, now: DateTime<Utc>) -> impl Iterator<Item = Account> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (1..=n as i64).map(move |i| Account {
        id: AccountId(i),
        name: format!("Account {i}"),
        domains: Vec::new(),
        duns: None,
        parent_id: (i > 10 && rng.gen_bool(0.1)).then(|| AccountId(rng.gen_range(1..i))),
        industry: Some(INDUSTRIES[rng.gen_range(0..INDUSTRIES.len())].to_string()),
        employees: Some(rng.gen_range(5..50_000)),
        annual_revenue: None,
        country: Some("US".into()),
        state: None,
        city: None,
        relationship: Relationship::Prospect,
        stage: AccountStage::Target,
        owner_id: None,
        target_tier: None,
        created_at: now,
        updated_at: now,
    })
}

/// Contacts 1..=n spread over accounts 1..=accounts.
pub fn contacts(
    seed: u64,
    n: usize,
    accounts: usize,
    now: DateTime<Utc>,
) -> impl Iterator<Item = Contact> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xC0);
    (1..=n as i64).map(move |i| Contact {
        id: ContactId(i),
        account_id: AccountId(rng.gen_range(1..=accounts.max(1) as i64)),
        first_name: None,
        last_name: None,
        email: None,
        phone: None,
        title: None,
        seniority: rng
            .gen_bool(0.8)
            .then(|| Seniority::ALL[rng.gen_range(0..Seniority::ALL.len())]),
        department: None,
        buying_role: rng
            .gen_bool(0.4)
            .then(|| BuyingRole::ALL[rng.gen_range(0..BuyingRole::ALL.len())]),
        status: if rng.gen_bool(0.05) {
            ContactStatus::LeftCompany
        } else {
            ContactStatus::Active
        },
        owner_id: None,
        source: None,
        created_at: now,
        updated_at: now,
    })
}

/// Activities 1..=n of contacts 1..=contacts, over the two years before `now`.
pub fn activities(
    seed: u64,
    n: usize,
    contacts: usize,
    now: DateTime<Utc>,
) -> impl Iterator<Item = ActivityFact> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xAC);
    let now = now.timestamp();
    (1..=n as i64).map(move |i| ActivityFact {
        id: ActivityId(i),
        contact: Some(ContactId(rng.gen_range(1..=contacts.max(1) as i64))),
        kind: ActivityKind::ALL[rng.gen_range(0..ActivityKind::ALL.len())],
        campaign: rng.gen_bool(0.2).then_some(CAMPAIGN.0),
        occurred_at: now - rng.gen_range(0..730 * 86_400),
    })
}
