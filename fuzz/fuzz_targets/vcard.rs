//! Any UTF-8 text as a .vcf file: the parser must never panic, and every card it returns must
//! start on a line that exists and carry a name, an email or a company.
#![no_main]

use abcrm_core::intake::vcard::parse_vcards;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let (people, errors) = parse_vcards(input);
    let lines = input.split(['\n', '\r']).count().max(1);
    for person in &people {
        assert!((1..=lines).contains(&person.line));
        let r = &person.record;
        assert!(
            r.first_name.is_some()
                || r.last_name.is_some()
                || r.email.is_some()
                || r.company.is_some()
        );
    }
    for error in &errors {
        assert!((1..=lines).contains(&error.line));
    }
});
