//! parse_title on any text, never a panic.
#![no_main]

use abcrm_core::normalize::title::parse_title;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_title(input);
});
