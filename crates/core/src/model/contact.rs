//! Contacts: the people of an account's buying center. A contact always has an account.

use super::{BuyingRole, ContactStatus, Department, Seniority, MAX_NAME};
use crate::ids::{AccountId, ContactId, UserId};
use crate::normalize::title::parse_title;
use crate::normalize::Email;
use crate::patch::Patch;
use crate::validation::{check_len, clean, ValidationErrors};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A person at an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Contact {
    pub id: ContactId,
    /// The account the person works at; never empty.
    pub account_id: AccountId,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Normalized; unique across all contacts.
    pub email: Option<Email>,
    pub phone: Option<String>,
    pub title: Option<String>,
    pub seniority: Option<Seniority>,
    pub department: Option<Department>,
    pub buying_role: Option<BuyingRole>,
    pub status: ContactStatus,
    pub owner_id: Option<UserId>,
    /// Where the person came from (web form, list import, event, ...).
    pub source: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One change of a contact's status, with when and why (`reason` is absent where the writer
/// gave none, as for rows written before the history began to be kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ContactStatusChange {
    pub contact_id: ContactId,
    /// Absent for the status the contact was created with.
    pub from_status: Option<ContactStatus>,
    pub to_status: ContactStatus,
    pub reason: Option<String>,
    pub changed_at: DateTime<Utc>,
}

impl Contact {
    /// "First Last", or the email, or "contact N".
    pub fn display_name(&self) -> String {
        let name = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        if !name.is_empty() {
            name
        } else if let Some(e) = &self.email {
            e.to_string()
        } else {
            format!("contact {}", self.id)
        }
    }
}

/// The fields of a new contact. `account_id` is required: there are no unattached people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    pub account_id: AccountId,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<Email>,
    pub phone: Option<String>,
    pub title: Option<String>,
    pub seniority: Option<Seniority>,
    pub department: Option<Department>,
    pub buying_role: Option<BuyingRole>,
    /// Defaults to `active`.
    pub status: Option<ContactStatus>,
    pub owner_id: Option<UserId>,
    pub source: Option<String>,
    /// When the person came to be known; defaults to now. Set by imports that carry history.
    pub created_at: Option<DateTime<Utc>>,
}

impl NewContact {
    /// The contact this input becomes once stored under `id` (status `active` unless given).
    pub fn into_contact(
        self,
        id: ContactId,
        created_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
    ) -> Contact {
        Contact {
            id,
            account_id: self.account_id,
            first_name: self.first_name,
            last_name: self.last_name,
            email: self.email,
            phone: self.phone,
            title: self.title,
            seniority: self.seniority,
            department: self.department,
            buying_role: self.buying_role,
            status: self.status.unwrap_or(ContactStatus::Active),
            owner_id: self.owner_id,
            source: self.source,
            created_at,
            updated_at,
        }
    }

    /// A contact at `account_id` with every other field empty.
    pub fn at(account_id: AccountId) -> NewContact {
        NewContact {
            account_id,
            first_name: None,
            last_name: None,
            email: None,
            phone: None,
            title: None,
            seniority: None,
            department: None,
            buying_role: None,
            status: None,
            owner_id: None,
            source: None,
            created_at: None,
        }
    }

    /// Trims every text field and checks that the person can be told apart: a contact needs a
    /// name or an email.
    pub fn validate(self) -> Result<NewContact, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let title = clean(self.title);
        // Seniority and department follow from the title unless given.
        let parsed = title.as_deref().map(parse_title);
        let out = NewContact {
            first_name: clean(self.first_name),
            last_name: clean(self.last_name),
            phone: clean(self.phone),
            seniority: self.seniority.or(parsed.and_then(|p| p.seniority)),
            department: self.department.or(parsed.and_then(|p| p.department)),
            title,
            source: clean(self.source),
            ..self
        };
        check_person_fields(
            &mut errors,
            &out.first_name,
            &out.last_name,
            out.email.is_some(),
            &out.phone,
            &out.title,
            &out.source,
        );
        errors.into_result().map(|()| out)
    }
}

