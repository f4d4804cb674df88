//! The shapes the store takes and returns besides the domain records themselves.

use abcrm_core::model::*;
use abcrm_core::*;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Backend {
    /// The embedded default.
    Sqlite,
    /// The production backend.
    Postgres,
}

/// What to do with an account's contacts, opportunities, activities, assets and subsidiaries
/// when it is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDependents {
    /// Keep the account and say what still depends on it.
    Refuse,
    /// Move everything to this other account, then delete.
    MoveTo(AccountId),
}

/// A page request: records after the cursor, at most `limit` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// The sort key of the last record of the previous page (the store's own opaque value).
    pub after: Option<i64>,
    /// Largest page size; the store clamps it to [1, 1000].
    pub limit: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            after: None,
            limit: 50,
        }
    }
}

/// One page of records and where the next one starts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    /// The records of this page.
    pub items: Vec<T>,
    /// The cursor of the next page; `None` on the last page.
    pub next_after: Option<i64>,
}

/// Filters for listing accounts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountQuery {
    /// Case-insensitive substring of the name.
    pub name_contains: Option<String>,
    /// Accounts owning exactly this (normalized) domain.
    pub domain: Option<String>,
    /// Direct subsidiaries of this account.
    pub parent_id: Option<AccountId>,
    pub relationship: Option<Relationship>,
    pub stage: Option<AccountStage>,
}

/// Filters for listing contacts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactQuery {
    pub account_id: Option<AccountId>,
    /// Case-insensitive substring of first name, last name or email.
    pub search: Option<String>,
    pub buying_role: Option<BuyingRole>,
    pub seniority: Option<Seniority>,
    pub status: Option<ContactStatus>,
}

/// Filters for listing opportunities.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpportunityQuery {
    pub account_id: Option<AccountId>,
    /// Only opportunities of these accounts (a family's members); empty takes any.
    pub accounts: Vec<AccountId>,
    pub stage: Option<OpportunityStage>,
    /// Only open (`true`) or only closed (`false`) opportunities.
    pub open: Option<bool>,
}

/// Filters for listing activities.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityQuery {
    pub account_id: Option<AccountId>,
    pub contact_id: Option<ContactId>,
    pub opportunity_id: Option<OpportunityId>,
    pub kind: Option<ActivityKind>,
}

/// Filters for listing tasks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskQuery {
    pub assignee_id: Option<UserId>,
    pub account_id: Option<AccountId>,
    pub contact_id: Option<ContactId>,
    pub opportunity_id: Option<OpportunityId>,
    /// Done ones only (`true`), open ones only (`false`), or both.
    pub done: Option<bool>,
}

/// Filters for listing the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// `account`, `contact`, ...
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
}

/// An account's place in its hierarchy.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Hierarchy {
    /// From the ultimate parent down to the direct parent; empty for a root account.
    pub ancestors: Vec<AccountRef>,
    /// The account itself with its subsidiaries, recursively.
    pub tree: HierarchyNode,
}

impl Hierarchy {
    /// The top of the hierarchy: the ultimate parent, or the account itself.
    pub fn ultimate_parent(&self) -> &AccountRef {
        self.ancestors.first().unwrap_or(&self.tree.account)
    }
}

/// An account's id and name, for trees and links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AccountRef {
    pub id: AccountId,
    pub name: String,
}

/// An account in a hierarchy tree, with its direct subsidiaries.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct HierarchyNode {
    pub account: AccountRef,
    #[schema(no_recursion)]
    pub subsidiaries: Vec<HierarchyNode>,
}

/// The account 360: the account, where it sits, who we know there and what is happening.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Account360 {
    pub account: Account,
    pub hierarchy: Hierarchy,
    /// Contacts grouped by buying role (`economic_buyer`, `champion`, ...); contacts with no
    /// role are under `unassigned`.
    pub buying_center: BTreeMap<String, Vec<Contact>>,
    pub open_opportunities: Vec<Opportunity>,
    /// The 20 most recent activities across all the account's contacts.
    pub recent_activities: Vec<Activity>,
    pub assets: Vec<Asset>,
}

/// One member of an account's family as the parent's 360 shows it: its people (those who have
/// not left), the buying roles they cover, and the products it owns that are in force.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MemberSummary {
    pub account_id: AccountId,
    pub people: u64,
    pub roles: Vec<BuyingRole>,
    pub products: Vec<String>,
}

