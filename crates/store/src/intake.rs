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
use abcrm_core::model::{Actor, IntakeOutcome, MAX_NAME};
use abcrm_core::validation::{check_len, strip_controls};
use abcrm_core::{AccountId, ContactId};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::{Mutex, MutexGuard};

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
    /// The records rejected, each with its key and why, in the order taken.
    pub rejections: Vec<Rejection>,
}

/// A record intake rejected: its key within its source, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Rejection {
    pub key: String,
    pub reason: String,
}

impl IntakeReport {
    /// Adds another batch's counts and rejections (not its ids).
    pub fn add(&mut self, other: &IntakeReport) {
        self.rejections.extend(other.rejections.iter().cloned());
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

    /// A dry run only: starts from a copy of `live`'s index (caught up first) instead of reading
    /// every account, contact and waiting record again. The copy is the cost: milliseconds for
    /// thousands of contacts, during which `live` takes no record. A dry run that has its index
    /// already keeps it.
    pub async fn seed_from(&self, live: &Intake) -> Result<()> {
        debug_assert!(self.dry && !live.dry, "a dry run copies the live service");
        let mut mine = self.state.lock().await;
        if mine.index.is_some() {
            return Ok(());
        }
        let mut theirs = live.state.lock().await;
        live.catch_up(&mut theirs).await?;
        mine.index = theirs.index.clone();
        mine.through = theirs.through;
        mine.own = theirs.own.clone();
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
        let source = checked_source(source)?;
        let mut st = self.state.lock().await;
        self.submit_locked(&mut st, actor, source, &items).await
    }

    /// Takes many batches from one source, planning each while the store writes the one
    /// before it: matching and writing then share the two halves of the work instead of
    /// taking turns. Nobody else's intake runs until the stream is dropped.
    pub async fn stream<'s>(&'s self, actor: &Actor, source: &str) -> Result<IntakeStream<'s>> {
        let source = checked_source(source)?.to_string();
        let state = self.state.lock().await;
        Ok(IntakeStream {
            intake: self,
            state,
            actor: actor.clone(),
            source,
            writing: None,
        })
    }

    /// The records of `items` not taken before (by key, the first of repeats), with the report
    /// counting the others.
    async fn fresh(
        &self,
        source: &str,
        items: &[IntakeItem],
        also_taken: &HashSet<&str>,
    ) -> Result<(IntakeReport, Vec<IntakeItem>)> {
        // A key is text from outside like any other: without control characters, which
        // PostgreSQL would refuse, failing the whole batch.
        let keys: Vec<String> = items
            .iter()
            .map(|i| strip_controls(&i.source_key).into_owned())
            .collect();
        let known = self.store.known_intake_keys(source, &keys).await?;
        let mut seen = HashSet::new();
        let fresh: Vec<IntakeItem> = items
            .iter()
            .zip(&keys)
            .filter(|(_, key)| {
                !known.contains(*key) && !also_taken.contains(key.as_str()) && seen.insert(*key)
            })
            .map(|(i, key)| IntakeItem {
                source_key: key.clone(),
                ..i.clone()
            })
            .collect();
        let report = IntakeReport {
            already_taken: keys.len() - fresh.len(),
            ..IntakeReport::default()
        };
        Ok((report, fresh))
    }

    /// Plans `items` against the index, on top of `after` (a plan still being written).
    fn plan(
        &self,
        index: &mut MatchIndex,
        source: &str,
        items: Vec<IntakeItem>,
        after: Option<&IntakePlan>,
    ) -> IntakePlan {
        let mut planner = Planner::new(index, self.config, source);
        if let Some(earlier) = after {
            planner = planner.after(earlier);
        }
        for item in items {
            planner.add(item);
        }
        planner.finish()
    }

    /// One batch, planned and written (or, in a dry run, planned) before answering.
    async fn submit_locked(
        &self,
        st: &mut State,
        actor: &Actor,
        source: &str,
        items: &[IntakeItem],
    ) -> Result<(IntakeReport, Vec<IntakePlacement>)> {
        let mut retried = false;
        loop {
            let (mut report, fresh) = self.fresh(source, items, &HashSet::new()).await?;
            if fresh.is_empty() {
                return Ok((report, Vec::new()));
            }
            let started = std::time::Instant::now();
            self.catch_up(st).await?;
            let caught_up = started.elapsed();
            let index = st.index.as_mut().expect("caught up");
            let plan = self.plan(index, source, fresh, None);
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
            match self.store.apply_intake(actor, source, &plan).await {
                Ok(applied) => {
                    tracing::debug!(
                        records = plan.records.len(),
                        catch_up_ms = caught_up.as_millis() as u64,
                        plan_ms = (planned - caught_up).as_millis() as u64,
                        write_ms = (started.elapsed() - planned).as_millis() as u64,
                        "intake batch"
                    );
                    settle_written(st, &plan, &applied);
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
                    let index = st.index.as_mut().expect("caught up");
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
        // Only this service wrote since (the common case of a long import): nothing to read.
        if let Some(&last) = st.own.iter().max() {
            if self.store.audit_rows_since(st.through).await? == st.own.len() as u64 {
                st.through = last;
                st.own.clear();
                return Ok(());
            }
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

fn checked_source(given: &str) -> Result<&str> {
    let source = given.trim();
    let mut errors = abcrm_core::ValidationErrors::default();
    if source.is_empty() {
        errors.push(
            "source",
            "name where the records come from (for example `web-form` or `import:people.csv`)",
        );
    }
    check_len(&mut errors, "source", given, MAX_NAME);
    errors.into_result().map_err(StoreError::Invalid)?;
    Ok(source)
}

/// Gives the index the ids a written plan got, and remembers its audit rows as this
/// service's own.
fn settle_written(st: &mut State, plan: &IntakePlan, applied: &IntakeApplied) {
    let index = st
        .index
        .as_mut()
        .expect("a written plan was planned on the index");
    plan.settle(
        index,
        &applied.accounts,
        &applied.contacts,
        &applied.records,
    );
    let through = st.through;
    st.own
        .extend(applied.audit_ids.iter().filter(|&&id| id > through));
}

/// What one batch of a stream answers: its report and where each record taken now went.
pub type IntakeBatchResult = (IntakeReport, Vec<IntakePlacement>);

/// The external-id object under which a source's new accounts are remembered by the key of
/// the record each was made from. Written in the batch's own transaction, so a run stopped
/// at any point and resumed still knows (and reports) who made every account.
pub const CREATED_ACCOUNT: &str = "created_account";

/// Batches from one source, each planned while the one before it is written (see
/// [`Intake::stream`]). Push batches in order and call [`IntakeStream::finish`] at the end;
/// each batch's result comes back once it is written, in order.
pub struct IntakeStream<'s> {
    intake: &'s Intake,
    state: MutexGuard<'s, State>,
    actor: Actor,
    source: String,
    writing: Option<InFlight>,
}

/// A batch the store is writing on another task.
struct InFlight {
    items: Vec<IntakeItem>,
    report: IntakeReport,
    plan: Arc<IntakePlan>,
    started: std::time::Instant,
    write: tokio::task::JoinHandle<Result<IntakeApplied>>,
}

impl IntakeStream<'_> {
    /// Plans a batch, then waits for the batch before it to be written and answers it; the
    /// new batch is being written when this returns.
    pub async fn push(&mut self, items: Vec<IntakeItem>) -> Result<Vec<IntakeBatchResult>> {
        let intake = self.intake;
        if intake.dry {
            let done = intake
                .submit_locked(&mut self.state, &self.actor, &self.source, &items)
                .await?;
            return Ok(vec![done]);
        }
        let mut out = Vec::new();
        let in_flight: HashSet<&str> = self
            .writing
            .iter()
            .flat_map(|w| w.plan.records.iter().map(|r| r.source_key.as_str()))
            .collect();
        let (report, fresh) = intake.fresh(&self.source, &items, &in_flight).await?;
        drop(in_flight);
        if self.writing.is_none() {
            intake.catch_up(&mut self.state).await?;
        }
        let started = std::time::Instant::now();
        let index = self.state.index.as_mut().expect("caught up");
        let mut plan = intake.plan(
            index,
            &self.source,
            fresh,
            self.writing.as_ref().map(|w| &*w.plan),
        );
        let plan_ms = started.elapsed().as_millis() as u64;
        if let Some(before) = self.writing.take() {
            match self.written(before).await {
                Ok((done, earlier, applied)) => {
                    let index = self.state.index.as_mut().expect("caught up");
                    plan.rebase(
                        index,
                        &earlier,
                        &applied.accounts,
                        &applied.contacts,
                        &applied.records,
                    );
                    out.push(done);
                }
                Err((e, before)) => {
                    // This batch was planned on top of the refused one: plan it anew once
                    // the one before is taken again.
                    out.push(self.retake(e, before).await?);
                    intake.catch_up(&mut self.state).await?;
                    let (report, fresh) =
                        intake.fresh(&self.source, &items, &HashSet::new()).await?;
                    let index = self.state.index.as_mut().expect("caught up");
                    let plan = intake.plan(index, &self.source, fresh, None);
                    self.start(items, report, plan);
                    return Ok(out);
                }
            }
        }
        tracing::debug!(
            records = plan.records.len(),
            plan_ms,
            "intake batch planned"
        );
        self.start(items, report, plan);
        Ok(out)
    }

    /// Waits for the last batch to be written and answers it.
    pub async fn finish(mut self) -> Result<Vec<IntakeBatchResult>> {
        let Some(before) = self.writing.take() else {
            return Ok(Vec::new());
        };
        match self.written(before).await {
            Ok((done, _, _)) => Ok(vec![done]),
            Err((e, before)) => Ok(vec![self.retake(e, before).await?]),
        }
    }

    /// After the store refused a batch: forgets what the index holds of it (and of anything
    /// planned on top of it), and takes it again on its own against a rebuilt index, as
    /// [`Intake::submit`] retries a conflict; any other error is the answer.
    async fn retake(&mut self, e: StoreError, items: Vec<IntakeItem>) -> Result<IntakeBatchResult> {
        self.state.index = None;
        if !matches!(e, StoreError::Conflict { .. }) {
            return Err(e);
        }
        self.intake
            .submit_locked(&mut self.state, &self.actor, &self.source, &items)
            .await
    }

    /// Hands a planned batch to the store, on a task of its own.
    fn start(&mut self, items: Vec<IntakeItem>, report: IntakeReport, plan: IntakePlan) {
        let plan = Arc::new(plan);
        let (store, actor, source) = (
            self.intake.store.clone(),
            self.actor.clone(),
            self.source.clone(),
        );
        let for_write = plan.clone();
        let write = tokio::spawn(async move {
            if for_write.records.is_empty() {
                return Ok(IntakeApplied::default());
            }
            store.apply_intake(&actor, &source, &for_write).await
        });
        self.writing = Some(InFlight {
            items,
            report,
            plan,
            started: std::time::Instant::now(),
            write,
        });
    }

    /// Waits for a batch's write: its result, plan and ids; or the error and the batch's items.
    #[allow(clippy::type_complexity)]
    async fn written(
        &mut self,
        w: InFlight,
    ) -> std::result::Result<
        (IntakeBatchResult, Arc<IntakePlan>, IntakeApplied),
        (StoreError, Vec<IntakeItem>),
    > {
        let applied = match w.write.await {
            Ok(Ok(applied)) => applied,
            Ok(Err(e)) => return Err((e, w.items)),
            // The write panicked (nothing aborts it): so does the caller.
            Err(join) => std::panic::resume_unwind(join.into_panic()),
        };
        tracing::debug!(
            records = w.plan.records.len(),
            write_ms = w.started.elapsed().as_millis() as u64,
            "intake batch written by the stream"
        );
        settle_written(&mut self.state, &w.plan, &applied);
        let mut report = w.report;
        count(&mut report, &w.plan, &applied);
        let placed = placements(&w.plan, &applied);
        Ok(((report, placed), w.plan, applied))
    }
}

impl Drop for IntakeStream<'_> {
    fn drop(&mut self) {
        // A batch still being written holds provisional entries in the index, which may or
        // may not become real: the next user rebuilds the index from the store.
        if self.writing.is_some() {
            self.state.index = None;
        }
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
    let creators: HashSet<usize> = plan
        .account_creators()
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    plan.records
        .iter()
        .zip(&applied.records)
        .enumerate()
        .map(|(i, (r, &record_id))| IntakePlacement {
            key: r.source_key.clone(),
            outcome: r.outcome,
            rule: r.rule.clone(),
            confidence: r.confidence,
            account_id: r.account_id.map(|a| accounts.get(&a).copied().unwrap_or(a)),
            contact_id: r.contact_id.map(|c| contacts.get(&c).copied().unwrap_or(c)),
            account_created: creators.contains(&i),
            record_id,
            duplicate_of: r
                .duplicate_of
                .map(|d| plan.real_record(d, &applied.records)),
        })
        .collect()
}

fn count(report: &mut IntakeReport, plan: &IntakePlan, applied: &IntakeApplied) {
    report.taken += plan.records.len();
    report.matched += plan.count(IntakeOutcome::Matched);
    report.created += plan.count(IntakeOutcome::Created);
    report.needs_review += plan.count(IntakeOutcome::NeedsReview);
    report.rejected += plan.count(IntakeOutcome::Rejected);
    report.rejections.extend(
        plan.records
            .iter()
            .filter(|r| r.outcome == IntakeOutcome::Rejected)
            .map(|r| Rejection {
                key: r.source_key.clone(),
                reason: r.explanation.clone(),
            }),
    );
    report.new_accounts += applied.accounts.len();
    report.filled += applied.filled;
    report.record_ids.extend(&applied.records);
}
