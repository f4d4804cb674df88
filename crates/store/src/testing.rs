//! Fresh, isolated stores for tests, on every backend.
//!
//! SQLite tests get a new file in a temporary directory. PostgreSQL tests get a new schema in
//! the server at `ABCRM_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`),
//! so tests run in parallel without seeing each other. When that server cannot be reached the
//! PostgreSQL half is skipped with a notice, except under CI (`CI` set), where it is a failure.

use crate::{PgStore, SqliteStore, Store};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The PostgreSQL server tests use unless `ABCRM_TEST_POSTGRES_URL` names another.
pub const DEFAULT_TEST_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A store for one test, with what it needs to be reopened by another process.
pub struct TestStore {
    /// The store.
    pub store: Arc<dyn Store>,
    /// `sqlite` or `postgres`, for assertion messages.
    pub name: &'static str,
    url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    /// The temporary directory goes when the `TestStore` does.
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    /// The schema is dropped, best effort, when the `TestStore` is; schemas a killed test left
    /// behind are swept by a later run once they are an hour old.
    Postgres { server: String, schema: String },
}

impl TestStore {
    /// A URL that opens this same database, e.g. for the real binary under test.
    pub fn url(&self) -> String {
        self.url.clone()
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if let Cleanup::Postgres { server, schema } = &self.cleanup {
            let (server, schema) = (server.clone(), schema.clone());
            // Detached, and never waited for: the test's runtime may still owe a rollback to one
            // of the pool's connections, and blocking here would wait on its locks forever.
            std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    rt.block_on(drop_schema(&server, &schema));
                }
            });
        }
    }
}

async fn drop_schema(server: &str, schema: &str) {
    if let Ok(mut conn) = PgConnection::connect(server).await {
        let _ = sqlx::query("SET lock_timeout = '10s'")
            .execute(&mut conn)
            .await;
        let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&mut conn)
            .await;
    }
}

/// Drops test schemas older than an hour: what killed or crashed test runs left behind.
async fn sweep_stale_schemas(conn: &mut PgConnection, server: &str) {
    let now = unix_seconds();
    let names: Vec<String> =
        sqlx::query_scalar("SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'abcrm_t_%'")
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_default();
    for name in names {
        let created = name
            .trim_start_matches("abcrm_t_")
            .split('_')
            .next()
            .and_then(|s| s.parse::<u64>().ok());
        if created.is_some_and(|t| t + 3600 < now) {
            drop_schema(server, &name).await;
        }
    }
}

fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// `<unix seconds>_<pid>_<counter>`: unique across parallel test processes, and dated so
/// leftovers can be swept.
fn unique_suffix() -> String {
    format!(
        "{}_{}_{}",
        unix_seconds(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh SQLite store in a temporary file.
pub async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().expect("a temporary directory for the test database");
    let url = format!("sqlite://{}", dir.path().join("abcrm.db").display());
    let store = SqliteStore::open(&url)
        .await
        .expect("open a fresh SQLite store");
    TestStore {
        store: Arc::new(store),
        name: "sqlite",
        url,
        cleanup: Cleanup::Sqlite(dir),
    }
}

/// A fresh PostgreSQL store in a schema of its own, or `None` (with a notice) when no server
/// answers and `CI` is not set. Under CI a missing server panics: it must never pass silently.
pub async fn postgres() -> Option<TestStore> {
    let server = std::env::var("ABCRM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| DEFAULT_TEST_POSTGRES_URL.to_string());
    let mut conn = match PgConnection::connect(&server).await {
        Ok(c) => c,
        Err(e) => {
            if std::env::var_os("CI").is_some() {
                panic!("PostgreSQL at {server} is required under CI and cannot be reached: {e}");
            }
            eprintln!("notice: skipping PostgreSQL tests: cannot reach {server} ({e}); set ABCRM_TEST_POSTGRES_URL to run them");
            return None;
        }
    };
    sweep_stale_schemas(&mut conn, &server).await;
    let schema = format!("abcrm_t_{}", unique_suffix());
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut conn)
        .await
        .expect("create a test schema");
    let _ = conn.close().await;
    let options = PgConnectOptions::from_str(&server)
        .expect("a valid PostgreSQL URL")
        .options([("search_path", schema.as_str())]);
    // `to_url_lossy` drops the search path, so it goes back on by hand.
    let url = format!(
        "{server}{}options[search_path]={schema}",
        if server.contains('?') { '&' } else { '?' }
    );
    let store = PgStore::connect(options)
        .await
        .expect("open a PostgreSQL store in the test schema");
    Some(TestStore {
        store: Arc::new(store),
        name: "postgres",
        url,
        cleanup: Cleanup::Postgres { server, schema },
    })
}

/// SQLite, and PostgreSQL when it is available: run the same test on each.
pub async fn backends() -> Vec<TestStore> {
    let mut out = vec![sqlite().await];
    out.extend(postgres().await);
    out
}
