//! Adding a person under an account and editing one on its page, on both backends: the store
//! gets what was typed, and a refused value comes back beside its field with nothing lost.

mod common;

use abcrm_core::model::*;
use abcrm_core::normalize::Email;
use abcrm_core::AccountId;
use common::web::{self, Web};
use reqwest::StatusCode;

async fn initech(w: &Web) -> AccountId {
    w.store
        .create_account(
            &Actor::system("test"),
            NewAccount {
                name: "Initech".into(),
                domains: vec!["initech.example".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn a_person_added_under_an_account_closes_its_economic_buyer_gap() {
    for w in web::each_backend(Role::Sales).await {
        let account = initech(&w).await;
        let a360 = format!("/accounts/{}", account.0);
        let before = w.page(&a360).await;
        assert!(
            before.contains("data-gap=\"no-economic-buyer\""),
            "{}",
            w.name
        );
        assert!(before.contains(&format!("href=\"{a360}/contacts/new\"")));
        let form = w.page(&format!("{a360}/contacts/new")).await;
        assert!(form.contains("id=\"contact-form\""), "{}: {form}", w.name);

        let res = w
            .post(
                &format!("{a360}/contacts"),
                &[
                    ("first_name", "Bill"),
                    ("last_name", "Lumbergh"),
                    ("email", " Bill.Lumbergh@Initech.example "),
                    ("title", "Vice President, Finance"),
                    ("buying_role", "economic_buyer"),
                    ("seniority", ""),
                    ("status", "active"),
                    ("owner_id", &w.user.to_string()),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let to = Web::location(&res);
        let id: i64 = to
            .trim_start_matches("/contacts/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|_| panic!("{to}"));
        let bill = w
            .store
            .get_contact(abcrm_core::ContactId(id))
            .await
            .unwrap();
        assert_eq!(bill.account_id, account);
        assert_eq!(
            bill.email,
            Some(Email::parse("bill.lumbergh@initech.example").unwrap())
        );
        assert_eq!(bill.buying_role, Some(BuyingRole::EconomicBuyer));
        assert_eq!(bill.seniority, Some(Seniority::Vp), "read from the title");
        assert_eq!(bill.owner_id.map(|u| u.0), Some(w.user));
        assert!(w.page(&to).await.contains("Added Bill Lumbergh"));
        let after = w.page(&a360).await;
        assert!(
            !after.contains("data-gap=\"no-economic-buyer\""),
            "{}",
            w.name
        );

        // The same email again, a bad one, a role that is not one: each beside its field, and
        // what was typed comes back.
        for (email, role, field) in [
            ("bill.lumbergh@initech.example", "champion", "email"),
            ("bill@", "champion", "email"),
            ("milton@initech.example", "stapler", "buying_role"),
        ] {
            let res = w
                .post(
                    &format!("{a360}/contacts"),
                    &[
                        ("first_name", "Milton"),
                        ("email", email),
                        ("buying_role", role),
                    ],
                )
                .await;
            assert_eq!(
                res.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}: {email}",
                w.name
            );
            let body = res.text().await.unwrap();
            assert!(
                body.contains(&format!("id=\"cf-{field}-error\"")),
                "{}: {email}: {body}",
                w.name
            );
            assert!(body.contains("value=\"Milton\""), "{email}");
        }
        assert_eq!(w.store.counts().await.unwrap().contacts, 1, "{}", w.name);
        // Nobody at all.
        let res = w
            .post(&format!("{a360}/contacts"), &[("title", "CFO")])
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // No account, no contact.
        let res = w
            .post("/accounts/999999/contacts", &[("first_name", "Ghost")])
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn a_contact_is_edited_on_its_page_and_a_refused_edit_keeps_the_stored_values() {
    for w in web::each_backend(Role::Sales).await {
        let account = initech(&w).await;
        let mut new = NewContact::at(account);
        new.first_name = Some("Peter".into());
        new.last_name = Some("Gibbons".into());
        new.email = Some(Email::parse("peter@initech.example").unwrap());
        new.title = Some("Engineer".into());
        let peter = w
            .store
            .create_contact(&Actor::system("test"), new)
            .await
            .unwrap();
        let path = format!("/contacts/{}", peter.id.0);
        let page = w.page(&path).await;
        assert!(page.contains("id=\"contact-edit\""), "{}", w.name);
        assert!(page.contains("value=\"peter@initech.example\""));

        let res = w
            .post(
                &path,
                &[
                    ("first_name", "Peter"),
                    ("last_name", "Gibbons"),
                    ("email", "peter@initech.example"),
                    ("phone", ""),
                    ("title", "Team Lead"),
                    ("buying_role", "champion"),
                    ("seniority", "manager"),
                    ("status", "active"),
                    ("owner_id", &w.user.to_string()),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let saved = w.store.get_contact(peter.id).await.unwrap();
        assert_eq!(saved.buying_role, Some(BuyingRole::Champion));
        assert_eq!(saved.seniority, Some(Seniority::Manager));
        assert_eq!(saved.title.as_deref(), Some("Team Lead"));
        assert_eq!(saved.owner_id.map(|u| u.0), Some(w.user));
        // The audit trail has the edit.
        let audit = w
            .store
            .list_audit(
                &abcrm_store::AuditQuery {
                    entity: Some("contact".into()),
                    entity_id: Some(peter.id.0),
                },
                abcrm_store::PageRequest {
                    after: None,
                    limit: 10,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            audit.items.iter().filter(|e| e.action == "update").count(),
            1,
            "{}",
            w.name
        );
        // The page shows its history with what changed.
        let page = w.page(&path).await;
        let trail = page.split("id=\"audit-trail\"").nth(1).expect("a history");
        assert!(
            trail.contains("buying role: — → champion"),
            "{}: {trail}",
            w.name
        );

        // A mistyped email and a bad status: the form comes back open with both marked, and
        // the stored contact keeps its email.
        let res = w
            .post(
                &path,
                &[
                    ("first_name", "Peter"),
                    ("email", "peter@"),
                    ("status", "retired"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}", w.name);
        let body = res.text().await.unwrap();
        assert!(body.contains("id=\"cf-email-error\""), "{body}");
        assert!(body.contains("id=\"cf-status-error\""), "{body}");
        assert!(body.contains("value=\"peter@\""));
        assert!(body.contains("id=\"contact-edit\" open"));
        let kept = w.store.get_contact(peter.id).await.unwrap();
        assert_eq!(kept.email, saved.email);
        assert_eq!(kept.status, ContactStatus::Active);
    }
}

#[tokio::test]
async fn a_read_only_user_can_neither_add_nor_edit_people() {
    for w in web::each_backend(Role::ReadOnly).await {
        let account = initech(&w).await;
        let a360 = format!("/accounts/{}", account.0);
        assert!(
            !w.page(&a360).await.contains("id=\"add-contact\""),
            "{}",
            w.name
        );
        assert_eq!(
            w.get(&format!("{a360}/contacts/new")).await.0,
            StatusCode::FORBIDDEN
        );
        let res = w
            .post(&format!("{a360}/contacts"), &[("first_name", "Milton")])
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert_eq!(w.store.counts().await.unwrap().contacts, 0);
    }
}
