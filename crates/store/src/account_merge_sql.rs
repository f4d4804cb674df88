// Account merges with undo, written once for both backends. Like `intake_sql.rs`, this file is
// `include!`d by `sqlite.rs` and `postgres.rs` after `shared.rs`, and uses its building blocks.
// Core decides the surviving fields (`survive_account`, `unmerge_account`) and whether the
// hierarchy allows the merge (`check_account_merge`); this file moves the rows and records
// exactly which ones it moved, so an undo moves back those and no others.

use abcrm_core::model::{check_account_merge, survive_account, unmerge_account, AccountMerge, AccountMergeChoices};

/// Every table whose rows name an account by a column, with the columns that name one row
/// and the label the merge's counts use. A merge repoints each of them from the merged account
/// to the survivor; `no_row_names_the_merged_account` in the store tests checks none is missed.
const ACCOUNT_REFERENCES: [(&str, &str, &[&str], &str); 11] = [
    ("contacts", "account_id", &["id"], "contacts"),
    ("opportunities", "account_id", &["id"], "opportunities"),
    ("activities", "account_id", &["id"], "activities"),
    ("tasks", "account_id", &["id"], "tasks"),
    ("assets", "account_id", &["id"], "assets"),
    ("intake_records", "account_id", &["id"], "intake_records"),
    ("accounts", "parent_id", &["id"], "subsidiaries"),
    ("campaign_members", "account_id", &["campaign_id", "contact_id"], "campaign_members"),
    ("opportunity_contact_roles", "account_id", &["opportunity_id", "contact_id"], "opportunity_contact_roles"),
    ("contact_scores", "account_id", &["contact_id"], "contact_scores"),
    ("external_ids", "entity_id", &["source", "object", "external_id"], "external_ids"),
];

/// The condition that keeps a reference table to the rows naming an account: external ids name
/// campaigns, users and the rest too.
fn only_accounts(table: &str) -> &'static str {
    if table == "external_ids" {
        " AND object IN ('account', 'created_account')"
    } else {
        ""
    }
}

/// One row's key: its key columns' values, numbers or text.
fn reference_key(r: &DbRow, columns: &[&str]) -> Result<Vec<serde_json::Value>, sqlx::Error> {
    columns
        .iter()
        .map(|c| {
            Ok(match *c {
                "source" | "object" | "external_id" => serde_json::Value::from(r.try_get::<String, _>(*c)?),
                _ => serde_json::Value::from(r.try_get::<i64, _>(*c)?),
            })
        })
        .collect()
}

/// A row of a stage history or field provenance, as it was, to put back on undo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StageRow {
    id: i64,
    from_stage: Option<String>,
    to_stage: String,
    reason: String,
    changed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ProvenanceRow {
    field: String,
    kind: String,
    source: Option<String>,
    at: DateTime<Utc>,
    /// Absent in merges recorded before typed spellings were kept.
    #[serde(default)]
    typed: Option<String>,
}

/// Everything an account merge changed.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct AccountMergeSnapshot {
    merged: Account,
    survivor_before: Account,
    survivor_after: Account,
    /// The keys of the rows moved from the merged account to the survivor, by table.
    moved: BTreeMap<String, Vec<Vec<serde_json::Value>>>,
    /// The merged account's domains with their positions.
    domains: Vec<(String, i32)>,
    stage_history: Vec<StageRow>,
    merged_provenance: Vec<ProvenanceRow>,
    /// The survivor's provenance of the fields it took from the merged account, as it was
    /// (`None`: no row).
    survivor_provenance: Vec<(String, Option<ProvenanceRow>)>,
    /// Records waiting in review whose candidates named the merged account: their candidates
    /// before, and after the merge.
    candidates: Vec<(i64, Vec<Candidate>, Vec<Candidate>)>,
}

