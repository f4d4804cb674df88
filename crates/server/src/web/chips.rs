//! Filter chips on the contact and account lists: a condition picked from lists (field,
//! operator, value) is added to the filter with `and`, and the list comes back with the filter's
//! text, which stays visible and editable. Core's `filter::chips` writes the condition.

use super::form::filled;
use super::urlencode;
use abcrm_core::filter::chips::{self, ChipField, OPERATORS};
use serde::Deserialize;

/// The chip form's fields, beside the list's own parameters.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ChipParams {
    pub add_field: Option<String>,
    pub add_op: Option<String>,
    pub add_value: Option<String>,
}

impl ChipParams {
    /// Whether a chip was sent.
    pub fn asked(&self) -> bool {
        filled(&self.add_field).is_some()
    }
}

/// The chip form as a list page shows it.
pub struct ChipForm {
    pub fields: Vec<ChipField>,
    pub operators: &'static [&'static str],
    /// Every vocabulary value, offered as suggestions for the value.
    pub values: Vec<&'static str>,
    pub typed: ChipParams,
    pub error: Option<String>,
}

impl ChipForm {
    pub fn new(accounts_only: bool, typed: ChipParams, error: Option<String>) -> ChipForm {
        let fields = chips::chip_fields(accounts_only);
        let mut values: Vec<&'static str> = fields
            .iter()
            .flat_map(|f| f.values().iter().copied())
            .collect();
        values.sort_unstable();
        values.dedup();
        ChipForm {
            fields,
            operators: &OPERATORS,
            values,
            typed,
            error,
        }
    }

    pub fn is_field(&self, path: &str) -> bool {
        self.typed.add_field.as_deref() == Some(path)
    }

    pub fn is_op(&self, op: &str) -> bool {
        self.typed.add_op.as_deref() == Some(op)
    }

    pub fn value(&self) -> &str {
        self.typed.add_value.as_deref().unwrap_or("")
    }
}

/// The filter with the chip's condition added, or why the chip cannot be written.
pub fn add(filter: &str, chip: &ChipParams, accounts_only: bool) -> Result<String, String> {
    let fields = chips::chip_fields(accounts_only);
    let condition = chips::condition(
        &fields,
        filled(&chip.add_field).as_deref().unwrap_or(""),
        filled(&chip.add_op).as_deref().unwrap_or("="),
        chip.add_value.as_deref().unwrap_or(""),
    )?;
    Ok(chips::and(filter, &condition))
}

/// Where the list goes with the new filter, keeping `extra` parameters (already encoded pairs).
pub fn list_href(list: &str, filter: &str, extra: &[(&str, &str)]) -> String {
    let mut href = format!("{list}?filter={}", urlencode(filter));
    for (k, v) in extra {
        href.push_str(&format!("&{k}={}", urlencode(v)));
    }
    href
}
