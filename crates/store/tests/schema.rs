//! The SQLite and PostgreSQL migrations must produce the same schema: the same tables, columns,
//! types, nullability, keys, unique constraints and indexes. Read back from live databases.
//! The text-search tables (`search_*`) differ by design (SQLite's are FTS5 virtual tables,
//! PostgreSQL's plain tables with a trigram index) and are left out here; `tests/search.rs` runs
//! the same searches on both.

use abcrm_store::{testing, PgStore, SqliteStore};
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

/// A table as both backends can describe it.
#[derive(Debug, Default, PartialEq, Eq)]
struct Table {
    /// column -> (canonical type, not null)
    columns: BTreeMap<String, (String, bool)>,
    primary_key: Vec<String>,
    /// (column, referenced table, referenced column)
    foreign_keys: BTreeSet<(String, String, String)>,
    /// Column lists of UNIQUE constraints.
    unique: BTreeSet<Vec<String>>,
    /// Names of plain (non-unique, non-key) indexes.
    indexes: BTreeSet<String>,
}

fn canonical(declared: &str) -> String {
    match declared.to_ascii_lowercase().as_str() {
        "integer" | "bigint" | "int" | "int4" | "int8" => "int",
        "text" => "text",
        "real" | "double precision" => "real",
        "boolean" => "bool",
        "timestamptz" | "timestamp with time zone" => "timestamp",
        "date" => "date",
        "jsonb" => "json",
        other => return format!("unknown:{other}"),
    }
    .to_string()
}

async fn sqlite_schema(store: &SqliteStore) -> BTreeMap<String, Table> {
    let pool = store.pool();
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' AND name NOT LIKE 'search_%' ORDER BY name")
        .fetch_all(pool)
        .await
        .unwrap();
    let mut out = BTreeMap::new();
    for name in names {
        let mut t = Table::default();
        let mut pk: Vec<(i64, String)> = Vec::new();
        for r in sqlx::query(&format!("PRAGMA table_info({name})"))
            .fetch_all(pool)
            .await
            .unwrap()
        {
            let col: String = r.get("name");
            let pk_pos: i64 = r.get("pk");
            let not_null = r.get::<i64, _>("notnull") == 1 || pk_pos > 0;
            t.columns.insert(
                col.clone(),
                (canonical(r.get::<String, _>("type").as_str()), not_null),
            );
            if pk_pos > 0 {
                pk.push((pk_pos, col));
            }
        }
        pk.sort();
        t.primary_key = pk.into_iter().map(|(_, c)| c).collect();
        for r in sqlx::query(&format!("PRAGMA foreign_key_list({name})"))
            .fetch_all(pool)
            .await
            .unwrap()
        {
            t.foreign_keys
                .insert((r.get("from"), r.get("table"), r.get("to")));
        }
        for r in sqlx::query(&format!("PRAGMA index_list({name})"))
            .fetch_all(pool)
            .await
            .unwrap()
        {
            let index: String = r.get("name");
            let origin: String = r.get("origin");
            match origin.as_str() {
                "u" => {
                    let cols = sqlx::query(&format!("PRAGMA index_info({index})"))
                        .fetch_all(pool)
                        .await
                        .unwrap()
                        .iter()
                        .map(|c| c.get::<String, _>("name"))
                        .collect();
                    t.unique.insert(cols);
                }
                "c" => {
                    t.indexes.insert(index);
                }
                _ => {}
            }
        }
        out.insert(name, t);
    }
    out
}

async fn postgres_schema(store: &PgStore) -> BTreeMap<String, Table> {
    let pool = store.pool();
    let mut out: BTreeMap<String, Table> = BTreeMap::new();
    let columns = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c, data_type::text AS ty, is_nullable::text AS n FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%' AND table_name NOT LIKE 'search_%' ORDER BY table_name, ordinal_position",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for r in columns {
        let t = out.entry(r.get("t")).or_default();
        t.columns.insert(
            r.get("c"),
            (
                canonical(r.get::<String, _>("ty").as_str()),
                r.get::<String, _>("n") == "NO",
            ),
        );
    }
    let keys = sqlx::query(
        "SELECT tc.table_name::text AS t, tc.constraint_name::text AS name, tc.constraint_type::text AS kind, kcu.column_name::text AS c
         FROM information_schema.table_constraints tc
         JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
         WHERE tc.table_schema = current_schema() AND tc.constraint_type IN ('PRIMARY KEY', 'UNIQUE') AND tc.table_name NOT LIKE '_sqlx%' AND tc.table_name NOT LIKE 'search_%'
         ORDER BY tc.table_name, tc.constraint_name, kcu.ordinal_position",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut uniques: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for r in keys {
        let table: String = r.get("t");
        let kind: String = r.get("kind");
        if kind == "PRIMARY KEY" {
            out.entry(table).or_default().primary_key.push(r.get("c"));
        } else {
            uniques
                .entry((table, r.get("name")))
                .or_default()
                .push(r.get("c"));
        }
    }
    for ((table, _), cols) in uniques {
        out.entry(table).or_default().unique.insert(cols);
    }
    let fks = sqlx::query(
        "SELECT cl.relname::text AS t, a.attname::text AS c, ref.relname::text AS rt, ra.attname::text AS rc
         FROM pg_constraint co
         JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_namespace ns ON ns.oid = cl.relnamespace
         JOIN pg_class ref ON ref.oid = co.confrelid
         JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = co.conkey[1]
         JOIN pg_attribute ra ON ra.attrelid = co.confrelid AND ra.attnum = co.confkey[1]
         WHERE co.contype = 'f' AND ns.nspname = current_schema()",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for r in fks {
        out.entry(r.get("t")).or_default().foreign_keys.insert((
            r.get("c"),
            r.get("rt"),
            r.get("rc"),
        ));
    }
    let indexes = sqlx::query(
        "SELECT tablename::text AS t, indexname::text AS i FROM pg_indexes i WHERE schemaname = current_schema()
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) AND tablename NOT LIKE '_sqlx%'
         AND tablename NOT LIKE 'search_%'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for r in indexes {
        out.entry(r.get("t"))
            .or_default()
            .indexes
            .insert(r.get("i"));
    }
    out
}

#[tokio::test]
async fn sqlite_and_postgres_schemas_agree() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open(&format!("sqlite://{}", dir.path().join("s.db").display()))
        .await
        .unwrap();
    let postgres = PgStore::open(&pg.url()).await.unwrap();
    let (s, p) = (
        sqlite_schema(&sqlite).await,
        postgres_schema(&postgres).await,
    );
    assert!(s.len() >= 16, "expected every table, found {:?}", s.keys());
    assert_eq!(
        s.keys().collect::<Vec<_>>(),
        p.keys().collect::<Vec<_>>(),
        "the same tables"
    );
    for (name, table) in &s {
        assert_eq!(
            Some(table),
            p.get(name),
            "table {name}: SQLite (left) and PostgreSQL (right) differ"
        );
    }
    // The comparison sees keys and constraints, not only columns.
    assert!(p["contacts"].foreign_keys.contains(&(
        "account_id".into(),
        "accounts".into(),
        "id".into()
    )));
    assert!(p["contacts"].unique.contains(&vec!["email".to_string()]));
    assert!(p["activities"]
        .indexes
        .contains("activities_account_id_occurred_at"));
    assert_eq!(
        p["campaign_members"].primary_key,
        ["campaign_id", "contact_id"]
    );
    assert!(
        s.values()
            .flat_map(|t| t.columns.values())
            .all(|(ty, _)| !ty.starts_with("unknown")),
        "every column type is mapped"
    );
}
