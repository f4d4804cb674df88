//! Logging the work from a record's page: a note, a call, a meeting or an email, with what was said, on
//! an account, one of its people or an opportunity. Each page carries the same form
//! (`log_form.html`); it posts here through the store's `create_activity`, as
//! `POST /api/v1/activities` does, so scores and the contact's last activity follow, and the
//! record's page comes back with a notice (Post/Redirect/Get).

use super::format::words;
use super::people::path_id;
use super::{urlencode, SignedIn, WebError};
use crate::AppState;
use abcrm_core::model::{Activity, ActivityKind, NewActivity, MAX_BODY};
use abcrm_core::{AccountId, ContactId, OpportunityId};
use axum::extract::{Path, State};
use axum::response::Redirect;
use axum::routing::post;
use axum::{Form, Router};
use serde::Deserialize;

/// The kinds a person logs by hand, the note first (what is written most). Web visits, forms,
/// webinars and events arrive from intake, campaigns and migrations.
pub const LOGGED_KINDS: [ActivityKind; 4] = [
    ActivityKind::Note,
    ActivityKind::Call,
    ActivityKind::Meeting,
    ActivityKind::Email,
];

/// One activity in a record's timeline (`timeline.html`), newest first.
pub struct TimelineItem {
    pub id: i64,
    /// `2026-03-14 09:30` (UTC), and the same as RFC 3339 for `<time>`.
    pub when: String,
    pub iso: String,
    pub kind: String,
    pub subject: String,
    /// What was said, as written (the page keeps its line breaks).
    pub body: String,
    /// Who took part, linked; none for the account as a whole or on the person's own page.
    pub contact: Option<(i64, String)>,
}

impl TimelineItem {
    /// `activity` as a timeline shows it, naming its contact with `name` (none: not shown).
    pub fn of(activity: &Activity, name: impl Fn(ContactId) -> Option<String>) -> TimelineItem {
        TimelineItem {
            id: activity.id.0,
            when: activity.occurred_at.format("%Y-%m-%d %H:%M").to_string(),
            iso: activity.occurred_at.to_rfc3339(),
            kind: words(activity.kind.as_str()),
            subject: activity.subject.clone().unwrap_or_default(),
            body: activity.body.clone().unwrap_or_default(),
            contact: activity.contact_id.and_then(|c| Some((c.0, name(c)?))),
        }
    }
}

/// The logging routes, one per kind of record.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts/{id}/activities", post(on_account))
        .route("/contacts/{id}/activities", post(on_contact))
        .route("/opportunities/{id}/activities", post(on_opportunity))
}

/// What the form sends. `contact_id` names who took part, from the record's people (blank:
/// nobody in particular).
#[derive(Debug, Deserialize)]
struct LogForm {
    kind: Option<String>,
    subject: Option<String>,
    body: Option<String>,
    contact_id: Option<String>,
}

/// The form's kinds for a select: value and label.
pub fn kind_options() -> Vec<(&'static str, String)> {
    LOGGED_KINDS
        .iter()
        .map(|k| (k.as_str(), words(k.as_str())))
        .collect()
}

/// What the form asks for, checked before anything is written: the kind, and who, when given.
fn parse(form: &LogForm) -> Result<(ActivityKind, Option<ContactId>), WebError> {
    let raw = form.kind.as_deref().map(str::trim).unwrap_or("");
    let kind = LOGGED_KINDS
        .into_iter()
        .find(|k| k.as_str() == raw)
        .ok_or_else(|| {
            WebError::BadRequest(format!(
                "kind: {raw:?} is not something to log here; choose note, call, meeting or email"
            ))
        })?;
    let contact = match form.contact_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(ContactId(
            raw.parse().ok().filter(|id| *id > 0).ok_or_else(|| {
                WebError::BadRequest(format!("contact_id: {raw:?} is not a contact's id"))
            })?,
        )),
    };
    if let Some(b) = &form.body {
        if b.chars().count() > MAX_BODY {
            return Err(WebError::BadRequest(format!(
                "body: at most {MAX_BODY} characters; this has {}",
                b.chars().count()
            )));
        }
    }
    Ok((kind, contact))
}

