//! normalize_domain and registrable_domain on any text: never a panic, and a normalized domain
//! normalizes to itself (the property the module's own proptest states).
#![no_main]

use abcrm_core::normalize::{normalize_domain, registrable_domain};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let _ = registrable_domain(input);
    if let Ok(host) = normalize_domain(input) {
        assert_eq!(
            normalize_domain(&host).as_ref(),
            Ok(&host),
            "not idempotent: {input:?}"
        );
        let _ = registrable_domain(&host);
    }
});
