//! Enrichment: firmographics from an outside file (a D&B or ZoomInfo export, a spreadsheet)
//! appended to accounts that exist, keyed by domain or DUNS.
//!
//! Company data is managed once, on the account, so an outside file must not silently undo what
//! a person decided. Every account field therefore keeps its [`Provenance`]: who set it (a person,
//! an import, an enrichment), from which source, and when. The planner here decides, field by
//! field, what a row of the file may do: fill an empty field, keep an equal one, overwrite one a
//! machine set, or report a conflict with one a person entered. The store reads the inputs and
//! writes the plan; nothing here touches a database.

use crate::hierarchy::check_new_parent;
use crate::ids::AccountId;
use crate::model::{normalize_duns_str, Account, AccountPatch, NewAccount, MAX_NAME};
use crate::normalize::country::{normalize_location, typed_spellings};
use crate::normalize::{normalize_domain, personal_domain, registrable_domain};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use utoipa::ToSchema;

/// An account field whose origin is kept, and which enrichment may set.
///
/// The name, domains and DUNS identify an account: enrichment uses them to find (or create) it
/// and never changes them on an existing one.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AccountField {
    Industry,
    Employees,
    AnnualRevenue,
    Country,
    State,
    City,
    ParentId,
}

impl AccountField {
    /// Every field, in the order reports list them.
    pub const ALL: [AccountField; 7] = [
        AccountField::Industry,
        AccountField::Employees,
        AccountField::AnnualRevenue,
        AccountField::Country,
        AccountField::State,
        AccountField::City,
        AccountField::ParentId,
    ];

    /// The field's name as stored and as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountField::Industry => "industry",
            AccountField::Employees => "employees",
            AccountField::AnnualRevenue => "annual_revenue",
            AccountField::Country => "country",
            AccountField::State => "state",
            AccountField::City => "city",
            AccountField::ParentId => "parent_id",
        }
    }

    /// The field a stored name stands for.
    pub fn parse(s: &str) -> Option<AccountField> {
        AccountField::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The account's value of this field.
    pub fn value_of(self, a: &Account) -> Option<FieldValue> {
        let text = |v: &Option<String>| v.clone().map(FieldValue::Text);
        match self {
            AccountField::Industry => text(&a.industry),
            AccountField::Employees => a.employees.map(FieldValue::Number),
            AccountField::AnnualRevenue => a.annual_revenue.map(FieldValue::Number),
            AccountField::Country => text(&a.country),
            AccountField::State => text(&a.state),
            AccountField::City => text(&a.city),
            AccountField::ParentId => a.parent_id.map(FieldValue::Account),
        }
    }

    /// Sets this field of `a` to `v` (a value of another shape than the field's is ignored: the
    /// planner only ever offers a field its own shape).
    fn set(self, a: &mut Account, v: &FieldValue) {
        match (self, v) {
            (AccountField::Industry, FieldValue::Text(t)) => a.industry = Some(t.clone()),
            (AccountField::Country, FieldValue::Text(t)) => a.country = Some(t.clone()),
            (AccountField::State, FieldValue::Text(t)) => a.state = Some(t.clone()),
            (AccountField::City, FieldValue::Text(t)) => a.city = Some(t.clone()),
            (AccountField::Employees, FieldValue::Number(n)) => a.employees = Some(*n),
            (AccountField::AnnualRevenue, FieldValue::Number(n)) => a.annual_revenue = Some(*n),
            (AccountField::ParentId, FieldValue::Account(p)) => a.parent_id = Some(*p),
            _ => {}
        }
    }

    /// The fields a new account sets: what its creator gave.
    pub fn given_in(new: &NewAccount) -> Vec<AccountField> {
        let given = [
            new.industry.is_some(),
            new.employees.is_some(),
            new.annual_revenue.is_some(),
            new.country.is_some(),
            new.state.is_some(),
            new.city.is_some(),
            new.parent_id.is_some(),
        ];
        AccountField::ALL
            .into_iter()
            .zip(given)
            .filter_map(|(f, g)| g.then_some(f))
            .collect()
    }

    /// The fields a partial update sets or clears: what a person decided.
    pub fn patched_by(patch: &AccountPatch) -> Vec<AccountField> {
        let given = [
            !patch.industry.is_keep(),
            !patch.employees.is_keep(),
            !patch.annual_revenue.is_keep(),
            !patch.country.is_keep(),
            !patch.state.is_keep(),
            !patch.city.is_keep(),
            !patch.parent_id.is_keep(),
        ];
        AccountField::ALL
            .into_iter()
            .zip(given)
            .filter_map(|(f, g)| g.then_some(f))
            .collect()
    }
}

