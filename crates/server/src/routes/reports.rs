//! `/api/v1/reports`: the revenue process as it is, at the account level.

use crate::extract::Query;
use crate::problem::{ApiError, Problem};
use crate::AppState;
use abcrm_core::model::SegmentTarget;
use abcrm_core::reports::*;
use abcrm_core::SegmentId;
use axum::extract::State;
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The report routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sales_cycles))
        .routes(routes!(funnel_report))
        .routes(routes!(pipeline_report))
        .routes(routes!(coverage_report))
        .routes(routes!(influence_report))
        .routes(routes!(nurture_report))
        .routes(routes!(cost_per_cycle_report))
}

/// Which accounts a report covers: a saved segment, or an ad-hoc filter.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ScopeParams {
    /// A saved segment's name or id; a contact segment selects its contacts' accounts.
    pub segment: Option<String>,
    /// An ad-hoc filter (instead of `segment`).
    pub filter: Option<String>,
    /// What `filter` selects: `contact` (default) or `account`.
    pub target: Option<SegmentTarget>,
}

pub(crate) async fn scope(s: &AppState, p: ScopeParams) -> Result<ReportScope, ApiError> {
    let today = super::segments::today();
    let segment = match (&p.segment, &p.filter) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "give segment or filter, not both",
                Some("filter"),
            ))
        }
        (Some(name), None) => {
            // An id that names no segment is a bad parameter, as a name that names none is:
            // the report exists, the scope asked of it does not.
            let found = match name.trim().parse::<i64>() {
                Ok(id) => match s.store.get_segment(SegmentId(id)).await {
                    Ok(seg) => Some(seg),
                    Err(abcrm_store::StoreError::NotFound { .. }) => None,
                    Err(e) => return Err(e.into()),
                },
                Err(_) => s.store.find_segment(name).await?,
            };
            let seg = found.ok_or_else(|| {
                ApiError::bad_request(
                    format!("no saved segment is named or numbered {name:?}; GET /api/v1/segments lists them"),
                    Some("segment"),
                )
            })?;
            let checked = seg.checked().map_err(|e| {
                ApiError::bad_request(
                    format!("segment {:?} no longer checks: {e}", seg.name),
                    Some("segment"),
                )
            })?;
            Some((checked, seg.target))
        }
        (None, Some(text)) => {
            let target = p.target.unwrap_or(SegmentTarget::Contact);
            Some((super::segments::checked_filter(text, target)?, target))
        }
        (None, None) => None,
    };
    Ok(ReportScope { segment, today })
}

/// Report parameters that carry a scope.
macro_rules! scoped {
    ($($params:ty),*) => {$(
        impl $params {
            pub(crate) fn scope_params(&self) -> ScopeParams {
                ScopeParams {
                    segment: self.segment.clone(),
                    filter: self.filter.clone(),
                    target: self.target,
                }
            }
        }
    )*};
}
scoped!(
    CyclesParams,
    FunnelParams,
    PipelineParams,
    CoverageParams,
    InfluenceParams,
    NurtureParams
);

/// `[from, to)`, by default the twelve months up to and including today.
pub(crate) fn range(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let (default_from, default_to) = default_range(Utc::now().date_naive());
    let (from, to) = (from.unwrap_or(default_from), to.unwrap_or(default_to));
    if from >= to {
        return Err(ApiError::bad_request(
            format!("from ({from}) must be before to ({to})"),
            Some("from"),
        ));
    }
    Ok((from, to))
}

/// Sales cycles started.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CyclesParams {
    /// `week`, `month` (default) or `quarter`.
    pub period: Option<Period>,
    /// `total` (default), `campaign` (source campaign) or `owner`.
    pub by: Option<CyclesBy>,
    /// First day (default: the start of the month eleven months ago).
    pub from: Option<NaiveDate>,
    /// Day after the last (default: tomorrow).
    pub to: Option<NaiveDate>,
    pub segment: Option<String>,
    pub filter: Option<String>,
    pub target: Option<SegmentTarget>,
}

#[utoipa::path(get, path = "/reports/sales-cycles", tag = "reports", params(CyclesParams),
    responses((status = 200, description = "Opportunities created per period: the headline figure", body = CyclesReport), (status = 400, body = Problem)))]
