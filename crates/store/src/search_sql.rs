// Global search (this file is `include!`d after `shared.rs`): the database's own text index
// finds the candidates, `abcrm_core::search` ranks them. Each backend keeps one text per record
// in `search_accounts`, `search_contacts` and `search_opportunities` (with the account's name for
// people and deals), current through triggers: SQLite as FTS5 trigram tables, PostgreSQL as plain
// tables with a pg_trgm GIN index that `ILIKE '%part%'` uses. Everything else is the same SQL.

use abcrm_core::search::{rank, Candidate as SearchCandidate, SearchHit, SearchKind, SearchQuery};

/// How many candidates of each kind the database hands over for ranking when the words are looked
/// up as typed: every record holding them all is as good a match for the index, so the ranking
/// needs a choice, not all of them.
const SEARCH_CANDIDATES: i64 = 200;
/// The same when long words are looked up by their halves, which find many records that are not
/// near spellings at all; ranking throws those away.
const NEAR_CANDIDATES: i64 = 300;

/// SQLite: one FTS5 query for every set of parts (`("a" OR "b") AND "c"`): the index merges its
/// lists itself. A quoted string means "this text, anywhere"; the query took out every `"`.
fn fts_expression(parts: &[Vec<String>]) -> String {
    parts
        .iter()
        .map(|alternatives| {
            let any: Vec<String> = alternatives.iter().map(|p| format!("\"{p}\"")).collect();
            if any.len() == 1 {
                any[0].clone()
            } else {
                format!("({})", any.join(" OR "))
            }
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The ids of records of one kind that hold, for every set of `parts`, one of its parts: one
/// lookup in the kind's search table (SQLite: an FTS5 query the index merges itself; PostgreSQL:
/// `ILIKE` conditions on its text, served together by its trigram index).
fn push_matching_ids(q: &mut QueryBuilder<'_, Db>, kind: SearchKind, parts: &[Vec<String>]) {
    let table = match kind {
        SearchKind::Account => "search_accounts",
        SearchKind::Contact => "search_contacts",
        SearchKind::Opportunity => "search_opportunities",
    };
    if matches!(BACKEND, Backend::Sqlite) {
        q.push(format!("SELECT rowid FROM {table} WHERE {table} MATCH ")).push_bind(fts_expression(parts));
        return;
    }
    q.push(format!("SELECT id FROM {table} WHERE "));
    for (i, alternatives) in parts.iter().enumerate() {
        if i > 0 {
            q.push(" AND ");
        }
        q.push("(");
        for (j, part) in alternatives.iter().enumerate() {
            if j > 0 {
                q.push(" OR ");
            }
            // The query took out `%`, `_` and `\`, which ILIKE would read as patterns.
            q.push("doc ILIKE ").push_bind(format!("%{part}%"));
        }
        q.push(")");
    }
}

/// Up to `limit` records of one kind that hold, for every set of `parts`, one of its parts.
async fn search_candidates(pool: &sqlx::Pool<Db>, kind: SearchKind, parts: &[Vec<String>], limit: i64) -> Result<Vec<SearchCandidate>> {
    let mut q: QueryBuilder<'_, Db> = QueryBuilder::new(match kind {
        SearchKind::Account => format!(
            "SELECT a.id, a.name, coalesce((SELECT {} FROM account_domains d WHERE d.account_id = a.id), '') AS detail, '' AS company \
             FROM accounts a WHERE a.id IN (",
            space_separated("d.domain", "d.position")
        ),
        SearchKind::Contact => "SELECT c.id, trim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')) AS name, \
             coalesce(c.email, '') AS detail, a.name AS company \
             FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE c.id IN ("
            .to_string(),
        SearchKind::Opportunity => "SELECT o.id, o.name, '' AS detail, a.name AS company \
             FROM opportunities o JOIN accounts a ON a.id = o.account_id WHERE o.id IN ("
            .to_string(),
    });
    push_matching_ids(&mut q, kind, parts);
    // The limit inside: the index lookup stops at `limit` ids instead of the planner joining
    // every match to its record first (PostgreSQL did, for a three-letter word: 33 ms).
    q.push(" LIMIT ").push_bind(limit).push(")");
    let rows = if matches!(BACKEND, Backend::Sqlite) {
        q.build().fetch_all(pool).await.map_err(db)?
    } else {
        // PostgreSQL guesses that a quarter of the rows hold any `%part%` and, with a limit,
        // reads the table from the start instead of asking the trigram index: 60-100 ms over the
        // accounts and deals for a word none of them holds. The index is always the better way
        // here, so this transaction does without sequential scans.
        let mut tx = pool.begin().await.map_err(db)?;
        sqlx::query("SET LOCAL enable_seqscan = off").execute(&mut *tx).await.map_err(db)?;
        let rows = q.build().fetch_all(&mut *tx).await.map_err(db)?;
        tx.commit().await.map_err(db)?;
        rows
    };
    rows.iter()
        .map(|r| {
            Ok(SearchCandidate {
                kind,
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                detail: r.try_get("detail")?,
                company: r.try_get("company")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(StoreError::Database)
}

async fn search_kinds(pool: &sqlx::Pool<Db>, query: &SearchQuery, parts: &[Vec<String>], limit: usize, candidates: i64) -> Result<Vec<SearchHit>> {
    let (accounts, contacts, opportunities) = tokio::try_join!(
        search_candidates(pool, SearchKind::Account, parts, candidates),
        search_candidates(pool, SearchKind::Contact, parts, candidates),
        search_candidates(pool, SearchKind::Opportunity, parts, candidates),
    )?;
    let mut all = accounts;
    all.extend(contacts);
    all.extend(opportunities);
    Ok(rank(query, all, limit))
}

/// Accounts, contacts and opportunities for a query, best first, at most `limit` of each kind:
/// the words as typed, or when that finds nothing, near spellings of the long ones.
async fn search_records(pool: &sqlx::Pool<Db>, query: &SearchQuery, limit: usize) -> Result<Vec<SearchHit>> {
    let typed: Vec<Vec<String>> = query.indexed_words().map(|w| vec![w.to_string()]).collect();
    let hits = search_kinds(pool, query, &typed, limit, SEARCH_CANDIDATES).await?;
    if !hits.is_empty() {
        return Ok(hits);
    }
    let halves: Vec<Vec<String>> = query.halves().into_iter().map(Vec::from).collect();
    if halves.is_empty() {
        return Ok(hits);
    }
    search_kinds(pool, query, &halves, limit, NEAR_CANDIDATES).await
}
