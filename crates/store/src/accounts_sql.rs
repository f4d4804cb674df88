// Accounts and their hierarchy (this file is `include!`d after `shared.rs`): reading, writing and
// checking an account, its domains, its family and what hangs off it.

const ACCOUNT_COLUMNS: &str = "id, name, duns, parent_id, industry, employees, annual_revenue, country, state, city, relationship, stage, owner_id, target_tier, created_at, updated_at";

fn account_row(r: &DbRow) -> Result<Account, sqlx::Error> {
    Ok(Account {
        id: AccountId(r.try_get("id")?),
        name: r.try_get("name")?,
        domains: Vec::new(),
        duns: r.try_get("duns")?,
        parent_id: r.try_get::<Option<i64>, _>("parent_id")?.map(AccountId),
        industry: r.try_get("industry")?,
        employees: r.try_get("employees")?,
        annual_revenue: r.try_get("annual_revenue")?,
        country: r.try_get("country")?,
        state: r.try_get("state")?,
        city: r.try_get("city")?,
        relationship: parse(r.try_get::<&str, _>("relationship")?)?,
        stage: parse(r.try_get::<&str, _>("stage")?)?,
        owner_id: r.try_get::<Option<i64>, _>("owner_id")?.map(UserId),
        target_tier: r.try_get("target_tier")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn asset_row(r: &DbRow) -> Result<Asset, sqlx::Error> {
    Ok(Asset {
        id: AssetId(r.try_get("id")?),
        account_id: AccountId(r.try_get("account_id")?),
        product: r.try_get("product")?,
        quantity: r.try_get("quantity")?,
        annual_value: r.try_get("annual_value")?,
        purchased_on: r.try_get("purchased_on")?,
        renews_on: r.try_get("renews_on")?,
        created_at: r.try_get("created_at")?,
    })
}

async fn domains_of(conn: &mut <Db as sqlx::Database>::Connection, ids: &[i64]) -> Result<HashMap<i64, Vec<String>>> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut q = QueryBuilder::<Db>::new("SELECT account_id, domain FROM account_domains WHERE account_id IN (");
    let mut sep = q.separated(", ");
    for id in ids {
        sep.push_bind(*id);
    }
    q.push(") ORDER BY account_id, position");
    for r in q.build().fetch_all(&mut *conn).await.map_err(db)? {
        out.entry(r.try_get("account_id")?).or_default().push(r.try_get("domain")?);
    }
    Ok(out)
}

async fn with_domains(conn: &mut <Db as sqlx::Database>::Connection, mut accounts: Vec<Account>) -> Result<Vec<Account>> {
    let ids: Vec<i64> = accounts.iter().map(|a| a.id.0).collect();
    let mut domains = domains_of(conn, &ids).await?;
    for a in &mut accounts {
        a.domains = domains.remove(&a.id.0).unwrap_or_default();
    }
    Ok(accounts)
}

async fn load_account(conn: &mut <Db as sqlx::Database>::Connection, id: AccountId) -> Result<Account> {
    read_account(conn, id, "").await
}

/// [`load_account`] for a read-modify-write: the row stays locked until the transaction ends.
async fn load_account_for_update(tx: &mut Tx<'_>, id: AccountId) -> Result<Account> {
    read_account(tx, id, FOR_UPDATE).await
}

async fn read_account(conn: &mut <Db as sqlx::Database>::Connection, id: AccountId, lock: &str) -> Result<Account> {
    // The domains come in the same statement, in order and space-separated (a normalized
    // domain has no space): one round trip for the most read record.
    let domains = format!("(SELECT {} FROM account_domains d WHERE d.account_id = accounts.id) AS domain_list", space_separated("d.domain", "d.position"));
    let row = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS}, {domains} FROM accounts WHERE id = $1{lock}"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound { entity: "account", id: id.0 })?;
    let mut account = account_row(&row)?;
    let list: Option<String> = row.try_get("domain_list")?;
    account.domains = list.as_deref().unwrap_or_default().split_whitespace().map(String::from).collect();
    Ok(account)
}

/// The name of an account that must exist for a reference in `field` to be valid.
async fn referenced_account(conn: &mut <Db as sqlx::Database>::Connection, id: AccountId, field: &str) -> Result<String> {
    sqlx::query("SELECT name FROM accounts WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .map(|r| r.try_get::<String, _>("name"))
        .transpose()?
        .ok_or_else(|| invalid(field, format!("account {id} does not exist; create the account first or pick another")))
}

/// Ancestors of `id`, nearest first (its parent, the parent's parent, ...), up to a root.
///
/// No depth limit: a chain is followed to its end however long. `path` (`,7,3,`) holds the
/// ids walked so far and the walk stops before one of them, so a loop in the links (which
/// an older version could write) ends where it closes instead of running forever.
async fn ancestors(conn: &mut <Db as sqlx::Database>::Connection, id: AccountId) -> Result<Vec<AccountRef>> {
    let rows = sqlx::query(
        "WITH RECURSIVE up(id, parent_id, depth, path) AS (
             SELECT id, parent_id, 0, ',' || CAST(id AS TEXT) || ',' FROM accounts WHERE id = $1
             UNION ALL
             SELECT a.id, a.parent_id, up.depth + 1, up.path || CAST(a.id AS TEXT) || ','
             FROM accounts a JOIN up ON a.id = up.parent_id
             WHERE up.path NOT LIKE ('%,' || CAST(a.id AS TEXT) || ',%')
         )
         SELECT up.id, a.name FROM up JOIN accounts a ON a.id = up.id WHERE up.depth > 0 ORDER BY up.depth",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    rows.iter()
        .map(|r| Ok(AccountRef { id: AccountId(r.try_get("id")?), name: r.try_get("name")? }))
        .collect()
}

/// Every account below `id`, with its parent, breadth first. As in [`ancestors`], each branch
/// carries the ids it walked (starting with `id`) and stops before revisiting one.
async fn descendants(conn: &mut <Db as sqlx::Database>::Connection, id: AccountId) -> Result<Vec<(AccountRef, AccountId)>> {
    let rows = sqlx::query(
        "WITH RECURSIVE down(id, parent_id, depth, path) AS (
             SELECT id, parent_id, 0, ',' || CAST(parent_id AS TEXT) || ',' || CAST(id AS TEXT) || ','
             FROM accounts WHERE parent_id = $1 AND id <> parent_id
             UNION ALL
             SELECT a.id, a.parent_id, down.depth + 1, down.path || CAST(a.id AS TEXT) || ','
             FROM accounts a JOIN down ON a.parent_id = down.id
             WHERE down.path NOT LIKE ('%,' || CAST(a.id AS TEXT) || ',%')
         )
         SELECT down.id, down.parent_id, a.name FROM down JOIN accounts a ON a.id = down.id ORDER BY down.depth, down.id",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    rows.iter()
        .map(|r| {
            Ok((
                AccountRef { id: AccountId(r.try_get("id")?), name: r.try_get("name")? },
                AccountId(r.try_get("parent_id")?),
            ))
        })
        .collect()
}

/// Checks that `parent` exists and that making it the parent of `account` closes no loop.
/// The caller holds `lock_hierarchy` (taken here too, should it not), so no other parent
/// change commits between this check and the write.
async fn check_parent(conn: &mut <Db as sqlx::Database>::Connection, account: Option<AccountId>, parent: AccountId) -> Result<()> {
    referenced_account(conn, parent, "parent_id").await?;
    if let Some(account) = account {
        lock_hierarchy(conn).await?;
        let chain: Vec<AccountId> = ancestors(conn, parent).await?.into_iter().map(|a| a.id).collect();
        check_new_parent(account, parent, &chain).map_err(|e| conflict("parent_id", e.to_string()))?;
    }
    Ok(())
}

/// Refuses domains that already belong to another account.
async fn check_domains_free(conn: &mut <Db as sqlx::Database>::Connection, domains: &[String], account: Option<AccountId>) -> Result<()> {
    for (i, d) in domains.iter().enumerate() {
        let owner = sqlx::query("SELECT a.id, a.name FROM account_domains d JOIN accounts a ON a.id = d.account_id WHERE d.domain = $1")
            .bind(d)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
        if let Some(r) = owner {
            let owner_id: i64 = r.try_get("id")?;
            if Some(AccountId(owner_id)) != account {
                let name: String = r.try_get("name")?;
                return Err(conflict(
                    &format!("domains[{i}]"),
                    format!("the domain {d} already belongs to account {owner_id} ({name}); a domain identifies one account"),
                ));
            }
        }
    }
    Ok(())
}

async fn write_domains(tx: &mut Tx<'_>, account: AccountId, domains: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM account_domains WHERE account_id = $1").bind(account.0).execute(&mut **tx).await.map_err(db)?;
    for (i, d) in domains.iter().enumerate() {
        sqlx::query("INSERT INTO account_domains (domain, account_id, position) VALUES ($1, $2, $3)")
            .bind(d)
            .bind(account.0)
            .bind(i as i32)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
    }
    Ok(())
}

/// Refuses a DUNS number another account already has.
async fn check_duns_free(conn: &mut <Db as sqlx::Database>::Connection, duns: &Option<String>, account: Option<AccountId>) -> Result<()> {
    let Some(duns) = duns else { return Ok(()) };
    let owner = sqlx::query("SELECT id, name FROM accounts WHERE duns = $1").bind(duns).fetch_optional(&mut *conn).await.map_err(db)?;
    if let Some(r) = owner {
        let id: i64 = r.try_get("id")?;
        if Some(AccountId(id)) != account {
            let name: String = r.try_get("name")?;
            return Err(conflict("duns", format!("DUNS {duns} already belongs to account {id} ({name})")));
        }
    }
    Ok(())
}

/// Counts what still hangs off an account, for a refusal message; empty when nothing does.
async fn dependents(conn: &mut <Db as sqlx::Database>::Connection, id: AccountId) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for (table, column, label) in [
        ("contacts", "account_id", "contacts"),
        ("opportunities", "account_id", "opportunities"),
        ("activities", "account_id", "activities"),
        ("tasks", "account_id", "tasks"),
        ("assets", "account_id", "assets"),
        ("accounts", "parent_id", "subsidiaries"),
    ] {
        let n: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table} WHERE {column} = $1"))
            .bind(id.0)
            .fetch_one(&mut *conn)
            .await
            .map_err(db)?
            .try_get("n")?;
        if n > 0 {
            out.push(format!("{n} {label}"));
        }
    }
    Ok(out)
}

