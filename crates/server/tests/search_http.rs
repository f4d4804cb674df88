//! Global search over HTTP on both backends: the API's `/api/v1/search`, the results page and the
//! suggestions under the search box.

mod common;

use abcrm_core::model::Role;
use common::{each_backend, json, web, Method};

#[tokio::test]
async fn the_api_ranks_accounts_people_and_deals_and_refuses_what_it_cannot_look_up() {
    for api in each_backend(Role::Sales).await {
        let acme = api.account("Acme").await;
        api.account("Acme Holdings").await;
        api.ok(
            Method::POST,
            "/api/v1/contacts",
            Some(json!({ "account_id": acme, "first_name": "Jane", "last_name": "Roe", "email": "jane@acme.com" })),
        )
        .await;
        let body = api.ok(Method::GET, "/api/v1/search?q=acme", None).await;
        let results = body["results"].as_array().unwrap();
        let first: Vec<(&str, &str)> = results
            .iter()
            .map(|r| (r["kind"].as_str().unwrap(), r["name"].as_str().unwrap()))
            .collect();
        assert_eq!(
            first,
            [
                ("account", "Acme"),
                ("account", "Acme Holdings"),
                ("contact", "Jane Roe")
            ],
            "{}",
            api.name
        );
        assert_eq!(results[0]["id"], acme);
        assert_eq!(results[2]["company"], "Acme");
        assert_eq!(body["query"], "acme");

        let body = api
            .ok(Method::GET, "/api/v1/search?q=acme&limit=1", None)
            .await;
        assert_eq!(
            body["results"].as_array().unwrap().len(),
            2,
            "one of each kind"
        );

        for (path, field) in [
            ("/api/v1/search?q=ac", "q"),
            ("/api/v1/search?q=a%20b%20c%20d%20e%20f%20g%20h", "q"),
            ("/api/v1/search?q=acme&limit=0", "limit"),
            ("/api/v1/search?q=acme&limit=51", "limit"),
        ] {
            let res = api.send(Method::GET, path, None).await;
            let problem = api.problem(res, 400, Some(field)).await;
            assert!(!problem["detail"].as_str().unwrap().is_empty());
        }
        let res = api.send(Method::GET, "/api/v1/search", None).await;
        api.problem(res, 400, None).await;
    }
}

#[tokio::test]
async fn the_search_page_and_the_suggestions_link_each_record() {
    for w in web::each_backend(Role::ReadOnly).await {
        let actor = abcrm_core::model::Actor::system("test");
        let account = w
            .store
            .create_account(
                &actor,
                abcrm_core::model::NewAccount {
                    name: "Initech".into(),
                    domains: vec!["initech.io".into()],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let mut c = abcrm_core::model::NewContact::at(account.id);
        c.first_name = Some("Peter".into());
        c.last_name = Some("Gibbons".into());
        let peter = w.store.create_contact(&actor, c).await.unwrap();

        // Every page carries the box.
        assert!(
            w.page("/").await.contains("id=\"global-search\""),
            "{}",
            w.name
        );

        let page = w.page("/search?q=initech").await;
        assert!(
            page.contains("id=\"search-accounts\""),
            "{}: {page}",
            w.name
        );
        assert!(page.contains(&format!("href=\"/accounts/{}\"", account.id.0)));
        assert!(page.contains(&format!("href=\"/contacts/{}\"", peter.id.0)));
        assert!(
            page.contains("value=\"initech\""),
            "the box keeps the words"
        );

        let page = w.page("/search?q=gibbons").await;
        assert!(page.contains(&format!("href=\"/contacts/{}\"", peter.id.0)));
        assert!(!page.contains("id=\"search-accounts\""), "{}", w.name);

        let page = w.page("/search?q=in").await;
        assert!(page.contains("id=\"search-problem\""), "{}", w.name);
        assert!(page.contains("at least 3 letters"));

        let page = w.page("/search?q=zzzqqq").await;
        assert!(page.contains("Nothing found"), "{}", w.name);

        let (status, fragment) = w.get("/search/suggest?q=gibb").await;
        assert_eq!(status, 200);
        assert!(!fragment.contains("<html"), "a fragment, not a page");
        assert!(fragment.contains(&format!("href=\"/contacts/{}\"", peter.id.0)));
        assert!(fragment.contains("href=\"/search?q=gibb\""));
        let (_, fragment) = w.get("/search/suggest?q=gi").await;
        assert!(
            fragment.trim().is_empty(),
            "two letters: nothing yet, and no scolding"
        );
    }
}
