//! The intake service: raw person records in, contacts under accounts out.
//!
//! It keeps the match index in memory (DESIGN.md: built from the store at start, never a scan
//! of all accounts per record) and keeps it current by replaying the audit log: every change to
//! an account or a contact writes an audit row, so the rows after the index's position name
//! exactly what to reload. Its own writes are applied to the index directly and skipped on
//! replay. One batch is planned and written at a time; a batch the database refuses as a
//! conflict (someone took an email or a domain since the index last looked) is planned once more
//! against a freshly built index.

use crate::{IntakeApplied, IntakePlacement, Result, Store, StoreError};
use abcrm_core::intake::{IntakeItem, IntakePlan, Planner};
use abcrm_core::matching::{AccountEntry, MatchConfig, MatchIndex, PersonRecord};
use abcrm_core::model::{Actor, IntakeOutcome};
use abcrm_core::{AccountId, ContactId};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::Mutex;

/// Changes replayed per round; more foreign changes than this and rebuilding is cheaper.
const REPLAY_LIMIT: u32 = 20_000;

/// What one batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct IntakeReport {
    /// Records taken now.
    pub taken: usize,
    /// Records skipped because their source already gave the same key (a re-import).
    pub already_taken: usize,
    pub matched: usize,
    pub created: usize,
    pub needs_review: usize,
    pub rejected: usize,
    pub new_accounts: usize,
    /// Existing contacts whose blank fields were filled.
    pub filled: usize,
    /// The new intake records' ids, in the order of the records taken.
    pub record_ids: Vec<i64>,
}

impl IntakeReport {
    /// Adds another batch's counts (not its ids).
    pub fn add(&mut self, other: &IntakeReport) {
        self.taken += other.taken;
        self.already_taken += other.already_taken;
        self.matched += other.matched;
        self.created += other.created;
        self.needs_review += other.needs_review;
        self.rejected += other.rejected;
        self.new_accounts += other.new_accounts;
        self.filled += other.filled;
    }
}

/// The key of a record that came without one: a hash of its content, so the same row imported
/// twice is recognized.
pub fn content_key(record: &PersonRecord) -> String {
    let json = serde_json::to_vec(record).unwrap_or_default();
    format!("sha256:{}", hex::encode(&Sha256::digest(&json)[..16]))
}

struct State {
    index: Option<MatchIndex>,
    /// A dry run's next stand-in id for what it would have created (never written).
    next_dry_id: i64,
    /// The audit position the index reflects.
    through: i64,
    /// Audit rows after `through` that this service wrote itself.
    own: HashSet<i64>,
}

/// Matches and stores raw person records; share one per process.
pub struct Intake {
    store: Arc<dyn Store>,
    config: MatchConfig,
    state: Mutex<State>,
    /// Plans and reports without writing (see [`Intake::dry_run`]).
    dry: bool,
}

/// Stand-in ids of a dry run start here, far above any real id, so they never collide.
const FIRST_DRY_ID: i64 = 1 << 48;

impl Intake {
    /// A service over a store; the index is built on first use.
    pub fn new(store: Arc<dyn Store>, config: MatchConfig) -> Intake {
        Intake {
            store,
            config,
            state: Mutex::new(State {
                index: None,
                next_dry_id: FIRST_DRY_ID,
                through: 0,
                own: HashSet::new(),
            }),
            dry: false,
        }
    }

    /// A service that plans every batch against the store's records and its own earlier
    /// batches, and reports what it would do, but writes nothing: what it would create gets
    /// stand-in ids (at or above 2^48) that later batches match against.
    pub fn dry_run(store: Arc<dyn Store>, config: MatchConfig) -> Intake {
        Intake {
            dry: true,
            ..Intake::new(store, config)
        }
    }

    /// A dry run only: makes accounts the caller would have written (with stand-in ids it
    /// chose) matchable.
    pub async fn add_dry_accounts(&self, accounts: Vec<AccountEntry>) -> Result<()> {
        debug_assert!(self.dry, "only a dry run pretends accounts exist");
        let mut st = self.state.lock().await;
        self.catch_up(&mut st).await?;
        let index = st.index.as_mut().expect("caught up");
        for a in accounts {
            index.insert_account(a);
        }
        Ok(())
    }

    /// Builds the index now (the server does this at start, so the first form fill is fast).
    pub async fn warm(&self) -> Result<usize> {
        let mut st = self.state.lock().await;
        self.catch_up(&mut st).await?;
        Ok(st.index.as_ref().map_or(0, MatchIndex::accounts_len))
    }

