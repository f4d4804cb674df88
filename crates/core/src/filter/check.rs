//! The type checker: every name resolved to a known field of a known record, every value
//! checked against the field's type (and vocabulary), with the nearest known name suggested for
//! a misspelt one. What it returns is what the store compiles to SQL.

use super::parser::{CompareOp, Expr, Literal, Name, Related, Value};
use super::FilterError;
use crate::model::{
    AccountStage, ActivityKind, BuyingRole, ContactStatus, Department, OpportunityStage,
    Relationship, Seniority,
};
use chrono::NaiveDate;

/// What a segment selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Contacts,
    Accounts,
}

/// The record a field belongs to, relative to the row being selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Contact,
    Account,
    /// The account's parent.
    Parent,
    /// The root of the account's hierarchy (the account itself when it has no parent).
    UltimateParent,
    /// The record inside a `has ... where`.
    Related(Related),
}

/// A field's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    /// One of a vocabulary; `ranked` vocabularies (seniority) also compare with < and >.
    Enum {
        values: &'static [&'static str],
        ranked: bool,
    },
    Integer,
    Number,
    Date,
    Timestamp,
}

impl FieldType {
    fn describe(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Enum { .. } => "a choice",
            FieldType::Integer => "a whole number",
            FieldType::Number => "a number",
            FieldType::Date => "a date",
            FieldType::Timestamp => "a date and time",
        }
    }
}

/// A resolved field: its record, its column and its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub scope: Scope,
    pub column: &'static str,
    pub ty: FieldType,
}

/// A value checked against its field's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Text(String),
    Integer(i64),
    Number(f64),
    Date(NaiveDate),
    /// Days, weeks, months or years from the day the filter runs (`-90d`).
    Relative(i64, char),
}

/// A checked filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Checked {
    And(Box<Checked>, Box<Checked>),
    Or(Box<Checked>, Box<Checked>),
    Not(Box<Checked>),
    Compare {
        field: Field,
        op: CompareOp,
        value: Operand,
    },
    In {
        field: Field,
        values: Vec<Operand>,
        negated: bool,
    },
    IsEmpty {
        field: Field,
        negated: bool,
    },
    Has {
        related: Related,
        filter: Option<Box<Checked>>,
    },
    InCampaign(String),
}

const fn choice(values: &'static [&'static str]) -> FieldType {
    FieldType::Enum {
        values,
        ranked: false,
    }
}

/// Seniority from the most junior up: the order `<` and `>` compare in.
pub const SENIORITY_ORDER: &[&str] = &[
    "individual_contributor",
    "manager",
    "director",
    "vp",
    "c_level",
];

