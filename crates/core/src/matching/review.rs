//! Records waiting in review that repeat one another. The review queue holds each person once:
//! a record that goes to review but is evidently the same person as a record already waiting
//! there (the same address, the same mailbox, or the same distinctive free-mail handle under
//! the same name) is attached to that record as its duplicate, and placed with it when a
//! person resolves it.

use super::engine::similarity;
use super::handle::handle_key;
use super::index::{review_company, MatchIndex};
use super::record::PersonRecord;
use crate::normalize::person::person_key;
use crate::normalize::Email;
use serde::Serialize;

/// How alike two typed company names must be (see [`similarity`]) not to speak against a
/// shared free-mail handle: the bar of an automatic fuzzy company match.
const SAME_COMPANY: f64 = 0.9;

/// The earlier record waiting in review that a record repeats, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewRepeat {
    /// The intake record repeated: the first of the person (negative while it is planned in
    /// the same batch, see [`super::provisional_record`]).
    pub record: i64,
    /// `review_email`, `review_email_plus_tag` or `review_handle`.
    pub rule: &'static str,
    pub confidence: f64,
    pub explanation: String,
}

/// The record waiting in review that `p` repeats, if any. The same evidence as tier 1 of
/// matching, against the review queue instead of the contacts.
pub fn repeated_review(index: &MatchIndex, p: &PersonRecord) -> Option<ReviewRepeat> {
    let email = p.email.as_deref().and_then(|e| Email::parse(e).ok())?;
    let found = |record: i64, rule, confidence, why: String| ReviewRepeat {
        record,
        rule,
        confidence,
        explanation: format!(
            "{why}: the same person as a record waiting in review, placed with it"
        ),
    };
    if let Some(&r) = index.review_by_email.get(email.as_str()) {
        return Some(found(
            r,
            "review_email",
            1.0,
            format!("{email} is waiting in review already"),
        ));
    }
    if let Some(&r) = index.review_by_mailbox.get(&email.without_plus_tag()) {
        return Some(found(
            r,
            "review_email_plus_tag",
            0.95,
            format!("{} is waiting in review already", email.without_plus_tag()),
        ));
    }
    let k = handle_key(&email, p.first_name.as_deref(), p.last_name.as_deref())?;
    let (r, theirs) = index.review_by_handle.get(&k)?;
    // Among several people of this name, `ingridclark34` at two providers is two of them as
    // often as one (on a generated export of a million leads, four wrong attachments in five):
    // the handle counts only while the queue holds one person of the name. Resolved and
    // refused records are not subtracted, which errs towards leaving a record on its own.
    let name = person_key(p.first_name.as_deref(), p.last_name.as_deref())?;
    if index.review_names.get(&name).copied().unwrap_or(0) > 1 {
        return None;
    }
    let mine = review_company(p);
    if !mine.is_empty() && !theirs.is_empty() && similarity(&mine, theirs) < SAME_COMPANY {
        // One handle, one name, two companies: two namesakes as likely as one person.
        return None;
    }
    let r = *r;
    Some(found(
        r,
        "review_handle",
        0.9,
        format!(
            "{} {} wrote from the handle {:?} at another free-mail provider",
            p.first_name.as_deref().unwrap_or(""),
            p.last_name.as_deref().unwrap_or(""),
            k.handle
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(first: &str, last: &str, email: &str) -> PersonRecord {
        PersonRecord {
            first_name: Some(first.into()),
            last_name: Some(last.into()),
            email: Some(email.into()),
            ..PersonRecord::default()
        }
    }

    fn queue() -> MatchIndex {
        let mut index = MatchIndex::new();
        index.insert_review(7, None, &person("Ingrid", "Clark", "ingridclark34@aol.com"));
        index.insert_review(8, None, &person("John", "Smith", "jsmith@gmail.com"));
        index
    }

    fn repeats(index: &MatchIndex, p: &PersonRecord) -> Option<(i64, &'static str)> {
        repeated_review(index, p).map(|r| (r.record, r.rule))
    }

    #[test]
    fn a_handle_does_not_tell_apart_namesakes_already_waiting() {
        let mut index = queue();
        assert_eq!(
            repeats(&index, &person("Ingrid", "Clark", "ingridclark34@gmx.de")),
            Some((7, "review_handle"))
        );
        // A second Ingrid Clark waits, under another handle: from now on a handle alone
        // attaches no Ingrid Clark, while an address still does.
        index.insert_review(9, None, &person("Ingrid", "Clark", "ingrid.c.77@yahoo.com"));
        assert_eq!(
            repeats(&index, &person("Ingrid", "Clark", "ingridclark34@gmx.de")),
            None
        );
        assert_eq!(
            repeats(&index, &person("Ingrid", "Clark", "ingridclark34@aol.com")),
            Some((7, "review_email"))
        );
    }

    #[test]
    fn the_same_address_or_mailbox_repeats_a_waiting_record_whatever_the_name() {
        let index = queue();
        assert_eq!(
            repeats(&index, &person("I.", "Clark", "IngridClark34@AOL.com")),
            Some((7, "review_email"))
        );
        assert_eq!(
            repeats(&index, &person("", "", "jsmith+news@gmail.com")),
            Some((8, "review_email_plus_tag"))
        );
    }

    #[test]
    fn a_distinctive_handle_at_another_provider_under_the_same_name_repeats_it() {
        let index = queue();
        assert_eq!(
            repeats(
                &index,
                &person("Ingrid", "Clark", "ingridclark34@hotmail.com")
            ),
            Some((7, "review_handle"))
        );
    }

    #[test]
    fn another_name_or_a_handle_any_namesake_would_pick_does_not() {
        let index = queue();
        assert_eq!(
            repeats(
                &index,
                &person("Astrid", "Clark", "ingridclark34@hotmail.com")
            ),
            None,
            "a different first name"
        );
        assert_eq!(
            repeats(&index, &person("John", "Smith", "jsmith@yahoo.com")),
            None,
            "jsmith is any John Smith's handle"
        );
        assert_eq!(
            repeats(&index, &person("Ingrid", "Clark", "ingridclark34@acme.com")),
            None,
            "a work address is not a free-mail handle"
        );
    }

    #[test]
    fn a_repeat_of_a_repeat_leads_to_the_first_record() {
        let mut index = queue();
        let second = person("Ingrid", "Clark", "ingridclark34@hotmail.com");
        let r = repeated_review(&index, &second).unwrap();
        index.insert_review(9, Some(r.record), &second);
        assert_eq!(
            repeats(
                &index,
                &person("Ingrid", "Clark", "INGRIDCLARK34@hotmail.com")
            ),
            Some((7, "review_email"))
        );
    }

    #[test]
    fn a_handle_naming_another_company_does_not_repeat_it() {
        let mut index = MatchIndex::new();
        let mut first = person("Ingrid", "Clark", "ingridclark34@aol.com");
        first.company = Some("Acme Robotics".into());
        index.insert_review(7, None, &first);
        let mut elsewhere = person("Ingrid", "Clark", "ingridclark34@gmail.com");
        elsewhere.company = Some("Globex Insurance".into());
        assert_eq!(repeats(&index, &elsewhere), None);
        elsewhere.company = Some("ACME Robotics Inc.".into());
        assert_eq!(repeats(&index, &elsewhere), Some((7, "review_handle")));
        elsewhere.company = Some("n/a".into());
        assert_eq!(repeats(&index, &elsewhere), Some((7, "review_handle")));
        // The same address is the same person whatever company it names.
        let mut same = person("Ingrid", "Clark", "ingridclark34@aol.com");
        same.company = Some("Globex Insurance".into());
        assert_eq!(repeats(&index, &same), Some((7, "review_email")));
    }

    #[test]
    fn resolved_records_leave_the_queue() {
        let mut index = queue();
        index.remove_reviews(&[7].into_iter().collect());
        assert_eq!(
            repeats(&index, &person("Ingrid", "Clark", "ingridclark34@aol.com")),
            None
        );
        assert!(repeats(&index, &person("", "", "jsmith@gmail.com")).is_some());
    }
}
