//! A search box's text read into words, and ranked against any record's texts: never a panic,
//! scores between 0 and 1, each kind within its limit.
#![no_main]

use abcrm_core::search::{rank, Candidate, SearchKind, SearchQuery};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    // The first line is what was typed; the rest are records' texts, three to a record.
    let mut lines = input.lines();
    let Some(typed) = lines.next() else { return };
    let Ok(query) = SearchQuery::parse(typed) else {
        return;
    };
    let _ = query.halves();
    let texts: Vec<&str> = lines.collect();
    let candidates: Vec<Candidate> = texts
        .chunks(3)
        .enumerate()
        .map(|(i, t)| Candidate {
            kind: SearchKind::ALL[i % 3],
            id: i as i64,
            name: t.first().copied().unwrap_or("").to_string(),
            detail: t.get(1).copied().unwrap_or("").to_string(),
            company: t.get(2).copied().unwrap_or("").to_string(),
        })
        .collect();
    let hits = rank(&query, candidates, 5);
    for kind in SearchKind::ALL {
        assert!(hits.iter().filter(|h| h.kind == kind).count() <= 5);
    }
    assert!(hits.iter().all(|h| (0.0..=1.0).contains(&h.score)));
});
