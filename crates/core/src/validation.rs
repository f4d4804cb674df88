//! Field-level validation errors: what was wrong, with which field, said so a person can fix it.

use serde::Serialize;
use std::fmt;
use utoipa::ToSchema;

/// One invalid field: its path in the input (`email`, `contact_roles[2].role`) and the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ValidationError {
    /// The input field that is wrong, as a JSON path.
    pub field: String,
    /// Why it is wrong and what would be accepted.
    pub reason: String,
}

impl ValidationError {
    /// An error for `field` with a human-readable `reason`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

/// All the invalid fields of one input, so a form can show every error at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
#[serde(transparent)]
pub struct ValidationErrors(pub Vec<ValidationError>);

impl ValidationErrors {
    /// Records that `field` is invalid for `reason`.
    pub fn push(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.0.push(ValidationError::new(field, reason));
    }

    /// `Ok(())` when nothing was recorded, else the collected errors.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }

    /// A single-error collection.
    pub fn one(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self(vec![ValidationError::new(field, reason)])
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// Trims `value`; `None` when nothing is left. Input text is stored trimmed, and blank means absent.
pub fn clean(value: Option<String>) -> Option<String> {
    value.and_then(|v| {
        let t = v.trim();
        (!t.is_empty()).then(|| t.to_string())
    })
}

/// Checks that a required text field is present and not longer than `max` characters.
pub fn require_text(errors: &mut ValidationErrors, field: &str, value: &str, max: usize) {
    if value.trim().is_empty() {
        errors.push(field, "is required and must not be blank");
    } else {
        check_len(errors, field, value, max);
    }
}

/// Checks that an optional text field is not longer than `max` characters and holds no
/// control character (see [`is_forbidden_control`]).
pub fn check_len(errors: &mut ValidationErrors, field: &str, value: &str, max: usize) {
    // Counting stops just past the limit, so a huge value costs no more than a short one.
    let n = value.chars().take(max + 1).count();
    if n > max {
        let n = value.chars().count();
        errors.push(
            field,
            format!("is {n} characters long; at most {max} are allowed"),
        );
    } else if let Some(c) = value.chars().find(|&c| is_forbidden_control(c)) {
        errors.push(field, control_reason(c));
    }
}

/// A control character no text may hold: the C0 controls but tab, line feed and carriage
/// return (a browser sends a textarea's line breaks as CR LF). PostgreSQL refuses NUL in text
/// outright, and SQLite would store it; refusing every such character at the edge keeps both
/// backends alike and keeps invisible bytes out of names.
pub fn is_forbidden_control(c: char) -> bool {
    c.is_ascii_control() && c != '\t' && c != '\n' && c != '\r' && c != '\u{7f}'
}

/// Why a text holding the control character `c` is refused.
pub fn control_reason(c: char) -> String {
    format!(
        "contains the control character U+{:04X}; remove it and send the text again",
        u32::from(c)
    )
}

/// `value` without the control characters no text may hold (see [`is_forbidden_control`]);
/// borrowed when there are none.
pub fn strip_controls(value: &str) -> std::borrow::Cow<'_, str> {
    if value.chars().any(is_forbidden_control) {
        std::borrow::Cow::Owned(
            value
                .chars()
                .filter(|&c| !is_forbidden_control(c))
                .collect(),
        )
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

/// A day a request may name: within the years 1 to 9999, the range both databases store and
/// order alike (see `filter::clamp_date`).
pub fn day_in_range(day: chrono::NaiveDate) -> bool {
    (1..=9999).contains(&chrono::Datelike::year(&day))
}

/// Why a date outside the years 1 to 9999 is refused.
pub const DATE_RANGE_REASON: &str = "must be a date between the years 1 and 9999";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_in_a_name_is_refused_naming_the_field() {
        let mut errors = ValidationErrors::default();
        check_len(&mut errors, "first_name", "Ann\0", 200);
        assert_eq!(errors.0[0].field, "first_name");
        assert!(errors.0[0].reason.contains("U+0000"), "{errors}");
    }

    #[test]
    fn line_breaks_and_tabs_are_text() {
        let mut errors = ValidationErrors::default();
        check_len(&mut errors, "description", "one\r\ntwo\tthree", 200);
        assert!(errors.0.is_empty(), "{errors}");
        assert_eq!(strip_controls("a\0b\u{1b}c\n"), "abc\n");
    }
}
