//! Editing in place: the fields people change most, each a small form on its record's page (an
//! account's owner and parent; a contact's owner, buying role, seniority and status; an
//! opportunity's stage, amount, close date and owner). With htmx a change saves at once and the field comes back in place, saying
//! "Saved" or why not; without JavaScript each form has its own Save button and returns to the
//! page. The value is read by the record's own form (`contact_form`, `opportunity_form`) and
//! only that field is patched, so nothing else the page showed is written back.

use super::account_form;
use super::contact_form::{self, ContactForm, ContactFormView};
use super::form::FieldErrors;
use super::opportunity_form::{self, OpportunityForm, OpportunityFormView};
use super::people::path_id;
use super::{render, urlencode, SignedIn, WebError};
use crate::AppState;
use abcrm_core::model::Account;
use abcrm_core::{AccountId, ContactId, OpportunityId};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Router};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts/{id}/quick", post(account))
        .route("/contacts/{id}/quick", post(contact))
        .route("/opportunities/{id}/quick", post(opportunity))
}

/// A field edited in place: its name in the record's form, its label, the label of its empty
/// choice (none: it always has a value), the input it takes when it has no choices and what
/// that input says while empty.
pub struct Spec {
    pub field: &'static str,
    pub label: &'static str,
    pub blank: Option<&'static str>,
    pub input: &'static str,
    pub placeholder: &'static str,
}

pub const ACCOUNT: [Spec; 2] = [
    Spec {
        field: "owner_id",
        label: "Owner",
        blank: Some("Nobody"),
        input: "",
        placeholder: "",
    },
    Spec {
        field: "parent",
        label: "Parent",
        blank: None,
        input: "text",
        placeholder: "Name or id; blank for none",
    },
];

pub const CONTACT: [Spec; 4] = [
    Spec {
        field: "owner_id",
        label: "Owner",
        blank: Some("Nobody"),
        input: "",
        placeholder: "",
    },
    Spec {
        field: "buying_role",
        label: "Buying role",
        blank: Some("Not set"),
        input: "",
        placeholder: "",
    },
    Spec {
        field: "seniority",
        label: "Seniority",
        blank: Some("Not set"),
        input: "",
        placeholder: "",
    },
    Spec {
        field: "status",
        label: "Status",
        blank: None,
        input: "",
        placeholder: "",
    },
];

pub const OPPORTUNITY: [Spec; 4] = [
    Spec {
        field: "stage",
        label: "Stage",
        blank: None,
        input: "",
        placeholder: "",
    },
    Spec {
        field: "amount",
        label: "Amount",
        blank: None,
        input: "number",
        placeholder: "",
    },
    Spec {
        field: "close_date",
        label: "Close date",
        blank: None,
        input: "date",
        placeholder: "",
    },
    Spec {
        field: "owner_id",
        label: "Owner",
        blank: Some("Nobody"),
        input: "",
        placeholder: "",
    },
];

/// One field's form as `quick_field.html` shows it.
pub struct QuickField {
    pub action: String,
    pub csrf: String,
    pub field: &'static str,
    pub label: &'static str,
    pub value: String,
    /// Value and label; empty: an input of type `input`.
    pub choices: Vec<(String, String)>,
    pub blank: Option<&'static str>,
    pub input: &'static str,
    pub placeholder: &'static str,
    pub error: Option<String>,
    pub saved: bool,
    /// The record's version (`updated_at`) as the field was drawn: after a save, the page's full
    /// edit form takes it (`app.js`), so that form's next save is not refused as stale.
    pub version: String,
}

/// The fields of `specs` with their values and choices now.
pub fn fields(
    specs: &[Spec],
    action: &str,
    csrf: &str,
    value: impl Fn(&str) -> String,
    choices: impl Fn(&str) -> Vec<(String, String)>,
) -> Vec<QuickField> {
    specs
        .iter()
        .map(|s| QuickField {
            action: action.to_string(),
            csrf: csrf.to_string(),
            field: s.field,
            label: s.label,
            value: value(s.field),
            choices: choices(s.field),
            blank: s.blank,
            input: s.input,
            placeholder: s.placeholder,
            error: None,
            saved: false,
            version: value("version"),
        })
        .collect()
}

