//! The store contract: every domain rule, checked on SQLite and on PostgreSQL alike.

use abcrm_core::model::*;
use abcrm_core::normalize::Email;
use abcrm_core::patch::Patch;
use abcrm_core::*;
use abcrm_store::testing::{backends, TestStore};
use abcrm_store::*;

fn actor() -> Actor {
    Actor::system("test")
}

fn email(s: &str) -> Email {
    Email::parse(s).unwrap()
}

async fn account(t: &TestStore, name: &str, parent: Option<AccountId>) -> Account {
    t.store
        .create_account(
            &actor(),
            NewAccount {
                name: name.into(),
                parent_id: parent,
                ..Default::default()
            },
        )
        .await
        .unwrap()
}

async fn contact(t: &TestStore, account: AccountId, mail: &str) -> Contact {
    let mut c = NewContact::at(account);
    c.email = Some(email(mail));
    t.store.create_contact(&actor(), c).await.unwrap()
}

fn field_of(e: &StoreError) -> Vec<String> {
    match e {
        StoreError::Invalid(v) => v.0.iter().map(|x| x.field.clone()).collect(),
        StoreError::Conflict { field, .. } => field.iter().cloned().collect(),
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_contact_needs_an_existing_account() {
    for t in backends().await {
        let err = t
            .store
            .create_contact(&actor(), {
                let mut c = NewContact::at(AccountId(999));
                c.first_name = Some("Ada".into());
                c
            })
            .await
            .unwrap_err();
        assert_eq!(field_of(&err), ["account_id"], "{}", t.name);
        assert!(
            err.to_string().contains("account 999 does not exist"),
            "{}: {err}",
            t.name
        );
        assert_eq!(t.store.counts().await.unwrap().contacts, 0, "{}", t.name);
    }
}

#[tokio::test]
async fn emails_are_normalized_and_unique_across_contacts() {
    for t in backends().await {
        let a = account(&t, "Acme", None).await;
        let c = contact(&t, a.id, "  Ada.Lovelace@Example.COM ").await;
        assert_eq!(
            c.email.as_ref().map(Email::as_str),
            Some("ada.lovelace@example.com"),
            "{}",
            t.name
        );
        let mut dup = NewContact::at(a.id);
        dup.email = Some(email("ADA.LOVELACE@example.com"));
        let err = t.store.create_contact(&actor(), dup).await.unwrap_err();
        assert_eq!(field_of(&err), ["email"], "{}", t.name);
        assert!(
            err.to_string().contains(&format!("contact {}", c.id)),
            "{}: {err}",
            t.name
        );
        let found = t
            .store
            .find_contact_by_email(&email("ada.lovelace@EXAMPLE.com"))
            .await
            .unwrap();
        assert_eq!(found.map(|f| f.id), Some(c.id), "{}", t.name);
    }
}

#[tokio::test]
async fn deleting_an_account_with_dependents_is_refused_with_what_remains() {
    for t in backends().await {
        let a = account(&t, "Acme", None).await;
        account(&t, "Acme Europe", Some(a.id)).await;
        contact(&t, a.id, "a@acme.com").await;
        contact(&t, a.id, "b@acme.com").await;
        let err = t
            .store
            .delete_account(&actor(), a.id, OnDependents::Refuse)
            .await
            .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, StoreError::Conflict { .. }), "{}", t.name);
        assert!(
            msg.contains("2 contacts") && msg.contains("1 subsidiaries") && msg.contains("move_to"),
            "{}: {msg}",
            t.name
        );
        assert!(t.store.get_account(a.id).await.is_ok(), "{}", t.name);
    }
}

