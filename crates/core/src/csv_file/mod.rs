//! Reading a CSV file that a person uploaded or exported from another system: UTF-8 with or
//! without a byte order mark, UTF-16 or Windows-1252; CRLF, LF or CR; separated by commas,
//! semicolons or tabs (sniffed from the header); ragged rows set aside with their line instead of
//! failing the file; and files that are not CSV at all (a workbook, binary data) refused with
//! what to do. [`CsvReader`] streams a file of any size; [`parse_csv`] and [`read_csv`] read an
//! upload held in memory with it.

mod text;

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

/// What a file with nothing in it (or only blank lines) is told.
const EMPTY: &str = "the file is empty; choose a CSV file with a header line and rows";
/// What a file holding binary data is told.
const NOT_TEXT: &str = "the file is not text (it holds binary data); choose a CSV file";

/// Why a file was not read at all.
#[derive(Debug, thiserror::Error)]
pub enum CsvRefusal {
    /// The file could not be read from its disk or its connection.
    #[error("cannot be read: {0}")]
    Io(#[from] std::io::Error),
    /// The file is not CSV; the message says what it is and what to do.
    #[error("{0}")]
    NotCsv(String),
}

/// A row that could not be read, and why; the rows after it are read on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowFault {
    /// 1-based line in the file, the header being line 1 (if no blank line comes before it).
    pub line: u64,
    pub reason: String,
}

/// A row read from a file: the line it starts on, and as many fields as the header has, each
/// decoded and trimmed.
pub struct CsvRow<'a> {
    pub line: u64,
    pub fields: &'a csv::StringRecord,
}

/// The one reader of CSV files from outside: uploads, `abcrm import`, `enrich`, a Salesforce or
/// HubSpot export. A stream, so a file of any size is read a buffer at a time.
///
/// - **Encoding.** UTF-8 with or without a byte order mark, UTF-16 with its mark (Excel's
///   "Unicode text"), or Windows-1252 (Excel's plain "CSV" on Western Windows), decided on the
///   first 64 KiB. A field that is not UTF-8 in a file that began as UTF-8 is read as
///   Windows-1252 too (a file sorted by name meets its first "é" late); [`CsvReader::encoding`]
///   then says so.
/// - **Lines.** CRLF, LF and a lone CR all end a line; a row's line counts blank lines and line
///   breaks inside quotes, as a person counting in an editor does.
/// - **Separator.** Comma, semicolon or tab: the commonest of them in the header line.
/// - **Rows.** Fields are trimmed; a row of empty fields is skipped as a blank line is; a row
///   with another number of fields than the header, or one a quote left open has swallowed the
///   next rows into, is a [`RowFault`] naming its line, and reading goes on. A file that is a
///   workbook, empty, or has no column names is refused before any row.
pub struct CsvReader<R> {
    csv: csv::Reader<text::OutsideText<R>>,
    headers: csv::StringRecord,
    delimiter: char,
    raw: csv::ByteRecord,
    row: csv::StringRecord,
    encoding: &'static str,
    /// A field was read as Windows-1252 in a file that began as UTF-8.
    legacy_fields: bool,
    stopped: bool,
}

impl<R: std::io::Read> CsvReader<R> {
    /// Reads the file's first 64 KiB and its header line; refuses a file that is not CSV.
    pub fn new(input: R) -> Result<Self, CsvRefusal> {
        Self::deciding_on(input, text::HEAD)
    }

    /// As [`CsvReader::new`], deciding the encoding and separator on the first `bytes` bytes
    /// and reading as many at a time after them (tests use a few, to cross every boundary).
    pub fn deciding_on(mut input: R, bytes: usize) -> Result<Self, CsvRefusal> {
        let head = text::Head::read(&mut input, bytes.max(1))?;
        if head.bytes.starts_with(b"PK\x03\x04") || head.bytes.starts_with(b"\xD0\xCF\x11\xE0") {
            return Err(CsvRefusal::NotCsv(
                "this is a spreadsheet workbook, not a CSV file; save it as \"CSV UTF-8\" and use that"
                    .into(),
            ));
        }
        let (delimiter, empty) = {
            let text = head.text();
            let empty = head.whole && text.chars().all(char::is_whitespace);
            (sniff_delimiter(&text), empty)
        };
        if empty {
            return Err(CsvRefusal::NotCsv(EMPTY.into()));
        }
        let encoding = head.encoding.name();
        let csv = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(false)
            .from_reader(text::OutsideText::new(head, input));
        let mut reader = CsvReader {
            csv,
            headers: csv::StringRecord::new(),
            delimiter: char::from(delimiter),
            raw: csv::ByteRecord::new(),
            row: csv::StringRecord::new(),
            encoding,
            legacy_fields: false,
            stopped: false,
        };
        match reader.csv.read_byte_record(&mut reader.raw) {
            Ok(true) => {}
            Ok(false) => return Err(CsvRefusal::NotCsv(EMPTY.into())),
            Err(e) => return Err(refusal(e)),
        }
        decode_fields(&reader.raw, &mut reader.headers, &mut reader.legacy_fields);
        if reader.headers.iter().any(|h| h.contains('\0')) {
            return Err(CsvRefusal::NotCsv(NOT_TEXT.into()));
        }
        if reader.headers.iter().all(str::is_empty) {
            return Err(CsvRefusal::NotCsv(
                "the first line has no column names; the first line of the file must name its columns"
                    .into(),
            ));
        }
        let start = reader.raw.position().map_or(0, |p| p.byte());
        reader.csv.get_mut().line_at(start);
        Ok(reader)
    }

