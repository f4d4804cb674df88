//! Writers racing on one record, on SQLite and on PostgreSQL: each change lands or is refused
//! whole, none is silently lost, and a record resolved once stays resolved the one way.

use abcrm_core::intake::IntakeItem;
use abcrm_core::matching::{MatchConfig, PersonRecord};
use abcrm_core::model::*;
use abcrm_core::normalize::Email;
use abcrm_core::patch::Patch;
use abcrm_store::intake::{content_key, Intake};
use abcrm_store::testing::backends;
use abcrm_store::*;
use futures::future::join_all;

fn actor() -> Actor {
    Actor::system("test")
}

#[tokio::test]
async fn a_patch_by_seven_clients_keeps_every_field() {
    for t in backends().await {
        let acme = t
            .store
            .create_account(
                &actor(),
                NewAccount {
                    name: "Acme".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let patches = vec![
            AccountPatch {
                industry: Patch::Set("Software".into()),
                ..Default::default()
            },
            AccountPatch {
                employees: Patch::Set(250),
                ..Default::default()
            },
            AccountPatch {
                annual_revenue: Patch::Set(9_000_000),
                ..Default::default()
            },
            AccountPatch {
                country: Patch::Set("US".into()),
                ..Default::default()
            },
            AccountPatch {
                state: Patch::Set("CA".into()),
                ..Default::default()
            },
            AccountPatch {
                city: Patch::Set("Oakland".into()),
                ..Default::default()
            },
            AccountPatch {
                duns: Patch::Set("123456789".into()),
                ..Default::default()
            },
        ];
        let actor = actor();
        let done = join_all(
            patches
                .into_iter()
                .map(|p| t.store.update_account(&actor, acme.id, p)),
        )
        .await;
        for r in done {
            r.unwrap();
        }
        let a = t.store.get_account(acme.id).await.unwrap();
        assert_eq!(
            (
                a.industry.as_deref(),
                a.employees,
                a.annual_revenue,
                a.country.as_deref(),
                a.state.as_deref(),
                a.city.as_deref(),
                a.duns.as_deref(),
            ),
            (
                Some("Software"),
                Some(250),
                Some(9_000_000),
                Some("US"),
                Some("CA"),
                Some("Oakland"),
                Some("123456789"),
            ),
            "{}",
            t.name
        );
    }
}

#[tokio::test]
async fn an_update_naming_an_old_version_is_refused_and_changes_nothing() {
    for t in backends().await {
        let acme = t
            .store
            .create_account(
                &actor(),
                NewAccount {
                    name: "Acme".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let city = |c: &str| AccountPatch {
            city: Patch::Set(c.into()),
            ..Default::default()
        };
        let moved = t
            .store
            .update_account_if(&actor(), acme.id, city("Austin"), &[acme.updated_at])
            .await
            .unwrap();
        assert_eq!(moved.city.as_deref(), Some("Austin"), "{}", t.name);
        let err = t
            .store
            .update_account_if(&actor(), acme.id, city("Dallas"), &[acme.updated_at])
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Stale { updated_at, .. } if updated_at == moved.updated_at),
            "{}: {err:?}",
            t.name
        );
        let now = t.store.get_account(acme.id).await.unwrap();
        assert_eq!(now.city.as_deref(), Some("Austin"), "{}", t.name);
    }
}

/// A contact's and an opportunity's edit forms carry the version they were opened on, as an
/// account's do: a save over someone else's later change is refused and writes nothing.
#[tokio::test]
async fn a_contact_or_opportunity_update_naming_an_old_version_is_refused_and_changes_nothing() {
    for t in backends().await {
        let acme = t
            .store
            .create_account(
                &actor(),
                NewAccount {
                    name: "Acme".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let mut new = NewContact::at(acme.id);
        new.first_name = Some("Pat".into());
        let pat = t.store.create_contact(&actor(), new).await.unwrap();
        let title = |v: &str| ContactPatch {
            title: Patch::Set(v.into()),
            ..Default::default()
        };
        let moved = t
            .store
            .update_contact_if(&actor(), pat.id, title("CFO"), &[pat.updated_at])
            .await
            .unwrap();
        let err = t
            .store
            .update_contact_if(&actor(), pat.id, title("CEO"), &[pat.updated_at])
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Stale { entity: "contact", updated_at, .. } if updated_at == moved.updated_at),
            "{}: {err:?}",
            t.name
        );
        assert_eq!(
            t.store.get_contact(pat.id).await.unwrap().title.as_deref(),
            Some("CFO"),
            "{}",
            t.name
        );

        let deal = t
            .store
            .create_opportunity(
                &actor(),
                NewOpportunity {
                    account_id: acme.id,
                    name: "Deal".into(),
                    stage: None,
                    amount: Some(10.0),
                    close_date: None,
                    source_campaign_id: None,
                    owner_id: None,
                    contact_roles: vec![],
                    created_at: None,
                },
            )
            .await
            .unwrap();
        let amount = |v: f64| OpportunityPatch {
            amount: Patch::Set(v),
            ..Default::default()
        };
        let moved = t
            .store
            .update_opportunity_if(&actor(), deal.id, amount(20.0), &[deal.updated_at])
            .await
            .unwrap();
        let err = t
            .store
            .update_opportunity_if(&actor(), deal.id, amount(30.0), &[deal.updated_at])
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Stale { entity: "opportunity", updated_at, .. } if updated_at == moved.updated_at),
            "{}: {err:?}",
            t.name
        );
        assert_eq!(
            t.store.get_opportunity(deal.id).await.unwrap().amount,
            Some(20.0),
            "{}",
            t.name
        );
        // A patch that is invalid is refused as invalid, whatever version it names.
        let err = t
            .store
            .update_opportunity_if(
                &actor(),
                deal.id,
                OpportunityPatch {
                    name: Patch::Set(" ".into()),
                    ..Default::default()
                },
                &[deal.updated_at],
            )
            .await
            .unwrap_err();
        assert!(
            !matches!(err, StoreError::Stale { .. }),
            "{}: {err:?}",
            t.name
        );
    }
}

