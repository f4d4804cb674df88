//! A person's fields as a form: adding a contact under an account (`/accounts/{id}/contacts/new`,
//! never without one) and the form that edits one on its page (`POST /contacts/{id}`, saved in
//! `contacts.rs`). Both go through the
//! store (`create_contact`, `update_contact`) as the API does; a refused value comes back beside
//! its field with everything that was typed.

use super::form::{
    choice, filled, id_choices, owner_choices, refused, require_write, user_id, value, FieldErrors,
};
use super::format::words;
use super::people::path_id;
use super::{render, urlencode, Nav, SignedIn, WebError};
use crate::AppState;
use abcrm_core::model::{BuyingRole, Contact, ContactPatch, ContactStatus, NewContact, Seniority};
use abcrm_core::normalize::Email;
use abcrm_core::patch::Patch;
use abcrm_core::AccountId;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

/// The routes that add people (saving one is `POST /contacts/{id}`, beside its page's route).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts/{id}/contacts/new", get(new_page))
        .route("/accounts/{id}/contacts", post(create))
}

/// The fields, in the form's order; a store refusal naming none of them shows by the first.
pub const FIELDS: [&str; 9] = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "title",
    "seniority",
    "buying_role",
    "status",
    "owner_id",
];

/// The form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ContactForm {
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    title: Option<String>,
    seniority: Option<String>,
    buying_role: Option<String>,
    status: Option<String>,
    owner_id: Option<String>,
    /// The `updated_at` the edit form was opened on: a save applies only to that version.
    pub version: Option<String>,
}

impl ContactForm {
    /// The form filled with `c` as it is.
    pub fn of(c: &Contact) -> ContactForm {
        ContactForm {
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            email: c.email.as_ref().map(|e| e.to_string()),
            phone: c.phone.clone(),
            title: c.title.clone(),
            seniority: c.seniority.map(|v| v.as_str().to_string()),
            buying_role: c.buying_role.map(|v| v.as_str().to_string()),
            status: Some(c.status.as_str().to_string()),
            owner_id: c.owner_id.map(|u| u.0.to_string()),
            version: Some(c.updated_at.to_rfc3339()),
        }
    }

    /// What every save reads the same way: the email and the picklists.
    fn read(&self, errors: &mut FieldErrors) -> Read {
        let email = filled(&self.email).and_then(|raw| match Email::parse(&raw) {
            Ok(e) => Some(e),
            Err(e) => {
                errors.push("email", format!("“{raw}”: the email {e}"));
                None
            }
        });
        Read {
            email,
            seniority: choice(errors, "seniority", &self.seniority),
            buying_role: choice(errors, "buying_role", &self.buying_role),
            status: choice(errors, "status", &self.status),
            owner: user_id(errors, &self.owner_id),
        }
    }

    /// A new contact under `account`. A seniority left blank is read from the title.
    fn new_contact(&self, account: AccountId) -> Result<NewContact, FieldErrors> {
        let mut errors = FieldErrors::default();
        let read = self.read(&mut errors);
        if filled(&self.first_name).is_none()
            && filled(&self.last_name).is_none()
            && read.email.is_none()
        {
            errors.push("first_name", "give a name or an email: who is this?");
        }
        let mut new = NewContact::at(account);
        new.first_name = filled(&self.first_name);
        new.last_name = filled(&self.last_name);
        new.email = read.email;
        new.phone = filled(&self.phone);
        new.title = filled(&self.title);
        new.seniority = read.seniority;
        new.buying_role = read.buying_role;
        new.status = read.status;
        new.owner_id = read.owner;
        new.source = Some("web".into());
        errors.or(new)
    }

    /// The change the form asks for: a blank field clears, the status (which a contact always
    /// has) is kept when blank.
    pub fn patch(&self) -> Result<ContactPatch, FieldErrors> {
        let mut errors = FieldErrors::default();
        let read = self.read(&mut errors);
        let set = |v: Option<String>| v.map_or(Patch::Clear, Patch::Set);
        let patch = ContactPatch {
            first_name: set(filled(&self.first_name)),
            last_name: set(filled(&self.last_name)),
            email: read.email.map_or(Patch::Clear, Patch::Set),
            phone: set(filled(&self.phone)),
            title: set(filled(&self.title)),
            seniority: read.seniority.map_or(Patch::Clear, Patch::Set),
            buying_role: read.buying_role.map_or(Patch::Clear, Patch::Set),
            status: read.status.map_or(Patch::Keep, Patch::Set),
            owner_id: read.owner.map_or(Patch::Clear, Patch::Set),
            ..ContactPatch::default()
        };
        // An email that did not parse must not clear the one stored.
        if errors.get("email").is_some() {
            return Err(errors);
        }
        errors.or(patch)
    }
}

/// The change of one field a contact's page edits in place (`quick_edit.rs`): `raw` read as the
/// whole form reads it, and only that field in the patch.
pub fn quick_patch(
    current: &Contact,
    field: &str,
    raw: Option<String>,
) -> Result<ContactPatch, FieldErrors> {
    let mut form = ContactForm::of(current);
    match field {
        "owner_id" => form.owner_id = raw,
        "buying_role" => form.buying_role = raw,
        "seniority" => form.seniority = raw,
        "status" => form.status = raw,
        _ => {
            let mut errors = FieldErrors::default();
            errors.push("field", format!("{field:?} is not changed in place"));
            return Err(errors);
        }
    }
    let full = form.patch()?;
    let only = ContactPatch::default();
    Ok(match field {
        "owner_id" => ContactPatch {
            owner_id: full.owner_id,
            ..only
        },
        "buying_role" => ContactPatch {
            buying_role: full.buying_role,
            ..only
        },
        "seniority" => ContactPatch {
            seniority: full.seniority,
            ..only
        },
        _ => ContactPatch {
            status: full.status,
            ..only
        },
    })
}

