// Segment filters compiled to SQL, once for both backends (this file is `include!`d after
// `shared.rs`). Every value is a bound parameter; only column names from core's field catalog
// are spliced in. Comparisons are two-valued: a missing value makes a comparison false, never
// unknown, so `not account.state = "CA"` keeps the accounts with no state. `abcrm_core::filter::
// matches` evaluates the same filters in memory; tests/filter_eval_agrees.rs holds the two to the
// same rows.

use abcrm_core::filter::{
    clamp_date, resolve_relative, Checked, CompareOp, Field, FieldType, Operand, Related, Scope,
    Target, SENIORITY_ORDER,
};
use chrono::NaiveDate;

/// Table aliases of the row being selected: `c` (contact, for contact segments) and `a` (its
/// account, or the account itself).
fn column_of(field: &Field) -> String {
    let c = field.column;
    if c == "score" {
        // Stored in thousandths of a point, in tables of their own; a record not scored yet has
        // no score (NULL), as in memory.
        let (table, key, id) = match field.scope {
            Scope::Contact => ("contact_scores", "contact_id", "c.id".to_string()),
            Scope::Related(_) => ("contact_scores", "contact_id", "r.id".to_string()),
            Scope::Account => ("account_scores", "account_id", "a.id".to_string()),
            Scope::Parent | Scope::UltimateParent => {
                let id = column_of(&Field { column: "id", ..*field });
                ("account_scores", "account_id", id)
            }
        };
        return format!("(SELECT s.score / 1000.0 FROM {table} s WHERE s.{key} = {id})");
    }
    match field.scope {
        Scope::Contact => format!("c.{c}"),
        Scope::Account => format!("a.{c}"),
        Scope::Parent => format!("(SELECT p.{c} FROM accounts p WHERE p.id = a.parent_id)"),
        // The walk up carries the ids it passed (`,7,3,`) and stops before one of them, so a
        // loop in the links (an older version could write one) ends where it closes; its root
        // is then the account the walk came back to, as `hierarchy::root_of` has it.
        Scope::UltimateParent => format!(
            "(SELECT u.{c} FROM accounts u WHERE u.id = (WITH RECURSIVE up (id, parent_id, path) AS \
             (SELECT id, parent_id, ',' || CAST(id AS TEXT) || ',' FROM accounts WHERE id = a.id UNION ALL \
              SELECT x.id, x.parent_id, up.path || CAST(x.id AS TEXT) || ',' FROM accounts x JOIN up ON x.id = up.parent_id \
              WHERE up.path NOT LIKE ('%,' || CAST(x.id AS TEXT) || ',%')) \
             SELECT COALESCE(parent_id, id) FROM up \
             WHERE parent_id IS NULL OR path LIKE ('%,' || CAST(parent_id AS TEXT) || ',%')))"
        ),
        Scope::Related(_) => format!("r.{c}"),
    }
}

fn push_operand(q: &mut QueryBuilder<'_, Db>, field: &Field, v: &Operand, today: NaiveDate) {
    match (field.ty, v) {
        (FieldType::Text, Operand::Text(s)) => {
            q.push("LOWER(").push_bind(s.clone()).push(")");
        }
        (_, Operand::Text(s)) => {
            q.push_bind(s.clone());
        }
        (_, Operand::Integer(i)) => {
            q.push_bind(*i);
        }
        (_, Operand::Number(n)) => {
            q.push_bind(*n);
        }
        (FieldType::Timestamp, Operand::Date(d)) => {
            q.push_bind(
                clamp_date(*d)
                    .and_hms_opt(0, 0, 0)
                    .unwrap_or_default()
                    .and_utc(),
            );
        }
        (FieldType::Timestamp, Operand::Relative(n, u)) => {
            q.push_bind(
                resolve_relative(today, *n, *u)
                    .and_hms_opt(0, 0, 0)
                    .unwrap_or_default()
                    .and_utc(),
            );
        }
        (_, Operand::Date(d)) => {
            q.push_bind(clamp_date(*d));
        }
        (_, Operand::Relative(n, u)) => {
            q.push_bind(resolve_relative(today, *n, *u));
        }
    }
}

/// The column as compared: text case-insensitively.
fn push_column(q: &mut QueryBuilder<'_, Db>, field: &Field) {
    if field.ty == FieldType::Text {
        q.push("LOWER(").push(column_of(field)).push(")");
    } else {
        q.push(column_of(field));
    }
}

/// Appends the SQL condition of a checked filter.
fn push_filter(q: &mut QueryBuilder<'_, Db>, f: &Checked, target: Target, today: NaiveDate) {
    push_condition(q, f, target, today, false);
}