    /// The header's fields, trimmed.
    pub fn headers(&self) -> &csv::StringRecord {
        &self.headers
    }

    /// `UTF-8`, `UTF-16LE`, `UTF-16BE` or `windows-1252`: what the file was read as, so far.
    pub fn encoding(&self) -> &'static str {
        if self.legacy_fields {
            encoding_rs::WINDOWS_1252.name()
        } else {
            self.encoding
        }
    }

    /// Bytes of the file read so far, for a progress bar.
    pub fn bytes_read(&self) -> u64 {
        self.csv.get_ref().consumed()
    }

    /// The next row, or why the next row cannot be read; `None` at the end of the file (or
    /// after a fault that stops it, which is the last thing handed over).
    pub fn next_row(&mut self) -> Option<Result<CsvRow<'_>, RowFault>> {
        while !self.stopped {
            match self.csv.read_byte_record(&mut self.raw) {
                Ok(false) => return None,
                Ok(true) => {
                    let start = self.raw.position().map_or(0, |p| p.byte());
                    let line = self.csv.get_mut().line_at(start);
                    decode_fields(&self.raw, &mut self.row, &mut self.legacy_fields);
                    if self.row.iter().all(str::is_empty) {
                        continue;
                    }
                    if let Some(reason) = self.misshapen(line) {
                        return Some(Err(RowFault { line, reason }));
                    }
                    return Some(Ok(CsvRow {
                        line,
                        fields: &self.row,
                    }));
                }
                Err(e) => {
                    self.stopped = true;
                    let at = e
                        .position()
                        .map_or(self.csv.position().byte(), |p| p.byte());
                    let line = self.csv.get_mut().line_at(at);
                    let why = match refusal(e) {
                        CsvRefusal::NotCsv(why) => why,
                        io => io.to_string(),
                    };
                    return Some(Err(RowFault {
                        line,
                        reason: format!("{why}; the rest of the file was not read"),
                    }));
                }
            }
        }
        None
    }

    /// Why the row just read (on `line`) cannot be trusted, if it cannot: fields that do not
    /// line up with the header, or a quote left open that read the next rows into one field.
    fn misshapen(&self, line: u64) -> Option<String> {
        let width = self.headers.len();
        // A field may hold line breaks, as an address does; a whole row inside one is a quote
        // that was never closed.
        let swallowed = width > 1
            && self.row.iter().any(|field| {
                field
                    .lines()
                    .skip(1)
                    .any(|l| l.split(self.delimiter).count() >= width)
            });
        if self.row.len() == width && !swallowed {
            return None;
        }
        let text = self.csv.get_ref();
        let ends = text
            .line_of(self.csv.position().byte())
            .saturating_sub(1)
            .max(line);
        Some(if swallowed || ends > line.saturating_add(1) {
            format!(
                "a quote opened here is not closed before line {ends}, so lines {line} to {ends} were read as one row; close the quote and read the file again"
            )
        } else {
            format!(
                "has {} fields, the header has {width}; skipped",
                self.row.len()
            )
        })
    }
}

/// A `csv` error as a refusal: the decoder's complaint about a false byte order mark says what
/// to do as it is.
fn refusal(e: csv::Error) -> CsvRefusal {
    let why = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
            CsvRefusal::NotCsv(io.to_string())
        }
        csv::ErrorKind::Io(io) => CsvRefusal::Io(io),
        _ => CsvRefusal::NotCsv(format!("the line cannot be read: {why}")),
    }
}

