// Campaigns, their members and activities (this file is `include!`d after `shared.rs`): what people
// did, and the last touch it leaves on a contact.

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

/// The condition on an activity that is a touch from the person (`ActivityKind::is_touch`): a
/// note is what our side wrote, and moves neither "last activity" nor the trend.
const TOUCH: &str = "kind <> 'note'";

/// Sets `contacts.last_activity_at` (what "engaged" reads) to each contact's newest touch (a note
/// is ours, not theirs);
/// called after every write that adds, moves, re-dates or removes activities of these contacts.
async fn refresh_last_activity(tx: &mut Tx<'_>, contacts: &[i64]) -> Result<()> {
    let mut ids: Vec<i64> = contacts.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(1000) {
        let mut q = QueryBuilder::<Db>::new(format!(
            "UPDATE contacts SET last_activity_at = (SELECT MAX(x.occurred_at) FROM activities x WHERE x.contact_id = contacts.id AND x.{TOUCH}) WHERE id IN ("
        ));
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        q.push(")");
        q.build().execute(&mut **tx).await.map_err(db)?;
    }
    Ok(())
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

// --- what the `Store` methods of this aggregate do (`shared.rs` delegates to these) ---

async fn weekly_activity_in(store: &ThisStore, accounts: &[AccountId], now: DateTime<Utc>, weeks: u32) -> Result<HashMap<AccountId, Vec<u32>>> {
    let mut out: HashMap<AccountId, Vec<u32>> = accounts.iter().map(|a| (*a, vec![0; weeks as usize])).collect();
    if accounts.is_empty() || weeks == 0 {
        return Ok(out);
    }
    let since = now - chrono::Duration::days(7 * i64::from(weeks));
    let mut q = QueryBuilder::<Db>::new(format!("SELECT account_id, occurred_at FROM activities WHERE {TOUCH} AND occurred_at >= "));
    q.push_bind(since).push(" AND occurred_at < ").push_bind(now).push(" AND account_id IN (");
    let mut ids = q.separated(", ");
    for a in accounts {
        ids.push_bind(a.0);
    }
    q.push(")");
    for row in q.build().fetch_all(&store.pool).await.map_err(db)? {
        let account = AccountId(row.try_get("account_id")?);
        let at: DateTime<Utc> = row.try_get("occurred_at")?;
        let week = ((at - since).num_seconds() / (7 * 24 * 3600)).clamp(0, i64::from(weeks) - 1) as usize;
        if let Some(counts) = out.get_mut(&account) {
            counts[week] += 1;
        }
    }
    Ok(out)
}

/// Appends an activity query's conditions, each after ` AND`.
fn push_activity_filters(q: &mut QueryBuilder<'_, Db>, query: &ActivityQuery) {
    push_about(q, query.account_id, query.contact_id, query.opportunity_id);
    if let Some(k) = query.kind {
        q.push(" AND kind = ").push_bind(k.as_str());
    }
}

/// Appends the conditions on the records a row is about (activities and tasks alike), each
/// after ` AND`.
fn push_about(q: &mut QueryBuilder<'_, Db>, account: Option<AccountId>, contact: Option<ContactId>, opportunity: Option<OpportunityId>) {
    if let Some(a) = account {
        q.push(" AND account_id = ").push_bind(a.0);
    }
    if let Some(c) = contact {
        q.push(" AND contact_id = ").push_bind(c.0);
    }
    if let Some(o) = opportunity {
        q.push(" AND opportunity_id = ").push_bind(o.0);
    }
}

/// The newest activities a query selects, by when they happened.
async fn recent_activities_in(store: &ThisStore, query: &ActivityQuery, limit: u32) -> Result<Vec<Activity>> {
    let mut q = QueryBuilder::<Db>::new(format!("SELECT {ACTIVITY_COLUMNS} FROM activities WHERE 1 = 1"));
    push_activity_filters(&mut q, query);
    q.push(" ORDER BY occurred_at DESC, id DESC LIMIT ").push_bind(i64::from(limit.clamp(1, 1000)));
    let rows = q.build().fetch_all(&store.pool).await.map_err(db)?;
    Ok(rows.iter().map(activity_row).collect::<Result<Vec<_>, _>>()?)
}

async fn list_activities_in(store: &ThisStore, query: &ActivityQuery, page: PageRequest) -> Result<Page<Activity>> {
    let limit = clamp(page);
    let mut q = QueryBuilder::<Db>::new(format!("SELECT {ACTIVITY_COLUMNS} FROM activities WHERE 1 = 1"));
    if let Some(after) = page.after {
        q.push(" AND id < ").push_bind(after);
    }
    push_activity_filters(&mut q, query);
    q.push(" ORDER BY id DESC LIMIT ").push_bind(limit + 1);
    let rows = q.build().fetch_all(&store.pool).await.map_err(db)?;
    let activities = rows.iter().map(activity_row).collect::<Result<Vec<_>, _>>()?;
    Ok(paginate(activities, limit, |a| a.id.0))
}

async fn create_campaign_in(store: &ThisStore, actor: &Actor, new: NewCampaign) -> Result<Campaign> {
    let new = new.validate()?;
    let mut tx = begin_write(&store.pool).await.map_err(db)?;
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

async fn add_campaign_members_in(store: &ThisStore, actor: &Actor, campaign: CampaignId, members: Vec<NewCampaignMember>) -> Result<usize> {
    let mut tx = begin_write(&store.pool).await.map_err(db)?;
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

async fn add_campaign_member_in(store: &ThisStore, actor: &Actor, campaign: CampaignId, member: NewCampaignMember) -> Result<CampaignMember> {
    let mut tx = begin_write(&store.pool).await.map_err(db)?;
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

async fn update_campaign_in(store: &ThisStore, actor: &Actor, id: CampaignId, patch: CampaignPatch) -> Result<Campaign> {
    let mut tx = begin_write(&store.pool).await.map_err(db)?;
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
