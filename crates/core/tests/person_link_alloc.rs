//! `compare` runs on millions of candidate pairs: it must not touch the heap. A counting
//! allocator (per thread, so other tests do not interfere) proves it.

use abcrm_core::matching::{compare, PersonFeatures, PersonRecord};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn record(first: &str, last: &str, email: &str, title: &str, phone: &str) -> PersonRecord {
    let some = |s: &str| Some(s.to_string());
    PersonRecord {
        first_name: some(first),
        last_name: some(last),
        email: some(email),
        title: some(title),
        phone: some(phone),
        city: some("Zürich"),
        country: some("Switzerland"),
        ..PersonRecord::default()
    }
}

#[test]
fn compare_does_not_allocate() {
    let people = [
        record(
            "Tessa",
            "Vance",
            "tessa.vance@orbitly.com",
            "Sr. Sales Mgr",
            "+41 79 123 45 67",
        ),
        record(
            "Tess",
            "Vancce",
            "tvance@orbitly.com",
            "VP Sales",
            "079 123 45 67",
        ),
        record(
            "Vance",
            "Tessa",
            "tessav81@gmail.com",
            "Head of Sales",
            "+41 44 668 18 00",
        ),
        record("Søren", "Müller-Lüdenscheid", "info@acme.ch", "CFO", "n/a"),
        record(
            "王",
            "伟",
            "wei.wang@acme.ch",
            "工程师",
            "+86 138 0013 8000",
        ),
    ];
    let features: Vec<PersonFeatures> = people.iter().map(PersonFeatures::new).collect();
    // A number is classified (mobile or not, assigned or not) once, the first time a
    // comparison asks; that is the metadata's work, done once per number, not per pair.
    for f in &features {
        let _ = f.phone().map(|p| p.kind());
    }
    let before = ALLOCATIONS.with(Cell::get);
    assert!(before > 0, "the counter sees this thread's allocations");
    let mut total = 0.0;
    for a in &features {
        for b in &features {
            total += compare(a, b).weight;
        }
    }
    let after = ALLOCATIONS.with(Cell::get);
    assert!(total.is_finite());
    assert_eq!(after - before, 0, "compare allocated");
}
