//! `/api/v1/contacts`: the people of every account.

use super::created;
use crate::etag;
use crate::extract::{Id, Json, Query};
use crate::pagination::{self, List};
use crate::problem::{ApiError, Problem};
use crate::AppState;
use abcrm_core::model::*;
use abcrm_core::{AccountId, ContactId};
use abcrm_store::{ContactQuery, StoreError};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The contact routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_contacts, create_contact))
        .routes(routes!(get_contact, update_contact, delete_contact))
        .routes(routes!(merge_contacts))
        .routes(routes!(undo_merge))
        .routes(routes!(status_history))
}

#[utoipa::path(get, path = "/contacts/{id}/status-history", tag = "contacts", params(("id" = i64, Path)),
    responses((status = 200, description = "Every change of the contact's status, oldest first, with when and why", body = Vec<ContactStatusChange>),
              (status = 404, body = Problem)))]
async fn status_history(
    State(s): State<AppState>,
    Id(id): Id,
) -> Result<axum::Json<Vec<ContactStatusChange>>, ApiError> {
    Ok(axum::Json(s.store.status_history(ContactId(id)).await?))
}

/// Which contact to merge into the one named in the path, and the fields to take from either.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The duplicate: merged into the survivor and deleted.
    pub merged_id: i64,
    /// Fields whose value you choose; the others take the most recently updated non-empty
    /// value.
    #[serde(default)]
    pub choices: MergeChoices,
    /// Merge even though the two work at different accounts (the survivor's account is kept).
    /// Without it such a merge is refused with 409: two records at two companies are more often
    /// two people than one.
    #[serde(default)]
    pub confirm: bool,
}

#[utoipa::path(post, path = "/contacts/{id}/merge", tag = "contacts", params(("id" = i64, Path, description = "The surviving contact")), request_body = MergeRequest,
    responses((status = 200, description = "The merge, with the surviving contact; undo it with POST /merges/{id}/undo", body = ContactMerge),
              (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn merge_contacts(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
    Json(req): Json<MergeRequest>,
) -> Result<axum::Json<ContactMerge>, ApiError> {
    // A record that does not exist is the store's to answer for (404 or 422, by which one).
    let pair = (
        s.store.get_contact(ContactId(id)).await,
        s.store.get_contact(ContactId(req.merged_id)).await,
    );
    if let (false, Ok(survivor), Ok(merged)) = (req.confirm, pair.0, pair.1) {
        if survivor.account_id != merged.account_id {
            let names = s
                .store
                .get_accounts(&[survivor.account_id, merged.account_id])
                .await?;
            let name = |a: AccountId| {
                names.iter().find(|x| x.id == a).map_or_else(
                    || format!("account {a}"),
                    |x| format!("{} (account {a})", x.name),
                )
            };
            return Err(StoreError::Conflict {
                field: Some("confirm".into()),
                message: format!(
                    "contact {} works at {} and contact {} at {}: they may be two people. To merge them anyway, send \"confirm\": true; the survivor stays at {}",
                    survivor.id,
                    name(survivor.account_id),
                    merged.id,
                    name(merged.account_id),
                    name(survivor.account_id)
                ),
            }
            .into());
        }
    }
    Ok(axum::Json(
        s.store
            .merge_contacts(
                &actor,
                ContactId(id),
                ContactId(req.merged_id),
                &req.choices,
            )
            .await?,
    ))
}

#[utoipa::path(post, path = "/merges/{id}/undo", tag = "contacts", params(("id" = i64, Path)),
    responses((status = 200, description = "The merged contact is back with its activities, memberships and roles", body = ContactMerge),
              (status = 404, body = Problem), (status = 409, description = "Undone already, or the merged contact's email or account changed since", body = Problem)))]
async fn undo_merge(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
) -> Result<axum::Json<ContactMerge>, ApiError> {
    Ok(axum::Json(s.store.undo_merge(&actor, id).await?))
}

