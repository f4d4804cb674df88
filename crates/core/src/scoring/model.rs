//! The scoring model: a TOML file an operations person reads and edits (see `default.toml`),
//! parsed and checked into [`ScoringModel`]. Every mistake is reported with its line.

use super::Points;
use crate::filter::{self, Checked, Scope};
use crate::model::{ActivityKind, CampaignKind, ContactStatus, MemberStatus};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::ops::Range;
use toml::Spanned;
use utoipa::ToSchema;

/// The model used until one is saved.
pub const DEFAULT_MODEL: &str = include_str!("default.toml");

/// What is wrong with a model file, and on which line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ModelError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl ModelError {
    fn at(text: &str, offset: usize, message: impl Into<String>) -> ModelError {
        let before = &text[..floor_char_boundary(text, offset)];
        ModelError {
            line: before.matches('\n').count() + 1,
            column: before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
            message: message.into(),
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// How a parent account's score takes in its subsidiaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rollup {
    /// Each account is scored on its own: a subsidiary and its parent are separate.
    Own,
    /// The parent's own score plus each subsidiary's rolled-up score: the hierarchy as one.
    SumChildren,
    /// The best of the parent's own score and its subsidiaries' rolled-up scores.
    MaxChildren,
}

/// Whose fields a fit rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FitTarget {
    Contact,
    Account,
}

/// Points for a contact or an account that matches a filter.
#[derive(Debug, Clone)]
pub struct FitRule {
    pub name: String,
    /// The filter as written.
    pub when: String,
    pub filter: Checked,
    pub target: FitTarget,
    pub points: Points,
}

/// Points for each matching activity, decaying with its age.
#[derive(Debug, Clone)]
pub struct EngagementRule {
    pub name: String,
    /// The kinds it matches; empty matches every kind.
    pub kinds: Vec<ActivityKind>,
    /// Only activities of this campaign (by name, case-insensitive).
    pub campaign: Option<String>,
    pub points: Points,
    /// The contribution halves after each of these; `None` never decays.
    pub half_life_days: Option<f64>,
    /// Activities older than this count nothing.
    pub within_days: Option<u32>,
    /// At most this much per contact from this rule.
    pub max_points: Option<Points>,
}

/// Contact-level settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactSettings {
    /// Engagement from which a contact counts as engaged (for breadth).
    pub engaged_at: Points,
    /// At most this much engagement per contact.
    pub max_engagement: Option<Points>,
}

/// Account-level settings.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountSettings {
    /// Each further contact (best first) counts this share of the one before.
    pub next_contact_weight: f64,
    pub max_contacts: usize,
    pub points_per_role: Points,
    pub points_per_seniority: Points,
    pub skip_statuses: Vec<ContactStatus>,
    pub rollup: Rollup,
    /// With `sum_children`, a subsidiary's rolled-up score counts this share in its parent's:
    /// two levels down, its square. 1 counts the hierarchy as one.
    pub subsidiary_weight: f64,
}

/// Account score thresholds of the stage rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StageThresholds {
    pub engaged_at: Points,
    pub qualified_at: Points,
}

/// A checked scoring model.
#[derive(Debug, Clone)]
pub struct ScoringModel {
    pub name: String,
    pub contact: ContactSettings,
    pub account: AccountSettings,
    pub stages: StageThresholds,
    pub fit: Vec<FitRule>,
    pub engagement: Vec<EngagementRule>,
    /// Per campaign kind, the membership statuses that are a person's answer to it (campaign
    /// influence counts only those); every kind is present.
    pub responses: Vec<(CampaignKind, Vec<MemberStatus>)>,
}

/// The membership statuses that answer a campaign of a kind the model does not list: a
/// registration, an attendance, a response (a send reaches a person without an answer).
pub const DEFAULT_RESPONSES: [MemberStatus; 3] = [
    MemberStatus::Registered,
    MemberStatus::Attended,
    MemberStatus::Responded,
];

impl ScoringModel {
    /// The membership statuses that answer a campaign of `kind`.
    pub fn responses_to(&self, kind: CampaignKind) -> &[MemberStatus] {
        self.responses
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(&DEFAULT_RESPONSES[..], |(_, s)| s.as_slice())
    }

