//! `/accounts/{id}/merge`: merging two accounts for one company, field by field, and undoing a
//! merge. Plain forms: picking the other account (by name or id), the comparison with a choice
//! per field that differs, and the merge itself; the undo button is on the survivor's page.

use super::form::{merge_partner, merge_partner_gone};
use super::format::{thousands, words};
use super::people::{path_id, text};
use super::{render, urlencode, Nav, SignedIn, WebError};
use crate::AppState;
use abcrm_core::model::{Account, AccountMergeChoices, Side, ACCOUNT_MERGE_FIELDS};
use abcrm_core::{AccountId, UserId};
use abcrm_store::{AccountQuery, PageRequest, StoreError};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use std::collections::HashMap;

/// The account merge routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts/{id}/merge", get(merge_page).post(merge))
        .route("/accounts/merges/{id}/undo", post(undo))
}

/// One field two accounts disagree on, and whose value is kept unless the user says otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeRow {
    /// The form field (and [`AccountMergeChoices`] field).
    pub field: &'static str,
    pub label: &'static str,
    /// The value of the account the page is about (`a`) and of the other one (`b`).
    pub a: String,
    pub b: String,
    /// Whether `b`'s value is picked by default: only when `a`'s is empty, as the store's
    /// survivorship rule does.
    pub default_b: bool,
}

/// How a page shows an account's field, by the names of [`ACCOUNT_MERGE_FIELDS`]. `name_of`
/// names an account (the parent) and `user` a user (the owner).
fn shown(
    a: &Account,
    field: &str,
    name_of: &impl Fn(AccountId) -> String,
    user: &impl Fn(UserId) -> String,
) -> String {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let n = |v: Option<i64>| v.map(thousands).unwrap_or_default();
    match field {
        "name" => a.name.clone(),
        "duns" => s(&a.duns),
        "parent_id" => a.parent_id.map(name_of).unwrap_or_default(),
        "industry" => s(&a.industry),
        "employees" => n(a.employees),
        "annual_revenue" => n(a.annual_revenue),
        "country" => s(&a.country),
        "state" => s(&a.state),
        "city" => s(&a.city),
        "owner_id" => a.owner_id.map(user).unwrap_or_default(),
        "target_tier" => a.target_tier.map(|t| t.to_string()).unwrap_or_default(),
        "stage" => format!(
            "{} ({})",
            words(a.stage.as_str()),
            words(a.relationship.as_str())
        ),
        _ => String::new(),
    }
}

fn label(field: &str) -> &'static str {
    match field {
        "name" => "Name",
        "duns" => "DUNS",
        "parent_id" => "Parent",
        "industry" => "Industry",
        "employees" => "Employees",
        "annual_revenue" => "Annual revenue",
        "country" => "Country",
        "state" => "State",
        "city" => "City",
        "owner_id" => "Owner",
        "target_tier" => "Target tier",
        "stage" => "Stage (relationship)",
        _ => "",
    }
}

/// The fields a merge decides, one row per field whose values differ; the default is `a`'s
/// value unless it is empty.
pub fn merge_rows(
    a: &Account,
    b: &Account,
    name_of: impl Fn(AccountId) -> String,
    user: impl Fn(UserId) -> String,
) -> Vec<MergeRow> {
    ACCOUNT_MERGE_FIELDS
        .iter()
        .map(|f| {
            (
                *f,
                shown(a, f, &name_of, &user),
                shown(b, f, &name_of, &user),
            )
        })
        .filter(|(_, x, y)| x != y)
        .map(|(field, x, y)| MergeRow {
            field,
            label: label(field),
            default_b: x.is_empty(),
            a: x,
            b: y,
        })
        .collect()
}

/// The choices a submitted merge form makes: each field's value names the account whose value
/// it keeps; a field not sent follows the store's survivorship rule.
pub fn choices_from_form(
    form: &HashMap<String, String>,
    survivor: AccountId,
) -> AccountMergeChoices {
    let mut choices = AccountMergeChoices::default();
    for field in ACCOUNT_MERGE_FIELDS {
        let Some(id) = form.get(field).and_then(|v| v.trim().parse::<i64>().ok()) else {
            continue;
        };
        if let Some(slot) = choices.side_mut(field) {
            *slot = Some(if id == survivor.0 {
                Side::Survivor
            } else {
                Side::Merged
            });
        }
    }
    choices
}

/// An account as the merge page shows it.
struct AccountView {
    id: i64,
    name: String,
    domains: String,
    place: String,
}