    /// Takes a batch of records from `source`: each is matched and stored with its outcome, in
    /// one transaction. Records whose key the source gave before are skipped, so a re-import
    /// creates nothing twice.
    pub async fn submit(
        &self,
        actor: &Actor,
        source: &str,
        items: Vec<IntakeItem>,
    ) -> Result<IntakeReport> {
        self.submit_placed(actor, source, items)
            .await
            .map(|(report, _)| report)
    }

    /// Like [`Intake::submit`], also answering where each record taken now went (records the
    /// source gave before are not among them: [`Store::intake_placements`] has those).
    pub async fn submit_placed(
        &self,
        actor: &Actor,
        source: &str,
        items: Vec<IntakeItem>,
    ) -> Result<(IntakeReport, Vec<IntakePlacement>)> {
        let source = source.trim();
        if source.is_empty() {
            return Err(StoreError::Invalid(abcrm_core::ValidationErrors::one(
                "source",
                "name where the records come from (for example `web-form` or `import:people.csv`)",
            )));
        }
        let keys: Vec<String> = items.iter().map(|i| i.source_key.clone()).collect();
        let mut st = self.state.lock().await;
        let mut retried = false;
        loop {
            let mut report = IntakeReport::default();
            let known = self.store.known_intake_keys(source, &keys).await?;
            let mut seen = HashSet::new();
            let fresh: Vec<&IntakeItem> = items
                .iter()
                .filter(|i| !known.contains(&i.source_key) && seen.insert(i.source_key.as_str()))
                .collect();
            report.already_taken = keys.len() - fresh.len();
            if fresh.is_empty() {
                return Ok((report, Vec::new()));
            }
            let started = std::time::Instant::now();
            self.catch_up(&mut st).await?;
            let caught_up = started.elapsed();
            let index = st.index.as_mut().expect("caught up");
            let mut planner = Planner::new(index, self.config, source);
            for item in fresh {
                planner.add(item.clone());
            }
            let plan = planner.finish();
            let planned = started.elapsed();
            if self.dry {
                let mut stand_in = |n: usize| {
                    let first = st.next_dry_id;
                    st.next_dry_id += n as i64;
                    first..first + n as i64
                };
                let applied = IntakeApplied {
                    accounts: stand_in(plan.accounts.len()).map(AccountId).collect(),
                    contacts: stand_in(plan.contacts.len()).map(ContactId).collect(),
                    records: stand_in(plan.records.len()).collect(),
                    audit_ids: Vec::new(),
                    filled: plan.fills.len(),
                };
                let index = st.index.as_mut().expect("caught up");
                plan.settle(
                    index,
                    &applied.accounts,
                    &applied.contacts,
                    &applied.records,
                );
                count(&mut report, &plan, &applied);
                return Ok((report, placements(&plan, &applied)));
            }
            let index = st.index.as_mut().expect("caught up");
            match self.store.apply_intake(actor, source, &plan).await {
                Ok(applied) => {
                    tracing::debug!(
                        records = plan.records.len(),
                        catch_up_ms = caught_up.as_millis() as u64,
                        plan_ms = (planned - caught_up).as_millis() as u64,
                        write_ms = (started.elapsed() - planned).as_millis() as u64,
                        "intake batch"
                    );
                    plan.settle(
                        index,
                        &applied.accounts,
                        &applied.contacts,
                        &applied.records,
                    );
                    let through = st.through;
                    st.own
                        .extend(applied.audit_ids.iter().filter(|&&id| id > through));
                    count(&mut report, &plan, &applied);
                    return Ok((report, placements(&plan, &applied)));
                }
                Err(StoreError::Conflict { .. }) if !retried => {
                    // Someone else took an email, a domain or a key since the index last
                    // looked: look again, from scratch, and plan once more.
                    tracing::info!(
                        source,
                        "intake batch conflicted; rebuilding the match index"
                    );
                    st.index = None;
                    retried = true;
                }
                Err(e) => {
                    plan.forget(index);
                    return Err(e);
                }
            }
        }
    }

