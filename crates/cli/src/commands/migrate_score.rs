//! `abcrm migrate-score`: how a migration's people.csv compares with the truth.csv of a
//! generated export.

use crate::cli::TextFormat as Format;
use crate::csv_rows::{self, RejectedRow};
use crate::output;
use abcrm_core::matching::synth::Score;
use abcrm_core::migration::score::{self, PeopleRow, Scorecard, TruthRow};
use serde::Deserialize;
use serde_json::json;
use std::io::Write as _;
use std::path::Path;

#[derive(Deserialize)]
struct People {
    source_id: String,
    #[serde(default)]
    source_object: String,
    action: String,
    #[serde(default)]
    account_source_id: String,
    #[serde(default)]
    merged_into_source_id: String,
}

#[derive(Deserialize)]
struct Truth {
    source_id: String,
    #[serde(default)]
    source_object: String,
    #[serde(default)]
    true_account: String,
    true_person: String,
    #[serde(default)]
    source_account: String,
    #[serde(default)]
    converted_contact: String,
}

fn warn_rejected(file: &Path, rejected: &[RejectedRow]) {
    for r in rejected.iter().take(5) {
        eprintln!("{}: line {}: skipped: {}", file.display(), r.line, r.reason);
    }
    if rejected.len() > 5 {
        eprintln!("{}: {} rows skipped in all", file.display(), rejected.len());
    }
}

/// Reads both files, scores and prints.
pub fn run(people_path: &Path, truth_path: &Path, format: Format) -> anyhow::Result<()> {
    let people: csv_rows::Rows<People> = csv_rows::read(
        people_path,
        &[
            "source_id",
            "action",
            "account_source_id",
            "merged_into_source_id",
        ],
    )?;
    warn_rejected(people_path, &people.rejected);
    let truth: csv_rows::Rows<Truth> = csv_rows::read(
        truth_path,
        &[
            "source_id",
            "true_account",
            "true_person",
            "source_account",
            "converted_contact",
        ],
    )?;
    warn_rejected(truth_path, &truth.rejected);
    let people: Vec<PeopleRow> = people
        .rows
        .into_iter()
        .map(|(_, p)| PeopleRow {
            source_id: p.source_id,
            source_object: p.source_object,
            action: p.action,
            account_source_id: p.account_source_id,
            merged_into_source_id: p.merged_into_source_id,
        })
        .collect();
    let truth: Vec<TruthRow> = truth
        .rows
        .into_iter()
        .map(|(_, t)| TruthRow {
            source_id: t.source_id,
            source_object: t.source_object,
            true_account: t.true_account,
            true_person: t.true_person,
            source_account: t.source_account,
            converted_contact: t.converted_contact,
        })
        .collect();
    let card = score::score(&people, &truth);
    match format {
        Format::Json => output::json(&to_json(&card)),
        Format::Table => print(&card),
    }
}

fn score_json(s: &Score) -> serde_json::Value {
    json!({
        "precision": s.precision(),
        "recall": s.recall(),
        "f1": s.f1(),
        "true_positives": s.true_positives,
        "false_positives": s.false_positives,
        "false_negatives": s.false_negatives,
    })
}

fn to_json(card: &Scorecard) -> serde_json::Value {
    json!({
        "placement": score_json(&card.placement),
        "reviewed": card.reviewed,
        "duplicates": score_json(&card.duplicates),
        "converted_leads": { "folded": card.converted_folded, "of": card.converted },
        "missing": card.missing,
        "repeated": card.repeated,
        "unknown": card.unknown,
    })
}

fn print(card: &Scorecard) -> anyhow::Result<()> {
    let mut table = output::Table::new(&[
        "measure",
        "precision",
        "recall",
        "f1",
        "right",
        "wrong",
        "missed",
    ]);
    for (name, s) in [
        ("placement", &card.placement),
        ("duplicates", &card.duplicates),
    ] {
        table.row(vec![
            name.to_string(),
            format!("{:.4}", s.precision()),
            format!("{:.4}", s.recall()),
            format!("{:.4}", s.f1()),
            s.true_positives.to_string(),
            s.false_positives.to_string(),
            s.false_negatives.to_string(),
        ]);
    }
    table.print()?;
    // Written, not printed: `| head` closing the pipe is an error to return, not a panic.
    let mut out = std::io::stdout().lock();
    writeln!(out)?;
    writeln!(out, "people to place sent to review: {}", card.reviewed)?;
    writeln!(
        out,
        "converted leads folded: {} of {}",
        card.converted_folded, card.converted
    )?;
    for (what, ids) in [
        ("in truth, missing from people.csv", &card.missing),
        ("in people.csv more than once", &card.repeated),
        ("in people.csv, not in truth", &card.unknown),
    ] {
        let mut line = format!("ids {what}: {}", ids.len());
        if !ids.is_empty() {
            let shown: Vec<&str> = ids.iter().take(5).map(String::as_str).collect();
            let more = if ids.len() > 5 { ", ..." } else { "" };
            line.push_str(&format!(" ({}{more})", shown.join(", ")));
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}
