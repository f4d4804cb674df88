//! The store methods behind the contact and review pages, on both backends.

use abcrm_core::intake::IntakeItem;
use abcrm_core::matching::{MatchConfig, PersonRecord};
use abcrm_core::model::*;
use abcrm_core::normalize::Email;
use abcrm_core::*;
use abcrm_store::intake::Intake;
use abcrm_store::testing::backends;
use abcrm_store::*;

fn actor() -> Actor {
    Actor::system("test")
}

#[tokio::test]
async fn contact_counts_last_activities_opportunities_and_users() {
    for t in backends().await {
        let s = &t.store;
        let acme = s
            .create_account(
                &actor(),
                NewAccount {
                    name: "Acme".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .id;
        let mut ids = Vec::new();
        for (first, email) in [
            ("Ann", "ann@acme.com"),
            ("Bob", "bob@acme.com"),
            ("Annika", "nika@acme.com"),
        ] {
            let mut c = NewContact::at(acme);
            c.first_name = Some(first.into());
            c.email = Some(Email::parse(email).unwrap());
            ids.push(s.create_contact(&actor(), c).await.unwrap().id);
        }
        let q = ContactQuery {
            search: Some("ann".into()),
            ..ContactQuery::default()
        };
        assert_eq!(s.count_contacts(&q).await.unwrap(), 2, "{}", t.name);
        assert_eq!(s.count_contacts(&ContactQuery::default()).await.unwrap(), 3);
        let listed = s.list_contacts(&q, PageRequest::default()).await.unwrap();
        assert_eq!(listed.items.len(), 2, "the list and its count agree");

        let at: chrono::DateTime<chrono::Utc> = "2026-01-05T08:00:00Z".parse().unwrap();
        for when in [at - chrono::Duration::days(3), at] {
            s.create_activity(
                &actor(),
                NewActivity {
                    account_id: None,
                    contact_id: Some(ids[0]),
                    body: None,
                    kind: ActivityKind::Call,
                    subject: None,
                    occurred_at: Some(when),
                    campaign_id: None,
                    opportunity_id: None,
                },
            )
            .await
            .unwrap();
        }
        let last = s.contacts_last_activity(&ids).await.unwrap();
        assert_eq!(last.get(&ids[0]), Some(&at), "{}", t.name);
        assert!(!last.contains_key(&ids[1]));

        let opp = |name: &str, roles: Vec<ContactRole>| NewOpportunity {
            account_id: acme,
            name: name.into(),
            stage: None,
            amount: None,
            close_date: None,
            source_campaign_id: None,
            owner_id: None,
            contact_roles: roles,
            created_at: None,
        };
        let role = |c, r| ContactRole {
            contact_id: c,
            role: r,
            is_primary: false,
        };
        let first = s
            .create_opportunity(
                &actor(),
                opp(
                    "First",
                    vec![
                        role(ids[0], BuyingRole::Champion),
                        role(ids[1], BuyingRole::User),
                    ],
                ),
            )
            .await
            .unwrap();
        s.create_opportunity(&actor(), opp("Other", vec![role(ids[1], BuyingRole::User)]))
            .await
            .unwrap();
        let of_ann = s.contact_opportunities(ids[0]).await.unwrap();
        assert_eq!(of_ann.len(), 1, "{}", t.name);
        assert_eq!(of_ann[0].id, first.id);
        assert_eq!(of_ann[0].contact_roles.len(), 2, "with all its roles");
        assert_eq!(s.contact_opportunities(ids[1]).await.unwrap().len(), 2);
        assert!(matches!(
            s.contact_opportunities(ContactId(999_999)).await,
            Err(StoreError::NotFound { .. })
        ));

        let user = s
            .create_user(
                &actor(),
                NewUser {
                    email: Email::parse("rep@example.com").unwrap(),
                    name: "Rep".into(),
                    role: Role::Sales,
                },
            )
            .await
            .unwrap();
        let users = s
            .get_users(&[user.id, UserId(999_999), user.id])
            .await
            .unwrap();
        assert_eq!(users.len(), 1, "{}", t.name);
        assert_eq!(users[0].name, "Rep");
    }
}

#[tokio::test]
async fn the_review_queue_counts_and_lists_newest_first() {
    for t in backends().await {
        let s = &t.store;
        let intake = Intake::new(s.clone(), MatchConfig::default());
        let items = (0..3)
            .map(|i| IntakeItem {
                source_key: format!("k{i}"),
                record: PersonRecord {
                    first_name: Some(format!("P{i}")),
                    email: Some(format!("p{i}@gmail.com")),
                    company: Some(format!("Unknown {i}")),
                    ..PersonRecord::default()
                },
                hints: Default::default(),
            })
            .collect();
        intake.submit(&actor(), "test", items).await.unwrap();
        let q = IntakeQuery {
            outcome: Some(IntakeOutcome::NeedsReview),
            hide_duplicates: true,
            ..IntakeQuery::default()
        };
        assert_eq!(s.count_intake(&q).await.unwrap(), 3, "{}", t.name);
        let oldest = s.list_intake(&q, PageRequest::default()).await.unwrap();
        let mut ids: Vec<i64> = oldest.items.iter().map(|r| r.id).collect();
        ids.reverse();
        let first = s
            .list_intake_newest(
                &q,
                PageRequest {
                    after: None,
                    limit: 2,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            first.items.iter().map(|r| r.id).collect::<Vec<_>>(),
            ids[..2].to_vec(),
            "{}",
            t.name
        );
        let rest = s
            .list_intake_newest(
                &q,
                PageRequest {
                    after: first.next_after,
                    limit: 2,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            rest.items.iter().map(|r| r.id).collect::<Vec<_>>(),
            ids[2..].to_vec()
        );
        assert_eq!(rest.next_after, None);
        s.resolve_review(&actor(), ids[0], Resolution::Reject("spam".into()))
            .await
            .unwrap();
        assert_eq!(s.count_intake(&q).await.unwrap(), 2);
    }
}
