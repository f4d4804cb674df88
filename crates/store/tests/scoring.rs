//! Scores and stages in the store, on SQLite and PostgreSQL: writes rescore incrementally to
//! the same numbers a full recompute gives, stages move on their rules with the reason in the
//! history, explanations add up to the stored score, models are checked and versioned.

use abcrm_core::model::*;
use abcrm_core::patch::Patch;
use abcrm_core::scoring::{Points, DEFAULT_MODEL};
use abcrm_core::*;
use abcrm_store::testing::{backends, TestStore};

fn opportunity(account: AccountId, name: &str) -> NewOpportunity {
    NewOpportunity {
        account_id: account,
        name: name.into(),
        stage: None,
        amount: None,
        close_date: None,
        source_campaign_id: None,
        owner_id: None,
        contact_roles: Vec::new(),
        created_at: None,
    }
}
use chrono::{Duration, Utc};
use std::collections::BTreeMap;

fn actor() -> Actor {
    Actor::system("test")
}

/// Engagement that never decays, so a score does not depend on when it is computed: the
/// incremental path (now, at each write) and a recompute (later) must then agree exactly.
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
name = "Senior"
when = 'contact.seniority >= "director"'
points = 4
[[fit]]
name = "Software"
when = 'account.industry = "Software"'
points = 6
[[engagement]]
name = "Meeting"
kinds = ["meeting"]
points = 10
[[engagement]]
name = "Email"
kinds = ["email"]
points = 1.5
max_points = 4
"#;

async fn account(
    t: &TestStore,
    name: &str,
    parent: Option<AccountId>,
    industry: Option<&str>,
) -> Account {
    t.store
        .create_account(
            &actor(),
            NewAccount {
                name: name.into(),
                parent_id: parent,
                industry: industry.map(String::from),
                ..Default::default()
            },
        )
        .await
        .unwrap()
}

async fn contact(
    t: &TestStore,
    account: AccountId,
    role: Option<BuyingRole>,
    seniority: Option<Seniority>,
) -> Contact {
    let mut c = NewContact::at(account);
    c.first_name = Some("P".into());
    c.buying_role = role;
    c.seniority = seniority;
    t.store.create_contact(&actor(), c).await.unwrap()
}

async fn activity(
    t: &TestStore,
    contact: Option<ContactId>,
    account: Option<AccountId>,
    kind: ActivityKind,
) -> Activity {
    t.store
        .create_activity(
            &actor(),
            NewActivity {
                account_id: account,
                contact_id: contact,
                body: None,
                kind,
                subject: None,
                occurred_at: Some(Utc::now() - Duration::days(3)),
                campaign_id: None,
                opportunity_id: None,
            },
        )
        .await
        .unwrap()
}

async fn all_scores(
    t: &TestStore,
    accounts: &[AccountId],
    contacts: &[ContactId],
) -> (BTreeMap<i64, (Points, Points)>, BTreeMap<i64, Points>) {
    let mut a = BTreeMap::new();
    for id in accounts {
        let s = t
            .store
            .account_score(*id)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{}: account {id} has a score", t.name));
        a.insert(id.0, (s.score.parts.own, s.score.score));
    }
    let mut c = BTreeMap::new();
    for id in contacts {
        // A merged contact is gone, and so is its score.
        if let Ok(Some(s)) = t.store.contact_score(*id).await {
            c.insert(id.0, s.score);
        }
    }
    (a, c)
}

