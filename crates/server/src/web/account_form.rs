//! An account's fields as a form: a new account (`/accounts/new`) and editing one
//! (`/accounts/{id}/edit`). Saves go through the store as the API's do. An edit sends only the
//! fields that changed, so a value an import or enrichment set keeps its provenance unless the
//! person changed it, and it is applied only to the version the form was opened on (the API's
//! `If-Match`): two people editing at once never silently undo each other.

use super::form::owner_choices;
use super::form::{
    account_named, choice, filled, id_choices, refused, require_write, user_id, value, FieldErrors,
};
use super::format::words;
use super::people::path_id;
use super::{render, urlencode, Nav, SignedIn, WebError};
use crate::AppState;
use abcrm_core::model::{Account, AccountPatch, NewAccount, Relationship};
use abcrm_core::patch::Patch;
use abcrm_core::AccountId;
use abcrm_store::StoreError;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// The routes that create and edit accounts.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts/new", get(new_page).post(create))
        .route("/accounts/{id}/edit", get(edit_page).post(save))
}

/// The fields, in the form's order; a store refusal naming none of them shows by the first.
const FIELDS: [&str; 13] = [
    "name",
    "domains",
    "duns",
    "industry",
    "employees",
    "annual_revenue",
    "city",
    "state",
    "country",
    "relationship",
    "owner_id",
    "parent",
    "target_tier",
];

/// The form as typed. `parent` is the parent's name or id; `version` the `updated_at` the edit
/// form was opened on.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AccountForm {
    name: Option<String>,
    domains: Option<String>,
    duns: Option<String>,
    industry: Option<String>,
    employees: Option<String>,
    annual_revenue: Option<String>,
    city: Option<String>,
    state: Option<String>,
    country: Option<String>,
    relationship: Option<String>,
    owner_id: Option<String>,
    parent: Option<String>,
    target_tier: Option<String>,
    version: Option<String>,
}

/// What the form says, read.
#[derive(Debug, Default, PartialEq)]
struct Read {
    name: Option<String>,
    domains: Vec<String>,
    duns: Option<String>,
    industry: Option<String>,
    employees: Option<i64>,
    annual_revenue: Option<i64>,
    city: Option<String>,
    state: Option<String>,
    country: Option<String>,
    relationship: Option<Relationship>,
    owner: Option<abcrm_core::UserId>,
    target_tier: Option<i32>,
}

impl AccountForm {
    fn of(a: &Account, parent_name: Option<String>) -> AccountForm {
        AccountForm {
            name: Some(a.name.clone()),
            domains: Some(a.domains.join(", ")),
            duns: a.duns.clone(),
            industry: a.industry.clone(),
            employees: a.employees.map(|n| n.to_string()),
            annual_revenue: a.annual_revenue.map(|n| n.to_string()),
            city: a.city.clone(),
            state: a.state.clone(),
            country: a.country.clone(),
            relationship: Some(a.relationship.as_str().to_string()),
            owner_id: a.owner_id.map(|u| u.0.to_string()),
            parent: parent_name,
            target_tier: a.target_tier.map(|t| t.to_string()),
            version: Some(a.updated_at.to_rfc3339()),
        }
    }

