//! The text of a file from outside, as the CSV reader needs it: UTF-8 whatever the file was
//! written in, with one kind of line end, counting where its lines are. A stream, so a file of
//! any size is read a buffer at a time.

use std::collections::VecDeque;
use std::io::{Cursor, Read};

/// How much of a file is read before deciding its encoding and separator, and at a time after.
pub const HEAD: usize = 64 * 1024;

/// A file's first bytes, read before anything else, and what they say.
pub struct Head {
    pub bytes: Vec<u8>,
    /// Whether the file ended within them.
    pub whole: bool,
    /// How many bytes were asked for: the reader reads as many at a time after them.
    pub size: usize,
    pub encoding: &'static encoding_rs::Encoding,
    /// The length of the byte order mark at the start, if any.
    pub bom: usize,
}

impl Head {
    /// Reads up to `size` bytes of `input`.
    pub fn read(input: &mut impl Read, size: usize) -> std::io::Result<Head> {
        let mut bytes = Vec::with_capacity(size);
        input.take(size as u64).read_to_end(&mut bytes)?;
        let (encoding, bom) = sniff_encoding(&bytes);
        Ok(Head {
            whole: bytes.len() < size,
            size,
            bytes,
            encoding,
            bom,
        })
    }

    /// The head as text, for sniffing the separator (a character cut at its end is replaced).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        self.encoding
            .decode_without_bom_handling(&self.bytes[self.bom..])
            .0
    }
}

/// The encoding the first bytes of a file (`head`) say it is in, and the length of its byte
/// order mark: UTF-8 or UTF-16 by their mark; UTF-8 when the bytes read as UTF-8 (a character
/// cut at the end of `head` counts); else Windows-1252, which Excel's plain "CSV" writes.
pub fn sniff_encoding(head: &[u8]) -> (&'static encoding_rs::Encoding, usize) {
    if let Some(found) = encoding_rs::Encoding::for_bom(head) {
        return found;
    }
    match std::str::from_utf8(head) {
        Err(e) if e.error_len().is_some() => (encoding_rs::WINDOWS_1252, 0),
        _ => (encoding_rs::UTF_8, 0),
    }
}

/// A file's text: decoded to UTF-8 (UTF-8 passes through untouched, a byte order mark dropped),
/// every CRLF and lone CR (old Mac exports) turned into LF so that lines count as a person
/// counts them, and the place of every line end kept until [`OutsideText::line_at`] asks.
pub struct OutsideText<R> {
    input: std::io::Chain<Cursor<Vec<u8>>, R>,
    /// None when the file is UTF-8 already.
    decoder: Option<encoding_rs::Decoder>,
    encoding: &'static encoding_rs::Encoding,
    /// Why the text stops short: bytes the encoding cannot hold, found after the text before
    /// them was decoded (it is handed over first, so a file reads alike in any buffer size).
    broken: Option<String>,
    raw: Vec<u8>,
    decoded: Vec<u8>,
    at: usize,
    ended: bool,
    /// The last byte handed over was a CR turned into LF: an LF right after it is dropped.
    after_cr: bool,
    /// Bytes of the file read, and of text handed over.
    consumed: u64,
    produced: u64,
    /// Where the line ends handed over but not yet counted are, in the text.
    line_ends: VecDeque<u64>,
    lines_counted: u64,
}

impl<R: Read> OutsideText<R> {
    /// The text of `input`, whose first bytes `head` has already taken.
    pub fn new(head: Head, input: R) -> Self {
        let decoder = (head.encoding != encoding_rs::UTF_8)
            .then(|| head.encoding.new_decoder_without_bom_handling());
        let mut first = Cursor::new(head.bytes);
        first.set_position(head.bom as u64);
        OutsideText {
            input: first.chain(input),
            decoder,
            encoding: head.encoding,
            broken: None,
            raw: vec![0; head.size],
            decoded: Vec::new(),
            at: 0,
            ended: false,
            after_cr: false,
            consumed: head.bom as u64,
            produced: 0,
            line_ends: VecDeque::new(),
            lines_counted: 0,
        }
    }

    /// Bytes of the file read so far (for progress: a little ahead of the rows handed over).
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// The line the text at `byte` is on (1-based), where a line starting at `byte` counts as
    /// the first line that is not empty from there: a CSV reader places a record after blank
    /// lines where the blank lines begin. Asked in order: the line ends before `byte` are
    /// forgotten.
    pub fn line_at(&mut self, byte: u64) -> u64 {
        while self.line_ends.front().is_some_and(|&end| end < byte) {
            self.line_ends.pop_front();
            self.lines_counted += 1;
        }
        let mut byte = byte;
        while self.line_ends.front() == Some(&byte) {
            self.line_ends.pop_front();
            self.lines_counted += 1;
            byte += 1;
        }
        self.lines_counted + 1
    }

    /// The line of the text at `byte`, without forgetting anything.
    pub fn line_of(&self, byte: u64) -> u64 {
        self.lines_counted + self.line_ends.iter().take_while(|&&end| end < byte).count() as u64 + 1
    }

    /// Decodes the next buffer of the file into `decoded`; false at its end.
    fn fill(&mut self) -> std::io::Result<bool> {
        if let Some(why) = self.broken.take() {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, why));
        }
        if self.ended {
            return Ok(false);
        }
        let n = self.input.read(&mut self.raw)?;
        self.consumed += n as u64;
        let last = n == 0;
        self.at = 0;
        match self.decoder.as_mut() {
            None => {
                self.decoded.clear();
                self.decoded.extend_from_slice(&self.raw[..n]);
            }
            Some(decoder) => {
                let room = decoder
                    .max_utf8_buffer_length_without_replacement(n)
                    .unwrap_or(n.saturating_mul(3).saturating_add(16));
                self.decoded.resize(room, 0);
                let (result, _, written) = decoder.decode_to_utf8_without_replacement(
                    &self.raw[..n],
                    &mut self.decoded,
                    last,
                );
                self.decoded.truncate(written);
                if let encoding_rs::DecoderResult::Malformed(..) = result {
                    self.broken = Some(format!(
                        "the file says it is {} but is not; save it as \"CSV UTF-8\" and use that",
                        self.encoding.name()
                    ));
                    self.ended = true;
                    return Ok(true);
                }
            }
        }
        self.ended = last;
        Ok(!last || !self.decoded.is_empty())
    }
}

impl<R: Read> Read for OutsideText<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        // A buffer may hold nothing to hand over (only the LF of a CRLF): read on.
        loop {
            while self.at == self.decoded.len() {
                if !self.fill()? {
                    return Ok(0);
                }
            }
            let mut written = 0;
            while written < out.len() && self.at < self.decoded.len() {
                let byte = self.decoded[self.at];
                self.at += 1;
                let after_cr = std::mem::replace(&mut self.after_cr, byte == b'\r');
                let byte = match byte {
                    b'\n' if after_cr => continue,
                    b'\r' => b'\n',
                    other => other,
                };
                if byte == b'\n' {
                    self.line_ends.push_back(self.produced);
                }
                out[written] = byte;
                written += 1;
                self.produced += 1;
            }
            if written > 0 {
                return Ok(written);
            }
        }
    }
}