impl fmt::Display for AccountField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value of an account field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum FieldValue {
    /// Industry, country, state, city.
    Text(String),
    /// Employees, annual revenue.
    Number(i64),
    /// The parent account.
    Account(AccountId),
}

impl FieldValue {
    /// Whether two values say the same: text ignoring case and runs of white space, numbers
    /// and accounts exactly. `Software ` and `software` are the same industry.
    pub fn same_as(&self, other: &FieldValue) -> bool {
        match (self, other) {
            (FieldValue::Text(a), FieldValue::Text(b)) => text_key(a) == text_key(b),
            (a, b) => a == b,
        }
    }
}

fn text_key(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Text(t) => f.write_str(t),
            FieldValue::Number(n) => write!(f, "{n}"),
            FieldValue::Account(a) => write!(f, "account {a}"),
        }
    }
}

/// Who set a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A person, through the API, the web UI or the CLI. Never overwritten without being asked.
    Entered,
    /// An import or a migration from another system.
    Imported,
    /// An enrichment file.
    Enriched,
}

impl SourceKind {
    /// The kind as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Entered => "entered",
            SourceKind::Imported => "imported",
            SourceKind::Enriched => "enriched",
        }
    }

    /// The kind a stored name stands for.
    pub fn parse(s: &str) -> Option<SourceKind> {
        [
            SourceKind::Entered,
            SourceKind::Imported,
            SourceKind::Enriched,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Where a field's value came from, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Provenance {
    pub kind: SourceKind,
    /// The actor who entered it, the import's source, or the enrichment file's name.
    pub source: Option<String>,
    pub at: DateTime<Utc>,
    /// What was typed, where the account keeps another form of it (`California` for the state
    /// kept as `CA`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typed: Option<String>,
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.as_str())?;
        if let Some(s) = &self.source {
            write!(f, " ({s})")?;
        }
        write!(f, " at {}", self.at.format("%Y-%m-%d %H:%M:%SZ"))?;
        if let Some(t) = &self.typed {
            write!(f, ", typed as “{t}”")?;
        }
        Ok(())
    }
}

/// Which identifier finds the account a row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnrichKey {
    /// The company's web domain (or a host under it).
    Domain,
    /// The Dun & Bradstreet number.
    Duns,
}

impl EnrichKey {
    /// The key's column name.
    pub fn as_str(self) -> &'static str {
        match self {
            EnrichKey::Domain => "domain",
            EnrichKey::Duns => "duns",
        }
    }
}

/// One row of an enrichment file, as given. Blank means "nothing to say", never "clear it".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrichRow {
    /// The company's domain or website (`https://www.acme.com/` is `acme.com`).
    pub domain: Option<String>,
    /// Nine digits; dashes and spaces allowed.
    pub duns: Option<String>,
    /// Used only to name an account created for an unknown key.
    pub name: Option<String>,
    pub industry: Option<String>,
    pub employees: Option<i64>,
    pub annual_revenue: Option<i64>,
    pub country: Option<String>,
    pub state: Option<String>,
    pub city: Option<String>,
    /// The parent company, by its domain.
    pub parent_domain: Option<String>,
    /// The parent company, by its DUNS (used when `parent_domain` is absent).
    pub parent_duns: Option<String>,
}

/// What is wrong with one row, and where: the row is skipped, the rest goes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RowError {
    /// 1-based line in the file (the header is line 1), or the row's position in a list.
    pub line: u64,
    /// The column (or field) at fault.
    pub column: String,
    pub reason: String,
}

/// The parent a row names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParentKey {
    Domain(String),
    Duns(String),
}

impl fmt::Display for ParentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParentKey::Domain(d) => write!(f, "domain {d}"),
            ParentKey::Duns(d) => write!(f, "DUNS {d}"),
        }
    }
}

/// A row checked and normalized, ready to be planned against its account.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedRow {
    /// Where the row came from, for reports.
    pub line: u64,
    /// The normalized key (a domain or nine digits) the account is found by.
    pub key: String,
    pub domain: Option<String>,
    pub duns: Option<String>,
    pub name: Option<String>,
    /// The firmographics offered, parent excluded (the store resolves it to an account).
    pub values: Vec<(AccountField, FieldValue)>,
    pub parent: Option<ParentKey>,
    /// The country and state as the file wrote them, where `values` holds their codes
    /// (`California` for `CA`): kept beside the provenance.
    pub typed: Vec<(&'static str, String)>,
}

