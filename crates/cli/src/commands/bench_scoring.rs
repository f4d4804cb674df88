//! `abcrm bench-scoring`: how fast scoring is. In memory, a full recompute over generated
//! accounts, contacts and activities, timing only the engine (activities are generated in
//! blocks outside the clock); with `--incremental N`, N activity writes through the store, each
//! rescoring its account in the same transaction.

use abcrm_core::model::{ActivityKind, Actor, NewActivity};
use abcrm_core::scoring::{synth, ActivityFact, Recompute, Scorer, ScoringModel};
use abcrm_core::AccountId;
use abcrm_store::PageRequest;
use anyhow::{bail, Context};
use chrono::{TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

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
    let now = Utc
        .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
        .single()
        .context("a valid date")?;
    let model = ScoringModel::default_model();
    let scorer = Scorer::new(
        &model,
        &[(synth::CAMPAIGN.0, synth::CAMPAIGN.1.into())],
        now,
    );
    let mut rc = Recompute::new(&scorer);
    let rss_before = peak_rss().unwrap_or(0);

    let started = Instant::now();
    synth::accounts(seed, accounts, now).for_each(|a| rc.add_account(&a));
    synth::contacts(seed, contacts, accounts, now).for_each(|c| rc.add_contact(&c));
    let people_seconds = started.elapsed().as_secs_f64();

    // Activities in blocks: generated off the clock, scored on it.
    const BLOCK: usize = 1_000_000;
    let mut engine_seconds = 0.0;
    let mut stream = synth::activities(seed, activities, contacts, now);
    let mut block: Vec<ActivityFact> = Vec::with_capacity(BLOCK.min(activities));
    loop {
        block.clear();
        block.extend(stream.by_ref().take(BLOCK));
        if block.is_empty() {
            break;
        }
        // The engine finds an activity's account by its contact.
        let t = Instant::now();
        for fact in &block {
            rc.add_activity(AccountId(0), fact);
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
    let whole = people_seconds + engine_seconds + finish_seconds;
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
        "  whole recompute:           {whole:.2}s = {:.0} activities/s",
        activities as f64 / whole.max(1e-9)
    );
    println!(
        "  peak memory:               {:.0} MiB (before scoring {:.0} MiB; the activity block holds {} x {} bytes)",
        peak as f64 / 1048576.0,
        rss_before as f64 / 1048576.0,
        BLOCK.min(activities),
        std::mem::size_of::<ActivityFact>()
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
            body: None,
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