/// Row counts of the main tables.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Counts {
    pub accounts: i64,
    pub contacts: i64,
    pub opportunities: i64,
    pub campaigns: i64,
    pub campaign_members: i64,
    pub activities: i64,
    pub assets: i64,
    pub users: i64,
    pub audit_log: i64,
    pub intake_records: i64,
    /// Intake records waiting in the review queue.
    pub needs_review: i64,
}

/// The accounts and contacts the matcher needs, read at one moment, with the audit log's last
/// id at that moment: changes after it are replayed with [`crate::Store::changes_since`].
#[derive(Debug, Clone, Default)]
pub struct MatchSnapshot {
    pub accounts: Vec<abcrm_core::matching::AccountEntry>,
    pub contacts: Vec<abcrm_core::matching::ContactEntry>,
    /// The intake records waiting in review, oldest first.
    pub reviews: Vec<abcrm_core::matching::ReviewEntry>,
    pub through_audit_id: i64,
}

/// One audited change to an account, a contact or an intake record (`entity` names which).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub audit_id: i64,
    pub entity: String,
    pub entity_id: i64,
}

/// What [`crate::Store::apply_intake`] wrote: the real ids, in the plan's order, and the ids of
/// the audit rows it wrote (so the writer's own match index need not replay them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntakeApplied {
    pub accounts: Vec<AccountId>,
    pub contacts: Vec<ContactId>,
    pub records: Vec<i64>,
    pub audit_ids: Vec<i64>,
    /// Existing contacts whose blank fields the batch filled.
    pub filled: usize,
}

/// Where intake put one keyed record of a source: the outcome and ids a migration reports.
#[derive(Debug, Clone, PartialEq)]
pub struct IntakePlacement {
    pub key: String,
    pub outcome: IntakeOutcome,
    pub rule: String,
    pub confidence: f64,
    pub account_id: Option<AccountId>,
    pub contact_id: Option<ContactId>,
    /// The account was made from this record (known only to the run that planned it).
    pub account_created: bool,
    /// The intake record's id.
    pub record_id: i64,
    /// The record waiting in review that this one repeats (see `IntakeRecord::duplicate_of`).
    pub duplicate_of: Option<i64>,
}

/// A user of another system to take over ([`crate::Store::import_users`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportUser {
    /// Who they are in abcrm: a user is matched by email first.
    pub email: Option<abcrm_core::normalize::Email>,
    pub name: String,
    /// The role of a user created now (a matched user keeps theirs).
    pub role: Role,
}

/// What became of one [`ImportUser`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserImport {
    /// Its source id was taken by an earlier run.
    Known(UserId),
    /// An abcrm user already had its email (without an email: its name).
    Matched(UserId),
    Created(UserId),
    /// A dry run would create it.
    WouldCreate,
    /// No email, and no single abcrm user of that name: nothing to make a user from.
    NotFound,
}

/// Which intake records to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IntakeQuery {
    pub outcome: Option<IntakeOutcome>,
    pub source: Option<String>,
    /// With `source`: the record taken under this key.
    pub source_key: Option<String>,
    pub account_id: Option<AccountId>,
    /// Leave out records attached to another as its duplicate (the review queue lists each
    /// person once; the first record shows its duplicates).
    pub hide_duplicates: bool,
    /// Records whose person answered this campaign.
    pub campaign_id: Option<CampaignId>,
}

/// The people waiting in review whom a segment would take once placed, each weighed as the
/// contact it would become at its best candidate account (see [`crate::Store::waiting_in_segment`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WaitingPeople {
    /// How many of the people weighed the segment takes.
    pub count: u64,
    /// The first of them (oldest first), as many as asked for.
    pub records: Vec<IntakeRecord>,
    /// False when the queue was longer than [`crate::MAX_WAITING_WEIGHED`] and only its oldest
    /// records were weighed.
    pub complete: bool,
}

/// A saved version of a scoring model (or the shipped default, which has no id).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ScoringModelRecord {
    /// `None` for the shipped default, in use until a model is saved.
    pub id: Option<i64>,
    pub name: String,
    pub version: i64,
    /// The model file as saved.
    pub body: String,
    pub active: bool,
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// An account's stored score: as of `computed_at`, by the model named.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StoredAccountScore {
    #[serde(flatten)]
    pub score: abcrm_core::scoring::AccountScore,
    /// The `scoring_models` row that computed it, or 0 for the shipped default.
    pub model_id: i64,
    pub computed_at: chrono::DateTime<chrono::Utc>,
}

/// How far a full recompute is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecomputeProgress {
    /// "accounts", "contacts", "activities", "writing scores" or "stages".
    pub phase: &'static str,
    pub done: u64,
    pub total: u64,
}

