//! `/api/v1/segments`: saved filters over contacts or accounts; run, count and export them.

use super::created;
use crate::extract::{Id, Json, Query};
use crate::pagination::{self, List};
use crate::problem::{ApiError, Problem};
use crate::AppState;
use abcrm_core::export::ColumnStyle;
use abcrm_core::filter::Checked;
use abcrm_core::model::*;
use abcrm_core::SegmentId;
use abcrm_store::segments::Export;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// The segment routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_segments, create_segment))
        .routes(routes!(get_segment, update_segment, delete_segment))
        .routes(routes!(run_segment))
        .routes(routes!(count_segment))
        .routes(routes!(waiting_in_segment))
        .routes(routes!(export_segment))
}

/// Checks a `filter` query parameter for a target: a 400 naming the position on failure.
pub fn checked_filter(text: &str, target: SegmentTarget) -> Result<Checked, ApiError> {
    compile(text, target).map_err(|e| {
        let mut errors = abcrm_core::ValidationErrors::default();
        push_filter_error(&mut errors, "filter", text, &e);
        ApiError::bad_request(format!("filter {}", errors.0[0].reason), Some("filter"))
    })
}

/// Today, the day relative dates (`-90d`) count from.
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Whom a run, count or export of a segment of people takes.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AudienceParams {
    /// `true` takes everyone the expression selects; by default a segment of people leaves out
    /// those who left their company or unsubscribed (unless its expression names
    /// `contact.status`). Ignored for segments of accounts.
    pub everyone: Option<bool>,
}

/// The segment's expression, checked, for the audience asked for.
fn checked(segment: &Segment, everyone: Option<bool>) -> Result<Checked, ApiError> {
    let filter = segment.checked().map_err(|e| {
        ApiError::invalid_field(
            "expression",
            format!(
                "segment {} no longer checks ({e}); fix its expression with PATCH /api/v1/segments/{}",
                segment.id, segment.id
            ),
        )
    })?;
    Ok(audience(filter, segment.target, everyone.unwrap_or(false)))
}

/// Paging for segment lists.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/segments", tag = "segments", params(PageParams),
    responses((status = 200, body = List<Segment>), (status = 400, body = Problem)))]
async fn list_segments(
    State(s): State<AppState>,
    Query(p): Query<PageParams>,
) -> Result<axum::Json<List<Segment>>, ApiError> {
    let page = pagination::request(p.limit, p.cursor.as_deref())?;
    Ok(axum::Json(s.store.list_segments(page).await?.into()))
}

#[utoipa::path(post, path = "/segments", tag = "segments", request_body = NewSegment,
    responses((status = 201, body = Segment), (status = 409, description = "The name is taken", body = Problem),
              (status = 422, description = "The expression does not parse or check; the error names the position", body = Problem)))]
async fn create_segment(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Json(new): Json<NewSegment>,
) -> Result<Response, ApiError> {
    let seg = s.store.create_segment(&actor, new).await?;
    Ok(created(format!("/api/v1/segments/{}", seg.id), seg))
}

#[utoipa::path(get, path = "/segments/{id}", tag = "segments", params(("id" = i64, Path)),
    responses((status = 200, body = Segment), (status = 404, body = Problem)))]
async fn get_segment(
    State(s): State<AppState>,
    Id(id): Id,
) -> Result<axum::Json<Segment>, ApiError> {
    Ok(axum::Json(s.store.get_segment(SegmentId(id)).await?))
}