/// The terms of a chain of `and`s (or of `or`s) rooted at `f`, in order, whatever its shape.
fn chain_terms(f: &Checked, and: bool) -> Vec<&Checked> {
    let mut terms = Vec::new();
    let mut pending = vec![f];
    while let Some(node) = pending.pop() {
        match node {
            Checked::And(x, y) if and => pending.extend([&**y, &**x]),
            Checked::Or(x, y) if !and => pending.extend([&**y, &**x]),
            other => terms.push(other),
        }
    }
    terms
}

/// Appends one condition. Where a NULL and a FALSE select the same rows (anywhere not under a
/// NOT) comparisons are left bare, so the database can use its indexes; under a NOT
/// (`two_valued`) each is wrapped so a missing value counts as false, not unknown.
fn push_condition(
    q: &mut QueryBuilder<'_, Db>,
    f: &Checked,
    target: Target,
    today: NaiveDate,
    two_valued: bool,
) {
    match f {
        Checked::And(..) | Checked::Or(..) => {
            // A chain of one operator is written flat, `(a OR b OR c)`: nesting a parenthesis per
            // term would overflow SQLite's parser stack long before the filter's own limits.
            // Under a NOT every term stays two-valued: `not (a and b)` with `a` on a missing value
            // is NOT (FALSE AND b), never NOT (NULL AND TRUE), which would drop the row.
            let and = matches!(f, Checked::And(..));
            q.push("(");
            for (i, term) in chain_terms(f, and).into_iter().enumerate() {
                if i > 0 {
                    q.push(if and { " AND " } else { " OR " });
                }
                push_condition(q, term, target, today, two_valued);
            }
            q.push(")");
        }
        Checked::Not(x) => {
            q.push("NOT ");
            push_condition(q, x, target, today, true);
        }
        Checked::Compare { field, op, value } => {
            if let (FieldType::Enum { ranked: true, .. }, Operand::Text(v), true) =
                (field.ty, value, op.is_ordering())
            {
                // Ranked vocabularies compare by rank: the set of values on the asked side.
                let rank = SENIORITY_ORDER.iter().position(|s| s == v).unwrap_or(0);
                let chosen: Vec<Operand> = SENIORITY_ORDER
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| match op {
                        CompareOp::Lt => *i < rank,
                        CompareOp::Le => *i <= rank,
                        CompareOp::Gt => *i > rank,
                        _ => *i >= rank,
                    })
                    .map(|(_, s)| Operand::Text(s.to_string()))
                    .collect();
                return push_in(q, field, &chosen, false, today, two_valued);
            }
            if two_valued {
                q.push("COALESCE(");
            }
            match (op, value) {
                (CompareOp::Contains | CompareOp::StartsWith, Operand::Text(s)) => {
                    let escaped = escape_like(s);
                    let pattern = if *op == CompareOp::Contains {
                        format!("%{escaped}%")
                    } else {
                        format!("{escaped}%")
                    };
                    // The database lowers the pattern as it lowers the column: Rust's
                    // `to_lowercase` folds letters SQLite's LOWER keeps (`É`), and
                    // `contains "Évry"` would then miss "Évry".
                    push_column(q, field);
                    q.push(" LIKE LOWER(")
                        .push_bind(pattern)
                        .push(") ESCAPE '\\'");
                }
                (CompareOp::Contains | CompareOp::StartsWith, _) => {
                    q.push("FALSE");
                }
                (CompareOp::Ne, _) => {
                    q.push("(");
                    q.push(column_of(field)).push(" IS NULL OR ");
                    push_column(q, field);
                    q.push(" <> ");
                    push_operand(q, field, value, today);
                    q.push(")");
                }
                (_, _) => {
                    push_column(q, field);
                    q.push(format!(" {} ", op.as_str()));
                    push_operand(q, field, value, today);
                }
            }
            if two_valued {
                q.push(", FALSE)");
            }
        }
        Checked::In {
            field,
            values,
            negated,
        } => push_in(q, field, values, *negated, today, two_valued),
        Checked::IsEmpty { field, negated } => {
            let col = column_of(field);
            let empty = if field.ty == FieldType::Text {
                format!("({col} IS NULL OR {col} = '')")
            } else {
                format!("({col} IS NULL)")
            };
            if *negated {
                q.push("NOT ");
            }
            q.push(empty);
        }
        Checked::Has { related, filter } => {
            let (table, link) = match (related, target) {
                (Related::Opportunity, _) => ("opportunities", "r.account_id = a.id"),
                (Related::Activity, Target::Contacts) => ("activities", "r.contact_id = c.id"),
                (Related::Activity, Target::Accounts) => ("activities", "r.account_id = a.id"),
                (Related::Contact, _) => ("contacts", "r.account_id = a.id"),
                (Related::Asset, _) => ("assets", "r.account_id = a.id"),
            };
            q.push(format!("EXISTS (SELECT 1 FROM {table} r WHERE {link}"));
            if let Some(f) = filter {
                q.push(" AND ");
                // EXISTS is true or false: its inside starts afresh.
                push_condition(q, f, target, today, false);
            }
            q.push(")");
        }
        Checked::InCampaign(name) => {
            let link = match target {
                Target::Contacts => "m.contact_id = c.id",
                Target::Accounts => "m.account_id = a.id",
            };
            q.push(format!("EXISTS (SELECT 1 FROM campaign_members m JOIN campaigns g ON g.id = m.campaign_id WHERE {link} AND LOWER(g.name) = LOWER("))
                .push_bind(name.clone())
                .push("))");
        }
    }
}

