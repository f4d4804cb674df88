//! `abcrm bench-segments`: times the seed segment and every report on a store, in process, and
//! the seed segment as the best hand-written SQL for the same rows, side by side.

use abcrm_core::model::{compile, SegmentTarget};
use abcrm_core::reports::*;
use abcrm_store::{PageRequest, PgStore, SqliteStore, Store};
use chrono::Utc;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The design's seed segment.
pub const SEED: &str = r#"contact.seniority in ("manager", "director") and account.state = "CA" and account.industry = "Software" and account.relationship not in ("customer", "former_customer")"#;

/// The same question as one would write it by hand against the schema.
const HAND_WHERE: &str = "c.seniority IN ('manager', 'director') AND lower(a.state) = 'ca' \
     AND lower(a.industry) = 'software' AND a.relationship <> 'customer'";

pub(crate) enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Pool {
    pub(crate) async fn count(&self, sql: &str) -> anyhow::Result<i64> {
        Ok(match self {
            Pool::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await?,
            Pool::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await?,
        })
    }

    /// The first column of the first row, as text.
    pub(crate) async fn text(&self, sql: &str) -> anyhow::Result<String> {
        Ok(match self {
            Pool::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await?,
            Pool::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await?,
        })
    }

    pub(crate) async fn rows(&self, sql: &str) -> anyhow::Result<usize> {
        Ok(match self {
            Pool::Sqlite(p) => sqlx::query(sql).fetch_all(p).await?.len(),
            Pool::Postgres(p) => sqlx::query(sql).fetch_all(p).await?.len(),
        })
    }
}

pub(crate) async fn open(url: &str) -> anyhow::Result<(Arc<dyn Store>, Pool)> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let s = PgStore::open(url).await?;
        let pool = Pool::Postgres(s.pool().clone());
        Ok((Arc::new(s), pool))
    } else {
        let url = if url.starts_with("sqlite:") {
            url.to_string()
        } else {
            format!("sqlite://{url}")
        };
        let s = SqliteStore::open(&url).await?;
        let pool = Pool::Sqlite(s.pool().clone());
        Ok((Arc::new(s), pool))
    }
}

/// Runs `f` once to warm up, then `runs` times; returns the median and the slowest run.
pub(crate) async fn time<F, Fut, T>(
    runs: usize,
    mut f: F,
) -> anyhow::Result<(Duration, Duration, T)>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let mut out = f().await?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        out = f().await?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok((times[times.len() / 2], times[times.len() - 1], out))
}

pub(crate) fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Prints a table of medians.
pub async fn run(url: &str, runs: usize) -> anyhow::Result<()> {
    let (store, pool) = open(url).await?;
    let counts = store.counts().await?;
    println!(
        "store: {} accounts, {} contacts, {} opportunities, {} activities; {runs} runs after a warm-up each",
        counts.accounts, counts.contacts, counts.opportunities, counts.activities
    );
    let now = Utc::now();
    let today = now.date_naive();
    let filter = compile(SEED, SegmentTarget::Contact)?;
    let target = SegmentTarget::Contact.filter_target();

    println!(
        "{:<44} {:>10} {:>10} {:>12}",
        "query", "median", "slowest", "result"
    );
    let line = |name: &str, (median, slowest, out): (Duration, Duration, String)| {
        println!(
            "{name:<44} {:>10} {:>10} {out:>12}",
            ms(median),
            ms(slowest)
        );
    };
    let abcrm_count = time(runs, || async {
        Ok(store
            .segment_count(&filter, target, today)
            .await?
            .to_string())
    })
    .await?;
    let hand_count = time(runs, || async {
        let sql = format!("SELECT COUNT(*) FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE {HAND_WHERE}");
        Ok(pool.count(&sql).await?.to_string())
    })
    .await?;
    anyhow::ensure!(
        abcrm_count.2 == hand_count.2,
        "abcrm counts {} and the hand-written SQL {}",
        abcrm_count.2,
        hand_count.2
    );
    let ratio_count = abcrm_count.0.as_secs_f64() / hand_count.0.as_secs_f64();
    line("seed segment, count (abcrm)", abcrm_count);
    line("seed segment, count (hand-written SQL)", hand_count);
    let abcrm_page = time(runs, || async {
        let page = PageRequest {
            after: None,
            limit: 50,
        };
        Ok(store
            .segment_contacts(&filter, today, page)
            .await?
            .items
            .len()
            .to_string())
    })
    .await?;
    let hand_page = time(runs, || async {
        let sql = format!("SELECT c.* FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE {HAND_WHERE} ORDER BY c.id LIMIT 51");
        Ok(pool.rows(&sql).await?.min(50).to_string())
    })
    .await?;
    let ratio_page = abcrm_page.0.as_secs_f64() / hand_page.0.as_secs_f64();
    line("seed segment, first 50 (abcrm)", abcrm_page);
    line("seed segment, first 50 (hand-written SQL)", hand_page);
    println!("abcrm / hand-written: count {ratio_count:.2}x, first page {ratio_page:.2}x");

    let all = ReportScope::all(today);
    let (from, to) = default_range(today);
    let report = |name: &'static str, t| line(name, t);
    report(
        "report sales-cycles (month, total)",
        time(runs, || async {
            let r = store
                .report_sales_cycles(&all, Period::Month, CyclesBy::Total, from, to)
                .await?;
            Ok(r.total_started.to_string())
        })
        .await?,
    );
    report(
        "report sales-cycles (week, by campaign)",
        time(runs, || async {
            let r = store
                .report_sales_cycles(&all, Period::Week, CyclesBy::Campaign, from, to)
                .await?;
            Ok(r.total_started.to_string())
        })
        .await?,
    );
    report(
        "report funnel",
        time(runs, || async {
            Ok(store
                .report_funnel(&all, None, false)
                .await?
                .accounts
                .to_string())
        })
        .await?,
    );
    report(
        "report pipeline",
        time(runs, || async {
            Ok(store
                .report_pipeline(&all, Period::Month, today, false)
                .await?
                .opportunities
                .to_string())
        })
        .await?,
    );
    report(
        "report coverage",
        time(runs, || async {
            let rows = CoverageRows {
                missing_economic_buyer: false,
                after: None,
                limit: 100,
            };
            Ok(store
                .report_coverage(&all, 90, rows, now, false)
                .await?
                .accounts_missing_economic_buyer
                .to_string())
        })
        .await?,
    );
    report(
        "report influence (90 days, hierarchy)",
        time(runs, || async {
            Ok(store
                .report_influence(
                    &all,
                    from,
                    to,
                    abcrm_core::reports::InfluenceOptions {
                        hierarchy: true,
                        ..Default::default()
                    },
                )
                .await?
                .influenced
                .to_string())
        })
        .await?,
    );
    report(
        "report nurture",
        time(runs, || async {
            Ok(store
                .report_nurture(&all, now)
                .await?
                .in_nurture
                .to_string())
        })
        .await?,
    );
    let seed_scope = ReportScope {
        segment: Some((filter.clone(), SegmentTarget::Contact)),
        today,
    };
    report(
        "report sales-cycles for the seed segment",
        time(runs, || async {
            let r = store
                .report_sales_cycles(&seed_scope, Period::Month, CyclesBy::Total, from, to)
                .await?;
            Ok(r.total_started.to_string())
        })
        .await?,
    );
    Ok(())
}
