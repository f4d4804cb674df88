//! `/reports`: the revenue reports as pages, each with the parameters the API takes as a GET
//! form, a bar chart, its table and a CSV download (`?format=csv`) of the same rows.
//!
//! Every report page is one [`ReportView`]: a report's figures are turned into columns and rows
//! once, and the table and the CSV are both written from them, so they cannot disagree. The
//! parameters are checked by the API's own functions (`routes::reports`), so a page refuses what
//! the API refuses, with the same words.

use super::charts::{short_label, BarChart};
use super::format::{human, money, thousands, words};
use super::people::text;
use super::{query_string, render, Nav, SignedIn, WebError};
use crate::csv_body;
use crate::problem::ApiError;
use crate::routes::reports::{
    range, scope, CoverageParams, CyclesParams, InfluenceParams, NurtureParams, ScopeParams,
};
use crate::AppState;
use abcrm_core::reports::*;
use abcrm_store::PageRequest;
use askama::Template;
use axum::extract::{Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

/// The report routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports", get(index))
        .route("/reports/coverage", get(coverage_page))
        .route("/reports/influence", get(influence_page))
        .route("/reports/sales-cycles", get(cycles_page))
        .route("/reports/cost-per-cycle", get(cost_page))
        .route("/reports/nurture", get(nurture_page))
}

/// The reports: path, name and what each answers.
const REPORTS: [(&str, &str, &str); 5] = [
    (
        "/reports/coverage",
        "Coverage",
        "Per account, which buying roles and seniority levels are covered by known contacts, how many of them engaged (penetration), and the accounts with no economic buyer: the BDR's view.",
    ),
    (
        "/reports/influence",
        "Campaign influence",
        "Per campaign, the opportunities and amount it influenced at the account level, with first-touch, last-touch and even-split credit.",
    ),
    (
        "/reports/sales-cycles",
        "Sales cycles started",
        "Opportunities created per period, by owner, by source campaign or in total.",
    ),
    (
        "/reports/cost-per-cycle",
        "Cost per sales cycle started",
        "Per campaign, its budget over the sales cycles started that it influenced.",
    ),
    (
        "/reports/nurture",
        "Nurture",
        "The people in nurture, and how many went on to a sales cycle at their account.",
    ),
];

/// Bars a chart shows at most; the table lists every row.
const CHART_BARS: usize = 20;
/// Accounts per page of the coverage table (the CSV has them all).
const COVERAGE_PAGE: u32 = 100;

#[derive(Template)]
#[template(path = "reports.html")]
struct IndexPage {
    nav: Nav,
    reports: &'static [(&'static str, &'static str, &'static str)],
}

async fn index(me: SignedIn) -> Result<Response, WebError> {
    render(&IndexPage {
        nav: Nav::new(&me, "reports"),
        reports: &REPORTS,
    })
}

// ---------------------------------------------------------------------------------------------
// The view every report page fills

/// One input of a report's form.
struct FormField {
    /// `select`, `checkbox`, `date`, `number` or `text`.
    kind: &'static str,
    name: &'static str,
    label: &'static str,
    value: String,
    checked: bool,
    /// A select's (value, label) choices.
    options: Vec<(String, String)>,
}

impl FormField {
    fn input(kind: &'static str, name: &'static str, label: &'static str, value: String) -> Self {
        FormField {
            kind,
            name,
            label,
            value,
            checked: false,
            options: Vec::new(),
        }
    }

    fn select(name: &'static str, label: &'static str, value: &str, options: &[&str]) -> Self {
        FormField {
            options: options.iter().map(|o| (o.to_string(), human(o))).collect(),
            ..FormField::input("select", name, label, value.to_string())
        }
    }

    fn checkbox(name: &'static str, label: &'static str, checked: bool) -> Self {
        FormField {
            checked,
            ..FormField::input("checkbox", name, label, String::new())
        }
    }
}

