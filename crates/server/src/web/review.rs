//! `/review`: the intake records waiting for a person, and the one-click ways to settle each:
//! accept a candidate account, create the account, or reject the record; and the ticked people
//! of the queue placed at one account in one go.

use super::form::{pair, ticked_ids};
use super::format::{thousands, words};
use super::people::{self, path_id, text, when, PageInfo, PAGE_SIZE};
use super::query_string;
use super::{render, urlencode, Nav, SignedIn, WebError};
use crate::routes::intake::resolve;
use crate::AppState;
use abcrm_core::intake::contact_from_record;
use abcrm_core::matching::PersonRecord;
use abcrm_core::model::{IntakeOutcome, IntakeRecord, NewAccount, Resolution};
use abcrm_core::normalize::{normalize_domain, personal_domain, registrable_domain, Email};
use abcrm_core::AccountId;
use abcrm_store::{IntakeQuery, PageRequest, StoreError};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

/// The review routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/review", get(list))
        .route("/review/{id}", get(show))
        .route("/review/{id}/accept", post(accept))
        .route("/review/{id}/create-account", post(create_account))
        .route("/review/{id}/reject", post(reject))
        .route("/review/bulk/place", post(place_many))
}

/// The records the queue lists: waiting, each person once.
fn waiting() -> IntakeQuery {
    IntakeQuery {
        outcome: Some(IntakeOutcome::NeedsReview),
        hide_duplicates: true,
        ..IntakeQuery::default()
    }
}

/// "Jane Roe", else the email, else "record N".
pub fn person_name(id: i64, p: &PersonRecord) -> String {
    let name = [p.first_name.as_deref(), p.last_name.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if !name.is_empty() {
        name
    } else if let Some(e) = p.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        e.to_string()
    } else {
        format!("record {id}")
    }
}

/// The domain a new account for this person would get: the website's, else the email's when
/// it is a company address (never gmail.com and the like).
pub fn suggested_domain(p: &PersonRecord) -> Option<String> {
    if let Some(d) = p.website.as_deref().and_then(|w| normalize_domain(w).ok()) {
        return Some(d);
    }
    let email = Email::parse(p.email.as_deref()?).ok()?;
    let registrable = registrable_domain(email.domain());
    personal_domain(&registrable)
        .is_none()
        .then_some(registrable)
}

/// "87%".
fn percent(confidence: f64) -> String {
    format!("{:.0}%", (confidence * 100.0).clamp(0.0, 100.0))
}

// ---------------------------------------------------------------------------------------------
// The queue

#[derive(Debug, Default, Deserialize)]
struct ListParams {
    order: Option<String>,
    after: Option<String>,
    page: Option<String>,
    done: Option<String>,
}

struct QueueRow {
    id: i64,
    received: String,
    source: String,
    name: String,
    email: String,
    company: String,
    best: String,
    duplicates: Vec<i64>,
}

#[derive(Template)]
#[template(path = "review.html")]
struct QueuePage {
    nav: Nav,
    notice: Option<String>,
    newest: bool,
    rows: Vec<QueueRow>,
    info: PageInfo,
    total_text: String,
    next_link: Option<String>,
    first_link: Option<String>,
}

async fn list(
    State(s): State<AppState>,
    me: SignedIn,
    Query(p): Query<ListParams>,
) -> Result<Response, WebError> {
    let newest = p.order.as_deref() == Some("newest");
    let number = people::number(&p.page).unwrap_or(1).clamp(1, 1_000_000) as u32;
    let page = PageRequest {
        after: people::number(&p.after),
        limit: PAGE_SIZE,
    };
    let found = if newest {
        s.store.list_intake_newest(&waiting(), page).await?
    } else {
        s.store.list_intake(&waiting(), page).await?
    };
    let total = s.store.count_intake(&waiting()).await?;
    let rows: Vec<QueueRow> = found
        .items
        .iter()
        .map(|r| QueueRow {
            id: r.id,
            received: when(&r.received_at),
            source: r.source.clone(),
            name: person_name(r.id, &r.payload),
            email: r.payload.email.clone().unwrap_or_default(),
            company: r.payload.company.clone().unwrap_or_default(),
            best: r
                .candidates
                .first()
                .map(|c| format!("{} ({})", c.name, percent(c.score)))
                .unwrap_or_default(),
            duplicates: r.duplicates.clone(),
        })
        .collect();
    let order = if newest { "newest" } else { "" }.to_string();
    let next_link = found.next_after.map(|after| {
        format!(
            "/review{}",
            query_string(&[
                ("order", order.clone()),
                ("after", after.to_string()),
                ("page", (number + 1).to_string()),
            ])
        )
    });
    let first_link = (number > 1 || page.after.is_some())
        .then(|| format!("/review{}", query_string(&[("order", order.clone())])));
    render(&QueuePage {
        nav: Nav::new(&me, "review"),
        notice: text(&p.done),
        newest,
        info: PageInfo::new(number, rows.len(), total),
        total_text: thousands(total),
        rows,
        next_link,
        first_link,
    })
}

