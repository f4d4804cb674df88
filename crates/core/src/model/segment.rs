//! Saved segments: a named filter over contacts or accounts.

use super::{SegmentTarget, MAX_NAME, MAX_TEXT};
use crate::filter::{self, Checked};
use crate::ids::{SegmentId, UserId};
use crate::patch::Patch;
use crate::validation::{require_text, ValidationErrors};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A saved segment. Names are unique; the expression is kept as written and checked again each
/// time it runs, so a segment saved before a field was renamed says what to fix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Segment {
    pub id: SegmentId,
    pub name: String,
    pub target: SegmentTarget,
    /// In the segment filter language, e.g.
    /// `contact.seniority in ("manager", "director") and account.state = "CA"`.
    pub expression: String,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Segment {
    /// The expression, parsed and checked for the segment's target.
    pub fn checked(&self) -> Result<Checked, filter::FilterError> {
        compile(&self.expression, self.target)
    }
}

/// The statuses of people a campaign must not reach: they left, or they asked not to hear
/// from us.
pub const UNREACHABLE_STATUSES: [&str; 2] = ["left_company", "unsubscribed"];

/// The condition a segment of people adds by default: [`UNREACHABLE_STATUSES`] left out.
pub const REACHABLE: &str = r#"contact.status not in ("left_company", "unsubscribed")"#;

/// Who a segment selects when it runs. A segment of people is a list to reach, so by default it
/// holds only people who can be contacted; an expression that speaks of `contact.status`
/// itself decides, and `everyone` takes every person the expression selects.
pub fn audience(filter: Checked, target: SegmentTarget, everyone: bool) -> Checked {
    if everyone || target != SegmentTarget::Contact || names_contact_status(&filter) {
        return filter;
    }
    // Written in the language and checked like any filter, so its field is the catalog's own.
    let reachable = filter::parse(REACHABLE)
        .and_then(|e| filter::check(&e, filter::Target::Contacts))
        .expect("REACHABLE is a valid contact filter (a test parses it)");
    Checked::And(Box::new(filter), Box::new(reachable))
}

/// Whether the filter says anything of the selected person's status (not of a related record's).
fn names_contact_status(f: &Checked) -> bool {
    let is_status =
        |field: &filter::Field| field.scope == filter::Scope::Contact && field.column == "status";
    match f {
        Checked::And(a, b) | Checked::Or(a, b) => {
            names_contact_status(a) || names_contact_status(b)
        }
        Checked::Not(a) => names_contact_status(a),
        Checked::Compare { field, .. }
        | Checked::In { field, .. }
        | Checked::IsEmpty { field, .. } => is_status(field),
        Checked::Has { .. } | Checked::InCampaign(_) => false,
    }
}

/// Parses and checks an expression for a target.
pub fn compile(expression: &str, target: SegmentTarget) -> Result<Checked, filter::FilterError> {
    filter::check(&filter::parse(expression)?, target.filter_target())
}

/// Records a filter error against `field`, with line and column when the text has several lines.
pub fn push_filter_error(
    errors: &mut ValidationErrors,
    field: &str,
    expression: &str,
    e: &filter::FilterError,
) {
    let (line, column) = e.line_column(expression);
    let at = if line > 1 {
        format!("line {line}, column {column}")
    } else {
        format!("character {column}")
    };
    errors.push(field, format!("at {at}: {}", e.message));
}

fn check_expression(errors: &mut ValidationErrors, expression: &str, target: SegmentTarget) {
    require_text(errors, "expression", expression, MAX_TEXT);
    if !expression.trim().is_empty() {
        if let Err(e) = compile(expression, target) {
            push_filter_error(errors, "expression", expression, &e);
        }
    }
}

/// The fields of a new segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSegment {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    /// Defaults to `contact`.
    pub target: Option<SegmentTarget>,
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    pub expression: String,
}

impl NewSegment {
    /// Checks the name and that the expression is valid for the target.
    pub fn validate(self) -> Result<NewSegment, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        require_text(&mut errors, "name", &self.name, MAX_NAME);
        let target = self.target.unwrap_or(SegmentTarget::Contact);
        check_expression(&mut errors, &self.expression, target);
        errors.into_result().map(|()| NewSegment {
            name: self.name.trim().to_string(),
            target: Some(target),
            expression: self.expression.trim().to_string(),
        })
    }
}

