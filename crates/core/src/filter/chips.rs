//! Filter chips: a condition picked from lists (field, operator, value) written in the filter
//! language, so a person who does not write filters builds one, and sees the text it makes.
//! What is written is always checked by the same parser and checker as typed text.

use super::check::{contact_catalog, FieldType};

/// The operators a chip offers, as the language spells them.
pub const OPERATORS: [&str; 11] = [
    "=",
    "!=",
    ">",
    ">=",
    "<",
    "<=",
    "contains",
    "starts with",
    "in",
    "not in",
    "is empty",
];

/// One field a chip can name: its path (`contact.seniority`), its type, and its values when it
/// has a vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipField {
    pub path: String,
    pub kind: FieldType,
}

impl ChipField {
    /// The vocabulary's values, for a picklist (empty for free values).
    pub fn values(&self) -> &'static [&'static str] {
        match self.kind {
            FieldType::Enum { values, .. } => values,
            _ => &[],
        }
    }
}

/// The fields a chip offers for a list of `target`: the contact's and the account's for
/// contacts, the account's for accounts.
pub fn chip_fields(accounts_only: bool) -> Vec<ChipField> {
    let (contact, account) = contact_catalog();
    let mut out = Vec::new();
    if !accounts_only {
        out.extend(contact.into_iter().map(|(name, kind)| ChipField {
            path: format!("contact.{name}"),
            kind,
        }));
    }
    out.extend(account.into_iter().map(|(name, kind)| ChipField {
        path: format!("account.{name}"),
        kind,
    }));
    out
}

/// The condition a chip stands for, or why it cannot be written: `field` must be one of
/// `fields`, `op` one of [`OPERATORS`]. Text values are quoted (with `"` and `\` escaped);
/// numbers, relative dates (`-90d`) and ISO dates are written as they are; `in` takes a
/// comma-separated list.
pub fn condition(
    fields: &[ChipField],
    field: &str,
    op: &str,
    value: &str,
) -> Result<String, String> {
    let f = fields
        .iter()
        .find(|f| f.path == field)
        .ok_or_else(|| format!("“{field}” is not a field to filter on; pick one from the list"))?;
    if !OPERATORS.contains(&op) {
        return Err(format!("“{op}” is not an operator; pick one from the list"));
    }
    if op == "is empty" {
        return Ok(format!("{} is empty", f.path));
    }
    let value = value.trim();
    if value.is_empty() {
        return Err(format!("give a value to compare {} with", f.path));
    }
    let one = |v: &str| literal(f.kind, v.trim());
    if op == "in" || op == "not in" {
        let items: Vec<String> = value
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(one)
            .collect();
        if items.is_empty() {
            return Err(format!(
                "give the values {} may take, separated by commas",
                f.path
            ));
        }
        return Ok(format!("{} {op} ({})", f.path, items.join(", ")));
    }
    Ok(format!("{} {op} {}", f.path, one(value)))
}

/// A value as the language reads it for a field of `kind`.
fn literal(kind: FieldType, v: &str) -> String {
    let bare = match kind {
        FieldType::Integer | FieldType::Number => v.parse::<f64>().is_ok_and(f64::is_finite),
        FieldType::Date | FieldType::Timestamp => is_relative(v),
        FieldType::Text | FieldType::Enum { .. } => false,
    };
    if bare {
        v.to_string()
    } else {
        quoted(v)
    }
}

/// `-90d`, `+6m`, `-1y`, `30d`.
fn is_relative(v: &str) -> bool {
    let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
    let Some(unit) = digits.chars().last() else {
        return false;
    };
    "dwmy".contains(unit)
        && digits.len() > 1
        && digits[..digits.len() - 1]
            .chars()
            .all(|c| c.is_ascii_digit())
}

fn quoted(v: &str) -> String {
    let mut s = String::with_capacity(v.len() + 2);
    s.push('"');
    for c in v.chars() {
        if c == '"' || c == '\\' {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('"');
    s
}

/// `filter` with `condition` added: it must hold too. A filter with `or` at its top is kept
/// whole in parentheses.
pub fn and(filter: &str, condition: &str) -> String {
    let filter = filter.trim();
    if filter.is_empty() {
        condition.to_string()
    } else {
        format!("({filter}) and {condition}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{compile, SegmentTarget};
    use proptest::prelude::*;

    #[test]
    fn chips_write_filters_that_check() {
        let fields = chip_fields(false);
        for (field, op, value, want) in [
            (
                "contact.seniority",
                ">=",
                "director",
                r#"contact.seniority >= "director""#,
            ),
            ("account.state", "=", "CA", r#"account.state = "CA""#),
            ("account.employees", ">", "200", "account.employees > 200"),
            (
                "contact.last_activity_at",
                ">",
                "-90d",
                "contact.last_activity_at > -90d",
            ),
            (
                "contact.buying_role",
                "in",
                "champion, economic_buyer",
                r#"contact.buying_role in ("champion", "economic_buyer")"#,
            ),
            (
                "contact.title",
                "contains",
                r#"VP "Sales" \ EMEA"#,
                r#"contact.title contains "VP \"Sales\" \\ EMEA""#,
            ),
            (
                "account.industry",
                "is empty",
                "",
                "account.industry is empty",
            ),
        ] {
            let c = condition(&fields, field, op, value).unwrap();
            assert_eq!(c, want);
            compile(&c, SegmentTarget::Contact).unwrap_or_else(|e| panic!("{c}: {e:?}"));
        }
        assert!(condition(&fields, "contact.shoe_size", "=", "9")
            .unwrap_err()
            .contains("not a field"));
        assert!(condition(&fields, "account.state", "~", "CA")
            .unwrap_err()
            .contains("not an operator"));
        assert!(condition(&fields, "account.state", "=", " ")
            .unwrap_err()
            .contains("give a value"));
        assert!(chip_fields(true)
            .iter()
            .all(|f| f.path.starts_with("account.")));
        assert_eq!(and("", "a = 1"), "a = 1");
        assert_eq!(
            and(r#"x = "1" or y = "2""#, "a = 1"),
            r#"(x = "1" or y = "2") and a = 1"#
        );
    }

    proptest! {
        /// Whatever text a person types as a text value, the chip's condition parses and keeps
        /// the text exactly.
        #[test]
        fn any_typed_text_is_quoted_safely(v in "[^\u{0}]{1,40}") {
            prop_assume!(!v.trim().is_empty());
            let fields = chip_fields(false);
            let c = condition(&fields, "contact.title", "contains", &v).unwrap();
            let checked = compile(&c, SegmentTarget::Contact);
            prop_assert!(checked.is_ok(), "{c}: {:?}", checked.err());
        }
    }
}
