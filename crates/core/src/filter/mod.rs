//! The segment filter language: a text such as
//! `contact.seniority in ("manager", "director") and account.state = "CA"` parsed into a syntax
//! tree and checked against the fields of contacts, accounts and their related records. Pure: the
//! store compiles the checked tree to SQL for each backend, and [`matches`] evaluates it against
//! records in memory with the same meaning.

mod check;
pub mod chips;
mod eval;
mod lexer;
mod parser;

pub use check::{check, Checked, Field, FieldType, Operand, Scope, Target, SENIORITY_ORDER};
pub use eval::{matches, FieldValue, Record};
pub use parser::{parse, CompareOp, Expr, Literal, Name, Related, Value};

use chrono::{Months, NaiveDate};
use std::fmt;

/// The longest filter accepted, in bytes: checked before anything else is done with it.
pub const MAX_FILTER_BYTES: usize = 10_000;
/// How deeply parentheses, `not` and `has ... where` may nest.
pub const MAX_DEPTH: usize = 32;
/// How many conditions one filter may have. With [`MAX_DEPTH`] this bounds the depth of the
/// syntax tree (an `or` chain is as deep as it is long), and so the recursion of every pass over
/// it and the depth of the SQL it becomes (SQLite refuses expressions deeper than 1,000).
pub const MAX_CONDITIONS: usize = 200;
/// How many values (in comparisons and lists) one filter may have: each is a bound parameter.
pub const MAX_VALUES: usize = 1_000;

/// A relative date (`-90d`: `n` days, weeks, months or years) resolved against the day the
/// filter runs, and clamped as [`clamp_date`] does.
pub fn resolve_relative(today: NaiveDate, n: i64, unit: char) -> NaiveDate {
    let add_months = |m: i64| {
        let m32 = u32::try_from(m.unsigned_abs()).ok()?;
        if m >= 0 {
            today.checked_add_months(Months::new(m32))
        } else {
            today.checked_sub_months(Months::new(m32))
        }
    };
    let d = match unit {
        'd' => chrono::TimeDelta::try_days(n).and_then(|t| today.checked_add_signed(t)),
        'w' => chrono::TimeDelta::try_weeks(n).and_then(|t| today.checked_add_signed(t)),
        'm' => add_months(n),
        _ => add_months(n.saturating_mul(12)),
    };
    clamp_date(d.unwrap_or(if n < 0 {
        NaiveDate::MIN
    } else {
        NaiveDate::MAX
    }))
}

/// A date a filter compares with, clamped into the years 1 to 9999: the range in which both
/// databases take it (PostgreSQL refuses timestamps before 4714 BC) and compare it in order
/// (SQLite compares timestamps as text, which puts a five-digit year before a four-digit one).
pub fn clamp_date(d: NaiveDate) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN);
    let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX);
    d.clamp(first, last)
}

/// What is wrong with a filter, and where (a byte offset into it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub position: usize,
    pub message: String,
}

impl FilterError {
    pub(crate) fn at(position: usize, message: impl Into<String>) -> FilterError {
        FilterError {
            position,
            message: message.into(),
        }
    }

    /// The 1-based line and column of the error in `input`.
    pub fn line_column(&self, input: &str) -> (usize, usize) {
        let before = &input[..self.position.min(input.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, column)
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at character {}: {}", self.position + 1, self.message)
    }
}

impl std::error::Error for FilterError {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn errors_know_their_line_and_column() {
        let input = "account.state = \"CA\"\n  and contact.titel = \"x\"";
        let e = check(&parse(input).unwrap(), Target::Contacts).unwrap_err();
        assert_eq!(e.line_column(input), (2, 7));
    }

    #[test]
    fn relative_dates_count_calendar_units_from_today() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let today = day(2026, 3, 31);
        assert_eq!(
            [(-90, 'd'), (2, 'w'), (-1, 'm'), (1, 'y'), (0, 'd')]
                .map(|(n, u)| resolve_relative(today, n, u)),
            [
                day(2025, 12, 31),
                day(2026, 4, 14),
                day(2026, 2, 28),
                day(2027, 3, 31),
                today
            ]
        );
    }

    #[test]
    fn dates_beyond_four_digit_years_are_clamped() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let today = day(2026, 3, 31);
        assert_eq!(
            [
                resolve_relative(today, 10_000, 'y'),
                resolve_relative(today, -300_000, 'y'),
                resolve_relative(today, i64::MIN, 'd'),
                clamp_date(day(12026, 1, 1)),
                clamp_date(day(-1, 1, 1)),
            ],
            [
                day(9999, 12, 31),
                day(1, 1, 1),
                day(1, 1, 1),
                day(9999, 12, 31),
                day(1, 1, 1)
            ]
        );
    }

    proptest! {
        #[test]
        fn any_text_parses_or_errs_inside_it(s in "\\PC{0,60}") {
            match parse(&s) {
                Ok(e) => {
                    let _ = check(&e, Target::Contacts);
                    let _ = check(&e, Target::Accounts);
                }
                Err(e) => prop_assert!(e.position <= s.len()),
            }
        }

        #[test]
        fn filter_shaped_text_never_panics(s in r#"(contact\.seniority|account\.state|has|activity|where|kind|and|or|not|in|is|empty|\(|\)|,|=|!=|>=|"vp"|"CA"|-90d|42| ){0,14}"#) {
            if let Ok(e) = parse(&s) {
                let _ = check(&e, Target::Contacts);
            }
        }
    }
}