/// One field alone: what htmx swaps in.
#[derive(Template)]
#[template(path = "quick_field.html")]
struct Fragment {
    f: QuickField,
}

/// What a field's form sends.
#[derive(Debug, Deserialize)]
struct QuickForm {
    field: Option<String>,
    value: Option<String>,
}

/// The spec of the field a form names, or a refusal naming `field`.
fn spec_of<'s>(specs: &'s [Spec], form: &QuickForm) -> Result<&'s Spec, WebError> {
    let raw = form.field.as_deref().unwrap_or("");
    specs.iter().find(|s| s.field == raw).ok_or_else(|| {
        let names: Vec<&str> = specs.iter().map(|s| s.field).collect();
        WebError::BadRequest(format!(
            "field: {raw:?} is not changed in place; choose one of {}",
            names.join(", ")
        ))
    })
}

/// The answer to a save. htmx gets the field back in place, saved or with why not (always 200:
/// htmx swaps only a success). A plain form post goes back to the page with a notice, or is
/// refused naming the field.
fn answer(
    htmx: bool,
    mut field: QuickField,
    outcome: Result<(), String>,
    typed: Option<String>,
    page: &str,
) -> Result<Response, WebError> {
    match (htmx, outcome) {
        (true, outcome) => {
            match outcome {
                Ok(()) => field.saved = true,
                Err(why) => {
                    field.value = typed.unwrap_or_default();
                    field.error = Some(why);
                }
            }
            render(&Fragment { f: field })
        }
        (false, Ok(())) => {
            let done = format!("Saved the {}", field.label.to_lowercase());
            let to = format!("{page}?done={}#quick-{}", urlencode(&done), field.field);
            Ok(Redirect::to(&to).into_response())
        }
        (false, Err(why)) => Err(WebError::BadRequest(format!(
            "{}: {why}; go back and choose again",
            field.field
        ))),
    }
}

fn is_htmx(headers: &HeaderMap) -> bool {
    headers.get("hx-request").is_some_and(|v| v == "true")
}

/// The first refusal of a save, as one sentence.
fn why(errors: FieldErrors) -> String {
    errors
        .0
        .into_iter()
        .next()
        .map_or_else(|| "not saved".to_string(), |(_, why)| why)
}

/// What saving one field came to: the form's patch written by `save`, or why not (the form's
/// refusal, else the store's, placed on `field`).
async fn saved<P, T, Fut>(
    patch: Result<P, FieldErrors>,
    field: &'static str,
    save: impl FnOnce(P) -> Fut,
) -> Result<Result<(), String>, WebError>
where
    Fut: std::future::Future<Output = Result<T, abcrm_store::StoreError>>,
{
    Ok(match patch {
        Err(errors) => Err(why(errors)),
        Ok(patch) => match save(patch).await {
            Ok(_) => Ok(()),
            Err(e) => Err(why(FieldErrors::from_store(e, &[field])?)),
        },
    })
}

/// The one field of `fields` a save was about.
fn pick(fields: Vec<QuickField>, field: &str) -> Result<QuickField, WebError> {
    fields
        .into_iter()
        .find(|f| f.field == field)
        .ok_or_else(|| WebError::Internal("a quick field went missing".into()))
}

async fn contact(
    State(state): State<AppState>,
    me: SignedIn,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Form(form): Form<QuickForm>,
) -> Result<Response, WebError> {
    let id = ContactId(path_id(&raw, "contact")?);
    let spec = spec_of(&CONTACT, &form)?;
    let current = state.store.get_contact(id).await?;
    let patch = contact_form::quick_patch(&current, spec.field, form.value.clone());
    let outcome = saved(patch, spec.field, |p| {
        state.store.update_contact(&me.actor, id, p)
    })
    .await?;
    let now = state.store.get_contact(id).await?;
    let view = ContactFormView::new(
        ContactForm::of(&now),
        FieldErrors::default(),
        super::form::owner_choices(&state).await?,
    );
    let field = pick(contact_fields(&view, id, &me.csrf), spec.field)?;
    answer(
        is_htmx(&headers),
        field,
        outcome,
        form.value,
        &format!("/contacts/{}", id.0),
    )
}

