//! `/`: the dashboard. Sales cycles started this period against the last (the headline), the
//! account funnel, the open pipeline by stage, and the top accounts by score with their
//! engagement trend. Every figure comes from the same store reports the report API serves, over
//! every account.

use super::charts::{self, BarChart, Column};
use super::{human, money, render, Nav, SignedIn, WebError};
use crate::AppState;
use abcrm_core::reports::{CyclesBy, Period, ReportScope};
use abcrm_core::AccountId;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{Duration, NaiveDate, Utc};
use serde::Deserialize;

/// The dashboard's route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(dashboard))
}

/// How many periods the sales-cycles chart shows.
const CHART_PERIODS: usize = 12;
/// How many accounts the top list shows, and how many weeks their trend covers.
const TOP_ACCOUNTS: u32 = 10;
const TREND_WEEKS: u32 = 12;

#[derive(Debug, Deserialize)]
struct DashboardParams {
    period: Option<String>,
}

/// The headline: cycles started in the current period and the one before.
struct Headline {
    this_label: String,
    last_label: String,
    this_started: u64,
    last_started: u64,
    /// Started in the last period up to the same day of it as today is of this one.
    last_to_date: u64,
    /// That day, and the day after it (the report's exclusive end).
    same_day: NaiveDate,
    same_day_end: NaiveDate,
    this_amount: String,
    change: String,
    direction: &'static str,
    /// The report's range, for the link to the same figures in the API.
    from: NaiveDate,
    to: NaiveDate,
}

struct FunnelRow {
    stage: &'static str,
    reached: u64,
    current: u64,
    conversion: Option<f64>,
    median_days: Option<f64>,
}

struct PipelineRow {
    stage: &'static str,
    opportunities: u64,
    amount: f64,
    amount_text: String,
}

struct TopAccount {
    id: AccountId,
    name: String,
    score: String,
    stage: &'static str,
    sparkline: String,
    recent: u32,
    before: u32,
    trend: &'static str,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    nav: Nav,
    period: &'static str,
    headline: Headline,
    cycle_columns: Vec<Column>,
    funnel: Vec<FunnelRow>,
    funnel_chart: BarChart,
    funnel_accounts: u64,
    pipeline: Vec<PipelineRow>,
    pipeline_chart: BarChart,
    pipeline_total: String,
    pipeline_count: u64,
    top: Vec<TopAccount>,
}

fn parse_period(text: Option<&str>) -> Result<Period, WebError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(Period::Month),
        Some(t) => t.parse().map_err(|_| {
            WebError::BadRequest(format!(
                "the period {t:?} is not one the dashboard knows; use week, month or quarter"
            ))
        }),
    }
}

fn period_name(p: Period) -> &'static str {
    match p {
        Period::Week => "week",
        Period::Month => "month",
        Period::Quarter => "quarter",
    }
}

/// A period's label short enough to sit under a column: `2026-03` -> `Mar`, `2026-Q1` -> `Q1`,
/// `2026-W05` -> `W05`.
fn short_period(label: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let last = label.rsplit('-').next().unwrap_or(label);
    match last.parse::<usize>() {
        Ok(m) if (1..=12).contains(&m) && last.len() == 2 => MONTHS[m - 1].to_string(),
        _ => last.to_string(),
    }
}

/// The start of the period `back` periods before the one holding `today`.
fn period_start_back(period: Period, today: NaiveDate, back: usize) -> NaiveDate {
    let mut start = period.start(today);
    for _ in 0..back {
        start = period.start(start - Duration::days(1));
    }
    start
}

