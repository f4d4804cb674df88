//! `/api/v1/search`: accounts, contacts and opportunities for what a person typed, ranked.

use crate::extract::Query;
use crate::problem::{ApiError, Problem};
use crate::AppState;
use abcrm_core::search::{SearchHit, SearchQuery, MAX_LIMIT};
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// The search route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}

/// Results of each kind when the request does not say.
const DEFAULT_LIMIT: u32 = 10;

/// What to search for.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Words of a name, email, domain or company (at most six; one of three letters or more),
    /// any part of a word, any case. A long word (six letters or more) with a slip in it is found
    /// when nothing is spelled that way.
    #[param(min_length = 1, max_length = 100)]
    pub q: String,
    /// Most results of each kind (accounts, contacts, opportunities).
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<u32>,
}

/// Search results: accounts first, then contacts, then opportunities, each best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    pub query: String,
    pub results: Vec<SearchHit>,
}

#[utoipa::path(get, path = "/search", tag = "search", params(SearchParams),
    responses((status = 200, body = SearchResults), (status = 400, body = Problem)))]
async fn search(
    State(s): State<AppState>,
    Query(p): Query<SearchParams>,
) -> Result<axum::Json<SearchResults>, ApiError> {
    let limit = p.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT as u32).contains(&limit) {
        return Err(ApiError::bad_request(
            format!("limit must be between 1 and {MAX_LIMIT}"),
            Some("limit"),
        ));
    }
    let query =
        SearchQuery::parse(&p.q).map_err(|e| ApiError::bad_request(e.to_string(), Some("q")))?;
    let results = s.store.search(&query, limit as usize).await?;
    Ok(axum::Json(SearchResults {
        query: p.q,
        results,
    }))
}