impl CheckedRow {
    /// The account to create for this row when its key is unknown; `None` when the row gives
    /// neither a name nor a domain to name it by.
    pub fn new_account(&self) -> Option<NewAccount> {
        let name = self
            .name
            .clone()
            .or_else(|| self.domain.as_deref().map(crate::intake::name_from_domain))?;
        let mut new = NewAccount {
            name,
            domains: self.domain.iter().cloned().collect(),
            duns: self.duns.clone(),
            ..NewAccount::default()
        };
        for (field, value) in &self.values {
            match (field, value) {
                (AccountField::Industry, FieldValue::Text(t)) => new.industry = Some(t.clone()),
                (AccountField::Country, FieldValue::Text(t)) => new.country = Some(t.clone()),
                (AccountField::State, FieldValue::Text(t)) => new.state = Some(t.clone()),
                (AccountField::City, FieldValue::Text(t)) => new.city = Some(t.clone()),
                (AccountField::Employees, FieldValue::Number(n)) => new.employees = Some(*n),
                (AccountField::AnnualRevenue, FieldValue::Number(n)) => {
                    new.annual_revenue = Some(*n)
                }
                _ => {}
            }
        }
        Some(new)
    }
}

/// Normalizes a domain as an account stores it, refusing free-mail and disposable domains: no
/// company is known by `gmail.com`.
fn company_domain(raw: &str) -> Result<String, String> {
    let d = normalize_domain(raw).map_err(|e| e.to_string())?;
    if personal_domain(&registrable_domain(&d)).is_some() {
        return Err(format!(
            "{d} is a personal email or disposable domain, not a company's"
        ));
    }
    Ok(d)
}

fn duns_of(raw: &str) -> Result<String, String> {
    normalize_duns_str(raw)
        .ok_or_else(|| format!("{raw:?} is not a DUNS number (nine digits, dashes allowed)"))
}

/// Why an enrichment text value cannot be taken (too long, or holding a control character),
/// by the rule every field of the model follows.
fn text_fault(value: &str) -> Option<String> {
    let mut errors = crate::ValidationErrors::default();
    crate::validation::check_len(&mut errors, "value", value, MAX_NAME);
    errors.0.pop().map(|e| e.reason)
}

/// Checks and normalizes a row: the key must be there and valid, numbers not negative, text
/// not too long. Every fault is reported, each with its column.
pub fn check_row(row: EnrichRow, line: u64, by: EnrichKey) -> Result<CheckedRow, Vec<RowError>> {
    use crate::validation::clean;
    let mut errors = Vec::new();
    let mut fault = |column: &str, reason: String| {
        errors.push(RowError {
            line,
            column: column.to_string(),
            reason,
        })
    };
    let (raw_domain, raw_duns) = (clean(row.domain), clean(row.duns));
    let key_given = match by {
        EnrichKey::Domain => raw_domain.is_some(),
        EnrichKey::Duns => raw_duns.is_some(),
    };
    let domain = raw_domain.and_then(|d| company_domain(&d).map_err(|e| fault("domain", e)).ok());
    let duns = raw_duns.and_then(|d| duns_of(&d).map_err(|e| fault("duns", e)).ok());
    let key = match by {
        EnrichKey::Domain => domain.clone(),
        EnrichKey::Duns => duns.clone(),
    };
    if !key_given {
        fault(
            by.as_str(),
            format!(
                "is empty; every row needs its {} to find its account",
                by.as_str()
            ),
        );
    }
    let mut values = Vec::new();
    // A place is kept as its ISO code, as every other write keeps it; what the file wrote stays
    // as an observation.
    let (typed_country, typed_state) = (clean(row.country), clean(row.state));
    let (country, state) = normalize_location(typed_country.clone(), typed_state.clone());
    let typed = typed_spellings(
        [typed_country.as_deref(), typed_state.as_deref()],
        [country.as_deref(), state.as_deref()],
    );
    for (field, v) in [
        (AccountField::Industry, row.industry),
        (AccountField::Country, country),
        (AccountField::State, state),
        (AccountField::City, row.city),
    ] {
        if let Some(v) = clean(v) {
            match text_fault(&v) {
                Some(reason) => fault(field.as_str(), reason),
                None => values.push((field, FieldValue::Text(v))),
            }
        }
    }
    for (field, v) in [
        (AccountField::Employees, row.employees),
        (AccountField::AnnualRevenue, row.annual_revenue),
    ] {
        match v {
            Some(n) if n < 0 => fault(field.as_str(), format!("{n} is negative")),
            Some(n) => values.push((field, FieldValue::Number(n))),
            None => {}
        }
    }
    values.sort_by_key(|(f, _)| *f);
    let name = clean(row.name);
    if let Some(reason) = name.as_deref().and_then(text_fault) {
        fault("name", reason);
    }
    let parent = match (clean(row.parent_domain), clean(row.parent_duns)) {
        (Some(d), _) => company_domain(&d)
            .map_err(|e| fault("parent_domain", e))
            .ok()
            .map(ParentKey::Domain),
        (None, Some(d)) => duns_of(&d)
            .map_err(|e| fault("parent_duns", e))
            .ok()
            .map(ParentKey::Duns),
        (None, None) => None,
    };
    match key {
        Some(key) if errors.is_empty() => Ok(CheckedRow {
            line,
            key,
            domain,
            duns,
            name,
            values,
            parent,
            typed,
        }),
        _ => Err(errors),
    }
}

