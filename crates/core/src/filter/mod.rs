//! The segment filter language: a text such as
//! `contact.seniority in ("manager", "director") and account.state = "CA"` parsed into a syntax
//! tree and checked against the fields of contacts, accounts and their related records. Pure: the
//! store compiles the checked tree to SQL for each backend.

mod check;
mod lexer;
mod parser;

pub use check::{check, Checked, Field, FieldType, Operand, Scope, Target, SENIORITY_ORDER};
pub use parser::{parse, CompareOp, Expr, Literal, Name, Related, Value};

use std::fmt;

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
