//! Reading a CSV file that a person uploaded or exported from another system: UTF-8 with or
//! without a byte order mark, CRLF or LF, separated by commas, semicolons or tabs (sniffed from
//! the header), ragged rows set aside with their line instead of failing the file, and files
//! that are not CSV at all (a workbook, binary data, another encoding) refused with what to do.

/// A CSV file read into rows.
#[derive(Debug, PartialEq)]
pub struct ParsedCsv {
    /// `UTF-8`, `UTF-16LE`, `UTF-16BE` or `windows-1252`.
    pub encoding: &'static str,
    pub headers: Vec<String>,
    pub rows: Vec<(u64, Vec<String>)>,
    pub unreadable: Vec<(u64, String)>,
}

/// What [`read_csv`] found besides the rows it handed over.
#[derive(Debug, PartialEq)]
pub struct CsvShape {
    /// `UTF-8`, `UTF-16LE`, `UTF-16BE` or `windows-1252`.
    pub encoding: &'static str,
    pub headers: Vec<String>,
    /// Readable rows handed over.
    pub rows: usize,
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

/// A file's header as a message shows it: its fields joined by commas, cut at 300 characters,
/// so a file whose first line is megabytes long is not echoed whole.
pub fn shown_header<'a>(fields: impl IntoIterator<Item = &'a str>) -> String {
    let joined = fields.into_iter().collect::<Vec<_>>().join(",");
    match joined.char_indices().nth(300) {
        Some((cut, _)) => format!(
            "{}… ({} characters)",
            &joined[..cut],
            joined.chars().count()
        ),
        None => joined,
    }
}

/// The encoding the first bytes of a file (`head`) say it is in, and the length of its byte order
/// mark: UTF-8 or UTF-16 by their mark; UTF-8 when the bytes read as UTF-8 (a character cut at
/// the end of `head` counts); else Windows-1252, which Excel's plain "CSV" writes. For readers
/// that stream a file too large to hold; [`parse_csv`] decides on the whole file.
pub fn sniff_encoding(head: &[u8]) -> (&'static encoding_rs::Encoding, usize) {
    if let Some(found) = encoding_rs::Encoding::for_bom(head) {
        return found;
    }
    match std::str::from_utf8(head) {
        Err(e) if e.error_len().is_some() => (encoding_rs::WINDOWS_1252, 0),
        _ => (encoding_rs::UTF_8, 0),
    }
}

/// The text of a file, and the name of the encoding it was read in.
fn decode(bytes: &[u8]) -> Result<(String, &'static str), String> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
        if had_errors {
            return Err(format!(
                "the file says it is {} but is not; save it as \"CSV UTF-8\" and upload that",
                encoding.name()
            ));
        }
        return check_text(text.into_owned(), encoding.name());
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
    match std::str::from_utf8(bytes) {
        Ok(text) => check_text(text.to_string(), "UTF-8"),
        Err(_) => {
            // Every byte means a character in Windows-1252, so this cannot fail: the page shows
            // the encoding, and the preview shows the names, for a person to check.
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            check_text(text.into_owned(), "windows-1252")
        }
    }
}

/// Refuses a text with nothing in it.
fn check_text(text: String, encoding: &'static str) -> Result<(String, &'static str), String> {
    if text.chars().all(char::is_whitespace) {
        return Err("the file is empty; choose a CSV file with a header line and rows".into());
    }
    if text.contains('\0') {
        return Err("the file is not text (it holds binary data); choose a CSV file".into());
    }
    Ok((text, encoding))
}

/// Reads an uploaded file as CSV, separated by commas, semicolons or tabs. The text is UTF-8
/// (a byte order mark is skipped), UTF-16 with its byte order mark (Excel's "Unicode text"), or
/// else Windows-1252, which Excel's plain "CSV" writes on Western Windows: [`ParsedCsv::encoding`]
/// says which, so the page can say so. A row with another number of fields than the header is
/// set aside with its line; a file that is not text, has no header or no rows is refused with why.
pub fn parse_csv(bytes: &[u8]) -> Result<ParsedCsv, String> {
    let mut rows = Vec::new();
    let shape = read_csv(bytes, |line, record| {
        rows.push((line, record.iter().map(str::to_string).collect()));
    })?;
    Ok(ParsedCsv {
        encoding: shape.encoding,
        headers: shape.headers,
        rows,
        unreadable: shape.unreadable,
    })
}

