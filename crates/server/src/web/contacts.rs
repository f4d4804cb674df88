//! `/contacts`: the contact list (segment filter or plain search), the contact page, and merging
//! two contacts into one.

use super::activity_log::{self, TimelineItem};
use super::chips;
use super::contact_form::{self, ContactForm, ContactFormView};
use super::filter_error::FilterErrorView;
use super::form::FieldErrors;
use super::form::{merge_partner, merge_partner_gone, owner_choices, refused};
use super::format::{thousands, words};
use super::history::{history, HistoryItem};
use super::people::{self, day, path_id, text, when, PageInfo, PAGE_SIZE};
use super::query_string;
use super::quick_edit::{self, QuickField};
use super::table_sort::{self, Heading, SortColumn};
use super::tasks::{self, TaskPanel, TaskRecord};
use super::{render, urlencode, Nav, SignedIn, WebError};
use crate::routes::segments::today;
use crate::AppState;
use abcrm_core::model::{
    audience, compile, Contact, IntakeRecord, MergeChoices, SegmentTarget, Side,
};
use abcrm_core::{AccountId, ContactId, UserId};
use abcrm_store::{
    ActivityQuery, ContactQuery, ContactSelection, ContactSort, ContactTableQuery, PageRequest,
    StoreError,
};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use std::collections::HashMap;

/// The contact routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/contacts", get(list))
        .route("/contacts/{id}", get(show).post(save))
        .route("/contacts/{id}/merge", get(merge_page).post(merge))
        .route("/contacts/merges/{id}/undo", post(undo))
}

// ---------------------------------------------------------------------------------------------
// The list

#[derive(Debug, Default, Deserialize)]
struct ListParams {
    filter: Option<String>,
    /// Any value: a filter takes people who left or unsubscribed too.
    everyone: Option<String>,
    q: Option<String>,
    after: Option<String>,
    page: Option<String>,
    /// A column to sort by (`CONTACT_COLUMNS`) and `asc` or `desc`; absent: in id order.
    sort: Option<String>,
    dir: Option<String>,
    /// A filter chip to add (`chips.rs`).
    add_field: Option<String>,
    add_op: Option<String>,
    add_value: Option<String>,
    /// What a bulk action did.
    done: Option<String>,
}

/// The sortable columns, as the table shows them.
const CONTACT_COLUMNS: &[SortColumn<ContactSort>] = &[
    SortColumn {
        key: "name",
        label: "Name",
        sort: ContactSort::Name,
        starts_descending: false,
        numeric: false,
    },
    SortColumn {
        key: "title",
        label: "Title",
        sort: ContactSort::Title,
        starts_descending: false,
        numeric: false,
    },
    SortColumn {
        key: "seniority",
        label: "Seniority",
        sort: ContactSort::Seniority,
        starts_descending: false,
        numeric: false,
    },
    SortColumn {
        key: "buying_role",
        label: "Buying role",
        sort: ContactSort::BuyingRole,
        starts_descending: false,
        numeric: false,
    },
    SortColumn {
        key: "account",
        label: "Account",
        sort: ContactSort::Account,
        starts_descending: false,
        numeric: false,
    },
    SortColumn {
        key: "email",
        label: "Email",
        sort: ContactSort::Email,
        starts_descending: false,
        numeric: false,
    },
    SortColumn {
        key: "last_activity",
        label: "Last activity",
        sort: ContactSort::LastActivity,
        starts_descending: true,
        numeric: false,
    },
];

struct ContactRow {
    id: i64,
    name: String,
    title: String,
    seniority: String,
    buying_role: String,
    account_id: i64,
    account_name: String,
    email: String,
    last_activity: String,
}

struct SavedView {
    name: String,
    expression: String,
}