/// A record's fields as the checker knows them: name and type.
pub(super) type Fields = Vec<(&'static str, FieldType)>;

/// The fields of a contact and of its account (for filter chips).
pub(super) fn contact_catalog() -> (Fields, Fields) {
    (contact_fields(), account_fields())
}

fn contact_fields() -> Vec<(&'static str, FieldType)> {
    vec![
        ("id", FieldType::Integer),
        ("first_name", FieldType::Text),
        ("last_name", FieldType::Text),
        ("email", FieldType::Text),
        ("phone", FieldType::Text),
        ("title", FieldType::Text),
        (
            "seniority",
            FieldType::Enum {
                values: SENIORITY_ORDER,
                ranked: true,
            },
        ),
        ("department", choice(vocabulary::<Department>())),
        ("buying_role", choice(vocabulary::<BuyingRole>())),
        ("status", choice(vocabulary::<ContactStatus>())),
        ("source", FieldType::Text),
        ("owner_id", FieldType::Integer),
        ("created_at", FieldType::Timestamp),
        ("updated_at", FieldType::Timestamp),
        // The newest activity's time, kept by the store: `contact.last_activity_at > -90d`.
        ("last_activity_at", FieldType::Timestamp),
        // The stored score, in points, kept by the store: `contact.score >= 40`.
        ("score", FieldType::Number),
    ]
}

fn account_fields() -> Vec<(&'static str, FieldType)> {
    vec![
        ("id", FieldType::Integer),
        ("name", FieldType::Text),
        ("duns", FieldType::Text),
        ("industry", FieldType::Text),
        ("employees", FieldType::Integer),
        ("annual_revenue", FieldType::Integer),
        ("country", FieldType::Text),
        ("state", FieldType::Text),
        ("city", FieldType::Text),
        ("relationship", choice(vocabulary::<Relationship>())),
        ("stage", choice(vocabulary::<AccountStage>())),
        ("owner_id", FieldType::Integer),
        ("target_tier", FieldType::Integer),
        ("created_at", FieldType::Timestamp),
        ("updated_at", FieldType::Timestamp),
        // The stored score after the hierarchy roll-up, in points: `account.score >= 60`.
        ("score", FieldType::Number),
    ]
}

fn related_fields(r: Related) -> Vec<(&'static str, FieldType)> {
    match r {
        Related::Opportunity => vec![
            ("name", FieldType::Text),
            ("stage", choice(vocabulary::<OpportunityStage>())),
            ("amount", FieldType::Number),
            ("close_date", FieldType::Date),
            ("owner_id", FieldType::Integer),
            ("created_at", FieldType::Timestamp),
        ],
        Related::Activity => vec![
            ("kind", choice(vocabulary::<ActivityKind>())),
            ("subject", FieldType::Text),
            ("occurred_at", FieldType::Timestamp),
        ],
        Related::Contact => contact_fields(),
        // Products the account owns: `has asset where renews_on < +90d` finds renewals due.
        Related::Asset => vec![
            ("product", FieldType::Text),
            ("quantity", FieldType::Integer),
            ("annual_value", FieldType::Number),
            ("purchased_on", FieldType::Date),
            ("renews_on", FieldType::Date),
        ],
    }
}

/// The stored names of a vocabulary, built once per type.
fn vocabulary<T: Vocabulary>() -> &'static [&'static str] {
    T::names()
}

/// The stored names of an enum's values.
pub trait Vocabulary {
    fn names() -> &'static [&'static str];
}

macro_rules! vocab_impl {
    ($($t:ty),*) => {$(
        impl Vocabulary for $t {
            fn names() -> &'static [&'static str] {
                static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
                NAMES.get_or_init(|| <$t>::ALL.iter().map(|v| v.as_str()).collect())
            }
        }
    )*};
}
vocab_impl!(
    Department,
    BuyingRole,
    ContactStatus,
    Relationship,
    AccountStage,
    OpportunityStage,
    ActivityKind,
    Seniority
);

/// Checks a parsed filter for a target.
pub fn check(expr: &Expr, target: Target) -> Result<Checked, FilterError> {
    Checker {
        target,
        inside: None,
    }
    .expr(expr)
}

struct Checker {
    target: Target,
    /// The related record of the enclosing `has ... where`.
    inside: Option<Related>,
}