#[tokio::test]
async fn writes_rescore_to_what_a_full_recompute_gives() {
    for t in backends().await {
        t.store
            .save_scoring_model(&actor(), TIMELESS)
            .await
            .unwrap();
        let parent = account(&t, "Parent", None, Some("Software")).await;
        let sub = account(&t, "Sub", Some(parent.id), None).await;
        let subsub = account(&t, "SubSub", Some(sub.id), Some("Software")).await;
        let other = account(&t, "Other", None, None).await;
        let p1 = contact(
            &t,
            parent.id,
            Some(BuyingRole::Champion),
            Some(Seniority::Vp),
        )
        .await;
        let p2 = contact(
            &t,
            parent.id,
            Some(BuyingRole::EconomicBuyer),
            Some(Seniority::CLevel),
        )
        .await;
        let s1 = contact(&t, sub.id, None, Some(Seniority::Manager)).await;
        let ss1 = contact(&t, subsub.id, Some(BuyingRole::User), None).await;
        let o1 = contact(&t, other.id, None, None).await;
        let mut acts = Vec::new();
        for (c, k) in [
            (p1.id, ActivityKind::Meeting),
            (p1.id, ActivityKind::Email),
            (p1.id, ActivityKind::Email),
            (p1.id, ActivityKind::Email),
            (p2.id, ActivityKind::Meeting),
            (s1.id, ActivityKind::Meeting),
            (ss1.id, ActivityKind::Meeting),
            (ss1.id, ActivityKind::Email),
            (o1.id, ActivityKind::Meeting),
        ] {
            acts.push(activity(&t, Some(c), None, k).await);
        }
        // An account-level activity, and a bulk batch.
        activity(&t, None, Some(sub.id), ActivityKind::Meeting).await;
        t.store
            .create_activities(
                &actor(),
                (0..3)
                    .map(|_| NewActivity {
                        account_id: None,
                        contact_id: Some(s1.id),
                        body: None,
                        kind: ActivityKind::Meeting,
                        subject: None,
                        occurred_at: None,
                        campaign_id: None,
                        opportunity_id: None,
                    })
                    .collect(),
            )
            .await
            .unwrap();
        // Changes that move engagement around: a deleted activity, a contact who moves company,
        // one who leaves, a merge.
        t.store.delete_activity(&actor(), acts[4].id).await.unwrap();
        let patch = ContactPatch {
            account_id: Patch::Set(other.id),
            ..Default::default()
        };
        t.store
            .update_contact(&actor(), s1.id, patch)
            .await
            .unwrap();
        let patch = ContactPatch {
            status: Patch::Set(ContactStatus::LeftCompany),
            ..Default::default()
        };
        t.store
            .update_contact(&actor(), p2.id, patch)
            .await
            .unwrap();
        t.store
            .merge_contacts(&actor(), o1.id, ss1.id, &Default::default())
            .await
            .unwrap();
        // An account edit: a new industry changes its fit, a new parent two roll-ups.
        let patch = AccountPatch {
            industry: Patch::Set("Retail".into()),
            parent_id: Patch::Set(other.id),
            ..Default::default()
        };
        t.store
            .update_account(&actor(), subsub.id, patch)
            .await
            .unwrap();

        let accounts = [parent.id, sub.id, subsub.id, other.id];
        let contacts = [p1.id, p2.id, s1.id, ss1.id, o1.id];
        let incremental = all_scores(&t, &accounts, &contacts).await;
        // Meeting 10 + emails 3 x 1.5 capped at 4 + fit 4 (vp) = 18 for p1.
        assert_eq!(
            incremental.1.get(&p1.id.0),
            Some(&Points::from_f64(18.0)),
            "{}",
            t.name
        );
        assert_eq!(
            incremental.1.get(&ss1.id.0),
            None,
            "{}: the merged contact's score is gone",
            t.name
        );
        let summary = t
            .store
            .recompute_scores(&actor(), Utc::now(), &|_| {})
            .await
            .unwrap();
        assert_eq!(summary.accounts, 4, "{}", t.name);
        let full = all_scores(&t, &accounts, &contacts).await;
        assert_eq!(
            incremental, full,
            "{}: incremental and full recompute agree",
            t.name
        );
        // The sum roll-up: the parent carries its subsidiaries.
        let (p_own, p_score) = full.0[&parent.id.0];
        let (_, sub_score) = full.0[&sub.id.0];
        assert_eq!(p_score, p_own + sub_score, "{}", t.name);
        // The explanation adds up to the stored score.
        let e = t
            .store
            .explain_account_score(parent.id, Utc::now())
            .await
            .unwrap();
        assert_eq!(e.total(), e.score, "{}", t.name);
        assert_eq!(e.score, p_score, "{}", t.name);
    }
}

