//! `/opportunities/{id}`: one opportunity. Its facts and contact roles, the form that edits
//! what a person owns of it (name, stage, amount, close date, owner), the work logged on it and
//! its audit trail. A save goes through the store's `update_opportunity`, as
//! `PATCH /api/v1/opportunities/{id}` does; a refused value comes back beside its field with
//! what was typed, and nothing is lost.

use super::activity_log::{self, TimelineItem};
use super::form::owner_choices;
use super::form::{refused, FieldErrors};
use super::format::{grouped, human, words};
use super::history::{history, HistoryItem};
use super::opportunity_form::{people_of, OpportunityForm, OpportunityFormView};
use super::people::{path_id, text, when};
use super::quick_edit::{self, QuickField};
use super::tasks::{self, TaskPanel, TaskRecord};
use super::{render, urlencode, Nav, SignedIn, WebError};
use crate::AppState;
use abcrm_core::model::{ContactRole, Opportunity, OpportunityPatch};
use abcrm_core::patch::Patch;
use abcrm_core::{ContactId, OpportunityId, UserId};
use abcrm_store::{ActivityQuery, StoreError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use std::collections::HashMap;

/// The page's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/opportunities/{id}", get(show).post(save))
        .route("/opportunities/{id}/roles", post(add_role))
        .route(
            "/opportunities/{id}/roles/{contact}/remove",
            post(remove_role),
        )
}

/// The fields of the edit form, in its order.
const FIELDS: [&str; 5] = ["name", "stage", "amount", "close_date", "owner_id"];

struct RoleView {
    contact_id: i64,
    name: String,
    role: String,
    primary: bool,
}

