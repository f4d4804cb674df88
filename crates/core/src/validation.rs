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

/// Checks that an optional text field is not longer than `max` characters.
pub fn check_len(errors: &mut ValidationErrors, field: &str, value: &str, max: usize) {
    let n = value.chars().count();
    if n > max {
        errors.push(
            field,
            format!("is {n} characters long; at most {max} are allowed"),
        );
    }
}
