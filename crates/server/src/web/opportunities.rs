//! `/opportunities`: the board, one column per stage, and moving a card to another stage.
//!
//! A move goes through the store's `update_opportunity`, as `PATCH /api/v1/opportunities/{id}`
//! does, so the account stage and scores follow exactly as they do for the API. Without
//! JavaScript each card's form posts and the board comes back (Post/Redirect/Get); with it the
//! select submits on change, and dragging a card to a column posts the same form with `fetch`
//! (asking for JSON) and moves the card in place.

use super::format::{grouped, human};
use super::{query_string, render, urlencode, Nav, SignedIn, WebError};
use crate::AppState;
use abcrm_core::model::{OpportunityPatch, OpportunityStage};
use abcrm_core::patch::Patch;
use abcrm_core::OpportunityId;
use abcrm_store::{Board, BoardCard, BoardQuery, StoreError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;

/// How far back the closed columns show opportunities; older ones are only counted.
pub const CLOSED_DAYS: i64 = 90;

/// The board's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/opportunities", get(board))
        .route("/opportunities/{id}/stage", post(move_stage))
}

/// The board's filters, kept in its address.
#[derive(Debug, Default, Deserialize)]
struct BoardParams {
    /// `mine` for the signed-in user's opportunities; anything else is everyone's.
    owner: Option<String>,
    /// Text the account's name contains.
    account: Option<String>,
    /// The card just moved: shown even when it closed long ago, and highlighted.
    moved: Option<String>,
    /// What was done, for the notice.
    done: Option<String>,
}

impl BoardParams {
    fn mine(&self) -> bool {
        self.owner.as_deref() == Some("mine")
    }

    fn account_text(&self) -> &str {
        self.account.as_deref().map(str::trim).unwrap_or("")
    }

    /// The query string that keeps these filters, starting with `?` (or empty).
    fn filter_query(&self) -> String {
        let owner = if self.mine() { "mine" } else { "" };
        query_string(&[
            ("owner", owner.to_string()),
            ("account", self.account_text().to_string()),
        ])
    }
}

/// A card as the template shows it.
struct CardView {
    id: i64,
    name: String,
    account_id: i64,
    account_name: String,
    amount: Option<f64>,
    close_date: String,
    owner: String,
    /// "Ada Lovelace", "champion", primary.
    roles: Vec<(String, String, bool)>,
    stage: OpportunityStage,
}

impl CardView {
    fn of(c: BoardCard) -> CardView {
        let o = c.opportunity;
        CardView {
            id: o.id.0,
            name: o.name,
            account_id: o.account_id.0,
            account_name: c.account_name,
            amount: o.amount,
            close_date: o.close_date.map(|d| d.to_string()).unwrap_or_default(),
            owner: c.owner_name.unwrap_or_default(),
            roles: c
                .roles
                .into_iter()
                .map(|r| (r.name, r.role.as_str().replace('_', " "), r.is_primary))
                .collect(),
            stage: o.stage,
        }
    }

    fn amount_text(&self) -> String {
        self.amount.map(grouped).unwrap_or_default()
    }

    /// The raw amount for the script's totals (0 without one).
    fn amount_attr(&self) -> String {
        self.amount.unwrap_or(0.0).to_string()
    }
}

/// One stage's column.
struct ColumnView {
    stage: OpportunityStage,
    cards: Vec<CardView>,
    /// Closed opportunities older than the window: count and amount.
    older: Option<(i64, f64)>,
}

impl ColumnView {
    fn key(&self) -> &'static str {
        self.stage.as_str()
    }

    fn label(&self) -> String {
        human(self.stage.as_str())
    }

    fn count(&self) -> usize {
        self.cards.len()
    }

    fn total(&self) -> String {
        grouped(self.cards.iter().filter_map(|c| c.amount).sum())
    }

    fn older_text(&self) -> String {
        match self.older {
            Some((n, amount)) => format!(
                "{n} closed more than {CLOSED_DAYS} days ago ({}) not shown",
                grouped(amount)
            ),
            None => String::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "opportunities.html")]
struct BoardPage {
    nav: Nav,
    columns: Vec<ColumnView>,
    stages: Vec<(&'static str, String)>,
    mine: bool,
    account: String,
    /// Hidden fields the move forms carry to keep the filters.
    keep_owner: String,
    done: Option<String>,
    moved: Option<i64>,
    /// A refused move: the card and why.
    error: Option<(i64, String)>,
}

impl BoardPage {
    fn error_for(&self, id: &i64) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(e, _)| e == id)
            .map(|(_, m)| m.as_str())
    }

    fn is_moved(&self, id: &i64) -> bool {
        self.moved == Some(*id)
    }
}

/// Puts the cards in their stage's column, in the enum's order.
fn columns_of(board: Board) -> Vec<ColumnView> {
    let mut columns: Vec<ColumnView> = OpportunityStage::ALL
        .iter()
        .map(|&stage| ColumnView {
            stage,
            cards: Vec::new(),
            older: board
                .older
                .iter()
                .find(|(s, _, _)| *s == stage)
                .map(|&(_, n, amount)| (n, amount)),
        })
        .collect();
    for card in board.cards {
        let stage = card.opportunity.stage;
        if let Some(col) = columns.iter_mut().find(|c| c.stage == stage) {
            col.cards.push(CardView::of(card));
        }
    }
    columns
}

