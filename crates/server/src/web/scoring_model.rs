//! `/admin/model`: the scoring model, edited in the browser by an admin or marketing
//! operations. A save is checked first; a mistake comes back on its line, with a caret under
//! the place and the text as typed, and nothing is saved. A good model is saved as the next
//! version through the store, as `PUT /api/v1/scoring/model` does. "Preview" scores every account
//! under the model as typed and shows which stages would move, saving nothing.

use super::format::{thousands, words};
use super::people::text;
use super::{render, urlencode, Nav, SignedIn, WebError};
use crate::AppState;
use abcrm_core::model::Role;
use abcrm_core::scoring;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

/// The longest model file the page takes: far beyond any real one, well below the body limit.
const MAX_MODEL_BYTES: usize = 256 * 1024;

/// The accounts a preview names, beside the counts.
const PREVIEW_EXAMPLES: usize = 20;

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/model", get(show).post(save))
}

/// Scoring is the admin's and marketing operations', as the API has it.
fn may_change_scoring(me: &SignedIn) -> Result<(), WebError> {
    match me.user.role {
        Role::Admin | Role::Marketing => Ok(()),
        _ => Err(WebError::Forbidden(
            "the scoring model is for the admin and marketing roles".into(),
        )),
    }
}

/// A mistake in the model: where, the line as typed, and why.
struct ModelMistake {
    line: usize,
    column: usize,
    source: String,
    caret: String,
    message: String,
}

#[derive(Template)]
#[template(path = "admin_model.html")]
struct ModelPage {
    nav: Nav,
    name: String,
    version: i64,
    shipped: bool,
    body: String,
    mistake: Option<ModelMistake>,
    notice: Option<String>,
    preview: Option<PreviewView>,
}

/// A preview as the page shows it.
struct PreviewView {
    accounts: String,
    stage_changes: String,
    /// From, to, how many.
    shifts: Vec<(String, String, String)>,
    examples: Vec<PreviewedAccount>,
    missing_campaigns: Vec<String>,
}

struct PreviewedAccount {
    id: i64,
    name: String,
    from: String,
    to: String,
    score_now: String,
    score_after: String,
    reason: String,
}

impl PreviewView {
    fn of(p: &abcrm_store::ModelPreview) -> PreviewView {
        PreviewView {
            accounts: thousands(p.accounts),
            stage_changes: thousands(p.stage_changes),
            shifts: p
                .shifts
                .iter()
                .map(|s| {
                    (
                        words(s.from.as_str()),
                        words(s.to.as_str()),
                        thousands(s.accounts),
                    )
                })
                .collect(),
            examples: p
                .examples
                .iter()
                .map(|m| PreviewedAccount {
                    id: m.account_id.0,
                    name: m.name.clone(),
                    from: words(m.from.as_str()),
                    to: words(m.to.as_str()),
                    score_now: m
                        .score_now
                        .map_or_else(|| "not scored".into(), |s| s.to_string()),
                    score_after: m.score_after.to_string(),
                    reason: m.reason.clone(),
                })
                .collect(),
            missing_campaigns: p.missing_campaigns.clone(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct Said {
    done: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    me: SignedIn,
    Query(said): Query<Said>,
) -> Result<Response, WebError> {
    may_change_scoring(&me)?;
    let m = state.store.scoring_model().await?;
    render(&ModelPage {
        nav: Nav::new(&me, "admin"),
        shipped: m.id.is_none(),
        name: m.name,
        version: m.version,
        body: m.body,
        mistake: None,
        notice: text(&said.done),
        preview: None,
    })
}

#[derive(Debug, Deserialize)]
struct ModelForm {
    body: Option<String>,
    /// `preview` to see what the model would move without saving it; anything else saves.
    action: Option<String>,
}

async fn save(
    State(state): State<AppState>,
    me: SignedIn,
    Form(form): Form<ModelForm>,
) -> Result<Response, WebError> {
    may_change_scoring(&me)?;
    let body = form.body.unwrap_or_default().replace("\r\n", "\n");
    if body.len() > MAX_MODEL_BYTES {
        return Err(WebError::BadRequest(format!(
            "body: a model of {} bytes is too long; the most is {MAX_MODEL_BYTES}",
            body.len()
        )));
    }
    let previewing = form.action.as_deref() == Some("preview");
    let mut preview = None;
    let mistake = match scoring::parse_model(&body) {
        Err(e) => Some(mistake_of(&body, &e)),
        Ok(_) if previewing => {
            let p = state
                .store
                .preview_scoring_model(&body, chrono::Utc::now(), PREVIEW_EXAMPLES)
                .await?;
            preview = Some(PreviewView::of(&p));
            None
        }
        Ok(_) => match state.store.save_scoring_model(&me.actor, &body).await {
            Ok(saved) => {
                let done = format!(
                    "Saved {} version {}: scores follow it as accounts change; `abcrm score recompute` rescores every account now",
                    saved.name, saved.version
                );
                return Ok(
                    Redirect::to(&format!("/admin/model?done={}", urlencode(&done)))
                        .into_response(),
                );
            }
            Err(abcrm_store::StoreError::Invalid(e)) => Some(ModelMistake {
                line: 1,
                column: 1,
                source: String::new(),
                caret: String::new(),
                message: e.to_string(),
            }),
            Err(e) => return Err(e.into()),
        },
    };
    let current = state.store.scoring_model().await?;
    let page = ModelPage {
        nav: Nav::new(&me, "admin"),
        shipped: current.id.is_none(),
        name: current.name,
        version: current.version,
        body,
        mistake,
        notice: None,
        preview,
    };
    if page.mistake.is_none() {
        return render(&page);
    }
    super::form::refused(render(&page)?)
}

fn mistake_of(body: &str, e: &scoring::ModelError) -> ModelMistake {
    let source = body.lines().nth(e.line.saturating_sub(1)).unwrap_or("");
    ModelMistake {
        line: e.line,
        column: e.column,
        source: source.to_string(),
        caret: format!("{}^", " ".repeat(e.column.saturating_sub(1))),
        message: e.message.clone(),
    }
}
