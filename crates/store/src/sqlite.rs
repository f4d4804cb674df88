//! The embedded default: SQLite in WAL mode, one file, no set-up.

use crate::{Backend, Result, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
use std::time::Duration;

/// A [`crate::Store`] on a SQLite file.
pub struct SqliteStore {
    pool: SqlitePool,
    scoring: crate::ScoringState,
    credentials: crate::credentials::CredentialCache,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite://PATH` or `sqlite:PATH`) and
    /// brings its schema up to date.
    pub async fn open(url: &str) -> Result<SqliteStore> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(StoreError::Database)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL with NORMAL sync is durable across application crashes and fast; a power cut
            // can lose the last transactions but never corrupts the file.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // 64 MiB of page cache per connection (the default is 2 MiB): a bulk import's
            // transaction touches more index pages than that and would spill mid-transaction.
            .pragma("cache_size", "-65536")
            // Reads of a large database through memory maps, not a system call per page (SQLite
            // caps this at its compiled maximum; address space, not memory).
            .pragma("mmap_size", "17179869184")
            // Checkpoint every ~40 MiB of log rather than every 4 MiB: an index page that each
            // batch of an import touches is copied into the database once per checkpoint.
            .pragma("wal_autocheckpoint", "10000")
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    busy::wait_in_short_steps(conn).await?;
                    time_limit::watch(conn).await
                })
            })
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore {
            pool,
            scoring: Default::default(),
            credentials: Default::default(),
        })
    }

    /// The connection pool, for code in this crate that needs SQL of its own (reports, tests).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// How a connection waits for the write lock another holds. SQLite's own wait (what a busy
/// timeout installs) sleeps 1, 2, 5, 10 ... up to 100 ms between tries: under a burst of API
/// writes a waiter sleeps through many other writers' commits, and the slowest write took a
/// second (issue 20). This one tries again every 200 µs for as long (10 s): a write waits about
/// as long as the writes ahead of it take. It sleeps on the connection's own worker thread.
mod busy {
    use sqlx::SqliteConnection;
    use std::os::raw::{c_int, c_void};
    use std::time::Duration;

    const STEP: Duration = Duration::from_micros(200);
    /// 10 s of steps, the busy timeout it replaces.
    const TRIES: c_int = 50_000;

    extern "C" fn wait(_: *mut c_void, tries: c_int) -> c_int {
        if tries >= TRIES {
            return 0;
        }
        std::thread::sleep(STEP);
        1
    }

    pub(super) async fn wait_in_short_steps(
        conn: &mut SqliteConnection,
    ) -> Result<(), sqlx::Error> {
        let mut handle = conn.lock_handle().await?;
        let db = handle.as_raw_handle().as_ptr();
        // SAFETY: `db` is this connection's open handle, locked for the call; `wait` keeps no
        // state, so the null user pointer is never read.
        let rc =
            unsafe { libsqlite3_sys::sqlite3_busy_handler(db, Some(wait), std::ptr::null_mut()) };
        if rc != libsqlite3_sys::SQLITE_OK {
            return Err(sqlx::Error::Protocol(format!(
                "sqlite3_busy_handler failed ({rc})"
            )));
        }
        Ok(())
    }
}

