//! `abcrm enrich FILE --by domain|duns`: firmographics from a CSV file (a D&B or ZoomInfo
//! export, a spreadsheet) appended to the accounts its domains or DUNS numbers find. Values a
//! person entered are kept unless `--overwrite`; each one the file disagrees with is written to
//! `conflicts.csv` for a person to decide. Bad rows are reported by line and column and skipped.

use crate::output::plural;
use abcrm_core::csv_file::CsvReader;
use abcrm_core::enrich::{Decision, EnrichColumns, EnrichKey, RowError};
use abcrm_core::export::csv_row;
use abcrm_core::model::Actor;
use abcrm_store::{EnrichOptions, EnrichReport, Store};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Options of `abcrm enrich`.
pub struct EnrichArgs<'a> {
    pub file: &'a Path,
    pub by: EnrichKey,
    pub options: EnrichOptions,
    /// Where conflicts.csv, unknown.csv and rejected.csv go.
    pub report_dir: &'a Path,
}

/// What an enrichment did, for the summary and for tests.
#[derive(Debug)]
pub struct EnrichSummary {
    pub report: EnrichReport,
    /// Rows that could not be read or checked, each fault with its line and column.
    pub rejected: Vec<RowError>,
    /// The report files written.
    pub files: Vec<PathBuf>,
}

/// `abcrm enrich`.
pub async fn run(url: &str, args: EnrichArgs<'_>) -> anyhow::Result<()> {
    let store = abcrm_store::open(url)
        .await
        .with_context(|| format!("opening {}", super::redact(url)))?;
    let summary = enrich(store, &args).await?;
    print_summary(&args, &summary);
    Ok(())
}

/// Reads the file, enriches the store, writes the report files.
pub async fn enrich(store: Arc<dyn Store>, args: &EnrichArgs<'_>) -> anyhow::Result<EnrichSummary> {
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| args.file.display().to_string());
    let (rows, rejected) = read_rows(args.file, args.by)?;
    let progress = ProgressBar::new(rows.len() as u64).with_style(
        ProgressStyle::with_template(
            "{spinner} enriching {bar:40} {pos}/{len} rows ({per_sec}, {eta} left)",
        )
        .context("progress template")?,
    );
    let actor = Actor::system(format!("enrich {name}"));
    let report = store
        .enrich_accounts(&actor, &name, args.by, rows, args.options, &|done| {
            progress.set_position(done as u64)
        })
        .await
        .context(if args.options.dry_run {
            "planning the enrichment; nothing was changed"
        } else {
            "writing a batch; the batches before it are saved, and running the same file again redoes nothing they did"
        })?;
    progress.finish_and_clear();
    let files = write_reports(args.report_dir, &report, &rejected)?;
    Ok(EnrichSummary {
        report,
        rejected,
        files,
    })
}

/// The checked rows of the file and the faults of the others. Fails only when the file cannot
/// be read or has no column for the key.
fn read_rows(
    file: &Path,
    by: EnrichKey,
) -> anyhow::Result<(Vec<abcrm_core::enrich::CheckedRow>, Vec<RowError>)> {
    let input = File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let mut reader =
        CsvReader::new(input).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let columns = EnrichColumns::from_headers(reader.headers().iter());
    if !columns.has_key(by) {
        let other = match by {
            EnrichKey::Domain => "--by duns",
            EnrichKey::Duns => "--by domain",
        };
        anyhow::bail!(
            "{}: no {} column to find accounts by (found: {}); add one, or use {other} if the file has that key",
            file.display(),
            match by {
                EnrichKey::Domain => "domain (or website)",
                EnrichKey::Duns => "duns",
            },
            columns.headers().join(",")
        );
    }
    let ignored = columns.ignored();
    if !ignored.is_empty() {
        eprintln!(
            "{}: columns not read: {}",
            file.display(),
            ignored.join(", ")
        );
    }
    let mut rows = Vec::new();
    let mut rejected = Vec::new();
    while let Some(next) = reader.next_row() {
        match next {
            Ok(row) => {
                let fields: Vec<&str> = row.fields.iter().collect();
                match columns.row(row.line, &fields, by) {
                    Ok(row) => rows.push(row),
                    Err(faults) => rejected.extend(faults),
                }
            }
            Err(fault) => rejected.push(RowError {
                line: fault.line,
                column: String::new(),
                reason: fault.reason,
            }),
        }
    }
    Ok((rows, rejected))
}

