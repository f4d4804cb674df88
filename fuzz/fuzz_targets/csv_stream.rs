//! Files read as a stream (`abcrm import`, `enrich`, `migrate`): reading never panics, holds any
//! bytes (NULs and broken encodings included), and reads the same however the bytes arrive. The
//! first byte sets how many bytes decide the encoding and separator (and are read at a time
//! after), the second how many bytes each read of the file hands over.
#![no_main]

use abcrm_core::csv_file::CsvReader;
use libfuzzer_sys::fuzz_target;
use std::io::Read;

/// A reader handing over at most `step` bytes per read.
struct Pieces<'a> {
    rest: &'a [u8],
    step: usize,
}

impl Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.rest.len());
        buf[..n].copy_from_slice(&self.rest[..n]);
        self.rest = &self.rest[n..];
        Ok(n)
    }
}

/// The header, and each row or fault with its line.
type Rows = (Vec<String>, Vec<(u64, Result<Vec<String>, String>)>);

fn read_all(input: impl Read, head: usize) -> Option<Rows> {
    let mut reader = CsvReader::deciding_on(input, head).ok()?;
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
    Some((reader.headers().iter().map(str::to_string).collect(), out))
}

fuzz_target!(|data: &[u8]| {
    let [head, step, file @ ..] = data else {
        return;
    };
    let head = usize::from(*head).max(4);
    let whole = read_all(file, head);
    let pieces = read_all(
        Pieces {
            rest: file,
            step: usize::from(*step).max(1),
        },
        head,
    );
    assert_eq!(whole, pieces, "the same file read in pieces of {step}");
    if let Some((headers, rows)) = whole {
        let mut last = 0;
        for (line, row) in rows {
            assert!(line >= last, "lines go forward: {line} after {last}");
            last = line;
            if let Ok(fields) = row {
                assert_eq!(fields.len(), headers.len());
            }
        }
    }
});
