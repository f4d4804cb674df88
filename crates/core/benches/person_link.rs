//! Person linkage speed: `compare` on one pair of prepared records, for pairs of different
//! people and for pairs of one person's duplicates, and the cost of preparing a record.
//! `cargo bench -p abcrm-core --bench person_link`.

use abcrm_core::matching::{compare, synth, PersonFeatures};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
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

criterion_group!(benches, person_link);
criterion_main!(benches);
