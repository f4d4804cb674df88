//! `abcrm score ...`: recompute, explain, the top accounts, and the scoring model.

use crate::cli::{Format, ModelCommand, ScoreCommand, TextFormat};
use crate::output::{json, Table};
use abcrm_core::model::Actor;
use abcrm_core::scoring::{self, Explanation, Line};
use abcrm_core::AccountId;
use abcrm_store::{AccountQuery, PageRequest, Store};
use anyhow::{bail, Context};
use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;

/// Runs a score command.
pub async fn run(url: &str, cmd: &ScoreCommand) -> anyhow::Result<()> {
    if let ScoreCommand::Model(ModelCommand::Check { file }) = cmd {
        // Checking needs no database.
        let body = read_model(file)?;
        let model = scoring::parse_model(&body).map_err(|e| model_error(file, &body, &e))?;
        println!(
            "{}: model {:?} is valid: {} fit rules, {} engagement rules, roll-up {:?}.",
            file.display(),
            model.name,
            model.fit.len(),
            model.engagement.len(),
            model.account.rollup
        );
        return Ok(());
    }
    let store = abcrm_store::open(url)
        .await
        .with_context(|| format!("opening {}", super::redact(url)))?;
    let store = store.as_ref();
    let actor = Actor::system("cli");
    match cmd {
        ScoreCommand::Recompute { at } => {
            recompute(store, &actor, at.unwrap_or_else(Utc::now)).await
        }
        ScoreCommand::Explain {
            account,
            format,
            at,
        } => {
            let id = find_account(store, account).await?;
            let e = store
                .explain_account_score(id, at.unwrap_or_else(Utc::now))
                .await?;
            match format {
                TextFormat::Json => json(&e),
                TextFormat::Table => print_explanation(store, &e).await,
            }
        }
        ScoreCommand::Top { limit, format } => {
            let top = store.top_accounts_by_score(*limit).await?;
            if *format == Format::Json {
                return json(&top);
            }
            // CSV and columns both come from the table below.
            if top.is_empty() {
                eprintln!("No scores yet: run `abcrm score recompute`.");
                return Ok(());
            }
            let ids: Vec<AccountId> = top.iter().map(|s| s.score.account_id).collect();
            let accounts = store.get_accounts(&ids).await?;
            let mut t = Table::new(&[
                "id", "account", "stage", "score", "own", "people", "breadth", "fit",
            ]);
            for (s, a) in top.iter().zip(accounts) {
                let p = &s.score.parts;
                t.row(vec![
                    a.id.to_string(),
                    a.name,
                    a.stage.to_string(),
                    s.score.score.to_string(),
                    p.own.to_string(),
                    p.people.to_string(),
                    p.breadth.to_string(),
                    p.fit.to_string(),
                ]);
            }
            crate::output::emit(*format, &top, &t)
        }
        ScoreCommand::Model(ModelCommand::Show) => {
            let m = store.scoring_model().await?;
            print!("{}", m.body);
            if !m.body.ends_with('\n') {
                println!();
            }
            Ok(())
        }
        ScoreCommand::Model(ModelCommand::Set { file }) => {
            let body = read_model(file)?;
            scoring::parse_model(&body).map_err(|e| model_error(file, &body, &e))?;
            let saved = store.save_scoring_model(&actor, &body).await?;
            eprintln!(
                "Saved model {:?} version {} and made it active. Scores follow it as accounts change; run `abcrm score recompute` to rescore every account now.",
                saved.name, saved.version
            );
            Ok(())
        }
        ScoreCommand::Model(ModelCommand::List) => {
            let mut t = Table::new(&["id", "name", "version", "active", "saved"]);
            for m in store.list_scoring_models().await? {
                t.row(vec![
                    m.id.map(|i| i.to_string()).unwrap_or_else(|| "-".into()),
                    m.name,
                    m.version.to_string(),
                    if m.active {
                        "yes".into()
                    } else {
                        String::new()
                    },
                    m.created_at
                        .map(|t| t.to_rfc3339())
                        .unwrap_or_else(|| "shipped".into()),
                ]);
            }
            Ok(t.print()?)
        }
        ScoreCommand::Model(ModelCommand::Check { .. }) => unreachable!("handled above"),
    }
}

fn read_model(file: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(file)
        .with_context(|| format!("reading the model file {}", file.display()))
}

/// The model's line with a caret under the error, then the message.
fn model_error(file: &Path, body: &str, e: &scoring::ModelError) -> anyhow::Error {
    let source = body.lines().nth(e.line.saturating_sub(1)).unwrap_or("");
    anyhow::anyhow!(
        "{} is not a valid scoring model (line {}, column {}):\n  {source}\n  {}^ {}",
        file.display(),
        e.line,
        e.column,
        " ".repeat(e.column.saturating_sub(1)),
        e.message
    )
}