async fn create_account_in(tx: &mut Tx<'_>, actor: &Actor, new: NewAccount) -> Result<(Account, i64)> {
    let (new, typed) = new.validate_keeping_typed()?;
    if let Some(p) = new.parent_id {
        check_parent(&mut *tx, None, p).await?;
    }
    if let Some(o) = new.owner_id {
        require(&mut *tx, "users", "user", "owner_id", o.0).await?;
    }
    check_domains_free(&mut *tx, &new.domains, None).await?;
    check_duns_free(&mut *tx, &new.duns, None).await?;
    let at = now();
    let created = new.created_at.map(|t| t.trunc_subsecs(6)).unwrap_or(at);
    let stage = new.stage.unwrap_or(AccountStage::Target);
    let given = abcrm_core::enrich::AccountField::given_in(&new);
    let id: i64 = sqlx::query(
        "INSERT INTO accounts (name, duns, parent_id, industry, employees, annual_revenue, country, state, city, relationship, stage, owner_id, target_tier, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
    )
    .bind(&new.name)
    .bind(&new.duns)
    .bind(new.parent_id.map(|p| p.0))
    .bind(&new.industry)
    .bind(new.employees)
    .bind(new.annual_revenue)
    .bind(&new.country)
    .bind(&new.state)
    .bind(&new.city)
    .bind(new.relationship.unwrap_or(Relationship::Prospect).as_str())
    .bind(stage.as_str())
    .bind(new.owner_id.map(|o| o.0))
    .bind(new.target_tier)
    .bind(created)
    .bind(created.max(at))
    .fetch_one(&mut **tx)
    .await
    .map_err(db)?
    .try_get("id")?;
    let id = AccountId(id);
    write_domains(&mut *tx, id, &new.domains).await?;
    record_provenance(&mut *tx, id, &given, abcrm_core::enrich::SourceKind::Entered, &actor.label, at, &typed).await?;
    // The funnel starts here: the first stage is history too.
    sqlx::query("INSERT INTO account_stage_history (account_id, from_stage, to_stage, reason, changed_at) VALUES ($1, NULL, $2, $3, $4)")
        .bind(id.0)
        .bind(stage.as_str())
        .bind("created")
        .bind(created)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    let account = load_account(&mut *tx, id).await?;
    let audit_id = audit::<(), _>(&mut *tx, actor, "account", id.0, "create", None, Some(&account)).await?;
    Ok((account, audit_id))
}

