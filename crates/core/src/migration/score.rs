//! Scoring a migration's people.csv against the generator's truth.csv: did each person to place
//! end under the right account, were duplicates folded into the right person, and is every
//! source record accounted for exactly once.
//!
//! Accounts the migration creates are named by its own keys (`new:<normalized company>`), the
//! truth by the generator's (`new:C17`): each predicted group is mapped to the truth label most
//! of its members hold, and a truth label goes to one group only, so splitting a company in two
//! or lumping two together is paid for.

use super::synth::normalize_source_id;
use crate::matching::synth::Score;
use std::collections::{BTreeMap, HashMap};

/// One row of the migration's people.csv (the columns scoring reads).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeopleRow {
    pub source_id: String,
    pub source_object: String,
    pub action: String,
    pub account_source_id: String,
    pub merged_into_source_id: String,
}

/// One row of truth.csv; see [`super::synth::TRUTH_HEADER`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TruthRow {
    pub source_id: String,
    pub source_object: String,
    pub true_account: String,
    pub true_person: String,
    pub source_account: String,
    pub converted_contact: String,
}

impl TruthRow {
    /// A record the export gives no account: an unconverted lead or a contact with none.
    fn to_place(&self) -> bool {
        self.source_account.is_empty() && self.converted_contact.is_empty()
    }
}

/// How a migration did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scorecard {
    /// Records to place (unconverted leads, contacts without an account) put under the right
    /// account; a placement of a record whose truth is unknown counts as a wrong one.
    pub placement: Score,
    /// Records to place that went to review.
    pub reviewed: usize,
    /// Duplicates (other than converted leads) merged into a record of the same person.
    pub duplicates: Score,
    /// Converted leads merged into a record of their person (their contact).
    pub converted_folded: usize,
    pub converted: usize,
    /// Source ids in truth but not in people.csv.
    pub missing: Vec<String>,
    /// Ids in people.csv more than once (only their first row is scored).
    pub repeated: Vec<String>,
    /// Ids in people.csv that are not in truth (bad rows that should have been rejected).
    pub unknown: Vec<String>,
}

/// Scores `people` against `truth`. Ids are compared in their 18-character form.
pub fn score(people: &[PeopleRow], truth: &[TruthRow]) -> Scorecard {
    let mut card = Scorecard::default();
    let truth: BTreeMap<String, &TruthRow> = truth
        .iter()
        .map(|t| (normalize_source_id(&t.source_id), t))
        .collect();
    let mut predicted: HashMap<String, &PeopleRow> = HashMap::new();
    for p in people {
        let id = normalize_source_id(&p.source_id);
        if predicted.contains_key(&id) {
            if !card.repeated.contains(&id) {
                card.repeated.push(id);
            }
            continue;
        }
        if !truth.contains_key(&id) {
            card.unknown.push(id.clone());
        }
        predicted.insert(id, p);
    }
    card.missing = truth
        .keys()
        .filter(|id| !predicted.contains_key(*id))
        .cloned()
        .collect();

    // (a) placement.
    let (mut placed, mut correct, mut relevant) = (0, 0, 0);
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (id, t) in truth.iter().filter(|(_, t)| t.to_place()) {
        relevant += usize::from(!t.true_account.is_empty());
        let Some(p) = predicted.get(id) else { continue };
        let account = p.account_source_id.trim();
        if p.action == "review" || account.is_empty() {
            card.reviewed += usize::from(p.action == "review");
            continue;
        }
        placed += 1;
        if account.starts_with("new:") {
            groups.entry(account).or_default().push(&t.true_account);
        } else if !t.true_account.is_empty()
            && normalize_source_id(account) == normalize_source_id(&t.true_account)
        {
            correct += 1;
        }
    }
    correct += new_account_hits(&groups);
    card.placement = Score {
        true_positives: correct,
        false_positives: placed - correct,
        false_negatives: relevant - correct,
    };

    // (b) duplicates, converted leads apart.
    let person_of = |id: &str| {
        truth
            .get(&normalize_source_id(id))
            .map(|t| t.true_person.as_str())
    };
    let mut group_size: HashMap<&str, usize> = HashMap::new();
    let mut group_hits: HashMap<&str, usize> = HashMap::new();
    let mut merged = 0;
    for (id, t) in &truth {
        let p = predicted.get(id).filter(|p| p.action == "merged");
        let hit = p.is_some_and(|p| {
            normalize_source_id(&p.merged_into_source_id) != *id
                && person_of(&p.merged_into_source_id) == Some(t.true_person.as_str())
        });
        if !t.converted_contact.is_empty() {
            card.converted += 1;
            card.converted_folded += usize::from(hit);
            continue;
        }
        *group_size.entry(&t.true_person).or_default() += 1;
        merged += usize::from(p.is_some());
        *group_hits.entry(&t.true_person).or_default() += usize::from(hit);
    }
    let truly_duplicate: usize = group_size.values().map(|n| n - 1).sum();
    let found: usize = group_hits
        .iter()
        .map(|(person, hits)| (*hits).min(group_size[person] - 1))
        .sum();
    card.duplicates = Score {
        true_positives: found,
        false_positives: merged - found,
        false_negatives: truly_duplicate - found,
    };
    card
}

