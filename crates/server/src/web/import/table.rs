//! The rows of an upload, packed into one buffer: each row is its line (as the distance from the
//! line before) and its fields, each a length and its bytes, all as LEB128 varints.
//!
//! A `Vec<String>` per row costs 24 bytes and an allocation per cell, so 5 MB of one-letter
//! cells took 220 MB; packed, a row never takes more than its text in the file plus a byte per
//! field and a few for its line. The import reads rows in order only (samples, the preview's
//! first rows, the run), which is what a packed buffer is good at.

/// Rows of `width` fields, in file order.
#[derive(Debug)]
pub struct Table {
    width: usize,
    rows: usize,
    last_line: u64,
    bytes: Vec<u8>,
}

impl Table {
    /// An empty table of rows of `width` fields.
    pub fn new(width: usize) -> Table {
        Table {
            width,
            rows: 0,
            last_line: 0,
            bytes: Vec::new(),
        }
    }

    /// Adds a row read at `line` (lines only grow); its fields beyond the width are dropped and
    /// missing ones are empty.
    pub fn push<'a>(&mut self, line: u64, fields: impl IntoIterator<Item = &'a str>) {
        put_varint(&mut self.bytes, line.saturating_sub(self.last_line));
        self.last_line = line.max(self.last_line);
        let mut fields = fields.into_iter();
        for _ in 0..self.width {
            let field = fields.next().unwrap_or("");
            put_varint(&mut self.bytes, field.len() as u64);
            self.bytes.extend_from_slice(field.as_bytes());
        }
        self.rows += 1;
    }

    /// Gives back the room the buffer grew into and will not use.
    pub fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// The memory the rows take.
    pub fn stored_bytes(&self) -> usize {
        self.bytes.capacity() + std::mem::size_of::<Table>()
    }

    /// The rows in order: each line and its fields.
    pub fn rows(&self) -> Rows<'_> {
        Rows {
            table: self,
            at: 0,
            line: 0,
        }
    }
}

/// The rows of a [`Table`], in order.
pub struct Rows<'a> {
    table: &'a Table,
    at: usize,
    line: u64,
}

impl<'a> Iterator for Rows<'a> {
    type Item = (u64, Vec<&'a str>);

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = &self.table.bytes;
        if self.at >= bytes.len() {
            return None;
        }
        self.line += take_varint(bytes, &mut self.at);
        let mut fields = Vec::with_capacity(self.table.width);
        for _ in 0..self.table.width {
            let len = take_varint(bytes, &mut self.at) as usize;
            let text = &bytes[self.at..self.at + len];
            self.at += len;
            // Every field was pushed as a whole `&str`.
            fields.push(std::str::from_utf8(text).expect("fields are stored as UTF-8"));
        }
        Some((self.line, fields))
    }
}

fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn take_varint(bytes: &[u8], at: &mut usize) -> u64 {
    let mut n = 0u64;
    let mut shift = 0;
    loop {
        let b = bytes[*at];
        *at += 1;
        n |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return n;
        }
        shift += 7;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use abcrm_core::csv_file::{parse_csv, read_csv};

    fn read(file: &[u8]) -> Table {
        let mut table = None::<Table>;
        let shape = read_csv(file, |line, record| {
            table
                .get_or_insert_with(|| Table::new(record.len()))
                .push(line, record.iter());
        })
        .unwrap();
        let mut table = table.unwrap_or_else(|| Table::new(shape.headers.len()));
        table.shrink_to_fit();
        table
    }

    #[test]
    fn rows_read_back_as_they_were_parsed() {
        let file = "name,email,note\nAda,ada@example.com,\n\n\"Lovelace, A\",x@y.z,é ü\n\
                    Bob\nC,c@d.e,\"two\nlines\"\n"
            .repeat(300);
        let parsed = parse_csv(file.as_bytes()).unwrap();
        let table = read(file.as_bytes());
        assert_eq!(table.len(), parsed.rows.len());
        let back: Vec<(u64, Vec<String>)> = table
            .rows()
            .map(|(line, fields)| (line, fields.into_iter().map(String::from).collect()))
            .collect();
        assert_eq!(back, parsed.rows);
    }

    #[test]
    fn five_megabytes_of_tiny_cells_are_kept_in_less_than_twice_their_size() {
        let row = format!("{}a\n", "a,".repeat(49));
        let file = row.repeat(5 * 1024 * 1024 / row.len());
        let table = read(file.as_bytes());
        assert!(table.len() > 50_000);
        assert!(
            table.stored_bytes() <= 2 * file.len(),
            "{} bytes kept for a file of {}",
            table.stored_bytes(),
            file.len()
        );
    }

    #[test]
    fn far_apart_lines_and_long_fields_survive_the_varints() {
        let mut t = Table::new(2);
        let long = "x".repeat(70_000);
        t.push(2, ["a", long.as_str()]);
        t.push(1_000_000, ["", "b"]);
        t.push(1_000_001, ["c"]);
        let rows: Vec<_> = t.rows().collect();
        assert_eq!(rows[0], (2, vec!["a", long.as_str()]));
        assert_eq!(rows[1], (1_000_000, vec!["", "b"]));
        assert_eq!(rows[2], (1_000_001, vec!["c", ""]));
    }
}
