//! A checked filter evaluated against records in memory (the scoring engine's fit rules), with
//! the meaning of the SQL the store compiles for the same filter: text compares
//! case-insensitively, a missing value fails every comparison except `!=` and `not in`, and `not`
//! is two-valued (`not account.state = "CA"` keeps the records with no state).

use super::check::{Checked, Field, FieldType, Operand, Scope, SENIORITY_ORDER};
use super::parser::CompareOp;
use super::{clamp_date, resolve_relative};
use crate::model::{Account, Contact};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use std::cmp::Ordering;

/// A field's value as read from a record in memory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue<'a> {
    Null,
    Text(&'a str),
    Integer(i64),
    Number(f64),
    Date(NaiveDate),
    Timestamp(DateTime<Utc>),
}

/// A record (or records) a filter can be evaluated against in memory.
pub trait Record {
    /// The value of a field; `Null` when missing or when the record has no such scope.
    fn value(&self, field: &Field) -> FieldValue<'_>;
}

impl Record for Contact {
    fn value(&self, field: &Field) -> FieldValue<'_> {
        if field.scope != Scope::Contact {
            return FieldValue::Null;
        }
        match field.column {
            "id" => FieldValue::Integer(self.id.0),
            "first_name" => text(&self.first_name),
            "last_name" => text(&self.last_name),
            "email" => self
                .email
                .as_ref()
                .map_or(FieldValue::Null, |e| FieldValue::Text(e.as_str())),
            "phone" => text(&self.phone),
            "title" => text(&self.title),
            "seniority" => choice(self.seniority.map(|v| v.as_str())),
            "department" => choice(self.department.map(|v| v.as_str())),
            "buying_role" => choice(self.buying_role.map(|v| v.as_str())),
            "status" => FieldValue::Text(self.status.as_str()),
            "source" => text(&self.source),
            "owner_id" => integer(self.owner_id.map(|u| u.0)),
            "created_at" => FieldValue::Timestamp(self.created_at),
            "updated_at" => FieldValue::Timestamp(self.updated_at),
            // `last_activity_at` is kept by the store from the contact's activities; a `Contact`
            // in memory does not carry it.
            _ => FieldValue::Null,
        }
    }
}

impl Record for Account {
    fn value(&self, field: &Field) -> FieldValue<'_> {
        if field.scope != Scope::Account {
            return FieldValue::Null;
        }
        match field.column {
            "id" => FieldValue::Integer(self.id.0),
            "name" => FieldValue::Text(&self.name),
            "duns" => text(&self.duns),
            "industry" => text(&self.industry),
            "employees" => integer(self.employees),
            "annual_revenue" => integer(self.annual_revenue),
            "country" => text(&self.country),
            "state" => text(&self.state),
            "city" => text(&self.city),
            "relationship" => FieldValue::Text(self.relationship.as_str()),
            "stage" => FieldValue::Text(self.stage.as_str()),
            "owner_id" => integer(self.owner_id.map(|u| u.0)),
            "target_tier" => integer(self.target_tier.map(i64::from)),
            "created_at" => FieldValue::Timestamp(self.created_at),
            "updated_at" => FieldValue::Timestamp(self.updated_at),
            _ => FieldValue::Null,
        }
    }
}

/// A contact with its account: what a contact segment's row reads.
impl Record for (&Contact, &Account) {
    fn value(&self, field: &Field) -> FieldValue<'_> {
        match field.scope {
            Scope::Contact => self.0.value(field),
            Scope::Account => self.1.value(field),
            _ => FieldValue::Null,
        }
    }
}

fn text(v: &Option<String>) -> FieldValue<'_> {
    v.as_deref().map_or(FieldValue::Null, FieldValue::Text)
}

fn choice(v: Option<&'static str>) -> FieldValue<'static> {
    v.map_or(FieldValue::Null, FieldValue::Text)
}

fn integer(v: Option<i64>) -> FieldValue<'static> {
    v.map_or(FieldValue::Null, FieldValue::Integer)
}

