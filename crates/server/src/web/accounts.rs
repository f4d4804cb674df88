//! `/accounts`: the account list (segment filter, sortable columns, saved views); the account
//! 360 at `/accounts/{id}` has `account_360.rs` to itself.
//!
//! The filter box takes the API's segment filter language. A filter over account fields lists
//! those accounts; a filter that needs contact fields (`contact.seniority = "vp" and
//! account.state = "CA"`) lists the accounts of the contacts it selects, each once. A saved view
//! is a saved segment: its target says which of the two it is.

use super::chips;
use super::filter_error::FilterErrorView;
use super::format::{location, money_short, or_dash, score_text, thousands, words};
use super::table_sort::{self, Heading, SortColumn};
use super::{query_string, render, Nav, SignedIn, WebError};
use crate::AppState;
use abcrm_core::filter::FilterError;
use abcrm_core::model::*;
use abcrm_core::SegmentId;
use abcrm_store::{AccountSelection, AccountSort, AccountTableQuery, PageRequest, StoreError};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::Utc;
use serde::Deserialize;

/// Rows per page of the account list.
pub const PAGE_SIZE: u32 = 50;

/// The account routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts", get(list))
        .route("/accounts/views", post(save_view))
}

// ---------------------------------------------------------------------------------------------
// The filter

/// A filter checked for the account list: which accounts it selects and as what it would be saved.
#[derive(Debug)]
struct Resolved {
    selection: AccountSelection,
    target: Option<SegmentTarget>,
}

/// Checks a filter for the account list. Blank selects every account. With a target, only that
/// target is tried; otherwise an account filter first, then a contact filter (whose accounts are
/// listed). When neither checks, the error that got further into the text is reported (on a tie,
/// the contact one, which knows every field).
fn resolve(text: &str, target: Option<SegmentTarget>) -> Result<Resolved, FilterError> {
    if text.trim().is_empty() {
        return Ok(Resolved {
            selection: AccountSelection::All,
            target: None,
        });
    }
    let as_accounts = || {
        compile(text, SegmentTarget::Account).map(|f| Resolved {
            selection: AccountSelection::Accounts(f),
            target: Some(SegmentTarget::Account),
        })
    };
    let as_contacts = || {
        compile(text, SegmentTarget::Contact).map(|f| Resolved {
            selection: AccountSelection::OfContacts(f),
            target: Some(SegmentTarget::Contact),
        })
    };
    match target {
        Some(SegmentTarget::Account) => as_accounts(),
        Some(SegmentTarget::Contact) => as_contacts(),
        None => match as_accounts() {
            Ok(r) => Ok(r),
            Err(account_error) => match as_contacts() {
                Ok(r) => Ok(r),
                Err(_) if plain_words(text) => compile(&name_search(text), SegmentTarget::Account)
                    .map(|f| Resolved {
                        selection: AccountSelection::Accounts(f),
                        target: Some(SegmentTarget::Account),
                    }),
                Err(contact_error) if account_error.position > contact_error.position => {
                    Err(account_error)
                }
                Err(contact_error) => Err(contact_error),
            },
        },
    }
}

/// Whether text that is not a filter reads as words someone typed to find an account by name:
/// no quotes, operators or brackets, at most a few words.
fn plain_words(text: &str) -> bool {
    let text = text.trim();
    !text.is_empty()
        && text.chars().count() <= 200
        && text.split_whitespace().count() <= 8
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || c.is_whitespace() || "&-.,'’+/".contains(c))
}

/// The filter a name search stands for: the account's name contains the words as typed.
fn name_search(text: &str) -> String {
    format!("account.name contains \"{}\"", text.trim())
}

// ---------------------------------------------------------------------------------------------
// Sorting and links

