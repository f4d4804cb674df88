//! Account hierarchies never loop, on SQLite and on PostgreSQL: a parent change that would close
//! a loop is refused however long the chain, two changes at once cannot close one between them,
//! and a loop an older version left in the database ends every walk over it.

use abcrm_core::filter::{check, parse, Target};
use abcrm_core::model::*;
use abcrm_core::patch::Patch;
use abcrm_core::*;
use abcrm_store::testing::{backends, TestStore};
use abcrm_store::*;
use std::time::Duration;

fn actor() -> Actor {
    Actor::system("test")
}

async fn account(t: &TestStore, name: &str, parent: Option<AccountId>) -> Account {
    t.store
        .create_account(
            &actor(),
            NewAccount {
                name: name.into(),
                parent_id: parent,
                state: Some("CA".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
}

fn parent(p: AccountId) -> AccountPatch {
    AccountPatch {
        parent_id: Patch::Set(p),
        ..Default::default()
    }
}

/// Runs SQL on the test's database behind the store's back, as an older version might have.
async fn raw_sql(t: &TestStore, sql: &str) {
    match t.name {
        "sqlite" => {
            let pool = sqlx::SqlitePool::connect(&t.url()).await.unwrap();
            sqlx::query(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
        _ => {
            let pool = sqlx::PgPool::connect(&t.url()).await.unwrap();
            sqlx::query(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
    }
}

/// Fails the test instead of hanging it when `f` never ends.
async fn within<T>(what: &str, name: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), f)
        .await
        .unwrap_or_else(|_| panic!("{name}: {what} did not finish in 60 s"))
}

#[tokio::test]
async fn a_loop_through_a_chain_of_a_hundred_accounts_is_refused() {
    for t in backends().await {
        let root = account(&t, "root", None).await;
        let mut last = root.id;
        for i in 1..100 {
            last = account(&t, &format!("level {i}"), Some(last)).await.id;
        }
        let err = t
            .store
            .update_account(&actor(), root.id, parent(last))
            .await
            .unwrap_err();
        match &err {
            StoreError::Conflict { field, message } => {
                assert_eq!(field.as_deref(), Some("parent_id"), "{}", t.name);
                assert!(message.contains("cycle"), "{}: {message}", t.name);
            }
            other => panic!(
                "{}: expected a conflict on parent_id, got {other:?}",
                t.name
            ),
        }
        assert_eq!(
            t.store.get_account(root.id).await.unwrap().parent_id,
            None,
            "{}",
            t.name
        );
    }
}

#[tokio::test]
async fn opposite_parent_changes_at_once_never_close_a_loop() {
    for t in backends().await {
        for round in 0..25 {
            let a = account(&t, &format!("a{round}"), None).await.id;
            let b = account(&t, &format!("b{round}"), None).await.id;
            let actor = actor();
            let (ab, ba) = tokio::join!(
                t.store.update_account(&actor, a, parent(b)),
                t.store.update_account(&actor, b, parent(a)),
            );
            assert!(
                ab.is_ok() != ba.is_ok(),
                "{} round {round}: exactly one change passes: {ab:?} / {ba:?}",
                t.name
            );
            let (a, b) = (
                t.store.get_account(a).await.unwrap(),
                t.store.get_account(b).await.unwrap(),
            );
            assert!(
                !(a.parent_id == Some(b.id) && b.parent_id == Some(a.id)),
                "{} round {round}: {} and {} are each other's parent",
                t.name,
                a.id,
                b.id
            );
        }
    }
}

/// A roll-up model: each parent's score takes in its subsidiaries'.
const ROLLUP: &str = r#"
name = "rollup"
[contact]
engaged_at = 1
max_engagement = 50
[account]
rollup = "sum_children"
[[fit]]
name = "Software"
when = 'account.industry = "Software"'
points = 6
[[engagement]]
name = "Meeting"
kinds = ["meeting"]
points = 10
"#;

#[tokio::test]
async fn a_loop_left_by_an_older_version_ends_every_walk_over_it() {
    for t in backends().await {
        t.store.save_scoring_model(&actor(), ROLLUP).await.unwrap();
        let top = account(&t, "top", None).await;
        let a = account(&t, "a", Some(top.id)).await;
        let b = account(&t, "b", Some(a.id)).await;
        let leaf = account(&t, "leaf", Some(b.id)).await;
        let mut c = NewContact::at(leaf.id);
        c.first_name = Some("Pat".into());
        t.store.create_contact(&actor(), c).await.unwrap();
        within(
            "a recompute",
            t.name,
            t.store
                .recompute_scores(&actor(), chrono::Utc::now(), &|_: RecomputeProgress| {}),
        )
        .await
        .unwrap();
        // a -> b -> a, below top's old place: what the race or the 64-deep check let in.
        raw_sql(
            &t,
            &format!(
                "UPDATE accounts SET parent_id = {} WHERE id = {}",
                b.id, a.id
            ),
        )
        .await;

        let filter = check(
            &parse(r#"account.ultimate_parent.state = "CA""#).unwrap(),
            Target::Accounts,
        )
        .unwrap();
        let today = chrono::Utc::now().date_naive();
        let found = within(
            "an ultimate_parent segment",
            t.name,
            t.store
                .segment_accounts(&filter, today, PageRequest::default()),
        )
        .await
        .unwrap();
        let ids: Vec<AccountId> = found.items.iter().map(|a| a.id).collect();
        assert!(
            ids.contains(&top.id) && ids.contains(&leaf.id),
            "{}: {ids:?}",
            t.name
        );
        within(
            "an ultimate_parent count",
            t.name,
            t.store.segment_count(&filter, Target::Accounts, today),
        )
        .await
        .unwrap();

        // A write under the loop rescores its ancestors with the roll-up model.
        within(
            "a rescoring write",
            t.name,
            t.store.update_account(
                &actor(),
                leaf.id,
                AccountPatch {
                    industry: Patch::Set("Software".into()),
                    ..Default::default()
                },
            ),
        )
        .await
        .unwrap();
        within(
            "a rescoring",
            t.name,
            t.store.rescore_accounts(&actor(), &[a.id, b.id]),
        )
        .await
        .unwrap();
        within(
            "a recompute",
            t.name,
            t.store
                .recompute_scores(&actor(), chrono::Utc::now(), &|_: RecomputeProgress| {}),
        )
        .await
        .unwrap();
        let h = within("the hierarchy", t.name, t.store.account_hierarchy(b.id))
            .await
            .unwrap();
        assert!(
            h.ancestors.iter().all(|r| r.id != b.id),
            "{}: an account is not listed among its own ancestors: {:?}",
            t.name,
            h.ancestors
        );
        // Opening the loop is allowed, and the chain reads whole again.
        t.store
            .update_account(&actor(), a.id, parent(top.id))
            .await
            .unwrap();
        let h = t.store.account_hierarchy(leaf.id).await.unwrap();
        let up: Vec<AccountId> = h.ancestors.iter().map(|r| r.id).collect();
        assert_eq!(up, [top.id, a.id, b.id], "{}", t.name);
    }
}