/// What a full recompute did.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RecomputeSummary {
    pub model: String,
    pub model_version: i64,
    pub accounts: u64,
    pub contacts: u64,
    pub activities: u64,
    /// Accounts whose stage the rules moved.
    pub stage_changes: u64,
    /// Campaign names rules refer to that no campaign has (those rules matched nothing).
    pub missing_campaigns: Vec<String>,
    /// Seconds spent reading, scoring and writing.
    pub read_seconds: f64,
    pub score_seconds: f64,
    pub write_seconds: f64,
}

/// What saving a scoring model and recomputing would do to the accounts' stages; nothing is
/// written to find out.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelPreview {
    /// The candidate model's name.
    pub name: String,
    /// Accounts scored.
    pub accounts: u64,
    /// Accounts whose stage would move.
    pub stage_changes: u64,
    /// The moves by where from and where to, the most common first.
    pub shifts: Vec<StageShift>,
    /// Some accounts that would move, the highest new score first.
    pub examples: Vec<PreviewedMove>,
    /// Campaign names the model's rules refer to that no campaign has.
    pub missing_campaigns: Vec<String>,
}

/// How many accounts would move from one stage to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageShift {
    pub from: abcrm_core::model::AccountStage,
    pub to: abcrm_core::model::AccountStage,
    pub accounts: u64,
}

/// One account a candidate model would move.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewedMove {
    pub account_id: AccountId,
    pub name: String,
    pub from: abcrm_core::model::AccountStage,
    pub to: abcrm_core::model::AccountStage,
    /// The stored score, `None` until the account is first scored.
    pub score_now: Option<abcrm_core::scoring::Points>,
    pub score_after: abcrm_core::scoring::Points,
    /// Why, in the stage rule's words.
    pub reason: String,
}

/// How an enrichment run treats what it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnrichOptions {
    /// Replace values a person entered too (values a machine set are always refreshed).
    pub overwrite: bool,
    /// Create an account (its fields marked enriched) for a row whose key no account has.
    pub create_missing: bool,
    /// Plan and report but change nothing: the run is one transaction, rolled back.
    pub dry_run: bool,
    /// Rows per committed transaction.
    pub batch: usize,
}

impl Default for EnrichOptions {
    fn default() -> Self {
        EnrichOptions {
            overwrite: false,
            create_missing: false,
            dry_run: false,
            batch: 1000,
        }
    }
}

/// What became of one row of an enrichment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnrichOutcome {
    /// An account has the row's key; its fields were planned.
    Matched,
    /// No account had the key and one was created from the row.
    Created,
    /// No account has the row's key; nothing was written.
    Unknown,
}

/// One row's result: the account it found or created, and every field that was filled,
/// overwritten or left in conflict (fields already equal are only counted).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct EnrichRowResult {
    /// The row's line in its file (or its position in the request).
    pub line: u64,
    /// The normalized domain or DUNS the row was looked up by.
    pub key: String,
    pub outcome: EnrichOutcome,
    pub account: Option<AccountRef>,
    pub fields: Vec<abcrm_core::enrich::FieldPlan>,
    /// Why an unknown key's account was not created, when creating was asked for.
    pub note: Option<String>,
}

/// What an enrichment did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct EnrichReport {
    pub rows: usize,
    /// Existing accounts with at least one field filled or overwritten.
    pub accounts_updated: usize,
    pub accounts_created: usize,
    pub fields_filled: usize,
    pub fields_overwritten: usize,
    /// Fields that already had the offered value.
    pub fields_kept: usize,
    /// Fields left as they were for a person to decide.
    pub conflicts: usize,
    /// Rows whose key no account has (and none was created).
    pub unknown: usize,
    pub dry_run: bool,
    pub results: Vec<EnrichRowResult>,
}

impl EnrichReport {
    /// Adds one row's result to the report and its counts.
    pub fn push(&mut self, result: EnrichRowResult, kept: usize) {
        use abcrm_core::enrich::Decision;
        let count = |d: Decision| result.fields.iter().filter(|f| f.decision == d).count();
        let (filled, overwritten) = (count(Decision::Fill), count(Decision::Overwrite));
        self.rows += 1;
        self.fields_filled += filled;
        self.fields_overwritten += overwritten;
        self.fields_kept += kept;
        self.conflicts += count(Decision::Conflict);
        match result.outcome {
            EnrichOutcome::Matched if filled + overwritten > 0 => self.accounts_updated += 1,
            EnrichOutcome::Matched => {}
            EnrichOutcome::Created => self.accounts_created += 1,
            EnrichOutcome::Unknown => self.unknown += 1,
        }
        self.results.push(result);
    }
}

