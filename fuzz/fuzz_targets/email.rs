//! Email::parse on any text: a typed error or an address, never a panic; an accepted address
//! parses again to itself.
#![no_main]

use abcrm_core::normalize::Email;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(email) = Email::parse(input) {
        let _ = (email.local(), email.domain(), email.without_plus_tag());
        let again = Email::parse(email.as_str());
        assert_eq!(
            again.as_ref().map(Email::as_str),
            Ok(email.as_str()),
            "not idempotent: {input:?}"
        );
    }
});
