//! `/api/v1/accounts/enrich` and `/api/v1/accounts/{id}/provenance`: firmographics appended to
//! accounts from rows keyed by domain or DUNS (JSON, or a CSV upload), and where each of an
//! account's field values came from.

use crate::extract::{parse_json, Id, Query};
use crate::problem::{ApiError, Problem};
use crate::AppState;
use abcrm_core::csv_file::parse_csv;
use abcrm_core::enrich::{
    check_row, AccountField, CheckedRow, EnrichColumns, EnrichKey, EnrichRow, Provenance,
};
use abcrm_core::model::{Actor, Role, MAX_NAME};
use abcrm_core::{AccountId, ValidationErrors};
use abcrm_store::{EnrichOptions, EnrichReport};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::Extension;
use serde::Deserialize;
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

/// The enrichment routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(enrich))
        .routes(routes!(provenance))
}

/// Rows to enrich accounts with, and how.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrichRequest {
    /// Which field of each row finds its account.
    pub by: EnrichKey,
    /// Where the data comes from (a file name, a vendor and date): kept as the provenance of
    /// every value written, and in the audit log.
    pub source: String,
    /// Also replace values a person entered.
    #[serde(default)]
    pub overwrite: bool,
    /// Create an account for a row whose key no account has.
    #[serde(default)]
    pub create_missing: bool,
    /// Answer the report and change nothing.
    #[serde(default)]
    pub dry_run: bool,
    #[schema(min_items = 1)]
    pub rows: Vec<EnrichRow>,
}

/// With a `text/csv` body, the options go in the query string.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EnrichParams {
    /// `domain` or `duns` (CSV bodies only).
    pub by: Option<EnrichKey>,
    /// Where the data comes from (CSV bodies only).
    pub source: Option<String>,
    pub overwrite: Option<bool>,
    pub create_missing: Option<bool>,
    pub dry_run: Option<bool>,
}

/// Enrichment changes company data for everyone: it is for the admin and marketing roles.
fn may_enrich(actor: &Actor) -> Result<(), ApiError> {
    match actor.role {
        Role::Admin | Role::Marketing => Ok(()),
        _ => Err(ApiError::forbidden(format!(
            "{} may not enrich accounts: enrichment is for the admin and marketing roles",
            actor.label
        ))),
    }
}

#[utoipa::path(post, path = "/accounts/enrich", tag = "accounts", params(EnrichParams),
    request_body(description = "Rows keyed by domain or DUNS: JSON, or a CSV file read as an import reads one (UTF-8, UTF-16 or Windows-1252; commas, semicolons or tabs; headers such as domain or website, duns, name, industry, employees, annual_revenue, country, state, city, parent_domain, parent_duns) with `by` and `source` in the query string",
        content((EnrichRequest = "application/json"), (String = "text/csv"))),
    responses((status = 200, description = "What was filled, overwritten, left in conflict, unknown or created (nothing is written with dry_run)", body = EnrichReport),
        (status = 403, body = Problem), (status = 415, body = Problem),
        (status = 422, description = "A row or option is invalid: every fault, by row and field; nothing was written", body = Problem)))]
