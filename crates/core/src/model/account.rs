//! Accounts: the companies we sell to, their hierarchy, firmographics and the products they own.

use super::{AccountStage, Relationship, MAX_NAME};
use crate::ids::{AccountId, AssetId, UserId};
use crate::normalize::country::{normalize_location, typed_spellings};
use crate::normalize::normalize_domain;
use crate::patch::Patch;
use crate::validation::{check_len, clean, require_text, ValidationErrors};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A company (or a subsidiary or region of one). Every company fact lives here, once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    /// Web domains, normalized (`example.com`); an account may own several.
    pub domains: Vec<String>,
    /// Dun & Bradstreet number, nine digits.
    pub duns: Option<String>,
    pub parent_id: Option<AccountId>,
    pub industry: Option<String>,
    pub employees: Option<i64>,
    /// Annual revenue in whole currency units.
    pub annual_revenue: Option<i64>,
    pub country: Option<String>,
    pub state: Option<String>,
    pub city: Option<String>,
    pub relationship: Relationship,
    pub stage: AccountStage,
    pub owner_id: Option<UserId>,
    /// 1 is the most important named accounts; empty when untiered.
    pub target_tier: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The fields of a new account. Only `name` is required.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    #[serde(default)]
    pub domains: Vec<String>,
    pub duns: Option<String>,
    pub parent_id: Option<AccountId>,
    pub industry: Option<String>,
    #[schema(minimum = 0)]
    pub employees: Option<i64>,
    #[schema(minimum = 0)]
    pub annual_revenue: Option<i64>,
    pub country: Option<String>,
    pub state: Option<String>,
    pub city: Option<String>,
    /// Defaults to `prospect`.
    pub relationship: Option<Relationship>,
    /// Defaults to `target`.
    pub stage: Option<AccountStage>,
    pub owner_id: Option<UserId>,
    #[schema(minimum = 1, maximum = 5)]
    pub target_tier: Option<i32>,
    /// When the account came to be known; defaults to now. Set by imports that carry history.
    pub created_at: Option<DateTime<Utc>>,
}

impl NewAccount {
    /// The account this input becomes once stored under `id` (prospect and target unless given).
    pub fn into_account(
        self,
        id: AccountId,
        created_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
    ) -> Account {
        Account {
            id,
            name: self.name,
            domains: self.domains,
            duns: self.duns,
            parent_id: self.parent_id,
            industry: self.industry,
            employees: self.employees,
            annual_revenue: self.annual_revenue,
            country: self.country,
            state: self.state,
            city: self.city,
            relationship: self.relationship.unwrap_or(Relationship::Prospect),
            stage: self.stage.unwrap_or(AccountStage::Target),
            owner_id: self.owner_id,
            target_tier: self.target_tier,
            created_at,
            updated_at,
        }
    }

    /// [`NewAccount::validate`], with what was typed for a country or state the account keeps as
    /// a code (`California` for `CA`): the observations its provenance keeps.
    pub fn validate_keeping_typed(self) -> Result<(NewAccount, TypedSpellings), ValidationErrors> {
        let (country, state) = (self.country.clone(), self.state.clone());
        let valid = self.validate()?;
        let typed = typed_spellings(
            [country.as_deref(), state.as_deref()],
            [valid.country.as_deref(), valid.state.as_deref()],
        );
        Ok((valid, typed))
    }

    /// Trims and normalizes every field, or says which fields are invalid and why.
    pub fn validate(self) -> Result<NewAccount, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        require_text(&mut errors, "name", &self.name, MAX_NAME);
        let domains = normalize_domains(&mut errors, &self.domains);
        let duns = self.duns.and_then(|d| normalize_duns(&mut errors, &d));
        check_firmographics(
            &mut errors,
            self.employees,
            self.annual_revenue,
            self.target_tier,
        );
        let (country, state) = normalize_location(clean(self.country), clean(self.state));
        let out = NewAccount {
            name: self.name.trim().to_string(),
            domains,
            duns,
            industry: clean(self.industry),
            country,
            state,
            city: clean(self.city),
            ..self
        };
        check_place_and_industry(
            &mut errors,
            [&out.industry, &out.country, &out.state, &out.city],
            |_| true,
        );
        errors.into_result().map(|()| out)
    }
}