async fn sales_cycles(
    State(s): State<AppState>,
    Query(p): Query<CyclesParams>,
) -> Result<axum::Json<CyclesReport>, ApiError> {
    let sc = scope(&s, p.scope_params()).await?;
    let (from, to) = range(p.from, p.to)?;
    Ok(axum::Json(
        s.store
            .report_sales_cycles(
                &sc,
                p.period.unwrap_or_default(),
                p.by.unwrap_or_default(),
                from,
                to,
            )
            .await?,
    ))
}

/// The account funnel.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FunnelParams {
    /// Only accounts that entered the funnel on or after this day.
    pub since: Option<NaiveDate>,
    /// `true` counts each family (an ultimate parent with its subsidiaries) once, as one
    /// company (default false: every account).
    pub family: Option<bool>,
    pub segment: Option<String>,
    pub filter: Option<String>,
    pub target: Option<SegmentTarget>,
}

#[utoipa::path(get, path = "/reports/funnel", tag = "reports", params(FunnelParams),
    responses((status = 200, description = "Accounts per stage, conversion and median days between stages, per cohort", body = FunnelReport), (status = 400, body = Problem)))]
async fn funnel_report(
    State(s): State<AppState>,
    Query(p): Query<FunnelParams>,
) -> Result<axum::Json<FunnelReport>, ApiError> {
    let sc = scope(&s, p.scope_params()).await?;
    Ok(axum::Json(
        s.store
            .report_funnel(&sc, p.since, p.family.unwrap_or(false))
            .await?,
    ))
}

/// The pipeline.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PipelineParams {
    /// Close periods: `week`, `month` (default) or `quarter`.
    pub period: Option<Period>,
    /// `true` counts each family (an ultimate parent with its subsidiaries) once, as one
    /// company (default false: every account).
    pub family: Option<bool>,
    pub segment: Option<String>,
    pub filter: Option<String>,
    pub target: Option<SegmentTarget>,
}

#[utoipa::path(get, path = "/reports/pipeline", tag = "reports", params(PipelineParams),
    responses((status = 200, description = "Open amount by stage and expected close period", body = PipelineReport), (status = 400, body = Problem)))]
async fn pipeline_report(
    State(s): State<AppState>,
    Query(p): Query<PipelineParams>,
) -> Result<axum::Json<PipelineReport>, ApiError> {
    let sc = scope(&s, p.scope_params()).await?;
    Ok(axum::Json(
        s.store
            .report_pipeline(
                &sc,
                p.period.unwrap_or_default(),
                super::segments::today(),
                p.family.unwrap_or(false),
            )
            .await?,
    ))
}

/// Buying-center coverage.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CoverageParams {
    /// An activity within this many days makes a contact engaged (default 90).
    pub engaged_days: Option<u32>,
    /// List only accounts without an economic buyer.
    pub missing_economic_buyer: Option<bool>,
    /// `true` makes each family (an ultimate parent with its subsidiaries) one row, one
    /// account and one buying center (default false: every account).
    pub family: Option<bool>,
    /// Accounts listed per page, 1 to 1000 (default 100).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    pub segment: Option<String>,
    pub filter: Option<String>,
    pub target: Option<SegmentTarget>,
}

#[utoipa::path(get, path = "/reports/coverage", tag = "reports", params(CoverageParams),
    responses((status = 200, description = "Roles and seniority covered per account, penetration, accounts missing an economic buyer", body = CoveragePage), (status = 400, body = Problem)))]
async fn coverage_report(
    State(s): State<AppState>,
    Query(p): Query<CoverageParams>,
) -> Result<axum::Json<CoveragePage>, ApiError> {
    let sc = scope(&s, p.scope_params()).await?;
    let page = crate::pagination::request(Some(p.limit.unwrap_or(100)), p.cursor.as_deref())?;
    let rows = CoverageRows {
        missing_economic_buyer: p.missing_economic_buyer.unwrap_or(false),
        after: page.after,
        limit: page.limit as usize,
    };
    let engaged_days = p.engaged_days.unwrap_or(90);
    // Counted back from now: a day count past the calendar would overflow the date.
    if engaged_days == 0 || engaged_days > 3650 {
        return Err(ApiError::bad_request(
            "engaged_days must be between 1 and 3650",
            Some("engaged_days"),
        ));
    }
    let report = s
        .store
        .report_coverage(
            &sc,
            engaged_days,
            rows,
            Utc::now(),
            p.family.unwrap_or(false),
        )
        .await?;
    let next_cursor = report.next_after.map(crate::pagination::encode);
    Ok(axum::Json(CoveragePage {
        report,
        next_cursor,
    }))
}

