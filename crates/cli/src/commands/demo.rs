//! `abcrm demo`: loads the deterministic demo dataset into an empty database.

use crate::cli::DemoArgs;
use crate::demo;
use abcrm_core::matching::MatchConfig;
use abcrm_store::intake::{Intake, IntakeReport};
use abcrm_store::Store;
use anyhow::{bail, Context};
use chrono::{TimeZone, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::Arc;

/// Generates the default demo for today and loads it.
pub async fn load_demo(
    store: &Arc<dyn Store>,
    url: &str,
    seed: u64,
) -> anyhow::Result<demo::LoadReport> {
    load_sized(store, url, seed, demo::DemoSize::default()).await
}

/// Generates a demo of `size` for today (at midnight UTC, so a day's runs agree) and loads it.
pub async fn load_sized(
    store: &Arc<dyn Store>,
    url: &str,
    seed: u64,
    size: demo::DemoSize,
) -> anyhow::Result<demo::LoadReport> {
    let existing = store.counts().await?;
    let store = store.as_ref();
    if existing.accounts > 0 {
        bail!(
            "the database at {} already has {} accounts; the demo loads into an empty database. \
             Point --database at a new file (e.g. sqlite://demo.db); `abcrm serve --demo --reset` rebuilds a demo database",
            super::redact(url),
            existing.accounts
        );
    }
    let today = Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .context("midnight exists")?;
    let now = Utc.from_utc_datetime(&today);
    let slices = demo::generate(seed, now, size);
    let progress = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "{spinner} loading demo {bar:40} {pos}/{len} records ({eta} left)",
        )
        .context("progress template")?,
    );
    // The standard demo loads one call after another, so every backend gives every record the
    // same id (tests compare answers across backends); a scaled-up demo loads in parallel
    // where the database can take it.
    let parallel = size.root_accounts > demo::DemoSize::default().root_accounts;
    // The demo writes its own 18 months of stage history; rescoring on every write would add
    // moves dated today in between. It scores everything once at the end instead.
    store.pause_scoring(true);
    let loaded = demo::load(store, slices, &progress, parallel).await;
    store.pause_scoring(false);
    let report = loaded.context("loading the demo dataset")?;
    progress.finish_and_clear();
    store.refresh_statistics().await?;
    let scored = store
        .recompute_scores(&abcrm_core::model::Actor::system("demo"), now, &|_| {})
        .await
        .context("scoring the demo")?;
    let c = &report.counts;
    eprintln!(
        "Loaded the demo in {:.1}s: {} accounts, {} contacts, {} opportunities, {} campaigns ({} members), {} activities, {} assets; scored in {:.1}s ({} stage changes by the rules).",
        report.elapsed.as_secs_f64(),
        c.accounts,
        c.contacts,
        c.opportunities,
        c.campaigns,
        c.campaign_members,
        c.activities,
        c.assets,
        scored.read_seconds + scored.score_seconds + scored.write_seconds,
        scored.stage_changes
    );
    Ok(report)
}

/// What `serve --demo` adds for its tour, beyond the dataset: the saved segments a marketer
/// would have, and a morning of form fills through the intake service (so the review queue has
/// people waiting). Their records are dated now, so the dataset itself stays the same for a
/// seed on a day, on every backend.
pub async fn add_tour(store: &Arc<dyn Store>, seed: u64) -> anyhow::Result<()> {
    let fills = take_form_fills(store, seed).await?;
    eprintln!(
        "Took {} demo form fills: {} matched, {} new contacts ({} new accounts), {} waiting in the review queue.",
        fills.taken, fills.matched, fills.created, fills.new_accounts, fills.needs_review
    );
    for (name, target, expression) in demo::SAVED_SEGMENTS {
        store
            .create_segment(
                &abcrm_core::model::Actor::system("demo"),
                abcrm_core::model::NewSegment {
                    name: name.to_string(),
                    target: Some(*target),
                    expression: expression.to_string(),
                },
            )
            .await
            .with_context(|| format!("saving the demo segment {name:?}"))?;
    }
    Ok(())
}

/// Sends the demo's form fills through the intake service, as a web form would.
async fn take_form_fills(store: &Arc<dyn Store>, seed: u64) -> anyhow::Result<IntakeReport> {
    let accounts = store
        .list_accounts(
            &Default::default(),
            abcrm_store::PageRequest {
                after: None,
                limit: 1000,
            },
        )
        .await?
        .items;
    let intake = Intake::new(store.clone(), MatchConfig::default());
    let report = intake
        .submit(
            &abcrm_core::model::Actor::system("demo"),
            "web-form",
            demo::form_fills(&accounts, seed),
        )
        .await
        .context("taking the demo's form fills")?;
    Ok(report)
}

/// `abcrm demo`.
pub async fn run(url: &str, args: &DemoArgs) -> anyhow::Result<()> {
    let store = abcrm_store::open(url)
        .await
        .with_context(|| format!("opening {}", super::redact(url)))?;
    let size = args
        .accounts
        .map(demo::DemoSize::for_accounts)
        .unwrap_or_default();
    load_sized(&store, url, args.seed, size).await?;
    eprintln!("Next: `abcrm --database {url} token create` for an API token, then `abcrm --database {url} serve`.");
    Ok(())
}