    /// The model abcrm ships with.
    pub fn default_model() -> ScoringModel {
        parse_model(DEFAULT_MODEL).expect("the shipped scoring model is valid")
    }

    /// Campaign names the engagement rules refer to.
    pub fn campaign_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .engagement
            .iter()
            .filter_map(|r| r.campaign.as_deref())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

// --- the file as written ---

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    name: Spanned<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    contact: RawContact,
    #[serde(default)]
    account: RawAccount,
    #[serde(default)]
    stages: RawStages,
    #[serde(default)]
    fit: Vec<RawFit>,
    #[serde(default)]
    engagement: Vec<RawEngagement>,
    #[serde(default)]
    responses: std::collections::BTreeMap<String, Spanned<Vec<Spanned<String>>>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawContact {
    engaged_at: Option<Spanned<f64>>,
    max_engagement: Option<Spanned<f64>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAccount {
    next_contact_weight: Option<Spanned<f64>>,
    max_contacts: Option<Spanned<i64>>,
    points_per_role: Option<Spanned<f64>>,
    points_per_seniority: Option<Spanned<f64>>,
    skip_statuses: Option<Spanned<Vec<Spanned<String>>>>,
    rollup: Option<Spanned<String>>,
    subsidiary_weight: Option<Spanned<f64>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStages {
    engaged_at: Option<Spanned<f64>>,
    qualified_at: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFit {
    name: Spanned<String>,
    when: Spanned<String>,
    points: Spanned<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEngagement {
    name: Spanned<String>,
    #[serde(default)]
    kinds: Vec<Spanned<String>>,
    campaign: Option<Spanned<String>>,
    points: Spanned<f64>,
    half_life_days: Option<Spanned<f64>>,
    within_days: Option<Spanned<i64>>,
    max_points: Option<Spanned<f64>>,
}

/// Largest number of points a rule or threshold may name: far beyond any sensible model, small
/// enough that sums of millions of contributions stay exact in 64 bits.
const MAX_POINTS: f64 = 1_000_000.0;

/// Parses and checks a model file.
pub fn parse_model(text: &str) -> Result<ScoringModel, ModelError> {
    let raw: RawModel = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        ModelError::at(text, offset, e.message().trim().to_string())
    })?;
    let _ = raw.description;
    let err = |span: Range<usize>, message: String| ModelError::at(text, span.start, message);
    let points = |v: &Spanned<f64>, what: &str| -> Result<Points, ModelError> {
        let x = *v.get_ref();
        if !x.is_finite() || x.abs() > MAX_POINTS {
            return Err(err(
                v.span(),
                format!("{what} must be a number between -{MAX_POINTS} and {MAX_POINTS}"),
            ));
        }
        Ok(Points::from_f64(x))
    };
    let positive = |v: &Spanned<f64>, what: &str| -> Result<f64, ModelError> {
        let x = *v.get_ref();
        if !x.is_finite() || x <= 0.0 {
            return Err(err(v.span(), format!("{what} must be a number above 0")));
        }
        Ok(x)
    };

    let name = raw.name.get_ref().trim().to_string();
    if name.is_empty() {
        return Err(err(raw.name.span(), "name must not be empty".into()));
    }

    let contact = ContactSettings {
        engaged_at: match &raw.contact.engaged_at {
            Some(v) => points(v, "contact.engaged_at")?,
            None => Points::from_f64(1.0),
        },
        max_engagement: match &raw.contact.max_engagement {
            Some(v) => Some(Points::from_f64(positive(v, "contact.max_engagement")?)),
            None => None,
        },
    };

    let a = &raw.account;
    let next_contact_weight = match &a.next_contact_weight {
        Some(v) => {
            let w = *v.get_ref();
            if !(w > 0.0 && w <= 1.0) {
                return Err(err(v.span(), "account.next_contact_weight must be above 0 and at most 1 (1 counts every contact fully)".into()));
            }
            w
        }
        None => 0.7,
    };
    let max_contacts = match &a.max_contacts {
        Some(v) => {
            let n = *v.get_ref();
            if !(1..=10_000).contains(&n) {
                return Err(err(
                    v.span(),
                    "account.max_contacts must be between 1 and 10000".into(),
                ));
            }
            n as usize
        }
        None => 10,
    };
    let mut skip_statuses = Vec::new();
    match &a.skip_statuses {
        Some(list) => {
            for s in list.get_ref() {
                let status = s
                    .get_ref()
                    .parse::<ContactStatus>()
                    .map_err(|e| err(s.span(), e.to_string()))?;
                skip_statuses.push(status);
            }
        }
        None => skip_statuses.push(ContactStatus::LeftCompany),
    }
    let rollup = match &a.rollup {
        Some(v) => match v.get_ref().as_str() {
            "own" => Rollup::Own,
            "sum_children" => Rollup::SumChildren,
            "max_children" => Rollup::MaxChildren,
            other => {
                return Err(err(
                    v.span(),
                    format!("account.rollup {other:?} is not one of \"own\", \"sum_children\", \"max_children\""),
                ))
            }
        },
        None => Rollup::Own,
    };
    let subsidiary_weight = match &a.subsidiary_weight {
        Some(v) => {
            let w = *v.get_ref();
            if !(w > 0.0 && w <= 1.0) {
                return Err(err(v.span(), "account.subsidiary_weight must be above 0 and at most 1 (1 counts the hierarchy as one)".into()));
            }
            w
        }
        None => 1.0,
    };
    let account = AccountSettings {
        next_contact_weight,
        max_contacts,
        points_per_role: match &a.points_per_role {
            Some(v) => points(v, "account.points_per_role")?,
            None => Points::ZERO,
        },
        points_per_seniority: match &a.points_per_seniority {
            Some(v) => points(v, "account.points_per_seniority")?,
            None => Points::ZERO,
        },
        skip_statuses,
        rollup,
        subsidiary_weight,
    };

    let engaged_at = match &raw.stages.engaged_at {
        Some(v) => points(v, "stages.engaged_at")?,
        None => Points::from_f64(10.0),
    };
    let stages = StageThresholds {
        engaged_at,
        qualified_at: match &raw.stages.qualified_at {
            Some(v) => {
                let q = points(v, "stages.qualified_at")?;
                if q < engaged_at {
                    return Err(err(
                        v.span(),
                        format!(
                            "stages.qualified_at ({q}) must not be below stages.engaged_at ({engaged_at})"
                        ),
                    ));
                }
                q
            }
            None => engaged_at.max(Points::from_f64(50.0)),
        },
    };

    let mut names = HashSet::new();
    let mut unique = |n: &Spanned<String>| -> Result<String, ModelError> {
        let s = n.get_ref().trim().to_string();
        if s.is_empty() {
            return Err(err(n.span(), "a rule needs a name".into()));
        }
        if !names.insert(s.to_lowercase()) {
            return Err(err(
                n.span(),
                format!("two rules are named {s:?}; give each rule its own name (explanations refer to rules by name)"),
            ));
        }
        Ok(s)
    };

    let mut fit = Vec::with_capacity(raw.fit.len());
    for r in &raw.fit {
        let name = unique(&r.name)?;
        let when = r.when.get_ref();
        // Where the filter text starts in the file: past the opening quote(s).
        let span = r.when.span();
        let quote = text[span.clone()]
            .chars()
            .take_while(|c| *c == '"' || *c == '\'')
            .count();
        let in_file = |pos: usize| span.start + quote + pos;
        let checked = filter::parse(when)
            .and_then(|e| filter::check(&e, filter::Target::Contacts))
            .map_err(|e| {
                ModelError::at(
                    text,
                    in_file(e.position),
                    format!("fit rule {name:?}: {}", e.message),
                )
            })?;
        if when.contains(".score") {
            return Err(err(
                span,
                format!("fit rule {name:?}: a score is what fit rules make; a rule cannot read it"),
            ));
        }
        if when.contains("last_activity_at") {
            return Err(err(span, format!("fit rule {name:?}: recency of activity is engagement, not fit; use an [[engagement]] rule with within_days")));
        }
        if checked.needs_related() {
            return Err(err(span, format!("fit rule {name:?}: `has` and `in campaign` are not fit; score activities with [[engagement]] rules")));
        }
        let scopes = checked.scopes();
        let target = match scopes.as_slice() {
            [Scope::Contact] => FitTarget::Contact,
            [Scope::Account] => FitTarget::Account,
            [] => return Err(err(span, format!("fit rule {name:?} reads no field"))),
            _ if scopes
                .iter()
                .any(|s| matches!(s, Scope::Parent | Scope::UltimateParent)) =>
            {
                return Err(err(span, format!("fit rule {name:?}: a fit rule reads the contact or the account itself, not its parent; with rollup the parent's score takes in its subsidiaries")));
            }
            _ => {
                return Err(err(span, format!("fit rule {name:?} reads both contact and account fields; split it in two (contact fit is counted per contact, account fit once per account)")));
            }
        };
        fit.push(FitRule {
            name,
            when: when.clone(),
            filter: checked,
            target,
            points: points(&r.points, "points")?,
        });
    }

    let mut engagement = Vec::with_capacity(raw.engagement.len());
    for r in &raw.engagement {
        let name = unique(&r.name)?;
        let mut kinds = Vec::new();
        for k in &r.kinds {
            let kind = k
                .get_ref()
                .parse::<ActivityKind>()
                .map_err(|e| err(k.span(), e.to_string()))?;
            if !kind.is_touch() {
                return Err(err(
                    k.span(),
                    format!(
                        "kinds: {kind} is what our side wrote, not something the person did, so it \
                         earns no engagement; remove it"
                    ),
                ));
            }
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        let campaign = match &r.campaign {
            Some(c) if c.get_ref().trim().is_empty() => {
                return Err(err(
                    c.span(),
                    "campaign must name a campaign; leave it out to match every campaign".into(),
                ))
            }
            Some(c) => Some(c.get_ref().trim().to_string()),
            None => None,
        };
        let within_days = match &r.within_days {
            Some(v) => {
                let d = *v.get_ref();
                if !(1..=36_500).contains(&d) {
                    return Err(err(
                        v.span(),
                        "within_days must be between 1 and 36500".into(),
                    ));
                }
                Some(d as u32)
            }
            None => None,
        };
        engagement.push(EngagementRule {
            name,
            kinds,
            campaign,
            points: points(&r.points, "points")?,
            half_life_days: match &r.half_life_days {
                Some(v) => Some(positive(v, "half_life_days")?),
                None => None,
            },
            within_days,
            max_points: match &r.max_points {
                Some(v) => Some(Points::from_f64(positive(v, "max_points")?)),
                None => None,
            },
        });
    }

    let mut responses: Vec<(CampaignKind, Vec<MemberStatus>)> = CampaignKind::ALL
        .iter()
        .map(|k| (*k, DEFAULT_RESPONSES.to_vec()))
        .collect();
    for (kind, statuses) in &raw.responses {
        let kind = kind
            .parse::<CampaignKind>()
            .map_err(|e| err(statuses.span(), format!("responses: {e}")))?;
        let mut list = Vec::new();
        for s in statuses.get_ref() {
            let status = s
                .get_ref()
                .parse::<MemberStatus>()
                .map_err(|e| err(s.span(), format!("responses.{kind}: {e}")))?;
            if !list.contains(&status) {
                list.push(status);
            }
        }
        if let Some(slot) = responses.iter_mut().find(|(k, _)| *k == kind) {
            slot.1 = list;
        }
    }
    Ok(ScoringModel {
        name,
        contact,
        account,
        stages,
        fit,
        engagement,
        responses,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(text: &str) -> ModelError {
        parse_model(text).expect_err("the model should be refused")
    }

    #[test]
    fn the_shipped_model_is_valid() {
        let m = ScoringModel::default_model();
        assert_eq!(m.name, "default");
        assert!(m.fit.iter().any(|f| f.target == FitTarget::Contact));
        assert!(m.fit.iter().any(|f| f.target == FitTarget::Account));
        assert!(!m.engagement.is_empty());
    }

    #[test]
    fn a_minimal_model_takes_defaults() {
        let m = parse_model("name = \"tiny\"\n").unwrap();
        assert_eq!(m.account.rollup, Rollup::Own);
        assert_eq!(m.account.max_contacts, 10);
        assert_eq!(m.account.skip_statuses, vec![ContactStatus::LeftCompany]);
        assert!(m.stages.qualified_at >= m.stages.engaged_at);
    }

    #[test]
    fn responses_are_configured_per_campaign_kind() {
        let m = parse_model("name = \"x\"\n[responses]\nwebinar = [\"attended\"]\n").unwrap();
        assert_eq!(
            m.responses_to(CampaignKind::Webinar),
            [MemberStatus::Attended]
        );
        assert_eq!(m.responses_to(CampaignKind::Email), DEFAULT_RESPONSES);
        let e = error_of("name = \"x\"\n[responses]\nwebinar = [\"clicked\"]\n");
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("clicked"), "{e}");
        let e = error_of("name = \"x\"\n[responses]\npodcast = [\"attended\"]\n");
        assert!(e.message.contains("podcast"), "{e}");
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let e = error_of("name = \"x\"\n[account]\nrollup = \n");
        assert_eq!(e.line, 3, "{e}");
    }

    #[test]
    fn unknown_keys_are_refused_on_their_line() {
        let e =
            error_of("name = \"x\"\n\n[[engagement]]\nname = \"a\"\npoints = 1\nhalflife = 3\n");
        assert_eq!(e.line, 6, "{e}");
        assert!(e.message.contains("halflife"), "{e}");
    }

    #[test]
    fn a_bad_filter_points_into_the_rule() {
        let text =
            "name = \"x\"\n[[fit]]\nname = \"a\"\nwhen = 'contact.titel = \"CEO\"'\npoints = 1\n";
        let e = error_of(text);
        assert_eq!((e.line, e.column), (4, 9), "{e}");
        assert!(e.message.contains("title"), "suggests the field: {e}");
    }

    #[test]
    fn fit_rules_read_one_record() {
        let both = "name = \"x\"\n[[fit]]\nname = \"a\"\nwhen = 'contact.seniority = \"vp\" and account.state = \"CA\"'\npoints = 1\n";
        assert!(error_of(both).message.contains("split it"));
        let has = "name = \"x\"\n[[fit]]\nname = \"a\"\nwhen = 'has opportunity'\npoints = 1\n";
        assert!(error_of(has).message.contains("engagement"));
        let parent = "name = \"x\"\n[[fit]]\nname = \"a\"\nwhen = 'account.parent.state = \"CA\"'\npoints = 1\n";
        assert!(error_of(parent).message.contains("parent"));
    }

    #[test]
    fn values_are_checked() {
        for (text, line, needle) in [
            ("name = \"x\"\n[[engagement]]\nname = \"a\"\nkinds = [\"tweet\"]\npoints = 1\n", 4, "tweet"),
            ("name = \"x\"\n[[engagement]]\nname = \"a\"\nkinds = [\"call\", \"note\"]\npoints = 1\n", 4, "our side wrote"),
            ("name = \"x\"\n[[engagement]]\nname = \"a\"\npoints = 1\nhalf_life_days = 0\n", 5, "above 0"),
            ("name = \"x\"\n[account]\nrollup = \"average\"\n", 3, "average"),
            ("name = \"x\"\n[account]\nnext_contact_weight = 1.5\n", 3, "at most 1"),
            ("name = \"x\"\n[stages]\nengaged_at = 50\nqualified_at = 20\n", 4, "below"),
            ("name = \"x\"\n[[fit]]\nname = \"a\"\nwhen = 'contact.title is empty'\npoints = 1\n[[fit]]\nname = \"A\"\nwhen = 'contact.title is empty'\npoints = 2\n", 7, "two rules"),
            ("name = \"x\"\n[account]\nskip_statuses = [\"gone\"]\n", 3, "gone"),
            ("name = \"\"\n", 1, "empty"),
        ] {
            let e = error_of(text);
            assert_eq!(e.line, line, "{text}: {e}");
            assert!(e.message.contains(needle), "{text}: {e}");
        }
    }
}
