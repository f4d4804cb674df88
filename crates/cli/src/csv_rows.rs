//! Reading CSV files of outside origin row by row: a malformed row is reported with its line
//! number and skipped; it never stops the file.

use serde::de::DeserializeOwned;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// A row that could not be read, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// 1-based line number in the file (the header is line 1).
    pub line: u64,
    pub reason: String,
}

/// The good rows of a file, with their line numbers, and the rejected ones.
#[derive(Debug)]
pub struct Rows<T> {
    pub rows: Vec<(u64, T)>,
    pub rejected: Vec<RejectedRow>,
}

/// Opens `path` and reads every row as a `T`. Fails only when the file cannot be opened or its
/// header lacks one of `required` columns; bad rows are collected in `rejected`.
pub fn read<T: DeserializeOwned>(path: &Path, required: &[&str]) -> anyhow::Result<Rows<T>> {
    let file =
        File::open(path).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    read_from(BufReader::new(file), &path.display().to_string(), required)
}

/// Like [`read`], from any reader; `name` is used in messages.
pub fn read_from<T: DeserializeOwned>(
    input: impl Read,
    name: &str,
    required: &[&str],
) -> anyhow::Result<Rows<T>> {
    let mut reader = reader(input);
    let headers = reader
        .headers()
        .map_err(|e| anyhow::anyhow!("{name}: cannot read the header line: {e}"))?
        .clone();
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|r| !headers.iter().any(|h| h.eq_ignore_ascii_case(r)))
        .collect();
    if !missing.is_empty() {
        anyhow::bail!(
            "{name}: the header lacks the column(s) {}; found: {}",
            missing.join(", "),
            abcrm_core::intake::csv_file::shown_header(&headers)
        );
    }
    let lowered = csv::StringRecord::from(
        headers
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect::<Vec<_>>(),
    );
    let mut rows = Vec::new();
    let mut rejected = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map(|p| p.line()).unwrap_or(line);
                if record.iter().all(str::is_empty) {
                    continue;
                }
                if record.len() != headers.len() {
                    rejected.push(RejectedRow {
                        line,
                        reason: format!(
                            "has {} fields; the header has {}",
                            record.len(),
                            headers.len()
                        ),
                    });
                    continue;
                }
                match record.deserialize::<T>(Some(&lowered)) {
                    Ok(row) => rows.push((line, row)),
                    Err(e) => rejected.push(RejectedRow {
                        line,
                        reason: e.to_string(),
                    }),
                }
            }
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(line);
                rejected.push(RejectedRow {
                    line,
                    reason: e.to_string(),
                });
                if !matches!(
                    e.kind(),
                    csv::ErrorKind::Utf8 { .. } | csv::ErrorKind::UnequalLengths { .. }
                ) {
                    break;
                }
            }
        }
    }
    Ok(Rows { rows, rejected })
}

/// A file's text as UTF-8, whatever it was written in: UTF-8, UTF-16 with its byte order mark
/// (Excel's "Unicode text"), or Windows-1252 (Excel's plain "CSV"), decided on its first 64 KiB
/// as the web import decides on the whole file (`abcrm_core::intake::csv_file::sniff_encoding`).
/// Streams: a file of any size is decoded a buffer at a time.
pub fn decoded<R: Read>(input: R) -> std::io::Result<Utf8Text<R>> {
    let mut input = BufReader::with_capacity(64 * 1024, input);
    let (encoding, bom) = abcrm_core::intake::csv_file::sniff_encoding(input.fill_buf()?);
    let decoder = (encoding != encoding_rs::UTF_8 || bom > 0)
        .then(|| encoding.new_decoder_with_bom_removal());
    Ok(Utf8Text {
        input,
        decoder,
        out: Vec::new(),
        at: 0,
        ended: false,
    })
}

/// The reader [`decoded`] returns.
pub struct Utf8Text<R> {
    input: BufReader<R>,
    /// None when the file is UTF-8 already and passes through untouched.
    decoder: Option<encoding_rs::Decoder>,
    out: Vec<u8>,
    at: usize,
    ended: bool,
}

