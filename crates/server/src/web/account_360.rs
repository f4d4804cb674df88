//! `/accounts/{id}`: the account 360. Firmographics and their provenance, the hierarchy tree,
//! the buying center (role x seniority, with its gaps), the score and its explanation,
//! opportunities, products and renewals, the stage history and the activity timeline across
//! every contact of the account.

use super::activity_log::{self, TimelineItem};
use super::buying_center::{self, Band};
use super::format::{location, money, money_short, or_dash, score_text, thousands, words};
use super::history::HistoryItem;
use super::{render, Nav, SignedIn, WebError};
use crate::AppState;
use abcrm_core::model::*;
use abcrm_core::scoring::{Explanation, Line, Points};
use abcrm_core::AccountId;
use abcrm_store::{
    AccountRef, ActivityQuery, Hierarchy, HierarchyNode, OpportunityQuery, PageRequest, StoreError,
};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{NaiveDate, Utc};
use std::collections::HashMap;

/// A labelled fact of the account, with where its value came from when known.
struct Fact {
    label: &'static str,
    value: String,
    source: Option<String>,
}

struct OppRow {
    id: i64,
    /// The family member it belongs to, in the family pipeline: id and name.
    member: Option<(i64, String)>,
    name: String,
    stage: String,
    open: bool,
    amount: String,
    close_date: String,
    owner: String,
}

/// A subsidiary as its parent's 360 lists it: its people, the roles they cover, its products.
struct MemberRow {
    id: i64,
    name: String,
    people: u64,
    roles: String,
    products: String,
}

struct AssetRow {
    product: String,
    quantity: i64,
    annual_value: String,
    purchased_on: String,
    renews_on: String,
    /// Days until renewal (negative: past).
    renews_in: Option<i64>,
}

impl AssetRow {
    /// Renews within the next 90 days.
    fn renews_soon(&self) -> bool {
        self.renews_in.is_some_and(|d| (0..=90).contains(&d))
    }
    fn lapsed(&self) -> bool {
        self.renews_in.is_some_and(|d| d < 0)
    }
}

struct ContactRow {
    id: i64,
    name: String,
    title: String,
    seniority: String,
    role: String,
    status: String,
    email: String,
}