/// The hierarchy around an account: its ancestors, root first, and the tree below it.
async fn hierarchy_of(conn: &mut <Db as sqlx::Database>::Connection, account: &Account) -> Result<Hierarchy> {
    let id = account.id;
    let mut up = ancestors(&mut *conn, id).await?;
    up.reverse();
    let below = descendants(&mut *conn, id).await?;
    let mut children: HashMap<AccountId, Vec<AccountRef>> = HashMap::new();
    for (node, parent) in below {
        children.entry(parent).or_default().push(node);
    }
    fn build(node: AccountRef, children: &mut HashMap<AccountId, Vec<AccountRef>>) -> HierarchyNode {
        let kids = children.remove(&node.id).unwrap_or_default();
        HierarchyNode { subsidiaries: kids.into_iter().map(|k| build(k, children)).collect(), account: node }
    }
    let tree = build(AccountRef { id, name: account.name.clone() }, &mut children);
    Ok(Hierarchy { ancestors: up, tree })
}

/// An account's products, those renewing soonest first, then those without a renewal date.
async fn assets_of(conn: &mut <Db as sqlx::Database>::Connection, account: AccountId) -> Result<Vec<Asset>> {
    let rows = sqlx::query(
        "SELECT id, account_id, product, quantity, annual_value, purchased_on, renews_on, created_at FROM assets WHERE account_id = $1
         ORDER BY CASE WHEN renews_on IS NULL THEN 1 ELSE 0 END, renews_on, id",
    )
    .bind(account.0)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    Ok(rows.iter().map(asset_row).collect::<Result<Vec<_>, _>>()?)
}