/// Writes the activity and answers the redirect back to `page` with a notice.
async fn log(
    state: &AppState,
    me: &SignedIn,
    form: LogForm,
    new: impl FnOnce(ActivityKind, Option<ContactId>) -> NewActivity,
    page: String,
) -> Result<Redirect, WebError> {
    let (kind, contact) = parse(&form)?;
    let activity = NewActivity {
        subject: form.subject,
        body: form.body,
        ..new(kind, contact)
    };
    let logged = state.store.create_activity(&me.actor, activity).await?;
    let what = match &logged.subject {
        Some(s) => format!("Logged the {} “{s}”", words(kind.as_str())),
        None => format!("Logged a {}", words(kind.as_str())),
    };
    Ok(Redirect::to(&format!(
        "{page}?done={}#activity-{}",
        urlencode(&what),
        logged.id.0
    )))
}

fn new_activity(kind: ActivityKind) -> NewActivity {
    NewActivity {
        account_id: None,
        contact_id: None,
        kind,
        subject: None,
        body: None,
        occurred_at: None,
        campaign_id: None,
        opportunity_id: None,
    }
}

async fn on_account(
    State(state): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
    Form(form): Form<LogForm>,
) -> Result<Redirect, WebError> {
    let id = AccountId(path_id(&raw, "account")?);
    // The store refuses a contact at another account ("they must agree").
    let new = |kind, contact| NewActivity {
        account_id: Some(id),
        contact_id: contact,
        ..new_activity(kind)
    };
    log(&state, &me, form, new, format!("/accounts/{}", id.0)).await
}

async fn on_contact(
    State(state): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
    Form(form): Form<LogForm>,
) -> Result<Redirect, WebError> {
    let id = ContactId(path_id(&raw, "contact")?);
    let new = |kind, _| NewActivity {
        contact_id: Some(id),
        ..new_activity(kind)
    };
    log(&state, &me, form, new, format!("/contacts/{}", id.0)).await
}

async fn on_opportunity(
    State(state): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
    Form(form): Form<LogForm>,
) -> Result<Redirect, WebError> {
    let id = OpportunityId(path_id(&raw, "opportunity")?);
    let opportunity = state.store.get_opportunity(id).await?;
    let new = |kind, contact| NewActivity {
        account_id: Some(opportunity.account_id),
        contact_id: contact,
        opportunity_id: Some(id),
        ..new_activity(kind)
    };
    log(&state, &me, form, new, format!("/opportunities/{}", id.0)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(kind: &str, contact: &str) -> LogForm {
        LogForm {
            kind: Some(kind.into()),
            subject: None,
            body: None,
            contact_id: Some(contact.into()),
        }
    }

    #[test]
    fn the_form_is_read_strictly_and_each_refusal_names_its_field() {
        assert_eq!(
            parse(&form("call", "")).unwrap(),
            (ActivityKind::Call, None)
        );
        assert_eq!(
            parse(&form("note", "")).unwrap(),
            (ActivityKind::Note, None)
        );
        assert_eq!(
            parse(&form(" meeting ", "7")).unwrap(),
            (ActivityKind::Meeting, Some(ContactId(7)))
        );
        for (kind, contact, field) in [
            ("web_visit", "", "kind:"),
            ("", "", "kind:"),
            ("call", "-3", "contact_id:"),
            ("call", "seven", "contact_id:"),
        ] {
            let err = parse(&form(kind, contact)).unwrap_err().to_string();
            assert!(err.starts_with(field), "{kind:?} {contact:?}: {err}");
        }
        let long = LogForm {
            body: Some("x".repeat(MAX_BODY + 1)),
            ..form("email", "")
        };
        assert!(parse(&long).unwrap_err().to_string().starts_with("body:"));
    }
}
