// Scores and stages, for both backends (this file is `include!`d after `shared.rs`). The
// arithmetic is core's (`abcrm_core::scoring`); this file reads its inputs, writes its results,
// and applies the stage rules, inside the transaction of the write that called for it.

use crate::{ModelPreview, PreviewedMove, RecomputeProgress, RecomputeSummary, ScoringModelRecord, StageShift, StoredAccountScore};
use abcrm_core::scoring::{
    self, AccountFacts, AccountScore, ActivityFact, ContactScore, Points, Recompute, Rollup,
    AssetFacts, Scorer, ScoringModel, StageFacts, StageMove,
};
use abcrm_core::AssetId;
use futures::TryStreamExt;
use crate::ActiveModel;
use std::sync::Arc;

type Conn = <Db as sqlx::Database>::Connection;

fn model_record_row(r: &DbRow) -> Result<ScoringModelRecord, sqlx::Error> {
    Ok(ScoringModelRecord {
        id: Some(r.try_get("id")?),
        name: r.try_get("name")?,
        version: r.try_get::<i32, _>("version")?.into(),
        body: r.try_get("body")?,
        active: r.try_get("active")?,
        created_at: Some(r.try_get("created_at")?),
    })
}

fn default_model_record() -> ScoringModelRecord {
    ScoringModelRecord {
        id: None,
        name: "default".into(),
        version: 0,
        body: scoring::DEFAULT_MODEL.to_string(),
        active: true,
        created_at: None,
    }
}

