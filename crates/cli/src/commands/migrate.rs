//! `abcrm migrate salesforce DIR` and `abcrm migrate hubspot DIR`: reads an export's CSV files,
//! migrates them through the store's migration service, and writes the report: `people.csv`
//! (one row per source contact and lead), `rejected.csv` and `summary.md`.

use crate::cli::{MigrateArgs, MigrateFrom};
use abcrm_core::csv_file::CsvReader;
use abcrm_core::export::csv_row;
use abcrm_core::migration::columns::{Column, Layout, MissingColumn, Row};
use abcrm_core::migration::report::{
    summary_markdown, FileRead, PersonOutcome, RejectedRow, Summary,
};
use abcrm_core::migration::{hubspot, salesforce};
use abcrm_core::model::Actor;
use abcrm_store::migration::{migrate, At, MigrationOptions, Progress, SourceOrg};
use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use std::fs::File;
use std::io::{BufReader, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

/// What reading one file gave.
struct Read<T> {
    rows: Vec<(At, T)>,
    file: FileRead,
}

/// Reads `dir/name` with `parse` per row; a missing file is `None`. A header without a
/// required column fails the whole run (before anything is written); a bad row is rejected
/// with its line and column and the rest of the file is read.
fn read_file<T>(
    dir: &Path,
    name: &'static str,
    known: &[Column],
    required: &[&'static str],
    rejected: &mut Vec<RejectedRow>,
    notes: &mut Vec<String>,
    parse: impl Fn(&Row<'_, csv::StringRecord>) -> Result<T, abcrm_core::migration::columns::FieldError>,
) -> anyhow::Result<Option<Read<T>>> {
    let path = dir.join(name);
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot open {}", path.display())),
    };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::new(size).with_style(
        ProgressStyle::with_template("{spinner} reading {msg:28} {bar:30} {bytes}/{total_bytes}")
            .context("progress template")?,
    );
    bar.set_message(name);
    let mut reader = CsvReader::new(BufReader::with_capacity(1 << 20, file))
        .map_err(|e| anyhow::anyhow!("{name}: line 1: {e}"))?;
    let layout = Layout::new(reader.headers().iter(), known, required).map_err(
        |MissingColumn { column, found }| {
            anyhow::anyhow!(
                "{name}: line 1: the header has no `{column}` column, which every {name} needs (found: {found}); export the file again with its id columns"
            )
        },
    )?;
    let mut rows = Vec::new();
    let mut read = 0;
    while let Some(next) = reader.next_row() {
        read += 1;
        match next {
            Ok(row) => match parse(&layout.row(row.fields)) {
                Ok(v) => rows.push((
                    At {
                        file: name,
                        line: row.line,
                    },
                    v,
                )),
                Err(e) => rejected.push(RejectedRow {
                    file: name.to_string(),
                    line: row.line,
                    column: Some(e.column),
                    reason: e.message,
                }),
            },
            Err(fault) => rejected.push(RejectedRow {
                file: name.to_string(),
                line: fault.line,
                column: None,
                reason: fault.reason,
            }),
        }
        if read % 10_000 == 0 {
            bar.set_position(reader.bytes_read());
        }
    }
    bar.finish_and_clear();
    // UTF-16 says so in its first bytes; Windows-1252 is a guess from bytes UTF-8 never has.
    if reader.encoding() == "windows-1252" {
        notes.push(format!(
            "{name} is not UTF-8; it was read as Windows-1252 (what Excel writes). Check names with accents in the result."
        ));
    }
    Ok(Some(Read {
        rows,
        file: FileRead {
            file: name.to_string(),
            rows: read,
            unknown_columns: layout.unknown.clone(),
        },
    }))
}

struct Reader<'a> {
    dir: &'a Path,
    summary: Summary,
}

impl Reader<'_> {
    fn take<T>(
        &mut self,
        name: &'static str,
        known: &[Column],
        required: &[&'static str],
        parse: impl Fn(
            &Row<'_, csv::StringRecord>,
        ) -> Result<T, abcrm_core::migration::columns::FieldError>,
    ) -> anyhow::Result<Vec<(At, T)>> {
        match read_file(
            self.dir,
            name,
            known,
            required,
            &mut self.summary.rejected,
            &mut self.summary.notes,
            parse,
        )? {
            Some(read) => {
                self.summary.files.push(read.file);
                Ok(read.rows)
            }
            None => {
                self.summary.missing_files.push(name.to_string());
                Ok(Vec::new())
            }
        }
    }
}

fn read_salesforce(r: &mut Reader<'_>) -> anyhow::Result<SourceOrg> {
    use salesforce::*;
    let id = &["Id"];
    let mut org = SourceOrg {
        users: r.take("User.csv", USER, id, user)?,
        accounts: r.take("Account.csv", ACCOUNT, id, account)?,
        people: r.take("Contact.csv", CONTACT, id, contact)?,
        ..SourceOrg::default()
    };
    org.people.extend(r.take("Lead.csv", LEAD, id, lead)?);
    org.campaigns = r.take("Campaign.csv", CAMPAIGN, id, campaign)?;
    org.members = r.take(
        "CampaignMember.csv",
        CAMPAIGN_MEMBER,
        &["CampaignId"],
        campaign_member,
    )?;
    org.opportunities = r.take("Opportunity.csv", OPPORTUNITY, id, opportunity)?;
    org.contact_roles = r.take(
        "OpportunityContactRole.csv",
        CONTACT_ROLE,
        &["OpportunityId", "ContactId"],
        contact_role,
    )?;
    org.activities = r.take("Task.csv", TASK, id, |row| activity(row, false))?;
    org.activities
        .extend(r.take("Event.csv", TASK, id, |row| activity(row, true))?);
    Ok(org)
}

fn read_hubspot(r: &mut Reader<'_>) -> anyhow::Result<SourceOrg> {
    use hubspot::*;
    let id = &["Record ID"];
    let mut org = SourceOrg {
        accounts: r.take("companies.csv", COMPANY, id, company)?,
        people: r.take("contacts.csv", CONTACT, id, contact)?,
        opportunities: r.take("deals.csv", DEAL, id, deal)?,
        ..SourceOrg::default()
    };
    // HubSpot exports no users: its owners are the names and emails in the owner columns,
    // each one user, where it is first named.
    let mut seen = std::collections::HashSet::new();
    let owners = (org.accounts.iter().map(|(at, a)| (*at, &a.owner_id)))
        .chain(org.people.iter().map(|(at, p)| (*at, &p.owner_id)))
        .chain(org.opportunities.iter().map(|(at, o)| (*at, &o.owner_id)));
    for (at, value) in owners {
        if let Some(user) = value.as_deref().and_then(owner) {
            if seen.insert(user.id.clone()) {
                org.users.push((at, user));
            }
        }
    }
    Ok(org)
}

/// Step-by-step progress on the terminal.
struct Bars {
    bar: Mutex<Option<ProgressBar>>,
    step: Mutex<String>,
    /// The resume test's stand-in for `kill -9`: `ABCRM_MIGRATE_CRASH_AFTER_BATCHES=N` aborts
    /// the process right after the N-th batch of people is committed.
    crash_after: Option<u64>,
    people_batches: std::sync::atomic::AtomicU64,
}

impl Progress for Bars {
    fn step(&self, name: &str, total: u64) {
        let mut slot = self.bar.lock().expect("progress lock");
        if let Some(old) = slot.take() {
            old.finish_and_clear();
        }
        let bar = ProgressBar::new(total).with_style(
            ProgressStyle::with_template(
                "{spinner} {msg:20} {bar:30} {pos}/{len} ({per_sec}, {eta} left)",
            )
            .expect("progress template"),
        );
        bar.set_message(name.to_string());
        if bar.is_hidden() {
            // No terminal to draw on (a log file, CI): say each step as it starts.
            eprintln!("migrate: {name} ({total})");
        }
        *slot = Some(bar);
        *self.step.lock().expect("progress lock") = name.to_string();
    }

    fn advance(&self, n: u64) {
        if let Some(limit) = self.crash_after {
            if *self.step.lock().expect("progress lock") == "people"
                && self
                    .people_batches
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                    + 1
                    >= limit
            {
                std::process::abort();
            }
        }
        if let Some(bar) = self.bar.lock().expect("progress lock").as_ref() {
            bar.inc(n);
        }
    }
}

/// Runs `abcrm migrate`.
pub async fn run(url: &str, args: &MigrateArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let (kind, dir) = match &args.from {
        MigrateFrom::Salesforce { dir } => ("salesforce", dir),
        MigrateFrom::Hubspot { dir } => ("hubspot", dir),
    };
    anyhow::ensure!(
        dir.is_dir(),
        "{} is not a directory; give the folder the {kind} export was unpacked into",
        dir.display()
    );
    let mut reader = Reader {
        dir,
        summary: Summary {
            title: format!("Migration from {kind} ({})", dir.display()),
            dry_run: args.dry_run,
            ..Summary::default()
        },
    };
    let org = if kind == "salesforce" {
        read_salesforce(&mut reader)?
    } else {
        read_hubspot(&mut reader)?
    };
    anyhow::ensure!(
        !reader.summary.files.is_empty(),
        "{} holds none of the {kind} export's files ({}); is it the right folder?",
        dir.display(),
        if kind == "salesforce" {
            salesforce::FILES.join(", ")
        } else {
            hubspot::FILES.join(", ")
        }
    );
    let read_in = started.elapsed();
    let source = args.source.clone().unwrap_or_else(|| kind.to_string());
    let store = abcrm_store::open(url)
        .await
        .with_context(|| format!("opening {}", super::redact(url)))?;
    let actor = Actor::system(format!("migrate {kind}"));
    let options = MigrationOptions {
        source: source.clone(),
        dry_run: args.dry_run,
        batch: args.batch,
    };
    let bars = Bars {
        bar: Mutex::new(None),
        step: Mutex::new(String::new()),
        crash_after: std::env::var("ABCRM_MIGRATE_CRASH_AFTER_BATCHES")
            .ok()
            .and_then(|v| v.parse().ok()),
        people_batches: Default::default(),
    };
    let migrated = migrate(store, &actor, org, &options, &bars).await?;
    if let Some(bar) = bars.bar.lock().expect("progress lock").take() {
        bar.finish_and_clear();
    }

    let mut summary = reader.summary;
    summary.rejected.extend(migrated.rejected);
    summary.notes.extend(migrated.notes);
    summary.accounts_created = migrated.accounts_created;
    summary.counts = migrated.counts;
    summary
        .timings
        .push(("reading the files".into(), read_in.as_secs_f64()));
    summary.timings.extend(migrated.timings);
    write_report(&args.report, &migrated.people, &summary)?;
    let by = |a: &str| {
        migrated
            .people
            .iter()
            .filter(|p| p.action.as_str() == a)
            .count()
    };
    println!(
        "{} {} people from {kind} in {:.1}s (reading {:.1}s): {} kept, {} matched, {} under new accounts ({} created), {} merged, {} in review; {} rows rejected. Report: {}",
        if args.dry_run { "Would migrate" } else { "Migrated" },
        migrated.people.len(),
        started.elapsed().as_secs_f64(),
        read_in.as_secs_f64(),
        by("kept"),
        by("matched"),
        by("new_account"),
        summary.accounts_created.len(),
        by("merged"),
        by("review"),
        summary.rejected.len(),
        args.report.display()
    );
    for note in &summary.notes {
        eprintln!("note: {note}");
    }
    Ok(())
}

fn write_report(dir: &Path, people: &[PersonOutcome], summary: &Summary) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the report folder {}", dir.display()))?;
    let path = dir.join("people.csv");
    let mut w = csv::Writer::from_path(&path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    w.write_record(PersonOutcome::HEADER)?;
    for p in people {
        w.write_record(csv_row(p.fields()))?;
    }
    w.flush()?;
    let path = dir.join("rejected.csv");
    let mut w = csv::Writer::from_path(&path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    w.write_record(["file", "line", "column", "reason"])?;
    for r in &summary.rejected {
        w.write_record(csv_row([
            r.file.as_str(),
            &r.line.to_string(),
            r.column.as_deref().unwrap_or(""),
            r.reason.as_str(),
        ]))?;
    }
    w.flush()?;
    let path = dir.join("summary.md");
    let mut f = File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(summary_markdown(people, summary).as_bytes())?;
    Ok(())
}