async fn recompute(
    store: &dyn Store,
    actor: &Actor,
    at: chrono::DateTime<Utc>,
) -> anyhow::Result<()> {
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "{spinner} {msg:15} {bar:40} {pos}/{len} ({per_sec}, {eta} left)",
        )
        .context("progress template")?,
    );
    let summary = store
        .recompute_scores(actor, at, &|p| {
            if bar.message() != p.phase {
                bar.set_message(p.phase);
                bar.reset();
            }
            bar.set_length(p.total);
            bar.set_position(p.done);
        })
        .await?;
    bar.finish_and_clear();
    let total = summary.read_seconds + summary.score_seconds + summary.write_seconds;
    println!(
        "Scored {} accounts, {} contacts and {} activities with model {:?} (version {}) as of {} in {:.1}s \
         (reading {:.1}s, rolling up {:.2}s, writing {:.1}s); {} accounts changed stage.",
        summary.accounts,
        summary.contacts,
        summary.activities,
        summary.model,
        summary.model_version,
        at.to_rfc3339(),
        total,
        summary.read_seconds,
        summary.score_seconds,
        summary.write_seconds,
        summary.stage_changes
    );
    for name in &summary.missing_campaigns {
        eprintln!("warning: no campaign is named {name:?}; the rules that name it matched nothing");
    }
    Ok(())
}

/// An account by id, or by its exact name (case-insensitive).
async fn find_account(store: &dyn Store, text: &str) -> anyhow::Result<AccountId> {
    if let Ok(id) = text.trim().parse::<i64>() {
        return Ok(store.get_account(AccountId(id)).await?.id);
    }
    let query = AccountQuery {
        name_contains: Some(text.trim().to_string()),
        ..Default::default()
    };
    let page = store
        .list_accounts(
            &query,
            PageRequest {
                after: None,
                limit: 20,
            },
        )
        .await?;
    let exact: Vec<_> = page
        .items
        .iter()
        .filter(|a| a.name.eq_ignore_ascii_case(text.trim()))
        .collect();
    match (exact.as_slice(), page.items.as_slice()) {
        ([one], _) => Ok(one.id),
        ([], [one]) => Ok(one.id),
        ([], []) => bail!("no account is named {text:?}; give its id or its exact name"),
        _ => bail!(
            "{text:?} names several accounts: {}; give the id",
            page.items
                .iter()
                .map(|a| format!("{} ({})", a.name, a.id))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

async fn print_explanation(store: &dyn Store, e: &Explanation) -> anyhow::Result<()> {
    let account = store.get_account(e.account_id).await?;
    println!(
        "{} (account {}): score {} as of {} by model {} (roll-up {:?})",
        account.name,
        account.id,
        e.score,
        e.as_of.format("%Y-%m-%d %H:%M UTC"),
        e.model,
        e.rollup
    );
    let mut t = Table::new(&["points", "line", "detail"]);
    for line in &e.lines {
        match line {
            Line::AccountFit(r) => t.row(vec![
                r.points.to_string(),
                "account fit".into(),
                r.rule.clone(),
            ]),
            Line::AccountEngagement {
                points,
                activities,
                caps,
            } => {
                t.row(vec![
                    points.to_string(),
                    "account activities".into(),
                    format!("{} activities with no contact", activities.len()),
                ]);
                for a in activities {
                    t.row(vec![
                        format!("  {}", a.points),
                        format!("  activity {}", a.activity_id),
                        activity_detail(a),
                    ]);
                }
                for c in caps {
                    t.row(vec![
                        format!("  {}", c.points),
                        "  cap".into(),
                        c.rule.clone(),
                    ]);
                }
            }
            Line::Contact(c) => {
                let place = match (c.rank, &c.note) {
                    (_, Some(note)) => note.clone(),
                    (Some(r), None) => format!("#{r}, weight {:.3} of score {}", c.weight, c.score),
                    (None, None) => String::new(),
                };
                t.row(vec![
                    c.points.to_string(),
                    format!("contact {}", c.contact_id),
                    format!("{}: {place}", c.name),
                ]);
                for f in &c.fit {
                    t.row(vec![
                        format!("  {}", f.points),
                        "  fit".into(),
                        f.rule.clone(),
                    ]);
                }
                for a in &c.engagement {
                    t.row(vec![
                        format!("  {}", a.points),
                        format!("  activity {}", a.activity_id),
                        activity_detail(a),
                    ]);
                }
                for cap in &c.caps {
                    t.row(vec![
                        format!("  {}", cap.points),
                        "  cap".into(),
                        cap.rule.clone(),
                    ]);
                }
            }
            Line::Breadth {
                roles,
                seniorities,
                points,
            } => t.row(vec![
                points.to_string(),
                "breadth".into(),
                format!(
                    "{} roles ({}), {} seniorities ({})",
                    roles.len(),
                    roles
                        .iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    seniorities.len(),
                    seniorities
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ]),
            Line::Subsidiary { account_id, points } => t.row(vec![
                points.to_string(),
                "subsidiary".into(),
                format!("account {account_id}"),
            ]),
            Line::BestOfHierarchy { account_id, points } => t.row(vec![
                points.to_string(),
                "best of hierarchy".into(),
                format!("account {account_id} scores higher"),
            ]),
        }
    }
    t.row(vec![e.total().to_string(), "total".into(), String::new()]);
    Ok(t.print()?)
}

fn activity_detail(a: &scoring::ActivityLine) -> String {
    format!(
        "{} {} ({}): {} x {:.3} after {:.1} days",
        a.kind,
        a.occurred_at.format("%Y-%m-%d"),
        a.rule,
        a.base,
        a.factor,
        a.age_days
    )
}