/// A table column: its heading on the page, its name in the CSV, and whether it holds figures.
struct ColumnDef {
    label: &'static str,
    csv: &'static str,
    numeric: bool,
}

const fn col(label: &'static str, csv: &'static str, numeric: bool) -> ColumnDef {
    ColumnDef {
        label,
        csv,
        numeric,
    }
}

/// A cell: as the page shows it and as the CSV holds it (plain figures, no separators).
struct Cell {
    shown: String,
    raw: String,
}

fn cell(shown: impl Into<String>, raw: impl ToString) -> Cell {
    Cell {
        shown: shown.into(),
        raw: raw.to_string(),
    }
}

fn same(text: impl Into<String>) -> Cell {
    let text = text.into();
    Cell {
        raw: text.clone(),
        shown: text,
    }
}

fn count(n: u64) -> Cell {
    cell(thousands(n), n)
}

fn amount(a: f64) -> Cell {
    cell(money(a), format!("{a:.2}"))
}

fn share(r: Option<f64>) -> Cell {
    match r {
        Some(r) => cell(format!("{:.1}%", r * 100.0), format!("{r:.4}")),
        None => cell("–", ""),
    }
}

struct Row {
    /// What tests and scripts find the row by (a campaign or account name, a period).
    key: String,
    /// The first cell links here.
    href: Option<String>,
    cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportView {
    nav: Nav,
    title: &'static str,
    intro: &'static str,
    path: &'static str,
    fields: Vec<FormField>,
    figures: Vec<(&'static str, String)>,
    chart_title: String,
    chart: BarChart,
    chart_note: String,
    table_caption: String,
    columns: &'static [ColumnDef],
    rows: Vec<Row>,
    csv_href: String,
    next_href: Option<String>,
}

impl ReportView {
    /// Whether the `i`th column holds figures (aligned right).
    fn numeric(&self, i: &usize) -> bool {
        self.columns.get(*i).is_some_and(|c| c.numeric)
    }
}

/// What a report function hands over: everything but the layout.
struct Report {
    title: &'static str,
    intro: &'static str,
    path: &'static str,
    /// The CSV file's name, without `.csv`.
    file: &'static str,
    fields: Vec<FormField>,
    figures: Vec<(&'static str, String)>,
    chart_title: String,
    /// (label, value, figure after the bar, note under the label).
    bars: Vec<(String, f64, String, String)>,
    table_caption: String,
    columns: &'static [ColumnDef],
    rows: Vec<Row>,
    next_href: Option<String>,
}

/// The page, or with `format=csv` the CSV of the same rows.
fn answer(
    me: &SignedIn,
    q: &ReportQuery,
    raw: Option<String>,
    r: Report,
) -> Result<Response, WebError> {
    if q.wants_csv()? {
        let header: Vec<&str> = r.columns.iter().map(|c| c.csv).collect();
        let rows = r
            .rows
            .into_iter()
            .map(|row| row.cells.into_iter().map(|c| c.raw).collect())
            .collect();
        return Ok(csv_body::whole(r.file, &header, rows));
    }
    let shown = r.bars.len().min(CHART_BARS);
    let chart_note = if r.bars.len() > shown {
        format!(
            "The chart shows the first {shown} of {}; the table lists them all.",
            r.bars.len()
        )
    } else {
        String::new()
    };
    let bars = r
        .bars
        .into_iter()
        .take(CHART_BARS)
        .map(|(label, value, text, note)| (short_label(&label, 28), value, text, note))
        .collect();
    render(&ReportView {
        nav: Nav::new(me, "reports"),
        title: r.title,
        intro: r.intro,
        path: r.path,
        fields: r.fields,
        figures: r.figures,
        chart_title: r.chart_title,
        chart: BarChart::new(bars, 210, 420),
        chart_note,
        table_caption: r.table_caption,
        columns: r.columns,
        rows: r.rows,
        csv_href: csv_href(r.path, raw.as_deref()),
        next_href: r.next_href,
    })
}

/// The page's own query with `format=csv` (and without a page cursor: the CSV has every row).
fn csv_href(path: &str, raw: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.unwrap_or_default()).unwrap_or_default();
    pairs.retain(|(k, _)| k != "format" && k != "after");
    pairs.push(("format".into(), "csv".into()));
    let kept: Vec<(&str, String)> = pairs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    format!("{path}{}", query_string(&kept))
}

/// An API parameter error as a page: the API's words, naming the field.
fn refused(e: ApiError) -> WebError {
    match e.status() {
        StatusCode::NOT_FOUND => WebError::NotFound(e.detail().to_string()),
        s if s.is_client_error() => WebError::BadRequest(e.detail().to_string()),
        _ => WebError::Internal(e.detail().to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// Parameters

/// Every report's parameters, as a GET form sends them: text, checked here naming the field.
#[derive(Debug, Default, Deserialize)]
struct ReportQuery {
    format: Option<String>,
    segment: Option<String>,
    from: Option<String>,
    to: Option<String>,
    period: Option<String>,
    by: Option<String>,
    window_days: Option<String>,
    hierarchy: Option<String>,
    touches: Option<String>,
    engaged_days: Option<String>,
    missing_economic_buyer: Option<String>,
    family: Option<String>,
    after: Option<String>,
}

fn bad(field: &str, value: &str, expected: &str) -> WebError {
    WebError::BadRequest(format!("{field}: {value:?} is not {expected}"))
}

impl ReportQuery {
    fn wants_csv(&self) -> Result<bool, WebError> {
        match text(&self.format).as_deref() {
            None | Some("html") => Ok(false),
            Some("csv") => Ok(true),
            Some(other) => Err(bad(
                "format",
                other,
                "a format; use csv, or leave it out for the page",
            )),
        }
    }

    fn scope(&self) -> ScopeParams {
        ScopeParams {
            segment: text(&self.segment),
            ..ScopeParams::default()
        }
    }

    fn day(&self, field: &str, raw: &Option<String>) -> Result<Option<NaiveDate>, WebError> {
        text(raw)
            .map(|t| {
                t.parse::<NaiveDate>()
                    .map_err(|_| bad(field, &t, "a day; write it as YYYY-MM-DD"))
            })
            .transpose()
    }

    fn days(&self, field: &str, raw: &Option<String>) -> Result<Option<u32>, WebError> {
        text(raw)
            .map(|t| {
                t.parse::<u32>()
                    .map_err(|_| bad(field, &t, "a number of days; give 1 to 3650"))
            })
            .transpose()
    }

    fn flag(raw: &Option<String>) -> bool {
        matches!(
            text(raw).as_deref().map(str::to_ascii_lowercase).as_deref(),
            Some("1" | "true" | "on" | "yes")
        )
    }

    fn period(&self) -> Result<Option<Period>, WebError> {
        text(&self.period)
            .map(|t| {
                t.parse()
                    .map_err(|_| bad("period", &t, "a period; use week, month or quarter"))
            })
            .transpose()
    }

    fn touches(&self) -> Result<Option<Touches>, WebError> {
        match text(&self.touches).as_deref() {
            None => Ok(None),
            Some("responses") => Ok(Some(Touches::Responses)),
            Some("all") => Ok(Some(Touches::All)),
            Some(other) => Err(bad(
                "touches",
                other,
                "a kind of touch; use responses or all",
            )),
        }
    }

    fn influence(&self) -> Result<InfluenceParams, WebError> {
        let s = self.scope();
        Ok(InfluenceParams {
            from: self.day("from", &self.from)?,
            to: self.day("to", &self.to)?,
            window_days: self.days("window_days", &self.window_days)?,
            hierarchy: Some(Self::flag(&self.hierarchy)),
            touches: self.touches()?,
            segment: s.segment,
            filter: None,
            target: None,
        })
    }
}

/// The saved segments as a select: "every account" first.
async fn segment_field(s: &AppState, q: &ReportQuery) -> Result<FormField, WebError> {
    let mut options = vec![(String::new(), "Every account".to_string())];
    let mut page = PageRequest {
        after: None,
        limit: 1000,
    };
    loop {
        let got = s.store.list_segments(page).await?;
        options.extend(
            got.items
                .into_iter()
                .map(|seg| (seg.name.clone(), seg.name)),
        );
        match got.next_after {
            Some(after) => page.after = Some(after),
            None => break,
        }
    }
    Ok(FormField {
        options,
        ..FormField::input(
            "select",
            "segment",
            "Accounts of segment",
            text(&q.segment).unwrap_or_default(),
        )
    })
}

/// The range fields as the report ran them.
fn range_fields(from: NaiveDate, to: NaiveDate) -> [FormField; 2] {
    [
        FormField::input("date", "from", "From", from.to_string()),
        FormField::input("date", "to", "To (the day after the last)", to.to_string()),
    ]
}

fn influence_fields(o: &InfluenceOptions) -> [FormField; 3] {
    [
        FormField::input(
            "number",
            "window_days",
            "Touches within days before",
            o.window_days.to_string(),
        ),
        FormField::select(
            "touches",
            "Touches",
            touches_name(o.touches),
            &["responses", "all"],
        ),
        FormField::checkbox(
            "hierarchy",
            "Count touches anywhere in the account's family",
            o.hierarchy,
        ),
    ]
}

fn touches_name(t: Touches) -> &'static str {
    match t {
        Touches::Responses => "responses",
        Touches::All => "all",
    }
}

// ---------------------------------------------------------------------------------------------
// Coverage

const COVERAGE_COLUMNS: &[ColumnDef] = &[
    col("Account", "account", false),
    col("Contacts", "contacts", true),
    col("Engaged", "engaged", true),
    col("Penetration", "penetration", true),
    col("Roles covered", "roles", false),
    col("Roles missing", "missing_roles", false),
    col("Seniority covered", "seniorities", false),
    col("Economic buyer", "has_economic_buyer", false),
];

fn coverage_row(a: &AccountCoverage) -> Row {
    let list = |items: Vec<&str>| {
        let text = items
            .iter()
            .map(|i| words(i))
            .collect::<Vec<_>>()
            .join("; ");
        same(text)
    };
    Row {
        key: a.account_name.clone(),
        href: Some(format!("/accounts/{}", a.account_id)),
        cells: vec![
            same(a.account_name.clone()),
            count(a.contacts),
            count(a.engaged),
            share(a.penetration),
            list(a.roles.iter().map(|r| r.as_str()).collect()),
            list(a.missing_roles.iter().map(|r| r.as_str()).collect()),
            list(a.seniorities.iter().map(|s| s.as_str()).collect()),
            cell(
                if a.has_economic_buyer { "yes" } else { "no" },
                a.has_economic_buyer,
            ),
        ],
    }
}

async fn coverage_page(
    State(s): State<AppState>,
    me: SignedIn,
    Query(q): Query<ReportQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let engaged_days = q.days("engaged_days", &q.engaged_days)?.unwrap_or(90);
    let missing = ReportQuery::flag(&q.missing_economic_buyer);
    let family = ReportQuery::flag(&q.family);
    let csv = q.wants_csv()?;
    let after = text(&q.after)
        .map(|t| {
            t.parse::<i64>()
                .map_err(|_| bad("after", &t, "an account id; follow the Next page link"))
        })
        .transpose()?;
    // The API checks the parameters and the segment; its page size is the page's.
    let params = CoverageParams {
        engaged_days: Some(engaged_days),
        missing_economic_buyer: Some(missing),
        family: Some(family),
        limit: None,
        cursor: None,
        segment: text(&q.segment),
        filter: None,
        target: None,
    };
    if engaged_days == 0 || engaged_days > 3650 {
        return Err(bad(
            "engaged_days",
            &engaged_days.to_string(),
            "between 1 and 3650",
        ));
    }
    let sc = scope(&s, params.scope_params()).await.map_err(refused)?;
    let now = Utc::now();
    let page_rows = |after| CoverageRows {
        missing_economic_buyer: missing,
        after,
        limit: if csv { 1000 } else { COVERAGE_PAGE as usize },
    };
    let mut report = s
        .store
        .report_coverage(
            &sc,
            engaged_days,
            page_rows(if csv { None } else { after }),
            now,
            family,
        )
        .await?;
    let mut rows: Vec<Row> = report.rows.iter().map(coverage_row).collect();
    if csv {
        // Every account, a thousand at a time.
        while let Some(next) = report.next_after {
            report = s
                .store
                .report_coverage(&sc, engaged_days, page_rows(Some(next)), now, family)
                .await?;
            rows.extend(report.rows.iter().map(coverage_row));
        }
    }
    let next_href = report.next_after.filter(|_| !csv).map(|next| {
        let mut pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
        pairs.retain(|(k, _)| k != "after");
        pairs.push(("after".into(), next.to_string()));
        let kept: Vec<(&str, String)> =
            pairs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        format!("/reports/coverage{}", query_string(&kept))
    });
    let bars = report
        .by_role
        .iter()
        .map(|c| {
            (
                human(&c.value),
                c.accounts as f64,
                format!(
                    "{} ({})",
                    thousands(c.accounts),
                    c.share.map_or("–".into(), |r| format!("{:.0}%", r * 100.0))
                ),
                String::new(),
            )
        })
        .collect();
    let fields = vec![
        segment_field(&s, &q).await?,
        FormField::input(
            "number",
            "engaged_days",
            "Engaged: an activity within days",
            engaged_days.to_string(),
        ),
        FormField::checkbox(
            "missing_economic_buyer",
            "Only accounts missing an economic buyer",
            missing,
        ),
        FormField::checkbox(
            "family",
            "Each family as one company (its buying center is everyone in it)",
            family,
        ),
    ];
    let figures = vec![
        ("Accounts", thousands(report.accounts)),
        ("With contacts", thousands(report.accounts_with_contacts)),
        (
            "Missing an economic buyer",
            thousands(report.accounts_missing_economic_buyer),
        ),
        (
            "Average penetration",
            report
                .average_penetration
                .map_or("–".into(), |r| format!("{:.1}%", r * 100.0)),
        ),
    ];
    answer(
        &me,
        &q,
        raw,
        Report {
            title: "Coverage",
            intro: "Which buying roles and seniority levels each account's known contacts cover, and penetration: the share of them with an activity in the window.",
            path: "/reports/coverage",
            file: "coverage",
            fields,
            figures,
            chart_title: "Accounts with a contact in each buying role".into(),
            bars,
            table_caption: format!(
                "Buying center per account{}",
                if missing { ", only those missing an economic buyer" } else { "" }
            ),
            columns: COVERAGE_COLUMNS,
            rows,
            next_href,
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Campaign influence

const INFLUENCE_COLUMNS: &[ColumnDef] = &[
    col("Campaign", "campaign", false),
    col("Influenced opportunities", "influenced", true),
    col("Influenced amount", "influenced_amount", true),
    col("First touch", "first_touch_opportunities", true),
    col("First-touch amount", "first_touch_amount", true),
    col("Last touch", "last_touch_opportunities", true),
    col("Last-touch amount", "last_touch_amount", true),
    col("Even split", "even_split_opportunities", true),
    col("Even-split amount", "even_split_amount", true),
];

fn fraction(v: f64) -> Cell {
    cell(format!("{v:.2}"), v)
}

async fn influence_page(
    State(s): State<AppState>,
    me: SignedIn,
    Query(q): Query<ReportQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let p = q.influence()?;
    let sc = scope(&s, p.scope_params()).await.map_err(refused)?;
    let (from, to) = range(p.from, p.to).map_err(refused)?;
    let options = p.options().map_err(refused)?;
    let r = s.store.report_influence(&sc, from, to, options).await?;
    let rows = r
        .campaigns
        .iter()
        .map(|c| Row {
            key: c.campaign.clone(),
            href: None,
            cells: vec![
                same(c.campaign.clone()),
                count(c.influenced),
                amount(c.influenced_amount),
                fraction(c.first_touch.opportunities),
                amount(c.first_touch.amount),
                fraction(c.last_touch.opportunities),
                amount(c.last_touch.amount),
                fraction(c.even_split.opportunities),
                amount(c.even_split.amount),
            ],
        })
        .collect();
    let bars = r
        .campaigns
        .iter()
        .map(|c| {
            (
                c.campaign.clone(),
                c.influenced_amount,
                money(c.influenced_amount),
                format!("{} opportunities", thousands(c.influenced)),
            )
        })
        .collect();
    let mut fields = vec![segment_field(&s, &q).await?];
    fields.extend(range_fields(from, to));
    fields.extend(influence_fields(&options));
    let figures = vec![
        ("Opportunities created", thousands(r.opportunities)),
        ("Amount", money(r.amount)),
        ("Influenced by a campaign", thousands(r.influenced)),
        ("Influenced amount", money(r.influenced_amount)),
    ];
    let counted = match r.touches {
        Touches::Responses => "responses",
        Touches::All => "every touch, sends and opens too",
    };
    answer(
        &me,
        &q,
        raw,
        Report {
            title: "Campaign influence",
            intro: "An opportunity is influenced by every campaign that touched a contact of its account (or, if asked, of its family) within the window before it was created.",
            path: "/reports/influence",
            file: "campaign-influence",
            fields,
            figures,
            chart_title: "Influenced amount per campaign".into(),
            bars,
            table_caption: format!(
                "Credit per campaign, {} counted, opportunities created {from} to {}",
                counted,
                to.pred_opt().unwrap_or(to)
            ),
            columns: INFLUENCE_COLUMNS,
            rows,
            next_href: None,
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Sales cycles started

const CYCLES_COLUMNS: &[ColumnDef] = &[
    col("Period", "period", false),
    col("Group", "group", false),
    col("Started", "started", true),
    col("Amount", "amount", true),
];

async fn cycles_page(
    State(s): State<AppState>,
    me: SignedIn,
    Query(q): Query<ReportQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let by = match text(&q.by) {
        None => CyclesBy::Owner,
        Some(t) => t
            .parse()
            .map_err(|_| bad("by", &t, "a breakdown; use owner, campaign or total"))?,
    };
    let p = CyclesParams {
        period: q.period()?,
        by: Some(by),
        from: q.day("from", &q.from)?,
        to: q.day("to", &q.to)?,
        segment: text(&q.segment),
        filter: None,
        target: None,
    };
    let sc = scope(&s, p.scope_params()).await.map_err(refused)?;
    let (from, to) = range(p.from, p.to).map_err(refused)?;
    let period = p.period.unwrap_or_default();
    let r = s
        .store
        .report_sales_cycles(&sc, period, by, from, to)
        .await?;
    let group_name = |g: &Option<String>| g.clone().unwrap_or_else(|| "All".to_string());
    let rows = r
        .rows
        .iter()
        .map(|row| Row {
            key: format!("{} {}", row.period, group_name(&row.group)),
            href: None,
            cells: vec![
                same(row.period.clone()),
                same(group_name(&row.group)),
                count(row.started),
                amount(row.amount),
            ],
        })
        .collect();
    // The chart: cycles per owner or campaign over the whole range, most first; per period in
    // a total breakdown.
    let mut groups: Vec<(String, u64, f64)> = Vec::new();
    for row in &r.rows {
        let label = match by {
            CyclesBy::Total => row.period.clone(),
            _ => group_name(&row.group),
        };
        match groups.iter_mut().find(|g| g.0 == label) {
            Some(g) => {
                g.1 += row.started;
                g.2 += row.amount;
            }
            None => groups.push((label, row.started, row.amount)),
        }
    }
    if by != CyclesBy::Total {
        groups.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    }
    let bars = groups
        .into_iter()
        .map(|(label, started, amount)| (label, started as f64, thousands(started), money(amount)))
        .collect();
    let by_name = match by {
        CyclesBy::Total => "total",
        CyclesBy::Campaign => "campaign",
        CyclesBy::Owner => "owner",
    };
    let period_name = match period {
        Period::Week => "week",
        Period::Month => "month",
        Period::Quarter => "quarter",
    };
    let mut fields = vec![
        segment_field(&s, &q).await?,
        FormField::select("by", "Grouped by", by_name, &["owner", "campaign", "total"]),
        FormField::select(
            "period",
            "Period",
            period_name,
            &["week", "month", "quarter"],
        ),
    ];
    fields.extend(range_fields(from, to));
    let figures = vec![
        ("Sales cycles started", thousands(r.total_started)),
        ("Amount", money(r.total_amount)),
    ];
    let chart_title = match by {
        CyclesBy::Total => format!("Sales cycles started per {period_name}"),
        CyclesBy::Owner => "Sales cycles started per owner".to_string(),
        CyclesBy::Campaign => "Sales cycles started per source campaign".to_string(),
    };
    answer(
        &me,
        &q,
        raw,
        Report {
            title: "Sales cycles started",
            intro: "Opportunities created: the headline figure of an account-based funnel (a lead count says how many forms were filled, not how many deals began).",
            path: "/reports/sales-cycles",
            file: "sales-cycles",
            fields,
            figures,
            chart_title,
            bars,
            table_caption: format!(
                "Sales cycles started per {period_name} and {by_name}, {from} to {}",
                to.pred_opt().unwrap_or(to)
            ),
            columns: CYCLES_COLUMNS,
            rows,
            next_href: None,
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Cost per sales cycle started

const COST_COLUMNS: &[ColumnDef] = &[
    col("Campaign", "campaign", false),
    col("Budget", "budget", true),
    col("Sales cycles started", "cycles_started", true),
    col("Cost per cycle", "cost_per_cycle", true),
];

async fn cost_page(
    State(s): State<AppState>,
    me: SignedIn,
    Query(q): Query<ReportQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let p = q.influence()?;
    let sc = scope(&s, p.scope_params()).await.map_err(refused)?;
    let (from, to) = range(p.from, p.to).map_err(refused)?;
    let options = p.options().map_err(refused)?;
    let r = s
        .store
        .report_cost_per_cycle(&sc, from, to, options)
        .await?;
    let rows = r
        .campaigns
        .iter()
        .map(|c| Row {
            key: c.campaign.clone(),
            href: None,
            cells: vec![
                same(c.campaign.clone()),
                c.budget.map_or_else(|| cell("no budget", ""), amount),
                count(c.cycles_started),
                match c.cost_per_cycle {
                    Some(cost) => amount(cost),
                    None => same(c.status.label()),
                },
            ],
        })
        .collect();
    let bars = r
        .campaigns
        .iter()
        .filter_map(|c| {
            c.cost_per_cycle.map(|cost| {
                (
                    c.campaign.clone(),
                    cost,
                    money(cost),
                    format!(
                        "{} over {} cycles",
                        money(c.budget.unwrap_or(0.0)),
                        thousands(c.cycles_started)
                    ),
                )
            })
        })
        .collect();
    let mut fields = vec![segment_field(&s, &q).await?];
    fields.extend(range_fields(from, to));
    fields.extend(influence_fields(&options));
    let priced = r
        .campaigns
        .iter()
        .filter(|c| c.status == CostStatus::Priced)
        .count();
    let figures = vec![
        ("Campaigns", thousands(r.campaigns.len() as u64)),
        ("With a cost per cycle", thousands(priced as u64)),
    ];
    answer(
        &me,
        &q,
        raw,
        Report {
            title: "Cost per sales cycle started",
            intro: "Each campaign's budget divided by the sales cycles started in range that it influenced (the campaign influence report's count). A campaign without a budget, or one that influenced no cycle, says so instead of a cost.",
            path: "/reports/cost-per-cycle",
            file: "cost-per-cycle",
            fields,
            figures,
            chart_title: "Cost per sales cycle started, cheapest first".into(),
            bars,
            table_caption: format!(
                "Budget over influenced sales cycles started {from} to {}",
                to.pred_opt().unwrap_or(to)
            ),
            columns: COST_COLUMNS,
            rows,
            next_href: None,
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Nurture: a thin view over whatever `report_nurture` returns.

const NURTURE_COLUMNS: &[ColumnDef] = &[
    col("Entered nurture", "cohort", false),
    col("People", "entered", true),
    col("After a cycle had started", "after_a_cycle", true),
    col("Started a first sales cycle", "converted", true),
    col("Conversion", "conversion_rate", true),
    col("0-6 months", "months_0_6", true),
    col("6-12 months", "months_6_12", true),
    col("12-18 months", "months_12_18", true),
    col("18+ months", "months_18_plus", true),
    col("Share 18+ months", "share_18_months_or_more", true),
];

async fn nurture_page(
    State(s): State<AppState>,
    me: SignedIn,
    Query(q): Query<ReportQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let p = NurtureParams {
        segment: text(&q.segment),
        filter: None,
        target: None,
    };
    let sc = scope(&s, p.scope_params()).await.map_err(refused)?;
    let r = s.store.report_nurture(&sc, Utc::now()).await?;
    let rows = r
        .cohorts
        .iter()
        .map(|c| {
            let mut cells = vec![
                same(c.cohort.clone()),
                count(c.entered),
                count(c.after_a_cycle),
                count(c.converted),
                share(c.conversion_rate),
            ];
            cells.extend(c.bands.iter().map(|b| count(b.converted)));
            cells.push(share(c.share_18_months_or_more));
            Row {
                key: c.cohort.clone(),
                href: None,
                cells,
            }
        })
        .collect();
    let bars = r
        .bands
        .iter()
        .map(|b| {
            (
                b.band.clone(),
                b.converted as f64,
                thousands(b.converted),
                String::new(),
            )
        })
        .collect();
    let figures = vec![
        ("Entered nurture", thousands(r.entered)),
        ("In nurture now", thousands(r.in_nurture)),
        ("Started a first sales cycle", thousands(r.converted)),
        (
            "Conversion",
            r.conversion_rate
                .map_or("–".into(), |c| format!("{:.1}%", c * 100.0)),
        ),
        (
            "Took 18 months or more",
            r.share_18_months_or_more
                .map_or("–".into(), |c| format!("{:.1}%", c * 100.0)),
        ),
    ];
    answer(
        &me,
        &q,
        raw,
        Report {
            title: "Nurture",
            intro: "Everyone who entered nurture, by the quarter they entered: how many went on to their account's first sales cycle, and after how long. People who entered at an account already in a cycle are counted apart and left out of the conversion.",
            path: "/reports/nurture",
            file: "nurture",
            fields: vec![segment_field(&s, &q).await?],
            figures,
            chart_title: "Time from entering nurture to the account's first sales cycle".into(),
            bars,
            table_caption: "Nurture by the quarter people entered".into(),
            columns: NURTURE_COLUMNS,
            rows,
            next_href: None,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_link_keeps_the_parameters_but_not_the_page() {
        assert_eq!(
            csv_href(
                "/reports/coverage",
                Some("engaged_days=30&after=12&format=html")
            ),
            "/reports/coverage?engaged_days=30&format=csv"
        );
        assert_eq!(
            csv_href("/reports/nurture", None),
            "/reports/nurture?format=csv"
        );
    }
}