    fn read(&self, errors: &mut FieldErrors) -> Read {
        let name = filled(&self.name);
        if name.is_none() {
            errors.push("name", "an account needs a name");
        }
        let count = |errors: &mut FieldErrors, field: &'static str, raw: &Option<String>| {
            let raw = filled(raw)?;
            let digits: String = raw
                .chars()
                .filter(|c| !matches!(c, ',' | ' ' | '_'))
                .collect();
            match digits.parse::<i64>() {
                Ok(n) if n >= 0 => Some(n),
                _ => {
                    errors.push(field, format!("“{raw}” is not a whole number of 0 or more"));
                    None
                }
            }
        };
        let employees = count(errors, "employees", &self.employees);
        let annual_revenue = count(errors, "annual_revenue", &self.annual_revenue);
        let target_tier = filled(&self.target_tier).and_then(|raw| match raw.parse::<i32>() {
            Ok(t) if (1..=5).contains(&t) => Some(t),
            _ => {
                errors.push("target_tier", format!("“{raw}”: a tier is 1 (best) to 5"));
                None
            }
        });
        Read {
            name,
            domains: value(&self.domains)
                .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
                .filter(|d| !d.is_empty())
                .map(|d| {
                    abcrm_core::normalize::domain::normalize_domain(d)
                        .unwrap_or_else(|_| d.to_string())
                })
                .collect(),
            duns: filled(&self.duns),
            industry: filled(&self.industry),
            employees,
            annual_revenue,
            city: filled(&self.city),
            state: filled(&self.state),
            country: filled(&self.country),
            relationship: choice(errors, "relationship", &self.relationship),
            owner: user_id(errors, &self.owner_id),
            target_tier,
        }
    }

    fn new_account(&self, parent: Option<AccountId>) -> Result<NewAccount, FieldErrors> {
        let mut errors = FieldErrors::default();
        let r = self.read(&mut errors);
        errors.or(NewAccount {
            name: r.name.unwrap_or_default(),
            domains: r.domains,
            duns: r.duns,
            parent_id: parent,
            industry: r.industry,
            employees: r.employees,
            annual_revenue: r.annual_revenue,
            country: r.country,
            state: r.state,
            city: r.city,
            relationship: r.relationship,
            stage: None,
            owner_id: r.owner,
            target_tier: r.target_tier,
            created_at: None,
        })
    }

    /// Only what differs from `current`: a blank field clears, an unchanged one is not sent.
    fn patch(
        &self,
        current: &Account,
        parent: Option<AccountId>,
    ) -> Result<AccountPatch, FieldErrors> {
        let mut errors = FieldErrors::default();
        let r = self.read(&mut errors);
        fn diff<T: PartialEq>(now: &Option<T>, typed: Option<T>) -> Patch<T> {
            match typed {
                t if &t == now => Patch::Keep,
                Some(v) => Patch::Set(v),
                None => Patch::Clear,
            }
        }
        let patch = AccountPatch {
            name: match r.name {
                Some(n) if n != current.name => Patch::Set(n),
                _ => Patch::Keep,
            },
            domains: if r.domains == current.domains {
                Patch::Keep
            } else {
                Patch::Set(r.domains)
            },
            duns: diff(&current.duns, r.duns),
            parent_id: diff(&current.parent_id, parent),
            industry: diff(&current.industry, r.industry),
            employees: diff(&current.employees, r.employees),
            annual_revenue: diff(&current.annual_revenue, r.annual_revenue),
            country: diff(&current.country, r.country),
            state: diff(&current.state, r.state),
            city: diff(&current.city, r.city),
            relationship: match r.relationship {
                Some(v) if v != current.relationship => Patch::Set(v),
                _ => Patch::Keep,
            },
            stage: Patch::Keep,
            owner_id: diff(&current.owner_id, r.owner),
            target_tier: diff(&current.target_tier, r.target_tier),
        };
        errors.or(patch)
    }
}

/// The parent the form names: blank is none, else what [`account_named`] reads.
async fn resolve_parent(
    state: &AppState,
    raw: &Option<String>,
    errors: &mut FieldErrors,
) -> Result<Option<AccountId>, WebError> {
    match filled(raw) {
        None => Ok(None),
        Some(raw) => account_named(state, &raw, "parent", errors).await,
    }
}

/// The change of one field the account's page edits in place (`quick_edit.rs`): its owner, or its
/// parent by name, `Name (#id)` or id (blank: none), read as the whole form reads them.
pub async fn quick_patch(
    state: &AppState,
    field: &str,
    raw: Option<String>,
) -> Result<Result<AccountPatch, FieldErrors>, WebError> {
    let mut errors = FieldErrors::default();
    let only = AccountPatch::default();
    let patch = match field {
        "owner_id" => AccountPatch {
            owner_id: user_id(&mut errors, &raw).map_or(Patch::Clear, Patch::Set),
            ..only
        },
        "parent" => AccountPatch {
            parent_id: resolve_parent(state, &raw, &mut errors)
                .await?
                .map_or(Patch::Clear, Patch::Set),
            ..only
        },
        _ => {
            errors.push("field", format!("{field:?} is not changed in place"));
            only
        }
    };
    Ok(errors.or(patch))
}