/// True when the record passes the filter, with exactly the semantics of the SQL the store
/// compiles: text compares case-insensitively; a missing value makes a comparison false, except
/// `!=` and `not in`, which a missing value passes; `contains` / `starts with` are
/// case-insensitive substring/prefix; seniority (a ranked vocabulary) orders by
/// [`SENIORITY_ORDER`]; dates compared with timestamps mean midnight UTC; relative dates (`-90d`,
/// w, m, y) resolve against `today`; dates are clamped into years 1 to 9999 as the SQL's are
/// ([`clamp_date`](super::clamp_date)); `is empty` treats '' as empty for text; `not` is two-valued
/// (not of a false comparison on a missing value is true).
///
/// `Has` and `InCampaign` need other records and evaluate to false here; callers that evaluate
/// in memory reject them first with [`Checked::needs_related`].
pub fn matches(filter: &Checked, record: &impl Record, today: NaiveDate) -> bool {
    match filter {
        Checked::And(a, b) => matches(a, record, today) && matches(b, record, today),
        Checked::Or(a, b) => matches(a, record, today) || matches(b, record, today),
        Checked::Not(a) => !matches(a, record, today),
        Checked::Compare { field, op, value } => {
            compare(field, *op, record.value(field), value, today)
        }
        Checked::In {
            field,
            values,
            negated,
        } => {
            let v = record.value(field);
            let found = v != FieldValue::Null
                && values
                    .iter()
                    .any(|o| order(field, v, o, today) == Some(Ordering::Equal));
            found != *negated
        }
        Checked::IsEmpty { field, negated } => {
            let empty = match record.value(field) {
                FieldValue::Null => true,
                FieldValue::Text(s) => field.ty == FieldType::Text && s.is_empty(),
                _ => false,
            };
            empty != *negated
        }
        Checked::Has { .. } | Checked::InCampaign(_) => false,
    }
}

/// One comparison of a present or missing value with an operand.
fn compare(
    field: &Field,
    op: CompareOp,
    v: FieldValue<'_>,
    operand: &Operand,
    today: NaiveDate,
) -> bool {
    if v == FieldValue::Null {
        return op == CompareOp::Ne;
    }
    match op {
        CompareOp::Contains | CompareOp::StartsWith => {
            let (FieldValue::Text(s), Operand::Text(o)) = (v, operand) else {
                return false;
            };
            let haystack = folded(field, s);
            let needle = o.to_lowercase();
            if op == CompareOp::Contains {
                haystack.contains(&needle)
            } else {
                haystack.starts_with(&needle)
            }
        }
        CompareOp::Ne => order(field, v, operand, today) != Some(Ordering::Equal),
        _ => {
            let ordering = match (field.ty, v, operand) {
                // A ranked vocabulary compares by rank (an unknown operand ranks lowest).
                (FieldType::Enum { ranked: true, .. }, FieldValue::Text(s), Operand::Text(o))
                    if op.is_ordering() =>
                {
                    let rank = |x: &str| SENIORITY_ORDER.iter().position(|r| *r == x);
                    rank(s).map(|r| r.cmp(&rank(o).unwrap_or(0)))
                }
                _ => order(field, v, operand, today),
            };
            ordering.is_some_and(|o| match op {
                CompareOp::Eq => o.is_eq(),
                CompareOp::Lt => o.is_lt(),
                CompareOp::Le => o.is_le(),
                CompareOp::Gt => o.is_gt(),
                _ => o.is_ge(),
            })
        }
    }
}

/// How a present value orders against an operand, as the database orders them; `None` when they
/// cannot be compared (a value and an operand of different kinds, or NaN).
fn order(
    field: &Field,
    v: FieldValue<'_>,
    operand: &Operand,
    today: NaiveDate,
) -> Option<Ordering> {
    let midnight = |d: NaiveDate| d.and_time(NaiveTime::MIN).and_utc();
    match (v, operand) {
        (FieldValue::Text(s), Operand::Text(o)) => Some(folded(field, s).cmp(&folded(field, o))),
        (FieldValue::Integer(a), Operand::Integer(b)) => Some(a.cmp(b)),
        (FieldValue::Integer(a), Operand::Number(b)) => (a as f64).partial_cmp(b),
        (FieldValue::Number(a), Operand::Integer(b)) => a.partial_cmp(&(*b as f64)),
        (FieldValue::Number(a), Operand::Number(b)) => a.partial_cmp(b),
        (FieldValue::Date(d), Operand::Date(o)) => Some(d.cmp(&clamp_date(*o))),
        (FieldValue::Date(d), Operand::Relative(n, u)) => {
            Some(d.cmp(&resolve_relative(today, *n, *u)))
        }
        (FieldValue::Timestamp(t), Operand::Date(o)) => Some(t.cmp(&midnight(clamp_date(*o)))),
        (FieldValue::Timestamp(t), Operand::Relative(n, u)) => {
            Some(t.cmp(&midnight(resolve_relative(today, *n, *u))))
        }
        _ => None,
    }
}