/// The domains to look a host up by, most specific first: `eu.sales.acme.co.uk` is looked up
/// as itself, `sales.acme.co.uk`, then `acme.co.uk` (its registrable domain), the way matching
/// finds the account that owns a subdomain before the one that owns the company domain.
pub fn domain_lookup_keys(host: &str) -> Vec<String> {
    let registrable = registrable_domain(host);
    let mut out = Vec::new();
    let mut h = host;
    loop {
        out.push(h.to_string());
        if h == registrable {
            break;
        }
        match h.split_once('.') {
            Some((_, rest)) if rest.contains('.') && rest.len() >= registrable.len() => h = rest,
            _ => break,
        }
    }
    if !out.contains(&registrable) {
        out.push(registrable);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Reading CSV headers and fields (the file is split into fields by the caller)

/// A column of an enrichment file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Domain,
    Duns,
    Name,
    Industry,
    Employees,
    AnnualRevenue,
    Country,
    State,
    City,
    ParentDomain,
    ParentDuns,
}

impl Column {
    /// The column a header names. Case, spaces and punctuation do not matter.
    fn of(header: &str) -> Option<Column> {
        let h: String = header
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        Some(match h.as_str() {
            "domain" | "website" | "web" | "url" | "websiteurl" | "companydomain"
            | "companywebsite" => Column::Domain,
            "duns" | "dunsnumber" => Column::Duns,
            "name" | "company" | "companyname" | "accountname" | "businessname" => Column::Name,
            "industry" => Column::Industry,
            "employees" | "numberofemployees" | "employeecount" | "headcount" => Column::Employees,
            "annualrevenue" | "revenue" => Column::AnnualRevenue,
            "country" | "countryregion" | "countrycode" => Column::Country,
            "state" | "stateprovince" | "province" | "region" => Column::State,
            "city" | "town" | "locality" => Column::City,
            "parentdomain" | "parentwebsite" => Column::ParentDomain,
            "parentduns" | "parentdunsnumber" => Column::ParentDuns,
            _ => return None,
        })
    }

    /// The [`EnrichRow`] field the column fills (and that [`check_row`] names in its errors).
    fn field(self) -> &'static str {
        match self {
            Column::Domain => "domain",
            Column::Duns => "duns",
            Column::Name => "name",
            Column::Industry => "industry",
            Column::Employees => "employees",
            Column::AnnualRevenue => "annual_revenue",
            Column::Country => "country",
            Column::State => "state",
            Column::City => "city",
            Column::ParentDomain => "parent_domain",
            Column::ParentDuns => "parent_duns",
        }
    }
}

/// The columns of an enrichment file, read from its header line.
#[derive(Debug, Clone)]
pub struct EnrichColumns {
    headers: Vec<String>,
    columns: Vec<Option<Column>>,
}

