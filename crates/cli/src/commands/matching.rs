//! `abcrm match`: the matching engine over CSV files, for data hygiene before an import and for
//! measuring match quality; `abcrm synth`: messy test files with known truth.

use crate::csv_rows::{self, RejectedRow};
use abcrm_core::export::csv_row;
use abcrm_core::matching::{
    match_person, synth, AccountEntry, BatchRun, MatchConfig, MatchIndex, MatchStatus, PersonRecord,
};
use abcrm_core::AccountId;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Records matched together on every core; progress moves a chunk at a time.
const MATCH_CHUNK: usize = 16_384;

/// A row of accounts.csv.
#[derive(Debug, Deserialize)]
struct AccountRow {
    id: String,
    name: String,
    #[serde(default)]
    domain: Option<String>,
    #[serde(default)]
    duns: Option<String>,
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    city: Option<String>,
    #[serde(default)]
    parent_id: Option<String>,
}

/// A row of people.csv.
#[derive(Debug, Deserialize)]
struct PersonRow {
    id: String,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    company: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    city: Option<String>,
    #[serde(default)]
    phone: Option<String>,
}

fn blank(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

fn report_rejected(file: &Path, rejected: &[RejectedRow]) {
    for r in rejected.iter().take(20) {
        eprintln!("{}: line {}: skipped: {}", file.display(), r.line, r.reason);
    }
    if rejected.len() > 20 {
        eprintln!(
            "{}: ... and {} more rows skipped",
            file.display(),
            rejected.len() - 20
        );
    }
}

/// Options of `abcrm match`.
pub struct MatchArgs<'a> {
    pub accounts: &'a Path,
    pub people: &'a Path,
    pub out: &'a Path,
    pub config: MatchConfig,
}

