//! Tasks on the account, contact and opportunity pages (`tasks.html`), and the forms that add
//! one and mark one done or open again. Each form posts here and the record's page comes back
//! (Post/Redirect/Get) with a notice, or with the refusal beside the task form.

use super::people::{path_id, text};
use super::{safe_next, urlencode, SignedIn, WebError};
use crate::AppState;
use abcrm_core::model::{NewTask, Task, TaskPatch};
use abcrm_core::patch::Patch;
use abcrm_core::{AccountId, ContactId, OpportunityId, TaskId, UserId};
use abcrm_store::{StoreError, TaskQuery};
use axum::extract::{Path, State};
use axum::response::Redirect;
use axum::routing::post;
use axum::{Form, Router};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use std::collections::HashMap;

/// Open tasks a record's page lists.
const OPEN_SHOWN: usize = 25;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tasks", post(add))
        .route("/tasks/{id}/done", post(set_done))
}

/// The record a task panel belongs to.
#[derive(Debug, Clone, Copy)]
pub enum TaskRecord {
    Account(AccountId),
    Contact(ContactId),
    Opportunity(OpportunityId),
}

impl TaskRecord {
    fn query(self) -> TaskQuery {
        match self {
            TaskRecord::Account(a) => TaskQuery {
                account_id: Some(a),
                ..TaskQuery::default()
            },
            TaskRecord::Contact(c) => TaskQuery {
                contact_id: Some(c),
                ..TaskQuery::default()
            },
            TaskRecord::Opportunity(o) => TaskQuery {
                opportunity_id: Some(o),
                ..TaskQuery::default()
            },
        }
    }

    /// The form field naming the record, and its id.
    fn field(self) -> (&'static str, i64) {
        match self {
            TaskRecord::Account(a) => ("account_id", a.0),
            TaskRecord::Contact(c) => ("contact_id", c.0),
            TaskRecord::Opportunity(o) => ("opportunity_id", o.0),
        }
    }

    fn page(self) -> String {
        match self {
            TaskRecord::Account(a) => format!("/accounts/{a}"),
            TaskRecord::Contact(c) => format!("/contacts/{c}"),
            TaskRecord::Opportunity(o) => format!("/opportunities/{o}"),
        }
    }
}

/// One task as a list shows it.
pub struct TaskRow {
    pub id: i64,
    pub title: String,
    pub notes: String,
    pub due: String,
    pub overdue: bool,
    pub assignee: String,
    /// The page of the record it is about (the most specific one).
    pub href: String,
    /// The account it is about, named on lists that are not on its page.
    pub account: String,
}

impl TaskRow {
    pub fn of(t: &Task, today: NaiveDate, users: &HashMap<i64, String>) -> TaskRow {
        TaskRow {
            id: t.id.0,
            title: t.title.clone(),
            notes: t.notes.clone().unwrap_or_default(),
            due: t.due_on.map(|d| d.to_string()).unwrap_or_default(),
            overdue: t.overdue(today),
            assignee: t
                .assignee_id
                .and_then(|u| users.get(&u.0).cloned())
                .unwrap_or_default(),
            href: match (t.opportunity_id, t.contact_id) {
                (Some(o), _) => format!("/opportunities/{o}"),
                (None, Some(c)) => format!("/contacts/{c}"),
                (None, None) => format!("/accounts/{}", t.account_id),
            },
            account: String::new(),
        }
    }
}

