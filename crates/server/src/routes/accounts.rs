//! `/api/v1/accounts`: accounts, their hierarchy, the 360 view, assets and stage history.

use super::created;
use crate::etag;
use crate::extract::{Id, Json, Query};
use crate::pagination::{self, List};
use crate::problem::{ApiError, Problem};
use crate::AppState;
use abcrm_core::model::*;
use abcrm_core::AccountId;
use abcrm_store::{Account360, AccountQuery, Hierarchy, OnDependents};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The account routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_accounts, create_account))
        .routes(routes!(get_account, update_account, delete_account))
        .routes(routes!(account_hierarchy))
        .routes(routes!(account_360))
        .routes(routes!(list_assets, create_asset))
        .routes(routes!(stage_history))
        .routes(routes!(merge_accounts))
        .routes(routes!(undo_account_merge))
}

/// Which account to merge into the one named in the path, and the fields to take from it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountMergeRequest {
    /// The duplicate: merged into the survivor and deleted.
    pub merged_id: i64,
    /// Fields whose value you choose; the others keep the survivor's value, or take the
    /// merged account's when the survivor's is empty.
    #[serde(default)]
    pub choices: AccountMergeChoices,
}

#[utoipa::path(post, path = "/accounts/{id}/merge", tag = "accounts", params(("id" = i64, Path, description = "The surviving account")), request_body = AccountMergeRequest,
    responses((status = 200, description = "The merge, with the surviving account and how many rows moved; undo it with POST /accounts/merges/{id}/undo", body = AccountMerge),
              (status = 404, description = "No account has this id", body = Problem),
              (status = 409, description = "The merge would make an account its own ancestor (the merged account is above the survivor, or the parent taken would sit below either), or a concurrent write took a unique value", body = Problem),
              (status = 422, description = "merged_id names the survivor itself or no account, or a choice is not survivor or merged", body = Problem)))]
async fn merge_accounts(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
    Json(req): Json<AccountMergeRequest>,
) -> Result<axum::Json<AccountMerge>, ApiError> {
    Ok(axum::Json(
        s.store
            .merge_accounts(
                &actor,
                AccountId(id),
                AccountId(req.merged_id),
                &req.choices,
            )
            .await?,
    ))
}

#[utoipa::path(post, path = "/accounts/merges/{id}/undo", tag = "accounts", params(("id" = i64, Path, description = "The merge, as POST /accounts/{id}/merge answered it")),
    responses((status = 200, description = "The merged account is back with its fields, domains and the rows the merge moved", body = AccountMerge),
              (status = 404, description = "No account merge has this id", body = Problem),
              (status = 409, description = "Undone already, or the survivor, the merged account's id, DUNS or parent changed since so that it cannot come back", body = Problem)))]
async fn undo_account_merge(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
) -> Result<axum::Json<AccountMerge>, ApiError> {
    Ok(axum::Json(s.store.undo_account_merge(&actor, id).await?))
}

/// Filters and paging for the account list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AccountListParams {
    /// Case-insensitive part of the name.
    pub name_contains: Option<String>,
    /// Accounts owning this domain.
    pub domain: Option<String>,
    /// Direct subsidiaries of this account.
    pub parent_id: Option<i64>,
    pub relationship: Option<Relationship>,
    pub stage: Option<AccountStage>,
    /// A segment filter over accounts, e.g. `account.relationship = "customer" and not has
    /// contact where seniority >= "director"`; used alone.
    pub filter: Option<String>,
    /// Page size, 1 to 1000 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/accounts", tag = "accounts", params(AccountListParams),
    responses((status = 200, body = List<Account>), (status = 400, body = Problem), (status = 401, body = Problem)))]
async fn list_accounts(
    State(s): State<AppState>,
    Query(p): Query<AccountListParams>,
) -> Result<axum::Json<List<Account>>, ApiError> {
    let page = pagination::request(p.limit, p.cursor.as_deref())?;
    if let Some(text) = &p.filter {
        let others = p.name_contains.is_some()
            || p.domain.is_some()
            || p.parent_id.is_some()
            || p.relationship.is_some()
            || p.stage.is_some();
        if others {
            return Err(ApiError::bad_request(
                "filter is used alone: write the other conditions into it (account.stage = \"engaged\", account.name contains \"acme\")",
                Some("filter"),
            ));
        }
        let filter = super::segments::checked_filter(text, SegmentTarget::Account)?;
        let found = s
            .store
            .segment_accounts(&filter, super::segments::today(), page)
            .await?;
        return Ok(axum::Json(found.into()));
    }
    let q = AccountQuery {
        name_contains: p.name_contains,
        domain: p.domain,
        parent_id: p.parent_id.map(AccountId),
        relationship: p.relationship,
        stage: p.stage,
    };
    Ok(axum::Json(s.store.list_accounts(&q, page).await?.into()))
}

