// Tasks (this file is `include!`d after `shared.rs`): what someone has to do about an account, a
// contact or an opportunity, by a day. A task carries the account of its most specific record
// (the opportunity's, else the contact's), which `shared.rs` keeps when records move and
// `intake_sql.rs` and `account_merge_sql.rs` when they merge.

use abcrm_core::model::{NewTask, Task, TaskPatch};
use abcrm_core::TaskId;

const TASK_COLUMNS: &str =
    "id, title, notes, due_on, assignee_id, account_id, contact_id, opportunity_id, done_at, created_at, updated_at";

fn task_row(r: &DbRow) -> Result<Task, sqlx::Error> {
    Ok(Task {
        id: TaskId(r.try_get("id")?),
        title: r.try_get("title")?,
        notes: r.try_get("notes")?,
        due_on: r.try_get("due_on")?,
        assignee_id: r.try_get::<Option<i64>, _>("assignee_id")?.map(UserId),
        account_id: AccountId(r.try_get("account_id")?),
        contact_id: r.try_get::<Option<i64>, _>("contact_id")?.map(ContactId),
        opportunity_id: r.try_get::<Option<i64>, _>("opportunity_id")?.map(OpportunityId),
        done_at: r.try_get("done_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

async fn read_task(conn: &mut <Db as sqlx::Database>::Connection, id: TaskId, lock: &str) -> Result<Task> {
    let row = sqlx::query(&format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1{lock}"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound { entity: "task", id: id.0 })?;
    Ok(task_row(&row)?)
}

/// The account of a new task's record, after checking the records exist and agree.
async fn task_account(conn: &mut <Db as sqlx::Database>::Connection, new: &NewTask) -> Result<AccountId> {
    let of_opportunity = match new.opportunity_id {
        Some(o) => Some(account_of(conn, "opportunities", "opportunity", "opportunity_id", o.0).await?),
        None => None,
    };
    let of_contact = match new.contact_id {
        Some(c) => Some(account_of(conn, "contacts", "contact", "contact_id", c.0).await?),
        None => None,
    };
    if let Some(a) = new.account_id {
        referenced_account(conn, a, "account_id").await?;
        if let Some(other) = of_opportunity.or(of_contact).filter(|o| *o != a) {
            let whose = if of_opportunity.is_some() { "the opportunity" } else { "the contact" };
            return Err(invalid(
                "account_id",
                format!("{whose} belongs to account {other}, not {a}; leave account_id out to use its account"),
            ));
        }
    }
    if let Some(assignee) = new.assignee_id {
        require(conn, "users", "user", "assignee_id", assignee.0).await?;
    }
    of_opportunity
        .or(of_contact)
        .or(new.account_id)
        .ok_or_else(|| invalid("account_id", "a task is about a record: give an account_id, a contact_id or an opportunity_id"))
}

async fn task_create(pool: &sqlx::Pool<Db>, actor: &Actor, new: NewTask) -> Result<Task> {
    let new = new.validate()?;
    let mut tx = begin_write(pool).await.map_err(db)?;
    let account = task_account(&mut tx, &new).await?;
    let at = now();
    let row = sqlx::query(&format!(
        "INSERT INTO tasks (title, notes, due_on, assignee_id, account_id, contact_id, opportunity_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING {TASK_COLUMNS}"
    ))
    .bind(&new.title)
    .bind(&new.notes)
    .bind(new.due_on)
    .bind(new.assignee_id.map(|u| u.0))
    .bind(account.0)
    .bind(new.contact_id.map(|c| c.0))
    .bind(new.opportunity_id.map(|o| o.0))
    .bind(at)
    .fetch_one(&mut *tx)
    .await
    .map_err(db)?;
    let task = task_row(&row)?;
    audit::<(), _>(&mut tx, actor, "task", task.id.0, "create", None, Some(&task)).await?;
    tx.commit().await.map_err(db)?;
    Ok(task)
}

async fn task_update(pool: &sqlx::Pool<Db>, actor: &Actor, id: TaskId, patch: TaskPatch) -> Result<Task> {
    let mut tx = begin_write(pool).await.map_err(db)?;
    let before = read_task(&mut tx, id, FOR_UPDATE).await?;
    let at = now();
    let next = patch.apply(&before, at)?;
    if let Some(assignee) = next.assignee_id.filter(|a| Some(*a) != before.assignee_id) {
        require(&mut tx, "users", "user", "assignee_id", assignee.0).await?;
    }
    sqlx::query("UPDATE tasks SET title = $1, notes = $2, due_on = $3, assignee_id = $4, done_at = $5, updated_at = $6 WHERE id = $7")
        .bind(&next.title)
        .bind(&next.notes)
        .bind(next.due_on)
        .bind(next.assignee_id.map(|u| u.0))
        .bind(next.done_at)
        .bind(at)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    let after = read_task(&mut tx, id, "").await?;
    audit(&mut tx, actor, "task", id.0, "update", Some(&before), Some(&after)).await?;
    tx.commit().await.map_err(db)?;
    Ok(after)
}

async fn task_delete(pool: &sqlx::Pool<Db>, actor: &Actor, id: TaskId) -> Result<()> {
    let mut tx = begin_write(pool).await.map_err(db)?;
    let before = read_task(&mut tx, id, FOR_UPDATE).await?;
    sqlx::query("DELETE FROM tasks WHERE id = $1").bind(id.0).execute(&mut *tx).await.map_err(db)?;
    audit::<_, ()>(&mut tx, actor, "task", id.0, "delete", Some(&before), None).await?;
    tx.commit().await.map_err(db)?;
    Ok(())
}

fn push_task_filters(q: &mut QueryBuilder<'_, Db>, query: &crate::TaskQuery) {
    if let Some(u) = query.assignee_id {
        q.push(" AND assignee_id = ").push_bind(u.0);
    }
    push_about(q, query.account_id, query.contact_id, query.opportunity_id);
    match query.done {
        Some(true) => {
            q.push(" AND done_at IS NOT NULL");
        }
        Some(false) => {
            q.push(" AND done_at IS NULL");
        }
        None => {}
    }
}

/// Tasks newest first, after the cursor.
async fn task_list(pool: &sqlx::Pool<Db>, query: &crate::TaskQuery, page: PageRequest) -> Result<Page<Task>> {
    let limit = clamp(page);
    let mut q = QueryBuilder::<Db>::new(format!("SELECT {TASK_COLUMNS} FROM tasks WHERE 1 = 1"));
    if let Some(after) = page.after {
        q.push(" AND id < ").push_bind(after);
    }
    push_task_filters(&mut q, query);
    q.push(" ORDER BY id DESC LIMIT ").push_bind(limit + 1);
    let rows = q.build().fetch_all(pool).await.map_err(db)?;
    let tasks = rows.iter().map(task_row).collect::<Result<Vec<_>, _>>()?;
    Ok(paginate(tasks, limit, |t| t.id.0))
}

/// Open tasks in the order they are due (those without a day last), at most `limit`, and how
/// many there are in all.
async fn task_agenda(pool: &sqlx::Pool<Db>, query: &crate::TaskQuery, limit: i64) -> Result<(Vec<Task>, u64)> {
    let query = crate::TaskQuery { done: Some(false), ..query.clone() };
    let mut q = QueryBuilder::<Db>::new(format!("SELECT {TASK_COLUMNS} FROM tasks WHERE 1 = 1"));
    push_task_filters(&mut q, &query);
    q.push(" ORDER BY CASE WHEN due_on IS NULL THEN 1 ELSE 0 END, due_on, id LIMIT ").push_bind(limit.clamp(1, 1000));
    let rows = q.build().fetch_all(pool).await.map_err(db)?;
    let tasks = rows.iter().map(task_row).collect::<Result<Vec<_>, _>>()?;
    let mut q = QueryBuilder::<Db>::new("SELECT COUNT(*) AS n FROM tasks WHERE 1 = 1");
    push_task_filters(&mut q, &query);
    let n: i64 = q.build().fetch_one(pool).await.map_err(db)?.try_get("n")?;
    Ok((tasks, n.max(0) as u64))
}