/// Runs the batch match and writes matches.csv.
pub fn run_match(args: MatchArgs<'_>) -> anyhow::Result<()> {
    let started = Instant::now();
    let accounts: csv_rows::Rows<AccountRow> = csv_rows::read(args.accounts, &["id", "name"])?;
    report_rejected(args.accounts, &accounts.rejected);
    let people: csv_rows::Rows<PersonRow> = csv_rows::read(args.people, &["id"])?;
    report_rejected(args.people, &people.rejected);

    // External ids are text; the index works on numbers, so each account gets its row number.
    let mut external: Vec<String> = Vec::with_capacity(accounts.rows.len());
    let mut by_external: HashMap<String, AccountId> = HashMap::new();
    for (_, row) in &accounts.rows {
        let id = AccountId(external.len() as i64);
        if by_external.insert(row.id.trim().to_string(), id).is_some() {
            eprintln!(
                "{}: the account id {:?} appears twice; the first row wins",
                args.accounts.display(),
                row.id
            );
            continue;
        }
        external.push(row.id.trim().to_string());
    }
    let mut index = MatchIndex::new();
    for (line, row) in accounts.rows {
        let id = by_external[row.id.trim()];
        if external[id.0 as usize] != row.id.trim() {
            continue;
        }
        let parent_id = blank(row.parent_id).and_then(|p| {
            let found = by_external.get(p.trim()).copied();
            if found.is_none() {
                eprintln!(
                    "{}: line {line}: parent_id {p:?} is not an account id in the file; ignored",
                    args.accounts.display()
                );
            }
            found
        });
        let domains = blank(row.domain)
            .map(|d| {
                d.split(';')
                    .map(|x| x.trim().to_string())
                    .filter(|x| !x.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        index.insert_account(AccountEntry {
            id,
            name: row.name,
            domains,
            duns: blank(row.duns),
            country: blank(row.country),
            state: blank(row.state),
            city: blank(row.city),
            parent_id,
        });
    }
    let real_accounts = external.len() as i64;
    let load_time = started.elapsed();

    let progress = ProgressBar::new(people.rows.len() as u64).with_style(
        ProgressStyle::with_template(
            "{spinner} matching {bar:40} {pos}/{len} people ({per_sec}, {eta} left)",
        )
        .context("progress template")?,
    );
    progress.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(4));
    let mut out = csv::Writer::from_path(args.out)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    out.write_record([
        "person_id",
        "account_id",
        "duplicate_of",
        "rule",
        "confidence",
        "status",
    ])?;
    let mut per_rule: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut per_status: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut duplicates = 0usize;
    let match_started = Instant::now();
    let (ids, records): (Vec<String>, Vec<PersonRecord>) = people
        .rows
        .into_iter()
        .map(|(_, row)| {
            let record = PersonRecord {
                first_name: blank(row.first_name),
                last_name: blank(row.last_name),
                email: blank(row.email),
                company: blank(row.company),
                title: blank(row.title),
                country: blank(row.country),
                state: blank(row.state),
                city: blank(row.city),
                phone: blank(row.phone),
                duns: None,
                website: None,
            };
            (row.id, record)
        })
        .unzip();
    // Matched a chunk at a time, so progress shows as it goes: each chunk's first pass against
    // the accounts on every core, overlapping the settling of the chunk before it (accounts a
    // chunk creates are known to the chunks after it, in the run).
    let chunks: Vec<(&[String], &[PersonRecord])> = ids
        .chunks(MATCH_CHUNK)
        .zip(records.chunks(MATCH_CHUNK))
        .collect();
    let mut run = BatchRun::new(real_accounts);
    let mut pending = chunks
        .first()
        .map(|(_, chunk)| BatchRun::first_pass(&index, chunk, &args.config));
    for (k, (chunk_ids, chunk)) in chunks.iter().enumerate() {
        let Some(first) = pending.take() else { break };
        let next_chunk = chunks.get(k + 1).map(|(_, next)| *next);
        let (decisions, next) =
            run.settle_overlapping(&index, chunk, first, next_chunk, &args.config);
        pending = next;
        for (id, d) in chunk_ids.iter().zip(decisions) {
            let r = &d.result;
            let account = d.account;
            let status = if account.is_some_and(|a| a.0 >= real_accounts) {
                MatchStatus::NewAccount
            } else {
                r.status
            };
            let duplicate_of = d.duplicate_of.map(|at| ids[at].as_str());
            duplicates += usize::from(duplicate_of.is_some());
            *per_rule.entry(r.rule).or_default() += 1;
            *per_status.entry(status.as_str()).or_default() += 1;
            let account_out = account
                .filter(|a| a.0 < real_accounts)
                .map(|a| external[a.0 as usize].clone())
                .unwrap_or_default();
            // The ids come from the caller's files: written as text whatever they begin with.
            out.write_record(csv_row([
                id.as_str(),
                &account_out,
                duplicate_of.unwrap_or(""),
                r.rule,
                &format!("{:.3}", r.confidence),
                status.as_str(),
            ]))?;
        }
        progress.inc(chunk.len() as u64);
    }
    out.flush()?;
    progress.finish_and_clear();
    let matched: usize = per_status.values().sum();
    let secs = match_started.elapsed().as_secs_f64();
    eprintln!("Matched {matched} people against {real_accounts} accounts in {secs:.2}s ({:.0} people/s; index built in {:.2}s).", matched as f64 / secs.max(1e-9), load_time.as_secs_f64());
    for (status, n) in &per_status {
        eprintln!("  {status:<12} {n}");
    }
    eprintln!("  duplicates   {duplicates}");
    eprintln!("By rule:");
    for (rule, n) in &per_rule {
        eprintln!("  {rule:<24} {n}");
    }
    if !accounts.rejected.is_empty() || !people.rejected.is_empty() {
        eprintln!(
            "Skipped rows: {} in {}, {} in {}.",
            accounts.rejected.len(),
            args.accounts.display(),
            people.rejected.len(),
            args.people.display()
        );
    }
    eprintln!("Wrote {}.", args.out.display());
    Ok(())
}

/// `abcrm synth`: writes accounts.csv, people.csv and truth.csv into `dir`.
pub fn run_synth(dir: &Path, seed: u64, accounts: usize, people: usize) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let data = synth::generate(seed, accounts, people);
    run_synth_files(dir, &data)?;
    eprintln!(
        "Wrote {} accounts and {} people (with truth.csv) to {}.",
        data.accounts.len(),
        data.people.len(),
        dir.display()
    );
    Ok(())
}

/// Writes accounts.csv, people.csv and truth.csv of generated data into `dir`.
pub fn run_synth_files(dir: &Path, data: &synth::SynthData) -> anyhow::Result<()> {
    let path = |name: &str| -> PathBuf { dir.join(name) };
    let mut a = csv::Writer::from_path(path("accounts.csv"))?;
    a.write_record([
        "id",
        "name",
        "domain",
        "duns",
        "country",
        "state",
        "city",
        "parent_id",
    ])?;
    for x in &data.accounts {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        a.write_record([
            format!("A{}", x.id),
            x.name.clone(),
            x.domains.join(";"),
            o(&x.duns),
            o(&x.country),
            o(&x.state),
            o(&x.city),
            x.parent_id.map(|p| format!("A{p}")).unwrap_or_default(),
        ])?;
    }
    a.flush()?;
    let mut p = csv::Writer::from_path(path("people.csv"))?;
    let mut t = csv::Writer::from_path(path("truth.csv"))?;
    p.write_record([
        "id",
        "first_name",
        "last_name",
        "email",
        "company",
        "title",
        "country",
        "state",
        "city",
        "phone",
    ])?;
    t.write_record(["person_id", "account_id", "duplicate_of", "kind"])?;
    for x in &data.people {
        let r = &x.record;
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        p.write_record([
            x.id.clone(),
            o(&r.first_name),
            o(&r.last_name),
            o(&r.email),
            o(&r.company),
            o(&r.title),
            o(&r.country),
            o(&r.state),
            o(&r.city),
            o(&r.phone),
        ])?;
        t.write_record([
            x.id.clone(),
            x.account.map(|a| format!("A{a}")).unwrap_or_default(),
            x.duplicate_of.clone().unwrap_or_default(),
            x.kind.as_str().to_string(),
        ])?;
    }
    p.flush()?;
    t.flush()?;
    Ok(())
}

/// `abcrm match-score`: precision, recall and F1 of matches.csv against truth.csv.
pub fn run_score(matches: &Path, truth: &Path) -> anyhow::Result<()> {
    #[derive(Deserialize)]
    struct Truth {
        person_id: String,
        account_id: Option<String>,
        duplicate_of: Option<String>,
    }
    #[derive(Deserialize)]
    struct Match {
        person_id: String,
        account_id: Option<String>,
        duplicate_of: Option<String>,
    }
    let truth: csv_rows::Rows<Truth> =
        csv_rows::read(truth, &["person_id", "account_id", "duplicate_of"])?;
    let found: csv_rows::Rows<Match> =
        csv_rows::read(matches, &["person_id", "account_id", "duplicate_of"])?;
    let found: HashMap<String, Match> = found
        .rows
        .into_iter()
        .map(|(_, m)| (m.person_id.clone(), m))
        .collect();
    let (mut accounts, mut dups) = (synth::Score::default(), synth::Score::default());
    for (_, t) in truth.rows {
        let m = found.get(&t.person_id);
        accounts.add(
            m.and_then(|m| blank(m.account_id.clone())),
            blank(t.account_id),
        );
        dups.add(
            m.and_then(|m| blank(m.duplicate_of.clone())),
            blank(t.duplicate_of),
        );
    }
    println!(
        "account assignment: precision {:.4} recall {:.4} F1 {:.4}",
        accounts.precision(),
        accounts.recall(),
        accounts.f1()
    );
    println!(
        "duplicate detection: precision {:.4} recall {:.4} F1 {:.4}",
        dups.precision(),
        dups.recall(),
        dups.f1()
    );
    Ok(())
}

/// `abcrm bench-match`: builds an index of `accounts` generated accounts and times every single
/// match of `people` generated people, printing throughput and latency percentiles.
pub fn run_bench(seed: u64, accounts: usize, people: usize) -> anyhow::Result<()> {
    let started = Instant::now();
    let data = synth::generate(seed, accounts, people);
    let generated = started.elapsed();
    let started = Instant::now();
    let index = data.index();
    let built = started.elapsed();
    let config = MatchConfig::default();
    let mut latencies: Vec<f64> = Vec::with_capacity(data.people.len());
    let started = Instant::now();
    for p in &data.people {
        let t = Instant::now();
        std::hint::black_box(match_person(&index, &p.record, &config));
        latencies.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let total = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let pct = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{} accounts indexed in {:.2}s (generated in {:.2}s); {} matches in {:.2}s = {:.0} people/s on one core; latency p50 {:.1} us, p99 {:.1} us, p99.9 {:.1} us, max {:.1} us",
        index.accounts_len(),
        built.as_secs_f64(),
        generated.as_secs_f64(),
        latencies.len(),
        total,
        latencies.len() as f64 / total,
        pct(0.5),
        pct(0.99),
        pct(0.999),
        latencies.last().copied().unwrap_or(0.0)
    );
    Ok(())
}
