//! CSV files people upload: reading never panics, and what it reads is consistent (every row as
//! wide as the header, lines after the header's, in order).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = abcrm_core::csv_file::parse_csv(data) {
        assert!(!p.rows.is_empty());
        let mut last = 1;
        for (line, row) in &p.rows {
            assert_eq!(row.len(), p.headers.len());
            assert!(*line > last, "lines go forward: {line} after {last}");
            last = *line;
        }
    }
});