async fn enrich(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Query(params): Query<EnrichParams>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<EnrichReport>, ApiError> {
    may_enrich(&actor)?;
    let mime = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let (by, source, rows, options) = match mime.as_str() {
        "application/json" => {
            let given = [
                params.by.is_some(),
                params.source.is_some(),
                params.overwrite.is_some(),
                params.create_missing.is_some(),
                params.dry_run.is_some(),
            ];
            if given.contains(&true) {
                return Err(ApiError::bad_request(
                    "with a JSON body the options go in the body, not the query string",
                    Some("query"),
                ));
            }
            let req: EnrichRequest = parse_json(&body)?;
            let rows = json_rows(req.rows, req.by)?;
            let options = options(req.overwrite, req.create_missing, req.dry_run);
            (req.by, req.source, rows, options)
        }
        "text/csv" => {
            let by = params.by.ok_or_else(|| {
                ApiError::invalid_field("by", "is required with a CSV body: ?by=domain or ?by=duns")
            })?;
            let source = params.source.ok_or_else(|| {
                ApiError::invalid_field(
                    "source",
                    "is required with a CSV body: name the data's origin, e.g. ?source=dnb-2025-06.csv",
                )
            })?;
            let rows = csv_rows(&body, by)?;
            let options = options(
                params.overwrite.unwrap_or(false),
                params.create_missing.unwrap_or(false),
                params.dry_run.unwrap_or(false),
            );
            (by, source, rows, options)
        }
        _ => {
            return Err(ApiError::unreadable_body(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the rows as JSON (Content-Type: application/json) or as a CSV file (Content-Type: text/csv)",
            ))
        }
    };
    let source = source.trim().to_string();
    if source.is_empty()
        || source.chars().count() > MAX_NAME
        || source
            .chars()
            .any(abcrm_core::validation::is_forbidden_control)
    {
        return Err(ApiError::invalid_field(
            "source",
            format!("must name where the data comes from, in 1 to {MAX_NAME} characters with no control characters"),
        ));
    }
    let report = s
        .store
        .enrich_accounts(&actor, &source, by, rows, options, &|_| {})
        .await?;
    Ok(axum::Json(report))
}

fn options(overwrite: bool, create_missing: bool, dry_run: bool) -> EnrichOptions {
    EnrichOptions {
        overwrite,
        create_missing,
        dry_run,
        ..EnrichOptions::default()
    }
}

/// Checks every JSON row; any fault refuses the request, each named `rows[i].field`.
fn json_rows(rows: Vec<EnrichRow>, by: EnrichKey) -> Result<Vec<CheckedRow>, ApiError> {
    if rows.is_empty() {
        return Err(ApiError::invalid_field(
            "rows",
            "is empty; send at least one row",
        ));
    }
    let mut errors = ValidationErrors::default();
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.into_iter().enumerate() {
        match check_row(row, i as u64, by) {
            Ok(r) => out.push(r),
            Err(faults) => {
                for f in faults {
                    errors.push(format!("rows[{i}].{}", f.column), f.reason);
                }
            }
        }
    }
    errors.into_result()?;
    Ok(out)
}

/// Reads and checks a CSV body with the one reader of outside files
/// (`abcrm_core::csv_file`: UTF-8, UTF-16 or Windows-1252, commas, semicolons or tabs, any
/// line ends); any fault refuses the request, each named by line and column.
fn csv_rows(body: &[u8], by: EnrichKey) -> Result<Vec<CheckedRow>, ApiError> {
    let parsed = parse_csv(body).map_err(|why| ApiError::invalid_field("body", why))?;
    let columns = EnrichColumns::from_headers(parsed.headers.iter().map(String::as_str));
    if !columns.has_key(by) {
        return Err(ApiError::invalid_field(
            "body",
            format!(
                "the header has no {} column to find accounts by (found: {})",
                by.as_str(),
                columns.headers().join(",")
            ),
        ));
    }
    let mut errors = ValidationErrors::default();
    // A row the reader could not take refuses the request here: enrichment is all or nothing.
    for (line, why) in &parsed.unreadable {
        errors.push(format!("line {line}"), why.trim_end_matches("; skipped"));
    }
    let mut out = Vec::new();
    for (line, fields) in &parsed.rows {
        let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        match columns.row(*line, &fields, by) {
            Ok(r) => out.push(r),
            Err(faults) => {
                for f in faults {
                    errors.push(format!("line {line}, {}", f.column), f.reason);
                }
            }
        }
    }
    errors.into_result()?;
    Ok(out)
}

#[utoipa::path(get, path = "/accounts/{id}/provenance", tag = "accounts", params(("id" = i64, Path)),
    responses((status = 200, description = "Where each field's value came from, by field; a field absent here counts as entered by a person", body = BTreeMap<AccountField, Provenance>),
        (status = 404, body = Problem)))]
async fn provenance(
    State(s): State<AppState>,
    Id(id): Id,
) -> Result<axum::Json<BTreeMap<AccountField, Provenance>>, ApiError> {
    Ok(axum::Json(s.store.account_provenance(AccountId(id)).await?))
}