async fn board_page(
    state: &AppState,
    me: &SignedIn,
    params: &BoardParams,
    moved: Option<i64>,
    error: Option<(i64, String)>,
) -> Result<BoardPage, WebError> {
    let today = chrono::Utc::now().date_naive();
    let query = BoardQuery {
        owner: params.mine().then_some(me.user.id),
        account_name: Some(params.account_text().to_string()).filter(|t| !t.is_empty()),
        closed_since: today - chrono::Duration::days(CLOSED_DAYS),
        include: moved
            .or(error.as_ref().map(|(id, _)| *id))
            .map(OpportunityId),
    };
    let board = state.store.opportunity_board(&query).await?;
    Ok(BoardPage {
        nav: Nav::new(me, "opportunities"),
        columns: columns_of(board),
        stages: OpportunityStage::ALL
            .iter()
            .map(|&s| (s.as_str(), human(s.as_str())))
            .collect(),
        mine: params.mine(),
        account: params.account_text().to_string(),
        keep_owner: if params.mine() { "mine" } else { "" }.to_string(),
        done: params.done.clone().filter(|d| !d.is_empty()),
        moved,
        error,
    })
}

async fn board(
    State(state): State<AppState>,
    me: SignedIn,
    Query(params): Query<BoardParams>,
) -> Result<Response, WebError> {
    let moved = params.moved.as_deref().and_then(|m| m.parse().ok());
    render(&board_page(&state, &me, &params, moved, None).await?)
}

/// The move form: the new stage, and the board's filters to come back to.
#[derive(Debug, Deserialize)]
struct MoveForm {
    stage: Option<String>,
    owner: Option<String>,
    account: Option<String>,
}

/// Parses the stage a form sent, with the message a person reads when it is not one.
pub fn parse_stage(value: Option<&str>) -> Result<OpportunityStage, String> {
    let value = value.map(str::trim).unwrap_or("");
    if value.is_empty() {
        return Err("choose the stage to move the opportunity to".into());
    }
    value.parse::<OpportunityStage>().map_err(|_| {
        format!(
            "\"{value}\" is not a stage; choose one of: {}",
            OpportunityStage::ALL
                .iter()
                .map(|s| human(s.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// Whether the request came from the board's script, which wants JSON back.
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

async fn move_stage(
    State(state): State<AppState>,
    me: SignedIn,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<MoveForm>,
) -> Result<Response, WebError> {
    let json = wants_json(&headers);
    let id: i64 = id
        .parse()
        .map_err(|_| WebError::NotFound(format!("there is no opportunity {id}")))?;
    let params = BoardParams {
        owner: form.owner.clone(),
        account: form.account.clone(),
        moved: None,
        done: None,
    };
    let moved = match parse_stage(form.stage.as_deref()) {
        Err(message) => Err((StatusCode::UNPROCESSABLE_ENTITY, message)),
        Ok(stage) => {
            let patch = OpportunityPatch {
                stage: Patch::Set(stage),
                ..OpportunityPatch::default()
            };
            match state
                .store
                .update_opportunity(&me.actor, OpportunityId(id), patch)
                .await
            {
                Ok(opp) => Ok(opp),
                Err(StoreError::NotFound { .. }) => Err((
                    StatusCode::NOT_FOUND,
                    format!("opportunity {id} no longer exists; reload the board"),
                )),
                Err(StoreError::Invalid(errors)) => Err((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("the opportunity cannot move: {errors}"),
                )),
                Err(StoreError::Conflict { message, .. }) => Err((
                    StatusCode::CONFLICT,
                    format!("the opportunity cannot move: {message}"),
                )),
                Err(e) => return Err(e.into()),
            }
        }
    };
    match moved {
        Ok(opp) if json => Ok(Json(serde_json::json!({
            "id": opp.id.0,
            "stage": opp.stage.as_str(),
            "label": human(opp.stage.as_str()),
            "name": opp.name,
        }))
        .into_response()),
        Ok(opp) => {
            let done = format!("{} moved to {}", opp.name, human(opp.stage.as_str()));
            let filters = params.filter_query();
            let sep = if filters.is_empty() { '?' } else { '&' };
            let to = format!(
                "/opportunities{filters}{sep}moved={id}&done={}#opp-{id}",
                urlencode(&done)
            );
            Ok(Redirect::to(&to).into_response())
        }
        Err((status, message)) if json => {
            Ok((status, Json(serde_json::json!({ "error": message }))).into_response())
        }
        Err((StatusCode::NOT_FOUND, message)) => Err(WebError::NotFound(message)),
        Err((status, message)) => {
            let page = board_page(&state, &me, &params, None, Some((id, message))).await?;
            let mut res = render(&page)?;
            *res.status_mut() = status;
            Ok(res)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stage_is_parsed_forgivingly_and_a_wrong_one_is_explained() {
        assert_eq!(
            parse_stage(Some("closed_won")),
            Ok(OpportunityStage::ClosedWon)
        );
        assert_eq!(
            parse_stage(Some(" Closed Lost ")),
            Ok(OpportunityStage::ClosedLost)
        );
        let err = parse_stage(Some("flying")).unwrap_err();
        assert!(err.contains("\"flying\" is not a stage"), "{err}");
        assert!(err.contains("Closed won"), "{err}");
        assert!(parse_stage(None).unwrap_err().contains("choose the stage"));
    }

    #[test]
    fn filters_are_kept_in_the_address() {
        let p = BoardParams {
            owner: Some("mine".into()),
            account: Some(" Acme & Co ".into()),
            ..BoardParams::default()
        };
        assert_eq!(p.filter_query(), "?owner=mine&account=Acme+%26+Co");
        assert_eq!(BoardParams::default().filter_query(), "");
    }
}