/// A person's open tasks, due first, with the accounts they are about: My work's list.
pub async fn agenda_of(
    state: &AppState,
    user: UserId,
    limit: usize,
) -> Result<(Vec<TaskRow>, u64), WebError> {
    let query = TaskQuery {
        assignee_id: Some(user),
        ..TaskQuery::default()
    };
    let (tasks, total) = state.store.task_agenda(&query, limit).await?;
    let mut ids: Vec<AccountId> = tasks.iter().map(|t| t.account_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let accounts: HashMap<AccountId, String> = state
        .store
        .get_accounts(&ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let today = Utc::now().date_naive();
    let rows = tasks
        .iter()
        .map(|t| TaskRow {
            account: accounts.get(&t.account_id).cloned().unwrap_or_default(),
            ..TaskRow::of(t, today, &HashMap::new())
        })
        .collect();
    Ok((rows, total))
}

/// What `tasks.html` shows: the record's open tasks, the form that adds one, and a refusal.
pub struct TaskPanel {
    pub open: Vec<TaskRow>,
    pub open_total: u64,
    pub users: Vec<(i64, String)>,
    pub field: &'static str,
    pub record_id: i64,
    pub back: String,
    pub me: i64,
    pub error: Option<String>,
}

/// The task panel of a record's page; `users` are the assignees offered (the page's owner
/// choices, read once for both), `error` a refused task coming back.
pub async fn panel(
    state: &AppState,
    me: &SignedIn,
    record: TaskRecord,
    users: Vec<(i64, String)>,
    error: Option<String>,
) -> Result<TaskPanel, WebError> {
    let (open, open_total) = state.store.task_agenda(&record.query(), OPEN_SHOWN).await?;
    let names: HashMap<i64, String> = users.iter().cloned().collect();
    let today = Utc::now().date_naive();
    let (field, record_id) = record.field();
    Ok(TaskPanel {
        open: open.iter().map(|t| TaskRow::of(t, today, &names)).collect(),
        open_total,
        users,
        field,
        record_id,
        back: record.page(),
        me: me.user.id.0,
        error,
    })
}

#[derive(Debug, Deserialize)]
struct AddForm {
    title: Option<String>,
    due_on: Option<String>,
    assignee_id: Option<String>,
    notes: Option<String>,
    account_id: Option<String>,
    contact_id: Option<String>,
    opportunity_id: Option<String>,
}

fn number(raw: &Option<String>) -> Option<i64> {
    text(raw).and_then(|s| s.parse().ok())
}

/// Back to the record's page saying `key=message` (a notice, or a refusal for the form).
fn back_to(page: &str, key: &str, message: &str) -> Redirect {
    Redirect::to(&format!("{page}?{key}={}#tasks", urlencode(message)))
}

async fn add(
    State(state): State<AppState>,
    me: SignedIn,
    Form(form): Form<AddForm>,
) -> Result<Redirect, WebError> {
    super::form::require_write(&me, "add a task")?;
    let record = if let Some(o) = number(&form.opportunity_id) {
        TaskRecord::Opportunity(OpportunityId(o))
    } else if let Some(c) = number(&form.contact_id) {
        TaskRecord::Contact(ContactId(c))
    } else if let Some(a) = number(&form.account_id) {
        TaskRecord::Account(AccountId(a))
    } else {
        return Err(WebError::BadRequest(
            "a task is about a record: the form names an account, a contact or an opportunity"
                .into(),
        ));
    };
    let page = record.page();
    let due_on = match text(&form.due_on) {
        None => None,
        Some(raw) => match NaiveDate::parse_from_str(&raw, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                return Ok(back_to(
                    &page,
                    "task_error",
                    &format!("due: “{raw}” is not a day; pick one as YYYY-MM-DD"),
                ))
            }
        },
    };
    let mut new = NewTask {
        title: text(&form.title).unwrap_or_default(),
        notes: text(&form.notes),
        due_on,
        assignee_id: number(&form.assignee_id).map(UserId),
        account_id: None,
        contact_id: None,
        opportunity_id: None,
    };
    match record {
        TaskRecord::Account(a) => new.account_id = Some(a),
        TaskRecord::Contact(c) => new.contact_id = Some(c),
        TaskRecord::Opportunity(o) => new.opportunity_id = Some(o),
    }
    match state.store.create_task(&me.actor, new).await {
        Ok(task) => Ok(back_to(
            &page,
            "done",
            &format!("Added the task “{}”", task.title),
        )),
        Err(StoreError::Invalid(e)) => Ok(back_to(&page, "task_error", &e.to_string())),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
struct DoneForm {
    done: Option<String>,
    back: Option<String>,
}

async fn set_done(
    State(state): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
    Form(form): Form<DoneForm>,
) -> Result<Redirect, WebError> {
    super::form::require_write(&me, "mark a task done")?;
    let id = TaskId(path_id(&raw, "task")?);
    let done = text(&form.done).as_deref() != Some("false");
    let patch = TaskPatch {
        done: Patch::Set(done),
        ..TaskPatch::default()
    };
    let task = state.store.update_task(&me.actor, id, patch).await?;
    let said = if done {
        format!("Done: “{}”", task.title)
    } else {
        format!("“{}” is open again", task.title)
    };
    // Back to the page the button was on (a record's, or My work), without its old notice.
    let back = safe_next(form.back.as_deref());
    let page = back.split(['?', '#']).next().unwrap_or("/");
    Ok(back_to(page, "done", &said))
}