/// A partial update of an account: absent fields are kept, `null` clears.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AccountPatch {
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: Patch<String>,
    /// Replaces the whole list of domains.
    #[schema(value_type = Option<Vec<String>>)]
    pub domains: Patch<Vec<String>>,
    #[schema(value_type = Option<String>)]
    pub duns: Patch<String>,
    #[schema(value_type = Option<i64>)]
    pub parent_id: Patch<AccountId>,
    #[schema(value_type = Option<String>)]
    pub industry: Patch<String>,
    #[schema(value_type = Option<i64>, minimum = 0)]
    pub employees: Patch<i64>,
    #[schema(value_type = Option<i64>, minimum = 0)]
    pub annual_revenue: Patch<i64>,
    #[schema(value_type = Option<String>)]
    pub country: Patch<String>,
    #[schema(value_type = Option<String>)]
    pub state: Patch<String>,
    #[schema(value_type = Option<String>)]
    pub city: Patch<String>,
    #[schema(value_type = Relationship)]
    pub relationship: Patch<Relationship>,
    #[schema(value_type = AccountStage)]
    pub stage: Patch<AccountStage>,
    #[schema(value_type = Option<i64>)]
    pub owner_id: Patch<UserId>,
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 5)]
    pub target_tier: Patch<i32>,
}

/// What was typed for fields an account keeps in another form, `(field, as typed)`: see
/// [`typed_spellings`].
pub type TypedSpellings = Vec<(&'static str, String)>;

impl AccountPatch {
    /// [`AccountPatch::apply`], with what the patch typed for a country or state the account
    /// keeps as a code (`California` for `CA`).
    pub fn apply_keeping_typed(
        self,
        current: &Account,
    ) -> Result<(Account, TypedSpellings), ValidationErrors> {
        let (country, state) = (self.country.as_set().cloned(), self.state.as_set().cloned());
        let next = self.apply(current)?;
        let typed = typed_spellings(
            [country.as_deref(), state.as_deref()],
            [next.country.as_deref(), next.state.as_deref()],
        );
        Ok((next, typed))
    }

    /// Applies the patch to `current`, validating the result as a whole. Hierarchy rules
    /// (the new parent exists and is not a descendant) need the store and are checked there.
    pub fn apply(self, current: &Account) -> Result<Account, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut next = current.clone();
        // The text fields this patch sets are checked as a new account's are; a value the account
        // already held is not this request's fault.
        let sets = [
            ("industry", self.industry.as_set().is_some()),
            ("country", self.country.as_set().is_some()),
            ("state", self.state.as_set().is_some()),
            ("city", self.city.as_set().is_some()),
        ];
        match self.name {
            Patch::Set(n) => next.name = n,
            Patch::Clear => errors.push("name", "is required and cannot be cleared"),
            Patch::Keep => {}
        }
        require_text(&mut errors, "name", &next.name, MAX_NAME);
        next.name = next.name.trim().to_string();
        match self.domains {
            Patch::Set(d) => next.domains = normalize_domains(&mut errors, &d),
            Patch::Clear => next.domains.clear(),
            Patch::Keep => {}
        }
        next.duns = match self.duns {
            Patch::Set(d) => normalize_duns(&mut errors, &d),
            other => other.apply(next.duns),
        };
        next.parent_id = self.parent_id.apply(next.parent_id);
        next.industry = clean(self.industry.apply(next.industry));
        next.employees = self.employees.apply(next.employees);
        next.annual_revenue = self.annual_revenue.apply(next.annual_revenue);
        (next.country, next.state) = normalize_location(
            clean(self.country.apply(next.country)),
            clean(self.state.apply(next.state)),
        );
        next.city = clean(self.city.apply(next.city));
        match self.relationship {
            Patch::Set(r) => next.relationship = r,
            Patch::Clear => errors.push("relationship", "cannot be cleared; set one of prospect, customer, partner, competitor, former_customer"),
            Patch::Keep => {}
        }
        match self.stage {
            Patch::Set(s) => next.stage = s,
            Patch::Clear => errors.push("stage", "cannot be cleared; set an account stage"),
            Patch::Keep => {}
        }
        next.owner_id = self.owner_id.apply(next.owner_id);
        next.target_tier = self.target_tier.apply(next.target_tier);
        check_firmographics(
            &mut errors,
            next.employees,
            next.annual_revenue,
            next.target_tier,
        );
        let set = |field: &str| sets.iter().any(|(f, is_set)| *f == field && *is_set);
        check_place_and_industry(
            &mut errors,
            [&next.industry, &next.country, &next.state, &next.city],
            set,
        );
        errors.into_result().map(|()| next)
    }
}

fn normalize_domains(errors: &mut ValidationErrors, raw: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, d) in raw.iter().enumerate() {
        match normalize_domain(d) {
            Ok(d) if !out.contains(&d) => out.push(d),
            Ok(_) => {}
            Err(e) => errors.push(format!("domains[{i}]"), e.to_string()),
        }
    }
    out
}

