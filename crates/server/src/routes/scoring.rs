//! `/api/v1/scoring` and the score of an account or contact: scores with their explanation,
//! the top accounts, the scoring model (versioned) and a full recompute.

use crate::extract::{Id, Query};
use crate::problem::{ApiError, Problem};
use crate::AppState;
use abcrm_core::model::{Actor, Role};
use abcrm_core::scoring::{ContactScore, Explanation};
use abcrm_core::{AccountId, ContactId};
use abcrm_store::{RecomputeSummary, ScoringModelRecord, StoredAccountScore};
use axum::extract::State;
use axum::Extension;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// The scoring routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(account_score))
        .routes(routes!(contact_score))
        .routes(routes!(top_accounts))
        .routes(routes!(get_model, put_model))
        .routes(routes!(list_models))
        .routes(routes!(recompute))
}

/// An account's stored score and, computed afresh, why it scores what it does.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountScoreView {
    /// As last written (after the account's last change or recompute); `None` until scored.
    pub stored: Option<StoredAccountScore>,
    /// Every rule, contact and activity behind the score as of `at` (default now); its lines
    /// add up to its `score`.
    pub explanation: Explanation,
}

/// When to explain a score for.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AtParams {
    /// RFC 3339; default now.
    pub at: Option<DateTime<Utc>>,
}

#[utoipa::path(get, path = "/accounts/{id}/score", tag = "scoring", params(("id" = i64, Path), AtParams),
    responses((status = 200, body = AccountScoreView), (status = 404, body = Problem)))]
async fn account_score(
    State(s): State<AppState>,
    Id(id): Id,
    Query(p): Query<AtParams>,
) -> Result<axum::Json<AccountScoreView>, ApiError> {
    let stored = s.store.account_score(AccountId(id)).await?;
    let explanation = s
        .store
        .explain_account_score(AccountId(id), p.at.unwrap_or_else(Utc::now))
        .await?;
    Ok(axum::Json(AccountScoreView {
        stored,
        explanation,
    }))
}

/// A contact's stored score.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactScoreView {
    /// `None` until the contact's account is first scored.
    pub stored: Option<ContactScore>,
}

#[utoipa::path(get, path = "/contacts/{id}/score", tag = "scoring", params(("id" = i64, Path)),
    responses((status = 200, body = ContactScoreView), (status = 404, body = Problem)))]
async fn contact_score(
    State(s): State<AppState>,
    Id(id): Id,
) -> Result<axum::Json<ContactScoreView>, ApiError> {
    Ok(axum::Json(ContactScoreView {
        stored: s.store.contact_score(ContactId(id)).await?,
    }))
}

/// How many accounts.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TopParams {
    /// 1 to 1000; default 20.
    pub limit: Option<u32>,
}

#[utoipa::path(get, path = "/scoring/top-accounts", tag = "scoring", params(TopParams),
    responses((status = 200, description = "Accounts by stored score, best first", body = Vec<StoredAccountScore>)))]
async fn top_accounts(
    State(s): State<AppState>,
    Query(p): Query<TopParams>,
) -> Result<axum::Json<Vec<StoredAccountScore>>, ApiError> {
    Ok(axum::Json(
        s.store
            .top_accounts_by_score(crate::pagination::limit(p.limit, 20)?)
            .await?,
    ))
}

#[utoipa::path(get, path = "/scoring/model", tag = "scoring",
    responses((status = 200, description = "The active model (the shipped default until one is saved)", body = ScoringModelRecord)))]
async fn get_model(State(s): State<AppState>) -> Result<axum::Json<ScoringModelRecord>, ApiError> {
    Ok(axum::Json(s.store.scoring_model().await?))
}

/// Changing how everyone's accounts are scored is for admins and marketing operations.
fn may_change_scoring(actor: &Actor) -> Result<(), ApiError> {
    match actor.role {
        Role::Admin | Role::Marketing => Ok(()),
        _ => Err(ApiError::forbidden(format!(
            "{} may not change scoring: the scoring model and recomputes are for the admin and marketing roles",
            actor.label
        ))),
    }
}

#[utoipa::path(put, path = "/scoring/model", tag = "scoring",
    request_body(content = String, content_type = "application/toml", description = "The model file (TOML), as `abcrm score model show` prints it"),
    responses((status = 200, description = "Saved as the next version and made active", body = ScoringModelRecord),
        (status = 403, body = Problem), (status = 422, description = "Not a valid model: the line and the reason", body = Problem)))]
async fn put_model(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    body: String,
) -> Result<axum::Json<ScoringModelRecord>, ApiError> {
    may_change_scoring(&actor)?;
    Ok(axum::Json(s.store.save_scoring_model(&actor, &body).await?))
}

#[utoipa::path(get, path = "/scoring/models", tag = "scoring",
    responses((status = 200, description = "Saved versions, newest first", body = Vec<ScoringModelRecord>)))]
async fn list_models(
    State(s): State<AppState>,
) -> Result<axum::Json<Vec<ScoringModelRecord>>, ApiError> {
    Ok(axum::Json(s.store.list_scoring_models().await?))
}

#[utoipa::path(post, path = "/scoring/recompute", tag = "scoring", params(AtParams),
    responses((status = 200, description = "Every score recomputed and the stage rules applied", body = RecomputeSummary), (status = 403, body = Problem)))]
async fn recompute(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Query(p): Query<AtParams>,
) -> Result<axum::Json<RecomputeSummary>, ApiError> {
    may_change_scoring(&actor)?;
    Ok(axum::Json(
        s.store
            .recompute_scores(&actor, p.at.unwrap_or_else(Utc::now), &|_| {})
            .await?,
    ))
}