impl<R: Read> Read for Utf8Text<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let Some(decoder) = self.decoder.as_mut() else {
            return self.input.read(buf);
        };
        while self.at == self.out.len() {
            if self.ended {
                return Ok(0);
            }
            let src = self.input.fill_buf()?;
            let last = src.is_empty();
            let room = decoder
                .max_utf8_buffer_length(src.len())
                .unwrap_or(src.len().saturating_mul(3).saturating_add(16));
            self.out.resize(room, 0);
            let (_, read, written, _) = decoder.decode_to_utf8(src, &mut self.out, last);
            self.input.consume(read);
            self.out.truncate(written);
            self.at = 0;
            self.ended = last;
        }
        let n = buf.len().min(self.out.len() - self.at);
        buf[..n].copy_from_slice(&self.out[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// A CSV reader for files of outside origin: a byte order mark skipped, CRLF read as LF,
/// fields trimmed, rows of any length returned (the caller says what a short row means).
pub fn reader<R: Read>(input: R) -> csv::Reader<impl Read> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(CrlfToLf::new(strip_bom(input)))
}

/// Skips a UTF-8 byte order mark, as Excel writes one.
fn strip_bom(input: impl Read) -> impl Read {
    let mut input = BufReader::new(input);
    let mut first = [0u8; 3];
    let mut head = Vec::new();
    if let Ok(n) = read_up_to(&mut input, &mut first) {
        if !(n == 3 && first == [0xEF, 0xBB, 0xBF]) {
            head.extend_from_slice(&first[..n]);
        }
    }
    std::io::Cursor::new(head).chain(input)
}

/// Turns CRLF line ends (Excel's) into LF, so the csv reader counts lines as a person does.
struct CrlfToLf<R> {
    inner: R,
    pending_cr: bool,
}

impl<R: Read> CrlfToLf<R> {
    fn new(inner: R) -> Self {
        CrlfToLf {
            inner,
            pending_cr: false,
        }
    }
}

impl<R: Read> Read for CrlfToLf<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if out.len() < 2 {
            return self.inner.read(out);
        }
        let mut buf = vec![0u8; out.len() - 1];
        loop {
            let n = self.inner.read(&mut buf)?;
            if n == 0 {
                if self.pending_cr {
                    self.pending_cr = false;
                    out[0] = b'\r';
                    return Ok(1);
                }
                return Ok(0);
            }
            let mut w = 0;
            for &b in &buf[..n] {
                if self.pending_cr && b != b'\n' {
                    out[w] = b'\r';
                    w += 1;
                }
                self.pending_cr = b == b'\r';
                if !self.pending_cr {
                    out[w] = b;
                    w += 1;
                }
            }
            if w > 0 {
                return Ok(w);
            }
        }
    }
}

fn read_up_to(input: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match input.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Row {
        id: String,
        name: String,
    }

    #[test]
    fn bad_rows_are_reported_by_line_and_the_rest_is_read() {
        let input = "\u{feff}ID,Name\r\n1,Acme\r\n2\r\n\"3\",\"Globex, Inc\"\r\n";
        let rows: Rows<Row> = read_from(input.as_bytes(), "t.csv", &["id", "name"]).unwrap();
        assert_eq!(
            rows.rows
                .iter()
                .map(|(l, r)| (*l, r.name.as_str()))
                .collect::<Vec<_>>(),
            vec![(2, "Acme"), (4, "Globex, Inc")]
        );
        assert_eq!(rows.rejected.len(), 1);
        assert_eq!(rows.rejected[0].line, 3);
    }

    #[test]
    fn a_missing_required_column_is_named() {
        let err =
            read_from::<Row>("id,title\n1,x\n".as_bytes(), "t.csv", &["id", "name"]).unwrap_err();
        assert!(
            err.to_string().contains("lacks the column(s) name"),
            "{err}"
        );
    }
}
