//! `/api/v1/tasks`: what someone has to do about an account, a contact or an opportunity.

use super::created;
use crate::extract::{Id, Json, Query};
use crate::pagination::{self, List};
use crate::problem::{ApiError, Problem};
use crate::AppState;
use abcrm_core::model::*;
use abcrm_core::{AccountId, ContactId, OpportunityId, TaskId, UserId};
use abcrm_store::TaskQuery;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The task routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tasks, create_task))
        .routes(routes!(get_task, update_task, delete_task))
}

/// Filters and paging for the task list (newest first).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TaskListParams {
    pub assignee_id: Option<i64>,
    pub account_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub opportunity_id: Option<i64>,
    /// `true`: done ones only; `false`: open ones only; absent: both.
    pub done: Option<bool>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/tasks", tag = "tasks", params(TaskListParams),
    responses((status = 200, body = List<Task>), (status = 400, body = Problem)))]
async fn list_tasks(
    State(s): State<AppState>,
    Query(p): Query<TaskListParams>,
) -> Result<axum::Json<List<Task>>, ApiError> {
    let page = pagination::request(p.limit, p.cursor.as_deref())?;
    let q = TaskQuery {
        assignee_id: p.assignee_id.map(UserId),
        account_id: p.account_id.map(AccountId),
        contact_id: p.contact_id.map(ContactId),
        opportunity_id: p.opportunity_id.map(OpportunityId),
        done: p.done,
    };
    Ok(axum::Json(s.store.list_tasks(&q, page).await?.into()))
}

#[utoipa::path(post, path = "/tasks", tag = "tasks", request_body = NewTask,
    responses((status = 201, body = Task), (status = 422, body = Problem)))]
async fn create_task(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Json(new): Json<NewTask>,
) -> Result<Response, ApiError> {
    let t = s.store.create_task(&actor, new).await?;
    Ok(created(format!("/api/v1/tasks/{}", t.id), t))
}

#[utoipa::path(get, path = "/tasks/{id}", tag = "tasks", params(("id" = i64, Path)),
    responses((status = 200, body = Task), (status = 404, body = Problem)))]
async fn get_task(State(s): State<AppState>, Id(id): Id) -> Result<axum::Json<Task>, ApiError> {
    Ok(axum::Json(s.store.get_task(TaskId(id)).await?))
}

#[utoipa::path(patch, path = "/tasks/{id}", tag = "tasks", params(("id" = i64, Path)), request_body = TaskPatch,
    responses((status = 200, body = Task), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_task(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
    Json(patch): Json<TaskPatch>,
) -> Result<axum::Json<Task>, ApiError> {
    Ok(axum::Json(
        s.store.update_task(&actor, TaskId(id), patch).await?,
    ))
}

#[utoipa::path(delete, path = "/tasks/{id}", tag = "tasks", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
async fn delete_task(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    s.store.delete_task(&actor, TaskId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
