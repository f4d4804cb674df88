// The revenue reports' reads (this file is `include!`d after `filter_sql.rs`): each reads the
// rows or counts a report needs with portable SQL, and core's pure functions do the rest, so
// both backends give the same report from the same data.

use abcrm_core::reports::{self, ReportScope};

/// Appends ` AND {column} IN (accounts in scope)` when the scope has a segment.
fn push_scope(q: &mut QueryBuilder<'_, Db>, column: &str, scope: &ReportScope) {
    let Some((filter, target)) = &scope.segment else { return };
    q.push(format!(" AND {column} IN ("));
    match target {
        SegmentTarget::Account => {
            q.push("SELECT a.id FROM accounts a WHERE ");
            push_filter(q, filter, Target::Accounts, scope.today);
        }
        SegmentTarget::Contact => {
            q.push("SELECT c.account_id FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE ");
            push_filter(q, filter, Target::Contacts, scope.today);
        }
    }
    q.push(")");
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

async fn report_cycles_in(pool: &sqlx::Pool<Db>, scope: &ReportScope, period: reports::Period, by: reports::CyclesBy, from: NaiveDate, to: NaiveDate) -> Result<reports::CyclesReport> {
    let group = match by {
        reports::CyclesBy::Total => "NULL",
        reports::CyclesBy::Campaign => "(SELECT g.name FROM campaigns g WHERE g.id = o.source_campaign_id)",
        reports::CyclesBy::Owner => "(SELECT u.name FROM users u WHERE u.id = o.owner_id)",
    };
    let mut q = QueryBuilder::<Db>::new(format!("SELECT o.created_at, o.amount, {group} AS grp FROM opportunities o WHERE o.created_at >= "));
    q.push_bind(midnight(from)).push(" AND o.created_at < ").push_bind(midnight(to));
    push_scope(&mut q, "o.account_id", scope);
    let rows = q.build().fetch_all(pool).await.map_err(db)?;
    let starts = rows
        .iter()
        .map(|r| {
            Ok(reports::CycleStart {
                created_at: r.try_get("created_at")?,
                amount: r.try_get("amount")?,
                group: r.try_get("grp")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(reports::sales_cycles(&starts, period, by, from, to))
}

async fn report_funnel_in(pool: &sqlx::Pool<Db>, scope: &ReportScope, since: Option<NaiveDate>) -> Result<reports::FunnelReport> {
    let mut q = QueryBuilder::<Db>::new("SELECT h.account_id, h.to_stage, h.changed_at FROM account_stage_history h WHERE TRUE");
    push_scope(&mut q, "h.account_id", scope);
    let rows = q.build().fetch_all(pool).await.map_err(db)?;
    let events = rows
        .iter()
        .map(|r| {
            Ok(reports::StageEvent {
                account: r.try_get("account_id")?,
                stage: parse(&r.try_get::<String, _>("to_stage")?)?,
                at: r.try_get("changed_at")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(reports::funnel(&events, since))
}

async fn report_pipeline_in(pool: &sqlx::Pool<Db>, scope: &ReportScope, period: reports::Period, today: NaiveDate) -> Result<reports::PipelineReport> {
    let mut q = QueryBuilder::<Db>::new("SELECT o.stage, o.amount, o.close_date FROM opportunities o WHERE o.stage NOT IN ('closed_won', 'closed_lost')");
    push_scope(&mut q, "o.account_id", scope);
    let rows = q.build().fetch_all(pool).await.map_err(db)?;
    let open = rows
        .iter()
        .map(|r| {
            Ok(reports::OpenOpportunity {
                stage: parse(&r.try_get::<String, _>("stage")?)?,
                amount: r.try_get("amount")?,
                close_date: r.try_get("close_date")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(reports::pipeline(&open, period, today))
}

async fn report_coverage_in(pool: &sqlx::Pool<Db>, scope: &ReportScope, engaged_days: u32, rows: reports::CoverageRows, now: DateTime<Utc>) -> Result<reports::CoverageReport> {
    let mut q = QueryBuilder::<Db>::new("SELECT a.id, a.name FROM accounts a WHERE TRUE");
    push_scope(&mut q, "a.id", scope);
    q.push(" ORDER BY a.id");
    let accounts = q
        .build()
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| Ok((r.try_get::<i64, _>("id")?, r.try_get::<String, _>("name")?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    // People who left are not part of a buying center any more.
    let mut q = QueryBuilder::<Db>::new(
        "SELECT c.account_id, c.buying_role, c.seniority, COUNT(*) AS n, \
         SUM(CASE WHEN EXISTS (SELECT 1 FROM activities x WHERE x.contact_id = c.id AND x.occurred_at >= ",
    );
    q.push_bind(now - chrono::Duration::days(i64::from(engaged_days)));
    q.push(") THEN 1 ELSE 0 END) AS engaged FROM contacts c WHERE c.status <> 'left_company'");
    push_scope(&mut q, "c.account_id", scope);
    q.push(" GROUP BY c.account_id, c.buying_role, c.seniority");
    let cells = q
        .build()
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(reports::CoverageCell {
                account: r.try_get("account_id")?,
                role: parse_opt(r.try_get("buying_role")?)?,
                seniority: parse_opt(r.try_get("seniority")?)?,
                contacts: r.try_get::<i64, _>("n")?.max(0) as u64,
                engaged: r.try_get::<Option<i64>, _>("engaged")?.unwrap_or(0).max(0) as u64,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(reports::coverage(&accounts, &cells, engaged_days, rows))
}

async fn report_influence_in(pool: &sqlx::Pool<Db>, scope: &ReportScope, from: NaiveDate, to: NaiveDate, window_days: u32, hierarchy: bool) -> Result<reports::InfluenceReport> {
    let mut q = QueryBuilder::<Db>::new("SELECT o.id, o.account_id, o.created_at, o.amount FROM opportunities o WHERE o.created_at >= ");
    q.push_bind(midnight(from)).push(" AND o.created_at < ").push_bind(midnight(to));
    push_scope(&mut q, "o.account_id", scope);
    let opp_rows = q.build().fetch_all(pool).await.map_err(db)?;

    // The key a touch and an opportunity meet on: the account, or the root of its hierarchy.
    let roots: HashMap<i64, i64> = if hierarchy {
        let parents: HashMap<i64, Option<i64>> = sqlx::query("SELECT id, parent_id FROM accounts")
            .fetch_all(pool)
            .await
            .map_err(db)?
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("parent_id")?)))
            .collect::<Result<_, sqlx::Error>>()?;
        parents
            .keys()
            .map(|&id| {
                let (mut at, mut hops) = (id, 0);
                while let (Some(Some(p)), true) = (parents.get(&at), hops < 64) {
                    at = *p;
                    hops += 1;
                }
                (id, at)
            })
            .collect()
    } else {
        HashMap::new()
    };
    let key = |account: i64| roots.get(&account).copied().unwrap_or(account);

    let opps = opp_rows
        .iter()
        .map(|r| {
            Ok(reports::InfluencedOpportunity {
                id: r.try_get("id")?,
                key: key(r.try_get("account_id")?),
                created_at: r.try_get("created_at")?,
                amount: r.try_get("amount")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let keys: HashSet<i64> = opps.iter().map(|o| o.key).collect();
    let lo = midnight(from) - chrono::Duration::days(i64::from(window_days));
    let mut touches = Vec::new();
    for sql in [
        "SELECT m.account_id, m.campaign_id, m.joined_at AS at FROM campaign_members m WHERE m.joined_at >= $1 AND m.joined_at < $2",
        "SELECT x.account_id, x.campaign_id, x.occurred_at AS at FROM activities x WHERE x.occurred_at >= $1 AND x.occurred_at < $2 AND x.campaign_id IS NOT NULL",
    ] {
        let rows = sqlx::query(sql).bind(lo).bind(midnight(to)).fetch_all(pool).await.map_err(db)?;
        for r in &rows {
            let k = key(r.try_get("account_id")?);
            if keys.contains(&k) {
                touches.push(reports::Touch { key: k, campaign: r.try_get("campaign_id")?, at: r.try_get("at")? });
            }
        }
    }
    let names: HashMap<i64, String> = sqlx::query("SELECT id, name FROM campaigns")
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(reports::influence(&opps, &touches, &names, window_days, hierarchy))
}

async fn report_nurture_in(pool: &sqlx::Pool<Db>, scope: &ReportScope, now: DateTime<Utc>) -> Result<reports::NurtureReport> {
    let [b0, b1, b2] = reports::band_bounds(now);
    let mut q = QueryBuilder::<Db>::new("SELECT COUNT(*) AS n, SUM(CASE WHEN c.status = 'nurture' AND c.created_at >= ");
    q.push_bind(b0).push(" THEN 1 ELSE 0 END) AS b0, SUM(CASE WHEN c.status = 'nurture' AND c.created_at < ").push_bind(b0);
    q.push(" AND c.created_at >= ").push_bind(b1).push(" THEN 1 ELSE 0 END) AS b1, SUM(CASE WHEN c.status = 'nurture' AND c.created_at < ").push_bind(b1);
    q.push(" AND c.created_at >= ").push_bind(b2).push(" THEN 1 ELSE 0 END) AS b2, SUM(CASE WHEN c.status = 'nurture' AND c.created_at < ").push_bind(b2);
    q.push(" THEN 1 ELSE 0 END) AS b3 FROM contacts c WHERE TRUE");
    push_scope(&mut q, "c.account_id", scope);
    let r = q.build().fetch_one(pool).await.map_err(db)?;
    let count = |k: &str| -> Result<u64, sqlx::Error> { Ok(r.try_get::<Option<i64>, _>(k)?.unwrap_or(0).max(0) as u64) };
    let contacts = count("n")?;
    let in_nurture = [count("b0")?, count("b1")?, count("b2")?, count("b3")?];

    // Converted: the first opportunity at the contact's account created after the contact.
    let days = days_between("MIN(o.created_at)", "c.created_at");
    let [d0, d1, d2] = reports::BAND_DAYS;
    let mut q = QueryBuilder::<Db>::new(format!(
        "SELECT CAST(CASE WHEN d < {d0} THEN 0 WHEN d < {d1} THEN 1 WHEN d < {d2} THEN 2 ELSE 3 END AS BIGINT) AS band, COUNT(*) AS n FROM \
         (SELECT {days} AS d FROM contacts c JOIN opportunities o ON o.account_id = c.account_id AND o.created_at >= c.created_at WHERE TRUE"
    ));
    push_scope(&mut q, "c.account_id", scope);
    q.push(" GROUP BY c.id, c.created_at) t GROUP BY 1");
    let mut converted = [0u64; 4];
    for r in q.build().fetch_all(pool).await.map_err(db)? {
        let band: i64 = r.try_get::<Option<i64>, _>("band")?.unwrap_or(3);
        converted[band.clamp(0, 3) as usize] = r.try_get::<i64, _>("n")?.max(0) as u64;
    }
    Ok(reports::nurture(now, contacts, in_nurture, converted))
}
