//! Account merges over HTTP, on SQLite and PostgreSQL: the merge, its refusals and its undo.

mod common;

use abcrm_core::model::Role;
use common::*;

#[tokio::test]
async fn accounts_merge_and_unmerge_over_http() {
    for api in each_backend(Role::Sales).await {
        let name = api.name;
        let survivor = api
            .ok(
                Method::POST,
                "/api/v1/accounts",
                Some(json!({"name": "Globex", "domains": ["globex.com"]})),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let merged = api
            .ok(
                Method::POST,
                "/api/v1/accounts",
                Some(json!({"name": "Globex Corporation", "domains": ["globex.io"], "industry": "Energy", "city": "Springfield"})),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let person = api
            .ok(
                Method::POST,
                "/api/v1/contacts",
                Some(
                    json!({"account_id": merged, "first_name": "Hank", "email": "hank@globex.io"}),
                ),
            )
            .await["id"]
            .as_i64()
            .unwrap();

        let merge = api
            .ok(
                Method::POST,
                &format!("/api/v1/accounts/{survivor}/merge"),
                Some(json!({"merged_id": merged, "choices": {"name": "merged"}})),
            )
            .await;
        assert_eq!(merge["survivor"]["name"], "Globex Corporation", "{name}");
        assert_eq!(merge["survivor"]["city"], "Springfield", "{name}");
        assert_eq!(
            merge["survivor"]["domains"],
            json!(["globex.com", "globex.io"])
        );
        assert_eq!(merge["moved"]["contacts"], 1, "{name}: {merge}");
        let hank = api
            .ok(Method::GET, &format!("/api/v1/contacts/{person}"), None)
            .await;
        assert_eq!(hank["account_id"], survivor, "{name}");
        let gone = api
            .send(Method::GET, &format!("/api/v1/accounts/{merged}"), None)
            .await;
        api.problem(gone, 404, None).await;

        // The merged account is gone: naming it again is a bad body; naming it as the
        // survivor, a missing record; naming the survivor itself, a bad body.
        let again = api
            .send(
                Method::POST,
                &format!("/api/v1/accounts/{survivor}/merge"),
                Some(json!({"merged_id": merged})),
            )
            .await;
        api.problem(again, 422, Some("merged_id")).await;
        let missing = api
            .send(
                Method::POST,
                &format!("/api/v1/accounts/{merged}/merge"),
                Some(json!({"merged_id": survivor})),
            )
            .await;
        api.problem(missing, 404, None).await;
        let itself = api
            .send(
                Method::POST,
                &format!("/api/v1/accounts/{survivor}/merge"),
                Some(json!({"merged_id": survivor})),
            )
            .await;
        api.problem(itself, 422, Some("merged_id")).await;
        let bad_choice = api
            .send(
                Method::POST,
                &format!("/api/v1/accounts/{survivor}/merge"),
                Some(json!({"merged_id": 1, "choices": {"name": "both"}})),
            )
            .await;
        assert_eq!(bad_choice.status(), StatusCode::UNPROCESSABLE_ENTITY);

        let undone = api
            .ok(
                Method::POST,
                &format!("/api/v1/accounts/merges/{}/undo", merge["id"]),
                None,
            )
            .await;
        assert!(undone["undone_at"].is_string(), "{name}: {undone}");
        assert_eq!(undone["survivor"]["name"], "Globex", "{name}");
        let back = api
            .ok(Method::GET, &format!("/api/v1/accounts/{merged}"), None)
            .await;
        assert_eq!(back["domains"], json!(["globex.io"]), "{name}");
        let hank = api
            .ok(Method::GET, &format!("/api/v1/contacts/{person}"), None)
            .await;
        assert_eq!(hank["account_id"], merged, "{name}");
        let twice = api
            .send(
                Method::POST,
                &format!("/api/v1/accounts/merges/{}/undo", merge["id"]),
                None,
            )
            .await;
        api.problem(twice, 409, Some("id")).await;
        let unknown = api
            .send(Method::POST, "/api/v1/accounts/merges/987654/undo", None)
            .await;
        api.problem(unknown, 404, None).await;
    }
}

#[tokio::test]
async fn a_merge_that_would_make_an_account_its_own_parent_is_a_conflict_saying_what_to_do() {
    for api in each_backend(Role::Sales).await {
        let parent = api.account("Initech Holdings").await;
        let child = api
            .ok(
                Method::POST,
                "/api/v1/accounts",
                Some(json!({"name": "Initech", "parent_id": parent})),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let res = api
            .send(
                Method::POST,
                &format!("/api/v1/accounts/{child}/merge"),
                Some(json!({"merged_id": parent})),
            )
            .await;
        let body = api.problem(res, 409, Some("merged_id")).await;
        let detail = body["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains(&format!(
                "merge account {child} into account {parent} instead"
            )),
            "{}: {detail}",
            api.name
        );
    }
}

#[tokio::test]
async fn the_merge_endpoints_are_documented_with_every_answer() {
    for api in each_backend(Role::ReadOnly).await {
        let doc: Value = reqwest::get(format!("{}/api/openapi.json", api.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let merge = &doc["paths"]["/api/v1/accounts/{id}/merge"]["post"];
        for status in ["200", "404", "409", "422"] {
            assert!(
                merge["responses"][status].is_object(),
                "merge answers {status}"
            );
        }
        let undo = &doc["paths"]["/api/v1/accounts/merges/{id}/undo"]["post"];
        for status in ["200", "404", "409"] {
            assert!(
                undo["responses"][status].is_object(),
                "undo answers {status}"
            );
        }
        assert!(doc["components"]["schemas"]["AccountMergeChoices"].is_object());
        // A read-only token may not merge.
        let res = api
            .send(
                Method::POST,
                "/api/v1/accounts/1/merge",
                Some(json!({"merged_id": 2})),
            )
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{}", api.name);
    }
}
