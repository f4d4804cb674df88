// Saved segments: names, targets and expressions (this file is `include!`d after
// `filter_sql.rs`). Running a segment is `filter_sql.rs`'s job; this is the bookkeeping.

use abcrm_core::model::{NewSegment, Segment, SegmentPatch, SegmentTarget};
use abcrm_core::SegmentId;

const SEGMENT_COLUMNS: &str = "id, name, target, expression, created_by, created_at, updated_at";

fn segment_row(r: &DbRow) -> Result<Segment, sqlx::Error> {
    Ok(Segment {
        id: SegmentId(r.try_get("id")?),
        name: r.try_get("name")?,
        target: parse(&r.try_get::<String, _>("target")?)?,
        expression: r.try_get("expression")?,
        created_by: r.try_get::<Option<i64>, _>("created_by")?.map(UserId),
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

async fn load_segment(conn: &mut <Db as sqlx::Database>::Connection, id: SegmentId) -> Result<Segment> {
    read_segment(conn, id, "").await
}

/// [`load_segment`] for a read-modify-write: the row stays locked until the transaction ends.
async fn load_segment_for_update(tx: &mut Tx<'_>, id: SegmentId) -> Result<Segment> {
    read_segment(tx, id, FOR_UPDATE).await
}

async fn read_segment(conn: &mut <Db as sqlx::Database>::Connection, id: SegmentId, lock: &str) -> Result<Segment> {
    let row = sqlx::query(&format!("SELECT {SEGMENT_COLUMNS} FROM segments WHERE id = $1{lock}"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound { entity: "segment", id: id.0 })?;
    Ok(segment_row(&row)?)
}

async fn check_segment_name_free(conn: &mut <Db as sqlx::Database>::Connection, name: &str, segment: Option<SegmentId>) -> Result<()> {
    let other = sqlx::query("SELECT id FROM segments WHERE lower(name) = lower($1)").bind(name).fetch_optional(&mut *conn).await.map_err(db)?;
    if let Some(r) = other {
        let id: i64 = r.try_get("id")?;
        if Some(SegmentId(id)) != segment {
            return Err(conflict("name", format!("a segment named {name:?} already exists (segment {id}); choose another name or update that one")));
        }
    }
    Ok(())
}

async fn segment_create(pool: &sqlx::Pool<Db>, actor: &Actor, new: NewSegment) -> Result<Segment> {
    let new = new.validate()?;
    let mut tx = begin_write(pool).await.map_err(db)?;
    check_segment_name_free(&mut tx, &new.name, None).await?;
    let at = now();
    let row = sqlx::query(&format!(
        "INSERT INTO segments (name, target, expression, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {SEGMENT_COLUMNS}"
    ))
    .bind(&new.name)
    .bind(new.target.unwrap_or(SegmentTarget::Contact).as_str())
    .bind(&new.expression)
    .bind(actor.user_id.map(|u| u.0))
    .bind(at)
    .bind(at)
    .fetch_one(&mut *tx)
    .await
    .map_err(db)?;
    let segment = segment_row(&row)?;
    audit::<(), _>(&mut tx, actor, "segment", segment.id.0, "create", None, Some(&segment)).await?;
    tx.commit().await.map_err(db)?;
    Ok(segment)
}

async fn segment_find(pool: &sqlx::Pool<Db>, name: &str) -> Result<Option<Segment>> {
    let row = sqlx::query(&format!("SELECT {SEGMENT_COLUMNS} FROM segments WHERE lower(name) = lower($1)"))
        .bind(name.trim())
        .fetch_optional(pool)
        .await
        .map_err(db)?;
    Ok(row.as_ref().map(segment_row).transpose()?)
}

async fn segment_list(pool: &sqlx::Pool<Db>, page: PageRequest) -> Result<Page<Segment>> {
    let limit = clamp(page);
    let rows = sqlx::query(&format!("SELECT {SEGMENT_COLUMNS} FROM segments WHERE id > $1 ORDER BY id LIMIT $2"))
        .bind(page.after.unwrap_or(0))
        .bind(limit + 1)
        .fetch_all(pool)
        .await
        .map_err(db)?;
    let items = rows.iter().map(segment_row).collect::<Result<Vec<_>, _>>()?;
    Ok(paginate(items, limit, |s| s.id.0))
}

async fn segment_update(pool: &sqlx::Pool<Db>, actor: &Actor, id: SegmentId, patch: SegmentPatch) -> Result<Segment> {
    let mut tx = begin_write(pool).await.map_err(db)?;
    let before = load_segment_for_update(&mut tx, id).await?;
    let next = patch.apply(&before)?;
    check_segment_name_free(&mut tx, &next.name, Some(id)).await?;
    sqlx::query("UPDATE segments SET name = $1, target = $2, expression = $3, updated_at = $4 WHERE id = $5")
        .bind(&next.name)
        .bind(next.target.as_str())
        .bind(&next.expression)
        .bind(now().max(before.updated_at))
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    let after = load_segment(&mut tx, id).await?;
    audit(&mut tx, actor, "segment", id.0, "update", Some(&before), Some(&after)).await?;
    tx.commit().await.map_err(db)?;
    Ok(after)
}

async fn segment_delete(pool: &sqlx::Pool<Db>, actor: &Actor, id: SegmentId) -> Result<()> {
    let mut tx = begin_write(pool).await.map_err(db)?;
    let before = load_segment_for_update(&mut tx, id).await?;
    exec_each(&mut tx, &["DELETE FROM segments WHERE id = $1"], id.0).await?;
    audit::<_, ()>(&mut tx, actor, "segment", id.0, "delete", Some(&before), None).await?;
    tx.commit().await.map_err(db)?;
    Ok(())
}

/// How many rows a checked filter selects.
async fn segment_count_in(pool: &sqlx::Pool<Db>, filter: &Checked, target: Target, today: NaiveDate) -> Result<u64> {
    let mut q = QueryBuilder::<Db>::new(match target {
        Target::Contacts => "SELECT COUNT(*) AS n FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE ",
        Target::Accounts => "SELECT COUNT(*) AS n FROM accounts a WHERE ",
    });
    push_filter(&mut q, filter, target, today);
    let mut conn = pool.acquire().await.map_err(db)?;
    let deadline = time_limit(&mut conn).await?;
    let row = q.build().fetch_one(&mut *conn).await;
    deadline.end();
    Ok(count_of(&row.map_err(db)?, "n")?)
}

/// Accounts by id, in the order asked, skipping ids that do not exist.
async fn accounts_by_ids(conn: &mut <Db as sqlx::Database>::Connection, ids: &[AccountId]) -> Result<Vec<Account>> {
    let mut found: HashMap<i64, Account> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id IN ("));
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(id.0);
        }
        q.push(")");
        let rows = q.build().fetch_all(&mut *conn).await.map_err(db)?;
        let accounts = rows.iter().map(account_row).collect::<Result<Vec<_>, _>>()?;
        for a in with_domains(&mut *conn, accounts).await? {
            found.insert(a.id.0, a);
        }
    }
    Ok(ids.iter().filter_map(|id| found.get(&id.0).cloned()).collect())
}
