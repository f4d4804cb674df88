//! Intake records as stored, the ways a person resolves one in review, and contact merges.

use super::{Contact, ContactStatus, IntakeOutcome, MemberStatus, NewAccount};
use crate::ids::{AccountId, CampaignId, ContactId, UserId};
use crate::matching::{Candidate, PersonRecord};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A raw person record as it arrived, with what intake decided. The payload is never changed;
/// a review resolution adds who resolved it and how.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct IntakeRecord {
    pub id: i64,
    /// Where it came from: `api`, `import:people.csv`, `vcard:cards.vcf`, ...
    pub source: String,
    /// The record's key within its source (a row id, or a hash of its content): the same key
    /// from the same source is taken once.
    pub source_key: Option<String>,
    pub received_at: DateTime<Utc>,
    #[schema(value_type = Object)]
    pub payload: PersonRecord,
    /// Company facts the person typed (company, website, location, DUNS). Kept here, never
    /// written over the account's own fields.
    #[schema(value_type = Object)]
    pub observations: serde_json::Value,
    pub outcome: IntakeOutcome,
    /// The matching tier that decided (`email_domain`, `fuzzy_company`, ...).
    pub rule: Option<String>,
    pub confidence: Option<f64>,
    /// The accounts considered, best first.
    #[schema(value_type = Vec<Object>)]
    pub candidates: Vec<Candidate>,
    pub explanation: Option<String>,
    pub account_id: Option<AccountId>,
    pub contact_id: Option<ContactId>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Who resolved it in review, and how.
    pub resolution: Option<String>,
    /// The record it repeats: it went to review as the same person as that record, which
    /// waited there already, and is placed with it when that record is resolved. Such a record
    /// is not listed in the review queue on its own.
    pub duplicate_of: Option<i64>,
    /// The records that repeat this one (see `duplicate_of`), oldest first.
    pub duplicates: Vec<i64>,
    /// What becomes of the person: the status, owner, source and creation date of a contact
    /// made from the record, and the campaign they answered. A record placed from review
    /// becomes the contact it would have become at once.
    pub person: PersonContext,
}

/// What the source says about the person beyond the record's fields: the status, owner, source
/// and creation date of a contact created from it, and the campaign the person answered.
/// Intake keeps it with the record (a record waiting in review keeps it until it is placed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PersonContext {
    /// The status of a contact created from the record (a contact it merges into keeps its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ContactStatus>,
    /// The owner of a contact created from the record (a contact it merges into keeps its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<UserId>,
    /// Where the person came from, for a contact created from the record; the intake source
    /// when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// When the source first knew the person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    /// The campaign the person answered, and how: recorded as a campaign membership and an
    /// activity of the contact the record becomes (or merges into).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<CampaignResponse>,
}

/// A campaign a person answered, and how far they went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CampaignResponse {
    pub campaign_id: CampaignId,
    pub status: MemberStatus,
}

/// How a person settles a record waiting in review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Resolution {
    /// The person works at this account (usually one of the candidates).
    Account(AccountId),
    /// The person's company has no account yet: create it.
    NewAccount(Box<NewAccount>),
    /// Not a person to keep (spam, test entry); the reason is recorded.
    Reject(String),
}

/// Which contact's value a merged field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Survivor,
    Merged,
}

/// The fields a merge decides, and which side each takes when the caller chooses. Fields not
/// chosen follow the survivorship rule: the most recently updated non-empty value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeChoices {
    pub first_name: Option<Side>,
    pub last_name: Option<Side>,
    pub email: Option<Side>,
    pub phone: Option<Side>,
    pub title: Option<Side>,
    pub buying_role: Option<Side>,
    pub owner_id: Option<Side>,
    pub source: Option<Side>,
}

/// A merge as recorded, enough to undo it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ContactMerge {
    pub id: i64,
    pub survivor_id: ContactId,
    pub merged_id: ContactId,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub undone_at: Option<DateTime<Utc>>,
    /// The surviving contact after the merge (or after the undo).
    pub survivor: Contact,
}