/// A signed-in web UI session.
#[derive(Debug, Clone, PartialEq)]
pub struct WebSession {
    pub user: User,
    /// The token every form of this session carries; a POST without it is refused.
    pub csrf: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

// --- web: accounts ---

/// Which accounts the account list shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum AccountSelection {
    /// Every account.
    #[default]
    All,
    /// The accounts an account filter selects.
    Accounts(abcrm_core::filter::Checked),
    /// The accounts of the contacts a contact filter selects (each account once).
    OfContacts(abcrm_core::filter::Checked),
}

/// A column the account list sorts by. Missing values sort last either way; ties go by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AccountSort {
    #[default]
    Name,
    Industry,
    /// Country, then state, then city.
    Location,
    Employees,
    AnnualRevenue,
    /// In the vocabulary's order (prospect first).
    Relationship,
    /// In funnel order (target first).
    Stage,
    /// The stored score (after the roll-up); unscored accounts last.
    Score,
    /// The owner's name.
    Owner,
}

/// A page of the account list: which accounts, in what order, from where.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AccountTableQuery {
    pub selection: AccountSelection,
    pub sort: AccountSort,
    pub descending: bool,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return, clamped to [1, 1000].
    pub limit: u32,
}

// --- web: contacts ---

/// Which people the contact list shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ContactSelection {
    /// Everyone.
    #[default]
    All,
    /// Whose first name, last name or email holds the text (as [`ContactQuery::search`]).
    Search(String),
    /// Whom a contact filter selects.
    Filter(abcrm_core::filter::Checked),
}

/// A column the contact list sorts by. Missing values sort last either way; ties go by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactSort {
    /// Last name, then first name.
    Name,
    Title,
    /// In the vocabulary's order (C-level first).
    Seniority,
    /// In the vocabulary's order (economic buyer first).
    BuyingRole,
    /// The account's name.
    Account,
    Email,
    /// The newest touch.
    LastActivity,
}

/// A sorted page of the contact list.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactTableQuery {
    pub selection: ContactSelection,
    pub sort: ContactSort,
    pub descending: bool,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return, clamped to [1, 1000].
    pub limit: u32,
}

/// One row of the account list: the account with its score and its owner's name.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountTableRow {
    pub account: Account,
    /// The stored score; `None` until the account is first scored.
    pub score: Option<abcrm_core::scoring::Points>,
    pub owner_name: Option<String>,
}

/// A page of the account list and how many accounts the selection has in all.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountTable {
    pub rows: Vec<AccountTableRow>,
    pub total: u64,
}

// --- web: board ---

/// Which opportunities the board shows ([`crate::Store::opportunity_board`]).
#[derive(Debug, Clone, PartialEq)]
pub struct BoardQuery {
    /// Only this owner's opportunities.
    pub owner: Option<UserId>,
    /// Only opportunities at accounts whose name contains this text (any case).
    pub account_name: Option<String>,
    /// Closed (won or lost) opportunities are shown when they closed on or after this day, or
    /// have no close date and changed on or after it; older ones are only counted.
    pub closed_since: chrono::NaiveDate,
    /// An opportunity shown whatever its age (the one just moved).
    pub include: Option<OpportunityId>,
}

/// A contact's role on a board card, with the contact's name.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardRole {
    pub contact_id: ContactId,
    /// "First Last", or the email, or "contact N".
    pub name: String,
    pub role: BuyingRole,
    pub is_primary: bool,
}

/// One card of the opportunity board.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardCard {
    /// The opportunity, with its contact roles.
    pub opportunity: Opportunity,
    pub account_name: String,
    pub owner_name: Option<String>,
    /// The contact roles with names, primary first.
    pub roles: Vec<BoardRole>,
}

/// The opportunity board: its cards by stage, then close date, and the closed opportunities
/// left off as too old (count and amount per stage).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Board {
    pub cards: Vec<BoardCard>,
    pub older: Vec<(OpportunityStage, i64, f64)>,
}

/// What a user may do now: sign in to the web UI (a password is set), and with how many live
/// API tokens.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct UserAccess {
    pub user: User,
    pub can_sign_in: bool,
    pub live_tokens: i64,
    /// Until when the user's invitation link works, when one is waiting to be used.
    pub invited_until: Option<chrono::DateTime<chrono::Utc>>,
}