#[tokio::test]
async fn stages_move_on_score_and_opportunities_with_reasons() {
    for t in backends().await {
        t.store
            .save_scoring_model(&actor(), TIMELESS)
            .await
            .unwrap();
        let a = account(&t, "Acme", None, Some("Software")).await;
        let c = contact(
            &t,
            a.id,
            Some(BuyingRole::Champion),
            Some(Seniority::Director),
        )
        .await;
        let stage = |t: &TestStore| {
            let store = t.store.clone();
            async move { store.get_account(a.id).await.unwrap().stage }
        };
        assert_eq!(stage(&t).await, AccountStage::Target);
        // fit 6 + contact (fit 4 + meeting 10) + breadth (7 + 3) = 30: engaged.
        activity(&t, Some(c.id), None, ActivityKind::Meeting).await;
        assert_eq!(stage(&t).await, AccountStage::Engaged, "{}", t.name);
        activity(&t, Some(c.id), None, ActivityKind::Meeting).await;
        assert_eq!(stage(&t).await, AccountStage::Qualified, "{}", t.name);
        let opp = t
            .store
            .create_opportunity(&actor(), opportunity(a.id, "Deal"))
            .await
            .unwrap();
        assert_eq!(stage(&t).await, AccountStage::Opportunity, "{}", t.name);
        let patch = OpportunityPatch {
            stage: Patch::Set(OpportunityStage::ClosedWon),
            ..Default::default()
        };
        t.store
            .update_opportunity(&actor(), opp.id, patch)
            .await
            .unwrap();
        assert_eq!(stage(&t).await, AccountStage::Customer, "{}", t.name);
        let history = t.store.stage_history(a.id).await.unwrap();
        let path: Vec<(AccountStage, &str)> = history
            .iter()
            .map(|h| (h.to_stage, h.reason.as_str()))
            .collect();
        assert_eq!(path[0], (AccountStage::Target, "created"), "{}", t.name);
        assert_eq!(path[1].0, AccountStage::Engaged, "{}", t.name);
        assert!(
            path[1].1.contains("engaged threshold 10"),
            "{}: {}",
            t.name,
            path[1].1
        );
        assert!(
            path[2].1.contains("qualified threshold 40"),
            "{}: {}",
            t.name,
            path[2].1
        );
        assert_eq!(
            path[3],
            (
                AccountStage::Opportunity,
                format!("opportunity {} is open", opp.id).as_str()
            ),
            "{}",
            t.name
        );
        assert_eq!(
            path[4],
            (
                AccountStage::Customer,
                format!("opportunity {} was won", opp.id).as_str()
            ),
            "{}",
            t.name
        );
        // A lost deal on another account falls back to what its score says.
        let b = account(&t, "Beta", None, None).await;
        let lost = t
            .store
            .create_opportunity(&actor(), opportunity(b.id, "Maybe"))
            .await
            .unwrap();
        assert_eq!(
            t.store.get_account(b.id).await.unwrap().stage,
            AccountStage::Opportunity
        );
        let patch = OpportunityPatch {
            stage: Patch::Set(OpportunityStage::ClosedLost),
            ..Default::default()
        };
        t.store
            .update_opportunity(&actor(), lost.id, patch)
            .await
            .unwrap();
        let back = t.store.stage_history(b.id).await.unwrap();
        assert_eq!(
            back.last().unwrap().to_stage,
            AccountStage::Target,
            "{}",
            t.name
        );
        assert!(
            back.last()
                .unwrap()
                .reason
                .starts_with("no open opportunity left"),
            "{}",
            t.name
        );
    }
}