/// The active model, parsed once per saved version and cached (another process may save a
/// newer one: the row's id is read each time, the body parsed only when it changed).
async fn active_model(store: &ThisStore, conn: &mut Conn) -> Result<ActiveModel> {
    let row = sqlx::query("SELECT id, name, version, body, active, created_at FROM scoring_models WHERE active = TRUE ORDER BY id DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
    let record = match row {
        Some(r) => model_record_row(&r)?,
        None => default_model_record(),
    };
    let id = record.id.unwrap_or(0);
    let mut cache = store.scoring.cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(hit) = cache.as_ref().filter(|m| m.id() == id) {
        return Ok(hit.clone());
    }
    // A saved model was checked when saved; should the parser have grown stricter since, the
    // store says which version to fix rather than scoring with half a model.
    let model = scoring::parse_model(&record.body).map_err(|e| {
        invalid(
            "scoring_model",
            format!("the active scoring model {} version {} no longer checks ({e}); save a corrected version", record.name, record.version),
        )
    })?;
    let active = ActiveModel { record: Arc::new(record), model: Arc::new(model) };
    *cache = Some(active.clone());
    Ok(active)
}

/// The campaigns engagement rules name, as `(id, name)`.
async fn rule_campaigns(conn: &mut Conn, model: &ScoringModel) -> Result<Vec<(CampaignId, String)>> {
    let names = model.campaign_names();
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = QueryBuilder::<Db>::new("SELECT id, name FROM campaigns WHERE lower(name) IN (");
    let mut sep = q.separated(", ");
    for n in names {
        sep.push_bind(n.to_lowercase());
    }
    q.push(")");
    let rows = q.build().fetch_all(&mut *conn).await.map_err(db)?;
    rows.iter()
        .map(|r| Ok((CampaignId(r.try_get("id")?), r.try_get("name")?)))
        .collect()
}

fn activity_kind(s: &str) -> Result<ActivityKind, sqlx::Error> {
    // The stored names are exact; a linear scan of seven beats the forgiving parser per row.
    ActivityKind::ALL.iter().copied().find(|k| k.as_str() == s).map_or_else(|| parse(s), Ok)
}

/// What scoring reads of an activity, with its time in whole seconds the same way on both
/// backends and on both paths (one account, or all of them).
fn fact_columns() -> String {
    format!("id, account_id, contact_id, kind, campaign_id, {} AS t", epoch_seconds("occurred_at"))
}

fn fact_row(r: &DbRow) -> Result<(AccountId, ActivityFact), sqlx::Error> {
    Ok((
        AccountId(r.try_get("account_id")?),
        ActivityFact {
            id: ActivityId(r.try_get("id")?),
            contact: r.try_get::<Option<i64>, _>("contact_id")?.map(ContactId),
            kind: activity_kind(r.try_get::<&str, _>("kind")?)?,
            campaign: r.try_get::<Option<i64>, _>("campaign_id")?.map(CampaignId),
            occurred_at: r.try_get("t")?,
        },
    ))
}

fn account_score_row(r: &DbRow) -> Result<StoredAccountScore, sqlx::Error> {
    let p = |c: &str| -> Result<Points, sqlx::Error> { Ok(Points(r.try_get(c)?)) };
    Ok(StoredAccountScore {
        score: AccountScore {
            account_id: AccountId(r.try_get("account_id")?),
            parts: scoring::OwnScore {
                fit: p("fit")?,
                engagement: p("engagement")?,
                people: p("people")?,
                breadth: p("breadth")?,
                own: p("own")?,
            },
            score: p("score")?,
        },
        model_id: r.try_get("model_id")?,
        computed_at: r.try_get("computed_at")?,
    })
}

/// Rows read at once by a whole recompute: a few megabytes of JSON.
const ROWS_PER_CHUNK: usize = 20_000;

/// Every row of `table` in id order, `select` (which names `id`) read `ROWS_PER_CHUNK` rows at a
/// time as one JSON text of `[columns...]` arrays, each decoded as `T` and handed to `each`. sqlx
/// hands rows over one by one (from SQLite about 100,000 contacts or 300,000 activities a second
/// on this machine); one text per chunk crosses the driver instead, and a whole recompute reads
/// several times faster.
async fn each_in_chunks<T: serde::de::DeserializeOwned>(
    conn: &mut Conn,
    table: &str,
    select: &str,
    columns: &str,
    mut each: impl FnMut(T) -> Result<()>,
) -> Result<()> {
    let sql = format!(
        "SELECT {} AS chunk, MAX(id) AS last FROM (SELECT {select} FROM {table} WHERE id > $1 ORDER BY id LIMIT {ROWS_PER_CHUNK}) x",
        json_rows(columns)
    );
    let mut after = i64::MIN;
    loop {
        let row = sqlx::query(&sql).bind(after).fetch_one(&mut *conn).await.map_err(db)?;
        let Some(last) = row.try_get::<Option<i64>, _>("last")? else { return Ok(()) };
        let chunk: String = row.try_get("chunk")?;
        let rows: Vec<T> = serde_json::from_str(&chunk).map_err(|e| db(sqlx::Error::Decode(Box::new(e))))?;
        for r in rows {
            each(r)?;
        }
        after = last;
    }
}

const ACCOUNT_SCORE_COLUMNS: &str = "account_id, fit, engagement, people, breadth, own, score, model_id, computed_at";

async fn stored_score(conn: &mut Conn, id: AccountId) -> Result<Option<StoredAccountScore>> {
    let row = sqlx::query(&format!("SELECT {ACCOUNT_SCORE_COLUMNS} FROM account_scores WHERE account_id = $1"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
    Ok(row.as_ref().map(account_score_row).transpose()?)
}

/// Writes account scores (insert or replace), many rows per statement.
async fn write_account_scores(conn: &mut Conn, scores: &[AccountScore], model_id: i64, at: DateTime<Utc>) -> Result<()> {
    for chunk in scores.chunks(CHUNK) {
        let mut q = QueryBuilder::<Db>::new(format!("INSERT INTO account_scores ({ACCOUNT_SCORE_COLUMNS}) "));
        q.push_values(chunk, |mut b, s| {
            b.push_bind(s.account_id.0)
                .push_bind(s.parts.fit.0)
                .push_bind(s.parts.engagement.0)
                .push_bind(s.parts.people.0)
                .push_bind(s.parts.breadth.0)
                .push_bind(s.parts.own.0)
                .push_bind(s.score.0)
                .push_bind(model_id)
                .push_bind(at);
        });
        q.push(
            " ON CONFLICT (account_id) DO UPDATE SET fit = excluded.fit, engagement = excluded.engagement, people = excluded.people, \
             breadth = excluded.breadth, own = excluded.own, score = excluded.score, model_id = excluded.model_id, computed_at = excluded.computed_at",
        );
        q.build().execute(&mut *conn).await.map_err(db)?;
    }
    Ok(())
}

/// Writes contact scores (insert or replace), many rows per statement.
async fn write_contact_scores(conn: &mut Conn, scores: &[(AccountId, ContactScore)], at: DateTime<Utc>) -> Result<()> {
    for chunk in scores.chunks(CHUNK) {
        let mut q = QueryBuilder::<Db>::new("INSERT INTO contact_scores (contact_id, account_id, fit, engagement, score, computed_at) ");
        q.push_values(chunk, |mut b, (account, s)| {
            b.push_bind(s.contact_id.0)
                .push_bind(account.0)
                .push_bind(s.fit.0)
                .push_bind(s.engagement.0)
                .push_bind(s.score.0)
                .push_bind(at);
        });
        q.push(
            " ON CONFLICT (contact_id) DO UPDATE SET account_id = excluded.account_id, fit = excluded.fit, \
             engagement = excluded.engagement, score = excluded.score, computed_at = excluded.computed_at",
        );
        q.build().execute(&mut *conn).await.map_err(db)?;
    }
    Ok(())
}

/// The subsidiaries of an account with their stored rolled-up scores (`None`: never scored).
async fn children_scores(conn: &mut Conn, id: AccountId) -> Result<Vec<(AccountId, Option<Points>)>> {
    let rows = sqlx::query("SELECT a.id, s.score FROM accounts a LEFT JOIN account_scores s ON s.account_id = a.id WHERE a.parent_id = $1 ORDER BY a.id")
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    rows.iter()
        .map(|r| Ok((AccountId(r.try_get("id")?), r.try_get::<Option<i64>, _>("score")?.map(Points))))
        .collect()
}

/// An account's inputs, read afresh.
struct Inputs {
    account: Account,
    contacts: Vec<Contact>,
    activities: Vec<ActivityFact>,
}

async fn inputs_of(conn: &mut Conn, id: AccountId) -> Result<Inputs> {
    let account = load_account(conn, id).await?;
    let contacts = sqlx::query(&format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE account_id = $1 ORDER BY id"))
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .iter()
        .map(contact_row)
        .collect::<Result<Vec<_>, _>>()?;
    let activities = sqlx::query(&format!("SELECT {} FROM activities WHERE account_id = $1", fact_columns()))
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .iter()
        .map(|r| fact_row(r).map(|(_, f)| f))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Inputs { account, contacts, activities })
}

/// Scores one account afresh and writes its and its contacts' scores. Subsidiaries' stored
/// scores are used; one never scored is scored first (only roll-ups other than `own` read them).
async fn rescore_one(conn: &mut Conn, scorer: &Scorer<'_>, model_id: i64, id: AccountId) -> Result<AccountScore> {
    // Depth first through subsidiaries that have no score yet, each after its own.
    let mut stack = vec![(id, false)];
    let mut fresh: HashMap<AccountId, Points> = HashMap::new();
    let mut last = None;
    while let Some((at, expanded)) = stack.pop() {
        let children = if scorer.model().account.rollup == Rollup::Own {
            Vec::new()
        } else {
            children_scores(conn, at).await?
        };
        if !expanded {
            stack.push((at, true));
            for (child, score) in &children {
                if score.is_none() && !fresh.contains_key(child) {
                    stack.push((*child, false));
                }
            }
            continue;
        }
        let children: Vec<(AccountId, Points)> = children
            .into_iter()
            .map(|(c, s)| (c, s.or_else(|| fresh.get(&c).copied()).unwrap_or_default()))
            .collect();
        let inputs = inputs_of(conn, at).await?;
        let facts = AccountFacts {
            account: &inputs.account,
            contacts: &inputs.contacts,
            activities: &inputs.activities,
            children: &children,
        };
        let (score, contacts) = scorer.score_account(&facts);
        let now = scorer.now();
        write_account_scores(conn, &[score], model_id, now).await?;
        // Rows of contacts merged, deleted or moved away since go; the present ones are written.
        sqlx::query("DELETE FROM contact_scores WHERE account_id = $1").bind(at.0).execute(&mut *conn).await.map_err(db)?;
        let rows: Vec<(AccountId, ContactScore)> = contacts.into_iter().map(|c| (at, c)).collect();
        write_contact_scores(conn, &rows, now).await?;
        fresh.insert(at, score.score);
        last = Some(score);
    }
    last.ok_or(StoreError::NotFound { entity: "account", id: id.0 })
}

/// What the stage rules need besides the score: the account's stage and relationship, its
/// oldest open and its latest won opportunity, and what its assets say today.
pub(crate) async fn stage_facts(conn: &mut Conn, id: AccountId, score: Points) -> Result<StageFacts> {
    let row = sqlx::query(
        "SELECT a.stage, a.relationship,
           (SELECT o.id FROM opportunities o WHERE o.account_id = a.id AND o.stage NOT IN ('closed_won', 'closed_lost') ORDER BY o.created_at, o.id LIMIT 1) AS open_id,
           (SELECT o.id FROM opportunities o WHERE o.account_id = a.id AND o.stage = 'closed_won' ORDER BY o.updated_at DESC, o.id DESC LIMIT 1) AS won_id,
           (SELECT s.id FROM assets s WHERE s.account_id = a.id AND (s.renews_on IS NULL OR s.renews_on >= $2) ORDER BY s.id LIMIT 1) AS active_asset_id,
           (SELECT MAX(s.renews_on) FROM assets s WHERE s.account_id = a.id) AS last_renewal
         FROM accounts a WHERE a.id = $1",
    )
    .bind(id.0)
    .bind(today())
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?
    .ok_or(StoreError::NotFound { entity: "account", id: id.0 })?;
    Ok(StageFacts {
        current: parse(row.try_get::<&str, _>("stage")?)?,
        relationship: parse(row.try_get::<&str, _>("relationship")?)?,
        score,
        open_opportunity: row.try_get::<Option<i64>, _>("open_id")?.map(OpportunityId),
        won_opportunity: row.try_get::<Option<i64>, _>("won_id")?.map(OpportunityId),
        assets: asset_facts(row.try_get::<Option<i64>, _>("active_asset_id")?.map(AssetId), row.try_get("last_renewal")?),
    })
}

/// The day whose assets are in force: renewal dates are days, in UTC like every stored time.
fn today() -> NaiveDate {
    now().date_naive()
}

/// What an account's assets say: one in force, or (when none is) the last renewal missed.
fn asset_facts(active: Option<AssetId>, last_renewal: Option<NaiveDate>) -> AssetFacts {
    AssetFacts { active, lapsed_on: if active.is_some() { None } else { last_renewal } }
}

/// Moves an account to a stage with a reason: the stage, its history row and an audit row.
async fn move_stage(tx: &mut Tx<'_>, actor: &Actor, id: AccountId, from: AccountStage, m: StageMove, at: DateTime<Utc>) -> Result<()> {
    move_stages(tx, actor, &[(id, from, m)], at).await
}

/// Moves accounts' stages (a full recompute's many, or [`move_stage`]'s one): the stage and the
/// relationship that goes with it, a history row and an audit row each, in a few multi-row
/// statements.
async fn move_stages(tx: &mut Tx<'_>, actor: &Actor, moves: &[(AccountId, AccountStage, StageMove)], at: DateTime<Utc>) -> Result<()> {
    if moves.is_empty() {
        return Ok(());
    }
    let mut by_stage: BTreeMap<(&str, &str), Vec<i64>> = BTreeMap::new();
    for (id, _, m) in moves {
        by_stage.entry((m.to.as_str(), m.relationship.as_str())).or_default().push(id.0);
    }
    for ((to, relationship), ids) in by_stage {
        let mut q = QueryBuilder::<Db>::new("UPDATE accounts SET stage = ");
        q.push_bind(to).push(", relationship = ").push_bind(relationship).push(", updated_at = ").push_bind(at).push(" WHERE id IN (");
        let mut sep = q.separated(", ");
        for id in ids {
            sep.push_bind(id);
        }
        q.push(")");
        q.build().execute(&mut **tx).await.map_err(db)?;
    }
    let mut q = QueryBuilder::<Db>::new("INSERT INTO account_stage_history (account_id, from_stage, to_stage, reason, changed_at) ");
    q.push_values(moves, |mut b, (id, from, m)| {
        b.push_bind(id.0).push_bind(from.as_str()).push_bind(m.to.as_str()).push_bind(m.reason.as_str()).push_bind(at);
    });
    q.build().execute(&mut **tx).await.map_err(db)?;
    let audits: Vec<AuditRow> = moves
        .iter()
        .map(|(id, from, m)| AuditRow {
            entity: "account",
            id: id.0,
            action: "stage",
            before: None,
            after: Some(Json(serde_json::json!({ "from": from, "to": m.to, "relationship": m.relationship, "reason": m.reason }))),
        })
        .collect();
    audit_many(tx, actor, &audits).await?;
    Ok(())
}

/// Applies the stage rules to an account with this score; true when it moved.
async fn apply_stage_rules(tx: &mut Tx<'_>, actor: &Actor, model: &ScoringModel, id: AccountId, score: Points, at: DateTime<Utc>) -> Result<bool> {
    let facts = stage_facts(tx, id, score).await?;
    match scoring::next_stage(&model.stages, &model.name, &facts) {
        Some(m) => {
            move_stage(tx, actor, id, facts.current, m, at).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Brings an account's score, its ancestors' roll-ups and their stages up to date after a
/// write to its activities, people or opportunities: the incremental path. The scores are as
/// of now; `abcrm score recompute` at the same moment gives the same numbers.
async fn settle_accounts(store: &ThisStore, tx: &mut Tx<'_>, actor: &Actor, accounts: &[AccountId]) -> Result<()> {
    if accounts.is_empty() || store.scoring.paused.load(std::sync::atomic::Ordering::Relaxed) {
        return Ok(());
    }
    let active = active_model(store, tx).await?;
    let campaigns = rule_campaigns(tx, &active.model).await?;
    let scorer = Scorer::new(&active.model, &campaigns, now());
    let mut ids = accounts.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        settle_one(tx, actor, &scorer, active.id(), id).await?;
    }
    Ok(())
}

async fn settle_one(tx: &mut Tx<'_>, actor: &Actor, scorer: &Scorer<'_>, model_id: i64, id: AccountId) -> Result<()> {
    let model = scorer.model();
    let at = scorer.now();
    let score = rescore_one(tx, scorer, model_id, id).await?;
    apply_stage_rules(tx, actor, model, id, score.score, at).await?;
    if model.account.rollup == Rollup::Own {
        return Ok(());
    }
    // Up the hierarchy: each ancestor's own score stands; its roll-up takes in the change.
    // An account met twice is a loop in the links (an older version could write one): the
    // walk ends there, where a roll-up would otherwise grow around the loop forever.
    let mut child = id;
    let mut walked = HashSet::from([id]);
    loop {
        let parent: Option<i64> = sqlx::query("SELECT parent_id FROM accounts WHERE id = $1")
            .bind(child.0)
            .fetch_one(&mut **tx)
            .await
            .map_err(db)?
            .try_get("parent_id")?;
        let Some(parent) = parent.map(AccountId).filter(|p| walked.insert(*p)) else { break };
        let rolled = match stored_score(tx, parent).await? {
            Some(stored) => {
                let children: Vec<(AccountId, Points)> = children_scores(tx, parent)
                    .await?
                    .into_iter()
                    .map(|(c, s)| (c, s.unwrap_or_default()))
                    .collect();
                let mut s = stored.score;
                s.score = scorer.rollup(s.parts.own, &children);
                if s.score == stored.score.score {
                    break;
                }
                write_account_scores(tx, &[s], model_id, at).await?;
                s
            }
            None => rescore_one(tx, scorer, model_id, parent).await?,
        };
        apply_stage_rules(tx, actor, model, parent, rolled.score, at).await?;
        child = parent;
    }
    Ok(())
}

async fn explain_in(store: &ThisStore, conn: &mut Conn, id: AccountId, at: DateTime<Utc>) -> Result<scoring::Explanation> {
    let active = active_model(store, conn).await?;
    let campaigns = rule_campaigns(conn, &active.model).await?;
    let scorer = Scorer::new(&active.model, &campaigns, at);
    let inputs = inputs_of(conn, id).await?;
    let children: Vec<(AccountId, Points)> = if active.model.account.rollup == Rollup::Own {
        Vec::new()
    } else {
        children_scores(conn, id).await?.into_iter().map(|(c, s)| (c, s.unwrap_or_default())).collect()
    };
    let mut e = scorer.explain_account(&AccountFacts {
        account: &inputs.account,
        contacts: &inputs.contacts,
        activities: &inputs.activities,
        children: &children,
    });
    e.model = format!("{} v{}", active.record.name, active.record.version);
    Ok(e)
}

/// Every score afresh under one scorer: what a recompute writes and a model preview shows.
struct Computed {
    /// Each account with the stage and relationship it has now.
    accounts: Vec<(AccountId, AccountStage, Relationship)>,
    account_scores: Vec<AccountScore>,
    contact_scores: Vec<ContactScore>,
    account_of: HashMap<ContactId, AccountId>,
    activities: u64,
    read_seconds: f64,
    score_seconds: f64,
}

/// Accounts, contacts and activities streamed through core's [`Recompute`] (activities are not
/// kept), then scored.
async fn compute_all(
    store: &ThisStore,
    conn: &mut Conn,
    scorer: &Scorer<'_>,
    progress: &(dyn Fn(RecomputeProgress) + Send + Sync),
) -> Result<Computed> {
    let started = std::time::Instant::now();
    let counts = store.counts().await?;
    let mut rc = Recompute::new(scorer);
    let mut accounts: Vec<(AccountId, AccountStage, Relationship)> = Vec::new();
    let step = |phase, done, total| progress(RecomputeProgress { phase, done, total });

    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts");
    let mut rows = sqlx::query(&sql).fetch(&mut *conn);
    while let Some(r) = rows.try_next().await.map_err(db)? {
        let a = account_row(&r)?;
        accounts.push((a.id, a.stage, a.relationship));
        rc.add_account(&a);
        if accounts.len().is_multiple_of(10_000) {
            step("accounts", accounts.len() as u64, counts.accounts as u64);
        }
    }
    drop(rows);
    step("accounts", accounts.len() as u64, counts.accounts as u64);
    // Contacts and activities, most of what is read, come a chunk at a time as one JSON text.
    let mut contacts = 0u64;
    let mut account_of: HashMap<ContactId, AccountId> = HashMap::with_capacity(counts.contacts as usize);
    each_in_chunks(&mut *conn, "contacts", CONTACT_COLUMNS, CONTACT_COLUMNS, |row: ContactJson| {
        let contact = contact_of_json(row)?;
        account_of.insert(contact.id, contact.account_id);
        rc.add_contact(&contact);
        contacts += 1;
        if contacts.is_multiple_of(50_000) {
            step("contacts", contacts, counts.contacts as u64);
        }
        Ok(())
    })
    .await?;
    step("contacts", contacts, counts.contacts as u64);
    let mut activities = 0u64;
    let columns = "id, account_id, contact_id, kind, campaign_id, t";
    each_in_chunks(&mut *conn, "activities", &fact_columns(), columns, |(id, account, contact, kind, campaign, t): (i64, i64, Option<i64>, String, Option<i64>, i64)| {
        let fact = ActivityFact {
            id: ActivityId(id),
            contact: contact.map(ContactId),
            kind: activity_kind(&kind)?,
            campaign: campaign.map(CampaignId),
            occurred_at: t,
        };
        rc.add_activity(AccountId(account), &fact);
        activities += 1;
        if activities.is_multiple_of(250_000) {
            step("activities", activities, counts.activities as u64);
        }
        Ok(())
    })
    .await?;
    step("activities", activities, counts.activities as u64);
    let read_seconds = started.elapsed().as_secs_f64();

    let scored = std::time::Instant::now();
    let (account_scores, contact_scores) = rc.finish();
    Ok(Computed {
        accounts,
        account_scores,
        contact_scores,
        account_of,
        activities,
        read_seconds,
        score_seconds: scored.elapsed().as_secs_f64(),
    })
}

/// The stage each account would move to under `model` with its computed score: every account's
/// opportunities and assets read in one pass each.
async fn stage_moves(conn: &mut Conn, model: &ScoringModel, computed: &Computed) -> Result<Vec<(AccountId, AccountStage, StageMove)>> {
    let mut opps: HashMap<AccountId, (Option<OpportunityId>, Option<OpportunityId>)> = HashMap::new();
    let rows = sqlx::query("SELECT id, account_id, stage FROM opportunities ORDER BY created_at, id")
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    for r in &rows {
        let id = OpportunityId(r.try_get("id")?);
        let entry = opps.entry(AccountId(r.try_get("account_id")?)).or_default();
        match r.try_get::<&str, _>("stage")? {
            "closed_won" => entry.1 = Some(id),
            "closed_lost" => {}
            _ => {
                entry.0.get_or_insert(id);
            }
        }
    }
    let mut assets: HashMap<AccountId, AssetFacts> = HashMap::new();
    let rows = sqlx::query(
        "SELECT account_id, MIN(CASE WHEN renews_on IS NULL OR renews_on >= $1 THEN id END) AS active_id, MAX(renews_on) AS last_renewal
         FROM assets GROUP BY account_id",
    )
    .bind(today())
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    for r in &rows {
        let facts = asset_facts(r.try_get::<Option<i64>, _>("active_id")?.map(AssetId), r.try_get("last_renewal")?);
        assets.insert(AccountId(r.try_get("account_id")?), facts);
    }
    let by_account: HashMap<AccountId, Points> = computed.account_scores.iter().map(|s| (s.account_id, s.score)).collect();
    let mut moves = Vec::new();
    for (id, current, relationship) in &computed.accounts {
        let (open, won) = opps.get(id).copied().unwrap_or_default();
        let facts = StageFacts {
            current: *current,
            relationship: *relationship,
            score: by_account.get(id).copied().unwrap_or_default(),
            open_opportunity: open,
            won_opportunity: won,
            assets: assets.get(id).copied().unwrap_or_default(),
        };
        if let Some(m) = scoring::next_stage(&model.stages, &model.name, &facts) {
            moves.push((*id, *current, m));
        }
    }
    Ok(moves)
}

/// Every score afresh, then written, then the stage rules applied.
async fn recompute_in(
    store: &ThisStore,
    actor: &Actor,
    at: DateTime<Utc>,
    progress: &(dyn Fn(RecomputeProgress) + Send + Sync),
) -> Result<RecomputeSummary> {
    let mut conn = store.pool.acquire().await.map_err(db)?;
    let active = active_model(store, &mut conn).await?;
    let campaigns = rule_campaigns(&mut conn, &active.model).await?;
    let scorer = Scorer::new(&active.model, &campaigns, at);
    let computed = compute_all(store, &mut conn, &scorer, progress).await?;
    let step = |phase, done, total| progress(RecomputeProgress { phase, done, total });

    let written = std::time::Instant::now();
    let total = (computed.account_scores.len() + computed.contact_scores.len()) as u64;
    drop(conn);
    let mut tx = begin_write(&store.pool).await.map_err(db)?;
    // Scores of records gone since are dropped; every present one is written below.
    sqlx::query("DELETE FROM contact_scores").execute(&mut *tx).await.map_err(db)?;
    sqlx::query("DELETE FROM account_scores").execute(&mut *tx).await.map_err(db)?;
    let mut done = 0u64;
    for chunk in computed.account_scores.chunks(10_000) {
        write_account_scores(&mut tx, chunk, active.id(), at).await?;
        done += chunk.len() as u64;
        step("writing scores", done, total);
    }
    for chunk in computed.contact_scores.chunks(10_000) {
        let rows: Vec<(AccountId, ContactScore)> = chunk
            .iter()
            .map(|c| (computed.account_of.get(&c.contact_id).copied().unwrap_or(AccountId(0)), *c))
            .collect();
        write_contact_scores(&mut tx, &rows, at).await?;
        done += chunk.len() as u64;
        step("writing scores", done, total);
    }

    let moves = stage_moves(&mut tx, &active.model, &computed).await?;
    let mut moved = 0u64;
    for chunk in moves.chunks(CHUNK) {
        move_stages(&mut tx, actor, chunk, at).await?;
        moved += chunk.len() as u64;
        step("stages", moved, moves.len() as u64);
    }
    step("stages", moves.len() as u64, moves.len() as u64);
    tx.commit().await.map_err(db)?;
    Ok(RecomputeSummary {
        model: active.record.name.clone(),
        model_version: active.record.version,
        accounts: computed.account_scores.len() as u64,
        contacts: computed.contact_scores.len() as u64,
        activities: computed.activities,
        stage_changes: moves.len() as u64,
        missing_campaigns: scorer.missing_campaigns().into_iter().map(String::from).collect(),
        read_seconds: computed.read_seconds,
        score_seconds: computed.score_seconds,
        write_seconds: written.elapsed().as_secs_f64(),
    })
}

/// What saving `body` and recomputing would do to the accounts' stages, with nothing written:
/// the same reading, scoring and stage rules as [`recompute_in`], under the candidate model.
async fn preview_model_in(store: &ThisStore, body: &str, at: DateTime<Utc>, examples: usize) -> Result<ModelPreview> {
    let model = parse_model_field(body)?;
    let mut conn = store.pool.acquire().await.map_err(db)?;
    let campaigns = rule_campaigns(&mut conn, &model).await?;
    let scorer = Scorer::new(&model, &campaigns, at);
    let computed = compute_all(store, &mut conn, &scorer, &|_| {}).await?;
    let moves = stage_moves(&mut conn, &model, &computed).await?;

    let mut shifts: Vec<StageShift> = Vec::new();
    for (_, from, m) in &moves {
        match shifts.iter_mut().find(|s| s.from == *from && s.to == m.to) {
            Some(s) => s.accounts += 1,
            None => shifts.push(StageShift { from: *from, to: m.to, accounts: 1 }),
        }
    }
    shifts.sort_by(|a, b| b.accounts.cmp(&a.accounts).then(a.from.cmp(&b.from)).then(a.to.cmp(&b.to)));

    // The examples: the accounts that move with the highest new scores, beside their stored one.
    let new_score: HashMap<AccountId, Points> = computed.account_scores.iter().map(|s| (s.account_id, s.score)).collect();
    let mut picked: Vec<&(AccountId, AccountStage, StageMove)> = moves.iter().collect();
    picked.sort_by(|a, b| new_score.get(&b.0).cmp(&new_score.get(&a.0)).then(a.0.cmp(&b.0)));
    picked.truncate(examples);
    let mut moved = Vec::with_capacity(picked.len());
    for (id, from, m) in picked {
        let name: String = sqlx::query("SELECT name FROM accounts WHERE id = $1")
            .bind(id.0)
            .fetch_one(&mut *conn)
            .await
            .map_err(db)?
            .try_get("name")?;
        let stored = stored_score(&mut conn, *id).await?.map(|s| s.score.score);
        moved.push(PreviewedMove {
            account_id: *id,
            name,
            from: *from,
            to: m.to,
            score_now: stored,
            score_after: new_score.get(id).copied().unwrap_or_default(),
            reason: m.reason.clone(),
        });
    }
    Ok(ModelPreview {
        name: model.name.clone(),
        accounts: computed.accounts.len() as u64,
        stage_changes: moves.len() as u64,
        shifts,
        examples: moved,
        missing_campaigns: scorer.missing_campaigns().into_iter().map(String::from).collect(),
    })
}

/// The model in `body`, or a refusal naming the field, its line and column.
fn parse_model_field(body: &str) -> Result<ScoringModel> {
    scoring::parse_model(body).map_err(|e| {
        invalid("body", format!("the scoring model is not valid at line {}, column {}: {}", e.line, e.column, e.message))
    })
}

async fn save_model_in(store: &ThisStore, actor: &Actor, body: &str) -> Result<ScoringModelRecord> {
    let model = parse_model_field(body)?;
    let mut tx = begin_write(&store.pool).await.map_err(db)?;
    let version: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM scoring_models WHERE name = $1")
        .bind(&model.name)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?
        .try_get::<i32, _>("v")?
        .into();
    sqlx::query("UPDATE scoring_models SET active = FALSE WHERE active = TRUE").execute(&mut *tx).await.map_err(db)?;
    let row = sqlx::query("INSERT INTO scoring_models (name, version, body, active, created_at) VALUES ($1, $2, $3, TRUE, $4) RETURNING id, name, version, body, active, created_at")
        .bind(&model.name)
        .bind((version + 1) as i32)
        .bind(body)
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
    let record = model_record_row(&row)?;
    let note = serde_json::json!({ "name": record.name, "version": record.version });
    audit::<(), _>(&mut tx, actor, "scoring_model", record.id.unwrap_or_default(), "create", None, Some(&note)).await?;
    tx.commit().await.map_err(db)?;
    Ok(record)
}

async fn list_models_in(conn: &mut Conn) -> Result<Vec<ScoringModelRecord>> {
    let rows = sqlx::query("SELECT id, name, version, body, active, created_at FROM scoring_models ORDER BY id DESC")
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    let mut out = rows.iter().map(model_record_row).collect::<Result<Vec<_>, _>>()?;
    if !out.iter().any(|m| m.active) {
        out.push(default_model_record());
    }
    Ok(out)
}

async fn top_accounts_in(conn: &mut Conn, limit: u32) -> Result<Vec<StoredAccountScore>> {
    let rows = sqlx::query(&format!("SELECT {ACCOUNT_SCORE_COLUMNS} FROM account_scores ORDER BY score DESC, account_id LIMIT $1"))
        .bind(i64::from(limit.clamp(1, 1000)))
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    Ok(rows.iter().map(account_score_row).collect::<Result<Vec<_>, _>>()?)
}

/// The distinct accounts of these activities.
async fn accounts_of_activities(conn: &mut Conn, ids: &[ActivityId]) -> Result<Vec<AccountId>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let mut q = QueryBuilder::<Db>::new("SELECT DISTINCT account_id FROM activities WHERE id IN (");
        let mut sep = q.separated(", ");
        for id in chunk {
            sep.push_bind(id.0);
        }
        q.push(")");
        for r in q.build().fetch_all(&mut *conn).await.map_err(db)? {
            out.push(AccountId(r.try_get("account_id")?));
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}
