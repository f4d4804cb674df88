//! The production backend: PostgreSQL.

use crate::{Backend, Result};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::str::FromStr;

/// How long one statement may run: far above any the store issues (a report over every
/// account takes under two seconds at 100,000 accounts), so only a runaway one meets it.
const STATEMENT_TIMEOUT: &str = "30s";

/// A [`crate::Store`] on a PostgreSQL database.
pub struct PgStore {
    pool: PgPool,
    scoring: crate::ScoringState,
    credentials: crate::credentials::CredentialCache,
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db`, with `?options=-c search_path=...`
    /// honoured) and brings the schema up to date.
    pub async fn open(url: &str) -> Result<PgStore> {
        let options = PgConnectOptions::from_str(url)?;
        Self::connect(options).await
    }

    /// Connects with prepared options and brings the schema up to date.
    pub async fn connect(options: PgConnectOptions) -> Result<PgStore> {
        // Plan every statement for its values. sqlx prepares each statement once per
        // connection, and after five runs PostgreSQL may switch to a generic plan made from the
        // statistics of that moment: a migration's `external_id IN (...)` and `source_key IN
        // (...)` lookups, first run on empty tables, kept scanning them whole as they grew to a
        // million rows (over a second per batch). Segment filters, whose selectivity depends on
        // the values, want custom plans too; planning costs well under a millisecond.
        let mut options = options.options([("plan_cache_mode", "force_custom_plan")]);
        // A statement that runs away (a filter over a hierarchy loop an older version let in,
        // a query the planner got badly wrong) ends with an error instead of holding its
        // connection after the client left; a URL that sets its own limit keeps it.
        if !options
            .get_options()
            .is_some_and(|o| o.contains("statement_timeout"))
        {
            options = options.options([("statement_timeout", STATEMENT_TIMEOUT)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect_with(options)
            .await?;
        // A schema change (an index built over millions of rows) may take longer than any
        // query: migrations run on a connection without the limit.
        let mut conn = pool.acquire().await?;
        sqlx::query("SET statement_timeout = 0")
            .execute(&mut *conn)
            .await?;
        sqlx::migrate!("migrations/postgres")
            .run(&mut *conn)
            .await?;
        sqlx::query("RESET statement_timeout")
            .execute(&mut *conn)
            .await?;
        drop(conn);
        Ok(PgStore {
            pool,
            scoring: Default::default(),
            credentials: Default::default(),
        })
    }

    /// The connection pool, for code in this crate that needs SQL of its own (reports, tests).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

mod imp {
    use super::PgStore as ThisStore;
    type Db = sqlx::Postgres;
    const BACKEND: super::Backend = super::Backend::Postgres;
    include_store_sql!();
    /// Whole seconds since 1970-01-01 of a timestamp (rounded down, as chrono's `timestamp`).
    fn epoch_seconds(ts: &str) -> String {
        format!("CAST(FLOOR(EXTRACT(EPOCH FROM {ts})) AS BIGINT)")
    }
    /// One text value holding a JSON array of `[columns...]`, one per row, in id order: the
    /// aggregate of a `SELECT` whose rows carry `id`.
    fn json_rows(columns: &str) -> String {
        format!("CAST(json_agg(json_build_array({columns}) ORDER BY id) AS TEXT)")
    }
    /// An aggregate of `value` in the order of `order`, space-separated.
    fn space_separated(value: &str, order: &str) -> String {
        format!("string_agg({value}, ' ' ORDER BY {order})")
    }
    /// The UTC calendar day of a timestamp, as a date.
    fn day_of(ts: &str) -> String {
        format!("CAST(({ts} AT TIME ZONE 'UTC') AS DATE)")
    }
    /// Days since 1970-01-01 of a timestamp, fractional.
    fn epoch_days(ts: &str) -> String {
        format!("CAST(EXTRACT(EPOCH FROM {ts}) / 86400.0 AS DOUBLE PRECISION)")
    }
    /// Appends `ts` minus a bound number of days, comparable with stored timestamps.
    fn push_minus_days(q: &mut sqlx::QueryBuilder<'_, Db>, ts: &str, days: i32) {
        q.push(format!("({ts} - make_interval(days => "))
            .push_bind(days)
            .push("))");
    }
    /// Appends a table `(a, b)` of the integer pairs in a bound JSON array `[[a, b], ...]`.
    fn push_json_pairs(q: &mut sqlx::QueryBuilder<'_, Db>, json: String) {
        q.push("(SELECT CAST(e->>0 AS BIGINT) AS a, CAST(e->>1 AS BIGINT) AS b FROM jsonb_array_elements(CAST(")
            .push_bind(json)
            .push(" AS JSONB)) e)");
    }
    /// Starts a transaction that may write (PostgreSQL locks rows, not the database).
    async fn begin_write(
        pool: &sqlx::Pool<Db>,
    ) -> Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
        pool.begin().await
    }
    /// Appended to the read of a read-modify-write: locks the row read until the transaction
    /// ends, so a second writer of the same record waits and then reads what the first wrote,
    /// instead of writing back a copy that misses it.
    const FOR_UPDATE: &str = " FOR UPDATE";
    /// The key of the advisory lock that serializes changes of parent links.
    const HIERARCHY_LOCK: i64 = 0x6162_6372_6d5f_6869; // "abcrm_hi"
    /// Serializes changes of parent links until the transaction ends. Two transactions that
    /// each checked their own change against the hierarchy as it was (A under B, B under A)
    /// would otherwise both pass and close a loop; the second now checks after the first
    /// committed. Take it before locking any row, so a waiter holds nothing another needs.
    async fn lock_hierarchy(conn: &mut sqlx::PgConnection) -> Result<()> {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(HIERARCHY_LOCK)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        Ok(())
    }
    /// No limit of its own: every PostgreSQL statement has the connection's `statement_timeout`.
    struct NoLimit;
    impl NoLimit {
        fn end(self) {}
    }
    /// Nothing to do: every PostgreSQL statement has the connection's `statement_timeout`.
    async fn time_limit(_conn: &mut sqlx::PgConnection) -> Result<NoLimit> {
        Ok(NoLimit)
    }
    /// Brings the planner's statistics up to date after a bulk load.
    const REFRESH_STATISTICS: &str = "ANALYZE";
    /// Runs a multi-row `INSERT ... VALUES` (without `RETURNING`) and answers the new rows'
    /// ids in VALUES order. PostgreSQL does not promise RETURNING's order, but a sequence hands
    /// out ids ascending within one statement, so sorting restores it.
    async fn insert_ids(
        conn: &mut sqlx::PgConnection,
        _table: &str,
        mut q: sqlx::QueryBuilder<'_, Db>,
    ) -> Result<Vec<i64>> {
        q.push(" RETURNING id");
        let rows = q.build().fetch_all(&mut *conn).await.map_err(db)?;
        let mut ids = rows
            .iter()
            .map(|r| r.try_get::<i64, _>("id"))
            .collect::<Result<Vec<_>, _>>()?;
        ids.sort_unstable();
        Ok(ids)
    }
}