/// Text as a text field compares: lower-cased (SQL `LOWER(...)`); vocabulary values as stored.
fn folded<'a>(field: &Field, s: &'a str) -> std::borrow::Cow<'a, str> {
    if field.ty == FieldType::Text {
        s.to_lowercase().into()
    } else {
        s.into()
    }
}

impl Checked {
    /// True when the filter asks about records other than the contact and its account (`has`,
    /// `in campaign`): it cannot be evaluated in memory against those alone.
    pub fn needs_related(&self) -> bool {
        match self {
            Checked::And(a, b) | Checked::Or(a, b) => a.needs_related() || b.needs_related(),
            Checked::Not(a) => a.needs_related(),
            Checked::Compare { .. } | Checked::In { .. } | Checked::IsEmpty { .. } => false,
            Checked::Has { .. } | Checked::InCampaign(_) => true,
        }
    }

    /// The distinct scopes of the fields the filter reads (outside `has`), in the order they
    /// first appear: a rule reading only `Scope::Contact` is a contact rule.
    pub fn scopes(&self) -> Vec<Scope> {
        let mut out = Vec::new();
        self.collect_scopes(&mut out);
        out
    }

    fn collect_scopes(&self, out: &mut Vec<Scope>) {
        let scope = match self {
            Checked::And(a, b) | Checked::Or(a, b) => {
                a.collect_scopes(out);
                b.collect_scopes(out);
                return;
            }
            Checked::Not(a) => return a.collect_scopes(out),
            Checked::Compare { field, .. }
            | Checked::In { field, .. }
            | Checked::IsEmpty { field, .. } => field.scope,
            Checked::Has { .. } | Checked::InCampaign(_) => return,
        };
        if !out.contains(&scope) {
            out.push(scope);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{check, parse, Related, Target};
    use super::*;
    use crate::model::{
        AccountStage, BuyingRole, ContactStatus, Department, Relationship, Seniority,
    };
    use crate::{AccountId, ContactId};
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 15).unwrap()
    }

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn contact() -> Contact {
        Contact {
            id: ContactId(7),
            account_id: AccountId(1),
            first_name: Some("Ada".into()),
            last_name: None,
            email: None,
            phone: None,
            title: Some("VP of Sales".into()),
            seniority: Some(Seniority::Vp),
            department: Some(Department::Sales),
            buying_role: None,
            status: ContactStatus::Active,
            owner_id: None,
            source: Some("Webinar".into()),
            created_at: at(2026, 1, 10, 9, 30),
            updated_at: at(2026, 3, 1, 0, 0),
        }
    }

    fn account() -> Account {
        Account {
            id: AccountId(1),
            name: "Acme Software".into(),
            domains: vec!["acme.com".into()],
            duns: None,
            parent_id: None,
            industry: Some("Software".into()),
            employees: Some(500),
            annual_revenue: None,
            country: Some("US".into()),
            state: None,
            city: Some("Évry".into()),
            relationship: Relationship::Prospect,
            stage: AccountStage::Target,
            owner_id: None,
            target_tier: Some(1),
            created_at: at(2025, 12, 15, 0, 0),
            updated_at: at(2026, 3, 1, 0, 0),
        }
    }

