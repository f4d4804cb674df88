//! Taking over an org exported from a leads-based CRM: its accounts (with their hierarchy), its
//! contacts under their accounts, every lead turned into a contact under the right account (or
//! into the review queue), opportunities with their history, campaigns and members, activities.
//!
//! People go through intake like any other arrival, keyed by their source id, so matching,
//! deduplication, the review queue and the audit trail are the ones every import gets, and a
//! person taken once is never taken twice. Everything else is written with its source id in the
//! same transaction ([`Store::import_accounts`] and friends). So a run killed halfway resumes
//! where it stopped, and a second run changes nothing. A dry run plans every step the same way
//! against stand-in ids and writes nothing.

use crate::intake::{Intake, IntakeBatchResult};
use crate::{ImportUser, IntakePlacement, Result, Store, UserImport};
use abcrm_core::intake::{CompanyFacts, IntakeHints, IntakeItem};
use abcrm_core::matching::{AccountEntry, MatchConfig};
use abcrm_core::migration::report::{Action, PersonOutcome, Placement, RejectedRow};
use abcrm_core::migration::source::*;
use abcrm_core::model::PersonContext;
use abcrm_core::model::{
    normalize_duns_str, Actor, BuyingRole, ContactRole, IntakeOutcome, NewAccount, NewActivity,
    NewCampaign, NewCampaignMember, NewOpportunity, Role,
};
use abcrm_core::normalize::{normalize_domain, personal_domain, registrable_domain, Email};
use abcrm_core::{AccountId, CampaignId, ContactId, OpportunityId, UserId};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// Where a source row came from, for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    pub file: &'static str,
    pub line: u64,
}

/// An exported org, read.
#[derive(Debug, Default)]
pub struct SourceOrg {
    /// The owners of what follows (Salesforce's User.csv; HubSpot's owner columns).
    pub users: Vec<(At, SourceUser)>,
    pub accounts: Vec<(At, SourceAccount)>,
    pub people: Vec<(At, SourcePerson)>,
    pub opportunities: Vec<(At, SourceOpportunity)>,
    pub contact_roles: Vec<(At, SourceContactRole)>,
    pub campaigns: Vec<(At, SourceCampaign)>,
    pub members: Vec<(At, SourceMember)>,
    pub activities: Vec<(At, SourceActivity)>,
}

/// How to run.
#[derive(Debug, Clone)]
pub struct MigrationOptions {
    /// The name everything is keyed under (`salesforce`, `hubspot`, or the operator's own); a
    /// second org needs a second name.
    pub source: String,
    pub dry_run: bool,
    /// People per intake batch (one transaction each).
    pub batch: usize,
}

/// Told how far each step is.
pub trait Progress: Send + Sync {
    fn step(&self, name: &str, total: u64);
    fn advance(&self, n: u64);
}

/// What the run did.
#[derive(Debug, Default)]
pub struct Migrated {
    /// One per source person, in the order read.
    pub people: Vec<PersonOutcome>,
    /// Accounts created from people, by key, with their names.
    pub accounts_created: BTreeMap<String, String>,
    pub counts: Vec<(String, u64)>,
    pub rejected: Vec<RejectedRow>,
    /// What the operator should know beyond the counts.
    pub notes: Vec<String>,
    /// Seconds each step took, in order.
    pub timings: Vec<(String, f64)>,
}

/// Intake batches between two refreshes of the planner's statistics (see
/// `Run::refresh_statistics`): the tables grow tenfold in the first few, then by less.
const STATISTICS_EVERY: usize = 8;
/// Accounts per transaction.
const ACCOUNT_BATCH: usize = 2_000;
/// Opportunities, activities per transaction.
const RECORD_BATCH: usize = 5_000;
/// Stand-in ids of a dry run's accounts, campaigns and opportunities: far above real ones, and
/// below intake's own stand-ins (2^48).
const FIRST_DRY_ID: i64 = 1 << 46;

fn rejected(at: At, column: Option<&str>, reason: impl Into<String>) -> RejectedRow {
    RejectedRow {
        file: at.file.to_string(),
        line: at.line,
        column: column.map(str::to_string),
        reason: reason.into(),
    }
}

struct Run<'a> {
    store: Arc<dyn Store>,
    actor: &'a Actor,
    opts: &'a MigrationOptions,
    progress: &'a dyn Progress,
    intake: Arc<Intake>,
    next_dry_id: i64,
    out: Migrated,
    accounts: HashMap<String, AccountId>,
    /// The abcrm user each source user is (a dry run's new ones under stand-in ids).
    users: HashMap<String, UserId>,
    placements: HashMap<String, IntakePlacement>,
    /// Why intake rejected each person it rejected in this run, by source id.
    rejections: HashMap<String, String>,
    /// The step under way and when it began.
    current: Option<(String, std::time::Instant)>,
}

