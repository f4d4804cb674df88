//! Enrichment in the store, on SQLite and PostgreSQL: empty fields are filled, what a person
//! entered is kept and reported, machine-set values are refreshed, unknown keys are listed or
//! created, parents are set by domain and a cycle is a conflict, and every write path records
//! where a field's value came from.

use abcrm_core::enrich::{
    check_row, AccountField, CheckedRow, Decision, EnrichKey, EnrichRow, FieldValue, SourceKind,
};
use abcrm_core::model::*;
use abcrm_core::patch::Patch;
use abcrm_store::testing::{backends, TestStore};
use abcrm_store::{EnrichOptions, EnrichOutcome, EnrichReport};
use chrono::{Duration, Utc};

fn person() -> Actor {
    Actor::system("user:ada@example.com")
}

async fn account(t: &TestStore, name: &str, domain: &str, industry: Option<&str>) -> Account {
    t.store
        .create_account(
            &person(),
            NewAccount {
                name: name.into(),
                domains: vec![domain.into()],
                industry: industry.map(String::from),
                ..Default::default()
            },
        )
        .await
        .unwrap()
}

fn by_domain(domain: &str, fill: impl FnOnce(&mut EnrichRow)) -> CheckedRow {
    let mut row = EnrichRow {
        domain: Some(domain.into()),
        ..Default::default()
    };
    fill(&mut row);
    check_row(row, 2, EnrichKey::Domain).unwrap()
}

async fn enrich(
    t: &TestStore,
    source: &str,
    rows: Vec<CheckedRow>,
    options: EnrichOptions,
) -> EnrichReport {
    t.store
        .enrich_accounts(
            &Actor::system(format!("enrich {source}")),
            source,
            EnrichKey::Domain,
            rows,
            options,
            &|_| {},
        )
        .await
        .unwrap()
}

fn overwrite() -> EnrichOptions {
    EnrichOptions {
        overwrite: true,
        ..Default::default()
    }
}

#[tokio::test]
async fn empty_fields_are_filled_and_marked_enriched() {
    for t in backends().await {
        let acme = account(&t, "Acme", "acme.com", None).await;
        let report = enrich(
            &t,
            "dnb.csv",
            vec![by_domain("https://www.acme.com/", |r| {
                r.industry = Some("Software".into());
                r.employees = Some(1200);
            })],
            EnrichOptions::default(),
        )
        .await;
        assert_eq!(
            (report.accounts_updated, report.fields_filled),
            (1, 2),
            "{}",
            t.name
        );
        let after = t.store.get_account(acme.id).await.unwrap();
        assert_eq!(
            (after.industry.as_deref(), after.employees),
            (Some("Software"), Some(1200)),
            "{}",
            t.name
        );
        let provenance = t.store.account_provenance(acme.id).await.unwrap();
        let industry = &provenance[&AccountField::Industry];
        assert_eq!(
            (industry.kind, industry.source.as_deref()),
            (SourceKind::Enriched, Some("dnb.csv")),
            "{}",
            t.name
        );
        let audit = t
            .store
            .list_audit(
                &abcrm_store::AuditQuery {
                    entity: Some("account".into()),
                    entity_id: Some(acme.id.0),
                },
                Default::default(),
            )
            .await
            .unwrap();
        // Newest first; the stage rules may move the better-fitting account after it.
        assert!(
            audit.items.iter().any(|e| e.action == "enrich"),
            "{}: {:?}",
            t.name,
            audit.items
        );
    }
}

#[tokio::test]
async fn a_value_a_person_entered_is_kept_and_reported_as_a_conflict() {
    for t in backends().await {
        let acme = account(&t, "Acme", "acme.com", Some("Retail")).await;
        let row = || {
            by_domain("acme.com", |r| {
                r.industry = Some("Software".into());
                r.city = Some("Boston".into());
            })
        };
        let report = enrich(&t, "dnb.csv", vec![row()], EnrichOptions::default()).await;
        let fields = &report.results[0].fields;
        let industry = fields
            .iter()
            .find(|f| f.field == AccountField::Industry)
            .unwrap();
        assert_eq!(
            (
                industry.decision,
                industry.current.clone(),
                industry.current_provenance.as_ref().map(|p| p.kind)
            ),
            (
                Decision::Conflict,
                Some(FieldValue::Text("Retail".into())),
                Some(SourceKind::Entered)
            ),
            "{}",
            t.name
        );
        assert_eq!(
            (report.conflicts, report.fields_filled),
            (1, 1),
            "{}",
            t.name
        );
        let after = t.store.get_account(acme.id).await.unwrap();
        assert_eq!(after.industry.as_deref(), Some("Retail"), "{}", t.name);

        let report = enrich(&t, "dnb.csv", vec![row()], overwrite()).await;
        assert_eq!(
            (report.fields_overwritten, report.fields_kept),
            (1, 1),
            "{}",
            t.name
        );
        let after = t.store.get_account(acme.id).await.unwrap();
        assert_eq!(after.industry.as_deref(), Some("Software"), "{}", t.name);
    }
}

