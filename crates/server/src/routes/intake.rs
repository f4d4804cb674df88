//! `/api/v1/intake` and `/api/v1/review`: raw person records in, and the queue of those a
//! person must place.

use crate::extract::{Id, Json, Query};
use crate::pagination::{self, List};
use crate::problem::{ApiError, Problem};
use crate::AppState;
use abcrm_core::intake::{IntakeHints, IntakeItem};
use abcrm_core::matching::PersonRecord;
use abcrm_core::model::*;
use abcrm_core::validation::strip_controls;
use abcrm_core::{AccountId, CampaignId, ValidationError};
use abcrm_store::intake::{content_key, IntakeReport};
use abcrm_store::{IntakeQuery, PageRequest};
use axum::extract::State;
use axum::Extension;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// Most records one request may carry; larger files go through `abcrm import`.
const MAX_BATCH: usize = 1000;

/// The intake and review routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_intake, submit_intake))
        .routes(routes!(get_intake))
        .routes(routes!(list_review))
        .routes(routes!(resolve_review))
}

/// One raw person record as a form, a list or a card gives it. Every field is optional.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncomingRecord {
    /// The record's id in its source (a form submission id, a row id). Sending the same key
    /// from the same source again returns the first result and writes nothing. Without a key,
    /// the record's content is its key.
    pub key: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub company: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    pub duns: Option<String>,
    pub country: Option<String>,
    pub state: Option<String>,
    pub city: Option<String>,
}

/// One record or a batch of up to 1,000, from one source.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeRequest {
    /// Where the records come from: `web-form`, `event:summit-2026`, ... Defaults to `api`.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub source: Option<String>,
    #[schema(min_items = 1, max_items = 1000)]
    pub records: Vec<IncomingRecord>,
    /// The campaign the people answered (a form on its landing page, a list of its attendees):
    /// each person placed gets a membership with the `response` status and an activity on it.
    /// People waiting in review get them when a person places them.
    pub campaign_id: Option<i64>,
    /// How far the people went in the campaign; `responded` unless said. Needs `campaign_id`.
    pub response: Option<MemberStatus>,
    /// The status of contacts created from the records. `active` unless said: a person who
    /// fills a form raised a hand. Send `nurture` for a list of people who did not.
    pub status: Option<ContactStatus>,
}

/// What intake did: the counts, and each record's result in the order sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntakeResponse {
    pub report: IntakeReport,
    pub records: Vec<IntakeRecord>,
    /// Each field of a record rejected as invalid (too long, or holding a control character),
    /// as a JSON path into the request (`records[1].company`), with why. The other records
    /// were taken.
    pub errors: Vec<ValidationError>,
}

#[utoipa::path(post, path = "/intake", tag = "intake", request_body = IntakeRequest,
    responses((status = 200, description = "Every record matched and kept with its outcome", body = IntakeResponse),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn submit_intake(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Json(req): Json<IntakeRequest>,
) -> Result<axum::Json<IntakeResponse>, ApiError> {
    if req.records.is_empty() {
        return Err(ApiError::invalid_field(
            "records",
            "send at least one record",
        ));
    }
    if req.records.len() > MAX_BATCH {
        return Err(ApiError::invalid_field(
            "records",
            format!(
                "{} records in one request; send at most {MAX_BATCH}, or use `abcrm import` for files",
                req.records.len()
            ),
        ));
    }
    if req.response.is_some() && req.campaign_id.is_none() {
        return Err(ApiError::invalid_field(
            "response",
            "a response is to a campaign: send campaign_id too, or leave response out",
        ));
    }
    if let Some(c) = req.campaign_id {
        // Checked before any record is taken: one waiting in review would otherwise carry an
        // answer to a campaign that is not there.
        match s.store.get_campaign(CampaignId(c)).await {
            Err(abcrm_store::StoreError::NotFound { .. }) => {
                return Err(ApiError::invalid_field(
                    "campaign_id",
                    format!("campaign {c} does not exist; create it first, or send the records without a campaign"),
                ))
            }
            other => {
                other?;
            }
        }
    }
    let person = PersonContext {
        status: req.status,
        response: req.campaign_id.map(|c| CampaignResponse {
            campaign_id: CampaignId(c),
            status: req.response.unwrap_or(MemberStatus::Responded),
        }),
        ..PersonContext::default()
    };
    let source = req.source.unwrap_or_else(|| "api".into());
    let mut errors = Vec::new();
    let items: Vec<IntakeItem> =
        req.records
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let record = PersonRecord {
                    first_name: r.first_name,
                    last_name: r.last_name,
                    email: r.email,
                    company: r.company,
                    title: r.title,
                    country: r.country,
                    state: r.state,
                    city: r.city,
                    phone: r.phone,
                    duns: r.duns,
                    website: r.website,
                };
                // Intake rejects such a record on its own (core's `PersonRecord::check`); this
                // names its fields for the caller.
                if let Err(invalid) = record.check() {
                    errors.extend(invalid.0.into_iter().map(|e| {
                        ValidationError::new(format!("records[{i}].{}", e.field), e.reason)
                    }));
                }
                IntakeItem {
                    hints: IntakeHints {
                        person: person.clone(),
                        ..IntakeHints::default()
                    },
                    source_key: r
                        .key
                        .map(|k| strip_controls(k.trim()).into_owned())
                        .filter(|k| !k.is_empty())
                        .unwrap_or_else(|| content_key(&record)),
                    record,
                }
            })
            .collect();
    let keys: Vec<String> = items.iter().map(|i| i.source_key.clone()).collect();
    let report = s.intake.submit(&actor, &source, items).await?;
    // Each record's result, whether taken now or by an earlier request with the same key.
    let mut records = Vec::with_capacity(keys.len());
    for key in keys {
        let q = IntakeQuery {
            source: Some(source.trim().to_string()),
            source_key: Some(key),
            ..IntakeQuery::default()
        };
        let page = s
            .store
            .list_intake(
                &q,
                PageRequest {
                    after: None,
                    limit: 1,
                },
            )
            .await?;
        records.extend(page.items);
    }
    Ok(axum::Json(IntakeResponse {
        report,
        records,
        errors,
    }))
}

