//! What a migration did with each person, as `people.csv` rows, and the run's `summary.md`.

use super::source::PersonObject;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What became of one source contact or lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// A contact the source had under an account: it stays there.
    Kept,
    /// Placed under an account that came from the source.
    Matched,
    /// Placed under an account the migration created.
    NewAccount,
    /// The same person as another record, folded into it (or, when that record waits in
    /// review, attached to it as its duplicate, to be placed with it).
    Merged,
    /// Waits for a person to decide (or had nothing to make a contact from).
    Review,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Kept => "kept",
            Action::Matched => "matched",
            Action::NewAccount => "new_account",
            Action::Merged => "merged",
            Action::Review => "review",
        }
    }
}

/// Where a person ended: an account of the source (by its id) or one the migration created (by
/// its key: the normalized domain or company it was made from).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Placement {
    Source(String),
    New(String),
}

impl Placement {
    /// The `account_source_id` column.
    pub fn column(&self) -> String {
        match self {
            Placement::Source(id) => id.clone(),
            Placement::New(key) => format!("new:{key}"),
        }
    }
}

/// One row of `people.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonOutcome {
    pub source_id: String,
    pub object: PersonObject,
    pub action: Action,
    pub account: Option<Placement>,
    pub merged_into: Option<String>,
    pub rule: String,
    pub confidence: f64,
}

impl PersonOutcome {
    pub const HEADER: [&'static str; 7] = [
        "source_id",
        "source_object",
        "action",
        "account_source_id",
        "merged_into_source_id",
        "rule",
        "confidence",
    ];

    pub fn fields(&self) -> [String; 7] {
        [
            self.source_id.clone(),
            self.object.as_str().to_string(),
            self.action.as_str().to_string(),
            self.account
                .as_ref()
                .map(Placement::column)
                .unwrap_or_default(),
            self.merged_into.clone().unwrap_or_default(),
            self.rule.clone(),
            format!("{:.3}", self.confidence),
        ]
    }
}

/// A source row that was not migrated, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    pub file: String,
    pub line: u64,
    pub column: Option<String>,
    pub reason: String,
}

/// Per file: rows read, and the columns abcrm did not read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileRead {
    pub file: String,
    pub rows: u64,
    pub unknown_columns: Vec<String>,
}

/// Everything `summary.md` says.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub title: String,
    pub dry_run: bool,
    pub files: Vec<FileRead>,
    pub missing_files: Vec<String>,
    /// Accounts the migration created, by key, with their names.
    pub accounts_created: BTreeMap<String, String>,
    /// Other counts: accounts, opportunities, campaign members, activities written or skipped.
    pub counts: Vec<(String, u64)>,
    pub rejected: Vec<RejectedRow>,
    /// Things the operator should know (a file read in a legacy code page, ...).
    pub notes: Vec<String>,
    /// Seconds per step.
    pub timings: Vec<(String, f64)>,
}

