// Contacts (this file is `include!`d after `shared.rs`): reading, writing and checking a person,
// one or many at a time.

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

// --- what the `Store` methods of this aggregate do (`shared.rs` delegates to these) ---

/// Deletes a contact: its roles, memberships and scores go; its activities, tasks and intake
/// records stay, no longer naming it.
async fn delete_contact_in(store: &ThisStore, actor: &Actor, id: ContactId) -> Result<()> {
    let mut tx = begin_write(&store.pool).await.map_err(db)?;
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
    settle_accounts(store, &mut tx, actor, &[before.account_id]).await?;
    tx.commit().await.map_err(db)?;
    Ok(())
}

async fn update_contact_in(store: &ThisStore, actor: &Actor, id: ContactId, patch: ContactPatch, versions: Option<&[DateTime<Utc>]>) -> Result<Contact> {
    let mut tx = begin_write(&store.pool).await.map_err(db)?;
    let before = load_contact_for_update(&mut tx, id).await?;
    // An invalid patch is refused as invalid whatever version it names.
    let next = patch.apply(&before)?;
    check_version("contact", id.0, before.updated_at, versions)?;
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
    settle_accounts(store, &mut tx, actor, &[before.account_id, after.account_id]).await?;
    tx.commit().await.map_err(db)?;
    Ok(after)
}

async fn contact_table_in(store: &ThisStore, query: &crate::ContactTableQuery, today: chrono::NaiveDate) -> Result<Vec<Contact>> {
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
    let mut conn = store.pool.acquire().await.map_err(db)?;
    // A filter's time limit holds here too: a sort does not make a slow filter welcome.
    let deadline = time_limit(&mut conn).await?;
    let rows = q.build().fetch_all(&mut *conn).await;
    deadline.end();
    Ok(rows.map_err(db)?.iter().map(contact_row).collect::<Result<Vec<_>, _>>()?)
}
