//! vCard files from outside: parsing never panics, and every card it returns has an identity.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (people, errors) = abcrm_core::intake::vcard::parse_vcards(&text);
    for p in &people {
        let r = &p.record;
        assert!(
            r.first_name.is_some()
                || r.last_name.is_some()
                || r.email.is_some()
                || r.company.is_some()
        );
        assert!(p.line >= 1);
    }
    for e in &errors {
        assert!(e.line >= 1);
    }
});
