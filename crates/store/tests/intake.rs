//! Intake, the review queue and contact merges, on SQLite and on PostgreSQL alike.

use abcrm_core::intake::IntakeItem;
use abcrm_core::matching::{MatchConfig, PersonRecord};
use abcrm_core::model::*;
use abcrm_core::normalize::Email;
use abcrm_core::{CampaignId, ContactId};
use abcrm_store::intake::{content_key, Intake};
use abcrm_store::testing::{backends, TestStore};
use abcrm_store::*;

fn actor() -> Actor {
    Actor::system("test")
}

fn person(first: &str, last: &str, email: &str, company: &str) -> PersonRecord {
    let s = |v: &str| (!v.is_empty()).then(|| v.to_string());
    PersonRecord {
        first_name: s(first),
        last_name: s(last),
        email: s(email),
        company: s(company),
        ..PersonRecord::default()
    }
}

fn items(records: &[PersonRecord]) -> Vec<IntakeItem> {
    records
        .iter()
        .map(|r| IntakeItem {
            hints: Default::default(),
            source_key: content_key(r),
            record: r.clone(),
        })
        .collect()
}

async fn acme(t: &TestStore) -> Account {
    t.store
        .create_account(
            &actor(),
            NewAccount {
                name: "Acme Corporation".into(),
                domains: vec!["acme.com".into()],
                city: Some("Austin".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
}

async fn contact_by_email(t: &TestStore, e: &str) -> Option<Contact> {
    t.store
        .find_contact_by_email(&Email::parse(e).unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn intake_places_people_under_accounts_and_a_reimport_changes_nothing() {
    for t in backends().await {
        let acme = acme(&t).await;
        let mut jane = NewContact::at(acme.id);
        jane.email = Some(Email::parse("jane@acme.com").unwrap());
        jane.first_name = Some("Jane".into());
        t.store.create_contact(&actor(), jane).await.unwrap();

        let intake = Intake::new(t.store.clone(), MatchConfig::default());
        let mut jane_again = person("Jane", "Roe", "Jane@ACME.com", "ACME Inc");
        jane_again.title = Some("VP Marketing".into());
        jane_again.city = Some("Dallas".into());
        let batch = vec![
            jane_again,
            person("Ann", "Lee", "ann@acme.com", "Acme"),
            person("Tom", "Hill", "tom@newco.io", "NewCo GmbH"),
            person("Tim", "Hill", "tim@newco.io", ""),
            person("Kim", "Ng", "kim@gmail.com", "Unknown Widgets"),
            person("", "", "", "Acme"),
        ];
        let report = intake
            .submit(&actor(), "import:people.csv", items(&batch))
            .await
            .unwrap();
        assert_eq!(report.taken, 6, "{}", t.name);
        assert_eq!(
            (
                report.matched,
                report.created,
                report.needs_review,
                report.rejected
            ),
            (1, 3, 1, 1),
            "{}: {report:?}",
            t.name
        );
        assert_eq!(report.new_accounts, 1);
        assert_eq!(report.filled, 1);
        assert_eq!(report.record_ids.len(), 6);

        // Jane's blanks were filled; her first name stayed; the account kept its own city.
        let jane = contact_by_email(&t, "jane@acme.com").await.unwrap();
        assert_eq!(jane.first_name.as_deref(), Some("Jane"));
        assert_eq!(jane.last_name.as_deref(), Some("Roe"));
        assert_eq!(jane.title.as_deref(), Some("VP Marketing"));
        assert_eq!(jane.seniority, Some(Seniority::Vp));
        let acme_now = t.store.get_account(acme.id).await.unwrap();
        assert_eq!(acme_now.city.as_deref(), Some("Austin"));
        assert_eq!(acme_now.name, "Acme Corporation");
        let first = t.store.get_intake(report.record_ids[0]).await.unwrap();
        assert_eq!(first.outcome, IntakeOutcome::Matched);
        assert_eq!(first.rule.as_deref(), Some("contact_email"));
        assert_eq!(first.observations["city"], "Dallas", "typed facts kept");
        assert_eq!(first.observations["company"], "ACME Inc");
        assert_eq!(first.contact_id, Some(jane.id));

        // Ann is a new contact at Acme; Tom and Tim share one new account made from newco.io.
        let ann = contact_by_email(&t, "ann@acme.com").await.unwrap();
        assert_eq!(ann.account_id, acme.id);
        assert_eq!(ann.source.as_deref(), Some("import:people.csv"));
        let tom = contact_by_email(&t, "tom@newco.io").await.unwrap();
        let tim = contact_by_email(&t, "tim@newco.io").await.unwrap();
        assert_eq!(tom.account_id, tim.account_id);
        let newco = t.store.get_account(tom.account_id).await.unwrap();
        assert_eq!(newco.name, "NewCo GmbH");
        assert_eq!(newco.domains, ["newco.io"]);

        // Kim waits in review; the nameless row is kept as rejected.
        let review = t
            .store
            .list_intake(
                &IntakeQuery {
                    outcome: Some(IntakeOutcome::NeedsReview),
                    ..Default::default()
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(review.items.len(), 1);
        assert_eq!(
            review.items[0].payload.email.as_deref(),
            Some("kim@gmail.com")
        );
        assert!(contact_by_email(&t, "kim@gmail.com").await.is_none());

        let before = t.store.counts().await.unwrap();
        assert_eq!(before.intake_records, 6);
        assert_eq!(before.needs_review, 1);
        // The same file again: every record is known by its key; nothing is written.
        let again = Intake::new(t.store.clone(), MatchConfig::default());
        let report = again
            .submit(&actor(), "import:people.csv", items(&batch))
            .await
            .unwrap();
        assert_eq!((report.taken, report.already_taken), (0, 6), "{}", t.name);
        let after = t.store.counts().await.unwrap();
        assert_eq!(before, after, "{}", t.name);
    }
}

#[tokio::test]
async fn the_index_follows_changes_made_elsewhere() {
    for t in backends().await {
        let intake = Intake::new(t.store.clone(), MatchConfig::default());
        assert_eq!(intake.warm().await.unwrap(), 0);
        // Made through the store, not the intake service: the next batch must see them.
        let zeta = t
            .store
            .create_account(
                &actor(),
                NewAccount {
                    name: "Zeta Labs".into(),
                    domains: vec!["zeta.io".into()],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let mut old = NewContact::at(zeta.id);
        old.email = Some(Email::parse("old@zeta.io").unwrap());
        let old = t.store.create_contact(&actor(), old).await.unwrap();
        t.store.delete_contact(&actor(), old.id).await.unwrap();

        let report = intake
            .submit(
                &actor(),
                "web-form",
                items(&[
                    person("Zed", "Z", "zed@zeta.io", ""),
                    person("Old", "Timer", "old@zeta.io", ""),
                ]),
            )
            .await
            .unwrap();
        assert_eq!(report.new_accounts, 0, "{}: zeta.io is known", t.name);
        assert_eq!(
            report.created, 2,
            "{}: the deleted contact is not matched",
            t.name
        );
        let zed = contact_by_email(&t, "zed@zeta.io").await.unwrap();
        assert_eq!(zed.account_id, zeta.id);
        let r = t.store.get_intake(report.record_ids[0]).await.unwrap();
        assert_eq!(r.rule.as_deref(), Some("email_domain"));
    }
}

#[tokio::test]
async fn a_stream_plans_each_batch_while_the_last_is_written_and_recovers_from_a_conflict() {
    for t in backends().await {
        let acme = acme(&t).await;
        let intake = Intake::new(t.store.clone(), MatchConfig::default());
        let mut stream = intake.stream(&actor(), "list").await.unwrap();
        let mut results = Vec::new();
        // Batch one makes Initech from a work domain.
        let one = items(&[
            person("Ann", "Lee", "ann@initech.io", "Initech"),
            person("Cy", "Ode", "cy@acme.com", ""),
        ]);
        results.extend(stream.push(one).await.unwrap());
        // Someone else takes Zed's email while the stream runs: the stream does not look
        // again until a write of its own is refused.
        let mut zed = NewContact::at(acme.id);
        zed.email = Some(Email::parse("zed@initech.io").unwrap());
        let zed = t.store.create_contact(&actor(), zed).await.unwrap();
        // Batch two is planned on top of batch one, which may not be written yet: Bob joins
        // the account batch one made, Ann comes again, and Zed's email is taken.
        let two = items(&[
            person("Bob", "Ray", "bob@initech.io", ""),
            person("Ann", "Lee", "ann@initech.io", ""),
            person("Zed", "Zu", "zed@initech.io", ""),
        ]);
        results.extend(stream.push(two.clone()).await.unwrap());
        // Batch three repeats a key of batch two (taken once) and adds Dee.
        let mut three = items(&[person("Dee", "Fox", "dee@initech.io", "")]);
        three.push(two[0].clone());
        results.extend(stream.push(three).await.unwrap());
        results.extend(stream.finish().await.unwrap());

        assert_eq!(results.len(), 3, "{}: one answer per batch", t.name);
        let taken: usize = results.iter().map(|(r, _)| r.taken).sum();
        assert_eq!(taken, 6, "{}: every record once", t.name);
        assert_eq!(results[2].0.already_taken, 1, "{}", t.name);
        let placed: std::collections::HashMap<String, IntakePlacement> = results
            .into_iter()
            .flat_map(|(_, p)| p)
            .map(|p| (p.key.clone(), p))
            .collect();
        let ann = contact_by_email(&t, "ann@initech.io").await.unwrap();
        let bob = contact_by_email(&t, "bob@initech.io").await.unwrap();
        let dee = contact_by_email(&t, "dee@initech.io").await.unwrap();
        assert_eq!(
            bob.account_id, ann.account_id,
            "{}: Bob joins Initech",
            t.name
        );
        assert_eq!(dee.account_id, ann.account_id, "{}", t.name);
        assert_ne!(ann.account_id, acme.id, "{}", t.name);
        let at = |i: &IntakeItem| &placed[&i.source_key];
        let two_placed: Vec<&IntakePlacement> = two.iter().map(at).collect();
        assert_eq!(two_placed[0].contact_id, Some(bob.id), "{}", t.name);
        assert_eq!(
            (two_placed[1].outcome, two_placed[1].contact_id),
            (IntakeOutcome::Matched, Some(ann.id)),
            "{}: Ann again is Ann",
            t.name
        );
        assert_eq!(
            (two_placed[2].outcome, two_placed[2].contact_id),
            (IntakeOutcome::Matched, Some(zed.id)),
            "{}: after the conflict, Zed is matched to the contact someone else made",
            t.name
        );
        // Nothing half-written: one contact each, and the stored records agree.
        let contacts = t.store.counts().await.unwrap().contacts;
        assert_eq!(contacts, 5, "{}: Ann, Cy, Zed, Bob and Dee", t.name);
        let record = t
            .store
            .list_intake(&IntakeQuery::default(), PageRequest::default())
            .await
            .unwrap();
        assert_eq!(record.items.len(), 6, "{}", t.name);
        assert!(
            record
                .items
                .iter()
                .all(|r| r.account_id.is_some_and(|a| a.0 > 0)
                    && r.contact_id.is_some_and(|c| c.0 > 0)),
            "{}: no provisional id reached the store",
            t.name
        );
    }
}

#[tokio::test]
async fn a_review_is_resolved_by_choosing_an_account_or_creating_one() {
    for t in backends().await {
        let acme = acme(&t).await;
        let intake = Intake::new(t.store.clone(), MatchConfig::default());
        let report = intake
            .submit(
                &actor(),
                "cards",
                items(&[
                    person("Kim", "Ng", "kim@gmail.com", "Acme Widgets"),
                    person("Lu", "Wu", "lu@yahoo.com", "Brand New Co"),
                    person("Spam", "Bot", "spam@hotmail.com", "zzz"),
                ]),
            )
            .await
            .unwrap();
        assert_eq!(report.needs_review, 3, "{}: {report:?}", t.name);
        let [kim, lu, spam] = report.record_ids[..] else {
            panic!("three records")
        };

        let r = t
            .store
            .resolve_review(&actor(), kim, Resolution::Account(acme.id))
            .await
            .unwrap();
        assert_eq!(r.outcome, IntakeOutcome::Created);
        assert_eq!(r.account_id, Some(acme.id));
        assert!(r
            .resolution
            .as_deref()
            .unwrap()
            .contains("placed at account"));
        let c = t.store.get_contact(r.contact_id.unwrap()).await.unwrap();
        assert_eq!(c.email.unwrap().as_str(), "kim@gmail.com");
        assert_eq!(c.account_id, acme.id);

        let err = t
            .store
            .resolve_review(&actor(), kim, Resolution::Account(acme.id))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict { .. }),
            "{}: {err:?}",
            t.name
        );

        let r = t
            .store
            .resolve_review(
                &actor(),
                lu,
                Resolution::NewAccount(Box::new(NewAccount {
                    name: "Brand New Co".into(),
                    ..Default::default()
                })),
            )
            .await
            .unwrap();
        let account = t.store.get_account(r.account_id.unwrap()).await.unwrap();
        assert_eq!(account.name, "Brand New Co");

        let err = t
            .store
            .resolve_review(&actor(), spam, Resolution::Reject("  ".into()))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)));
        let r = t
            .store
            .resolve_review(&actor(), spam, Resolution::Reject("spam".into()))
            .await
            .unwrap();
        assert_eq!(r.outcome, IntakeOutcome::Rejected);
        assert_eq!(r.contact_id, None);
        assert_eq!(t.store.counts().await.unwrap().needs_review, 0);

        // A later batch knows the contacts review made.
        let report = intake
            .submit(
                &actor(),
                "cards",
                items(&[person("Kim", "Ng", "KIM@gmail.com", "")]),
            )
            .await
            .unwrap();
        assert_eq!(report.matched, 1, "{}: {report:?}", t.name);
    }
}

#[tokio::test]
async fn a_merge_moves_everything_to_the_survivor_and_undo_puts_it_back() {
    for t in backends().await {
        let acme = acme(&t).await;
        let mut a = NewContact::at(acme.id);
        a.first_name = Some("Robert".into());
        a.email = Some(Email::parse("robert@acme.com").unwrap());
        let a = t.store.create_contact(&actor(), a).await.unwrap();
        let mut b = NewContact::at(acme.id);
        b.first_name = Some("Bob".into());
        b.email = Some(Email::parse("bob@acme.com").unwrap());
        b.phone = Some("+1 512 555 0100".into());
        let b = t.store.create_contact(&actor(), b).await.unwrap();

        let activity = t
            .store
            .create_activity(
                &actor(),
                NewActivity {
                    account_id: None,
                    contact_id: Some(b.id),
                    body: None,
                    kind: ActivityKind::Email,
                    subject: Some("hi".into()),
                    occurred_at: None,
                    campaign_id: None,
                    opportunity_id: None,
                },
            )
            .await
            .unwrap();
        let webinar = t
            .store
            .create_campaign(
                &actor(),
                NewCampaign {
                    name: "Webinar".into(),
                    kind: None,
                    starts_on: None,
                    ends_on: None,
                    budget: None,
                },
            )
            .await
            .unwrap();
        for (c, status) in [(a.id, MemberStatus::Sent), (b.id, MemberStatus::Attended)] {
            t.store
                .add_campaign_member(
                    &actor(),
                    webinar.id,
                    NewCampaignMember {
                        contact_id: c,
                        status: Some(status),
                        joined_at: None,
                    },
                )
                .await
                .unwrap();
        }
        let opp = t
            .store
            .create_opportunity(
                &actor(),
                NewOpportunity {
                    account_id: acme.id,
                    name: "Renewal".into(),
                    stage: None,
                    amount: None,
                    close_date: None,
                    source_campaign_id: None,
                    owner_id: None,
                    contact_roles: vec![ContactRole {
                        contact_id: b.id,
                        role: BuyingRole::Champion,
                        is_primary: true,
                    }],
                    created_at: None,
                },
            )
            .await
            .unwrap();

        let merge = t
            .store
            .merge_contacts(
                &actor(),
                a.id,
                b.id,
                &MergeChoices {
                    email: Some(Side::Survivor),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        // Bob was updated last: his first name wins; Robert keeps his chosen email; the phone
        // only Bob had survives.
        assert_eq!(
            merge.survivor.first_name.as_deref(),
            Some("Bob"),
            "{}",
            t.name
        );
        assert_eq!(
            merge.survivor.email.as_ref().unwrap().as_str(),
            "robert@acme.com"
        );
        assert_eq!(merge.survivor.phone.as_deref(), Some("+1 512 555 0100"));
        assert!(t.store.get_contact(b.id).await.is_err());
        let moved = t.store.get_activity(activity.id).await.unwrap();
        assert_eq!(moved.contact_id, Some(a.id));
        let roles = t.store.get_opportunity(opp.id).await.unwrap().contact_roles;
        assert_eq!(roles.len(), 1);
        assert_eq!(roles[0].contact_id, a.id);
        let members = t
            .store
            .list_campaign_members(webinar.id, PageRequest::default())
            .await
            .unwrap()
            .items;
        assert_eq!(members.len(), 1, "{}: one membership per person", t.name);
        let audit = t
            .store
            .list_audit(
                &AuditQuery {
                    entity: Some("contact".into()),
                    entity_id: Some(b.id.0),
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(audit.items[0].action, "merge");

        let undone = t.store.undo_merge(&actor(), merge.id).await.unwrap();
        assert!(undone.undone_at.is_some());
        assert_eq!(undone.survivor.first_name.as_deref(), Some("Robert"));
        assert_eq!(undone.survivor.phone, None);
        let back = t.store.get_contact(b.id).await.unwrap();
        assert_eq!(back.email.unwrap().as_str(), "bob@acme.com");
        assert_eq!(back.phone.as_deref(), Some("+1 512 555 0100"));
        let moved = t.store.get_activity(activity.id).await.unwrap();
        assert_eq!(moved.contact_id, Some(b.id));
        let roles = t.store.get_opportunity(opp.id).await.unwrap().contact_roles;
        assert_eq!(roles[0].contact_id, b.id);
        let members = t
            .store
            .list_campaign_members(webinar.id, PageRequest::default())
            .await
            .unwrap()
            .items;
        assert_eq!(members.len(), 2, "{}", t.name);
        let bob_member = members.iter().find(|m| m.contact_id == b.id).unwrap();
        assert_eq!(bob_member.status, MemberStatus::Attended);

        let err = t.store.undo_merge(&actor(), merge.id).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict { .. }));
        let err = t
            .store
            .merge_contacts(&actor(), a.id, a.id, &MergeChoices::default())
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)));
    }
}

#[tokio::test]
async fn a_person_waits_in_review_once_and_resolving_the_first_record_places_the_repeats() {
    for t in backends().await {
        let acme = acme(&t).await;
        let intake = Intake::new(t.store.clone(), MatchConfig::default());
        let first = intake
            .submit(
                &actor(),
                "cards",
                items(&[person("Ingrid", "Clark", "ingridclark34@aol.com", "")]),
            )
            .await
            .unwrap()
            .record_ids[0];

        // Another service (a resumed run) builds its index from the store: the queue included.
        let resumed = Intake::new(t.store.clone(), MatchConfig::default());
        let report = resumed
            .submit(
                &actor(),
                "cards",
                items(&[
                    person("Ingrid", "Clark", "ingridclark34@hotmail.com", ""),
                    person("John", "Smith", "jsmith@gmail.com", ""),
                    person("Ingrid", "Clark", "INGRIDCLARK34@aol.com", "n/a"),
                    person("John", "Smith", "jsmith@yahoo.com", ""),
                    person("Ann", "Lee", "annlee1984@gmail.com", ""),
                    person("Ann", "Lee", "annlee1984@yahoo.com", ""),
                ]),
            )
            .await
            .unwrap();
        assert_eq!(report.needs_review, 6, "{}: {report:?}", t.name);
        let [by_handle, smith, by_email, other_smith, ann, ann_again] = report.record_ids[..]
        else {
            panic!("six records")
        };
        let repeat = t.store.get_intake(by_handle).await.unwrap();
        assert_eq!(repeat.duplicate_of, Some(first), "{}", t.name);
        assert_eq!(repeat.rule.as_deref(), Some("review_handle"));
        assert_eq!(
            t.store.get_intake(by_email).await.unwrap().duplicate_of,
            Some(first)
        );
        assert_eq!(
            t.store.get_intake(other_smith).await.unwrap().duplicate_of,
            None,
            "{}: any John Smith may be jsmith somewhere",
            t.name
        );
        assert_eq!(
            t.store.get_intake(ann_again).await.unwrap().duplicate_of,
            Some(ann),
            "{}: a repeat within one batch",
            t.name
        );

        // The queue lists each person once, with the records repeating it.
        let queue = t
            .store
            .list_intake(
                &IntakeQuery {
                    outcome: Some(IntakeOutcome::NeedsReview),
                    hide_duplicates: true,
                    ..Default::default()
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        let listed: Vec<(i64, Vec<i64>)> = queue
            .items
            .iter()
            .map(|r| (r.id, r.duplicates.clone()))
            .collect();
        assert_eq!(
            listed,
            [
                (first, vec![by_handle, by_email]),
                (smith, vec![]),
                (other_smith, vec![]),
                (ann, vec![ann_again]),
            ],
            "{}",
            t.name
        );

        // Resolving the first record places all three as one contact.
        let placed = t
            .store
            .resolve_review(&actor(), first, Resolution::Account(acme.id))
            .await
            .unwrap();
        assert_eq!(placed.outcome, IntakeOutcome::Created);
        for id in [by_handle, by_email] {
            let r = t.store.get_intake(id).await.unwrap();
            assert_eq!(
                (r.outcome, r.account_id, r.contact_id),
                (IntakeOutcome::Matched, Some(acme.id), placed.contact_id),
                "{}",
                t.name
            );
            assert!(r.resolution.unwrap().contains(&format!("record {first}")));
        }
        let ingrids = t
            .store
            .list_contacts(&ContactQuery::default(), PageRequest::default())
            .await
            .unwrap()
            .items
            .into_iter()
            .filter(|c| c.last_name.as_deref() == Some("Clark"))
            .count();
        assert_eq!(ingrids, 1, "{}", t.name);

        // Rejecting a record rejects its repeats.
        t.store
            .resolve_review(&actor(), ann, Resolution::Reject("a test entry".into()))
            .await
            .unwrap();
        let r = t.store.get_intake(ann_again).await.unwrap();
        assert_eq!(r.outcome, IntakeOutcome::Rejected, "{}", t.name);

        // The services learn of the resolutions: later records of Ingrid (at another address)
        // and of Ann wait on their own, not attached to records no longer waiting.
        let report = resumed
            .submit(
                &actor(),
                "cards",
                items(&[
                    person("Ingrid", "Clark", "ingridclark34@yahoo.com", ""),
                    person("Ann", "Lee", "annlee1984@gmx.de", ""),
                ]),
            )
            .await
            .unwrap();
        for id in report.record_ids {
            let later = t.store.get_intake(id).await.unwrap();
            assert_eq!(
                (later.outcome, later.duplicate_of),
                (IntakeOutcome::NeedsReview, None),
                "{}",
                t.name
            );
        }
    }
}

/// Items that carry what becomes of the people: their status and the campaign they answered.
fn answering(records: &[PersonRecord], person: &PersonContext) -> Vec<IntakeItem> {
    items(records)
        .into_iter()
        .map(|mut i| {
            i.hints.person = person.clone();
            i
        })
        .collect()
}

async fn a_webinar(t: &TestStore, name: &str) -> Campaign {
    t.store
        .create_campaign(
            &actor(),
            NewCampaign {
                name: name.into(),
                kind: Some(CampaignKind::Webinar),
                starts_on: None,
                ends_on: None,
                budget: None,
            },
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn intake_keeps_the_marketing_signal_at_once_and_through_review() {
    for t in backends().await {
        let n = t.name;
        let acme = acme(&t).await;
        let webinar = a_webinar(&t, "Spring webinar").await;
        // Ann was sent the invitation before: answering it raises her membership.
        let mut ann = NewContact::at(acme.id);
        ann.email = Some(Email::parse("ann@acme.com").unwrap());
        let ann = t.store.create_contact(&actor(), ann).await.unwrap();
        t.store
            .add_campaign_member(
                &actor(),
                webinar.id,
                NewCampaignMember {
                    contact_id: ann.id,
                    status: Some(MemberStatus::Sent),
                    joined_at: None,
                },
            )
            .await
            .unwrap();

        let list = PersonContext {
            status: Some(ContactStatus::Nurture),
            response: Some(CampaignResponse {
                campaign_id: webinar.id,
                status: MemberStatus::Attended,
            }),
            ..PersonContext::default()
        };
        let intake = Intake::new(t.store.clone(), MatchConfig::default());
        let mut bo = person("Bo", "Ek", "bo@newco.io", "NewCo");
        bo.state = Some("TX".into());
        bo.country = Some("US".into());
        let mut new_account = answering(&[bo], &list);
        new_account[0].hints.account_facts = Some(abcrm_core::intake::CompanyFacts {
            industry: Some("Software".into()),
            employees: Some(1200),
            annual_revenue: None,
        });
        let mut batch = answering(
            &[
                person("Ann", "Lee", "ann@acme.com", "Acme"),
                person("Kim", "Ng", "kim@gmail.com", "Acme Widgets"),
            ],
            &list,
        );
        batch.extend(new_account);
        let report = intake
            .submit(&actor(), "list:webinar", batch)
            .await
            .unwrap();
        assert_eq!(
            (report.matched, report.needs_review, report.created),
            (1, 1, 1),
            "{n}: {report:?}"
        );

        // Placed at once: membership and activity; a new contact takes the list's status; the
        // account the record made is seeded from it.
        let bo = contact_by_email(&t, "bo@newco.io").await.unwrap();
        assert_eq!(bo.status, ContactStatus::Nurture, "{n}");
        let newco = t.store.get_account(bo.account_id).await.unwrap();
        assert_eq!(
            (
                newco.industry.as_deref(),
                newco.employees,
                newco.state.as_deref()
            ),
            (Some("Software"), Some(1200), Some("TX")),
            "{n}"
        );
        let members = t
            .store
            .list_campaign_members(
                webinar.id,
                PageRequest {
                    after: None,
                    limit: 50,
                },
            )
            .await
            .unwrap()
            .items;
        let statuses: Vec<(ContactId, MemberStatus)> =
            members.iter().map(|m| (m.contact_id, m.status)).collect();
        assert_eq!(
            statuses,
            [
                (ann.id, MemberStatus::Attended),
                (bo.id, MemberStatus::Attended)
            ],
            "{n}"
        );
        let activities = |c: ContactId| {
            let store = t.store.clone();
            async move {
                store
                    .list_activities(
                        &ActivityQuery {
                            contact_id: Some(c),
                            ..Default::default()
                        },
                        PageRequest {
                            after: None,
                            limit: 50,
                        },
                    )
                    .await
                    .unwrap()
                    .items
            }
        };
        let of_ann = activities(ann.id).await;
        assert_eq!(of_ann.len(), 1, "{n}");
        assert_eq!(
            (of_ann[0].kind, of_ann[0].campaign_id),
            (ActivityKind::Webinar, Some(webinar.id)),
            "{n}"
        );

        // Kim waits in review with the list's context, and gets it when placed.
        let kim_record = report.record_ids[1];
        let waiting = t.store.get_intake(kim_record).await.unwrap();
        assert_eq!(waiting.person, list, "{n}");
        let placed = t
            .store
            .resolve_review(&actor(), kim_record, Resolution::Account(acme.id))
            .await
            .unwrap();
        let kim = t
            .store
            .get_contact(placed.contact_id.unwrap())
            .await
            .unwrap();
        assert_eq!(kim.status, ContactStatus::Nurture, "{n}");
        assert_eq!(kim.source.as_deref(), Some("list:webinar"), "{n}");
        assert_eq!(kim.created_at, waiting.received_at, "{n}");
        assert_eq!(activities(kim.id).await.len(), 1, "{n}");
        let members = t
            .store
            .list_campaign_members(
                webinar.id,
                PageRequest {
                    after: None,
                    limit: 50,
                },
            )
            .await
            .unwrap()
            .items;
        assert!(
            members
                .iter()
                .any(|m| m.contact_id == kim.id && m.status == MemberStatus::Attended),
            "{n}"
        );
    }
}

/// The people a filter would take among those waiting in review, on `today`.
async fn waiting(t: &TestStore, filter: &str, target: SegmentTarget) -> WaitingPeople {
    let checked = audience(compile(filter, target).unwrap(), target, false);
    t.store
        .waiting_in_segment(
            &checked,
            target.filter_target(),
            chrono::Utc::now().date_naive(),
            10,
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn people_waiting_in_review_are_seen_by_segments_and_by_their_campaign() {
    for t in backends().await {
        let n = t.name;
        let acme = acme(&t).await;
        let webinar = a_webinar(&t, "Spring webinar").await;
        let other = a_webinar(&t, "Autumn webinar").await;
        // A stored contact at Acme, so the segment has someone placed too.
        let mut lee = NewContact::at(acme.id);
        lee.email = Some(Email::parse("lee@acme.com").unwrap());
        lee.title = Some("VP Engineering".into());
        lee.seniority = Some(Seniority::Vp);
        t.store.create_contact(&actor(), lee).await.unwrap();

        // Kim (a free-mail address, a company close to Acme's name) waits in review.
        let list = PersonContext {
            status: Some(ContactStatus::Nurture),
            response: Some(CampaignResponse {
                campaign_id: webinar.id,
                status: MemberStatus::Registered,
            }),
            ..PersonContext::default()
        };
        let mut kim = person("Kim", "Ng", "kim@gmail.com", "Acme Widgets");
        kim.title = Some("Vice President, Engineering".into());
        let intake = Intake::new(t.store.clone(), MatchConfig::default());
        let report = intake
            .submit(&actor(), "list:webinar", answering(&[kim], &list))
            .await
            .unwrap();
        assert_eq!(report.needs_review, 1, "{n}: {report:?}");
        let kim_record = report.record_ids[0];

        // Weighed as the contact she would become at her best candidate: her title's
        // seniority, the list's status, Acme's fields; nothing of her own stored yet.
        let vps = r#"contact.seniority >= "vp" and account.name = "Acme Corporation""#;
        let seen = waiting(&t, vps, SegmentTarget::Contact).await;
        assert_eq!(seen.count, 1, "{n}");
        assert!(seen.complete, "{n}");
        assert_eq!(seen.records[0].id, kim_record, "{n}");
        for (filter, want) in [
            (r#"contact.status = "nurture""#, 1),
            (r#"contact.status = "active""#, 0),
            (r#"contact.seniority = "manager""#, 0),
            (
                r#"account.city = "Austin" and contact.email contains "gmail.com""#,
                1,
            ),
            ("has activity", 0),
            ("not has activity", 1),
            ("contact.score > 0", 0),
            (r#"account.name = "Other" or contact.last_name = "ng""#, 1),
        ] {
            let checked = compile(filter, SegmentTarget::Contact).unwrap();
            let got = t
                .store
                .waiting_in_segment(
                    &checked,
                    SegmentTarget::Contact.filter_target(),
                    chrono::Utc::now().date_naive(),
                    0,
                )
                .await
                .unwrap();
            assert_eq!(got.count, want, "{n}: {filter}");
            assert!(got.records.is_empty(), "{n}: a limit of 0 lists nobody");
        }
        let accounts = waiting(&t, r#"account.city = "Austin""#, SegmentTarget::Account).await;
        assert_eq!(
            accounts.count, 1,
            "{n}: her best candidate is in the segment"
        );
        // Not counted among the segment's people until placed.
        let checked = audience(
            compile(vps, SegmentTarget::Contact).unwrap(),
            SegmentTarget::Contact,
            false,
        );
        let today = chrono::Utc::now().date_naive();
        let target = SegmentTarget::Contact.filter_target();
        assert_eq!(
            t.store
                .segment_count(&checked, target, today)
                .await
                .unwrap(),
            1,
            "{n}"
        );

        // Her campaign finds her in the queue; another campaign does not.
        let queue = |campaign: CampaignId| {
            let store = t.store.clone();
            async move {
                let q = IntakeQuery {
                    outcome: Some(IntakeOutcome::NeedsReview),
                    hide_duplicates: true,
                    campaign_id: Some(campaign),
                    ..IntakeQuery::default()
                };
                let page = PageRequest {
                    after: None,
                    limit: 50,
                };
                store
                    .list_intake(&q, page)
                    .await
                    .unwrap()
                    .items
                    .iter()
                    .map(|r| r.id)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(queue(webinar.id).await, [kim_record], "{n}");
        assert!(queue(other.id).await.is_empty(), "{n}");

        // Placed: she is one of the segment's people and waits no more.
        t.store
            .resolve_review(&actor(), kim_record, Resolution::Account(acme.id))
            .await
            .unwrap();
        assert_eq!(
            t.store
                .segment_count(&checked, target, today)
                .await
                .unwrap(),
            2,
            "{n}"
        );
        assert_eq!(
            waiting(&t, vps, SegmentTarget::Contact).await.count,
            0,
            "{n}"
        );
    }
}

#[tokio::test]
async fn a_dry_run_seeded_from_the_live_index_sees_every_record_and_writes_nothing() {
    for t in backends().await {
        let acme = acme(&t).await;
        let live = Intake::new(t.store.clone(), MatchConfig::default());
        live.warm().await.unwrap();
        // Written after the live index was built: the copy catches up first.
        let globex = t
            .store
            .create_account(
                &actor(),
                NewAccount {
                    name: "Globex".into(),
                    domains: vec!["globex.com".into()],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let dry = Intake::dry_run(t.store.clone(), MatchConfig::default());
        dry.seed_from(&live).await.unwrap();
        dry.seed_from(&live).await.unwrap();
        let before = t.store.counts().await.unwrap();
        let (_, placed) = dry
            .submit_placed(
                &actor(),
                "preview",
                items(&[
                    person("Ann", "Lee", "ann@acme.com", ""),
                    person("Bo", "Ek", "bo@globex.com", ""),
                ]),
            )
            .await
            .unwrap();
        let accounts: Vec<_> = placed.iter().map(|p| p.account_id).collect();
        assert_eq!(accounts, vec![Some(acme.id), Some(globex.id)], "{}", t.name);
        assert_eq!(
            t.store.counts().await.unwrap(),
            before,
            "{}: nothing written",
            t.name
        );
        // The live service planned nothing: its index holds no stand-in of the dry run's.
        let (_, again) = live
            .submit_placed(
                &actor(),
                "live",
                items(&[person("Bo", "Ek", "bo@globex.com", "")]),
            )
            .await
            .unwrap();
        assert!(
            again[0].contact_id.is_some_and(|c| c.0 < 1 << 48),
            "{}",
            t.name
        );
    }
}