#[utoipa::path(post, path = "/accounts", tag = "accounts", request_body = NewAccount,
    responses((status = 201, body = Account), (status = 400, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_account(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Json(new): Json<NewAccount>,
) -> Result<Response, ApiError> {
    let a = s.store.create_account(&actor, new).await?;
    Ok(created(format!("/api/v1/accounts/{}", a.id), a))
}

#[utoipa::path(get, path = "/accounts/{id}", tag = "accounts", params(("id" = i64, Path)),
    responses((status = 200, body = Account, headers(("ETag" = String, description = "The account's version; send it in If-Match to update only that version"))),
        (status = 404, body = Problem)))]
async fn get_account(State(s): State<AppState>, Id(id): Id) -> Result<Response, ApiError> {
    let account = s.store.get_account(AccountId(id)).await?;
    let version = account.updated_at;
    Ok(etag::tagged(account, version))
}

#[utoipa::path(patch, path = "/accounts/{id}", tag = "accounts",
    params(("id" = i64, Path),
        ("If-Match" = Option<String>, Header, description = "Apply the change only if the account is still at this version (the ETag of a GET); a client that reads, edits and writes back sends it so that it never overwrites a change it did not see")),
    request_body = AccountPatch,
    responses((status = 200, body = Account, headers(("ETag" = String, description = "The account's new version"))),
        (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 412, description = "The account changed since the version named in If-Match", body = Problem),
        (status = 422, body = Problem)))]
async fn update_account(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
    headers: HeaderMap,
    Json(patch): Json<AccountPatch>,
) -> Result<Response, ApiError> {
    let account = match etag::if_match(&headers) {
        Some(versions) => {
            s.store
                .update_account_if(&actor, AccountId(id), patch, &versions)
                .await?
        }
        None => s.store.update_account(&actor, AccountId(id), patch).await?,
    };
    let version = account.updated_at;
    Ok(etag::tagged(account, version))
}

/// Where to move an account's records when deleting it.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeleteParams {
    /// Move contacts, opportunities, activities, assets and subsidiaries to this account, then
    /// delete. Without it, an account that still has any is kept (409).
    pub move_to: Option<i64>,
}

#[utoipa::path(delete, path = "/accounts/{id}", tag = "accounts", params(("id" = i64, Path), DeleteParams),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, description = "`move_to` names no account", body = Problem)))]
async fn delete_account(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
    Query(p): Query<DeleteParams>,
) -> Result<StatusCode, ApiError> {
    let mode = p
        .move_to
        .map(|m| OnDependents::MoveTo(AccountId(m)))
        .unwrap_or(OnDependents::Refuse);
    s.store.delete_account(&actor, AccountId(id), mode).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/accounts/{id}/hierarchy", tag = "accounts", params(("id" = i64, Path)),
    responses((status = 200, body = Hierarchy), (status = 404, body = Problem)))]
async fn account_hierarchy(
    State(s): State<AppState>,
    Id(id): Id,
) -> Result<axum::Json<Hierarchy>, ApiError> {
    Ok(axum::Json(s.store.account_hierarchy(AccountId(id)).await?))
}

#[utoipa::path(get, path = "/accounts/{id}/360", tag = "accounts", params(("id" = i64, Path)),
    responses((status = 200, description = "The account, its hierarchy, its buying center by role, open opportunities, recent activities and products owned", body = Account360), (status = 404, body = Problem)))]
async fn account_360(
    State(s): State<AppState>,
    Id(id): Id,
) -> Result<axum::Json<Account360>, ApiError> {
    Ok(axum::Json(s.store.account_360(AccountId(id)).await?))
}

#[utoipa::path(get, path = "/accounts/{id}/assets", tag = "accounts", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Asset>), (status = 404, body = Problem)))]
async fn list_assets(
    State(s): State<AppState>,
    Id(id): Id,
) -> Result<axum::Json<Vec<Asset>>, ApiError> {
    s.store.get_account(AccountId(id)).await?;
    Ok(axum::Json(s.store.list_assets(AccountId(id)).await?))
}

/// A product the account owns; the account comes from the path.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssetBody {
    pub product: String,
    pub quantity: Option<i64>,
    pub annual_value: Option<f64>,
    pub purchased_on: Option<chrono::NaiveDate>,
    pub renews_on: Option<chrono::NaiveDate>,
}

#[utoipa::path(post, path = "/accounts/{id}/assets", tag = "accounts", params(("id" = i64, Path)), request_body = NewAssetBody,
    responses((status = 201, body = Asset), (status = 422, body = Problem)))]
async fn create_asset(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
    Json(b): Json<NewAssetBody>,
) -> Result<Response, ApiError> {
    let new = NewAsset {
        account_id: AccountId(id),
        product: b.product,
        quantity: b.quantity.unwrap_or(1),
        annual_value: b.annual_value,
        purchased_on: b.purchased_on,
        renews_on: b.renews_on,
    };
    let asset = s.store.create_asset(&actor, new).await?;
    Ok(created(format!("/api/v1/accounts/{id}/assets"), asset))
}

#[utoipa::path(get, path = "/accounts/{id}/stage-history", tag = "accounts", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<StageChange>), (status = 404, body = Problem)))]
async fn stage_history(
    State(s): State<AppState>,
    Id(id): Id,
) -> Result<axum::Json<Vec<StageChange>>, ApiError> {
    Ok(axum::Json(s.store.stage_history(AccountId(id)).await?))
}