#[derive(Template)]
#[template(path = "contacts.html")]
struct ListPage {
    nav: Nav,
    /// What a bulk action did.
    notice: Option<String>,
    /// Whether the bulk form shows (not for a read-only user).
    bulk: bool,
    /// The campaigns the bulk form offers.
    campaigns: Vec<(i64, String)>,
    /// The owners the bulk form offers.
    owners: Vec<(i64, String)>,
    /// The chip form (`chips.html`): a condition picked from lists, added to the filter.
    chips: chips::ChipForm,
    chips_action: String,
    chips_everyone: bool,
    filter: String,
    /// The filter takes people who left or unsubscribed too (a segment leaves them out).
    everyone: bool,
    q: String,
    filter_error: Option<FilterErrorView>,
    views: Vec<SavedView>,
    /// The order the list is in (`sort=`, `dir=`), which a new filter or search keeps; empty:
    /// in id order.
    sort: String,
    dir: String,
    headings: Vec<Heading>,
    rows: Vec<ContactRow>,
    info: PageInfo,
    total_text: String,
    next_link: Option<String>,
    first_link: Option<String>,
    /// People waiting in review whom the filter would take once placed.
    waiting: Vec<WaitingRow>,
    waiting_text: String,
}

/// A person waiting in review, as the list names them: who, and where they would be placed.
struct WaitingRow {
    intake_id: i64,
    name: String,
    candidate: String,
}

/// Waiting people a list page names; the rest are counted.
const WAITING_SHOWN: usize = 10;

impl ListPage {
    fn view_selected(&self, v: &SavedView) -> bool {
        v.expression.trim() == self.filter.trim()
    }
}

