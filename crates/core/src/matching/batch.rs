//! Matching a batch of records on every core. Most records are decided by what the index held
//! before the batch (an address, a domain, a DUNS, a name), and those decisions do not depend
//! on one another: they are made in parallel. What a record's predecessors in the batch create
//! (a new account from a domain) is then settled in order, as matching one by one would.

use super::dedupe::{BatchDedupe, PersonKeys, Placed};
use super::engine::{match_with_signals, MatchConfig, MatchResult, MatchStatus};
use super::index::MatchIndex;
use super::person_link::PersonFeatures;
use super::record::{AccountEntry, PersonRecord};
use super::signals::RecordSignals;
use crate::hierarchy::root_of;
use crate::ids::AccountId;
use rayon::prelude::*;

/// The decision for one record of a batch.
#[derive(Debug, Clone)]
pub struct BatchDecision {
    pub result: MatchResult,
    /// The account the record goes to: an existing one, or one this batch creates (an id from
    /// `first_new_id` on).
    pub account: Option<AccountId>,
    /// The account this record makes (its corporate domain nobody owned), as the batch filed it.
    pub new_account: Option<AccountEntry>,
    /// The position of the earlier record of the run that is the same person.
    pub duplicate_of: Option<usize>,
}

/// The rules that decide from what the index held before the batch, whatever the batch adds:
/// the tiers before any name is compared.
fn decided_before_names(rule: &str) -> bool {
    matches!(
        rule,
        "contact_email"
            | "contact_email_plus_tag"
            | "email_domain"
            | "website_domain"
            | "duns"
            | "family_member"
    )
}

/// True when what the batch created so far could change a record's first decision: a record
/// the index did not place at all, or one placed by name whose domain a new account owns (a
/// domain outranks a name). Matching against the new accounts is skipped for the rest, most
/// of a batch.
fn may_change(first: &MatchResult, signals: &RecordSignals, created: &MatchIndex) -> bool {
    if created.accounts_len() == 0 || decided_before_names(first.rule) {
        return false;
    }
    if first.status != MatchStatus::Matched {
        return true;
    }
    [&signals.corporate_host, &signals.website]
        .into_iter()
        .flatten()
        .any(|h| created.account_for_host(h).is_some())
}

/// Matches `records` in order against `index`, as [`match_person`](super::match_person) one
/// by one would, with a new account made for each corporate domain nobody owns (ids from
/// `first_new_id`, matchable by the records after it), and each record checked against the
/// earlier ones for being the same person.
pub fn match_batch(
    index: &MatchIndex,
    records: &[PersonRecord],
    config: &MatchConfig,
    first_new_id: i64,
) -> Vec<BatchDecision> {
    let first = BatchRun::first_pass(index, records, config);
    BatchRun::new(first_new_id).settle(index, records, first, config)
}

/// What a chunk's records decide from the index alone, with what each record's settling needs.
pub struct FirstPass(Vec<(RecordSignals, MatchResult, PersonFeatures, PersonKeys)>);

/// A long run matched a chunk at a time. Each chunk is matched in two steps: the
/// [`first_pass`](Self::first_pass) against the index, on every core, which depends on nothing
/// the run made; and the [`settle`](Self::settle), in order, against the accounts the run made
/// so far and the people it saw. The two can overlap: one chunk settles while the next one's
/// first pass runs.
pub struct BatchRun {
    /// The accounts the run made, in an index of their own: consulted only for the records the
    /// index did not decide.
    created: MatchIndex,
    /// The id of the run's first new account: ids from it on are the run's own.
    first_new_id: i64,
    next_id: i64,
    seen: BatchDedupe<usize>,
    position: usize,
}

impl BatchRun {
    /// A run whose new accounts get ids from `first_new_id` on; record positions count from 0.
    pub fn new(first_new_id: i64) -> Self {
        BatchRun {
            created: MatchIndex::new(),
            first_new_id,
            next_id: first_new_id,
            seen: BatchDedupe::new(),
            position: 0,
        }
    }

    /// Matches `records` against `index` on every core.
    pub fn first_pass(
        index: &MatchIndex,
        records: &[PersonRecord],
        config: &MatchConfig,
    ) -> FirstPass {
        FirstPass(
            records
                .par_iter()
                .map(|p| {
                    let signals = RecordSignals::of(p);
                    let result = match_with_signals(index, p, &signals, config);
                    let features = PersonFeatures::new(p);
                    (signals, result, features, PersonKeys::of(p))
                })
                .collect(),
        )
    }

    /// [`settle`](Self::settle) for one chunk while the first pass of the `next` one runs on
    /// the other cores.
    pub fn settle_overlapping(
        &mut self,
        index: &MatchIndex,
        records: &[PersonRecord],
        first: FirstPass,
        next: Option<&[PersonRecord]>,
        config: &MatchConfig,
    ) -> (Vec<BatchDecision>, Option<FirstPass>) {
        rayon::join(
            || self.settle(index, records, first, config),
            || next.map(|n| Self::first_pass(index, n, config)),
        )
    }