/// Statements that may run away (segment filters over data an older version wrote badly) end
/// after a time instead of holding one of the pool's eight connections for good: SQLite has no
/// `statement_timeout`, so each connection gets a progress handler that interrupts the running
/// statement once a deadline set for it has passed.
mod time_limit {
    use sqlx::SqliteConnection;
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, LazyLock, Mutex};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    /// How long a limited statement may run, as PostgreSQL's `statement_timeout`.
    const LIMIT: Duration = Duration::from_secs(30);
    /// Virtual machine instructions between two looks at the clock (well under a millisecond).
    const EVERY: i32 = 100_000;

    /// Each open connection's deadline (milliseconds since 1970; 0: none), by its handle.
    static DEADLINES: LazyLock<Mutex<HashMap<usize, Arc<AtomicU64>>>> =
        LazyLock::new(Default::default);

    fn now_ms() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    }

    /// Gives a new connection its deadline and the handler that keeps it.
    pub(super) async fn watch(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
        let deadline = Arc::new(AtomicU64::new(0));
        let mut handle = conn.lock_handle().await?;
        let key = handle.as_raw_handle().as_ptr() as usize;
        let watched = deadline.clone();
        handle.set_progress_handler(EVERY, move || {
            let at = watched.load(Ordering::Relaxed);
            if at == 0 || now_ms() <= at {
                return true;
            }
            // One interrupt per deadline: what runs next on the connection is not limited.
            watched.store(0, Ordering::Relaxed);
            false
        });
        DEADLINES
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, deadline);
        Ok(())
    }

    /// A deadline in force on one connection until [`Limit::end`]. Not on drop: a query whose
    /// future is dropped midway (the client went away) may still be running on the
    /// connection's worker thread, and that is the statement the deadline must end.
    pub(super) struct Limit(Option<Arc<AtomicU64>>);

    impl Limit {
        /// The limited statements are done: lifts the deadline.
        pub(super) fn end(self) {
            if let Some(d) = &self.0 {
                d.store(0, Ordering::Relaxed);
            }
        }
    }

    /// Limits what runs on `conn` from now to [`LIMIT`], until [`Limit::end`].
    pub(super) async fn start(conn: &mut SqliteConnection) -> Result<Limit, sqlx::Error> {
        start_for(conn, LIMIT).await
    }

    async fn start_for(conn: &mut SqliteConnection, limit: Duration) -> Result<Limit, sqlx::Error> {
        let key = conn.lock_handle().await?.as_raw_handle().as_ptr() as usize;
        let deadline = DEADLINES
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned();
        if let Some(d) = &deadline {
            d.store(now_ms() + limit.as_millis() as u64, Ordering::Relaxed);
        }
        Ok(Limit(deadline))
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use sqlx::Connection;

        #[tokio::test]
        async fn a_runaway_statement_ends_at_its_deadline_and_the_connection_serves_on() {
            let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
            watch(&mut conn).await.unwrap();
            let forever = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r";
            let started = std::time::Instant::now();
            let limit = start_for(&mut conn, Duration::from_millis(200))
                .await
                .unwrap();
            let err = sqlx::query_scalar::<_, i64>(forever)
                .fetch_one(&mut conn)
                .await
                .unwrap_err();
            limit.end();
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{:?}",
                started.elapsed()
            );
            assert!(err.to_string().contains("interrupt"), "{err}");
            let one: i64 = sqlx::query_scalar("SELECT 1")
                .fetch_one(&mut conn)
                .await
                .unwrap();
            assert_eq!(one, 1);
        }
    }
}

