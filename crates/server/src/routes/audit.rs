//! `/api/v1/audit`: who changed what, before and after.

use crate::extract::Query;
use crate::pagination::{self, List};
use crate::problem::{ApiError, Problem};
use crate::AppState;
use abcrm_core::model::AuditEntry;
use abcrm_store::AuditQuery;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The audit routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

/// Filters and paging for the audit log (newest first).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// `account`, `contact`, `opportunity`, `campaign`, `activity`, ...
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditParams),
    responses((status = 200, body = List<AuditEntry>), (status = 400, body = Problem)))]
async fn list_audit(
    State(s): State<AppState>,
    Query(p): Query<AuditParams>,
) -> Result<axum::Json<List<AuditEntry>>, ApiError> {
    let page = pagination::request(p.limit, p.cursor.as_deref())?;
    let q = AuditQuery {
        entity: p.entity,
        entity_id: p.entity_id,
    };
    Ok(axum::Json(s.store.list_audit(&q, page).await?.into()))
}
