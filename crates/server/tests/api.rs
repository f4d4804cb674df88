//! The HTTP API, driven over real HTTP against real SQLite and PostgreSQL stores.

mod common;

use abcrm_core::model::Role;
use common::*;

#[tokio::test]
async fn crud_round_trips_for_every_resource() {
    for api in each_backend(Role::Admin).await {
        let acc = api.ok(Method::POST, "/api/v1/accounts", Some(json!({"name": "Initech Inc", "domains": ["https://www.initech.com"], "state": "CA"}))).await;
        let id = acc["id"].as_i64().unwrap();
        assert_eq!(acc["domains"], json!(["initech.com"]), "{}", api.name);
        let patched = api
            .ok(
                Method::PATCH,
                &format!("/api/v1/accounts/{id}"),
                Some(json!({"industry": "Software", "state": null})),
            )
            .await;
        assert_eq!(
            (patched["industry"].as_str(), patched["state"].is_null()),
            (Some("Software"), true),
            "{}",
            api.name
        );

        let c = api.ok(Method::POST, "/api/v1/contacts", Some(json!({"account_id": id, "first_name": "Peter", "email": " Peter@Initech.com "}))).await;
        assert_eq!(c["email"], "peter@initech.com", "{}", api.name);
        let cid = c["id"].as_i64().unwrap();
        let camp = api
            .ok(
                Method::POST,
                "/api/v1/campaigns",
                Some(json!({"name": "Q3 Summit", "kind": "event"})),
            )
            .await;
        let camp_id = camp["id"].as_i64().unwrap();
        api.ok(
            Method::POST,
            &format!("/api/v1/campaigns/{camp_id}/members"),
            Some(json!({"contact_id": cid, "status": "attended"})),
        )
        .await;
        let members = api
            .ok(
                Method::GET,
                &format!("/api/v1/campaigns/{camp_id}/members"),
                None,
            )
            .await;
        assert_eq!(members["items"][0]["account_id"], id, "{}", api.name);
        let opp = api.ok(Method::POST, "/api/v1/opportunities", Some(json!({"account_id": id, "name": "TPS", "amount": 5000, "contact_roles": [{"contact_id": cid, "role": "champion", "is_primary": true}]}))).await;
        assert_eq!(opp["contact_roles"][0]["role"], "champion", "{}", api.name);
        let oid = opp["id"].as_i64().unwrap();
        let act = api
            .ok(
                Method::POST,
                "/api/v1/activities",
                Some(json!({"contact_id": cid, "kind": "meeting", "subject": "Kick-off"})),
            )
            .await;
        assert_eq!(act["account_id"], id, "{}", api.name);
        let aid = act["id"].as_i64().unwrap();

        for path in [
            format!("/api/v1/activities/{aid}"),
            format!("/api/v1/opportunities/{oid}"),
            format!("/api/v1/campaigns/{camp_id}"),
            format!("/api/v1/contacts/{cid}"),
            format!("/api/v1/accounts/{id}"),
        ] {
            api.ok(Method::GET, &path, None).await;
            api.ok(Method::DELETE, &path, None).await;
            let gone = api.send(Method::GET, &path, None).await;
            api.problem(gone, 404, None).await;
        }
    }
}