#[tokio::test]
async fn four_reviewers_resolving_one_record_at_once_leave_one_resolution() {
    for t in backends().await {
        let acme = t
            .store
            .create_account(
                &actor(),
                NewAccount {
                    name: "Acme Corporation".into(),
                    domains: vec!["acme.com".into()],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let kim = PersonRecord {
            first_name: Some("Kim".into()),
            last_name: Some("Ng".into()),
            email: Some("kim@gmail.com".into()),
            company: Some("Unknown Widgets".into()),
            ..PersonRecord::default()
        };
        let intake = Intake::new(t.store.clone(), MatchConfig::default());
        let report = intake
            .submit(
                &actor(),
                "import:people.csv",
                vec![IntakeItem {
                    hints: Default::default(),
                    source_key: content_key(&kim),
                    record: kim,
                }],
            )
            .await
            .unwrap();
        assert_eq!(report.needs_review, 1, "{}", t.name);
        let id = report.record_ids[0];

        let reviewers = [
            Resolution::Reject("spam".into()),
            Resolution::Account(acme.id),
            Resolution::Reject("a test entry".into()),
            Resolution::Account(acme.id),
        ];
        let actor = actor();
        let done = join_all(
            reviewers
                .into_iter()
                .map(|r| t.store.resolve_review(&actor, id, r)),
        )
        .await;
        let winners: Vec<&IntakeRecord> = done.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(winners.len(), 1, "{}: {done:?}", t.name);
        for lost in done.iter().filter_map(|r| r.as_ref().err()) {
            assert!(
                matches!(lost, StoreError::Conflict { .. })
                    && lost.to_string().contains("already resolved"),
                "{}: {lost:?}",
                t.name
            );
        }

        let record = t.store.get_intake(id).await.unwrap();
        assert_eq!(record.outcome, winners[0].outcome, "{}", t.name);
        let contact = t
            .store
            .find_contact_by_email(&Email::parse("kim@gmail.com").unwrap())
            .await
            .unwrap();
        match record.outcome {
            IntakeOutcome::Rejected => {
                assert!(contact.is_none(), "{}: rejected, yet {contact:?}", t.name)
            }
            _ => assert_eq!(contact.map(|c| c.id), record.contact_id, "{}", t.name),
        }
        assert_eq!(
            t.store.counts().await.unwrap().needs_review,
            0,
            "{}",
            t.name
        );
    }
}