/// Writes conflicts.csv, unknown.csv and rejected.csv (each, even empty, so files of an
/// earlier run never pass for this one's).
fn write_reports(
    dir: &Path,
    report: &EnrichReport,
    rejected: &[RowError],
) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the report folder {}", dir.display()))?;
    let open = |name: &str| -> anyhow::Result<(PathBuf, csv::Writer<File>)> {
        let path = dir.join(name);
        let w = csv::Writer::from_path(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok((path, w))
    };
    let (conflicts_path, mut conflicts) = open("conflicts.csv")?;
    conflicts.write_record([
        "line",
        "account_id",
        "account_name",
        "key",
        "field",
        "current_value",
        "current_provenance",
        "offered_value",
        "reason",
    ])?;
    let (unknown_path, mut unknown) = open("unknown.csv")?;
    unknown.write_record(["line", "key", "note"])?;
    for r in &report.results {
        let (id, name) = r
            .account
            .as_ref()
            .map(|a| (a.id.to_string(), a.name.clone()))
            .unwrap_or_default();
        for f in r.fields.iter().filter(|f| f.decision == Decision::Conflict) {
            conflicts.write_record(csv_row([
                r.line.to_string(),
                id.clone(),
                name.clone(),
                r.key.clone(),
                f.field.to_string(),
                f.current
                    .as_ref()
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
                f.current_provenance
                    .as_ref()
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                f.offered.to_string(),
                f.reason.clone().unwrap_or_default(),
            ]))?;
        }
        if r.outcome == abcrm_store::EnrichOutcome::Unknown {
            unknown.write_record(csv_row([
                r.line.to_string(),
                r.key.clone(),
                r.note.clone().unwrap_or_default(),
            ]))?;
        }
    }
    let (rejected_path, mut rejected_csv) = open("rejected.csv")?;
    rejected_csv.write_record(["line", "column", "reason"])?;
    for e in rejected {
        rejected_csv.write_record(csv_row([
            e.line.to_string(),
            e.column.clone(),
            e.reason.clone(),
        ]))?;
    }
    for (path, mut w) in [
        (&conflicts_path, conflicts),
        (&unknown_path, unknown),
        (&rejected_path, rejected_csv),
    ] {
        w.flush()
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(vec![conflicts_path, unknown_path, rejected_path])
}

fn print_summary(args: &EnrichArgs<'_>, s: &EnrichSummary) {
    let r = &s.report;
    let rejected_rows = {
        let mut lines: Vec<u64> = s.rejected.iter().map(|e| e.line).collect();
        lines.dedup();
        lines.len()
    };
    let n = |v: usize, one: &str, many: &str| plural(v as u64, one, many);
    eprintln!(
        "{}{} of {} by {}:\n  {} updated, {} created\n  {} filled, {} overwritten, {} already equal\n  {} (values a person entered; --overwrite replaces them), {}, {}\nReports: {}",
        if r.dry_run { "Dry run, nothing changed: " } else { "Enriched from " },
        n(r.rows + rejected_rows, "row", "rows"),
        args.file.display(),
        args.by.as_str(),
        n(r.accounts_updated, "account", "accounts"),
        r.accounts_created,
        n(r.fields_filled, "field", "fields"),
        r.fields_overwritten,
        r.fields_kept,
        n(r.conflicts, "conflict", "conflicts"),
        n(r.unknown, "unknown key", "unknown keys"),
        n(rejected_rows, "rejected row", "rejected rows"),
        s.files
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
}
