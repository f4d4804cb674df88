//! Printing records for people (aligned columns) or programs (JSON, CSV).

use serde::Serialize;
use std::io::{self, Write};

/// Rows of text under a header, printed with aligned columns.
pub struct Table {
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column names.
    pub fn new(header: &[&'static str]) -> Table {
        Table {
            header: header.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells print empty.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Prints the table as CSV to stdout: the header's names, then the rows, each cell made
    /// safe to open in a spreadsheet (`abcrm_core::export::csv_row`).
    pub fn print_csv(&self) -> anyhow::Result<()> {
        let mut w = csv::Writer::from_writer(io::stdout().lock());
        w.write_record(&self.header)?;
        for row in &self.rows {
            w.write_record(abcrm_core::export::csv_row(row))?;
        }
        w.flush()?;
        Ok(())
    }

    /// Prints the table to stdout.
    pub fn print(&self) -> io::Result<()> {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if i < widths.len() {
                    widths[i] = widths[i].max(cell.chars().count().min(60));
                }
            }
        }
        let mut out = io::stdout().lock();
        let header: Vec<String> = self.header.iter().map(|h| h.to_uppercase()).collect();
        write_row(&mut out, &header, &widths)?;
        for row in &self.rows {
            write_row(&mut out, row, &widths)?;
        }
        Ok(())
    }
}

fn write_row(out: &mut impl Write, cells: &[String], widths: &[usize]) -> io::Result<()> {
    let mut line = String::new();
    for (i, w) in widths.iter().enumerate() {
        let cell = cells.get(i).map(String::as_str).unwrap_or("");
        let cell: String = if cell.chars().count() > 60 {
            cell.chars().take(59).chain(['…']).collect()
        } else {
            cell.to_string()
        };
        if i + 1 == widths.len() {
            line.push_str(&cell);
        } else {
            line.push_str(&format!("{cell:<w$}  "));
        }
    }
    writeln!(out, "{}", line.trim_end())
}

/// Prints a value as pretty JSON to stdout.
pub fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// An optional value as a cell.
pub fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// Prints `items` as `format` asks: JSON as they are, or `table`'s rows as columns or CSV.
pub fn emit<T: Serialize>(
    format: crate::cli::Format,
    items: &T,
    table: &Table,
) -> anyhow::Result<()> {
    match format {
        crate::cli::Format::Json => json(items),
        crate::cli::Format::Table => Ok(table.print()?),
        crate::cli::Format::Csv => table.print_csv(),
    }
}

/// One record as `field  value` lines (the table form of a show): its JSON's fields by name,
/// nested values as JSON.
pub fn fields_table<T: Serialize>(record: &T) -> anyhow::Result<Table> {
    let mut t = Table::new(&["field", "value"]);
    if let serde_json::Value::Object(map) = serde_json::to_value(record)? {
        for (k, v) in map {
            let value = match v {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            t.row(vec![k, value]);
        }
    }
    Ok(t)
}

/// `1 account`, `2 accounts`.
pub fn plural(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_and_fields() {
        assert_eq!(plural(1u32, "account", "accounts"), "1 account");
        assert_eq!(plural(0u32, "account", "accounts"), "0 accounts");
        // Fields come in the JSON map's order (by name); a null is an empty cell.
        let t = fields_table(&serde_json::json!({"name": "Ada", "id": 3, "email": null})).unwrap();
        assert_eq!(
            t.rows,
            vec![
                vec!["email".to_string(), String::new()],
                vec!["id".into(), "3".into()],
                vec!["name".into(), "Ada".into()],
            ]
        );
    }
}
