// The audit log (this file is `include!`d after `shared.rs`): one row per change, who made it, and
// the record before and after.

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
