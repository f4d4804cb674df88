//! Whole intake planning over arbitrary records against a small index: never panics, keeps one
//! intake record per raw record, and every planned contact passes validation.
#![no_main]

use abcrm_core::intake::{IntakeItem, Planner};
use abcrm_core::matching::{AccountEntry, MatchConfig, MatchIndex, PersonRecord};
use abcrm_core::AccountId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut index = MatchIndex::new();
    index.insert_account(AccountEntry {
        id: AccountId(1),
        name: "Acme Corporation".into(),
        domains: vec!["acme.com".into()],
        duns: Some("123456789".into()),
        country: Some("US".into()),
        state: Some("CA".into()),
        city: None,
        parent_id: None,
    });
    let records: Vec<IntakeItem> = text
        .split('\n')
        .enumerate()
        .map(|(i, line)| {
            let mut f = line.split('|').map(|v| Some(v.to_string()));
            let mut next = || f.next().flatten();
            IntakeItem {
                hints: Default::default(),
                source_key: i.to_string(),
                record: PersonRecord {
                    first_name: next(),
                    last_name: next(),
                    email: next(),
                    company: next(),
                    title: next(),
                    website: next(),
                    duns: next(),
                    state: next(),
                    ..PersonRecord::default()
                },
            }
        })
        .collect();
    let n = records.len();
    let mut planner = Planner::new(&mut index, MatchConfig::default(), "fuzz");
    for r in records {
        planner.add(r);
    }
    let plan = planner.finish();
    assert_eq!(plan.records.len(), n);
    for c in &plan.contacts {
        assert!(c.contact.clone().validate().is_ok());
    }
});
