//! Segment filters typed by people: parsing and checking never panic, and an error's position is
//! inside the text.
#![no_main]

use abcrm_core::filter::{check, parse, Target};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    match parse(s) {
        Ok(e) => {
            for t in [Target::Contacts, Target::Accounts] {
                if let Err(err) = check(&e, t) {
                    assert!(err.position <= s.len());
                    let _ = err.line_column(s);
                }
            }
        }
        Err(err) => {
            assert!(err.position <= s.len());
            let _ = err.line_column(s);
        }
    }
});
