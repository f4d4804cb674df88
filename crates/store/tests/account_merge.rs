//! Account merges and their undo, on SQLite and on PostgreSQL alike.

use abcrm_core::enrich::{AccountField, SourceKind};
use abcrm_core::model::*;
use abcrm_core::normalize::Email;
use abcrm_core::AccountId;
use abcrm_store::testing::{backends, TestStore};
use abcrm_store::*;

fn actor() -> Actor {
    Actor::system("test")
}

/// Every table and column that can name an account (the migrations' foreign keys to
/// `accounts`, and the plain ids of scores and external ids).
const REFERENCES: [(&str, &str); 13] = [
    ("accounts", "parent_id"),
    ("account_domains", "account_id"),
    ("contacts", "account_id"),
    ("campaign_members", "account_id"),
    ("opportunities", "account_id"),
    ("opportunity_contact_roles", "account_id"),
    ("activities", "account_id"),
    ("account_stage_history", "account_id"),
    ("assets", "account_id"),
    ("intake_records", "account_id"),
    ("contact_scores", "account_id"),
    ("account_scores", "account_id"),
    ("account_field_sources", "account_id"),
];

/// How many rows of the database name `id`, table by table (only tables with some).
async fn references(t: &TestStore, id: AccountId) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    let mut queries: Vec<(String, String)> = REFERENCES
        .iter()
        .map(|(table, column)| {
            (
                format!("{table}.{column}"),
                format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1"),
            )
        })
        .collect();
    queries.push((
        "external_ids".into(),
        "SELECT COUNT(*) FROM external_ids WHERE entity_id = $1 AND object IN ('account', 'created_account')".into(),
    ));
    for (label, sql) in queries {
        let n: i64 = if t.name == "sqlite" {
            let pool = sqlx::SqlitePool::connect(&t.url()).await.unwrap();
            sqlx::query_scalar(&sql)
                .bind(id.0)
                .fetch_one(&pool)
                .await
                .unwrap()
        } else {
            let pool = sqlx::PgPool::connect(&t.url()).await.unwrap();
            sqlx::query_scalar(&sql)
                .bind(id.0)
                .fetch_one(&pool)
                .await
                .unwrap()
        };
        if n > 0 {
            out.push((label, n));
        }
    }
    out
}

async fn account(t: &TestStore, new: NewAccount) -> Account {
    t.store.create_account(&actor(), new).await.unwrap()
}

async fn contact(t: &TestStore, account: AccountId, email: &str) -> Contact {
    t.store
        .create_contact(
            &actor(),
            NewContact {
                account_id: account,
                first_name: Some("Pat".into()),
                last_name: Some(email.split('@').next().unwrap_or("x").into()),
                email: Some(Email::parse(email).unwrap()),
                phone: None,
                title: None,
                seniority: None,
                department: None,
                buying_role: None,
                status: None,
                owner_id: None,
                source: None,
                created_at: None,
            },
        )
        .await
        .unwrap()
}

/// Two accounts for one company, the second (an import's) with people, a won deal, an asset,
/// an activity, a membership, a subsidiary, a domain, a DUNS, provenance and an external id.
struct Pair {
    survivor: Account,
    merged: Account,
    child: Account,
    contact: Contact,
    opportunity: Opportunity,
    asset: Asset,
    activity: Activity,
}