#[utoipa::path(patch, path = "/segments/{id}", tag = "segments", params(("id" = i64, Path)), request_body = SegmentPatch,
    responses((status = 200, body = Segment), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn update_segment(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
    Json(patch): Json<SegmentPatch>,
) -> Result<axum::Json<Segment>, ApiError> {
    Ok(axum::Json(
        s.store.update_segment(&actor, SegmentId(id), patch).await?,
    ))
}

#[utoipa::path(delete, path = "/segments/{id}", tag = "segments", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
async fn delete_segment(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    s.store.delete_segment(&actor, SegmentId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A page of what a segment selects: contacts or accounts, as its target says.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentPage {
    pub target: SegmentTarget,
    /// Contacts or accounts.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<serde_json::Value>,
    pub next_cursor: Option<String>,
}

fn page_of<T: Serialize>(target: SegmentTarget, p: abcrm_store::Page<T>) -> SegmentPage {
    SegmentPage {
        target,
        items: p
            .items
            .iter()
            .filter_map(|x| serde_json::to_value(x).ok())
            .collect(),
        next_cursor: p.next_after.map(pagination::encode),
    }
}

/// Paging of a segment's run, and whom it takes.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RunParams {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    /// As for `/count`: `true` takes people who left or unsubscribed too.
    pub everyone: Option<bool>,
}

#[utoipa::path(get, path = "/segments/{id}/run", tag = "segments", params(("id" = i64, Path), RunParams),
    responses((status = 200, body = SegmentPage), (status = 400, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn run_segment(
    State(s): State<AppState>,
    Id(id): Id,
    Query(p): Query<RunParams>,
) -> Result<axum::Json<SegmentPage>, ApiError> {
    let page = pagination::request(p.limit, p.cursor.as_deref())?;
    let seg = s.store.get_segment(SegmentId(id)).await?;
    let filter = checked(&seg, p.everyone)?;
    Ok(axum::Json(match seg.target {
        SegmentTarget::Contact => page_of(
            seg.target,
            s.store.segment_contacts(&filter, today(), page).await?,
        ),
        SegmentTarget::Account => page_of(
            seg.target,
            s.store.segment_accounts(&filter, today(), page).await?,
        ),
    }))
}

/// How many records a segment selects.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentCount {
    pub target: SegmentTarget,
    pub count: u64,
    /// People waiting in review whom the segment would take once placed at their best candidate
    /// account (for a segment of accounts: whose best candidate it selects). Not in `count`
    /// until a person places them; `GET /segments/{id}/waiting` lists them.
    pub waiting_in_review: u64,
}

#[utoipa::path(get, path = "/segments/{id}/count", tag = "segments", params(("id" = i64, Path), AudienceParams),
    responses((status = 200, body = SegmentCount), (status = 400, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn count_segment(
    State(s): State<AppState>,
    Id(id): Id,
    Query(p): Query<AudienceParams>,
) -> Result<axum::Json<SegmentCount>, ApiError> {
    let seg = s.store.get_segment(SegmentId(id)).await?;
    let filter = checked(&seg, p.everyone)?;
    let target = seg.target.filter_target();
    let count = s.store.segment_count(&filter, target, today()).await?;
    let waiting = s
        .store
        .waiting_in_segment(&filter, target, today(), 0)
        .await?;
    Ok(axum::Json(SegmentCount {
        target: seg.target,
        count,
        waiting_in_review: waiting.count,
    }))
}

/// How many of the people waiting a segment would take to list, and whom.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WaitingParams {
    /// At most this many records (default 50, 1 to 1000, as every page size); `/count` says how
    /// many without listing them.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// As for `/count`: `true` takes people whose status would be `left_company` or
    /// `unsubscribed` too.
    pub everyone: Option<bool>,
}

/// The people waiting in review whom a segment would take once placed.
#[derive(Debug, Serialize, ToSchema)]
pub struct WaitingInReview {
    /// How many the segment would take.
    pub count: u64,
    /// The first `limit` of them, oldest first, as the review queue lists them; each is
    /// weighed as the contact it would become at its first candidate.
    pub items: Vec<IntakeRecord>,
    /// False when the review queue was longer than the 20,000 records a segment weighs, and
    /// only the oldest were weighed.
    pub complete: bool,
}

#[utoipa::path(get, path = "/segments/{id}/waiting", tag = "segments", params(("id" = i64, Path), WaitingParams),
    responses((status = 200, description = "People waiting in review whom the segment would take once placed at their best candidate account", body = WaitingInReview),
              (status = 400, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn waiting_in_segment(
    State(s): State<AppState>,
    Id(id): Id,
    Query(p): Query<WaitingParams>,
) -> Result<axum::Json<WaitingInReview>, ApiError> {
    let limit = match p.limit {
        None => 50,
        Some(n @ 1..=1000) => n as usize,
        Some(_) => {
            return Err(ApiError::bad_request(
                "limit must be between 1 and 1000",
                Some("limit"),
            ))
        }
    };
    let seg = s.store.get_segment(SegmentId(id)).await?;
    let filter = checked(&seg, p.everyone)?;
    let waiting = s
        .store
        .waiting_in_segment(&filter, seg.target.filter_target(), today(), limit)
        .await?;
    Ok(axum::Json(WaitingInReview {
        count: waiting.count,
        items: waiting.records,
        complete: waiting.complete,
    }))
}

/// Whose column names the CSV uses.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    /// `abcrm` (default), `salesforce` or `hubspot`.
    pub columns: Option<ColumnStyle>,
    /// As for `/count`: `true` takes people who left or unsubscribed too.
    pub everyone: Option<bool>,
}

#[utoipa::path(get, path = "/segments/{id}/export", tag = "segments", params(("id" = i64, Path), ExportParams),
    responses((status = 200, description = "Every selected record as CSV, streamed", content_type = "text/csv", body = String),
              (status = 400, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn export_segment(
    State(s): State<AppState>,
    Id(id): Id,
    Query(p): Query<ExportParams>,
) -> Result<Response, ApiError> {
    let seg = s.store.get_segment(SegmentId(id)).await?;
    let filter = checked(&seg, p.everyone)?;
    let style = p.columns.unwrap_or_default();
    let export = Export::new(s.store.clone(), filter, seg.target, today());
    let header = export.header(style).iter().map(|h| h.to_string()).collect();
    // Pages are fetched as the client reads, so a large segment streams in bounded memory.
    let body = crate::csv_body::streamed(header, export, |mut export| async move {
        match export.next_rows().await {
            Ok(Some(rows)) => Ok(Some((rows, export))),
            Ok(None) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    });
    Ok(crate::csv_body::attachment(&seg.name, body))
}