/// The score section: the stored score and the parts and reasons of the explanation.
struct ScoreView {
    stored: Option<String>,
    computed_at: Option<String>,
    model: String,
    as_of: String,
    total: String,
    parts: Vec<(&'static str, String)>,
    lines: Vec<ScoreLine>,
}

struct ScoreLine {
    label: String,
    points: String,
    /// Finer reasons (a contact's rules and activities).
    details: Vec<String>,
}

struct StageRow {
    when: String,
    from: String,
    to: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    nav: Nav,
    account: Account,
    facts: Vec<Fact>,
    stages: Vec<StageRow>,
    tree_html: String,
    parent: Option<(i64, String)>,
    grid: buying_center::Grid,
    bands: [Band; 4],
    score: ScoreView,
    opportunities: Vec<OppRow>,
    open_count: usize,
    /// The open opportunities of the account's subsidiaries, at any depth.
    family_opportunities: Vec<OppRow>,
    /// The subsidiaries the family pipeline covers.
    family_members: usize,
    /// Each of them, with its people, roles and products.
    members: Vec<MemberRow>,
    /// The buying roles nobody in the whole family holds (empty without subsidiaries).
    family_missing_roles: Vec<String>,
    assets: Vec<AssetRow>,
    timeline: Vec<TimelineItem>,
    /// Whether an activity without a contact reads "account" (this is the account's page).
    timeline_of_account: bool,
    /// The log form (`log_form.html`): where it posts, its kinds, and who may have taken part.
    log_action: String,
    log_kinds: Vec<(&'static str, String)>,
    log_people: Vec<(i64, String)>,
    contacts: Vec<ContactRow>,
    /// The audit log's newest entries for the account (`history.html`).
    history: Vec<HistoryItem>,
    tasks: super::tasks::TaskPanel,
    /// What the last action did (a merge, its undo), and the merge it may undo.
    notice: Option<String>,
    undo: Option<i64>,
    /// The fields changed in place (`quick_fields.html`); none for a read-only user.
    quick: Vec<super::quick_edit::QuickField>,
}

/// What a page reached after an action is told: `done` (a notice) and `undo` (a merge id).
#[derive(Debug, Default, serde::Deserialize)]
pub struct NoticeParams {
    done: Option<String>,
    undo: Option<String>,
    task_error: Option<String>,
}

/// The account 360's route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/accounts/{id}", get(account_360))
}

async fn account_360(
    State(s): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    Query(notice): Query<NoticeParams>,
) -> Result<Response, WebError> {
    let id: i64 = id
        .trim()
        .parse()
        .map_err(|_| WebError::NotFound(format!("there is no account {id:?}")))?;
    let id = AccountId(id);
    let a360 = match s.store.account_360(id).await {
        Ok(v) => v,
        Err(StoreError::NotFound { .. }) => {
            return Err(WebError::NotFound(format!(
                "account {} does not exist: it may have been merged or deleted. Find it in the account list.",
                id.0
            )))
        }
        Err(e) => return Err(e.into()),
    };
    let now = Utc::now();
    let today = now.date_naive();
    let store = &s.store;
    let root = a360.hierarchy.ultimate_parent().id;
    let whole = if root == id {
        a360.hierarchy.clone()
    } else {
        store.account_hierarchy(root).await?
    };
    let opportunities = store
        .list_opportunities(
            &OpportunityQuery {
                account_id: Some(id),
                ..Default::default()
            },
            PageRequest {
                after: None,
                limit: 1000,
            },
        )
        .await?
        .items;
    let activities = store
        .recent_activities(
            &ActivityQuery {
                account_id: Some(id),
                ..Default::default()
            },
            50,
        )
        .await?;
    let stored = store.account_score(id).await?;
    let explanation = store.explain_account_score(id, now).await?;
    let provenance = store.account_provenance(id).await?;
    let history = store.stage_history(id).await?;
    // A parent's deals are its family's: the subsidiaries' open opportunities stand beside its
    // own, each under the member it belongs to.
    let mut members: Vec<AccountRef> = Vec::new();
    subsidiaries_of(&a360.hierarchy.tree, &mut members);
    members.truncate(MAX_FAMILY_MEMBERS);
    let family = if members.is_empty() {
        Vec::new()
    } else {
        store
            .list_opportunities(
                &OpportunityQuery {
                    accounts: members.iter().map(|m| m.id).collect(),
                    open: Some(true),
                    ..Default::default()
                },
                PageRequest {
                    after: None,
                    limit: 1000,
                },
            )
            .await?
            .items
    };
    let summaries = if members.is_empty() {
        Vec::new()
    } else {
        let ids: Vec<AccountId> = members.iter().map(|m| m.id).collect();
        store.member_summaries(&ids, today).await?
    };
    let mut owner_ids: Vec<_> = opportunities
        .iter()
        .chain(&family)
        .filter_map(|o| o.owner_id)
        .collect();
    owner_ids.extend(a360.account.owner_id);
    owner_ids.sort();
    owner_ids.dedup();
    let owners = store.user_names(&owner_ids).await?;

    let contacts: Vec<Contact> = {
        let mut all: Vec<Contact> = a360.buying_center.values().flatten().cloned().collect();
        all.sort_by_key(|c| (c.last_name.clone(), c.first_name.clone(), c.id));
        all
    };
    let names: HashMap<i64, String> = contacts
        .iter()
        .map(|c| (c.id.0, c.display_name()))
        .collect();
    let account = a360.account;
    // Where a value came from (what a person entered needs no note), and how it was typed
    // where it is kept in another form.
    let from = |field: abcrm_core::enrich::AccountField| {
        let p = provenance.get(&field)?;
        (p.kind != abcrm_core::enrich::SourceKind::Entered).then(|| {
            format!(
                "{} {}{}",
                p.kind.as_str(),
                p.at.format("%Y-%m-%d"),
                p.source
                    .as_deref()
                    .map(|s| format!(" from {s}"))
                    .unwrap_or_default()
            )
        })
    };
    let typed = |fields: &[abcrm_core::enrich::AccountField]| {
        let spellings: Vec<String> = fields
            .iter()
            .filter_map(|f| provenance.get(f)?.typed.as_deref())
            .map(|t| format!("“{t}”"))
            .collect();
        (!spellings.is_empty()).then(|| format!("typed as {}", spellings.join(", ")))
    };
    let noted = |from: Option<String>, typed: Option<String>| match (from, typed) {
        (Some(f), Some(t)) => Some(format!("{f}, {t}")),
        (f, t) => f.or(t),
    };
    let source = |field| noted(from(field), typed(&[field]));
    let location_source = |fields: &[abcrm_core::enrich::AccountField]| {
        noted(fields.iter().find_map(|f| from(*f)), typed(fields))
    };
    use abcrm_core::enrich::AccountField as F;
    let facts = vec![
        Fact {
            label: "Industry",
            value: or_dash(account.industry.clone()),
            source: source(F::Industry),
        },
        Fact {
            label: "Employees",
            value: account.employees.map_or("—".into(), thousands),
            source: source(F::Employees),
        },
        Fact {
            label: "Annual revenue",
            value: account.annual_revenue.map_or("—".into(), |r| {
                format!("{} ({})", money_short(r), money(r as f64))
            }),
            source: source(F::AnnualRevenue),
        },
        Fact {
            label: "Location",
            value: or_dash(Some(location(&account))),
            source: location_source(&[F::State, F::Country, F::City]),
        },
        Fact {
            label: "Domains",
            value: or_dash(Some(account.domains.join(", "))),
            source: None,
        },
        Fact {
            label: "DUNS",
            value: or_dash(account.duns.clone()),
            source: None,
        },
        Fact {
            label: "Relationship",
            value: words(account.relationship.as_str()),
            source: None,
        },
        Fact {
            label: "Stage",
            value: words(account.stage.as_str()),
            source: None,
        },
        Fact {
            label: "Owner",
            value: or_dash(account.owner_id.and_then(|o| owners.get(&o).cloned())),
            source: None,
        },
        Fact {
            label: "Named account",
            value: account
                .target_tier
                .map_or("not tiered".into(), |t| format!("tier {t}")),
            source: None,
        },
        Fact {
            label: "Known since",
            value: account.created_at.format("%Y-%m-%d").to_string(),
            source: None,
        },
    ];
    let stages = history
        .iter()
        .rev()
        .take(5)
        .map(|h| StageRow {
            when: h.changed_at.format("%Y-%m-%d").to_string(),
            from: h.from_stage.map_or("—".into(), |s| words(s.as_str())),
            to: words(h.to_stage.as_str()),
            reason: h.reason.clone(),
        })
        .collect();
    let parent = a360
        .hierarchy
        .ancestors
        .last()
        .map(|p| (p.id.0, p.name.clone()));
    let mut opps = opportunities;
    opps.sort_by_key(|o| (!o.stage.is_open(), o.close_date, o.id));
    let open_count = opps.iter().filter(|o| o.stage.is_open()).count();
    let member_names: HashMap<AccountId, &str> =
        members.iter().map(|m| (m.id, m.name.as_str())).collect();
    let row = |o: &Opportunity, member: Option<(i64, String)>| OppRow {
        id: o.id.0,
        member,
        name: o.name.clone(),
        stage: words(o.stage.as_str()),
        open: o.stage.is_open(),
        amount: o.amount.map_or("—".into(), money),
        close_date: o.close_date.map_or("—".into(), |d| d.to_string()),
        owner: or_dash(o.owner_id.and_then(|u| owners.get(&u).cloned())),
    };
    let mut family = family;
    family.sort_by_key(|o| (o.close_date, o.id));
    let family_opportunities = family
        .iter()
        .map(|o| {
            let member = member_names
                .get(&o.account_id)
                .map(|n| (o.account_id.0, n.to_string()));
            row(o, member)
        })
        .collect();
    let opportunities = opps.iter().map(|o| row(o, None)).collect();
    let assets = a360
        .assets
        .iter()
        .map(|a| AssetRow {
            product: a.product.clone(),
            quantity: a.quantity,
            annual_value: a.annual_value.map_or("—".into(), money),
            purchased_on: a.purchased_on.map_or("—".into(), |d| d.to_string()),
            renews_on: a.renews_on.map_or("—".into(), |d| d.to_string()),
            renews_in: a.renews_on.map(|d| days_between(today, d)),
        })
        .collect();
    let timeline = activities
        .iter()
        .map(|a| {
            TimelineItem::of(a, |c| {
                Some(
                    names
                        .get(&c.0)
                        .cloned()
                        .unwrap_or_else(|| format!("contact {}", c.0)),
                )
            })
        })
        .collect();
    let grid = buying_center::grid(&contacts);
    let contact_rows: Vec<ContactRow> = contacts
        .iter()
        .map(|c| ContactRow {
            id: c.id.0,
            name: c.display_name(),
            title: or_dash(c.title.clone()),
            seniority: c.seniority.map_or("—".into(), |v| words(v.as_str())),
            role: c.buying_role.map_or("—".into(), |v| words(v.as_str())),
            status: words(c.status.as_str()),
            email: c.email.as_ref().map_or("—".into(), |e| e.to_string()),
        })
        .collect();
    let score = score_view(stored, &explanation, &names, &whole);
    let member_rows: Vec<MemberRow> = members
        .iter()
        .zip(&summaries)
        .map(|(m, s)| MemberRow {
            id: m.id.0,
            name: m.name.clone(),
            people: s.people,
            roles: if s.roles.is_empty() {
                "—".into()
            } else {
                s.roles
                    .iter()
                    .map(|r| words(r.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            products: if s.products.is_empty() {
                "—".into()
            } else {
                s.products.join(", ")
            },
        })
        .collect();
    // The family's buying center is everyone's: a role held at any member is covered.
    let family_missing_roles = if members.is_empty() {
        Vec::new()
    } else {
        BuyingRole::ALL
            .iter()
            .filter(|r| {
                !contacts.iter().any(|c| c.buying_role == Some(**r))
                    && !summaries.iter().any(|s| s.roles.contains(r))
            })
            .map(|r| words(r.as_str()))
            .collect()
    };
    let owner_choices = super::form::owner_choices(&s).await?;
    let quick = if me.can_write() {
        // The parent the page already names, from the hierarchy it read.
        super::quick_edit::account_fields(
            &account,
            parent.as_ref().map(|(id, name)| (*id, name.as_str())),
            &owner_choices,
            &me.csrf,
        )
    } else {
        Vec::new()
    };
    render(&AccountPage {
        nav: Nav::new(&me, "accounts"),
        quick,
        tree_html: tree_html(&whole, id),
        facts,
        stages,
        parent,
        grid,
        bands: Band::ALL,
        score,
        opportunities,
        open_count,
        family_opportunities,
        family_members: members.len(),
        members: member_rows,
        family_missing_roles,
        assets,
        timeline,
        timeline_of_account: true,
        log_action: format!("/accounts/{}/activities", account.id.0),
        log_kinds: activity_log::kind_options(),
        log_people: contact_rows
            .iter()
            .map(|c| (c.id, c.name.clone()))
            .collect(),
        contacts: contact_rows,
        history: super::history::history(&s, "account", account.id.0).await?,
        tasks: super::tasks::panel(
            &s,
            &me,
            super::tasks::TaskRecord::Account(account.id),
            owner_choices,
            super::people::text(&notice.task_error),
        )
        .await?,
        account,
        notice: super::people::text(&notice.done),
        undo: super::people::number(&notice.undo).filter(|_| me.can_write()),
    })
}

/// The most subsidiaries whose deals a parent's page lists (a conglomerate's first ones).
const MAX_FAMILY_MEMBERS: usize = 500;

/// Every subsidiary under `node`, at any depth, parents before their children.
fn subsidiaries_of(node: &HierarchyNode, out: &mut Vec<AccountRef>) {
    for child in &node.subsidiaries {
        out.push(child.account.clone());
        subsidiaries_of(child, out);
    }
}

fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

fn score_view(
    stored: Option<abcrm_store::StoredAccountScore>,
    e: &Explanation,
    names: &HashMap<i64, String>,
    tree: &Hierarchy,
) -> ScoreView {
    let account_name = |id: AccountId| {
        fn find(n: &HierarchyNode, id: AccountId) -> Option<String> {
            if n.account.id == id {
                return Some(n.account.name.clone());
            }
            n.subsidiaries.iter().find_map(|c| find(c, id))
        }
        find(&tree.tree, id).unwrap_or_else(|| format!("account {}", id.0))
    };
    let signed = |p: Points| {
        if p.0 >= 0 {
            format!("+{}", score_text(p))
        } else {
            score_text(p)
        }
    };
    let mut lines = Vec::new();
    let mut uncounted = 0;
    for line in &e.lines {
        let (label, details) = match line {
            Line::AccountFit(r) => (format!("Account fit: {}", r.rule), Vec::new()),
            Line::AccountEngagement {
                activities, caps, ..
            } => (
                format!(
                    "Activities on the account with no contact ({})",
                    activities.len()
                ),
                activities
                    .iter()
                    .take(10)
                    .map(|a| {
                        format!(
                            "{} {} on {} ({}, {:.0}% left after decay): {}",
                            words(a.kind.as_str()),
                            a.rule,
                            a.occurred_at.format("%Y-%m-%d"),
                            signed(a.base),
                            a.factor * 100.0,
                            signed(a.points)
                        )
                    })
                    .chain(
                        caps.iter()
                            .map(|c| format!("cap {}: {}", c.rule, signed(c.points))),
                    )
                    .collect(),
            ),
            Line::Contact(c) => {
                if c.rank.is_none() && c.points.0 == 0 {
                    uncounted += 1;
                    continue;
                }
                let name = names
                    .get(&c.contact_id.0)
                    .cloned()
                    .unwrap_or_else(|| c.name.clone());
                let rank = c
                    .rank
                    .map_or("not counted".to_string(), |r| format!("rank {r}"));
                let mut details: Vec<String> = c
                    .fit
                    .iter()
                    .map(|r| format!("fit {}: {}", r.rule, signed(r.points)))
                    .collect();
                let n = c.engagement.len();
                let engagement: Points = c.engagement.iter().map(|a| a.points).sum();
                if n > 0 {
                    details.push(format!(
                        "{n} scored activit{}: {}",
                        if n == 1 { "y" } else { "ies" },
                        signed(engagement)
                    ));
                }
                details.extend(
                    c.caps
                        .iter()
                        .map(|r| format!("cap {}: {}", r.rule, signed(r.points))),
                );
                if let Some(note) = &c.note {
                    details.push(note.clone());
                }
                (
                    format!(
                        "{name}: scores {} ({rank}, weight {:.2})",
                        score_text(c.score),
                        c.weight
                    ),
                    details,
                )
            }
            Line::Breadth {
                roles, seniorities, ..
            } => (
                format!(
                    "Breadth: {} buying role{} and {} seniorit{} engaged",
                    roles.len(),
                    if roles.len() == 1 { "" } else { "s" },
                    seniorities.len(),
                    if seniorities.len() == 1 { "y" } else { "ies" }
                ),
                vec![
                    roles
                        .iter()
                        .map(|r| words(r.as_str()))
                        .collect::<Vec<_>>()
                        .join(", "),
                    seniorities
                        .iter()
                        .map(|r| words(r.as_str()))
                        .collect::<Vec<_>>()
                        .join(", "),
                ]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect(),
            ),
            Line::Subsidiary { account_id, .. } => (
                format!("Subsidiary {}", account_name(*account_id)),
                Vec::new(),
            ),
            Line::BestOfHierarchy { account_id, .. } => (
                format!("Best of the hierarchy: {}", account_name(*account_id)),
                Vec::new(),
            ),
        };
        lines.push(ScoreLine {
            label,
            points: signed(line.points()),
            details,
        });
    }
    if uncounted > 0 {
        lines.push(ScoreLine {
            label: format!(
                "{uncounted} other contact{} add nothing",
                if uncounted == 1 { "" } else { "s" }
            ),
            points: signed(Points::ZERO),
            details: Vec::new(),
        });
    }
    ScoreView {
        stored: stored.as_ref().map(|s| score_text(s.score.score)),
        computed_at: stored.map(|s| s.computed_at.format("%Y-%m-%d %H:%M").to_string()),
        model: e.model.clone(),
        as_of: e.as_of.format("%Y-%m-%d %H:%M").to_string(),
        total: score_text(e.score),
        parts: vec![
            ("Fit", score_text(e.parts.fit)),
            ("Engagement (no contact)", score_text(e.parts.engagement)),
            ("People", score_text(e.parts.people)),
            ("Breadth", score_text(e.parts.breadth)),
            ("Own score", score_text(e.parts.own)),
        ],
        lines,
    }
}

/// The hierarchy as nested `<ul class="tree">` lists: every account a link to its 360 except
/// `current`, which is marked `aria-current="page"`.
fn tree_html(h: &Hierarchy, current: AccountId) -> String {
    fn node(out: &mut String, n: &HierarchyNode, current: AccountId) {
        // The template's own escaper: the tree is built here because it nests without bound.
        let Ok(name) = askama::filters::escape(&n.account.name, askama::filters::Html);
        if n.account.id == current {
            out.push_str(&format!(
                "<li class=\"current\" data-account-id=\"{}\"><strong aria-current=\"page\">{name}</strong>",
                n.account.id.0
            ));
        } else {
            out.push_str(&format!(
                "<li data-account-id=\"{id}\"><a href=\"/accounts/{id}\">{name}</a>",
                id = n.account.id.0
            ));
        }
        if !n.subsidiaries.is_empty() {
            out.push_str("<ul>");
            for c in &n.subsidiaries {
                node(out, c, current);
            }
            out.push_str("</ul>");
        }
        out.push_str("</li>");
    }
    let mut out = String::from("<ul class=\"tree\">");
    node(&mut out, &h.tree, current);
    out.push_str("</ul>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use abcrm_store::AccountRef;

    #[test]
    fn the_tree_links_every_account_but_the_current_one() {
        let r = |id, name: &str| AccountRef {
            id: AccountId(id),
            name: name.into(),
        };
        let h = Hierarchy {
            ancestors: vec![],
            tree: HierarchyNode {
                account: r(1, "Acme <Group>"),
                subsidiaries: vec![HierarchyNode {
                    account: r(2, "Acme EU"),
                    subsidiaries: vec![HierarchyNode {
                        account: r(3, "Acme DE"),
                        subsidiaries: vec![],
                    }],
                }],
            },
        };
        let html = tree_html(&h, AccountId(2));
        assert_eq!(
            html,
            "<ul class=\"tree\"><li data-account-id=\"1\"><a href=\"/accounts/1\">Acme &#60;Group&#62;</a>\
             <ul><li class=\"current\" data-account-id=\"2\"><strong aria-current=\"page\">Acme EU</strong>\
             <ul><li data-account-id=\"3\"><a href=\"/accounts/3\">Acme DE</a></li></ul></li></ul></li></ul>"
        );
    }
}
