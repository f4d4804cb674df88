//! Tasks on both backends: on any record, carrying its account; done and open again; a person's
//! agenda in the order things are due; and a task follows its record when people move, when
//! records are deleted, and through contact and account merges and their undo.

use abcrm_core::model::*;
use abcrm_core::normalize::Email;
use abcrm_core::patch::Patch;
use abcrm_core::*;
use abcrm_store::testing::{backends, TestStore};
use abcrm_store::*;
use chrono::NaiveDate;

fn actor() -> Actor {
    Actor::system("test")
}

async fn account(t: &TestStore, name: &str) -> AccountId {
    let new = NewAccount {
        name: name.into(),
        ..Default::default()
    };
    t.store.create_account(&actor(), new).await.unwrap().id
}

async fn contact(t: &TestStore, at: AccountId, email: &str) -> ContactId {
    let mut c = NewContact::at(at);
    c.first_name = Some("Pat".into());
    c.email = Some(Email::parse(email).unwrap());
    t.store.create_contact(&actor(), c).await.unwrap().id
}

fn task(title: &str) -> NewTask {
    NewTask {
        title: title.into(),
        notes: None,
        due_on: None,
        assignee_id: None,
        account_id: None,
        contact_id: None,
        opportunity_id: None,
    }
}

fn day(d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(2027, 1, d)
}