fn view(a: &Account) -> AccountView {
    AccountView {
        id: a.id.0,
        name: a.name.clone(),
        domains: a.domains.join(", "),
        place: [a.city.as_deref(), a.state.as_deref(), a.country.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", "),
    }
}

#[derive(Template)]
#[template(path = "account_merge.html")]
struct MergePage {
    nav: Nav,
    a: AccountView,
    q: String,
    with: String,
    with_error: Option<String>,
    /// Accounts whose names start with the same word: the likely duplicates.
    suggestions: Vec<AccountView>,
    results: Vec<AccountView>,
    searched: bool,
    /// The side-by-side comparison, once the other account is picked.
    other: Option<AccountView>,
    rows: Vec<MergeRow>,
    /// The domains the survivor has after the merge.
    domains: String,
    merge_error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct MergeParams {
    with: Option<String>,
    q: Option<String>,
}

async fn find(
    s: &AppState,
    text: &str,
    not: AccountId,
    limit: u32,
) -> Result<Vec<AccountView>, WebError> {
    let found = s
        .store
        .list_accounts(
            &AccountQuery {
                name_contains: Some(text.to_string()),
                ..AccountQuery::default()
            },
            PageRequest {
                after: None,
                limit: limit + 1,
            },
        )
        .await?
        .items;
    Ok(found
        .iter()
        .filter(|o| o.id != not)
        .take(limit as usize)
        .map(view)
        .collect())
}

/// The merge page: the picker, and the comparison when `with` names another account.
async fn merge_view(
    s: &AppState,
    me: &SignedIn,
    account: &Account,
    with: Option<String>,
    q: Option<String>,
) -> Result<(StatusCode, MergePage), WebError> {
    let first_word = account
        .name
        .split_whitespace()
        .next()
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_string);
    let suggestions = match first_word {
        Some(w) => find(s, &w, account.id, 10).await?,
        None => Vec::new(),
    };
    let mut page = MergePage {
        nav: Nav::new(me, "accounts"),
        a: view(account),
        q: q.clone().unwrap_or_default(),
        with: with.clone().unwrap_or_default(),
        with_error: None,
        suggestions,
        results: Vec::new(),
        searched: false,
        other: None,
        rows: Vec::new(),
        domains: String::new(),
        merge_error: None,
    };
    if let Some(q) = text(&q) {
        page.results = find(s, &q, account.id, 20).await?;
        page.searched = true;
    }
    let Some(raw) = text(&with) else {
        return Ok((StatusCode::OK, page));
    };
    let other_id = match merge_partner(&raw, account.id.0, "an account", "name") {
        Ok(id) => id,
        Err(why) => {
            page.with_error = Some(why);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page));
        }
    };
    let other = match s.store.get_account(AccountId(other_id)).await {
        Ok(o) => o,
        Err(StoreError::NotFound { .. }) => {
            page.with_error = Some(merge_partner_gone("account", other_id));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page));
        }
        Err(e) => return Err(e.into()),
    };
    let parents: Vec<AccountId> = [account.parent_id, other.parent_id]
        .into_iter()
        .flatten()
        .collect();
    let parent_names: HashMap<AccountId, String> = s
        .store
        .get_accounts(&parents)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let owners: Vec<UserId> = [account.owner_id, other.owner_id]
        .into_iter()
        .flatten()
        .collect();
    let owner_names = s.store.user_names(&owners).await?;
    page.rows = merge_rows(
        account,
        &other,
        |p| {
            parent_names
                .get(&p)
                .cloned()
                .unwrap_or_else(|| format!("account {p}"))
        },
        |u| {
            owner_names
                .get(&u)
                .cloned()
                .unwrap_or_else(|| format!("user {u}"))
        },
    );
    let mut domains = account.domains.clone();
    domains.extend(
        other
            .domains
            .iter()
            .filter(|d| !account.domains.contains(d))
            .cloned(),
    );
    page.domains = domains.join(", ");
    page.other = Some(view(&other));
    Ok((StatusCode::OK, page))
}

async fn merge_page(
    State(s): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
    Query(p): Query<MergeParams>,
) -> Result<Response, WebError> {
    let id = AccountId(path_id(&raw, "account")?);
    let account = s.store.get_account(id).await?;
    let (status, page) = merge_view(&s, &me, &account, p.with, p.q).await?;
    let mut res = render(&page)?;
    *res.status_mut() = status;
    Ok(res)
}

fn answer(page: &MergePage, status: StatusCode) -> Result<Response, WebError> {
    let mut res = render(page)?;
    *res.status_mut() = status;
    Ok(res)
}