impl EnrichColumns {
    /// Recognizes the header line's columns (`Domain`, `Website`, `DUNS Number`, `Number of
    /// Employees`, `Annual Revenue`, `Parent Domain`, ...).
    pub fn from_headers<'a>(headers: impl IntoIterator<Item = &'a str>) -> EnrichColumns {
        let headers: Vec<String> = headers.into_iter().map(str::to_string).collect();
        let columns = headers.iter().map(|h| Column::of(h)).collect();
        EnrichColumns { headers, columns }
    }

    /// Whether the file has a column for the key rows are found by.
    pub fn has_key(&self, by: EnrichKey) -> bool {
        let want = match by {
            EnrichKey::Domain => Column::Domain,
            EnrichKey::Duns => Column::Duns,
        };
        self.columns.contains(&Some(want))
    }

    /// Headers that name nothing enrichment reads, to tell the user they were ignored.
    pub fn ignored(&self) -> Vec<&str> {
        self.headers
            .iter()
            .zip(&self.columns)
            .filter(|(_, c)| c.is_none())
            .map(|(h, _)| h.as_str())
            .collect()
    }

    /// All the headers, for messages.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Reads and checks one line's fields; errors name the file's own header. A number may
    /// carry thousands separators and a currency sign (`$1,200,000`); revenue may have cents.
    pub fn row(
        &self,
        line: u64,
        fields: &[&str],
        by: EnrichKey,
    ) -> Result<CheckedRow, Vec<RowError>> {
        let mut row = EnrichRow::default();
        let mut errors = Vec::new();
        for ((value, column), header) in fields.iter().zip(&self.columns).zip(&self.headers) {
            let Some(column) = column else { continue };
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let text = || Some(value.to_string());
            let mut number = |fraction: bool| match parse_number(value, fraction) {
                Ok(n) => Some(n),
                Err(reason) => {
                    errors.push(RowError {
                        line,
                        column: header.clone(),
                        reason,
                    });
                    None
                }
            };
            // A second column for the same field (Domain and Website) does not replace the first.
            let fill = |slot: &mut Option<String>| {
                if slot.is_none() {
                    *slot = text();
                }
            };
            match column {
                Column::Domain => fill(&mut row.domain),
                Column::Duns => fill(&mut row.duns),
                Column::Name => fill(&mut row.name),
                Column::Industry => fill(&mut row.industry),
                Column::Country => fill(&mut row.country),
                Column::State => fill(&mut row.state),
                Column::City => fill(&mut row.city),
                Column::ParentDomain => fill(&mut row.parent_domain),
                Column::ParentDuns => fill(&mut row.parent_duns),
                Column::Employees => row.employees = row.employees.or_else(|| number(false)),
                Column::AnnualRevenue => {
                    row.annual_revenue = row.annual_revenue.or_else(|| number(true))
                }
            }
        }
        let checked = check_row(row, line, by);
        match checked {
            Ok(row) if errors.is_empty() => Ok(row),
            Ok(_) => Err(errors),
            Err(more) => {
                errors.extend(more.into_iter().map(|mut e| {
                    e.column = self.header_of(&e.column);
                    e
                }));
                Err(errors)
            }
        }
    }

    /// The file's header for a field name, so a message points at the column the user sees.
    fn header_of(&self, field: &str) -> String {
        self.columns
            .iter()
            .zip(&self.headers)
            .find(|(c, _)| c.is_some_and(|c| c.field() == field))
            .map(|(_, h)| h.clone())
            .unwrap_or_else(|| field.to_string())
    }
}

/// A whole number as spreadsheets write them: `1,200`, `1 200`, `$5,000,000`; with `fraction`,
/// `1234.56` rounds to `1235`.
pub(crate) fn parse_number(raw: &str, fraction: bool) -> Result<i64, String> {
    let cleaned: String = raw
        .chars()
        .filter(|c| !matches!(c, ',' | '_' | ' ' | '\u{a0}' | '$' | '€' | '£'))
        .collect();
    if let Ok(n) = cleaned.parse::<i64>() {
        return Ok(n);
    }
    let not_a_number = || format!("{raw:?} is not a whole number");
    if fraction && cleaned.contains('.') {
        let f: f64 = cleaned.parse().map_err(|_| not_a_number())?;
        if f.is_finite() && f.abs() < 9.0e18 {
            return Ok(f.round() as i64);
        }
    }
    Err(not_a_number())
}

// ---------------------------------------------------------------------------------------------
// Planning

/// What a row offers for an account's parent, once the store has looked the parent up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParentOffer {
    /// The parent exists; `chain` is its ancestry as stored now, nearest first.
    Found {
        id: AccountId,
        chain: Vec<AccountId>,
    },
    /// No account has the domain or DUNS the row names.
    Unknown(ParentKey),
}

/// What happens to one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The account had no value: the offered one is set.
    Fill,
    /// The account has the same value: nothing changes.
    Keep,
    /// The account's value differs and may be replaced (a machine set it, or overwrite was
    /// asked for): the offered one is set.
    Overwrite,
    /// The offered value is not applied: a person entered the current one, or the parent is
    /// unknown or would make a cycle. A person decides.
    Conflict,
}

