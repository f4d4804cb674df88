// Intake, the review queue and contact merges, written once for both backends. Like
// `shared.rs`, this file is `include!`d by `sqlite.rs` and `postgres.rs` after `shared.rs`, and
// uses its building blocks.

use crate::{Change, IntakeApplied, IntakeQuery, MatchSnapshot};
use abcrm_core::intake::{placed_contact, ContactFill, IntakePlan, PlannedRecord};
use abcrm_core::matching::{AccountEntry, Candidate, ContactEntry, PersonRecord, ReviewEntry};
use abcrm_core::normalize::title::parse_title;
use serde::Deserialize;

/// Rows per multi-row INSERT: well under both backends' bound-parameter limits (SQLite 32,766,
/// PostgreSQL 65,535) at 14 columns.
const CHUNK: usize = 1000;

const INTAKE_COLUMNS: &str = "id, source, source_key, received_at, payload, observations, outcome, rule, confidence, candidates, explanation, account_id, contact_id, resolved_at, resolution, duplicate_of, person";

fn intake_row(r: &DbRow) -> Result<IntakeRecord, sqlx::Error> {
    let payload: Json<PersonRecord> = r.try_get("payload")?;
    let candidates: Option<Json<Vec<Candidate>>> = r.try_get("candidates")?;
    let observations: Option<Json<serde_json::Value>> = r.try_get("observations")?;
    let person: Option<Json<PersonContext>> = r.try_get("person")?;
    Ok(IntakeRecord {
        id: r.try_get("id")?,
        source: r.try_get("source")?,
        source_key: r.try_get("source_key")?,
        received_at: r.try_get("received_at")?,
        payload: payload.0,
        observations: observations.map(|o| o.0).unwrap_or_else(|| serde_json::Value::Object(Default::default())),
        outcome: parse(r.try_get::<&str, _>("outcome")?)?,
        rule: r.try_get("rule")?,
        confidence: r.try_get("confidence")?,
        candidates: candidates.map(|c| c.0).unwrap_or_default(),
        explanation: r.try_get("explanation")?,
        account_id: r.try_get::<Option<i64>, _>("account_id")?.map(AccountId),
        contact_id: r.try_get::<Option<i64>, _>("contact_id")?.map(ContactId),
        resolved_at: r.try_get("resolved_at")?,
        resolution: r.try_get("resolution")?,
        duplicate_of: r.try_get("duplicate_of")?,
        duplicates: Vec::new(),
        person: person.map(|p| p.0).unwrap_or_default(),
    })
}

/// Fills in each record's `duplicates`: the records attached to it, oldest first.
async fn with_duplicates(conn: &mut <Db as sqlx::Database>::Connection, records: &mut [IntakeRecord]) -> Result<()> {
    let at: HashMap<i64, usize> = records.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    for chunk in records.iter().map(|r| r.id).collect::<Vec<_>>().chunks(CHUNK) {
        let mut q = QueryBuilder::<Db>::new("SELECT id, duplicate_of FROM intake_records WHERE duplicate_of IN (");
        let mut sep = q.separated(", ");
        for id in chunk {
            sep.push_bind(*id);
        }
        q.push(") ORDER BY id");
        for r in q.build().fetch_all(&mut *conn).await.map_err(db)? {
            if let Some(&i) = at.get(&r.try_get::<i64, _>("duplicate_of")?) {
                records[i].duplicates.push(r.try_get("id")?);
            }
        }
    }
    Ok(())
}

async fn load_intake(conn: &mut <Db as sqlx::Database>::Connection, id: i64) -> Result<IntakeRecord> {
    read_intake(conn, id, "").await
}

/// [`load_intake`] for a read-modify-write: the row stays locked until the transaction ends.
async fn load_intake_for_update(tx: &mut Tx<'_>, id: i64) -> Result<IntakeRecord> {
    read_intake(tx, id, FOR_UPDATE).await
}

