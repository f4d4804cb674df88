//! `abcrm segment run|count|save|list|delete`: the filter language from the command line.

use crate::cli::{ColumnsArg, RowsFormat, SegmentCommand, TargetArg};
use crate::output::Table;
use abcrm_core::export::{csv_row, ColumnStyle};
use abcrm_core::filter::{Checked, FilterError};
use abcrm_core::model::{audience, compile, Actor, NewSegment, SegmentTarget};
use abcrm_store::segments::Export;
use abcrm_store::{PageRequest, Store};
use anyhow::Context;
use std::io::Write;

/// Runs a segment command.
pub async fn run(url: &str, cmd: &SegmentCommand) -> anyhow::Result<()> {
    let store = abcrm_store::open(url)
        .await
        .with_context(|| format!("opening {}", super::redact(url)))?;
    let today = chrono::Utc::now().date_naive();
    match cmd {
        SegmentCommand::Run {
            segment,
            target,
            format,
            columns,
            limit,
            everyone,
        } => {
            let (filter, target) = resolve(store.as_ref(), segment, *target).await?;
            let filter = audience(filter, target, *everyone);
            let export = Export::new(store.clone(), filter, target, today);
            print_rows(export, *format, style(*columns), *limit).await
        }
        SegmentCommand::Count {
            segment,
            target,
            everyone,
        } => {
            let (filter, target) = resolve(store.as_ref(), segment, *target).await?;
            let filter = audience(filter, target, *everyone);
            let n = store
                .segment_count(&filter, target.filter_target(), today)
                .await?;
            println!("{n}");
            Ok(())
        }
        SegmentCommand::Save {
            name,
            expression,
            target,
        } => {
            // Check first, so a mistake is shown under the expression rather than as a field error.
            compile(expression, target_of(*target)).map_err(|e| explain(expression, &e))?;
            let saved = store
                .create_segment(
                    &Actor::system("cli"),
                    NewSegment {
                        name: name.clone(),
                        target: Some(target_of(*target)),
                        expression: expression.clone(),
                    },
                )
                .await?;
            let n = store
                .segment_count(
                    &audience(saved.checked()?, saved.target, false),
                    saved.target.filter_target(),
                    today,
                )
                .await?;
            println!(
                "saved segment {} {:?} ({} {}s today)",
                saved.id, saved.name, n, saved.target
            );
            Ok(())
        }
        SegmentCommand::List => {
            let mut t = Table::new(&["id", "name", "target", "expression"]);
            let mut after = None;
            loop {
                let page = store
                    .list_segments(PageRequest { after, limit: 1000 })
                    .await?;
                for s in &page.items {
                    t.row(vec![
                        s.id.to_string(),
                        s.name.clone(),
                        s.target.to_string(),
                        s.expression.clone(),
                    ]);
                }
                after = page.next_after;
                if after.is_none() {
                    break;
                }
            }
            t.print()?;
            Ok(())
        }
        SegmentCommand::Delete { name } => {
            let s = store.find_segment(name).await?.with_context(|| {
                format!("no saved segment is named {name:?}; `abcrm segment list` shows them")
            })?;
            store.delete_segment(&Actor::system("cli"), s.id).await?;
            println!("deleted segment {} {:?}", s.id, s.name);
            Ok(())
        }
    }
}

pub fn target_of(t: TargetArg) -> SegmentTarget {
    match t {
        TargetArg::Contact => SegmentTarget::Contact,
        TargetArg::Account => SegmentTarget::Account,
    }
}

fn style(c: ColumnsArg) -> ColumnStyle {
    match c {
        ColumnsArg::Abcrm => ColumnStyle::Abcrm,
        ColumnsArg::Salesforce => ColumnStyle::Salesforce,
        ColumnsArg::Hubspot => ColumnStyle::Hubspot,
    }
}

/// A saved segment by name, else the text as an expression for `target`.
pub async fn resolve(
    store: &dyn Store,
    text: &str,
    target: TargetArg,
) -> anyhow::Result<(Checked, SegmentTarget)> {
    if let Some(saved) = store.find_segment(text).await? {
        let filter = saved
            .checked()
            .map_err(|e| explain(&saved.expression, &e))
            .with_context(|| format!("saved segment {:?} no longer checks", saved.name))?;
        return Ok((filter, saved.target));
    }
    let target = target_of(target);
    let filter = compile(text, target).map_err(|e| explain(text, &e))?;
    Ok((filter, target))
}

/// The expression's line with a caret under the error, then the message.
fn explain(text: &str, e: &FilterError) -> anyhow::Error {
    let (line, column) = e.line_column(text);
    let source = text.lines().nth(line - 1).unwrap_or("");
    anyhow::anyhow!(
        "the filter is not valid (line {line}, column {column}):\n  {source}\n  {}^ {}",
        " ".repeat(column.saturating_sub(1)),
        e.message
    )
}

/// The columns a table shows, by position in the export record.
const CONTACT_TABLE: [usize; 7] = [0, 1, 2, 5, 6, 12, 14];
const ACCOUNT_TABLE: [usize; 7] = [0, 1, 2, 5, 9, 11, 12];

async fn print_rows(
    mut export: Export,
    format: RowsFormat,
    style: ColumnStyle,
    limit: u32,
) -> anyhow::Result<()> {
    let header = export.header(style);
    let stdout = std::io::stdout();
    match format {
        RowsFormat::Table => {
            let picks: &[usize] = if export.target() == SegmentTarget::Contact {
                &CONTACT_TABLE
            } else {
                &ACCOUNT_TABLE
            };
            let mut t = Table::new(&picks.iter().map(|&i| header[i]).collect::<Vec<_>>());
            let mut shown = 0u32;
            let mut more = false;
            while let Some(rows) = export.next_rows().await? {
                for row in rows {
                    if shown == limit {
                        more = true;
                        break;
                    }
                    t.row(picks.iter().map(|&i| row[i].clone()).collect());
                    shown += 1;
                }
                if more {
                    break;
                }
            }
            t.print()?;
            if more {
                eprintln!("(first {limit} rows; `abcrm segment count` gives the total, --format csv prints all)");
            }
        }
        RowsFormat::Csv => {
            let mut w = csv::Writer::from_writer(stdout.lock());
            w.write_record(&header)?;
            while let Some(rows) = export.next_rows().await? {
                for row in rows {
                    w.write_record(csv_row(&row))?;
                }
            }
            w.flush()?;
        }
        RowsFormat::Json => {
            let mut out = std::io::BufWriter::new(stdout.lock());
            let mut first = true;
            out.write_all(b"[")?;
            while let Some(records) = export.next_json().await? {
                for record in records {
                    out.write_all(if first { b"\n" } else { b",\n" })?;
                    serde_json::to_writer(&mut out, &record).map_err(std::io::Error::from)?;
                    first = false;
                }
            }
            out.write_all(b"\n]\n")?;
            out.flush()?;
        }
    }
    Ok(())
}
