//! Segment filters compiled to SQL: the same rows on SQLite and on PostgreSQL.

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

struct World {
    acme: AccountId,
    acme_eu: AccountId,
    zeta: AccountId,
    ann: ContactId,
    bob: ContactId,
    cyd: ContactId,
}

async fn world(t: &TestStore) -> World {
    let s = &t.store;
    let account =
        |name: &str, state: Option<&str>, industry: Option<&str>, rel, parent| NewAccount {
            name: name.into(),
            state: state.map(Into::into),
            industry: industry.map(Into::into),
            relationship: Some(rel),
            parent_id: parent,
            country: Some("US".into()),
            ..Default::default()
        };
    let acme = s
        .create_account(
            &actor(),
            account(
                "Acme",
                Some("CA"),
                Some("Software"),
                Relationship::Prospect,
                None,
            ),
        )
        .await
        .unwrap()
        .id;
    let acme_eu = s
        .create_account(
            &actor(),
            account(
                "Acme EU",
                None,
                Some("Software"),
                Relationship::Customer,
                Some(acme),
            ),
        )
        .await
        .unwrap()
        .id;
    let zeta = s
        .create_account(
            &actor(),
            account("Zeta", Some("ca"), None, Relationship::Prospect, None),
        )
        .await
        .unwrap()
        .id;
    let contact = |a: AccountId, mail: &str, title: &str| {
        let mut c = NewContact::at(a);
        c.email = Some(Email::parse(mail).unwrap());
        c.title = Some(title.into());
        c
    };
    let ann = s
        .create_contact(
            &actor(),
            contact(acme, "ann@acme.com", "Director of Marketing"),
        )
        .await
        .unwrap()
        .id;
    let bob = s
        .create_contact(
            &actor(),
            contact(acme_eu, "bob@acme.eu", "Marketing Manager"),
        )
        .await
        .unwrap()
        .id;
    let cyd = s
        .create_contact(&actor(), contact(zeta, "cyd@zeta.io", "VP Sales"))
        .await
        .unwrap()
        .id;
    s.create_activity(
        &actor(),
        NewActivity {
            account_id: None,
            contact_id: Some(ann),
            body: None,
            kind: ActivityKind::Webinar,
            subject: Some("Q3 webinar".into()),
            occurred_at: Some(chrono::Utc::now() - chrono::Duration::days(10)),
            campaign_id: None,
            opportunity_id: None,
        },
    )
    .await
    .unwrap();
    s.create_opportunity(
        &actor(),
        NewOpportunity {
            account_id: zeta,
            name: "Zeta deal".into(),
            stage: Some(OpportunityStage::Negotiation),
            amount: Some(50_000.0),
            close_date: None,
            source_campaign_id: None,
            owner_id: None,
            contact_roles: vec![],
            created_at: None,
        },
    )
    .await
    .unwrap();
    World {
        acme,
        acme_eu,
        zeta,
        ann,
        bob,
        cyd,
    }
}

async fn contacts(t: &TestStore, filter: &str) -> Vec<ContactId> {
    let checked = check(&parse(filter).unwrap(), Target::Contacts).unwrap();
    let today = chrono::Utc::now().date_naive();
    let page = t
        .store
        .segment_contacts(&checked, today, PageRequest::default())
        .await
        .unwrap();
    page.items.iter().map(|c| c.id).collect()
}

async fn accounts(t: &TestStore, filter: &str) -> Vec<AccountId> {
    let checked = check(&parse(filter).unwrap(), Target::Accounts).unwrap();
    // Years ahead: every account was created more than a year before "today".
    let today = NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
    let page = t
        .store
        .segment_accounts(&checked, today, PageRequest::default())
        .await
        .unwrap();
    page.items.iter().map(|a| a.id).collect()
}

