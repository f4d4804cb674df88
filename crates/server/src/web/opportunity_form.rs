//! An opportunity's fields as a form: opening one from its account
//! (`/accounts/{id}/opportunities/new`, with the first contact's role) and editing one on its
//! page, and giving a contact a role on it or taking it away. Every save goes through the
//! store's `create_opportunity` and `update_opportunity`, as the API does; a refused value comes
//! back beside its field with everything that was typed.

use super::form::owner_choices;
use super::form::{
    choice, filled, id_choices, refused, require_write, user_id, value, FieldErrors,
};
use super::format::{human, words};
use super::opportunities::parse_stage;
use super::people::path_id;
use super::{render, urlencode, Nav, SignedIn, WebError};
use crate::AppState;
use abcrm_core::model::{
    BuyingRole, ContactRole, NewOpportunity, Opportunity, OpportunityPatch, OpportunityStage,
};
use abcrm_core::patch::Patch;
use abcrm_core::{AccountId, ContactId};
use abcrm_store::{ContactQuery, PageRequest};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::NaiveDate;
use serde::Deserialize;

/// The routes that open an opportunity and change its roles (saving one is
/// `POST /opportunities/{id}`, beside its page's route).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts/{id}/opportunities/new", get(new_page))
        .route("/accounts/{id}/opportunities", post(create))
}

/// The fields, in the form's order; a store refusal naming none of them shows by the first.
const FIELDS: [&str; 7] = [
    "name",
    "stage",
    "amount",
    "close_date",
    "owner_id",
    "contact_id",
    "role",
];

/// The form as typed. `contact_id`, `role` and `primary` give one contact a role (a new
/// opportunity's first, or one more on its page).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OpportunityForm {
    name: Option<String>,
    stage: Option<String>,
    amount: Option<String>,
    close_date: Option<String>,
    owner_id: Option<String>,
    contact_id: Option<String>,
    role: Option<String>,
    primary: Option<String>,
    /// The `updated_at` the edit form was opened on: a save applies only to that version.
    pub version: Option<String>,
}

impl OpportunityForm {
    /// The form filled with `o` as it is.
    pub fn of(o: &Opportunity) -> OpportunityForm {
        OpportunityForm {
            name: Some(o.name.clone()),
            stage: Some(o.stage.as_str().to_string()),
            amount: o.amount.map(|a| a.to_string()),
            close_date: o.close_date.map(|d| d.to_string()),
            owner_id: o.owner_id.map(|u| u.0.to_string()),
            version: Some(o.updated_at.to_rfc3339()),
            ..OpportunityForm::default()
        }
    }

    /// The change the form asks for: blanks clear, the roles are left as they are.
    pub fn patch(&self) -> Result<OpportunityPatch, FieldErrors> {
        let mut errors = FieldErrors::default();
        let fields = self.fields(&mut errors);
        let patch = OpportunityPatch {
            name: fields.name.map_or(Patch::Keep, Patch::Set),
            stage: fields.stage.map_or(Patch::Keep, Patch::Set),
            amount: fields.amount.map_or(Patch::Clear, Patch::Set),
            close_date: fields.close_date.map_or(Patch::Clear, Patch::Set),
            owner_id: fields.owner.map_or(Patch::Clear, Patch::Set),
            ..OpportunityPatch::default()
        };
        errors.or(patch)
    }

    /// A new opportunity at `account`, with the form's contact role when one is picked.
    fn new_opportunity(&self, account: AccountId) -> Result<NewOpportunity, FieldErrors> {
        let mut errors = FieldErrors::default();
        let fields = self.fields(&mut errors);
        let role = self.role(&mut errors, false);
        errors.or(NewOpportunity {
            account_id: account,
            name: fields.name.unwrap_or_default(),
            stage: fields.stage,
            amount: fields.amount,
            close_date: fields.close_date,
            source_campaign_id: None,
            owner_id: fields.owner,
            contact_roles: role.into_iter().collect(),
            created_at: None,
        })
    }