/// Strips separators from a DUNS number and checks it is nine digits.
pub fn normalize_duns_str(raw: &str) -> Option<String> {
    let digits: String = raw
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '.'))
        .collect();
    (digits.len() == 9 && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

fn normalize_duns(errors: &mut ValidationErrors, raw: &str) -> Option<String> {
    if raw.trim().is_empty() {
        return None;
    }
    let d = normalize_duns_str(raw);
    if d.is_none() {
        errors.push(
            "duns",
            format!("{raw:?} is not a DUNS number (nine digits, dashes allowed)"),
        );
    }
    d
}

/// Checks an account's industry, country, state and city (in that order), those `checked`
/// names, as every optional text is checked: a length limit, no control character.
fn check_place_and_industry(
    errors: &mut ValidationErrors,
    values: [&Option<String>; 4],
    checked: impl Fn(&str) -> bool,
) {
    for (field, value) in ["industry", "country", "state", "city"]
        .into_iter()
        .zip(values)
    {
        if let Some(v) = value.as_deref().filter(|_| checked(field)) {
            check_len(errors, field, v, MAX_NAME);
        }
    }
}

fn check_firmographics(
    errors: &mut ValidationErrors,
    employees: Option<i64>,
    revenue: Option<i64>,
    tier: Option<i32>,
) {
    if employees.is_some_and(|e| e < 0) {
        errors.push("employees", "must not be negative");
    }
    if revenue.is_some_and(|r| r < 0) {
        errors.push("annual_revenue", "must not be negative");
    }
    if tier.is_some_and(|t| !(1..=5).contains(&t)) {
        errors.push("target_tier", "must be between 1 and 5");
    }
}

/// A product an account owns, with its renewal date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Asset {
    pub id: AssetId,
    pub account_id: AccountId,
    pub product: String,
    pub quantity: i64,
    pub annual_value: Option<f64>,
    pub purchased_on: Option<NaiveDate>,
    pub renews_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

/// The fields of a new asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAsset {
    pub account_id: AccountId,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub product: String,
    #[serde(default = "one")]
    #[schema(minimum = 1)]
    pub quantity: i64,
    pub annual_value: Option<f64>,
    pub purchased_on: Option<NaiveDate>,
    pub renews_on: Option<NaiveDate>,
}

fn one() -> i64 {
    1
}

impl NewAsset {
    /// Checks the product name, quantity, value and dates.
    pub fn validate(self) -> Result<NewAsset, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        require_text(&mut errors, "product", &self.product, MAX_NAME);
        if self.quantity < 1 {
            errors.push("quantity", "must be at least 1");
        }
        if self.annual_value.is_some_and(|v| !v.is_finite() || v < 0.0) {
            errors.push("annual_value", "must be a non-negative number");
        }
        if let (Some(p), Some(r)) = (self.purchased_on, self.renews_on) {
            if r < p {
                errors.push("renews_on", "must not be before purchased_on");
            }
        }
        errors.into_result().map(|()| NewAsset {
            product: self.product.trim().to_string(),
            ..self
        })
    }
}

/// One move of an account from a stage to another, with why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StageChange {
    pub account_id: AccountId,
    pub from_stage: Option<AccountStage>,
    pub to_stage: AccountStage,
    pub reason: String,
    pub changed_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_setting_a_control_character_or_an_overlong_place_is_refused_naming_the_field() {
        let current = Account {
            id: AccountId(1),
            name: "Acme".into(),
            domains: vec![],
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
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
        };
        // Found by schemathesis: a NUL in a country reached PostgreSQL, which refuses it (500).
        let err = AccountPatch {
            country: Patch::Set("\u{0}".into()),
            ..AccountPatch::default()
        }
        .apply(&current)
        .unwrap_err();
        assert!(err.to_string().contains("country"), "{err}");
        assert!(err.to_string().contains("U+0000"), "{err}");
        let err = AccountPatch {
            city: Patch::Set("x".repeat(MAX_NAME + 1)),
            ..AccountPatch::default()
        }
        .apply(&current)
        .unwrap_err();
        assert!(err.to_string().contains("city"), "{err}");
        // A value the account already held does not stop a change to another field.
        let held = Account {
            industry: Some("y".repeat(MAX_NAME + 1)),
            ..current.clone()
        };
        let next = AccountPatch {
            city: Patch::Set("Austin".into()),
            ..AccountPatch::default()
        }
        .apply(&held)
        .unwrap();
        assert_eq!(next.city.as_deref(), Some("Austin"));
    }

    #[test]
    fn a_new_account_is_trimmed_and_its_domains_normalized() {
        let a = NewAccount {
            name: "  Acme Corp ".into(),
            domains: vec!["https://www.Acme.com/".into(), "acme.com".into()],
            duns: Some("15-048-3782".into()),
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert_eq!(
            (a.name.as_str(), a.domains, a.duns),
            (
                "Acme Corp",
                vec!["acme.com".to_string()],
                Some("150483782".into())
            )
        );
    }

    #[test]
    fn every_invalid_field_is_reported() {
        let errs = NewAccount {
            name: " ".into(),
            domains: vec!["not a domain".into()],
            employees: Some(-3),
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        let fields: Vec<&str> = errs.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "domains[0]", "employees"]);
    }
}