fn field(e: StoreError) -> String {
    match e {
        StoreError::Invalid(v) => v.0[0].field.clone(),
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[tokio::test]
async fn tasks_are_made_on_any_record_done_and_listed_as_they_are_due() {
    for t in backends().await {
        let s = &t.store;
        let acme = account(&t, "Acme").await;
        let other = account(&t, "Other").await;
        let pat = contact(&t, acme, "pat@acme.com").await;
        let opp = s
            .create_opportunity(
                &actor(),
                NewOpportunity {
                    account_id: acme,
                    name: "Renewal".into(),
                    stage: None,
                    amount: None,
                    close_date: None,
                    source_campaign_id: None,
                    owner_id: None,
                    contact_roles: vec![],
                    created_at: None,
                },
            )
            .await
            .unwrap()
            .id;
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
            .unwrap()
            .id;

        let on_contact = s
            .create_task(
                &actor(),
                NewTask {
                    contact_id: Some(pat),
                    due_on: day(9),
                    assignee_id: Some(user),
                    ..task("Call Pat")
                },
            )
            .await
            .unwrap();
        assert_eq!(
            on_contact.account_id, acme,
            "{}: the contact's account",
            t.name
        );
        let on_opp = s
            .create_task(
                &actor(),
                NewTask {
                    opportunity_id: Some(opp),
                    due_on: day(2),
                    assignee_id: Some(user),
                    ..task("Send the quote")
                },
            )
            .await
            .unwrap();
        assert_eq!(on_opp.account_id, acme);
        let undated = s
            .create_task(
                &actor(),
                NewTask {
                    account_id: Some(acme),
                    assignee_id: Some(user),
                    ..task("Map the org")
                },
            )
            .await
            .unwrap();
        s.create_task(
            &actor(),
            NewTask {
                account_id: Some(other),
                due_on: day(1),
                ..task("Not mine")
            },
        )
        .await
        .unwrap();

        // Refusals name their field.
        let e = s
            .create_task(
                &actor(),
                NewTask {
                    contact_id: Some(pat),
                    account_id: Some(other),
                    ..task("x")
                },
            )
            .await
            .unwrap_err();
        assert_eq!(field(e), "account_id", "{}", t.name);
        let e = s
            .create_task(
                &actor(),
                NewTask {
                    contact_id: Some(ContactId(999_999)),
                    ..task("x")
                },
            )
            .await
            .unwrap_err();
        assert_eq!(field(e), "contact_id");
        let e = s
            .create_task(
                &actor(),
                NewTask {
                    account_id: Some(acme),
                    assignee_id: Some(UserId(999_999)),
                    ..task("x")
                },
            )
            .await
            .unwrap_err();
        assert_eq!(field(e), "assignee_id");
        let e = s
            .create_task(&actor(), task("about nothing"))
            .await
            .unwrap_err();
        assert_eq!(field(e), "account_id");

        // My agenda: what is due first, the undated last; others' tasks not in it.
        let mine = TaskQuery {
            assignee_id: Some(user),
            ..TaskQuery::default()
        };
        let (agenda, total) = s.task_agenda(&mine, 10).await.unwrap();
        let ids: Vec<TaskId> = agenda.iter().map(|t| t.id).collect();
        assert_eq!(ids, [on_opp.id, on_contact.id, undated.id], "{}", t.name);
        assert_eq!(total, 3);
        let (on_account, _) = s
            .task_agenda(
                &TaskQuery {
                    account_id: Some(acme),
                    ..TaskQuery::default()
                },
                10,
            )
            .await
            .unwrap();
        assert_eq!(
            on_account.len(),
            3,
            "an account lists the tasks about its people and deals"
        );

        // Done, then open again.
        let done = |d| TaskPatch {
            done: Patch::Set(d),
            ..TaskPatch::default()
        };
        let finished = s
            .update_task(&actor(), on_opp.id, done(true))
            .await
            .unwrap();
        assert!(finished.done_at.is_some());
        assert_eq!(s.task_agenda(&mine, 10).await.unwrap().1, 2);
        let listed = s
            .list_tasks(
                &TaskQuery {
                    done: Some(true),
                    ..TaskQuery::default()
                },
                PageRequest {
                    after: None,
                    limit: 10,
                },
            )
            .await
            .unwrap();
        assert_eq!(listed.items.len(), 1);
        assert!(s
            .update_task(&actor(), on_opp.id, done(false))
            .await
            .unwrap()
            .done_at
            .is_none());
        let e = s
            .update_task(
                &actor(),
                on_opp.id,
                TaskPatch {
                    title: Patch::Set(" ".into()),
                    ..TaskPatch::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(field(e), "title");

        s.delete_task(&actor(), undated.id).await.unwrap();
        assert!(matches!(
            s.get_task(undated.id).await,
            Err(StoreError::NotFound { .. })
        ));
        // The audit log has them.
        let audit = s
            .list_audit(
                &AuditQuery {
                    entity: Some("task".into()),
                    ..AuditQuery::default()
                },
                PageRequest {
                    after: None,
                    limit: 50,
                },
            )
            .await
            .unwrap();
        assert!(audit.items.len() >= 5, "{}", t.name);
    }
}

#[tokio::test]
async fn a_task_follows_its_record_through_moves_deletes_and_merges() {
    for t in backends().await {
        let s = &t.store;
        let acme = account(&t, "Acme").await;
        let globex = account(&t, "Globex").await;
        let pat = contact(&t, acme, "pat@acme.com").await;
        let twin = contact(&t, globex, "pat@globex.com").await;
        let on_pat = s
            .create_task(
                &actor(),
                NewTask {
                    contact_id: Some(pat),
                    ..task("Call Pat")
                },
            )
            .await
            .unwrap();
        let on_twin = s
            .create_task(
                &actor(),
                NewTask {
                    contact_id: Some(twin),
                    ..task("Email Pat")
                },
            )
            .await
            .unwrap();

        // Pat changes company: the task goes along.
        s.update_contact(
            &actor(),
            pat,
            ContactPatch {
                account_id: Patch::Set(globex),
                ..ContactPatch::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            s.get_task(on_pat.id).await.unwrap().account_id,
            globex,
            "{}",
            t.name
        );

        // A contact merge moves the merged person's tasks, and its undo moves them back.
        let merge = s
            .merge_contacts(&actor(), pat, twin, &MergeChoices::default())
            .await
            .unwrap();
        assert_eq!(
            s.get_task(on_twin.id).await.unwrap().contact_id,
            Some(pat),
            "{}",
            t.name
        );
        s.undo_merge(&actor(), merge.id).await.unwrap();
        assert_eq!(
            s.get_task(on_twin.id).await.unwrap().contact_id,
            Some(twin),
            "{}",
            t.name
        );

        // An account merge moves the tasks about it; undone, they come back.
        let merged = s
            .merge_accounts(&actor(), acme, globex, &AccountMergeChoices::default())
            .await
            .unwrap();
        assert_eq!(
            s.get_task(on_pat.id).await.unwrap().account_id,
            acme,
            "{}",
            t.name
        );
        s.undo_account_merge(&actor(), merged.id).await.unwrap();
        assert_eq!(
            s.get_task(on_pat.id).await.unwrap().account_id,
            globex,
            "{}",
            t.name
        );

        // A deleted person's task stays on the account; a refused account delete counts tasks.
        s.delete_contact(&actor(), twin).await.unwrap();
        let left = s.get_task(on_twin.id).await.unwrap();
        assert_eq!(
            (left.contact_id, left.account_id),
            (None, globex),
            "{}",
            t.name
        );
        s.delete_contact(&actor(), pat).await.unwrap();
        let e = s
            .delete_account(&actor(), globex, OnDependents::Refuse)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("2 tasks"), "{}: {e}", t.name);
        s.delete_account(&actor(), globex, OnDependents::MoveTo(acme))
            .await
            .unwrap();
        assert_eq!(s.get_task(on_twin.id).await.unwrap().account_id, acme);
    }
}
