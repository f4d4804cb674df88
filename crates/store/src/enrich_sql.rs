// Field provenance and enrichment, for both backends (this file is `include!`d after
// `shared.rs`). Which fields an enrichment row may change is core's decision
// (`abcrm_core::enrich`); this file finds the accounts, reads their values and provenance,
// writes the plan with its audit and provenance rows, and rescores what changed.

use crate::{EnrichOptions, EnrichOutcome, EnrichReport, EnrichRowResult};
use abcrm_core::enrich::{
    AccountField, CheckedRow, Decision, EnrichKey, ParentKey, ParentOffer, Provenance, SourceKind,
};

/// Records that `fields` of `account` got their values from `kind` (`source`: the actor who
/// entered them, the import, the enrichment file) at `at`, replacing what was recorded before,
/// with what was `typed` for those the account keeps in another form (`California` for `CA`).
/// Every write path that sets account fields calls it, or [`record_provenance_rows`] for many
/// accounts, in its own transaction: creates and updates with `entered`, enrichment with
/// `enriched`, imports and migrations with `imported`.
pub(crate) async fn record_provenance(
    tx: &mut Tx<'_>,
    account: AccountId,
    fields: &[AccountField],
    kind: SourceKind,
    source: &str,
    at: DateTime<Utc>,
    typed: &[(&'static str, String)],
) -> Result<()> {
    let rows: Vec<(AccountId, AccountField, Option<&str>)> = fields
        .iter()
        .map(|f| (account, *f, typed.iter().find(|(name, _)| *name == f.as_str()).map(|(_, t)| t.as_str())))
        .collect();
    record_provenance_rows(tx, &rows, kind, source, at).await
}

/// [`record_provenance`] for fields of many accounts at once, `(account, field, as typed)`. A
/// field without a typed spelling loses the one its old value had.
pub(crate) async fn record_provenance_rows(
    tx: &mut Tx<'_>,
    rows: &[(AccountId, AccountField, Option<&str>)],
    kind: SourceKind,
    source: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    let mut rows = rows.to_vec();
    rows.sort_unstable_by_key(|(a, f, _)| (a.0, *f));
    // PostgreSQL refuses an upsert that touches one row twice.
    rows.dedup_by_key(|(a, f, _)| (a.0, *f));
    for chunk in rows.chunks(CHUNK) {
        let mut q = QueryBuilder::<Db>::new("INSERT INTO account_field_sources (account_id, field, kind, source, at, typed) ");
        q.push_values(chunk, |mut b, (account, field, typed)| {
            b.push_bind(account.0).push_bind(field.as_str()).push_bind(kind.as_str()).push_bind(source).push_bind(at).push_bind(*typed);
        });
        q.push(" ON CONFLICT (account_id, field) DO UPDATE SET kind = excluded.kind, source = excluded.source, at = excluded.at, typed = excluded.typed");
        q.build().execute(&mut **tx).await.map_err(db)?;
    }
    Ok(())
}

/// The recorded provenance of an account's fields. A field without a row (set before
/// provenance was kept) is absent here and counts as entered by a person.
async fn provenance_of(conn: &mut <Db as sqlx::Database>::Connection, id: AccountId) -> Result<BTreeMap<AccountField, Provenance>> {
    let rows = sqlx::query("SELECT field, kind, source, at, typed FROM account_field_sources WHERE account_id = $1")
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    let mut out = BTreeMap::new();
    for r in &rows {
        // Rows for fields this version does not know (written by a newer one) are not its to judge.
        let Some(field) = AccountField::parse(r.try_get::<&str, _>("field")?) else { continue };
        let kind = r.try_get::<&str, _>("kind")?;
        let kind = SourceKind::parse(kind).ok_or_else(|| sqlx::Error::Decode(format!("unknown provenance kind {kind:?}").into()))?;
        out.insert(field, Provenance { kind, source: r.try_get("source")?, at: r.try_get("at")?, typed: r.try_get("typed")? });
    }
    Ok(out)
}

/// The account a normalized domain or DUNS belongs to. A domain is looked up as the host
/// itself, then the domains above it, so `eu.acme.com` finds the account owning `eu.acme.com`
/// before the one owning `acme.com`.
async fn account_by_key(conn: &mut <Db as sqlx::Database>::Connection, by: EnrichKey, key: &str) -> Result<Option<AccountId>> {
    match by {
        EnrichKey::Duns => Ok(sqlx::query("SELECT id FROM accounts WHERE duns = $1")
            .bind(key)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?
            .map(|r| r.try_get("id").map(AccountId))
            .transpose()?),
        EnrichKey::Domain => {
            let keys = abcrm_core::enrich::domain_lookup_keys(key);
            let mut q = QueryBuilder::<Db>::new("SELECT account_id, domain FROM account_domains WHERE domain IN (");
            let mut sep = q.separated(", ");
            for k in &keys {
                sep.push_bind(k);
            }
            q.push(")");
            let mut found: HashMap<String, i64> = HashMap::new();
            for r in q.build().fetch_all(&mut *conn).await.map_err(db)? {
                found.insert(r.try_get("domain")?, r.try_get("account_id")?);
            }
            Ok(keys.iter().find_map(|k| found.get(k)).map(|id| AccountId(*id)))
        }
    }
}

/// The parent a row names, found (with its ancestry, to refuse a cycle) or not.
async fn parent_offer(conn: &mut <Db as sqlx::Database>::Connection, key: &ParentKey) -> Result<ParentOffer> {
    let found = match key {
        ParentKey::Domain(d) => account_by_key(conn, EnrichKey::Domain, d).await?,
        ParentKey::Duns(d) => account_by_key(conn, EnrichKey::Duns, d).await?,
    };
    Ok(match found {
        Some(id) => ParentOffer::Found { id, chain: ancestors(conn, id).await?.into_iter().map(|a| a.id).collect() },
        None => ParentOffer::Unknown(key.clone()),
    })
}

/// Creates the account for a row whose key is unknown, its fields marked enriched; or says why
/// the row cannot make one.
async fn create_for_row(tx: &mut Tx<'_>, actor: &Actor, source: &str, row: &CheckedRow, at: DateTime<Utc>) -> Result<Result<Account, String>> {
    let Some(new) = row.new_account() else {
        return Ok(Err("the row has neither a name nor a domain to name a new account by; add a name column".into()));
    };
    // The row's other identifier may belong to an account already: then the row is about that
    // company, not a new one, and a person should look at both.
    for check in [check_domains_free(&mut *tx, &new.domains, None).await, check_duns_free(&mut *tx, &new.duns, None).await] {
        match check {
            Ok(()) => {}
            Err(StoreError::Conflict { message, .. }) => return Ok(Err(format!("not created: {message}"))),
            Err(other) => return Err(other),
        }
    }
    let given = AccountField::given_in(&new);
    let (account, _) = create_account_in(&mut *tx, actor, new).await?;
    record_provenance(&mut *tx, account.id, &given, SourceKind::Enriched, source, at, &row.typed).await?;
    Ok(Ok(account))
}

/// Plans and writes one row inside the batch's transaction. Returns its result and how many
/// fields already had the offered value; adds accounts whose score may change to `touched`.
async fn enrich_row(
    tx: &mut Tx<'_>,
    actor: &Actor,
    source: &str,
    by: EnrichKey,
    row: &CheckedRow,
    options: EnrichOptions,
    touched: &mut Vec<AccountId>,
) -> Result<(EnrichRowResult, usize)> {
    let at = now();
    let mut result = EnrichRowResult { line: row.line, key: row.key.clone(), outcome: EnrichOutcome::Matched, account: None, fields: Vec::new(), note: None };
    let before = match account_by_key(&mut *tx, by, &row.key).await? {
        Some(id) => load_account_for_update(tx, id).await?,
        None if !options.create_missing => {
            result.outcome = EnrichOutcome::Unknown;
            return Ok((result, 0));
        }
        None => match create_for_row(tx, actor, source, row, at).await? {
            Ok(account) => {
                result.outcome = EnrichOutcome::Created;
                account
            }
            Err(note) => {
                result.outcome = EnrichOutcome::Unknown;
                result.note = Some(note);
                return Ok((result, 0));
            }
        },
    };
    let id = before.id;
    let provenance = provenance_of(&mut *tx, id).await?;
    let parent = match &row.parent {
        Some(key) => Some(parent_offer(&mut *tx, key).await?),
        None => None,
    };
    let plans = abcrm_core::enrich::plan_fields(&before, &provenance, row, parent.as_ref(), options.overwrite);
    let changed: Vec<AccountField> = plans
        .iter()
        .filter(|p| matches!(p.decision, Decision::Fill | Decision::Overwrite))
        .map(|p| p.field)
        .collect();
    if !changed.is_empty() {
        let next = abcrm_core::enrich::apply(&before, &plans);
        sqlx::query("UPDATE accounts SET parent_id = $1, industry = $2, employees = $3, annual_revenue = $4, country = $5, state = $6, city = $7, updated_at = $8 WHERE id = $9")
            .bind(next.parent_id.map(|p| p.0))
            .bind(&next.industry)
            .bind(next.employees)
            .bind(next.annual_revenue)
            .bind(&next.country)
            .bind(&next.state)
            .bind(&next.city)
            .bind(at)
            .bind(id.0)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
        record_provenance(&mut *tx, id, &changed, SourceKind::Enriched, source, at, &row.typed).await?;
        let after = load_account(&mut *tx, id).await?;
        audit(&mut *tx, actor, "account", id.0, "enrich", Some(&before), Some(&after)).await?;
        // Fit reads the firmographics; a former parent's roll-up loses this subsidiary (the
        // new parent is reached from the account itself).
        touched.push(id);
        if next.parent_id != before.parent_id {
            touched.extend(before.parent_id);
        }
    }
    let kept = plans.iter().filter(|p| p.decision == Decision::Keep).count();
    result.fields = plans.into_iter().filter(|p| p.decision != Decision::Keep).collect();
    result.account = Some(AccountRef { id, name: before.name });
    Ok((result, kept))
}

/// Enriches accounts from checked rows, one transaction per batch (a dry run is one
/// transaction, rolled back, so later rows see what earlier rows would have done).
async fn enrich_in(
    store: &ThisStore,
    actor: &Actor,
    source: &str,
    by: EnrichKey,
    rows: Vec<CheckedRow>,
    options: EnrichOptions,
    progress: &(dyn Fn(usize) + Send + Sync),
) -> Result<EnrichReport> {
    let mut report = EnrichReport { dry_run: options.dry_run, ..Default::default() };
    let mut tx: Option<Tx<'static>> = None;
    let mut done = 0;
    for chunk in rows.chunks(options.batch.max(1)) {
        let t = match &mut tx {
            Some(t) => t,
            None => tx.insert(begin_write(&store.pool).await.map_err(db)?),
        };
        // A row that offers a parent may re-parent its account: no other parent change may
        // commit between the row's check and its write.
        if chunk.iter().any(|r| r.parent.is_some()) {
            lock_hierarchy(t).await?;
        }
        let mut touched = Vec::new();
        for row in chunk {
            let (result, kept) = enrich_row(t, actor, source, by, row, options, &mut touched).await?;
            report.push(result, kept);
        }
        if !options.dry_run {
            settle_accounts(store, t, actor, &touched).await?;
            if let Some(t) = tx.take() {
                t.commit().await.map_err(db)?;
            }
        }
        done += chunk.len();
        progress(done);
    }
    if let Some(t) = tx {
        t.rollback().await.map_err(db)?;
    }
    Ok(report)
}
