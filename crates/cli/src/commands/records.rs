//! `abcrm accounts|contacts|opportunities|campaigns|activities list|show`, `accounts merge|undo-merge`,
//! `audit` and `stats`.

use crate::cli::{AuditArgs, Format, ListArgs, RecordCommand, TextFormat};
use crate::output::{emit, fields_table, json, opt, Table};
use abcrm_core::model::{AccountMerge, AccountMergeChoices, Side, ACCOUNT_MERGE_FIELDS};
use abcrm_core::*;
use abcrm_store::*;
use anyhow::Context;

/// The kinds of record the CLI lists and shows.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Accounts,
    Contacts,
    Opportunities,
    Campaigns,
    Activities,
}

async fn open(url: &str) -> anyhow::Result<std::sync::Arc<dyn Store>> {
    abcrm_store::open(url)
        .await
        .with_context(|| format!("opening {}", super::redact(url)))
}

/// Runs a list or show command.
pub async fn run(url: &str, kind: Kind, cmd: &RecordCommand) -> anyhow::Result<()> {
    let store = open(url).await?;
    match cmd {
        RecordCommand::List(args) => list(store.as_ref(), kind, args).await,
        RecordCommand::Show { id, format } => show(store.as_ref(), kind, *id, *format).await,
    }
}

/// The choices `--take` and `--keep` make, or which field name is not one a merge decides.
pub fn merge_choices(take: &[String], keep: &[String]) -> anyhow::Result<AccountMergeChoices> {
    let mut choices = AccountMergeChoices::default();
    for (fields, side) in [(take, Side::Merged), (keep, Side::Survivor)] {
        for field in fields {
            let slot = choices.side_mut(field.trim()).ok_or_else(|| {
                anyhow::anyhow!(
                    "{field:?} is not a field a merge decides; use one of {}",
                    ACCOUNT_MERGE_FIELDS.join(", ")
                )
            })?;
            if slot.is_some_and(|s| s != side) {
                anyhow::bail!("{field} is given to both --take and --keep; name it once");
            }
            *slot = Some(side);
        }
    }
    Ok(choices)
}

fn print_merge(merge: &AccountMerge, format: TextFormat, undone: bool) -> anyhow::Result<()> {
    if format == TextFormat::Json {
        return json(merge);
    }
    let s = &merge.survivor;
    if undone {
        println!(
            "Undid merge {}: account {} is back; {} (account {}) keeps what it had before",
            merge.id, merge.merged_id, s.name, s.id
        );
    } else {
        println!(
            "Merged account {} into {} (account {}) as merge {}; undo with `abcrm accounts undo-merge {}`",
            merge.merged_id, s.name, s.id, merge.id, merge.id
        );
    }
    let moved: Vec<String> = merge
        .moved
        .iter()
        .map(|(t, n)| format!("{n} {t}"))
        .collect();
    if !moved.is_empty() {
        println!("  moved         {}", moved.join(", "));
    }
    println!("  domains       {}", s.domains.join(", "));
    println!("  relationship  {}    stage {}", s.relationship, s.stage);
    Ok(())
}

/// `abcrm accounts merge SURVIVOR MERGED`.
pub async fn merge_accounts(
    url: &str,
    survivor: i64,
    merged: i64,
    take: &[String],
    keep: &[String],
    format: TextFormat,
) -> anyhow::Result<()> {
    let choices = merge_choices(take, keep)?;
    let store = open(url).await?;
    let merge = store
        .merge_accounts(
            &abcrm_core::model::Actor::system("cli"),
            AccountId(survivor),
            AccountId(merged),
            &choices,
        )
        .await?;
    print_merge(&merge, format, false)
}

/// `abcrm accounts undo-merge ID`.
pub async fn undo_account_merge(url: &str, id: i64, format: TextFormat) -> anyhow::Result<()> {
    let store = open(url).await?;
    let merge = store
        .undo_account_merge(&abcrm_core::model::Actor::system("cli"), id)
        .await?;
    print_merge(&merge, format, true)
}

fn page(args: &ListArgs) -> PageRequest {
    PageRequest {
        after: args.after,
        limit: args.limit,
    }
}

