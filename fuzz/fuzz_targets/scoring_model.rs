//! parse_model on any text: a model or an error with a line inside the text, never a panic;
//! a model that parses scores a small generated organisation without panicking.
#![no_main]

use abcrm_core::scoring::{parse_model, synth, Recompute, Scorer};
use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    match parse_model(input) {
        Ok(model) => {
            let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
            let campaigns = [(synth::CAMPAIGN.0, synth::CAMPAIGN.1.to_string())];
            let scorer = Scorer::new(&model, &campaigns, now);
            let mut all = Recompute::new(&scorer);
            synth::accounts(1, 20, now).for_each(|a| all.add_account(&a));
            synth::contacts(1, 60, 20, now).for_each(|c| all.add_contact(&c));
            // Generated activities name contacts only; the account argument is the fallback.
            synth::activities(1, 200, 60, now)
                .for_each(|a| all.add_activity(abcrm_core::AccountId(1), &a));
            let _ = all.finish();
        }
        Err(e) => assert!(e.line >= 1 && e.line <= input.lines().count().max(1) + 1),
    }
});