/// Filters and paging for intake records.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct IntakeListParams {
    pub outcome: Option<IntakeOutcome>,
    pub source: Option<String>,
    pub account_id: Option<i64>,
    /// Only records whose person answered this campaign.
    pub campaign_id: Option<i64>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/intake", tag = "intake", params(IntakeListParams),
    responses((status = 200, body = List<IntakeRecord>), (status = 400, body = Problem)))]
async fn list_intake(
    State(s): State<AppState>,
    Query(p): Query<IntakeListParams>,
) -> Result<axum::Json<List<IntakeRecord>>, ApiError> {
    let page = pagination::request(p.limit, p.cursor.as_deref())?;
    let q = IntakeQuery {
        outcome: p.outcome,
        source: p.source,
        source_key: None,
        account_id: p.account_id.map(AccountId),
        hide_duplicates: false,
        campaign_id: p.campaign_id.map(CampaignId),
    };
    Ok(axum::Json(s.store.list_intake(&q, page).await?.into()))
}

#[utoipa::path(get, path = "/intake/{id}", tag = "intake", params(("id" = i64, Path)),
    responses((status = 200, body = IntakeRecord), (status = 404, body = Problem)))]
async fn get_intake(
    State(s): State<AppState>,
    Id(id): Id,
) -> Result<axum::Json<IntakeRecord>, ApiError> {
    Ok(axum::Json(s.store.get_intake(id).await?))
}

/// Paging for the review queue.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReviewParams {
    pub source: Option<String>,
    /// Only people who answered this campaign (they become its members when placed).
    pub campaign_id: Option<i64>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/review", tag = "intake", params(ReviewParams),
    responses((status = 200, description = "Records waiting for a person, oldest first, each with its ranked candidates; each person once (a record repeating one listed is in that record's `duplicates`, and resolving the one resolves both)", body = List<IntakeRecord>)))]
async fn list_review(
    State(s): State<AppState>,
    Query(p): Query<ReviewParams>,
) -> Result<axum::Json<List<IntakeRecord>>, ApiError> {
    let page = pagination::request(p.limit, p.cursor.as_deref())?;
    let q = IntakeQuery {
        outcome: Some(IntakeOutcome::NeedsReview),
        source: p.source,
        hide_duplicates: true,
        campaign_id: p.campaign_id.map(CampaignId),
        ..IntakeQuery::default()
    };
    Ok(axum::Json(s.store.list_intake(&q, page).await?.into()))
}

/// How to settle a record in review: exactly one of the three.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveRequest {
    /// The account the person works at (usually one of the record's candidates).
    pub account_id: Option<i64>,
    /// Create this account and place the person there.
    pub new_account: Option<NewAccount>,
    /// Reject the record, saying why.
    pub reject: Option<String>,
}

#[utoipa::path(post, path = "/review/{id}/resolve", tag = "intake", params(("id" = i64, Path)), request_body = ResolveRequest,
    responses((status = 200, body = IntakeRecord), (status = 404, body = Problem), (status = 409, description = "Not waiting for review", body = Problem), (status = 422, body = Problem)))]
async fn resolve_review(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
    Json(req): Json<ResolveRequest>,
) -> Result<axum::Json<IntakeRecord>, ApiError> {
    let resolution = match (req.account_id, req.new_account, req.reject) {
        (Some(a), None, None) => Resolution::Account(AccountId(a)),
        (None, Some(n), None) => Resolution::NewAccount(Box::new(n)),
        (None, None, Some(r)) => Resolution::Reject(r),
        _ => {
            return Err(ApiError::invalid_field(
                "account_id",
                "give exactly one of account_id, new_account or reject",
            ))
        }
    };
    Ok(axum::Json(resolve(&s, &actor, id, resolution).await?))
}

/// Settles a record waiting in review, for the API and the review page alike: the store places
/// the person (or rejects the record) in one transaction and audits it; then this process's
/// match index catches up with that audit row (on a task of its own, so an import holding the
/// intake service does not hold up the answer), and the next record from the same person or
/// company matches the new account or contact.
pub(crate) async fn resolve(
    s: &AppState,
    actor: &Actor,
    id: i64,
    resolution: Resolution,
) -> Result<IntakeRecord, abcrm_store::StoreError> {
    let record = s.store.resolve_review(actor, id, resolution).await?;
    let intake = s.intake.clone();
    tokio::spawn(async move {
        if let Err(e) = intake.warm().await {
            tracing::warn!(error = %e, "the match index could not catch up after a review");
        }
    });
    Ok(record)
}