/// Applies a patch to an account, read locked so that concurrent patches of other fields all
/// land. With `versions`, only when the account's `updated_at` is one of them (an HTTP
/// `If-Match`); otherwise the account changed since the caller read it: `StoreError::Stale`.
async fn update_account_in(store: &ThisStore, actor: &Actor, id: AccountId, patch: AccountPatch, versions: Option<&[DateTime<Utc>]>) -> Result<Account> {
    let mut tx = begin_write(&store.pool).await.map_err(db)?;
    if matches!(patch.parent_id, abcrm_core::patch::Patch::Set(_)) {
        lock_hierarchy(&mut tx).await?;
    }
    let before = load_account_for_update(&mut tx, id).await?;
    let given = abcrm_core::enrich::AccountField::patched_by(&patch);
    // An invalid patch is refused as invalid whatever version it names; a valid one only applies
    // to the version it names.
    let (mut next, typed) = patch.apply_keeping_typed(&before)?;
    check_version("account", id.0, before.updated_at, versions)?;
    // Customer status is one fact: the relationship a person sets may not contradict what the
    // account's deals and assets say, and the stage follows it (or the relationship the stage).
    let mut stage_reason = format!("set by {}", actor.label);
    if next.relationship != before.relationship {
        let facts = stage_facts(&mut tx, id, Points::default()).await?;
        scoring::check_relationship(next.relationship, &facts)
            .map_err(|message| StoreError::Conflict { field: Some("relationship".into()), message })?;
        if next.stage == before.stage {
            next.stage = scoring::stage_for_relationship(next.relationship, next.stage);
            stage_reason = format!("relationship set to {} by {}", next.relationship.as_str(), actor.label);
        }
    } else if next.stage != before.stage {
        next.relationship = scoring::relationship_after(before.stage, next.stage, next.relationship);
    }
    if next.parent_id != before.parent_id {
        if let Some(p) = next.parent_id {
            check_parent(&mut tx, Some(id), p).await?;
        }
    }
    if next.owner_id != before.owner_id {
        if let Some(o) = next.owner_id {
            require(&mut tx, "users", "user", "owner_id", o.0).await?;
        }
    }
    check_domains_free(&mut tx, &next.domains, Some(id)).await?;
    check_duns_free(&mut tx, &next.duns, Some(id)).await?;
    sqlx::query(
        "UPDATE accounts SET name = $1, duns = $2, parent_id = $3, industry = $4, employees = $5, annual_revenue = $6, country = $7, state = $8, city = $9,
         relationship = $10, stage = $11, owner_id = $12, target_tier = $13, updated_at = $14 WHERE id = $15",
    )
    .bind(&next.name)
    .bind(&next.duns)
    .bind(next.parent_id.map(|p| p.0))
    .bind(&next.industry)
    .bind(next.employees)
    .bind(next.annual_revenue)
    .bind(&next.country)
    .bind(&next.state)
    .bind(&next.city)
    .bind(next.relationship.as_str())
    .bind(next.stage.as_str())
    .bind(next.owner_id.map(|o| o.0))
    .bind(next.target_tier)
    .bind(now())
    .bind(id.0)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    if next.domains != before.domains {
        write_domains(&mut tx, id, &next.domains).await?;
    }
    record_provenance(&mut tx, id, &given, abcrm_core::enrich::SourceKind::Entered, &actor.label, now(), &typed).await?;
    if next.stage != before.stage {
        sqlx::query("INSERT INTO account_stage_history (account_id, from_stage, to_stage, reason, changed_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id.0)
            .bind(before.stage.as_str())
            .bind(next.stage.as_str())
            .bind(&stage_reason)
            .bind(now())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    let after = load_account(&mut tx, id).await?;
    audit(&mut tx, actor, "account", id.0, "update", Some(&before), Some(&after)).await?;
    // Firmographics feed the account's fit, and a new parent changes two roll-ups.
    let mut touched = vec![id];
    touched.extend(before.parent_id);
    settle_accounts(store, &mut tx, actor, &touched).await?;
    tx.commit().await.map_err(db)?;
    Ok(after)
}

// --- what the `Store` methods of this aggregate do (`shared.rs` delegates to these) ---

async fn delete_account_in(store: &ThisStore, actor: &Actor, id: AccountId, on_dependents: OnDependents) -> Result<()> {
    let mut tx = begin_write(&store.pool).await.map_err(db)?;
    // Moving subsidiaries re-parents them: no other parent change may slip in between the
    // check below and the move.
    if matches!(on_dependents, OnDependents::MoveTo(_)) {
        lock_hierarchy(&mut tx).await?;
    }
    let before = load_account_for_update(&mut tx, id).await?;
    match on_dependents {
        OnDependents::Refuse => {
            let remaining = dependents(&mut tx, id).await?;
            if !remaining.is_empty() {
                return Err(StoreError::Conflict {
                    field: None,
                    message: format!(
                        "account {id} ({}) still has {}; move them to another account first, or delete with move_to=<account id> to move them in one step",
                        before.name,
                        remaining.join(", ")
                    ),
                });
            }
        }
        OnDependents::MoveTo(target) => {
            if target == id {
                return Err(invalid("move_to", "cannot move an account's records to the account being deleted"));
            }
            referenced_account(&mut tx, target, "move_to").await?;
            if descendants(&mut tx, id).await?.iter().any(|(d, _)| d.id == target) {
                return Err(invalid("move_to", format!("account {target} is a subsidiary of account {id}; move to an account outside its hierarchy")));
            }
            let moved = dependents(&mut tx, id).await?;
            for (table, column) in [
                ("contacts", "account_id"),
                ("opportunities", "account_id"),
                ("opportunity_contact_roles", "account_id"),
                ("activities", "account_id"),
                ("tasks", "account_id"),
                ("campaign_members", "account_id"),
                ("assets", "account_id"),
                ("intake_records", "account_id"),
                ("accounts", "parent_id"),
            ] {
                sqlx::query(&format!("UPDATE {table} SET {column} = $1 WHERE {column} = $2"))
                    .bind(target.0)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
            // The domains name the same company: they follow its people.
            let next_position: i32 = sqlx::query("SELECT COUNT(*) AS n FROM account_domains WHERE account_id = $1")
                .bind(target.0)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?
                .try_get::<i64, _>("n")? as i32;
            sqlx::query("UPDATE account_domains SET account_id = $1, position = position + $2 WHERE account_id = $3")
                .bind(target.0)
                .bind(next_position)
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            let note = serde_json::json!({ "moved_to": target, "moved": moved });
            audit::<_, _>(&mut tx, actor, "account", id.0, "move", Some(&before), Some(&note)).await?;
        }
    }
    exec_each(&mut tx, &[
        "DELETE FROM account_domains WHERE account_id = $1",
        "DELETE FROM account_stage_history WHERE account_id = $1",
        "DELETE FROM account_scores WHERE account_id = $1",
        "UPDATE intake_records SET account_id = NULL WHERE account_id = $1",
        "DELETE FROM accounts WHERE id = $1",
    ], id.0).await?;
    audit::<_, ()>(&mut tx, actor, "account", id.0, "delete", Some(&before), None).await?;
    let mut touched: Vec<AccountId> = before.parent_id.into_iter().collect();
    if let OnDependents::MoveTo(target) = on_dependents {
        touched.push(target);
    }
    settle_accounts(store, &mut tx, actor, &touched).await?;
    tx.commit().await.map_err(db)?;
    Ok(())
}

async fn account_table_in(store: &ThisStore, query: &crate::AccountTableQuery, today: chrono::NaiveDate) -> Result<crate::AccountTable> {
    use crate::{AccountSelection, AccountSort};
    /// The WHERE condition of a selection; `a` is the account.
    fn push_selection(q: &mut QueryBuilder<'_, Db>, selection: &AccountSelection, today: chrono::NaiveDate) {
        match selection {
            AccountSelection::All => {
                q.push("1 = 1");
            }
            AccountSelection::Accounts(f) => push_filter(q, f, abcrm_core::filter::Target::Accounts, today),
            AccountSelection::OfContacts(f) => {
                q.push("EXISTS (SELECT 1 FROM contacts c WHERE c.account_id = a.id AND ");
                push_filter(q, f, abcrm_core::filter::Target::Contacts, today);
                q.push(")");
            }
        }
    }
    let keys: Vec<String> = match query.sort {
        AccountSort::Name => vec!["LOWER(a.name)".into()],
        AccountSort::Industry => vec!["LOWER(a.industry)".into()],
        AccountSort::Location => vec!["LOWER(a.country)".into(), "LOWER(a.state)".into(), "LOWER(a.city)".into()],
        AccountSort::Employees => vec!["a.employees".into()],
        AccountSort::AnnualRevenue => vec!["a.annual_revenue".into()],
        AccountSort::Relationship => {
            vec![vocabulary_rank("a.relationship", Relationship::ALL.iter().map(|r| r.as_str()))]
        }
        AccountSort::Stage => {
            vec![vocabulary_rank("a.stage", AccountStage::ALL.iter().map(|r| r.as_str()))]
        }
        AccountSort::Score => vec!["sc.score".into()],
        AccountSort::Owner => vec!["LOWER(ow.name)".into()],
    };
    let order = order_by(&keys, "a.id", query.descending);
    let columns: Vec<String> = ACCOUNT_COLUMNS.split(", ").map(|c| format!("a.{c}")).collect();
    let mut q = QueryBuilder::<Db>::new(format!(
        "SELECT {}, sc.score AS table_score, ow.name AS owner_name FROM accounts a \
         LEFT JOIN account_scores sc ON sc.account_id = a.id LEFT JOIN users ow ON ow.id = a.owner_id WHERE ",
        columns.join(", ")
    ));
    push_selection(&mut q, &query.selection, today);
    q.push(format!(" ORDER BY {order} LIMIT "));
    q.push_bind(i64::from(query.limit.clamp(1, 1000)));
    q.push(" OFFSET ").push_bind(i64::try_from(query.offset).unwrap_or(i64::MAX));
    let mut conn = store.pool.acquire().await.map_err(db)?;
    let rows = q.build().fetch_all(&mut *conn).await.map_err(db)?;
    let mut extra = Vec::with_capacity(rows.len());
    let mut accounts = Vec::with_capacity(rows.len());
    for r in &rows {
        accounts.push(account_row(r)?);
        extra.push((r.try_get::<Option<i64>, _>("table_score")?.map(abcrm_core::scoring::Points), r.try_get::<Option<String>, _>("owner_name")?));
    }
    let accounts = with_domains(&mut conn, accounts).await?;
    let mut count = QueryBuilder::<Db>::new("SELECT COUNT(*) AS n FROM accounts a WHERE ");
    push_selection(&mut count, &query.selection, today);
    let total = count_of(&count.build().fetch_one(&mut *conn).await.map_err(db)?, "n")?;
    let rows = accounts
        .into_iter()
        .zip(extra)
        .map(|(account, (score, owner_name))| crate::AccountTableRow { account, score, owner_name })
        .collect();
    Ok(crate::AccountTable { rows, total })
}

async fn account_360_in(store: &ThisStore, id: AccountId) -> Result<Account360> {
    // One read transaction: every part from the same moment, on one connection.
    let mut conn = store.pool.begin().await.map_err(db)?;
    let account = load_account(&mut conn, id).await?;
    let hierarchy = hierarchy_of(&mut conn, &account).await?;
    let contacts = sqlx::query(&format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE account_id = $1 ORDER BY id"))
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    let mut buying_center: BTreeMap<String, Vec<Contact>> = BTreeMap::new();
    for r in &contacts {
        let c = contact_row(r)?;
        let role = c.buying_role.map(|b| b.as_str().to_string()).unwrap_or_else(|| "unassigned".to_string());
        buying_center.entry(role).or_default().push(c);
    }
    let open: Vec<&str> = OpportunityStage::ALL.iter().filter(|s| s.is_open()).map(|s| s.as_str()).collect();
    let mut q = QueryBuilder::<Db>::new(format!("SELECT {OPPORTUNITY_COLUMNS} FROM opportunities WHERE account_id = "));
    q.push_bind(id.0).push(" AND stage IN (");
    let mut sep = q.separated(", ");
    for s in open {
        sep.push_bind(s);
    }
    q.push(") ORDER BY close_date, id");
    let opps = q.build().fetch_all(&mut *conn).await.map_err(db)?.iter().map(opportunity_row).collect::<Result<Vec<_>, _>>()?;
    let open_opportunities = with_roles(&mut conn, opps).await?;
    let recent_activities = sqlx::query(&format!("SELECT {ACTIVITY_COLUMNS} FROM activities WHERE account_id = $1 ORDER BY occurred_at DESC, id DESC LIMIT 20"))
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .iter()
        .map(activity_row)
        .collect::<Result<Vec<_>, _>>()?;
    let assets = assets_of(&mut conn, id).await?;
    conn.commit().await.map_err(db)?;
    Ok(Account360 { account, hierarchy, buying_center, open_opportunities, recent_activities, assets })
}

async fn member_summaries_in(store: &ThisStore, accounts: &[AccountId], today: chrono::NaiveDate) -> Result<Vec<MemberSummary>> {
    if accounts.len() > crate::MAX_IN_LIST {
        return Err(invalid("accounts", format!("{} accounts asked for at once; ask for at most {}", accounts.len(), crate::MAX_IN_LIST)));
    }
    let mut out: Vec<MemberSummary> = accounts.iter().map(|&account_id| MemberSummary { account_id, people: 0, roles: Vec::new(), products: Vec::new() }).collect();
    if accounts.is_empty() {
        return Ok(out);
    }
    let at: HashMap<i64, usize> = accounts.iter().enumerate().map(|(i, a)| (a.0, i)).collect();
    let in_list = |q: &mut QueryBuilder<'_, Db>| {
        let mut list = q.separated(", ");
        for a in accounts {
            list.push_bind(a.0);
        }
    };
    let mut q = QueryBuilder::<Db>::new("SELECT account_id, buying_role, COUNT(*) AS n FROM contacts WHERE status <> 'left_company' AND account_id IN (");
    in_list(&mut q);
    q.push(") GROUP BY account_id, buying_role");
    for r in q.build().fetch_all(&store.pool).await.map_err(db)? {
        let m = &mut out[at[&r.try_get::<i64, _>("account_id")?]];
        m.people += count_of(&r, "n")?;
        if let Some(role) = parse_opt::<BuyingRole>(r.try_get("buying_role")?)? {
            m.roles.push(role);
        }
    }
    let mut q = QueryBuilder::<Db>::new("SELECT DISTINCT account_id, product FROM assets WHERE (renews_on IS NULL OR renews_on >= ");
    q.push_bind(today).push(") AND account_id IN (");
    in_list(&mut q);
    q.push(") ORDER BY account_id, product");
    for r in q.build().fetch_all(&store.pool).await.map_err(db)? {
        out[at[&r.try_get::<i64, _>("account_id")?]].products.push(r.try_get("product")?);
    }
    for m in &mut out {
        m.roles.sort_by_key(|r| BuyingRole::ALL.iter().position(|x| x == r));
    }
    Ok(out)
}

async fn set_account_stage_in(store: &ThisStore, actor: &Actor, account: AccountId, stage: AccountStage, reason: &str, at: DateTime<Utc>) -> Result<Account> {
    let mut tx = begin_write(&store.pool).await.map_err(db)?;
    let before = load_account_for_update(&mut tx, account).await?;
    if before.stage == stage {
        return Ok(before);
    }
    let relationship = scoring::relationship_after(before.stage, stage, before.relationship);
    sqlx::query("UPDATE accounts SET stage = $1, relationship = $2, updated_at = $3 WHERE id = $4")
        .bind(stage.as_str())
        .bind(relationship.as_str())
        .bind(now())
        .bind(account.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    sqlx::query("INSERT INTO account_stage_history (account_id, from_stage, to_stage, reason, changed_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(account.0)
        .bind(before.stage.as_str())
        .bind(stage.as_str())
        .bind(reason)
        .bind(at.trunc_subsecs(6))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    let after = load_account(&mut tx, account).await?;
    audit(&mut tx, actor, "account", account.0, "stage", Some(&before), Some(&after)).await?;
    tx.commit().await.map_err(db)?;
    Ok(after)
}

async fn list_accounts_in(store: &ThisStore, query: &AccountQuery, page: PageRequest) -> Result<Page<Account>> {
    let limit = clamp(page);
    let mut q = QueryBuilder::<Db>::new(format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE 1 = 1"));
    if let Some(after) = page.after {
        q.push(" AND id > ").push_bind(after);
    }
    if let Some(text) = &query.name_contains {
        q.push(" AND lower(name) LIKE ").push_bind(format!("%{}%", escape_like(&text.to_lowercase()))).push(" ESCAPE '\\'");
    }
    if let Some(domain) = &query.domain {
        let domain = abcrm_core::normalize::normalize_domain(domain).unwrap_or_else(|_| domain.to_lowercase());
        q.push(" AND id IN (SELECT account_id FROM account_domains WHERE domain = ").push_bind(domain).push(")");
    }
    if let Some(parent) = query.parent_id {
        q.push(" AND parent_id = ").push_bind(parent.0);
    }
    if let Some(r) = query.relationship {
        q.push(" AND relationship = ").push_bind(r.as_str());
    }
    if let Some(s) = query.stage {
        q.push(" AND stage = ").push_bind(s.as_str());
    }
    q.push(" ORDER BY id LIMIT ").push_bind(limit + 1);
    let mut conn = store.pool.acquire().await.map_err(db)?;
    let rows = q.build().fetch_all(&mut *conn).await.map_err(db)?;
    let accounts = rows.iter().map(account_row).collect::<Result<Vec<_>, _>>()?;
    let accounts = with_domains(&mut conn, accounts).await?;
    Ok(paginate(accounts, limit, |a| a.id.0))
}

async fn create_asset_in(store: &ThisStore, actor: &Actor, new: NewAsset) -> Result<Asset> {
    let new = new.validate()?;
    let mut tx = begin_write(&store.pool).await.map_err(db)?;
    referenced_account(&mut tx, new.account_id, "account_id").await?;
    let row = sqlx::query(
        "INSERT INTO assets (account_id, product, quantity, annual_value, purchased_on, renews_on, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         RETURNING id, account_id, product, quantity, annual_value, purchased_on, renews_on, created_at",
    )
    .bind(new.account_id.0)
    .bind(&new.product)
    .bind(new.quantity)
    .bind(new.annual_value)
    .bind(new.purchased_on)
    .bind(new.renews_on)
    .bind(now())
    .fetch_one(&mut *tx)
    .await
    .map_err(db)?;
    let asset = asset_row(&row)?;
    audit::<(), _>(&mut tx, actor, "asset", asset.id.0, "create", None, Some(&asset)).await?;
    // An asset in force makes a customer; one already lapsed may make a former customer.
    settle_accounts(store, &mut tx, actor, &[asset.account_id]).await?;
    tx.commit().await.map_err(db)?;
    Ok(asset)
}
