//! `/api/v1/activities`: every touch with an account or its people.

use super::created;
use crate::extract::{Id, Json, Query};
use crate::pagination::{self, List};
use crate::problem::{ApiError, Problem};
use crate::AppState;
use abcrm_core::model::*;
use abcrm_core::{AccountId, ActivityId, ContactId, OpportunityId};
use abcrm_store::ActivityQuery;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The activity routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_activities, create_activity))
        .routes(routes!(get_activity, update_activity, delete_activity))
}

/// Filters and paging for the activity list (newest recorded first).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ActivityListParams {
    pub account_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub opportunity_id: Option<i64>,
    pub kind: Option<ActivityKind>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/activities", tag = "activities", params(ActivityListParams),
    responses((status = 200, body = List<Activity>), (status = 400, body = Problem)))]
async fn list_activities(
    State(s): State<AppState>,
    Query(p): Query<ActivityListParams>,
) -> Result<axum::Json<List<Activity>>, ApiError> {
    let page = pagination::request(p.limit, p.cursor.as_deref())?;
    let q = ActivityQuery {
        account_id: p.account_id.map(AccountId),
        contact_id: p.contact_id.map(ContactId),
        opportunity_id: p.opportunity_id.map(OpportunityId),
        kind: p.kind,
    };
    Ok(axum::Json(s.store.list_activities(&q, page).await?.into()))
}

#[utoipa::path(post, path = "/activities", tag = "activities", request_body = NewActivity,
    responses((status = 201, body = Activity), (status = 422, body = Problem)))]
async fn create_activity(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Json(new): Json<NewActivity>,
) -> Result<Response, ApiError> {
    let a = s.store.create_activity(&actor, new).await?;
    Ok(created(format!("/api/v1/activities/{}", a.id), a))
}

#[utoipa::path(get, path = "/activities/{id}", tag = "activities", params(("id" = i64, Path)),
    responses((status = 200, body = Activity), (status = 404, body = Problem)))]
async fn get_activity(
    State(s): State<AppState>,
    Id(id): Id,
) -> Result<axum::Json<Activity>, ApiError> {
    Ok(axum::Json(s.store.get_activity(ActivityId(id)).await?))
}

#[utoipa::path(patch, path = "/activities/{id}", tag = "activities", params(("id" = i64, Path)), request_body = ActivityPatch,
    responses((status = 200, body = Activity), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_activity(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
    Json(patch): Json<ActivityPatch>,
) -> Result<axum::Json<Activity>, ApiError> {
    Ok(axum::Json(
        s.store
            .update_activity(&actor, ActivityId(id), patch)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/activities/{id}", tag = "activities", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
async fn delete_activity(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    s.store.delete_activity(&actor, ActivityId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
