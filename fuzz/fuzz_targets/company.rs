//! company_key and company_tokens on any text, never a panic.
#![no_main]

use abcrm_core::normalize::company::{company_key, company_tokens, is_placeholder};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let key = company_key(input);
    let _ = is_placeholder(&key);
    let _ = company_tokens(&key);
});
