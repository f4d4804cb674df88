//! The web UI's account list: selections, sorting, paging and totals, the same on SQLite and on
//! PostgreSQL.

use abcrm_core::filter::{check, parse, Target};
use abcrm_core::model::*;
use abcrm_core::normalize::Email;
use abcrm_core::*;
use abcrm_store::testing::{backends, TestStore};
use abcrm_store::*;
use chrono::NaiveDate;

fn actor() -> Actor {
    Actor::system("test")
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

struct World {
    /// Acme (CA, Software, 500 people, owned by Zoe), Beta (NY, 50 people, owned by Al),
    /// Cobalt (CA, Retail, no headcount, no owner), Delta (no state, Software, 5000 people).
    acme: AccountId,
    beta: AccountId,
    cobalt: AccountId,
    delta: AccountId,
}

async fn world(t: &TestStore) -> World {
    let s = &t.store;
    let user = |email: &str, name: &str| NewUser {
        email: Email::parse(email).unwrap(),
        name: name.into(),
        role: Role::Sales,
    };
    let zoe = s
        .create_user(&actor(), user("zoe@example.com", "Zoe Zimmer"))
        .await
        .unwrap();
    let al = s
        .create_user(&actor(), user("al@example.com", "al Adams"))
        .await
        .unwrap();
    let account = |name: &str,
                   state: Option<&str>,
                   industry: &str,
                   employees: Option<i64>,
                   stage: AccountStage,
                   owner: Option<UserId>| NewAccount {
        name: name.into(),
        state: state.map(Into::into),
        industry: Some(industry.into()),
        employees,
        stage: Some(stage),
        owner_id: owner,
        country: Some("US".into()),
        ..Default::default()
    };
    let mut ids = Vec::new();
    for a in [
        account(
            "Acme",
            Some("CA"),
            "Software",
            Some(500),
            AccountStage::Engaged,
            Some(zoe.id),
        ),
        account(
            "beta",
            Some("NY"),
            "Software",
            Some(50),
            AccountStage::Target,
            Some(al.id),
        ),
        account(
            "Cobalt",
            Some("CA"),
            "Retail",
            None,
            AccountStage::Customer,
            None,
        ),
        account(
            "Delta",
            None,
            "Software",
            Some(5000),
            AccountStage::Qualified,
            None,
        ),
    ] {
        ids.push(s.create_account(&actor(), a).await.unwrap().id);
    }
    let w = World {
        acme: ids[0],
        beta: ids[1],
        cobalt: ids[2],
        delta: ids[3],
    };
    for (account, seniority, email) in [
        (w.acme, Seniority::Manager, "m@acme.example"),
        (w.acme, Seniority::Director, "d@acme.example"),
        (w.cobalt, Seniority::Director, "d@cobalt.example"),
        (w.beta, Seniority::Vp, "v@beta.example"),
    ] {
        s.create_contact(
            &actor(),
            NewContact {
                account_id: account,
                first_name: Some("P".into()),
                last_name: None,
                email: Some(Email::parse(email).unwrap()),
                phone: None,
                title: None,
                seniority: Some(seniority),
                department: None,
                buying_role: None,
                status: None,
                owner_id: None,
                source: None,
                created_at: None,
            },
        )
        .await
        .unwrap();
    }
    w
}

async fn table(t: &TestStore, query: AccountTableQuery) -> (Vec<AccountId>, u64) {
    let page = t.store.account_table(&query, today()).await.unwrap();
    (page.rows.iter().map(|r| r.account.id).collect(), page.total)
}

fn sorted(sort: AccountSort, descending: bool) -> AccountTableQuery {
    AccountTableQuery {
        sort,
        descending,
        limit: 50,
        ..Default::default()
    }
}

#[tokio::test]
async fn the_account_list_sorts_with_missing_values_last() {
    for t in backends().await {
        let w = world(&t).await;
        let (ids, total) = table(&t, sorted(AccountSort::Name, false)).await;
        assert_eq!(
            ids,
            [w.acme, w.beta, w.cobalt, w.delta],
            "{}: names sort ignoring case",
            t.name
        );
        assert_eq!(total, 4);
        let (ids, _) = table(&t, sorted(AccountSort::Employees, true)).await;
        assert_eq!(ids, [w.delta, w.acme, w.beta, w.cobalt], "{}", t.name);
        let (ids, _) = table(&t, sorted(AccountSort::Employees, false)).await;
        assert_eq!(ids, [w.beta, w.acme, w.delta, w.cobalt], "{}", t.name);
        let (ids, _) = table(&t, sorted(AccountSort::Stage, false)).await;
        assert_eq!(
            ids,
            [w.beta, w.acme, w.delta, w.cobalt],
            "{}: stages in funnel order",
            t.name
        );
        let (ids, _) = table(&t, sorted(AccountSort::Location, false)).await;
        assert_eq!(ids, [w.acme, w.cobalt, w.beta, w.delta], "{}", t.name);
        let page = t
            .store
            .account_table(&sorted(AccountSort::Owner, false), today())
            .await
            .unwrap();
        let owners: Vec<Option<&str>> = page.rows.iter().map(|r| r.owner_name.as_deref()).collect();
        assert_eq!(
            owners,
            [Some("al Adams"), Some("Zoe Zimmer"), None, None],
            "{}",
            t.name
        );
    }
}

#[tokio::test]
async fn the_account_list_pages_and_counts_the_whole_selection() {
    for t in backends().await {
        let w = world(&t).await;
        let (ids, total) = table(
            &t,
            AccountTableQuery {
                offset: 1,
                limit: 2,
                ..Default::default()
            },
        )
        .await;
        assert_eq!(ids, [w.beta, w.cobalt], "{}", t.name);
        assert_eq!(total, 4, "{}: the total counts every page", t.name);
        let (ids, total) = table(
            &t,
            AccountTableQuery {
                offset: 4,
                limit: 2,
                ..Default::default()
            },
        )
        .await;
        assert!(ids.is_empty());
        assert_eq!(total, 4);
    }
}

#[tokio::test]
async fn account_and_contact_filters_select_accounts() {
    for t in backends().await {
        let w = world(&t).await;
        let accounts = parse(r#"account.industry = "software""#).unwrap();
        let query = AccountTableQuery {
            selection: AccountSelection::Accounts(check(&accounts, Target::Accounts).unwrap()),
            limit: 50,
            ..Default::default()
        };
        let (ids, total) = table(&t, query).await;
        assert_eq!(ids, [w.acme, w.beta, w.delta], "{}", t.name);
        assert_eq!(total, 3);

        // Acme has two matching contacts and is listed once.
        let contacts =
            parse(r#"contact.seniority in ("manager", "director") and account.state = "CA""#)
                .unwrap();
        let query = AccountTableQuery {
            selection: AccountSelection::OfContacts(check(&contacts, Target::Contacts).unwrap()),
            sort: AccountSort::Name,
            descending: true,
            limit: 50,
            ..Default::default()
        };
        let (ids, total) = table(&t, query).await;
        assert_eq!(ids, [w.cobalt, w.acme], "{}", t.name);
        assert_eq!(total, 2, "{}", t.name);
    }
}

#[tokio::test]
async fn the_account_list_carries_stored_scores_and_sorts_by_them() {
    for t in backends().await {
        let w = world(&t).await;
        t.store
            .create_activity(
                &actor(),
                NewActivity {
                    account_id: Some(w.cobalt),
                    contact_id: None,
                    body: None,
                    kind: ActivityKind::Meeting,
                    subject: Some("kick-off".into()),
                    occurred_at: None,
                    campaign_id: None,
                    opportunity_id: None,
                },
            )
            .await
            .unwrap();
        t.store
            .recompute_scores(&actor(), chrono::Utc::now(), &|_| {})
            .await
            .unwrap();
        let page = t
            .store
            .account_table(&sorted(AccountSort::Score, true), today())
            .await
            .unwrap();
        let mut expected = Vec::new();
        for row in &page.rows {
            let stored = t.store.account_score(row.account.id).await.unwrap();
            assert_eq!(
                row.score,
                stored.map(|s| s.score.score),
                "{}: the row's score is the stored one",
                t.name
            );
            expected.push(row.score);
        }
        let mut by_score = expected.clone();
        by_score.sort_by(|a, b| b.cmp(a));
        assert_eq!(expected, by_score, "{}: best first", t.name);
        assert!(page.rows.iter().all(|r| r.score.is_some()));
    }
}

#[tokio::test]
async fn user_names_come_back_by_id() {
    for t in backends().await {
        world(&t).await;
        let zoe = t
            .store
            .find_user_by_email(&Email::parse("zoe@example.com").unwrap())
            .await
            .unwrap()
            .unwrap();
        let names = t
            .store
            .user_names(&[zoe.id, UserId(999_999)])
            .await
            .unwrap();
        assert_eq!(names.len(), 1, "{}", t.name);
        assert_eq!(names[&zoe.id], "Zoe Zimmer");
    }
}