impl Checker {
    fn expr(&self, e: &Expr) -> Result<Checked, FilterError> {
        Ok(match e {
            Expr::And(a, b) => Checked::And(Box::new(self.expr(a)?), Box::new(self.expr(b)?)),
            Expr::Or(a, b) => Checked::Or(Box::new(self.expr(a)?), Box::new(self.expr(b)?)),
            Expr::Not(a) => Checked::Not(Box::new(self.expr(a)?)),
            Expr::Compare { field, op, value } => {
                let f = self.field(field)?;
                if matches!(op, CompareOp::Contains | CompareOp::StartsWith)
                    && f.ty != FieldType::Text
                {
                    return Err(FilterError::at(
                        field.start,
                        format!(
                            "`{}` works on text; {} is {}",
                            op.as_str(),
                            field.path,
                            f.ty.describe()
                        ),
                    ));
                }
                if op.is_ordering() && matches!(f.ty, FieldType::Enum { ranked: false, .. }) {
                    return Err(FilterError::at(
                        field.start,
                        format!("{} has no order; use = or in (...)", field.path),
                    ));
                }
                let value = operand(&f, field, value)?;
                match (op, spellings(&f, &value)) {
                    // `account.state = "California"` finds accounts entered as `CA` too.
                    (CompareOp::Eq | CompareOp::Ne, Some(values)) => Checked::In {
                        field: f,
                        values,
                        negated: *op == CompareOp::Ne,
                    },
                    _ => Checked::Compare {
                        field: f,
                        op: *op,
                        value,
                    },
                }
            }
            Expr::In {
                field,
                values,
                negated,
            } => {
                let f = self.field(field)?;
                let mut checked: Vec<Operand> = Vec::new();
                // A place's spellings once, however often the list names it.
                let mut spelled: std::collections::HashSet<String> = Default::default();
                for v in values {
                    let v = operand(&f, field, v)?;
                    match spellings(&f, &v) {
                        Some(all) => checked.extend(all.into_iter().filter(|s| match s {
                            Operand::Text(t) => spelled.insert(t.clone()),
                            _ => true,
                        })),
                        None => checked.push(v),
                    }
                }
                Checked::In {
                    field: f,
                    values: checked,
                    negated: *negated,
                }
            }
            Expr::IsEmpty { field, negated } => Checked::IsEmpty {
                field: self.field(field)?,
                negated: *negated,
            },
            Expr::Has {
                related,
                start,
                filter,
            } => {
                if self.inside.is_some() {
                    return Err(FilterError::at(
                        *start,
                        "`has` cannot be nested inside another `has ... where`",
                    ));
                }
                if *related == Related::Contact && self.target == Target::Contacts {
                    return Err(FilterError::at(*start, "`has contact` asks about an account's contacts; it works in account segments"));
                }
                let inner = Checker {
                    target: self.target,
                    inside: Some(*related),
                };
                let filter = filter
                    .as_ref()
                    .map(|f| inner.expr(f).map(Box::new))
                    .transpose()?;
                Checked::Has {
                    related: *related,
                    filter,
                }
            }
            Expr::InCampaign { name, start } => {
                if self.inside.is_some() {
                    return Err(FilterError::at(
                        *start,
                        "`in campaign` cannot be used inside `has ... where`",
                    ));
                }
                Checked::InCampaign(name.clone())
            }
        })
    }

    /// Resolves a name in the current scope, or says what the nearest known name is.
    fn field(&self, name: &Name) -> Result<Field, FilterError> {
        let known = self.known_names();
        let wanted = name.path.to_ascii_lowercase();
        if let Some((_, f)) = known.iter().find(|(n, _)| *n == wanted) {
            return Ok(*f);
        }
        let nearest = known
            .iter()
            .map(|(n, _)| (strsim::levenshtein(n, &wanted), n))
            .min()
            .filter(|(d, n)| *d <= 3.max(n.len() / 3))
            .map(|(_, n)| format!("; did you mean `{n}`?"))
            .unwrap_or_default();
        let scope = match self.inside {
            Some(r) => format!("a field of {} (inside `has {} where`, names are unqualified)", r.as_str(), r.as_str()),
            None => match self.target {
                Target::Contacts => "a field: contact.*, account.*, account.parent.* or account.ultimate_parent.*".into(),
                Target::Accounts => "a field: account.*, account.parent.* or account.ultimate_parent.* (contacts through `has contact where ...`)".into(),
            },
        };
        Err(FilterError::at(
            name.start,
            format!("unknown field `{}`: expected {scope}{nearest}", name.path),
        ))
    }