#[tokio::test]
async fn enriched_values_are_refreshed_by_a_later_enrichment() {
    for t in backends().await {
        let acme = account(&t, "Acme", "acme.com", None).await;
        let employees = |n| by_domain("acme.com", move |r| r.employees = Some(n));
        enrich(
            &t,
            "2024.csv",
            vec![employees(100)],
            EnrichOptions::default(),
        )
        .await;
        let report = enrich(
            &t,
            "2025.csv",
            vec![employees(140)],
            EnrichOptions::default(),
        )
        .await;
        assert_eq!(report.fields_overwritten, 1, "{}", t.name);
        assert_eq!(
            t.store.get_account(acme.id).await.unwrap().employees,
            Some(140),
            "{}",
            t.name
        );
        let provenance = t.store.account_provenance(acme.id).await.unwrap();
        assert_eq!(
            provenance[&AccountField::Employees].source.as_deref(),
            Some("2025.csv"),
            "{}",
            t.name
        );
    }
}

#[tokio::test]
async fn unknown_keys_are_listed_and_created_only_when_asked() {
    for t in backends().await {
        let row = || {
            by_domain("globex.com", |r| {
                r.name = Some("Globex Corporation".into());
                r.country = Some("US".into());
            })
        };
        let report = enrich(&t, "dnb.csv", vec![row()], EnrichOptions::default()).await;
        assert_eq!(
            (report.unknown, report.results[0].outcome),
            (1, EnrichOutcome::Unknown),
            "{}",
            t.name
        );
        assert_eq!(t.store.counts().await.unwrap().accounts, 0, "{}", t.name);

        let create = EnrichOptions {
            create_missing: true,
            ..Default::default()
        };
        let report = enrich(&t, "dnb.csv", vec![row()], create).await;
        assert_eq!(report.accounts_created, 1, "{}", t.name);
        let id = report.results[0].account.as_ref().unwrap().id;
        let created = t.store.get_account(id).await.unwrap();
        assert_eq!(
            (
                created.name.as_str(),
                created.domains.clone(),
                created.country.as_deref()
            ),
            (
                "Globex Corporation",
                vec!["globex.com".to_string()],
                Some("US")
            ),
            "{}",
            t.name
        );
        let provenance = t.store.account_provenance(id).await.unwrap();
        assert_eq!(
            provenance[&AccountField::Country].kind,
            SourceKind::Enriched,
            "{}",
            t.name
        );
    }
}

