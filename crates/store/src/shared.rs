// The store's behaviour, written once. This file is not a module of its own: `sqlite.rs` and
// `postgres.rs` each `include!` it inside a module that defines `Db` (the sqlx database) and
// `ThisStore` (the struct holding a `sqlx::Pool<Db>`), so the same SQL and the same domain rules
// are compiled once per backend. SQL here must run on both (`$n` parameters, `RETURNING`,
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
// Row mapping

const ACCOUNT_COLUMNS: &str = "id, name, duns, parent_id, industry, employees, annual_revenue, country, state, city, relationship, stage, owner_id, target_tier, created_at, updated_at";

fn account_row(r: &DbRow) -> Result<Account, sqlx::Error> {
    Ok(Account {
        id: AccountId(r.try_get("id")?),
        name: r.try_get("name")?,
        domains: Vec::new(),
        duns: r.try_get("duns")?,
        parent_id: r.try_get::<Option<i64>, _>("parent_id")?.map(AccountId),
        industry: r.try_get("industry")?,
        employees: r.try_get("employees")?,
        annual_revenue: r.try_get("annual_revenue")?,
        country: r.try_get("country")?,
        state: r.try_get("state")?,
        city: r.try_get("city")?,
        relationship: parse(r.try_get::<&str, _>("relationship")?)?,
        stage: parse(r.try_get::<&str, _>("stage")?)?,
        owner_id: r.try_get::<Option<i64>, _>("owner_id")?.map(UserId),
        target_tier: r.try_get("target_tier")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

const CONTACT_COLUMNS: &str = "id, account_id, first_name, last_name, email, phone, title, seniority, department, buying_role, status, owner_id, source, created_at, updated_at";

fn contact_row(r: &DbRow) -> Result<Contact, sqlx::Error> {
    Ok(Contact {
        id: ContactId(r.try_get("id")?),
        account_id: AccountId(r.try_get("account_id")?),
        first_name: r.try_get("first_name")?,
        last_name: r.try_get("last_name")?,
        email: parse_opt(r.try_get("email")?)?,
        phone: r.try_get("phone")?,
        title: r.try_get("title")?,
        seniority: parse_opt(r.try_get("seniority")?)?,
        department: parse_opt(r.try_get("department")?)?,
        buying_role: parse_opt(r.try_get("buying_role")?)?,
        status: parse(r.try_get::<&str, _>("status")?)?,
        owner_id: r.try_get::<Option<i64>, _>("owner_id")?.map(UserId),
        source: r.try_get("source")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// A contact's [`CONTACT_COLUMNS`] as a JSON array (see `each_in_chunks` in scoring_sql.rs).
type ContactJson = (
    i64,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<i64>,
    Option<String>,
    DateTime<Utc>,
    DateTime<Utc>,
);

/// [`contact_row`] for a contact read as JSON.
fn contact_of_json(r: ContactJson) -> Result<Contact, sqlx::Error> {
    let (id, account_id, first_name, last_name, email, phone, title, seniority, department, buying_role, status, owner_id, source, created_at, updated_at) = r;
    Ok(Contact {
        id: ContactId(id),
        account_id: AccountId(account_id),
        first_name,
        last_name,
        email: parse_opt(email)?,
        phone,
        title,
        seniority: parse_opt(seniority)?,
        department: parse_opt(department)?,
        buying_role: parse_opt(buying_role)?,
        status: parse(&status)?,
        owner_id: owner_id.map(UserId),
        source,
        created_at,
        updated_at,
    })
}

const OPPORTUNITY_COLUMNS: &str = "id, account_id, name, stage, amount, close_date, source_campaign_id, owner_id, created_at, updated_at";

fn opportunity_row(r: &DbRow) -> Result<Opportunity, sqlx::Error> {
    Ok(Opportunity {
        id: OpportunityId(r.try_get("id")?),
        account_id: AccountId(r.try_get("account_id")?),
        name: r.try_get("name")?,
        stage: parse(r.try_get::<&str, _>("stage")?)?,
        amount: r.try_get("amount")?,
        close_date: r.try_get("close_date")?,
        source_campaign_id: r.try_get::<Option<i64>, _>("source_campaign_id")?.map(CampaignId),
        owner_id: r.try_get::<Option<i64>, _>("owner_id")?.map(UserId),
        contact_roles: Vec::new(),
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

const CAMPAIGN_COLUMNS: &str = "id, name, kind, starts_on, ends_on, budget, created_at, updated_at";

fn campaign_row(r: &DbRow) -> Result<Campaign, sqlx::Error> {
    Ok(Campaign {
        id: CampaignId(r.try_get("id")?),
        name: r.try_get("name")?,
        kind: parse(r.try_get::<&str, _>("kind")?)?,
        starts_on: r.try_get("starts_on")?,
        ends_on: r.try_get("ends_on")?,
        budget: r.try_get("budget")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn member_row(r: &DbRow) -> Result<CampaignMember, sqlx::Error> {
    Ok(CampaignMember {
        campaign_id: CampaignId(r.try_get("campaign_id")?),
        contact_id: ContactId(r.try_get("contact_id")?),
        account_id: AccountId(r.try_get("account_id")?),
        status: parse(r.try_get::<&str, _>("status")?)?,
        joined_at: r.try_get("joined_at")?,
    })
}

const ACTIVITY_COLUMNS: &str = "id, account_id, contact_id, kind, subject, body, occurred_at, campaign_id, opportunity_id, created_at";

fn activity_row(r: &DbRow) -> Result<Activity, sqlx::Error> {
    Ok(Activity {
        id: ActivityId(r.try_get("id")?),
        account_id: AccountId(r.try_get("account_id")?),
        contact_id: r.try_get::<Option<i64>, _>("contact_id")?.map(ContactId),
        kind: parse(r.try_get::<&str, _>("kind")?)?,
        subject: r.try_get("subject")?,
        body: r.try_get("body")?,
        occurred_at: r.try_get("occurred_at")?,
        campaign_id: r.try_get::<Option<i64>, _>("campaign_id")?.map(CampaignId),
        opportunity_id: r.try_get::<Option<i64>, _>("opportunity_id")?.map(OpportunityId),
        created_at: r.try_get("created_at")?,
    })
}

fn asset_row(r: &DbRow) -> Result<Asset, sqlx::Error> {
    Ok(Asset {
        id: AssetId(r.try_get("id")?),
        account_id: AccountId(r.try_get("account_id")?),
        product: r.try_get("product")?,
        quantity: r.try_get("quantity")?,
        annual_value: r.try_get("annual_value")?,
        purchased_on: r.try_get("purchased_on")?,
        renews_on: r.try_get("renews_on")?,
        created_at: r.try_get("created_at")?,
    })
}

fn user_row(r: &DbRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: UserId(r.try_get("id")?),
        email: parse(r.try_get::<&str, _>("email")?)?,
        name: r.try_get("name")?,
        role: parse(r.try_get::<&str, _>("role")?)?,
        created_at: r.try_get("created_at")?,
    })
}

fn token_row(r: &DbRow) -> Result<ApiToken, sqlx::Error> {
    Ok(ApiToken {
        id: TokenId(r.try_get("id")?),
        user_id: UserId(r.try_get("user_id")?),
        name: r.try_get("name")?,
        prefix: r.try_get("prefix")?,
        created_at: r.try_get("created_at")?,
        last_used_at: r.try_get("last_used_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

/// One user, read inside a write.
async fn load_user(tx: &mut Tx<'_>, user: UserId) -> Result<User> {
    let row = sqlx::query("SELECT id, email, name, role, created_at FROM users WHERE id = $1")
        .bind(user.0)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound { entity: "user", id: user.0 })?;
    Ok(user_row(&row)?)
}

/// Refuses to take the admin role's last holder with access (a password or a live token) away:
/// nobody could then manage users.
async fn refuse_last_admin(tx: &mut Tx<'_>, user: UserId, what: &str) -> Result<()> {
    let others: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users u WHERE u.role = 'admin' AND u.id <> $1
           AND (u.password_hash IS NOT NULL OR EXISTS (SELECT 1 FROM api_tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL))",
    )
    .bind(user.0)
    .fetch_one(&mut **tx)
    .await
    .map_err(db)?;
    if others == 0 {
        return Err(StoreError::Conflict {
            field: Some("role".into()),
            message: format!("user {user} is the last admin who can sign in or holds a token; make someone else an admin first, then {what}"),
        });
    }
    Ok(())
}

fn audit_row(r: &DbRow) -> Result<AuditEntry, sqlx::Error> {
    Ok(AuditEntry {
        id: AuditId(r.try_get("id")?),
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        user_id: r.try_get::<Option<i64>, _>("user_id")?.map(UserId),
        entity: r.try_get("entity")?,
        entity_id: r.try_get("entity_id")?,
        action: r.try_get("action")?,
        before: r.try_get::<Option<Json<serde_json::Value>>, _>("before")?.map(|j| j.0),
        after: r.try_get::<Option<Json<serde_json::Value>>, _>("after")?.map(|j| j.0),
    })
}

// ---------------------------------------------------------------------------------------------
// Building blocks that run inside a transaction

/// Writes one audit row: who did what to which record, with the record before and after.
async fn audit<B: Serialize, A: Serialize>(
    tx: &mut Tx<'_>,
    actor: &Actor,
    entity: &str,
    id: i64,
    action: &str,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<i64> {
    let row = sqlx::query("INSERT INTO audit_log (at, actor, user_id, entity, entity_id, action, before, after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
        .bind(now())
        .bind(&actor.label)
        .bind(actor.user_id.map(|u| u.0))
        .bind(entity)
        .bind(id)
        .bind(action)
        .bind(before.map(audit_json))
        .bind(after.map(audit_json))
        .fetch_one(&mut **tx)
        .await
        .map_err(db)?;
    Ok(row.try_get("id")?)
}

async fn domains_of(conn: &mut <Db as sqlx::Database>::Connection, ids: &[i64]) -> Result<HashMap<i64, Vec<String>>> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut q = QueryBuilder::<Db>::new("SELECT account_id, domain FROM account_domains WHERE account_id IN (");
    let mut sep = q.separated(", ");
    for id in ids {
        sep.push_bind(*id);
    }
    q.push(") ORDER BY account_id, position");
    for r in q.build().fetch_all(&mut *conn).await.map_err(db)? {
        out.entry(r.try_get("account_id")?).or_default().push(r.try_get("domain")?);
    }
    Ok(out)
}

async fn with_domains(conn: &mut <Db as sqlx::Database>::Connection, mut accounts: Vec<Account>) -> Result<Vec<Account>> {
    let ids: Vec<i64> = accounts.iter().map(|a| a.id.0).collect();
    let mut domains = domains_of(conn, &ids).await?;
    for a in &mut accounts {
        a.domains = domains.remove(&a.id.0).unwrap_or_default();
    }
    Ok(accounts)
}

async fn load_account(conn: &mut <Db as sqlx::Database>::Connection, id: AccountId) -> Result<Account> {
    read_account(conn, id, "").await
}

/// [`load_account`] for a read-modify-write: the row stays locked until the transaction ends.
async fn load_account_for_update(tx: &mut Tx<'_>, id: AccountId) -> Result<Account> {
    read_account(tx, id, FOR_UPDATE).await
}

async fn read_account(conn: &mut <Db as sqlx::Database>::Connection, id: AccountId, lock: &str) -> Result<Account> {
    // The domains come in the same statement, in order and space-separated (a normalized
    // domain has no space): one round trip for the most read record.
    let domains = format!("(SELECT {} FROM account_domains d WHERE d.account_id = accounts.id) AS domain_list", space_separated("d.domain", "d.position"));
    let row = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS}, {domains} FROM accounts WHERE id = $1{lock}"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound { entity: "account", id: id.0 })?;
    let mut account = account_row(&row)?;
    let list: Option<String> = row.try_get("domain_list")?;
    account.domains = list.as_deref().unwrap_or_default().split_whitespace().map(String::from).collect();
    Ok(account)
}

/// The name of an account that must exist for a reference in `field` to be valid.
async fn referenced_account(conn: &mut <Db as sqlx::Database>::Connection, id: AccountId, field: &str) -> Result<String> {
    sqlx::query("SELECT name FROM accounts WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .map(|r| r.try_get::<String, _>("name"))
        .transpose()?
        .ok_or_else(|| invalid(field, format!("account {id} does not exist; create the account first or pick another")))
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

/// Ancestors of `id`, nearest first (its parent, the parent's parent, ...), up to a root.
///
/// No depth limit: a chain is followed to its end however long. `path` (`,7,3,`) holds the
/// ids walked so far and the walk stops before one of them, so a loop in the links (which
/// an older version could write) ends where it closes instead of running forever.
async fn ancestors(conn: &mut <Db as sqlx::Database>::Connection, id: AccountId) -> Result<Vec<AccountRef>> {
    let rows = sqlx::query(
        "WITH RECURSIVE up(id, parent_id, depth, path) AS (
             SELECT id, parent_id, 0, ',' || CAST(id AS TEXT) || ',' FROM accounts WHERE id = $1
             UNION ALL
             SELECT a.id, a.parent_id, up.depth + 1, up.path || CAST(a.id AS TEXT) || ','
             FROM accounts a JOIN up ON a.id = up.parent_id
             WHERE up.path NOT LIKE ('%,' || CAST(a.id AS TEXT) || ',%')
         )
         SELECT up.id, a.name FROM up JOIN accounts a ON a.id = up.id WHERE up.depth > 0 ORDER BY up.depth",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    rows.iter()
        .map(|r| Ok(AccountRef { id: AccountId(r.try_get("id")?), name: r.try_get("name")? }))
        .collect()
}

/// Every account below `id`, with its parent, breadth first. As in [`ancestors`], each branch
/// carries the ids it walked (starting with `id`) and stops before revisiting one.
async fn descendants(conn: &mut <Db as sqlx::Database>::Connection, id: AccountId) -> Result<Vec<(AccountRef, AccountId)>> {
    let rows = sqlx::query(
        "WITH RECURSIVE down(id, parent_id, depth, path) AS (
             SELECT id, parent_id, 0, ',' || CAST(parent_id AS TEXT) || ',' || CAST(id AS TEXT) || ','
             FROM accounts WHERE parent_id = $1 AND id <> parent_id
             UNION ALL
             SELECT a.id, a.parent_id, down.depth + 1, down.path || CAST(a.id AS TEXT) || ','
             FROM accounts a JOIN down ON a.parent_id = down.id
             WHERE down.path NOT LIKE ('%,' || CAST(a.id AS TEXT) || ',%')
         )
         SELECT down.id, down.parent_id, a.name FROM down JOIN accounts a ON a.id = down.id ORDER BY down.depth, down.id",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    rows.iter()
        .map(|r| {
            Ok((
                AccountRef { id: AccountId(r.try_get("id")?), name: r.try_get("name")? },
                AccountId(r.try_get("parent_id")?),
            ))
        })
        .collect()
}

/// Checks that `parent` exists and that making it the parent of `account` closes no loop.
/// The caller holds `lock_hierarchy` (taken here too, should it not), so no other parent
/// change commits between this check and the write.
async fn check_parent(conn: &mut <Db as sqlx::Database>::Connection, account: Option<AccountId>, parent: AccountId) -> Result<()> {
    referenced_account(conn, parent, "parent_id").await?;
    if let Some(account) = account {
        lock_hierarchy(conn).await?;
        let chain: Vec<AccountId> = ancestors(conn, parent).await?.into_iter().map(|a| a.id).collect();
        check_new_parent(account, parent, &chain).map_err(|e| conflict("parent_id", e.to_string()))?;
    }
    Ok(())
}

/// Refuses domains that already belong to another account.
async fn check_domains_free(conn: &mut <Db as sqlx::Database>::Connection, domains: &[String], account: Option<AccountId>) -> Result<()> {
    for (i, d) in domains.iter().enumerate() {
        let owner = sqlx::query("SELECT a.id, a.name FROM account_domains d JOIN accounts a ON a.id = d.account_id WHERE d.domain = $1")
            .bind(d)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
        if let Some(r) = owner {
            let owner_id: i64 = r.try_get("id")?;
            if Some(AccountId(owner_id)) != account {
                let name: String = r.try_get("name")?;
                return Err(conflict(
                    &format!("domains[{i}]"),
                    format!("the domain {d} already belongs to account {owner_id} ({name}); a domain identifies one account"),
                ));
            }
        }
    }
    Ok(())
}

async fn write_domains(tx: &mut Tx<'_>, account: AccountId, domains: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM account_domains WHERE account_id = $1").bind(account.0).execute(&mut **tx).await.map_err(db)?;
    for (i, d) in domains.iter().enumerate() {
        sqlx::query("INSERT INTO account_domains (domain, account_id, position) VALUES ($1, $2, $3)")
            .bind(d)
            .bind(account.0)
            .bind(i as i32)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
    }
    Ok(())
}

/// Refuses a DUNS number another account already has.
async fn check_duns_free(conn: &mut <Db as sqlx::Database>::Connection, duns: &Option<String>, account: Option<AccountId>) -> Result<()> {
    let Some(duns) = duns else { return Ok(()) };
    let owner = sqlx::query("SELECT id, name FROM accounts WHERE duns = $1").bind(duns).fetch_optional(&mut *conn).await.map_err(db)?;
    if let Some(r) = owner {
        let id: i64 = r.try_get("id")?;
        if Some(AccountId(id)) != account {
            let name: String = r.try_get("name")?;
            return Err(conflict("duns", format!("DUNS {duns} already belongs to account {id} ({name})")));
        }
    }
    Ok(())
}

/// Refuses an email that belongs to another contact, naming who has it.
async fn check_email_free(conn: &mut <Db as sqlx::Database>::Connection, email: &Option<Email>, contact: Option<ContactId>) -> Result<()> {
    let Some(email) = email else { return Ok(()) };
    let owner = sqlx::query(&format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE email = $1"))
        .bind(email.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
    if let Some(r) = owner {
        let other = contact_row(&r)?;
        if Some(other.id) != contact {
            return Err(conflict(
                "email",
                format!(
                    "{email} already belongs to contact {} ({}) at account {}; update that contact or merge the two",
                    other.id,
                    other.display_name(),
                    other.account_id
                ),
            ));
        }
    }
    Ok(())
}

async fn load_contact(conn: &mut <Db as sqlx::Database>::Connection, id: ContactId) -> Result<Contact> {
    read_contact(conn, id, "").await
}

/// [`load_contact`] for a read-modify-write: the row stays locked until the transaction ends.
async fn load_contact_for_update(tx: &mut Tx<'_>, id: ContactId) -> Result<Contact> {
    read_contact(tx, id, FOR_UPDATE).await
}

async fn read_contact(conn: &mut <Db as sqlx::Database>::Connection, id: ContactId, lock: &str) -> Result<Contact> {
    let row = sqlx::query(&format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = $1{lock}"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound { entity: "contact", id: id.0 })?;
    Ok(contact_row(&row)?)
}

/// Inserts a validated contact whose account and email have been checked.
async fn insert_contact(tx: &mut Tx<'_>, actor: &Actor, c: NewContact) -> Result<Contact> {
    let at = now();
    let created = c.created_at.map(|t| t.trunc_subsecs(6)).unwrap_or(at);
    let row = sqlx::query(&format!(
        "INSERT INTO contacts (account_id, first_name, last_name, email, phone, title, seniority, department, buying_role, status, owner_id, source, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING {CONTACT_COLUMNS}"
    ))
    .bind(c.account_id.0)
    .bind(&c.first_name)
    .bind(&c.last_name)
    .bind(c.email.as_ref().map(Email::as_str))
    .bind(&c.phone)
    .bind(&c.title)
    .bind(c.seniority.map(Seniority::as_str))
    .bind(c.department.map(Department::as_str))
    .bind(c.buying_role.map(BuyingRole::as_str))
    .bind(c.status.unwrap_or(ContactStatus::Active).as_str())
    .bind(c.owner_id.map(|u| u.0))
    .bind(&c.source)
    .bind(created)
    .bind(created.max(at))
    .fetch_one(&mut **tx)
    .await
    .map_err(db)?;
    let contact = contact_row(&row)?;
    audit::<(), _>(tx, actor, "contact", contact.id.0, "create", None, Some(&contact)).await?;
    Ok(contact)
}

async fn create_contact_in(tx: &mut Tx<'_>, actor: &Actor, new: NewContact) -> Result<Contact> {
    let new = new.validate()?;
    referenced_account(tx, new.account_id, "account_id").await?;
    if let Some(owner) = new.owner_id {
        require(tx, "users", "user", "owner_id", owner.0).await?;
    }
    check_email_free(tx, &new.email, None).await?;
    insert_contact(tx, actor, new).await
}

async fn roles_of(conn: &mut <Db as sqlx::Database>::Connection, ids: &[i64]) -> Result<HashMap<i64, Vec<ContactRole>>> {
    let mut out: HashMap<i64, Vec<ContactRole>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut q = QueryBuilder::<Db>::new("SELECT opportunity_id, contact_id, role, is_primary FROM opportunity_contact_roles WHERE opportunity_id IN (");
    let mut sep = q.separated(", ");
    for id in ids {
        sep.push_bind(*id);
    }
    q.push(") ORDER BY opportunity_id, is_primary DESC, contact_id");
    for r in q.build().fetch_all(&mut *conn).await.map_err(db)? {
        out.entry(r.try_get("opportunity_id")?).or_default().push(ContactRole {
            contact_id: ContactId(r.try_get("contact_id")?),
            role: parse(r.try_get::<&str, _>("role")?)?,
            is_primary: r.try_get("is_primary")?,
        });
    }
    Ok(out)
}

async fn with_roles(conn: &mut <Db as sqlx::Database>::Connection, mut opps: Vec<Opportunity>) -> Result<Vec<Opportunity>> {
    let ids: Vec<i64> = opps.iter().map(|o| o.id.0).collect();
    let mut roles = roles_of(conn, &ids).await?;
    for o in &mut opps {
        o.contact_roles = roles.remove(&o.id.0).unwrap_or_default();
    }
    Ok(opps)
}

async fn load_opportunity(conn: &mut <Db as sqlx::Database>::Connection, id: OpportunityId) -> Result<Opportunity> {
    read_opportunity(conn, id, "").await
}

/// [`load_opportunity`] for a read-modify-write: the row stays locked until the transaction ends.
async fn load_opportunity_for_update(tx: &mut Tx<'_>, id: OpportunityId) -> Result<Opportunity> {
    read_opportunity(tx, id, FOR_UPDATE).await
}

async fn read_opportunity(conn: &mut <Db as sqlx::Database>::Connection, id: OpportunityId, lock: &str) -> Result<Opportunity> {
    let row = sqlx::query(&format!("SELECT {OPPORTUNITY_COLUMNS} FROM opportunities WHERE id = $1{lock}"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound { entity: "opportunity", id: id.0 })?;
    let opp = opportunity_row(&row)?;
    Ok(with_roles(conn, vec![opp]).await?.remove(0))
}

/// Checks the references of an opportunity: its account, campaign, owner and role contacts.
async fn check_opportunity_refs(
    conn: &mut <Db as sqlx::Database>::Connection,
    account: AccountId,
    campaign: Option<CampaignId>,
    owner: Option<UserId>,
    roles: &[ContactRole],
) -> Result<()> {
    referenced_account(conn, account, "account_id").await?;
    if let Some(c) = campaign {
        require(conn, "campaigns", "campaign", "source_campaign_id", c.0).await?;
    }
    if let Some(u) = owner {
        require(conn, "users", "user", "owner_id", u.0).await?;
    }
    for (i, r) in roles.iter().enumerate() {
        require(conn, "contacts", "contact", &format!("contact_roles[{i}].contact_id"), r.contact_id.0).await?;
    }
    Ok(())
}

async fn write_roles(tx: &mut Tx<'_>, opportunity: OpportunityId, roles: &[ContactRole]) -> Result<()> {
    sqlx::query("DELETE FROM opportunity_contact_roles WHERE opportunity_id = $1").bind(opportunity.0).execute(&mut **tx).await.map_err(db)?;
    for r in roles {
        sqlx::query(
            "INSERT INTO opportunity_contact_roles (opportunity_id, contact_id, account_id, role, is_primary)
             SELECT $1, id, account_id, $2, $3 FROM contacts WHERE id = $4",
        )
        .bind(opportunity.0)
        .bind(r.role.as_str())
        .bind(r.is_primary)
        .bind(r.contact_id.0)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    Ok(())
}

async fn load_campaign(conn: &mut <Db as sqlx::Database>::Connection, id: CampaignId) -> Result<Campaign> {
    read_campaign(conn, id, "").await
}

/// [`load_campaign`] for a read-modify-write: the row stays locked until the transaction ends.
async fn load_campaign_for_update(tx: &mut Tx<'_>, id: CampaignId) -> Result<Campaign> {
    read_campaign(tx, id, FOR_UPDATE).await
}

async fn read_campaign(conn: &mut <Db as sqlx::Database>::Connection, id: CampaignId, lock: &str) -> Result<Campaign> {
    let row = sqlx::query(&format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1{lock}"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound { entity: "campaign", id: id.0 })?;
    Ok(campaign_row(&row)?)
}

async fn check_campaign_name_free(conn: &mut <Db as sqlx::Database>::Connection, name: &str, campaign: Option<CampaignId>) -> Result<()> {
    let other = sqlx::query("SELECT id FROM campaigns WHERE lower(name) = lower($1)").bind(name).fetch_optional(&mut *conn).await.map_err(db)?;
    if let Some(r) = other {
        let id: i64 = r.try_get("id")?;
        if Some(CampaignId(id)) != campaign {
            return Err(conflict("name", format!("a campaign named {name:?} already exists (campaign {id}); campaign names are unique")));
        }
    }
    Ok(())
}

async fn load_activity(conn: &mut <Db as sqlx::Database>::Connection, id: ActivityId) -> Result<Activity> {
    read_activity(conn, id, "").await
}

/// [`load_activity`] for a read-modify-write: the row stays locked until the transaction ends.
async fn load_activity_for_update(tx: &mut Tx<'_>, id: ActivityId) -> Result<Activity> {
    read_activity(tx, id, FOR_UPDATE).await
}

async fn read_activity(conn: &mut <Db as sqlx::Database>::Connection, id: ActivityId, lock: &str) -> Result<Activity> {
    let row = sqlx::query(&format!("SELECT {ACTIVITY_COLUMNS} FROM activities WHERE id = $1{lock}"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound { entity: "activity", id: id.0 })?;
    Ok(activity_row(&row)?)
}

/// The account a contact or an opportunity (`table`) belongs to; one that does not exist is
/// refused on `field`, named as `what`.
async fn account_of(conn: &mut <Db as sqlx::Database>::Connection, table: &str, what: &str, field: &str, id: i64) -> Result<AccountId> {
    let row = sqlx::query(&format!("SELECT account_id FROM {table} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or_else(|| invalid(field, format!("{what} {id} does not exist")))?;
    Ok(AccountId(row.try_get("account_id")?))
}

/// Resolves an activity's account from its contact, checking that what was given agrees.
async fn activity_account(conn: &mut <Db as sqlx::Database>::Connection, new: &NewActivity) -> Result<AccountId> {
    let account = match new.contact_id {
        Some(contact) => {
            let of_contact = account_of(conn, "contacts", "contact", "contact_id", contact.0).await?;
            if new.account_id.is_some_and(|a| a != of_contact) {
                return Err(invalid(
                    "account_id",
                    format!("contact {contact} belongs to account {of_contact}, not {}; leave account_id out to use the contact's", new.account_id.map(|a| a.0).unwrap_or_default()),
                ));
            }
            of_contact
        }
        None => {
            let a = new.account_id.ok_or_else(|| invalid("contact_id", "an activity needs a contact_id or an account_id"))?;
            referenced_account(conn, a, "account_id").await?;
            a
        }
    };
    if let Some(c) = new.campaign_id {
        require(conn, "campaigns", "campaign", "campaign_id", c.0).await?;
    }
    if let Some(o) = new.opportunity_id {
        require(conn, "opportunities", "opportunity", "opportunity_id", o.0).await?;
    }
    Ok(account)
}

async fn insert_activity(tx: &mut Tx<'_>, actor: &Actor, new: NewActivity) -> Result<Activity> {
    let new = new.validate()?;
    let account = activity_account(tx, &new).await?;
    let at = now();
    let row = sqlx::query(&format!(
        "INSERT INTO activities (account_id, contact_id, kind, subject, body, occurred_at, campaign_id, opportunity_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {ACTIVITY_COLUMNS}"
    ))
    .bind(account.0)
    .bind(new.contact_id.map(|c| c.0))
    .bind(new.kind.as_str())
    .bind(&new.subject)
    .bind(&new.body)
    .bind(new.occurred_at.map(|t| t.trunc_subsecs(6)).unwrap_or(at))
    .bind(new.campaign_id.map(|c| c.0))
    .bind(new.opportunity_id.map(|o| o.0))
    .bind(at)
    .fetch_one(&mut **tx)
    .await
    .map_err(db)?;
    let activity = activity_row(&row)?;
    if let Some(c) = activity.contact_id {
        refresh_last_activity(tx, &[c.0]).await?;
    }
    audit::<(), _>(tx, actor, "activity", activity.id.0, "create", None, Some(&activity)).await?;
    Ok(activity)
}

/// Sets `contacts.last_activity_at` (what "engaged" reads) to each contact's newest touch (a note
/// is ours, not theirs);
/// called after every write that adds, moves, re-dates or removes activities of these contacts.
async fn refresh_last_activity(tx: &mut Tx<'_>, contacts: &[i64]) -> Result<()> {
    let mut ids: Vec<i64> = contacts.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(1000) {
        let mut q = QueryBuilder::<Db>::new(
            "UPDATE contacts SET last_activity_at = (SELECT MAX(x.occurred_at) FROM activities x WHERE x.contact_id = contacts.id AND x.kind <> 'note') WHERE id IN (",
        );
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        q.push(")");
        q.build().execute(&mut **tx).await.map_err(db)?;
    }
    Ok(())
}

/// Runs each statement with the record id as `$1`: the clean-up steps of a delete.
async fn exec_each(tx: &mut Tx<'_>, statements: &[&str], id: i64) -> Result<()> {
    for sql in statements {
        sqlx::query(sql).bind(id).execute(&mut **tx).await.map_err(db)?;
    }
    Ok(())
}

/// Counts what still hangs off an account, for a refusal message; empty when nothing does.
async fn dependents(conn: &mut <Db as sqlx::Database>::Connection, id: AccountId) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for (table, column, label) in [
        ("contacts", "account_id", "contacts"),
        ("opportunities", "account_id", "opportunities"),
        ("activities", "account_id", "activities"),
        ("tasks", "account_id", "tasks"),
        ("assets", "account_id", "assets"),
        ("accounts", "parent_id", "subsidiaries"),
    ] {
        let n: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table} WHERE {column} = $1"))
            .bind(id.0)
            .fetch_one(&mut *conn)
            .await
            .map_err(db)?
            .try_get("n")?;
        if n > 0 {
            out.push(format!("{n} {label}"));
        }
    }
    Ok(out)
}

/// Creates an account inside a transaction; returns it and the id of its audit row.
/// Writes a validated opportunity and its contact roles (no audit, no rescoring).
async fn insert_opportunity(tx: &mut Tx<'_>, new: &NewOpportunity) -> Result<OpportunityId> {
    let ids = insert_opportunities(tx, std::slice::from_ref(new), now()).await?;
    Ok(OpportunityId(ids[0]))
}

/// Writes validated opportunities (at most `CHUNK`) and their contact roles in multi-row
/// statements (no audit, no rescoring); a role's account is its contact's, as `write_roles` has
/// it. Answers the new ids, in order. `at` is the write's time, and each one's creation unless it
/// came with its own.
async fn insert_opportunities(tx: &mut Tx<'_>, new: &[NewOpportunity], at: DateTime<Utc>) -> Result<Vec<i64>> {
    let mut q = QueryBuilder::<Db>::new("INSERT INTO opportunities (account_id, name, stage, amount, close_date, source_campaign_id, owner_id, created_at, updated_at) ");
    q.push_values(new, |mut b, o| {
        let created = opportunity_created(o, at);
        b.push_bind(o.account_id.0)
            .push_bind(&o.name)
            .push_bind(o.stage.unwrap_or(OpportunityStage::Prospecting).as_str())
            .push_bind(o.amount)
            .push_bind(o.close_date)
            .push_bind(o.source_campaign_id.map(|c| c.0))
            .push_bind(o.owner_id.map(|u| u.0))
            .push_bind(created)
            .push_bind(created.max(at));
    });
    let ids = insert_ids(tx, "opportunities", q).await?;
    let roles: Vec<(i64, &ContactRole)> = new.iter().zip(&ids).flat_map(|(o, id)| o.contact_roles.iter().map(move |r| (*id, r))).collect();
    for part in roles.chunks(CHUNK) {
        let mut q = QueryBuilder::<Db>::new("INSERT INTO opportunity_contact_roles (opportunity_id, contact_id, account_id, role, is_primary) SELECT v.column1, c.id, c.account_id, v.column3, v.column4 FROM (");
        q.push_values(part, |mut b, (id, r)| {
            b.push_bind(*id).push_bind(r.contact_id.0).push_bind(r.role.as_str()).push_bind(r.is_primary);
        });
        q.push(") AS v JOIN contacts c ON c.id = v.column2");
        q.build().execute(&mut **tx).await.map_err(db)?;
    }
    Ok(ids)
}

/// When an opportunity written at `at` was created: its own time, to the microsecond both
/// backends keep, or `at`.
fn opportunity_created(o: &NewOpportunity, at: DateTime<Utc>) -> DateTime<Utc> {
    o.created_at.map(|t| t.trunc_subsecs(6)).unwrap_or(at)
}

async fn create_account_in(tx: &mut Tx<'_>, actor: &Actor, new: NewAccount) -> Result<(Account, i64)> {
    let (new, typed) = new.validate_keeping_typed()?;
    if let Some(p) = new.parent_id {
        check_parent(&mut *tx, None, p).await?;
    }
    if let Some(o) = new.owner_id {
        require(&mut *tx, "users", "user", "owner_id", o.0).await?;
    }
    check_domains_free(&mut *tx, &new.domains, None).await?;
    check_duns_free(&mut *tx, &new.duns, None).await?;
    let at = now();
    let created = new.created_at.map(|t| t.trunc_subsecs(6)).unwrap_or(at);
    let stage = new.stage.unwrap_or(AccountStage::Target);
    let given = abcrm_core::enrich::AccountField::given_in(&new);
    let id: i64 = sqlx::query(
        "INSERT INTO accounts (name, duns, parent_id, industry, employees, annual_revenue, country, state, city, relationship, stage, owner_id, target_tier, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
    )
    .bind(&new.name)
    .bind(&new.duns)
    .bind(new.parent_id.map(|p| p.0))
    .bind(&new.industry)
    .bind(new.employees)
    .bind(new.annual_revenue)
    .bind(&new.country)
    .bind(&new.state)
    .bind(&new.city)
    .bind(new.relationship.unwrap_or(Relationship::Prospect).as_str())
    .bind(stage.as_str())
    .bind(new.owner_id.map(|o| o.0))
    .bind(new.target_tier)
    .bind(created)
    .bind(created.max(at))
    .fetch_one(&mut **tx)
    .await
    .map_err(db)?
    .try_get("id")?;
    let id = AccountId(id);
    write_domains(&mut *tx, id, &new.domains).await?;
    record_provenance(&mut *tx, id, &given, abcrm_core::enrich::SourceKind::Entered, &actor.label, at, &typed).await?;
    // The funnel starts here: the first stage is history too.
    sqlx::query("INSERT INTO account_stage_history (account_id, from_stage, to_stage, reason, changed_at) VALUES ($1, NULL, $2, $3, $4)")
        .bind(id.0)
        .bind(stage.as_str())
        .bind("created")
        .bind(created)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    let account = load_account(&mut *tx, id).await?;
    let audit_id = audit::<(), _>(&mut *tx, actor, "account", id.0, "create", None, Some(&account)).await?;
    Ok((account, audit_id))
}

// ---------------------------------------------------------------------------------------------
// The contract


// --- web: people ---
/// The `AND ...` conditions of a [`ContactQuery`] (shared by the contact list and its count).
fn push_contact_filters(q: &mut QueryBuilder<'_, Db>, c: &str, query: &ContactQuery) {
    if let Some(a) = query.account_id {
        q.push(format!(" AND {c}account_id = ")).push_bind(a.0);
    }
    if let Some(text) = &query.search {
        let pattern = format!("%{}%", escape_like(&text.trim().to_lowercase()));
        q.push(format!(" AND (lower({c}first_name) LIKE ")).push_bind(pattern.clone()).push(" ESCAPE '\\'");
        q.push(format!(" OR lower({c}last_name) LIKE ")).push_bind(pattern.clone()).push(" ESCAPE '\\'");
        q.push(format!(" OR {c}email LIKE ")).push_bind(pattern).push(" ESCAPE '\\')");
    }
    if let Some(r) = query.buying_role {
        q.push(format!(" AND {c}buying_role = ")).push_bind(r.as_str());
    }
    if let Some(s) = query.seniority {
        q.push(format!(" AND {c}seniority = ")).push_bind(s.as_str());
    }
    if let Some(s) = query.status {
        q.push(format!(" AND {c}status = ")).push_bind(s.as_str());
    }
}

/// A vocabulary column as its position in the vocabulary, so it sorts in the model's order.
fn vocabulary_rank<'a>(column: &str, names: impl Iterator<Item = &'a str>) -> String {
    let arms: String = names.enumerate().map(|(i, n)| format!(" WHEN '{n}' THEN {i}")).collect();
    format!("CASE {column}{arms} END")
}

/// An ORDER BY list: missing values last in both directions and on both backends (they disagree
/// on where NULL sorts), then `id`, so pages never overlap.
fn order_by(keys: &[String], id: &str, descending: bool) -> String {
    let dir = if descending { "DESC" } else { "ASC" };
    let mut terms: Vec<String> = keys.iter().map(|k| format!("({k} IS NULL), {k} {dir}")).collect();
    terms.push(format!("{id} {dir}"));
    terms.join(", ")
}

/// The `AND ...` conditions of an [`crate::IntakeQuery`] (shared by the intake lists and their
/// count).
fn push_intake_filters(q: &mut QueryBuilder<'_, Db>, query: &crate::IntakeQuery) {
    if let Some(o) = query.outcome {
        q.push(" AND outcome = ").push_bind(o.as_str());
    }
    if let Some(s) = &query.source {
        q.push(" AND source = ").push_bind(s.clone());
    }
    if let Some(k) = &query.source_key {
        q.push(" AND source_key = ").push_bind(k.clone());
    }
    if let Some(a) = query.account_id {
        q.push(" AND account_id = ").push_bind(a.0);
    }
    if query.hide_duplicates {
        q.push(" AND duplicate_of IS NULL");
    }
    if let Some(c) = query.campaign_id {
        q.push(" AND campaign_id = ").push_bind(c.0);
    }
}

/// The hierarchy around an account: its ancestors, root first, and the tree below it.
async fn hierarchy_of(conn: &mut <Db as sqlx::Database>::Connection, account: &Account) -> Result<Hierarchy> {
    let id = account.id;
    let mut up = ancestors(&mut *conn, id).await?;
    up.reverse();
    let below = descendants(&mut *conn, id).await?;
    let mut children: HashMap<AccountId, Vec<AccountRef>> = HashMap::new();
    for (node, parent) in below {
        children.entry(parent).or_default().push(node);
    }
    fn build(node: AccountRef, children: &mut HashMap<AccountId, Vec<AccountRef>>) -> HierarchyNode {
        let kids = children.remove(&node.id).unwrap_or_default();
        HierarchyNode { subsidiaries: kids.into_iter().map(|k| build(k, children)).collect(), account: node }
    }
    let tree = build(AccountRef { id, name: account.name.clone() }, &mut children);
    Ok(Hierarchy { ancestors: up, tree })
}

/// An account's products, those renewing soonest first, then those without a renewal date.
async fn assets_of(conn: &mut <Db as sqlx::Database>::Connection, account: AccountId) -> Result<Vec<Asset>> {
    let rows = sqlx::query(
        "SELECT id, account_id, product, quantity, annual_value, purchased_on, renews_on, created_at FROM assets WHERE account_id = $1
         ORDER BY CASE WHEN renews_on IS NULL THEN 1 ELSE 0 END, renews_on, id",
    )
    .bind(account.0)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    Ok(rows.iter().map(asset_row).collect::<Result<Vec<_>, _>>()?)
}

/// Reads the credential epoch when it is due, so that the credentials this process keeps are at
/// most `credentials::RECHECK` older than the database's (see `credentials.rs`).
async fn credentials_checked(store: &ThisStore) -> Result<()> {
    if store.credentials.epoch_due() {
        let epoch: i64 = sqlx::query_scalar("SELECT epoch FROM credential_epoch WHERE id = 1")
            .fetch_one(&store.pool)
            .await
            .map_err(db)?;
        store.credentials.saw_epoch(epoch);
    }
    Ok(())
}

/// Notes that a token was used, off the request's path: a busy database delays the note, never
/// the request.
fn write_token_use(pool: &sqlx::Pool<Db>, id: i64) {
    let pool = pool.clone();
    tokio::spawn(async move {
        let done = sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2").bind(now()).bind(id).execute(&pool).await;
        if let Err(e) = done {
            tracing::warn!(error = %e, token = id, "could not note that an API token was used");
        }
    });
}

/// Applies a patch to an account, read locked so that concurrent patches of other fields all
/// land. With `versions`, only when the account's `updated_at` is one of them (an HTTP
/// `If-Match`); otherwise the account changed since the caller read it: `StoreError::Stale`.
async fn update_account_in(store: &ThisStore, actor: &Actor, id: AccountId, patch: AccountPatch, versions: Option<&[DateTime<Utc>]>) -> Result<Account> {
    let mut tx = begin_write(&store.pool).await.map_err(db)?;
    if matches!(patch.parent_id, abcrm_core::patch::Patch::Set(_)) {
        lock_hierarchy(&mut tx).await?;
    }
    let before = load_account_for_update(&mut tx, id).await?;
    let given = abcrm_core::enrich::AccountField::patched_by(&patch);
    // An invalid patch is refused as invalid whatever version it names; a valid one only applies
    // to the version it names.
    let (mut next, typed) = patch.apply_keeping_typed(&before)?;
    if let Some(versions) = versions {
        if !versions.contains(&before.updated_at) {
            return Err(StoreError::Stale { entity: "account", id: id.0, updated_at: before.updated_at });
        }
    }
    // Customer status is one fact: the relationship a person sets may not contradict what the
    // account's deals and assets say, and the stage follows it (or the relationship the stage).
    let mut stage_reason = format!("set by {}", actor.label);
    if next.relationship != before.relationship {
        let facts = stage_facts(&mut tx, id, Points::default()).await?;
        scoring::check_relationship(next.relationship, &facts)
            .map_err(|message| StoreError::Conflict { field: Some("relationship".into()), message })?;
        if next.stage == before.stage {
            next.stage = scoring::stage_for_relationship(next.relationship, next.stage);
            stage_reason = format!("relationship set to {} by {}", next.relationship.as_str(), actor.label);
        }
    } else if next.stage != before.stage {
        next.relationship = scoring::relationship_after(before.stage, next.stage, next.relationship);
    }
    if next.parent_id != before.parent_id {
        if let Some(p) = next.parent_id {
            check_parent(&mut tx, Some(id), p).await?;
        }
    }
    if next.owner_id != before.owner_id {
        if let Some(o) = next.owner_id {
            require(&mut tx, "users", "user", "owner_id", o.0).await?;
        }
    }
    check_domains_free(&mut tx, &next.domains, Some(id)).await?;
    check_duns_free(&mut tx, &next.duns, Some(id)).await?;
    sqlx::query(
        "UPDATE accounts SET name = $1, duns = $2, parent_id = $3, industry = $4, employees = $5, annual_revenue = $6, country = $7, state = $8, city = $9,
         relationship = $10, stage = $11, owner_id = $12, target_tier = $13, updated_at = $14 WHERE id = $15",
    )
    .bind(&next.name)
    .bind(&next.duns)
    .bind(next.parent_id.map(|p| p.0))
    .bind(&next.industry)
    .bind(next.employees)
    .bind(next.annual_revenue)
    .bind(&next.country)
    .bind(&next.state)
    .bind(&next.city)
    .bind(next.relationship.as_str())
    .bind(next.stage.as_str())
    .bind(next.owner_id.map(|o| o.0))
    .bind(next.target_tier)
    .bind(now())
    .bind(id.0)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    if next.domains != before.domains {
        write_domains(&mut tx, id, &next.domains).await?;
    }
    record_provenance(&mut tx, id, &given, abcrm_core::enrich::SourceKind::Entered, &actor.label, now(), &typed).await?;
    if next.stage != before.stage {
        sqlx::query("INSERT INTO account_stage_history (account_id, from_stage, to_stage, reason, changed_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id.0)
            .bind(before.stage.as_str())
            .bind(next.stage.as_str())
            .bind(&stage_reason)
            .bind(now())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    let after = load_account(&mut tx, id).await?;
    audit(&mut tx, actor, "account", id.0, "update", Some(&before), Some(&after)).await?;
    // Firmographics feed the account's fit, and a new parent changes two roll-ups.
    let mut touched = vec![id];
    touched.extend(before.parent_id);
    settle_accounts(store, &mut tx, actor, &touched).await?;
    tx.commit().await.map_err(db)?;
    Ok(after)
}

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
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        // Moving subsidiaries re-parents them: no other parent change may slip in between the
        // check below and the move.
        if matches!(on_dependents, OnDependents::MoveTo(_)) {
            lock_hierarchy(&mut tx).await?;
        }
        let before = load_account_for_update(&mut tx, id).await?;
        match on_dependents {
            OnDependents::Refuse => {
                let remaining = dependents(&mut tx, id).await?;
                if !remaining.is_empty() {
                    return Err(StoreError::Conflict {
                        field: None,
                        message: format!(
                            "account {id} ({}) still has {}; move them to another account first, or delete with move_to=<account id> to move them in one step",
                            before.name,
                            remaining.join(", ")
                        ),
                    });
                }
            }
            OnDependents::MoveTo(target) => {
                if target == id {
                    return Err(invalid("move_to", "cannot move an account's records to the account being deleted"));
                }
                referenced_account(&mut tx, target, "move_to").await?;
                if descendants(&mut tx, id).await?.iter().any(|(d, _)| d.id == target) {
                    return Err(invalid("move_to", format!("account {target} is a subsidiary of account {id}; move to an account outside its hierarchy")));
                }
                let moved = dependents(&mut tx, id).await?;
                for (table, column) in [
                    ("contacts", "account_id"),
                    ("opportunities", "account_id"),
                    ("opportunity_contact_roles", "account_id"),
                    ("activities", "account_id"),
                    ("tasks", "account_id"),
                    ("campaign_members", "account_id"),
                    ("assets", "account_id"),
                    ("intake_records", "account_id"),
                    ("accounts", "parent_id"),
                ] {
                    sqlx::query(&format!("UPDATE {table} SET {column} = $1 WHERE {column} = $2"))
                        .bind(target.0)
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?;
                }
                // The domains name the same company: they follow its people.
                let next_position: i32 = sqlx::query("SELECT COUNT(*) AS n FROM account_domains WHERE account_id = $1")
                    .bind(target.0)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db)?
                    .try_get::<i64, _>("n")? as i32;
                sqlx::query("UPDATE account_domains SET account_id = $1, position = position + $2 WHERE account_id = $3")
                    .bind(target.0)
                    .bind(next_position)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                let note = serde_json::json!({ "moved_to": target, "moved": moved });
                audit::<_, _>(&mut tx, actor, "account", id.0, "move", Some(&before), Some(&note)).await?;
            }
        }
        exec_each(&mut tx, &[
            "DELETE FROM account_domains WHERE account_id = $1",
            "DELETE FROM account_stage_history WHERE account_id = $1",
            "DELETE FROM account_scores WHERE account_id = $1",
            "UPDATE intake_records SET account_id = NULL WHERE account_id = $1",
            "DELETE FROM accounts WHERE id = $1",
        ], id.0).await?;
        audit::<_, ()>(&mut tx, actor, "account", id.0, "delete", Some(&before), None).await?;
        let mut touched: Vec<AccountId> = before.parent_id.into_iter().collect();
        if let OnDependents::MoveTo(target) = on_dependents {
            touched.push(target);
        }
        settle_accounts(self, &mut tx, actor, &touched).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn list_accounts(&self, query: &AccountQuery, page: PageRequest) -> Result<Page<Account>> {
        let limit = clamp(page);
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE 1 = 1"));
        if let Some(after) = page.after {
            q.push(" AND id > ").push_bind(after);
        }
        if let Some(text) = &query.name_contains {
            q.push(" AND lower(name) LIKE ").push_bind(format!("%{}%", escape_like(&text.to_lowercase()))).push(" ESCAPE '\\'");
        }
        if let Some(domain) = &query.domain {
            let domain = abcrm_core::normalize::normalize_domain(domain).unwrap_or_else(|_| domain.to_lowercase());
            q.push(" AND id IN (SELECT account_id FROM account_domains WHERE domain = ").push_bind(domain).push(")");
        }
        if let Some(parent) = query.parent_id {
            q.push(" AND parent_id = ").push_bind(parent.0);
        }
        if let Some(r) = query.relationship {
            q.push(" AND relationship = ").push_bind(r.as_str());
        }
        if let Some(s) = query.stage {
            q.push(" AND stage = ").push_bind(s.as_str());
        }
        q.push(" ORDER BY id LIMIT ").push_bind(limit + 1);
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let rows = q.build().fetch_all(&mut *conn).await.map_err(db)?;
        let accounts = rows.iter().map(account_row).collect::<Result<Vec<_>, _>>()?;
        let accounts = with_domains(&mut conn, accounts).await?;
        Ok(paginate(accounts, limit, |a| a.id.0))
    }

    async fn account_hierarchy(&self, id: AccountId) -> Result<Hierarchy> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let account = load_account(&mut conn, id).await?;
        hierarchy_of(&mut conn, &account).await
    }

    async fn account_360(&self, id: AccountId) -> Result<Account360> {
        // One read transaction: every part from the same moment, on one connection.
        let mut conn = self.pool.begin().await.map_err(db)?;
        let account = load_account(&mut conn, id).await?;
        let hierarchy = hierarchy_of(&mut conn, &account).await?;
        let contacts = sqlx::query(&format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE account_id = $1 ORDER BY id"))
            .bind(id.0)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
        let mut buying_center: BTreeMap<String, Vec<Contact>> = BTreeMap::new();
        for r in &contacts {
            let c = contact_row(r)?;
            let role = c.buying_role.map(|b| b.as_str().to_string()).unwrap_or_else(|| "unassigned".to_string());
            buying_center.entry(role).or_default().push(c);
        }
        let open: Vec<&str> = OpportunityStage::ALL.iter().filter(|s| s.is_open()).map(|s| s.as_str()).collect();
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {OPPORTUNITY_COLUMNS} FROM opportunities WHERE account_id = "));
        q.push_bind(id.0).push(" AND stage IN (");
        let mut sep = q.separated(", ");
        for s in open {
            sep.push_bind(s);
        }
        q.push(") ORDER BY close_date, id");
        let opps = q.build().fetch_all(&mut *conn).await.map_err(db)?.iter().map(opportunity_row).collect::<Result<Vec<_>, _>>()?;
        let open_opportunities = with_roles(&mut conn, opps).await?;
        let recent_activities = sqlx::query(&format!("SELECT {ACTIVITY_COLUMNS} FROM activities WHERE account_id = $1 ORDER BY occurred_at DESC, id DESC LIMIT 20"))
            .bind(id.0)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?
            .iter()
            .map(activity_row)
            .collect::<Result<Vec<_>, _>>()?;
        let assets = assets_of(&mut conn, id).await?;
        conn.commit().await.map_err(db)?;
        Ok(Account360 { account, hierarchy, buying_center, open_opportunities, recent_activities, assets })
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
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        let before = load_contact_for_update(&mut tx, id).await?;
        let next = patch.apply(&before)?;
        if next.account_id != before.account_id {
            referenced_account(&mut tx, next.account_id, "account_id").await?;
        }
        if next.owner_id != before.owner_id {
            if let Some(o) = next.owner_id {
                require(&mut tx, "users", "user", "owner_id", o.0).await?;
            }
        }
        check_email_free(&mut tx, &next.email, Some(id)).await?;
        sqlx::query(
            "UPDATE contacts SET account_id = $1, first_name = $2, last_name = $3, email = $4, phone = $5, title = $6, seniority = $7, department = $8,
             buying_role = $9, status = $10, owner_id = $11, source = $12, updated_at = $13, status_reason = COALESCE($15, status_reason) WHERE id = $14",
        )
        .bind(next.account_id.0)
        .bind(&next.first_name)
        .bind(&next.last_name)
        .bind(next.email.as_ref().map(Email::as_str))
        .bind(&next.phone)
        .bind(&next.title)
        .bind(next.seniority.map(Seniority::as_str))
        .bind(next.department.map(Department::as_str))
        .bind(next.buying_role.map(BuyingRole::as_str))
        .bind(next.status.as_str())
        .bind(next.owner_id.map(|o| o.0))
        .bind(&next.source)
        .bind(now())
        .bind(id.0)
        // The status history (migration 0012) records why a status changed.
        .bind((next.status != before.status).then(|| format!("set by {}", actor.label)))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if next.account_id != before.account_id {
            // A person who changes company takes their history along: every row that carries
            // the account for sharding follows the contact.
            for table in ["activities", "campaign_members", "opportunity_contact_roles"] {
                sqlx::query(&format!("UPDATE {table} SET account_id = $1 WHERE contact_id = $2"))
                    .bind(next.account_id.0)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
            // Their tasks too, but for those about an opportunity, which stay with its account.
            sqlx::query("UPDATE tasks SET account_id = $1 WHERE contact_id = $2 AND opportunity_id IS NULL")
                .bind(next.account_id.0)
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        let after = load_contact(&mut tx, id).await?;
        audit(&mut tx, actor, "contact", id.0, "update", Some(&before), Some(&after)).await?;
        settle_accounts(self, &mut tx, actor, &[before.account_id, after.account_id]).await?;
        tx.commit().await.map_err(db)?;
        Ok(after)
    }

    async fn delete_contact(&self, actor: &Actor, id: ContactId) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        let before = load_contact_for_update(&mut tx, id).await?;
        exec_each(&mut tx, &[
            "DELETE FROM opportunity_contact_roles WHERE contact_id = $1",
            "DELETE FROM campaign_members WHERE contact_id = $1",
            "UPDATE activities SET contact_id = NULL WHERE contact_id = $1",
            "UPDATE tasks SET contact_id = NULL WHERE contact_id = $1",
            "UPDATE intake_records SET contact_id = NULL WHERE contact_id = $1",
            "DELETE FROM contact_scores WHERE contact_id = $1",
            "DELETE FROM contacts WHERE id = $1",
        ], id.0).await?;
        audit::<_, ()>(&mut tx, actor, "contact", id.0, "delete", Some(&before), None).await?;
        settle_accounts(self, &mut tx, actor, &[before.account_id]).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
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
        let since_at = query.closed_since.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        // The filters both the cards and the older closed ones share.
        let filters = |q: &mut QueryBuilder<'_, Db>| {
            if let Some(owner) = query.owner {
                q.push(" AND o.owner_id = ").push_bind(owner.0);
            }
            if let Some(text) = query.account_name.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                q.push(" AND LOWER(a.name) LIKE LOWER(").push_bind(format!("%{}%", escape_like(text))).push(") ESCAPE '\\'");
            }
        };
        let mut q = QueryBuilder::<Db>::new(
            "SELECT o.id, o.account_id, o.name, o.stage, o.amount, o.close_date, o.source_campaign_id, o.owner_id, \
             o.created_at, o.updated_at, a.name AS account_name, u.name AS owner_name \
             FROM opportunities o JOIN accounts a ON a.id = o.account_id LEFT JOIN users u ON u.id = o.owner_id \
             WHERE (o.stage NOT IN ('closed_won', 'closed_lost') OR o.close_date >= ",
        );
        q.push_bind(query.closed_since);
        q.push(" OR (o.close_date IS NULL AND o.updated_at >= ").push_bind(since_at).push(")");
        if let Some(id) = query.include {
            q.push(" OR o.id = ").push_bind(id.0);
        }
        q.push(")");
        filters(&mut q);
        q.push(" ORDER BY CASE WHEN o.close_date IS NULL THEN 1 ELSE 0 END, o.close_date, o.id");
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let rows = q.build().fetch_all(&mut *conn).await.map_err(db)?;
        let mut cards = Vec::with_capacity(rows.len());
        for r in &rows {
            cards.push(crate::BoardCard {
                opportunity: opportunity_row(r)?,
                account_name: r.try_get("account_name")?,
                owner_name: r.try_get("owner_name")?,
                roles: Vec::new(),
            });
        }
        if !cards.is_empty() {
            let mut q = QueryBuilder::<Db>::new(
                "SELECT r.opportunity_id, r.contact_id, r.role, r.is_primary, c.first_name, c.last_name, c.email \
                 FROM opportunity_contact_roles r JOIN contacts c ON c.id = r.contact_id WHERE r.opportunity_id IN (",
            );
            let mut sep = q.separated(", ");
            for c in &cards {
                sep.push_bind(c.opportunity.id.0);
            }
            q.push(") ORDER BY r.opportunity_id, r.is_primary DESC, r.contact_id");
            let mut roles: HashMap<i64, Vec<crate::BoardRole>> = HashMap::new();
            for r in q.build().fetch_all(&mut *conn).await.map_err(db)? {
                let contact_id = ContactId(r.try_get("contact_id")?);
                let first: Option<String> = r.try_get("first_name")?;
                let last: Option<String> = r.try_get("last_name")?;
                let email: Option<String> = r.try_get("email")?;
                let name = [first, last].into_iter().flatten().collect::<Vec<_>>().join(" ");
                let name = if !name.is_empty() {
                    name
                } else {
                    email.unwrap_or_else(|| format!("contact {contact_id}"))
                };
                roles.entry(r.try_get("opportunity_id")?).or_default().push(crate::BoardRole {
                    contact_id,
                    name,
                    role: parse(r.try_get::<&str, _>("role")?)?,
                    is_primary: r.try_get("is_primary")?,
                });
            }
            for c in &mut cards {
                c.roles = roles.remove(&c.opportunity.id.0).unwrap_or_default();
                c.opportunity.contact_roles = c
                    .roles
                    .iter()
                    .map(|r| ContactRole { contact_id: r.contact_id, role: r.role, is_primary: r.is_primary })
                    .collect();
            }
        }
        let mut q = QueryBuilder::<Db>::new(
            "SELECT o.stage, COUNT(*) AS n, COALESCE(SUM(o.amount), 0.0) AS total \
             FROM opportunities o JOIN accounts a ON a.id = o.account_id \
             WHERE o.stage IN ('closed_won', 'closed_lost') AND ((o.close_date IS NOT NULL AND o.close_date < ",
        );
        q.push_bind(query.closed_since);
        q.push(") OR (o.close_date IS NULL AND o.updated_at < ").push_bind(since_at).push("))");
        if let Some(id) = query.include {
            q.push(" AND o.id <> ").push_bind(id.0);
        }
        filters(&mut q);
        q.push(" GROUP BY o.stage ORDER BY o.stage");
        let mut older = Vec::new();
        for r in q.build().fetch_all(&mut *conn).await.map_err(db)? {
            older.push((parse(r.try_get::<&str, _>("stage")?)?, r.try_get("n")?, r.try_get("total")?));
        }
        Ok(crate::Board { cards, older })
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
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        let before = load_opportunity_for_update(&mut tx, id).await?;
        let roles_changed = !patch.contact_roles.is_keep();
        let next = patch.apply(&before)?;
        check_opportunity_refs(&mut tx, next.account_id, next.source_campaign_id, next.owner_id, &next.contact_roles).await?;
        sqlx::query(
            "UPDATE opportunities SET account_id = $1, name = $2, stage = $3, amount = $4, close_date = $5, source_campaign_id = $6, owner_id = $7, updated_at = $8 WHERE id = $9",
        )
        .bind(next.account_id.0)
        .bind(&next.name)
        .bind(next.stage.as_str())
        .bind(next.amount)
        .bind(next.close_date)
        .bind(next.source_campaign_id.map(|c| c.0))
        .bind(next.owner_id.map(|o| o.0))
        .bind(now())
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if next.account_id != before.account_id {
            sqlx::query("UPDATE tasks SET account_id = $1 WHERE opportunity_id = $2")
                .bind(next.account_id.0)
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        if roles_changed {
            write_roles(&mut tx, id, &next.contact_roles).await?;
        }
        let after = load_opportunity(&mut tx, id).await?;
        audit(&mut tx, actor, "opportunity", id.0, "update", Some(&before), Some(&after)).await?;
        settle_accounts(self, &mut tx, actor, &[before.account_id, after.account_id]).await?;
        tx.commit().await.map_err(db)?;
        Ok(after)
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
        let limit = clamp(page);
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {OPPORTUNITY_COLUMNS} FROM opportunities WHERE 1 = 1"));
        if let Some(after) = page.after {
            q.push(" AND id > ").push_bind(after);
        }
        if let Some(a) = query.account_id {
            q.push(" AND account_id = ").push_bind(a.0);
        }
        if !query.accounts.is_empty() {
            q.push(" AND account_id IN (");
            let mut ids = q.separated(", ");
            for a in &query.accounts {
                ids.push_bind(a.0);
            }
            q.push(")");
        }
        if let Some(s) = query.stage {
            q.push(" AND stage = ").push_bind(s.as_str());
        }
        if let Some(open) = query.open {
            q.push(if open { " AND stage NOT IN ('closed_won', 'closed_lost')" } else { " AND stage IN ('closed_won', 'closed_lost')" });
        }
        q.push(" ORDER BY id LIMIT ").push_bind(limit + 1);
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let rows = q.build().fetch_all(&mut *conn).await.map_err(db)?;
        let opps = rows.iter().map(opportunity_row).collect::<Result<Vec<_>, _>>()?;
        let opps = with_roles(&mut conn, opps).await?;
        Ok(paginate(opps, limit, |o| o.id.0))
    }

    async fn create_campaign(&self, actor: &Actor, new: NewCampaign) -> Result<Campaign> {
        let new = new.validate()?;
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        check_campaign_name_free(&mut tx, &new.name, None).await?;
        let at = now();
        let row = sqlx::query(&format!(
            "INSERT INTO campaigns (name, kind, starts_on, ends_on, budget, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {CAMPAIGN_COLUMNS}"
        ))
        .bind(&new.name)
        .bind(new.kind.unwrap_or(CampaignKind::Other).as_str())
        .bind(new.starts_on)
        .bind(new.ends_on)
        .bind(new.budget)
        .bind(at)
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let campaign = campaign_row(&row)?;
        audit::<(), _>(&mut tx, actor, "campaign", campaign.id.0, "create", None, Some(&campaign)).await?;
        tx.commit().await.map_err(db)?;
        Ok(campaign)
    }

    async fn get_campaign(&self, id: CampaignId) -> Result<Campaign> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        load_campaign(&mut conn, id).await
    }

    async fn update_campaign(&self, actor: &Actor, id: CampaignId, patch: CampaignPatch) -> Result<Campaign> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        let before = load_campaign_for_update(&mut tx, id).await?;
        let next = patch.apply(&before)?;
        check_campaign_name_free(&mut tx, &next.name, Some(id)).await?;
        sqlx::query("UPDATE campaigns SET name = $1, kind = $2, starts_on = $3, ends_on = $4, budget = $5, updated_at = $6 WHERE id = $7")
            .bind(&next.name)
            .bind(next.kind.as_str())
            .bind(next.starts_on)
            .bind(next.ends_on)
            .bind(next.budget)
            .bind(now())
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let after = load_campaign(&mut tx, id).await?;
        audit(&mut tx, actor, "campaign", id.0, "update", Some(&before), Some(&after)).await?;
        tx.commit().await.map_err(db)?;
        Ok(after)
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
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        load_campaign(&mut tx, campaign).await?;
        let account = account_of(&mut tx, "contacts", "contact", "contact_id", member.contact_id.0).await?.0;
        let row = sqlx::query(
            "INSERT INTO campaign_members (campaign_id, contact_id, account_id, status, joined_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (campaign_id, contact_id) DO UPDATE SET status = excluded.status
             RETURNING campaign_id, contact_id, account_id, status, joined_at",
        )
        .bind(campaign.0)
        .bind(member.contact_id.0)
        .bind(account)
        .bind(member.status.unwrap_or(MemberStatus::Sent).as_str())
        .bind(member.joined_at.map(|t| t.trunc_subsecs(6)).unwrap_or_else(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let m = member_row(&row)?;
        audit::<(), _>(&mut tx, actor, "campaign_member", campaign.0, "add_member", None, Some(&m)).await?;
        tx.commit().await.map_err(db)?;
        Ok(m)
    }

    async fn add_campaign_members(&self, actor: &Actor, campaign: CampaignId, members: Vec<NewCampaignMember>) -> Result<usize> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        load_campaign(&mut tx, campaign).await?;
        // One row per contact, as if they were added one by one: the first addition's date and
        // the last one's status.
        let mut slot: HashMap<ContactId, usize> = HashMap::with_capacity(members.len());
        let mut rows: Vec<(usize, NewCampaignMember)> = Vec::with_capacity(members.len());
        for (i, m) in members.into_iter().enumerate() {
            match slot.get(&m.contact_id) {
                Some(&k) => rows[k].1.status = m.status,
                None => {
                    slot.insert(m.contact_id, rows.len());
                    rows.push((i, m));
                }
            }
        }
        for chunk in rows.chunks(CHUNK) {
            upsert_members(&mut tx, actor, campaign, chunk).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(rows.len())
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
        let limit = clamp(page);
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {ACTIVITY_COLUMNS} FROM activities WHERE 1 = 1"));
        if let Some(after) = page.after {
            q.push(" AND id < ").push_bind(after);
        }
        if let Some(a) = query.account_id {
            q.push(" AND account_id = ").push_bind(a.0);
        }
        if let Some(c) = query.contact_id {
            q.push(" AND contact_id = ").push_bind(c.0);
        }
        if let Some(o) = query.opportunity_id {
            q.push(" AND opportunity_id = ").push_bind(o.0);
        }
        if let Some(k) = query.kind {
            q.push(" AND kind = ").push_bind(k.as_str());
        }
        q.push(" ORDER BY id DESC LIMIT ").push_bind(limit + 1);
        let rows = q.build().fetch_all(&self.pool).await.map_err(db)?;
        let activities = rows.iter().map(activity_row).collect::<Result<Vec<_>, _>>()?;
        Ok(paginate(activities, limit, |a| a.id.0))
    }

    async fn create_asset(&self, actor: &Actor, new: NewAsset) -> Result<Asset> {
        let new = new.validate()?;
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        referenced_account(&mut tx, new.account_id, "account_id").await?;
        let row = sqlx::query(
            "INSERT INTO assets (account_id, product, quantity, annual_value, purchased_on, renews_on, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
             RETURNING id, account_id, product, quantity, annual_value, purchased_on, renews_on, created_at",
        )
        .bind(new.account_id.0)
        .bind(&new.product)
        .bind(new.quantity)
        .bind(new.annual_value)
        .bind(new.purchased_on)
        .bind(new.renews_on)
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let asset = asset_row(&row)?;
        audit::<(), _>(&mut tx, actor, "asset", asset.id.0, "create", None, Some(&asset)).await?;
        // An asset in force makes a customer; one already lapsed may make a former customer.
        settle_accounts(self, &mut tx, actor, &[asset.account_id]).await?;
        tx.commit().await.map_err(db)?;
        Ok(asset)
    }

    async fn list_assets(&self, account: AccountId) -> Result<Vec<Asset>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        assets_of(&mut conn, account).await
    }

    async fn set_account_stage(&self, actor: &Actor, account: AccountId, stage: AccountStage, reason: &str, at: DateTime<Utc>) -> Result<Account> {
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        let before = load_account_for_update(&mut tx, account).await?;
        if before.stage == stage {
            return Ok(before);
        }
        let relationship = scoring::relationship_after(before.stage, stage, before.relationship);
        sqlx::query("UPDATE accounts SET stage = $1, relationship = $2, updated_at = $3 WHERE id = $4")
            .bind(stage.as_str())
            .bind(relationship.as_str())
            .bind(now())
            .bind(account.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("INSERT INTO account_stage_history (account_id, from_stage, to_stage, reason, changed_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(account.0)
            .bind(before.stage.as_str())
            .bind(stage.as_str())
            .bind(reason)
            .bind(at.trunc_subsecs(6))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let after = load_account(&mut tx, account).await?;
        audit(&mut tx, actor, "account", account.0, "stage", Some(&before), Some(&after)).await?;
        tx.commit().await.map_err(db)?;
        Ok(after)
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
        if accounts.len() > crate::MAX_IN_LIST {
            return Err(invalid("accounts", format!("{} accounts asked for at once; ask for at most {}", accounts.len(), crate::MAX_IN_LIST)));
        }
        let mut out: Vec<MemberSummary> = accounts.iter().map(|&account_id| MemberSummary { account_id, people: 0, roles: Vec::new(), products: Vec::new() }).collect();
        if accounts.is_empty() {
            return Ok(out);
        }
        let at: HashMap<i64, usize> = accounts.iter().enumerate().map(|(i, a)| (a.0, i)).collect();
        let in_list = |q: &mut QueryBuilder<'_, Db>| {
            let mut list = q.separated(", ");
            for a in accounts {
                list.push_bind(a.0);
            }
        };
        let mut q = QueryBuilder::<Db>::new("SELECT account_id, buying_role, COUNT(*) AS n FROM contacts WHERE status <> 'left_company' AND account_id IN (");
        in_list(&mut q);
        q.push(") GROUP BY account_id, buying_role");
        for r in q.build().fetch_all(&self.pool).await.map_err(db)? {
            let m = &mut out[at[&r.try_get::<i64, _>("account_id")?]];
            m.people += count_of(&r, "n")?;
            if let Some(role) = parse_opt::<BuyingRole>(r.try_get("buying_role")?)? {
                m.roles.push(role);
            }
        }
        let mut q = QueryBuilder::<Db>::new("SELECT DISTINCT account_id, product FROM assets WHERE (renews_on IS NULL OR renews_on >= ");
        q.push_bind(today).push(") AND account_id IN (");
        in_list(&mut q);
        q.push(") ORDER BY account_id, product");
        for r in q.build().fetch_all(&self.pool).await.map_err(db)? {
            out[at[&r.try_get::<i64, _>("account_id")?]].products.push(r.try_get("product")?);
        }
        for m in &mut out {
            m.roles.sort_by_key(|r| BuyingRole::ALL.iter().position(|x| x == r));
        }
        Ok(out)
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
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        if sqlx::query("SELECT id FROM users WHERE email = $1").bind(new.email.as_str()).fetch_optional(&mut *tx).await.map_err(db)?.is_some() {
            return Err(conflict("email", format!("a user with the email {} already exists", new.email)));
        }
        let name = new.name.trim();
        if name.is_empty() {
            return Err(invalid("name", "is required and must not be blank"));
        }
        let row = sqlx::query("INSERT INTO users (email, name, role, created_at) VALUES ($1, $2, $3, $4) RETURNING id, email, name, role, created_at")
            .bind(new.email.as_str())
            .bind(name)
            .bind(new.role.as_str())
            .bind(now())
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        let user = user_row(&row)?;
        audit::<(), _>(&mut tx, actor, "user", user.id.0, "create", None, Some(&user)).await?;
        tx.commit().await.map_err(db)?;
        Ok(user)
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
        let name = name.trim();
        if name.is_empty() {
            return Err(invalid("name", "a token needs a name, to tell it apart from others"));
        }
        let secret = crate::token::generate();
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        require(&mut tx, "users", "user", "user_id", user.0).await?;
        let row = sqlx::query(
            "INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)
             RETURNING id, user_id, name, prefix, created_at, last_used_at, revoked_at",
        )
        .bind(user.0)
        .bind(name)
        .bind(crate::token::prefix(&secret))
        .bind(crate::token::hash(&secret))
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let token = ApiToken {
            id: TokenId(row.try_get("id")?),
            user_id: UserId(row.try_get("user_id")?),
            name: row.try_get("name")?,
            prefix: row.try_get("prefix")?,
            created_at: row.try_get("created_at")?,
            last_used_at: row.try_get("last_used_at")?,
            revoked_at: row.try_get("revoked_at")?,
        };
        audit::<(), _>(&mut tx, actor, "api_token", token.id.0, "create", None, Some(&token)).await?;
        tx.commit().await.map_err(db)?;
        Ok((token, secret))
    }

    async fn authenticate_token(&self, secret: &str) -> Result<Option<Actor>> {
        credentials_checked(self).await?;
        let hash = crate::token::hash(secret.trim());
        if let Some(hit) = self.credentials.token(&hash) {
            if let Some(id) = hit.write_use_of {
                write_token_use(&self.pool, id);
            }
            return Ok(Some(hit.actor));
        }
        let row = sqlx::query(
            "SELECT t.id, t.name, u.id AS user_id, u.email, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        )
        .bind(&hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        let token_id: i64 = row.try_get("id")?;
        let name: String = row.try_get("name")?;
        let email: String = row.try_get("email")?;
        let actor = Actor {
            user_id: Some(UserId(row.try_get("user_id")?)),
            label: format!("{email} via token {name:?}"),
            role: parse(row.try_get::<&str, _>("role")?)?,
        };
        self.credentials.keep_token(hash, token_id, actor.clone());
        write_token_use(&self.pool, token_id);
        Ok(Some(actor))
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
        let mut tx = begin_write(&self.pool).await.map_err(db)?;
        let at = now();
        // Spending the link first, in the same statement that checks it, makes a second use wait
        // for this transaction and then find it spent.
        let user: Option<i64> = sqlx::query_scalar(
            "UPDATE user_invites SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id",
        )
        .bind(at)
        .bind(crate::token::hash(secret))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(user) = user else { return Ok(None) };
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(password_hash).bind(user).execute(&mut *tx).await.map_err(db)?;
        let actor = Actor { user_id: Some(UserId(user)), ..Actor::system("invitation") };
        audit::<(), ()>(&mut tx, &actor, "user", user, "accept_invite", None, None).await?;
        let account = load_user(&mut tx, UserId(user)).await?;
        tx.commit().await.map_err(db)?;
        self.credentials.forget_all();
        Ok(Some(account))
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
        credentials_checked(self).await?;
        let hash = crate::token::hash(secret);
        if let Some(session) = self.credentials.session(&hash, now()) {
            return Ok(Some(session));
        }
        let row = sqlx::query(
            "SELECT u.id, u.email, u.name, u.role, u.created_at, s.csrf_token, s.expires_at
             FROM web_sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(&hash)
        .bind(now())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        let session = WebSession { user: user_row(&row)?, csrf: row.try_get("csrf_token")?, expires_at: row.try_get("expires_at")? };
        self.credentials.keep_session(hash, session.clone());
        Ok(Some(session))
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
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {ACTIVITY_COLUMNS} FROM activities WHERE 1 = 1"));
        if let Some(a) = query.account_id {
            q.push(" AND account_id = ").push_bind(a.0);
        }
        if let Some(c) = query.contact_id {
            q.push(" AND contact_id = ").push_bind(c.0);
        }
        if let Some(o) = query.opportunity_id {
            q.push(" AND opportunity_id = ").push_bind(o.0);
        }
        if let Some(k) = query.kind {
            q.push(" AND kind = ").push_bind(k.as_str());
        }
        q.push(" ORDER BY occurred_at DESC, id DESC LIMIT ").push_bind(i64::from(limit.clamp(1, 1000)));
        let rows = q.build().fetch_all(&self.pool).await.map_err(db)?;
        Ok(rows.iter().map(activity_row).collect::<Result<Vec<_>, _>>()?)
    }

    async fn weekly_activity(&self, accounts: &[AccountId], now: DateTime<Utc>, weeks: u32) -> Result<HashMap<AccountId, Vec<u32>>> {
        let mut out: HashMap<AccountId, Vec<u32>> = accounts.iter().map(|a| (*a, vec![0; weeks as usize])).collect();
        if accounts.is_empty() || weeks == 0 {
            return Ok(out);
        }
        let since = now - chrono::Duration::days(7 * i64::from(weeks));
        let mut q = QueryBuilder::<Db>::new("SELECT account_id, occurred_at FROM activities WHERE kind <> 'note' AND occurred_at >= ");
        q.push_bind(since).push(" AND occurred_at < ").push_bind(now).push(" AND account_id IN (");
        let mut ids = q.separated(", ");
        for a in accounts {
            ids.push_bind(a.0);
        }
        q.push(")");
        for row in q.build().fetch_all(&self.pool).await.map_err(db)? {
            let account = AccountId(row.try_get("account_id")?);
            let at: DateTime<Utc> = row.try_get("occurred_at")?;
            let week = ((at - since).num_seconds() / (7 * 24 * 3600)).clamp(0, i64::from(weeks) - 1) as usize;
            if let Some(counts) = out.get_mut(&account) {
                counts[week] += 1;
            }
        }
        Ok(out)
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
        let rows = sqlx::query(
            "SELECT u.id, u.email, u.name, u.role, u.created_at, u.password_hash IS NOT NULL AS can_sign_in,
                    (SELECT COUNT(*) FROM api_tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL) AS live_tokens,
                    (SELECT MAX(i.expires_at) FROM user_invites i WHERE i.user_id = u.id AND i.used_at IS NULL AND i.expires_at > $2) AS invited_until
             FROM users u ORDER BY lower(u.name), u.id LIMIT $1",
        )
        .bind(crate::MAX_USERS_LISTED)
        .bind(now())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(crate::UserAccess {
                    user: user_row(r)?,
                    can_sign_in: r.try_get("can_sign_in")?,
                    live_tokens: r.try_get("live_tokens")?,
                    invited_until: r.try_get("invited_until")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db)
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
        use crate::{ContactSelection, ContactSort};
        let keys: Vec<String> = match query.sort {
            ContactSort::Name => vec!["LOWER(c.last_name)".into(), "LOWER(c.first_name)".into()],
            ContactSort::Title => vec!["LOWER(c.title)".into()],
            ContactSort::Seniority => vec![vocabulary_rank("c.seniority", Seniority::ALL.iter().map(|v| v.as_str()))],
            ContactSort::BuyingRole => vec![vocabulary_rank("c.buying_role", BuyingRole::ALL.iter().map(|v| v.as_str()))],
            ContactSort::Account => vec!["LOWER(a.name)".into()],
            ContactSort::Email => vec!["c.email".into()],
            ContactSort::LastActivity => vec!["c.last_activity_at".into()],
        };
        let columns: Vec<String> = CONTACT_COLUMNS.split(", ").map(|c| format!("c.{c}")).collect();
        let mut q = QueryBuilder::<Db>::new(format!(
            "SELECT {} FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE ",
            columns.join(", ")
        ));
        match &query.selection {
            ContactSelection::All => {
                q.push("1 = 1");
            }
            ContactSelection::Search(text) => {
                q.push("1 = 1");
                push_contact_filters(&mut q, "c.", &ContactQuery { search: Some(text.clone()), ..ContactQuery::default() });
            }
            ContactSelection::Filter(f) => push_filter(&mut q, f, abcrm_core::filter::Target::Contacts, today),
        }
        q.push(format!(" ORDER BY {} LIMIT ", order_by(&keys, "c.id", query.descending)));
        q.push_bind(i64::from(query.limit.clamp(1, 1000)));
        q.push(" OFFSET ").push_bind(i64::try_from(query.offset).unwrap_or(i64::MAX));
        let mut conn = self.pool.acquire().await.map_err(db)?;
        // A filter's time limit holds here too: a sort does not make a slow filter welcome.
        let deadline = time_limit(&mut conn).await?;
        let rows = q.build().fetch_all(&mut *conn).await;
        deadline.end();
        Ok(rows.map_err(db)?.iter().map(contact_row).collect::<Result<Vec<_>, _>>()?)
    }

    async fn account_table(&self, query: &crate::AccountTableQuery, today: chrono::NaiveDate) -> Result<crate::AccountTable> {
        use crate::{AccountSelection, AccountSort};
        /// The WHERE condition of a selection; `a` is the account.
        fn push_selection(q: &mut QueryBuilder<'_, Db>, selection: &AccountSelection, today: chrono::NaiveDate) {
            match selection {
                AccountSelection::All => {
                    q.push("1 = 1");
                }
                AccountSelection::Accounts(f) => push_filter(q, f, abcrm_core::filter::Target::Accounts, today),
                AccountSelection::OfContacts(f) => {
                    q.push("EXISTS (SELECT 1 FROM contacts c WHERE c.account_id = a.id AND ");
                    push_filter(q, f, abcrm_core::filter::Target::Contacts, today);
                    q.push(")");
                }
            }
        }
        let keys: Vec<String> = match query.sort {
            AccountSort::Name => vec!["LOWER(a.name)".into()],
            AccountSort::Industry => vec!["LOWER(a.industry)".into()],
            AccountSort::Location => vec!["LOWER(a.country)".into(), "LOWER(a.state)".into(), "LOWER(a.city)".into()],
            AccountSort::Employees => vec!["a.employees".into()],
            AccountSort::AnnualRevenue => vec!["a.annual_revenue".into()],
            AccountSort::Relationship => {
                vec![vocabulary_rank("a.relationship", Relationship::ALL.iter().map(|r| r.as_str()))]
            }
            AccountSort::Stage => {
                vec![vocabulary_rank("a.stage", AccountStage::ALL.iter().map(|r| r.as_str()))]
            }
            AccountSort::Score => vec!["sc.score".into()],
            AccountSort::Owner => vec!["LOWER(ow.name)".into()],
        };
        let order = order_by(&keys, "a.id", query.descending);
        let columns: Vec<String> = ACCOUNT_COLUMNS.split(", ").map(|c| format!("a.{c}")).collect();
        let mut q = QueryBuilder::<Db>::new(format!(
            "SELECT {}, sc.score AS table_score, ow.name AS owner_name FROM accounts a \
             LEFT JOIN account_scores sc ON sc.account_id = a.id LEFT JOIN users ow ON ow.id = a.owner_id WHERE ",
            columns.join(", ")
        ));
        push_selection(&mut q, &query.selection, today);
        q.push(format!(" ORDER BY {order} LIMIT "));
        q.push_bind(i64::from(query.limit.clamp(1, 1000)));
        q.push(" OFFSET ").push_bind(i64::try_from(query.offset).unwrap_or(i64::MAX));
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let rows = q.build().fetch_all(&mut *conn).await.map_err(db)?;
        let mut extra = Vec::with_capacity(rows.len());
        let mut accounts = Vec::with_capacity(rows.len());
        for r in &rows {
            accounts.push(account_row(r)?);
            extra.push((r.try_get::<Option<i64>, _>("table_score")?.map(abcrm_core::scoring::Points), r.try_get::<Option<String>, _>("owner_name")?));
        }
        let accounts = with_domains(&mut conn, accounts).await?;
        let mut count = QueryBuilder::<Db>::new("SELECT COUNT(*) AS n FROM accounts a WHERE ");
        push_selection(&mut count, &query.selection, today);
        let total = count_of(&count.build().fetch_one(&mut *conn).await.map_err(db)?, "n")?;
        let rows = accounts
            .into_iter()
            .zip(extra)
            .map(|(account, (score, owner_name))| crate::AccountTableRow { account, score, owner_name })
            .collect();
        Ok(crate::AccountTable { rows, total })
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

/// Names a bulk row's fields by its position: `[3].email`.
fn prefix_fields(e: ValidationErrors, i: usize) -> ValidationErrors {
    ValidationErrors(e.0.into_iter().map(|v| ValidationError::new(format!("[{i}].{}", v.field), v.reason)).collect())
}

fn prefix_conflict(e: StoreError, i: usize) -> StoreError {
    match e {
        StoreError::Conflict { field, message } => StoreError::Conflict { field: field.map(|f| format!("[{i}].{f}")), message },
        other => other,
    }
}

/// Which of `ids` are ids of rows in `table`: one query for a chunk's references.
async fn ids_present(conn: &mut <Db as sqlx::Database>::Connection, table: &str, ids: impl Iterator<Item = i64>) -> Result<HashSet<i64>> {
    let wanted: std::collections::BTreeSet<i64> = ids.collect();
    if wanted.is_empty() {
        return Ok(HashSet::new());
    }
    let mut q = QueryBuilder::<Db>::new(format!("SELECT id FROM {table} WHERE id IN ("));
    let mut sep = q.separated(", ");
    for id in &wanted {
        sep.push_bind(*id);
    }
    q.push(")");
    let rows = q.build().fetch_all(&mut *conn).await.map_err(db)?;
    rows.iter().map(|r| Ok(r.try_get::<i64, _>("id")?)).collect()
}

/// The account of each of these contacts that exists, by contact id: one query.
async fn accounts_of_contacts(conn: &mut <Db as sqlx::Database>::Connection, contacts: impl Iterator<Item = i64>) -> Result<HashMap<i64, i64>> {
    let wanted: std::collections::BTreeSet<i64> = contacts.collect();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let mut q = QueryBuilder::<Db>::new("SELECT id, account_id FROM contacts WHERE id IN (");
    let mut sep = q.separated(", ");
    for id in &wanted {
        sep.push_bind(*id);
    }
    q.push(")");
    let rows = q.build().fetch_all(&mut *conn).await.map_err(db)?;
    rows.iter().map(|r| Ok((r.try_get::<i64, _>("id")?, r.try_get::<i64, _>("account_id")?))).collect()
}

/// The contacts that hold any of these emails, by email: one query.
async fn contacts_by_email(conn: &mut <Db as sqlx::Database>::Connection, emails: &[&str]) -> Result<HashMap<String, Contact>> {
    if emails.is_empty() {
        return Ok(HashMap::new());
    }
    let mut q = QueryBuilder::<Db>::new(format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE email IN ("));
    let mut sep = q.separated(", ");
    for e in emails {
        sep.push_bind(*e);
    }
    q.push(")");
    let mut out = HashMap::new();
    for r in q.build().fetch_all(&mut *conn).await.map_err(db)? {
        let c = contact_row(&r)?;
        if let Some(e) = &c.email {
            out.insert(e.as_str().to_string(), c);
        }
    }
    Ok(out)
}

/// Checks and writes one chunk of a bulk contact load, whose rows are rows `first..` of the
/// batch: a query each for the accounts, owners and emails it names, one multi-row INSERT and
/// its audit rows. `emails` holds the emails of the batch's earlier rows, with their row.
async fn insert_contacts(tx: &mut Tx<'_>, actor: &Actor, first: usize, chunk: Vec<NewContact>, emails: &mut HashMap<String, usize>) -> Result<Vec<ContactId>> {
    let valid = chunk
        .into_iter()
        .enumerate()
        .map(|(i, c)| c.validate().map_err(|e| StoreError::Invalid(prefix_fields(e, first + i))))
        .collect::<Result<Vec<_>>>()?;
    let accounts = ids_present(tx, "accounts", valid.iter().map(|c| c.account_id.0)).await?;
    let owners = ids_present(tx, "users", valid.iter().filter_map(|c| c.owner_id.map(|u| u.0))).await?;
    let wanted: Vec<&str> = valid.iter().filter_map(|c| c.email.as_ref().map(Email::as_str)).collect();
    let taken = contacts_by_email(tx, &wanted).await?;
    for (i, c) in valid.iter().enumerate() {
        let row = first + i;
        if !accounts.contains(&c.account_id.0) {
            return Err(invalid(&format!("[{row}].account_id"), format!("account {} does not exist; create the account first or pick another", c.account_id)));
        }
        if let Some(owner) = c.owner_id.filter(|o| !owners.contains(&o.0)) {
            return Err(invalid(&format!("[{row}].owner_id"), format!("user {owner} does not exist")));
        }
        let Some(email) = &c.email else { continue };
        if let Some(earlier) = emails.insert(email.as_str().to_string(), row) {
            return Err(conflict(&format!("[{row}].email"), format!("{email} is also the email of row [{earlier}] of this batch; an email belongs to one contact")));
        }
        if let Some(other) = taken.get(email.as_str()) {
            return Err(conflict(
                &format!("[{row}].email"),
                format!("{email} already belongs to contact {} ({}) at account {}; update that contact or merge the two", other.id, other.display_name(), other.account_id),
            ));
        }
    }
    let at = now();
    let created = |c: &NewContact| c.created_at.map(|t| t.trunc_subsecs(6)).unwrap_or(at);
    let mut q = QueryBuilder::<Db>::new("INSERT INTO contacts (account_id, first_name, last_name, email, phone, title, seniority, department, buying_role, status, owner_id, source, created_at, updated_at) ");
    q.push_values(&valid, |mut b, c| {
        b.push_bind(c.account_id.0)
            .push_bind(&c.first_name)
            .push_bind(&c.last_name)
            .push_bind(c.email.as_ref().map(Email::as_str))
            .push_bind(&c.phone)
            .push_bind(&c.title)
            .push_bind(c.seniority.map(Seniority::as_str))
            .push_bind(c.department.map(Department::as_str))
            .push_bind(c.buying_role.map(BuyingRole::as_str))
            .push_bind(c.status.unwrap_or(ContactStatus::Active).as_str())
            .push_bind(c.owner_id.map(|u| u.0))
            .push_bind(&c.source)
            .push_bind(created(c))
            .push_bind(created(c).max(at));
    });
    let ids = insert_ids(tx, "contacts", q).await?;
    let mut audits = Vec::with_capacity(ids.len());
    for (&id, c) in ids.iter().zip(valid) {
        let created = created(&c);
        let contact = c.into_contact(ContactId(id), created, created.max(at));
        audits.push(AuditRow { entity: "contact", id, action: "create", before: None, after: Some(audit_json(&contact)) });
    }
    audit_many(tx, actor, &audits).await?;
    Ok(ids.into_iter().map(ContactId).collect())
}

/// Checks and writes one chunk of a bulk activity load, whose rows are rows `first..` of the
/// batch: each activity takes its contact's account (resolved in one query), its references
/// must exist, and the chunk goes in as one multi-row INSERT with its audit rows.
async fn insert_activities(tx: &mut Tx<'_>, actor: &Actor, first: usize, chunk: Vec<NewActivity>) -> Result<Vec<ActivityId>> {
    let valid = chunk
        .into_iter()
        .enumerate()
        .map(|(i, a)| a.validate().map_err(|e| StoreError::Invalid(prefix_fields(e, first + i))))
        .collect::<Result<Vec<_>>>()?;
    let of_contact = accounts_of_contacts(tx, valid.iter().filter_map(|a| a.contact_id.map(|c| c.0))).await?;
    let accounts = ids_present(tx, "accounts", valid.iter().filter(|a| a.contact_id.is_none()).filter_map(|a| a.account_id.map(|x| x.0))).await?;
    let campaigns = ids_present(tx, "campaigns", valid.iter().filter_map(|a| a.campaign_id.map(|c| c.0))).await?;
    let opportunities = ids_present(tx, "opportunities", valid.iter().filter_map(|a| a.opportunity_id.map(|o| o.0))).await?;
    let mut resolved = Vec::with_capacity(valid.len());
    for (i, a) in valid.iter().enumerate() {
        let field = |f: &str| format!("[{}].{f}", first + i);
        let account = match a.contact_id {
            Some(contact) => {
                let of = of_contact.get(&contact.0).copied().map(AccountId).ok_or_else(|| invalid(&field("contact_id"), format!("contact {contact} does not exist")))?;
                if let Some(given) = a.account_id.filter(|&given| given != of) {
                    return Err(invalid(
                        &field("account_id"),
                        format!("contact {contact} belongs to account {of}, not {}; leave account_id out to use the contact's", given.0),
                    ));
                }
                of
            }
            None => {
                let given = a.account_id.ok_or_else(|| invalid(&field("contact_id"), "an activity needs a contact_id or an account_id"))?;
                if !accounts.contains(&given.0) {
                    return Err(invalid(&field("account_id"), format!("account {given} does not exist; create the account first or pick another")));
                }
                given
            }
        };
        if let Some(c) = a.campaign_id.filter(|c| !campaigns.contains(&c.0)) {
            return Err(invalid(&field("campaign_id"), format!("campaign {} does not exist", c.0)));
        }
        if let Some(o) = a.opportunity_id.filter(|o| !opportunities.contains(&o.0)) {
            return Err(invalid(&field("opportunity_id"), format!("opportunity {} does not exist", o.0)));
        }
        resolved.push(account);
    }
    let at = now();
    let occurred = |a: &NewActivity| a.occurred_at.map(|t| t.trunc_subsecs(6)).unwrap_or(at);
    let mut q = QueryBuilder::<Db>::new("INSERT INTO activities (account_id, contact_id, kind, subject, body, occurred_at, campaign_id, opportunity_id, created_at) ");
    q.push_values(valid.iter().zip(&resolved), |mut b, (a, account)| {
        b.push_bind(account.0)
            .push_bind(a.contact_id.map(|c| c.0))
            .push_bind(a.kind.as_str())
            .push_bind(&a.subject)
            .push_bind(&a.body)
            .push_bind(occurred(a))
            .push_bind(a.campaign_id.map(|c| c.0))
            .push_bind(a.opportunity_id.map(|o| o.0))
            .push_bind(at);
    });
    let ids = insert_ids(tx, "activities", q).await?;
    let touched: Vec<i64> = valid.iter().filter_map(|a| a.contact_id.map(|c| c.0)).collect();
    refresh_last_activity(tx, &touched).await?;
    let mut audits = Vec::with_capacity(ids.len());
    for ((&id, a), account) in ids.iter().zip(valid).zip(resolved) {
        let activity = Activity {
            id: ActivityId(id),
            account_id: account,
            contact_id: a.contact_id,
            kind: a.kind,
            occurred_at: occurred(&a),
            subject: a.subject,
            body: a.body,
            campaign_id: a.campaign_id,
            opportunity_id: a.opportunity_id,
            created_at: at,
        };
        audits.push(AuditRow { entity: "activity", id, action: "create", before: None, after: Some(audit_json(&activity)) });
    }
    audit_many(tx, actor, &audits).await?;
    Ok(ids.into_iter().map(ActivityId).collect())
}

/// Writes one chunk of a bulk campaign membership (one row per contact, each with its row in
/// the batch): the contacts' accounts in one query, one multi-row upsert and its audit rows.
async fn upsert_members(tx: &mut Tx<'_>, actor: &Actor, campaign: CampaignId, chunk: &[(usize, NewCampaignMember)]) -> Result<()> {
    let of_contact = accounts_of_contacts(tx, chunk.iter().map(|(_, m)| m.contact_id.0)).await?;
    let mut accounts = Vec::with_capacity(chunk.len());
    for (i, m) in chunk {
        let account = of_contact.get(&m.contact_id.0).ok_or_else(|| invalid(&format!("[{i}].contact_id"), format!("contact {} does not exist", m.contact_id)))?;
        accounts.push(*account);
    }
    let at = now();
    let mut q = QueryBuilder::<Db>::new("INSERT INTO campaign_members (campaign_id, contact_id, account_id, status, joined_at) ");
    q.push_values(chunk.iter().zip(&accounts), |mut b, ((_, m), account)| {
        b.push_bind(campaign.0)
            .push_bind(m.contact_id.0)
            .push_bind(*account)
            .push_bind(m.status.unwrap_or(MemberStatus::Sent).as_str())
            .push_bind(m.joined_at.map(|t| t.trunc_subsecs(6)).unwrap_or(at));
    });
    // A membership that is already there as given is left alone (and not audited again), so
    // adding the same members twice changes nothing.
    q.push(" ON CONFLICT (campaign_id, contact_id) DO UPDATE SET status = excluded.status WHERE campaign_members.status <> excluded.status RETURNING campaign_id, contact_id, account_id, status, joined_at");
    let rows = q.build().fetch_all(&mut **tx).await.map_err(db)?;
    let mut written: HashMap<ContactId, CampaignMember> = HashMap::with_capacity(rows.len());
    for r in &rows {
        let m = member_row(r)?;
        written.insert(m.contact_id, m);
    }
    let audits: Vec<AuditRow> = chunk
        .iter()
        .filter_map(|(_, m)| written.get(&m.contact_id))
        .map(|m| AuditRow { entity: "campaign_member", id: campaign.0, action: "add_member", before: None, after: Some(audit_json(m)) })
        .collect();
    audit_many(tx, actor, &audits).await?;
    Ok(())
}

/// One attempt at [`Store::update_activity`].
async fn update_activity_once(store: &ThisStore, actor: &Actor, id: ActivityId, patch: ActivityPatch) -> Result<Activity> {
    let mut tx = begin_write(&store.pool).await.map_err(db)?;
    let before = load_activity_for_update(&mut tx, id).await?;
    let next = patch.apply(&before)?;
    if let Some(c) = next.campaign_id {
        require(&mut tx, "campaigns", "campaign", "campaign_id", c.0).await?;
    }
    if let Some(o) = next.opportunity_id {
        require(&mut tx, "opportunities", "opportunity", "opportunity_id", o.0).await?;
    }
    sqlx::query("UPDATE activities SET kind = $1, subject = $2, body = $3, occurred_at = $4, campaign_id = $5, opportunity_id = $6 WHERE id = $7")
        .bind(next.kind.as_str())
        .bind(&next.subject)
        .bind(&next.body)
        .bind(next.occurred_at.trunc_subsecs(6))
        .bind(next.campaign_id.map(|c| c.0))
        .bind(next.opportunity_id.map(|o| o.0))
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    let after = load_activity(&mut tx, id).await?;
    if let Some(c) = after.contact_id.filter(|_| after.occurred_at != before.occurred_at) {
        refresh_last_activity(&mut tx, &[c.0]).await?;
    }
    audit(&mut tx, actor, "activity", id.0, "update", Some(&before), Some(&after)).await?;
    settle_accounts(store, &mut tx, actor, &[after.account_id]).await?;
    tx.commit().await.map_err(db)?;
    Ok(after)
}

/// One attempt at [`Store::delete_activity`].
async fn delete_activity_once(store: &ThisStore, actor: &Actor, id: ActivityId) -> Result<()> {
    let mut tx = begin_write(&store.pool).await.map_err(db)?;
    let before = load_activity_for_update(&mut tx, id).await?;
    sqlx::query("DELETE FROM activities WHERE id = $1").bind(id.0).execute(&mut *tx).await.map_err(db)?;
    if let Some(c) = before.contact_id {
        refresh_last_activity(&mut tx, &[c.0]).await?;
    }
    audit::<_, ()>(&mut tx, actor, "activity", id.0, "delete", Some(&before), None).await?;
    settle_accounts(store, &mut tx, actor, &[before.account_id]).await?;
    tx.commit().await.map_err(db)?;
    Ok(())
}
