//! `abcrm bench-scoring`: how fast scoring is. In memory, a full recompute over generated
//! accounts, contacts and activities, timing only the engine (activities are generated in
//! blocks outside the clock); with `--incremental N`, N activity writes through the store, each
//! rescoring its account in the same transaction.

use abcrm_core::model::{
    Account, AccountStage, ActivityKind, Actor, BuyingRole, Contact, ContactStatus, NewActivity,
    Relationship, Seniority,
};
use abcrm_core::scoring::{ActivityFact, Recompute, Scorer, ScoringModel};
use abcrm_core::{AccountId, ActivityId, CampaignId, ContactId};
use abcrm_store::PageRequest;
use anyhow::{bail, Context};
use chrono::{Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

const INDUSTRIES: [&str; 6] = [
    "Software",
    "Financial Services",
    "Manufacturing",
    "Healthcare",
    "Retail",
    "Information Technology",
];

/// Peak resident memory of this process, from the kernel (Linux), in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// A full recompute in memory.
pub fn in_memory(
    accounts: usize,
    contacts: usize,
    activities: usize,
    seed: u64,
) -> anyhow::Result<()> {
    if accounts == 0 || contacts == 0 {
        bail!("--accounts and --contacts must be at least 1");
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let now = Utc
        .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
        .single()
        .context("a valid date")?;
    let model = ScoringModel::default_model();
    let scorer = Scorer::new(&model, &[(CampaignId(1), "Launch".into())], now);
    let mut rc = Recompute::new(&scorer);
    let rss_before = peak_rss().unwrap_or(0);

    let started = Instant::now();
    let mut account = Account {
        id: AccountId(0),
        name: String::new(),
        domains: Vec::new(),
        duns: None,
        parent_id: None,
        industry: None,
        employees: None,
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
    };
    for i in 1..=accounts as i64 {
        account.id = AccountId(i);
        // One account in ten is a subsidiary of an earlier one.
        account.parent_id = (i > 10 && rng.gen_bool(0.1)).then(|| AccountId(rng.gen_range(1..i)));
        account.industry = Some(INDUSTRIES[rng.gen_range(0..INDUSTRIES.len())].to_string());
        account.employees = Some(rng.gen_range(5..50_000));
        rc.add_account(&account);
    }
    let mut contact = Contact {
        id: ContactId(0),
        account_id: AccountId(0),
        first_name: None,
        last_name: None,
        email: None,
        phone: None,
        title: None,
        seniority: None,
        department: None,
        buying_role: None,
        status: ContactStatus::Active,
        owner_id: None,
        source: None,
        created_at: now,
        updated_at: now,
    };
    for i in 1..=contacts as i64 {
        contact.id = ContactId(i);
        contact.account_id = AccountId(rng.gen_range(1..=accounts as i64));
        contact.seniority = rng
            .gen_bool(0.8)
            .then(|| Seniority::ALL[rng.gen_range(0..Seniority::ALL.len())]);
        contact.buying_role = rng
            .gen_bool(0.4)
            .then(|| BuyingRole::ALL[rng.gen_range(0..BuyingRole::ALL.len())]);
        contact.status = if rng.gen_bool(0.05) {
            ContactStatus::LeftCompany
        } else {
            ContactStatus::Active
        };
        rc.add_contact(&contact);
    }
    let people_seconds = started.elapsed().as_secs_f64();

    // Activities in blocks: generated off the clock, scored on it.
    let mut engine_seconds = 0.0;
    let mut block: Vec<(AccountId, ActivityFact)> = Vec::with_capacity(1_000_000);
    let mut left = activities;
    let mut id = 0i64;
    while left > 0 {
        block.clear();
        for _ in 0..left.min(1_000_000) {
            id += 1;
            let c = rng.gen_range(1..=contacts as i64);
            let kind = ActivityKind::ALL[rng.gen_range(0..ActivityKind::ALL.len())];
            let days = rng.gen_range(0..730);
            block.push((
                // The account of a contact is not kept here; the engine finds it by contact.
                AccountId(1),
                ActivityFact {
                    id: ActivityId(id),
                    contact: Some(ContactId(c)),
                    kind,
                    campaign: rng.gen_bool(0.2).then_some(CampaignId(1)),
                    occurred_at: (now - Duration::days(days)).timestamp()
                        - rng.gen_range(0..86_400),
                },
            ));
        }
        left -= block.len();
        let t = Instant::now();
        for (account, fact) in &block {
            rc.add_activity(*account, fact);
        }
        engine_seconds += t.elapsed().as_secs_f64();
    }
    let t = Instant::now();
    let (account_scores, contact_scores) = rc.finish();
    let finish_seconds = t.elapsed().as_secs_f64();
    let best = account_scores
        .iter()
        .map(|s| s.score)
        .max()
        .unwrap_or_default();
    let peak = peak_rss().unwrap_or(0);
    println!(
        "Recomputed {} accounts and {} contacts from {} activities (default model, 1 core):",
        account_scores.len(),
        contact_scores.len(),
        activities
    );
    println!("  accounts and contacts in:  {people_seconds:.2}s (fit rules evaluated)");
    println!(
        "  activities:                {engine_seconds:.2}s = {:.0} activities/s",
        activities as f64 / engine_seconds.max(1e-9)
    );
    println!("  roll-up and hierarchy:     {finish_seconds:.2}s");
    println!(
        "  whole recompute:           {:.2}s = {:.0} activities/s",
        people_seconds + engine_seconds + finish_seconds,
        activities as f64 / (people_seconds + engine_seconds + finish_seconds).max(1e-9)
    );
    println!(
        "  peak memory:               {:.0} MiB (of which {:.0} MiB before scoring; the activity block is 1,000,000 x {} bytes)",
        peak as f64 / 1048576.0,
        rss_before as f64 / 1048576.0,
        std::mem::size_of::<(AccountId, ActivityFact)>()
    );
    println!("  best account score:        {best}");
    Ok(())
}

/// `n` single-activity writes through the store, each rescoring its account: latency
/// percentiles of the whole call (write, rescore, stage rules, commit).
pub async fn incremental(url: &str, n: usize, seed: u64) -> anyhow::Result<()> {
    let store = abcrm_store::open(url)
        .await
        .with_context(|| format!("opening {}", super::redact(url)))?;
    let counts = store.counts().await?;
    if counts.contacts == 0 {
        bail!(
            "the database has no contacts; load data first (e.g. `abcrm demo --accounts 100000`)"
        );
    }
    let last = store
        .list_contacts(
            &Default::default(),
            PageRequest {
                after: None,
                limit: 1,
            },
        )
        .await?;
    let first_id = last.items.first().map(|c| c.id.0).unwrap_or(1);
    let max_id = first_id + counts.contacts * 2;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let actor = Actor::system("bench-scoring");
    let mut times = Vec::with_capacity(n);
    let kinds = [
        ActivityKind::Email,
        ActivityKind::WebVisit,
        ActivityKind::Meeting,
        ActivityKind::Webinar,
    ];
    while times.len() < n {
        let probe = rng.gen_range(first_id..max_id);
        let page = store
            .list_contacts(
                &Default::default(),
                PageRequest {
                    after: Some(probe - 1),
                    limit: 1,
                },
            )
            .await?;
        let Some(contact) = page.items.first() else {
            continue;
        };
        let new = NewActivity {
            account_id: None,
            contact_id: Some(contact.id),
            kind: kinds[rng.gen_range(0..kinds.len())],
            subject: Some("bench-scoring".into()),
            occurred_at: None,
            campaign_id: None,
            opportunity_id: None,
        };
        let t = Instant::now();
        store.create_activity(&actor, new).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    println!(
        "{} activity writes with rescoring on {} ({} accounts, {} contacts, {} activities): p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        times.len(),
        super::redact(url),
        counts.accounts,
        counts.contacts,
        counts.activities,
        at(0.50),
        at(0.95),
        at(0.99),
        times.last().copied().unwrap_or_default()
    );
    Ok(())
}