/// Filters and paging for the contact list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ContactListParams {
    pub account_id: Option<i64>,
    /// Case-insensitive part of the first name, last name or email.
    pub search: Option<String>,
    pub buying_role: Option<BuyingRole>,
    pub seniority: Option<Seniority>,
    pub status: Option<ContactStatus>,
    /// A segment filter over contacts and their accounts, e.g.
    /// `contact.seniority in ("manager", "director") and account.state = "CA"`; used alone.
    pub filter: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/contacts", tag = "contacts", params(ContactListParams),
    responses((status = 200, body = List<Contact>), (status = 400, body = Problem)))]
async fn list_contacts(
    State(s): State<AppState>,
    Query(p): Query<ContactListParams>,
) -> Result<axum::Json<List<Contact>>, ApiError> {
    let page = pagination::request(p.limit, p.cursor.as_deref())?;
    if let Some(text) = &p.filter {
        let others = p.account_id.is_some()
            || p.search.is_some()
            || p.buying_role.is_some()
            || p.seniority.is_some()
            || p.status.is_some();
        if others {
            return Err(ApiError::bad_request(
                "filter is used alone: write the other conditions into it (contact.status = \"nurture\", account.id = 7)",
                Some("filter"),
            ));
        }
        let filter = super::segments::checked_filter(text, SegmentTarget::Contact)?;
        let found = s
            .store
            .segment_contacts(&filter, super::segments::today(), page)
            .await?;
        return Ok(axum::Json(found.into()));
    }
    let q = ContactQuery {
        account_id: p.account_id.map(AccountId),
        search: p.search,
        buying_role: p.buying_role,
        seniority: p.seniority,
        status: p.status,
    };
    Ok(axum::Json(s.store.list_contacts(&q, page).await?.into()))
}

#[utoipa::path(post, path = "/contacts", tag = "contacts", request_body = NewContact,
    responses((status = 201, body = Contact), (status = 409, description = "The email belongs to another contact", body = Problem), (status = 422, description = "Invalid field, or no such account", body = Problem)))]
async fn create_contact(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Json(new): Json<NewContact>,
) -> Result<Response, ApiError> {
    let c = s.store.create_contact(&actor, new).await?;
    Ok(created(format!("/api/v1/contacts/{}", c.id), c))
}

#[utoipa::path(get, path = "/contacts/{id}", tag = "contacts", params(("id" = i64, Path)),
    responses((status = 200, body = Contact, headers(("ETag" = String, description = "The contact's version; send it in If-Match to update only that version"))),
        (status = 404, body = Problem)))]
async fn get_contact(State(s): State<AppState>, Id(id): Id) -> Result<Response, ApiError> {
    let contact = s.store.get_contact(ContactId(id)).await?;
    let version = contact.updated_at;
    Ok(etag::tagged(contact, version))
}

#[utoipa::path(patch, path = "/contacts/{id}", tag = "contacts",
    params(("id" = i64, Path),
        ("If-Match" = Option<String>, Header, description = "Apply the change only if the contact is still at this version (the ETag of a GET); a client that reads, edits and writes back sends it so that it never overwrites a change it did not see")),
    request_body = ContactPatch,
    responses((status = 200, body = Contact, headers(("ETag" = String, description = "The contact's new version"))),
        (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 412, description = "The contact changed since the version named in If-Match", body = Problem),
        (status = 422, body = Problem)))]
async fn update_contact(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
    headers: HeaderMap,
    Json(patch): Json<ContactPatch>,
) -> Result<Response, ApiError> {
    let id = ContactId(id);
    let contact = match etag::if_match(&headers) {
        Some(versions) => {
            s.store
                .update_contact_if(&actor, id, patch, &versions)
                .await?
        }
        None => s.store.update_contact(&actor, id, patch).await?,
    };
    let version = contact.updated_at;
    Ok(etag::tagged(contact, version))
}

#[utoipa::path(delete, path = "/contacts/{id}", tag = "contacts", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
async fn delete_contact(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    s.store.delete_contact(&actor, ContactId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