async fn dashboard(
    State(state): State<AppState>,
    me: SignedIn,
    Query(params): Query<DashboardParams>,
) -> Result<Response, WebError> {
    let period = parse_period(params.period.as_deref())?;
    let today = Utc::now().date_naive();
    let scope = ReportScope::all(today);
    let from = period_start_back(period, today, CHART_PERIODS - 1);
    let to = period.next(period.start(today));
    // The period so far is compared with the last one up to the same day, which is fair early
    // in a period; the whole last period is shown beside it.
    let this_start = period.start(today);
    let last_start = period_start_back(period, today, 1);
    let same_day = (last_start + (today - this_start) + Duration::days(1)).min(this_start);
    let store = state.store.as_ref();
    let (cycles, last_to_date, funnel, pipeline, top) = tokio::try_join!(
        store.report_sales_cycles(&scope, period, CyclesBy::Total, from, to),
        store.report_sales_cycles(&scope, period, CyclesBy::Total, last_start, same_day),
        store.report_funnel(&scope, None, true),
        store.report_pipeline(&scope, period, today, true),
        store.top_accounts_by_score(TOP_ACCOUNTS),
    )?;
    let top_ids: Vec<AccountId> = top.iter().map(|s| s.score.account_id).collect();
    let (accounts, weekly) = tokio::try_join!(
        store.get_accounts(&top_ids),
        store.weekly_activity(&top_ids, Utc::now(), TREND_WEEKS),
    )?;

    let rows = &cycles.rows;
    let this = rows.last();
    let last = rows.len().checked_sub(2).and_then(|i| rows.get(i));
    let (this_started, last_started) =
        (this.map_or(0, |r| r.started), last.map_or(0, |r| r.started));
    let last_to_date = last_to_date.total_started;
    let (change, direction) = charts::change(this_started as f64, last_to_date as f64);
    let headline = Headline {
        this_label: this.map(|r| r.period.clone()).unwrap_or_default(),
        last_label: last.map(|r| r.period.clone()).unwrap_or_default(),
        this_started,
        last_started,
        last_to_date,
        same_day: same_day - Duration::days(1),
        same_day_end: same_day,
        this_amount: money(this.map_or(0.0, |r| r.amount)),
        change,
        direction,
        from: last.map_or(from, |r| r.period_start),
        to,
    };
    let cycle_columns = charts::columns(
        &rows
            .iter()
            .map(|r| (short_period(&r.period), r.started))
            .collect::<Vec<_>>(),
        600.0,
        120.0,
    );

    let funnel_rows: Vec<FunnelRow> = funnel
        .stages
        .iter()
        .map(|s| FunnelRow {
            stage: s.stage.as_str(),
            reached: s.reached,
            current: s.current,
            conversion: s.conversion_from_previous,
            median_days: s.median_days_from_previous,
        })
        .collect();
    let funnel_chart = BarChart::new(
        funnel_rows
            .iter()
            .map(|r| {
                let figure = match (r.conversion, r.median_days) {
                    (Some(c), Some(d)) => format!("{} · {:.0}% · {d:.0} d", r.reached, c * 100.0),
                    (Some(c), None) => format!("{} · {:.0}%", r.reached, c * 100.0),
                    _ => r.reached.to_string(),
                };
                (human(r.stage), r.reached as f64, figure, String::new())
            })
            .collect(),
        150,
        380,
    );

    let pipeline_rows: Vec<PipelineRow> = pipeline
        .by_stage
        .iter()
        .map(|s| PipelineRow {
            stage: s.stage.as_str(),
            opportunities: s.opportunities,
            amount: s.amount,
            amount_text: money(s.amount),
        })
        .collect();
    let pipeline_chart = BarChart::new(
        pipeline_rows
            .iter()
            .map(|r| {
                (
                    human(r.stage),
                    r.amount,
                    money(r.amount),
                    format!("{} open", r.opportunities),
                )
            })
            .collect(),
        150,
        380,
    );

    let names: std::collections::HashMap<AccountId, &abcrm_core::model::Account> =
        accounts.iter().map(|a| (a.id, a)).collect();
    let top = top
        .iter()
        .map(|s| {
            let id = s.score.account_id;
            let weeks = weekly.get(&id).cloned().unwrap_or_default();
            let half = weeks.len() / 2;
            let before: u32 = weeks[..half].iter().sum();
            let recent: u32 = weeks[half..].iter().sum();
            let (_, trend) = charts::change(f64::from(recent), f64::from(before));
            TopAccount {
                id,
                name: names
                    .get(&id)
                    .map_or_else(|| format!("Account {}", id.0), |a| a.name.clone()),
                score: format!("{:.1}", s.score.score.as_f64()),
                stage: names.get(&id).map_or("", |a| a.stage.as_str()),
                sparkline: charts::sparkline(&weeks, 120.0, 24.0),
                recent,
                before,
                trend,
            }
        })
        .collect();

    render(&DashboardPage {
        nav: Nav::new(&me, "dashboard"),
        period: period_name(period),
        headline,
        cycle_columns,
        funnel_accounts: funnel.accounts,
        funnel: funnel_rows,
        funnel_chart,
        pipeline_total: money(pipeline.amount),
        pipeline_count: pipeline.opportunities,
        pipeline: pipeline_rows,
        pipeline_chart,
        top,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_step_back_by_whole_periods() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
        assert_eq!(
            period_start_back(Period::Month, day, 2),
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
        );
        assert_eq!(
            period_start_back(Period::Quarter, day, 1),
            NaiveDate::from_ymd_opt(2025, 10, 1).unwrap()
        );
        assert_eq!(
            period_start_back(Period::Month, day, 0),
            Period::Month.start(day)
        );
    }

    #[test]
    fn period_labels_shorten_for_the_chart() {
        assert_eq!(short_period("2026-03"), "Mar");
        assert_eq!(short_period("2026-Q1"), "Q1");
        assert_eq!(short_period("2026-W05"), "W05");
    }

    #[test]
    fn an_unknown_period_is_refused_with_the_choices() {
        assert!(matches!(parse_period(Some("month")), Ok(Period::Month)));
        assert!(matches!(parse_period(None), Ok(Period::Month)));
        let err = parse_period(Some("fortnight")).unwrap_err().to_string();
        assert!(err.contains("week, month or quarter"), "{err}");
    }
}