/// The decision for one field of one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldPlan {
    pub field: AccountField,
    pub decision: Decision,
    /// The account's value before.
    pub current: Option<FieldValue>,
    /// Where the current value came from; `None` for an empty field.
    pub current_provenance: Option<Provenance>,
    /// What the row offers.
    pub offered: FieldValue,
    /// Why a conflict is one.
    pub reason: Option<String>,
}

/// Decides one field. A field with a value and no provenance counts as entered by a person:
/// the safe reading of data older than provenance.
pub fn decide(
    current: Option<&FieldValue>,
    provenance: Option<&Provenance>,
    offered: &FieldValue,
    overwrite: bool,
) -> (Decision, Option<String>) {
    let Some(current) = current else {
        return (Decision::Fill, None);
    };
    if current.same_as(offered) {
        return (Decision::Keep, None);
    }
    let kind = provenance.map_or(SourceKind::Entered, |p| p.kind);
    if overwrite || kind != SourceKind::Entered {
        return (Decision::Overwrite, None);
    }
    let by = match provenance.and_then(|p| p.source.as_deref()) {
        Some(source) => format!("entered by {source}"),
        None => "entered by a person".to_string(),
    };
    (
        Decision::Conflict,
        Some(format!(
            "{current} was {by}; enrichment does not overwrite what a person entered unless asked to overwrite"
        )),
    )
}

/// Plans one row against its account: a decision for every field the row offers.
pub fn plan_fields(
    account: &Account,
    provenance: &BTreeMap<AccountField, Provenance>,
    row: &CheckedRow,
    parent: Option<&ParentOffer>,
    overwrite: bool,
) -> Vec<FieldPlan> {
    let mut out = Vec::new();
    let plan = |field: AccountField, offered: FieldValue| {
        let current = field.value_of(account);
        let current_provenance = current
            .as_ref()
            .and_then(|_| provenance.get(&field))
            .cloned();
        let (decision, reason) = decide(
            current.as_ref(),
            current_provenance.as_ref(),
            &offered,
            overwrite,
        );
        FieldPlan {
            field,
            decision,
            current,
            current_provenance,
            offered,
            reason,
        }
    };
    for (field, offered) in &row.values {
        out.push(plan(*field, offered.clone()));
    }
    match parent {
        None => {}
        Some(ParentOffer::Unknown(key)) => {
            let mut p = plan(AccountField::ParentId, FieldValue::Text(key.to_string()));
            p.decision = Decision::Conflict;
            p.reason = Some(format!(
                "no account has the parent's {key}; enrich or create the parent account first"
            ));
            out.push(p);
        }
        Some(ParentOffer::Found { id, chain }) => {
            let mut p = plan(AccountField::ParentId, FieldValue::Account(*id));
            if matches!(p.decision, Decision::Fill | Decision::Overwrite) {
                if let Err(e) = check_new_parent(account.id, *id, chain) {
                    p.decision = Decision::Conflict;
                    p.reason = Some(e.to_string());
                }
            }
            out.push(p);
        }
    }
    out
}