/// The coverage report, with the cursor of the next page of accounts (`null` on the last).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CoveragePage {
    #[serde(flatten)]
    pub report: CoverageReport,
    pub next_cursor: Option<String>,
}

/// Campaign influence.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InfluenceParams {
    /// Opportunities created from this day (default: the start of the month eleven months ago).
    pub from: Option<NaiveDate>,
    /// Until the day before this one (default: tomorrow).
    pub to: Option<NaiveDate>,
    /// Touches this many days before an opportunity was created count (default 90).
    pub window_days: Option<u32>,
    /// Touches anywhere in the account's hierarchy count (default false: only the
    /// opportunity's own account).
    pub hierarchy: Option<bool>,
    /// `responses` (default: registered, attended, responded; clicks, forms, events, meetings,
    /// calls) or `all` (sends and opens too).
    pub touches: Option<Touches>,
    pub segment: Option<String>,
    pub filter: Option<String>,
    pub target: Option<SegmentTarget>,
}

#[utoipa::path(get, path = "/reports/campaign-influence", tag = "reports", params(InfluenceParams),
    responses((status = 200, description = "Per campaign: influenced opportunities and amount, first-touch, last-touch and even-split credit", body = InfluenceReport), (status = 400, body = Problem)))]
async fn influence_report(
    State(s): State<AppState>,
    Query(p): Query<InfluenceParams>,
) -> Result<axum::Json<InfluenceReport>, ApiError> {
    let sc = scope(&s, p.scope_params()).await?;
    let (from, to) = range(p.from, p.to)?;
    Ok(axum::Json(
        s.store
            .report_influence(&sc, from, to, p.options()?)
            .await?,
    ))
}

impl InfluenceParams {
    /// The influence options asked for, the window checked.
    pub(crate) fn options(&self) -> Result<InfluenceOptions, ApiError> {
        let window = self.window_days.unwrap_or(90);
        if window == 0 || window > 3650 {
            return Err(ApiError::bad_request(
                "window_days must be between 1 and 3650",
                Some("window_days"),
            ));
        }
        Ok(InfluenceOptions {
            window_days: window,
            hierarchy: self.hierarchy.unwrap_or(false),
            touches: self.touches.unwrap_or_default(),
        })
    }
}

#[utoipa::path(get, path = "/reports/cost-per-cycle", tag = "reports", params(InfluenceParams),
    responses((status = 200, description = "Per campaign: its budget over the sales cycles started in range that it influenced (the influence report's count), or why there is no such cost: `no_budget` or `no_cycle_started`", body = CostPerCycleReport), (status = 400, body = Problem)))]
async fn cost_per_cycle_report(
    State(s): State<AppState>,
    Query(p): Query<InfluenceParams>,
) -> Result<axum::Json<CostPerCycleReport>, ApiError> {
    let sc = scope(&s, p.scope_params()).await?;
    let (from, to) = range(p.from, p.to)?;
    Ok(axum::Json(
        s.store
            .report_cost_per_cycle(&sc, from, to, p.options()?)
            .await?,
    ))
}

/// The nurture database.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NurtureParams {
    pub segment: Option<String>,
    pub filter: Option<String>,
    pub target: Option<SegmentTarget>,
}

#[utoipa::path(get, path = "/reports/nurture", tag = "reports", params(NurtureParams),
    responses((status = 200, description = "Contacts in nurture by age, conversions by time to convert", body = NurtureReport), (status = 400, body = Problem)))]
async fn nurture_report(
    State(s): State<AppState>,
    Query(p): Query<NurtureParams>,
) -> Result<axum::Json<NurtureReport>, ApiError> {
    let sc = scope(&s, p.scope_params()).await?;
    Ok(axum::Json(s.store.report_nurture(&sc, Utc::now()).await?))
}
