//! `abcrm bench-search`: times the global search on a store, in process, for queries made from the
//! store's own records (a first name as far as it is typed, a full name, a company, a domain, a
//! person at a company, a slip in a long company name), each beside the bare index lookup of its
//! longest word written by hand (people only, the first 200): what the search costs over the
//! database's own text index.

use super::bench_segments::{ms, open, time, Pool};
use abcrm_core::search::SearchQuery;

/// A middle record of a table, so the queries do not all hit the first rows written.
fn middle(table: &str, column: &str, condition: &str) -> String {
    format!(
        "SELECT {column} FROM {table} WHERE {condition} ORDER BY id LIMIT 1 \
         OFFSET (SELECT count(*) / 2 FROM {table} WHERE {condition})"
    )
}

/// The bare index lookup of one word, as one would write it by hand.
fn hand_lookup(pool: &Pool, word: &str) -> String {
    let word = word.replace(['\'', '"'], "");
    match pool {
        Pool::Sqlite(_) => format!(
            "SELECT rowid FROM search_contacts WHERE search_contacts MATCH '\"{word}\"' LIMIT 200"
        ),
        Pool::Postgres(_) => {
            format!("SELECT id FROM search_contacts WHERE doc ILIKE '%{word}%' LIMIT 200")
        }
    }
}

/// A word with its two middle letters swapped: a slip of the finger.
fn slip(word: &str) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    let i = chars.len() / 2;
    if i >= 1 && i < chars.len() {
        chars.swap(i - 1, i);
    }
    chars.into_iter().collect()
}

/// Prints each query's median, slowest run and hits beside the hand-written lookup.
pub async fn run(url: &str, runs: usize) -> anyhow::Result<()> {
    let (store, pool) = open(url).await?;
    let counts = store.counts().await?;
    println!(
        "store: {} accounts, {} contacts, {} opportunities; {runs} runs after a warm-up each",
        counts.accounts, counts.contacts, counts.opportunities
    );
    let named = "first_name IS NOT NULL AND last_name IS NOT NULL AND length(first_name) >= 3";
    let first = pool.text(&middle("contacts", "first_name", named)).await?;
    let last = pool.text(&middle("contacts", "last_name", named)).await?;
    let company = pool
        .text(&middle("accounts", "name", "length(name) >= 3"))
        .await?;
    let domain = pool
        .text(
            &middle("account_domains", "domain", "1 = 1").replace("ORDER BY id", "ORDER BY domain"),
        )
        .await?;
    let long_name = pool
        .text(&middle("accounts", "name", "length(name) >= 8"))
        .await?;
    let longest = long_name
        .split_whitespace()
        .max_by_key(|w| w.chars().count())
        .unwrap_or(&long_name)
        .to_string();
    let company_word = company
        .split_whitespace()
        .find(|w| w.chars().count() >= 3)
        .unwrap_or(&company)
        .to_string();
    let queries = [
        (
            "first name, three letters typed",
            first.chars().take(3).collect::<String>(),
        ),
        ("full name", format!("{first} {last}")),
        ("company name", company.clone()),
        ("domain", domain),
        ("person at a company", format!("{first} {company_word}")),
        ("slip in a long company name", slip(&longest)),
    ];

    println!(
        "{:<32} {:<28} {:>9} {:>9} {:>5} {:>12} {:>7}",
        "query", "typed", "median", "slowest", "hits", "hand lookup", "ratio"
    );
    let mut slowest_median = std::time::Duration::ZERO;
    for (label, typed) in queries {
        let query = match SearchQuery::parse(&typed) {
            Ok(q) => q,
            Err(e) => {
                println!("{label:<32} {typed:<28} skipped: {e}");
                continue;
            }
        };
        let abcrm = time(runs, || async { Ok(store.search(&query, 10).await?.len()) }).await?;
        let word = query.words()[0].clone();
        let hand_sql = hand_lookup(&pool, &word);
        let hand = time(runs, || async { pool.rows(&hand_sql).await }).await?;
        slowest_median = slowest_median.max(abcrm.0);
        let shown: String = typed.chars().take(28).collect();
        println!(
            "{label:<32} {shown:<28} {:>9} {:>9} {:>5} {:>12} {:>6.1}x",
            ms(abcrm.0),
            ms(abcrm.1),
            abcrm.2,
            ms(hand.0),
            abcrm.0.as_secs_f64() / hand.0.as_secs_f64().max(1e-9)
        );
    }
    println!("slowest median: {}", ms(slowest_median));
    Ok(())
}