// ---------------------------------------------------------------------------------------------
// One record

#[derive(Debug, Default, Deserialize)]
struct ShowParams {
    done: Option<String>,
}

struct CandidateView {
    account_id: i64,
    name: String,
    confidence: String,
    reasons: Vec<String>,
}

struct Normalized {
    name: String,
    email: String,
    phone: String,
    title: String,
    seniority: String,
    department: String,
}

struct DuplicateView {
    id: i64,
    received: String,
    source: String,
    summary: String,
}

struct Outcome {
    outcome: String,
    resolution: String,
    account_id: Option<i64>,
    account_name: String,
    contact_id: Option<i64>,
}

/// The create-account form's values and errors.
#[derive(Default)]
struct NewAccountForm {
    name: String,
    domain: String,
    name_error: Option<String>,
    domain_error: Option<String>,
}

#[derive(Template)]
#[template(path = "review_record.html")]
struct RecordPage {
    nav: Nav,
    id: i64,
    person: String,
    notice: Option<String>,
    /// A general error of the last action (not tied to one field).
    error: Option<String>,
    /// Field rows of the record as received: (label, value).
    raw: Vec<(&'static str, String)>,
    source: String,
    source_key: String,
    received: String,
    normalized: Normalized,
    rule: String,
    confidence: String,
    explanation: String,
    candidates: Vec<CandidateView>,
    account_error: Option<String>,
    new_account: NewAccountForm,
    reason: String,
    duplicates: Vec<DuplicateView>,
    duplicate_of: Option<i64>,
    waiting: bool,
    outcome: Option<Outcome>,
}

async fn record_page(
    s: &AppState,
    me: &SignedIn,
    record: &IntakeRecord,
    notice: Option<String>,
) -> Result<RecordPage, WebError> {
    let p = &record.payload;
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let raw = vec![
        ("First name", opt(&p.first_name)),
        ("Last name", opt(&p.last_name)),
        ("Email", opt(&p.email)),
        ("Company", opt(&p.company)),
        ("Title", opt(&p.title)),
        ("Phone", opt(&p.phone)),
        ("Website", opt(&p.website)),
        ("DUNS", opt(&p.duns)),
        ("Country", opt(&p.country)),
        ("State", opt(&p.state)),
        ("City", opt(&p.city)),
    ];
    let person = contact_from_record(p, AccountId(0), &record.source);
    let person = person.clone().validate().unwrap_or(person);
    let normalized = Normalized {
        name: [person.first_name.as_deref(), person.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
        email: person
            .email
            .as_ref()
            .map(|e| e.to_string())
            .unwrap_or_default(),
        phone: opt(&person.phone),
        title: opt(&person.title),
        seniority: person
            .seniority
            .map(|v| words(v.as_str()))
            .unwrap_or_default(),
        department: person
            .department
            .map(|v| words(v.as_str()))
            .unwrap_or_default(),
    };
    let mut duplicates = Vec::new();
    for id in record.duplicates.iter().take(20) {
        let d = s.store.get_intake(*id).await?;
        duplicates.push(DuplicateView {
            id: d.id,
            received: when(&d.received_at),
            source: d.source.clone(),
            summary: [
                Some(person_name(d.id, &d.payload)),
                d.payload.email.clone(),
                d.payload.company.clone(),
                d.payload.title.clone(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · "),
        });
    }
    let waiting = record.outcome == IntakeOutcome::NeedsReview;
    let outcome = if waiting {
        None
    } else {
        let account_name = match record.account_id {
            Some(a) => match s.store.get_account(a).await {
                Ok(acc) => acc.name,
                Err(StoreError::NotFound { .. }) => format!("account {a} (deleted since)"),
                Err(e) => return Err(e.into()),
            },
            None => String::new(),
        };
        Some(Outcome {
            outcome: words(record.outcome.as_str()),
            resolution: record
                .resolution
                .clone()
                .or_else(|| record.explanation.clone())
                .unwrap_or_default(),
            account_id: record.account_id.map(|a| a.0),
            account_name,
            contact_id: record.contact_id.map(|c| c.0),
        })
    };
    Ok(RecordPage {
        nav: Nav::new(me, "review"),
        id: record.id,
        person: person_name(record.id, p),
        notice,
        error: None,
        raw,
        source: record.source.clone(),
        source_key: record.source_key.clone().unwrap_or_default(),
        received: when(&record.received_at),
        normalized,
        rule: record.rule.as_deref().map(words).unwrap_or_default(),
        confidence: record.confidence.map(percent).unwrap_or_default(),
        explanation: record.explanation.clone().unwrap_or_default(),
        candidates: record
            .candidates
            .iter()
            .map(|c| CandidateView {
                account_id: c.account_id.0,
                name: c.name.clone(),
                confidence: percent(c.score),
                reasons: c.reasons.clone(),
            })
            .collect(),
        account_error: None,
        new_account: NewAccountForm {
            name: p
                .company
                .as_deref()
                .map(str::trim)
                .unwrap_or_default()
                .to_string(),
            domain: suggested_domain(p).unwrap_or_default(),
            ..NewAccountForm::default()
        },
        reason: String::new(),
        duplicates,
        duplicate_of: record.duplicate_of,
        waiting,
        outcome,
    })
}

fn with_status(page: &RecordPage, status: StatusCode) -> Result<Response, WebError> {
    let mut res = render(page)?;
    *res.status_mut() = status;
    Ok(res)
}

async fn show(
    State(s): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
    Query(p): Query<ShowParams>,
) -> Result<Response, WebError> {
    let id = path_id(&raw, "intake record")?;
    let record = s.store.get_intake(id).await?;
    render(&record_page(&s, &me, &record, text(&p.done)).await?)
}

/// After settling `id`: the next record waiting after it, else the first waiting, else the
/// queue; with the notice.
/// The most records one bulk placement takes: each is settled as on its own page.
const MAX_BULK_PLACE: usize = 500;

/// `POST /review/bulk/place`: the ticked people placed at one account, picked by name,
/// `Name (#id)` or id. Each record is settled as its own page settles it (`resolve`); one settled
/// meanwhile, or refused, is named in the notice and the rest are placed.
async fn place_many(
    State(s): State<AppState>,
    me: SignedIn,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let mut ids = ticked_ids(&pairs, "record_id", "record", MAX_BULK_PLACE)?;
    // A record ticked twice is placed once.
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(*id));
    if ids.is_empty() {
        return Err(WebError::BadRequest(
            "record_id: tick the people to place".into(),
        ));
    }
    let typed = pair(&pairs, "account").ok_or_else(|| {
        WebError::BadRequest("account: name the account to place them at, or its id".into())
    })?;
    let mut errors = super::form::FieldErrors::default();
    let Some(account) = super::form::account_named(&s, &typed, "account", &mut errors).await?
    else {
        let why = errors.get("account").unwrap_or("no account by that name");
        return Err(WebError::BadRequest(format!("account: {why}")));
    };
    let name = s.store.get_account(account).await?.name;
    let (mut placed, mut left) = (0usize, Vec::new());
    for id in ids {
        match resolve(&s, &me.actor, id, Resolution::Account(account)).await {
            Ok(_) => placed += 1,
            Err(
                StoreError::Invalid(_) | StoreError::Conflict { .. } | StoreError::NotFound { .. },
            ) => left.push(format!("#{id}")),
            Err(e) => return Err(e.into()),
        }
    }
    let mut done = format!(
        "Placed {placed} {} at {name}",
        if placed == 1 { "person" } else { "people" }
    );
    if !left.is_empty() {
        done.push_str(&format!(
            "; not placed (settled meanwhile or refused there): {}",
            left.join(", ")
        ));
    }
    Ok(Redirect::to(&format!("/review?done={}", urlencode(&done))).into_response())
}

async fn next_page(s: &AppState, id: i64, notice: &str) -> Result<Response, WebError> {
    let one = |after| PageRequest { after, limit: 1 };
    let mut next = s.store.list_intake(&waiting(), one(Some(id))).await?.items;
    if next.is_empty() {
        next = s.store.list_intake(&waiting(), one(None)).await?.items;
    }
    let to = match next.first() {
        Some(r) => format!("/review/{}?done={}", r.id, urlencode(notice)),
        None => format!("/review?done={}", urlencode(notice)),
    };
    Ok(Redirect::to(&to).into_response())
}

/// Re-renders the record after a refused action: a record settled meanwhile shows its outcome.
async fn refused(
    s: &AppState,
    me: &SignedIn,
    id: i64,
    status: StatusCode,
    fill: impl FnOnce(&mut RecordPage),
) -> Result<Response, WebError> {
    let record = s.store.get_intake(id).await?;
    let mut page = record_page(s, me, &record, None).await?;
    fill(&mut page);
    with_status(&page, status)
}

#[derive(Debug, Deserialize)]
struct AcceptForm {
    /// A candidate's id (its Accept button).
    account_id: Option<String>,
    /// Any account, by name or id (the field under the candidates).
    account: Option<String>,
}

async fn accept(
    State(s): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
    Form(f): Form<AcceptForm>,
) -> Result<Response, WebError> {
    let id = path_id(&raw, "intake record")?;
    let record = s.store.get_intake(id).await?;
    let mut errors = super::form::FieldErrors::default();
    let chosen = match (people::number(&f.account_id), people::text(&f.account)) {
        (Some(a), _) => Some(a),
        (None, Some(typed)) => super::form::account_named(&s, &typed, "account", &mut errors)
            .await?
            .map(|a| a.0),
        (None, None) => None,
    };
    let Some(account) = chosen else {
        let why = errors
            .get("account")
            .map(str::to_string)
            .unwrap_or_else(|| {
                "choose the account the person works at: a candidate, or another by name".into()
            });
        return refused(&s, &me, id, StatusCode::UNPROCESSABLE_ENTITY, |p| {
            p.account_error = Some(why)
        })
        .await;
    };
    let person = person_name(id, &record.payload);
    match resolve(&s, &me.actor, id, Resolution::Account(AccountId(account))).await {
        Ok(done) => {
            let name = match done.account_id {
                Some(a) => s.store.get_account(a).await?.name,
                None => format!("account {account}"),
            };
            next_page(&s, id, &format!("Placed {person} at {name}")).await
        }
        Err(StoreError::Invalid(e)) => {
            let message =
                e.0.iter()
                    .map(|e| e.reason.clone())
                    .collect::<Vec<_>>()
                    .join("; ");
            refused(&s, &me, id, StatusCode::UNPROCESSABLE_ENTITY, |p| {
                p.account_error = Some(format!("{message}; choose another account"))
            })
            .await
        }
        Err(StoreError::Conflict { message, .. }) => {
            refused(&s, &me, id, StatusCode::CONFLICT, |p| {
                p.error = Some(message)
            })
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
struct CreateForm {
    name: Option<String>,
    domain: Option<String>,
}

/// Puts each store error of a new account beside its field: `name` or `domain`; anything else
/// is the page's error.
fn place_account_errors(form: &mut NewAccountForm, general: &mut Option<String>, e: StoreError) {
    let mut put = |field: &str, reason: String| {
        let slot: &mut Option<String> = if field.contains("domain") {
            &mut form.domain_error
        } else if field.contains("name") {
            &mut form.name_error
        } else {
            &mut *general
        };
        *slot = Some(match slot.take() {
            Some(before) => format!("{before}; {reason}"),
            None => reason,
        });
    };
    match e {
        StoreError::Invalid(errors) => {
            for err in errors.0 {
                put(&err.field, err.reason);
            }
        }
        StoreError::Conflict { field, message } => put(field.as_deref().unwrap_or(""), message),
        other => put("", other.to_string()),
    }
}

async fn create_account(
    State(s): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
    Form(f): Form<CreateForm>,
) -> Result<Response, WebError> {
    let id = path_id(&raw, "intake record")?;
    let record = s.store.get_intake(id).await?;
    let name = f.name.unwrap_or_default().trim().to_string();
    let domain = f.domain.unwrap_or_default().trim().to_string();
    let entered = NewAccountForm {
        name: name.clone(),
        domain: domain.clone(),
        ..NewAccountForm::default()
    };
    if name.is_empty() {
        return refused(&s, &me, id, StatusCode::UNPROCESSABLE_ENTITY, move |p| {
            p.new_account = NewAccountForm {
                name_error: Some("give the new account a name (the company's name)".into()),
                ..entered
            };
        })
        .await;
    }
    let o = &record.observations;
    let fact = |k: &str| {
        o.get(k)
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .or_else(|| match k {
                "country" => record.payload.country.clone(),
                "state" => record.payload.state.clone(),
                "city" => record.payload.city.clone(),
                _ => None,
            })
    };
    let new = NewAccount {
        name: name.clone(),
        domains: if domain.is_empty() {
            Vec::new()
        } else {
            vec![domain.clone()]
        },
        country: fact("country"),
        state: fact("state"),
        city: fact("city"),
        ..NewAccount::default()
    };
    let person = person_name(id, &record.payload);
    match resolve(&s, &me.actor, id, Resolution::NewAccount(Box::new(new))).await {
        Ok(_) => next_page(&s, id, &format!("Created {name} and placed {person} there")).await,
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict { .. })) => {
            let settled = matches!(&e, StoreError::Conflict { field: Some(f), .. } if f == "id");
            refused(
                &s,
                &me,
                id,
                if settled {
                    StatusCode::CONFLICT
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                },
                move |p| {
                    let mut form = entered;
                    place_account_errors(&mut form, &mut p.error, e);
                    p.new_account = form;
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
struct RejectForm {
    reason: Option<String>,
}

async fn reject(
    State(s): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
    Form(f): Form<RejectForm>,
) -> Result<Response, WebError> {
    let id = path_id(&raw, "intake record")?;
    let record = s.store.get_intake(id).await?;
    let reason = text(&f.reason);
    let person = person_name(id, &record.payload);
    let why = reason
        .clone()
        .unwrap_or_else(|| "rejected in the review queue (no reason given)".into());
    match resolve(&s, &me.actor, id, Resolution::Reject(why)).await {
        Ok(_) => {
            let notice = match &reason {
                Some(r) => format!("Rejected the record of {person}: {r}"),
                None => format!("Rejected the record of {person}"),
            };
            next_page(&s, id, &notice).await
        }
        Err(StoreError::Conflict { message, .. }) => {
            refused(&s, &me, id, StatusCode::CONFLICT, |p| {
                p.error = Some(message)
            })
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(email: Option<&str>, website: Option<&str>) -> PersonRecord {
        PersonRecord {
            email: email.map(Into::into),
            website: website.map(Into::into),
            ..PersonRecord::default()
        }
    }

    #[test]
    fn the_suggested_domain_is_the_website_or_a_company_email() {
        assert_eq!(
            suggested_domain(&record(Some("kim@mail.acme.co.uk"), None)).as_deref(),
            Some("acme.co.uk")
        );
        assert_eq!(suggested_domain(&record(Some("kim@gmail.com"), None)), None);
        assert_eq!(
            suggested_domain(&record(
                Some("kim@gmail.com"),
                Some("https://www.mystery.io/about")
            ))
            .as_deref(),
            Some("mystery.io")
        );
        assert_eq!(suggested_domain(&record(None, None)), None);
    }

    #[test]
    fn a_person_is_named_by_name_then_email() {
        let mut p = record(Some("kim@x.com"), None);
        assert_eq!(person_name(4, &p), "kim@x.com");
        p.first_name = Some(" Kim ".into());
        p.last_name = Some("Roe".into());
        assert_eq!(person_name(4, &p), "Kim Roe");
        assert_eq!(person_name(4, &PersonRecord::default()), "record 4");
        assert_eq!(percent(0.874), "87%");
    }

    #[test]
    fn account_errors_go_beside_their_fields() {
        let mut form = NewAccountForm::default();
        let mut general = None;
        place_account_errors(
            &mut form,
            &mut general,
            StoreError::Conflict {
                field: Some("domains[0]".into()),
                message: "taken".into(),
            },
        );
        place_account_errors(
            &mut form,
            &mut general,
            StoreError::Invalid(abcrm_core::ValidationErrors::one(
                "new_account.name",
                "is required",
            )),
        );
        assert_eq!(form.domain_error.as_deref(), Some("taken"));
        assert_eq!(form.name_error.as_deref(), Some("is required"));
        assert_eq!(general, None);
    }
}