/// A contact's fields edited in place, from its form as it is.
pub fn contact_fields(view: &ContactFormView, id: ContactId, csrf: &str) -> Vec<QuickField> {
    fields(
        &CONTACT,
        &format!("/contacts/{}/quick", id.0),
        csrf,
        |f| view.value(f).to_string(),
        |f| view.choices(f),
    )
}

async fn opportunity(
    State(state): State<AppState>,
    me: SignedIn,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Form(form): Form<QuickForm>,
) -> Result<Response, WebError> {
    let id = OpportunityId(path_id(&raw, "opportunity")?);
    let spec = spec_of(&OPPORTUNITY, &form)?;
    let current = state.store.get_opportunity(id).await?;
    let patch = opportunity_form::quick_patch(&current, spec.field, form.value.clone());
    let outcome = saved(patch, spec.field, |p| {
        state.store.update_opportunity(&me.actor, id, p)
    })
    .await?;
    let now = state.store.get_opportunity(id).await?;
    let view = OpportunityFormView {
        form: OpportunityForm::of(&now),
        errors: FieldErrors::default(),
        owners: super::form::owner_choices(&state).await?,
        people: Vec::new(),
    };
    let field = pick(opportunity_fields(&view, id, &me.csrf), spec.field)?;
    answer(
        is_htmx(&headers),
        field,
        outcome,
        form.value,
        &format!("/opportunities/{}", id.0),
    )
}

/// An opportunity's fields edited in place, from its form as it is.
pub fn opportunity_fields(
    view: &OpportunityFormView,
    id: OpportunityId,
    csrf: &str,
) -> Vec<QuickField> {
    fields(
        &OPPORTUNITY,
        &format!("/opportunities/{}/quick", id.0),
        csrf,
        |f| view.value(f).to_string(),
        |f| view.choices(f),
    )
}

async fn account(
    State(state): State<AppState>,
    me: SignedIn,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Form(form): Form<QuickForm>,
) -> Result<Response, WebError> {
    let id = AccountId(path_id(&raw, "account")?);
    let spec = spec_of(&ACCOUNT, &form)?;
    state.store.get_account(id).await?;
    let patch = account_form::quick_patch(&state, spec.field, form.value.clone()).await?;
    let outcome = saved(patch, spec.field, |p| {
        state.store.update_account(&me.actor, id, p)
    })
    .await?;
    let now = state.store.get_account(id).await?;
    let parent = match now.parent_id {
        Some(p) => Some(state.store.get_account(p).await?),
        None => None,
    };
    let owners = super::form::owner_choices(&state).await?;
    let parent = parent.as_ref().map(|p| (p.id.0, p.name.as_str()));
    let field = pick(account_fields(&now, parent, &owners, &me.csrf), spec.field)?;
    answer(
        is_htmx(&headers),
        field,
        outcome,
        form.value,
        &format!("/accounts/{}", id.0),
    )
}

/// An account's fields edited in place: its owner among `owners`, its parent (id and name).
pub fn account_fields(
    a: &Account,
    parent: Option<(i64, &str)>,
    owners: &[(i64, String)],
    csrf: &str,
) -> Vec<QuickField> {
    let owner = a.owner_id.map(|u| u.0.to_string()).unwrap_or_default();
    let parent = parent
        .map(|(id, name)| super::form::picked_name(name, id))
        .unwrap_or_default();
    fields(
        &ACCOUNT,
        &format!("/accounts/{}/quick", a.id.0),
        csrf,
        |f| {
            if f == "owner_id" {
                owner.clone()
            } else {
                parent.clone()
            }
        },
        |f| {
            if f == "owner_id" {
                super::form::id_choices(owners)
            } else {
                Vec::new()
            }
        },
    )
}
