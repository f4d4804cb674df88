// Opportunities and their contact roles (this file is `include!`d after `shared.rs`).

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

// --- what the `Store` methods of this aggregate do (`shared.rs` delegates to these) ---

async fn opportunity_board_in(store: &ThisStore, query: &crate::BoardQuery) -> Result<crate::Board> {
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
    let mut conn = store.pool.acquire().await.map_err(db)?;
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

async fn update_opportunity_in(store: &ThisStore, actor: &Actor, id: OpportunityId, patch: OpportunityPatch, versions: Option<&[DateTime<Utc>]>) -> Result<Opportunity> {
    let mut tx = begin_write(&store.pool).await.map_err(db)?;
    let before = load_opportunity_for_update(&mut tx, id).await?;
    let roles_changed = !patch.contact_roles.is_keep();
    // An invalid patch is refused as invalid whatever version it names.
    let next = patch.apply(&before)?;
    check_version("opportunity", id.0, before.updated_at, versions)?;
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
    settle_accounts(store, &mut tx, actor, &[before.account_id, after.account_id]).await?;
    tx.commit().await.map_err(db)?;
    Ok(after)
}

async fn list_opportunities_in(store: &ThisStore, query: &OpportunityQuery, page: PageRequest) -> Result<Page<Opportunity>> {
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
    let mut conn = store.pool.acquire().await.map_err(db)?;
    let rows = q.build().fetch_all(&mut *conn).await.map_err(db)?;
    let opps = rows.iter().map(opportunity_row).collect::<Result<Vec<_>, _>>()?;
    let opps = with_roles(&mut conn, opps).await?;
    Ok(paginate(opps, limit, |o| o.id.0))
}
