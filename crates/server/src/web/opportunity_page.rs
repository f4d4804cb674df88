//! `/opportunities/{id}`: one opportunity. Its facts and contact roles, the form that edits
//! what a person owns of it (name, stage, amount, close date, owner), the work logged on it and
//! its audit trail. A save goes through the store's `update_opportunity`, as
//! `PATCH /api/v1/opportunities/{id}` does; a refused value comes back beside its field with
//! what was typed, and nothing is lost.

use super::activity_log::{self, TimelineItem};
use super::format::{grouped, human, words};
use super::opportunities::parse_stage;
use super::people::{path_id, text, when};
use super::{render, urlencode, Nav, SignedIn, WebError};
use crate::AppState;
use abcrm_core::model::{Opportunity, OpportunityPatch, OpportunityStage};
use abcrm_core::patch::Patch;
use abcrm_core::{ContactId, OpportunityId, UserId};
use abcrm_store::{ActivityQuery, AuditQuery, ContactQuery, PageRequest, StoreError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::HashMap;

/// The page's routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/opportunities/{id}", get(show).post(save))
}

/// The edit form, as typed: every value a string, so a refused one comes back unchanged.
#[derive(Debug, Clone, Default, Deserialize)]
struct EditForm {
    name: Option<String>,
    stage: Option<String>,
    amount: Option<String>,
    close_date: Option<String>,
    owner_id: Option<String>,
}

impl EditForm {
    /// The form filled with the opportunity as it is.
    fn of(o: &Opportunity) -> EditForm {
        EditForm {
            name: Some(o.name.clone()),
            stage: Some(o.stage.as_str().to_string()),
            amount: o.amount.map(|a| a.to_string()),
            close_date: o.close_date.map(|d| d.to_string()),
            owner_id: o.owner_id.map(|u| u.0.to_string()),
        }
    }

    fn value(field: &Option<String>) -> &str {
        field.as_deref().unwrap_or("")
    }

    /// The patch the form asks for, or each unreadable value's field and why.
    fn patch(&self) -> Result<OpportunityPatch, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let mut patch = OpportunityPatch::default();
        match text(&self.name) {
            Some(name) => patch.name = Patch::Set(name),
            None => errors.push(("name", "an opportunity needs a name".to_string())),
        }
        match parse_stage(self.stage.as_deref()) {
            Ok(stage) => patch.stage = Patch::Set(stage),
            Err(message) => errors.push(("stage", message)),
        }
        match parse_amount(Self::value(&self.amount)) {
            Ok(Some(a)) => patch.amount = Patch::Set(a),
            Ok(None) => patch.amount = Patch::Clear,
            Err(message) => errors.push(("amount", message)),
        }
        match text(&self.close_date) {
            None => patch.close_date = Patch::Clear,
            Some(raw) => match NaiveDate::parse_from_str(&raw, "%Y-%m-%d") {
                Ok(d) => patch.close_date = Patch::Set(d),
                Err(_) => errors.push((
                    "close_date",
                    format!("“{raw}” is not a date; write it as 2027-03-31"),
                )),
            },
        }
        match text(&self.owner_id) {
            None => patch.owner_id = Patch::Clear,
            Some(raw) => match raw.parse::<i64>() {
                Ok(id) if id > 0 => patch.owner_id = Patch::Set(UserId(id)),
                _ => errors.push(("owner_id", format!("“{raw}” is not a user's id"))),
            },
        }
        if errors.is_empty() {
            Ok(patch)
        } else {
            Err(errors)
        }
    }
}

/// An amount as people type it: `12500`, `12,500`, `12 500.50`; blank is none.
fn parse_amount(raw: &str) -> Result<Option<f64>, String> {
    let digits: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '_' | '\u{a0}'))
        .collect();
    if digits.is_empty() {
        return Ok(None);
    }
    match digits.parse::<f64>() {
        Ok(a) if a.is_finite() && a >= 0.0 => Ok(Some(a)),
        _ => Err(format!(
            "“{}” is not an amount; write a number such as 12500 or 12,500.50",
            raw.trim()
        )),
    }
}