/// A partial update of a contact: absent fields are kept, `null` clears. Setting `account_id`
/// moves the person to another account; it cannot be cleared.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ContactPatch {
    #[schema(value_type = i64)]
    pub account_id: Patch<AccountId>,
    #[schema(value_type = Option<String>)]
    pub first_name: Patch<String>,
    #[schema(value_type = Option<String>)]
    pub last_name: Patch<String>,
    #[schema(value_type = Option<String>)]
    pub email: Patch<Email>,
    #[schema(value_type = Option<String>)]
    pub phone: Patch<String>,
    #[schema(value_type = Option<String>)]
    pub title: Patch<String>,
    #[schema(value_type = Option<Seniority>)]
    pub seniority: Patch<Seniority>,
    #[schema(value_type = Option<Department>)]
    pub department: Patch<Department>,
    #[schema(value_type = Option<BuyingRole>)]
    pub buying_role: Patch<BuyingRole>,
    #[schema(value_type = ContactStatus)]
    pub status: Patch<ContactStatus>,
    #[schema(value_type = Option<i64>)]
    pub owner_id: Patch<UserId>,
    #[schema(value_type = Option<String>)]
    pub source: Patch<String>,
}

impl ContactPatch {
    /// Applies the patch to `current` and validates the result. That a new account exists is
    /// checked by the store.
    pub fn apply(self, current: &Contact) -> Result<Contact, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut next = current.clone();
        match self.account_id {
            Patch::Set(a) => next.account_id = a,
            Patch::Clear => errors.push(
                "account_id",
                "cannot be cleared: every contact belongs to an account; set another account to move the contact",
            ),
            Patch::Keep => {}
        }
        next.first_name = clean(self.first_name.apply(next.first_name));
        next.last_name = clean(self.last_name.apply(next.last_name));
        next.email = self.email.apply(next.email);
        next.phone = clean(self.phone.apply(next.phone));
        let title_changed = !self.title.is_keep();
        next.title = clean(self.title.apply(next.title));
        // A new title re-derives seniority and department, unless the patch sets them itself.
        let parsed = next
            .title
            .as_deref()
            .map(parse_title)
            .filter(|_| title_changed);
        next.seniority = match self.seniority {
            Patch::Keep => parsed.map(|p| p.seniority).unwrap_or(next.seniority),
            other => other.apply(next.seniority),
        };
        next.department = match self.department {
            Patch::Keep => parsed.map(|p| p.department).unwrap_or(next.department),
            other => other.apply(next.department),
        };
        next.buying_role = self.buying_role.apply(next.buying_role);
        match self.status {
            Patch::Set(s) => next.status = s,
            Patch::Clear => errors.push(
                "status",
                "cannot be cleared; set active, nurture, unsubscribed or left_company",
            ),
            Patch::Keep => {}
        }
        next.owner_id = self.owner_id.apply(next.owner_id);
        next.source = clean(self.source.apply(next.source));
        check_person_fields(
            &mut errors,
            &next.first_name,
            &next.last_name,
            next.email.is_some(),
            &next.phone,
            &next.title,
            &next.source,
        );
        errors.into_result().map(|()| next)
    }
}

fn check_person_fields(
    errors: &mut ValidationErrors,
    first: &Option<String>,
    last: &Option<String>,
    has_email: bool,
    phone: &Option<String>,
    title: &Option<String>,
    source: &Option<String>,
) {
    if first.is_none() && last.is_none() && !has_email {
        errors.push(
            "email",
            "a contact needs an email or a name; give at least one",
        );
    }
    for (field, v) in [
        ("first_name", first),
        ("last_name", last),
        ("phone", phone),
        ("title", title),
        ("source", source),
    ] {
        if let Some(v) = v {
            check_len(errors, field, v, MAX_NAME);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contact_with_neither_name_nor_email_is_refused() {
        let err = NewContact::at(AccountId(1)).validate().unwrap_err();
        assert_eq!(err.0[0].field, "email");
    }

    #[test]
    fn seniority_and_department_follow_the_title_unless_given() {
        let mut c = NewContact::at(AccountId(1));
        c.first_name = Some("Peter".into());
        c.title = Some("Director of Engineering".into());
        let derived = c.clone().validate().unwrap();
        assert_eq!(
            (derived.seniority, derived.department),
            (Some(Seniority::Director), Some(Department::Engineering))
        );
        c.seniority = Some(Seniority::Vp);
        assert_eq!(c.validate().unwrap().seniority, Some(Seniority::Vp));
    }

    #[test]
    fn a_contact_cannot_be_detached_from_its_account() {
        let mut c = NewContact::at(AccountId(1));
        c.first_name = Some("Ada".into());
        let now = Utc::now();
        let contact = Contact {
            id: ContactId(1),
            account_id: AccountId(1),
            first_name: c.first_name,
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
        };
        let patch = ContactPatch {
            account_id: Patch::Clear,
            ..Default::default()
        };
        assert_eq!(patch.apply(&contact).unwrap_err().0[0].field, "account_id");
    }
}
