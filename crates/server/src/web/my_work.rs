//! `/my-work`: what the signed-in person should do next. Their open tasks (due first), their open deals (those past their close
//! date first), their accounts with nobody known to hold the budget, and the people waiting in
//! review. Each list links to the page where the work is done.

use super::format::{grouped, human};
use super::tasks::{agenda_of, TaskRow};
use super::{render, Nav, SignedIn, WebError};
use crate::AppState;
use abcrm_core::model::{compile, IntakeOutcome, SegmentTarget};
use abcrm_core::reports::{CoverageRows, ReportScope};
use abcrm_store::{BoardQuery, IntakeQuery};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::Utc;

/// How many of the person's accounts without an economic buyer the page lists.
const GAPS_SHOWN: usize = 25;
/// How many of the person's open tasks the page lists.
const TASKS_SHOWN: usize = 50;
/// What counts as engaged for the coverage the page reads, as the coverage report's default.
const ENGAGED_DAYS: u32 = 90;

pub fn routes() -> Router<AppState> {
    Router::new().route("/my-work", get(my_work))
}

struct DealRow {
    id: i64,
    name: String,
    account_id: i64,
    account_name: String,
    stage: String,
    amount: String,
    close_date: String,
    overdue: bool,
}

struct GapRow {
    account_id: i64,
    account_name: String,
    contacts: u64,
}

#[derive(Template)]
#[template(path = "my_work.html")]
struct MyWorkPage {
    nav: Nav,
    deals: Vec<DealRow>,
    gaps: Vec<GapRow>,
    gaps_total: u64,
    waiting: u64,
    /// The account list of all of them.
    gaps_href: String,
    /// What the last action did (a task marked done).
    notice: Option<String>,
    /// The person's open tasks, due first.
    tasks: Vec<TaskRow>,
    tasks_total: u64,
}

#[derive(Debug, Default, serde::Deserialize)]
struct Said {
    done: Option<String>,
}

async fn my_work(
    State(state): State<AppState>,
    me: SignedIn,
    Query(said): Query<Said>,
) -> Result<Response, WebError> {
    let now = Utc::now();
    let today = now.date_naive();
    let board = state
        .store
        .opportunity_board(&BoardQuery {
            owner: Some(me.user.id),
            account_name: None,
            closed_since: today,
            include: None,
        })
        .await?;
    let mut deals: Vec<DealRow> = board
        .cards
        .into_iter()
        .filter(|c| c.opportunity.stage.is_open())
        .map(|c| {
            let o = c.opportunity;
            DealRow {
                id: o.id.0,
                overdue: o.close_date.is_some_and(|d| d < today),
                close_date: o.close_date.map(|d| d.to_string()).unwrap_or_default(),
                name: o.name,
                account_id: o.account_id.0,
                account_name: c.account_name,
                stage: human(o.stage.as_str()),
                amount: o.amount.map(grouped).unwrap_or_default(),
            }
        })
        .collect();
    // Past their close date first, then by close date (none last).
    deals.sort_by(|a, b| {
        (!a.overdue, a.close_date.is_empty(), &a.close_date).cmp(&(
            !b.overdue,
            b.close_date.is_empty(),
            &b.close_date,
        ))
    });
    let mine = compile(
        &format!("account.owner_id = {}", me.user.id.0),
        SegmentTarget::Account,
    )
    .map_err(|e| WebError::Internal(format!("the owner filter: {e:?}")))?;
    let scope = ReportScope {
        segment: Some((mine, SegmentTarget::Account)),
        today,
    };
    let coverage = state
        .store
        .report_coverage(
            &scope,
            ENGAGED_DAYS,
            CoverageRows {
                missing_economic_buyer: true,
                after: None,
                limit: GAPS_SHOWN,
            },
            now,
            false,
        )
        .await?;
    let waiting = state
        .store
        .count_intake(&IntakeQuery {
            outcome: Some(IntakeOutcome::NeedsReview),
            hide_duplicates: true,
            ..IntakeQuery::default()
        })
        .await?;
    let (tasks, tasks_total) = agenda_of(&state, me.user.id, TASKS_SHOWN).await?;
    render(&MyWorkPage {
        nav: Nav::new(&me, "my-work"),
        notice: super::people::text(&said.done),
        tasks,
        tasks_total,
        deals,
        gaps_total: coverage.accounts_missing_economic_buyer,
        gaps: coverage
            .rows
            .into_iter()
            .map(|r| GapRow {
                account_id: r.account_id,
                account_name: r.account_name,
                contacts: r.contacts,
            })
            .collect(),
        waiting,
        gaps_href: format!(
            "/accounts?filter={}",
            super::urlencode(&format!(
                "account.owner_id = {} and not has contact where buying_role = \"economic_buyer\" and status != \"left_company\"",
                me.user.id.0
            ))
        ),
    })
}
