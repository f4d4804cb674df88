//! abcrm-store: where the CRM's records live.
//!
//! [`Store`] is the one storage contract. Two implementations keep it: SQLite (the embedded
//! default) and PostgreSQL (production). Both run the same domain rules, written once in this
//! crate, against their own versioned migrations that produce the same schema.

/// The store's one body of SQL, included into each backend's `imp` module, which first names its
/// `ThisStore`, `Db` and `BACKEND` and after it defines the few functions whose SQL differs (see
/// ARCHITECTURE.md for why `include!` rather than a generic over `sqlx::Database`).
macro_rules! include_store_sql {
    () => {
        include!("shared.rs");
        include!("audit_sql.rs");
        include!("auth_sql.rs");
        include!("accounts_sql.rs");
        include!("contacts_sql.rs");
        include!("opportunities_sql.rs");
        include!("activities_sql.rs");
        include!("lists_sql.rs");
        include!("intake_sql.rs");
        include!("account_merge_sql.rs");
        include!("filter_sql.rs");
        include!("segments_sql.rs");
        include!("reports_sql.rs");
        include!("scoring_sql.rs");
        include!("migration_sql.rs");
        include!("enrich_sql.rs");
        include!("search_sql.rs");
        include!("tasks_sql.rs");
    };
}

mod credentials;
mod error;
pub mod intake;
pub mod migration;
mod postgres;
pub mod segments;
mod sqlite;
pub mod testing;
mod token;
mod types;

pub use error::StoreError;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;
pub use types::*;

use std::collections::HashMap;
use std::sync::Arc;

/// Most ids one call may name in a list (bound one by one in an `IN (...)`: well within both
/// backends' bound-parameter limits).
pub const MAX_IN_LIST: usize = 1000;

/// Most records of the review queue a segment weighs for the people it would take once they
/// are placed ([`Store::waiting_in_segment`]): a queue is a day's work, not a database.
pub const MAX_WAITING_WEIGHED: usize = 20_000;

/// The active scoring model's record and its parsed form, cached by the store per saved version.
#[derive(Clone)]
pub(crate) struct ActiveModel {
    pub(crate) record: Arc<ScoringModelRecord>,
    pub(crate) model: Arc<abcrm_core::scoring::ScoringModel>,
}

impl ActiveModel {
    pub(crate) fn id(&self) -> i64 {
        self.record.id.unwrap_or(0)
    }
}

/// A store's scoring state: the parsed active model, and whether writes rescore.
#[derive(Default)]
pub(crate) struct ScoringState {
    pub(crate) cache: std::sync::Mutex<Option<ActiveModel>>,
    pub(crate) paused: std::sync::atomic::AtomicBool,
}

/// Where `abcrm` keeps its data when nothing else is configured: `./abcrm.db`.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://abcrm.db";

/// The most users [`Store::list_users`] answers: an owner picker, not a directory.
pub const MAX_USERS_LISTED: i64 = 5_000;

/// Opens the store a URL names and brings its schema up to date: `postgres://` or
/// `postgresql://` for PostgreSQL; `sqlite:`/`sqlite://PATH` or a plain file path for SQLite
/// (created if missing).
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    let url = url.trim();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::open(url).await?))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url).await?))
    } else if url.contains("://") {
        Err(StoreError::Config(format!(
            "unsupported database URL {url:?}: use sqlite://PATH or postgres://USER@HOST/DB"
        )))
    } else {
        Ok(Arc::new(
            SqliteStore::open(&format!("sqlite://{url}")).await?,
        ))
    }
}

use abcrm_core::model::*;
use abcrm_core::normalize::Email;
use abcrm_core::*;
use async_trait::async_trait;