/// The surviving contact's fields after merging `merged` into `survivor`: each field takes the
/// chosen side, else the value of whichever contact was updated more recently, else the other's
/// when that one is empty. The survivor keeps its id, account, status and creation time (the
/// earlier of the two, since the person was known from then).
pub fn survive(survivor: &Contact, merged: &Contact, choices: &MergeChoices) -> Contact {
    let merged_is_newer = merged.updated_at > survivor.updated_at;
    fn pick<T: Clone>(
        choice: Option<Side>,
        survivor: &Option<T>,
        merged: &Option<T>,
        merged_is_newer: bool,
    ) -> Option<T> {
        match choice {
            Some(Side::Survivor) => survivor.clone(),
            Some(Side::Merged) => merged.clone(),
            None if merged_is_newer => merged.clone().or_else(|| survivor.clone()),
            None => survivor.clone().or_else(|| merged.clone()),
        }
    }
    let mut out = survivor.clone();
    out.first_name = pick(
        choices.first_name,
        &survivor.first_name,
        &merged.first_name,
        merged_is_newer,
    );
    out.last_name = pick(
        choices.last_name,
        &survivor.last_name,
        &merged.last_name,
        merged_is_newer,
    );
    out.email = pick(
        choices.email,
        &survivor.email,
        &merged.email,
        merged_is_newer,
    );
    out.phone = pick(
        choices.phone,
        &survivor.phone,
        &merged.phone,
        merged_is_newer,
    );
    let title_side = match choices.title {
        Some(side) => side,
        None if merged_is_newer && merged.title.is_some() => Side::Merged,
        None if survivor.title.is_none() && merged.title.is_some() => Side::Merged,
        None => Side::Survivor,
    };
    // The title carries its parsed seniority and department along.
    let from = if title_side == Side::Merged {
        merged
    } else {
        survivor
    };
    out.title = from.title.clone();
    out.seniority = from.seniority;
    out.department = from.department;
    out.buying_role = pick(
        choices.buying_role,
        &survivor.buying_role,
        &merged.buying_role,
        merged_is_newer,
    );
    out.owner_id = pick(
        choices.owner_id,
        &survivor.owner_id,
        &merged.owner_id,
        merged_is_newer,
    );
    out.source = pick(
        choices.source,
        &survivor.source,
        &merged.source,
        merged_is_newer,
    );
    out.created_at = survivor.created_at.min(merged.created_at);
    out
}

/// The survivor after undoing a merge: each field that still holds the value the merge gave it
/// goes back to its value before the merge; a field someone changed since keeps that change.
pub fn unmerge(current: &Contact, before: &Contact, after: &Contact) -> Contact {
    fn back<T: Clone + PartialEq>(now: &T, before: &T, after: &T) -> T {
        if now == after {
            before.clone()
        } else {
            now.clone()
        }
    }
    let mut out = current.clone();
    out.first_name = back(&current.first_name, &before.first_name, &after.first_name);
    out.last_name = back(&current.last_name, &before.last_name, &after.last_name);
    out.email = back(&current.email, &before.email, &after.email);
    out.phone = back(&current.phone, &before.phone, &after.phone);
    if current.title == after.title {
        out.title = before.title.clone();
        out.seniority = before.seniority;
        out.department = before.department;
    }
    out.buying_role = back(
        &current.buying_role,
        &before.buying_role,
        &after.buying_role,
    );
    out.owner_id = back(&current.owner_id, &before.owner_id, &after.owner_id);
    out.source = back(&current.source, &before.source, &after.source);
    out.created_at = before.created_at;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ContactStatus;
    use crate::normalize::Email;
    use chrono::TimeZone;

    fn contact(id: i64, updated_day: u32) -> Contact {
        let t = Utc.with_ymd_and_hms(2026, 3, updated_day, 0, 0, 0).unwrap();
        Contact {
            id: ContactId(id),
            account_id: AccountId(1),
            first_name: None,
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
            created_at: t,
            updated_at: t,
        }
    }

    #[test]
    fn the_most_recent_non_empty_value_survives() {
        let mut old = contact(1, 1);
        old.first_name = Some("Robert".into());
        old.phone = Some("+1 555 0100".into());
        old.email = Some(Email::parse("bob@acme.com").unwrap());
        let mut new = contact(2, 20);
        new.first_name = Some("Bob".into());
        new.title = Some("VP Sales".into());
        let out = survive(&old, &new, &MergeChoices::default());
        assert_eq!(out.id, ContactId(1));
        assert_eq!(out.first_name.as_deref(), Some("Bob"));
        assert_eq!(
            out.phone.as_deref(),
            Some("+1 555 0100"),
            "empty never wins"
        );
        assert_eq!(out.email.unwrap().as_str(), "bob@acme.com");
        assert_eq!(out.title.as_deref(), Some("VP Sales"));
        assert_eq!(out.created_at, old.created_at);
    }

    #[test]
    fn undoing_restores_merged_fields_but_keeps_later_edits() {
        let mut before = contact(1, 1);
        before.first_name = Some("Robert".into());
        let mut merged = contact(2, 20);
        merged.first_name = Some("Bob".into());
        merged.phone = Some("555".into());
        let after = survive(&before, &merged, &MergeChoices::default());
        let mut current = after.clone();
        current.phone = Some("556".into());
        let undone = unmerge(&current, &before, &after);
        assert_eq!(undone.first_name.as_deref(), Some("Robert"));
        assert_eq!(undone.phone.as_deref(), Some("556"), "a later edit stays");
    }

    #[test]
    fn a_chosen_side_wins_even_when_empty() {
        let mut a = contact(1, 1);
        a.first_name = Some("Robert".into());
        let mut b = contact(2, 20);
        b.first_name = Some("Bob".into());
        b.phone = Some("555".into());
        let choices = MergeChoices {
            first_name: Some(Side::Survivor),
            phone: Some(Side::Survivor),
            ..MergeChoices::default()
        };
        let out = survive(&a, &b, &choices);
        assert_eq!(out.first_name.as_deref(), Some("Robert"));
        assert_eq!(out.phone, None);
    }
}