#[tokio::test]
async fn filters_select_the_same_rows_on_both_backends() {
    for t in backends().await {
        let w = world(&t).await;
        let n = t.name;
        // The design's seed question.
        assert_eq!(
            contacts(&t, r#"contact.seniority in ("manager", "director") and account.state = "CA" and account.industry = "Software" and account.relationship != "customer""#).await,
            [w.ann],
            "{n}"
        );
        assert_eq!(
            contacts(&t, r#"contact.seniority >= "director""#).await,
            [w.ann, w.cyd],
            "{n}"
        );
        assert_eq!(
            contacts(&t, r#"account.state = "ca""#).await,
            [w.ann, w.cyd],
            "{n}: text ignores case"
        );
        assert_eq!(
            contacts(&t, r#"not account.state = "CA""#).await,
            [w.bob],
            "{n}: no state is not CA"
        );
        assert_eq!(
            contacts(&t, r#"account.parent.name = "Acme""#).await,
            [w.bob],
            "{n}"
        );
        assert_eq!(
            contacts(&t, r#"account.ultimate_parent.name = "Acme""#).await,
            [w.ann, w.bob],
            "{n}"
        );
        assert_eq!(
            contacts(
                &t,
                r#"has activity where kind = "webinar" and occurred_at > -30d"#
            )
            .await,
            [w.ann],
            "{n}"
        );
        assert_eq!(
            contacts(&t, "contact.last_activity_at > -30d").await,
            [w.ann],
            "{n}: engaged lately"
        );
        assert_eq!(
            accounts(&t, "has contact where last_activity_at is empty").await,
            [w.acme_eu, w.zeta],
            "{n}: accounts with someone never engaged"
        );
        assert_eq!(
            contacts(&t, r#"has activity where occurred_at > -5d"#).await,
            Vec::<ContactId>::new(),
            "{n}"
        );
        assert_eq!(
            contacts(
                &t,
                r#"contact.title contains "market" and not contact.email starts with "ann""#
            )
            .await,
            [w.bob],
            "{n}"
        );
        assert_eq!(
            contacts(&t, "account.industry is empty").await,
            [w.cyd],
            "{n}"
        );
        assert_eq!(
            accounts(
                &t,
                r#"has opportunity where stage = "negotiation" and amount >= 10000"#
            )
            .await,
            [w.zeta],
            "{n}"
        );
        assert_eq!(
            accounts(&t, r#"not has contact where seniority >= "director""#).await,
            [w.acme_eu],
            "{n}"
        );
        assert_eq!(
            accounts(
                &t,
                r#"account.created_at > -1y or account.relationship in ("customer")"#
            )
            .await,
            [w.acme_eu],
            "{n}"
        );
        assert_eq!(
            accounts(&t, r#"account.name not in ("Acme", "Zeta")"#).await,
            [w.acme_eu],
            "{n}"
        );
        let _ = w.acme;
    }
}

#[tokio::test]
async fn saved_segments_run_count_and_export() {
    use abcrm_core::export::ColumnStyle;
    use abcrm_store::segments::Export;
    for t in backends().await {
        let w = world(&t).await;
        let n = t.name;
        let s = &t.store;
        let saved = s
            .create_segment(
                &actor(),
                NewSegment {
                    name: "Directors and up".into(),
                    target: None,
                    expression: r#"contact.seniority >= "director""#.into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(saved.target, SegmentTarget::Contact, "{n}");
        let again = s
            .create_segment(
                &actor(),
                NewSegment {
                    name: "directors AND UP".into(),
                    target: None,
                    expression: "contact.title is empty".into(),
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(again, StoreError::Conflict { .. }), "{n}: {again}");
        let bad = s
            .create_segment(
                &actor(),
                NewSegment {
                    name: "Bad".into(),
                    target: None,
                    expression: r#"contact.senority = "vp""#.into(),
                },
            )
            .await
            .unwrap_err();
        assert!(bad.to_string().contains("contact.seniority"), "{n}: {bad}");

        let found = s.find_segment(" directors and up ").await.unwrap().unwrap();
        assert_eq!(found.id, saved.id, "{n}");
        let today = chrono::Utc::now().date_naive();
        let checked = found.checked().unwrap();
        assert_eq!(
            s.segment_count(&checked, Target::Contacts, today)
                .await
                .unwrap(),
            2,
            "{n}"
        );

        let mut export = Export::new(s.clone(), checked, found.target, today);
        assert_eq!(export.header(ColumnStyle::Salesforce)[1], "FirstName");
        let mut rows = Vec::new();
        while let Some(page) = export.next_rows().await.unwrap() {
            rows.extend(page);
        }
        assert_eq!(rows.len(), 2, "{n}");
        assert_eq!(rows[0][0], w.ann.to_string(), "{n}");
        assert_eq!(rows[0][12], "Acme", "{n}: the account's name rides along");
        assert_eq!(rows[1][0], w.cyd.to_string(), "{n}");

        let updated = s
            .update_segment(
                &actor(),
                saved.id,
                SegmentPatch {
                    target: abcrm_core::patch::Patch::Set(SegmentTarget::Account),
                    expression: abcrm_core::patch::Patch::Set(
                        r#"not has contact where seniority >= "director""#.into(),
                    ),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            s.segment_count(&updated.checked().unwrap(), Target::Accounts, today)
                .await
                .unwrap(),
            1,
            "{n}"
        );
        assert_eq!(
            s.get_accounts(&[w.zeta, AccountId(999_999), w.acme])
                .await
                .unwrap()
                .iter()
                .map(|a| a.id)
                .collect::<Vec<_>>(),
            [w.zeta, w.acme],
            "{n}"
        );
        assert_eq!(
            s.list_segments(PageRequest::default())
                .await
                .unwrap()
                .items
                .len(),
            1,
            "{n}"
        );
        s.delete_segment(&actor(), saved.id).await.unwrap();
        assert!(s.find_segment("Directors and up").await.unwrap().is_none());
    }
}

/// A place is found however it was typed: `California` and `CA`, `USA` and `United States`.
#[tokio::test]
async fn a_state_or_country_matches_every_spelling_on_both_backends() {
    for t in backends().await {
        let n = t.name;
        let made = |name: &str, state: &str, country: &str| NewAccount {
            name: name.into(),
            state: Some(state.into()),
            country: Some(country.into()),
            ..Default::default()
        };
        let mut ids = Vec::new();
        for (name, state, country) in [
            ("Typed code", "CA", "US"),
            ("Typed name", "California", "USA"),
            ("Elsewhere", "NY", "United States"),
            ("Abroad", "Bavaria", "Deutschland"),
        ] {
            ids.push(
                t.store
                    .create_account(&actor(), made(name, state, country))
                    .await
                    .unwrap()
                    .id,
            );
        }
        assert_eq!(
            accounts(&t, r#"account.state = "CA""#).await,
            [ids[0], ids[1]],
            "{n}"
        );
        assert_eq!(
            accounts(&t, r#"account.state = "california""#).await,
            [ids[0], ids[1]],
            "{n}"
        );
        assert_eq!(
            accounts(&t, r#"account.state != "California""#).await,
            [ids[2], ids[3]],
            "{n}"
        );
        assert_eq!(
            accounts(&t, r#"account.country = "US""#).await,
            [ids[0], ids[1], ids[2]],
            "{n}"
        );
        assert_eq!(
            accounts(&t, r#"account.country in ("Germany")"#).await,
            [ids[3]],
            "{n}"
        );
    }
}

#[tokio::test]
async fn scores_and_assets_are_filterable_on_both_backends() {
    for t in backends().await {
        let s = &t.store;
        let n = t.name;
        let today = chrono::Utc::now().date_naive();
        let run = |target: Target, filter: &str| {
            let checked = check(&parse(filter).unwrap(), target).unwrap();
            let store = s.clone();
            async move {
                match target {
                    Target::Accounts => store
                        .segment_accounts(&checked, today, PageRequest::default())
                        .await
                        .unwrap()
                        .items
                        .iter()
                        .map(|a| a.id.0)
                        .collect::<Vec<i64>>(),
                    Target::Contacts => store
                        .segment_contacts(&checked, today, PageRequest::default())
                        .await
                        .unwrap()
                        .items
                        .iter()
                        .map(|c| c.id.0)
                        .collect(),
                }
            }
        };
        let account = |name: &str| NewAccount {
            name: name.into(),
            ..Default::default()
        };
        let soon = s
            .create_account(&actor(), account("Renews Soon"))
            .await
            .unwrap()
            .id;
        let later = s
            .create_account(&actor(), account("Renews Later"))
            .await
            .unwrap()
            .id;
        for (a, days) in [(soon, 30), (later, 200)] {
            s.create_asset(
                &actor(),
                NewAsset {
                    account_id: a,
                    product: "Platform".into(),
                    quantity: 1,
                    annual_value: Some(1000.0),
                    purchased_on: None,
                    renews_on: Some(today + chrono::Duration::days(days)),
                },
            )
            .await
            .unwrap();
        }
        assert_eq!(
            run(Target::Accounts, "has asset where renews_on < +90d").await,
            [soon.0],
            "{n}"
        );
        assert_eq!(
            run(
                Target::Accounts,
                r#"has asset where product = "platform" and annual_value >= 1000"#
            )
            .await,
            [soon.0, later.0],
            "{n}"
        );
        // The shipped model gives a director 10 points of fit; nobody scores a person without one.
        let mut director = NewContact::at(soon);
        director.email = Some(Email::parse("dir@soon.com").unwrap());
        director.seniority = Some(Seniority::Director);
        let director = s.create_contact(&actor(), director).await.unwrap().id;
        let mut ic = NewContact::at(later);
        ic.email = Some(Email::parse("ic@later.com").unwrap());
        ic.seniority = Some(Seniority::IndividualContributor);
        s.create_contact(&actor(), ic).await.unwrap();
        s.recompute_scores(&actor(), chrono::Utc::now(), &|_| {})
            .await
            .unwrap();
        assert_eq!(
            run(Target::Contacts, "contact.score >= 10").await,
            [director.0],
            "{n}"
        );
        assert_eq!(
            run(Target::Accounts, "account.score >= 10").await,
            [soon.0],
            "{n}"
        );
        assert_eq!(
            run(
                Target::Contacts,
                "account.score >= 10 and has asset where renews_on < +90d"
            )
            .await,
            [director.0],
            "{n}"
        );
    }
}

#[tokio::test]
async fn countries_and_states_are_kept_as_iso_codes() {
    for t in backends().await {
        let s = &t.store;
        let n = t.name;
        let a = s
            .create_account(
                &actor(),
                NewAccount {
                    name: "Munich Motors".into(),
                    country: Some("Deutschland".into()),
                    state: Some("Bavaria".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (a.country.as_deref(), a.state.as_deref()),
            (Some("DE"), Some("BY")),
            "{n}"
        );
        let moved = s
            .update_account(
                &actor(),
                a.id,
                AccountPatch {
                    country: abcrm_core::patch::Patch::Set("United States".into()),
                    state: abcrm_core::patch::Patch::Set("california".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (moved.country.as_deref(), moved.state.as_deref()),
            (Some("US"), Some("CA")),
            "{n}"
        );
        // Whatever was typed, the filter finds it by any spelling.
        assert_eq!(
            accounts(&t, r#"account.state = "California""#).await,
            [a.id],
            "{n}"
        );
    }
}
