// Writes of a migration, each with the source id it came from, written once for both backends.
// Like `shared.rs`, this file is `include!`d by `sqlite.rs` and `postgres.rs`.

use crate::IntakePlacement;

/// The abcrm ids of `source` records of `object` already written.
async fn external_ids_in(conn: &mut <Db as sqlx::Database>::Connection, source: &str, object: &str, ids: Option<&[String]>) -> Result<HashMap<String, i64>> {
    let mut out = HashMap::new();
    let Some(ids) = ids else {
        let rows = sqlx::query("SELECT external_id, entity_id FROM external_ids WHERE source = $1 AND object = $2")
            .bind(source)
            .bind(object)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
        for r in rows {
            out.insert(r.try_get("external_id")?, r.try_get("entity_id")?);
        }
        return Ok(out);
    };
    for chunk in ids.chunks(CHUNK) {
        let mut q = QueryBuilder::<Db>::new("SELECT external_id, entity_id FROM external_ids WHERE source = ");
        q.push_bind(source).push(" AND object = ").push_bind(object).push(" AND external_id IN (");
        let mut sep = q.separated(", ");
        for id in chunk {
            sep.push_bind(id);
        }
        q.push(")");
        for r in q.build().fetch_all(&mut *conn).await.map_err(db)? {
            out.insert(r.try_get("external_id")?, r.try_get("entity_id")?);
        }
    }
    Ok(out)
}

async fn write_external_ids(tx: &mut Tx<'_>, source: &str, object: &str, ids: &[(String, i64)]) -> Result<()> {
    for chunk in ids.chunks(CHUNK) {
        let mut q = QueryBuilder::<Db>::new("INSERT INTO external_ids (source, object, external_id, entity_id) ");
        q.push_values(chunk, |mut b, (ext, id)| {
            b.push_bind(source).push_bind(object).push_bind(ext).push_bind(*id);
        });
        q.push(" ON CONFLICT (source, object, external_id) DO NOTHING");
        q.build().execute(&mut **tx).await.map_err(db)?;
    }
    Ok(())
}

/// The rows not yet written, with their batch positions.
fn fresh<T>(rows: Vec<(String, T)>, known: &HashMap<String, i64>) -> Vec<(usize, String, T)> {
    rows.into_iter().enumerate().filter(|(_, (ext, _))| !known.contains_key(ext)).map(|(i, (e, t))| (i, e, t)).collect()
}

async fn import_accounts_in(tx: &mut Tx<'_>, actor: &Actor, source: &str, rows: Vec<(String, NewAccount)>) -> Result<Vec<AccountId>> {
    let exts: Vec<String> = rows.iter().map(|(e, _)| e.clone()).collect();
    let mut known = external_ids_in(&mut *tx, source, "account", Some(&exts)).await?;
    let mut fresh: Vec<(String, NewAccount)> = Vec::new();
    // What the other system held for a place, where the account keeps its code (`California`),
    // in the order of `fresh`.
    let mut typed: Vec<TypedSpellings> = Vec::new();
    for (i, ext, new) in self::fresh(rows, &known) {
        let (new, spellings) = new.validate_keeping_typed().map_err(|e| StoreError::Invalid(prefix_fields(e, i)))?;
        fresh.push((ext, new));
        typed.push(spellings);
    }
    // A domain or DUNS another account holds stays with it: two source accounts that claim one
    // website are two accounts, and the first keeps the domain.
    let domains: Vec<String> = fresh.iter().flat_map(|(_, a)| a.domains.iter().cloned()).collect();
    let duns: Vec<String> = fresh.iter().filter_map(|(_, a)| a.duns.clone()).collect();
    let mut taken_domains = taken(&mut *tx, "SELECT domain AS v FROM account_domains WHERE domain IN (", &domains).await?;
    let mut taken_duns = taken(&mut *tx, "SELECT duns AS v FROM accounts WHERE duns IN (", &duns).await?;
    for (_, a) in &mut fresh {
        a.domains.retain(|d| taken_domains.insert(d.clone()));
        if a.duns.as_ref().is_some_and(|d| !taken_duns.insert(d.clone())) {
            a.duns = None;
        }
    }
    let (fresh_ids, accounts): (Vec<String>, Vec<NewAccount>) = fresh.into_iter().unzip();
    let (ids, _) = insert_accounts(tx, actor, source, &accounts, &typed).await?;
    let written: Vec<(String, i64)> = fresh_ids.into_iter().zip(ids).map(|(ext, id)| (ext, id.0)).collect();
    write_external_ids(tx, source, "account", &written).await?;
    known.extend(written);
    Ok(exts.iter().map(|e| AccountId(known[e])).collect())
}