#[tokio::test]
async fn a_subdomain_and_a_duns_find_their_account() {
    for t in backends().await {
        let acme = t
            .store
            .create_account(
                &person(),
                NewAccount {
                    name: "Acme".into(),
                    domains: vec!["acme.co.uk".into()],
                    duns: Some("150483782".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let by_host = enrich(
            &t,
            "a.csv",
            vec![by_domain("eu.sales.acme.co.uk", |r| {
                r.state = Some("London".into())
            })],
            EnrichOptions::default(),
        )
        .await;
        assert_eq!(
            by_host.results[0].account.as_ref().map(|a| a.id),
            Some(acme.id),
            "{}",
            t.name
        );
        let row = check_row(
            EnrichRow {
                duns: Some("15-048-3782".into()),
                city: Some("London".into()),
                ..Default::default()
            },
            2,
            EnrichKey::Duns,
        )
        .unwrap();
        let by_duns = t
            .store
            .enrich_accounts(
                &person(),
                "b.csv",
                EnrichKey::Duns,
                vec![row],
                EnrichOptions::default(),
                &|_| {},
            )
            .await
            .unwrap();
        assert_eq!(
            (by_duns.accounts_updated, by_duns.results[0].outcome),
            (1, EnrichOutcome::Matched),
            "{}",
            t.name
        );
    }
}

#[tokio::test]
async fn a_parent_is_set_by_domain_and_a_cyclic_parent_is_a_conflict() {
    for t in backends().await {
        let holding = account(&t, "Acme Holding", "acmeholding.com", None).await;
        let acme = account(&t, "Acme", "acme.com", None).await;
        let report = enrich(
            &t,
            "dnb.csv",
            vec![by_domain("acme.com", |r| {
                r.parent_domain = Some("acmeholding.com".into())
            })],
            EnrichOptions::default(),
        )
        .await;
        assert_eq!(report.fields_filled, 1, "{}", t.name);
        assert_eq!(
            t.store.get_account(acme.id).await.unwrap().parent_id,
            Some(holding.id),
            "{}",
            t.name
        );

        // The holding under its own subsidiary would close a loop, even when overwriting.
        let report = enrich(
            &t,
            "dnb.csv",
            vec![by_domain("acmeholding.com", |r| {
                r.parent_domain = Some("acme.com".into())
            })],
            overwrite(),
        )
        .await;
        let parent = &report.results[0].fields[0];
        assert_eq!(
            (parent.field, parent.decision),
            (AccountField::ParentId, Decision::Conflict),
            "{}",
            t.name
        );
        assert!(
            parent.reason.as_deref().unwrap().contains("cycle"),
            "{}: {parent:?}",
            t.name
        );
        assert_eq!(
            t.store.get_account(holding.id).await.unwrap().parent_id,
            None,
            "{}",
            t.name
        );
    }
}

#[tokio::test]
async fn accounts_created_and_updated_by_a_person_record_entered_provenance() {
    for t in backends().await {
        let acme = account(&t, "Acme", "acme.com", Some("Retail")).await;
        let provenance = t.store.account_provenance(acme.id).await.unwrap();
        let industry = &provenance[&AccountField::Industry];
        assert_eq!(
            (industry.kind, industry.source.as_deref()),
            (SourceKind::Entered, Some("user:ada@example.com")),
            "{}",
            t.name
        );
        assert!(!provenance.contains_key(&AccountField::City), "{}", t.name);

        enrich(
            &t,
            "dnb.csv",
            vec![by_domain("acme.com", |r| r.city = Some("Boston".into()))],
            EnrichOptions::default(),
        )
        .await;
        t.store
            .update_account(
                &person(),
                acme.id,
                AccountPatch {
                    city: Patch::Set("Cambridge".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let provenance = t.store.account_provenance(acme.id).await.unwrap();
        assert_eq!(
            provenance[&AccountField::City].kind,
            SourceKind::Entered,
            "{}: a person's correction of an enriched value is the person's",
            t.name
        );
    }
}

#[tokio::test]
async fn a_dry_run_reports_and_changes_nothing() {
    for t in backends().await {
        let acme = account(&t, "Acme", "acme.com", None).await;
        let options = EnrichOptions {
            dry_run: true,
            create_missing: true,
            ..Default::default()
        };
        let report = enrich(
            &t,
            "dnb.csv",
            vec![
                by_domain("acme.com", |r| r.industry = Some("Software".into())),
                by_domain("globex.com", |_| {}),
            ],
            options,
        )
        .await;
        assert_eq!(
            (report.fields_filled, report.accounts_created),
            (1, 1),
            "{}",
            t.name
        );
        assert_eq!(
            t.store.get_account(acme.id).await.unwrap().industry,
            None,
            "{}",
            t.name
        );
        assert_eq!(t.store.counts().await.unwrap().accounts, 1, "{}", t.name);
    }
}

#[tokio::test]
async fn enriched_firmographics_rescore_the_account() {
    for t in backends().await {
        let acme = account(&t, "Acme", "acme.com", None).await;
        let mut c = NewContact::at(acme.id);
        c.first_name = Some("Ann".into());
        let ann = t.store.create_contact(&person(), c).await.unwrap();
        t.store
            .create_activity(
                &person(),
                NewActivity {
                    account_id: None,
                    contact_id: Some(ann.id),
                    body: None,
                    kind: ActivityKind::Meeting,
                    subject: None,
                    occurred_at: Some(Utc::now() - Duration::days(1)),
                    campaign_id: None,
                    opportunity_id: None,
                },
            )
            .await
            .unwrap();
        let before = t.store.account_score(acme.id).await.unwrap().unwrap();
        // The shipped model gives fit for a target industry.
        enrich(
            &t,
            "dnb.csv",
            vec![by_domain("acme.com", |r| {
                r.industry = Some("Software".into())
            })],
            EnrichOptions::default(),
        )
        .await;
        let after = t.store.account_score(acme.id).await.unwrap().unwrap();
        assert!(
            after.score.parts.fit > before.score.parts.fit,
            "{}: fit {:?} -> {:?}",
            t.name,
            before.score.parts.fit,
            after.score.parts.fit
        );
    }
}

#[tokio::test]
async fn what_was_typed_for_a_place_is_kept_beside_its_code() {
    for t in backends().await {
        let n = t.name;
        let typed = |a: &Account| {
            let store = t.store.clone();
            let id = a.id;
            async move {
                let p = store.account_provenance(id).await.unwrap();
                let of = |f| p.get(&f).and_then(|p| p.typed.clone());
                (of(AccountField::Country), of(AccountField::State))
            }
        };
        // Entered by a person: stored as codes, the spellings kept.
        let acme = t
            .store
            .create_account(
                &person(),
                NewAccount {
                    name: "Acme".into(),
                    domains: vec!["acme.com".into()],
                    country: Some(" USA ".into()),
                    state: Some("California".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (acme.country.as_deref(), acme.state.as_deref()),
            (Some("US"), Some("CA")),
            "{n}"
        );
        assert_eq!(
            typed(&acme).await,
            (Some("USA".into()), Some("California".into())),
            "{n}"
        );

        // A patch of the state: its spelling replaces the old one; the country's stays.
        let patch = |state: &str| AccountPatch {
            state: Patch::Set(state.into()),
            ..Default::default()
        };
        let acme = t
            .store
            .update_account(&person(), acme.id, patch("texas"))
            .await
            .unwrap();
        assert_eq!(acme.state.as_deref(), Some("TX"), "{n}");
        assert_eq!(
            typed(&acme).await,
            (Some("USA".into()), Some("texas".into())),
            "{n}"
        );
        // Typed as stored: nothing to keep.
        let acme = t
            .store
            .update_account(&person(), acme.id, patch("TX"))
            .await
            .unwrap();
        assert_eq!(typed(&acme).await, (Some("USA".into()), None), "{n}");

        // Enrichment stores codes too, and keeps the file's spelling.
        let globex = account(&t, "Globex", "globex.de", None).await;
        enrich(
            &t,
            "dnb.csv",
            vec![by_domain("globex.de", |r| {
                r.country = Some("Deutschland".into());
                r.state = Some("Bayern".into());
            })],
            EnrichOptions::default(),
        )
        .await;
        let globex = t.store.get_account(globex.id).await.unwrap();
        assert_eq!(
            (globex.country.as_deref(), globex.state.as_deref()),
            (Some("DE"), Some("BY")),
            "{n}"
        );
        assert_eq!(
            typed(&globex).await,
            (Some("Deutschland".into()), Some("Bayern".into())),
            "{n}"
        );

        // A migration's accounts too, their provenance marked imported.
        let ids = t
            .store
            .import_accounts(
                &person(),
                "salesforce",
                vec![(
                    "001A".into(),
                    NewAccount {
                        name: "Initech".into(),
                        country: Some("United States".into()),
                        state: Some("Texas".into()),
                        ..Default::default()
                    },
                )],
            )
            .await
            .unwrap();
        let initech = t.store.get_account(ids[0]).await.unwrap();
        assert_eq!(
            (initech.country.as_deref(), initech.state.as_deref()),
            (Some("US"), Some("TX")),
            "{n}"
        );
        assert_eq!(
            typed(&initech).await,
            (Some("United States".into()), Some("Texas".into())),
            "{n}"
        );
        let provenance = t.store.account_provenance(initech.id).await.unwrap();
        assert_eq!(
            provenance[&AccountField::State].kind,
            SourceKind::Imported,
            "{n}"
        );
    }
}