/// `raw`'s fields as text into `into`, trimmed: UTF-8 as it is, anything else as Windows-1252
/// (every byte is a character there, so nothing is lost; `legacy` records that it happened).
fn decode_fields(raw: &csv::ByteRecord, into: &mut csv::StringRecord, legacy: &mut bool) {
    into.clear();
    for field in raw.iter() {
        match std::str::from_utf8(field) {
            Ok(text) => into.push_field(text.trim()),
            Err(_) => {
                *legacy = true;
                let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(field);
                into.push_field(text.trim());
            }
        }
    }
}

/// Reads an uploaded file as CSV, as [`CsvReader`] does, into rows. A file that holds a NUL
/// byte (outside UTF-16) is refused as binary, and one with no rows as having nothing to import.
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
    let (encoding, _) = text::sniff_encoding(bytes);
    let utf16 = encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE;
    if !utf16 && bytes.contains(&0) {
        return Err(NOT_TEXT.into());
    }
    let mut reader = CsvReader::new(bytes).map_err(|e| e.to_string())?;
    let mut rows = 0usize;
    let mut unreadable = Vec::new();
    while let Some(next) = reader.next_row() {
        match next {
            Ok(read) => {
                rows += 1;
                row(read.line, read.fields);
            }
            Err(fault) => unreadable.push((fault.line, fault.reason)),
        }
    }
    if rows == 0 {
        return Err("the file has a header line but no rows to import".into());
    }
    Ok(CsvShape {
        encoding: reader.encoding(),
        headers: reader.headers().iter().map(str::to_string).collect(),
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
        assert_eq!(
            text::sniff_encoding(b"\xFF\xFEn\0"),
            (encoding_rs::UTF_16LE, 2)
        );
        assert_eq!(
            text::sniff_encoding(b"\xEF\xBB\xBFname"),
            (encoding_rs::UTF_8, 3)
        );
        assert_eq!(
            text::sniff_encoding("Müller".as_bytes()),
            (encoding_rs::UTF_8, 0)
        );
        // A character cut where the head ends is still UTF-8; a byte UTF-8 never has is not.
        assert_eq!(
            text::sniff_encoding(&"Mü".as_bytes()[..2]),
            (encoding_rs::UTF_8, 0)
        );
        assert_eq!(
            text::sniff_encoding(b"M\xFCller"),
            (encoding_rs::WINDOWS_1252, 0)
        );
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
        // 0x80-0x9F are Windows-1252's curly quotes, dashes and euro, not Latin-1's controls.
        let p = parse_csv(b"name\nJos\xe9 \x93Pepe\x94 \x96 \x80\n").unwrap();
        assert_eq!(p.rows[0].1, ["José “Pepe” – €"]);
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

    /// A file's header, each row or fault with its line, its encoding and the bytes read.
    type ReadAll = (
        Vec<String>,
        Vec<(u64, Result<Vec<String>, String>)>,
        &'static str,
        u64,
    );

    /// Every row and fault of a file read through `input`, with its header and encoding.
    fn read_all(input: impl std::io::Read) -> ReadAll {
        read_from(CsvReader::new(input).unwrap())
    }

    fn read_from(mut reader: CsvReader<impl std::io::Read>) -> ReadAll {
        let mut out = Vec::new();
        while let Some(next) = reader.next_row() {
            out.push(match next {
                Ok(row) => (
                    row.line,
                    Ok(row.fields.iter().map(str::to_string).collect()),
                ),
                Err(fault) => (fault.line, Err(fault.reason)),
            });
        }
        let headers = reader.headers().iter().map(str::to_string).collect();
        (headers, out, reader.encoding(), reader.bytes_read())
    }

    /// A reader that hands over one byte at a time, as a slow pipe might.
    struct Trickle<'a>(&'a [u8]);

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((&b, rest)), Some(slot)) => {
                    *slot = b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn rows_are_numbered_by_the_line_they_start_on_counting_blank_lines_and_breaks_in_quotes() {
        let file = b"a,b\r\n1,2\r\n\r\n\r\n3,4\r\n\"x\r\ny\",5\r6,7";
        let (headers, rows, _, read) = read_all(&file[..]);
        assert_eq!(headers, ["a", "b"]);
        let lines: Vec<u64> = rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, [2, 5, 6, 8]);
        assert_eq!(rows[2].1, Ok(vec!["x\ny".to_string(), "5".into()]));
        assert_eq!(read, file.len() as u64);
    }

    #[test]
    fn a_quote_left_open_is_named_with_the_lines_it_swallowed_and_reading_goes_on() {
        let file = "name,email,city\nAnn,ann@x.com,Oslo\n\"Bob,bob@x.com,Rome\nCy,cy@x.com,Lima\nDi,di@x.com,\"Nice\"\nEd,ed@x.com,Kiel\n";
        let (_, rows, _, _) = read_all(file.as_bytes());
        assert_eq!(rows[0].0, 2);
        let fault = rows[1].1.as_ref().unwrap_err();
        assert_eq!(rows[1].0, 3);
        assert!(
            fault.contains("a quote opened here is not closed"),
            "{fault}"
        );
        assert_eq!(rows.last().unwrap().0, 6);
        assert!(rows.last().unwrap().1.is_ok());
    }

    #[test]
    fn a_late_legacy_character_in_a_utf8_start_is_read_and_named() {
        // Sorted by name, the first "é" of an Excel export comes after the first 64 KiB.
        let mut file = b"name,city\n".to_vec();
        for i in 0..5000 {
            file.extend_from_slice(format!("Person {i},Oslo\n").as_bytes());
        }
        file.extend_from_slice(b"Z\xe9lie,K\xf6ln\n");
        let (_, rows, encoding, _) = read_all(&file[..]);
        assert_eq!(rows.len(), 5001);
        assert_eq!(
            rows[5000],
            (5002, Ok(vec!["Zélie".to_string(), "Köln".into()]))
        );
        assert_eq!(encoding, "windows-1252");
    }

    #[test]
    fn a_utf16_file_that_breaks_off_stops_with_why_after_its_good_rows() {
        let mut file: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(
                "name\n"
                    .repeat(40_000)
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes),
            )
            .collect();
        file.push(b'x');
        let (_, rows, encoding, _) = read_all(&file[..]);
        assert_eq!(encoding, "UTF-16LE");
        let (line, last) = rows.last().unwrap();
        assert!(
            last.as_ref().unwrap_err().contains("says it is UTF-16LE"),
            "{last:?}"
        );
        assert!(*line > 39_000, "{line}");
    }

    #[test]
    fn a_utf16_file_broken_midway_keeps_the_rows_before_the_break() {
        // An unpaired surrogate (0xD800) after two rows, all in the first buffer.
        let mut file: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("name\nAnn\nBob\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        file.extend_from_slice(&[0x00, 0xD8, b'C', 0, b'\n', 0]);
        let (_, rows, _, _) = read_all(&file[..]);
        assert_eq!(
            rows[..2],
            [
                (2, Ok(vec!["Ann".to_string()])),
                (3, Ok(vec!["Bob".to_string()]))
            ]
        );
        assert_eq!(rows.len(), 3, "{rows:?}");
        assert_eq!(rows[2].0, 4);
        assert!(rows[2]
            .1
            .as_ref()
            .unwrap_err()
            .contains("the rest of the file was not read"));
    }

    #[test]
    fn a_workbook_or_a_binary_header_is_refused() {
        let err = CsvReader::new(&b"PK\x03\x04..."[..]).err().unwrap();
        assert!(err.to_string().contains("workbook"), "{err}");
        let err = CsvReader::new(&b"na\0me\nx\n"[..]).err().unwrap();
        assert!(err.to_string().contains("binary"), "{err}");
        // A NUL in a row is the row's own business: the caller's checks name its field.
        let (_, rows, _, _) = read_all(&b"name\nA\0n\n"[..]);
        assert_eq!(rows, [(2, Ok(vec!["A\0n".to_string()]))]);
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
        fn a_file_read_a_byte_at_a_time_reads_as_it_does_a_buffer_at_a_time(
            bytes in proptest::collection::vec(
                prop_oneof![Just(b'\r'), Just(b'\n'), Just(b'"'), Just(b','), Just(b';'), Just(0xE9u8), Just(0xC3u8), Just(0xA9u8), any::<u8>()],
                0..300,
            ),
            bom in prop_oneof![Just(&b""[..]), Just(&b"\xEF\xBB\xBF"[..]), Just(&b"\xFF\xFE"[..])],
            head in 4usize..40,
        ) {
            let file = [bom, &bytes].concat();
            // The same first bytes decide, and the rest arrives a buffer or a byte at a time.
            let buffered = CsvReader::deciding_on(&file[..], head).map(read_from);
            let trickled = CsvReader::deciding_on(Trickle(&file), head).map(read_from);
            match (buffered, trickled) {
                // How far the file was read when a broken encoding stopped it depends on the
                // buffers; what was read from it does not.
                (Ok(buffered), Ok(trickled)) => prop_assert_eq!(
                    (buffered.0, buffered.1, buffered.2),
                    (trickled.0, trickled.1, trickled.2)
                ),
                (Err(_), Err(_)) => {}
                (buffered, trickled) => prop_assert!(false, "{:?} / {:?}", buffered.map(|b| b.1), trickled.map(|t| t.1)),
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