struct RoleView {
    contact_id: i64,
    name: String,
    role: String,
    primary: bool,
}

struct AuditView {
    at: String,
    actor: String,
    action: String,
    changes: String,
}

#[derive(Template)]
#[template(path = "opportunity.html")]
struct OpportunityPage {
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
    form: EditForm,
    /// A refused save: each field and why.
    errors: Vec<(&'static str, String)>,
    stages: Vec<(&'static str, String)>,
    owners: Vec<(i64, String)>,
    notice: Option<String>,
    timeline: Vec<TimelineItem>,
    timeline_of_account: bool,
    log_action: String,
    log_kinds: Vec<(&'static str, String)>,
    log_people: Vec<(i64, String)>,
    audit: Vec<AuditView>,
}

impl OpportunityPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    fn value<'a>(&self, field: &'a Option<String>) -> &'a str {
        EditForm::value(field)
    }

    fn is_owner(&self, id: &i64) -> bool {
        EditForm::value(&self.form.owner_id) == id.to_string()
    }
}

/// How many audit entries the page shows, newest first.
const AUDIT_SHOWN: u32 = 20;

async fn page(
    state: &AppState,
    me: &SignedIn,
    o: Opportunity,
    form: EditForm,
    errors: Vec<(&'static str, String)>,
    notice: Option<String>,
) -> Result<OpportunityPage, WebError> {
    let store = &state.store;
    let account = store.get_account(o.account_id).await?;
    let people = store
        .list_contacts(
            &ContactQuery {
                account_id: Some(o.account_id),
                ..ContactQuery::default()
            },
            PageRequest {
                after: None,
                limit: 1000,
            },
        )
        .await?
        .items;
    let names: HashMap<ContactId, String> =
        people.iter().map(|c| (c.id, c.display_name())).collect();
    let name_of = |c: ContactId| {
        names
            .get(&c)
            .cloned()
            .unwrap_or_else(|| format!("contact {}", c.0))
    };
    let users = store.list_users().await?;
    let user_name = |u: UserId| {
        users
            .iter()
            .find(|x| x.id == u)
            .map(|x| x.name.clone())
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
    let audit = store
        .list_audit(
            &AuditQuery {
                entity: Some("opportunity".into()),
                entity_id: Some(o.id.0),
            },
            PageRequest {
                after: None,
                limit: AUDIT_SHOWN,
            },
        )
        .await?
        .items;
    let mut log_people: Vec<(i64, String)> = o
        .contact_roles
        .iter()
        .map(|r| (r.contact_id.0, name_of(r.contact_id)))
        .collect();
    log_people.extend(
        people
            .iter()
            .filter(|c| !o.contact_roles.iter().any(|r| r.contact_id == c.id))
            .map(|c| (c.id.0, c.display_name())),
    );
    Ok(OpportunityPage {
        nav: Nav::new(me, "opportunities"),
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
        form,
        errors,
        stages: OpportunityStage::ALL
            .iter()
            .map(|s| (s.as_str(), human(s.as_str())))
            .collect(),
        owners: users.iter().map(|u| (u.id.0, u.name.clone())).collect(),
        notice,
        timeline: activities
            .iter()
            .map(|a| TimelineItem::of(a, |c| Some(name_of(c))))
            .collect(),
        timeline_of_account: false,
        log_action: format!("/opportunities/{}/activities", o.id.0),
        log_kinds: activity_log::kind_options(),
        log_people,
        audit: audit
            .iter()
            .map(|e| AuditView {
                at: when(&e.at),
                actor: e.actor.clone(),
                action: words(&e.action),
                changes: changes(e.before.as_ref(), e.after.as_ref()),
            })
            .collect(),
    })
}

/// What an audit entry changed, as `stage: proposal → negotiation; amount: 10000 → 12000`
/// (the fields that differ; timestamps left out).
fn changes(before: Option<&serde_json::Value>, after: Option<&serde_json::Value>) -> String {
    let (Some(before), Some(after)) = (before, after) else {
        return String::new();
    };
    let shown = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => "—".to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let Some(fields) = after.as_object() else {
        return String::new();
    };
    fields
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "updated_at" | "created_at" | "id"))
        .filter(|(k, v)| before.get(k.as_str()) != Some(*v))
        .map(|(k, v)| {
            format!(
                "{}: {} → {}",
                words(k),
                shown(before.get(k.as_str())),
                shown(Some(v))
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[derive(Debug, Default, Deserialize)]
struct ShowParams {
    done: Option<String>,
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
    let form = EditForm::of(&o);
    render(&page(&state, &me, o, form, Vec::new(), text(&p.done)).await?)
}

async fn save(
    State(state): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
    Form(form): Form<EditForm>,
) -> Result<Response, WebError> {
    let o = load(&state, &raw).await?;
    let refused = match form.patch() {
        Err(errors) => errors,
        Ok(patch) => match state.store.update_opportunity(&me.actor, o.id, patch).await {
            Ok(saved) => {
                let done = format!("Saved {}", saved.name);
                let to = format!("/opportunities/{}?done={}", saved.id.0, urlencode(&done));
                return Ok(Redirect::to(&to).into_response());
            }
            Err(StoreError::Invalid(errors)) => errors
                .0
                .into_iter()
                .map(|e| (field_of(&e.field), e.reason))
                .collect(),
            Err(StoreError::NotFound { entity, id }) => {
                vec![(
                    "owner_id",
                    format!("there is no {entity} {id}; choose another"),
                )]
            }
            Err(e) => return Err(e.into()),
        },
    };
    let page = page(&state, &me, o, form, refused, None).await?;
    let mut res = render(&page)?;
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

/// The form's field a store error names (errors on other fields show beside the name).
fn field_of(field: &str) -> &'static str {
    match field {
        "stage" => "stage",
        "amount" => "amount",
        "close_date" => "close_date",
        "owner_id" => "owner_id",
        _ => "name",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_as_people_type_them() {
        assert_eq!(parse_amount(""), Ok(None));
        assert_eq!(parse_amount(" 12,500.50 "), Ok(Some(12_500.5)));
        assert_eq!(parse_amount("12 500"), Ok(Some(12_500.0)));
        for bad in ["-5", "ten", "1e999", "NaN", "inf"] {
            assert!(parse_amount(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_form_with_bad_values_names_each_field() {
        let form = EditForm {
            name: Some("  ".into()),
            stage: Some("flying".into()),
            amount: Some("lots".into()),
            close_date: Some("31/03/2027".into()),
            owner_id: Some("x".into()),
        };
        let fields: Vec<&str> = form.patch().unwrap_err().iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            ["name", "stage", "amount", "close_date", "owner_id"]
        );
        let ok = EditForm {
            name: Some(" Renewal ".into()),
            stage: Some("proposal".into()),
            amount: Some("".into()),
            close_date: Some("2027-03-31".into()),
            owner_id: Some("".into()),
        }
        .patch()
        .unwrap();
        assert_eq!(ok.name, Patch::Set("Renewal".into()));
        assert_eq!(ok.amount, Patch::Clear);
        assert_eq!(ok.owner_id, Patch::Clear);
    }

    #[test]
    fn an_audit_entry_reads_as_what_changed() {
        let before = serde_json::json!({"stage": "proposal", "amount": 10, "updated_at": "a"});
        let after = serde_json::json!({"stage": "negotiation", "amount": 10, "updated_at": "b"});
        assert_eq!(
            changes(Some(&before), Some(&after)),
            "stage: proposal → negotiation"
        );
        assert_eq!(changes(None, Some(&after)), "");
    }
}