/// Results of store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The storage contract. Every method that changes data runs in one transaction and writes an
/// audit row naming the actor, the record before and after.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which database this store talks to.
    fn backend(&self) -> Backend;
    /// Closes every connection and waits until they are closed: after it, a SQLite file may be
    /// removed without an old connection writing its log back beside a new one.
    async fn close(&self);

    // --- accounts ---
    /// Creates an account; its parent must exist.
    async fn create_account(&self, actor: &Actor, new: NewAccount) -> Result<Account>;
    /// Creates many accounts in one transaction (bulk loads); all or none. A parent must exist
    /// before the call.
    async fn create_accounts(&self, actor: &Actor, new: Vec<NewAccount>) -> Result<Vec<AccountId>>;
    /// One account by id.
    async fn get_account(&self, id: AccountId) -> Result<Account>;
    /// Applies a partial update; refuses a parent that would make the account its own ancestor.
    async fn update_account(
        &self,
        actor: &Actor,
        id: AccountId,
        patch: AccountPatch,
    ) -> Result<Account>;
    /// [`Store::update_account`], applied only while the account's `updated_at` is one of
    /// `versions` (what the caller read; HTTP's `If-Match`); else [`StoreError::Stale`].
    async fn update_account_if(
        &self,
        actor: &Actor,
        id: AccountId,
        patch: AccountPatch,
        versions: &[chrono::DateTime<chrono::Utc>],
    ) -> Result<Account>;
    /// Deletes an account. With [`OnDependents::Refuse`] an account that still has contacts,
    /// opportunities, activities, subsidiaries or assets is kept and the error says what remains;
    /// with [`OnDependents::MoveTo`] they are moved to the other account first.
    async fn delete_account(
        &self,
        actor: &Actor,
        id: AccountId,
        on_dependents: OnDependents,
    ) -> Result<()>;
    /// Accounts in id order, after the cursor.
    async fn list_accounts(&self, query: &AccountQuery, page: PageRequest)
        -> Result<Page<Account>>;
    /// The account's ancestors (root first) and its whole subtree of subsidiaries.
    async fn account_hierarchy(&self, id: AccountId) -> Result<Hierarchy>;
    /// Everything a rep wants on one screen: see [`Account360`].
    async fn account_360(&self, id: AccountId) -> Result<Account360>;

    // --- contacts ---
    /// Creates a contact under an existing account; the email must not belong to another contact.
    async fn create_contact(&self, actor: &Actor, new: NewContact) -> Result<Contact>;
    /// Creates many contacts in one transaction (bulk loads); all or none.
    async fn create_contacts(&self, actor: &Actor, new: Vec<NewContact>) -> Result<Vec<ContactId>>;
    /// One contact by id.
    async fn get_contact(&self, id: ContactId) -> Result<Contact>;
    /// The contact with this normalized email, if any.
    async fn find_contact_by_email(&self, email: &Email) -> Result<Option<Contact>>;
    /// Applies a partial update; moving to another account moves the contact's activities and
    /// campaign memberships with it.
    async fn update_contact(
        &self,
        actor: &Actor,
        id: ContactId,
        patch: ContactPatch,
    ) -> Result<Contact>;
    /// [`Store::update_contact`], applied only while the contact's `updated_at` is one of
    /// `versions` (what the caller read: an edit form's version); else [`StoreError::Stale`].
    async fn update_contact_if(
        &self,
        actor: &Actor,
        id: ContactId,
        patch: ContactPatch,
        versions: &[chrono::DateTime<chrono::Utc>],
    ) -> Result<Contact>;
    /// Deletes a contact, its opportunity roles and campaign memberships; its activities stay on
    /// the account with no contact.
    async fn delete_contact(&self, actor: &Actor, id: ContactId) -> Result<()>;
    /// Contacts in id order, after the cursor.
    async fn list_contacts(&self, query: &ContactQuery, page: PageRequest)
        -> Result<Page<Contact>>;

    // --- opportunities ---
    /// Creates an opportunity with its contact roles; every referenced record must exist.
    async fn create_opportunity(&self, actor: &Actor, new: NewOpportunity) -> Result<Opportunity>;
    /// One opportunity with its contact roles.
    async fn get_opportunity(&self, id: OpportunityId) -> Result<Opportunity>;
    /// Applies a partial update (contact roles, when given, replace the list).
    async fn update_opportunity(
        &self,
        actor: &Actor,
        id: OpportunityId,
        patch: OpportunityPatch,
    ) -> Result<Opportunity>;
    /// [`Store::update_opportunity`], applied only while the opportunity's `updated_at` is one of
    /// `versions` (what the caller read: an edit form's version); else [`StoreError::Stale`].
    async fn update_opportunity_if(
        &self,
        actor: &Actor,
        id: OpportunityId,
        patch: OpportunityPatch,
        versions: &[chrono::DateTime<chrono::Utc>],
    ) -> Result<Opportunity>;
    /// Deletes an opportunity and its contact roles.
    async fn delete_opportunity(&self, actor: &Actor, id: OpportunityId) -> Result<()>;
    /// Opportunities in id order, after the cursor.
    async fn list_opportunities(
        &self,
        query: &OpportunityQuery,
        page: PageRequest,
    ) -> Result<Page<Opportunity>>;

    // --- campaigns ---
    /// Creates a campaign; names are unique.
    async fn create_campaign(&self, actor: &Actor, new: NewCampaign) -> Result<Campaign>;
    /// One campaign by id.
    async fn get_campaign(&self, id: CampaignId) -> Result<Campaign>;
    /// Applies a partial update.
    async fn update_campaign(
        &self,
        actor: &Actor,
        id: CampaignId,
        patch: CampaignPatch,
    ) -> Result<Campaign>;
    /// Deletes a campaign and its memberships; activities keep their history without the campaign.
    async fn delete_campaign(&self, actor: &Actor, id: CampaignId) -> Result<()>;
    /// Campaigns in id order, after the cursor.
    async fn list_campaigns(&self, page: PageRequest) -> Result<Page<Campaign>>;
    /// Adds a contact to a campaign, or updates the status of its membership.
    async fn add_campaign_member(
        &self,
        actor: &Actor,
        campaign: CampaignId,
        member: NewCampaignMember,
    ) -> Result<CampaignMember>;
    /// Adds many contacts to a campaign in one transaction (bulk loads), or updates the status of
    /// memberships they have; all or none. A contact named twice is added once, with the first
    /// date and the last status. Returns how many memberships were written.
    async fn add_campaign_members(
        &self,
        actor: &Actor,
        campaign: CampaignId,
        members: Vec<NewCampaignMember>,
    ) -> Result<usize>;
    /// Members of a campaign in contact id order, after the cursor.
    async fn list_campaign_members(
        &self,
        campaign: CampaignId,
        page: PageRequest,
    ) -> Result<Page<CampaignMember>>;

    // --- activities ---
    /// Records an activity; with a contact, the account is the contact's.
    async fn create_activity(&self, actor: &Actor, new: NewActivity) -> Result<Activity>;
    /// Records many activities in one transaction (bulk loads); all or none.
    async fn create_activities(
        &self,
        actor: &Actor,
        new: Vec<NewActivity>,
    ) -> Result<Vec<ActivityId>>;
    /// One activity by id.
    async fn get_activity(&self, id: ActivityId) -> Result<Activity>;
    /// Applies a partial update.
    async fn update_activity(
        &self,
        actor: &Actor,
        id: ActivityId,
        patch: ActivityPatch,
    ) -> Result<Activity>;
    /// Deletes an activity.
    async fn delete_activity(&self, actor: &Actor, id: ActivityId) -> Result<()>;
    /// Activities, newest first when filtered by account or contact, else in id order.
    async fn list_activities(
        &self,
        query: &ActivityQuery,
        page: PageRequest,
    ) -> Result<Page<Activity>>;

    // --- assets and stages ---
    /// Records a product an account owns.
    async fn create_asset(&self, actor: &Actor, new: NewAsset) -> Result<Asset>;
    /// The products an account owns, soonest renewal first.
    async fn list_assets(&self, account: AccountId) -> Result<Vec<Asset>>;
    /// Moves an account to a stage and writes the change to account_stage_history.
    async fn set_account_stage(
        &self,
        actor: &Actor,
        account: AccountId,
        stage: AccountStage,
        reason: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Account>;
    /// An account's stage history, oldest first.
    async fn stage_history(&self, account: AccountId) -> Result<Vec<StageChange>>;
    /// People, buying roles and products in force (on `today`) of each of some accounts (a
    /// family's members), in the order given; at most [`MAX_IN_LIST`] accounts.
    async fn member_summaries(
        &self,
        accounts: &[AccountId],
        today: chrono::NaiveDate,
    ) -> Result<Vec<MemberSummary>>;
    /// Sets a contact's status as of `at` (a loader replaying history passes a past time; any
    /// other writer passes now), recording `reason` in the status history.
    async fn set_contact_status(
        &self,
        actor: &Actor,
        contact: ContactId,
        status: ContactStatus,
        reason: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Contact>;
    /// A contact's status history, oldest first.
    async fn status_history(&self, contact: ContactId) -> Result<Vec<ContactStatusChange>>;

    // --- users, tokens, audit ---
    /// Creates a user; emails are unique.
    async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<User>;
    /// The user with this email, if any.
    async fn find_user_by_email(&self, email: &Email) -> Result<Option<User>>;
    /// Creates an API token for a user and returns its record and the secret, shown only now.
    async fn create_api_token(
        &self,
        actor: &Actor,
        user: UserId,
        name: &str,
    ) -> Result<(ApiToken, String)>;
    /// The actor a bearer secret stands for, or `None` when it is unknown or revoked. Records
    /// the token's last use.
    async fn authenticate_token(&self, secret: &str) -> Result<Option<Actor>>;
    /// Revokes a token; it authenticates nothing afterwards.
    async fn revoke_api_token(&self, actor: &Actor, id: TokenId) -> Result<()>;
    /// Sets a user's password hash (a PHC string made by the caller, e.g. argon2); `None`
    /// removes the password, so the user can no longer sign in to the web UI.
    async fn set_password_hash(
        &self,
        actor: &Actor,
        user: UserId,
        hash: Option<&str>,
    ) -> Result<()>;
    /// Invites a user to choose their own password: keeps the hash of `secret` (the link's) until
    /// `expires_at`. An earlier invitation of the same user stops working.
    async fn create_invite(
        &self,
        actor: &Actor,
        user: UserId,
        secret: &str,
        expires_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<()>;
    /// The user a live invitation (unused, unexpired) stands for, if any.
    async fn invited_user(&self, secret: &str) -> Result<Option<User>>;
    /// Uses an invitation: sets the user's password hash and spends the link, in one transaction.
    /// `None` when the link is unknown, used or expired (two tabs racing: one wins).
    async fn accept_invite(&self, secret: &str, password_hash: &str) -> Result<Option<User>>;
    /// A user and their password hash, by email, for sign-in.
    async fn user_credentials(&self, email: &Email) -> Result<Option<(User, Option<String>)>>;
    /// Starts a web session for `user`: keeps the hash of `secret` with the session's CSRF token
    /// until `expires_at`, and deletes sessions that have expired.
    async fn create_web_session(
        &self,
        user: UserId,
        secret: &str,
        csrf: &str,
        expires_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<()>;
    /// The live session a cookie secret stands for, if any.
    async fn web_session(&self, secret: &str) -> Result<Option<WebSession>>;
    /// Ends a session (signing out); an unknown secret is not an error.
    async fn delete_web_session(&self, secret: &str) -> Result<()>;
    /// Audit entries, newest first, optionally for one record.
    async fn list_audit(&self, query: &AuditQuery, page: PageRequest) -> Result<Page<AuditEntry>>;

    // --- intake, review, merges ---
    /// What the match index is built from: every account (with domains) and contact, and the
    /// intake records waiting in review.
    async fn match_snapshot(&self) -> Result<MatchSnapshot>;
    /// The matcher's view of these accounts and contacts, as they are now (deleted ones absent).
    async fn match_entries(
        &self,
        accounts: &[AccountId],
        contacts: &[ContactId],
    ) -> Result<(Vec<matching::AccountEntry>, Vec<matching::ContactEntry>)>;
    /// Audited changes to accounts, contacts and intake records (a review resolved) after an
    /// audit id, oldest first, from at most
    /// `limit` audit rows. When the last row read is about something else, a marker with an empty
    /// entity carries its id, so the reader moves past it.
    async fn changes_since(&self, after: i64, limit: u32) -> Result<Vec<Change>>;
    /// How many audit rows there are after `after`: a writer that knows it wrote that many
    /// since knows nobody else wrote, without reading them.
    async fn audit_rows_since(&self, after: i64) -> Result<u64>;
    /// Which of these keys from `source` were taken already.
    async fn known_intake_keys(
        &self,
        source: &str,
        keys: &[String],
    ) -> Result<std::collections::HashSet<String>>;
    /// Writes a planned intake batch in one transaction: new accounts, new contacts, blanks
    /// filled on existing contacts, and an intake record per raw record. A conflict (an email
    /// or domain taken since the plan was made, a key already taken) refuses the whole batch.
    async fn apply_intake(
        &self,
        actor: &Actor,
        source: &str,
        plan: &abcrm_core::intake::IntakePlan,
    ) -> Result<IntakeApplied>;
    /// One intake record.
    async fn get_intake(&self, id: i64) -> Result<IntakeRecord>;
    /// Intake records in id order (the review queue is `outcome = needs_review`).
    async fn list_intake(
        &self,
        query: &IntakeQuery,
        page: PageRequest,
    ) -> Result<Page<IntakeRecord>>;
    /// Settles a record waiting in review: places the person at an account (a new contact, or
    /// the existing one with the same email), at a new account, or rejects the record. The
    /// records waiting as its duplicates are settled with it: placed as the same contact, or
    /// rejected.
    async fn resolve_review(
        &self,
        actor: &Actor,
        id: i64,
        resolution: Resolution,
    ) -> Result<IntakeRecord>;
    /// Merges `merged` into `survivor`: fields by the survivorship rule unless chosen; the
    /// merged contact's activities, campaign memberships, opportunity roles and intake records
    /// move to the survivor; the merged contact is deleted. Recorded for undo.
    async fn merge_contacts(
        &self,
        actor: &Actor,
        survivor: ContactId,
        merged: ContactId,
        choices: &MergeChoices,
    ) -> Result<ContactMerge>;
    /// Undoes a merge: the merged contact comes back with its id and its rows, and the survivor's
    /// fields go back unless edited since.
    async fn undo_merge(&self, actor: &Actor, merge: i64) -> Result<ContactMerge>;
    /// Merges account `merged` into `survivor` in one transaction: the survivor's fields win
    /// unless chosen (its empty ones filled from the merged account), domains are unioned,
    /// every row naming the merged account (contacts, opportunities, activities, assets,
    /// memberships, roles, intake records, review candidates, scores, external ids) and its
    /// subsidiaries move to the survivor, the merged account is deleted, and the survivor is
    /// rescored. Refused when the hierarchy would loop. Recorded for undo.
    async fn merge_accounts(
        &self,
        actor: &Actor,
        survivor: AccountId,
        merged: AccountId,
        choices: &AccountMergeChoices,
    ) -> Result<AccountMerge>;
    /// Undoes an account merge: the merged account comes back with its id, fields, domains and
    /// exactly the rows that merge moved; the survivor's fields go back unless edited since.
    async fn undo_account_merge(&self, actor: &Actor, merge: i64) -> Result<AccountMerge>;

    // --- segments ---
    /// Contacts a checked filter selects, in id order; relative dates count from `today`.
    async fn segment_contacts(
        &self,
        filter: &filter::Checked,
        today: chrono::NaiveDate,
        page: PageRequest,
    ) -> Result<Page<Contact>>;
    /// Accounts a checked filter selects, in id order; relative dates count from `today`.
    async fn segment_accounts(
        &self,
        filter: &filter::Checked,
        today: chrono::NaiveDate,
        page: PageRequest,
    ) -> Result<Page<Account>>;

    /// How many rows a checked filter selects; relative dates count from `today`.
    async fn segment_count(
        &self,
        filter: &filter::Checked,
        target: filter::Target,
        today: chrono::NaiveDate,
    ) -> Result<u64>;
    /// The people waiting in review whom a checked filter would select once placed, each
    /// weighed as the contact it would become at its best candidate account (a record without
    /// candidates is not weighed: its company has no account yet). For an account filter, the
    /// people whose best candidate it selects. Returns how many, and the first `limit` records.
    /// Each person is weighed once (a record repeating another waits with it); at most
    /// [`MAX_WAITING_WEIGHED`] records, oldest first.
    async fn waiting_in_segment(
        &self,
        filter: &filter::Checked,
        target: filter::Target,
        today: chrono::NaiveDate,
        limit: usize,
    ) -> Result<WaitingPeople>;
    /// Saves a segment; names are unique (case-insensitively) and the expression must check.
    async fn create_segment(&self, actor: &Actor, new: NewSegment) -> Result<Segment>;
    /// One segment by id.
    async fn get_segment(&self, id: SegmentId) -> Result<Segment>;
    /// The segment with this name (case-insensitive), if any.
    async fn find_segment(&self, name: &str) -> Result<Option<Segment>>;
    /// Saved segments in id order, after the cursor.
    async fn list_segments(&self, page: PageRequest) -> Result<Page<Segment>>;
    /// Applies a partial update; the expression is checked again for the (new) target.
    async fn update_segment(
        &self,
        actor: &Actor,
        id: SegmentId,
        patch: SegmentPatch,
    ) -> Result<Segment>;
    /// Deletes a saved segment.
    async fn delete_segment(&self, actor: &Actor, id: SegmentId) -> Result<()>;
    /// Accounts by id in the order asked; ids that do not exist are skipped (exports).
    async fn get_accounts(&self, ids: &[AccountId]) -> Result<Vec<Account>>;

    // --- tasks ---
    /// Creates a task about an opportunity, a contact or an account (they must agree); it
    /// carries its record's account.
    async fn create_task(&self, actor: &Actor, new: NewTask) -> Result<Task>;
    /// One task by id.
    async fn get_task(&self, id: TaskId) -> Result<Task>;
    /// Applies a partial update (`done` marks it done or open again).
    async fn update_task(&self, actor: &Actor, id: TaskId, patch: TaskPatch) -> Result<Task>;
    /// Deletes a task.
    async fn delete_task(&self, actor: &Actor, id: TaskId) -> Result<()>;
    /// Tasks newest first, after the cursor.
    async fn list_tasks(&self, query: &TaskQuery, page: PageRequest) -> Result<Page<Task>>;
    /// Open tasks in the order they are due (undated last), at most `limit`, and how many there
    /// are in all: a record's or a person's to-do list.
    async fn task_agenda(&self, query: &TaskQuery, limit: usize) -> Result<(Vec<Task>, u64)>;

    // --- search ---
    /// Accounts (by name and domain), contacts (by name, email and their account's name) and
    /// opportunities (by name and their account's name) for what a person typed, best first, at
    /// most `limit` of each kind: see [`abcrm_core::search`].
    async fn search(
        &self,
        query: &abcrm_core::search::SearchQuery,
        limit: usize,
    ) -> Result<Vec<abcrm_core::search::SearchHit>>;

    // --- reports ---
    /// Sales cycles started: opportunities created in `[from, to)` per period, by `by`.
    async fn report_sales_cycles(
        &self,
        scope: &reports::ReportScope,
        period: reports::Period,
        by: reports::CyclesBy,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<reports::CyclesReport>;
    /// The account funnel from the stage history, for accounts that entered it since a day;
    /// with `family`, each ultimate parent and its subsidiaries count once.
    async fn report_funnel(
        &self,
        scope: &reports::ReportScope,
        since: Option<chrono::NaiveDate>,
        family: bool,
    ) -> Result<reports::FunnelReport>;
    /// Open opportunity amount by stage and expected close period; with `family`, the
    /// companies counted are families (an ultimate parent and its subsidiaries count once).
    async fn report_pipeline(
        &self,
        scope: &reports::ReportScope,
        period: reports::Period,
        today: chrono::NaiveDate,
        family: bool,
    ) -> Result<reports::PipelineReport>;
    /// Buying-center coverage per account; engaged means an activity in `engaged_days`. With
    /// `family`, each ultimate parent is one row whose buying center is the whole family's.
    async fn report_coverage(
        &self,
        scope: &reports::ReportScope,
        engaged_days: u32,
        rows: reports::CoverageRows,
        now: chrono::DateTime<chrono::Utc>,
        family: bool,
    ) -> Result<reports::CoverageReport>;
    /// Campaign influence on opportunities created in `[from, to)`, at the account level.
    async fn report_influence(
        &self,
        scope: &reports::ReportScope,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        options: reports::InfluenceOptions,
    ) -> Result<reports::InfluenceReport>;
    /// Contacts in nurture by age, and conversions by time to convert.
    async fn report_nurture(
        &self,
        scope: &reports::ReportScope,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<reports::NurtureReport>;
    /// Cost per sales cycle started: every campaign's budget over the opportunities created in
    /// `[from, to)` that it influenced, as [`Store::report_influence`] counts them.
    async fn report_cost_per_cycle(
        &self,
        scope: &reports::ReportScope,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        options: reports::InfluenceOptions,
    ) -> Result<reports::CostPerCycleReport> {
        let influence = self.report_influence(scope, from, to, options).await?;
        let mut budgets = Vec::new();
        let mut page = PageRequest {
            after: None,
            limit: 1000,
        };
        loop {
            let got = self.list_campaigns(page).await?;
            budgets.extend(got.items.into_iter().map(|c| reports::CampaignBudget {
                campaign_id: c.id.0,
                name: c.name,
                budget: c.budget,
            }));
            match got.next_after {
                Some(after) => page.after = Some(after),
                None => break,
            }
        }
        Ok(reports::cost_per_cycle(&influence, &budgets, from, to))
    }

    /// Brings the query planner's statistics up to date; call after a bulk load (until then a
    /// planner may guess table sizes badly).
    async fn refresh_statistics(&self) -> Result<()>;

    // --- scoring ---
    /// The active scoring model: the newest saved one, or the shipped default until one is.
    async fn scoring_model(&self) -> Result<ScoringModelRecord>;
    /// Checks a model file and saves it as the next version of its name, the active one from
    /// now on. Scores follow it as accounts change; `recompute_scores` rescores all at once.
    async fn save_scoring_model(&self, actor: &Actor, body: &str) -> Result<ScoringModelRecord>;
    /// What saving the model in `body` and recomputing as of `at` would do to the accounts'
    /// stages, with up to `examples` of the accounts that would move; nothing is written. Reads
    /// every account, contact and activity, as a recompute does.
    async fn preview_scoring_model(
        &self,
        body: &str,
        at: chrono::DateTime<chrono::Utc>,
        examples: usize,
    ) -> Result<ModelPreview>;
    /// Saved models, newest first (the shipped default last while none is active).
    async fn list_scoring_models(&self) -> Result<Vec<ScoringModelRecord>>;
    /// Recomputes every contact's and account's score as of `at` and applies the stage rules,
    /// reporting progress as it goes.
    async fn recompute_scores(
        &self,
        actor: &Actor,
        at: chrono::DateTime<chrono::Utc>,
        progress: &(dyn Fn(RecomputeProgress) + Send + Sync),
    ) -> Result<RecomputeSummary>;
    /// While paused, writes through this handle do not rescore accounts or move stages: for a
    /// bulk load that writes its own stage history and calls `recompute_scores` at the end.
    fn pause_scoring(&self, paused: bool);
    /// Rescores accounts now (their ancestors' roll-ups too) and applies the stage rules: what
    /// the store does itself after writes to activities and opportunities.
    async fn rescore_accounts(&self, actor: &Actor, accounts: &[AccountId]) -> Result<()>;
    /// An account's stored score; `None` until it is first scored.
    async fn account_score(&self, id: AccountId) -> Result<Option<StoredAccountScore>>;
    /// A contact's stored score; `None` until it is first scored.
    async fn contact_score(&self, id: ContactId) -> Result<Option<scoring::ContactScore>>;
    /// Why an account scores what it does as of `at`: every rule, contact and activity.
    async fn explain_account_score(
        &self,
        id: AccountId,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<scoring::Explanation>;
    /// Accounts by stored score, best first.
    async fn top_accounts_by_score(&self, limit: u32) -> Result<Vec<StoredAccountScore>>;
    /// The `limit` most recent activities a query selects, newest first: a timeline.
    async fn recent_activities(&self, query: &ActivityQuery, limit: u32) -> Result<Vec<Activity>>;
    /// Touches (activities other than notes) per account in each of `weeks` seven-day windows ending at `now`, oldest
    /// window first: the engagement trend beside a score.
    async fn weekly_activity(
        &self,
        accounts: &[AccountId],
        now: chrono::DateTime<chrono::Utc>,
        weeks: u32,
    ) -> Result<HashMap<AccountId, Vec<u32>>>;

    // --- enrichment ---
    /// Appends firmographics from checked rows to the accounts their key (domain or DUNS)
    /// finds, one transaction per `options.batch` rows: empty fields are filled, values a
    /// machine set are refreshed, values a person entered are reported as conflicts unless
    /// `options.overwrite`. Unknown keys are reported, or become accounts with
    /// `options.create_missing`. Changed fields are audited, their provenance recorded as
    /// enriched from `source`, and the accounts rescored. `progress` hears the rows done.
    async fn enrich_accounts(
        &self,
        actor: &Actor,
        source: &str,
        by: enrich::EnrichKey,
        rows: Vec<enrich::CheckedRow>,
        options: EnrichOptions,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<EnrichReport>;
    /// Where each of an account's fields got its value; fields without a record are absent
    /// (and count as entered by a person).
    async fn account_provenance(
        &self,
        id: AccountId,
    ) -> Result<std::collections::BTreeMap<enrich::AccountField, enrich::Provenance>>;

    /// Row counts per table, for the CLI's summary and for tests.
    async fn counts(&self) -> Result<Counts>;

    // Migration from another CRM: every write records the source id it came from, in the same
    // transaction, and skips ids already written, so a run resumes and repeats safely.

    /// The source ids of `object` (user, account, opportunity, campaign, activity) already written
    /// from `source`, with the abcrm id each became.
    async fn external_ids(&self, source: &str, object: &str) -> Result<HashMap<String, i64>>;
    /// Links accounts to their parents as `source` had them, in one transaction: a child that
    /// has a parent already keeps it (someone may have changed it in abcrm since), and a link
    /// that would make an account its own ancestor is refused. Answers, per link, whether it
    /// was made now (`Ok(false)`: the child had a parent), or why it was refused.
    async fn import_parents(
        &self,
        actor: &Actor,
        source: &str,
        links: &[(AccountId, AccountId)],
    ) -> Result<Vec<std::result::Result<bool, String>>>;
    /// Creates the accounts not written before (a domain or DUNS another account holds is left
    /// off); answers every row's account id, in order.
    async fn import_accounts(
        &self,
        actor: &Actor,
        source: &str,
        rows: Vec<(String, NewAccount)>,
    ) -> Result<Vec<AccountId>>;
    /// Creates the opportunities not written before, keeping their `created_at`; answers how
    /// many it wrote.
    async fn import_opportunities(
        &self,
        actor: &Actor,
        source: &str,
        rows: Vec<(String, NewOpportunity)>,
    ) -> Result<usize>;
    /// Creates the campaigns not written before (one of the same name is reused); answers
    /// every row's campaign id, in order.
    async fn import_campaigns(
        &self,
        actor: &Actor,
        source: &str,
        rows: Vec<(String, NewCampaign)>,
    ) -> Result<Vec<CampaignId>>;
    /// Creates the activities not written before; answers how many it wrote.
    async fn import_activities(
        &self,
        actor: &Actor,
        source: &str,
        rows: Vec<(String, NewActivity)>,
    ) -> Result<usize>;
    /// Remembers more source ids (ones already known keep their first entity).
    async fn record_external_ids(
        &self,
        source: &str,
        object: &str,
        ids: Vec<(String, i64)>,
    ) -> Result<()>;
    /// Takes the users of `source` (source id, user), answering each row's outcome in order:
    /// an id taken before keeps its user; else the abcrm user with the same email is matched
    /// (without an email, the one user with the same name, ignoring case); else, given an
    /// email, a user is created without a password or token (they cannot sign in until an
    /// admin issues one). Source ids are recorded in the same transaction. A dry run only reads.
    async fn import_users(
        &self,
        actor: &Actor,
        source: &str,
        rows: Vec<(String, ImportUser)>,
        dry_run: bool,
    ) -> Result<Vec<UserImport>>;
    /// Where intake put every keyed record of `source`.
    async fn intake_placements(&self, source: &str) -> Result<Vec<IntakePlacement>>;

    // --- web: people ---
    /// How many contacts a [`ContactQuery`] selects (the total of a contact list).
    async fn count_contacts(&self, query: &ContactQuery) -> Result<u64>;
    /// When each of these contacts last had an activity; contacts with none are left out.
    async fn contacts_last_activity(
        &self,
        ids: &[ContactId],
    ) -> Result<HashMap<ContactId, chrono::DateTime<chrono::Utc>>>;
    /// The opportunities in which a contact plays a role, each with all its roles, newest
    /// first. An unknown contact is `NotFound`.
    async fn contact_opportunities(&self, id: ContactId) -> Result<Vec<Opportunity>>;
    /// Users by id, in id order; ids that do not exist are skipped.
    async fn get_users(&self, ids: &[UserId]) -> Result<Vec<User>>;
    /// Every user by name (at most [`MAX_USERS_LISTED`]): who a record can be given to.
    async fn list_users(&self) -> Result<Vec<User>>;
    /// Every user's access (at most [`MAX_USERS_LISTED`], by name): whether they can sign in
    /// and how many live API tokens they hold.
    async fn user_access(&self) -> Result<Vec<UserAccess>>;
    /// Every API token, newest first (at most [`MAX_USERS_LISTED`]), revoked ones included.
    async fn list_api_tokens(&self) -> Result<Vec<ApiToken>>;
    /// Gives a user another role, at once for their sessions and tokens. The last admin who can
    /// sign in or holds a token keeps the role ([`StoreError::Conflict`]).
    async fn set_user_role(&self, actor: &Actor, user: UserId, role: Role) -> Result<User>;
    /// Ends a user's access: their password, tokens and sessions go; the records they own stay
    /// theirs. Refused for the last admin with access, as [`Store::set_user_role`] is.
    async fn deactivate_user(&self, actor: &Actor, user: UserId) -> Result<()>;
    /// How many intake records a query selects (the total of the review queue).
    async fn count_intake(&self, query: &IntakeQuery) -> Result<u64>;
    /// Intake records newest first: like [`Store::list_intake`] in descending id order (the
    /// cursor is the last id of the previous page; the next page has smaller ids).
    async fn list_intake_newest(
        &self,
        query: &IntakeQuery,
        page: PageRequest,
    ) -> Result<Page<IntakeRecord>>;
    // --- web: lists ---
    /// A page of the contact list in the order asked for. The unsorted list pages by id
    /// ([`Store::list_contacts`], [`Store::segment_contacts`]), which stays cheap however deep;
    /// a sorted page sorts the selection, so deep pages cost more.
    async fn contact_table(
        &self,
        query: &ContactTableQuery,
        today: chrono::NaiveDate,
    ) -> Result<Vec<Contact>>;
    /// A page of the account list: the accounts a selection picks, sorted, with their stored
    /// score and owner's name, and how many the selection has in all. Relative dates in the
    /// filter count from `today`.
    async fn account_table(
        &self,
        query: &AccountTableQuery,
        today: chrono::NaiveDate,
    ) -> Result<AccountTable>;
    /// The names of these users; unknown ids are left out.
    async fn user_names(&self, ids: &[UserId]) -> Result<HashMap<UserId, String>>;
    // --- web: board ---
    /// The opportunity board: every open opportunity and the recently closed ones (see
    /// [`BoardQuery`]), with account and owner names and the contact roles with contact names,
    /// in stage order then by close date; plus the older closed ones' count and amount per
    /// stage. Three queries, whatever the number of cards.
    async fn opportunity_board(&self, query: &BoardQuery) -> Result<Board>;
}