#[tokio::test]
async fn models_are_checked_versioned_and_cached_per_version() {
    for t in backends().await {
        let shipped = t.store.scoring_model().await.unwrap();
        assert_eq!(
            (shipped.id, shipped.version, shipped.body.as_str()),
            (None, 0, DEFAULT_MODEL)
        );
        let bad =
            "name = \"x\"\n[[fit]]\nname = \"a\"\nwhen = 'account.industy = \"x\"'\npoints = 1\n";
        let err = t.store.save_scoring_model(&actor(), bad).await.unwrap_err();
        assert!(err.to_string().contains("line 4"), "{}: {err}", t.name);
        assert!(
            err.to_string().contains("industry"),
            "{}: suggests the field: {err}",
            t.name
        );
        let v1 = t
            .store
            .save_scoring_model(&actor(), TIMELESS)
            .await
            .unwrap();
        let v2 = t
            .store
            .save_scoring_model(&actor(), &TIMELESS.replace("points = 6", "points = 9"))
            .await
            .unwrap();
        assert_eq!((v1.version, v2.version), (1, 2), "{}", t.name);
        let listed = t.store.list_scoring_models().await.unwrap();
        assert_eq!(listed.iter().filter(|m| m.active).count(), 1, "{}", t.name);
        assert_eq!(listed[0].id, v2.id, "{}", t.name);
        // The new version scores from the next write on.
        let a = account(&t, "Acme", None, Some("Software")).await;
        t.store.rescore_accounts(&actor(), &[a.id]).await.unwrap();
        let s = t.store.account_score(a.id).await.unwrap().unwrap();
        assert_eq!(s.score.parts.fit, Points::from_f64(9.0), "{}", t.name);
        assert_eq!(Some(s.model_id), v2.id, "{}", t.name);
    }
}

