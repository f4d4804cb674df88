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

/// A day number from `epoch_days` as a time, to the whole second (so both backends agree).
fn from_epoch_days(d: f64) -> DateTime<Utc> {
    DateTime::from_timestamp((d * 86_400.0).round() as i64, 0).unwrap_or_default()
}

/// A count column (`COUNT` or `SUM` of ones) as a number of records; `NULL` (no rows) is zero.
fn count_of(r: &DbRow, column: &str) -> Result<u64, sqlx::Error> {
    Ok(r.try_get::<Option<i64>, _>(column)?.unwrap_or(0).max(0) as u64)
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
    // Counted per day where the rows are; periods are made of days in core.
    let day = day_of("o.created_at");
    let mut q = QueryBuilder::<Db>::new(format!(
        "SELECT day, grp, COUNT(*) AS n, SUM(amount) AS amount FROM (SELECT {day} AS day, o.amount, {group} AS grp FROM opportunities o WHERE o.created_at >= "
    ));
    q.push_bind(midnight(from)).push(" AND o.created_at < ").push_bind(midnight(to));
    push_scope(&mut q, "o.account_id", scope);
    q.push(") t GROUP BY day, grp");
    let rows = q.build().fetch_all(pool).await.map_err(db)?;
    let starts = rows
        .iter()
        .map(|r| {
            Ok(reports::CycleStart {
                day: r.try_get("day")?,
                opportunities: count_of(r, "n")?,
                amount: r.try_get::<Option<f64>, _>("amount")?.unwrap_or(0.0),
                group: r.try_get("grp")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(reports::sales_cycles(&starts, period, by, from, to))
}

/// Every account's ultimate parent (itself at the top), from the parent links.
async fn account_roots(pool: &sqlx::Pool<Db>) -> Result<HashMap<i64, i64>> {
    let parents: HashMap<i64, Option<i64>> = sqlx::query("SELECT id, parent_id FROM accounts")
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("parent_id")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(parents.keys().map(|&id| (id, abcrm_core::hierarchy::root_of(id, |a| parents.get(&a).copied().flatten()))).collect())
}

async fn report_funnel_in(pool: &sqlx::Pool<Db>, scope: &ReportScope, since: Option<NaiveDate>, family: bool) -> Result<reports::FunnelReport> {
    // One row per account: when it first reached each waterfall stage, ranked as core ranks
    // them (`funnel_rank`), and where it is now.
    let entered: Vec<String> = (0..reports::FUNNEL.len()).map(|i| format!("MIN(CASE WHEN h.r >= {i} THEN h.d END) AS e{i}")).collect();
    let ranks: String = AccountStage::ALL.iter().map(|s| format!(" WHEN '{}' THEN {}", s.as_str(), reports::funnel_rank(*s))).collect();
    let mut q = QueryBuilder::<Db>::new(format!(
        "SELECT h.account_id, a.stage, MIN(h.d) AS first_d, {} FROM (SELECT account_id, {} AS d, \
         CASE to_stage{ranks} END AS r FROM account_stage_history) h JOIN accounts a ON a.id = h.account_id WHERE TRUE",
        entered.join(", "),
        epoch_days("changed_at")
    ));
    push_scope(&mut q, "h.account_id", scope);
    q.push(" GROUP BY h.account_id, a.stage");
    let at = |d: Option<f64>| d.map(from_epoch_days);
    let paths = q
        .build()
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            let mut entered = [None; 5];
            for (i, slot) in entered.iter_mut().enumerate() {
                *slot = at(r.try_get(format!("e{i}").as_str())?);
            }
            let path = reports::Path {
                entered,
                now: parse(&r.try_get::<String, _>("stage")?)?,
                first: at(r.try_get("first_d")?).unwrap_or_default(),
            };
            Ok((r.try_get::<i64, _>("account_id")?, path))
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let paths = if family {
        let roots = account_roots(pool).await?;
        reports::family_paths(&paths, |a| roots.get(&a).copied().unwrap_or(a))
    } else {
        paths.into_iter().map(|(_, p)| p).collect()
    };
    Ok(reports::funnel(&paths, since, family))
}

async fn report_pipeline_in(pool: &sqlx::Pool<Db>, scope: &ReportScope, period: reports::Period, today: NaiveDate, family: bool) -> Result<reports::PipelineReport> {
    let mut q = QueryBuilder::<Db>::new("SELECT o.account_id, o.stage, o.amount, o.close_date FROM opportunities o WHERE o.stage NOT IN ('closed_won', 'closed_lost')");
    push_scope(&mut q, "o.account_id", scope);
    let rows = q.build().fetch_all(pool).await.map_err(db)?;
    let roots = if family { account_roots(pool).await? } else { HashMap::new() };
    let open = rows
        .iter()
        .map(|r| {
            let account: i64 = r.try_get("account_id")?;
            Ok(reports::OpenOpportunity {
                account: roots.get(&account).copied().unwrap_or(account),
                stage: parse(&r.try_get::<String, _>("stage")?)?,
                amount: r.try_get("amount")?,
                close_date: r.try_get("close_date")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(reports::pipeline(&open, period, today, family))
}

async fn report_coverage_in(pool: &sqlx::Pool<Db>, scope: &ReportScope, engaged_days: u32, rows: reports::CoverageRows, now: DateTime<Utc>, family: bool) -> Result<reports::CoverageReport> {
    // A day count reaching before the year 1 counts from its first day: both databases store
    // and order that one alike, and the subtraction cannot overflow.
    let year_one = abcrm_core::filter::clamp_date(NaiveDate::MIN).and_time(chrono::NaiveTime::MIN).and_utc();
    let since = now.checked_sub_signed(chrono::Duration::days(i64::from(engaged_days))).unwrap_or(year_one).max(year_one);
    // People who left are not part of a buying center any more.
    const KNOWN: &str = "c.status <> 'left_company'";
    if family {
        return family_coverage(pool, scope, engaged_days, rows, since).await;
    }

    // Totals over every account in scope, aggregated where the rows are (one row comes back).
    let flags: Vec<String> = BuyingRole::ALL
        .iter()
        .enumerate()
        .map(|(i, r)| format!("MAX(CASE WHEN c.buying_role = '{}' THEN 1 ELSE 0 END) AS r{i}", r.as_str()))
        .chain(Seniority::ALL.iter().enumerate().map(|(i, s)| format!("MAX(CASE WHEN c.seniority = '{}' THEN 1 ELSE 0 END) AS s{i}", s.as_str())))
        .collect();
    let sums: Vec<String> = (0..BuyingRole::ALL.len()).map(|i| format!("SUM(r{i}) AS r{i}")).chain((0..Seniority::ALL.len()).map(|i| format!("SUM(s{i}) AS s{i}"))).collect();
    let mut q = QueryBuilder::<Db>::new(format!(
        "SELECT COUNT(*) AS with_contacts, SUM(pen) AS pen, {} FROM (SELECT c.account_id, \
         CAST(SUM(CASE WHEN c.last_activity_at >= ",
        sums.join(", ")
    ));
    q.push_bind(since);
    q.push(format!(" THEN 1 ELSE 0 END) AS DOUBLE PRECISION) / COUNT(*) AS pen, {} FROM contacts c WHERE {KNOWN}", flags.join(", ")));
    push_scope(&mut q, "c.account_id", scope);
    q.push(" GROUP BY c.account_id) t");
    let r = q.build().fetch_one(pool).await.map_err(db)?;
    let count = |k: &str| count_of(&r, k);
    let mut totals = reports::CoverageTotals {
        accounts_with_contacts: count("with_contacts")?,
        penetration_sum: r.try_get::<Option<f64>, _>("pen")?.unwrap_or(0.0),
        ..Default::default()
    };
    for (i, slot) in totals.by_role.iter_mut().enumerate() {
        *slot = count(&format!("r{i}"))?;
    }
    for (i, slot) in totals.by_seniority.iter_mut().enumerate() {
        *slot = count(&format!("s{i}"))?;
    }
    let mut q = QueryBuilder::<Db>::new("SELECT COUNT(*) AS n FROM accounts a WHERE TRUE");
    push_scope(&mut q, "a.id", scope);
    totals.accounts = count_of(&q.build().fetch_one(pool).await.map_err(db)?, "n")?;

    // One page of accounts, with their contacts by role and seniority.
    let mut q = QueryBuilder::<Db>::new("SELECT a.id, a.name FROM accounts a WHERE TRUE");
    push_scope(&mut q, "a.id", scope);
    if let Some(after) = rows.after {
        q.push(" AND a.id > ").push_bind(after);
    }
    if rows.missing_economic_buyer {
        q.push(format!(" AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.account_id = a.id AND c.buying_role = 'economic_buyer' AND {KNOWN})"));
    }
    q.push(" ORDER BY a.id LIMIT ").push_bind(rows.limit as i64 + 1);
    let page = q
        .build()
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| Ok((r.try_get::<i64, _>("id")?, r.try_get::<String, _>("name")?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let mut cells = Vec::new();
    for chunk in page.chunks(CHUNK) {
        let mut q = QueryBuilder::<Db>::new("SELECT c.account_id, c.buying_role, c.seniority, COUNT(*) AS n, SUM(CASE WHEN c.last_activity_at >= ");
        q.push_bind(since);
        q.push(format!(" THEN 1 ELSE 0 END) AS engaged FROM contacts c WHERE {KNOWN} AND c.account_id IN ("));
        let mut list = q.separated(", ");
        for (id, _) in chunk {
            list.push_bind(*id);
        }
        q.push(") GROUP BY c.account_id, c.buying_role, c.seniority");
        for r in q.build().fetch_all(pool).await.map_err(db)? {
            cells.push(reports::CoverageCell {
                account: r.try_get("account_id")?,
                role: parse_opt(r.try_get("buying_role")?)?,
                seniority: parse_opt(r.try_get("seniority")?)?,
                contacts: count_of(&r, "n")?,
                engaged: count_of(&r, "engaged")?,
            });
        }
    }
    Ok(reports::coverage(&totals, &page, &cells, engaged_days, rows.limit, false))
}

/// Coverage with each family as one company: its members' people counted under the ultimate
/// parent. A family is in scope when one of its members is. The cells of every account in scope
/// are read at once and grouped here (the database cannot see families).
async fn family_coverage(pool: &sqlx::Pool<Db>, scope: &ReportScope, engaged_days: u32, rows: reports::CoverageRows, since: DateTime<Utc>) -> Result<reports::CoverageReport> {
    let roots = account_roots(pool).await?;
    let root = |a: i64| roots.get(&a).copied().unwrap_or(a);
    let mut q = QueryBuilder::<Db>::new("SELECT c.account_id, c.buying_role, c.seniority, COUNT(*) AS n, SUM(CASE WHEN c.last_activity_at >= ");
    q.push_bind(since);
    q.push(" THEN 1 ELSE 0 END) AS engaged FROM contacts c WHERE c.status <> 'left_company'");
    push_scope(&mut q, "c.account_id", scope);
    q.push(" GROUP BY c.account_id, c.buying_role, c.seniority");
    let mut cells = Vec::new();
    for r in q.build().fetch_all(pool).await.map_err(db)? {
        cells.push(reports::CoverageCell {
            account: root(r.try_get("account_id")?),
            role: parse_opt(r.try_get("buying_role")?)?,
            seniority: parse_opt(r.try_get("seniority")?)?,
            contacts: count_of(&r, "n")?,
            engaged: count_of(&r, "engaged")?,
        });
    }
    let mut q = QueryBuilder::<Db>::new("SELECT a.id FROM accounts a WHERE TRUE");
    push_scope(&mut q, "a.id", scope);
    let families: std::collections::BTreeSet<i64> = q
        .build()
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| r.try_get::<i64, _>("id").map(root))
        .collect::<Result<_, sqlx::Error>>()?;
    let totals = reports::totals_of(families.len() as u64, &cells);
    let with_buyer: HashSet<i64> = cells.iter().filter(|c| c.role == Some(BuyingRole::EconomicBuyer) && c.contacts > 0).map(|c| c.account).collect();
    let listed: Vec<i64> = families
        .iter()
        .copied()
        .filter(|f| rows.after.is_none_or(|after| *f > after))
        .filter(|f| !rows.missing_economic_buyer || !with_buyer.contains(f))
        .take(rows.limit + 1)
        .collect();
    let mut names: HashMap<i64, String> = HashMap::with_capacity(listed.len());
    for chunk in listed.chunks(CHUNK) {
        let mut q = QueryBuilder::<Db>::new("SELECT id, name FROM accounts WHERE id IN (");
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        q.push(")");
        for r in q.build().fetch_all(pool).await.map_err(db)? {
            names.insert(r.try_get("id")?, r.try_get("name")?);
        }
    }
    let page: Vec<(i64, String)> = listed.iter().map(|id| (*id, names.remove(id).unwrap_or_default())).collect();
    Ok(reports::coverage(&totals, &page, &cells, engaged_days, rows.limit, true))
}

async fn report_influence_in(pool: &sqlx::Pool<Db>, scope: &ReportScope, from: NaiveDate, to: NaiveDate, options: reports::InfluenceOptions, responses: &[(CampaignKind, Vec<MemberStatus>)]) -> Result<reports::InfluenceReport> {
    let reports::InfluenceOptions { window_days, hierarchy, touches } = options;
    let (from, to) = (midnight(from), midnight(to));
    // Each opportunity in range is paired with every account of its hierarchy (or just its
    // own): the families are worked out here, from the parent links, and sent as one bound JSON
    // list, so neither planner has to guess how large a recursive hierarchy is. Each pair then
    // reads the campaign touches of its account in the window before the opportunity from the
    // touch indexes; one row per opportunity and campaign comes back.
    let mut q = QueryBuilder::<Db>::new("SELECT o.id, o.account_id, o.amount FROM opportunities o WHERE o.created_at >= ");
    q.push_bind(from).push(" AND o.created_at < ").push_bind(to);
    push_scope(&mut q, "o.account_id", scope);
    // In id order, so the total is summed the same way on both backends.
    q.push(" ORDER BY o.id");
    let opps = q
        .build()
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| Ok((r.try_get::<i64, _>("id")?, r.try_get::<i64, _>("account_id")?, r.try_get::<Option<f64>, _>("amount")?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let opportunities = opps.len() as u64;
    let amount: f64 = opps.iter().filter_map(|(_, _, amount)| *amount).sum();
    // Account -> root, and root -> every account under it.
    let root = if hierarchy { account_roots(pool).await? } else { HashMap::new() };
    let mut family: HashMap<i64, Vec<i64>> = HashMap::new();
    for (&id, &r) in &root {
        family.entry(r).or_default().push(id);
    }
    let mut pairs = String::from("[");
    for (opp, account, _) in &opps {
        let members = root.get(account).and_then(|r| family.get(r)).map(Vec::as_slice).unwrap_or(std::slice::from_ref(account));
        for a in members {
            if pairs.len() > 1 {
                pairs.push(',');
            }
            pairs.push_str(&format!("[{opp},{a}]"));
        }
    }
    pairs.push(']');
    let window = i32::try_from(window_days).unwrap_or(i32::MAX);
    let touches_from = |table: &str, alias: &str, at: &str, extra: &str| {
        let mut q = QueryBuilder::<Db>::new("SELECT o.id, o.amount, ");
        // Times come back as day numbers: a float decodes much faster than a timestamp's text.
        q.push(format!(
            "{alias}.campaign_id, {} AS first_at, {} AS last_at FROM ",
            epoch_days(&format!("MIN({alias}.{at})")),
            epoch_days(&format!("MAX({alias}.{at})"))
        ));
        push_json_pairs(&mut q, pairs.clone());
        q.push(format!(
            " fam CROSS JOIN opportunities o CROSS JOIN {table} {alias} WHERE o.id = fam.a AND {alias}.account_id = fam.b{extra} \
             AND {alias}.{at} < o.created_at AND {alias}.{at} >= "
        ));
        push_minus_days(&mut q, "o.created_at", window);
        q.push(format!(" GROUP BY o.id, o.amount, {alias}.campaign_id"));
        q
    };
    // Activities and memberships are read side by side, on two connections.
    // Responses only, by default: the vocabularies are core's constants, written into the text.
    let among = |column: &str, values: &[&str]| match touches {
        reports::Touches::Responses => format!(" AND {column} IN ({})", values.iter().map(|v| format!("'{v}'")).collect::<Vec<_>>().join(", ")),
        reports::Touches::All => String::new(),
    };
    let activity_kinds = among("x.kind", &reports::RESPONSE_ACTIVITY_KINDS);
    // A membership answers its campaign by the statuses the scoring model lists for its kind.
    let member_statuses = match touches {
        reports::Touches::Responses => {
            let answers: Vec<String> = responses
                .iter()
                .filter(|(_, statuses)| !statuses.is_empty())
                .map(|(kind, statuses)| {
                    let listed: Vec<String> = statuses.iter().map(|s| format!("'{}'", s.as_str())).collect();
                    format!("(k.kind = '{}' AND m.status IN ({}))", kind.as_str(), listed.join(", "))
                })
                .collect();
            let answers = if answers.is_empty() { "FALSE".to_string() } else { answers.join(" OR ") };
            format!(" AND EXISTS (SELECT 1 FROM campaigns k WHERE k.id = m.campaign_id AND ({answers}))")
        }
        reports::Touches::All => String::new(),
    };
    let mut by_activity = touches_from("activities", "x", "occurred_at", &format!(" AND x.campaign_id IS NOT NULL{activity_kinds}"));
    let mut by_membership = touches_from("campaign_members", "m", "joined_at", &member_statuses);
    let (a, b) = tokio::try_join!(by_activity.build().fetch_all(pool), by_membership.build().fetch_all(pool)).map_err(db)?;
    let found = a
        .iter()
        .chain(&b)
        .map(|r| {
            Ok(reports::OpportunityTouch {
                opportunity: r.try_get("id")?,
                amount: r.try_get("amount")?,
                campaign: r.try_get("campaign_id")?,
                first_at: from_epoch_days(r.try_get("first_at")?),
                last_at: from_epoch_days(r.try_get("last_at")?),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let names: HashMap<i64, String> = sqlx::query("SELECT id, name FROM campaigns")
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(reports::influence(opportunities, amount, &found, &names, options))
}

async fn report_nurture_in(pool: &sqlx::Pool<Db>, scope: &ReportScope, now: DateTime<Utc>) -> Result<reports::NurtureReport> {
    // Each person's first entry into nurture (the status history), beside their account's first
    // opportunity; the report decides in core which of them started a first sales cycle.
    let mut q = QueryBuilder::<Db>::new(
        "SELECT e.entered_at, f.first_at, c.status FROM \
         (SELECT contact_id, MIN(changed_at) AS entered_at FROM contact_status_changes WHERE to_status = 'nurture' AND changed_at <= ",
    );
    q.push_bind(now).push(
        " GROUP BY contact_id) e JOIN contacts c ON c.id = e.contact_id \
         LEFT JOIN (SELECT account_id, MIN(created_at) AS first_at FROM opportunities GROUP BY account_id) f ON f.account_id = c.account_id WHERE TRUE",
    );
    push_scope(&mut q, "c.account_id", scope);
    let entries = q
        .build()
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(reports::NurtureEntry {
                entered_at: r.try_get("entered_at")?,
                first_cycle_at: r.try_get("first_at")?,
                in_nurture: r.try_get::<String, _>("status")? == ContactStatus::Nurture.as_str(),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(reports::nurture(now, &entries))
}
