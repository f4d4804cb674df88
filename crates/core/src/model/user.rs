//! Users, API tokens, the actor of a change and the audit trail.

use super::Role;
use crate::ids::{AuditId, TokenId, UserId};
use crate::normalize::Email;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A person who signs in to abcrm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

/// The fields of a new user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub email: Email,
    pub name: String,
    pub role: Role,
}

/// An API token's record. The secret itself is shown once, at creation, and stored only hashed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApiToken {
    pub id: TokenId,
    pub user_id: UserId,
    pub name: String,
    /// The first characters of the secret, so a person can tell tokens apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Who is making a change: written to every audit row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Actor {
    /// The user behind the change, when there is one.
    pub user_id: Option<UserId>,
    /// A readable label: `user:ada@example.com via token "ci"`, `cli`, `demo`.
    pub label: String,
    /// What the actor may do.
    pub role: Role,
}

impl Actor {
    /// A process acting on its own (the CLI, the demo loader, a migration), with full rights.
    pub fn system(label: impl Into<String>) -> Actor {
        Actor {
            user_id: None,
            label: label.into(),
            role: Role::Admin,
        }
    }
}

/// One change, as written to the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub id: AuditId,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub user_id: Option<UserId>,
    /// The kind of record: `account`, `contact`, `opportunity`, ...
    pub entity: String,
    pub entity_id: i64,
    /// `create`, `update`, `delete`, `move`, ...
    pub action: String,
    /// The record before the change (absent on create).
    pub before: Option<serde_json::Value>,
    /// The record after the change (absent on delete).
    pub after: Option<serde_json::Value>,
}