async fn pair(t: &TestStore) -> Pair {
    let survivor = account(
        t,
        NewAccount {
            name: "Acme Corporation".into(),
            domains: vec!["acme.com".into()],
            industry: Some("Manufacturing".into()),
            ..Default::default()
        },
    )
    .await;
    let merged = account(
        t,
        NewAccount {
            name: "ACME Corp".into(),
            domains: vec!["acme.io".into()],
            duns: Some("123456789".into()),
            industry: Some("Software".into()),
            employees: Some(1200),
            city: Some("Austin".into()),
            ..Default::default()
        },
    )
    .await;
    let child = account(
        t,
        NewAccount {
            name: "Acme Europe".into(),
            parent_id: Some(merged.id),
            ..Default::default()
        },
    )
    .await;
    let contact = contact(t, merged.id, "pat@acme.io").await;
    let opportunity = t
        .store
        .create_opportunity(
            &actor(),
            NewOpportunity {
                account_id: merged.id,
                name: "First order".into(),
                stage: Some(OpportunityStage::ClosedWon),
                amount: Some(50_000.0),
                close_date: None,
                source_campaign_id: None,
                owner_id: None,
                contact_roles: vec![ContactRole {
                    contact_id: contact.id,
                    role: BuyingRole::Champion,
                    is_primary: true,
                }],
                created_at: None,
            },
        )
        .await
        .unwrap();
    let asset = t
        .store
        .create_asset(
            &actor(),
            NewAsset {
                account_id: merged.id,
                product: "Widgets".into(),
                quantity: 3,
                annual_value: None,
                purchased_on: None,
                renews_on: None,
            },
        )
        .await
        .unwrap();
    let activity = t
        .store
        .create_activity(
            &actor(),
            NewActivity {
                account_id: None,
                contact_id: Some(contact.id),
                body: None,
                kind: ActivityKind::Meeting,
                subject: Some("Kick-off".into()),
                occurred_at: None,
                campaign_id: None,
                opportunity_id: None,
            },
        )
        .await
        .unwrap();
    let campaign = t
        .store
        .create_campaign(
            &actor(),
            NewCampaign {
                name: "Webinar".into(),
                kind: None,
                starts_on: None,
                ends_on: None,
                budget: None,
            },
        )
        .await
        .unwrap();
    t.store
        .add_campaign_member(
            &actor(),
            campaign.id,
            NewCampaignMember {
                contact_id: contact.id,
                status: None,
                joined_at: None,
            },
        )
        .await
        .unwrap();
    t.store
        .record_external_ids("salesforce", "account", vec![("001A".into(), merged.id.0)])
        .await
        .unwrap();
    Pair {
        survivor,
        merged,
        child,
        contact,
        opportunity,
        asset,
        activity,
    }
}