    fn known_names(&self) -> Vec<(String, Field)> {
        let field =
            |scope: Scope, (column, ty): (&'static str, FieldType)| Field { scope, column, ty };
        if let Some(r) = self.inside {
            return related_fields(r)
                .into_iter()
                .map(|f| (f.0.to_string(), field(Scope::Related(r), f)))
                .collect();
        }
        let mut out = Vec::new();
        if self.target == Target::Contacts {
            out.extend(
                contact_fields()
                    .into_iter()
                    .map(|f| (format!("contact.{}", f.0), field(Scope::Contact, f))),
            );
        }
        for (prefix, scope) in [
            ("account", Scope::Account),
            ("account.parent", Scope::Parent),
            ("account.ultimate_parent", Scope::UltimateParent),
        ] {
            out.extend(
                account_fields()
                    .into_iter()
                    .map(|f| (format!("{prefix}.{}", f.0), field(scope, f))),
            );
        }
        out
    }
}

/// Checks a literal against a field's type.
/// Every spelling of a place a state or country field is compared with, when the vocabulary
/// knows the place: stored values are as people typed them (`CA`, `California`; `US`, `USA`).
fn spellings(f: &Field, value: &Operand) -> Option<Vec<Operand>> {
    let Operand::Text(text) = value else {
        return None;
    };
    let state = match f.column {
        "state" => true,
        "country" => false,
        _ => return None,
    };
    crate::normalize::country::place_spellings(text, state)
        .map(|all| all.into_iter().map(Operand::Text).collect())
}

fn operand(f: &Field, name: &Name, lit: &Literal) -> Result<Operand, FilterError> {
    let wrong = |what: &str| {
        FilterError::at(
            lit.start,
            format!("{} is {}; {what}", name.path, f.ty.describe()),
        )
    };
    Ok(match (f.ty, &lit.value) {
        (FieldType::Text, Value::Text(s)) => Operand::Text(s.clone()),
        (FieldType::Text, _) => return Err(wrong("write the value in quotes")),
        (FieldType::Enum { values, .. }, Value::Text(s)) => {
            let v = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
            if !values.contains(&v.as_str()) {
                let nearest = values
                    .iter()
                    .min_by_key(|k| strsim::levenshtein(k, &v))
                    .map(|k| format!(" (did you mean {k:?}?)"))
                    .unwrap_or_default();
                return Err(FilterError::at(
                    lit.start,
                    format!(
                        "{s:?} is not a {} value{nearest}; expected one of {}",
                        name.path,
                        values.join(", ")
                    ),
                ));
            }
            Operand::Text(v)
        }
        (FieldType::Enum { .. }, _) => return Err(wrong("write the value in quotes")),
        (FieldType::Integer, Value::Number(n)) if n.fract() == 0.0 => Operand::Integer(*n as i64),
        (FieldType::Integer, _) => return Err(wrong("write a whole number")),
        (FieldType::Number, Value::Number(n)) => Operand::Number(*n),
        (FieldType::Number, _) => return Err(wrong("write a number")),
        (FieldType::Date | FieldType::Timestamp, Value::Relative(n, u)) => {
            Operand::Relative(*n, *u)
        }
        (FieldType::Date | FieldType::Timestamp, Value::Text(s)) => {
            match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
                Ok(d) => Operand::Date(d),
                Err(_) => {
                    return Err(wrong(
                        "write \"YYYY-MM-DD\" or a relative date such as -90d",
                    ))
                }
            }
        }
        (FieldType::Date | FieldType::Timestamp, _) => {
            return Err(wrong(
                "write \"YYYY-MM-DD\" or a relative date such as -90d",
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    fn ok(s: &str, t: Target) -> Checked {
        check(&parse(s).unwrap(), t).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn err(s: &str, t: Target) -> FilterError {
        check(&parse(s).unwrap(), t).unwrap_err()
    }

    #[test]
    fn the_seed_query_checks() {
        let c = ok(
            r#"contact.seniority in ("Manager", "director") and account.state = "CA"
               and account.industry = "Software" and account.relationship != "customer""#,
            Target::Contacts,
        );
        let Checked::And(_, last) = c else { panic!() };
        assert!(matches!(
            *last,
            Checked::Compare {
                field: Field {
                    scope: Scope::Account,
                    column: "relationship",
                    ..
                },
                ..
            }
        ));
        ok(
            r#"has activity where kind = "webinar" and occurred_at > -90d"#,
            Target::Contacts,
        );
        ok(
            r#"has opportunity where stage = "negotiation" and amount >= 10000"#,
            Target::Accounts,
        );
        ok(
            r#"not has contact where seniority >= "director""#,
            Target::Accounts,
        );
        ok(
            r#"account.ultimate_parent.country = "US" and account.created_at < "2026-01-01""#,
            Target::Accounts,
        );
        ok(
            r#"in campaign "Q3 Summit" and contact.title starts with "VP""#,
            Target::Contacts,
        );
    }

    #[test]
    fn unknown_fields_suggest_the_nearest_name() {
        let e = err(r#"contact.seniorty = "vp""#, Target::Contacts);
        assert_eq!(e.position, 0);
        assert!(
            e.message.contains("did you mean `contact.seniority`"),
            "{}",
            e.message
        );
        let e = err(r#"has activity where knd = "email""#, Target::Contacts);
        assert!(e.message.contains("did you mean `kind`"), "{}", e.message);
        let e = err(r#"contact.title = "x""#, Target::Accounts);
        assert!(e.message.contains("has contact where"), "{}", e.message);
    }

    #[test]
    fn values_are_checked_against_the_field() {
        let e = err(r#"account.relationship = "custmer""#, Target::Accounts);
        assert_eq!(e.position, 23);
        assert!(
            e.message.contains("did you mean \"customer\""),
            "{}",
            e.message
        );
        assert!(err("account.employees = \"many\"", Target::Accounts)
            .message
            .contains("whole number"));
        assert!(err("account.state > 3", Target::Accounts)
            .message
            .contains("quotes"));
        assert!(err(r#"account.stage > "target""#, Target::Accounts)
            .message
            .contains("no order"));
        assert!(err(r#"account.employees contains "1""#, Target::Accounts)
            .message
            .contains("works on text"));
        assert!(err(r#"account.created_at > "last year""#, Target::Accounts)
            .message
            .contains("YYYY-MM-DD"));
        assert!(
            err(r#"has contact where seniority = "vp""#, Target::Contacts)
                .message
                .contains("account segments")
        );
    }

    #[test]
    fn a_place_matches_however_it_was_written() {
        let texts = |c: &Checked| match c {
            Checked::In {
                values, negated, ..
            } => (
                values
                    .iter()
                    .map(|v| match v {
                        Operand::Text(t) => t.clone(),
                        other => format!("{other:?}"),
                    })
                    .collect::<Vec<_>>(),
                *negated,
            ),
            other => panic!("{other:?}"),
        };
        let state = ok(r#"account.state = "California""#, Target::Accounts);
        assert_eq!(
            texts(&state),
            (vec!["ca".to_string(), "california".to_string()], false)
        );
        let not_ca = ok(r#"account.state != "ca""#, Target::Contacts);
        assert!(texts(&not_ca).1, "!= is the negated list");
        let (countries, _) = texts(&ok(
            r#"account.country in ("USA", "United States", "DE")"#,
            Target::Accounts,
        ));
        assert!(
            countries.contains(&"us".to_string()) && countries.contains(&"germany".to_string())
        );
        assert_eq!(
            countries.iter().filter(|c| *c == "us").count(),
            1,
            "each spelling once: {countries:?}"
        );
        // States of the other countries abcrm keeps as codes are known too.
        assert_eq!(
            texts(&ok(r#"account.state = "Bavaria""#, Target::Accounts)).0,
            ["bavaria", "bayern", "by"]
        );
        // A place the vocabulary does not know is compared as written.
        assert!(matches!(
            ok(r#"account.state = "Atlantis""#, Target::Accounts),
            Checked::Compare { .. }
        ));
        assert!(matches!(
            ok(r#"account.state starts with "Cal""#, Target::Accounts),
            Checked::Compare { .. }
        ));
    }
}
