//! The rows of a CSV file as values of a type, for the commands that read a table of their own
//! (`abcrm match`, `match-score`, `migrate-score`): core's one reader of outside files reads the
//! file, this names the columns a command needs and reads each row into its type. A malformed
//! row is reported with its line and skipped; it never stops the file.

use abcrm_core::csv_file::CsvReader;
use serde::de::DeserializeOwned;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// A row that could not be read, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// 1-based line number in the file (the header is line 1).
    pub line: u64,
    pub reason: String,
}

/// The good rows of a file, with their line numbers, and the rejected ones.
#[derive(Debug)]
pub struct Rows<T> {
    pub rows: Vec<(u64, T)>,
    pub rejected: Vec<RejectedRow>,
}

/// Opens `path` and reads every row as a `T`. Fails only when the file cannot be opened or its
/// header lacks one of `required` columns; bad rows are collected in `rejected`.
pub fn read<T: DeserializeOwned>(path: &Path, required: &[&str]) -> anyhow::Result<Rows<T>> {
    let file =
        File::open(path).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    read_from(BufReader::new(file), &path.display().to_string(), required)
}

/// Like [`read`], from any reader; `name` is used in messages.
pub fn read_from<T: DeserializeOwned>(
    input: impl Read,
    name: &str,
    required: &[&str],
) -> anyhow::Result<Rows<T>> {
    let mut reader = CsvReader::new(input).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let headers = reader.headers();
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|r| !headers.iter().any(|h| h.eq_ignore_ascii_case(r)))
        .collect();
    if !missing.is_empty() {
        anyhow::bail!(
            "{name}: the header lacks the column(s) {}; found: {}",
            missing.join(", "),
            abcrm_core::csv_file::shown_header(headers)
        );
    }
    let lowered = csv::StringRecord::from(
        headers
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect::<Vec<_>>(),
    );
    let mut rows = Vec::new();
    let mut rejected = Vec::new();
    while let Some(next) = reader.next_row() {
        match next {
            Ok(row) => match row.fields.deserialize::<T>(Some(&lowered)) {
                Ok(value) => rows.push((row.line, value)),
                Err(e) => rejected.push(RejectedRow {
                    line: row.line,
                    reason: e.to_string(),
                }),
            },
            Err(fault) => rejected.push(RejectedRow {
                line: fault.line,
                reason: fault.reason,
            }),
        }
    }
    Ok(Rows { rows, rejected })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Row {
        id: String,
        name: String,
    }

    #[test]
    fn bad_rows_are_reported_by_line_and_the_rest_is_read() {
        let input = "\u{feff}ID,Name\r\n1,Acme\r\n2\r\n\"3\",\"Globex, Inc\"\r\n";
        let rows: Rows<Row> = read_from(input.as_bytes(), "t.csv", &["id", "name"]).unwrap();
        assert_eq!(
            rows.rows
                .iter()
                .map(|(l, r)| (*l, r.name.as_str()))
                .collect::<Vec<_>>(),
            vec![(2, "Acme"), (4, "Globex, Inc")]
        );
        assert_eq!(rows.rejected.len(), 1);
        assert_eq!(rows.rejected[0].line, 3);
    }

    #[test]
    fn a_missing_required_column_is_named() {
        let err =
            read_from::<Row>("id,title\n1,x\n".as_bytes(), "t.csv", &["id", "name"]).unwrap_err();
        assert!(
            err.to_string().contains("lacks the column(s) name"),
            "{err}"
        );
    }
}
