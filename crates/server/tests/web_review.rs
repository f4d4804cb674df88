//! The review queue of the web UI: listing, accepting a candidate, creating the account and
//! rejecting, on both backends.

mod common;

use abcrm_core::intake::IntakeItem;
use abcrm_core::matching::{MatchConfig, PersonRecord};
use abcrm_core::model::*;
use abcrm_core::AccountId;
use abcrm_store::intake::Intake;
use abcrm_store::{AccountQuery, IntakeQuery, PageRequest};
use common::web::{self, Web};
use reqwest::StatusCode;

fn actor() -> Actor {
    Actor::system("test")
}

fn person(first: &str, last: &str, email: &str, company: &str) -> PersonRecord {
    PersonRecord {
        first_name: Some(first.into()),
        last_name: Some(last.into()),
        email: Some(email.into()),
        company: Some(company.into()),
        title: Some("Head of Operations".into()),
        ..PersonRecord::default()
    }
}

/// An account, and records intake cannot place (personal email, unknown company) sent through
/// the intake service the way the API sends them: their ids, in order.
async fn world(w: &Web) -> (AccountId, Vec<i64>) {
    let acme = w
        .store
        .create_account(
            &actor(),
            NewAccount {
                name: "Acme Corp".into(),
                domains: vec!["acme.com".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id;
    let intake = Intake::new(w.store.clone(), MatchConfig::default());
    let records = [
        person("Jane", "Roe", "jane.roe@gmail.com", "Mystery Co"),
        person("Kim", "Park", "kim.park@yahoo.com", "Nowhere Ltd"),
        person("Lou", "Reed", "lou@hotmail.com", "Velvet Inc"),
    ];
    let items = records
        .into_iter()
        .enumerate()
        .map(|(i, record)| IntakeItem {
            source_key: format!("form-{i}"),
            record,
            hints: Default::default(),
        })
        .collect();
    intake.submit(&actor(), "web-form", items).await.unwrap();
    let waiting = w
        .store
        .list_intake(
            &IntakeQuery {
                outcome: Some(IntakeOutcome::NeedsReview),
                ..IntakeQuery::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
    let ids: Vec<i64> = waiting.items.iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), 3, "{}: every record waits for review", w.name);
    (acme, ids)
}

fn record_ids(page: &str) -> Vec<i64> {
    let table = page.split("id=\"review-table\"").nth(1).unwrap_or("");
    table
        .split("<tr data-record-id=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect()
}

#[tokio::test]
async fn the_queue_lists_waiting_records_and_accept_places_the_person() {
    for w in web::each_backend(Role::Sales).await {
        let (acme, ids) = world(&w).await;
        let page = w.page("/review").await;
        assert_eq!(record_ids(&page), ids, "{}: oldest first", w.name);
        assert!(page.contains("of 3 records waiting"), "{page}");
        assert!(page.contains("Jane Roe") && page.contains("Mystery Co"));
        let page = w.page("/review?order=newest").await;
        let mut newest = ids.clone();
        newest.reverse();
        assert_eq!(record_ids(&page), newest, "{}", w.name);

        let jane = ids[0];
        let page = w.page(&format!("/review/{jane}")).await;
        assert!(page.contains("jane.roe@gmail.com") && page.contains("Head of Operations"));
        assert!(page.contains("id=\"candidates\""));
        assert!(
            page.contains("id=\"name\" name=\"name\" type=\"text\" value=\"Mystery Co\""),
            "the new account's name is prefilled: {page}"
        );
        let record = w.store.get_intake(jane).await.unwrap();
        for c in &record.candidates {
            assert!(page.contains(&format!("data-account-id=\"{}\"", c.account_id)));
        }

        let res = w
            .post(
                &format!("/review/{jane}/accept"),
                &[("account_id", &acme.to_string())],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let to = Web::location(&res);
        assert!(to.starts_with(&format!("/review/{}?done=", ids[1])), "{to}");
        let next = w.page(&to).await;
        assert!(
            next.contains("class=\"notice\"") && next.contains("Placed Jane Roe at Acme Corp"),
            "{next}"
        );

        let record = w.store.get_intake(jane).await.unwrap();
        assert_ne!(record.outcome, IntakeOutcome::NeedsReview);
        assert_eq!(record.account_id, Some(acme));
        let contact = w
            .store
            .get_contact(record.contact_id.unwrap())
            .await
            .unwrap();
        assert_eq!(contact.account_id, acme);
        assert_eq!(contact.first_name.as_deref(), Some("Jane"));
        let page = w.page("/review").await;
        assert_eq!(record_ids(&page), ids[1..].to_vec(), "{}", w.name);

        // A settled record shows its outcome instead of the buttons.
        let page = w.page(&format!("/review/{jane}")).await;
        assert!(page.contains("id=\"outcome\"") && page.contains("Acme Corp"));
        assert!(!page.contains("class=\"accept") && !page.contains("id=\"reject-form\""));
        let res = w
            .post(
                &format!("/review/{jane}/accept"),
                &[("account_id", &acme.to_string())],
            )
            .await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        assert!(res.text().await.unwrap().contains("not waiting for review"));
    }
}

#[tokio::test]
async fn create_account_checks_the_name_and_reject_settles_the_record() {
    for w in web::each_backend(Role::Sales).await {
        let (acme, ids) = world(&w).await;
        let kim = ids[1];
        let res = w
            .post(
                &format!("/review/{kim}/create-account"),
                &[("name", "  "), ("domain", "nowhere.example")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}", w.name);
        let body = res.text().await.unwrap();
        assert!(body.contains("id=\"name-error\""), "{body}");
        assert!(body.contains("aria-describedby=\"name-error\""));
        assert!(
            body.contains("value=\"nowhere.example\""),
            "what was typed stays"
        );

        let res = w
            .post(
                &format!("/review/{kim}/create-account"),
                &[("name", "Nowhere Ltd"), ("domain", "acme.com")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}", w.name);
        let body = res.text().await.unwrap();
        assert!(
            body.contains("id=\"domain-error\"") && body.contains("already belongs"),
            "{body}"
        );

        let res = w
            .post(
                &format!("/review/{kim}/create-account"),
                &[("name", "Nowhere Ltd"), ("domain", "nowhere.example")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let to = Web::location(&res);
        let page = w.page(&to).await;
        assert!(
            page.contains("Created Nowhere Ltd and placed Kim Park there"),
            "{page}"
        );
        let found = w
            .store
            .list_accounts(
                &AccountQuery {
                    domain: Some("nowhere.example".into()),
                    ..AccountQuery::default()
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(found.items.len(), 1);
        assert_ne!(found.items[0].id, acme);
        let record = w.store.get_intake(kim).await.unwrap();
        assert_eq!(record.account_id, Some(found.items[0].id));

        let lou = ids[2];
        let res = w
            .post(&format!("/review/{lou}/reject"), &[("reason", "")])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let to = Web::location(&res);
        assert!(to.starts_with(&format!("/review/{}?done=", ids[0])), "{to}");
        let record = w.store.get_intake(lou).await.unwrap();
        assert_eq!(record.outcome, IntakeOutcome::Rejected);
        let jane = ids[0];
        let res = w
            .post(
                &format!("/review/{jane}/reject"),
                &[("reason", "a test entry")],
            )
            .await;
        let to = Web::location(&res);
        assert_eq!(
            to,
            "/review?done=Rejected+the+record+of+Jane+Roe%3A+a+test+entry"
        );
        let page = w.page(&to).await;
        assert!(record_ids(&page).is_empty());
        assert!(page.contains("Nothing waiting") && page.contains("a test entry"));
        assert!(w
            .store
            .get_intake(jane)
            .await
            .unwrap()
            .resolution
            .unwrap()
            .contains("a test entry"));
    }
}

#[tokio::test]
async fn a_read_only_user_sees_the_queue_but_no_buttons() {
    for w in web::each_backend(Role::ReadOnly).await {
        let (acme, ids) = world(&w).await;
        let page = w.page(&format!("/review/{}", ids[0])).await;
        assert!(!page.contains("class=\"accept") && !page.contains("id=\"create-account-form\""));
        let res = w
            .post(
                &format!("/review/{}/accept", ids[0]),
                &[("account_id", &acme.to_string())],
            )
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{}", w.name);
        assert_eq!(
            w.store.get_intake(ids[0]).await.unwrap().outcome,
            IntakeOutcome::NeedsReview
        );
        let (status, _) = w.get("/review/999999").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn a_person_is_placed_at_any_account_picked_by_name_not_only_a_candidate() {
    for w in web::each_backend(Role::Sales).await {
        let (acme, ids) = world(&w).await;
        let page = w.page(&format!("/review/{}", ids[0])).await;
        assert!(page.contains("id=\"other-account-form\""), "{}", w.name);

        // The picker offers accounts as `Name (#id)` as one types.
        let (status, options) = w.get("/search/account-options?account=acme").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            options.contains(&format!(
                "<option value=\"Acme Corp (#{})\">acme.com</option>",
                acme.0
            )),
            "{}: {options}",
            w.name
        );

        // A name nobody has, then two ways of naming Acme.
        let res = w
            .post(
                &format!("/review/{}/accept", ids[0]),
                &[("account", "Acme Incorporated")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}", w.name);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("no account is named “Acme Incorporated”"));
        let picked = format!("Acme Corp (#{})", acme.0);
        for (id, typed) in [(ids[0], picked.as_str()), (ids[1], "acme corp")] {
            let res = w
                .post(&format!("/review/{id}/accept"), &[("account", typed)])
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}: {typed}", w.name);
            assert_eq!(w.store.get_intake(id).await.unwrap().account_id, Some(acme));
        }
    }
}

#[tokio::test]
async fn the_ticked_people_are_placed_at_one_account_in_one_go() {
    for w in web::each_backend(Role::Sales).await {
        let (acme, ids) = world(&w).await;
        let page = w.page("/review").await;
        assert!(
            page.contains("id=\"review-bulk\""),
            "{}: the bulk form",
            w.name
        );
        assert!(page.contains(&format!("name=\"record_id\" value=\"{}\"", ids[0])));

        // Refused, naming the field: nobody ticked, no account, an account nobody has, a bad id.
        for fields in [
            vec![("account", "Acme Corp")],
            vec![("record_id", &*ids[0].to_string()), ("account", "")],
            vec![("record_id", &*ids[0].to_string()), ("account", "Umbrella")],
            vec![("record_id", "x"), ("account", "Acme Corp")],
        ] {
            let res = w.post("/review/bulk/place", &fields).await;
            assert_eq!(
                res.status(),
                StatusCode::BAD_REQUEST,
                "{}: {fields:?}",
                w.name
            );
        }

        // Two of three, by name; the third stays.
        let (a, b) = (ids[0].to_string(), ids[1].to_string());
        let res = w
            .post(
                "/review/bulk/place",
                &[
                    ("record_id", &a),
                    ("record_id", &b),
                    ("account", "acme corp"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let to = Web::location(&res);
        assert!(
            to.starts_with("/review?done=Placed+2+people+at+Acme+Corp"),
            "{to}"
        );
        for id in &ids[..2] {
            let r = w.store.get_intake(*id).await.unwrap();
            assert_eq!(r.outcome, IntakeOutcome::Created, "{}: #{id}", w.name);
            let contact = w.store.get_contact(r.contact_id.unwrap()).await.unwrap();
            assert_eq!(contact.account_id, acme);
        }
        assert_eq!(record_ids(&w.page("/review").await), vec![ids[2]]);

        // Again with one settled meanwhile: it is named, the other placed.
        let c = ids[2].to_string();
        let res = w
            .post(
                "/review/bulk/place",
                &[
                    ("record_id", &a),
                    ("record_id", &c),
                    ("account", &format!("Acme Corp (#{})", acme.0)),
                ],
            )
            .await;
        let to = Web::location(&res);
        assert!(
            to.contains("Placed+1+person") && to.contains(&format!("%23{a}")),
            "{to}"
        );
        assert!(record_ids(&w.page("/review").await).is_empty());
    }
}
