// The store's behaviour, written once. This file is not a module of its own: `sqlite.rs` and
// `postgres.rs` each `include!` it inside a module that defines `Db` (the sqlx database) and
// `ThisStore` (the struct holding a `sqlx::Pool<Db>`), so the same SQL and the same domain rules
// are compiled once per backend. It holds the `Store` implementation and what every aggregate
// uses; each aggregate's own reading, writing and checking is in its `*_sql.rs` beside it
// (`accounts_sql.rs`, `contacts_sql.rs`, `opportunities_sql.rs`, `activities_sql.rs`,
// `auth_sql.rs`, `audit_sql.rs`, `lists_sql.rs`), included the same way. SQL here must run on both (`$n` parameters, `RETURNING`,
// `WITH RECURSIVE` and `ON CONFLICT` do).

use crate::{
    Account360, WebSession, AccountQuery, AccountRef, ActivityQuery, AuditQuery, Backend, ContactQuery, Counts,
    Hierarchy, HierarchyNode, MemberSummary, OnDependents, OpportunityQuery, Page, PageRequest, Result, Store,
    StoreError,
};
use abcrm_core::hierarchy::{ancestry, check_new_parent};
use abcrm_core::model::*;
use abcrm_core::normalize::Email;
use abcrm_core::*;
use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use sqlx::types::Json;
use sqlx::{QueryBuilder, Row as _};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

type Tx<'a> = sqlx::Transaction<'a, Db>;
type DbRow = <Db as sqlx::Database>::Row;

/// Timestamps are kept to the microsecond, the precision PostgreSQL stores, so a record read
/// back equals the one written on both backends.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Turns a database error into a store error; a unique violation that slipped past the checks
/// (two writers racing) becomes a conflict, never an internal error.
fn db(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict {
            field: None,
            message: format!("a record with the same unique value already exists ({})", d.message()),
        },
        _ => StoreError::Database(e),
    }
}

/// Whether PostgreSQL rolled a transaction back as a deadlock's victim (or for a serialization
/// failure): the whole transaction was undone, so running it again is safe and is what the
/// PostgreSQL manual asks of the client.
fn must_run_again(e: &StoreError) -> bool {
    matches!(e, StoreError::Database(sqlx::Error::Database(d)) if matches!(d.code().as_deref(), Some("40P01" | "40001")))
}

/// Runs a write transaction, again when the database chose it as a deadlock's victim. Writers
/// that lock an activity before its account (activity writes) can meet writers that lock the
/// account first (an account merge); one of them is then rolled back and runs again here, instead
/// of failing a request that did nothing wrong.
async fn run_again_on_deadlock<T, F, Fut>(mut write: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    const ATTEMPTS: usize = 4;
    let mut attempt = 1;
    loop {
        match write().await {
            Err(e) if attempt < ATTEMPTS && must_run_again(&e) => {
                attempt += 1;
                tracing::info!(attempt, "a write was a deadlock's victim; running it again");
            }
            done => return done,
        }
    }
}

fn parse<T: FromStr>(s: &str) -> Result<T, sqlx::Error>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    T::from_str(s).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

fn parse_opt<T: FromStr>(s: Option<String>) -> Result<Option<T>, sqlx::Error>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    s.map(|s| parse(&s)).transpose()
}

fn json_of<T: Serialize>(v: &T) -> Json<serde_json::Value> {
    Json(serde_json::to_value(v).unwrap_or(serde_json::Value::Null))
}

/// A record as the audit log keeps it: fields that are null are left out (reading a missing
/// field gives null all the same), which keeps the log, one row per change, about a third
/// smaller.
fn audit_json<T: Serialize>(v: &T) -> Json<serde_json::Value> {
    let mut value = serde_json::to_value(v).unwrap_or(serde_json::Value::Null);
    if let serde_json::Value::Object(fields) = &mut value {
        fields.retain(|_, v| !v.is_null());
    }
    Json(value)
}

fn clamp(page: PageRequest) -> i64 {
    i64::from(page.limit.clamp(1, 1000))
}

/// Cuts the extra row fetched to learn whether another page follows.
fn paginate<T>(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> i64) -> Page<T> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_after = if more { rows.last().map(key) } else { None };
    Page { items: rows, next_after }
}

fn invalid(field: &str, reason: impl Into<String>) -> StoreError {
    StoreError::Invalid(ValidationErrors::one(field, reason))
}

fn conflict(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Conflict { field: Some(field.to_string()), message: message.into() }
}

// ---------------------------------------------------------------------------------------------
// Building blocks that run inside a transaction (each aggregate's are in its own `*_sql.rs`)

/// Refuses a write to a record that is no longer at one of the `versions` the writer read
/// (`None`: any version will do).
fn check_version(entity: &'static str, id: i64, now: DateTime<Utc>, versions: Option<&[DateTime<Utc>]>) -> Result<()> {
    match versions {
        Some(versions) if !versions.contains(&now) => Err(StoreError::Stale { entity, id, updated_at: now }),
        _ => Ok(()),
    }
}