/// Renders `summary.md` from the people's outcomes and the run's summary.
pub fn summary_markdown(people: &[PersonOutcome], s: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {}{}\n",
        s.title,
        if s.dry_run {
            " (dry run: nothing was written)"
        } else {
            ""
        }
    );
    if !s.notes.is_empty() {
        let _ = writeln!(out, "## Notes\n");
        for note in &s.notes {
            let _ = writeln!(out, "- {note}");
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "## People\n\n| action | contacts | leads | total |\n|---|---|---|---|"
    );
    let mut by_action: BTreeMap<Action, (u64, u64)> = BTreeMap::new();
    let mut by_rule: BTreeMap<(Action, &str), u64> = BTreeMap::new();
    for p in people {
        let e = by_action.entry(p.action).or_default();
        match p.object {
            PersonObject::Contact => e.0 += 1,
            PersonObject::Lead => e.1 += 1,
        }
        *by_rule.entry((p.action, p.rule.as_str())).or_default() += 1;
    }
    for (a, (c, l)) in &by_action {
        let _ = writeln!(out, "| {} | {c} | {l} | {} |", a.as_str(), c + l);
    }
    let _ = writeln!(out, "| **all** | | | **{}** |\n", people.len());
    let _ = writeln!(
        out,
        "## By rule\n\n| action | rule | people |\n|---|---|---|"
    );
    for ((a, r), n) in &by_rule {
        let _ = writeln!(out, "| {} | {r} | {n} |", a.as_str());
    }
    let _ = writeln!(out, "\n## Records\n\n| what | count |\n|---|---|");
    let _ = writeln!(
        out,
        "| accounts created from people | {} |",
        s.accounts_created.len()
    );
    let review = by_action.get(&Action::Review).map_or(0, |(c, l)| c + l);
    let _ = writeln!(out, "| review items | {review} |");
    for (what, n) in &s.counts {
        let _ = writeln!(out, "| {what} | {n} |");
    }
    if !s.timings.is_empty() {
        let _ = writeln!(out, "\n## Time\n\n| step | seconds |\n|---|---|");
        for (step, secs) in &s.timings {
            let _ = writeln!(out, "| {step} | {secs:.1} |");
        }
    }
    let _ = writeln!(
        out,
        "\n## Files\n\n| file | rows | columns not read |\n|---|---|---|"
    );
    for f in &s.files {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            f.file,
            f.rows,
            f.unknown_columns.join(", ")
        );
    }
    if !s.missing_files.is_empty() {
        let _ = writeln!(
            out,
            "\nNot in the export (skipped): {}",
            s.missing_files.join(", ")
        );
    }
    let _ = writeln!(out, "\n## Rejected rows ({})\n", s.rejected.len());
    if !s.rejected.is_empty() {
        let _ = writeln!(out, "| file | line | column | reason |\n|---|---|---|---|");
        for r in s.rejected.iter().take(1000) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                r.file,
                r.line,
                r.column.as_deref().unwrap_or(""),
                r.reason.replace('|', "\\|")
            );
        }
        if s.rejected.len() > 1000 {
            let _ = writeln!(
                out,
                "\n(and {} more; see rejected.csv)",
                s.rejected.len() - 1000
            );
        }
    }
    if !s.accounts_created.is_empty() {
        let _ = writeln!(
            out,
            "\n## Accounts created ({})\n\n| key | name |\n|---|---|",
            s.accounts_created.len()
        );
        for (k, n) in s.accounts_created.iter().take(500) {
            let _ = writeln!(out, "| new:{k} | {n} |");
        }
        if s.accounts_created.len() > 500 {
            let _ = writeln!(out, "\n(and {} more)", s.accounts_created.len() - 500);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_actions_and_rules() {
        let p = |id: &str, object, action, rule: &str| PersonOutcome {
            source_id: id.into(),
            object,
            action,
            account: Some(Placement::New("acme.com".into())),
            merged_into: None,
            rule: rule.into(),
            confidence: 0.9,
        };
        let people = [
            p("1", PersonObject::Contact, Action::Kept, "source_account"),
            p(
                "2",
                PersonObject::Lead,
                Action::NewAccount,
                "new_account_domain",
            ),
            p(
                "3",
                PersonObject::Lead,
                Action::NewAccount,
                "new_account_domain",
            ),
        ];
        let md = summary_markdown(
            &people,
            &Summary {
                title: "Migration".into(),
                rejected: vec![RejectedRow {
                    file: "Lead.csv".into(),
                    line: 7,
                    column: Some("Id".into()),
                    reason: "is empty".into(),
                }],
                ..Summary::default()
            },
        );
        assert!(md.contains("| new_account | 0 | 2 | 2 |"), "{md}");
        assert!(
            md.contains("| new_account | new_account_domain | 2 |"),
            "{md}"
        );
        assert!(md.contains("| Lead.csv | 7 | Id | is empty |"), "{md}");
        assert_eq!(people[1].fields()[3], "new:acme.com");
    }
}
