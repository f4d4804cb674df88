//! `/api/v1/opportunities`: sales cycles with their contact roles.

use super::created;
use crate::etag;
use crate::extract::{Id, Json, Query};
use crate::pagination::{self, List};
use crate::problem::{ApiError, Problem};
use crate::AppState;
use abcrm_core::model::*;
use abcrm_core::{AccountId, OpportunityId};
use abcrm_store::OpportunityQuery;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The opportunity routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_opportunities, create_opportunity))
        .routes(routes!(
            get_opportunity,
            update_opportunity,
            delete_opportunity
        ))
}

/// Filters and paging for the opportunity list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OpportunityListParams {
    pub account_id: Option<i64>,
    pub stage: Option<OpportunityStage>,
    /// `true` for open opportunities only, `false` for closed ones only.
    pub open: Option<bool>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/opportunities", tag = "opportunities", params(OpportunityListParams),
    responses((status = 200, body = List<Opportunity>), (status = 400, body = Problem)))]
async fn list_opportunities(
    State(s): State<AppState>,
    Query(p): Query<OpportunityListParams>,
) -> Result<axum::Json<List<Opportunity>>, ApiError> {
    let page = pagination::request(p.limit, p.cursor.as_deref())?;
    let q = OpportunityQuery {
        account_id: p.account_id.map(AccountId),
        stage: p.stage,
        open: p.open,
        ..Default::default()
    };
    Ok(axum::Json(
        s.store.list_opportunities(&q, page).await?.into(),
    ))
}

#[utoipa::path(post, path = "/opportunities", tag = "opportunities", request_body = NewOpportunity,
    responses((status = 201, body = Opportunity), (status = 422, body = Problem)))]
async fn create_opportunity(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Json(new): Json<NewOpportunity>,
) -> Result<Response, ApiError> {
    let o = s.store.create_opportunity(&actor, new).await?;
    Ok(created(format!("/api/v1/opportunities/{}", o.id), o))
}

#[utoipa::path(get, path = "/opportunities/{id}", tag = "opportunities", params(("id" = i64, Path)),
    responses((status = 200, body = Opportunity, headers(("ETag" = String, description = "The opportunity's version; send it in If-Match to update only that version"))),
        (status = 404, body = Problem)))]
async fn get_opportunity(State(s): State<AppState>, Id(id): Id) -> Result<Response, ApiError> {
    let opportunity = s.store.get_opportunity(OpportunityId(id)).await?;
    let version = opportunity.updated_at;
    Ok(etag::tagged(opportunity, version))
}

#[utoipa::path(patch, path = "/opportunities/{id}", tag = "opportunities",
    params(("id" = i64, Path),
        ("If-Match" = Option<String>, Header, description = "Apply the change only if the opportunity is still at this version (the ETag of a GET); a client that reads, edits and writes back sends it so that it never overwrites a change it did not see")),
    request_body = OpportunityPatch,
    responses((status = 200, body = Opportunity, headers(("ETag" = String, description = "The opportunity's new version"))),
        (status = 404, body = Problem),
        (status = 412, description = "The opportunity changed since the version named in If-Match", body = Problem),
        (status = 422, body = Problem)))]
async fn update_opportunity(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
    headers: HeaderMap,
    Json(patch): Json<OpportunityPatch>,
) -> Result<Response, ApiError> {
    let id = OpportunityId(id);
    let opportunity = match etag::if_match(&headers) {
        Some(versions) => {
            s.store
                .update_opportunity_if(&actor, id, patch, &versions)
                .await?
        }
        None => s.store.update_opportunity(&actor, id, patch).await?,
    };
    let version = opportunity.updated_at;
    Ok(etag::tagged(opportunity, version))
}

#[utoipa::path(delete, path = "/opportunities/{id}", tag = "opportunities", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
async fn delete_opportunity(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    s.store
        .delete_opportunity(&actor, OpportunityId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