mod imp {
    use super::SqliteStore as ThisStore;
    type Db = sqlx::Sqlite;
    const BACKEND: super::Backend = super::Backend::Sqlite;
    include_store_sql!();
    /// Whole seconds since 1970-01-01 of a timestamp (rounded down, as chrono's `timestamp`).
    fn epoch_seconds(ts: &str) -> String {
        format!("CAST(strftime('%s', {ts}) AS INTEGER)")
    }
    /// One text value holding a JSON array of `[columns...]`, one per row, in the order the rows
    /// come (an aggregate over a subquery ordered by id).
    fn json_rows(columns: &str) -> String {
        format!("json_group_array(json_array({columns}))")
    }
    /// An aggregate of `value` in the order of `order`, space-separated.
    fn space_separated(value: &str, order: &str) -> String {
        format!("group_concat({value}, ' ' ORDER BY {order})")
    }
    /// The UTC calendar day of a timestamp, as a date.
    fn day_of(ts: &str) -> String {
        format!("date({ts})")
    }
    /// Days since 1970-01-01 of a timestamp, fractional.
    fn epoch_days(ts: &str) -> String {
        format!("(julianday({ts}) - 2440587.5)")
    }
    /// Appends `ts` minus a bound number of days, comparable with stored timestamps.
    fn push_minus_days(q: &mut sqlx::QueryBuilder<'_, Db>, ts: &str, days: i32) {
        q.push(format!(
            "strftime('%Y-%m-%dT%H:%M:%S+00:00', {ts}, printf('-%d days', "
        ))
        .push_bind(days)
        .push("))");
    }
    /// Appends a table `(a, b)` of the integer pairs in a bound JSON array `[[a, b], ...]`.
    fn push_json_pairs(q: &mut sqlx::QueryBuilder<'_, Db>, json: String) {
        q.push("(SELECT CAST(json_extract(value, '$[0]') AS INTEGER) AS a, CAST(json_extract(value, '$[1]') AS INTEGER) AS b FROM json_each(")
            .push_bind(json)
            .push("))");
    }
    /// Starts a transaction that may write. `BEGIN IMMEDIATE` takes the write lock at once, so a
    /// second writer waits its turn (the busy timeout); a deferred transaction that read first
    /// would instead fail at its first write with "database is locked" whenever another writer
    /// committed in between, which an import running beside the API makes likely.
    async fn begin_write(
        pool: &sqlx::Pool<Db>,
    ) -> Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
        pool.begin_with("BEGIN IMMEDIATE").await
    }
    /// Appended to the read of a read-modify-write: nothing here, since `begin_write`'s
    /// `BEGIN IMMEDIATE` already holds the database's one write lock from the transaction's start.
    const FOR_UPDATE: &str = "";
    /// Serializes changes of parent links until the transaction ends: on SQLite `begin_write`
    /// already does, as it serializes every writer.
    async fn lock_hierarchy(_conn: &mut sqlx::SqliteConnection) -> Result<()> {
        Ok(())
    }
    /// Ends a statement on `conn` that runs past the time limit (an interrupt, the query then
    /// fails) until the answer's `end`; for queries whose cost the user decides (filters).
    async fn time_limit(conn: &mut sqlx::SqliteConnection) -> Result<super::time_limit::Limit> {
        super::time_limit::start(conn).await.map_err(db)
    }
    /// Brings the planner's statistics up to date after a bulk load.
    const REFRESH_STATISTICS: &str = "PRAGMA optimize";
    /// Runs a multi-row `INSERT ... VALUES` (without `RETURNING`) into a table with an integer
    /// primary key and answers the new rows' ids in VALUES order.
    ///
    /// SQLite gives each row of one INSERT the next rowid (one above the largest, see "ROWIDs
    /// and the INTEGER PRIMARY KEY" in its documentation), and the transaction holds the write
    /// lock, so the ids are the `rows_affected` ones ending at `last_insert_rowid`. Asking for
    /// them with `RETURNING` instead sends every row back across the connection's worker
    /// thread, which a bulk import pays for on each of its million rows. The range is checked
    /// with one count, so a table that ever broke the rule would fail loudly, not mislink.
    async fn insert_ids(
        conn: &mut sqlx::SqliteConnection,
        table: &str,
        mut q: sqlx::QueryBuilder<'_, Db>,
    ) -> Result<Vec<i64>> {
        let done = q.build().execute(&mut *conn).await.map_err(db)?;
        let (n, last) = (done.rows_affected() as i64, done.last_insert_rowid());
        if n == 0 {
            return Ok(Vec::new());
        }
        let first = last - n + 1;
        let found: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM {table} WHERE id BETWEEN $1 AND $2"
        ))
        .bind(first)
        .bind(last)
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
        if found != n {
            return Err(StoreError::Database(sqlx::Error::Protocol(format!(
                "{table}: {n} rows inserted but {found} found at ids {first}..={last}"
            ))));
        }
        Ok((first..=last).collect())
    }
}