#[tokio::test]
async fn bad_input_is_answered_with_a_problem_naming_the_field() {
    for api in each_backend(Role::Admin).await {
        let id = api.account("Acme").await;
        let raw = api
            .client
            .post(format!("{}/api/v1/accounts", api.base))
            .bearer_auth(&api.token)
            .header("content-type", "application/json")
            .body("{\"name\": ")
            .send()
            .await
            .unwrap();
        api.problem(raw, 400, None).await;
        let unknown = api
            .send(
                Method::POST,
                "/api/v1/accounts",
                Some(json!({"name": "X", "colour": "red"})),
            )
            .await;
        api.problem(unknown, 422, Some("colour")).await;
        let email = api
            .send(
                Method::POST,
                "/api/v1/contacts",
                Some(json!({"account_id": id, "email": "not-an-email"})),
            )
            .await;
        api.problem(email, 422, Some("email")).await;
        let orphan = api
            .send(
                Method::POST,
                "/api/v1/contacts",
                Some(json!({"first_name": "Lone"})),
            )
            .await;
        api.problem(orphan, 422, Some("account_id")).await;
        let ghost = api
            .send(
                Method::POST,
                "/api/v1/contacts",
                Some(json!({"account_id": 99999, "first_name": "Lone"})),
            )
            .await;
        api.problem(ghost, 422, Some("account_id")).await;
        let role = api
            .send(
                Method::POST,
                "/api/v1/contacts",
                Some(json!({"account_id": id, "first_name": "A", "buying_role": "boss"})),
            )
            .await;
        api.problem(role, 422, Some("buying_role")).await;
        let no_type = api
            .client
            .post(format!("{}/api/v1/accounts", api.base))
            .bearer_auth(&api.token)
            .body("{}")
            .send()
            .await
            .unwrap();
        api.problem(no_type, 415, None).await;
        let cursor = api
            .send(Method::GET, "/api/v1/accounts?cursor=garbage", None)
            .await;
        api.problem(cursor, 400, Some("cursor")).await;
        let bad_id = api.send(Method::GET, "/api/v1/accounts/abc", None).await;
        api.problem(bad_id, 400, Some("id")).await;
        let nowhere = api.send(Method::GET, "/api/v1/leads", None).await;
        api.problem(nowhere, 404, None).await;
    }
}