/// The sortable columns.
const COLUMNS: &[SortColumn<AccountSort>] = &[
    SortColumn {
        key: "name",
        label: "Name",
        sort: AccountSort::Name,
        starts_descending: false,
        numeric: false,
    },
    SortColumn {
        key: "industry",
        label: "Industry",
        sort: AccountSort::Industry,
        starts_descending: false,
        numeric: false,
    },
    SortColumn {
        key: "location",
        label: "Location",
        sort: AccountSort::Location,
        starts_descending: false,
        numeric: false,
    },
    SortColumn {
        key: "employees",
        label: "Employees",
        sort: AccountSort::Employees,
        starts_descending: true,
        numeric: true,
    },
    SortColumn {
        key: "annual_revenue",
        label: "Annual revenue",
        sort: AccountSort::AnnualRevenue,
        starts_descending: true,
        numeric: true,
    },
    SortColumn {
        key: "relationship",
        label: "Relationship",
        sort: AccountSort::Relationship,
        starts_descending: false,
        numeric: false,
    },
    SortColumn {
        key: "stage",
        label: "Stage",
        sort: AccountSort::Stage,
        starts_descending: false,
        numeric: false,
    },
    SortColumn {
        key: "score",
        label: "Score",
        sort: AccountSort::Score,
        starts_descending: true,
        numeric: true,
    },
    SortColumn {
        key: "owner",
        label: "Owner",
        sort: AccountSort::Owner,
        starts_descending: false,
        numeric: false,
    },
];

/// Where the list is: its filter, sort and page, as links keep them.
#[derive(Debug, Clone)]
struct ListState {
    filter: String,
    target: Option<SegmentTarget>,
    sort: &'static str,
    descending: bool,
    page: u64,
}

impl ListState {
    fn url(&self, sort: &str, descending: bool, page: u64) -> String {
        let filtered = !self.filter.trim().is_empty();
        let keep = |on: bool, value: String| if on { value } else { String::new() };
        let target = self
            .target
            .map(|t| t.as_str().to_string())
            .unwrap_or_default();
        let query = query_string(&[
            ("filter", keep(filtered, self.filter.clone())),
            ("target", keep(filtered, target)),
            ("sort", sort.to_string()),
            ("dir", table_sort::dir(descending).to_string()),
            ("page", keep(page > 1, page.to_string())),
        ]);
        format!("/accounts{query}")
    }
}

fn headings(state: &ListState) -> Vec<Heading> {
    table_sort::headings(
        COLUMNS,
        Some(state.sort),
        state.descending,
        |key, descending| state.url(key, descending, 1),
    )
}

// ---------------------------------------------------------------------------------------------
// The list

#[derive(Debug, Default, Deserialize)]
struct ListParams {
    filter: Option<String>,
    target: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    page: Option<String>,
    /// A saved segment to open (its filter and target).
    view: Option<String>,
    /// A flash after a redirect: `saved`.
    done: Option<String>,
    /// A filter chip to add (`chips.rs`).
    add_field: Option<String>,
    add_op: Option<String>,
    add_value: Option<String>,
}

/// A row of the table, ready to show.
struct TableRow {
    id: i64,
    name: String,
    industry: String,
    location: String,
    employees: String,
    revenue: String,
    relationship: &'static str,
    relationship_label: String,
    stage: String,
    score: String,
    owner: String,
}