/// Migrates `org` into the store (or, with `dry_run`, says what it would do).
pub async fn migrate(
    store: Arc<dyn Store>,
    actor: &Actor,
    org: SourceOrg,
    opts: &MigrationOptions,
    progress: &dyn Progress,
) -> Result<Migrated> {
    let intake = if opts.dry_run {
        Intake::dry_run(store.clone(), MatchConfig::default())
    } else {
        Intake::new(store.clone(), MatchConfig::default())
    };
    let mut run = Run {
        store: store.clone(),
        actor,
        opts,
        progress,
        intake: Arc::new(intake),
        next_dry_id: FIRST_DRY_ID,
        out: Migrated::default(),
        accounts: HashMap::new(),
        users: HashMap::new(),
        placements: HashMap::new(),
        rejections: HashMap::new(),
        current: None,
    };
    if !opts.dry_run {
        // Scores and stages are rebuilt once at the end, not per write.
        store.pause_scoring(true);
    }
    let result = run.all(org).await;
    run.step_done();
    if !opts.dry_run {
        store.pause_scoring(false);
    }
    result?;
    if !opts.dry_run {
        progress.step("scores", 0);
        let started = std::time::Instant::now();
        store.refresh_statistics().await?;
        let noop = |_: crate::RecomputeProgress| {};
        let summary = store
            .recompute_scores(actor, chrono::Utc::now(), &noop)
            .await?;
        run.out.counts.push((
            "accounts whose stage the rules moved".into(),
            summary.stage_changes,
        ));
        run.out
            .timings
            .push(("scores and stages".into(), started.elapsed().as_secs_f64()));
    }
    Ok(run.out)
}

