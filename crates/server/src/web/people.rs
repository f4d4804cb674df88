//! Small helpers shared by the contact and review pages: ids from paths, dates, paging links.

use super::WebError;
use chrono::{DateTime, Utc};

/// Rows per page of a list.
pub const PAGE_SIZE: u32 = 50;

/// A record id from a path segment; anything else is a page that does not exist.
pub fn path_id(raw: &str, what: &str) -> Result<i64, WebError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| WebError::NotFound(format!("there is no {what} {raw:?}; ids are numbers")))
}

/// A number from an optional query value; a malformed one counts as absent.
pub fn number(raw: &Option<String>) -> Option<i64> {
    raw.as_deref().and_then(|s| s.trim().parse().ok())
}

/// A non-blank, trimmed query value.
pub fn text(raw: &Option<String>) -> Option<String> {
    raw.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// `2026-03-14 09:30` (UTC).
pub fn when(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// `2026-03-14`.
pub fn day(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// Where a page of a list sits: "Showing 51–100 of 1,234".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageInfo {
    /// 1-based.
    pub number: u32,
    pub first_row: u64,
    pub last_row: u64,
    pub total: u64,
}

impl PageInfo {
    /// Page `number` (1-based) holding `rows` rows of `total`.
    pub fn new(number: u32, rows: usize, total: u64) -> PageInfo {
        let number = number.max(1);
        let before = u64::from(number - 1) * u64::from(PAGE_SIZE);
        let rows = rows as u64;
        PageInfo {
            number,
            first_row: if rows == 0 { 0 } else { before + 1 },
            last_row: before + rows,
            total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_count_their_rows() {
        assert_eq!(
            PageInfo::new(2, 50, 120),
            PageInfo {
                number: 2,
                first_row: 51,
                last_row: 100,
                total: 120
            }
        );
        assert_eq!(PageInfo::new(1, 0, 0).first_row, 0);
    }

    #[test]
    fn path_ids_are_positive_numbers() {
        assert!(path_id("12", "contact").is_ok());
        assert!(path_id("x", "contact").is_err());
        assert!(path_id("-3", "contact").is_err());
    }
}