/// Writes validated accounts in multi-row statements: each with its domains, its first stage
/// as history, the provenance of the values it came with (`imported` from `source`: what
/// another system or a person's record held, which an enrichment may refresh) and its audit
/// row. `typed[i]`, where given, is what was typed for `new[i]`'s country or state (see
/// `NewAccount::validate_keeping_typed`). Answers the new ids and the audit rows' ids, in order.
/// A domain or DUNS another account holds fails the unique index: the caller decides what a
/// conflict means.
async fn insert_accounts(tx: &mut Tx<'_>, actor: &Actor, source: &str, new: &[NewAccount], typed: &[TypedSpellings]) -> Result<(Vec<AccountId>, Vec<i64>)> {
    let at = now();
    let (mut ids, mut audit_ids) = (Vec::with_capacity(new.len()), Vec::with_capacity(new.len()));
    for (k, chunk) in new.chunks(CHUNK / 2).enumerate() {
        let first = k * (CHUNK / 2);
        let mut q = QueryBuilder::<Db>::new("INSERT INTO accounts (name, duns, parent_id, industry, employees, annual_revenue, country, state, city, relationship, stage, owner_id, target_tier, created_at, updated_at) ");
        q.push_values(chunk, |mut b, a| {
            let created = a.created_at.map(|t| t.trunc_subsecs(6)).unwrap_or(at);
            b.push_bind(&a.name)
                .push_bind(&a.duns)
                .push_bind(a.parent_id.map(|p| p.0))
                .push_bind(&a.industry)
                .push_bind(a.employees)
                .push_bind(a.annual_revenue)
                .push_bind(&a.country)
                .push_bind(&a.state)
                .push_bind(&a.city)
                .push_bind(a.relationship.unwrap_or(Relationship::Prospect).as_str())
                .push_bind(a.stage.unwrap_or(AccountStage::Target).as_str())
                .push_bind(a.owner_id.map(|o| o.0))
                .push_bind(a.target_tier)
                .push_bind(created)
                .push_bind(created.max(at));
        });
        let chunk_ids = insert_ids(tx, "accounts", q).await?;
        let accounts: Vec<Account> = chunk
            .iter()
            .zip(&chunk_ids)
            .map(|(a, &id)| {
                let created = a.created_at.map(|t| t.trunc_subsecs(6)).unwrap_or(at);
                a.clone().into_account(AccountId(id), created, created.max(at))
            })
            .collect();
        let domain_rows: Vec<(i64, usize, &String)> = accounts
            .iter()
            .flat_map(|a| a.domains.iter().enumerate().map(move |(i, d)| (a.id.0, i, d)))
            .collect();
        for part in domain_rows.chunks(CHUNK) {
            let mut q = QueryBuilder::<Db>::new("INSERT INTO account_domains (domain, account_id, position) ");
            q.push_values(part, |mut b, (id, i, d)| {
                b.push_bind(*d).push_bind(*id).push_bind(*i as i32);
            });
            q.build().execute(&mut **tx).await.map_err(db)?;
        }
        // The funnel starts here: the first stage is history too.
        let mut q = QueryBuilder::<Db>::new("INSERT INTO account_stage_history (account_id, from_stage, to_stage, reason, changed_at) ");
        q.push_values(&accounts, |mut b, a| {
            b.push_bind(a.id.0).push_bind(None::<String>).push_bind(a.stage.as_str()).push_bind("created").push_bind(a.created_at);
        });
        q.build().execute(&mut **tx).await.map_err(db)?;
        let provenance: Vec<(AccountId, AccountField, Option<&str>)> = chunk
            .iter()
            .zip(&chunk_ids)
            .enumerate()
            .flat_map(|(i, (a, &id))| {
                let typed = typed.get(first + i).map(Vec::as_slice).unwrap_or_default();
                AccountField::given_in(a).into_iter().map(move |f| {
                    (AccountId(id), f, typed.iter().find(|(name, _)| *name == f.as_str()).map(|(_, t)| t.as_str()))
                })
            })
            .collect();
        record_provenance_rows(tx, &provenance, SourceKind::Imported, source, at).await?;
        let audits: Vec<AuditRow> = accounts
            .iter()
            .map(|a| AuditRow { entity: "account", id: a.id.0, action: "create", before: None, after: Some(audit_json(a)) })
            .collect();
        audit_ids.extend(audit_many(tx, actor, &audits).await?);
        ids.extend(chunk_ids.into_iter().map(AccountId));
    }
    Ok((ids, audit_ids))
}

