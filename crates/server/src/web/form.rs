//! What the create and edit forms share: the values as typed (so a refused save gives them back
//! unchanged) and the errors shown beside their fields.

use super::WebError;
use crate::AppState;
use abcrm_core::model::Account;
use abcrm_core::AccountId;
use abcrm_store::{AccountQuery, PageRequest, StoreError};

/// Each refused field of a form and why, in the order found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<(&'static str, String)>);

impl FieldErrors {
    pub fn push(&mut self, field: &'static str, why: impl Into<String>) {
        self.0.push((field, why.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Why `field` was refused, if it was.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, why)| why.as_str())
    }

    /// `Ok(value)` when nothing was refused.
    pub fn or<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// The store's refusal of a save, put beside the form's `fields` (the first of them when it
    /// names none of them); a failure that is not about the input stays an error.
    pub fn from_store(e: StoreError, fields: &[&'static str]) -> Result<FieldErrors, WebError> {
        let Some(&first) = fields.first() else {
            return Err(e.into());
        };
        let field = |name: Option<&str>| {
            name.and_then(|n| fields.iter().copied().find(|f| *f == n))
                .unwrap_or(first)
        };
        let mut out = FieldErrors::default();
        match e {
            StoreError::Invalid(errors) => {
                for err in errors.0 {
                    out.push(field(Some(&err.field)), err.reason);
                }
            }
            StoreError::Conflict { field: at, message } => out.push(field(at.as_deref()), message),
            // A user or contact picked in the form that is gone by the time it is saved.
            StoreError::NotFound { entity, id } if matches!(entity, "user" | "contact") => {
                let named = if entity == "user" {
                    "owner_id"
                } else {
                    "contact_id"
                };
                out.push(
                    field(Some(named)),
                    format!("there is no {entity} {id} any more; choose another"),
                )
            }
            other => return Err(other.into()),
        }
        Ok(out)
    }
}

/// Refuses a form page to a read-only user (the session middleware refuses their posts; this is
/// for the GET that would show a form they could not send). `doing` says what they tried.
pub fn require_write(me: &super::SignedIn, doing: &str) -> Result<(), WebError> {
    if me.can_write() {
        Ok(())
    } else {
        Err(WebError::Forbidden(format!(
            "a read-only user cannot {doing}; ask an admin for the sales or marketing role"
        )))
    }
}

/// A page that comes back with its refused form answers 422.
pub fn refused(mut res: axum::response::Response) -> Result<axum::response::Response, WebError> {
    *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

/// Records picked by id (users, contacts) as a select's choices: the id as the value, the name
/// as the label.
pub fn id_choices(records: &[(i64, String)]) -> Vec<(String, String)> {
    records
        .iter()
        .map(|(id, name)| (id.to_string(), name.clone()))
        .collect()
}

/// A typed value, or nothing.
pub fn value(raw: &Option<String>) -> &str {
    raw.as_deref().unwrap_or("")
}

/// A typed value, trimmed; blank is none.
pub fn filled(raw: &Option<String>) -> Option<String> {
    raw.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A picklist value from a form: blank is none, anything but one of `T`'s values is refused
/// with the values it may take.
pub fn choice<T: std::str::FromStr>(
    errors: &mut FieldErrors,
    field: &'static str,
    raw: &Option<String>,
) -> Option<T> {
    let raw = filled(raw)?;
    match raw.parse::<T>() {
        Ok(v) => Some(v),
        Err(_) => {
            errors.push(
                field,
                format!("“{raw}” is not one of the choices; pick one from the list"),
            );
            None
        }
    }
}

/// A user's id from an owner picker: blank is nobody.
pub fn user_id(errors: &mut FieldErrors, raw: &Option<String>) -> Option<abcrm_core::UserId> {
    let raw = filled(raw)?;
    match raw.parse::<i64>() {
        Ok(id) if id > 0 => Some(abcrm_core::UserId(id)),
        _ => {
            errors.push("owner_id", format!("“{raw}” is not a user's id"));
            None
        }
    }
}

/// An account as a picker offers it: `Name (#id)`, which [`account_named`] reads back as that
/// account whatever others share the name.
/// The version an edit form was opened on (its hidden `version` field: the record's
/// `updated_at`); a save applies only to that version. None when absent or not a time.
pub fn version(raw: &Option<String>) -> Option<chrono::DateTime<chrono::Utc>> {
    filled(raw).and_then(|v| {
        chrono::DateTime::parse_from_rfc3339(&v)
            .ok()
            .map(|t| t.with_timezone(&chrono::Utc))
    })
}

/// What an edit form says when someone else saved the record after it was opened.
pub fn stale_edit(kind: &str) -> String {
    format!(
        "someone saved this {kind} since you opened the form: nothing of yours was saved. \
         Open it again to see their change, then make yours"
    )
}

/// The record to merge a record with, as typed on the merge page: the id of another record.
/// `a_kind` is the kind with its article ("an account"); `search` says what the page's search
/// takes. An answer of `Err` is what the page says under the field.
pub fn merge_partner(raw: &str, own: i64, a_kind: &str, search: &str) -> Result<i64, String> {
    let kind = a_kind.split_once(' ').map_or(a_kind, |(_, kind)| kind);
    match raw.parse::<i64>().ok().filter(|id| *id > 0) {
        None => Err(format!(
            "{raw:?} is not {a_kind} id; give the number from the {kind}'s page, or search by {search}"
        )),
        Some(id) if id == own => Err(format!(
            "{a_kind} cannot be merged with itself; pick another {kind}"
        )),
        Some(id) => Ok(id),
    }
}

/// What the merge page says when the record to merge with is gone.
pub fn merge_partner_gone(kind: &str, id: i64) -> String {
    format!("{kind} {id} does not exist (it may have been merged or deleted); pick another {kind}")
}

pub fn picked_name(name: &str, id: i64) -> String {
    format!("{name} (#{id})")
}

/// A field of a form read as pairs, trimmed; `None` when absent or blank.
pub fn pair(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The people ticked on a list: the ids a repeated field holds (`contact_id=7&contact_id=9`), in
/// order, at most `max` of them; a value that is not a `what`'s id, or one too many, refuses the
/// form naming the field.
pub fn ticked_ids(
    pairs: &[(String, String)],
    field: &str,
    what: &str,
    max: usize,
) -> Result<Vec<i64>, WebError> {
    let mut ids = Vec::new();
    for (_, v) in pairs.iter().filter(|(k, _)| k == field) {
        let id = v
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| WebError::BadRequest(format!("{field}: “{v}” is not a {what}'s id")))?;
        ids.push(id);
        if ids.len() > max {
            return Err(WebError::BadRequest(format!(
                "{field}: at most {max} people at once"
            )));
        }
    }
    Ok(ids)
}

/// The account a form field names: a number is an id, `Name (#id)` (what the account pickers
/// offer) is that id, anything else one account's exact name (case aside). When it names none,
/// or several, the field gets an error saying what to write instead.
pub async fn account_named(
    state: &AppState,
    raw: &str,
    field: &'static str,
    errors: &mut FieldErrors,
) -> Result<Option<AccountId>, WebError> {
    let raw = raw.trim();
    let id = raw.parse::<i64>().ok().or_else(|| {
        raw.strip_suffix(')')
            .and_then(|r| r.rsplit_once("(#"))
            .and_then(|(_, id)| id.parse::<i64>().ok())
    });
    if let Some(id) = id {
        return match state.store.get_account(AccountId(id)).await {
            Ok(a) => Ok(Some(a.id)),
            Err(StoreError::NotFound { .. }) => {
                errors.push(field, format!("there is no account {id}"));
                Ok(None)
            }
            Err(e) => Err(e.into()),
        };
    }
    let found = state
        .store
        .list_accounts(
            &AccountQuery {
                name_contains: Some(raw.to_string()),
                ..AccountQuery::default()
            },
            PageRequest {
                after: None,
                limit: 50,
            },
        )
        .await?
        .items;
    let exact: Vec<&Account> = found
        .iter()
        .filter(|a| a.name.to_lowercase() == raw.to_lowercase())
        .collect();
    match exact.as_slice() {
        [one] => Ok(Some(one.id)),
        [] => {
            errors.push(
                field,
                format!("no account is named “{raw}”; write its exact name or its id"),
            );
            Ok(None)
        }
        several => {
            let ids: Vec<String> = several.iter().map(|a| a.id.0.to_string()).collect();
            errors.push(
                field,
                format!(
                    "{} accounts are named “{raw}” (ids {}); write the id of the one you mean",
                    several.len(),
                    ids.join(", ")
                ),
            );
            Ok(None)
        }
    }
}

/// The owners a form may pick: every user, by name.
pub async fn owner_choices(state: &AppState) -> Result<Vec<(i64, String)>, WebError> {
    Ok(state
        .store
        .list_users()
        .await?
        .into_iter()
        .map(|u| (u.id.0, u.name))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use abcrm_core::model::Seniority;
    use abcrm_core::validation::ValidationErrors;

    #[test]
    fn store_refusals_land_beside_their_fields() {
        let mut invalid = ValidationErrors::default();
        invalid.push("email", "is not an email");
        invalid.push("something_else", "is wrong");
        let errors =
            FieldErrors::from_store(StoreError::Invalid(invalid), &["first_name", "email"])
                .unwrap();
        assert_eq!(errors.get("email"), Some("is not an email"));
        assert_eq!(errors.get("first_name"), Some("is wrong"));
        let conflict = StoreError::Conflict {
            field: Some("email".into()),
            message: "already belongs to contact 7".into(),
        };
        let errors = FieldErrors::from_store(conflict, &["first_name", "email"]).unwrap();
        assert_eq!(errors.get("email"), Some("already belongs to contact 7"));
        let gone = StoreError::NotFound {
            entity: "user",
            id: 9,
        };
        let errors = FieldErrors::from_store(gone, &["name", "owner_id"]).unwrap();
        assert!(errors.get("owner_id").unwrap().contains("user 9"));
        let account = StoreError::NotFound {
            entity: "account",
            id: 9,
        };
        assert!(FieldErrors::from_store(account, &["name"]).is_err());
    }

    #[test]
    fn picklists_and_owners_are_read_strictly() {
        let mut errors = FieldErrors::default();
        assert_eq!(
            choice::<Seniority>(&mut errors, "seniority", &Some(" vp ".into())),
            Some(Seniority::Vp)
        );
        assert_eq!(
            choice::<Seniority>(&mut errors, "seniority", &Some("".into())),
            None
        );
        assert!(errors.is_empty());
        assert_eq!(
            choice::<Seniority>(&mut errors, "seniority", &Some("boss".into())),
            None
        );
        assert_eq!(user_id(&mut errors, &Some("0".into())), None);
        assert_eq!(
            errors.0.iter().map(|(f, _)| *f).collect::<Vec<_>>(),
            ["seniority", "owner_id"]
        );
    }
}