/// Reads an uploaded file as [`parse_csv`] does, handing each readable row (its line and
/// fields, as many as the header has) to `row` instead of keeping it: a caller that stores rows
/// its own way never holds a `String` per cell (5 MB of tiny cells made 220 MB of them).
pub fn read_csv(
    bytes: &[u8],
    mut row: impl FnMut(u64, &csv::StringRecord),
) -> Result<CsvShape, String> {
    let (text, encoding) = decode(bytes)?;
    // Lines end in LF from here on: CRLF (Windows) and a lone CR (old Mac exports) alike, so
    // that line numbers count every kind of line end.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let text = text.as_str();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(text))
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
    let mut rows = 0usize;
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
                rows += 1;
                row(line, &record);
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
    if rows == 0 {
        return Err("the file has a header line but no rows to import".into());
    }
    Ok(CsvShape {
        encoding,
        headers,
        rows,
        unreadable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
        assert!(parse_csv(b"\xff\xfe\x00").unwrap_err().contains("UTF-16LE"));
        assert!(parse_csv(b"a\0b").unwrap_err().contains("not text"));
        assert!(parse_csv(b"email\n").unwrap_err().contains("no rows"));
    }

    #[test]
    fn a_header_is_shown_whole_when_short_and_cut_when_long() {
        assert_eq!(shown_header(["name", "email"]), "name,email");
        let long = shown_header(std::iter::repeat_n("nobody", 100_000));
        assert!(long.chars().count() < 340, "{}", long.len());
        assert!(long.ends_with("(699999 characters)"), "{long}");
    }

    #[test]
    fn a_files_first_bytes_name_its_encoding() {
        assert_eq!(sniff_encoding(b"\xFF\xFEn\0"), (encoding_rs::UTF_16LE, 2));
        assert_eq!(sniff_encoding(b"\xEF\xBB\xBFname"), (encoding_rs::UTF_8, 3));
        assert_eq!(sniff_encoding("Müller".as_bytes()), (encoding_rs::UTF_8, 0));
        // A character cut where the head ends is still UTF-8; a byte UTF-8 never has is not.
        assert_eq!(
            sniff_encoding(&"Mü".as_bytes()[..2]),
            (encoding_rs::UTF_8, 0)
        );
        assert_eq!(sniff_encoding(b"M\xFCller"), (encoding_rs::WINDOWS_1252, 0));
    }

    #[test]
    fn lines_ended_by_a_lone_carriage_return_are_numbered_too() {
        // Found by the csv_upload fuzz target: a CR-only file numbered every row line 1.
        let p = parse_csv(b"\r&\r\x1d").unwrap();
        assert_eq!(p.headers, ["&"]);
        assert_eq!(p.rows, [(3, vec!["\u{1d}".to_string()])]);
        let p = parse_csv(b"email\rann@x.com\rbob@x.com\r").unwrap();
        assert_eq!(p.rows.iter().map(|r| r.0).collect::<Vec<_>>(), [2, 3]);
    }

    #[test]
    fn legacy_and_unicode_text_exports_are_read_and_say_their_encoding() {
        let p =
            parse_csv(b"email,name\nj\xe9r\xf4me@example.com,J\xe9r\xf4me M\xfcller\n").unwrap();
        assert_eq!(p.encoding, "windows-1252");
        assert_eq!(p.rows[0].1, ["jérôme@example.com", "Jérôme Müller"]);
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(
                "email\tname\r\nann@x.com\tAnn Ström\r\n"
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes),
            )
            .collect();
        let p = parse_csv(&utf16).unwrap();
        assert_eq!(p.encoding, "UTF-16LE");
        assert_eq!(p.headers, ["email", "name"]);
        assert_eq!(
            p.rows,
            [(2, vec!["ann@x.com".to_string(), "Ann Ström".into()])]
        );
        let p = parse_csv("\u{feff}email\nann@x.com\n".as_bytes()).unwrap();
        assert_eq!(p.encoding, "UTF-8");
    }

    proptest! {
        #[test]
        fn any_bytes_are_read_or_refused_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            if let Ok(p) = parse_csv(&bytes) {
                prop_assert!(!p.rows.is_empty());
                for (line, row) in &p.rows {
                    prop_assert!(*line >= 2);
                    prop_assert_eq!(row.len(), p.headers.len());
                }
            }
        }

        #[test]
        fn written_tables_read_back_with_their_lines(
            rows in proptest::collection::vec(
                proptest::collection::vec("[a-zA-Z0-9 ,;\"@.-]{0,12}", 3),
                1..20,
            ),
            crlf in any::<bool>(),
        ) {
            let mut w = csv::WriterBuilder::new()
                .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
                .from_writer(vec![]);
            w.write_record(["first", "last", "email"]).unwrap();
            let mut expected = Vec::new();
            for row in &rows {
                w.write_record(row).unwrap();
                expected.push(row.iter().map(|f| f.trim().to_string()).collect::<Vec<_>>());
            }
            let bytes = w.into_inner().unwrap();
            // Rows of only empty fields are skipped, as blank lines are.
            let kept: Vec<_> = expected.into_iter().enumerate().filter(|(_, r)| r.iter().any(|f| !f.is_empty())).collect();
            match parse_csv(&bytes) {
                Ok(p) => {
                    prop_assert_eq!(&p.headers, &vec!["first".to_string(), "last".into(), "email".into()]);
                    prop_assert!(p.unreadable.is_empty(), "{:?}", p.unreadable);
                    let got: Vec<_> = p.rows.iter().map(|(_, r)| r.clone()).collect();
                    let want: Vec<_> = kept.iter().map(|(_, r)| r.clone()).collect();
                    prop_assert_eq!(got, want);
                }
                Err(e) => prop_assert!(kept.is_empty(), "refused: {}", e),
            }
        }
    }
}