impl Run<'_> {
    async fn all(&mut self, org: SourceOrg) -> Result<()> {
        let SourceOrg {
            users,
            accounts,
            people,
            opportunities,
            contact_roles,
            campaigns,
            members,
            activities,
        } = org;
        self.users(users, &accounts, &people, &opportunities)
            .await?;
        self.accounts(accounts).await?;
        self.refresh_statistics().await?;
        self.people(&people).await?;
        self.refresh_statistics().await?;
        let campaigns = self.campaigns(campaigns).await?;
        self.members(members, &campaigns).await?;
        let opportunities = self
            .opportunities(opportunities, contact_roles, &campaigns)
            .await?;
        self.activities(activities, &opportunities).await?;
        self.report(&people).await
    }

    /// Brings the planner's statistics up to date (a run writes tables from empty to millions
    /// of rows, and PostgreSQL's autovacuum may be off or behind: with the statistics of an
    /// empty table, a lookup of a batch's keys scans the whole table). A dry run writes nothing.
    async fn refresh_statistics(&self) -> Result<()> {
        if self.opts.dry_run {
            return Ok(());
        }
        self.store.refresh_statistics().await
    }

    /// Starts a step: its progress, and its time in the report.
    fn step(&mut self, name: &str, total: u64) {
        self.step_done();
        self.progress.step(name, total);
        self.current = Some((name.to_string(), std::time::Instant::now()));
    }

    fn step_done(&mut self) {
        if let Some((name, started)) = self.current.take() {
            self.out
                .timings
                .push((name, started.elapsed().as_secs_f64()));
        }
    }

    fn stand_ins(&mut self, n: usize) -> std::ops::Range<i64> {
        let first = self.next_dry_id;
        self.next_dry_id += n as i64;
        first..self.next_dry_id
    }

    fn count(&mut self, what: &str, n: u64) {
        self.out.counts.push((what.to_string(), n));
    }

    /// Takes the source's users (matched to abcrm users by email, else created with the `sales`
    /// role), then reports every owner no user stands for, once per owner: its records are
    /// kept without an owner.
    async fn users(
        &mut self,
        rows: Vec<(At, SourceUser)>,
        accounts: &[(At, SourceAccount)],
        people: &[(At, SourcePerson)],
        opportunities: &[(At, SourceOpportunity)],
    ) -> Result<()> {
        self.step("users", rows.len() as u64);
        let mut seen = HashSet::new();
        let mut users = Vec::new();
        for (at, u) in rows {
            if seen.insert(u.id.clone()) {
                users.push(u);
            } else {
                self.out
                    .rejected
                    .push(rejected(at, Some("Id"), format!("repeats user {}", u.id)));
            }
        }
        let input = users
            .iter()
            .map(|u| {
                let import = ImportUser {
                    email: u.email.clone(),
                    name: u.display_name(),
                    role: Role::Sales,
                };
                (u.id.clone(), import)
            })
            .collect();
        let outcomes = self
            .store
            .import_users(self.actor, &self.opts.source, input, self.opts.dry_run)
            .await?;
        let (mut created, mut matched, mut inactive) = (0, 0, 0);
        let mut nameless = HashSet::new();
        for (u, outcome) in users.iter().zip(outcomes) {
            let id = match outcome {
                UserImport::Known(id) => id,
                UserImport::Matched(id) => {
                    matched += 1;
                    id
                }
                UserImport::Created(id) => {
                    created += 1;
                    id
                }
                UserImport::WouldCreate => {
                    created += 1;
                    UserId(self.stand_ins(1).start)
                }
                UserImport::NotFound => {
                    nameless.insert(u.id.as_str());
                    continue;
                }
            };
            inactive += u64::from(u.inactive);
            self.users.insert(u.id.clone(), id);
        }
        self.progress.advance(users.len() as u64);
        self.count("users created now", created);
        self.count(
            "users matched now to an abcrm user of the same email (or name)",
            matched,
        );
        if inactive > 0 {
            self.out.notes.push(format!(
                "Users inactive in {}: {inactive}. abcrm has no inactive users: they are kept as the owners of their records, with no password and no token, so they cannot sign in; issue them no token.",
                self.opts.source
            ));
        }
        // Every owner no user stands for: where it is first named, and how many records.
        let mut missing: BTreeMap<&str, (At, [u64; 3])> = BTreeMap::new();
        let owners = accounts
            .iter()
            .map(|(at, a)| (0, at, &a.owner_id))
            .chain(people.iter().map(|(at, p)| (1, at, &p.owner_id)))
            .chain(opportunities.iter().map(|(at, o)| (2, at, &o.owner_id)));
        for (kind, at, owner) in owners {
            let Some(owner) = owner.as_deref() else {
                continue;
            };
            if !self.users.contains_key(owner) {
                missing.entry(owner).or_insert((*at, [0; 3])).1[kind] += 1;
            }
        }
        let mut unowned = 0;
        for (owner, (at, [a, p, o])) in missing {
            unowned += a + p + o;
            let who = if nameless.contains(owner) {
                format!("owner {owner:?} has no email in the export and is not the name of exactly one abcrm user")
            } else {
                format!("user {owner} is not among the export's users (User.csv)")
            };
            self.out.rejected.push(rejected(
                at,
                Some(owner_column(at.file)),
                format!(
                    "{who}; the records naming it ({a} accounts, {p} contacts and leads, {o} opportunities; this is the first) were kept without an owner"
                ),
            ));
        }
        self.count(
            "records kept without an owner (the owner is not a user)",
            unowned,
        );
        Ok(())
    }

    /// The abcrm user a source owner is, if any.
    fn owner_of(&self, owner: Option<&str>) -> Option<UserId> {
        self.users.get(owner?).copied()
    }

    async fn accounts(&mut self, rows: Vec<(At, SourceAccount)>) -> Result<()> {
        let source = self.opts.source.clone();
        self.step("accounts", rows.len() as u64);
        self.accounts = self
            .store
            .external_ids(&source, "account")
            .await?
            .into_iter()
            .map(|(k, v)| (k, AccountId(v)))
            .collect();
        let known = self.accounts.len();
        let mut seen = HashSet::new();
        let mut fresh: Vec<(String, NewAccount)> = Vec::new();
        let mut parents = Vec::new();
        for (at, a) in rows {
            if !seen.insert(a.id.clone()) {
                self.out.rejected.push(rejected(
                    at,
                    Some("Id"),
                    format!("repeats account {}", a.id),
                ));
                continue;
            }
            if let Some(p) = &a.parent_id {
                parents.push((at, a.id.clone(), p.clone()));
            }
            if self.accounts.contains_key(&a.id) {
                continue;
            }
            let new = NewAccount {
                owner_id: self.owner_of(a.owner_id.as_deref()),
                ..new_account(&a)
            };
            match new.clone().validate() {
                Ok(_) => fresh.push((a.id, new)),
                Err(e) => self.out.rejected.push(rejected(at, None, e.to_string())),
            }
        }
        self.progress.advance(known as u64);
        for chunk in fresh.chunks(ACCOUNT_BATCH) {
            let ids: Vec<AccountId> = if self.opts.dry_run {
                let ids: Vec<AccountId> = self.stand_ins(chunk.len()).map(AccountId).collect();
                let entries = chunk
                    .iter()
                    .zip(&ids)
                    .map(|((_, a), &id)| {
                        let a = a.clone().validate().expect("validated above");
                        AccountEntry {
                            id,
                            name: a.name,
                            domains: a.domains,
                            duns: a.duns,
                            country: a.country,
                            state: a.state,
                            city: a.city,
                            parent_id: None,
                        }
                    })
                    .collect();
                self.intake.add_dry_accounts(entries).await?;
                ids
            } else {
                self.store
                    .import_accounts(self.actor, &source, chunk.to_vec())
                    .await?
            };
            for ((ext, _), id) in chunk.iter().zip(ids) {
                self.accounts.insert(ext.clone(), id);
            }
            self.progress.advance(chunk.len() as u64);
        }
        self.count("accounts from the export (created now)", fresh.len() as u64);
        self.parents(parents).await
    }

    /// Links subsidiaries to their parents once every account exists (a parent may come after
    /// its child in the file). Only a missing link is set, so a parent someone changed in abcrm
    /// since stays as they left it.
    async fn parents(&mut self, links: Vec<(At, String, String)>) -> Result<()> {
        self.step("account hierarchy", links.len() as u64);
        let mut linked = 0;
        let mut todo = Vec::new();
        for (at, child, parent) in links {
            match (self.accounts.get(&child), self.accounts.get(&parent)) {
                (Some(&c), Some(&p)) => todo.push((at, c, p)),
                (Some(_), None) => self.out.rejected.push(rejected(
                    at,
                    Some("ParentId"),
                    format!("names account {parent}, which is not in the export; the account was kept without a parent"),
                )),
                _ => {}
            }
        }
        if self.opts.dry_run {
            self.count("subsidiaries linked to their parent", todo.len() as u64);
            return Ok(());
        }
        for chunk in todo.chunks(1_000) {
            let pairs: Vec<(AccountId, AccountId)> =
                chunk.iter().map(|(_, c, p)| (*c, *p)).collect();
            let done = self
                .store
                .import_parents(self.actor, &self.opts.source, &pairs)
                .await?;
            for ((at, _, _), done) in chunk.iter().zip(done) {
                match done {
                    Ok(now) => linked += u64::from(now),
                    Err(why) => self.out.rejected.push(rejected(
                        *at,
                        Some("ParentId"),
                        format!("{why}; the account was kept without a parent"),
                    )),
                }
            }
            self.progress.advance(chunk.len() as u64);
        }
        self.count("subsidiaries linked to their parent (now)", linked);
        Ok(())
    }

    async fn people(&mut self, people: &[(At, SourcePerson)]) -> Result<()> {
        let source = self.opts.source.clone();
        self.placements = self
            .store
            .intake_placements(&source)
            .await?
            .into_iter()
            .map(|p| (p.key.clone(), p))
            .collect();
        let by_id: HashMap<&str, &SourcePerson> =
            people.iter().map(|(_, p)| (p.id.as_str(), p)).collect();
        // Contacts the source placed first, so leads dedupe against them; then everyone else,
        // people with a corporate email first, so the accounts they create are there for
        // colleagues who wrote from a free-mail address; converted leads last, folded into
        // the contacts they became.
        let mut kept = Vec::new();
        let mut rest = Vec::new();
        let mut converted = Vec::new();
        let mut seen = HashSet::new();
        for (at, p) in people {
            if !seen.insert(p.id.as_str()) {
                self.out.rejected.push(rejected(
                    *at,
                    Some("Id"),
                    format!("repeats person {}", p.id),
                ));
                continue;
            }
            if self.placements.contains_key(&p.id) {
                continue;
            }
            let account = p.account_id.as_ref().and_then(|a| self.accounts.get(a));
            if p.object() == PersonObject::Contact && account.is_some() {
                kept.push(p);
            } else if p
                .converted_contact_id
                .as_deref()
                .is_some_and(|c| by_id.contains_key(c))
            {
                converted.push(p);
            } else {
                rest.push(p);
            }
        }
        rest.sort_by_key(|p| !has_corporate_email(p));
        self.step("people", (kept.len() + rest.len() + converted.len()) as u64);
        let batch = self.opts.batch.max(1);
        let mut taken = 0;
        // Each batch is matched while the one before it is written.
        let intake = self.intake.clone();
        let mut stream = intake.stream(self.actor, &source).await?;
        for (i, chunk) in kept
            .iter()
            .chain(&rest)
            .collect::<Vec<_>>()
            .chunks(batch)
            .enumerate()
        {
            if i % STATISTICS_EVERY == STATISTICS_EVERY - 1 {
                self.refresh_statistics().await?;
            }
            let items = chunk.iter().map(|p| self.item(p)).collect();
            for done in stream.push(items).await? {
                taken += self.placed(done).await?;
            }
        }
        for done in stream.finish().await? {
            taken += self.placed(done).await?;
        }
        // Converted leads once every contact is placed: each folds into the one it became.
        let mut stream = intake.stream(self.actor, &source).await?;
        for chunk in converted.chunks(batch) {
            let items = chunk
                .iter()
                .map(|p| {
                    let mut item = self.item(p);
                    let became = p
                        .converted_contact_id
                        .as_deref()
                        .and_then(|c| self.placements.get(c));
                    if let Some((Some(c), Some(a))) = became.map(|b| (b.contact_id, b.account_id)) {
                        item.hints.same_as = Some((c, a));
                    }
                    item
                })
                .collect();
            for done in stream.push(items).await? {
                taken += self.placed(done).await?;
            }
        }
        for done in stream.finish().await? {
            taken += self.placed(done).await?;
        }
        self.count("people taken now", taken);
        // A person whose fields could not be taken (too long, a control character) was kept
        // as a rejected intake record; the operator finds it by its line.
        for (at, p) in people {
            let invalid = self
                .placements
                .get(&p.id)
                .is_some_and(|pl| pl.outcome == IntakeOutcome::Rejected && pl.rule == "invalid");
            if invalid {
                let reason = self.rejections.get(&p.id).cloned().unwrap_or_else(|| {
                    format!(
                        "person {} was rejected as invalid; its intake record says why",
                        p.id
                    )
                });
                self.out.rejected.push(rejected(*at, None, reason));
            }
        }
        Ok(())
    }

    fn item(&self, p: &SourcePerson) -> IntakeItem {
        let lead = p.object() == PersonObject::Lead;
        let facts = &p.company_facts;
        let has_facts =
            facts.industry.is_some() || facts.employees.is_some() || facts.annual_revenue.is_some();
        IntakeItem {
            source_key: p.id.clone(),
            record: p.record.clone(),
            hints: IntakeHints {
                account: p
                    .account_id
                    .as_ref()
                    .and_then(|a| self.accounts.get(a))
                    .copied(),
                same_as: None,
                account_facts: (lead || has_facts).then(|| CompanyFacts::clone(facts)),
                person: PersonContext {
                    status: p.status,
                    owner: self.owner_of(p.owner_id.as_deref()),
                    source: p.source.clone(),
                    created_at: p.created_at,
                    response: None,
                },
            },
        }
    }

    /// Takes in a written batch: where each person went (intake remembered which accounts
    /// people made in the batch's transaction, under `CREATED_ACCOUNT`).
    async fn placed(&mut self, (report, placed): IntakeBatchResult) -> Result<u64> {
        let n = (report.taken + report.already_taken) as u64;
        for p in placed {
            self.placements.insert(p.key.clone(), p);
        }
        for r in report.rejections {
            self.rejections.insert(r.key, r.reason);
        }
        self.progress.advance(n);
        Ok(report.taken as u64)
    }

    /// The contact a source person ended as (a converted lead: its contact).
    fn contact_of(&self, person: &str) -> Option<(ContactId, AccountId)> {
        let p = self.placements.get(person)?;
        Some((p.contact_id?, p.account_id?))
    }

    async fn campaigns(
        &mut self,
        rows: Vec<(At, SourceCampaign)>,
    ) -> Result<HashMap<String, CampaignId>> {
        self.step("campaigns", rows.len() as u64);
        let mut fresh = Vec::new();
        for (at, c) in rows {
            let new = NewCampaign {
                name: c.name,
                kind: c.kind,
                starts_on: c.starts_on,
                ends_on: None,
                budget: None,
            };
            match new.clone().validate() {
                Ok(_) => fresh.push((c.id, new)),
                Err(e) => self.out.rejected.push(rejected(at, None, e.to_string())),
            }
        }
        let ids: Vec<CampaignId> = if self.opts.dry_run {
            self.stand_ins(fresh.len()).map(CampaignId).collect()
        } else {
            self.store
                .import_campaigns(self.actor, &self.opts.source, fresh.clone())
                .await?
        };
        self.progress.advance(fresh.len() as u64);
        self.count("campaigns", fresh.len() as u64);
        Ok(fresh.into_iter().map(|(ext, _)| ext).zip(ids).collect())
    }

    async fn members(
        &mut self,
        rows: Vec<(At, SourceMember)>,
        campaigns: &HashMap<String, CampaignId>,
    ) -> Result<()> {
        self.step("campaign members", rows.len() as u64);
        let mut by_campaign: BTreeMap<CampaignId, Vec<NewCampaignMember>> = BTreeMap::new();
        let mut landed: HashSet<(CampaignId, ContactId)> = HashSet::new();
        let (mut repeats, mut in_review) = (0, 0);
        for (at, m) in rows {
            let Some(&campaign) = campaigns.get(&m.campaign_id) else {
                self.out.rejected.push(rejected(
                    at,
                    Some("CampaignId"),
                    format!("campaign {} is not in the export", m.campaign_id),
                ));
                continue;
            };
            if !self.placements.contains_key(&m.person_id) {
                self.out.rejected.push(rejected(
                    at,
                    Some("LeadId/ContactId"),
                    format!("person {} is not in the export", m.person_id),
                ));
                continue;
            }
            let Some((contact, _)) = self.contact_of(&m.person_id) else {
                // The person waits in review: the membership stays on the source row until a
                // person decides where they belong.
                in_review += 1;
                continue;
            };
            // A converted lead and its contact, both members: one membership.
            if !landed.insert((campaign, contact)) {
                repeats += 1;
                continue;
            }
            by_campaign
                .entry(campaign)
                .or_default()
                .push(NewCampaignMember {
                    contact_id: contact,
                    status: m.status,
                    joined_at: m.joined_at,
                });
        }
        if !self.opts.dry_run {
            for (campaign, members) in by_campaign {
                for chunk in members.chunks(RECORD_BATCH) {
                    self.store
                        .add_campaign_members(self.actor, campaign, chunk.to_vec())
                        .await?;
                    self.progress.advance(chunk.len() as u64);
                }
            }
        }
        self.count("campaign memberships", landed.len() as u64);
        self.count(
            "campaign members repeating one (a converted lead and its contact)",
            repeats,
        );
        self.count(
            "campaign members of people in review (not written)",
            in_review,
        );
        Ok(())
    }

    async fn opportunities(
        &mut self,
        rows: Vec<(At, SourceOpportunity)>,
        roles: Vec<(At, SourceContactRole)>,
        campaigns: &HashMap<String, CampaignId>,
    ) -> Result<HashMap<String, OpportunityId>> {
        self.step("opportunities", rows.len() as u64);
        let mut roles_of: HashMap<String, Vec<ContactRole>> = HashMap::new();
        for (at, r) in roles {
            let Some((contact, _)) = self.contact_of(&r.contact_id) else {
                self.out.rejected.push(rejected(at, Some("ContactId"), format!("contact {} is not a contact abcrm has (missing from the export, or in review)", r.contact_id)));
                continue;
            };
            push_role(
                roles_of.entry(r.opportunity_id).or_default(),
                contact,
                r.role,
                r.primary,
            );
        }
        let mut fresh = Vec::new();
        for (at, o) in rows {
            let Some(&account) = o.account_id.as_ref().and_then(|a| self.accounts.get(a)) else {
                let reason = match &o.account_id {
                    Some(a) => format!("account {a} is not in the export"),
                    None => "has no account; abcrm keeps every opportunity under an account".into(),
                };
                self.out
                    .rejected
                    .push(rejected(at, Some("AccountId"), reason));
                continue;
            };
            let mut contact_roles = roles_of.remove(&o.id).unwrap_or_default();
            for c in &o.contact_ids {
                if let Some((contact, _)) = self.contact_of(c) {
                    push_role(&mut contact_roles, contact, None, false);
                }
            }
            let new = NewOpportunity {
                account_id: account,
                name: o.name,
                stage: o.stage,
                amount: o.amount,
                close_date: o.close_date,
                source_campaign_id: o
                    .campaign_id
                    .as_ref()
                    .and_then(|c| campaigns.get(c))
                    .copied(),
                owner_id: self.owner_of(o.owner_id.as_deref()),
                contact_roles,
                created_at: o.created_at,
            };
            match new.clone().validate() {
                Ok(_) => fresh.push((o.id, new)),
                Err(e) => self.out.rejected.push(rejected(at, None, e.to_string())),
            }
        }
        let mut written = 0;
        for chunk in fresh.chunks(RECORD_BATCH) {
            if !self.opts.dry_run {
                written += self
                    .store
                    .import_opportunities(self.actor, &self.opts.source, chunk.to_vec())
                    .await?;
            }
            self.progress.advance(chunk.len() as u64);
        }
        self.count("opportunities in the export", fresh.len() as u64);
        self.count("opportunities written now", written as u64);
        if self.opts.dry_run {
            let ids: Vec<OpportunityId> = self.stand_ins(fresh.len()).map(OpportunityId).collect();
            return Ok(fresh.into_iter().map(|(e, _)| e).zip(ids).collect());
        }
        Ok(self
            .store
            .external_ids(&self.opts.source, "opportunity")
            .await?
            .into_iter()
            .map(|(k, v)| (k, OpportunityId(v)))
            .collect())
    }

    async fn activities(
        &mut self,
        rows: Vec<(At, SourceActivity)>,
        opportunities: &HashMap<String, OpportunityId>,
    ) -> Result<()> {
        self.step("activities", rows.len() as u64);
        let mut fresh = Vec::new();
        for (at, a) in rows {
            let contact = a.person_id.as_deref().and_then(|p| self.contact_of(p));
            let account = contact.map(|(_, account)| account).or_else(|| {
                a.account_id
                    .as_ref()
                    .and_then(|x| self.accounts.get(x))
                    .copied()
            });
            if account.is_none() {
                self.out.rejected.push(rejected(
                    at,
                    Some("WhoId"),
                    "names no contact or account abcrm has (missing from the export, or in review)",
                ));
                continue;
            }
            let new = NewActivity {
                account_id: account,
                contact_id: contact.map(|(c, _)| c),
                kind: a.kind,
                subject: a.subject,
                body: a.body,
                occurred_at: a.occurred_at,
                campaign_id: None,
                opportunity_id: a
                    .opportunity_id
                    .as_ref()
                    .and_then(|o| opportunities.get(o))
                    .copied(),
            };
            // Checked row by row: one activity the store refused would refuse its batch.
            match new.clone().validate() {
                Ok(_) => fresh.push((a.id, new)),
                Err(e) => self.out.rejected.push(rejected(at, None, e.to_string())),
            }
        }
        let mut written = 0;
        for chunk in fresh.chunks(RECORD_BATCH) {
            if !self.opts.dry_run {
                written += self
                    .store
                    .import_activities(self.actor, &self.opts.source, chunk.to_vec())
                    .await?;
            }
            self.progress.advance(chunk.len() as u64);
        }
        self.count("activities in the export", fresh.len() as u64);
        self.count("activities written now", written as u64);
        Ok(())
    }

    /// One outcome per source person, from where intake put each.
    async fn report(&mut self, people: &[(At, SourcePerson)]) -> Result<()> {
        let source_of: HashMap<AccountId, &str> = self
            .accounts
            .iter()
            .map(|(ext, &id)| (id, ext.as_str()))
            .collect();
        let by_id: HashMap<&str, &SourcePerson> =
            people.iter().map(|(_, p)| (p.id.as_str(), p)).collect();
        let mut created: HashMap<AccountId, String> = HashMap::new();
        // The people whose records created an account, by that account.
        let creators: Vec<(AccountId, String)> = if self.opts.dry_run {
            self.placements
                .values()
                .filter(|p| p.account_created)
                .filter_map(|p| Some((p.account_id?, p.key.clone())))
                .collect()
        } else {
            self.store
                .external_ids(&self.opts.source, crate::intake::CREATED_ACCOUNT)
                .await?
                .into_iter()
                .map(|(person, id)| (AccountId(id), person))
                .collect()
        };
        for (account, creator) in creators {
            if created.contains_key(&account) {
                continue;
            }
            let person = by_id.get(creator.as_str()).copied();
            let key = person
                .map(new_account_key)
                .unwrap_or_else(|| format!("account-{}", account.0));
            let name = person
                .and_then(|p| p.record.company.clone())
                .unwrap_or_else(|| key.clone());
            created.insert(account, key.clone());
            self.out.accounts_created.insert(key, name);
        }
        // The source person each contact came from: the first record that created it.
        let mut person_of: HashMap<ContactId, &str> = HashMap::new();
        for (_, p) in people {
            if let Some(pl) = self.placements.get(&p.id) {
                if pl.outcome == IntakeOutcome::Created {
                    if let Some(c) = pl.contact_id {
                        person_of.entry(c).or_insert(p.id.as_str());
                    }
                }
            }
        }
        // The source person of each intake record, for a repeat waiting in review.
        let person_of_record: HashMap<i64, &str> = self
            .placements
            .values()
            .map(|p| (p.record_id, p.key.as_str()))
            .collect();
        let mut seen = HashSet::new();
        for (_, p) in people {
            if !seen.insert(p.id.as_str()) {
                continue;
            }
            let Some(pl) = self.placements.get(&p.id) else {
                continue;
            };
            let placement = pl
                .account_id
                .map(|a| match (source_of.get(&a), created.get(&a)) {
                    (Some(ext), _) => Placement::Source(ext.to_string()),
                    (None, Some(key)) => Placement::New(key.clone()),
                    (None, None) => Placement::Source(format!("abcrm:{}", a.0)),
                });
            let (action, merged_into) = match pl.outcome {
                IntakeOutcome::Matched => (
                    Action::Merged,
                    pl.contact_id.map(|c| {
                        person_of
                            .get(&c)
                            .map_or_else(|| format!("abcrm:{}", c.0), |s| s.to_string())
                    }),
                ),
                IntakeOutcome::Created if pl.rule == "source_account" => (Action::Kept, None),
                IntakeOutcome::Created if matches!(placement, Some(Placement::New(_))) => {
                    (Action::NewAccount, None)
                }
                IntakeOutcome::Created => (Action::Matched, None),
                // A repeat of a person waiting in review: one review item, placed together.
                IntakeOutcome::NeedsReview if pl.duplicate_of.is_some() => (
                    Action::Merged,
                    pl.duplicate_of.map(|r| {
                        person_of_record
                            .get(&r)
                            .map_or_else(|| format!("abcrm:intake:{r}"), |s| s.to_string())
                    }),
                ),
                IntakeOutcome::NeedsReview | IntakeOutcome::Rejected => (Action::Review, None),
            };
            self.out.people.push(PersonOutcome {
                source_id: p.id.clone(),
                object: p.object(),
                action,
                account: placement.filter(|_| pl.outcome != IntakeOutcome::NeedsReview),
                merged_into,
                rule: pl.rule.clone(),
                confidence: pl.confidence,
            });
        }
        Ok(())
    }
}