async fn list(
    State(s): State<AppState>,
    me: SignedIn,
    Query(p): Query<ListParams>,
) -> Result<Response, WebError> {
    let filter = text(&p.filter).unwrap_or_default();
    let everyone = text(&p.everyone).is_some();
    let chip = chips::ChipParams {
        add_field: p.add_field.clone(),
        add_op: p.add_op.clone(),
        add_value: p.add_value.clone(),
    };
    let mut chip_error = None;
    if chip.asked() {
        match chips::add(&filter, &chip, false) {
            Ok(added) => {
                let keep: &[(&str, &str)] = if everyone { &[("everyone", "1")] } else { &[] };
                return Ok(
                    Redirect::to(&chips::list_href("/contacts", &added, keep)).into_response()
                );
            }
            Err(why) => chip_error = Some(why),
        }
    }
    let q = text(&p.q).unwrap_or_default();
    let number = people::number(&p.page).unwrap_or(1).clamp(1, 1_000_000) as u32;
    let page = PageRequest {
        after: people::number(&p.after),
        limit: PAGE_SIZE,
    };
    let views = s
        .store
        .list_segments(PageRequest {
            after: None,
            limit: 200,
        })
        .await?
        .items
        .into_iter()
        .filter(|seg| seg.target == SegmentTarget::Contact)
        .map(|seg| SavedView {
            name: seg.name,
            expression: seg.expression,
        })
        .collect();
    let (campaigns, owners) = if me.can_write() {
        (
            super::bulk::campaign_choices(&s).await?,
            owner_choices(&s).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let mut out = ListPage {
        nav: Nav::new(&me, "contacts"),
        notice: text(&p.done),
        bulk: me.can_write(),
        campaigns,
        owners,
        chips: chips::ChipForm::new(false, chip, chip_error),
        chips_action: "/contacts".into(),
        chips_everyone: everyone,
        filter: filter.clone(),
        everyone,
        q: q.clone(),
        filter_error: None,
        views,
        sort: String::new(),
        dir: String::new(),
        headings: Vec::new(),
        rows: Vec::new(),
        info: PageInfo::new(1, 0, 0),
        total_text: String::new(),
        next_link: None,
        first_link: None,
        waiting: Vec::new(),
        waiting_text: String::new(),
    };
    // Sorted, a page is found by its offset in the order; unsorted, by the id cursor, which
    // stays cheap however deep (see `Store::contact_table`).
    let order = table_sort::chosen(CONTACT_COLUMNS, p.sort.as_deref(), p.dir.as_deref());
    let offset = u64::from(number - 1) * u64::from(PAGE_SIZE);
    let sorted = |selection| ContactTableQuery {
        selection,
        sort: order.map_or(ContactSort::Name, |(c, _)| c.sort),
        descending: order.is_some_and(|(_, d)| d),
        offset,
        limit: PAGE_SIZE,
    };
    let (items, total, after) = if !filter.is_empty() {
        match compile(&filter, SegmentTarget::Contact) {
            Ok(checked) => {
                // A filter here is a segment: the same people its run and export reach.
                let checked = audience(checked, SegmentTarget::Contact, everyone);
                let target = SegmentTarget::Contact.filter_target();
                let total = s.store.segment_count(&checked, target, today()).await?;
                let waiting = s
                    .store
                    .waiting_in_segment(&checked, target, today(), WAITING_SHOWN)
                    .await?;
                out.waiting_text = thousands(waiting.count);
                out.waiting = waiting.records.iter().map(waiting_row).collect();
                if order.is_some() {
                    let query = sorted(ContactSelection::Filter(checked));
                    (s.store.contact_table(&query, today()).await?, total, None)
                } else {
                    let found = s.store.segment_contacts(&checked, today(), page).await?;
                    (found.items, total, found.next_after)
                }
            }
            Err(e) => {
                out.filter_error = Some(FilterErrorView::of(&filter, &e));
                let mut res = render(&out)?;
                *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                return Ok(res);
            }
        }
    } else {
        let query = ContactQuery {
            search: (!q.is_empty()).then(|| q.clone()),
            ..ContactQuery::default()
        };
        let total = s.store.count_contacts(&query).await?;
        if order.is_some() {
            let selection = match &query.search {
                Some(text) => ContactSelection::Search(text.clone()),
                None => ContactSelection::All,
            };
            (
                s.store.contact_table(&sorted(selection), today()).await?,
                total,
                None,
            )
        } else {
            let found = s.store.list_contacts(&query, page).await?;
            (found.items, total, found.next_after)
        }
    };
    out.rows = rows_of(&s, &items).await?;
    out.info = PageInfo::new(number, out.rows.len(), total);
    out.total_text = thousands(total);
    let mut keep = vec![("filter", filter.clone()), ("q", q.clone())];
    if everyone {
        keep.push(("everyone", "1".to_string()));
    }
    let link = |pairs: &[(&str, String)]| format!("/contacts{}", query_string(pairs));
    out.headings = table_sort::headings(
        CONTACT_COLUMNS,
        order.map(|(c, _)| c.key),
        order.is_some_and(|(_, d)| d),
        |key, descending| {
            let mut pairs = keep.clone();
            pairs.push(("sort", key.to_string()));
            pairs.push(("dir", table_sort::dir(descending).to_string()));
            link(&pairs)
        },
    );
    if let Some((column, descending)) = order {
        out.sort = column.key.to_string();
        out.dir = table_sort::dir(descending).to_string();
        keep.push(("sort", out.sort.clone()));
        keep.push(("dir", out.dir.clone()));
    }
    let shown = offset + out.rows.len() as u64;
    if after.is_some() || (order.is_some() && shown < total) {
        let mut pairs = keep.clone();
        if let Some(after) = after {
            pairs.push(("after", after.to_string()));
        }
        pairs.push(("page", (number + 1).to_string()));
        out.next_link = Some(link(&pairs));
    }
    if number > 1 || page.after.is_some() {
        out.first_link = Some(link(&keep));
    }
    render(&out)
}

fn waiting_row(r: &IntakeRecord) -> WaitingRow {
    WaitingRow {
        intake_id: r.id,
        name: super::review::person_name(r.id, &r.payload),
        candidate: r
            .candidates
            .first()
            .map(|c| c.name.clone())
            .unwrap_or_default(),
    }
}

/// The table rows of a page of contacts: their accounts and last activities in one query each.
async fn rows_of(s: &AppState, contacts: &[Contact]) -> Result<Vec<ContactRow>, WebError> {
    let mut account_ids: Vec<AccountId> = contacts.iter().map(|c| c.account_id).collect();
    account_ids.sort_by_key(|a| a.0);
    account_ids.dedup();
    let names: HashMap<AccountId, String> = s
        .store
        .get_accounts(&account_ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let ids: Vec<ContactId> = contacts.iter().map(|c| c.id).collect();
    let last = s.store.contacts_last_activity(&ids).await?;
    Ok(contacts
        .iter()
        .map(|c| ContactRow {
            id: c.id.0,
            name: c.display_name(),
            title: c.title.clone().unwrap_or_default(),
            seniority: c.seniority.map(|v| words(v.as_str())).unwrap_or_default(),
            buying_role: c.buying_role.map(|v| words(v.as_str())).unwrap_or_default(),
            account_id: c.account_id.0,
            account_name: names
                .get(&c.account_id)
                .cloned()
                .unwrap_or_else(|| format!("account {}", c.account_id)),
            email: c.email.as_ref().map(|e| e.to_string()).unwrap_or_default(),
            last_activity: last.get(&c.id).map(day).unwrap_or_default(),
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// The contact page

#[derive(Debug, Default, Deserialize)]
struct ShowParams {
    done: Option<String>,
    undo: Option<String>,
    task_error: Option<String>,
}

struct RoleRow {
    opportunity_id: i64,
    name: String,
    stage: String,
    amount: String,
    role: String,
    primary: bool,
}

struct ScoreView {
    score: String,
    fit: String,
    engagement: String,
}

#[derive(Template)]
#[template(path = "contact.html")]
pub struct ContactPage {
    nav: Nav,
    c: ContactView,
    /// The edit form (`contact_fields.html`), open when it comes back refused.
    cf: ContactFormView,
    edit_open: bool,
    form_action: String,
    notice: Option<String>,
    undo: Option<i64>,
    timeline: Vec<TimelineItem>,
    timeline_of_account: bool,
    log_action: String,
    log_kinds: Vec<(&'static str, String)>,
    log_people: Vec<(i64, String)>,
    roles: Vec<RoleRow>,
    score: Option<ScoreView>,
    /// The audit log's newest entries for the contact (`history.html`).
    history: Vec<HistoryItem>,
    tasks: TaskPanel,
    /// The fields changed in place (`quick_fields.html`); none for a read-only user.
    quick: Vec<QuickField>,
}

/// A contact's fields as the page shows them.
struct ContactView {
    id: i64,
    name: String,
    email: String,
    phone: String,
    title: String,
    seniority: String,
    department: String,
    buying_role: String,
    status: String,
    source: String,
    owner: String,
    account_id: i64,
    account_name: String,
    created: String,
    updated: String,
}

async fn owner_names(
    s: &AppState,
    ids: impl IntoIterator<Item = Option<UserId>>,
) -> Result<HashMap<UserId, String>, WebError> {
    let mut wanted: Vec<UserId> = ids.into_iter().flatten().collect();
    wanted.sort_by_key(|u| u.0);
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(s.store
        .get_users(&wanted)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect())
}

fn owner_label(owners: &HashMap<UserId, String>, id: Option<UserId>) -> String {
    match id {
        Some(u) => owners
            .get(&u)
            .cloned()
            .unwrap_or_else(|| format!("user {u}")),
        None => String::new(),
    }
}

async fn contact_view(s: &AppState, c: &Contact) -> Result<ContactView, WebError> {
    let account = s.store.get_account(c.account_id).await?;
    let owners = owner_names(s, [c.owner_id]).await?;
    Ok(ContactView {
        id: c.id.0,
        name: c.display_name(),
        email: c.email.as_ref().map(|e| e.to_string()).unwrap_or_default(),
        phone: c.phone.clone().unwrap_or_default(),
        title: c.title.clone().unwrap_or_default(),
        seniority: c.seniority.map(|v| words(v.as_str())).unwrap_or_default(),
        department: c.department.map(|v| words(v.as_str())).unwrap_or_default(),
        buying_role: c.buying_role.map(|v| words(v.as_str())).unwrap_or_default(),
        status: words(c.status.as_str()),
        source: c.source.clone().unwrap_or_default(),
        owner: owner_label(&owners, c.owner_id),
        account_id: account.id.0,
        account_name: account.name,
        created: day(&c.created_at),
        updated: when(&c.updated_at),
    })
}

async fn show(
    State(s): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
    Query(p): Query<ShowParams>,
) -> Result<Response, WebError> {
    let id = ContactId(path_id(&raw, "contact")?);
    let notice = ContactNotice {
        done: text(&p.done),
        undo: people::number(&p.undo).filter(|_| me.can_write()),
        task_error: text(&p.task_error),
    };
    render(&contact_page(&s, &me, id, notice, None).await?)
}

/// `POST /contacts/{id}`: the edit form saved through the store, as the API's PATCH; a refused
/// value comes back beside its field with everything typed.
async fn save(
    State(state): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
    Form(form): Form<ContactForm>,
) -> Result<Response, WebError> {
    let id = ContactId(path_id(&raw, "contact")?);
    let errors = match form.patch() {
        Err(errors) => errors,
        Ok(patch) => {
            let saved = match super::form::version(&form.version) {
                Some(v) => {
                    state
                        .store
                        .update_contact_if(&me.actor, id, patch, &[v])
                        .await
                }
                None => state.store.update_contact(&me.actor, id, patch).await,
            };
            match saved {
                Ok(c) => {
                    let done = format!("Saved {}", c.display_name());
                    let to = format!("/contacts/{}?done={}", c.id.0, urlencode(&done));
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(StoreError::Stale { .. }) => {
                    let mut stale = FieldErrors::default();
                    stale.push("first_name", super::form::stale_edit("contact"));
                    stale
                }
                Err(e) => FieldErrors::from_store(e, &contact_form::FIELDS)?,
            }
        }
    };
    let edit = ContactFormView::new(form, errors, owner_choices(&state).await?);
    let page = contact_page(&state, &me, id, ContactNotice::default(), Some(edit)).await?;
    refused(render(&page)?)
}

/// What the contact page tells after an action: a notice, and the merge it may undo.
#[derive(Debug, Default)]
pub struct ContactNotice {
    pub done: Option<String>,
    pub undo: Option<i64>,
    /// A task the page's task form sent that was refused.
    pub task_error: Option<String>,
}

/// The contact page; `edit` is a refused edit to show with its errors (none: the form holds the
/// contact as it is).
pub async fn contact_page(
    s: &AppState,
    me: &SignedIn,
    id: ContactId,
    notice: ContactNotice,
    edit: Option<ContactFormView>,
) -> Result<ContactPage, WebError> {
    let contact = s.store.get_contact(id).await?;
    let c = contact_view(s, &contact).await?;
    let edit_open = edit.is_some();
    let owners = owner_choices(s).await?;
    let cf = match edit {
        Some(view) => view,
        None => ContactFormView::new(
            ContactForm::of(&contact),
            FieldErrors::default(),
            owners.clone(),
        ),
    };
    let activities = s
        .store
        .recent_activities(
            &ActivityQuery {
                contact_id: Some(id),
                ..ActivityQuery::default()
            },
            50,
        )
        .await?;
    // On the person's own page nobody else is named.
    let timeline = activities
        .iter()
        .map(|a| TimelineItem::of(a, |_| None))
        .collect();
    let roles = s
        .store
        .contact_opportunities(id)
        .await?
        .into_iter()
        .flat_map(|o| {
            o.contact_roles
                .iter()
                .filter(|r| r.contact_id == id)
                .map(|r| RoleRow {
                    opportunity_id: o.id.0,
                    name: o.name.clone(),
                    stage: words(o.stage.as_str()),
                    amount: o
                        .amount
                        .map(|a| thousands(a.max(0.0).round() as u64))
                        .unwrap_or_default(),
                    role: words(r.role.as_str()),
                    primary: r.is_primary,
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let score = s.store.contact_score(id).await?.map(|sc| ScoreView {
        score: sc.score.to_string(),
        fit: sc.fit.to_string(),
        engagement: sc.engagement.to_string(),
    });
    let quick = if me.can_write() {
        let now = ContactFormView::new(
            ContactForm::of(&contact),
            FieldErrors::default(),
            owners.clone(),
        );
        quick_edit::contact_fields(&now, id, &me.csrf)
    } else {
        Vec::new()
    };
    Ok(ContactPage {
        nav: Nav::new(me, "contacts"),
        quick,
        c,
        cf,
        edit_open,
        form_action: format!("/contacts/{}", id.0),
        notice: notice.done,
        undo: notice.undo,
        timeline,
        timeline_of_account: false,
        log_action: format!("/contacts/{}/activities", id.0),
        log_kinds: activity_log::kind_options(),
        log_people: Vec::new(),
        roles,
        score,
        history: history(s, "contact", id.0).await?,
        tasks: tasks::panel(s, me, TaskRecord::Contact(id), owners, notice.task_error).await?,
    })
}

// ---------------------------------------------------------------------------------------------
// Merging

/// One field two contacts disagree on, and whose value is picked unless the user says otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeRow {
    /// The form field (and [`MergeChoices`] field).
    pub field: &'static str,
    pub label: &'static str,
    /// The value of the contact the page is about (`a`) and of the other one (`b`).
    pub a: String,
    pub b: String,
    /// Whether `b`'s value is picked by default: only when `a`'s is empty.
    pub default_b: bool,
}

/// The fields a merge decides, one row per field whose values differ; the default is the
/// surviving contact `a`'s value unless it is empty. `owner` names a user.
pub fn merge_rows(
    a: &Contact,
    b: &Contact,
    owner: impl Fn(Option<UserId>) -> String,
) -> Vec<MergeRow> {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let e = |c: &Contact| c.email.as_ref().map(|e| e.to_string()).unwrap_or_default();
    let role = |c: &Contact| c.buying_role.map(|r| words(r.as_str())).unwrap_or_default();
    let candidates = [
        (
            "first_name",
            "First name",
            s(&a.first_name),
            s(&b.first_name),
        ),
        ("last_name", "Last name", s(&a.last_name), s(&b.last_name)),
        ("email", "Email", e(a), e(b)),
        ("phone", "Phone", s(&a.phone), s(&b.phone)),
        ("title", "Title", s(&a.title), s(&b.title)),
        ("buying_role", "Buying role", role(a), role(b)),
        ("owner_id", "Owner", owner(a.owner_id), owner(b.owner_id)),
        ("source", "Source", s(&a.source), s(&b.source)),
    ];
    candidates
        .into_iter()
        .filter(|(_, _, x, y)| x != y)
        .map(|(field, label, x, y)| MergeRow {
            field,
            label,
            default_b: x.is_empty(),
            a: x,
            b: y,
        })
        .collect()
}

/// The choices a submitted merge form makes: each field's value names the contact whose value
/// it keeps; a field not sent follows the store's survivorship rule.
pub fn choices_from_form(form: &HashMap<String, String>, survivor: ContactId) -> MergeChoices {
    let side = |field: &str| -> Option<Side> {
        let id: i64 = form.get(field)?.trim().parse().ok()?;
        Some(if id == survivor.0 {
            Side::Survivor
        } else {
            Side::Merged
        })
    };
    MergeChoices {
        first_name: side("first_name"),
        last_name: side("last_name"),
        email: side("email"),
        phone: side("phone"),
        title: side("title"),
        buying_role: side("buying_role"),
        owner_id: side("owner_id"),
        source: side("source"),
    }
}

/// Same person by name: first and last name equal, ignoring case and spaces.
fn same_name(a: &Contact, b: &Contact) -> bool {
    let key = |c: &Contact| {
        let f = c.first_name.as_deref().unwrap_or("").trim().to_lowercase();
        let l = c.last_name.as_deref().unwrap_or("").trim().to_lowercase();
        (f, l)
    };
    let (ka, kb) = (key(a), key(b));
    !(ka.0.is_empty() && ka.1.is_empty()) && ka == kb
}

struct Candidate {
    id: i64,
    name: String,
    email: String,
    account_name: String,
}

#[derive(Template)]
#[template(path = "contact_merge.html")]
struct MergePage {
    nav: Nav,
    c: ContactView,
    q: String,
    with: String,
    with_error: Option<String>,
    suggestions: Vec<Candidate>,
    results: Vec<Candidate>,
    searched: bool,
    /// The side-by-side comparison, once the other contact is picked.
    other: Option<ContactView>,
    rows: Vec<MergeRow>,
    merge_error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct MergeParams {
    with: Option<String>,
    q: Option<String>,
}

async fn candidates(s: &AppState, contacts: Vec<Contact>) -> Result<Vec<Candidate>, WebError> {
    let rows = rows_of(s, &contacts).await?;
    Ok(rows
        .into_iter()
        .map(|r| Candidate {
            id: r.id,
            name: r.name,
            email: r.email,
            account_name: r.account_name,
        })
        .collect())
}

/// The merge page: the picker, and the comparison when `with` names another contact.
async fn merge_view(
    s: &AppState,
    me: &SignedIn,
    contact: &Contact,
    with: Option<String>,
    q: Option<String>,
) -> Result<(StatusCode, MergePage), WebError> {
    let c = contact_view(s, contact).await?;
    let at_account = s
        .store
        .list_contacts(
            &ContactQuery {
                account_id: Some(contact.account_id),
                ..ContactQuery::default()
            },
            PageRequest {
                after: None,
                limit: 1000,
            },
        )
        .await?
        .items
        .into_iter()
        .filter(|o| o.id != contact.id && same_name(contact, o))
        .collect();
    let suggestions = candidates(s, at_account).await?;
    let mut page = MergePage {
        nav: Nav::new(me, "contacts"),
        c,
        q: q.clone().unwrap_or_default(),
        with: with.clone().unwrap_or_default(),
        with_error: None,
        suggestions,
        results: Vec::new(),
        searched: false,
        other: None,
        rows: Vec::new(),
        merge_error: None,
    };
    if let Some(q) = q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let found = s
            .store
            .list_contacts(
                &ContactQuery {
                    search: Some(q.to_string()),
                    ..ContactQuery::default()
                },
                PageRequest {
                    after: None,
                    limit: 21,
                },
            )
            .await?
            .items
            .into_iter()
            .filter(|o| o.id != contact.id)
            .take(20)
            .collect();
        page.results = candidates(s, found).await?;
        page.searched = true;
    }
    let Some(raw) = with.as_deref().map(str::trim).filter(|w| !w.is_empty()) else {
        return Ok((StatusCode::OK, page));
    };
    let other_id = match merge_partner(raw, contact.id.0, "a contact", "name or email") {
        Ok(id) => id,
        Err(why) => {
            page.with_error = Some(why);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page));
        }
    };
    let other = match s.store.get_contact(ContactId(other_id)).await {
        Ok(o) => o,
        Err(StoreError::NotFound { .. }) => {
            page.with_error = Some(merge_partner_gone("contact", other_id));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page));
        }
        Err(e) => return Err(e.into()),
    };
    let owners = owner_names(s, [contact.owner_id, other.owner_id]).await?;
    page.rows = merge_rows(contact, &other, |u| owner_label(&owners, u));
    page.other = Some(contact_view(s, &other).await?);
    Ok((StatusCode::OK, page))
}

async fn merge_page(
    State(s): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
    Query(p): Query<MergeParams>,
) -> Result<Response, WebError> {
    let id = ContactId(path_id(&raw, "contact")?);
    let contact = s.store.get_contact(id).await?;
    let (status, page) = merge_view(&s, &me, &contact, p.with, p.q).await?;
    let mut res = render(&page)?;
    *res.status_mut() = status;
    Ok(res)
}

async fn merge(
    State(s): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let id = ContactId(path_id(&raw, "contact")?);
    let contact = s.store.get_contact(id).await?;
    let with = form.get("with").cloned();
    let (status, mut page) = merge_view(&s, &me, &contact, with, None).await?;
    let Some(other) = page.other.as_ref().map(|o| ContactId(o.id)) else {
        if page.with_error.is_none() {
            page.with_error = Some("pick the contact to merge with this one".into());
        }
        let mut res = render(&page)?;
        *res.status_mut() = if status == StatusCode::OK {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            status
        };
        return Ok(res);
    };
    let survivor = match form.get("survivor").map(|v| v.trim().parse::<i64>()) {
        None => id,
        Some(Ok(v)) if v == id.0 || v == other.0 => ContactId(v),
        Some(_) => {
            page.merge_error = Some(format!(
                "the surviving record must be contact {} or contact {}; choose one of the two",
                id, other
            ));
            let mut res = render(&page)?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(res);
        }
    };
    // Two records at two companies are more often two people: the form asks to be sure, as the
    // API's `"confirm": true` does.
    let at_two_accounts = page
        .other
        .as_ref()
        .is_some_and(|o| o.account_id != page.c.account_id);
    if at_two_accounts && form.get("confirm").is_none_or(|v| v.trim().is_empty()) {
        page.merge_error = Some(
            "they work at two different accounts and may be two people: tick the box to say they are one, or pick another contact".into(),
        );
        let mut res = render(&page)?;
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(res);
    }
    let merged = if survivor == id { other } else { id };
    let choices = choices_from_form(&form, survivor);
    let survivor_name = if survivor == id {
        page.c.name.clone()
    } else {
        page.other
            .as_ref()
            .map(|o| o.name.clone())
            .unwrap_or_default()
    };
    let merged_name = if merged == id {
        page.c.name.clone()
    } else {
        page.other
            .as_ref()
            .map(|o| o.name.clone())
            .unwrap_or_default()
    };
    match s
        .store
        .merge_contacts(&me.actor, survivor, merged, &choices)
        .await
    {
        Ok(done) => {
            let notice = format!("Merged {merged_name} into {survivor_name}");
            let to = format!(
                "/contacts/{}?done={}&undo={}",
                done.survivor_id,
                urlencode(&notice),
                done.id
            );
            Ok(Redirect::to(&to).into_response())
        }
        Err(StoreError::Invalid(errors)) => {
            let message = errors
                .0
                .iter()
                .map(|e| e.reason.clone())
                .collect::<Vec<_>>()
                .join("; ");
            page.with_error = Some(message);
            let mut res = render(&page)?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(StoreError::Conflict { message, .. }) => {
            page.merge_error = Some(format!("{message}; reload the page and try again"));
            let mut res = render(&page)?;
            *res.status_mut() = StatusCode::CONFLICT;
            Ok(res)
        }
        Err(StoreError::NotFound { id, .. }) => {
            page.with_error = Some(format!(
                "contact {id} no longer exists (merged or deleted meanwhile); pick another contact"
            ));
            let mut res = render(&page)?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

async fn undo(
    State(s): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let merge = path_id(&raw, "merge")?;
    let done = s.store.undo_merge(&me.actor, merge).await?;
    let back = s.store.get_contact(done.merged_id).await?;
    let notice = format!(
        "Undid the merge: {} is a contact of its own again",
        back.display_name()
    );
    let to = format!("/contacts/{}?done={}", done.survivor_id, urlencode(&notice));
    Ok(Redirect::to(&to).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use abcrm_core::model::ContactStatus;
    use abcrm_core::normalize::Email;
    use chrono::Utc;

    fn contact(id: i64) -> Contact {
        let now = Utc::now();
        Contact {
            id: ContactId(id),
            account_id: AccountId(1),
            first_name: None,
            last_name: None,
            email: None,
            phone: None,
            title: None,
            seniority: None,
            department: None,
            buying_role: None,
            status: ContactStatus::Active,
            owner_id: None,
            source: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn rows_list_only_differing_fields_and_default_to_the_non_empty_survivor_value() {
        let mut a = contact(1);
        a.first_name = Some("Ann".into());
        a.last_name = Some("Lee".into());
        a.email = Some(Email::parse("ann@acme.com").unwrap());
        let mut b = contact(2);
        b.first_name = Some("Annie".into());
        b.last_name = Some("Lee".into());
        b.phone = Some("555".into());
        b.owner_id = Some(UserId(7));
        let rows = merge_rows(&a, &b, |u| {
            u.map(|u| format!("user {u}")).unwrap_or_default()
        });
        let fields: Vec<&str> = rows.iter().map(|r| r.field).collect();
        assert_eq!(fields, ["first_name", "email", "phone", "owner_id"]);
        let first = &rows[0];
        assert_eq!((first.a.as_str(), first.b.as_str()), ("Ann", "Annie"));
        assert!(
            !first.default_b,
            "the survivor's non-empty value is the default"
        );
        assert!(!rows[1].default_b, "an email only the survivor has stays");
        assert!(
            rows[2].default_b,
            "an empty survivor value takes the other's"
        );
        assert_eq!(rows[3].b, "user 7");
    }

    #[test]
    fn form_choices_name_the_contact_whose_value_survives() {
        let form: HashMap<String, String> = [
            ("first_name", "2"),
            ("phone", "1"),
            ("email", "not a number"),
            ("csrf", "x"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let c = choices_from_form(&form, ContactId(1));
        assert_eq!(c.first_name, Some(Side::Merged));
        assert_eq!(c.phone, Some(Side::Survivor));
        assert_eq!(c.email, None);
        assert_eq!(c.title, None);
        // The same form with the other contact surviving flips the sides.
        let c = choices_from_form(&form, ContactId(2));
        assert_eq!(c.first_name, Some(Side::Survivor));
        assert_eq!(c.phone, Some(Side::Merged));
    }

    #[test]
    fn duplicates_by_name_ignore_case_but_not_blank_names() {
        let mut a = contact(1);
        a.first_name = Some("Ann".into());
        a.last_name = Some("Lee".into());
        let mut b = contact(2);
        b.first_name = Some(" ann".into());
        b.last_name = Some("LEE".into());
        assert!(same_name(&a, &b));
        assert!(!same_name(&contact(3), &contact(4)));
    }
}