/// The form as `account_fields.html` shows it.
pub struct AccountFormView {
    pub form: AccountForm,
    pub errors: FieldErrors,
    pub owners: Vec<(i64, String)>,
}

impl AccountFormView {
    pub fn value(&self, field: &str) -> &str {
        let f = &self.form;
        value(match field {
            "name" => &f.name,
            "domains" => &f.domains,
            "duns" => &f.duns,
            "industry" => &f.industry,
            "employees" => &f.employees,
            "annual_revenue" => &f.annual_revenue,
            "city" => &f.city,
            "state" => &f.state,
            "country" => &f.country,
            "relationship" => &f.relationship,
            "owner_id" => &f.owner_id,
            "parent" => &f.parent,
            "target_tier" => &f.target_tier,
            "version" => &f.version,
            _ => &None,
        })
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }

    pub fn choices(&self, field: &str) -> Vec<(String, String)> {
        match field {
            "relationship" => Relationship::ALL
                .iter()
                .map(|r| (r.as_str().to_string(), words(r.as_str())))
                .collect(),
            "owner_id" => id_choices(&self.owners),
            _ => Vec::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "account_form.html")]
struct AccountFormPage {
    nav: Nav,
    /// The account being edited (none: a new one).
    editing: Option<(i64, String)>,
    form_action: String,
    af: AccountFormView,
}

async fn form_page(
    state: &AppState,
    me: &SignedIn,
    editing: Option<&Account>,
    form: AccountForm,
    errors: FieldErrors,
) -> Result<AccountFormPage, WebError> {
    Ok(AccountFormPage {
        nav: Nav::new(me, "accounts"),
        editing: editing.map(|a| (a.id.0, a.name.clone())),
        form_action: editing.map_or("/accounts/new".into(), |a| {
            format!("/accounts/{}/edit", a.id.0)
        }),
        af: AccountFormView {
            form,
            errors,
            owners: owner_choices(state).await?,
        },
    })
}

async fn new_page(State(state): State<AppState>, me: SignedIn) -> Result<Response, WebError> {
    require_write(&me, "change accounts")?;
    let form = AccountForm {
        owner_id: Some(me.user.id.0.to_string()),
        relationship: Some(Relationship::Prospect.as_str().into()),
        ..AccountForm::default()
    };
    render(&form_page(&state, &me, None, form, FieldErrors::default()).await?)
}

async fn create(
    State(state): State<AppState>,
    me: SignedIn,
    Form(form): Form<AccountForm>,
) -> Result<Response, WebError> {
    let mut errors = FieldErrors::default();
    let parent = resolve_parent(&state, &form.parent, &mut errors).await?;
    let new = form.new_account(parent);
    let errors = match (new, errors.is_empty()) {
        (Ok(new), true) => match state.store.create_account(&me.actor, new).await {
            Ok(a) => {
                let done = format!("Created {}", a.name);
                let to = format!("/accounts/{}?done={}", a.id.0, urlencode(&done));
                return Ok(Redirect::to(&to).into_response());
            }
            Err(e) => FieldErrors::from_store(e, &FIELDS)?,
        },
        (Ok(_), false) => errors,
        (Err(mut more), _) => {
            more.0.extend(errors.0);
            more
        }
    };
    let page = form_page(&state, &me, None, form, errors).await?;
    refused(render(&page)?)
}

async fn edit_page(
    State(state): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    require_write(&me, "change accounts")?;
    let a = state
        .store
        .get_account(AccountId(path_id(&raw, "account")?))
        .await?;
    let parent = match a.parent_id {
        Some(p) => Some(state.store.get_account(p).await?.name),
        None => None,
    };
    let form = AccountForm::of(&a, parent);
    render(&form_page(&state, &me, Some(&a), form, FieldErrors::default()).await?)
}

async fn save(
    State(state): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
    Form(form): Form<AccountForm>,
) -> Result<Response, WebError> {
    let current = state
        .store
        .get_account(AccountId(path_id(&raw, "account")?))
        .await?;
    let mut errors = FieldErrors::default();
    // The parent as the form showed it is the parent it has, even when another account shares
    // its name: only a changed parent is looked up.
    let shown_parent = match current.parent_id {
        Some(p) => Some(state.store.get_account(p).await?.name),
        None => None,
    };
    let unchanged = filled(&form.parent)
        .zip(shown_parent)
        .is_some_and(|(typed, shown)| typed.to_lowercase() == shown.to_lowercase());
    let parent = if unchanged {
        current.parent_id
    } else {
        resolve_parent(&state, &form.parent, &mut errors).await?
    };
    let patch = form.patch(&current, parent);
    let errors = match (patch, errors.is_empty()) {
        (Ok(patch), true) => {
            let versions: Vec<DateTime<Utc>> =
                super::form::version(&form.version).into_iter().collect();
            let saved = if versions.is_empty() {
                state
                    .store
                    .update_account(&me.actor, current.id, patch)
                    .await
            } else {
                state
                    .store
                    .update_account_if(&me.actor, current.id, patch, &versions)
                    .await
            };
            match saved {
                Ok(a) => {
                    let done = format!("Saved {}", a.name);
                    let to = format!("/accounts/{}?done={}", a.id.0, urlencode(&done));
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(StoreError::Stale { .. }) => {
                    let mut stale = FieldErrors::default();
                    stale.push("name", super::form::stale_edit("account"));
                    stale
                }
                Err(e) => FieldErrors::from_store(e, &FIELDS)?,
            }
        }
        (Ok(_), false) => errors,
        (Err(mut more), _) => {
            more.0.extend(errors.0);
            more
        }
    };
    let page = form_page(&state, &me, Some(&current), form, errors).await?;
    refused(render(&page)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> Account {
        NewAccount {
            name: "Initech".into(),
            domains: vec!["initech.com".into()],
            industry: Some("Software".into()),
            country: Some("US".into()),
            ..NewAccount::default()
        }
        .into_account(AccountId(1), Utc::now(), Utc::now())
    }

    #[test]
    fn an_edit_sends_only_what_changed() {
        let a = account();
        let mut form = AccountForm::of(&a, None);
        let patch = form.patch(&a, None).unwrap();
        assert_eq!(
            patch,
            AccountPatch::default(),
            "an untouched form changes nothing"
        );
        form.industry = Some("Fintech".into());
        form.city = Some("".into());
        form.employees = Some("1,200".into());
        let patch = form.patch(&a, Some(AccountId(9))).unwrap();
        assert_eq!(patch.industry, Patch::Set("Fintech".into()));
        assert_eq!(patch.employees, Patch::Set(1200));
        assert_eq!(patch.parent_id, Patch::Set(AccountId(9)));
        assert_eq!(patch.city, Patch::Keep, "it was empty and stays so");
        assert_eq!(patch.country, Patch::Keep);
        form.domains = Some("initech.com, Initech.IO".into());
        assert_eq!(
            form.patch(&a, None).unwrap().domains,
            Patch::Set(vec!["initech.com".into(), "initech.io".into()])
        );
    }

    #[test]
    fn bad_numbers_and_a_missing_name_are_named() {
        let form = AccountForm {
            name: Some(" ".into()),
            employees: Some("-4".into()),
            annual_revenue: Some("lots".into()),
            target_tier: Some("9".into()),
            ..AccountForm::default()
        };
        let errors = form.new_account(None).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            ["name", "employees", "annual_revenue", "target_tier"]
        );
    }
}
