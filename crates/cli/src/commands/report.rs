//! `abcrm report ...`: the revenue reports as tables for people or JSON for programs.

use crate::cli::{ByArg, PeriodArg, ReportArgs, ReportKind, TextFormat};
use crate::output::{json, Table};
use abcrm_core::reports::*;
use anyhow::Context;
use chrono::Utc;

fn period(p: PeriodArg) -> Period {
    match p {
        PeriodArg::Week => Period::Week,
        PeriodArg::Month => Period::Month,
        PeriodArg::Quarter => Period::Quarter,
    }
}

fn money(v: f64) -> String {
    let whole = v.round() as i64;
    let digits = whole.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if whole < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// The last day of a range whose end is exclusive.
fn last_day(to: chrono::NaiveDate) -> chrono::NaiveDate {
    to.pred_opt().unwrap_or(to)
}

fn percent(v: Option<f64>) -> String {
    v.map(|r| format!("{:.1}%", r * 100.0)).unwrap_or_default()
}

/// The range and influence options of `influence` and `cost-per-cycle`, checked.
fn influence_args(
    today: chrono::NaiveDate,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    window_days: u32,
    hierarchy: bool,
    all_touches: bool,
) -> anyhow::Result<(chrono::NaiveDate, chrono::NaiveDate, InfluenceOptions)> {
    let (df, dt) = default_range(today);
    let (from, to) = (from.unwrap_or(df), to.unwrap_or(dt));
    anyhow::ensure!(from < to, "--from ({from}) must be before --to ({to})");
    anyhow::ensure!(
        (1..=3650).contains(&window_days),
        "--window-days must be between 1 and 3650"
    );
    let touches = if all_touches {
        Touches::All
    } else {
        Touches::Responses
    };
    Ok((
        from,
        to,
        InfluenceOptions {
            window_days,
            hierarchy,
            touches,
        },
    ))
}

/// Runs a report.
pub async fn run(url: &str, args: &ReportArgs) -> anyhow::Result<()> {
    let store = abcrm_store::open(url)
        .await
        .with_context(|| format!("opening {}", super::redact(url)))?;
    let now = Utc::now();
    let today = now.date_naive();
    let segment = match &args.segment {
        Some(text) => Some(super::segment::resolve(store.as_ref(), text, args.target).await?),
        None => None,
    };
    let scope = ReportScope { segment, today };
    let table = args.format == TextFormat::Table;
    match &args.report {
        ReportKind::SalesCycles {
            period: p,
            by,
            from,
            to,
        } => {
            let (df, dt) = default_range(today);
            let (from, to) = (from.unwrap_or(df), to.unwrap_or(dt));
            anyhow::ensure!(from < to, "--from ({from}) must be before --to ({to})");
            let by = match by {
                ByArg::Total => CyclesBy::Total,
                ByArg::Campaign => CyclesBy::Campaign,
                ByArg::Owner => CyclesBy::Owner,
            };
            let r = store
                .report_sales_cycles(&scope, period(*p), by, from, to)
                .await?;
            if !table {
                return json(&r);
            }
            println!(
                "Sales cycles started (opportunities created), {from} to {}: {} worth {}",
                last_day(to),
                r.total_started,
                money(r.total_amount)
            );
            let mut t = Table::new(&["period", "group", "started", "amount"]);
            for row in &r.rows {
                t.row(vec![
                    row.period.clone(),
                    row.group.clone().unwrap_or_default(),
                    row.started.to_string(),
                    money(row.amount),
                ]);
            }
            t.print()?;
        }
        ReportKind::Funnel {
            since,
            cohorts,
            family,
        } => {
            let r = store.report_funnel(&scope, *since, *family).await?;
            if !table {
                return json(&r);
            }
            let unit = if r.family { "families" } else { "accounts" };
            println!(
                "Account funnel: {} {unit} ({} former customers now)",
                r.accounts, r.former_customers_now
            );
            print_waterfall(&r.stages)?;
            if *cohorts {
                for c in &r.cohorts {
                    println!(
                        "\nCohort {} ({} accounts)",
                        c.cohort,
                        c.stages.first().map_or(0, |s| s.reached)
                    );
                    print_waterfall(&c.stages)?;
                }
            }
        }
        ReportKind::Pipeline { period: p, family } => {
            let r = store
                .report_pipeline(&scope, period(*p), today, *family)
                .await?;
            if !table {
                return json(&r);
            }
            println!(
                "Open pipeline: {} opportunities worth {} at {} {}",
                r.opportunities,
                money(r.amount),
                r.accounts,
                if r.family { "companies" } else { "accounts" }
            );
            let mut t = Table::new(&[
                "stage",
                "opportunities",
                if r.family { "companies" } else { "accounts" },
                "amount",
            ]);
            for s in &r.by_stage {
                t.row(vec![
                    s.stage.to_string(),
                    s.opportunities.to_string(),
                    s.accounts.to_string(),
                    money(s.amount),
                ]);
            }
            t.print()?;
            println!();
            let mut t = Table::new(&["expected close", "opportunities", "amount"]);
            for p in &r.by_close_period {
                t.row(vec![
                    p.period.clone(),
                    p.opportunities.to_string(),
                    money(p.amount),
                ]);
            }
            t.print()?;
        }
        ReportKind::Coverage {
            engaged_days,
            missing_economic_buyer,
            limit,
            family,
        } => {
            let rows = CoverageRows {
                missing_economic_buyer: *missing_economic_buyer,
                after: None,
                limit: *limit,
            };
            let r = store
                .report_coverage(&scope, *engaged_days, rows, now, *family)
                .await?;
            if !table {
                return json(&r);
            }
            println!(
                "Buying-center coverage: {} accounts, {} with contacts, {} missing an economic buyer; average penetration {} (engaged: an activity in {} days)",
                r.accounts, r.accounts_with_contacts, r.accounts_missing_economic_buyer, percent(r.average_penetration), r.engaged_days
            );
            let mut t = Table::new(&["covered", "accounts", "share"]);
            for c in r.by_role.iter().chain(&r.by_seniority) {
                t.row(vec![
                    c.value.clone(),
                    c.accounts.to_string(),
                    percent(c.share),
                ]);
            }
            t.print()?;
            println!();
            let mut t = Table::new(&[
                "id",
                "account",
                "contacts",
                "engaged",
                "penetration",
                "economic buyer",
                "missing roles",
            ]);
            for a in &r.rows {
                t.row(vec![
                    a.account_id.to_string(),
                    a.account_name.clone(),
                    a.contacts.to_string(),
                    a.engaged.to_string(),
                    percent(a.penetration),
                    if a.has_economic_buyer { "yes" } else { "no" }.into(),
                    a.missing_roles
                        .iter()
                        .map(|r| r.to_string())
                        .collect::<Vec<_>>()
                        .join(" "),
                ]);
            }
            t.print()?;
            if r.next_after.is_some() {
                eprintln!(
                    "(first {limit} accounts; --limit for more, --format json for every field)"
                );
            }
        }
        ReportKind::Influence {
            from,
            to,
            window_days,
            hierarchy,
            all_touches,
        } => {
            let (from, to, options) =
                influence_args(today, *from, *to, *window_days, *hierarchy, *all_touches)?;
            let r = store.report_influence(&scope, from, to, options).await?;
            if !table {
                return json(&r);
            }
            println!(
                "Campaign influence on {} opportunities created {from} to {} (worth {}): {} influenced (worth {}), {} up to {} days before, {}",
                r.opportunities,
                last_day(to), money(r.amount), r.influenced, money(r.influenced_amount),
                match r.touches { Touches::Responses => "responses", Touches::All => "touches (sends included)" },
                r.window_days,
                if r.hierarchy { "anywhere in the account's hierarchy" } else { "at the account itself" }
            );
            let mut t = Table::new(&[
                "campaign",
                "influenced",
                "amount",
                "first touch",
                "last touch",
                "even split",
            ]);
            for c in &r.campaigns {
                t.row(vec![
                    c.campaign.clone(),
                    c.influenced.to_string(),
                    money(c.influenced_amount),
                    money(c.first_touch.amount),
                    money(c.last_touch.amount),
                    money(c.even_split.amount),
                ]);
            }
            t.print()?;
        }
        ReportKind::CostPerCycle {
            from,
            to,
            window_days,
            hierarchy,
            all_touches,
        } => {
            let (from, to, options) =
                influence_args(today, *from, *to, *window_days, *hierarchy, *all_touches)?;
            let r = store
                .report_cost_per_cycle(&scope, from, to, options)
                .await?;
            if !table {
                return json(&r);
            }
            println!(
                "Cost per sales cycle started {from} to {}: each campaign's budget over the opportunities it influenced ({} up to {} days before)",
                last_day(to),
                match r.touches { Touches::Responses => "responses", Touches::All => "touches, sends included" },
                r.window_days
            );
            let mut t = Table::new(&["campaign", "budget", "cycles started", "cost per cycle"]);
            for c in &r.campaigns {
                t.row(vec![
                    c.campaign.clone(),
                    c.budget.map_or_else(|| "no budget".to_string(), money),
                    c.cycles_started.to_string(),
                    c.cost_per_cycle
                        .map_or_else(|| c.status.label().to_string(), money),
                ]);
            }
            t.print()?;
        }
        ReportKind::Nurture => {
            let r = store.report_nurture(&scope, now).await?;
            if !table {
                return json(&r);
            }
            println!(
                "Nurture: {} people entered nurture, {} are in it now; {} of them started their account's first sales cycle ({}; {} took 18 months or more); {} entered at an account already in a cycle",
                r.entered,
                r.in_nurture,
                r.converted,
                percent(r.conversion_rate),
                percent(r.share_18_months_or_more),
                r.after_a_cycle,
            );
            let mut t = Table::new(&[
                "entered",
                "people",
                "converted",
                "conversion",
                "0-6 months",
                "6-12",
                "12-18",
                "18+ months",
                "18+ share",
            ]);
            for c in &r.cohorts {
                let mut row = vec![
                    c.cohort.clone(),
                    c.entered.to_string(),
                    c.converted.to_string(),
                    percent(c.conversion_rate),
                ];
                row.extend(c.bands.iter().map(|b| b.converted.to_string()));
                row.push(percent(c.share_18_months_or_more));
                t.row(row);
            }
            t.print()?;
        }
    }
    Ok(())
}

fn print_waterfall(stages: &[FunnelStage]) -> anyhow::Result<()> {
    let mut t = Table::new(&["stage", "reached", "now", "conversion", "median days"]);
    for s in stages {
        t.row(vec![
            s.stage.to_string(),
            s.reached.to_string(),
            s.current.to_string(),
            percent(s.conversion_from_previous),
            s.median_days_from_previous
                .map(|d| format!("{d:.1}"))
                .unwrap_or_default(),
        ]);
    }
    t.print()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn money_reads_with_thousands_separators() {
        assert_eq!(super::money(1234567.4), "1,234,567");
        assert_eq!(super::money(-1000.0), "-1,000");
        assert_eq!(super::money(12.0), "12");
    }
}
