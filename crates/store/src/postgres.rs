//! The production backend: PostgreSQL.

use crate::{Backend, Result};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::str::FromStr;

/// A [`crate::Store`] on a PostgreSQL database.
pub struct PgStore {
    pool: PgPool,
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
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(PgStore { pool })
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
    include!("shared.rs");
    include!("intake_sql.rs");
    include!("filter_sql.rs");
    include!("segments_sql.rs");
    include!("reports_sql.rs");
    /// Days from `earlier` to `later`, fractional: the one date function the reports need.
    fn days_between(later: &str, earlier: &str) -> String {
        format!("(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0)")
    }
}