/// Which of `values` the query (`... IN (` to be closed here) finds.
async fn taken(conn: &mut <Db as sqlx::Database>::Connection, select: &str, values: &[String]) -> Result<HashSet<String>> {
    let mut out = HashSet::new();
    for chunk in values.chunks(CHUNK) {
        let mut q = QueryBuilder::<Db>::new(select);
        let mut sep = q.separated(", ");
        for v in chunk {
            sep.push_bind(v);
        }
        q.push(")");
        for r in q.build().fetch_all(&mut *conn).await.map_err(db)? {
            out.insert(r.try_get("v")?);
        }
    }
    Ok(out)
}

async fn import_opportunities_in(tx: &mut Tx<'_>, actor: &Actor, source: &str, rows: Vec<(String, NewOpportunity)>) -> Result<usize> {
    let exts: Vec<String> = rows.iter().map(|(e, _)| e.clone()).collect();
    let known = external_ids_in(&mut *tx, source, "opportunity", Some(&exts)).await?;
    let (mut fresh_exts, mut valid): (Vec<String>, Vec<NewOpportunity>) = (Vec::new(), Vec::new());
    for (i, ext, new) in fresh(rows, &known) {
        valid.push(new.validate().map_err(|e| StoreError::Invalid(prefix_fields(e, i)))?);
        fresh_exts.push(ext);
    }
    // Set-based, as accounts and people are: a statement per chunk for the opportunities, one
    // for their contact roles, one for their audit rows (PostgreSQL paid a round trip per row).
    let at = now();
    let mut written = Vec::with_capacity(valid.len());
    for (chunk, chunk_exts) in valid.chunks(CHUNK).zip(fresh_exts.chunks(CHUNK)) {
        let ids = insert_opportunities(tx, chunk, at).await?;
        let audits: Vec<AuditRow> = chunk
            .iter()
            .zip(&ids)
            .map(|(o, &id)| {
                let opportunity = Opportunity {
                    id: OpportunityId(id),
                    account_id: o.account_id,
                    name: o.name.clone(),
                    stage: o.stage.unwrap_or(OpportunityStage::Prospecting),
                    amount: o.amount,
                    close_date: o.close_date,
                    source_campaign_id: o.source_campaign_id,
                    owner_id: o.owner_id,
                    contact_roles: o.contact_roles.clone(),
                    created_at: opportunity_created(o, at),
                    updated_at: opportunity_created(o, at).max(at),
                };
                AuditRow { entity: "opportunity", id, action: "create", before: None, after: Some(audit_json(&opportunity)) }
            })
            .collect();
        audit_many(tx, actor, &audits).await?;
        written.extend(chunk_exts.iter().cloned().zip(ids));
    }
    write_external_ids(tx, source, "opportunity", &written).await?;
    Ok(written.len())
}