/// The column a file names its owner in.
fn owner_column(file: &str) -> &'static str {
    match file {
        "companies.csv" => "Company owner",
        "contacts.csv" => "Contact owner",
        "deals.csv" => "Deal owner",
        _ => "OwnerId",
    }
}

fn push_role(
    roles: &mut Vec<ContactRole>,
    contact: ContactId,
    role: Option<BuyingRole>,
    primary: bool,
) {
    if roles.iter().any(|r| r.contact_id == contact) {
        return;
    }
    roles.push(ContactRole {
        contact_id: contact,
        // The CRM's role picklist is often blank or "Other"; such a person still took part.
        role: role.unwrap_or(BuyingRole::Influencer),
        is_primary: primary,
    });
}

fn has_corporate_email(p: &SourcePerson) -> bool {
    p.record
        .email
        .as_deref()
        .and_then(|e| Email::parse(e).ok())
        .is_some_and(|e| personal_domain(&registrable_domain(e.domain())).is_none())
}

/// The key of an account a person made: its domain (the person's corporate email's, else
/// their website's), the report's `new:<domain>`.
fn new_account_key(p: &SourcePerson) -> String {
    let from_email = p
        .record
        .email
        .as_deref()
        .and_then(|e| Email::parse(e).ok())
        .map(|e| registrable_domain(e.domain()));
    let from_site = p
        .record
        .website
        .as_deref()
        .and_then(|w| normalize_domain(w).ok())
        .map(|d| registrable_domain(&d));
    from_email
        .into_iter()
        .chain(from_site)
        .find(|d| personal_domain(d).is_none())
        .unwrap_or_else(|| p.id.clone())
}

/// The account a source account becomes (its parent is linked afterwards).
fn new_account(a: &SourceAccount) -> NewAccount {
    let mut domains: Vec<String> = Vec::new();
    for d in a.domains.iter().chain(a.website.iter()) {
        if let Ok(d) = normalize_domain(d) {
            let d = registrable_domain(&d);
            // A free-mail "website" says nothing about the company.
            if personal_domain(&d).is_none() && !domains.contains(&d) {
                domains.push(d);
            }
        }
    }
    NewAccount {
        name: a.name.clone(),
        domains,
        duns: a.duns.as_deref().and_then(normalize_duns_str),
        parent_id: None,
        industry: a.industry.clone(),
        employees: a.employees,
        annual_revenue: a.annual_revenue.map(|r| r.round() as i64),
        country: a.country.clone(),
        state: a.state.clone(),
        city: a.city.clone(),
        relationship: a.relationship,
        stage: None,
        owner_id: None,
        target_tier: None,
        created_at: a.created_at,
    }
}