fn push_in(
    q: &mut QueryBuilder<'_, Db>,
    field: &Field,
    values: &[Operand],
    negated: bool,
    today: NaiveDate,
    two_valued: bool,
) {
    if values.is_empty() {
        q.push(if negated { "TRUE" } else { "FALSE" });
        return;
    }
    if two_valued {
        q.push("COALESCE(");
    }
    if negated {
        q.push("(").push(column_of(field)).push(" IS NULL OR ");
    }
    push_column(q, field);
    q.push(if negated { " NOT IN (" } else { " IN (" });
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        push_operand(q, field, v, today);
    }
    q.push(")");
    if negated {
        q.push(")");
    }
    if two_valued {
        q.push(", FALSE)");
    }
}

async fn segment_contacts_in(
    pool: &sqlx::Pool<Db>,
    filter: &Checked,
    today: NaiveDate,
    page: PageRequest,
) -> Result<Page<Contact>> {
    let limit = clamp(page);
    let columns: Vec<String> = CONTACT_COLUMNS
        .split(", ")
        .map(|c| format!("c.{c}"))
        .collect();
    let mut q = QueryBuilder::<Db>::new(format!(
        "SELECT {} FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE ",
        columns.join(", ")
    ));
    push_filter(&mut q, filter, Target::Contacts, today);
    if let Some(after) = page.after {
        q.push(" AND c.id > ").push_bind(after);
    }
    q.push(" ORDER BY c.id LIMIT ").push_bind(limit + 1);
    let mut conn = pool.acquire().await.map_err(db)?;
    let deadline = time_limit(&mut conn).await?;
    let rows = q.build().fetch_all(&mut *conn).await;
    deadline.end();
    let rows = rows.map_err(db)?;
    let items = rows
        .iter()
        .map(contact_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(paginate(items, limit, |c| c.id.0))
}

async fn segment_accounts_in(
    pool: &sqlx::Pool<Db>,
    filter: &Checked,
    today: NaiveDate,
    page: PageRequest,
) -> Result<Page<Account>> {
    let limit = clamp(page);
    let columns: Vec<String> = ACCOUNT_COLUMNS
        .split(", ")
        .map(|c| format!("a.{c}"))
        .collect();
    let mut q = QueryBuilder::<Db>::new(format!(
        "SELECT {} FROM accounts a WHERE ",
        columns.join(", ")
    ));
    push_filter(&mut q, filter, Target::Accounts, today);
    if let Some(after) = page.after {
        q.push(" AND a.id > ").push_bind(after);
    }
    q.push(" ORDER BY a.id LIMIT ").push_bind(limit + 1);
    let mut conn = pool.acquire().await.map_err(db)?;
    let deadline = time_limit(&mut conn).await?;
    let rows = q.build().fetch_all(&mut *conn).await;
    deadline.end();
    let rows = rows.map_err(db)?;
    let items = rows
        .iter()
        .map(account_row)
        .collect::<Result<Vec<_>, _>>()?;
    let items = with_domains(&mut conn, items).await?;
    Ok(paginate(items, limit, |a| a.id.0))
}

/// `text` with LIKE's wildcards (`%`, `_`) and its escape character (`\`) escaped, for a
/// pattern used with `ESCAPE '\'`: a person's text matches itself, never everything.
fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Records of the review queue weighed by one query: 500 people with 15 bound values each, well
/// within both backends' bound-parameter limits.
const WAITING_CHUNK: usize = 500;

/// The people waiting in review whom a filter would select once placed (the store's
/// `waiting_in_segment`). Each is weighed by the same SQL as stored contacts: the contact it would
/// become at its best candidate stands in a `VALUES` table named as the contacts are (`c`), under
/// the intake record's id negated, so no stored activity, membership or score is theirs.
async fn waiting_in_segment_in(
    pool: &sqlx::Pool<Db>,
    filter: &Checked,
    target: Target,
    today: NaiveDate,
    limit: usize,
) -> Result<crate::WaitingPeople> {
    let query = crate::IntakeQuery {
        outcome: Some(abcrm_core::model::IntakeOutcome::NeedsReview),
        hide_duplicates: true,
        ..crate::IntakeQuery::default()
    };
    let mut out = crate::WaitingPeople { complete: true, ..Default::default() };
    let mut after = None;
    let mut weighed = 0;
    loop {
        let page = intake_list(pool, &query, PageRequest { after, limit: WAITING_CHUNK as u32 }).await?;
        weighed += page.items.len();
        let placed: Vec<(i64, Contact)> = page
            .items
            .iter()
            .filter_map(|r| {
                let account = abcrm_core::intake::best_candidate(r)?;
                let new = abcrm_core::intake::placed_contact(r, account);
                // Seniority and department follow from the title as they will when placed; a
                // record that would not validate is weighed as it stands.
                let new = new.clone().validate().unwrap_or(new);
                let at = new.created_at.unwrap_or(r.received_at);
                Some((r.id, new.into_contact(ContactId(-r.id), at, at)))
            })
            .collect();
        let selected = waiting_selected(pool, filter, target, today, &placed).await?;
        for r in page.items {
            if selected.contains(&r.id) {
                out.count += 1;
                if out.records.len() < limit {
                    out.records.push(r);
                }
            }
        }
        match page.next_after {
            Some(next) if weighed < crate::MAX_WAITING_WEIGHED => after = Some(next),
            Some(_) => {
                out.complete = false;
                return Ok(out);
            }
            None => return Ok(out),
        }
    }
}

/// Of some people waiting in review (intake id, the contact each would become), the intake ids
/// the filter selects.
async fn waiting_selected(
    pool: &sqlx::Pool<Db>,
    filter: &Checked,
    target: Target,
    today: NaiveDate,
    placed: &[(i64, Contact)],
) -> Result<std::collections::HashSet<i64>> {
    if placed.is_empty() {
        return Ok(Default::default());
    }
    let mut q = match target {
        Target::Contacts => {
            let mut q = QueryBuilder::<Db>::new(format!(
                "WITH c ({CONTACT_COLUMNS}, last_activity_at) AS ("
            ));
            q.push_values(placed, |mut b, (_, c)| {
                b.push_bind(c.id.0)
                    .push_bind(c.account_id.0)
                    .push_bind(c.first_name.clone())
                    .push_bind(c.last_name.clone())
                    .push_bind(c.email.as_ref().map(|e| e.as_str().to_string()))
                    .push_bind(c.phone.clone())
                    .push_bind(c.title.clone())
                    .push_bind(c.seniority.map(|v| v.as_str()))
                    .push_bind(c.department.map(|v| v.as_str()))
                    .push_bind(c.buying_role.map(|v| v.as_str()))
                    .push_bind(c.status.as_str())
                    .push_bind(c.owner_id.map(|u| u.0))
                    .push_bind(c.source.clone())
                    .push_bind(c.created_at)
                    .push_bind(c.updated_at)
                    .push("CAST(NULL AS TIMESTAMPTZ)");
            });
            q.push(") SELECT c.id AS id FROM c JOIN accounts a ON a.id = c.account_id WHERE ");
            q
        }
        Target::Accounts => {
            let mut q = QueryBuilder::<Db>::new("SELECT a.id AS id FROM accounts a WHERE a.id IN (");
            let mut list = q.separated(", ");
            for (_, c) in placed {
                list.push_bind(c.account_id.0);
            }
            q.push(") AND ");
            q
        }
    };
    q.push("(");
    push_filter(&mut q, filter, target, today);
    q.push(")");
    let mut conn = pool.acquire().await.map_err(db)?;
    let deadline = time_limit(&mut conn).await?;
    let rows = q.build().fetch_all(&mut *conn).await;
    deadline.end();
    let ids = rows
        .map_err(db)?
        .iter()
        .map(|r| r.try_get::<i64, _>("id"))
        .collect::<Result<std::collections::HashSet<_>, _>>()?;
    Ok(match target {
        Target::Contacts => ids.into_iter().map(|id| -id).collect(),
        Target::Accounts => placed
            .iter()
            .filter(|(_, c)| ids.contains(&c.account_id.0))
            .map(|(intake, _)| *intake)
            .collect(),
    })
}
