//! Matching speed: batch throughput against 100,000 accounts, and the latency of one match
//! against an index of 1,000,000 accounts. `cargo bench -p abcrm-core --bench matching`.

use abcrm_core::matching::{match_person, synth, MatchConfig};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::hint::black_box;

fn batch(c: &mut Criterion) {
    let data = synth::generate(7, 100_000, 20_000);
    let index = data.index();
    let config = MatchConfig::default();
    let mut g = c.benchmark_group("batch_100k_accounts");
    g.sample_size(10);
    g.throughput(Throughput::Elements(data.people.len() as u64));
    g.bench_function("match_20k_people", |b| {
        b.iter(|| {
            for p in &data.people {
                black_box(match_person(&index, &p.record, &config));
            }
        })
    });
    g.finish();
}

fn single(c: &mut Criterion) {
    let data = synth::generate(11, 1_000_000, 10_000);
    let index = data.index();
    let config = MatchConfig::default();
    let mut i = 0usize;
    let mut g = c.benchmark_group("single_1m_accounts");
    g.sample_size(50);
    g.bench_function("match_one_person", |b| {
        b.iter_batched(
            || {
                i = (i + 1) % data.people.len();
                &data.people[i].record
            },
            |p| black_box(match_person(&index, p, &config)),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, batch, single);
criterion_main!(benches);