async fn read_intake(conn: &mut <Db as sqlx::Database>::Connection, id: i64, lock: &str) -> Result<IntakeRecord> {
    let row = sqlx::query(&format!("SELECT {INTAKE_COLUMNS} FROM intake_records WHERE id = $1{lock}"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound { entity: "intake record", id })?;
    let mut record = [intake_row(&row)?];
    with_duplicates(conn, &mut record).await?;
    let [record] = record;
    Ok(record)
}

/// One audit row to write in bulk.
struct AuditRow {
    entity: &'static str,
    id: i64,
    action: &'static str,
    before: Option<Json<serde_json::Value>>,
    after: Option<Json<serde_json::Value>>,
}

async fn audit_many(tx: &mut Tx<'_>, actor: &Actor, rows: &[AuditRow]) -> Result<Vec<i64>> {
    let at = now();
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(CHUNK) {
        let mut q = QueryBuilder::<Db>::new("INSERT INTO audit_log (at, actor, user_id, entity, entity_id, action, before, after) ");
        q.push_values(chunk, |mut b, r| {
            b.push_bind(at)
                .push_bind(&actor.label)
                .push_bind(actor.user_id.map(|u| u.0))
                .push_bind(r.entity)
                .push_bind(r.id)
                .push_bind(r.action)
                .push_bind(r.before.clone())
                .push_bind(r.after.clone());
        });
        ids.extend(insert_ids(tx, "audit_log", q).await?);
    }
    Ok(ids)
}

async fn intake_snapshot(pool: &sqlx::Pool<Db>) -> Result<MatchSnapshot> {
    let mut conn = pool.acquire().await.map_err(db)?;
    // Read the audit position first: anything committed after it is replayed by the caller,
    // so the snapshot may be a little newer than its position but never older.
    let through: Option<i64> = sqlx::query("SELECT MAX(id) AS m FROM audit_log").fetch_one(&mut *conn).await.map_err(db)?.try_get("m")?;
    let accounts = account_entries(&mut conn, None).await?;
    let contacts = contact_entries(&mut conn, None).await?;
    let mut reviews = Vec::new();
    for r in sqlx::query("SELECT id, payload, duplicate_of FROM intake_records WHERE outcome = $1 ORDER BY id")
        .bind(IntakeOutcome::NeedsReview.as_str())
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
    {
        let person: Json<PersonRecord> = r.try_get("payload")?;
        reviews.push(ReviewEntry { id: r.try_get("id")?, duplicate_of: r.try_get("duplicate_of")?, person: person.0 });
    }
    Ok(MatchSnapshot { accounts, contacts, reviews, through_audit_id: through.unwrap_or(0) })
}

/// Accounts as the matcher sees them: all of them, or those with the given ids.
async fn account_entries(conn: &mut <Db as sqlx::Database>::Connection, ids: Option<&[i64]>) -> Result<Vec<AccountEntry>> {
    let mut q = QueryBuilder::<Db>::new("SELECT id, name, duns, country, state, city, parent_id FROM accounts");
    if let Some(ids) = ids {
        q.push(" WHERE id IN (");
        let mut sep = q.separated(", ");
        for id in ids {
            sep.push_bind(*id);
        }
        q.push(")");
    }
    q.push(" ORDER BY id");
    let rows = q.build().fetch_all(&mut *conn).await.map_err(db)?;
    let mut by_id: HashMap<i64, usize> = HashMap::with_capacity(rows.len());
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        by_id.insert(id, out.len());
        out.push(AccountEntry {
            id: AccountId(id),
            name: r.try_get("name")?,
            domains: Vec::new(),
            duns: r.try_get("duns")?,
            country: r.try_get("country")?,
            state: r.try_get("state")?,
            city: r.try_get("city")?,
            parent_id: r.try_get::<Option<i64>, _>("parent_id")?.map(AccountId),
        });
    }
    let mut q = QueryBuilder::<Db>::new("SELECT account_id, domain FROM account_domains");
    if let Some(ids) = ids {
        q.push(" WHERE account_id IN (");
        let mut sep = q.separated(", ");
        for id in ids {
            sep.push_bind(*id);
        }
        q.push(")");
    }
    q.push(" ORDER BY account_id, position");
    for r in q.build().fetch_all(&mut *conn).await.map_err(db)? {
        if let Some(&i) = by_id.get(&r.try_get::<i64, _>("account_id")?) {
            out[i].domains.push(r.try_get("domain")?);
        }
    }
    Ok(out)
}

async fn contact_entries(conn: &mut <Db as sqlx::Database>::Connection, ids: Option<&[i64]>) -> Result<Vec<ContactEntry>> {
    let mut q = QueryBuilder::<Db>::new("SELECT id, account_id, email, first_name, last_name, phone, title FROM contacts");
    if let Some(ids) = ids {
        q.push(" WHERE id IN (");
        let mut sep = q.separated(", ");
        for id in ids {
            sep.push_bind(*id);
        }
        q.push(")");
    }
    q.push(" ORDER BY id");
    let rows = q.build().fetch_all(&mut *conn).await.map_err(db)?;
    rows.iter()
        .map(|r| {
            Ok(ContactEntry {
                id: ContactId(r.try_get("id")?),
                account_id: AccountId(r.try_get("account_id")?),
                email: r.try_get("email")?,
                first_name: r.try_get("first_name")?,
                last_name: r.try_get("last_name")?,
                phone: r.try_get("phone")?,
                title: r.try_get("title")?,
            })
        })
        .collect()
}

async fn intake_entries(pool: &sqlx::Pool<Db>, accounts: &[AccountId], contacts: &[ContactId]) -> Result<(Vec<AccountEntry>, Vec<ContactEntry>)> {
    let mut conn = pool.acquire().await.map_err(db)?;
    let mut a = Vec::new();
    for chunk in accounts.chunks(CHUNK) {
        let ids: Vec<i64> = chunk.iter().map(|i| i.0).collect();
        a.extend(account_entries(&mut conn, Some(&ids)).await?);
    }
    let mut c = Vec::new();
    for chunk in contacts.chunks(CHUNK) {
        let ids: Vec<i64> = chunk.iter().map(|i| i.0).collect();
        c.extend(contact_entries(&mut conn, Some(&ids)).await?);
    }
    Ok((a, c))
}

async fn intake_changes(pool: &sqlx::Pool<Db>, after: i64, limit: u32) -> Result<Vec<Change>> {
    // A range of the primary key, filtered here: with the entity in the WHERE clause SQLite
    // prefers the (entity, entity_id) index and walks every contact's audit row.
    let rows = sqlx::query("SELECT id, entity, entity_id FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2")
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .map_err(db)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let entity: String = r.try_get("entity")?;
        if entity == "account" || entity == "contact" || entity == "intake_record" {
            out.push(Change { audit_id: r.try_get("id")?, entity, entity_id: r.try_get("entity_id")? });
        }
    }
    // The last id read, so the caller moves past rows of other entities too.
    if let Some(last) = rows.last().map(|r| r.try_get::<i64, _>("id")).transpose()? {
        if out.last().map(|c| c.audit_id) != Some(last) {
            out.push(Change { audit_id: last, entity: String::new(), entity_id: 0 });
        }
    }
    Ok(out)
}

async fn intake_known_keys(pool: &sqlx::Pool<Db>, source: &str, keys: &[String]) -> Result<HashSet<String>> {
    let mut out = HashSet::new();
    for chunk in keys.chunks(CHUNK) {
        let mut q = QueryBuilder::<Db>::new("SELECT source_key FROM intake_records WHERE source = ");
        q.push_bind(source).push(" AND source_key IN (");
        let mut sep = q.separated(", ");
        for k in chunk {
            sep.push_bind(k);
        }
        q.push(")");
        for r in q.build().fetch_all(pool).await.map_err(db)? {
            out.insert(r.try_get::<String, _>("source_key")?);
        }
    }
    Ok(out)
}

