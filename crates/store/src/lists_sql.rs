// What the lists share (this file is `include!`d after `shared.rs`): their order (a vocabulary in
// its own order, missing values last, ties by id), the intake list's conditions, and a bulk write's
// errors named by row.

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