fn account_merge_row(r: &DbRow, survivor: Account, snap: &AccountMergeSnapshot) -> Result<AccountMerge, sqlx::Error> {
    let mut moved: BTreeMap<String, usize> = snap.moved.iter().map(|(t, keys)| (t.clone(), keys.len())).collect();
    moved.insert("domains".into(), snap.domains.len());
    moved.insert("stage_history".into(), snap.stage_history.len());
    moved.insert("review_candidates".into(), snap.candidates.len());
    moved.retain(|_, n| *n > 0);
    Ok(AccountMerge {
        id: r.try_get("id")?,
        survivor_id: AccountId(r.try_get("survivor_id")?),
        merged_id: AccountId(r.try_get("merged_id")?),
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        undone_at: r.try_get("undone_at")?,
        survivor,
        moved,
    })
}

async fn provenance_rows(conn: &mut <Db as sqlx::Database>::Connection, id: AccountId) -> Result<Vec<ProvenanceRow>> {
    let rows = sqlx::query("SELECT field, kind, source, at, typed FROM account_field_sources WHERE account_id = $1 ORDER BY field")
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    rows.iter()
        .map(|r| Ok(ProvenanceRow { field: r.try_get("field")?, kind: r.try_get("kind")?, source: r.try_get("source")?, at: r.try_get("at")?, typed: r.try_get("typed")? }))
        .collect()
}

