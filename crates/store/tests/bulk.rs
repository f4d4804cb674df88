//! Bulk writes (contacts, activities, campaign members): multi-row inserts that keep every rule
//! of the one-by-one path, on SQLite and on PostgreSQL alike.

use abcrm_core::model::*;
use abcrm_core::normalize::Email;
use abcrm_core::*;
use abcrm_store::testing::{backends, TestStore};
use abcrm_store::*;

fn actor() -> Actor {
    Actor::system("test")
}

fn email(s: &str) -> Email {
    Email::parse(s).unwrap()
}

async fn account(t: &TestStore, name: &str) -> AccountId {
    t.store
        .create_account(
            &actor(),
            NewAccount {
                name: name.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id
}

fn person(account: AccountId, mail: &str) -> NewContact {
    let mut c = NewContact::at(account);
    c.email = Some(email(mail));
    c.first_name = Some("Pat".into());
    c
}

fn activity(contact: ContactId) -> NewActivity {
    NewActivity {
        account_id: None,
        contact_id: Some(contact),
        body: None,
        kind: ActivityKind::Email,
        subject: Some("hello".into()),
        occurred_at: None,
        campaign_id: None,
        opportunity_id: None,
    }
}

fn field_of(e: &StoreError) -> Vec<String> {
    match e {
        StoreError::Invalid(v) => v.0.iter().map(|x| x.field.clone()).collect(),
        StoreError::Conflict { field, .. } => field.iter().cloned().collect(),
        other => panic!("expected a field error, got {other:?}"),
    }
}

/// A record as the audit log keeps it: without its null fields.
fn without_nulls<T: serde::Serialize>(v: &T) -> serde_json::Value {
    let mut value = serde_json::to_value(v).unwrap();
    value.as_object_mut().unwrap().retain(|_, v| !v.is_null());
    value
}

/// More rows than one multi-row INSERT takes, so the batch spans several.
const MANY: usize = 2_500;

#[tokio::test]
async fn bulk_contacts_come_back_in_input_order_each_with_an_audit_row() {
    for t in backends().await {
        let (a, b) = (account(&t, "Acme").await, account(&t, "Zeta").await);
        let rows: Vec<NewContact> = (0..MANY)
            .map(|i| person(if i % 3 == 0 { b } else { a }, &format!("p{i}@example.com")))
            .collect();
        let ids = t.store.create_contacts(&actor(), rows).await.unwrap();

        assert_eq!(ids.len(), MANY, "{}", t.name);
        for i in [0, 999, 1_000, 1_777, MANY - 1] {
            let c = t.store.get_contact(ids[i]).await.unwrap();
            assert_eq!(
                c.email.as_ref().unwrap().as_str(),
                format!("p{i}@example.com"),
                "{}: row {i}",
                t.name
            );
            assert_eq!(c.account_id, if i % 3 == 0 { b } else { a }, "{}", t.name);
            let audit = t
                .store
                .list_audit(
                    &AuditQuery {
                        entity: Some("contact".into()),
                        entity_id: Some(ids[i].0),
                    },
                    PageRequest::default(),
                )
                .await
                .unwrap();
            assert_eq!(audit.items.len(), 1, "{}: row {i}", t.name);
            assert_eq!(audit.items[0].action, "create", "{}", t.name);
            assert_eq!(
                audit.items[0].after,
                Some(without_nulls(&c)),
                "{}: the audit row records the contact as stored",
                t.name
            );
        }
        let counts = t.store.counts().await.unwrap();
        assert_eq!(counts.contacts, MANY as i64, "{}", t.name);
        // Two accounts, their first stage, and a row per contact.
        assert_eq!(counts.audit_log, 2 + MANY as i64, "{}", t.name);
    }
}

#[tokio::test]
async fn an_email_twice_in_one_batch_is_refused_naming_the_later_row() {
    for t in backends().await {
        let a = account(&t, "Acme").await;
        let mut rows: Vec<NewContact> = (0..MANY)
            .map(|i| person(a, &format!("p{i}@example.com")))
            .collect();
        // In another INSERT than the row it repeats, and differently cased.
        rows[2_100].email = Some(email("P3@Example.com"));
        let err = t.store.create_contacts(&actor(), rows).await.unwrap_err();
        assert_eq!(field_of(&err), ["[2100].email"], "{}", t.name);
        assert!(err.to_string().contains("[3]"), "{}: {err}", t.name);

        let mut rows: Vec<NewContact> = (0..4)
            .map(|i| person(a, &format!("q{i}@example.com")))
            .collect();
        rows[2].email = Some(email("q1@example.com"));
        let err = t.store.create_contacts(&actor(), rows).await.unwrap_err();
        assert_eq!(field_of(&err), ["[2].email"], "{}", t.name);

        assert_eq!(t.store.counts().await.unwrap().contacts, 0, "{}", t.name);
    }
}

#[tokio::test]
async fn an_email_of_an_existing_contact_is_refused_naming_that_contact() {
    for t in backends().await {
        let a = account(&t, "Acme").await;
        let ada = t
            .store
            .create_contact(&actor(), person(a, "ada@acme.com"))
            .await
            .unwrap();
        let rows = vec![person(a, "bob@acme.com"), person(a, "ADA@acme.com")];
        let err = t.store.create_contacts(&actor(), rows).await.unwrap_err();
        assert_eq!(field_of(&err), ["[1].email"], "{}", t.name);
        assert!(
            err.to_string().contains(&format!("contact {}", ada.id)),
            "{}: {err}",
            t.name
        );
        assert_eq!(t.store.counts().await.unwrap().contacts, 1, "{}", t.name);
    }
}

#[tokio::test]
async fn bulk_contacts_need_existing_accounts_and_valid_fields() {
    for t in backends().await {
        let a = account(&t, "Acme").await;
        let rows = vec![
            person(a, "a@acme.com"),
            person(AccountId(999), "b@acme.com"),
        ];
        let err = t.store.create_contacts(&actor(), rows).await.unwrap_err();
        assert_eq!(field_of(&err), ["[1].account_id"], "{}", t.name);

        let mut rows = vec![person(a, "a@acme.com"), person(a, "b@acme.com")];
        rows[1].first_name = Some("x".repeat(1_000));
        let err = t.store.create_contacts(&actor(), rows).await.unwrap_err();
        assert_eq!(field_of(&err), ["[1].first_name"], "{}", t.name);
        assert_eq!(t.store.counts().await.unwrap().contacts, 0, "{}", t.name);
    }
}

#[tokio::test]
async fn bulk_activities_take_the_account_of_their_contact() {
    for t in backends().await {
        let (a, b) = (account(&t, "Acme").await, account(&t, "Zeta").await);
        let people = t
            .store
            .create_contacts(
                &actor(),
                vec![person(a, "ann@acme.com"), person(b, "bo@zeta.com")],
            )
            .await
            .unwrap();
        let rows: Vec<NewActivity> = (0..MANY).map(|i| activity(people[i % 2])).collect();
        let ids = t.store.create_activities(&actor(), rows).await.unwrap();
        assert_eq!(ids.len(), MANY, "{}", t.name);
        for i in [0, 1, 1_001, MANY - 1] {
            let got = t.store.get_activity(ids[i]).await.unwrap();
            assert_eq!(got.contact_id, Some(people[i % 2]), "{}", t.name);
            assert_eq!(got.account_id, if i % 2 == 0 { a } else { b }, "{}", t.name);
        }
        let audited = t
            .store
            .list_audit(
                &AuditQuery {
                    entity: Some("activity".into()),
                    entity_id: Some(ids[1_001].0),
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(
            audited.items[0].after.as_ref().unwrap()["account_id"],
            b.0,
            "{}",
            t.name
        );

        let mut wrong = vec![activity(people[0]), activity(people[0])];
        wrong[1].account_id = Some(b);
        let err = t
            .store
            .create_activities(&actor(), wrong)
            .await
            .unwrap_err();
        assert_eq!(field_of(&err), ["[1].account_id"], "{}", t.name);
        let missing = vec![activity(people[0]), activity(ContactId(999_999))];
        let err = t
            .store
            .create_activities(&actor(), missing)
            .await
            .unwrap_err();
        assert_eq!(field_of(&err), ["[1].contact_id"], "{}", t.name);
        let mut no_campaign = vec![activity(people[1])];
        no_campaign[0].campaign_id = Some(CampaignId(77));
        let err = t
            .store
            .create_activities(&actor(), no_campaign)
            .await
            .unwrap_err();
        assert_eq!(field_of(&err), ["[0].campaign_id"], "{}", t.name);
        assert_eq!(
            t.store.counts().await.unwrap().activities,
            MANY as i64,
            "{}",
            t.name
        );
    }
}

#[tokio::test]
async fn bulk_campaign_members_land_once_per_contact() {
    for t in backends().await {
        let a = account(&t, "Acme").await;
        let people = t
            .store
            .create_contacts(
                &actor(),
                (0..MANY)
                    .map(|i| person(a, &format!("p{i}@acme.com")))
                    .collect(),
            )
            .await
            .unwrap();
        let campaign = t
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
            .unwrap()
            .id;
        let member = |c: ContactId, status| NewCampaignMember {
            contact_id: c,
            status: Some(status),
            joined_at: None,
        };
        let mut rows: Vec<NewCampaignMember> = people
            .iter()
            .map(|&c| member(c, MemberStatus::Sent))
            .collect();
        rows.push(member(people[7], MemberStatus::Attended));
        let written = t
            .store
            .add_campaign_members(&actor(), campaign, rows)
            .await
            .unwrap();
        assert_eq!(written, MANY, "{}", t.name);
        // Again: the memberships are there already, and only their status may change.
        let again = t
            .store
            .add_campaign_members(
                &actor(),
                campaign,
                vec![member(people[8], MemberStatus::Registered)],
            )
            .await
            .unwrap();
        assert_eq!(again, 1, "{}", t.name);
        assert_eq!(
            t.store.counts().await.unwrap().campaign_members,
            MANY as i64,
            "{}",
            t.name
        );
        let page = t
            .store
            .list_campaign_members(
                campaign,
                PageRequest {
                    after: None,
                    limit: 10,
                },
            )
            .await
            .unwrap();
        let status_of = |c: ContactId| {
            page.items
                .iter()
                .find(|m| m.contact_id == c)
                .map(|m| (m.status, m.account_id))
        };
        assert_eq!(
            status_of(people[7]),
            Some((MemberStatus::Attended, a)),
            "{}",
            t.name
        );
        assert_eq!(
            status_of(people[8]),
            Some((MemberStatus::Registered, a)),
            "{}",
            t.name
        );

        let err = t
            .store
            .add_campaign_members(
                &actor(),
                campaign,
                vec![
                    member(people[0], MemberStatus::Responded),
                    member(ContactId(999_999), MemberStatus::Sent),
                ],
            )
            .await
            .unwrap_err();
        assert_eq!(field_of(&err), ["[1].contact_id"], "{}", t.name);
        let err = t
            .store
            .add_campaign_members(
                &actor(),
                CampaignId(999),
                vec![member(people[0], MemberStatus::Sent)],
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::NotFound { .. }),
            "{}: {err:?}",
            t.name
        );
    }
}

#[tokio::test]
async fn imported_parents_link_in_one_go_keep_a_parent_set_since_and_refuse_a_loop() {
    for t in backends().await {
        let (a, b, c, d) = (
            account(&t, "Parent Holdings").await,
            account(&t, "Child Europe").await,
            account(&t, "Child Asia").await,
            account(&t, "Elsewhere Inc").await,
        );
        // Someone already put Child Asia under Elsewhere in abcrm: the export does not move it.
        let patch = AccountPatch {
            parent_id: abcrm_core::patch::Patch::Set(d),
            ..AccountPatch::default()
        };
        t.store.update_account(&actor(), c, patch).await.unwrap();

        let done = t
            .store
            .import_parents(&actor(), "salesforce", &[(b, a), (c, a), (a, b)])
            .await
            .unwrap();
        assert_eq!(done[0], Ok(true), "{}", t.name);
        assert_eq!(done[1], Ok(false), "{}: a parent set since stays", t.name);
        assert!(
            done[2].as_ref().is_err_and(|why| why.contains("ancestor")
                || why.contains("cycle")
                || why.contains("loop")),
            "{}: Parent Holdings under its own child is refused: {:?}",
            t.name,
            done[2]
        );
        let accounts = t.store.get_accounts(&[a, b, c]).await.unwrap();
        let parent = |id: AccountId| accounts.iter().find(|x| x.id == id).unwrap().parent_id;
        assert_eq!(
            (parent(a), parent(b), parent(c)),
            (None, Some(a), Some(d)),
            "{}",
            t.name
        );
        // A parent that is not there is named, and the rest of the call goes on.
        let unknown = t
            .store
            .import_parents(&actor(), "salesforce", &[(a, AccountId(999_999))])
            .await
            .unwrap();
        assert!(
            unknown[0]
                .as_ref()
                .is_err_and(|why| why.contains("999999") && why.contains("does not exist")),
            "{}: {:?}",
            t.name,
            unknown
        );
        // The link is audited and its value recorded as imported from the source.
        let provenance = t.store.account_provenance(b).await.unwrap();
        let parent_source = &provenance[&abcrm_core::enrich::AccountField::ParentId];
        assert_eq!(
            parent_source.kind,
            abcrm_core::enrich::SourceKind::Imported,
            "{}",
            t.name
        );
    }
}