/// The account with the filled and overwritten values of a plan set.
pub fn apply(account: &Account, plans: &[FieldPlan]) -> Account {
    let mut next = account.clone();
    for p in plans {
        if matches!(p.decision, Decision::Fill | Decision::Overwrite) {
            p.field.set(&mut next, &p.offered);
        }
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AccountStage, Relationship};
    use proptest::prelude::*;

    fn account() -> Account {
        Account {
            id: AccountId(1),
            name: "Acme".into(),
            domains: vec!["acme.com".into()],
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
        }
    }

    fn row(values: Vec<(AccountField, FieldValue)>) -> CheckedRow {
        CheckedRow {
            line: 2,
            key: "acme.com".into(),
            domain: Some("acme.com".into()),
            duns: None,
            name: None,
            values,
            parent: None,
            typed: Vec::new(),
        }
    }

    fn from(kind: SourceKind) -> BTreeMap<AccountField, Provenance> {
        AccountField::ALL
            .into_iter()
            .map(|f| {
                (
                    f,
                    Provenance {
                        kind,
                        source: Some("x".into()),
                        at: DateTime::<Utc>::UNIX_EPOCH,
                        typed: None,
                    },
                )
            })
            .collect()
    }

    fn text(s: &str) -> FieldValue {
        FieldValue::Text(s.into())
    }

    fn decisions(plans: &[FieldPlan]) -> Vec<Decision> {
        plans.iter().map(|p| p.decision).collect()
    }

    #[test]
    fn an_empty_field_is_filled() {
        let r = row(vec![(AccountField::Industry, text("Software"))]);
        let plans = plan_fields(&account(), &BTreeMap::new(), &r, None, false);
        assert_eq!(decisions(&plans), [Decision::Fill]);
        assert_eq!(
            apply(&account(), &plans).industry.as_deref(),
            Some("Software")
        );
    }

    #[test]
    fn the_same_value_in_other_case_and_spacing_is_kept() {
        let mut a = account();
        a.industry = Some("Financial  Services".into());
        a.employees = Some(500);
        let r = row(vec![
            (AccountField::Industry, text(" financial services")),
            (AccountField::Employees, FieldValue::Number(500)),
        ]);
        let plans = plan_fields(&a, &from(SourceKind::Entered), &r, None, false);
        assert_eq!(decisions(&plans), [Decision::Keep, Decision::Keep]);
    }

    #[test]
    fn a_value_a_person_entered_is_a_conflict() {
        let mut a = account();
        a.employees = Some(120);
        let r = row(vec![(AccountField::Employees, FieldValue::Number(150))]);
        let plans = plan_fields(&a, &from(SourceKind::Entered), &r, None, false);
        assert_eq!(decisions(&plans), [Decision::Conflict]);
        assert_eq!(apply(&a, &plans).employees, Some(120));
    }

    #[test]
    fn a_value_with_no_provenance_counts_as_entered() {
        let mut a = account();
        a.country = Some("US".into());
        let r = row(vec![(AccountField::Country, text("DE"))]);
        let plans = plan_fields(&a, &BTreeMap::new(), &r, None, false);
        assert_eq!(decisions(&plans), [Decision::Conflict]);
    }

    #[test]
    fn overwrite_replaces_what_a_person_entered() {
        let mut a = account();
        a.city = Some("Boston".into());
        let r = row(vec![(AccountField::City, text("Cambridge"))]);
        let plans = plan_fields(&a, &from(SourceKind::Entered), &r, None, true);
        assert_eq!(decisions(&plans), [Decision::Overwrite]);
    }

    #[test]
    fn values_a_machine_set_are_refreshed() {
        for kind in [SourceKind::Enriched, SourceKind::Imported] {
            let mut a = account();
            a.annual_revenue = Some(1_000);
            let r = row(vec![(
                AccountField::AnnualRevenue,
                FieldValue::Number(2_000),
            )]);
            let plans = plan_fields(&a, &from(kind), &r, None, false);
            assert_eq!(decisions(&plans), [Decision::Overwrite], "{kind:?}");
        }
    }

    #[test]
    fn a_found_parent_is_set_and_a_cyclic_one_is_a_conflict() {
        let r = row(Vec::new());
        let ok = ParentOffer::Found {
            id: AccountId(5),
            chain: vec![AccountId(6)],
        };
        let plans = plan_fields(&account(), &BTreeMap::new(), &r, Some(&ok), false);
        assert_eq!(decisions(&plans), [Decision::Fill]);
        assert_eq!(apply(&account(), &plans).parent_id, Some(AccountId(5)));

        // 5's parent is 1: making 5 the parent of 1 closes a loop.
        let cyclic = ParentOffer::Found {
            id: AccountId(5),
            chain: vec![AccountId(1)],
        };
        let plans = plan_fields(&account(), &BTreeMap::new(), &r, Some(&cyclic), true);
        assert_eq!(decisions(&plans), [Decision::Conflict]);
        assert!(plans[0].reason.as_deref().unwrap().contains("cycle"));
    }

    #[test]
    fn an_unknown_parent_is_a_conflict_naming_it() {
        let r = row(Vec::new());
        let offer = ParentOffer::Unknown(ParentKey::Domain("globex.com".into()));
        let plans = plan_fields(&account(), &BTreeMap::new(), &r, Some(&offer), true);
        assert_eq!(decisions(&plans), [Decision::Conflict]);
        assert!(plans[0].reason.as_deref().unwrap().contains("globex.com"));
    }

    #[test]
    fn rows_are_normalized_and_every_fault_is_named() {
        let r = check_row(
            EnrichRow {
                domain: Some("https://www.Acme.com/about".into()),
                duns: Some("15-048-3782".into()),
                industry: Some("  Software ".into()),
                parent_domain: Some("globex.com".into()),
                ..Default::default()
            },
            2,
            EnrichKey::Domain,
        )
        .unwrap();
        assert_eq!(
            (r.key.as_str(), r.duns.as_deref(), &r.values, &r.parent),
            (
                "acme.com",
                Some("150483782"),
                &vec![(AccountField::Industry, text("Software"))],
                &Some(ParentKey::Domain("globex.com".into()))
            )
        );
        let errors = check_row(
            EnrichRow {
                duns: Some("12".into()),
                employees: Some(-1),
                ..Default::default()
            },
            7,
            EnrichKey::Domain,
        )
        .unwrap_err();
        let columns: Vec<&str> = errors.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(columns, ["duns", "domain", "employees"]);
        assert!(errors.iter().all(|e| e.line == 7));
    }

    #[test]
    fn a_free_mail_domain_is_no_company_key() {
        let errors = check_row(
            EnrichRow {
                domain: Some("gmail.com".into()),
                ..Default::default()
            },
            3,
            EnrichKey::Domain,
        )
        .unwrap_err();
        assert!(errors[0].reason.contains("personal"), "{errors:?}");
    }

    #[test]
    fn csv_headers_are_recognized_however_spelled_and_bad_numbers_name_their_column() {
        let cols = EnrichColumns::from_headers([
            "Website",
            "Number of Employees",
            "Annual Revenue",
            "Parent DUNS",
            "Notes",
        ]);
        assert!(cols.has_key(EnrichKey::Domain) && !cols.has_key(EnrichKey::Duns));
        assert_eq!(cols.ignored(), ["Notes"]);
        let r = cols
            .row(
                2,
                &["acme.com", "1,200", "$5,000,000.40", "150483782", "x"],
                EnrichKey::Domain,
            )
            .unwrap();
        assert_eq!(
            r.values,
            vec![
                (AccountField::Employees, FieldValue::Number(1200)),
                (AccountField::AnnualRevenue, FieldValue::Number(5_000_000)),
            ]
        );
        let e = cols
            .row(3, &["", "many", "", "", ""], EnrichKey::Domain)
            .unwrap_err();
        let columns: Vec<&str> = e.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(columns, ["Number of Employees", "Website"]);
    }

    #[test]
    fn hosts_are_looked_up_from_most_specific_to_registrable() {
        assert_eq!(
            domain_lookup_keys("eu.sales.acme.co.uk"),
            ["eu.sales.acme.co.uk", "sales.acme.co.uk", "acme.co.uk"]
        );
        assert_eq!(domain_lookup_keys("acme.com"), ["acme.com"]);
    }

    fn any_value(field: AccountField) -> BoxedStrategy<FieldValue> {
        match field {
            AccountField::Employees | AccountField::AnnualRevenue => {
                (0i64..5).prop_map(FieldValue::Number).boxed()
            }
            AccountField::ParentId => unreachable!("parents are offered through ParentOffer"),
            _ => prop_oneof![Just("Software"), Just("software "), Just("Retail")]
                .prop_map(|s| FieldValue::Text(s.to_string()))
                .boxed(),
        }
    }

    fn any_kind() -> impl Strategy<Value = Option<SourceKind>> {
        prop_oneof![
            Just(None),
            Just(Some(SourceKind::Entered)),
            Just(Some(SourceKind::Imported)),
            Just(Some(SourceKind::Enriched)),
        ]
    }

    fn any_case() -> impl Strategy<
        Value = (
            AccountField,
            Option<FieldValue>,
            FieldValue,
            Option<SourceKind>,
        ),
    > {
        (0usize..6).prop_flat_map(|i| {
            let field = AccountField::ALL[i];
            (
                Just(field),
                proptest::option::of(any_value(field)),
                any_value(field),
                any_kind(),
            )
        })
    }

    proptest! {
        #[test]
        fn a_value_a_person_entered_is_never_overwritten_unless_asked(
            cases in proptest::collection::vec(any_case(), 1..8)
        ) {
            let mut a = account();
            let mut provenance = BTreeMap::new();
            let mut values = Vec::new();
            for (field, current, offered, kind) in cases {
                if let Some(v) = &current {
                    field.set(&mut a, v);
                }
                if let Some(kind) = kind {
                    provenance.insert(field, Provenance { kind, source: None, at: DateTime::<Utc>::UNIX_EPOCH, typed: None });
                }
                values.retain(|(f, _)| *f != field);
                values.push((field, offered));
            }
            let plans = plan_fields(&a, &provenance, &row(values), None, false);
            let after = apply(&a, &plans);
            for p in &plans {
                let entered = provenance.get(&p.field).is_none_or(|pr| pr.kind == SourceKind::Entered);
                if entered && p.current.is_some() {
                    prop_assert_ne!(p.decision, Decision::Overwrite);
                    prop_assert_eq!(p.field.value_of(&after), p.current.clone());
                }
            }
        }
    }
}