    fn filter(s: &str) -> Checked {
        check(&parse(s).unwrap(), Target::Contacts).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    /// Whether the contact with its account passes the filter, today.
    fn passes(s: &str, c: &Contact, a: &Account) -> bool {
        matches(&filter(s), &(c, a), today())
    }

    /// The filters of `cases` the default contact and account pass.
    fn passing<'a>(cases: &[&'a str]) -> Vec<&'a str> {
        let (c, a) = (contact(), account());
        cases
            .iter()
            .copied()
            .filter(|s| passes(s, &c, &a))
            .collect()
    }

    #[test]
    fn each_operator_compares_text() {
        assert_eq!(
            passing(&[
                r#"account.industry = "Software""#,
                r#"account.industry != "Software""#,
                r#"account.industry < "t""#,
                r#"account.industry <= "software""#,
                r#"account.industry > "s""#,
                r#"account.industry >= "zz""#,
                r#"account.industry contains "twa""#,
                r#"account.industry starts with "soft""#,
                r#"account.industry starts with "ware""#,
                r#"account.industry in ("SaaS", "Software")"#,
                r#"account.industry not in ("SaaS", "Software")"#,
            ]),
            [
                r#"account.industry = "Software""#,
                r#"account.industry < "t""#,
                r#"account.industry <= "software""#,
                r#"account.industry > "s""#,
                r#"account.industry contains "twa""#,
                r#"account.industry starts with "soft""#,
                r#"account.industry in ("SaaS", "Software")"#,
            ]
        );
    }

    #[test]
    fn text_compares_case_insensitively() {
        assert_eq!(
            passing(&[
                r#"account.industry = "SOFTWARE""#,
                r#"account.industry in ("saas", "software")"#,
                r#"contact.title contains "vp OF""#,
                r#"contact.title starts with "vP""#,
                r#"account.city = "ÉVRY""#,
                r#"contact.source != "WEBINAR""#,
            ]),
            [
                r#"account.industry = "SOFTWARE""#,
                r#"account.industry in ("saas", "software")"#,
                r#"contact.title contains "vp OF""#,
                r#"contact.title starts with "vP""#,
                r#"account.city = "ÉVRY""#,
            ]
        );
    }

    #[test]
    fn contains_takes_percent_and_underscore_literally() {
        let mut c = contact();
        c.title = Some("Head of 100%_Growth".into());
        let kept: Vec<&str> = [
            r#"contact.title contains "100%_g""#,
            r#"contact.title contains "%""#,
            r#"contact.title starts with "head_""#,
            r#"contact.title contains """#,
        ]
        .into_iter()
        .filter(|s| passes(s, &c, &account()))
        .collect();
        assert_eq!(
            kept,
            [
                r#"contact.title contains "100%_g""#,
                r#"contact.title contains "%""#,
                r#"contact.title contains """#,
            ]
        );
    }

    #[test]
    fn a_missing_value_fails_every_comparison_but_ne_and_not_in() {
        assert_eq!(
            passing(&[
                r#"account.state = "CA""#,
                r#"account.state < "zz""#,
                r#"account.state >= """#,
                r#"account.state contains """#,
                r#"account.state starts with "C""#,
                r#"account.state in ("CA", "NY")"#,
                r#"account.state != "CA""#,
                r#"account.state not in ("CA", "NY")"#,
                "account.annual_revenue < 1000",
                "account.annual_revenue != 1000",
                r#"contact.buying_role = "champion""#,
                r#"contact.buying_role != "champion""#,
            ]),
            [
                r#"account.state != "CA""#,
                r#"account.state not in ("CA", "NY")"#,
                "account.annual_revenue != 1000",
                r#"contact.buying_role != "champion""#,
            ]
        );
    }

    #[test]
    fn not_is_two_valued_even_over_and_and_or() {
        assert_eq!(
            passing(&[
                r#"not account.state = "CA""#,
                r#"not account.state != "CA""#,
                r#"not (account.state = "CA" and account.employees > 100)"#,
                r#"not (account.state = "CA" or account.employees < 100)"#,
                r#"not (account.state = "CA" or account.employees > 100)"#,
                r#"not not account.state = "CA""#,
            ]),
            [
                r#"not account.state = "CA""#,
                r#"not (account.state = "CA" and account.employees > 100)"#,
                r#"not (account.state = "CA" or account.employees < 100)"#,
            ]
        );
    }

    #[test]
    fn seniority_orders_by_rank_and_a_missing_one_by_nothing() {
        let ops = ["<", "<=", ">", ">=", "=", "!="];
        let mut c = contact();
        for s in Seniority::ALL {
            c.seniority = Some(*s);
            for o in Seniority::ALL {
                for op in ops {
                    let f = format!("contact.seniority {op} {:?}", o.as_str());
                    let want = match op {
                        "<" => s.rank() < o.rank(),
                        "<=" => s.rank() <= o.rank(),
                        ">" => s.rank() > o.rank(),
                        ">=" => s.rank() >= o.rank(),
                        "=" => s == o,
                        _ => s != o,
                    };
                    assert_eq!(passes(&f, &c, &account()), want, "{s:?}: {f}");
                }
            }
        }
        c.seniority = None;
        let kept: Vec<&str> = ops
            .iter()
            .copied()
            .filter(|op| passes(&format!("contact.seniority {op} \"vp\""), &c, &account()))
            .collect();
        assert_eq!(kept, ["!="]);
    }

    #[test]
    fn seniority_values_are_written_as_people_write_them() {
        assert!(passes(
            r#"contact.seniority > "Individual Contributor" and contact.seniority in ("VP", "c-level")"#,
            &contact(),
            &account()
        ));
    }

    #[test]
    fn numbers_compare_as_numbers() {
        assert_eq!(
            passing(&[
                "account.employees = 500",
                "account.employees > 499",
                "account.employees >= 501",
                "account.employees < 1000",
                "account.employees in (200, 500)",
                "account.target_tier <= 1",
                "contact.id = 7",
            ]),
            [
                "account.employees = 500",
                "account.employees > 499",
                "account.employees < 1000",
                "account.employees in (200, 500)",
                "account.target_tier <= 1",
                "contact.id = 7",
            ]
        );
        let employees = Field {
            scope: Scope::Account,
            column: "employees",
            ty: FieldType::Integer,
        };
        let above = |n: f64| Checked::Compare {
            field: employees,
            op: CompareOp::Gt,
            value: Operand::Number(n),
        };
        let a = account();
        assert_eq!(
            (
                matches(&above(499.5), &a, today()),
                matches(&above(500.5), &a, today())
            ),
            (true, false)
        );
    }

    #[test]
    fn dates_against_timestamps_mean_midnight_utc() {
        // The account was created at midnight on 2025-12-15.
        assert_eq!(
            passing(&[
                r#"account.created_at = "2025-12-15""#,
                r#"account.created_at >= "2025-12-15""#,
                r#"account.created_at > "2025-12-15""#,
                r#"contact.created_at > "2026-01-10""#,
                r#"contact.created_at < "2026-01-11""#,
                r#"contact.created_at = "2026-01-10""#,
            ]),
            [
                r#"account.created_at = "2025-12-15""#,
                r#"account.created_at >= "2025-12-15""#,
                r#"contact.created_at > "2026-01-10""#,
                r#"contact.created_at < "2026-01-11""#,
            ]
        );
    }

    #[test]
    fn relative_dates_resolve_against_today() {
        // Today is 2026-03-15; the account was created at midnight 90 days before.
        assert_eq!(
            passing(&[
                "account.created_at >= -90d",
                "account.created_at > -90d",
                "account.created_at < -89d",
                "account.created_at > -13w",
                "account.created_at >= -3m",
                "account.created_at < -2m",
                "account.created_at > -1y",
                "account.created_at < 1d",
                "contact.last_activity_at > -10y",
            ]),
            [
                "account.created_at >= -90d",
                "account.created_at < -89d",
                "account.created_at > -13w",
                "account.created_at >= -3m",
                "account.created_at < -2m",
                "account.created_at > -1y",
                "account.created_at < 1d",
            ]
        );
    }

    #[test]
    fn is_empty_treats_empty_text_as_empty() {
        let mut c = contact();
        let mut a = account();
        c.title = Some(String::new());
        a.employees = None;
        let kept: Vec<&str> = [
            "contact.title is empty",
            "contact.title is not empty",
            "contact.phone is empty",
            "contact.first_name is empty",
            "contact.status is empty",
            "contact.seniority is not empty",
            "account.employees is empty",
            "account.target_tier is empty",
            r#"contact.title = """#,
        ]
        .into_iter()
        .filter(|s| passes(s, &c, &a))
        .collect();
        assert_eq!(
            kept,
            [
                "contact.title is empty",
                "contact.phone is empty",
                "contact.seniority is not empty",
                "account.employees is empty",
                r#"contact.title = """#,
            ]
        );
    }

    #[test]
    fn a_record_reads_no_field_of_a_scope_it_lacks() {
        let f = filter(r#"account.industry != "x" and not contact.title = "VP of Sales""#);
        assert_eq!(
            (
                matches(&f, &contact(), today()),
                matches(&f, &account(), today()),
                matches(&f, &(&contact(), &account()), today()),
            ),
            (false, true, false)
        );
        assert!(passes(
            r#"account.parent.state is empty and account.ultimate_parent.name is empty"#,
            &contact(),
            &account()
        ));
    }

    #[test]
    fn related_records_are_not_evaluated_here() {
        let has = check(&parse("has opportunity").unwrap(), Target::Accounts).unwrap();
        let not_in = filter(r#"not in campaign "Q3 Summit""#);
        assert_eq!(
            (
                matches(&has, &account(), today()),
                matches(&not_in, &(&contact(), &account()), today()),
                has.needs_related(),
                not_in.needs_related(),
                filter(r#"account.state = "CA""#).needs_related(),
            ),
            (false, true, true, true, false)
        );
    }

    #[test]
    fn scopes_lists_each_scope_read_once_outside_has() {
        let f = check(
            &parse(
                r#"account.state = "CA" and (account.parent.state = "CA" or not account.employees > 3)
                   and has contact where seniority >= "vp""#,
            )
            .unwrap(),
            Target::Accounts,
        )
        .unwrap();
        assert_eq!(f.scopes(), [Scope::Account, Scope::Parent]);
        assert_eq!(
            filter(r#"contact.title is empty or in campaign "x""#).scopes(),
            [Scope::Contact]
        );
    }

    const FIELDS: &[Field] = &[
        Field {
            scope: Scope::Contact,
            column: "title",
            ty: FieldType::Text,
        },
        Field {
            scope: Scope::Contact,
            column: "seniority",
            ty: FieldType::Enum {
                values: SENIORITY_ORDER,
                ranked: true,
            },
        },
        Field {
            scope: Scope::Contact,
            column: "status",
            ty: FieldType::Enum {
                values: &["active", "nurture"],
                ranked: false,
            },
        },
        Field {
            scope: Scope::Contact,
            column: "created_at",
            ty: FieldType::Timestamp,
        },
        Field {
            scope: Scope::Contact,
            column: "last_activity_at",
            ty: FieldType::Timestamp,
        },
        Field {
            scope: Scope::Account,
            column: "industry",
            ty: FieldType::Text,
        },
        Field {
            scope: Scope::Account,
            column: "employees",
            ty: FieldType::Integer,
        },
        Field {
            scope: Scope::Account,
            column: "created_at",
            ty: FieldType::Timestamp,
        },
        Field {
            scope: Scope::Parent,
            column: "state",
            ty: FieldType::Text,
        },
        Field {
            scope: Scope::Related(Related::Opportunity),
            column: "amount",
            ty: FieldType::Number,
        },
        Field {
            scope: Scope::Related(Related::Opportunity),
            column: "close_date",
            ty: FieldType::Date,
        },
    ];

    const OPS: &[CompareOp] = &[
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Lt,
        CompareOp::Le,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Contains,
        CompareOp::StartsWith,
    ];

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        prop_oneof![
            (-1_000_000i32..1_000_000).prop_map(|d| {
                NaiveDate::from_num_days_from_ce_opt(d + 739_000).unwrap_or(NaiveDate::MIN)
            }),
            Just(NaiveDate::MIN),
            Just(NaiveDate::MAX),
        ]
    }

    const UNITS: &[char] = &['d', 'w', 'm', 'y', 'x'];

    /// Any operand, of any kind: also the ones the checker never pairs with the field.
    fn any_operand() -> impl Strategy<Value = Operand> {
        prop_oneof![
            "[a-zA-ZÉé%_ ]{0,6}".prop_map(Operand::Text),
            prop::sample::select(SENIORITY_ORDER).prop_map(|s| Operand::Text(s.into())),
            any::<i64>().prop_map(Operand::Integer),
            any::<f64>().prop_map(Operand::Number),
            any_date().prop_map(Operand::Date),
            (any::<i64>(), prop::sample::select(UNITS)).prop_map(|(n, u)| Operand::Relative(n, u)),
        ]
    }

    fn any_leaf() -> impl Strategy<Value = Checked> {
        let field = prop::sample::select(FIELDS);
        prop_oneof![
            (field.clone(), prop::sample::select(OPS), any_operand())
                .prop_map(|(field, op, value)| Checked::Compare { field, op, value }),
            (
                field.clone(),
                prop::collection::vec(any_operand(), 0..3),
                any::<bool>()
            )
                .prop_map(|(field, values, negated)| Checked::In {
                    field,
                    values,
                    negated
                }),
            (field, any::<bool>()).prop_map(|(field, negated)| Checked::IsEmpty { field, negated }),
            Just(Checked::InCampaign("x".into())),
            Just(Checked::Has {
                related: Related::Activity,
                filter: None
            }),
        ]
    }

    fn any_filter() -> impl Strategy<Value = Checked> {
        any_leaf().prop_recursive(4, 24, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| Checked::And(Box::new(a), Box::new(b))),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| Checked::Or(Box::new(a), Box::new(b))),
                inner.prop_map(|a| Checked::Not(Box::new(a))),
            ]
        })
    }

    fn any_timestamp() -> impl Strategy<Value = DateTime<Utc>> {
        (-100_000_000_000i64..100_000_000_000)
            .prop_map(|s| DateTime::from_timestamp(s, 0).unwrap_or_default())
    }

    fn any_records() -> impl Strategy<Value = (Contact, Account)> {
        (
            prop::option::of("[a-zA-ZÉé%_ ]{0,6}"),
            prop::option::of(prop::sample::select(Seniority::ALL)),
            any_timestamp(),
            prop::option::of("[a-zA-Z ]{0,4}"),
            prop::option::of(any::<i64>()),
            any_timestamp(),
        )
            .prop_map(|(title, seniority, c_at, industry, employees, a_at)| {
                let mut c = contact();
                let mut a = account();
                c.title = title;
                c.seniority = seniority;
                c.buying_role = Some(BuyingRole::Champion);
                c.created_at = c_at;
                a.industry = industry;
                a.employees = employees;
                a.created_at = a_at;
                (c, a)
            })
    }

    proptest! {
        #[test]
        fn any_filter_evaluates_without_panicking(
            f in any_filter(),
            (c, a) in any_records(),
            today in any_date(),
        ) {
            let both = (&c, &a);
            let _ = (matches(&f, &c, today), matches(&f, &a, today), f.scopes(), f.needs_related());
            // `!=` and `not in` are the complements of `=` and `in`, missing values included.
            if let Checked::Compare { field, op: CompareOp::Eq, value } = &f {
                let ne = Checked::Compare { field: *field, op: CompareOp::Ne, value: value.clone() };
                prop_assert_ne!(matches(&f, &both, today), matches(&ne, &both, today));
            }
            if let Checked::In { field, values, negated } = &f {
                let flipped = Checked::In { field: *field, values: values.clone(), negated: !negated };
                prop_assert_ne!(matches(&f, &both, today), matches(&flipped, &both, today));
            }
        }

        #[test]
        fn any_filter_text_the_grammar_builds_evaluates_without_panicking(
            s in filter_text(),
            (c, a) in any_records(),
            today in any_date(),
        ) {
            if let Ok(f) = parse(&s).and_then(|e| check(&e, Target::Contacts)) {
                let _ = matches(&f, &(&c, &a), today);
            }
        }
    }

    const NAMES: &[&str] = &[
        "contact.title",
        "contact.seniority",
        "contact.created_at",
        "contact.last_activity_at",
        "account.employees",
        "account.industry",
        "account.created_at",
        "account.parent.state",
    ];
    const VALUES: &[&str] = &[
        "\"vp\"",
        "\"Director\"",
        "\"\"",
        "\"SaaS\"",
        "\"%_\"",
        "\"2026-01-01\"",
        "200",
        "-1",
        "9999999999999999999999",
        "-90d",
        "+2w",
        "-3m",
        "-999999999y",
        "1y",
    ];
    const OP_TEXT: &[&str] = &["=", "!=", "<", "<=", ">", ">=", "contains", "starts with"];

    /// Filter text from a small grammar: conditions on a few fields joined by and, or, not.
    fn filter_text() -> impl Strategy<Value = String> {
        let name = prop::sample::select(NAMES);
        let value = prop::sample::select(VALUES);
        let op = prop::sample::select(OP_TEXT);
        let condition = prop_oneof![
            (name.clone(), op, value.clone()).prop_map(|(n, o, v)| format!("{n} {o} {v}")),
            (
                name.clone(),
                any::<bool>(),
                prop::collection::vec(value, 1..3)
            )
                .prop_map(|(n, not, vs)| format!(
                    "{n} {}in ({})",
                    if not { "not " } else { "" },
                    vs.join(", ")
                )),
            (name, any::<bool>())
                .prop_map(|(n, not)| format!("{n} is {}empty", if not { "not " } else { "" })),
        ];
        condition.prop_recursive(3, 12, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} and {b})")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} or {b})")),
                inner.prop_map(|a| format!("not {a}")),
            ]
        })
    }
}