async fn import_campaigns_in(tx: &mut Tx<'_>, actor: &Actor, source: &str, rows: Vec<(String, NewCampaign)>) -> Result<Vec<CampaignId>> {
    let exts: Vec<String> = rows.iter().map(|(e, _)| e.clone()).collect();
    let mut known = external_ids_in(&mut *tx, source, "campaign", Some(&exts)).await?;
    let mut written = Vec::new();
    for (i, ext, new) in fresh(rows, &known) {
        let new = new.validate().map_err(|e| StoreError::Invalid(prefix_fields(e, i)))?;
        // A campaign of the same name is the same campaign (names are unique in abcrm).
        let existing: Option<i64> = sqlx::query("SELECT id FROM campaigns WHERE lower(name) = lower($1)")
            .bind(&new.name)
            .fetch_optional(&mut **tx)
            .await
            .map_err(db)?
            .map(|r| r.try_get("id"))
            .transpose()?;
        let id = match existing {
            Some(id) => id,
            None => {
                let at = now();
                let id: i64 = sqlx::query("INSERT INTO campaigns (name, kind, starts_on, ends_on, budget, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                    .bind(&new.name)
                    .bind(new.kind.unwrap_or(CampaignKind::Other).as_str())
                    .bind(new.starts_on)
                    .bind(new.ends_on)
                    .bind(new.budget)
                    .bind(at)
                    .bind(at)
                    .fetch_one(&mut **tx)
                    .await
                    .map_err(db)?
                    .try_get("id")?;
                let campaign = load_campaign(&mut *tx, CampaignId(id)).await?;
                audit::<(), _>(tx, actor, "campaign", id, "create", None, Some(&campaign)).await?;
                id
            }
        };
        written.push((ext.clone(), id));
        known.insert(ext, id);
    }
    write_external_ids(tx, source, "campaign", &written).await?;
    Ok(exts.iter().map(|e| CampaignId(known[e])).collect())
}

async fn import_activities_in(tx: &mut Tx<'_>, actor: &Actor, source: &str, rows: Vec<(String, NewActivity)>) -> Result<usize> {
    let exts: Vec<String> = rows.iter().map(|(e, _)| e.clone()).collect();
    let known = external_ids_in(&mut *tx, source, "activity", Some(&exts)).await?;
    let rows = fresh(rows, &known);
    let mut written = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(CHUNK) {
        let first = chunk[0].0;
        let ids = insert_activities(tx, actor, first, chunk.iter().map(|(_, _, a)| a.clone()).collect()).await?;
        written.extend(chunk.iter().zip(ids).map(|((_, ext, _), id)| (ext.clone(), id.0)));
    }
    write_external_ids(tx, source, "activity", &written).await?;
    Ok(written.len())
}

async fn import_users_in(tx: &mut Tx<'_>, actor: &Actor, source: &str, rows: Vec<(String, crate::ImportUser)>, dry_run: bool) -> Result<Vec<crate::UserImport>> {
    use crate::UserImport;
    let exts: Vec<String> = rows.iter().map(|(e, _)| e.clone()).collect();
    let known = external_ids_in(&mut *tx, source, "user", Some(&exts)).await?;
    let emails: Vec<String> = rows.iter().filter_map(|(_, u)| u.email.as_ref().map(|e| e.as_str().to_string())).collect();
    let mut by_email: HashMap<String, i64> = HashMap::new();
    for chunk in emails.chunks(CHUNK) {
        let mut q = QueryBuilder::<Db>::new("SELECT id, email FROM users WHERE email IN (");
        let mut sep = q.separated(", ");
        for e in chunk {
            sep.push_bind(e);
        }
        q.push(")");
        for r in q.build().fetch_all(&mut **tx).await.map_err(db)? {
            by_email.insert(r.try_get("email")?, r.try_get("id")?);
        }
    }
    let mut out = Vec::with_capacity(rows.len());
    let mut written: Vec<(String, i64)> = Vec::new();
    let at = now();
    for (ext, u) in rows {
        if let Some(&id) = known.get(&ext) {
            out.push(UserImport::Known(UserId(id)));
            continue;
        }
        let existing = match &u.email {
            Some(e) => by_email.get(e.as_str()).copied(),
            None => {
                let ids: Vec<i64> = sqlx::query("SELECT id FROM users WHERE lower(name) = lower($1)")
                    .bind(u.name.trim())
                    .fetch_all(&mut **tx)
                    .await
                    .map_err(db)?
                    .iter()
                    .map(|r| r.try_get("id"))
                    .collect::<std::result::Result<_, _>>()?;
                // Two users of one name: which one is meant is not for a migration to guess.
                (ids.len() == 1).then(|| ids[0])
            }
        };
        let outcome = match (existing, &u.email) {
            (Some(id), _) => UserImport::Matched(UserId(id)),
            (None, None) => UserImport::NotFound,
            (None, Some(_)) if dry_run => UserImport::WouldCreate,
            (None, Some(email)) => {
                let name = match u.name.trim() {
                    "" => email.as_str(),
                    n => n,
                };
                let row = sqlx::query("INSERT INTO users (email, name, role, created_at) VALUES ($1, $2, $3, $4) RETURNING id, email, name, role, created_at")
                    .bind(email.as_str())
                    .bind(name)
                    .bind(u.role.as_str())
                    .bind(at)
                    .fetch_one(&mut **tx)
                    .await
                    .map_err(db)?;
                let user = user_row(&row)?;
                audit::<(), _>(tx, actor, "user", user.id.0, "create", None, Some(&user)).await?;
                // A later row of the same email (two source users, one mailbox) is this user.
                by_email.insert(email.as_str().to_string(), user.id.0);
                UserImport::Created(user.id)
            }
        };
        if let UserImport::Matched(id) | UserImport::Created(id) = outcome {
            written.push((ext, id.0));
        }
        out.push(outcome);
    }
    if !dry_run {
        write_external_ids(tx, source, "user", &written).await?;
    }
    Ok(out)
}

async fn intake_placements_in(conn: &mut <Db as sqlx::Database>::Connection, source: &str) -> Result<Vec<IntakePlacement>> {
    let rows = sqlx::query("SELECT id, source_key, outcome, rule, confidence, account_id, contact_id, duplicate_of FROM intake_records WHERE source = $1 AND source_key IS NOT NULL")
        .bind(source)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    rows.iter()
        .map(|r| {
            Ok(IntakePlacement {
                key: r.try_get("source_key")?,
                outcome: parse(r.try_get::<&str, _>("outcome")?)?,
                rule: r.try_get::<Option<String>, _>("rule")?.unwrap_or_default(),
                confidence: r.try_get::<Option<f64>, _>("confidence")?.unwrap_or(0.0),
                account_id: r.try_get::<Option<i64>, _>("account_id")?.map(AccountId),
                contact_id: r.try_get::<Option<i64>, _>("contact_id")?.map(ContactId),
                account_created: false,
                record_id: r.try_get("id")?,
                duplicate_of: r.try_get("duplicate_of")?,
            })
        })
        .collect()
}

/// Links imported accounts to their parents, in the order given: `Ok(true)` linked, `Ok(false)`
/// the account has a parent already (kept), `Err(why)` the parent is unknown or the link would
/// close a loop. Set-based: the forest's links are read once and each new link is checked in
/// memory (`hierarchy::check_new_parent`, as a single link is), then written a chunk at a time
/// with its provenance and audit rows (PostgreSQL paid six round trips per link).
async fn import_parents_in(store: &ThisStore, actor: &Actor, source: &str, links: &[(AccountId, AccountId)]) -> Result<Vec<std::result::Result<bool, String>>> {
    let mut tx = begin_write(&store.pool).await.map_err(db)?;
    lock_hierarchy(&mut tx).await?;
    let mut parent_of: HashMap<AccountId, AccountId> = HashMap::new();
    for r in sqlx::query("SELECT id, parent_id FROM accounts WHERE parent_id IS NOT NULL").fetch_all(&mut *tx).await.map_err(db)? {
        parent_of.insert(AccountId(r.try_get("id")?), AccountId(r.try_get("parent_id")?));
    }
    let mut ids: Vec<AccountId> = links.iter().flat_map(|(c, p)| [*c, *p]).collect();
    ids.sort_unstable_by_key(|a| a.0);
    ids.dedup();
    let accounts: HashMap<AccountId, Account> = accounts_by_ids(&mut tx, &ids).await?.into_iter().map(|a| (a.id, a)).collect();
    let at = now();
    let mut out = Vec::with_capacity(links.len());
    let mut changes: Vec<(Account, Account)> = Vec::new();
    for &(child, parent) in links {
        let Some(before) = accounts.get(&child) else {
            return Err(StoreError::NotFound { entity: "account", id: child.0 });
        };
        if parent_of.contains_key(&child) {
            out.push(Ok(false));
            continue;
        }
        if !accounts.contains_key(&parent) {
            // The same answer a single link gets for a parent that is not there.
            match referenced_account(&mut tx, parent, "parent_id").await {
                Err(StoreError::Invalid(e)) => out.push(Err(e.to_string())),
                Err(e) => return Err(e),
                Ok(_) => out.push(Err(format!("account {parent} does not exist"))),
            }
            continue;
        }
        // The parent's ancestry as stored plus the links made above.
        let chain = ancestry(parent, |a| parent_of.get(&a).copied());
        if let Err(e) = check_new_parent(child, parent, &chain) {
            out.push(Err(e.to_string()));
            continue;
        }
        parent_of.insert(child, parent);
        let after = Account { parent_id: Some(parent), updated_at: at, ..before.clone() };
        changes.push((before.clone(), after));
        out.push(Ok(true));
    }
    for chunk in changes.chunks(CHUNK) {
        let mut q = QueryBuilder::<Db>::new("UPDATE accounts SET parent_id = v.column2, updated_at = ");
        q.push_bind(at).push(" FROM (");
        q.push_values(chunk, |mut b, (_, after)| {
            b.push_bind(after.id.0).push_bind(after.parent_id.map(|p| p.0));
        });
        q.push(") AS v WHERE accounts.id = v.column1");
        q.build().execute(&mut *tx).await.map_err(db)?;
        let provenance: Vec<(AccountId, AccountField, Option<&str>)> = chunk.iter().map(|(_, after)| (after.id, AccountField::ParentId, None)).collect();
        record_provenance_rows(&mut tx, &provenance, SourceKind::Imported, source, at).await?;
        let audits: Vec<AuditRow> = chunk
            .iter()
            .map(|(before, after)| AuditRow { entity: "account", id: after.id.0, action: "update", before: Some(audit_json(before)), after: Some(audit_json(after)) })
            .collect();
        audit_many(&mut tx, actor, &audits).await?;
    }
    // A new parent changes the roll-ups above the child.
    let touched: Vec<AccountId> = changes.iter().map(|(_, a)| a.id).collect();
    settle_accounts(store, &mut tx, actor, &touched).await?;
    tx.commit().await.map_err(db)?;
    Ok(out)
}