async fn merge(
    State(s): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let id = AccountId(path_id(&raw, "account")?);
    let account = s.store.get_account(id).await?;
    let with = form.get("with").cloned();
    let (status, mut page) = merge_view(&s, &me, &account, with, None).await?;
    let Some((other, other_name)) = page
        .other
        .as_ref()
        .map(|o| (AccountId(o.id), o.name.clone()))
    else {
        if page.with_error.is_none() {
            page.with_error = Some("pick the account to merge with this one".into());
        }
        let status = if status == StatusCode::OK {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            status
        };
        return answer(&page, status);
    };
    let survivor = match form.get("survivor").map(|v| v.trim().parse::<i64>()) {
        None => id,
        Some(Ok(v)) if v == id.0 || v == other.0 => AccountId(v),
        Some(_) => {
            page.merge_error = Some(format!(
                "the surviving account must be account {id} or account {other}; choose one of the two"
            ));
            return answer(&page, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let (merged, merged_name) = if survivor == id {
        (other, other_name)
    } else {
        (id, account.name.clone())
    };
    let choices = choices_from_form(&form, survivor);
    match s
        .store
        .merge_accounts(&me.actor, survivor, merged, &choices)
        .await
    {
        Ok(done) => {
            let notice = format!("Merged {merged_name} into {}", done.survivor.name);
            let to = format!(
                "/accounts/{}?done={}&undo={}",
                done.survivor_id,
                urlencode(&notice),
                done.id
            );
            Ok(Redirect::to(&to).into_response())
        }
        Err(StoreError::Invalid(errors)) => {
            page.merge_error = Some(
                errors
                    .0
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.reason))
                    .collect::<Vec<_>>()
                    .join("; "),
            );
            answer(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(StoreError::Conflict { message, .. }) => {
            page.merge_error = Some(message);
            answer(&page, StatusCode::CONFLICT)
        }
        Err(StoreError::NotFound { id, .. }) => {
            page.with_error = Some(format!(
                "account {id} no longer exists (merged or deleted meanwhile); pick another account"
            ));
            answer(&page, StatusCode::UNPROCESSABLE_ENTITY)
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
    let done = s.store.undo_account_merge(&me.actor, merge).await?;
    let back = s.store.get_account(done.merged_id).await?;
    let notice = format!(
        "Undid the merge: {} is an account of its own again",
        back.name
    );
    let to = format!("/accounts/{}?done={}", done.survivor_id, urlencode(&notice));
    Ok(Redirect::to(&to).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use abcrm_core::model::{AccountStage, Relationship};
    use chrono::Utc;

    fn account(id: i64) -> Account {
        let now = Utc::now();
        Account {
            id: AccountId(id),
            name: format!("Account {id}"),
            domains: Vec::new(),
            duns: None,
            parent_id: None,
            industry: None,
            employees: None,
            annual_revenue: None,
            country: None,
            state: None,
            city: None,
            relationship: Relationship::Prospect,
            stage: AccountStage::Target,
            owner_id: None,
            target_tier: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn rows_list_only_differing_fields_and_default_to_the_non_empty_survivor_value() {
        let mut a = account(1);
        a.industry = Some("Software".into());
        let mut b = account(2);
        b.industry = Some("Retail".into());
        b.employees = Some(40);
        b.parent_id = Some(AccountId(9));
        let rows = merge_rows(&a, &b, |p| format!("parent {p}"), |u| format!("user {u}"));
        let fields: Vec<&str> = rows.iter().map(|r| r.field).collect();
        assert_eq!(fields, ["name", "parent_id", "industry", "employees"]);
        assert!(!rows[0].default_b, "the survivor's name is the default");
        assert_eq!(rows[1].b, "parent 9");
        assert!(
            rows[1].default_b,
            "an empty survivor value takes the other's"
        );
        assert!(!rows[2].default_b);
    }

    #[test]
    fn form_choices_name_the_account_whose_value_survives() {
        let form: HashMap<String, String> = [
            ("name", "2"),
            ("city", "1"),
            ("industry", "x"),
            ("csrf", "t"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let c = choices_from_form(&form, AccountId(1));
        assert_eq!(
            (c.name, c.city, c.industry),
            (Some(Side::Merged), Some(Side::Survivor), None)
        );
        let c = choices_from_form(&form, AccountId(2));
        assert_eq!((c.name, c.city), (Some(Side::Survivor), Some(Side::Merged)));
    }
}
