//! Creating and editing an account in the web UI, on both backends: values land in the store,
//! an edit changes only what changed (provenance of untouched fields is kept), a stale form
//! never overwrites a newer save, and refused values come back beside their fields.

mod common;

use abcrm_core::enrich::{check_row, AccountField, EnrichKey, EnrichRow, SourceKind};
use abcrm_core::model::*;
use abcrm_core::AccountId;
use common::web::{self, Web};
use reqwest::StatusCode;

fn id_after(location: &str) -> AccountId {
    AccountId(
        location
            .trim_start_matches("/accounts/")
            .split(['?', '/'])
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|_| panic!("{location}")),
    )
}

#[tokio::test]
async fn an_account_is_created_under_its_parent_by_name_and_refused_values_are_named() {
    for w in web::each_backend(Role::Sales).await {
        assert!(
            w.page("/accounts").await.contains("href=\"/accounts/new\""),
            "{}",
            w.name
        );
        assert!(w
            .page("/accounts/new")
            .await
            .contains("id=\"account-form\""));
        let parent = w
            .store
            .create_account(
                &Actor::system("test"),
                NewAccount {
                    name: "Initech Holdings".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();

        let res = w
            .post(
                "/accounts/new",
                &[
                    ("name", ""),
                    ("employees", "many"),
                    ("parent", "Nobody Corp"),
                    ("domains", "initech.de"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}", w.name);
        let body = res.text().await.unwrap();
        for field in ["name", "employees", "parent"] {
            assert!(
                body.contains(&format!("id=\"af-{field}-error\"")),
                "{}: {field}: {body}",
                w.name
            );
        }
        assert!(body.contains("value=\"initech.de\""));
        assert_eq!(w.store.counts().await.unwrap().accounts, 1);

        let res = w
            .post(
                "/accounts/new",
                &[
                    ("name", "Initech GmbH"),
                    ("domains", "Initech.de, initech.at"),
                    ("industry", "Software"),
                    ("employees", "1,200"),
                    ("city", "Berlin"),
                    ("country", "Germany"),
                    ("relationship", "prospect"),
                    ("owner_id", &w.user.to_string()),
                    ("parent", "initech holdings"),
                    ("target_tier", "2"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let a = w
            .store
            .get_account(id_after(&Web::location(&res)))
            .await
            .unwrap();
        assert_eq!(
            a.domains,
            vec!["initech.de".to_string(), "initech.at".to_string()]
        );
        assert_eq!(
            (a.employees, a.country.as_deref(), a.parent_id),
            (Some(1200), Some("DE"), Some(parent.id))
        );
        assert_eq!(a.owner_id.map(|u| u.0), Some(w.user));
        assert_eq!(a.target_tier, Some(2));

        // Plain words in the list's filter box find it by name.
        let list = w.page("/accounts?filter=initech+gmbh").await;
        assert!(
            list.contains(&format!("href=\"/accounts/{}\"", a.id.0)),
            "{}: {list}",
            w.name
        );
        assert!(!list.contains(&format!("href=\"/accounts/{}\"", parent.id.0)));

        // A second account of the same name makes the parent ambiguous: its id is asked for.
        w.store
            .create_account(
                &Actor::system("test"),
                NewAccount {
                    name: "Initech Holdings".into(),
                    country: Some("GB".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let res = w
            .post(
                "/accounts/new",
                &[("name", "Initech Italia"), ("parent", "Initech Holdings")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            res.text().await.unwrap().contains("2 accounts are named"),
            "{}",
            w.name
        );
        let res = w
            .post(
                "/accounts/new",
                &[
                    ("name", "Initech Italia"),
                    ("parent", &parent.id.0.to_string()),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        // Editing the child, its parent shown by that now ambiguous name, keeps the parent.
        let child = id_after(&Web::location(&res));
        let path = format!("/accounts/{}/edit", child.0);
        let form = w.page(&path).await;
        assert!(form.contains("value=\"Initech Holdings\""), "{}", w.name);
        let version = web::attr_after(&form, "name=\"version\" value=\"").unwrap();
        let res = w
            .post(
                &path,
                &[
                    ("name", "Initech Italia"),
                    ("parent", "Initech Holdings"),
                    ("industry", "Software"),
                    ("version", &version),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let edited = w.store.get_account(child).await.unwrap();
        assert_eq!(edited.parent_id, Some(parent.id));
        assert_eq!(edited.industry.as_deref(), Some("Software"));
    }
}

#[tokio::test]
async fn an_edit_changes_only_what_changed_and_a_stale_form_saves_nothing() {
    for w in web::each_backend(Role::Sales).await {
        let a = w
            .store
            .create_account(
                &Actor::system("test"),
                NewAccount {
                    name: "Globex".into(),
                    domains: vec!["globex.com".into()],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        // An enrichment file set the industry.
        let row = check_row(
            EnrichRow {
                domain: Some("globex.com".into()),
                industry: Some("Chemicals".into()),
                ..Default::default()
            },
            2,
            EnrichKey::Domain,
        )
        .unwrap();
        w.store
            .enrich_accounts(
                &Actor::system("enrich dnb.csv"),
                "dnb.csv",
                EnrichKey::Domain,
                vec![row],
                abcrm_store::EnrichOptions::default(),
                &|_| {},
            )
            .await
            .unwrap();
        let path = format!("/accounts/{}/edit", a.id.0);
        let form = w.page(&path).await;
        let version = web::attr_after(&form, "name=\"version\" value=\"").unwrap();
        assert!(form.contains("value=\"Chemicals\""), "{}", w.name);

        // The person changes the employees only: the industry keeps its enrichment provenance.
        let fields = |employees: &'static str, version: String| {
            vec![
                ("name", "Globex".to_string()),
                ("domains", "globex.com".to_string()),
                ("industry", "Chemicals".to_string()),
                ("employees", employees.to_string()),
                ("relationship", "prospect".to_string()),
                ("version", version),
            ]
        };
        let send = |f: Vec<(&'static str, String)>| {
            let w = &w;
            let path = path.clone();
            async move {
                let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
                w.post(&path, &pairs).await
            }
        };
        let res = send(fields("5000", version.clone())).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let saved = w.store.get_account(a.id).await.unwrap();
        assert_eq!(saved.employees, Some(5000));
        let provenance = w.store.account_provenance(a.id).await.unwrap();
        assert_eq!(
            provenance[&AccountField::Industry].kind,
            SourceKind::Enriched,
            "{}",
            w.name
        );
        assert_eq!(
            provenance[&AccountField::Employees].kind,
            SourceKind::Entered
        );
        let a360 = w.page(&format!("/accounts/{}", a.id.0)).await;
        let trail = a360
            .split("id=\"audit-trail\"")
            .nth(1)
            .expect("a history on the 360");
        assert!(trail.contains("employees: — → 5000"), "{}: {trail}", w.name);

        // The same form sent again, opened before that save: refused, nothing changed.
        let res = send(fields("7000", version)).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}", w.name);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("someone saved this account since you opened the form"));
        assert_eq!(
            w.store.get_account(a.id).await.unwrap().employees,
            Some(5000)
        );

        // A parent that would make a cycle is refused beside the parent field.
        let child = w
            .store
            .create_account(
                &Actor::system("test"),
                NewAccount {
                    name: "Globex Labs".into(),
                    parent_id: Some(a.id),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let fresh = web::attr_after(&w.page(&path).await, "name=\"version\" value=\"").unwrap();
        let mut f = fields("5000", fresh);
        f.push(("parent", child.id.0.to_string()));
        let res = send(f).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}", w.name);
        let body = res.text().await.unwrap();
        assert!(
            body.contains("id=\"af-parent-error\"") || body.contains("id=\"af-name-error\""),
            "{body}"
        );
        assert_eq!(w.store.get_account(a.id).await.unwrap().parent_id, None);
    }
}

#[tokio::test]
async fn a_read_only_user_cannot_open_the_account_forms() {
    for w in web::each_backend(Role::ReadOnly).await {
        assert_eq!(
            w.get("/accounts/new").await.0,
            StatusCode::FORBIDDEN,
            "{}",
            w.name
        );
        assert_eq!(
            w.post("/accounts/new", &[("name", "X")]).await.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(w.store.counts().await.unwrap().accounts, 0);
    }
}
