//! Person linkage speed: `compare` on one pair of prepared records, for pairs of different
//! people and for pairs of one person's duplicates, the cost of preparing a record, and of
//! telling a batch's duplicates apart with the features prepared (blocks are bounded, so it
//! grows with the batch, not its square).
//! `cargo bench -p abcrm-core --bench person_link`.

use abcrm_core::matching::{compare, synth, BatchDedupe, PersonFeatures, Placed};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::collections::HashMap;
use std::hint::black_box;

fn person_link(c: &mut Criterion) {
    let data = synth::generate(7, 2_000, 4_000);
    let features: Vec<PersonFeatures> = data
        .people
        .iter()
        .map(|p| PersonFeatures::new(&p.record))
        .collect();
    let position: HashMap<&str, usize> = data
        .people
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    let duplicates: Vec<(usize, usize)> = data
        .people
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((position[p.duplicate_of.as_deref()?], i)))
        .collect();
    let strangers: Vec<(usize, usize)> = (0..features.len())
        .map(|i| (i, (i * 7919 + 13) % features.len()))
        .collect();

    let mut g = c.benchmark_group("person_link");
    for (name, pairs) in [
        ("compare_strangers", &strangers),
        ("compare_duplicates", &duplicates),
    ] {
        g.throughput(Throughput::Elements(pairs.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                for &(x, y) in pairs.iter() {
                    black_box(compare(&features[x], &features[y]));
                }
            })
        });
    }
    g.throughput(Throughput::Elements(data.people.len() as u64));
    g.bench_function("features", |b| {
        b.iter(|| {
            for p in &data.people {
                black_box(PersonFeatures::new(&p.record));
            }
        })
    });
    g.finish();
}

fn dedupe(c: &mut Criterion) {
    let data = synth::generate(5, 6_000, 60_000);
    let features: Vec<PersonFeatures> = data
        .people
        .iter()
        .map(|p| PersonFeatures::new(&p.record))
        .collect();
    let mut g = c.benchmark_group("dedupe");
    g.sample_size(10);
    g.throughput(Throughput::Elements(data.people.len() as u64));
    g.bench_function("60k_people", |b| {
        b.iter_batched(
            || features.clone(),
            |features| {
                let mut d = BatchDedupe::new();
                for (i, (p, f)) in data.people.iter().zip(features).enumerate() {
                    let place = p.account.map(|a| Placed::Existing(a.to_string()));
                    black_box(d.check_with(i, &p.record, f, place));
                }
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, person_link, dedupe);
criterion_main!(benches);
