//! Printing records for people (aligned columns) or programs (JSON).

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
