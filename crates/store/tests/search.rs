//! Global search on both backends: the database's own text index finds records by any part of
//! a name, email or domain, keeps up with every write, and ranks the same way on SQLite and
//! PostgreSQL.

use abcrm_core::model::*;
use abcrm_core::normalize::Email;
use abcrm_core::patch::Patch;
use abcrm_core::search::{SearchHit, SearchKind, SearchQuery};
use abcrm_core::*;
use abcrm_store::testing::{backends, TestStore};
use abcrm_store::*;

fn actor() -> Actor {
    Actor::system("test")
}

async fn account(t: &TestStore, name: &str, domain: &str) -> AccountId {
    let new = NewAccount {
        name: name.into(),
        domains: if domain.is_empty() {
            vec![]
        } else {
            vec![domain.into()]
        },
        ..Default::default()
    };
    t.store.create_account(&actor(), new).await.unwrap().id
}

async fn contact(t: &TestStore, at: AccountId, first: &str, last: &str, email: &str) -> ContactId {
    let mut c = NewContact::at(at);
    c.first_name = Some(first.into());
    c.last_name = Some(last.into());
    c.email = Some(Email::parse(email).unwrap());
    t.store.create_contact(&actor(), c).await.unwrap().id
}

async fn search(t: &TestStore, text: &str) -> Vec<SearchHit> {
    let q = SearchQuery::parse(text).unwrap();
    t.store.search(&q, 10).await.unwrap()
}

fn names(hits: &[SearchHit], kind: SearchKind) -> Vec<String> {
    hits.iter()
        .filter(|h| h.kind == kind)
        .map(|h| h.name.clone())
        .collect()
}

#[tokio::test]
async fn records_are_found_by_any_part_of_their_names_emails_and_domains() {
    for t in backends().await {
        let acme = account(&t, "Acme", "acme.com").await;
        account(&t, "Acme Holdings", "acmeholdings.com").await;
        let initech = account(&t, "Initech", "initech.io").await;
        account(&t, "Microsoft", "microsoft.com").await;
        contact(&t, acme, "Jane", "Roe", "jane.roe@acme.com").await;
        contact(&t, initech, "Jane", "Doe", "jd@initech.io").await;
        contact(&t, initech, "Peter", "Gibbons", "peter@initech.io").await;
        let opp = NewOpportunity {
            account_id: acme,
            name: "Platform renewal 2027".into(),
            stage: None,
            amount: None,
            close_date: None,
            source_campaign_id: None,
            owner_id: None,
            contact_roles: vec![],
            created_at: None,
        };
        t.store.create_opportunity(&actor(), opp).await.unwrap();

        let hits = search(&t, "acme").await;
        assert_eq!(
            names(&hits, SearchKind::Account),
            ["Acme", "Acme Holdings"],
            "{}",
            t.name
        );
        // People at Acme are found by their company; the opportunity by its account.
        assert_eq!(
            names(&hits, SearchKind::Contact),
            ["Jane Roe"],
            "{}",
            t.name
        );
        assert_eq!(
            names(&hits, SearchKind::Opportunity),
            ["Platform renewal 2027"],
            "{}",
            t.name
        );
        assert_eq!(hits[0].detail, "acme.com");

        // A name and a company narrow to the one person.
        let hits = search(&t, "jane initech").await;
        assert_eq!(
            names(&hits, SearchKind::Contact),
            ["Jane Doe"],
            "{}",
            t.name
        );
        assert!(names(&hits, SearchKind::Account).is_empty(), "{}", t.name);

        // Part of an email, part of a domain, any case.
        assert_eq!(
            names(&search(&t, "GIBBONS").await, SearchKind::Contact),
            ["Peter Gibbons"]
        );
        assert_eq!(
            names(&search(&t, "initech.io").await, SearchKind::Account),
            ["Initech"]
        );
        assert_eq!(
            names(&search(&t, "renewal").await, SearchKind::Opportunity),
            ["Platform renewal 2027"]
        );

        // A slip of the finger in a long word.
        assert_eq!(
            names(&search(&t, "microsfot").await, SearchKind::Account),
            ["Microsoft"],
            "{}",
            t.name
        );
        assert!(search(&t, "zzzqqq").await.is_empty());
    }
}

#[tokio::test]
async fn the_index_keeps_up_with_renames_new_domains_moves_and_deletes() {
    for t in backends().await {
        let a = account(&t, "Globex", "globex.com").await;
        let b = account(&t, "Hooli", "").await;
        let c = contact(&t, a, "Hank", "Scorpio", "hank@globex.com").await;

        let patch = AccountPatch {
            name: Patch::Set("Globex Corporation".into()),
            domains: Patch::Set(vec!["globexcorp.example".into()]),
            ..Default::default()
        };
        t.store.update_account(&actor(), a, patch).await.unwrap();
        assert_eq!(
            names(&search(&t, "corporation").await, SearchKind::Account),
            ["Globex Corporation"]
        );
        // The people of a renamed account are found by its new name.
        assert_eq!(
            names(&search(&t, "hank corporation").await, SearchKind::Contact),
            ["Hank Scorpio"],
            "{}",
            t.name
        );
        assert_eq!(
            names(&search(&t, "globexcorp").await, SearchKind::Account),
            ["Globex Corporation"]
        );
        let hits = search(&t, "globex.com").await;
        assert!(
            names(&hits, SearchKind::Account).is_empty(),
            "{}: {hits:?}",
            t.name
        );

        let patch = ContactPatch {
            last_name: Patch::Set("Simpson".into()),
            account_id: Patch::Set(b),
            ..Default::default()
        };
        t.store.update_contact(&actor(), c, patch).await.unwrap();
        assert!(search(&t, "scorpio").await.is_empty(), "{}", t.name);
        let hits = search(&t, "simpson").await;
        assert_eq!(hits[0].company, "Hooli", "{}", t.name);
        assert_eq!(
            names(&search(&t, "hank hooli").await, SearchKind::Contact),
            ["Hank Simpson"]
        );

        t.store.delete_contact(&actor(), c).await.unwrap();
        assert!(search(&t, "simpson").await.is_empty(), "{}", t.name);
        t.store
            .delete_account(&actor(), b, OnDependents::Refuse)
            .await
            .unwrap();
        assert!(search(&t, "hooli").await.is_empty(), "{}", t.name);
    }
}

#[tokio::test]
async fn each_kind_answers_at_most_the_limit_best_first() {
    for t in backends().await {
        for i in 0..30 {
            account(&t, &format!("Umbrella {i:02}"), "").await;
        }
        account(&t, "Umbrella", "umbrella.com").await;
        let q = SearchQuery::parse("umbrella").unwrap();
        let hits = t.store.search(&q, 5).await.unwrap();
        assert_eq!(hits.len(), 5, "{}", t.name);
        assert_eq!(hits[0].name, "Umbrella", "{}", t.name);
        assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    }
}