    /// Decides the chunk `records` (whose first pass against `index` is `first`) in order:
    /// against the accounts the run made before each record, and against the people seen before
    /// it (their positions count across the run's chunks).
    pub fn settle(
        &mut self,
        index: &MatchIndex,
        records: &[PersonRecord],
        first: FirstPass,
        config: &MatchConfig,
    ) -> Vec<BatchDecision> {
        let mut out = Vec::with_capacity(records.len());
        self.seen.reserve(records.len());
        for (p, (signals, mut result, features, keys)) in records.iter().zip(first.0) {
            if may_change(&result, &signals, &self.created) {
                let again = match_with_signals(&self.created, p, &signals, config);
                let take = match again.status {
                    // A domain this run gave an account outranks any name match.
                    MatchStatus::Matched if decided_before_names(again.rule) => true,
                    MatchStatus::Matched => result.status != MatchStatus::Matched,
                    _ => false,
                };
                if take {
                    result = again;
                }
            }
            let mut account = result.account.as_ref().map(|a| a.account_id);
            let mut new_account = None;
            if result.status == MatchStatus::NewAccount {
                let id = AccountId(self.next_id);
                self.next_id += 1;
                let entry = AccountEntry {
                    id,
                    name: p
                        .company
                        .clone()
                        .or_else(|| result.new_account_domain.clone())
                        .unwrap_or_default(),
                    domains: result.new_account_domain.iter().cloned().collect(),
                    duns: None,
                    country: p.country.clone(),
                    state: p.state.clone(),
                    city: p.city.clone(),
                    parent_id: None,
                };
                self.created.insert_account(entry.clone());
                new_account = Some(entry);
                account = Some(id);
            }
            let duplicate_of = self.seen.check_keyed(
                self.position,
                keys,
                features,
                account.map(|a| placed(index, a, self.first_new_id)),
            );
            self.position += 1;
            out.push(BatchDecision {
                result,
                account,
                new_account,
                duplicate_of,
            });
        }
        out
    }
}

/// Where a person placed under `account` works, for telling duplicates apart: an account this
/// run made (ids from `first_new_id`) is only provisional; an existing one stands for its
/// family, by the family's top account. One person writes the parent's domain at one time and
/// names the subsidiary at another, and is placed under each.
pub(crate) fn placed(index: &MatchIndex, account: AccountId, first_new_id: i64) -> Placed {
    if account.0 >= first_new_id {
        return Placed::Provisional(account.to_string());
    }
    let top = root_of(account.0, |id| {
        index
            .account_entry(AccountId(id))
            .and_then(|a| a.parent_id)
            .map(|p| p.0)
    });
    Placed::Existing(AccountId(top).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::{match_person, synth};

    /// The one-by-one loop the batch must agree with: every record matched against an index
    /// that holds every account made before it.
    fn one_by_one(
        index: &mut MatchIndex,
        records: &[PersonRecord],
        config: &MatchConfig,
        first_new_id: i64,
    ) -> Vec<Option<AccountId>> {
        let mut next = first_new_id;
        records
            .iter()
            .map(|p| {
                let r = match_person(index, p, config);
                if r.status == MatchStatus::NewAccount {
                    let id = AccountId(next);
                    next += 1;
                    index.insert_account(AccountEntry {
                        id,
                        name: p.company.clone().unwrap_or_default(),
                        domains: r.new_account_domain.iter().cloned().collect(),
                        duns: None,
                        country: p.country.clone(),
                        state: p.state.clone(),
                        city: p.city.clone(),
                        parent_id: None,
                    });
                    return Some(id);
                }
                r.account.map(|a| a.account_id)
            })
            .collect()
    }

    #[test]
    fn the_batch_places_records_as_one_by_one_matching_does() {
        let data = synth::generate(11, 800, 4_000);
        let mut index = data.index();
        let records: Vec<PersonRecord> = data.people.iter().map(|p| p.record.clone()).collect();
        let config = MatchConfig::default();
        let batch: Vec<Option<AccountId>> = match_batch(&index, &records, &config, 1_000_000)
            .into_iter()
            .map(|d| d.account)
            .collect();
        let sequential = one_by_one(&mut index, &records, &config, 1_000_000);
        // The two differ where a record names a company both an existing account and one
        // made earlier in the batch resemble: the batch prefers the existing account. That
        // must cost nothing against the truth.
        let score = |placed: &[Option<AccountId>]| {
            let mut s = synth::Score::default();
            for (p, a) in data.people.iter().zip(placed) {
                s.add(a.filter(|a| a.0 < 1_000_000), p.account);
            }
            s.f1()
        };
        let (b, s) = (score(&batch), score(&sequential));
        assert!(b >= s - 0.002, "batch F1 {b:.4}, one by one {s:.4}");
    }
}
