//! Optimistic concurrency over HTTP: `GET` of an account, a contact or an opportunity gives its
//! version in `ETag`, and a `PATCH` with `If-Match` applies only to that version.

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
        let account = api.account("Acme").await;
        let contact = api
            .ok(
                Method::POST,
                "/api/v1/contacts",
                Some(json!({ "account_id": account, "first_name": "Pat" })),
            )
            .await["id"]
            .clone();
        let deal = api
            .ok(
                Method::POST,
                "/api/v1/opportunities",
                Some(json!({ "account_id": account, "name": "Deal" })),
            )
            .await["id"]
            .clone();
        // Each kind with a field and three values for it.
        let kinds = [
            (
                format!("/api/v1/accounts/{account}"),
                "city",
                [json!("Austin"), json!("Dallas"), json!("Boston")],
            ),
            (
                format!("/api/v1/contacts/{contact}"),
                "title",
                [json!("CFO"), json!("CEO"), json!("CTO")],
            ),
            (
                format!("/api/v1/opportunities/{deal}"),
                "amount",
                [json!(10.0), json!(20.0), json!(30.0)],
            ),
        ];
        for (path, field, [first_value, stale_value, any_value]) in kinds {
            let read = api.send(Method::GET, &path, None).await;
            assert_eq!(read.status(), StatusCode::OK, "{}: {path}", api.name);
            let first = etag(&read);

            let patch = |tag: &str, value: &Value| {
                api.client
                    .patch(format!("{}{path}", api.base))
                    .bearer_auth(&api.token)
                    .header("if-match", tag)
                    .json(&json!({ field: value }))
                    .send()
            };
            let applied = patch(&first, &first_value).await.unwrap();
            assert_eq!(applied.status(), StatusCode::OK, "{}: {path}", api.name);
            let second = etag(&applied);
            assert_ne!(
                second, first,
                "{}: {path}: a change makes a new version",
                api.name
            );

            let stale = patch(&first, &stale_value).await.unwrap();
            let body = api.problem(stale, 412, None).await;
            assert!(
                body["detail"].as_str().unwrap().contains(&second),
                "{}: {path}: the refusal names the current version: {body}",
                api.name
            );
            let now = api.ok(Method::GET, &path, None).await;
            assert_eq!(now[field], first_value, "{}: {path}", api.name);

            // Any version, and no header at all, still apply.
            assert_eq!(
                patch("*", &any_value).await.unwrap().status(),
                StatusCode::OK
            );
            api.ok(Method::PATCH, &path, Some(json!({ field: first_value })))
                .await;
        }
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
    for kind in ["accounts", "contacts", "opportunities"] {
        let path = &doc["paths"][format!("/api/v1/{kind}/{{id}}")];
        let patch = &path["patch"];
        assert!(
            patch["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "If-Match" && p["in"] == "header"),
            "{kind}: {patch}"
        );
        assert!(patch["responses"]["412"].is_object(), "{kind}: {patch}");
        assert!(
            path["get"]["responses"]["200"]["headers"]["ETag"].is_object(),
            "{kind}: {}",
            path["get"]
        );
    }
}