/// Each account's name beside its id (`Initech Inc (12)`), for the ids of a page of records.
async fn account_names(
    store: &dyn Store,
    ids: impl IntoIterator<Item = AccountId>,
) -> anyhow::Result<impl Fn(AccountId) -> String> {
    let mut ids: Vec<AccountId> = ids.into_iter().collect();
    ids.sort_by_key(|a| a.0);
    ids.dedup();
    let names: std::collections::HashMap<AccountId, String> = store
        .get_accounts(&ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    Ok(move |id: AccountId| match names.get(&id) {
        Some(name) => format!("{name} ({id})"),
        None => id.to_string(),
    })
}

fn footer(next: Option<i64>) {
    if let Some(n) = next {
        eprintln!("(more: add --after {n})");
    }
}

async fn list(store: &dyn Store, kind: Kind, args: &ListArgs) -> anyhow::Result<()> {
    match kind {
        Kind::Accounts => {
            let q = AccountQuery {
                name_contains: args.search.clone(),
                parent_id: args.account.map(AccountId),
                ..Default::default()
            };
            let p = store.list_accounts(&q, page(args)).await?;
            let mut t = Table::new(&[
                "id",
                "name",
                "domains",
                "industry",
                "location",
                "relationship",
                "stage",
                "parent",
            ]);
            for a in &p.items {
                let location = [a.city.as_deref(), a.state.as_deref(), a.country.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", ");
                t.row(vec![
                    a.id.to_string(),
                    a.name.clone(),
                    a.domains.join(" "),
                    opt(&a.industry),
                    location,
                    a.relationship.to_string(),
                    a.stage.to_string(),
                    opt(&a.parent_id),
                ]);
            }
            emit(args.format, &p.items, &t)?;
            footer(p.next_after);
        }
        Kind::Contacts => {
            let q = ContactQuery {
                account_id: args.account.map(AccountId),
                search: args.search.clone(),
                ..Default::default()
            };
            let p = store.list_contacts(&q, page(args)).await?;
            let names = account_names(store, p.items.iter().map(|c| c.account_id)).await?;
            let mut t = Table::new(&[
                "id",
                "name",
                "email",
                "title",
                "seniority",
                "role",
                "status",
                "account",
            ]);
            for c in &p.items {
                t.row(vec![
                    c.id.to_string(),
                    c.display_name(),
                    opt(&c.email),
                    opt(&c.title),
                    opt(&c.seniority),
                    opt(&c.buying_role),
                    c.status.to_string(),
                    names(c.account_id),
                ]);
            }
            emit(args.format, &p.items, &t)?;
            footer(p.next_after);
        }
        Kind::Opportunities => {
            let q = OpportunityQuery {
                account_id: args.account.map(AccountId),
                open: args.open.then_some(true),
                ..Default::default()
            };
            let p = store.list_opportunities(&q, page(args)).await?;
            let names = account_names(store, p.items.iter().map(|o| o.account_id)).await?;
            let mut t = Table::new(&[
                "id", "name", "stage", "amount", "close", "created", "roles", "account",
            ]);
            for o in &p.items {
                t.row(vec![
                    o.id.to_string(),
                    o.name.clone(),
                    o.stage.to_string(),
                    o.amount.map(|a| format!("{a:.0}")).unwrap_or_default(),
                    opt(&o.close_date),
                    o.created_at.date_naive().to_string(),
                    o.contact_roles.len().to_string(),
                    names(o.account_id),
                ]);
            }
            emit(args.format, &p.items, &t)?;
            footer(p.next_after);
        }
        Kind::Campaigns => {
            let p = store.list_campaigns(page(args)).await?;
            let mut t = Table::new(&["id", "name", "kind", "starts", "ends", "budget"]);
            for c in &p.items {
                t.row(vec![
                    c.id.to_string(),
                    c.name.clone(),
                    c.kind.to_string(),
                    opt(&c.starts_on),
                    opt(&c.ends_on),
                    c.budget.map(|b| format!("{b:.0}")).unwrap_or_default(),
                ]);
            }
            emit(args.format, &p.items, &t)?;
            footer(p.next_after);
        }
        Kind::Activities => {
            let q = ActivityQuery {
                account_id: args.account.map(AccountId),
                contact_id: args.contact.map(ContactId),
                ..Default::default()
            };
            let p = store.list_activities(&q, page(args)).await?;
            let names = account_names(store, p.items.iter().map(|a| a.account_id)).await?;
            let mut t = Table::new(&["id", "when", "kind", "subject", "contact", "account"]);
            for a in &p.items {
                t.row(vec![
                    a.id.to_string(),
                    a.occurred_at.format("%Y-%m-%d %H:%M").to_string(),
                    a.kind.to_string(),
                    opt(&a.subject),
                    opt(&a.contact_id),
                    names(a.account_id),
                ]);
            }
            emit(args.format, &p.items, &t)?;
            footer(p.next_after);
        }
    }
    Ok(())
}

async fn show(store: &dyn Store, kind: Kind, id: i64, format: Format) -> anyhow::Result<()> {
    match kind {
        Kind::Accounts => {
            let v = store.account_360(AccountId(id)).await?;
            if format == Format::Json {
                return json(&v);
            }
            print_360(&v);
            Ok(())
        }
        Kind::Contacts => {
            let c = store.get_contact(ContactId(id)).await?;
            let names = account_names(store, [c.account_id]).await?;
            let mut t = fields_table(&c)?;
            t.row(vec!["account".into(), names(c.account_id)]);
            emit(format, &c, &t)
        }
        Kind::Opportunities => {
            let o = store.get_opportunity(OpportunityId(id)).await?;
            let names = account_names(store, [o.account_id]).await?;
            let mut t = fields_table(&o)?;
            t.row(vec!["account".into(), names(o.account_id)]);
            emit(format, &o, &t)
        }
        Kind::Campaigns => {
            let c = store.get_campaign(CampaignId(id)).await?;
            emit(format, &c, &fields_table(&c)?)
        }
        Kind::Activities => {
            let a = store.get_activity(ActivityId(id)).await?;
            let names = account_names(store, [a.account_id]).await?;
            let mut t = fields_table(&a)?;
            t.row(vec!["account".into(), names(a.account_id)]);
            emit(format, &a, &t)
        }
    }
}

fn print_360(v: &Account360) {
    let a = &v.account;
    println!("{} (account {})", a.name, a.id);
    println!("  domains       {}", a.domains.join(", "));
    println!("  industry      {}", opt(&a.industry));
    println!("  employees     {}", opt(&a.employees));
    println!(
        "  location      {}",
        [a.city.as_deref(), a.state.as_deref(), a.country.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("  relationship  {}    stage {}", a.relationship, a.stage);
    let path: Vec<String> = v
        .hierarchy
        .ancestors
        .iter()
        .map(|r| format!("{} ({})", r.name, r.id))
        .collect();
    if !path.is_empty() {
        println!("  parents       {}", path.join(" > "));
    }
    for s in &v.hierarchy.tree.subsidiaries {
        println!("  subsidiary    {} ({})", s.account.name, s.account.id);
    }
    println!("\nBuying center");
    for (role, people) in &v.buying_center {
        let names: Vec<String> = people
            .iter()
            .map(|c| format!("{} [{}]", c.display_name(), opt(&c.title)))
            .collect();
        println!("  {role:<15} {}", names.join("; "));
    }
    println!("\nOpen opportunities");
    for o in &v.open_opportunities {
        println!(
            "  {:<6} {:<40} {:<13} {:>10}  closes {}",
            o.id,
            o.name,
            o.stage,
            o.amount.map(|x| format!("{x:.0}")).unwrap_or_default(),
            opt(&o.close_date)
        );
    }
    println!("\nRecent activity");
    for act in &v.recent_activities {
        println!(
            "  {}  {:<10} {}",
            act.occurred_at.format("%Y-%m-%d"),
            act.kind,
            opt(&act.subject)
        );
    }
    if !v.assets.is_empty() {
        println!("\nProducts owned");
        for asset in &v.assets {
            println!(
                "  {:<25} x{:<5} renews {}",
                asset.product,
                asset.quantity,
                opt(&asset.renews_on)
            );
        }
    }
}

/// `abcrm audit`.
pub async fn audit(url: &str, args: &AuditArgs) -> anyhow::Result<()> {
    let store = open(url).await?;
    let q = AuditQuery {
        entity: args.entity.clone(),
        entity_id: args.id,
    };
    let p = store
        .list_audit(
            &q,
            PageRequest {
                after: None,
                limit: args.limit,
            },
        )
        .await?;
    let mut t = Table::new(&["at", "actor", "action", "entity", "id"]);
    for e in &p.items {
        t.row(vec![
            e.at.format("%Y-%m-%d %H:%M:%S").to_string(),
            e.actor.clone(),
            e.action.clone(),
            e.entity.clone(),
            e.entity_id.to_string(),
        ]);
    }
    emit(args.format, &p.items, &t)
}

/// `abcrm stats`.
pub async fn stats(url: &str) -> anyhow::Result<()> {
    let store = open(url).await?;
    json(&store.counts().await?)
}