async fn intake_apply(pool: &sqlx::Pool<Db>, actor: &Actor, source: &str, plan: &IntakePlan) -> Result<IntakeApplied> {
    let started = std::time::Instant::now();
    let mut tx = begin_write(pool).await.map_err(db)?;
    let mut applied = IntakeApplied::default();

    // New accounts, each with its domains, first stage, provenance (whatever the record offered,
    // such as a migrated lead's company fields, came from outside) and audit row. A domain taken
    // since the index looked fails its unique index: a conflict, and the batch is planned again.
    let mut new_accounts = Vec::with_capacity(plan.accounts.len());
    for p in &plan.accounts {
        let a = p.account.clone().validate()?;
        if let Some(parent) = a.parent_id {
            check_parent(&mut tx, None, parent).await?;
        }
        if let Some(o) = a.owner_id {
            require(&mut tx, "users", "user", "owner_id", o.0).await?;
        }
        new_accounts.push(a);
    }
    let (ids, audit_ids) = insert_accounts(&mut tx, actor, source, &new_accounts, &[]).await?;
    let real_account: HashMap<AccountId, AccountId> = plan.accounts.iter().map(|p| p.id).zip(ids.iter().copied()).collect();
    applied.accounts = ids;
    applied.audit_ids.extend(audit_ids);
    let account_of = |id: AccountId| real_account.get(&id).copied().unwrap_or(id);

    // New contacts, many per batch: multi-row inserts. Emails were checked against the index;
    // one taken since then fails the unique index and refuses the batch as a conflict.
    let at = now();
    let mut contacts: Vec<Contact> = Vec::with_capacity(plan.contacts.len());
    for chunk in plan.contacts.chunks(CHUNK) {
        let mut valid = Vec::with_capacity(chunk.len());
        for p in chunk {
            let mut c = p.contact.clone().validate()?;
            c.account_id = account_of(c.account_id);
            valid.push(c);
        }
        let mut q = QueryBuilder::<Db>::new("INSERT INTO contacts (account_id, first_name, last_name, email, phone, title, seniority, department, buying_role, status, owner_id, source, created_at, updated_at) ");
        q.push_values(&valid, |mut b, c| {
            let created = c.created_at.map(|t| t.trunc_subsecs(6)).unwrap_or(at);
            b.push_bind(c.account_id.0)
                .push_bind(c.first_name.clone())
                .push_bind(c.last_name.clone())
                .push_bind(c.email.as_ref().map(|e| e.as_str().to_string()))
                .push_bind(c.phone.clone())
                .push_bind(c.title.clone())
                .push_bind(c.seniority.map(Seniority::as_str))
                .push_bind(c.department.map(Department::as_str))
                .push_bind(c.buying_role.map(BuyingRole::as_str))
                .push_bind(c.status.unwrap_or(ContactStatus::Active).as_str())
                .push_bind(c.owner_id.map(|u| u.0))
                .push_bind(c.source.clone())
                .push_bind(created)
                .push_bind(created.max(at));
        });
        for (id, c) in insert_ids(&mut tx, "contacts", q).await?.into_iter().zip(valid) {
            let created = c.created_at.map(|t| t.trunc_subsecs(6)).unwrap_or(at);
            contacts.push(c.into_contact(ContactId(id), created, created.max(at)));
        }
    }
    let rows: Vec<AuditRow> = contacts
        .iter()
        .map(|c| AuditRow { entity: "contact", id: c.id.0, action: "create", before: None, after: Some(audit_json(c)) })
        .collect();
    applied.audit_ids.extend(audit_many(&mut tx, actor, &rows).await?);
    let real_contact: HashMap<ContactId, ContactId> = plan.contacts.iter().zip(&contacts).map(|(p, c)| (p.id, c.id)).collect();
    applied.contacts = contacts.iter().map(|c| c.id).collect();

    // Blanks of existing contacts filled by what the records offered: read in bulk, written
    // only where something changes.
    let filled = fill_contacts(&mut tx, actor, &plan.fills).await?;
    applied.filled = filled.len();
    applied.audit_ids.extend(filled);
    let wrote_contacts = started.elapsed();

    // An intake record per raw record, whatever its outcome.
    let received = now();
    // Their ids real, candidates too (an account made earlier in the batch may be one).
    let records: Vec<PlannedRecord> = plan
        .records
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.rename(&real_account, &real_contact);
            r
        })
        .collect();
    for chunk in records.chunks(CHUNK) {
        let mut q = QueryBuilder::<Db>::new("INSERT INTO intake_records (source, source_key, received_at, payload, observations, outcome, rule, confidence, candidates, explanation, account_id, contact_id, person, campaign_id) ");
        q.push_values(chunk, |mut b, r| {
            b.push_bind(source)
                .push_bind(&r.source_key)
                .push_bind(received)
                .push_bind(json_of(&r.payload))
                .push_bind(Some(Json(r.observations.clone())).filter(|o| o.as_object().is_none_or(|m| !m.is_empty())))
                .push_bind(r.outcome.as_str())
                .push_bind(&r.rule)
                .push_bind(r.confidence)
                .push_bind((!r.candidates.is_empty()).then(|| json_of(&r.candidates)))
                .push_bind(&r.explanation)
                .push_bind(r.account_id.map(|a| a.0))
                .push_bind(r.contact_id.map(|c| c.0))
                .push_bind((r.person != PersonContext::default()).then(|| Json(r.person.clone())))
                .push_bind(r.person.response.map(|x| x.campaign_id.0));
        });
        let ids = insert_ids(&mut tx, "intake_records", q).await.map_err(|e| match e {
            StoreError::Conflict { .. } => conflict("source_key", format!("a record of this batch was already taken from {source:?}")),
            other => other,
        })?;
        applied.records.extend(ids);
    }
    attach_duplicates(&mut tx, plan, &applied.records).await?;
    // The campaign each placed person answered; those waiting in review answer it when placed.
    let responses: Vec<(ContactId, CampaignResponse)> = records
        .iter()
        .filter(|r| matches!(r.outcome, IntakeOutcome::Matched | IntakeOutcome::Created))
        .filter_map(|r| Some((r.contact_id?, r.person.response?)))
        .collect();
    record_responses(&mut tx, actor, source, &responses, received).await?;
    let creators: Vec<(String, i64)> = plan
        .account_creators()
        .into_iter()
        .map(|(r, a)| (plan.records[r].source_key.clone(), applied.accounts[a].0))
        .collect();
    write_external_ids(&mut tx, source, crate::intake::CREATED_ACCOUNT, &creators).await?;
    let wrote_records = started.elapsed();
    tx.commit().await.map_err(db)?;
    tracing::debug!(
        contacts_ms = wrote_contacts.as_millis() as u64,
        records_ms = (wrote_records - wrote_contacts).as_millis() as u64,
        commit_ms = (started.elapsed() - wrote_records).as_millis() as u64,
        "intake batch written"
    );
    Ok(applied)
}