#[tokio::test]
async fn deleting_with_move_to_moves_everything_then_deletes() {
    for t in backends().await {
        let old = t
            .store
            .create_account(
                &actor(),
                NewAccount {
                    name: "Old".into(),
                    domains: vec!["old.com".into()],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let new = account(&t, "New", None).await;
        let sub = account(&t, "Old Sub", Some(old.id)).await;
        let c = contact(&t, old.id, "p@old.com").await;
        let act = t
            .store
            .create_activity(
                &actor(),
                NewActivity {
                    account_id: None,
                    contact_id: Some(c.id),
                    body: None,
                    kind: ActivityKind::Call,
                    subject: None,
                    occurred_at: None,
                    campaign_id: None,
                    opportunity_id: None,
                },
            )
            .await
            .unwrap();
        let opp = t
            .store
            .create_opportunity(
                &actor(),
                NewOpportunity {
                    account_id: old.id,
                    name: "Deal".into(),
                    stage: None,
                    amount: Some(10.0),
                    close_date: None,
                    source_campaign_id: None,
                    owner_id: None,
                    contact_roles: vec![],
                    created_at: None,
                },
            )
            .await
            .unwrap();
        t.store
            .delete_account(&actor(), old.id, OnDependents::MoveTo(new.id))
            .await
            .unwrap();
        assert!(
            matches!(
                t.store.get_account(old.id).await,
                Err(StoreError::NotFound { .. })
            ),
            "{}",
            t.name
        );
        assert_eq!(
            t.store.get_contact(c.id).await.unwrap().account_id,
            new.id,
            "{}",
            t.name
        );
        assert_eq!(
            t.store.get_activity(act.id).await.unwrap().account_id,
            new.id,
            "{}",
            t.name
        );
        assert_eq!(
            t.store.get_opportunity(opp.id).await.unwrap().account_id,
            new.id,
            "{}",
            t.name
        );
        assert_eq!(
            t.store.get_account(sub.id).await.unwrap().parent_id,
            Some(new.id),
            "{}",
            t.name
        );
        assert_eq!(
            t.store.get_account(new.id).await.unwrap().domains,
            ["old.com"],
            "{}",
            t.name
        );
    }
}

#[tokio::test]
async fn moving_to_a_subsidiary_of_the_deleted_account_is_refused() {
    for t in backends().await {
        let a = account(&t, "Parent", None).await;
        let sub = account(&t, "Child", Some(a.id)).await;
        let err = t
            .store
            .delete_account(&actor(), a.id, OnDependents::MoveTo(sub.id))
            .await
            .unwrap_err();
        assert_eq!(field_of(&err), ["move_to"], "{}", t.name);
    }
}

#[tokio::test]
async fn an_account_cannot_become_its_own_ancestor() {
    for t in backends().await {
        let top = account(&t, "Top", None).await;
        let mid = account(&t, "Mid", Some(top.id)).await;
        let low = account(&t, "Low", Some(mid.id)).await;
        let own = t
            .store
            .update_account(
                &actor(),
                top.id,
                AccountPatch {
                    parent_id: Patch::Set(top.id),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(field_of(&own), ["parent_id"], "{}", t.name);
        let cycle = t
            .store
            .update_account(
                &actor(),
                top.id,
                AccountPatch {
                    parent_id: Patch::Set(low.id),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(field_of(&cycle), ["parent_id"], "{}", t.name);
        assert!(cycle.to_string().contains("cycle"), "{}: {cycle}", t.name);
        assert_eq!(
            t.store.get_account(top.id).await.unwrap().parent_id,
            None,
            "{}",
            t.name
        );
    }
}

#[tokio::test]
async fn a_parent_must_exist() {
    for t in backends().await {
        let err = t
            .store
            .create_account(
                &actor(),
                NewAccount {
                    name: "Orphan Sub".into(),
                    parent_id: Some(AccountId(4242)),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(field_of(&err), ["parent_id"], "{}", t.name);
    }
}

#[tokio::test]
async fn a_domain_belongs_to_one_account() {
    for t in backends().await {
        t.store
            .create_account(
                &actor(),
                NewAccount {
                    name: "A".into(),
                    domains: vec!["https://www.acme.com/".into()],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let err = t
            .store
            .create_account(
                &actor(),
                NewAccount {
                    name: "B".into(),
                    domains: vec!["ACME.com".into()],
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(field_of(&err), ["domains[0]"], "{}", t.name);
        let found = t
            .store
            .list_accounts(
                &AccountQuery {
                    domain: Some("www.acme.com".into()),
                    ..Default::default()
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(
            found
                .items
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>(),
            ["A"],
            "{}",
            t.name
        );
    }
}

#[tokio::test]
async fn every_change_is_audited_with_before_and_after() {
    for t in backends().await {
        let who = Actor::system("auditor");
        let a = t
            .store
            .create_account(
                &who,
                NewAccount {
                    name: "Acme".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        t.store
            .update_account(
                &who,
                a.id,
                AccountPatch {
                    industry: Patch::Set("Software".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        t.store
            .delete_account(&who, a.id, OnDependents::Refuse)
            .await
            .unwrap();
        let log = t
            .store
            .list_audit(
                &AuditQuery {
                    entity: Some("account".into()),
                    entity_id: Some(a.id.0),
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        // The industry edit rescores the account, and the stage rules may move it: that move is
        // audited too ("stage"); the edits themselves are these three.
        let items: Vec<_> = log.items.iter().filter(|e| e.action != "stage").collect();
        let actions: Vec<&str> = items.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["delete", "update", "create"], "{}", t.name);
        assert!(items.iter().all(|e| e.actor == "auditor"), "{}", t.name);
        let update = items[1];
        assert_eq!(
            update.before.as_ref().unwrap()["industry"],
            serde_json::Value::Null,
            "{}",
            t.name
        );
        assert_eq!(
            update.after.as_ref().unwrap()["industry"],
            "Software",
            "{}",
            t.name
        );
        assert!(
            items[0].after.is_none() && items[2].before.is_none(),
            "{}",
            t.name
        );
    }
}

#[tokio::test]
async fn tokens_authenticate_until_revoked_and_only_their_hash_is_stored() {
    for t in backends().await {
        let user = t
            .store
            .create_user(
                &actor(),
                NewUser {
                    email: email("ops@example.com"),
                    name: "Ops".into(),
                    role: Role::Sales,
                },
            )
            .await
            .unwrap();
        let (token, secret) = t
            .store
            .create_api_token(&actor(), user.id, "ci")
            .await
            .unwrap();
        assert!(secret.starts_with(&token.prefix), "{}", t.name);
        let who = t
            .store
            .authenticate_token(&secret)
            .await
            .unwrap()
            .expect("the token authenticates");
        assert_eq!(
            (who.user_id, who.role),
            (Some(user.id), Role::Sales),
            "{}",
            t.name
        );
        assert!(
            t.store
                .authenticate_token("abcrm_wrong")
                .await
                .unwrap()
                .is_none(),
            "{}",
            t.name
        );
        let audit = t
            .store
            .list_audit(
                &AuditQuery {
                    entity: Some("api_token".into()),
                    entity_id: None,
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert!(
            !serde_json::to_string(&audit.items)
                .unwrap()
                .contains(&secret),
            "{}: the secret leaked into the audit log",
            t.name
        );
        t.store.revoke_api_token(&actor(), token.id).await.unwrap();
        assert!(
            t.store.authenticate_token(&secret).await.unwrap().is_none(),
            "{}",
            t.name
        );
    }
}

#[tokio::test]
async fn pagination_walks_every_record_exactly_once() {
    for t in backends().await {
        let a = account(&t, "Acme", None).await;
        let people: Vec<NewContact> = (0..23)
            .map(|i| {
                let mut c = NewContact::at(a.id);
                c.email = Some(email(&format!("p{i}@acme.com")));
                c
            })
            .collect();
        let ids = t.store.create_contacts(&actor(), people).await.unwrap();
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = t
                .store
                .list_contacts(&ContactQuery::default(), PageRequest { after, limit: 5 })
                .await
                .unwrap();
            seen.extend(page.items.iter().map(|c| c.id));
            match page.next_after {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        assert_eq!(seen, ids, "{}", t.name);
    }
}

#[tokio::test]
async fn a_bulk_insert_with_one_bad_row_writes_nothing() {
    for t in backends().await {
        let a = account(&t, "Acme", None).await;
        let mut rows: Vec<NewContact> = (0..3)
            .map(|i| {
                let mut c = NewContact::at(a.id);
                c.email = Some(email(&format!("p{i}@acme.com")));
                c
            })
            .collect();
        rows[2].email = Some(email("P0@acme.com"));
        let err = t.store.create_contacts(&actor(), rows).await.unwrap_err();
        assert_eq!(field_of(&err), ["[2].email"], "{}", t.name);
        assert_eq!(t.store.counts().await.unwrap().contacts, 0, "{}", t.name);

        let accounts = vec![
            NewAccount {
                name: "One".into(),
                domains: vec!["one.com".into()],
                ..Default::default()
            },
            NewAccount {
                name: "Two".into(),
                domains: vec!["ONE.com".into()],
                ..Default::default()
            },
        ];
        let err = t
            .store
            .create_accounts(&actor(), accounts)
            .await
            .unwrap_err();
        assert_eq!(field_of(&err), ["[1].domains[0]"], "{}", t.name);
        assert_eq!(
            t.store.counts().await.unwrap().accounts,
            1,
            "{}: only Acme",
            t.name
        );
        let ids = t
            .store
            .create_accounts(
                &actor(),
                vec![NewAccount {
                    name: "Sub".into(),
                    parent_id: Some(a.id),
                    ..Default::default()
                }],
            )
            .await
            .unwrap();
        assert_eq!(
            t.store.get_account(ids[0]).await.unwrap().parent_id,
            Some(a.id)
        );
    }
}

#[tokio::test]
async fn a_contact_who_moves_takes_activities_and_memberships_along() {
    for t in backends().await {
        let a = account(&t, "Old Co", None).await;
        let b = account(&t, "New Co", None).await;
        let c = contact(&t, a.id, "mover@example.com").await;
        let camp = t
            .store
            .create_campaign(
                &actor(),
                NewCampaign {
                    name: "Q3 Summit".into(),
                    kind: Some(CampaignKind::Event),
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
                camp.id,
                NewCampaignMember {
                    contact_id: c.id,
                    status: None,
                    joined_at: None,
                },
            )
            .await
            .unwrap();
        let act = t
            .store
            .create_activity(
                &actor(),
                NewActivity {
                    account_id: None,
                    contact_id: Some(c.id),
                    body: None,
                    kind: ActivityKind::Email,
                    subject: Some("hi".into()),
                    occurred_at: None,
                    campaign_id: Some(camp.id),
                    opportunity_id: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(act.account_id, a.id, "{}", t.name);
        t.store
            .update_contact(
                &actor(),
                c.id,
                ContactPatch {
                    account_id: Patch::Set(b.id),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            t.store.get_activity(act.id).await.unwrap().account_id,
            b.id,
            "{}",
            t.name
        );
        let members = t
            .store
            .list_campaign_members(camp.id, PageRequest::default())
            .await
            .unwrap();
        assert_eq!(members.items[0].account_id, b.id, "{}", t.name);
    }
}

#[tokio::test]
async fn an_activity_whose_account_disagrees_with_its_contact_is_refused() {
    for t in backends().await {
        let a = account(&t, "A", None).await;
        let b = account(&t, "B", None).await;
        let c = contact(&t, a.id, "x@a.com").await;
        let err = t
            .store
            .create_activity(
                &actor(),
                NewActivity {
                    account_id: Some(b.id),
                    contact_id: Some(c.id),
                    body: None,
                    kind: ActivityKind::Call,
                    subject: None,
                    occurred_at: None,
                    campaign_id: None,
                    opportunity_id: None,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(field_of(&err), ["account_id"], "{}", t.name);
    }
}

#[tokio::test]
async fn the_360_groups_the_buying_center_and_shows_open_deals_only() {
    for t in backends().await {
        let parent = account(&t, "Globex", None).await;
        let a = account(&t, "Globex Europe", Some(parent.id)).await;
        account(&t, "Globex Paris", Some(a.id)).await;
        let mut eb = NewContact::at(a.id);
        eb.email = Some(email("cfo@globex.eu"));
        eb.buying_role = Some(BuyingRole::EconomicBuyer);
        let eb = t.store.create_contact(&actor(), eb).await.unwrap();
        let plain = contact(&t, a.id, "someone@globex.eu").await;
        let deal = |name: &str, stage| NewOpportunity {
            account_id: a.id,
            name: name.into(),
            stage: Some(stage),
            amount: None,
            close_date: None,
            source_campaign_id: None,
            owner_id: None,
            contact_roles: vec![],
            created_at: None,
        };
        let open = t
            .store
            .create_opportunity(
                &actor(),
                NewOpportunity {
                    contact_roles: vec![ContactRole {
                        contact_id: eb.id,
                        role: BuyingRole::EconomicBuyer,
                        is_primary: true,
                    }],
                    ..deal("Open", OpportunityStage::Proposal)
                },
            )
            .await
            .unwrap();
        t.store
            .create_opportunity(&actor(), deal("Lost", OpportunityStage::ClosedLost))
            .await
            .unwrap();
        let v = t.store.account_360(a.id).await.unwrap();
        assert_eq!(
            v.buying_center["economic_buyer"]
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>(),
            [eb.id],
            "{}",
            t.name
        );
        assert_eq!(
            v.buying_center["unassigned"]
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>(),
            [plain.id],
            "{}",
            t.name
        );
        assert_eq!(
            v.open_opportunities
                .iter()
                .map(|o| o.id)
                .collect::<Vec<_>>(),
            [open.id],
            "{}",
            t.name
        );
        assert_eq!(v.open_opportunities[0].contact_roles.len(), 1, "{}", t.name);
        assert_eq!(
            v.hierarchy
                .ancestors
                .iter()
                .map(|r| r.id)
                .collect::<Vec<_>>(),
            [parent.id],
            "{}",
            t.name
        );
        assert_eq!(v.hierarchy.tree.subsidiaries.len(), 1, "{}", t.name);
        assert_eq!(v.hierarchy.ultimate_parent().id, parent.id, "{}", t.name);
    }
}

#[tokio::test]
async fn stage_changes_are_written_to_the_history() {
    for t in backends().await {
        let entered = "2025-12-01T09:00:00Z".parse().ok();
        let a = t
            .store
            .create_account(
                &actor(),
                NewAccount {
                    name: "Acme".into(),
                    created_at: entered,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let at = "2026-01-15T10:00:00Z".parse().unwrap();
        t.store
            .set_account_stage(
                &actor(),
                a.id,
                AccountStage::Engaged,
                "webinar attended",
                at,
            )
            .await
            .unwrap();
        let h = t.store.stage_history(a.id).await.unwrap();
        let steps: Vec<(Option<AccountStage>, AccountStage)> =
            h.iter().map(|s| (s.from_stage, s.to_stage)).collect();
        assert_eq!(
            steps,
            [
                (None, AccountStage::Target),
                (Some(AccountStage::Target), AccountStage::Engaged)
            ],
            "{}",
            t.name
        );
        assert_eq!(h[1].reason, "webinar attended", "{}", t.name);
        assert_eq!(
            h[0].changed_at,
            entered.unwrap(),
            "{}: the funnel starts when the account was created",
            t.name
        );
    }
}

#[tokio::test]
async fn records_read_back_equal_what_was_written() {
    for t in backends().await {
        let a = t
            .store
            .create_account(
                &actor(),
                NewAccount {
                    name: "Acme".into(),
                    domains: vec!["acme.com".into(), "acme.de".into()],
                    duns: Some("150483782".into()),
                    employees: Some(120),
                    annual_revenue: Some(9_000_000),
                    country: Some("US".into()),
                    state: Some("CA".into()),
                    city: Some("San Jose".into()),
                    target_tier: Some(1),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(t.store.get_account(a.id).await.unwrap(), a, "{}", t.name);
        let c = contact(&t, a.id, "x@acme.com").await;
        assert_eq!(t.store.get_contact(c.id).await.unwrap(), c, "{}", t.name);
        let o = t
            .store
            .create_opportunity(
                &actor(),
                NewOpportunity {
                    account_id: a.id,
                    name: "Deal".into(),
                    stage: Some(OpportunityStage::Negotiation),
                    amount: Some(12_345.5),
                    close_date: "2027-03-31".parse().ok(),
                    source_campaign_id: None,
                    owner_id: None,
                    contact_roles: vec![ContactRole {
                        contact_id: c.id,
                        role: BuyingRole::Champion,
                        is_primary: true,
                    }],
                    created_at: "2025-06-01T08:30:00Z".parse().ok(),
                },
            )
            .await
            .unwrap();
        assert_eq!(
            t.store.get_opportunity(o.id).await.unwrap(),
            o,
            "{}",
            t.name
        );
        assert_eq!(
            o.created_at.to_rfc3339(),
            "2025-06-01T08:30:00+00:00",
            "{}: the sales cycle keeps its start",
            t.name
        );
    }
}

#[tokio::test]
async fn a_test_store_url_reopens_the_same_database() {
    for t in backends().await {
        let a = account(&t, "Only Here", None).await;
        let again = abcrm_store::open(&t.url()).await.unwrap();
        assert_eq!(
            again.get_account(a.id).await.unwrap().name,
            "Only Here",
            "{}",
            t.name
        );
        assert_eq!(again.counts().await.unwrap().accounts, 1, "{}", t.name);
    }
}
