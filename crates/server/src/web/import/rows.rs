//! Reading an uploaded CSV file into rows, and rows into intake records: the delimiter, the
//! header, rows set aside with their line, the column mapping and its checks, and the words a
//! rejected row is reported with.

use abcrm_core::intake::columns::{person_column, set_column, PersonColumn};
use abcrm_core::intake::{contact_from_record, IntakeItem};
use abcrm_core::matching::PersonRecord;
use abcrm_core::normalize::Email;
use abcrm_core::AccountId;
use abcrm_store::intake::content_key;

/// A CSV file read into rows.
#[derive(Debug, PartialEq)]
pub struct ParsedCsv {
    pub headers: Vec<String>,
    pub rows: Vec<(u64, Vec<String>)>,
    pub unreadable: Vec<(u64, String)>,
}

/// The field separator of a CSV file: the one of `,` `;` and tab that appears most in its
/// header line (outside quotes); a comma when there is none.
pub fn sniff_delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for ch in first.chars() {
        match ch {
            '"' => quoted = !quoted,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        [b',', b';', b'\t'][best]
    }
}

/// Reads an uploaded file as CSV: UTF-8 (a byte order mark is skipped), separated by commas,
/// semicolons or tabs. A row with another number of fields than the header is set aside with
/// its line; a file that is not text, has no header or no rows is refused with why.
pub fn parse_csv(bytes: &[u8]) -> Result<ParsedCsv, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err("the file is empty; choose a CSV file with a header line and rows".into());
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        return Err(
            "this is a spreadsheet workbook, not a CSV file; save it as \"CSV UTF-8\" and upload that"
                .into(),
        );
    }
    if bytes.contains(&0) {
        return Err("the file is not text (it holds binary data); choose a CSV file".into());
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "the file is not UTF-8 text (byte {} cannot be read); save it as \"CSV UTF-8\" and upload that",
            e.valid_up_to() + 1
        )
    })?;
    let text = text.replace("\r\n", "\n");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(&text))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("the header line cannot be read: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    if headers.iter().all(|h| h.is_empty()) {
        return Err(
            "the first line has no column names; the first line of the file must name its columns"
                .into(),
        );
    }
    let width = headers.len();
    let mut rows = Vec::new();
    let mut unreadable = Vec::new();
    let mut record = csv::StringRecord::new();
    // The reader does not count blank lines; count them from the byte offsets, in one pass.
    let (mut counted_to, mut lines_before) = (0usize, 0u64);
    let mut line_at = |byte: u64| -> u64 {
        let mut byte = (byte as usize).clamp(counted_to, text.len());
        // A record after blank lines starts where they do.
        while text.as_bytes().get(byte) == Some(&b'\n') {
            byte += 1;
        }
        lines_before += text.as_bytes()[counted_to..byte]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        counted_to = byte;
        lines_before + 1
    };
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = line_at(record.position().map_or(0, |p| p.byte()));
                if record.iter().all(str::is_empty) {
                    continue;
                }
                if record.len() != width {
                    unreadable.push((
                        line,
                        format!(
                            "has {} fields, the header has {width}; skipped",
                            record.len()
                        ),
                    ));
                    continue;
                }
                rows.push((line, record.iter().map(str::to_string).collect()));
            }
            Err(e) => {
                let line = line_at(e.position().map_or(0, |p| p.byte()));
                unreadable.push((line, format!("{e}; skipped")));
                if !matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. }) {
                    break;
                }
            }
        }
    }
    if rows.is_empty() {
        return Err("the file has a header line but no rows to import".into());
    }
    Ok(ParsedCsv {
        headers,
        rows,
        unreadable,
    })
}

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
pub fn item_of(row: &[String], mapping: &[Option<PersonColumn>]) -> IntakeItem {
    let mut record = PersonRecord::default();
    let mut key = None;
    for (value, col) in row.iter().zip(mapping) {
        if let Some(col) = col {
            set_column(&mut record, &mut key, *col, value);
        }
    }
    IntakeItem {
        hints: Default::default(),
        source_key: key.unwrap_or_else(|| content_key(&record)),
        record,
    }
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
        "invalid" => match contact_from_record(record, AccountId(0), "import").validate() {
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
    fn the_delimiter_is_the_commonest_separator_of_the_header() {
        assert_eq!(sniff_delimiter("a,b,c\n1;2,3"), b',');
        assert_eq!(sniff_delimiter("Vorname;Nachname;E-Mail\n"), b';');
        assert_eq!(sniff_delimiter("first\tlast\n"), b'\t');
        assert_eq!(sniff_delimiter("\"Last, First\";Email\n"), b';');
        assert_eq!(sniff_delimiter("email\n"), b',');
    }

    #[test]
    fn a_csv_is_read_with_its_lines_and_bad_rows_set_aside() {
        let file = b"\xEF\xBB\xBFFirst Name,Email\r\nAda,ada@example.com\r\n\r\nBob\r\n\"Lovelace, A\",x@y.z\r\n";
        let p = parse_csv(file).unwrap();
        assert_eq!(p.headers, ["First Name", "Email"]);
        assert_eq!(
            p.rows,
            [
                (2, vec!["Ada".to_string(), "ada@example.com".to_string()]),
                (5, vec!["Lovelace, A".to_string(), "x@y.z".to_string()])
            ]
        );
        assert_eq!(p.unreadable.len(), 1);
        assert_eq!(p.unreadable[0].0, 4);
        assert!(p.unreadable[0].1.contains("has 1 fields, the header has 2"));
    }

    #[test]
    fn files_that_are_not_csv_are_refused_with_why() {
        assert!(parse_csv(b"").unwrap_err().contains("empty"));
        assert!(parse_csv(b"PK\x03\x04rest")
            .unwrap_err()
            .contains("workbook"));
        assert!(parse_csv(b"a,b\n\xff\xfe,1\n")
            .unwrap_err()
            .contains("not UTF-8"));
        assert!(parse_csv(b"a\0b").unwrap_err().contains("not text"));
        assert!(parse_csv(b"email\n").unwrap_err().contains("no rows"));
    }

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
        let item = item_of(&row, &[Some(Key), Some(FullName), Some(Email)]);
        assert_eq!(item.source_key, "00Q1");
        assert_eq!(item.record.last_name.as_deref(), Some("Lovelace"));
        let unkeyed = item_of(&row, &[None, Some(FullName), Some(Email)]);
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
