//! Salesforce and HubSpot export rows: every reader takes any header and any row and answers a
//! record or an error naming a column, never a panic. The first byte picks the reader; the rest
//! is lines of comma-separated fields, the first of them the header (CSV quoting itself is the
//! `csv` crate's, fuzzed upstream).
#![no_main]

use abcrm_core::migration::columns::{Column, FieldError, Layout};
use abcrm_core::migration::{hubspot, salesforce, sfid, values};
use libfuzzer_sys::fuzz_target;

type Read = fn(&abcrm_core::migration::columns::Row<'_, Vec<&str>>) -> Result<(), FieldError>;

fn readers() -> [(&'static [Column], Read); 13] {
    [
        (salesforce::USER, |r| salesforce::user(r).map(drop)),
        (salesforce::ACCOUNT, |r| salesforce::account(r).map(drop)),
        (salesforce::CONTACT, |r| salesforce::contact(r).map(drop)),
        (salesforce::LEAD, |r| salesforce::lead(r).map(drop)),
        (salesforce::OPPORTUNITY, |r| {
            salesforce::opportunity(r).map(drop)
        }),
        (salesforce::CONTACT_ROLE, |r| {
            salesforce::contact_role(r).map(drop)
        }),
        (salesforce::CAMPAIGN, |r| salesforce::campaign(r).map(drop)),
        (salesforce::CAMPAIGN_MEMBER, |r| {
            salesforce::campaign_member(r).map(drop)
        }),
        (salesforce::TASK, |r| {
            salesforce::activity(r, false).map(drop)
        }),
        (salesforce::TASK, |r| {
            salesforce::activity(r, true).map(drop)
        }),
        (hubspot::COMPANY, |r| hubspot::company(r).map(drop)),
        (hubspot::CONTACT, |r| hubspot::contact(r).map(drop)),
        (hubspot::DEAL, |r| hubspot::deal(r).map(drop)),
    ]
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let mut lines = text.lines();
    let Some(header) = lines.next() else { return };
    let readers = readers();
    let (known, read) = readers[usize::from(pick) % readers.len()];
    let Ok(layout) = Layout::new(header.split(','), known, &[]) else {
        return;
    };
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        if let Err(e) = read(&layout.row(&fields)) {
            assert!(!e.column.is_empty(), "an error names its column: {e}");
        }
        for f in &fields {
            let _ = values::boolean(f);
            let _ = values::timestamp(f);
            let _ = values::date(f);
            let _ = values::number(f);
            let _ = values::count(f);
            let _ = sfid::to_18(f);
            let _ = sfid::reference(f);
            let _ = hubspot::ids(f);
            let _ = hubspot::owner(f);
        }
    }
});
