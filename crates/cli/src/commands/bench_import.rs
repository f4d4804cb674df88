//! `abcrm bench-import`: the end-to-end import benchmark. Generates messy people with known
//! truth (`abcrm synth`'s generator), loads their accounts into a store, then times
//! `abcrm import` of the people CSV into it and scores where intake put each person.

use super::import::{import, ImportArgs};
use abcrm_core::matching::{synth, MatchConfig};
use abcrm_core::model::{Actor, NewAccount};
use abcrm_core::AccountId;
use abcrm_store::{IntakeQuery, PageRequest};
use anyhow::Context;
use std::collections::HashMap;
use std::time::Instant;

/// Options of `abcrm bench-import`.
pub struct BenchImportArgs {
    pub accounts: usize,
    pub people: usize,
    pub seed: u64,
    pub batch: usize,
}

/// Runs the benchmark against the store at `url` (which should be empty).
pub async fn run(url: &str, args: BenchImportArgs) -> anyhow::Result<()> {
    let store = abcrm_store::open(url)
        .await
        .with_context(|| format!("opening {}", super::redact(url)))?;
    let counts = store.counts().await?;
    if counts.accounts > 0 || counts.contacts > 0 {
        anyhow::bail!(
            "{} already holds {} accounts and {} contacts; benchmark into an empty database",
            super::redact(url),
            counts.accounts,
            counts.contacts
        );
    }
    let dir = tempfile::tempdir().context("temporary directory")?;
    eprintln!(
        "Generating {} accounts and {} people (seed {})...",
        args.accounts, args.people, args.seed
    );
    let data = synth::generate(args.seed, args.accounts, args.people);
    super::matching::run_synth_files(dir.path(), &data)?;

    // Accounts first, parents before subsidiaries, in large bulk transactions (set-up, untimed).
    let started = Instant::now();
    let actor = Actor::system("bench-import");
    let mut real: HashMap<AccountId, AccountId> = HashMap::new();
    let mut pending: Vec<&abcrm_core::matching::AccountEntry> = data.accounts.iter().collect();
    while !pending.is_empty() {
        let (ready, wait): (Vec<_>, Vec<_>) = pending
            .into_iter()
            .partition(|a| a.parent_id.is_none_or(|p| real.contains_key(&p)));
        anyhow::ensure!(!ready.is_empty(), "the generated hierarchy has a cycle");
        for chunk in ready.chunks(20_000) {
            let new: Vec<NewAccount> = chunk
                .iter()
                .map(|a| NewAccount {
                    name: a.name.clone(),
                    domains: a.domains.clone(),
                    duns: a.duns.clone(),
                    parent_id: a.parent_id.map(|p| real[&p]),
                    country: a.country.clone(),
                    state: a.state.clone(),
                    city: a.city.clone(),
                    ..NewAccount::default()
                })
                .collect();
            let ids = store.create_accounts(&actor, new).await?;
            for (a, id) in chunk.iter().zip(ids) {
                real.insert(a.id, id);
            }
        }
        pending = wait;
    }
    eprintln!(
        "Loaded {} accounts in {:.1}s (set-up, not timed).",
        real.len(),
        started.elapsed().as_secs_f64()
    );

    let people = dir.path().join("people.csv");
    let summary = import(
        store.clone(),
        &ImportArgs {
            file: &people,
            source: Some("bench"),
            batch: args.batch,
            config: MatchConfig::default(),
            person: Default::default(),
        },
    )
    .await?;
    let r = &summary.report;
    println!(
        "import: {} people in {:.1}s = {:.0} people/s ({} created, {} merged into existing contacts, {} new accounts, {} review, {} rejected)",
        r.taken,
        summary.seconds,
        r.taken as f64 / summary.seconds,
        r.created,
        r.matched,
        r.new_accounts,
        r.needs_review,
        r.rejected
    );

    // Where intake put each person, against the truth. A person whose company has no account
    // counts as right when intake made a new account or sent them to review.
    let truth: HashMap<&str, Option<AccountId>> = data
        .people
        .iter()
        .map(|p| (p.id.as_str(), p.account.map(|a| real[&a])))
        .collect();
    let mut score = synth::Score::default();
    let mut page = PageRequest {
        after: None,
        limit: 1000,
    };
    let q = IntakeQuery {
        source: Some("bench".into()),
        ..IntakeQuery::default()
    };
    let known: std::collections::HashSet<AccountId> = real.values().copied().collect();
    loop {
        let p = store.list_intake(&q, page).await?;
        for rec in &p.items {
            let Some(key) = rec.source_key.as_deref() else {
                continue;
            };
            let Some(t) = truth.get(key) else { continue };
            // Accounts intake created are not in the truth's id space: they predict "none".
            let predicted = rec.account_id.filter(|a| known.contains(a));
            score.add(predicted, *t);
        }
        match p.next_after {
            Some(after) => page.after = Some(after),
            None => break,
        }
    }
    println!(
        "accounts: precision {:.3}, recall {:.3}, F1 {:.3} (over {} people, against the generator's truth)",
        score.precision(),
        score.recall(),
        score.f1(),
        truth.len()
    );
    let c = store.counts().await?;
    println!(
        "store: {} accounts, {} contacts, {} intake records ({} waiting in review), {} audit rows",
        c.accounts, c.contacts, c.intake_records, c.needs_review, c.audit_log
    );
    Ok(())
}