/// Customer status is one fact (issue 19): the stage and the relationship move together, from
/// a won deal and from assets, and a person may not set one that the facts contradict.
#[tokio::test]
async fn an_account_walks_from_prospect_to_customer_to_former_customer() {
    for t in backends().await {
        let a = account(&t, "Acme", None, None).await;
        let status = |t: &TestStore| {
            let store = t.store.clone();
            async move {
                let a = store.get_account(a.id).await.unwrap();
                (a.stage, a.relationship)
            }
        };
        // A person's choice of relationship, as a PATCH carries it.
        let set = |r: Relationship| AccountPatch {
            relationship: Patch::Set(r),
            ..Default::default()
        };
        assert_eq!(
            status(&t).await,
            (AccountStage::Target, Relationship::Prospect)
        );
        let opp = t
            .store
            .create_opportunity(&actor(), opportunity(a.id, "Deal"))
            .await
            .unwrap();
        let won = OpportunityPatch {
            stage: Patch::Set(OpportunityStage::ClosedWon),
            ..Default::default()
        };
        t.store
            .update_opportunity(&actor(), opp.id, won)
            .await
            .unwrap();
        assert_eq!(
            status(&t).await,
            (AccountStage::Customer, Relationship::Customer),
            "{}: a won deal makes a customer, stage and relationship alike",
            t.name
        );
        let asset = |renews: i64| NewAsset {
            account_id: a.id,
            product: "Platform".into(),
            quantity: 1,
            annual_value: None,
            purchased_on: None,
            renews_on: Some(Utc::now().date_naive() + Duration::days(renews)),
        };
        t.store.create_asset(&actor(), asset(-30)).await.unwrap();
        assert_eq!(
            status(&t).await,
            (AccountStage::FormerCustomer, Relationship::FormerCustomer),
            "{}: every asset lapsed",
            t.name
        );
        let last = t.store.stage_history(a.id).await.unwrap().pop().unwrap();
        assert!(
            last.reason.starts_with("every asset lapsed"),
            "{}: {}",
            t.name,
            last.reason
        );
        let err = t
            .store
            .update_account(&actor(), a.id, set(Relationship::Customer))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, abcrm_store::StoreError::Conflict { field: Some(f), message } if f == "relationship" && message.contains("every asset lapsed")),
            "{}: {err}",
            t.name
        );
        let renewed = t.store.create_asset(&actor(), asset(335)).await.unwrap();
        assert_eq!(
            status(&t).await,
            (AccountStage::Customer, Relationship::Customer),
            "{}: an asset in force makes a customer again",
            t.name
        );
        let err = t
            .store
            .update_account(&actor(), a.id, set(Relationship::Prospect))
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .contains(&format!("asset {} is active", renewed.id)),
            "{}: {err}",
            t.name
        );
        // Where no deal or asset decides, a person's choice is the fact, and the stage follows.
        let b = account(&t, "Beta", None, None).await;
        let b1 = t
            .store
            .update_account(&actor(), b.id, set(Relationship::Customer))
            .await
            .unwrap();
        assert_eq!(
            (b1.stage, b1.relationship),
            (AccountStage::Customer, Relationship::Customer),
            "{}",
            t.name
        );
        let reason = t
            .store
            .stage_history(b.id)
            .await
            .unwrap()
            .pop()
            .unwrap()
            .reason;
        assert_eq!(reason, "relationship set to customer by test", "{}", t.name);
        let b2 = t
            .store
            .update_account(&actor(), b.id, set(Relationship::Prospect))
            .await
            .unwrap();
        assert_eq!(
            (b2.stage, b2.relationship),
            (AccountStage::Target, Relationship::Prospect),
            "{}",
            t.name
        );
        // A person moving the stage moves the relationship with it.
        let b3 = t
            .store
            .set_account_stage(
                &actor(),
                b.id,
                AccountStage::Customer,
                "signed on paper",
                Utc::now(),
            )
            .await
            .unwrap();
        assert_eq!(b3.relationship, Relationship::Customer, "{}", t.name);
    }
}

/// A whole recompute reads contacts and activities in chunks of JSON: text that JSON escapes
/// (quotes, backslashes, line breaks, accents) reads back as written, and every row is counted.
#[tokio::test]
async fn a_recompute_reads_every_contact_and_activity_whatever_their_text() {
    for t in backends().await {
        let n = t.name;
        let acme = account(&t, "Acme", None, Some("Software")).await;
        let mut odd = NewContact::at(acme.id);
        odd.first_name = Some("Zoë \"Q\" \\ O'Brien".into());
        odd.title = Some("VP, Ops\u{2014}EMEA\ttabbed".into());
        odd.source = Some("line one\nline two".into());
        let odd = t.store.create_contact(&actor(), odd).await.unwrap();
        let plain = contact(&t, acme.id, Some(BuyingRole::Champion), None).await;
        activity(&t, Some(odd.id), None, ActivityKind::Email).await;
        activity(&t, Some(plain.id), None, ActivityKind::Meeting).await;
        activity(&t, None, Some(acme.id), ActivityKind::WebVisit).await;
        let incremental = all_scores(&t, &[acme.id], &[odd.id, plain.id]).await;
        let summary = t
            .store
            .recompute_scores(&actor(), Utc::now(), &|_| {})
            .await
            .unwrap();
        assert_eq!(
            (summary.accounts, summary.contacts, summary.activities),
            (1, 2, 3),
            "{n}"
        );
        assert_eq!(
            all_scores(&t, &[acme.id], &[odd.id, plain.id]).await,
            incremental,
            "{n}"
        );
        let back = t.store.get_contact(odd.id).await.unwrap();
        assert_eq!(
            back.first_name.as_deref(),
            Some("Zoë \"Q\" \\ O'Brien"),
            "{n}"
        );
    }
}