/// Members of predicted new accounts placed right: each group takes the truth label most of
/// its members hold (ties to the smaller label); a `new:` label goes to the largest group
/// claiming it (ties to the smaller key), whose members holding it are right.
fn new_account_hits(groups: &BTreeMap<&str, Vec<&str>>) -> usize {
    let mut claims: BTreeMap<&str, (usize, &str, usize)> = BTreeMap::new();
    for (key, members) in groups {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for m in members {
            *counts.entry(m).or_default() += 1;
        }
        let Some((label, hits)) = counts
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        else {
            continue;
        };
        if !label.starts_with("new:") {
            continue;
        }
        let claim = (members.len(), *key, hits);
        claims
            .entry(label)
            .and_modify(|best| {
                if claim.0 > best.0 {
                    *best = claim;
                }
            })
            .or_insert(claim);
    }
    claims.values().map(|(_, _, hits)| hits).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "001A0000006Vm9rIAC";
    const B: &str = "001A0000006Vm9sIAC";

    fn t(id: &str, account: &str, person: &str) -> TruthRow {
        TruthRow {
            source_id: id.into(),
            source_object: "lead".into(),
            true_account: account.into(),
            true_person: person.into(),
            ..Default::default()
        }
    }

    fn p(id: &str, action: &str, account: &str, into: &str) -> PeopleRow {
        PeopleRow {
            source_id: id.into(),
            source_object: "lead".into(),
            action: action.into(),
            account_source_id: account.into(),
            merged_into_source_id: into.into(),
        }
    }

    #[test]
    fn existing_accounts_match_in_either_id_form() {
        let truth = [t("L1", A, "P1"), t("L2", B, "P2"), t("L3", "", "P3")];
        let people = [
            p("L1", "matched", &A[..15], ""),
            p("L2", "matched", A, ""),
            p("L3", "review", "", ""),
        ];
        let card = score(&people, &truth);
        assert_eq!(
            (card.placement, card.reviewed),
            (
                Score {
                    true_positives: 1,
                    false_positives: 1,
                    false_negatives: 1
                },
                1
            )
        );
    }

    #[test]
    fn a_new_account_group_takes_its_majority_label_and_only_the_largest_claim_wins() {
        let truth = [
            t("L1", "new:C1", "P1"),
            t("L2", "new:C1", "P2"),
            t("L3", "new:C2", "P3"),
            t("L4", "new:C1", "P4"),
            t("L5", "new:C1", "P5"),
            t("L6", A, "P6"),
            t("L7", "", "P7"),
        ];
        let people = [
            // Maps to new:C1: two right, one wrong.
            p("L1", "new_account", "new:acme", ""),
            p("L2", "new_account", "new:acme", ""),
            p("L3", "new_account", "new:acme", ""),
            // Also claims new:C1, but is smaller: both wrong.
            p("L4", "new_account", "new:acme gmbh", ""),
            p("L5", "new_account", "new:acme gmbh", ""),
            // An existing account's person and an unknowable one put under new accounts.
            p("L6", "new_account", "new:other", ""),
            p("L7", "new_account", "new:nobody", ""),
        ];
        let card = score(&people, &truth);
        assert_eq!(
            card.placement,
            Score {
                true_positives: 2,
                false_positives: 5,
                false_negatives: 4
            }
        );
    }

    #[test]
    fn merges_count_by_person_and_converted_leads_apart() {
        let mut converted = t("L9", A, "P1");
        converted.source_account = A.into();
        converted.converted_contact = "C1".into();
        let truth = [
            t("C1", A, "P1"),
            t("L1", A, "P1"),
            t("L2", A, "P1"),
            t("L3", A, "P2"),
            t("L4", A, "P3"),
            converted,
        ];
        let people = [
            p("C1", "kept", A, ""),
            p("L1", "merged", A, "C1"),
            // A wrong merge, and a true duplicate missed.
            p("L2", "matched", A, ""),
            p("L3", "merged", A, "C1"),
            p("L4", "matched", A, ""),
            p("L9", "merged", A, "C1"),
        ];
        let card = score(&people, &truth);
        assert_eq!(
            (card.duplicates, card.converted_folded, card.converted),
            (
                Score {
                    true_positives: 1,
                    false_positives: 1,
                    false_negatives: 1
                },
                1,
                1
            )
        );
    }

    #[test]
    fn ids_missing_repeated_or_unknown_are_listed() {
        let truth = [t("L1", A, "P1"), t("L2", A, "P2")];
        let people = [
            p("L1", "matched", A, ""),
            p("L1", "matched", A, ""),
            p("X9", "matched", A, ""),
        ];
        let card = score(&people, &truth);
        assert_eq!(
            (card.missing, card.repeated, card.unknown),
            (vec!["L2".into()], vec!["L1".into()], vec!["X9".into()])
        );
    }
}