#[tokio::test]
async fn domain_rules_come_back_as_conflicts() {
    for api in each_backend(Role::Admin).await {
        let top = api.account("Top").await;
        let low = api
            .ok(
                Method::POST,
                "/api/v1/accounts",
                Some(json!({"name": "Low", "parent_id": top})),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let cycle = api
            .send(
                Method::PATCH,
                &format!("/api/v1/accounts/{top}"),
                Some(json!({"parent_id": low})),
            )
            .await;
        let body = api.problem(cycle, 409, Some("parent_id")).await;
        assert!(
            body["detail"].as_str().unwrap().contains("cycle"),
            "{}: {body}",
            api.name
        );

        api.ok(
            Method::POST,
            "/api/v1/contacts",
            Some(json!({"account_id": low, "email": "a@low.com"})),
        )
        .await;
        let dup = api
            .send(
                Method::POST,
                "/api/v1/contacts",
                Some(json!({"account_id": top, "email": "A@LOW.com"})),
            )
            .await;
        api.problem(dup, 409, Some("email")).await;

        let refused = api
            .send(Method::DELETE, &format!("/api/v1/accounts/{low}"), None)
            .await;
        let body = api.problem(refused, 409, None).await;
        assert!(
            body["detail"].as_str().unwrap().contains("1 contacts"),
            "{}: {body}",
            api.name
        );
        let other = api.account("Other").await;
        api.ok(
            Method::DELETE,
            &format!("/api/v1/accounts/{low}?move_to={other}"),
            None,
        )
        .await;
        let moved = api
            .ok(
                Method::GET,
                &format!("/api/v1/contacts?account_id={other}"),
                None,
            )
            .await;
        assert_eq!(moved["items"].as_array().unwrap().len(), 1, "{}", api.name);
    }
}

#[tokio::test]
async fn requests_without_a_valid_token_are_unauthorized() {
    for api in each_backend(Role::Admin).await {
        let none = api
            .client
            .get(format!("{}/api/v1/accounts", api.base))
            .send()
            .await
            .unwrap();
        assert!(
            none.headers().get("www-authenticate").is_some(),
            "{}",
            api.name
        );
        api.problem(none, 401, None).await;
        let wrong = api
            .client
            .get(format!("{}/api/v1/accounts", api.base))
            .bearer_auth("abcrm_nope")
            .send()
            .await
            .unwrap();
        api.problem(wrong, 401, None).await;
        let spec = api
            .client
            .get(format!("{}/api/openapi.json", api.base))
            .send()
            .await
            .unwrap();
        assert_eq!(
            spec.status(),
            200,
            "{}: the OpenAPI document is public",
            api.name
        );
    }
}

#[tokio::test]
async fn a_read_only_token_reads_but_cannot_write() {
    for api in each_backend(Role::ReadOnly).await {
        api.ok(Method::GET, "/api/v1/accounts", None).await;
        let write = api
            .send(Method::POST, "/api/v1/accounts", Some(json!({"name": "X"})))
            .await;
        api.problem(write, 403, None).await;
    }
}

#[tokio::test]
async fn cursor_pagination_walks_every_record_once() {
    for api in each_backend(Role::Admin).await {
        let mut made = Vec::new();
        for i in 0..7 {
            made.push(api.account(&format!("Account {i}")).await);
        }
        let mut seen = Vec::new();
        let mut path = "/api/v1/accounts?limit=3".to_string();
        loop {
            let page = api.ok(Method::GET, &path, None).await;
            seen.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a["id"].as_i64().unwrap()),
            );
            match page["next_cursor"].as_str() {
                Some(c) => path = format!("/api/v1/accounts?limit=3&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(seen, made, "{}", api.name);
    }
}

#[tokio::test]
async fn the_account_360_shows_the_buying_center_by_role() {
    for api in each_backend(Role::Admin).await {
        let id = api.account("Globex").await;
        api.ok(
            Method::POST,
            "/api/v1/contacts",
            Some(json!({"account_id": id, "first_name": "Hank", "buying_role": "economic_buyer"})),
        )
        .await;
        api.ok(
            Method::POST,
            "/api/v1/contacts",
            Some(json!({"account_id": id, "first_name": "Frank"})),
        )
        .await;
        api.ok(
            Method::POST,
            "/api/v1/opportunities",
            Some(json!({"account_id": id, "name": "Open", "stage": "proposal"})),
        )
        .await;
        api.ok(
            Method::POST,
            "/api/v1/opportunities",
            Some(json!({"account_id": id, "name": "Won", "stage": "closed_won"})),
        )
        .await;
        let v = api
            .ok(Method::GET, &format!("/api/v1/accounts/{id}/360"), None)
            .await;
        assert_eq!(
            v["buying_center"]["economic_buyer"][0]["first_name"], "Hank",
            "{}: {v}",
            api.name
        );
        assert_eq!(
            v["buying_center"]["unassigned"][0]["first_name"], "Frank",
            "{}",
            api.name
        );
        let open: Vec<&str> = v["open_opportunities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap())
            .collect();
        assert_eq!(open, ["Open"], "{}", api.name);
    }
}

#[tokio::test]
async fn the_openapi_document_describes_the_api() {
    let api = start(abcrm_store::testing::sqlite().await, Role::Admin).await;
    let spec: Value = api
        .client
        .get(format!("{}/api/openapi.json", api.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        spec["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        spec["openapi"]
    );
    for path in [
        "/api/v1/accounts",
        "/api/v1/accounts/{id}",
        "/api/v1/accounts/{id}/360",
        "/api/v1/contacts",
        "/api/v1/opportunities",
        "/api/v1/campaigns",
        "/api/v1/activities",
        "/api/v1/audit",
    ] {
        assert!(spec["paths"][path].is_object(), "missing {path}");
    }
    assert!(spec["components"]["schemas"]["Problem"].is_object());
    assert!(spec["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn intake_review_and_merge_over_http() {
    for api in each_backend(Role::Sales).await {
        let acme = api
            .ok(
                Method::POST,
                "/api/v1/accounts",
                Some(json!({"name": "Acme Corp", "domains": ["acme.com"]})),
            )
            .await;
        let body = json!({"source": "web-form", "records": [
            {"key": "f-1", "first_name": "Ann", "last_name": "Lee", "email": "ann@acme.com", "company": "ACME"},
            {"key": "f-2", "first_name": "Kim", "email": "kim@gmail.com", "company": "Mystery Co"},
            {"key": "f-3", "first_name": "Ann", "last_name": "Lee", "email": "Ann@Acme.com", "title": "CFO"}
        ]});
        let out = api
            .ok(Method::POST, "/api/v1/intake", Some(body.clone()))
            .await;
        assert_eq!(out["report"]["taken"], 3, "{}: {out}", api.name);
        let records = out["records"].as_array().unwrap();
        assert_eq!(records[0]["outcome"], "created");
        assert_eq!(records[0]["rule"], "email_domain");
        assert_eq!(records[0]["account_id"], acme["id"]);
        assert_eq!(records[1]["outcome"], "needs_review");
        assert_eq!(records[2]["outcome"], "matched");
        assert_eq!(records[2]["contact_id"], records[0]["contact_id"]);
        // Sending the same keys again answers the same records and writes nothing.
        let again = api.ok(Method::POST, "/api/v1/intake", Some(body)).await;
        assert_eq!(again["report"]["already_taken"], 3);
        assert_eq!(again["records"][0]["id"], records[0]["id"]);

        let queue = api.ok(Method::GET, "/api/v1/review", None).await;
        assert_eq!(queue["items"].as_array().unwrap().len(), 1);
        let id = queue["items"][0]["id"].as_i64().unwrap();
        let res = api
            .send(
                Method::POST,
                &format!("/api/v1/review/{id}/resolve"),
                Some(json!({"account_id": acme["id"], "reject": "x"})),
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let done = api
            .ok(
                Method::POST,
                &format!("/api/v1/review/{id}/resolve"),
                Some(json!({"new_account": {"name": "Mystery Co"}})),
            )
            .await;
        assert_eq!(done["outcome"], "created", "{}: {done}", api.name);
        let queue = api.ok(Method::GET, "/api/v1/review", None).await;
        assert!(queue["items"].as_array().unwrap().is_empty());

        let ann = records[0]["contact_id"].as_i64().unwrap();
        let dup = api
            .ok(
                Method::POST,
                "/api/v1/contacts",
                Some(json!({"account_id": acme["id"], "first_name": "Annie", "email": "annie@acme.com", "phone": "555"})),
            )
            .await;
        let merge = api
            .ok(
                Method::POST,
                &format!("/api/v1/contacts/{ann}/merge"),
                Some(json!({"merged_id": dup["id"], "choices": {"first_name": "survivor"}})),
            )
            .await;
        assert_eq!(merge["survivor"]["first_name"], "Ann");
        assert_eq!(merge["survivor"]["phone"], "555");
        // The merged contact is gone now: naming it again is a bad body, naming it as the
        // survivor a missing record.
        let again = api
            .send(
                Method::POST,
                &format!("/api/v1/contacts/{ann}/merge"),
                Some(json!({"merged_id": dup["id"]})),
            )
            .await;
        assert_eq!(
            again.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            api.name
        );
        let problem: serde_json::Value = again.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "merged_id", "{problem}");
        let res = api
            .send(
                Method::POST,
                &format!("/api/v1/contacts/{}/merge", dup["id"]),
                Some(json!({"merged_id": ann})),
            )
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{}", api.name);
        let res = api
            .send(
                Method::GET,
                &format!("/api/v1/contacts/{}", dup["id"]),
                None,
            )
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let undone = api
            .ok(
                Method::POST,
                &format!("/api/v1/merges/{}/undo", merge["id"]),
                None,
            )
            .await;
        assert!(undone["undone_at"].is_string());
        api.ok(
            Method::GET,
            &format!("/api/v1/contacts/{}", dup["id"]),
            None,
        )
        .await;

        // Two people at two accounts are merged only when the caller confirms it.
        let elsewhere = api.account("Globex Two").await;
        let namesake = api
            .ok(
                Method::POST,
                "/api/v1/contacts",
                Some(json!({"account_id": elsewhere, "first_name": "Ann", "last_name": "Lee"})),
            )
            .await;
        let path = format!("/api/v1/contacts/{ann}/merge");
        let refused = api
            .send(
                Method::POST,
                &path,
                Some(json!({"merged_id": namesake["id"]})),
            )
            .await;
        let problem = api.problem(refused, 409, Some("confirm")).await;
        assert!(
            problem["detail"].as_str().unwrap().contains("Globex Two"),
            "{problem}"
        );
        api.ok(
            Method::GET,
            &format!("/api/v1/contacts/{}", namesake["id"]),
            None,
        )
        .await;
        let merged = api
            .ok(
                Method::POST,
                &path,
                Some(json!({"merged_id": namesake["id"], "confirm": true})),
            )
            .await;
        assert_eq!(merged["survivor"]["account_id"], acme["id"], "{}", api.name);
        let doc: Value = reqwest::get(format!("{}/api/openapi.json", api.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for p in [
            "/api/v1/intake",
            "/api/v1/review",
            "/api/v1/review/{id}/resolve",
            "/api/v1/merges/{id}/undo",
        ] {
            assert!(doc["paths"][p].is_object(), "{p} documented");
        }
    }
}

#[tokio::test]
async fn intake_records_the_campaign_answered_and_the_status_history_says_why() {
    for api in each_backend(Role::Admin).await {
        let n = api.name;
        let acme = api
            .ok(
                Method::POST,
                "/api/v1/accounts",
                Some(json!({"name": "Acme Corp", "domains": ["acme.com"]})),
            )
            .await;
        let webinar = api
            .ok(
                Method::POST,
                "/api/v1/campaigns",
                Some(json!({"name": "Spring webinar", "kind": "webinar"})),
            )
            .await;
        let body = json!({"source": "webinar-list", "campaign_id": webinar["id"], "response": "registered",
            "status": "nurture", "records": [
            {"key": "w-1", "first_name": "Ann", "last_name": "Lee", "email": "ann@acme.com"}
        ]});
        let out = api.ok(Method::POST, "/api/v1/intake", Some(body)).await;
        assert_eq!(out["records"][0]["outcome"], "created", "{n}: {out}");
        assert_eq!(
            out["records"][0]["person"]["response"]["status"], "registered",
            "{n}: {out}"
        );
        let ann = out["records"][0]["contact_id"].as_i64().unwrap();
        assert_eq!(out["records"][0]["account_id"], acme["id"], "{n}");

        let contact = api
            .ok(Method::GET, &format!("/api/v1/contacts/{ann}"), None)
            .await;
        assert_eq!(contact["status"], "nurture", "{n}");
        let members = api
            .ok(
                Method::GET,
                &format!("/api/v1/campaigns/{}/members", webinar["id"]),
                None,
            )
            .await;
        assert_eq!(members["items"][0]["contact_id"], ann, "{n}: {members}");
        assert_eq!(members["items"][0]["status"], "registered", "{n}");
        let activities = api
            .ok(
                Method::GET,
                &format!("/api/v1/activities?contact_id={ann}"),
                None,
            )
            .await;
        assert_eq!(
            activities["items"][0]["kind"], "webinar",
            "{n}: {activities}"
        );
        assert_eq!(activities["items"][0]["campaign_id"], webinar["id"], "{n}");

        // A person moves her out of nurture: the history says who, and when.
        api.ok(
            Method::PATCH,
            &format!("/api/v1/contacts/{ann}"),
            Some(json!({"status": "active"})),
        )
        .await;
        let history = api
            .ok(
                Method::GET,
                &format!("/api/v1/contacts/{ann}/status-history"),
                None,
            )
            .await;
        let steps: Vec<(Value, Value)> = history
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h["from_status"].clone(), h["to_status"].clone()))
            .collect();
        assert_eq!(
            steps,
            [
                (Value::Null, json!("nurture")),
                (json!("nurture"), json!("active"))
            ],
            "{n}: {history}"
        );
        assert_eq!(history[0]["reason"], "created from webinar-list", "{n}");
        assert!(
            history[1]["reason"]
                .as_str()
                .unwrap()
                .starts_with("set by "),
            "{n}: {history}"
        );

        // A campaign that is not there, or a response without a campaign, is refused up front.
        let res = api
            .send(
                Method::POST,
                "/api/v1/intake",
                Some(json!({"campaign_id": 999999, "records": [{"email": "x@acme.com"}]})),
            )
            .await;
        api.problem(res, 422, Some("campaign_id")).await;
        let res = api
            .send(
                Method::POST,
                "/api/v1/intake",
                Some(json!({"response": "attended", "records": [{"email": "x@acme.com"}]})),
            )
            .await;
        api.problem(res, 422, Some("response")).await;
        let res = api
            .send(Method::GET, "/api/v1/contacts/999999/status-history", None)
            .await;
        api.problem(res, 404, None).await;
    }
}