    /// Brings the index up to the store's latest audited change.
    async fn catch_up(&self, st: &mut State) -> Result<()> {
        if st.index.is_none() {
            return self.rebuild(st).await;
        }
        loop {
            let changes = self.store.changes_since(st.through, REPLAY_LIMIT).await?;
            let Some(last) = changes.last().map(|c| c.audit_id) else {
                return Ok(());
            };
            let foreign: Vec<_> = changes
                .iter()
                .filter(|c| !st.own.remove(&c.audit_id))
                .collect();
            if changes.len() as u32 >= REPLAY_LIMIT && foreign.len() * 2 > changes.len() {
                return self.rebuild(st).await;
            }
            let accounts: HashSet<AccountId> = foreign
                .iter()
                .filter(|c| c.entity == "account")
                .map(|c| AccountId(c.entity_id))
                .collect();
            let contacts: HashSet<ContactId> = foreign
                .iter()
                .filter(|c| c.entity == "contact")
                .map(|c| ContactId(c.entity_id))
                .collect();
            // The only audited change to an intake record is its resolution: it no longer
            // waits in review.
            let resolved: HashSet<i64> = foreign
                .iter()
                .filter(|c| c.entity == "intake_record")
                .map(|c| c.entity_id)
                .collect();
            let a: Vec<AccountId> = accounts.iter().copied().collect();
            let c: Vec<ContactId> = contacts.iter().copied().collect();
            let (account_entries, contact_entries) = self.store.match_entries(&a, &c).await?;
            let index = st.index.as_mut().expect("built");
            index.remove_accounts(&accounts);
            index.remove_contacts(&contacts);
            index.remove_reviews(&resolved);
            for e in account_entries {
                index.insert_account(e);
            }
            for e in &contact_entries {
                index.insert_contact(e);
            }
            st.through = last;
            st.own.retain(|&id| id > last);
        }
    }

    async fn rebuild(&self, st: &mut State) -> Result<()> {
        let snapshot = self.store.match_snapshot().await?;
        let mut index = MatchIndex::new();
        for a in snapshot.accounts {
            index.insert_account(a);
        }
        for c in &snapshot.contacts {
            index.insert_contact(c);
        }
        // Oldest first, so the first record of a person is filed before its repeats. A repeat
        // whose first record no longer waits (a race with its resolution) waits on its own.
        let waiting: HashSet<i64> = snapshot.reviews.iter().map(|r| r.id).collect();
        for r in &snapshot.reviews {
            let first = r.duplicate_of.filter(|f| waiting.contains(f));
            index.insert_review(r.id, first, &r.person);
        }
        st.index = Some(index);
        st.through = snapshot.through_audit_id;
        st.own.clear();
        // Changes committed while the snapshot was read are replayed; replaying is idempotent.
        Box::pin(self.catch_up(st)).await
    }
}

/// Each planned record's outcome with the real (or stand-in) ids in place of provisional ones.
fn placements(plan: &IntakePlan, applied: &IntakeApplied) -> Vec<IntakePlacement> {
    let accounts: HashMap<AccountId, AccountId> = plan
        .accounts
        .iter()
        .zip(&applied.accounts)
        .map(|(p, &id)| (p.id, id))
        .collect();
    let contacts: HashMap<ContactId, ContactId> = plan
        .contacts
        .iter()
        .zip(&applied.contacts)
        .map(|(p, &id)| (p.id, id))
        .collect();
    // The first record placed at a new account is the one it was made from.
    let mut made = HashSet::new();
    plan.records
        .iter()
        .zip(&applied.records)
        .map(|(r, &record_id)| IntakePlacement {
            key: r.source_key.clone(),
            outcome: r.outcome,
            rule: r.rule.clone(),
            confidence: r.confidence,
            account_id: r.account_id.map(|a| accounts.get(&a).copied().unwrap_or(a)),
            contact_id: r.contact_id.map(|c| contacts.get(&c).copied().unwrap_or(c)),
            account_created: r
                .account_id
                .is_some_and(|a| accounts.contains_key(&a) && made.insert(a)),
            record_id,
            duplicate_of: r
                .duplicate_of
                .map(|d| IntakePlan::real_record(d, &applied.records)),
        })
        .collect()
}

fn count(report: &mut IntakeReport, plan: &IntakePlan, applied: &IntakeApplied) {
    report.taken += plan.records.len();
    report.matched += plan.count(IntakeOutcome::Matched);
    report.created += plan.count(IntakeOutcome::Created);
    report.needs_review += plan.count(IntakeOutcome::NeedsReview);
    report.rejected += plan.count(IntakeOutcome::Rejected);
    report.new_accounts += applied.accounts.len();
    report.filled += applied.filled;
    report.record_ids.extend(&applied.records);
}
