//! What can go wrong in the store, said so a person can act on it.

use abcrm_core::ValidationErrors;

/// A store operation's failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The input broke a field rule; every broken field is listed.
    #[error("invalid input: {0}")]
    Invalid(ValidationErrors),
    /// The record does not exist.
    #[error("{entity} {id} does not exist")]
    NotFound {
        /// The kind of record: `account`, `contact`, ...
        entity: &'static str,
        /// Its id.
        id: i64,
    },
    /// The change conflicts with stored data (a duplicate email, a cycle in the hierarchy, an
    /// account that still has contacts). `field` names the input field at fault when there is one.
    #[error("{message}")]
    Conflict {
        /// The input field at fault, when there is one.
        field: Option<String>,
        /// What conflicts and what to do about it.
        message: String,
    },
    /// The record changed since the version the caller read and named (HTTP's `If-Match`).
    #[error("{entity} {id} changed since the version you read (it was updated at {updated_at}); read it again and apply your change to what it holds now")]
    Stale {
        /// The kind of record: `account`, ...
        entity: &'static str,
        /// Its id.
        id: i64,
        /// When it last changed: its version now.
        updated_at: chrono::DateTime<chrono::Utc>,
    },
    /// The configuration names no usable database.
    #[error("{0}")]
    Config(String),
    /// The database failed or could not be reached.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

impl From<ValidationErrors> for StoreError {
    fn from(e: ValidationErrors) -> Self {
        StoreError::Invalid(e)
    }
}
