//! The normalizers every outside string goes through: emails, domains, company names, person
//! names, titles and CSV headers. None may panic, and normalizing twice changes nothing.
#![no_main]

use abcrm_core::intake::columns::{person_column, split_full_name};
use abcrm_core::normalize::company::{company_key, company_tokens};
use abcrm_core::normalize::person::person_key;
use abcrm_core::normalize::title::parse_title;
use abcrm_core::normalize::{normalize_domain, registrable_domain, Email};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(e) = Email::parse(s) {
        let again = Email::parse(e.as_str()).expect("a normalized email parses");
        assert_eq!(again, e);
        let _ = e.without_plus_tag();
    }
    if let Ok(d) = normalize_domain(s) {
        assert_eq!(normalize_domain(&d).as_deref(), Ok(d.as_str()));
        let _ = registrable_domain(&d);
    }
    let key = company_key(s);
    assert_eq!(company_key(&key), key, "company_key is idempotent");
    let _ = company_tokens(&key).len();
    let _ = parse_title(s);
    let (first, last) = split_full_name(s);
    let _ = person_key(first.as_deref(), last.as_deref());
    let _ = person_column(s);
});
