//! `abcrm import FILE`: people from a CSV or vCard file into the store, each matched to a
//! contact and an account by the intake engine, in batches that commit as they go. A killed
//! import is run again and picks up where it stopped: every row has a key (its id column, or a
//! hash of its content) and keys already taken from the same source are skipped.

use crate::output::plural;
use abcrm_core::csv_file::CsvReader;
use abcrm_core::intake::columns::{person_column, set_column, PersonColumn, RowValues};
use abcrm_core::intake::vcard::parse_vcards;
use abcrm_core::intake::IntakeItem;
use abcrm_core::matching::{MatchConfig, PersonRecord};
use abcrm_core::model::{Actor, PersonContext};
use abcrm_store::intake::{content_key, Intake, IntakeReport};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::fs::File;
use std::path::Path;
use std::time::Instant;

/// Options of `abcrm import`.
pub struct ImportArgs<'a> {
    pub file: &'a Path,
    pub source: Option<&'a str>,
    pub batch: usize,
    pub config: MatchConfig,
    /// What becomes of the file's people: their status, the campaign they answered.
    pub person: PersonContext,
}

/// What an import did, for the summary and for tests.
#[derive(Debug, Default)]
pub struct ImportSummary {
    pub report: IntakeReport,
    /// Rows or cards that could not be read at all, with their line.
    pub unreadable: Vec<(u64, String)>,
    /// Rows or cards read but rejected, each with its line, what identifies it and why.
    pub rejected: Vec<RejectedRow>,
    pub seconds: f64,
}

/// A row intake rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// The line it starts on (0 when unknown).
    pub line: u64,
    /// What the row has that a person recognizes it by: its name, email or company.
    pub label: String,
    pub reason: String,
}

impl ImportSummary {
    /// Counts a written batch and keeps its rejected rows, found by key among `rows` (each
    /// item's key with its line and label).
    fn add(
        &mut self,
        batch: abcrm_store::Result<IntakeReport>,
        rows: &HashMap<String, (u64, String)>,
    ) -> anyhow::Result<()> {
        let report = batch.context(
            "writing a batch; the batches before it are saved, so run the same import again to resume",
        )?;
        for r in &report.rejections {
            let (line, label) = rows.get(&r.key).cloned().unwrap_or_default();
            self.rejected.push(RejectedRow {
                line,
                label,
                reason: r.reason.clone(),
            });
        }
        self.report.add(&report);
        Ok(())
    }
}

