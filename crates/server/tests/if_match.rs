//! Optimistic concurrency over HTTP: `GET /accounts/{id}` gives the account's version in
//! `ETag`, and a `PATCH` with `If-Match` applies only to that version.

mod common;

use abcrm_core::model::Role;
use common::*;

fn etag(res: &Response) -> String {
    res.headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("an ETag header")
        .to_string()
}

#[tokio::test]
async fn a_patch_with_the_current_etag_applies_and_one_with_an_old_etag_is_refused() {
    for api in each_backend(Role::Admin).await {
        let id = api.account("Acme").await;
        let path = format!("/api/v1/accounts/{id}");
        let read = api.send(Method::GET, &path, None).await;
        assert_eq!(read.status(), StatusCode::OK, "{}", api.name);
        let first = etag(&read);

        let patch = |tag: &str, city: &str| {
            api.client
                .patch(format!("{}{path}", api.base))
                .bearer_auth(&api.token)
                .header("if-match", tag)
                .json(&json!({ "city": city }))
                .send()
        };
        let applied = patch(&first, "Austin").await.unwrap();
        assert_eq!(applied.status(), StatusCode::OK, "{}", api.name);
        let second = etag(&applied);
        assert_ne!(second, first, "{}: a change makes a new version", api.name);

        let stale = patch(&first, "Dallas").await.unwrap();
        let body = api.problem(stale, 412, None).await;
        assert!(
            body["detail"].as_str().unwrap().contains(&second),
            "{}: the refusal names the current version: {body}",
            api.name
        );
        let now = api.ok(Method::GET, &path, None).await;
        assert_eq!(now["city"], "Austin", "{}", api.name);

        // Any version, and no header at all, still apply.
        assert_eq!(patch("*", "Boston").await.unwrap().status(), StatusCode::OK);
        api.ok(Method::PATCH, &path, Some(json!({ "city": "Denver" })))
            .await;
    }
}

#[tokio::test]
async fn the_openapi_document_describes_if_match_and_the_412() {
    let api = start(abcrm_store::testing::sqlite().await, Role::Admin).await;
    let doc: Value = api
        .client
        .get(format!("{}/api/openapi.json", api.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let patch = &doc["paths"]["/api/v1/accounts/{id}"]["patch"];
    assert!(
        patch["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "If-Match" && p["in"] == "header"),
        "{patch}"
    );
    assert!(patch["responses"]["412"].is_object(), "{patch}");
    let get = &doc["paths"]["/api/v1/accounts/{id}"]["get"];
    assert!(
        get["responses"]["200"]["headers"]["ETag"].is_object(),
        "{get}"
    );
}
