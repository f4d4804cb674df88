//! Scoring speed: a full recompute's activity stream, and one account scored the way a new
//! activity rescores it. `cargo bench -p abcrm-core --bench scoring`.

use abcrm_core::scoring::{synth, AccountFacts, Recompute, Scorer, ScoringModel};
use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

fn recompute(c: &mut Criterion) {
    let now = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let model = ScoringModel::default_model();
    let scorer = Scorer::new(
        &model,
        &[(synth::CAMPAIGN.0, synth::CAMPAIGN.1.into())],
        now,
    );
    let (accounts, contacts, activities) = (10_000, 100_000, 500_000);
    let acc: Vec<_> = synth::accounts(3, accounts, now).collect();
    let con: Vec<_> = synth::contacts(3, contacts, accounts, now).collect();
    let act: Vec<_> = synth::activities(3, activities, contacts, now).collect();
    let mut g = c.benchmark_group("recompute_10k_accounts_100k_contacts");
    g.sample_size(10);
    g.throughput(Throughput::Elements(activities as u64));
    g.bench_function("500k_activities", |b| {
        b.iter(|| {
            let mut rc = Recompute::new(&scorer);
            acc.iter().for_each(|a| rc.add_account(a));
            con.iter().for_each(|c| rc.add_contact(c));
            act.iter().for_each(|f| rc.add_activity(acc[0].id, f));
            black_box(rc.finish())
        })
    });
    g.finish();
}

fn one_account(c: &mut Criterion) {
    let now = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let model = ScoringModel::default_model();
    let scorer = Scorer::new(&model, &[], now);
    let account = synth::accounts(4, 1, now).next().unwrap();
    // A busy account: 40 people, 400 activities.
    let contacts: Vec<_> = synth::contacts(4, 40, 1, now).collect();
    let activities: Vec<_> = synth::activities(4, 400, 40, now).collect();
    let facts = AccountFacts {
        account: &account,
        contacts: &contacts,
        activities: &activities,
        children: &[],
    };
    let mut g = c.benchmark_group("one_account_40_contacts_400_activities");
    g.bench_function("score", |b| {
        b.iter(|| black_box(scorer.score_account(&facts)))
    });
    g.bench_function("explain", |b| {
        b.iter(|| black_box(scorer.explain_account(&facts)))
    });
    g.finish();
}

criterion_group!(benches, recompute, one_account);
criterion_main!(benches);