struct Read {
    email: Option<Email>,
    seniority: Option<Seniority>,
    buying_role: Option<BuyingRole>,
    status: Option<ContactStatus>,
    owner: Option<abcrm_core::UserId>,
}

/// The form as `contact_fields.html` shows it: values, errors and choices.
pub struct ContactFormView {
    pub form: ContactForm,
    pub errors: FieldErrors,
    pub owners: Vec<(i64, String)>,
}

impl ContactFormView {
    pub fn new(form: ContactForm, errors: FieldErrors, owners: Vec<(i64, String)>) -> Self {
        ContactFormView {
            form,
            errors,
            owners,
        }
    }

    pub fn value(&self, field: &str) -> &str {
        let f = &self.form;
        value(match field {
            "first_name" => &f.first_name,
            "last_name" => &f.last_name,
            "email" => &f.email,
            "phone" => &f.phone,
            "title" => &f.title,
            "seniority" => &f.seniority,
            "buying_role" => &f.buying_role,
            "status" => &f.status,
            "owner_id" => &f.owner_id,
            "version" => &f.version,
            _ => &None,
        })
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }

    /// A picklist's choices: value and label.
    pub fn choices(&self, field: &str) -> Vec<(String, String)> {
        fn of<T: Copy>(all: &[T], name: impl Fn(T) -> &'static str) -> Vec<(String, String)> {
            all.iter()
                .map(|v| (name(*v).to_string(), words(name(*v))))
                .collect()
        }
        match field {
            "seniority" => of(Seniority::ALL, Seniority::as_str),
            "buying_role" => of(BuyingRole::ALL, BuyingRole::as_str),
            "status" => of(ContactStatus::ALL, ContactStatus::as_str),
            "owner_id" => id_choices(&self.owners),
            _ => Vec::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "contact_new.html")]
struct NewContactPage {
    nav: Nav,
    account_id: i64,
    account_name: String,
    cf: ContactFormView,
    form_action: String,
}

async fn new_contact_page(
    state: &AppState,
    me: &SignedIn,
    account: AccountId,
    form: ContactForm,
    errors: FieldErrors,
) -> Result<NewContactPage, WebError> {
    let a = state.store.get_account(account).await?;
    Ok(NewContactPage {
        nav: Nav::new(me, "accounts"),
        account_id: a.id.0,
        account_name: a.name,
        cf: ContactFormView::new(form, errors, owner_choices(state).await?),
        form_action: format!("/accounts/{}/contacts", a.id.0),
    })
}

async fn new_page(
    State(state): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let account = AccountId(path_id(&raw, "account")?);
    require_write(&me, "add people")?;
    let form = ContactForm {
        status: Some(ContactStatus::Active.as_str().into()),
        owner_id: Some(me.user.id.0.to_string()),
        ..ContactForm::default()
    };
    render(&new_contact_page(&state, &me, account, form, FieldErrors::default()).await?)
}

async fn create(
    State(state): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
    Form(form): Form<ContactForm>,
) -> Result<Response, WebError> {
    let account = AccountId(path_id(&raw, "account")?);
    let errors = match form.new_contact(account) {
        Err(errors) => errors,
        Ok(new) => match state.store.create_contact(&me.actor, new).await {
            Ok(c) => {
                let done = format!("Added {} to the buying center", c.display_name());
                let to = format!("/contacts/{}?done={}", c.id.0, urlencode(&done));
                return Ok(Redirect::to(&to).into_response());
            }
            Err(e) => FieldErrors::from_store(e, &FIELDS)?,
        },
    };
    let page = new_contact_page(&state, &me, account, form, errors).await?;
    refused(render(&page)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(pairs: &[(&str, &str)]) -> ContactForm {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(f, _)| *f == k)
                .map(|(_, v)| v.to_string())
        };
        ContactForm {
            first_name: get("first_name"),
            last_name: get("last_name"),
            email: get("email"),
            phone: get("phone"),
            title: get("title"),
            seniority: get("seniority"),
            buying_role: get("buying_role"),
            status: get("status"),
            owner_id: get("owner_id"),
            version: get("version"),
        }
    }

    #[test]
    fn a_new_person_needs_a_name_or_an_email_and_each_bad_value_is_named() {
        let nobody = typed(&[("title", "CFO")])
            .new_contact(AccountId(1))
            .unwrap_err();
        assert!(nobody.get("first_name").is_some());
        let bad = typed(&[
            ("first_name", "Ada"),
            ("email", "not-an-email"),
            ("buying_role", "king"),
            ("owner_id", "abc"),
        ])
        .new_contact(AccountId(1))
        .unwrap_err();
        let fields: Vec<&str> = bad.0.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["email", "buying_role", "owner_id"]);
        let ok = typed(&[("first_name", " Ada "), ("buying_role", "economic_buyer")])
            .new_contact(AccountId(1))
            .unwrap();
        assert_eq!(ok.first_name.as_deref(), Some("Ada"));
        assert_eq!(ok.buying_role, Some(BuyingRole::EconomicBuyer));
        assert_eq!(ok.seniority, None, "left to the title");
    }

    #[test]
    fn an_edit_clears_blank_fields_but_keeps_the_status_and_a_mistyped_email() {
        let p = typed(&[("first_name", "Ada"), ("status", "")])
            .patch()
            .unwrap();
        assert_eq!(p.first_name, Patch::Set("Ada".into()));
        assert_eq!(p.last_name, Patch::Clear);
        assert_eq!(p.status, Patch::Keep);
        let bad = typed(&[("first_name", "Ada"), ("email", "ada@")])
            .patch()
            .unwrap_err();
        assert!(bad.get("email").is_some());
    }
}