async fn put_provenance(tx: &mut Tx<'_>, account: AccountId, field: &str, row: Option<&ProvenanceRow>) -> Result<()> {
    sqlx::query("DELETE FROM account_field_sources WHERE account_id = $1 AND field = $2").bind(account.0).bind(field).execute(&mut **tx).await.map_err(db)?;
    if let Some(p) = row {
        sqlx::query("INSERT INTO account_field_sources (account_id, field, kind, source, at, typed) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(account.0)
            .bind(&p.field)
            .bind(&p.kind)
            .bind(&p.source)
            .bind(p.at)
            .bind(&p.typed)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
    }
    Ok(())
}

/// The value of an account's field by its API name, to compare two versions of an account.
fn field_value(a: &Account, field: &str) -> serde_json::Value {
    serde_json::to_value(a).ok().and_then(|v| v.get(field).cloned()).unwrap_or(serde_json::Value::Null)
}

/// Writes every column of an account but its id and domains.
async fn write_account_row(tx: &mut Tx<'_>, a: &Account) -> Result<()> {
    sqlx::query(
        "UPDATE accounts SET name = $1, duns = $2, parent_id = $3, industry = $4, employees = $5, annual_revenue = $6, country = $7, state = $8, city = $9,
         relationship = $10, stage = $11, owner_id = $12, target_tier = $13, created_at = $14, updated_at = $15 WHERE id = $16",
    )
    .bind(&a.name)
    .bind(&a.duns)
    .bind(a.parent_id.map(|p| p.0))
    .bind(&a.industry)
    .bind(a.employees)
    .bind(a.annual_revenue)
    .bind(&a.country)
    .bind(&a.state)
    .bind(&a.city)
    .bind(a.relationship.as_str())
    .bind(a.stage.as_str())
    .bind(a.owner_id.map(|o| o.0))
    .bind(a.target_tier)
    .bind(a.created_at)
    .bind(now())
    .bind(a.id.0)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

async fn lock_two_accounts(tx: &mut Tx<'_>, survivor: AccountId, merged: AccountId) -> Result<(Account, Account)> {
    let merged_missing = |e| match e {
        StoreError::NotFound { id, .. } => invalid("merged_id", format!("account {id} does not exist; pick the account to merge from the list")),
        other => other,
    };
    // Both rows locked in id order: two merges of one pair in opposite directions queue
    // instead of each holding the row the other waits for.
    Ok(if survivor.0 < merged.0 {
        let s = load_account_for_update(tx, survivor).await?;
        (s, load_account_for_update(tx, merged).await.map_err(merged_missing)?)
    } else {
        let m = load_account_for_update(tx, merged).await.map_err(merged_missing)?;
        (load_account_for_update(tx, survivor).await?, m)
    })
}

/// Merges `merged` into `survivor` in one transaction: survivorship of the fields, the union of
/// the domains, every row naming the merged account repointed, its subsidiaries under the
/// survivor, the merged account deleted, the whole recorded for undo, and both families
/// rescored.
async fn account_merge(store: &ThisStore, actor: &Actor, survivor: AccountId, merged: AccountId, choices: &AccountMergeChoices) -> Result<AccountMerge> {
    if survivor == merged {
        return Err(invalid("merged_id", format!("account {survivor} cannot be merged into itself; name two different accounts")));
    }
    let mut tx = begin_write(&store.pool).await.map_err(db)?;
    // Subsidiaries change parent: no other parent change may pass its loop check meanwhile.
    lock_hierarchy(&mut tx).await?;
    let (s, m) = lock_two_accounts(&mut tx, survivor, merged).await?;
    let mut next = survive_account(&s, &m, choices);
    let survivor_chain: Vec<AccountId> = ancestors(&mut tx, s.id).await?.into_iter().map(|a| a.id).collect();
    let parent_chain: Vec<AccountId> = match next.parent_id {
        Some(p) => ancestors(&mut tx, p).await?.into_iter().map(|a| a.id).collect(),
        None => Vec::new(),
    };
    check_account_merge(s.id, m.id, &survivor_chain, next.parent_id, &parent_chain).map_err(|message| conflict("merged_id", message))?;
    if next.owner_id != s.owner_id {
        if let Some(o) = next.owner_id {
            require(&mut tx, "users", "user", "owner_id", o.0).await?;
        }
    }

    let mut moved: BTreeMap<String, Vec<Vec<serde_json::Value>>> = BTreeMap::new();
    for (table, column, key, label) in ACCOUNT_REFERENCES {
        let only = only_accounts(table);
        let rows = sqlx::query(&format!("SELECT {} FROM {table} WHERE {column} = $1{only}", key.join(", ")))
            .bind(m.id.0)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
        if rows.is_empty() {
            continue;
        }
        let keys = rows.iter().map(|r| reference_key(r, key)).collect::<Result<Vec<_>, _>>()?;
        sqlx::query(&format!("UPDATE {table} SET {column} = $1 WHERE {column} = $2{only}"))
            .bind(s.id.0)
            .bind(m.id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        moved.insert(label.to_string(), keys);
    }

    // Records waiting in review that offered the merged account now offer the survivor.
    let mut candidates = Vec::new();
    // The text test only narrows the rows read (it also takes ids that contain these digits);
    // the candidates themselves decide.
    let rows = sqlx::query("SELECT id, candidates FROM intake_records WHERE outcome = 'needs_review' AND candidates IS NOT NULL AND CAST(candidates AS TEXT) LIKE $1")
        .bind(format!("%{}%", m.id.0))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
    for r in rows {
        let list: Json<Vec<Candidate>> = r.try_get("candidates")?;
        if !list.0.iter().any(|c| c.account_id == m.id) {
            continue;
        }
        let mut now_list: Vec<Candidate> = Vec::with_capacity(list.0.len());
        for c in &list.0 {
            let mut c = c.clone();
            if c.account_id == m.id {
                c.account_id = s.id;
                c.name = next.name.clone();
            }
            if !now_list.iter().any(|o| o.account_id == c.account_id) {
                now_list.push(c);
            }
        }
        let id: i64 = r.try_get("id")?;
        sqlx::query("UPDATE intake_records SET candidates = $1 WHERE id = $2").bind(json_of(&now_list)).bind(id).execute(&mut *tx).await.map_err(db)?;
        candidates.push((id, list.0, now_list));
    }

    let mut domains = Vec::new();
    for r in sqlx::query("SELECT domain, position FROM account_domains WHERE account_id = $1 ORDER BY position").bind(m.id.0).fetch_all(&mut *tx).await.map_err(db)? {
        domains.push((r.try_get::<String, _>("domain")?, r.try_get::<i32, _>("position")?));
    }
    let mut stage_history = Vec::new();
    for r in sqlx::query("SELECT id, from_stage, to_stage, reason, changed_at FROM account_stage_history WHERE account_id = $1 ORDER BY id").bind(m.id.0).fetch_all(&mut *tx).await.map_err(db)? {
        stage_history.push(StageRow { id: r.try_get("id")?, from_stage: r.try_get("from_stage")?, to_stage: r.try_get("to_stage")?, reason: r.try_get("reason")?, changed_at: r.try_get("changed_at")? });
    }
    let merged_provenance = provenance_rows(&mut tx, m.id).await?;
    let survivor_rows = provenance_rows(&mut tx, s.id).await?;

    // The merged account goes before the survivor takes its DUNS and domains, which are unique.
    exec_each(&mut tx, &[
        "DELETE FROM account_domains WHERE account_id = $1",
        "DELETE FROM account_stage_history WHERE account_id = $1",
        "DELETE FROM account_scores WHERE account_id = $1",
        "DELETE FROM account_field_sources WHERE account_id = $1",
        "DELETE FROM accounts WHERE id = $1",
    ], m.id.0).await?;
    next.updated_at = now();
    write_account_row(&mut tx, &next).await?;
    write_domains(&mut tx, s.id, &next.domains).await?;
    if next.stage != s.stage {
        sqlx::query("INSERT INTO account_stage_history (account_id, from_stage, to_stage, reason, changed_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(s.id.0)
            .bind(s.stage.as_str())
            .bind(next.stage.as_str())
            .bind(format!("taken from account {} in a merge by {}", m.id, actor.label))
            .bind(now())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    // A field that took the merged account's value takes where that value came from.
    let mut survivor_provenance = Vec::new();
    for field in abcrm_core::enrich::AccountField::ALL.map(|f| f.as_str()) {
        let (was, is) = (field_value(&s, field), field_value(&next, field));
        if was == is || is != field_value(&m, field) {
            continue;
        }
        let theirs = merged_provenance.iter().find(|p| p.field == field);
        let ours = survivor_rows.iter().find(|p| p.field == field).cloned();
        put_provenance(&mut tx, s.id, field, theirs).await?;
        survivor_provenance.push((field.to_string(), ours));
    }

    // The survivor's stage and scores follow from what it holds now; the families of both
    // accounts take in the change.
    let mut touched = vec![s.id];
    touched.extend(m.parent_id.filter(|p| *p != s.id));
    touched.extend(s.parent_id);
    settle_accounts(store, &mut tx, actor, &touched).await?;
    let after = load_account(&mut tx, s.id).await?;
    let mut rows = vec![AuditRow { entity: "account", id: m.id.0, action: "merge", before: Some(audit_json(&m)), after: Some(Json(serde_json::json!({ "merged_into": s.id }))) }];
    rows.push(AuditRow { entity: "account", id: s.id.0, action: "update", before: Some(audit_json(&s)), after: Some(audit_json(&after)) });
    for key in moved.get("contacts").into_iter().flatten() {
        if let Some(id) = key.first().and_then(serde_json::Value::as_i64) {
            rows.push(AuditRow { entity: "contact", id, action: "move", before: Some(Json(serde_json::json!({ "account_id": m.id }))), after: Some(Json(serde_json::json!({ "account_id": s.id }))) });
        }
    }
    audit_many(&mut tx, actor, &rows).await?;

    let snapshot = AccountMergeSnapshot {
        merged: m.clone(),
        survivor_before: s.clone(),
        survivor_after: after.clone(),
        moved,
        domains,
        stage_history,
        merged_provenance,
        survivor_provenance,
        candidates,
    };
    let row = sqlx::query("INSERT INTO account_merges (survivor_id, merged_id, at, actor, snapshot) VALUES ($1, $2, $3, $4, $5) RETURNING id, survivor_id, merged_id, at, actor, undone_at")
        .bind(s.id.0)
        .bind(m.id.0)
        .bind(now())
        .bind(&actor.label)
        .bind(json_of(&snapshot))
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
    let merge = account_merge_row(&row, after, &snapshot)?;
    audit::<(), _>(&mut tx, actor, "account_merge", merge.id, "create", None, Some(&merge)).await?;
    tx.commit().await.map_err(db)?;
    Ok(merge)
}

/// Undoes an account merge: the merged account comes back with its id, fields, domains, stage
/// history and provenance, and exactly the rows the merge moved go back to it (those still at
/// the survivor). Survivor fields still holding what the merge gave them go back; later edits
/// stay.
async fn account_unmerge(store: &ThisStore, actor: &Actor, id: i64) -> Result<AccountMerge> {
    let mut tx = begin_write(&store.pool).await.map_err(db)?;
    lock_hierarchy(&mut tx).await?;
    let row = sqlx::query(&format!("SELECT id, survivor_id, merged_id, at, actor, undone_at, snapshot FROM account_merges WHERE id = $1{FOR_UPDATE}"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound { entity: "account merge", id })?;
    if row.try_get::<Option<DateTime<Utc>>, _>("undone_at")?.is_some() {
        return Err(conflict("id", format!("account merge {id} was undone already")));
    }
    let snap: Json<AccountMergeSnapshot> = row.try_get("snapshot")?;
    let snap = snap.0;
    let (s, m) = (&snap.survivor_before, &snap.merged);
    let current = load_account_for_update(&mut tx, s.id).await.map_err(|_| {
        conflict("id", format!("account {} (the survivor of merge {id}) no longer exists; the merge cannot be undone", s.id))
    })?;
    if exists(&mut tx, "accounts", m.id.0).await? {
        return Err(conflict("id", format!("account id {} is in use again by another account; the merge cannot be undone", m.id)));
    }
    if let Some(p) = m.parent_id.filter(|p| *p != s.id) {
        if !exists(&mut tx, "accounts", p.0).await? {
            return Err(conflict("id", format!("account {p}, the parent of the merged account, no longer exists; the merge cannot be undone")));
        }
    }
    let mut restored = unmerge_account(&current, s, &snap.survivor_after);
    // The survivor's stage goes back only if nothing moved it since the merge; the stage rules
    // then run on what it holds again.
    if current.stage == snap.survivor_after.stage && current.relationship == snap.survivor_after.relationship {
        restored.stage = s.stage;
        restored.relationship = s.relationship;
    }
    if restored.stage != current.stage {
        sqlx::query("INSERT INTO account_stage_history (account_id, from_stage, to_stage, reason, changed_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(s.id.0)
            .bind(current.stage.as_str())
            .bind(restored.stage.as_str())
            .bind(format!("account merge {id} undone by {}", actor.label))
            .bind(now())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    // The survivor gives the merged account's DUNS and domains back before it returns.
    write_account_row(&mut tx, &restored).await?;
    write_domains(&mut tx, s.id, &restored.domains).await?;
    check_duns_free(&mut tx, &m.duns, None).await?;
    sqlx::query(
        "INSERT INTO accounts (id, name, duns, parent_id, industry, employees, annual_revenue, country, state, city, relationship, stage, owner_id, target_tier, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(m.id.0)
    .bind(&m.name)
    .bind(&m.duns)
    .bind(m.parent_id.map(|p| p.0))
    .bind(&m.industry)
    .bind(m.employees)
    .bind(m.annual_revenue)
    .bind(&m.country)
    .bind(&m.state)
    .bind(&m.city)
    .bind(m.relationship.as_str())
    .bind(m.stage.as_str())
    .bind(m.owner_id.map(|o| o.0))
    .bind(m.target_tier)
    .bind(m.created_at)
    .bind(m.updated_at)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    let taken: HashSet<&String> = current.domains.iter().collect();
    for (domain, position) in &snap.domains {
        // A domain the survivor no longer has was removed since; one that is back elsewhere stays there.
        if !taken.contains(domain) || restored.domains.contains(domain) {
            continue;
        }
        sqlx::query("INSERT INTO account_domains (domain, account_id, position) VALUES ($1, $2, $3)")
            .bind(domain)
            .bind(m.id.0)
            .bind(position)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    // Under new ids: SQLite gives a deleted row's id to the next row written.
    for h in &snap.stage_history {
        sqlx::query("INSERT INTO account_stage_history (account_id, from_stage, to_stage, reason, changed_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(m.id.0)
            .bind(&h.from_stage)
            .bind(&h.to_stage)
            .bind(&h.reason)
            .bind(h.changed_at)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    for p in &snap.merged_provenance {
        put_provenance(&mut tx, m.id, &p.field, Some(p)).await?;
    }
    for (field, before) in &snap.survivor_provenance {
        if field_value(&restored, field) != field_value(&current, field) {
            put_provenance(&mut tx, s.id, field, before.as_ref()).await?;
        }
    }
    for (table, column, key, label) in ACCOUNT_REFERENCES {
        let Some(keys) = snap.moved.get(label) else { continue };
        let which: Vec<String> = key.iter().enumerate().map(|(i, c)| format!("{c} = ${}", i + 3)).collect();
        let sql = format!("UPDATE {table} SET {column} = $1 WHERE {column} = $2 AND {}{}", which.join(" AND "), only_accounts(table));
        for values in keys {
            let mut q = sqlx::query(&sql).bind(m.id.0).bind(s.id.0);
            for v in values {
                q = match v {
                    serde_json::Value::String(text) => q.bind(text.clone()),
                    other => q.bind(other.as_i64()),
                };
            }
            q.execute(&mut *tx).await.map_err(db)?;
        }
    }
    // Review candidates go back where nobody changed them since (a resolution leaves the queue).
    for (record, before, after) in &snap.candidates {
        let now_list: Option<Option<Json<Vec<Candidate>>>> = sqlx::query("SELECT candidates FROM intake_records WHERE id = $1 AND outcome = 'needs_review'")
            .bind(record)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .map(|r| r.try_get("candidates"))
            .transpose()?;
        if now_list.flatten().is_some_and(|l| &l.0 == after) {
            sqlx::query("UPDATE intake_records SET candidates = $1 WHERE id = $2").bind(json_of(before)).bind(record).execute(&mut *tx).await.map_err(db)?;
        }
    }
    // The merged account's parent, set again, may not close a loop through what came back.
    if let Some(p) = m.parent_id {
        let chain: Vec<AccountId> = ancestors(&mut tx, p).await?.into_iter().map(|a| a.id).collect();
        check_new_parent(m.id, p, &chain).map_err(|e| conflict("id", format!("{e}; the merge cannot be undone until that parent changes")))?;
    }
    let done_row = sqlx::query("UPDATE account_merges SET undone_at = $1 WHERE id = $2 RETURNING id, survivor_id, merged_id, at, actor, undone_at")
        .bind(now())
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
    let mut touched = vec![s.id, m.id];
    touched.extend(m.parent_id);
    touched.extend(current.parent_id);
    touched.extend(restored.parent_id);
    settle_accounts(store, &mut tx, actor, &touched).await?;
    let survivor = load_account(&mut tx, s.id).await?;
    let back = load_account(&mut tx, m.id).await?;
    let mut rows = vec![
        AuditRow { entity: "account", id: s.id.0, action: "update", before: Some(audit_json(&current)), after: Some(audit_json(&survivor)) },
        AuditRow { entity: "account", id: m.id.0, action: "unmerge", before: None, after: Some(audit_json(&back)) },
    ];
    for key in snap.moved.get("contacts").into_iter().flatten() {
        if let Some(id) = key.first().and_then(serde_json::Value::as_i64) {
            rows.push(AuditRow { entity: "contact", id, action: "move", before: Some(Json(serde_json::json!({ "account_id": s.id }))), after: Some(Json(serde_json::json!({ "account_id": m.id }))) });
        }
    }
    audit_many(&mut tx, actor, &rows).await?;
    let merge = account_merge_row(&done_row, survivor, &snap)?;
    audit::<(), _>(&mut tx, actor, "account_merge", id, "undo", None, Some(&merge)).await?;
    tx.commit().await.map_err(db)?;
    Ok(merge)
}