    /// The contact role the form gives, if a contact is picked (`required`: one must be).
    pub fn role(&self, errors: &mut FieldErrors, required: bool) -> Option<ContactRole> {
        let contact = match filled(&self.contact_id) {
            None if required => {
                errors.push("contact_id", "choose the person who plays the role");
                return None;
            }
            None => return None,
            Some(raw) => match raw.parse::<i64>() {
                Ok(id) if id > 0 => ContactId(id),
                _ => {
                    errors.push("contact_id", format!("“{raw}” is not a contact's id"));
                    return None;
                }
            },
        };
        let Some(role) = choice::<BuyingRole>(errors, "role", &self.role) else {
            if errors.get("role").is_none() {
                errors.push("role", "choose the part they play");
            }
            return None;
        };
        Some(ContactRole {
            contact_id: contact,
            role,
            is_primary: filled(&self.primary).is_some(),
        })
    }

    fn fields(&self, errors: &mut FieldErrors) -> Fields {
        let name = filled(&self.name);
        if name.is_none() {
            errors.push("name", "an opportunity needs a name");
        }
        let stage = match filled(&self.stage) {
            None => None,
            Some(raw) => match parse_stage(Some(&raw)) {
                Ok(s) => Some(s),
                Err(message) => {
                    errors.push("stage", message);
                    None
                }
            },
        };
        let amount = match parse_amount(value(&self.amount)) {
            Ok(a) => a,
            Err(message) => {
                errors.push("amount", message);
                None
            }
        };
        let close_date = filled(&self.close_date).and_then(|raw| {
            match NaiveDate::parse_from_str(&raw, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(
                        "close_date",
                        format!("“{raw}” is not a date; write it as 2027-03-31"),
                    );
                    None
                }
            }
        });
        Fields {
            name,
            stage,
            amount,
            close_date,
            owner: user_id(errors, &self.owner_id),
        }
    }
}

struct Fields {
    name: Option<String>,
    stage: Option<OpportunityStage>,
    amount: Option<f64>,
    close_date: Option<NaiveDate>,
    owner: Option<abcrm_core::UserId>,
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

/// The form as `opportunity_fields.html` shows it: values, errors and choices.
pub struct OpportunityFormView {
    pub form: OpportunityForm,
    pub errors: FieldErrors,
    pub owners: Vec<(i64, String)>,
    /// The account's people, for a contact role.
    pub people: Vec<(i64, String)>,
}

impl OpportunityFormView {
    pub fn value(&self, field: &str) -> &str {
        let f = &self.form;
        value(match field {
            "name" => &f.name,
            "stage" => &f.stage,
            "amount" => &f.amount,
            "close_date" => &f.close_date,
            "owner_id" => &f.owner_id,
            "contact_id" => &f.contact_id,
            "role" => &f.role,
            "version" => &f.version,
            _ => &None,
        })
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }

    pub fn choices(&self, field: &str) -> Vec<(String, String)> {
        match field {
            "stage" => OpportunityStage::ALL
                .iter()
                .map(|s| (s.as_str().to_string(), human(s.as_str())))
                .collect(),
            "role" => BuyingRole::ALL
                .iter()
                .map(|r| (r.as_str().to_string(), words(r.as_str())))
                .collect(),
            "owner_id" => id_choices(&self.owners),
            "contact_id" => id_choices(&self.people),
            _ => Vec::new(),
        }
    }
}

/// The change of one field an opportunity's page edits in place (`quick_edit.rs`): `raw` read as
/// the whole form reads it, and only that field in the patch.
pub fn quick_patch(
    current: &Opportunity,
    field: &str,
    raw: Option<String>,
) -> Result<OpportunityPatch, FieldErrors> {
    let mut form = OpportunityForm::of(current);
    match field {
        "stage" => form.stage = raw,
        "amount" => form.amount = raw,
        "close_date" => form.close_date = raw,
        "owner_id" => form.owner_id = raw,
        _ => {
            let mut errors = FieldErrors::default();
            errors.push("field", format!("{field:?} is not changed in place"));
            return Err(errors);
        }
    }
    let full = form.patch()?;
    let only = OpportunityPatch::default();
    Ok(match field {
        "stage" => OpportunityPatch {
            stage: full.stage,
            ..only
        },
        "amount" => OpportunityPatch {
            amount: full.amount,
            ..only
        },
        "close_date" => OpportunityPatch {
            close_date: full.close_date,
            ..only
        },
        _ => OpportunityPatch {
            owner_id: full.owner_id,
            ..only
        },
    })
}

/// An account's people, by name, for a role picker (its first thousand).
pub async fn people_of(
    state: &AppState,
    account: AccountId,
) -> Result<Vec<(i64, String)>, WebError> {
    let mut people: Vec<(i64, String)> = state
        .store
        .list_contacts(
            &ContactQuery {
                account_id: Some(account),
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
        .map(|c| (c.id.0, c.display_name()))
        .collect();
    people.sort_by_key(|(_, name)| name.to_lowercase());
    Ok(people)
}

#[derive(Template)]
#[template(path = "opportunity_new.html")]
struct NewOpportunityPage {
    nav: Nav,
    account_id: i64,
    account_name: String,
    of: OpportunityFormView,
}

async fn new_opportunity_page(
    state: &AppState,
    me: &SignedIn,
    account: AccountId,
    form: OpportunityForm,
    errors: FieldErrors,
) -> Result<NewOpportunityPage, WebError> {
    let a = state.store.get_account(account).await?;
    Ok(NewOpportunityPage {
        nav: Nav::new(me, "opportunities"),
        account_id: a.id.0,
        account_name: a.name,
        of: OpportunityFormView {
            form,
            errors,
            owners: owner_choices(state).await?,
            people: people_of(state, account).await?,
        },
    })
}

async fn new_page(
    State(state): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let account = AccountId(path_id(&raw, "account")?);
    require_write(&me, "open opportunities")?;
    let form = OpportunityForm {
        stage: Some(OpportunityStage::Prospecting.as_str().into()),
        owner_id: Some(me.user.id.0.to_string()),
        ..OpportunityForm::default()
    };
    render(&new_opportunity_page(&state, &me, account, form, FieldErrors::default()).await?)
}

async fn create(
    State(state): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
    Form(form): Form<OpportunityForm>,
) -> Result<Response, WebError> {
    let account = AccountId(path_id(&raw, "account")?);
    let errors = match form.new_opportunity(account) {
        Err(errors) => errors,
        Ok(new) => match state.store.create_opportunity(&me.actor, new).await {
            Ok(o) => {
                let done = format!("Opened {}: a sales cycle started", o.name);
                let to = format!("/opportunities/{}?done={}", o.id.0, urlencode(&done));
                return Ok(Redirect::to(&to).into_response());
            }
            Err(e) => FieldErrors::from_store(e, &FIELDS)?,
        },
    };
    let page = new_opportunity_page(&state, &me, account, form, errors).await?;
    refused(render(&page)?)
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
        let form = OpportunityForm {
            name: Some("  ".into()),
            stage: Some("flying".into()),
            amount: Some("lots".into()),
            close_date: Some("31/03/2027".into()),
            owner_id: Some("x".into()),
            ..OpportunityForm::default()
        };
        let fields: Vec<&str> = form
            .patch()
            .unwrap_err()
            .0
            .iter()
            .map(|(f, _)| *f)
            .collect();
        assert_eq!(
            fields,
            ["name", "stage", "amount", "close_date", "owner_id"]
        );
        let ok = OpportunityForm {
            name: Some(" Renewal ".into()),
            stage: Some("proposal".into()),
            amount: Some("".into()),
            close_date: Some("2027-03-31".into()),
            owner_id: Some("".into()),
            ..OpportunityForm::default()
        }
        .patch()
        .unwrap();
        assert_eq!(ok.name, Patch::Set("Renewal".into()));
        assert_eq!(ok.amount, Patch::Clear);
        assert_eq!(ok.owner_id, Patch::Clear);
        assert_eq!(ok.contact_roles, Patch::Keep);
    }

    #[test]
    fn a_role_needs_a_person_and_a_part_when_asked_for() {
        let mut errors = FieldErrors::default();
        let none = OpportunityForm::default();
        assert_eq!(none.role(&mut errors, false), None);
        assert!(errors.is_empty());
        assert_eq!(none.role(&mut errors, true), None);
        assert!(errors.get("contact_id").is_some());
        let mut errors = FieldErrors::default();
        let no_part = OpportunityForm {
            contact_id: Some("4".into()),
            ..OpportunityForm::default()
        };
        assert_eq!(no_part.role(&mut errors, false), None);
        assert!(errors.get("role").is_some());
        let mut errors = FieldErrors::default();
        let champion = OpportunityForm {
            contact_id: Some("4".into()),
            role: Some("champion".into()),
            primary: Some("on".into()),
            ..OpportunityForm::default()
        };
        assert_eq!(
            champion.role(&mut errors, true),
            Some(ContactRole {
                contact_id: ContactId(4),
                role: BuyingRole::Champion,
                is_primary: true
            })
        );
    }
}