async fn exists(conn: &mut <Db as sqlx::Database>::Connection, table: &str, id: i64) -> Result<bool> {
    Ok(sqlx::query(&format!("SELECT 1 AS one FROM {table} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .is_some())
}

async fn require(conn: &mut <Db as sqlx::Database>::Connection, table: &str, what: &str, field: &str, id: i64) -> Result<()> {
    if exists(conn, table, id).await? {
        Ok(())
    } else {
        Err(invalid(field, format!("{what} {id} does not exist")))
    }
}

/// Runs each statement with the record id as `$1`: the clean-up steps of a delete.
async fn exec_each(tx: &mut Tx<'_>, statements: &[&str], id: i64) -> Result<()> {
    for sql in statements {
        sqlx::query(sql).bind(id).execute(&mut **tx).await.map_err(db)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The contract

#[async_trait]
impl Store for ThisStore {
    fn backend(&self) -> Backend {
        BACKEND
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    async fn create_account(&self, actor: &Actor, new: NewAccount) -> Result<Account> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        let (account, _) = create_account_in(&mut tx, actor, new).await?;
        tx.commit().await.map_err(db)?;
        Ok(account)
    }

    async fn create_accounts(&self, actor: &Actor, new: Vec<NewAccount>) -> Result<Vec<AccountId>> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        let mut ids = Vec::with_capacity(new.len());
        for (i, a) in new.into_iter().enumerate() {
            let (account, _) = create_account_in(&mut tx, actor, a).await.map_err(|e| match e {
                StoreError::Invalid(v) => StoreError::Invalid(prefix_fields(v, i)),
                other => prefix_conflict(other, i),
            })?;
            ids.push(account.id);
        }
        tx.commit().await.map_err(db)?;
        Ok(ids)
    }

    async fn get_account(&self, id: AccountId) -> Result<Account> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        load_account(&mut conn, id).await
    }

    async fn update_account(&self, actor: &Actor, id: AccountId, patch: AccountPatch) -> Result<Account> {
        update_account_in(self, actor, id, patch, None).await
    }

    async fn update_account_if(&self, actor: &Actor, id: AccountId, patch: AccountPatch, versions: &[DateTime<Utc>]) -> Result<Account> {
        update_account_in(self, actor, id, patch, Some(versions)).await
    }

    async fn delete_account(&self, actor: &Actor, id: AccountId, on_dependents: OnDependents) -> Result<()> {
        delete_account_in(self, actor, id, on_dependents).await
    }

    async fn list_accounts(&self, query: &AccountQuery, page: PageRequest) -> Result<Page<Account>> {
        list_accounts_in(self, query, page).await
    }

    async fn account_hierarchy(&self, id: AccountId) -> Result<Hierarchy> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let account = load_account(&mut conn, id).await?;
        hierarchy_of(&mut conn, &account).await
    }

    async fn account_360(&self, id: AccountId) -> Result<Account360> {
        account_360_in(self, id).await
    }

    async fn create_contact(&self, actor: &Actor, new: NewContact) -> Result<Contact> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        let contact = create_contact_in(&mut tx, actor, new).await?;
        tx.commit().await.map_err(db)?;
        Ok(contact)
    }

    async fn create_contacts(&self, actor: &Actor, new: Vec<NewContact>) -> Result<Vec<ContactId>> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        let mut ids = Vec::with_capacity(new.len());
        let mut emails: HashMap<String, usize> = HashMap::new();
        let mut rows = new.into_iter();
        loop {
            let chunk: Vec<NewContact> = rows.by_ref().take(CHUNK).collect();
            if chunk.is_empty() {
                break;
            }
            let first = ids.len();
            ids.extend(insert_contacts(&mut tx, actor, first, chunk, &mut emails).await?);
        }
        tx.commit().await.map_err(db)?;
        Ok(ids)
    }

    async fn get_contact(&self, id: ContactId) -> Result<Contact> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        load_contact(&mut conn, id).await
    }

    async fn find_contact_by_email(&self, email: &Email) -> Result<Option<Contact>> {
        let row = sqlx::query(&format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE email = $1"))
            .bind(email.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        Ok(row.as_ref().map(contact_row).transpose()?)
    }

    async fn update_contact(&self, actor: &Actor, id: ContactId, patch: ContactPatch) -> Result<Contact> {
        update_contact_in(self, actor, id, patch, None).await
    }

    async fn update_contact_if(&self, actor: &Actor, id: ContactId, patch: ContactPatch, versions: &[DateTime<Utc>]) -> Result<Contact> {
        update_contact_in(self, actor, id, patch, Some(versions)).await
    }

    async fn delete_contact(&self, actor: &Actor, id: ContactId) -> Result<()> {
        delete_contact_in(self, actor, id).await
    }

    async fn list_contacts(&self, query: &ContactQuery, page: PageRequest) -> Result<Page<Contact>> {
        let limit = clamp(page);
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE 1 = 1"));
        if let Some(after) = page.after {
            q.push(" AND id > ").push_bind(after);
        }
        push_contact_filters(&mut q, "", query);
        q.push(" ORDER BY id LIMIT ").push_bind(limit + 1);
        let rows = q.build().fetch_all(&self.pool).await.map_err(db)?;
        let contacts = rows.iter().map(contact_row).collect::<Result<Vec<_>, _>>()?;
        Ok(paginate(contacts, limit, |c| c.id.0))
    }

    async fn external_ids(&self, source: &str, object: &str) -> Result<HashMap<String, i64>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        external_ids_in(&mut conn, source, object, None).await
    }

    async fn import_parents(&self, actor: &Actor, source: &str, links: &[(AccountId, AccountId)]) -> Result<Vec<std::result::Result<bool, String>>> {
        import_parents_in(self, actor, source, links).await
    }

    async fn import_accounts(&self, actor: &Actor, source: &str, rows: Vec<(String, NewAccount)>) -> Result<Vec<AccountId>> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        let ids = import_accounts_in(&mut tx, actor, source, rows).await?;
        tx.commit().await.map_err(db)?;
        Ok(ids)
    }

    async fn import_opportunities(&self, actor: &Actor, source: &str, rows: Vec<(String, NewOpportunity)>) -> Result<usize> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        let n = import_opportunities_in(&mut tx, actor, source, rows).await?;
        tx.commit().await.map_err(db)?;
        Ok(n)
    }

    async fn import_campaigns(&self, actor: &Actor, source: &str, rows: Vec<(String, NewCampaign)>) -> Result<Vec<CampaignId>> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        let ids = import_campaigns_in(&mut tx, actor, source, rows).await?;
        tx.commit().await.map_err(db)?;
        Ok(ids)
    }

    async fn import_activities(&self, actor: &Actor, source: &str, rows: Vec<(String, NewActivity)>) -> Result<usize> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        let n = import_activities_in(&mut tx, actor, source, rows).await?;
        tx.commit().await.map_err(db)?;
        Ok(n)
    }

    async fn record_external_ids(&self, source: &str, object: &str, ids: Vec<(String, i64)>) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        write_external_ids(&mut tx, source, object, &ids).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn import_users(&self, actor: &Actor, source: &str, rows: Vec<(String, crate::ImportUser)>, dry_run: bool) -> Result<Vec<crate::UserImport>> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        let out = import_users_in(&mut tx, actor, source, rows, dry_run).await?;
        if dry_run {
            tx.rollback().await.map_err(db)?;
        } else {
            tx.commit().await.map_err(db)?;
        }
        Ok(out)
    }

    async fn intake_placements(&self, source: &str) -> Result<Vec<crate::IntakePlacement>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        intake_placements_in(&mut conn, source).await
    }

    // --- web: board ---
    async fn opportunity_board(&self, query: &crate::BoardQuery) -> Result<crate::Board> {
        opportunity_board_in(self, query).await
    }

    async fn create_opportunity(&self, actor: &Actor, new: NewOpportunity) -> Result<Opportunity> {
        let new = new.validate()?;
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        check_opportunity_refs(&mut tx, new.account_id, new.source_campaign_id, new.owner_id, &new.contact_roles).await?;
        let id = insert_opportunity(&mut tx, &new).await?;
        let opp = load_opportunity(&mut tx, id).await?;
        audit::<(), _>(&mut tx, actor, "opportunity", id.0, "create", None, Some(&opp)).await?;
        settle_accounts(self, &mut tx, actor, &[opp.account_id]).await?;
        tx.commit().await.map_err(db)?;
        Ok(opp)
    }

    async fn get_opportunity(&self, id: OpportunityId) -> Result<Opportunity> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        load_opportunity(&mut conn, id).await
    }

    async fn update_opportunity(&self, actor: &Actor, id: OpportunityId, patch: OpportunityPatch) -> Result<Opportunity> {
        update_opportunity_in(self, actor, id, patch, None).await
    }

    async fn update_opportunity_if(&self, actor: &Actor, id: OpportunityId, patch: OpportunityPatch, versions: &[DateTime<Utc>]) -> Result<Opportunity> {
        update_opportunity_in(self, actor, id, patch, Some(versions)).await
    }

    async fn delete_opportunity(&self, actor: &Actor, id: OpportunityId) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        let before = load_opportunity_for_update(&mut tx, id).await?;
        exec_each(&mut tx, &[
            "DELETE FROM opportunity_contact_roles WHERE opportunity_id = $1",
            "UPDATE activities SET opportunity_id = NULL WHERE opportunity_id = $1",
            "UPDATE tasks SET opportunity_id = NULL WHERE opportunity_id = $1",
            "DELETE FROM opportunities WHERE id = $1",
        ], id.0).await?;
        audit::<_, ()>(&mut tx, actor, "opportunity", id.0, "delete", Some(&before), None).await?;
        settle_accounts(self, &mut tx, actor, &[before.account_id]).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn list_opportunities(&self, query: &OpportunityQuery, page: PageRequest) -> Result<Page<Opportunity>> {
        list_opportunities_in(self, query, page).await
    }

    async fn create_campaign(&self, actor: &Actor, new: NewCampaign) -> Result<Campaign> {
        create_campaign_in(self, actor, new).await
    }

    async fn get_campaign(&self, id: CampaignId) -> Result<Campaign> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        load_campaign(&mut conn, id).await
    }

    async fn update_campaign(&self, actor: &Actor, id: CampaignId, patch: CampaignPatch) -> Result<Campaign> {
        update_campaign_in(self, actor, id, patch).await
    }

    async fn delete_campaign(&self, actor: &Actor, id: CampaignId) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        let before = load_campaign_for_update(&mut tx, id).await?;
        exec_each(&mut tx, &[
            "DELETE FROM campaign_members WHERE campaign_id = $1",
            "UPDATE activities SET campaign_id = NULL WHERE campaign_id = $1",
            "UPDATE opportunities SET source_campaign_id = NULL WHERE source_campaign_id = $1",
            "DELETE FROM campaigns WHERE id = $1",
        ], id.0).await?;
        audit::<_, ()>(&mut tx, actor, "campaign", id.0, "delete", Some(&before), None).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn list_campaigns(&self, page: PageRequest) -> Result<Page<Campaign>> {
        let limit = clamp(page);
        let rows = sqlx::query(&format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id > $1 ORDER BY id LIMIT $2"))
            .bind(page.after.unwrap_or(i64::MIN))
            .bind(limit + 1)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        let campaigns = rows.iter().map(campaign_row).collect::<Result<Vec<_>, _>>()?;
        Ok(paginate(campaigns, limit, |c| c.id.0))
    }

    async fn add_campaign_member(&self, actor: &Actor, campaign: CampaignId, member: NewCampaignMember) -> Result<CampaignMember> {
        add_campaign_member_in(self, actor, campaign, member).await
    }

    async fn add_campaign_members(&self, actor: &Actor, campaign: CampaignId, members: Vec<NewCampaignMember>) -> Result<usize> {
        add_campaign_members_in(self, actor, campaign, members).await
    }

    async fn list_campaign_members(&self, campaign: CampaignId, page: PageRequest) -> Result<Page<CampaignMember>> {
        let limit = clamp(page);
        let mut conn = self.pool.acquire().await.map_err(db)?;
        load_campaign(&mut conn, campaign).await?;
        let rows = sqlx::query("SELECT campaign_id, contact_id, account_id, status, joined_at FROM campaign_members WHERE campaign_id = $1 AND contact_id > $2 ORDER BY contact_id LIMIT $3")
            .bind(campaign.0)
            .bind(page.after.unwrap_or(i64::MIN))
            .bind(limit + 1)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
        let members = rows.iter().map(member_row).collect::<Result<Vec<_>, _>>()?;
        Ok(paginate(members, limit, |m| m.contact_id.0))
    }

    async fn create_activity(&self, actor: &Actor, new: NewActivity) -> Result<Activity> {
        run_again_on_deadlock(|| async {
            let mut tx = begin_write(&self.pool).await.map_err(db)?;
            let activity = insert_activity(&mut tx, actor, new.clone()).await?;
            settle_accounts(self, &mut tx, actor, &[activity.account_id]).await?;
            tx.commit().await.map_err(db)?;
            Ok(activity)
        })
        .await
    }

    async fn create_activities(&self, actor: &Actor, new: Vec<NewActivity>) -> Result<Vec<ActivityId>> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        let mut ids = Vec::with_capacity(new.len());
        let mut rows = new.into_iter();
        loop {
            let chunk: Vec<NewActivity> = rows.by_ref().take(CHUNK).collect();
            if chunk.is_empty() {
                break;
            }
            let first = ids.len();
            ids.extend(insert_activities(&mut tx, actor, first, chunk).await?);
        }
        if !self.scoring.paused.load(std::sync::atomic::Ordering::Relaxed) {
            let accounts = accounts_of_activities(&mut tx, &ids).await?;
            settle_accounts(self, &mut tx, actor, &accounts).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(ids)
    }

    async fn get_activity(&self, id: ActivityId) -> Result<Activity> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        load_activity(&mut conn, id).await
    }

    async fn update_activity(&self, actor: &Actor, id: ActivityId, patch: ActivityPatch) -> Result<Activity> {
        run_again_on_deadlock(|| update_activity_once(self, actor, id, patch.clone())).await
    }

    async fn delete_activity(&self, actor: &Actor, id: ActivityId) -> Result<()> {
        run_again_on_deadlock(|| delete_activity_once(self, actor, id)).await
    }

    async fn list_activities(&self, query: &ActivityQuery, page: PageRequest) -> Result<Page<Activity>> {
        list_activities_in(self, query, page).await
    }

    async fn create_asset(&self, actor: &Actor, new: NewAsset) -> Result<Asset> {
        create_asset_in(self, actor, new).await
    }

    async fn list_assets(&self, account: AccountId) -> Result<Vec<Asset>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        assets_of(&mut conn, account).await
    }

    async fn set_account_stage(&self, actor: &Actor, account: AccountId, stage: AccountStage, reason: &str, at: DateTime<Utc>) -> Result<Account> {
        set_account_stage_in(self, actor, account, stage, reason, at).await
    }

    async fn stage_history(&self, account: AccountId) -> Result<Vec<StageChange>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        load_account(&mut conn, account).await?;
        let rows = sqlx::query("SELECT account_id, from_stage, to_stage, reason, changed_at FROM account_stage_history WHERE account_id = $1 ORDER BY changed_at, id")
            .bind(account.0)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(StageChange {
                    account_id: AccountId(r.try_get("account_id")?),
                    from_stage: parse_opt(r.try_get("from_stage")?)?,
                    to_stage: parse(r.try_get::<&str, _>("to_stage")?)?,
                    reason: r.try_get("reason")?,
                    changed_at: r.try_get("changed_at")?,
                })
            })
            .collect()
    }

    async fn set_contact_status(&self, actor: &Actor, contact: ContactId, status: ContactStatus, reason: &str, at: DateTime<Utc>) -> Result<Contact> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        let before = load_contact_for_update(&mut tx, contact).await?;
        if before.status == status {
            return Ok(before);
        }
        // The history's row is written by the trigger of migration 0012, dated `updated_at`.
        sqlx::query("UPDATE contacts SET status = $1, status_reason = $2, updated_at = $3 WHERE id = $4")
            .bind(status.as_str())
            .bind(reason)
            .bind(at.trunc_subsecs(6))
            .bind(contact.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let after = load_contact(&mut tx, contact).await?;
        audit(&mut tx, actor, "contact", contact.0, "update", Some(&before), Some(&after)).await?;
        tx.commit().await.map_err(db)?;
        Ok(after)
    }

    async fn member_summaries(&self, accounts: &[AccountId], today: chrono::NaiveDate) -> Result<Vec<MemberSummary>> {
        member_summaries_in(self, accounts, today).await
    }

    async fn status_history(&self, contact: ContactId) -> Result<Vec<ContactStatusChange>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        load_contact(&mut conn, contact).await?;
        let rows = sqlx::query("SELECT contact_id, from_status, to_status, reason, changed_at FROM contact_status_changes WHERE contact_id = $1 ORDER BY changed_at, id")
            .bind(contact.0)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(ContactStatusChange {
                    contact_id: ContactId(r.try_get("contact_id")?),
                    from_status: parse_opt(r.try_get("from_status")?)?,
                    to_status: parse(r.try_get::<&str, _>("to_status")?)?,
                    reason: r.try_get("reason")?,
                    changed_at: r.try_get("changed_at")?,
                })
            })
            .collect()
    }

    async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<User> {
        create_user_in(self, actor, new).await
    }

    async fn find_user_by_email(&self, email: &Email) -> Result<Option<User>> {
        let row = sqlx::query("SELECT id, email, name, role, created_at FROM users WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        Ok(row.as_ref().map(user_row).transpose()?)
    }

    async fn create_api_token(&self, actor: &Actor, user: UserId, name: &str) -> Result<(ApiToken, String)> {
        create_api_token_in(self, actor, user, name).await
    }

    async fn authenticate_token(&self, secret: &str) -> Result<Option<Actor>> {
        authenticate_token_in(self, secret).await
    }

    async fn set_password_hash(&self, actor: &Actor, user: UserId, hash: Option<&str>) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        require(&mut tx, "users", "user", "user_id", user.0).await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(hash).bind(user.0).execute(&mut *tx).await.map_err(db)?;
        // Every session of the user ends with the old password.
        sqlx::query("DELETE FROM web_sessions WHERE user_id = $1").bind(user.0).execute(&mut *tx).await.map_err(db)?;
        let what = if hash.is_some() { "set_password" } else { "remove_password" };
        audit::<(), ()>(&mut tx, actor, "user", user.0, what, None, None).await?;
        tx.commit().await.map_err(db)?;
        self.credentials.forget_all();
        Ok(())
    }

    async fn create_invite(&self, actor: &Actor, user: UserId, secret: &str, expires_at: DateTime<Utc>) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        require(&mut tx, "users", "user", "user_id", user.0).await?;
        let at = now();
        sqlx::query("DELETE FROM user_invites WHERE user_id = $1 OR expires_at < $2").bind(user.0).bind(at).execute(&mut *tx).await.map_err(db)?;
        sqlx::query("INSERT INTO user_invites (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(crate::token::hash(secret))
            .bind(user.0)
            .bind(at)
            .bind(expires_at)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        audit::<(), ()>(&mut tx, actor, "user", user.0, "invite", None, None).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn invited_user(&self, secret: &str) -> Result<Option<User>> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.name, u.role, u.created_at FROM user_invites i JOIN users u ON u.id = i.user_id
             WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.expires_at > $2",
        )
        .bind(crate::token::hash(secret))
        .bind(now())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|r| user_row(&r)).transpose().map_err(db)
    }

    async fn accept_invite(&self, secret: &str, password_hash: &str) -> Result<Option<User>> {
        accept_invite_in(self, secret, password_hash).await
    }

    async fn user_credentials(&self, email: &Email) -> Result<Option<(User, Option<String>)>> {
        let row = sqlx::query("SELECT id, email, name, role, created_at, password_hash FROM users WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some((user_row(&row)?, row.try_get("password_hash")?)))
    }

    async fn create_web_session(&self, user: UserId, secret: &str, csrf: &str, expires_at: DateTime<Utc>) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        let at = now();
        sqlx::query("DELETE FROM web_sessions WHERE expires_at < $1").bind(at).execute(&mut *tx).await.map_err(db)?;
        sqlx::query("INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(crate::token::hash(secret))
            .bind(user.0)
            .bind(csrf)
            .bind(at)
            .bind(expires_at)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn web_session(&self, secret: &str) -> Result<Option<WebSession>> {
        web_session_in(self, secret).await
    }

    async fn delete_web_session(&self, secret: &str) -> Result<()> {
        sqlx::query("DELETE FROM web_sessions WHERE token_hash = $1").bind(crate::token::hash(secret)).execute(&self.pool).await.map_err(db)?;
        self.credentials.forget_all();
        Ok(())
    }

    async fn revoke_api_token(&self, actor: &Actor, id: TokenId) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now())
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        if done == 0 && !exists(&mut tx, "api_tokens", id.0).await? {
            return Err(StoreError::NotFound { entity: "api token", id: id.0 });
        }
        audit::<(), ()>(&mut tx, actor, "api_token", id.0, "revoke", None, None).await?;
        tx.commit().await.map_err(db)?;
        self.credentials.forget_all();
        Ok(())
    }

    async fn list_audit(&self, query: &AuditQuery, page: PageRequest) -> Result<Page<AuditEntry>> {
        let limit = clamp(page);
        let mut q = QueryBuilder::<Db>::new("SELECT id, at, actor, user_id, entity, entity_id, action, before, after FROM audit_log WHERE 1 = 1");
        if let Some(after) = page.after {
            q.push(" AND id < ").push_bind(after);
        }
        if let Some(e) = &query.entity {
            q.push(" AND entity = ").push_bind(e.clone());
        }
        if let Some(id) = query.entity_id {
            q.push(" AND entity_id = ").push_bind(id);
        }
        q.push(" ORDER BY id DESC LIMIT ").push_bind(limit + 1);
        let rows = q.build().fetch_all(&self.pool).await.map_err(db)?;
        let entries = rows.iter().map(audit_row).collect::<Result<Vec<_>, _>>()?;
        Ok(paginate(entries, limit, |e| e.id.0))
    }

    async fn match_snapshot(&self) -> Result<crate::MatchSnapshot> {
        intake_snapshot(&self.pool).await
    }

    async fn match_entries(&self, accounts: &[AccountId], contacts: &[ContactId]) -> Result<(Vec<abcrm_core::matching::AccountEntry>, Vec<abcrm_core::matching::ContactEntry>)> {
        intake_entries(&self.pool, accounts, contacts).await
    }

    async fn changes_since(&self, after: i64, limit: u32) -> Result<Vec<crate::Change>> {
        intake_changes(&self.pool, after, limit).await
    }

    async fn audit_rows_since(&self, after: i64) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE id > $1").bind(after).fetch_one(&self.pool).await.map_err(db)?;
        Ok(n as u64)
    }

    async fn known_intake_keys(&self, source: &str, keys: &[String]) -> Result<HashSet<String>> {
        intake_known_keys(&self.pool, source, keys).await
    }

    async fn apply_intake(&self, actor: &Actor, source: &str, plan: &abcrm_core::intake::IntakePlan) -> Result<crate::IntakeApplied> {
        intake_apply(&self.pool, actor, source, plan).await
    }

    async fn get_intake(&self, id: i64) -> Result<IntakeRecord> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        load_intake(&mut conn, id).await
    }

    async fn list_intake(&self, query: &crate::IntakeQuery, page: PageRequest) -> Result<Page<IntakeRecord>> {
        intake_list(&self.pool, query, page).await
    }

    async fn resolve_review(&self, actor: &Actor, id: i64, resolution: Resolution) -> Result<IntakeRecord> {
        intake_resolve(&self.pool, actor, id, resolution).await
    }

    async fn merge_contacts(&self, actor: &Actor, survivor: ContactId, merged: ContactId, choices: &MergeChoices) -> Result<ContactMerge> {
        // A missing `merged_id` is a bad body (422), found under the lock; only the path's
        // survivor missing is 404.
        let (merge, merged_account) = contact_merge(&self.pool, actor, survivor, merged, choices).await?;
        self.rescore_accounts(actor, &[merge.survivor.account_id, merged_account]).await?;
        Ok(merge)
    }

    async fn undo_merge(&self, actor: &Actor, merge: i64) -> Result<ContactMerge> {
        let merge = contact_unmerge(&self.pool, actor, merge).await?;
        let mut accounts = Vec::new();
        for c in [merge.survivor_id, merge.merged_id] {
            if let Ok(c) = self.get_contact(c).await {
                accounts.push(c.account_id);
            }
        }
        self.rescore_accounts(actor, &accounts).await?;
        Ok(merge)
    }

    async fn merge_accounts(&self, actor: &Actor, survivor: AccountId, merged: AccountId, choices: &AccountMergeChoices) -> Result<AccountMerge> {
        run_again_on_deadlock(|| account_merge(self, actor, survivor, merged, choices)).await
    }

    async fn undo_account_merge(&self, actor: &Actor, merge: i64) -> Result<AccountMerge> {
        run_again_on_deadlock(|| account_unmerge(self, actor, merge)).await
    }

    async fn segment_contacts(&self, filter: &abcrm_core::filter::Checked, today: chrono::NaiveDate, page: PageRequest) -> Result<Page<Contact>> {
        segment_contacts_in(&self.pool, filter, today, page).await
    }

    async fn segment_accounts(&self, filter: &abcrm_core::filter::Checked, today: chrono::NaiveDate, page: PageRequest) -> Result<Page<Account>> {
        segment_accounts_in(&self.pool, filter, today, page).await
    }

    async fn segment_count(&self, filter: &abcrm_core::filter::Checked, target: abcrm_core::filter::Target, today: chrono::NaiveDate) -> Result<u64> {
        segment_count_in(&self.pool, filter, target, today).await
    }

    async fn waiting_in_segment(&self, filter: &abcrm_core::filter::Checked, target: abcrm_core::filter::Target, today: chrono::NaiveDate, limit: usize) -> Result<crate::WaitingPeople> {
        waiting_in_segment_in(&self.pool, filter, target, today, limit).await
    }

    async fn create_segment(&self, actor: &Actor, new: NewSegment) -> Result<Segment> {
        segment_create(&self.pool, actor, new).await
    }

    async fn get_segment(&self, id: SegmentId) -> Result<Segment> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        load_segment(&mut conn, id).await
    }

    async fn find_segment(&self, name: &str) -> Result<Option<Segment>> {
        segment_find(&self.pool, name).await
    }

    async fn list_segments(&self, page: PageRequest) -> Result<Page<Segment>> {
        segment_list(&self.pool, page).await
    }

    async fn create_task(&self, actor: &Actor, new: NewTask) -> Result<Task> {
        task_create(&self.pool, actor, new).await
    }

    async fn get_task(&self, id: abcrm_core::TaskId) -> Result<Task> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        read_task(&mut conn, id, "").await
    }

    async fn update_task(&self, actor: &Actor, id: abcrm_core::TaskId, patch: TaskPatch) -> Result<Task> {
        task_update(&self.pool, actor, id, patch).await
    }

    async fn delete_task(&self, actor: &Actor, id: abcrm_core::TaskId) -> Result<()> {
        task_delete(&self.pool, actor, id).await
    }

    async fn list_tasks(&self, query: &crate::TaskQuery, page: PageRequest) -> Result<Page<Task>> {
        task_list(&self.pool, query, page).await
    }

    async fn task_agenda(&self, query: &crate::TaskQuery, limit: usize) -> Result<(Vec<Task>, u64)> {
        task_agenda(&self.pool, query, i64::try_from(limit).unwrap_or(1000)).await
    }

    async fn search(&self, query: &abcrm_core::search::SearchQuery, limit: usize) -> Result<Vec<abcrm_core::search::SearchHit>> {
        search_records(&self.pool, query, limit.clamp(1, abcrm_core::search::MAX_LIMIT)).await
    }

    async fn update_segment(&self, actor: &Actor, id: SegmentId, patch: SegmentPatch) -> Result<Segment> {
        segment_update(&self.pool, actor, id, patch).await
    }

    async fn delete_segment(&self, actor: &Actor, id: SegmentId) -> Result<()> {
        segment_delete(&self.pool, actor, id).await
    }

    async fn get_accounts(&self, ids: &[AccountId]) -> Result<Vec<Account>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        accounts_by_ids(&mut conn, ids).await
    }

    async fn report_sales_cycles(&self, scope: &abcrm_core::reports::ReportScope, period: abcrm_core::reports::Period, by: abcrm_core::reports::CyclesBy, from: chrono::NaiveDate, to: chrono::NaiveDate) -> Result<abcrm_core::reports::CyclesReport> {
        report_cycles_in(&self.pool, scope, period, by, from, to).await
    }

    async fn report_funnel(&self, scope: &abcrm_core::reports::ReportScope, since: Option<chrono::NaiveDate>, family: bool) -> Result<abcrm_core::reports::FunnelReport> {
        report_funnel_in(&self.pool, scope, since, family).await
    }

    async fn report_pipeline(&self, scope: &abcrm_core::reports::ReportScope, period: abcrm_core::reports::Period, today: chrono::NaiveDate, family: bool) -> Result<abcrm_core::reports::PipelineReport> {
        report_pipeline_in(&self.pool, scope, period, today, family).await
    }

    async fn report_coverage(&self, scope: &abcrm_core::reports::ReportScope, engaged_days: u32, rows: abcrm_core::reports::CoverageRows, now: DateTime<Utc>, family: bool) -> Result<abcrm_core::reports::CoverageReport> {
        report_coverage_in(&self.pool, scope, engaged_days, rows, now, family).await
    }

    async fn report_influence(&self, scope: &abcrm_core::reports::ReportScope, from: chrono::NaiveDate, to: chrono::NaiveDate, options: abcrm_core::reports::InfluenceOptions) -> Result<abcrm_core::reports::InfluenceReport> {
        let model = {
            let mut conn = self.pool.acquire().await.map_err(db)?;
            active_model(self, &mut conn).await?
        };
        report_influence_in(&self.pool, scope, from, to, options, &model.model.responses).await
    }

    async fn report_nurture(&self, scope: &abcrm_core::reports::ReportScope, now: DateTime<Utc>) -> Result<abcrm_core::reports::NurtureReport> {
        report_nurture_in(&self.pool, scope, now).await
    }

    async fn refresh_statistics(&self) -> Result<()> {
        sqlx::query(REFRESH_STATISTICS).execute(&self.pool).await.map_err(db)?;
        Ok(())
    }

    async fn scoring_model(&self) -> Result<ScoringModelRecord> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        Ok((*active_model(self, &mut conn).await?.record).clone())
    }

    async fn save_scoring_model(&self, actor: &Actor, body: &str) -> Result<ScoringModelRecord> {
        save_model_in(self, actor, body).await
    }

    async fn list_scoring_models(&self) -> Result<Vec<ScoringModelRecord>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        list_models_in(&mut conn).await
    }

    async fn preview_scoring_model(&self, body: &str, at: DateTime<Utc>, examples: usize) -> Result<ModelPreview> {
        preview_model_in(self, body, at.trunc_subsecs(6), examples).await
    }

    async fn recompute_scores(&self, actor: &Actor, at: DateTime<Utc>, progress: &(dyn Fn(RecomputeProgress) + Send + Sync)) -> Result<RecomputeSummary> {
        recompute_in(self, actor, at.trunc_subsecs(6), progress).await
    }

    fn pause_scoring(&self, paused: bool) {
        self.scoring.paused.store(paused, std::sync::atomic::Ordering::Relaxed);
    }

    async fn rescore_accounts(&self, actor: &Actor, accounts: &[AccountId]) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        settle_accounts(self, &mut tx, actor, accounts).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn account_score(&self, id: AccountId) -> Result<Option<StoredAccountScore>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        load_account(&mut conn, id).await?;
        stored_score(&mut conn, id).await
    }

    async fn contact_score(&self, id: ContactId) -> Result<Option<abcrm_core::scoring::ContactScore>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let contact = load_contact(&mut conn, id).await?;
        let row = sqlx::query("SELECT fit, engagement, score FROM contact_scores WHERE contact_id = $1")
            .bind(id.0)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
        Ok(match row {
            Some(r) => Some(abcrm_core::scoring::ContactScore {
                contact_id: id,
                fit: Points(r.try_get("fit")?),
                engagement: Points(r.try_get("engagement")?),
                score: Points(r.try_get("score")?),
                buying_role: contact.buying_role,
                seniority: contact.seniority,
                status: contact.status,
            }),
            None => None,
        })
    }

    async fn explain_account_score(&self, id: AccountId, at: DateTime<Utc>) -> Result<abcrm_core::scoring::Explanation> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        explain_in(self, &mut conn, id, at).await
    }

    async fn recent_activities(&self, query: &ActivityQuery, limit: u32) -> Result<Vec<Activity>> {
        recent_activities_in(self, query, limit).await
    }

    async fn weekly_activity(&self, accounts: &[AccountId], now: DateTime<Utc>, weeks: u32) -> Result<HashMap<AccountId, Vec<u32>>> {
        weekly_activity_in(self, accounts, now, weeks).await
    }

    async fn top_accounts_by_score(&self, limit: u32) -> Result<Vec<StoredAccountScore>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        top_accounts_in(&mut conn, limit).await
    }

    async fn enrich_accounts(&self, actor: &Actor, source: &str, by: abcrm_core::enrich::EnrichKey, rows: Vec<abcrm_core::enrich::CheckedRow>, options: crate::EnrichOptions, progress: &(dyn Fn(usize) + Send + Sync)) -> Result<crate::EnrichReport> {
        enrich_in(self, actor, source, by, rows, options, progress).await
    }

    async fn account_provenance(&self, id: AccountId) -> Result<BTreeMap<abcrm_core::enrich::AccountField, abcrm_core::enrich::Provenance>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        if !exists(&mut conn, "accounts", id.0).await? {
            return Err(StoreError::NotFound { entity: "account", id: id.0 });
        }
        provenance_of(&mut conn, id).await
    }

    async fn counts(&self) -> Result<Counts> {
        let r = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM accounts) AS accounts, (SELECT COUNT(*) FROM contacts) AS contacts,
                    (SELECT COUNT(*) FROM opportunities) AS opportunities, (SELECT COUNT(*) FROM campaigns) AS campaigns,
                    (SELECT COUNT(*) FROM campaign_members) AS campaign_members, (SELECT COUNT(*) FROM activities) AS activities,
                    (SELECT COUNT(*) FROM assets) AS assets, (SELECT COUNT(*) FROM users) AS users,
                    (SELECT COUNT(*) FROM audit_log) AS audit_log, (SELECT COUNT(*) FROM intake_records) AS intake_records,
                    (SELECT COUNT(*) FROM intake_records WHERE outcome = 'needs_review') AS needs_review",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        Ok(Counts {
            accounts: r.try_get("accounts")?,
            contacts: r.try_get("contacts")?,
            opportunities: r.try_get("opportunities")?,
            campaigns: r.try_get("campaigns")?,
            campaign_members: r.try_get("campaign_members")?,
            activities: r.try_get("activities")?,
            assets: r.try_get("assets")?,
            users: r.try_get("users")?,
            audit_log: r.try_get("audit_log")?,
            intake_records: r.try_get("intake_records")?,
            needs_review: r.try_get("needs_review")?,
        })
    }

    // --- web: people ---
    async fn count_contacts(&self, query: &ContactQuery) -> Result<u64> {
        let mut q = QueryBuilder::<Db>::new("SELECT COUNT(*) AS n FROM contacts WHERE 1 = 1");
        push_contact_filters(&mut q, "", query);
        let n: i64 = q.build().fetch_one(&self.pool).await.map_err(db)?.try_get("n")?;
        Ok(n.max(0) as u64)
    }

    async fn contacts_last_activity(&self, ids: &[ContactId]) -> Result<HashMap<ContactId, DateTime<Utc>>> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(1000) {
            let mut q = QueryBuilder::<Db>::new("SELECT id, last_activity_at FROM contacts WHERE last_activity_at IS NOT NULL AND id IN (");
            let mut sep = q.separated(", ");
            for id in chunk {
                sep.push_bind(id.0);
            }
            q.push(")");
            for r in q.build().fetch_all(&self.pool).await.map_err(db)? {
                out.insert(ContactId(r.try_get("id")?), r.try_get("last_activity_at")?);
            }
        }
        Ok(out)
    }

    async fn contact_opportunities(&self, id: ContactId) -> Result<Vec<Opportunity>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        load_contact(&mut conn, id).await?;
        let rows = sqlx::query(&format!(
            "SELECT {OPPORTUNITY_COLUMNS} FROM opportunities WHERE id IN (SELECT opportunity_id FROM opportunity_contact_roles WHERE contact_id = $1) ORDER BY created_at DESC, id DESC"
        ))
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let opps = rows.iter().map(opportunity_row).collect::<Result<Vec<_>, _>>()?;
        with_roles(&mut conn, opps).await
    }

    async fn get_users(&self, ids: &[UserId]) -> Result<Vec<User>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(1000) {
            if chunk.is_empty() {
                continue;
            }
            let mut q = QueryBuilder::<Db>::new("SELECT id, email, name, role, created_at FROM users WHERE id IN (");
            let mut sep = q.separated(", ");
            for id in chunk {
                sep.push_bind(id.0);
            }
            q.push(")");
            for r in q.build().fetch_all(&self.pool).await.map_err(db)? {
                out.push(user_row(&r)?);
            }
        }
        out.sort_by_key(|u: &User| u.id.0);
        out.dedup_by_key(|u| u.id.0);
        Ok(out)
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query("SELECT id, email, name, role, created_at FROM users ORDER BY lower(name), id LIMIT $1")
            .bind(crate::MAX_USERS_LISTED)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(|r| user_row(r).map_err(db)).collect()
    }

    async fn user_access(&self) -> Result<Vec<crate::UserAccess>> {
        user_access_in(self).await
    }

    async fn list_api_tokens(&self) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query("SELECT id, user_id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens ORDER BY id DESC LIMIT $1")
            .bind(crate::MAX_USERS_LISTED)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(|r| token_row(r).map_err(db)).collect()
    }

    async fn set_user_role(&self, actor: &Actor, user: UserId, role: Role) -> Result<User> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        let before = load_user(&mut tx, user).await?;
        if before.role == Role::Admin && role != Role::Admin {
            refuse_last_admin(&mut tx, user, "give them another role").await?;
        }
        sqlx::query("UPDATE users SET role = $1 WHERE id = $2").bind(role.as_str()).bind(user.0).execute(&mut *tx).await.map_err(db)?;
        let after = load_user(&mut tx, user).await?;
        audit(&mut tx, actor, "user", user.0, "update", Some(&before), Some(&after)).await?;
        tx.commit().await.map_err(db)?;
        self.credentials.forget_all();
        Ok(after)
    }

    async fn deactivate_user(&self, actor: &Actor, user: UserId) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        let before = load_user(&mut tx, user).await?;
        if before.role == Role::Admin {
            refuse_last_admin(&mut tx, user, "deactivate them").await?;
        }
        sqlx::query("UPDATE users SET password_hash = NULL WHERE id = $1").bind(user.0).execute(&mut *tx).await.map_err(db)?;
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
            .bind(now())
            .bind(user.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("DELETE FROM web_sessions WHERE user_id = $1").bind(user.0).execute(&mut *tx).await.map_err(db)?;
        sqlx::query("DELETE FROM user_invites WHERE user_id = $1").bind(user.0).execute(&mut *tx).await.map_err(db)?;
        audit::<(), ()>(&mut tx, actor, "user", user.0, "deactivate", None, None).await?;
        tx.commit().await.map_err(db)?;
        self.credentials.forget_all();
        Ok(())
    }

    async fn count_intake(&self, query: &crate::IntakeQuery) -> Result<u64> {
        let mut q = QueryBuilder::<Db>::new("SELECT COUNT(*) AS n FROM intake_records WHERE 1 = 1");
        push_intake_filters(&mut q, query);
        let n: i64 = q.build().fetch_one(&self.pool).await.map_err(db)?.try_get("n")?;
        Ok(n.max(0) as u64)
    }

    async fn list_intake_newest(&self, query: &crate::IntakeQuery, page: PageRequest) -> Result<Page<IntakeRecord>> {
        let limit = clamp(page);
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {INTAKE_COLUMNS} FROM intake_records WHERE 1 = 1"));
        if let Some(before) = page.after {
            q.push(" AND id < ").push_bind(before);
        }
        push_intake_filters(&mut q, query);
        q.push(" ORDER BY id DESC LIMIT ").push_bind(limit + 1);
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let rows = q.build().fetch_all(&mut *conn).await.map_err(db)?;
        let mut records = rows.iter().map(intake_row).collect::<Result<Vec<_>, _>>()?;
        with_duplicates(&mut conn, &mut records).await?;
        Ok(paginate(records, limit, |r| r.id))
    }

    // --- web: accounts ---
    async fn contact_table(&self, query: &crate::ContactTableQuery, today: chrono::NaiveDate) -> Result<Vec<Contact>> {
        contact_table_in(self, query, today).await
    }

    async fn account_table(&self, query: &crate::AccountTableQuery, today: chrono::NaiveDate) -> Result<crate::AccountTable> {
        account_table_in(self, query, today).await
    }

    async fn user_names(&self, ids: &[UserId]) -> Result<HashMap<UserId, String>> {
        let mut out = HashMap::with_capacity(ids.len());
        let mut conn = self.pool.acquire().await.map_err(db)?;
        for chunk in ids.chunks(CHUNK) {
            let mut q = QueryBuilder::<Db>::new("SELECT id, name FROM users WHERE id IN (");
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(id.0);
            }
            q.push(")");
            for r in q.build().fetch_all(&mut *conn).await.map_err(db)? {
                out.insert(UserId(r.try_get("id")?), r.try_get("name")?);
            }
        }
        Ok(out)
    }
}
