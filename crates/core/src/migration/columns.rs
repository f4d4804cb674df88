//! Finding an export's columns by name and reading typed values out of a row, with errors that
//! name the column. Header names are compared without case, spaces or punctuation, so
//! `Company Domain Name`, `company_domain_name` and `CompanyDomainName` are one column.

use super::values::{self, ValueError};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

/// A row's fields by position (a CSV record, or a slice in tests).
pub trait Fields {
    fn field(&self, i: usize) -> Option<&str>;
}

impl<S: AsRef<str>> Fields for [S] {
    fn field(&self, i: usize) -> Option<&str> {
        self.get(i).map(AsRef::as_ref)
    }
}

impl Fields for csv::StringRecord {
    fn field(&self, i: usize) -> Option<&str> {
        self.get(i)
    }
}

impl<S: AsRef<str>> Fields for Vec<S> {
    fn field(&self, i: usize) -> Option<&str> {
        self.get(i).map(AsRef::as_ref)
    }
}

/// One column abcrm reads: its name in reports and the header spellings that mean it.
pub struct Column {
    pub name: &'static str,
    pub spellings: &'static [&'static str],
}

/// Shorthand for a column known by one spelling.
pub const fn col(name: &'static str) -> Column {
    Column {
        name,
        spellings: &[],
    }
}

/// A column known by several spellings (the first is its name).
pub const fn cols(name: &'static str, spellings: &'static [&'static str]) -> Column {
    Column { name, spellings }
}

/// The file's header lacks a column abcrm cannot do without.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the header has no `{column}` column (found: {found})")]
pub struct MissingColumn {
    pub column: &'static str,
    pub found: String,
}

/// A field that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct FieldError {
    pub column: String,
    pub message: String,
}

fn squash(s: &str) -> String {
    s.trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Where each known column sits in one file, and the header names abcrm does not read.
#[derive(Debug, Clone)]
pub struct Layout {
    at: HashMap<&'static str, usize>,
    pub unknown: Vec<String>,
}

impl Layout {
    /// Finds `known` in `header`; `required` must all be present.
    pub fn new<'h>(
        header: impl IntoIterator<Item = &'h str>,
        known: &[Column],
        required: &[&'static str],
    ) -> Result<Layout, MissingColumn> {
        let header: Vec<&str> = header.into_iter().collect();
        let squashed: Vec<String> = header.iter().map(|h| squash(h)).collect();
        let mut at = HashMap::new();
        let mut used = vec![false; header.len()];
        for c in known {
            let wanted = std::iter::once(c.name).chain(c.spellings.iter().copied());
            for w in wanted {
                let w = squash(w);
                if let Some(i) = squashed.iter().position(|h| *h == w) {
                    at.entry(c.name).or_insert(i);
                    used[i] = true;
                    break;
                }
            }
        }
        if let Some(&column) = required.iter().find(|r| !at.contains_key(*r)) {
            return Err(MissingColumn {
                column,
                found: crate::csv_file::shown_header(header.iter().copied()),
            });
        }
        let unknown = header
            .iter()
            .zip(&used)
            .filter(|(h, u)| !**u && !h.trim().is_empty())
            .map(|(h, _)| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        Ok(Layout { at, unknown })
    }

    /// True when the file has the column.
    pub fn has(&self, name: &str) -> bool {
        self.at.contains_key(name)
    }

    /// A row of this file.
    pub fn row<'a, F: Fields + ?Sized>(&'a self, fields: &'a F) -> Row<'a, F> {
        Row {
            layout: self,
            fields,
        }
    }
}

/// Typed access to one row's fields by column name.
pub struct Row<'a, F: ?Sized> {
    layout: &'a Layout,
    fields: &'a F,
}

impl<F: Fields + ?Sized> Row<'_, F> {
    /// The raw field (absent when the file lacks the column).
    pub fn raw(&self, name: &str) -> &str {
        self.layout
            .at
            .get(name)
            .and_then(|&i| self.fields.field(i))
            .unwrap_or("")
    }

    pub fn text(&self, name: &str) -> Option<String> {
        values::text(self.raw(name))
    }

    fn typed<T>(
        &self,
        name: &str,
        read: impl Fn(&str) -> Result<Option<T>, ValueError>,
    ) -> Result<Option<T>, FieldError> {
        read(self.raw(name)).map_err(|e| FieldError {
            column: name.to_string(),
            message: e.to_string(),
        })
    }

    pub fn boolean(&self, name: &str) -> Result<Option<bool>, FieldError> {
        self.typed(name, values::boolean)
    }

    pub fn timestamp(&self, name: &str) -> Result<Option<DateTime<Utc>>, FieldError> {
        self.typed(name, values::timestamp)
    }

    pub fn date(&self, name: &str) -> Result<Option<NaiveDate>, FieldError> {
        self.typed(name, values::date)
    }

    pub fn number(&self, name: &str) -> Result<Option<f64>, FieldError> {
        self.typed(name, values::number)
    }

    pub fn count(&self, name: &str) -> Result<Option<i64>, FieldError> {
        self.typed(name, values::count)
    }

    /// A field read with a parser of the caller's (ids).
    pub fn with<T, E: std::fmt::Display>(
        &self,
        name: &str,
        read: impl Fn(&str) -> Result<Option<T>, E>,
    ) -> Result<Option<T>, FieldError> {
        read(self.raw(name)).map_err(|e| FieldError {
            column: name.to_string(),
            message: e.to_string(),
        })
    }

    /// A field that must be present.
    pub fn required<T>(&self, name: &str, v: Option<T>) -> Result<T, FieldError> {
        v.ok_or_else(|| FieldError {
            column: name.to_string(),
            message: "is empty; every row needs one".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[Column] = &[
        col("Id"),
        cols("Company Domain Name", &["Domain"]),
        col("Amount"),
    ];

    #[test]
    fn headers_match_without_case_or_punctuation_and_unknowns_are_named() {
        let layout = Layout::new(
            [
                "\u{feff}ID",
                "company_domain_name",
                "Favourite__c",
                "Amount",
            ],
            KNOWN,
            &["Id"],
        )
        .unwrap();
        assert_eq!(layout.unknown, vec!["Favourite__c".to_string()]);
        let fields = vec!["7", " acme.com ", "x", "1,5x"];
        let row = layout.row(&fields);
        assert_eq!(row.text("Company Domain Name").as_deref(), Some("acme.com"));
        assert_eq!(row.raw("Id"), "7");
        let e = row.number("Amount").unwrap_err();
        assert_eq!(e.column, "Amount");
    }

    #[test]
    fn a_missing_required_column_is_named() {
        let e = Layout::new(["Name"], KNOWN, &["Id"]).unwrap_err();
        assert_eq!(e.column, "Id");
        assert_eq!(e.found, "Name");
    }
}
