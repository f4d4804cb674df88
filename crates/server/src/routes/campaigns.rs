//! `/api/v1/campaigns`: campaigns and their members.

use super::created;
use crate::extract::{Id, Json, Query};
use crate::pagination::{self, List};
use crate::problem::{ApiError, Problem};
use crate::AppState;
use abcrm_core::model::*;
use abcrm_core::CampaignId;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The campaign routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_campaigns, create_campaign))
        .routes(routes!(get_campaign, update_campaign, delete_campaign))
        .routes(routes!(list_members, add_member))
}

/// Paging for campaign lists.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/campaigns", tag = "campaigns", params(PageParams),
    responses((status = 200, body = List<Campaign>), (status = 400, body = Problem)))]
async fn list_campaigns(
    State(s): State<AppState>,
    Query(p): Query<PageParams>,
) -> Result<axum::Json<List<Campaign>>, ApiError> {
    let page = pagination::request(p.limit, p.cursor.as_deref())?;
    Ok(axum::Json(s.store.list_campaigns(page).await?.into()))
}

#[utoipa::path(post, path = "/campaigns", tag = "campaigns", request_body = NewCampaign,
    responses((status = 201, body = Campaign), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_campaign(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Json(new): Json<NewCampaign>,
) -> Result<Response, ApiError> {
    let c = s.store.create_campaign(&actor, new).await?;
    Ok(created(format!("/api/v1/campaigns/{}", c.id), c))
}

#[utoipa::path(get, path = "/campaigns/{id}", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, body = Campaign), (status = 404, body = Problem)))]
async fn get_campaign(
    State(s): State<AppState>,
    Id(id): Id,
) -> Result<axum::Json<Campaign>, ApiError> {
    Ok(axum::Json(s.store.get_campaign(CampaignId(id)).await?))
}

#[utoipa::path(patch, path = "/campaigns/{id}", tag = "campaigns", params(("id" = i64, Path)), request_body = CampaignPatch,
    responses((status = 200, body = Campaign), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn update_campaign(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
    Json(patch): Json<CampaignPatch>,
) -> Result<axum::Json<Campaign>, ApiError> {
    Ok(axum::Json(
        s.store
            .update_campaign(&actor, CampaignId(id), patch)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/campaigns/{id}", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
async fn delete_campaign(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    s.store.delete_campaign(&actor, CampaignId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/campaigns/{id}/members", tag = "campaigns", params(("id" = i64, Path), PageParams),
    responses((status = 200, body = List<CampaignMember>), (status = 404, body = Problem)))]
async fn list_members(
    State(s): State<AppState>,
    Id(id): Id,
    Query(p): Query<PageParams>,
) -> Result<axum::Json<List<CampaignMember>>, ApiError> {
    let page = pagination::request(p.limit, p.cursor.as_deref())?;
    Ok(axum::Json(
        s.store
            .list_campaign_members(CampaignId(id), page)
            .await?
            .into(),
    ))
}

#[utoipa::path(post, path = "/campaigns/{id}/members", tag = "campaigns", params(("id" = i64, Path)), request_body = NewCampaignMember,
    responses((status = 201, body = CampaignMember), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn add_member(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
    Json(m): Json<NewCampaignMember>,
) -> Result<Response, ApiError> {
    let member = s
        .store
        .add_campaign_member(&actor, CampaignId(id), m)
        .await?;
    Ok(created(format!("/api/v1/campaigns/{id}/members"), member))
}