/// What a person recognizes a record by, from what it has: its name, email and company (a
/// long value cut short).
fn label(record: &PersonRecord) -> String {
    let name = [record.first_name.as_deref(), record.last_name.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    let parts: Vec<String> = [
        Some(name.as_str()),
        record.email.as_deref(),
        record.company.as_deref(),
    ]
    .into_iter()
    .flatten()
    .map(|v| abcrm_core::validation::strip_controls(v.trim()).into_owned())
    .filter(|v| !v.is_empty())
    .map(|v| match v.char_indices().nth(40) {
        Some((i, _)) => format!("{}...", &v[..i]),
        None => v,
    })
    .collect();
    if parts.is_empty() {
        "(no name, email or company)".into()
    } else {
        parts.join(", ")
    }
}

/// Each item's key with its line and label, for reporting its rejection.
fn rows_of(items: &[IntakeItem], lines: &[u64]) -> HashMap<String, (u64, String)> {
    items
        .iter()
        .zip(lines)
        .map(|(i, &line)| (i.source_key.clone(), (line, label(&i.record))))
        .collect()
}

/// `abcrm import`.
pub async fn run(url: &str, args: ImportArgs<'_>) -> anyhow::Result<()> {
    let store = abcrm_store::open(url)
        .await
        .with_context(|| format!("opening {}", super::redact(url)))?;
    let summary = import(store.clone(), &args).await?;
    store.refresh_statistics().await?;
    print_summary(args.file, &summary);
    Ok(())
}

/// Imports a file into a store.
pub async fn import(
    store: std::sync::Arc<dyn abcrm_store::Store>,
    args: &ImportArgs<'_>,
) -> anyhow::Result<ImportSummary> {
    let started = Instant::now();
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| args.file.display().to_string());
    let is_vcard = matches!(
        args.file
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("vcf" | "vcard")
    );
    let source = args
        .source
        .map(str::to_string)
        .unwrap_or_else(|| format!("{}:{name}", if is_vcard { "vcard" } else { "import" }));
    if let Some(r) = args.person.response {
        store.get_campaign(r.campaign_id).await.with_context(|| {
            format!(
                "--campaign {}: no such campaign; `abcrm campaign list` shows them",
                r.campaign_id
            )
        })?;
    }
    let intake = Intake::new(store, args.config);
    let actor = Actor::system(format!("import {name}"));
    let size = std::fs::metadata(args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?
        .len();
    let progress = ProgressBar::new(size).with_style(
        ProgressStyle::with_template(
            "{spinner} importing {bar:40} {bytes}/{total_bytes} ({per_sec}, {eta} left) {msg}",
        )
        .context("progress template")?,
    );
    progress.set_message("building the match index");
    intake.warm().await.context("building the match index")?;
    progress.set_message("");

    let mut summary = ImportSummary::default();
    let batch_size = args.batch.max(1);
    let submit = |batch: Vec<IntakeItem>| intake.submit(&actor, &source, batch);
    if is_vcard {
        let text = std::fs::read(args.file)
            .with_context(|| format!("cannot read {}", args.file.display()))?;
        let (people, errors) = parse_vcards(&String::from_utf8_lossy(&text));
        if people.is_empty() && errors.is_empty() && !text.iter().all(u8::is_ascii_whitespace) {
            anyhow::bail!(
                "{}: no vCard found: a vCard starts with a line BEGIN:VCARD and ends with END:VCARD; is this the right file?",
                args.file.display()
            );
        }
        summary
            .unreadable
            .extend(errors.into_iter().map(|e| (e.line as u64, e.message)));
        let lines: Vec<u64> = people.iter().map(|p| p.line as u64).collect();
        let items: Vec<IntakeItem> = people
            .into_iter()
            .map(|p| {
                RowValues {
                    record: p.record,
                    ..RowValues::default()
                }
                .into_item(&args.person, content_key)
            })
            .collect();
        for (batch, lines) in items.chunks(batch_size).zip(lines.chunks(batch_size)) {
            let rows = rows_of(batch, lines);
            summary.add(submit(batch.to_vec()).await, &rows)?;
        }
        progress.set_position(size);
    } else {
        let file = File::open(args.file)
            .with_context(|| format!("cannot open {}", args.file.display()))?;
        let reader =
            CsvReader::new(file).map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
        let columns: Vec<Option<PersonColumn>> =
            reader.headers().iter().map(person_column).collect();
        check_columns(args.file, reader.headers(), &columns)?;
        // Rows are read and parsed on a thread of their own, a couple of batches ahead, while
        // this one matches and writes.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Chunk>(2);
        let person = args.person.clone();
        let reading =
            std::thread::spawn(move || read_chunks(reader, &columns, &person, batch_size, tx));
        while let Some(chunk) = rx.recv().await {
            summary.unreadable.extend(chunk.unreadable);
            if !chunk.items.is_empty() {
                let rows = rows_of(&chunk.items, &chunk.lines);
                summary.add(submit(chunk.items).await, &rows)?;
            }
            progress.set_position(chunk.position);
        }
        reading
            .join()
            .map_err(|_| anyhow::anyhow!("the thread reading {} stopped", args.file.display()))?;
    }
    progress.finish_and_clear();
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Rows read from a CSV file, up to a batch of them.
struct Chunk {
    items: Vec<IntakeItem>,
    /// The line each item starts on.
    lines: Vec<u64>,
    unreadable: Vec<(u64, String)>,
    /// Bytes of the file read so far.
    position: u64,
}

/// Reads a CSV file's rows into person records, sending a chunk per `batch_size` records.
fn read_chunks(
    mut reader: CsvReader<File>,
    columns: &[Option<PersonColumn>],
    person: &PersonContext,
    batch_size: usize,
    tx: tokio::sync::mpsc::Sender<Chunk>,
) {
    let fresh = || Chunk {
        items: Vec::with_capacity(batch_size),
        lines: Vec::with_capacity(batch_size),
        unreadable: Vec::new(),
        position: 0,
    };
    let mut chunk = fresh();
    while let Some(next) = reader.next_row() {
        match next {
            Ok(row) => {
                let mut values = RowValues::default();
                for (v, col) in row.fields.iter().zip(columns) {
                    if let Some(col) = col {
                        set_column(&mut values, *col, v);
                    }
                }
                chunk.lines.push(row.line);
                chunk.items.push(values.into_item(person, content_key));
            }
            Err(fault) => chunk.unreadable.push((fault.line, fault.reason)),
        }
        if chunk.items.len() == batch_size {
            chunk.position = reader.bytes_read();
            if tx
                .blocking_send(std::mem::replace(&mut chunk, fresh()))
                .is_err()
            {
                return; // the importer stopped on an error
            }
        }
    }
    chunk.position = reader.bytes_read();
    let _ = tx.blocking_send(chunk);
}

/// A file with no column a person can be recognized by is refused before anything is written.
fn check_columns(
    file: &Path,
    headers: &csv::StringRecord,
    columns: &[Option<PersonColumn>],
) -> anyhow::Result<()> {
    use PersonColumn::*;
    let has = |c: PersonColumn| columns.contains(&Some(c));
    if !(has(Email) || has(FirstName) || has(LastName) || has(FullName)) {
        anyhow::bail!(
            "{}: no column names a person (email, first_name, last_name or name); found: {}",
            file.display(),
            abcrm_core::csv_file::shown_header(headers)
        );
    }
    let ignored: Vec<&str> = headers
        .iter()
        .zip(columns)
        .filter(|(_, c)| c.is_none())
        .map(|(h, _)| h)
        .collect();
    if !ignored.is_empty() {
        eprintln!(
            "{}: columns not imported: {}",
            file.display(),
            ignored.join(", ")
        );
    }
    Ok(())
}

fn print_summary(file: &Path, s: &ImportSummary) {
    for (line, reason) in s.unreadable.iter().take(20) {
        eprintln!("{}: line {line}: {reason}", file.display());
    }
    if s.unreadable.len() > 20 {
        eprintln!(
            "{}: ... and {} more unreadable rows",
            file.display(),
            s.unreadable.len() - 20
        );
    }
    for row in s.rejected.iter().take(20) {
        eprintln!(
            "{}: line {}: rejected {}: {}",
            file.display(),
            row.line,
            row.label,
            row.reason
        );
    }
    if s.rejected.len() > 20 {
        eprintln!(
            "{}: ... and {} more rejected rows",
            file.display(),
            s.rejected.len() - 20
        );
    }
    let r = &s.report;
    let rate = if s.seconds > 0.0 {
        r.taken as f64 / s.seconds
    } else {
        0.0
    };
    let n = |v: u64, one: &str, many: &str| plural(v, one, many);
    eprintln!(
        "Imported {} from {} in {:.1}s ({:.0} records/s):\n  {}, {} merged into existing contacts ({} completed), {}\n  {} waiting in review (GET /api/v1/review), {} rejected (each listed above by line, the first 20)\n  {} already imported before (skipped), {}",
        n(r.taken as u64, "record", "records"),
        file.display(),
        s.seconds,
        rate,
        n(r.created as u64, "new contact", "new contacts"),
        r.matched,
        r.filled,
        n(r.new_accounts as u64, "new account", "new accounts"),
        r.needs_review,
        r.rejected,
        r.already_taken,
        n(s.unreadable.len() as u64, "row unreadable", "rows unreadable")
    );
}