#[tokio::test]
async fn a_merge_moves_every_row_to_the_survivor_and_its_undo_moves_exactly_those_back() {
    for t in backends().await {
        let p = pair(&t).await;
        let before_refs = references(&t, p.merged.id).await;
        let merge = t
            .store
            .merge_accounts(
                &actor(),
                p.survivor.id,
                p.merged.id,
                &AccountMergeChoices {
                    industry: Some(Side::Merged),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let name = t.name;
        assert_eq!(
            references(&t, p.merged.id).await,
            Vec::<(String, i64)>::new(),
            "{name}: no row names the merged account"
        );
        assert!(matches!(
            t.store.get_account(p.merged.id).await,
            Err(StoreError::NotFound { .. })
        ));
        let s = t.store.get_account(p.survivor.id).await.unwrap();
        assert_eq!(s.name, "Acme Corporation", "{name}");
        assert_eq!(s.domains, ["acme.com", "acme.io"], "{name}");
        assert_eq!(s.duns.as_deref(), Some("123456789"), "{name}");
        assert_eq!(s.industry.as_deref(), Some("Software"), "{name}: chosen");
        assert_eq!(s.employees, Some(1200), "{name}: filled");
        assert_eq!(
            s.relationship,
            Relationship::Customer,
            "{name}: the won deal and the asset make the survivor a customer"
        );
        assert_eq!(merge.survivor, s, "{name}");
        assert_eq!(merge.moved.get("contacts"), Some(&1), "{name}");
        assert_eq!(merge.moved.get("subsidiaries"), Some(&1), "{name}");
        let prov = t.store.account_provenance(s.id).await.unwrap();
        assert_eq!(prov[&AccountField::Employees].kind, SourceKind::Entered);
        assert!(prov.contains_key(&AccountField::City), "{name}");
        assert_eq!(
            t.store.get_contact(p.contact.id).await.unwrap().account_id,
            s.id
        );
        assert_eq!(
            t.store.get_account(p.child.id).await.unwrap().parent_id,
            Some(s.id)
        );
        assert_eq!(
            t.store.external_ids("salesforce", "account").await.unwrap()["001A"],
            s.id.0
        );
        let audit = t
            .store
            .list_audit(
                &AuditQuery {
                    entity: Some("account".into()),
                    entity_id: Some(p.merged.id.0),
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(audit.items[0].action, "merge", "{name}");

        // A later edit of the survivor stays through the undo.
        t.store
            .update_account(
                &actor(),
                s.id,
                AccountPatch {
                    city: abcrm_core::patch::Patch::Set("Dallas".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let undone = t
            .store
            .undo_account_merge(&actor(), merge.id)
            .await
            .unwrap();
        assert!(undone.undone_at.is_some());
        let s = undone.survivor;
        assert_eq!(s.domains, ["acme.com"], "{name}");
        assert_eq!(s.duns, None, "{name}");
        assert_eq!(s.industry.as_deref(), Some("Manufacturing"), "{name}");
        assert_eq!(s.employees, None, "{name}");
        assert_eq!(s.city.as_deref(), Some("Dallas"), "{name}: a later edit");
        assert_eq!(s.relationship, Relationship::Prospect, "{name}");
        let back = t.store.get_account(p.merged.id).await.unwrap();
        assert_eq!(
            (
                back.name.as_str(),
                back.duns.as_deref(),
                back.domains.clone()
            ),
            ("ACME Corp", Some("123456789"), vec!["acme.io".to_string()])
        );
        assert_eq!(back.relationship, Relationship::Customer, "{name}");
        assert_eq!(references(&t, p.merged.id).await, before_refs, "{name}");
        assert_eq!(
            t.store
                .get_opportunity(p.opportunity.id)
                .await
                .unwrap()
                .account_id,
            back.id
        );
        assert_eq!(
            t.store
                .get_activity(p.activity.id)
                .await
                .unwrap()
                .account_id,
            back.id
        );
        assert_eq!(
            t.store.list_assets(back.id).await.unwrap()[0].id,
            p.asset.id
        );
        assert_eq!(
            t.store.get_account(p.child.id).await.unwrap().parent_id,
            Some(back.id)
        );
        let err = t
            .store
            .undo_account_merge(&actor(), merge.id)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict { .. }), "{name}: {err}");
    }
}

#[tokio::test]
async fn a_merge_that_would_loop_the_hierarchy_or_names_one_account_is_refused() {
    for t in backends().await {
        let name = t.name;
        let parent = account(
            &t,
            NewAccount {
                name: "Parent".into(),
                ..Default::default()
            },
        )
        .await;
        let child = account(
            &t,
            NewAccount {
                name: "Child".into(),
                parent_id: Some(parent.id),
                ..Default::default()
            },
        )
        .await;
        let err = t
            .store
            .merge_accounts(
                &actor(),
                child.id,
                parent.id,
                &AccountMergeChoices::default(),
            )
            .await
            .unwrap_err();
        let StoreError::Conflict { message, .. } = &err else {
            panic!("{name}: {err}")
        };
        assert!(message.contains("instead"), "{name}: {message}");
        // The other way round is fine: the child's records go up to its parent.
        t.store
            .merge_accounts(
                &actor(),
                parent.id,
                child.id,
                &AccountMergeChoices::default(),
            )
            .await
            .unwrap();

        let err = t
            .store
            .merge_accounts(
                &actor(),
                parent.id,
                parent.id,
                &AccountMergeChoices::default(),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{name}: {err}");
        let err = t
            .store
            .merge_accounts(
                &actor(),
                parent.id,
                AccountId(9999),
                &AccountMergeChoices::default(),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{name}: {err}");
        let err = t
            .store
            .merge_accounts(
                &actor(),
                AccountId(9999),
                parent.id,
                &AccountMergeChoices::default(),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{name}: {err}");
        let err = t
            .store
            .undo_account_merge(&actor(), 9999)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{name}: {err}");
    }
}

#[tokio::test]
async fn merging_two_survivors_of_one_account_in_parallel_loses_no_row() {
    for t in backends().await {
        let name = t.name;
        let a = account(
            &t,
            NewAccount {
                name: "A".into(),
                ..Default::default()
            },
        )
        .await;
        let b = account(
            &t,
            NewAccount {
                name: "B".into(),
                ..Default::default()
            },
        )
        .await;
        let c = account(
            &t,
            NewAccount {
                name: "C".into(),
                ..Default::default()
            },
        )
        .await;
        contact(&t, c.id, "one@c.example").await;
        // Two merges of c race; one wins, the other finds c gone.
        let (choices, who) = (AccountMergeChoices::default(), actor());
        let (x, y) = tokio::join!(
            t.store.merge_accounts(&who, a.id, c.id, &choices),
            t.store.merge_accounts(&who, b.id, c.id, &choices),
        );
        assert!(
            x.is_ok() != y.is_ok(),
            "{name}: exactly one merge of c wins"
        );
        let people = t
            .store
            .count_contacts(&ContactQuery::default())
            .await
            .unwrap();
        assert_eq!(people, 1, "{name}");
        assert!(references(&t, c.id).await.is_empty(), "{name}");
    }
}

/// A scoring model without decay, so a score written now equals a recompute a moment later.
const TIMELESS: &str = r#"
name = "timeless"
[contact]
engaged_at = 1
max_engagement = 50
[account]
next_contact_weight = 0.5
points_per_role = 7
points_per_seniority = 3
rollup = "sum_children"
[stages]
engaged_at = 10
qualified_at = 40
[[fit]]
name = "Software"
when = 'account.industry = "Software"'
points = 6
[[engagement]]
name = "Meeting"
kinds = ["meeting"]
points = 10
"#;

/// Each account's (own, rolled-up) score and stage, as stored.
async fn scores(t: &TestStore, ids: &[AccountId]) -> Vec<(i64, i64, i64, AccountStage)> {
    let mut out = Vec::new();
    for id in ids {
        let s = t.store.account_score(*id).await.unwrap().unwrap();
        let stage = t.store.get_account(*id).await.unwrap().stage;
        out.push((id.0, s.score.parts.own.0, s.score.score.0, stage));
    }
    out
}

#[tokio::test]
async fn a_merge_and_its_undo_rescore_to_what_a_full_recompute_gives() {
    for t in backends().await {
        let name = t.name;
        t.store
            .save_scoring_model(&actor(), TIMELESS)
            .await
            .unwrap();
        let parent = account(
            &t,
            NewAccount {
                name: "Parent".into(),
                ..Default::default()
            },
        )
        .await;
        let survivor = account(
            &t,
            NewAccount {
                name: "Survivor".into(),
                parent_id: Some(parent.id),
                ..Default::default()
            },
        )
        .await;
        let merged = account(
            &t,
            NewAccount {
                name: "Merged".into(),
                industry: Some("Software".into()),
                ..Default::default()
            },
        )
        .await;
        for (i, at) in [survivor.id, merged.id, merged.id].into_iter().enumerate() {
            let c = contact(&t, at, &format!("p{i}@example.com")).await;
            t.store
                .create_activity(
                    &actor(),
                    NewActivity {
                        account_id: None,
                        contact_id: Some(c.id),
                        body: None,
                        kind: ActivityKind::Meeting,
                        subject: None,
                        occurred_at: None,
                        campaign_id: None,
                        opportunity_id: None,
                    },
                )
                .await
                .unwrap();
        }
        let merge = t
            .store
            .merge_accounts(
                &actor(),
                survivor.id,
                merged.id,
                &AccountMergeChoices::default(),
            )
            .await
            .unwrap();
        let ids = [parent.id, survivor.id];
        let incremental = scores(&t, &ids).await;
        t.store
            .recompute_scores(&actor(), chrono::Utc::now(), &|_| {})
            .await
            .unwrap();
        assert_eq!(
            incremental,
            scores(&t, &ids).await,
            "{name}: after the merge"
        );
        assert_eq!(
            merge.survivor.industry.as_deref(),
            Some("Software"),
            "{name}: the empty industry is filled"
        );

        t.store
            .undo_account_merge(&actor(), merge.id)
            .await
            .unwrap();
        let ids = [parent.id, survivor.id, merged.id];
        let incremental = scores(&t, &ids).await;
        t.store
            .recompute_scores(&actor(), chrono::Utc::now(), &|_| {})
            .await
            .unwrap();
        assert_eq!(
            incremental,
            scores(&t, &ids).await,
            "{name}: after the undo"
        );
    }
}

/// Runs one statement against the test's database directly.
async fn execute(t: &TestStore, sql: &str, candidates: serde_json::Value) {
    let at = chrono::Utc::now();
    let payload = sqlx::types::Json(serde_json::json!({"first_name": "Kim"}));
    let candidates = sqlx::types::Json(candidates);
    if t.name == "sqlite" {
        let pool = sqlx::SqlitePool::connect(&t.url()).await.unwrap();
        sqlx::query(sql)
            .bind(at)
            .bind(payload)
            .bind(candidates)
            .execute(&pool)
            .await
            .unwrap();
    } else {
        let pool = sqlx::PgPool::connect(&t.url()).await.unwrap();
        sqlx::query(sql)
            .bind(at)
            .bind(payload)
            .bind(candidates)
            .execute(&pool)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_record_waiting_in_review_offers_the_survivor_after_a_merge_and_the_merged_account_after_its_undo(
) {
    for t in backends().await {
        let name = t.name;
        let survivor = account(
            &t,
            NewAccount {
                name: "Wayne Enterprises".into(),
                ..Default::default()
            },
        )
        .await;
        let merged = account(
            &t,
            NewAccount {
                name: "Wayne Ent.".into(),
                ..Default::default()
            },
        )
        .await;
        let other = account(
            &t,
            NewAccount {
                name: "Wayne Foods".into(),
                ..Default::default()
            },
        )
        .await;
        let candidate = |id: AccountId, name: &str, score: f64| serde_json::json!({"account_id": id, "name": name, "score": score, "reasons": ["company name"]});
        execute(
            &t,
            "INSERT INTO intake_records (source, received_at, payload, outcome, candidates) VALUES ('form', $1, $2, 'needs_review', $3)",
            serde_json::json!([candidate(merged.id, "Wayne Ent.", 0.8), candidate(other.id, "Wayne Foods", 0.6), candidate(survivor.id, "Wayne Enterprises", 0.5)]),
        )
        .await;
        let waiting = |t: &TestStore| {
            let store = t.store.clone();
            async move {
                let page = store
                    .list_intake(
                        &IntakeQuery {
                            outcome: Some(IntakeOutcome::NeedsReview),
                            ..Default::default()
                        },
                        PageRequest::default(),
                    )
                    .await
                    .unwrap();
                page.items[0]
                    .candidates
                    .iter()
                    .map(|c| c.account_id)
                    .collect::<Vec<_>>()
            }
        };
        let merge = t
            .store
            .merge_accounts(
                &actor(),
                survivor.id,
                merged.id,
                &AccountMergeChoices::default(),
            )
            .await
            .unwrap();
        assert_eq!(
            waiting(&t).await,
            [survivor.id, other.id],
            "{name}: the survivor takes the merged account's place, once"
        );
        assert_eq!(merge.moved.get("review_candidates"), Some(&1), "{name}");
        t.store
            .undo_account_merge(&actor(), merge.id)
            .await
            .unwrap();
        assert_eq!(
            waiting(&t).await,
            [merged.id, other.id, survivor.id],
            "{name}"
        );
    }
}