/// A partial update of a segment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SegmentPatch {
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: Patch<String>,
    #[schema(value_type = SegmentTarget)]
    pub target: Patch<SegmentTarget>,
    #[schema(value_type = String, min_length = 1, max_length = 10000, pattern = r"\S")]
    pub expression: Patch<String>,
}

impl SegmentPatch {
    /// Applies the patch to `current` and validates the result.
    pub fn apply(self, current: &Segment) -> Result<Segment, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut next = current.clone();
        for (field, patch, value) in [
            ("name", self.name, &mut next.name),
            ("expression", self.expression, &mut next.expression),
        ] {
            match patch {
                Patch::Set(v) => *value = v.trim().to_string(),
                Patch::Clear => errors.push(field, "is required and cannot be cleared"),
                Patch::Keep => {}
            }
        }
        match self.target {
            Patch::Set(t) => next.target = t,
            Patch::Clear => errors.push("target", "cannot be cleared"),
            Patch::Keep => {}
        }
        require_text(&mut errors, "name", &next.name, MAX_NAME);
        check_expression(&mut errors, &next.expression, next.target);
        errors.into_result().map(|()| next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(expression: &str, target: Option<SegmentTarget>) -> NewSegment {
        NewSegment {
            name: " CA managers ".into(),
            target,
            expression: expression.into(),
        }
    }

    #[test]
    fn a_valid_segment_is_trimmed_and_targets_contacts_by_default() {
        let s = new(r#"account.state = "CA""#, None).validate().unwrap();
        assert_eq!(s.name, "CA managers");
        assert_eq!(s.target, Some(SegmentTarget::Contact));
    }

    #[test]
    fn a_bad_expression_is_a_field_error_with_its_position() {
        let e = new(r#"account.stat = "CA""#, None).validate().unwrap_err();
        assert_eq!(e.0.len(), 1);
        assert_eq!(e.0[0].field, "expression");
        assert!(
            e.0[0].reason.starts_with("at character 1:"),
            "{}",
            e.0[0].reason
        );
        assert!(e.0[0].reason.contains("account.state"), "{}", e.0[0].reason);
    }

    #[test]
    fn the_expression_is_checked_for_the_target() {
        // `has contact` only makes sense for accounts.
        let text = r#"not has contact where seniority >= "director""#;
        assert!(new(text, Some(SegmentTarget::Account)).validate().is_ok());
        assert!(new(text, Some(SegmentTarget::Contact)).validate().is_err());
    }

    #[test]
    fn a_patch_that_changes_the_target_rechecks_the_expression() {
        let now = Utc::now();
        let s = Segment {
            id: SegmentId(1),
            name: "x".into(),
            target: SegmentTarget::Account,
            expression: r#"not has contact"#.into(),
            created_by: None,
            created_at: now,
            updated_at: now,
        };
        let patch = SegmentPatch {
            target: Patch::Set(SegmentTarget::Contact),
            ..Default::default()
        };
        assert_eq!(patch.apply(&s).unwrap_err().0[0].field, "expression");
    }

    #[test]
    fn a_segment_of_people_reaches_only_those_who_can_be_contacted() {
        let seg = |e: &str| compile(e, SegmentTarget::Contact).unwrap();
        let plain = seg(r#"contact.seniority = "manager""#);
        let reachable = audience(plain.clone(), SegmentTarget::Contact, false);
        assert_eq!(
            reachable,
            Checked::And(Box::new(plain.clone()), Box::new(seg(REACHABLE)))
        );
        assert_eq!(
            audience(plain.clone(), SegmentTarget::Contact, true),
            plain,
            "everyone asked for"
        );
        let speaks = seg(r#"contact.status = "left_company" or contact.title contains "former""#);
        assert_eq!(
            audience(speaks.clone(), SegmentTarget::Contact, false),
            speaks,
            "the expression decides"
        );
        let related = seg(r#"has activity where kind = "meeting""#);
        assert_ne!(
            audience(related.clone(), SegmentTarget::Contact, false),
            related
        );
        let accounts = compile(r#"account.state = "CA""#, SegmentTarget::Account).unwrap();
        assert_eq!(
            audience(accounts.clone(), SegmentTarget::Account, false),
            accounts
        );
    }
}