/// A saved view in the picker.
struct ViewOption {
    /// The saved segment's id.
    value: String,
    name: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct ListPage {
    nav: Nav,
    /// The chip form (`chips.html`): a condition picked from lists, added to the filter.
    chips: chips::ChipForm,
    chips_action: String,
    chips_everyone: bool,
    filter: String,
    /// The filter's target as the save form sends it back (empty: decided by the filter).
    target: &'static str,
    sort: &'static str,
    dir: &'static str,
    filter_error: Option<FilterErrorView>,
    /// "accounts" or "contacts": what the filter selected.
    matched_on: &'static str,
    headings: Vec<Heading>,
    rows: Vec<TableRow>,
    total: u64,
    page: u64,
    pages: u64,
    first_row: u64,
    last_row: u64,
    prev_href: Option<String>,
    next_href: Option<String>,
    views: Vec<ViewOption>,
    view_selected: bool,
    view_name: String,
    name_error: Option<String>,
    notice: Option<String>,
}

/// What the list shows besides the table: a filter error, a failed save.
#[derive(Default)]
struct Extras {
    view_name: String,
    name_error: Option<String>,
    filter_error: Option<FilterErrorView>,
    notice: Option<String>,
    /// A chip that could not be added: what was picked and why.
    chip: chips::ChipParams,
    chip_error: Option<String>,
}

async fn list(
    State(s): State<AppState>,
    me: SignedIn,
    Query(p): Query<ListParams>,
) -> Result<Response, WebError> {
    let mut filter = p.filter.clone().unwrap_or_default();
    let mut target = p.target.as_deref().and_then(|t| t.parse().ok());
    let mut extras = Extras::default();
    match p.view.as_deref().map(str::trim) {
        Some(v) if p.filter.is_none() && !v.is_empty() => {
            let id: i64 = v
                .parse()
                .map_err(|_| WebError::BadRequest(format!("{v:?} is not a saved view")))?;
            let seg = s.store.get_segment(SegmentId(id)).await?;
            filter = seg.expression;
            target = Some(seg.target);
        }
        _ => {}
    }
    if p.done.as_deref() == Some("saved") {
        extras.notice = Some("The view is saved: pick it from Saved views any time.".into());
    }
    extras.chip = chips::ChipParams {
        add_field: p.add_field.clone(),
        add_op: p.add_op.clone(),
        add_value: p.add_value.clone(),
    };
    if extras.chip.asked() {
        match chips::add(&filter, &extras.chip, false) {
            Ok(added) => {
                return Ok(Redirect::to(&chips::list_href("/accounts", &added, &[])).into_response())
            }
            Err(why) => extras.chip_error = Some(why),
        }
    }
    let (sort, descending) = sort_of(&p);
    let page = p
        .page
        .as_deref()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(1)
        .max(1);
    let state = ListState {
        filter,
        target,
        sort,
        descending,
        page,
    };
    list_page(&s, &me, state, extras).await
}

/// The selection and order the list shows for a filter, target, sort and direction: what its
/// CSV download (`/accounts.csv`) writes.
pub(super) fn table_order(
    filter: &str,
    target: Option<SegmentTarget>,
    sort: Option<String>,
    dir: Option<String>,
) -> Result<(AccountSelection, AccountSort, bool), FilterError> {
    let (key, descending) = sort_of(&ListParams {
        sort,
        dir,
        ..Default::default()
    });
    let sort = COLUMNS
        .iter()
        .find(|c| c.key == key)
        .map_or(AccountSort::Name, |c| c.sort);
    Ok((resolve(filter, target)?.selection, sort, descending))
}

fn sort_of(p: &ListParams) -> (&'static str, bool) {
    let (column, descending) = table_sort::chosen(COLUMNS, p.sort.as_deref(), p.dir.as_deref())
        .unwrap_or((&COLUMNS[0], COLUMNS[0].starts_descending));
    (column.key, descending)
}

/// Renders the list for a state: 200, or 422 when the filter (or a save) was refused.
async fn list_page(
    s: &AppState,
    me: &SignedIn,
    mut state: ListState,
    mut extras: Extras,
) -> Result<Response, WebError> {
    let resolved = match resolve(&state.filter, state.target) {
        Ok(r) => Some(r),
        Err(e) => {
            extras.filter_error = Some(FilterErrorView::of(&state.filter, &e));
            None
        }
    };
    let failed = extras.filter_error.is_some() || extras.name_error.is_some();
    let sort = COLUMNS
        .iter()
        .find(|c| c.key == state.sort)
        .map_or(AccountSort::Name, |c| c.sort);
    let (rows, total, matched_on) = match resolved {
        Some(r) => {
            state.target = r.target;
            let matched_on = match r.selection {
                AccountSelection::OfContacts(_) => "contacts",
                _ => "accounts",
            };
            let query = AccountTableQuery {
                selection: r.selection,
                sort,
                descending: state.descending,
                offset: (state.page - 1) * u64::from(PAGE_SIZE),
                limit: PAGE_SIZE,
            };
            let table = s
                .store
                .account_table(&query, Utc::now().date_naive())
                .await?;
            (table.rows, table.total, matched_on)
        }
        None => (Vec::new(), 0, "accounts"),
    };
    let pages = total.div_ceil(u64::from(PAGE_SIZE)).max(1);
    let first_row = if rows.is_empty() {
        0
    } else {
        (state.page - 1) * u64::from(PAGE_SIZE) + 1
    };
    let last_row = first_row + rows.len() as u64 - u64::from(first_row > 0);
    let rows = rows
        .into_iter()
        .map(|r| TableRow {
            id: r.account.id.0,
            name: r.account.name.clone(),
            industry: or_dash(r.account.industry.clone()),
            location: or_dash(Some(location(&r.account))),
            employees: r.account.employees.map_or("—".into(), thousands),
            revenue: r.account.annual_revenue.map_or("—".into(), money_short),
            relationship: r.account.relationship.as_str(),
            relationship_label: words(r.account.relationship.as_str()),
            stage: words(r.account.stage.as_str()),
            score: r.score.map_or("—".into(), score_text),
            owner: or_dash(r.owner_name),
        })
        .collect();
    let views = view_options(s, &state).await?;
    let view_selected = views.iter().any(|v| v.selected);
    let page = ListPage {
        nav: Nav::new(me, "accounts"),
        chips: chips::ChipForm::new(false, extras.chip, extras.chip_error),
        chips_action: "/accounts".into(),
        chips_everyone: false,
        headings: headings(&state),
        prev_href: (state.page > 1)
            .then(|| state.url(state.sort, state.descending, state.page - 1)),
        next_href: (state.page < pages)
            .then(|| state.url(state.sort, state.descending, state.page + 1)),
        target: state.target.map_or("", SegmentTarget::as_str),
        sort: state.sort,
        dir: table_sort::dir(state.descending),
        filter: state.filter,
        filter_error: extras.filter_error,
        matched_on,
        rows,
        total,
        page: state.page,
        pages,
        first_row,
        last_row,
        views,
        view_selected,
        view_name: extras.view_name,
        name_error: extras.name_error,
        notice: extras.notice,
    };
    let mut res = render(&page)?;
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// The saved segments as views, the current one selected.
async fn view_options(s: &AppState, state: &ListState) -> Result<Vec<ViewOption>, WebError> {
    let mut segments = Vec::new();
    let mut page = PageRequest {
        after: None,
        limit: 1000,
    };
    loop {
        let got = s.store.list_segments(page).await?;
        segments.extend(got.items);
        match got.next_after {
            Some(after) => page.after = Some(after),
            None => break,
        }
    }
    segments.sort_by_key(|a| a.name.to_lowercase());
    let current = state.filter.trim();
    let is_current = |expression: &str, target: SegmentTarget| {
        !current.is_empty()
            && expression.trim() == current
            && state.target.is_none_or(|t| t == target)
    };
    let mut out = Vec::new();
    for seg in segments {
        let selected =
            !out.iter().any(|v: &ViewOption| v.selected) && is_current(&seg.expression, seg.target);
        out.push(ViewOption {
            value: seg.id.0.to_string(),
            name: seg.name,
            selected,
        });
    }
    Ok(out)
}

#[derive(Debug, Deserialize)]
struct SaveView {
    name: Option<String>,
    filter: Option<String>,
    target: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
}

/// Saves the current filter as a segment and opens the list with it.
async fn save_view(
    State(s): State<AppState>,
    me: SignedIn,
    Form(f): Form<SaveView>,
) -> Result<Response, WebError> {
    let name = f.name.unwrap_or_default().trim().to_string();
    let filter = f.filter.unwrap_or_default();
    let target: Option<SegmentTarget> = f.target.as_deref().and_then(|t| t.parse().ok());
    let params = ListParams {
        sort: f.sort,
        dir: f.dir,
        ..Default::default()
    };
    let (sort, descending) = sort_of(&params);
    let state = ListState {
        filter: filter.clone(),
        target,
        sort,
        descending,
        page: 1,
    };
    let mut extras = Extras {
        view_name: name.clone(),
        ..Default::default()
    };
    if name.is_empty() {
        extras.name_error =
            Some("Give the view a name, e.g. \"CA software prospects\", then save again.".into());
    }
    if filter.trim().is_empty() {
        extras.filter_error = Some(FilterErrorView::plain(
            "There is no filter to save: write one in the filter box (e.g. account.state = \"CA\"), apply it, then save.",
        ));
    }
    let resolved = resolve(&filter, target);
    if extras.name_error.is_some() || extras.filter_error.is_some() || resolved.is_err() {
        // `list_page` shows the filter's own error beside the box.
        return list_page(&s, &me, state, extras).await;
    }
    let seg_target = resolved
        .ok()
        .and_then(|r| r.target)
        .unwrap_or(SegmentTarget::Contact);
    let new = NewSegment {
        name: name.clone(),
        target: Some(seg_target),
        expression: filter.trim().to_string(),
    };
    match s.store.create_segment(&me.actor, new).await {
        Ok(seg) => {
            Ok(Redirect::to(&format!("/accounts?view={}&done=saved", seg.id.0)).into_response())
        }
        Err(StoreError::Conflict { message, .. }) => {
            extras.name_error = Some(format!("{message}."));
            list_page(&s, &me, state, extras).await
        }
        Err(StoreError::Invalid(errors)) => {
            for e in errors.0 {
                let reason = format!("The {} {}.", e.field, e.reason);
                if e.field == "name" {
                    extras.name_error = Some(reason);
                } else {
                    extras.filter_error = Some(FilterErrorView::plain(reason));
                }
            }
            list_page(&s, &me, state, extras).await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_search_names_and_a_filter_stays_a_filter() {
        for words in [
            "initech",
            "Acme Corp",
            "AT&T",
            "O'Reilly Media",
            "Müller-Lüdenscheidt",
        ] {
            let r = resolve(words, None).unwrap_or_else(|e| panic!("{words}: {e:?}"));
            assert_eq!(r.target, Some(SegmentTarget::Account), "{words}");
            assert!(
                matches!(r.selection, AccountSelection::Accounts(_)),
                "{words}"
            );
        }
        // A real filter is read as one; a broken one is still reported, not searched for.
        assert!(resolve("account.state = \"CA\"", None).is_ok());
        assert!(resolve("account.state = ", None).is_err());
        assert!(resolve("contact.seniority >= (", None).is_err());
        assert!(!plain_words("a \"quoted\" word"));
    }

    /// The design's seed segment.
    const SEED_FILTER: &str = r#"contact.seniority in ("manager", "director") and account.state = "CA" and account.industry = "Software" and account.relationship != "customer""#;

    #[test]
    fn an_account_filter_lists_accounts_and_a_contact_filter_their_accounts() {
        let r = resolve(r#"account.state = "CA""#, None).unwrap();
        assert!(matches!(r.selection, AccountSelection::Accounts(_)));
        let r = resolve(SEED_FILTER, None).unwrap();
        assert!(matches!(r.selection, AccountSelection::OfContacts(_)));
        assert_eq!(r.target, Some(SegmentTarget::Contact));
        let r = resolve("  ", None).unwrap();
        assert_eq!(r.selection, AccountSelection::All);
        // An explicit target is kept to.
        assert!(resolve(r#"contact.title = "x""#, Some(SegmentTarget::Account)).is_err());
    }

    #[test]
    fn the_error_that_got_further_is_shown_with_a_caret() {
        let text = r#"has contact where seniority = "vp" and account.stat = "CA""#;
        let e = resolve(text, None).unwrap_err();
        // The contact check stops at `has contact` (position 0); the account check gets further.
        assert!(e.position > 0, "{e:?}");
        let text = r#"account.state = "CA" and contact.titel = "CTO""#;
        let e = resolve(text, None).unwrap_err();
        assert!(e.message.contains("did you mean `contact.title`"), "{e:?}");
        let shown = FilterErrorView::of(text, &e);
        assert_eq!(shown.place, "Column 26");
        assert_eq!(shown.caret, format!("{}^", " ".repeat(25)));
        let two = "account.state = \"CA\"\n\tand contact.titel = \"x\"";
        let shown = FilterErrorView::of(two, &resolve(two, None).unwrap_err());
        assert_eq!(shown.place, "Line 2, column 6");
        assert_eq!(shown.source_line, " and contact.titel = \"x\"");
        assert_eq!(shown.caret, "     ^");
    }

    #[test]
    fn the_sorted_heading_turns_round_and_keeps_the_filter() {
        let state = ListState {
            filter: "account.state = \"CA\"".into(),
            target: Some(SegmentTarget::Account),
            sort: "employees",
            descending: true,
            page: 3,
        };
        let h = headings(&state);
        let employees = h.iter().find(|h| h.key == "employees").unwrap();
        assert_eq!(employees.aria_sort, Some("descending"));
        assert_eq!(
            employees.href,
            "/accounts?filter=account.state+%3D+%22CA%22&target=account&sort=employees&dir=asc"
        );
        let name = h.iter().find(|h| h.key == "name").unwrap();
        assert_eq!(name.aria_sort, None);
        assert!(name.href.ends_with("sort=name&dir=asc"));
        assert_eq!(h.iter().filter(|h| h.aria_sort.is_some()).count(), 1);
    }
}
