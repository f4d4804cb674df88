//! Reading an uploaded CSV file into rows, and rows into intake records: the delimiter, the
//! header, rows set aside with their line, the column mapping and its checks, and the words a
//! rejected row is reported with.

pub use abcrm_core::csv_file::read_csv;
use abcrm_core::intake::columns::{person_column, set_column, PersonColumn, RowValues};
use abcrm_core::intake::{contact_from_record, IntakeItem};
use abcrm_core::matching::PersonRecord;
use abcrm_core::model::PersonContext;
use abcrm_core::normalize::Email;
use abcrm_core::AccountId;
use abcrm_store::intake::content_key;

/// The field each header names, as recognized from CRM exports (or none).
pub fn default_mapping(headers: &[String]) -> Vec<Option<PersonColumn>> {
    headers.iter().map(|h| person_column(h)).collect()
}

/// Why a mapping cannot import anyone, if it cannot.
pub fn check_mapping(mapping: &[Option<PersonColumn>]) -> Result<(), String> {
    if mapping.iter().flatten().any(|c| c.identifies()) {
        Ok(())
    } else {
        Err("map at least one column to Email, First name, Last name or Full name: without one no row can become a contact".into())
    }
}

/// A row as the intake service takes it: its fields by the mapping, and its key (the mapped
/// record id, or a hash of its content).
pub fn item_of(
    row: &[impl AsRef<str>],
    mapping: &[Option<PersonColumn>],
    person: &PersonContext,
) -> IntakeItem {
    let mut values = RowValues::default();
    for (value, col) in row.iter().zip(mapping) {
        if let Some(col) = col {
            set_column(&mut values, *col, value.as_ref());
        }
    }
    values.into_item(person, content_key)
}

/// Why intake rejected a record, for a person: from the rule the planner named and the record.
pub fn rejection_reason(rule: &str, record: &PersonRecord) -> String {
    let bad_email = record
        .email
        .as_deref()
        .filter(|e| !e.trim().is_empty())
        .and_then(|e| Email::parse(e).err().map(|err| (e.trim().to_string(), err)));
    match rule {
        "no_identity" => match bad_email {
            Some((email, err)) => {
                format!("no name, and the email \"{email}\" is not valid ({err}); add a name or fix the email")
            }
            None => "no name and no email: nothing to make a contact from; add a name or an email"
                .into(),
        },
        "invalid" => match record.check().and_then(|()| {
            contact_from_record(record, AccountId(0), "import")
                .validate()
                .map(drop)
        }) {
            Err(errors) => {
                format!("the row cannot be a contact: {errors}; fix it and import again")
            }
            Ok(_) => "the row cannot be a contact; check its fields and import again".into(),
        },
        other => format!("rejected by the rule {other}"),
    }
}

/// How far an import is, in whole percent (0 of 0 rows is done).
pub fn percent(done: usize, total: usize) -> u32 {
    if total == 0 {
        return 100;
    }
    ((done.min(total) as u128 * 100) / total as u128) as u32
}

/// Reads `map_<index>` fields into a mapping for `width` columns; an unknown field name is
/// an error.
pub fn mapping_from_form(
    fields: &[(String, String)],
    width: usize,
) -> Result<Vec<Option<PersonColumn>>, String> {
    let mut mapping = vec![None; width];
    for (name, value) in fields {
        let Some(index) = name
            .strip_prefix("map_")
            .and_then(|i| i.parse::<usize>().ok())
        else {
            continue;
        };
        if index >= width || value.is_empty() {
            continue;
        }
        mapping[index] = Some(PersonColumn::from_name(value).ok_or_else(|| {
            format!("\"{value}\" is not a person field; choose one from the list")
        })?);
    }
    Ok(mapping)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_needs_an_email_or_a_name_column() {
        use PersonColumn::*;
        let headers: Vec<String> = [
            "Lead ID",
            "Company / Account",
            "Lead Source",
            "Email Address",
        ]
        .map(String::from)
        .to_vec();
        let m = default_mapping(&headers);
        assert_eq!(m, [Some(Key), Some(Company), None, Some(Email)]);
        assert!(check_mapping(&m).is_ok());
        assert!(check_mapping(&[Some(Company), None])
            .unwrap_err()
            .contains("Email, First name"));
        let form = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            mapping_from_form(
                &form(&[
                    ("csrf", "t"),
                    ("map_0", "full_name"),
                    ("map_1", ""),
                    ("map_9", "email")
                ]),
                2
            ),
            Ok(vec![Some(FullName), None])
        );
        assert!(mapping_from_form(&form(&[("map_0", "zip")]), 1).is_err());
    }

    #[test]
    fn a_row_becomes_a_keyed_record() {
        use PersonColumn::*;
        let row: Vec<String> = ["00Q1", "Ada Lovelace", "ADA@example.com"]
            .map(String::from)
            .to_vec();
        let item = item_of(
            &row,
            &[Some(Key), Some(FullName), Some(Email)],
            &PersonContext::default(),
        );
        assert_eq!(item.source_key, "00Q1");
        assert_eq!(item.record.last_name.as_deref(), Some("Lovelace"));
        let unkeyed = item_of(
            &row,
            &[None, Some(FullName), Some(Email)],
            &PersonContext::default(),
        );
        assert!(unkeyed.source_key.starts_with("sha256:"));
    }

    #[test]
    fn rejections_say_what_to_fix() {
        let mut r = PersonRecord::default();
        assert!(rejection_reason("no_identity", &r).contains("no name and no email"));
        r.email = Some("not-an-email".into());
        let why = rejection_reason("no_identity", &r);
        assert!(why.contains("\"not-an-email\" is not valid"), "{why}");
        r.first_name = Some("x".repeat(500));
        assert!(rejection_reason("invalid", &r).contains("cannot be a contact"));
    }

    #[test]
    fn progress_is_a_whole_percent_that_never_passes_100() {
        assert_eq!(percent(0, 200), 0);
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(199, 200), 99);
        assert_eq!(percent(200, 200), 100);
        assert_eq!(percent(250, 200), 100);
        assert_eq!(percent(0, 0), 100);
    }
}