#[derive(Template)]
#[template(path = "opportunity.html")]
pub struct OpportunityPage {
    nav: Nav,
    id: i64,
    name: String,
    account_id: i64,
    account_name: String,
    stage: String,
    open: bool,
    amount: String,
    close_date: String,
    owner: String,
    started: String,
    roles: Vec<RoleView>,
    /// The edit form (`opportunity_fields.html`), with a refused save's errors.
    of: OpportunityFormView,
    /// The form that gives a contact a role (`role_fields.html`), with a refused one's errors.
    rf: OpportunityFormView,
    notice: Option<String>,
    timeline: Vec<TimelineItem>,
    timeline_of_account: bool,
    log_action: String,
    log_kinds: Vec<(&'static str, String)>,
    log_people: Vec<(i64, String)>,
    history: Vec<HistoryItem>,
    tasks: TaskPanel,
    /// The fields changed in place (`quick_fields.html`); none for a read-only user.
    quick: Vec<QuickField>,
}

/// The opportunity's page. `edit` and `role` are a refused form to show with its errors (none:
/// the edit form holds the opportunity as it is, the role form is empty).
pub async fn opportunity_page(
    state: &AppState,
    me: &SignedIn,
    o: Opportunity,
    edit: Option<(OpportunityForm, FieldErrors)>,
    role: Option<(OpportunityForm, FieldErrors)>,
    notice: Option<String>,
) -> Result<OpportunityPage, WebError> {
    let store = &state.store;
    let account = store.get_account(o.account_id).await?;
    let people = people_of(state, o.account_id).await?;
    let names: HashMap<ContactId, String> = people
        .iter()
        .map(|(id, name)| (ContactId(*id), name.clone()))
        .collect();
    let name_of = |c: ContactId| {
        names
            .get(&c)
            .cloned()
            .unwrap_or_else(|| format!("contact {}", c.0))
    };
    let owners = owner_choices(state).await?;
    let user_name = |u: UserId| {
        owners
            .iter()
            .find(|(id, _)| *id == u.0)
            .map(|(_, name)| name.clone())
            .unwrap_or_else(|| format!("user {}", u.0))
    };
    let activities = store
        .recent_activities(
            &ActivityQuery {
                opportunity_id: Some(o.id),
                ..ActivityQuery::default()
            },
            50,
        )
        .await?;
    let history = history(state, "opportunity", o.id.0).await?;
    let tasks = tasks::panel(
        state,
        me,
        TaskRecord::Opportunity(o.id),
        owners.clone(),
        None,
    )
    .await?;
    let mut log_people: Vec<(i64, String)> = o
        .contact_roles
        .iter()
        .map(|r| (r.contact_id.0, name_of(r.contact_id)))
        .collect();
    log_people.extend(
        people
            .iter()
            .filter(|(id, _)| !o.contact_roles.iter().any(|r| r.contact_id.0 == *id))
            .cloned(),
    );
    let quick = if me.can_write() {
        let now = OpportunityFormView {
            form: OpportunityForm::of(&o),
            errors: FieldErrors::default(),
            owners: owners.clone(),
            people: Vec::new(),
        };
        quick_edit::opportunity_fields(&now, o.id, &me.csrf)
    } else {
        Vec::new()
    };
    let (form, errors) = edit.unwrap_or_else(|| (OpportunityForm::of(&o), FieldErrors::default()));
    let (role_form, role_errors) = role.unwrap_or_default();
    Ok(OpportunityPage {
        nav: Nav::new(me, "opportunities"),
        quick,
        id: o.id.0,
        name: o.name.clone(),
        account_id: account.id.0,
        account_name: account.name,
        stage: human(o.stage.as_str()),
        open: o.stage.is_open(),
        amount: o.amount.map(grouped).unwrap_or_default(),
        close_date: o.close_date.map(|d| d.to_string()).unwrap_or_default(),
        owner: o.owner_id.map(user_name).unwrap_or_default(),
        started: when(&o.created_at),
        roles: o
            .contact_roles
            .iter()
            .map(|r| RoleView {
                contact_id: r.contact_id.0,
                name: name_of(r.contact_id),
                role: words(r.role.as_str()),
                primary: r.is_primary,
            })
            .collect(),
        of: OpportunityFormView {
            form,
            errors,
            owners: owners.clone(),
            people: Vec::new(),
        },
        rf: OpportunityFormView {
            form: role_form,
            errors: role_errors,
            owners: Vec::new(),
            people: people.clone(),
        },
        notice,
        timeline: activities
            .iter()
            .map(|a| TimelineItem::of(a, |c| Some(name_of(c))))
            .collect(),
        timeline_of_account: false,
        log_action: format!("/opportunities/{}/activities", o.id.0),
        log_kinds: activity_log::kind_options(),
        log_people,
        history,
        tasks,
    })
}

#[derive(Debug, Default, Deserialize)]
struct ShowParams {
    done: Option<String>,
    task_error: Option<String>,
}

async fn load(state: &AppState, raw: &str) -> Result<Opportunity, WebError> {
    let id = OpportunityId(path_id(raw, "opportunity")?);
    match state.store.get_opportunity(id).await {
        Err(StoreError::NotFound { .. }) => Err(WebError::NotFound(format!(
            "opportunity {} does not exist: it may have been deleted. Find it on the board.",
            id.0
        ))),
        other => Ok(other?),
    }
}

async fn show(
    State(state): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
    Query(p): Query<ShowParams>,
) -> Result<Response, WebError> {
    let o = load(&state, &raw).await?;
    let mut page = opportunity_page(&state, &me, o, None, None, text(&p.done)).await?;
    page.tasks.error = text(&p.task_error);
    render(&page)
}

async fn save(
    State(state): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
    Form(form): Form<OpportunityForm>,
) -> Result<Response, WebError> {
    let o = load(&state, &raw).await?;
    let errors = match form.patch() {
        Err(errors) => errors,
        Ok(patch) => {
            let saved = match super::form::version(&form.version) {
                Some(v) => {
                    state
                        .store
                        .update_opportunity_if(&me.actor, o.id, patch, &[v])
                        .await
                }
                None => state.store.update_opportunity(&me.actor, o.id, patch).await,
            };
            match saved {
                Ok(saved) => {
                    let done = format!("Saved {}", saved.name);
                    let to = format!("/opportunities/{}?done={}", saved.id.0, urlencode(&done));
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(StoreError::Stale { .. }) => {
                    let mut stale = FieldErrors::default();
                    stale.push("name", super::form::stale_edit("opportunity"));
                    stale
                }
                Err(e) => FieldErrors::from_store(e, &FIELDS)?,
            }
        }
    };
    let page = opportunity_page(&state, &me, o, Some((form, errors)), None, None).await?;
    refused(render(&page)?)
}

/// Gives a contact a role on the opportunity (replacing the one they had); a primary role
/// takes the mark from whoever had it.
async fn add_role(
    State(state): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
    Form(form): Form<OpportunityForm>,
) -> Result<Response, WebError> {
    let id = OpportunityId(path_id(&raw, "opportunity")?);
    let o = state.store.get_opportunity(id).await?;
    let mut errors = FieldErrors::default();
    if let Some(role) = form.role(&mut errors, true) {
        let mut roles: Vec<ContactRole> = o
            .contact_roles
            .iter()
            .filter(|r| r.contact_id != role.contact_id)
            .map(|r| ContactRole {
                is_primary: r.is_primary && !role.is_primary,
                ..r.clone()
            })
            .collect();
        roles.push(role);
        let patch = OpportunityPatch {
            contact_roles: Patch::Set(roles),
            ..OpportunityPatch::default()
        };
        match state.store.update_opportunity(&me.actor, id, patch).await {
            Ok(saved) => {
                let done = format!("Saved the roles on {}", saved.name);
                let to = format!("/opportunities/{}?done={}#roles", id.0, urlencode(&done));
                return Ok(Redirect::to(&to).into_response());
            }
            Err(e) => errors = FieldErrors::from_store(e, &["contact_id", "role"])?,
        }
    }
    let page = opportunity_page(&state, &me, o, None, Some((form, errors)), None).await?;
    refused(render(&page)?)
}

async fn remove_role(
    State(state): State<AppState>,
    me: SignedIn,
    Path((raw, contact)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let id = OpportunityId(path_id(&raw, "opportunity")?);
    let contact = ContactId(path_id(&contact, "contact")?);
    let o = state.store.get_opportunity(id).await?;
    let roles: Vec<ContactRole> = o
        .contact_roles
        .iter()
        .filter(|r| r.contact_id != contact)
        .cloned()
        .collect();
    if roles.len() == o.contact_roles.len() {
        return Err(WebError::NotFound(format!(
            "contact {} has no role on opportunity {}",
            contact.0, id.0
        )));
    }
    let patch = OpportunityPatch {
        contact_roles: Patch::Set(roles),
        ..OpportunityPatch::default()
    };
    let saved = state.store.update_opportunity(&me.actor, id, patch).await?;
    let done = format!("Removed a role from {}", saved.name);
    Ok(Redirect::to(&format!(
        "/opportunities/{}?done={}#roles",
        id.0,
        urlencode(&done)
    ))
    .into_response())
}
