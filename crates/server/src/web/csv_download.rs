//! `/accounts.csv` and `/contacts.csv`: a list page's rows as a CSV download, under abcrm,
//! Salesforce or HubSpot column names. The download takes the list's own parameters (filter,
//! target, sort, search, everyone), so it holds what the list shows: every matching row, not only
//! the page on screen. Rows are written by core's export records and the one CSV writer
//! (`csv_body`), a page at a time as the client reads.

use super::people::text;
use super::{SignedIn, WebError};
use crate::csv_body;
use crate::routes::segments::today;
use crate::AppState;
use abcrm_core::export::{self, ColumnStyle};
use abcrm_core::filter::FilterError;
use abcrm_core::model::{audience, compile, SegmentTarget};
use abcrm_core::AccountId;
use abcrm_store::segments::Export;
use abcrm_store::{AccountTableQuery, ContactQuery, PageRequest, Store};
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// The most accounts one download holds: the sorted list is read by offset, which grows
/// slower with every page. Every matching contact is written (contacts are read by id).
pub const ACCOUNT_ROWS_LIMIT: u64 = 50_000;

/// Rows read per round trip.
const PAGE: u32 = 1000;

/// The download routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts.csv", get(accounts_csv))
        .route("/contacts.csv", get(contacts_csv))
}

/// The column names asked for (`columns`: abcrm, salesforce or hubspot; abcrm when absent).
fn style(raw: &Option<String>) -> Result<ColumnStyle, WebError> {
    match text(raw) {
        None => Ok(ColumnStyle::Abcrm),
        Some(t) => t
            .parse()
            .map_err(|e: String| WebError::BadRequest(format!("columns: {e}"))),
    }
}

fn filter_refused(filter: &str, e: &FilterError) -> WebError {
    let column = filter
        .get(..e.position.min(filter.len()))
        .map_or(0, |before| before.chars().count())
        + 1;
    WebError::BadRequest(format!(
        "filter: {} (at character {column}); correct the filter on the list page, then download again",
        e.message
    ))
}

#[derive(Debug, Default, Deserialize)]
struct AccountsParams {
    filter: Option<String>,
    target: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    columns: Option<String>,
}

async fn accounts_csv(
    State(s): State<AppState>,
    _me: SignedIn,
    Query(p): Query<AccountsParams>,
) -> Result<Response, WebError> {
    let style = style(&p.columns)?;
    let filter = p.filter.clone().unwrap_or_default();
    let target = match text(&p.target) {
        None => None,
        Some(t) => Some(t.parse::<SegmentTarget>().map_err(|_| {
            WebError::BadRequest(format!(
                "target: {t:?} is not a target; use account or contact, or leave it out"
            ))
        })?),
    };
    let (selection, sort, descending) =
        super::accounts::table_order(&filter, target, p.sort, p.dir)
            .map_err(|e| filter_refused(&filter, &e))?;
    let query = AccountTableQuery {
        selection,
        sort,
        descending,
        offset: 0,
        limit: PAGE,
    };
    let header = export::account_header(style)
        .iter()
        .map(|h| h.to_string())
        .collect();
    let body = csv_body::streamed(header, (s.store.clone(), query, today()), account_page);
    Ok(csv_body::attachment("accounts", body))
}

#[derive(Debug, Default, Deserialize)]
struct ContactsParams {
    filter: Option<String>,
    /// Any value: a filter takes people who left or unsubscribed too.
    everyone: Option<String>,
    q: Option<String>,
    columns: Option<String>,
}

async fn contacts_csv(
    State(s): State<AppState>,
    _me: SignedIn,
    Query(p): Query<ContactsParams>,
) -> Result<Response, WebError> {
    let style = style(&p.columns)?;
    let header: Vec<String> = export::contact_header(style)
        .iter()
        .map(|h| h.to_string())
        .collect();
    let body = match text(&p.filter) {
        // A filter is a segment: the people its export reaches, reachable only unless asked.
        Some(filter) => {
            let checked = compile(&filter, SegmentTarget::Contact)
                .map_err(|e| filter_refused(&filter, &e))?;
            let everyone = text(&p.everyone).is_some();
            let checked = audience(checked, SegmentTarget::Contact, everyone);
            let export = Export::new(s.store.clone(), checked, SegmentTarget::Contact, today());
            csv_body::streamed(header, export, |mut export| async move {
                match export.next_rows().await {
                    Ok(Some(rows)) => Ok(Some((rows, export))),
                    Ok(None) => Ok(None),
                    Err(e) => Err(e.to_string()),
                }
            })
        }
        // The plain list or a search: what the list shows, page after page.
        None => {
            let query = ContactQuery {
                search: text(&p.q),
                ..ContactQuery::default()
            };
            csv_body::streamed(header, (s.store.clone(), query, Some(None)), contact_page)
        }
    };
    Ok(csv_body::attachment("contacts", body))
}

/// Where an account download is: the store, the list's query (its offset the next row), today.
type AccountCursor = (Arc<dyn Store>, AccountTableQuery, NaiveDate);

/// The next page of the account list as export records, up to [`ACCOUNT_ROWS_LIMIT`] in all.
async fn account_page(
    (store, mut query, day): AccountCursor,
) -> Result<Option<(Vec<Vec<String>>, AccountCursor)>, String> {
    if query.offset >= ACCOUNT_ROWS_LIMIT {
        return Ok(None);
    }
    query.limit =
        u32::try_from(ACCOUNT_ROWS_LIMIT - query.offset).map_or(PAGE, |left| left.min(PAGE));
    let table = store
        .account_table(&query, day)
        .await
        .map_err(|e| e.to_string())?;
    if table.rows.is_empty() {
        return Ok(None);
    }
    query.offset += table.rows.len() as u64;
    let rows = table
        .rows
        .iter()
        .map(|r| export::account_record(&r.account))
        .collect();
    Ok(Some((rows, (store, query, day))))
}

/// Where a contact download is: the store, the list's query, and the page to read next
/// (`Some(None)` the first, `None` after the last).
type ContactCursor = (Arc<dyn Store>, ContactQuery, Option<Option<i64>>);

/// The next page of the contact list as export records, with each contact's account.
async fn contact_page(
    (store, query, next): ContactCursor,
) -> Result<Option<(Vec<Vec<String>>, ContactCursor)>, String> {
    let Some(after) = next else {
        return Ok(None);
    };
    let page = store
        .list_contacts(&query, PageRequest { after, limit: PAGE })
        .await
        .map_err(|e| e.to_string())?;
    let ids: Vec<AccountId> = page
        .items
        .iter()
        .map(|c| c.account_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let accounts: HashMap<AccountId, _> = store
        .get_accounts(&ids)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let rows = page
        .items
        .iter()
        .map(|c| export::contact_record(c, accounts.get(&c.account_id)))
        .collect();
    Ok(Some((rows, (store, query, page.next_after.map(Some)))))
}
