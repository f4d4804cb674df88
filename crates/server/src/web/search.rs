//! `/search`: the search box at the top of every page. The whole page of results works without
//! JavaScript; as a person types, htmx asks `/search/suggest` for the few best of each kind.

use super::{render, Nav, SignedIn, WebError};
use crate::AppState;
use abcrm_core::search::{SearchHit, SearchKind, SearchQuery};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

/// Results of each kind on the results page.
const PAGE_LIMIT: usize = 25;
/// Results of each kind under the box while typing.
const SUGGEST_LIMIT: usize = 5;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/search", get(search_page))
        .route("/search/suggest", get(suggest))
        .route("/search/account-options", get(account_options))
}

#[derive(Deserialize)]
struct SearchParams {
    /// What was typed; an account field sends it under its own name, `account`.
    #[serde(default, alias = "account")]
    q: String,
}

/// One kind's results, as the page lists them.
struct Group {
    id: &'static str,
    heading: &'static str,
    hits: Vec<Row>,
}

struct Row {
    href: String,
    name: String,
    /// The email or domains, and the company, joined for the line under the name.
    context: String,
}

fn groups(hits: Vec<SearchHit>) -> Vec<Group> {
    SearchKind::ALL
        .into_iter()
        .map(|kind| {
            let (id, heading, one, base) = match kind {
                SearchKind::Account => ("search-accounts", "Accounts", "Account", "/accounts"),
                SearchKind::Contact => ("search-contacts", "Contacts", "Contact", "/contacts"),
                SearchKind::Opportunity => (
                    "search-opportunities",
                    "Opportunities",
                    "Opportunity",
                    "/opportunities",
                ),
            };
            let hits = hits
                .iter()
                .filter(|h| h.kind == kind)
                .map(|h| Row {
                    href: format!("{base}/{}", h.id),
                    name: if h.name.is_empty() {
                        format!("{one} {}", h.id)
                    } else {
                        h.name.clone()
                    },
                    context: [h.detail.as_str(), h.company.as_str()]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(" · "),
                })
                .collect();
            Group { id, heading, hits }
        })
        .collect()
}

/// What the store found for `text`, or why nothing was looked up.
async fn find(
    state: &AppState,
    text: &str,
    limit: usize,
) -> Result<Result<Vec<Group>, String>, WebError> {
    match SearchQuery::parse(text) {
        Ok(query) => Ok(Ok(groups(state.store.search(&query, limit).await?))),
        Err(e) => Ok(Err(e.to_string())),
    }
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    nav: Nav,
    q: String,
    groups: Vec<Group>,
    /// Why the words were not looked up (too short, too long); empty when they were.
    problem: String,
    found: usize,
}

async fn search_page(
    State(state): State<AppState>,
    me: SignedIn,
    Query(p): Query<SearchParams>,
) -> Result<Response, WebError> {
    let (groups, problem) = if p.q.trim().is_empty() {
        (Vec::new(), String::new())
    } else {
        match find(&state, &p.q, PAGE_LIMIT).await? {
            Ok(groups) => (groups, String::new()),
            Err(problem) => (Vec::new(), problem),
        }
    };
    render(&SearchPage {
        nav: Nav::new(&me, "search"),
        found: groups.iter().map(|g| g.hits.len()).sum(),
        q: p.q,
        groups,
        problem,
    })
}

#[derive(Template)]
#[template(path = "search_suggest.html")]
struct Suggestions {
    q: String,
    groups: Vec<Group>,
    problem: String,
    /// Whether the words were looked up (not when fewer than three letters are typed yet).
    searched: bool,
    found: usize,
}

async fn suggest(
    State(state): State<AppState>,
    _me: SignedIn,
    Query(p): Query<SearchParams>,
) -> Result<Response, WebError> {
    let (groups, problem, searched) = match find(&state, &p.q, SUGGEST_LIMIT).await? {
        Ok(groups) => (groups, String::new(), true),
        // Two letters typed are not a mistake yet: nothing to show, and nothing to scold.
        Err(_) if p.q.trim().chars().count() < 3 => (Vec::new(), String::new(), false),
        Err(problem) => (Vec::new(), problem, false),
    };
    render(&Suggestions {
        found: groups.iter().map(|g| g.hits.len()).sum(),
        q: p.q,
        groups,
        problem,
        searched,
    })
}

/// Accounts offered to an account field as one types (a `<datalist>`): `Name (#id)`, which
/// [`super::form::account_named`] reads back, with the domains beside.
#[derive(Template)]
#[template(
    source = "{% for (value, label) in options %}<option value=\"{{ value }}\">{{ label }}</option>{% endfor %}",
    ext = "html"
)]
struct AccountOptions {
    options: Vec<(String, String)>,
}

async fn account_options(
    State(state): State<AppState>,
    _me: SignedIn,
    Query(p): Query<SearchParams>,
) -> Result<Response, WebError> {
    // The field may already hold a picked `Name (#id)`: look up the name.
    let typed =
        p.q.rsplit_once(" (#")
            .map_or(p.q.as_str(), |(name, _)| name);
    let options = match SearchQuery::parse(typed) {
        Ok(query) => state
            .store
            .search(&query, SUGGEST_LIMIT * 2)
            .await?
            .into_iter()
            .filter(|h| h.kind == SearchKind::Account)
            .map(|h| (super::form::picked_name(&h.name, h.id), h.detail))
            .collect(),
        Err(_) => Vec::new(),
    };
    render(&AccountOptions { options })
}