/// Records that people answered a campaign: a membership (with how far they went) and an
/// activity of theirs on the campaign, each dated when the record arrived. A membership the
/// person already had takes the new status. The activity's kind follows the campaign's: a
/// webinar or an event attended, a form filled for the others.
async fn record_responses(tx: &mut Tx<'_>, actor: &Actor, source: &str, responses: &[(ContactId, CampaignResponse)], at: DateTime<Utc>) -> Result<()> {
    if responses.is_empty() {
        return Ok(());
    }
    let mut by_campaign: BTreeMap<CampaignId, Vec<(usize, NewCampaignMember)>> = BTreeMap::new();
    for (i, (contact, r)) in responses.iter().enumerate() {
        by_campaign.entry(r.campaign_id).or_default().push((i, NewCampaignMember { contact_id: *contact, status: Some(r.status), joined_at: Some(at) }));
    }
    let mut activities = Vec::with_capacity(responses.len());
    for (campaign, members) in &by_campaign {
        let c = load_campaign(tx, *campaign).await.map_err(|e| match e {
            StoreError::NotFound { .. } => invalid("campaign_id", format!("campaign {campaign} does not exist; create it first, or send the records without a campaign")),
            other => other,
        })?;
        upsert_members(tx, actor, *campaign, members).await?;
        activities.extend(members.iter().map(|(_, m)| NewActivity {
            account_id: None,
            contact_id: Some(m.contact_id),
            body: None,
            kind: c.kind.response_activity(),
            subject: Some(format!("{} to {} ({source})", m.status.unwrap_or(MemberStatus::Responded), c.name)),
            occurred_at: Some(at),
            campaign_id: Some(*campaign),
            opportunity_id: None,
        }));
    }
    for chunk in activities.chunks(CHUNK) {
        insert_activities(tx, actor, 0, chunk.to_vec()).await?;
    }
    Ok(())
}

/// Points each planned repeat at the record waiting in review that it repeats, once the batch's
/// records have their ids. A record of an earlier batch must still wait in review, unattached;
/// one resolved since the plan was made refuses the batch as a conflict (planned again, it
/// waits on its own).
async fn attach_duplicates(tx: &mut Tx<'_>, plan: &IntakePlan, records: &[i64]) -> Result<()> {
    let links: Vec<(i64, i64)> = plan
        .records
        .iter()
        .zip(records)
        .filter_map(|(r, &id)| Some((id, plan.real_record(r.duplicate_of?, records))))
        .collect();
    let earlier: HashSet<i64> = plan.records.iter().filter_map(|r| r.duplicate_of).filter(|&first| first >= 0).collect();
    let earlier: Vec<i64> = earlier.into_iter().collect();
    for chunk in earlier.chunks(CHUNK) {
        let mut q = QueryBuilder::<Db>::new("SELECT COUNT(*) AS n FROM intake_records WHERE duplicate_of IS NULL AND outcome = ");
        q.push_bind(IntakeOutcome::NeedsReview.as_str()).push(" AND id IN (");
        let mut sep = q.separated(", ");
        for id in chunk {
            sep.push_bind(*id);
        }
        q.push(")");
        let waiting: i64 = q.build().fetch_one(&mut **tx).await.map_err(db)?.try_get("n")?;
        if waiting != chunk.len() as i64 {
            return Err(conflict("duplicate_of", "a record waiting in review was resolved while the batch was matched; run the batch again"));
        }
    }
    for chunk in links.chunks(CHUNK / 2) {
        let mut q = QueryBuilder::<Db>::new("UPDATE intake_records SET duplicate_of = CASE id");
        for (id, first) in chunk {
            q.push(" WHEN ").push_bind(*id).push(" THEN ").push_bind(*first);
        }
        q.push(" END WHERE id IN (");
        let mut sep = q.separated(", ");
        for (id, _) in chunk {
            sep.push_bind(*id);
        }
        q.push(")");
        q.build().execute(&mut **tx).await.map_err(db)?;
    }
    Ok(())
}

/// Writes what records offer into existing contacts' blank fields; the ids of the audit rows
/// of the contacts that changed.
async fn fill_contacts(tx: &mut Tx<'_>, actor: &Actor, fills: &[ContactFill]) -> Result<Vec<i64>> {
    let mut current: HashMap<ContactId, Contact> = HashMap::with_capacity(fills.len());
    for chunk in fills.chunks(CHUNK) {
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE id IN ("));
        let mut sep = q.separated(", ");
        for f in chunk {
            sep.push_bind(f.contact_id.0);
        }
        // Locked until the batch commits: a contact edited meanwhile keeps the edit.
        q.push(format!(") ORDER BY id{FOR_UPDATE}"));
        for r in q.build().fetch_all(&mut **tx).await.map_err(db)? {
            let c = contact_row(&r)?;
            current.insert(c.id, c);
        }
    }
    let mut rows = Vec::new();
    for fill in fills {
        let Some(before) = current.get(&fill.contact_id) else {
            return Err(StoreError::Conflict {
                field: None,
                message: format!("contact {} was deleted while the batch was matched; run the batch again", fill.contact_id),
            });
        };
        let Some(next) = filled(before, fill) else {
            continue;
        };
        sqlx::query("UPDATE contacts SET first_name = $1, last_name = $2, phone = $3, title = $4, seniority = $5, department = $6, updated_at = $7 WHERE id = $8")
            .bind(&next.first_name)
            .bind(&next.last_name)
            .bind(&next.phone)
            .bind(&next.title)
            .bind(next.seniority.map(Seniority::as_str))
            .bind(next.department.map(Department::as_str))
            .bind(next.updated_at)
            .bind(next.id.0)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
        rows.push(AuditRow { entity: "contact", id: next.id.0, action: "update", before: Some(audit_json(before)), after: Some(audit_json(&next)) });
    }
    audit_many(tx, actor, &rows).await
}

/// The contact with its blanks filled from `fill`, or `None` when nothing would change.
fn filled(before: &Contact, fill: &ContactFill) -> Option<Contact> {
    let mut next = before.clone();
    let blank = |slot: &mut Option<String>, v: &Option<String>| {
        if slot.is_none() {
            slot.clone_from(v);
        }
    };
    blank(&mut next.first_name, &fill.first_name);
    blank(&mut next.last_name, &fill.last_name);
    blank(&mut next.phone, &fill.phone);
    if next.title.is_none() && fill.title.is_some() {
        next.title.clone_from(&fill.title);
        let parsed = next.title.as_deref().map(parse_title);
        next.seniority = next.seniority.or(parsed.and_then(|p| p.seniority));
        next.department = next.department.or(parsed.and_then(|p| p.department));
    }
    if next == *before {
        return None;
    }
    next.updated_at = now();
    Some(next)
}

async fn intake_list(pool: &sqlx::Pool<Db>, query: &IntakeQuery, page: PageRequest) -> Result<Page<IntakeRecord>> {
    let limit = clamp(page);
    let mut q = QueryBuilder::<Db>::new(format!("SELECT {INTAKE_COLUMNS} FROM intake_records WHERE 1 = 1"));
    if let Some(after) = page.after {
        q.push(" AND id > ").push_bind(after);
    }
    push_intake_filters(&mut q, query);
    q.push(" ORDER BY id LIMIT ").push_bind(limit + 1);
    let mut conn = pool.acquire().await.map_err(db)?;
    let rows = q.build().fetch_all(&mut *conn).await.map_err(db)?;
    let mut records = rows.iter().map(intake_row).collect::<Result<Vec<_>, _>>()?;
    with_duplicates(&mut conn, &mut records).await?;
    Ok(paginate(records, limit, |r| r.id))
}

async fn intake_resolve(pool: &sqlx::Pool<Db>, actor: &Actor, id: i64, resolution: Resolution) -> Result<IntakeRecord> {
    let mut tx = begin_write(pool).await.map_err(db)?;
    let before = load_intake_for_update(&mut tx, id).await?;
    if before.outcome != IntakeOutcome::NeedsReview {
        return Err(not_waiting(&before));
    }
    let (outcome, account, contact, how) = match resolution {
        Resolution::Reject(reason) => {
            let reason = reason.trim().to_string();
            if reason.is_empty() {
                return Err(invalid("reject", "say why the record is rejected"));
            }
            let mut errors = ValidationErrors::default();
            abcrm_core::validation::check_len(&mut errors, "reject", &reason, MAX_TEXT);
            errors.into_result()?;
            (IntakeOutcome::Rejected, None, None, format!("rejected by {}: {reason}", actor.label))
        }
        Resolution::Account(account) => {
            referenced_account(&mut tx, account, "account").await?;
            let (outcome, contact) = place_person(&mut tx, actor, &before, account).await?;
            (outcome, Some(account), Some(contact), format!("placed at account {account} by {}", actor.label))
        }
        Resolution::NewAccount(new) => {
            let (account, _) = create_account_in(&mut tx, actor, *new).await.map_err(|e| match e {
                StoreError::Invalid(v) => StoreError::Invalid(ValidationErrors(
                    v.0.into_iter().map(|e| ValidationError::new(format!("new_account.{}", e.field), e.reason)).collect(),
                )),
                other => other,
            })?;
            let (outcome, contact) = place_person(&mut tx, actor, &before, account.id).await?;
            (outcome, Some(account.id), Some(contact), format!("new account {} created by {}", account.id, actor.label))
        }
    };
    // Only while it still waits: of reviewers resolving one record at once exactly one
    // changes it, and the others' transactions (with any contact they made) roll back.
    let resolved = sqlx::query("UPDATE intake_records SET outcome = $1, account_id = $2, contact_id = $3, resolved_at = $4, resolution = $5 WHERE id = $6 AND outcome = $7")
        .bind(outcome.as_str())
        .bind(account.map(|a| a.0))
        .bind(contact.map(|c: ContactId| c.0))
        .bind(now())
        .bind(&how)
        .bind(id)
        .bind(IntakeOutcome::NeedsReview.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    if resolved.rows_affected() != 1 {
        drop(tx);
        let mut conn = pool.acquire().await.map_err(db)?;
        return Err(not_waiting(&load_intake(&mut conn, id).await?));
    }
    let after = load_intake(&mut tx, id).await?;
    audit(&mut tx, actor, "intake_record", id, "resolve", Some(&before), Some(&after)).await?;
    // The records waiting as its duplicates are the same person: the same contact, or rejected.
    let waiting: Vec<i64> = sqlx::query("SELECT id FROM intake_records WHERE duplicate_of = $1 AND outcome = $2 ORDER BY id")
        .bind(id)
        .bind(IntakeOutcome::NeedsReview.as_str())
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
    let (outcome, how) = match after.outcome {
        IntakeOutcome::Rejected => (IntakeOutcome::Rejected, format!("rejected with intake record {id}, whose duplicate it is; {how}")),
        _ => (IntakeOutcome::Matched, format!("placed with intake record {id}, whose duplicate it is; {how}")),
    };
    let mut responses: Vec<(ContactId, CampaignResponse)> = after.contact_id.zip(after.person.response).into_iter().collect();
    for dup in waiting {
        let before = load_intake_for_update(&mut tx, dup).await?;
        responses.extend(after.contact_id.zip(before.person.response));
        sqlx::query("UPDATE intake_records SET outcome = $1, account_id = $2, contact_id = $3, resolved_at = $4, resolution = $5 WHERE id = $6")
            .bind(outcome.as_str())
            .bind(after.account_id.map(|a| a.0))
            .bind(after.contact_id.map(|c| c.0))
            .bind(now())
            .bind(&how)
            .bind(dup)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let resolved = load_intake(&mut tx, dup).await?;
        audit(&mut tx, actor, "intake_record", dup, "resolve", Some(&before), Some(&resolved)).await?;
    }
    if after.outcome != IntakeOutcome::Rejected {
        record_responses(&mut tx, actor, &after.source, &responses, after.received_at).await?;
    }
    tx.commit().await.map_err(db)?;
    Ok(after)
}

/// The refusal to resolve a record that no longer waits for review (another reviewer, or
/// the record's first, resolved it).
fn not_waiting(record: &IntakeRecord) -> StoreError {
    let id = record.id;
    match &record.resolution {
        Some(how) => conflict(
            "id",
            format!("intake record {id} is not waiting for review: it was already resolved ({how}); reload the review queue to see what still waits"),
        ),
        None => conflict(
            "id",
            format!("intake record {id} is not waiting for review (its outcome is {}); only needs_review records can be resolved", record.outcome),
        ),
    }
}

/// The contact a reviewed record becomes at `account`: the existing contact with its email, or
/// a new one.
async fn place_person(tx: &mut Tx<'_>, actor: &Actor, record: &IntakeRecord, account: AccountId) -> Result<(IntakeOutcome, ContactId)> {
    let new = placed_contact(record, account);
    if let Some(email) = &new.email {
        let existing: Option<i64> = sqlx::query("SELECT id FROM contacts WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(&mut **tx)
            .await
            .map_err(db)?
            .map(|r| r.try_get("id"))
            .transpose()?;
        if let Some(id) = existing {
            return Ok((IntakeOutcome::Matched, ContactId(id)));
        }
    }
    let contact = create_contact_in(tx, actor, new).await?;
    Ok((IntakeOutcome::Created, contact.id))
}

// ---------------------------------------------------------------------------------------------
// Contact merges

/// A campaign membership or an opportunity role as it was, to put back on undo.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct MemberRow {
    campaign_id: i64,
    account_id: i64,
    status: String,
    joined_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RoleRow {
    opportunity_id: i64,
    account_id: i64,
    role: String,
    is_primary: bool,
}

/// Everything a merge changed.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct MergeSnapshot {
    merged: Contact,
    survivor_before: Contact,
    survivor_after: Contact,
    /// Activities moved: (id, account before).
    activities: Vec<(i64, i64)>,
    /// Memberships moved to the survivor.
    members_moved: Vec<MemberRow>,
    /// Memberships dropped because the survivor was in the campaign already.
    members_dropped: Vec<MemberRow>,
    roles_moved: Vec<RoleRow>,
    roles_dropped: Vec<RoleRow>,
    intake_records: Vec<i64>,
    /// Tasks moved: (id, account before). Merges made before tasks existed have none.
    #[serde(default)]
    tasks: Vec<(i64, i64)>,
}

fn merge_row(r: &DbRow, survivor: Contact) -> Result<ContactMerge, sqlx::Error> {
    Ok(ContactMerge {
        id: r.try_get("id")?,
        survivor_id: ContactId(r.try_get("survivor_id")?),
        merged_id: ContactId(r.try_get("merged_id")?),
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        undone_at: r.try_get("undone_at")?,
        survivor,
    })
}

/// Merges `merged` into `survivor`; answers the merge and the account the merged contact was
/// under (read under the row lock, so its rescoring sees where it really was).
async fn contact_merge(pool: &sqlx::Pool<Db>, actor: &Actor, survivor: ContactId, merged: ContactId, choices: &MergeChoices) -> Result<(ContactMerge, AccountId)> {
    if survivor == merged {
        return Err(invalid("merged_id", "a contact cannot be merged into itself; name two different contacts"));
    }
    let mut tx = begin_write(pool).await.map_err(db)?;
    // Both rows locked in id order: two merges of one pair in opposite directions queue
    // instead of each holding the row the other waits for.
    let merged_missing = |e| match e {
        StoreError::NotFound { id, .. } => invalid("merged_id", format!("contact {id} does not exist")),
        other => other,
    };
    let (s, m) = if survivor.0 < merged.0 {
        let s = load_contact_for_update(&mut tx, survivor).await?;
        (s, load_contact_for_update(&mut tx, merged).await.map_err(merged_missing)?)
    } else {
        let m = load_contact_for_update(&mut tx, merged).await.map_err(merged_missing)?;
        (load_contact_for_update(&mut tx, survivor).await?, m)
    };
    let mut next = survive(&s, &m, choices);
    next.updated_at = now();

    let mut activities = Vec::new();
    for r in sqlx::query("SELECT id, account_id FROM activities WHERE contact_id = $1").bind(m.id.0).fetch_all(&mut *tx).await.map_err(db)? {
        activities.push((r.try_get::<i64, _>("id")?, r.try_get::<i64, _>("account_id")?));
    }
    sqlx::query("UPDATE activities SET contact_id = $1, account_id = $2 WHERE contact_id = $3")
        .bind(s.id.0)
        .bind(s.account_id.0)
        .bind(m.id.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    refresh_last_activity(&mut tx, &[s.id.0]).await?;

    // The merged person's tasks become the survivor's; those about an opportunity keep its account.
    let mut tasks = Vec::new();
    for r in sqlx::query("SELECT id, account_id FROM tasks WHERE contact_id = $1").bind(m.id.0).fetch_all(&mut *tx).await.map_err(db)? {
        tasks.push((r.try_get::<i64, _>("id")?, r.try_get::<i64, _>("account_id")?));
    }
    sqlx::query("UPDATE tasks SET contact_id = $1, account_id = CASE WHEN opportunity_id IS NULL THEN $2 ELSE account_id END WHERE contact_id = $3")
        .bind(s.id.0)
        .bind(s.account_id.0)
        .bind(m.id.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;

    let (mut members_moved, mut members_dropped) = (Vec::new(), Vec::new());
    let rows = sqlx::query("SELECT campaign_id, account_id, status, joined_at, EXISTS (SELECT 1 FROM campaign_members o WHERE o.campaign_id = campaign_members.campaign_id AND o.contact_id = $2) AS both_in FROM campaign_members WHERE contact_id = $1")
        .bind(m.id.0)
        .bind(s.id.0)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
    for r in rows {
        let row = MemberRow { campaign_id: r.try_get("campaign_id")?, account_id: r.try_get("account_id")?, status: r.try_get("status")?, joined_at: r.try_get("joined_at")? };
        if r.try_get::<bool, _>("both_in")? {
            members_dropped.push(row);
        } else {
            members_moved.push(row);
        }
    }
    for row in &members_dropped {
        sqlx::query("DELETE FROM campaign_members WHERE campaign_id = $1 AND contact_id = $2").bind(row.campaign_id).bind(m.id.0).execute(&mut *tx).await.map_err(db)?;
    }
    sqlx::query("UPDATE campaign_members SET contact_id = $1, account_id = $2 WHERE contact_id = $3")
        .bind(s.id.0)
        .bind(s.account_id.0)
        .bind(m.id.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;

    let (mut roles_moved, mut roles_dropped) = (Vec::new(), Vec::new());
    let rows = sqlx::query("SELECT opportunity_id, account_id, role, is_primary, EXISTS (SELECT 1 FROM opportunity_contact_roles o WHERE o.opportunity_id = opportunity_contact_roles.opportunity_id AND o.contact_id = $2) AS both_in FROM opportunity_contact_roles WHERE contact_id = $1")
        .bind(m.id.0)
        .bind(s.id.0)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
    for r in rows {
        let row = RoleRow { opportunity_id: r.try_get("opportunity_id")?, account_id: r.try_get("account_id")?, role: r.try_get("role")?, is_primary: r.try_get("is_primary")? };
        if r.try_get::<bool, _>("both_in")? {
            roles_dropped.push(row);
        } else {
            roles_moved.push(row);
        }
    }
    for row in &roles_dropped {
        sqlx::query("DELETE FROM opportunity_contact_roles WHERE opportunity_id = $1 AND contact_id = $2").bind(row.opportunity_id).bind(m.id.0).execute(&mut *tx).await.map_err(db)?;
    }
    sqlx::query("UPDATE opportunity_contact_roles SET contact_id = $1, account_id = $2 WHERE contact_id = $3")
        .bind(s.id.0)
        .bind(s.account_id.0)
        .bind(m.id.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;

    let mut intake_records = Vec::new();
    for r in sqlx::query("SELECT id FROM intake_records WHERE contact_id = $1").bind(m.id.0).fetch_all(&mut *tx).await.map_err(db)? {
        intake_records.push(r.try_get::<i64, _>("id")?);
    }
    sqlx::query("UPDATE intake_records SET contact_id = $1 WHERE contact_id = $2").bind(s.id.0).bind(m.id.0).execute(&mut *tx).await.map_err(db)?;

    // The survivor is the person, so their history includes the merged record's: one who
    // entered nurture through a duplicate entered it then. (Undo leaves it with the survivor;
    // the restored record starts its history again from its creation.)
    sqlx::query("UPDATE contact_status_changes SET contact_id = $1 WHERE contact_id = $2").bind(s.id.0).bind(m.id.0).execute(&mut *tx).await.map_err(db)?;

    // The merged contact goes before the survivor takes its email, which is unique.
    sqlx::query("DELETE FROM contacts WHERE id = $1").bind(m.id.0).execute(&mut *tx).await.map_err(db)?;
    write_contact(&mut tx, &next).await?;
    let after = load_contact(&mut tx, s.id).await?;
    audit::<_, ()>(&mut tx, actor, "contact", m.id.0, "merge", Some(&m), None).await?;
    audit(&mut tx, actor, "contact", s.id.0, "update", Some(&s), Some(&after)).await?;

    let snapshot = MergeSnapshot {
        merged: m.clone(),
        survivor_before: s.clone(),
        survivor_after: after.clone(),
        activities,
        members_moved,
        members_dropped,
        roles_moved,
        roles_dropped,
        intake_records,
        tasks,
    };
    let row = sqlx::query("INSERT INTO contact_merges (survivor_id, merged_id, at, actor, snapshot) VALUES ($1, $2, $3, $4, $5) RETURNING id, survivor_id, merged_id, at, actor, undone_at")
        .bind(s.id.0)
        .bind(m.id.0)
        .bind(now())
        .bind(&actor.label)
        .bind(json_of(&snapshot))
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
    let merge = merge_row(&row, after)?;
    audit::<(), _>(&mut tx, actor, "contact_merge", merge.id, "create", None, Some(&merge)).await?;
    tx.commit().await.map_err(db)?;
    Ok((merge, m.account_id))
}

/// Writes every field of a contact but its id and creation account.
async fn write_contact(tx: &mut Tx<'_>, c: &Contact) -> Result<()> {
    sqlx::query(
        "UPDATE contacts SET first_name = $1, last_name = $2, email = $3, phone = $4, title = $5, seniority = $6, department = $7,
         buying_role = $8, owner_id = $9, source = $10, created_at = $11, updated_at = $12 WHERE id = $13",
    )
    .bind(&c.first_name)
    .bind(&c.last_name)
    .bind(c.email.as_ref().map(Email::as_str))
    .bind(&c.phone)
    .bind(&c.title)
    .bind(c.seniority.map(Seniority::as_str))
    .bind(c.department.map(Department::as_str))
    .bind(c.buying_role.map(BuyingRole::as_str))
    .bind(c.owner_id.map(|o| o.0))
    .bind(&c.source)
    .bind(c.created_at)
    .bind(now())
    .bind(c.id.0)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

async fn contact_unmerge(pool: &sqlx::Pool<Db>, actor: &Actor, id: i64) -> Result<ContactMerge> {
    let mut tx = begin_write(pool).await.map_err(db)?;
    let row = sqlx::query("SELECT id, survivor_id, merged_id, at, actor, undone_at, snapshot FROM contact_merges WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound { entity: "contact merge", id })?;
    if row.try_get::<Option<DateTime<Utc>>, _>("undone_at")?.is_some() {
        return Err(conflict("id", format!("merge {id} was undone already")));
    }
    let snap: Json<MergeSnapshot> = row.try_get("snapshot")?;
    let snap = snap.0;
    let (s, m) = (&snap.survivor_before, &snap.merged);
    let current = load_contact(&mut tx, s.id).await.map_err(|_| {
        conflict("id", format!("contact {} (the survivor of merge {id}) no longer exists; the merge cannot be undone", s.id))
    })?;
    if exists(&mut tx, "contacts", m.id.0).await? {
        return Err(conflict("id", format!("contact id {} is in use again; the merge cannot be undone", m.id)));
    }
    if !exists(&mut tx, "accounts", m.account_id.0).await? {
        return Err(conflict("id", format!("account {} of the merged contact no longer exists; the merge cannot be undone", m.account_id)));
    }
    // The survivor gives the merged contact's email back before the merged contact returns.
    let restored = unmerge(&current, s, &snap.survivor_after);
    write_contact(&mut tx, &restored).await?;
    check_email_free(&mut tx, &m.email, None).await?;
    sqlx::query(
        "INSERT INTO contacts (id, account_id, first_name, last_name, email, phone, title, seniority, department, buying_role, status, owner_id, source, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(m.id.0)
    .bind(m.account_id.0)
    .bind(&m.first_name)
    .bind(&m.last_name)
    .bind(m.email.as_ref().map(Email::as_str))
    .bind(&m.phone)
    .bind(&m.title)
    .bind(m.seniority.map(Seniority::as_str))
    .bind(m.department.map(Department::as_str))
    .bind(m.buying_role.map(BuyingRole::as_str))
    .bind(m.status.as_str())
    .bind(m.owner_id.map(|o| o.0))
    .bind(&m.source)
    .bind(m.created_at)
    .bind(m.updated_at)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    for (activity, account) in &snap.activities {
        sqlx::query("UPDATE activities SET contact_id = $1, account_id = $2 WHERE id = $3 AND contact_id = $4")
            .bind(m.id.0)
            .bind(account)
            .bind(activity)
            .bind(s.id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    refresh_last_activity(&mut tx, &[m.id.0, s.id.0]).await?;
    for (task, account) in &snap.tasks {
        sqlx::query("UPDATE tasks SET contact_id = $1, account_id = $2 WHERE id = $3 AND contact_id = $4")
            .bind(m.id.0)
            .bind(account)
            .bind(task)
            .bind(s.id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    for r in &snap.members_moved {
        sqlx::query("UPDATE campaign_members SET contact_id = $1, account_id = $2 WHERE campaign_id = $3 AND contact_id = $4")
            .bind(m.id.0)
            .bind(r.account_id)
            .bind(r.campaign_id)
            .bind(s.id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    for r in &snap.members_dropped {
        sqlx::query("INSERT INTO campaign_members (campaign_id, contact_id, account_id, status, joined_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING")
            .bind(r.campaign_id)
            .bind(m.id.0)
            .bind(r.account_id)
            .bind(&r.status)
            .bind(r.joined_at)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    for r in &snap.roles_moved {
        sqlx::query("UPDATE opportunity_contact_roles SET contact_id = $1, account_id = $2 WHERE opportunity_id = $3 AND contact_id = $4")
            .bind(m.id.0)
            .bind(r.account_id)
            .bind(r.opportunity_id)
            .bind(s.id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    for r in &snap.roles_dropped {
        sqlx::query("INSERT INTO opportunity_contact_roles (opportunity_id, contact_id, account_id, role, is_primary) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING")
            .bind(r.opportunity_id)
            .bind(m.id.0)
            .bind(r.account_id)
            .bind(&r.role)
            .bind(r.is_primary)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    for r in &snap.intake_records {
        sqlx::query("UPDATE intake_records SET contact_id = $1 WHERE id = $2 AND contact_id = $3").bind(m.id.0).bind(r).bind(s.id.0).execute(&mut *tx).await.map_err(db)?;
    }
    let row = sqlx::query("UPDATE contact_merges SET undone_at = $1 WHERE id = $2 RETURNING id, survivor_id, merged_id, at, actor, undone_at")
        .bind(now())
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
    let survivor = load_contact(&mut tx, s.id).await?;
    let back = load_contact(&mut tx, m.id).await?;
    audit(&mut tx, actor, "contact", s.id.0, "update", Some(&current), Some(&survivor)).await?;
    audit::<(), _>(&mut tx, actor, "contact", m.id.0, "unmerge", None, Some(&back)).await?;
    let merge = merge_row(&row, survivor)?;
    audit::<(), _>(&mut tx, actor, "contact_merge", id, "undo", None, Some(&merge)).await?;
    tx.commit().await.map_err(db)?;
    Ok(merge)
}
