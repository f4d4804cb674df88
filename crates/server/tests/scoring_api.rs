//! Scoring over HTTP: an activity rescores its account, the explanation adds up, models are
//! refused with their line, and only admin and marketing change scoring; on SQLite and PostgreSQL.

mod common;

use abcrm_core::model::Role;
use common::*;

fn points(v: &Value) -> i64 {
    (v.as_f64().unwrap() * 1000.0).round() as i64
}

/// The sum of an explanation's lines, in thousandths.
fn total(explanation: &Value) -> i64 {
    explanation["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| points(&l["points"]))
        .sum()
}

#[tokio::test]
async fn an_activity_rescores_its_account_and_the_explanation_adds_up() {
    for api in each_backend(Role::Admin).await {
        let acme = api
            .ok(
                Method::POST,
                "/api/v1/accounts",
                Some(json!({"name": "Acme", "industry": "Software", "employees": 900})),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let ann = api.ok(Method::POST, "/api/v1/contacts", Some(json!({"account_id": acme, "first_name": "Ann", "title": "VP Engineering", "buying_role": "champion"}))).await["id"].as_i64().unwrap();
        let before = api
            .ok(Method::GET, &format!("/api/v1/accounts/{acme}/score"), None)
            .await;
        assert!(
            before["stored"].is_null(),
            "{}: not scored before its first change: {before}",
            api.name
        );

        api.ok(
            Method::POST,
            "/api/v1/activities",
            Some(json!({"contact_id": ann, "kind": "meeting"})),
        )
        .await;
        let after = api
            .ok(Method::GET, &format!("/api/v1/accounts/{acme}/score"), None)
            .await;
        let stored = &after["stored"];
        let e = &after["explanation"];
        assert!(points(&stored["score"]) > 0, "{}: {after}", api.name);
        assert_eq!(
            total(e),
            points(&e["score"]),
            "{}: lines add up: {e}",
            api.name
        );
        let kinds: Vec<&str> = e["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["kind"].as_str().unwrap())
            .collect();
        assert!(
            kinds.contains(&"account_fit")
                && kinds.contains(&"contact")
                && kinds.contains(&"breadth"),
            "{}: {kinds:?}",
            api.name
        );
        let contact = e["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["kind"] == "contact")
            .unwrap();
        assert_eq!(contact["engagement"][0]["rule"], "Meeting", "{}", api.name);

        let mine = api
            .ok(Method::GET, &format!("/api/v1/contacts/{ann}/score"), None)
            .await;
        assert!(
            points(&mine["stored"]["engagement"]) > 0,
            "{}: {mine}",
            api.name
        );
        let top = api
            .ok(Method::GET, "/api/v1/scoring/top-accounts?limit=5", None)
            .await;
        assert_eq!(top[0]["account_id"], acme, "{}", api.name);
        let summary = api
            .ok(Method::POST, "/api/v1/scoring/recompute", None)
            .await;
        assert_eq!(summary["accounts"], 1, "{}", api.name);
    }
}

#[tokio::test]
async fn models_are_refused_with_their_line_and_versioned() {
    for api in each_backend(Role::Marketing).await {
        let shipped = api.ok(Method::GET, "/api/v1/scoring/model", None).await;
        assert_eq!(shipped["version"], 0, "{}", api.name);
        let put = |body: &'static str| {
            api.client
                .put(format!("{}/api/v1/scoring/model", api.base))
                .bearer_auth(&api.token)
                .header("content-type", "application/toml")
                .body(body)
                .send()
        };
        let bad = put("name = \"m\"\n\n[[engagement]]\nname = \"Call\"\nkinds = [\"call\"]\npoints = 5\nhalf_life_days = -3\n").await.unwrap();
        let problem = api.problem(bad, 422, Some("body")).await;
        assert!(
            problem["detail"].as_str().unwrap().contains("line 7"),
            "{}: {problem}",
            api.name
        );
        let ok =
            put("name = \"m\"\n[[engagement]]\nname = \"Call\"\nkinds = [\"call\"]\npoints = 5\n")
                .await
                .unwrap();
        assert_eq!(ok.status(), 200, "{}", api.name);
        let saved: Value = ok.json().await.unwrap();
        assert_eq!(
            (saved["name"].as_str(), saved["version"].as_i64()),
            (Some("m"), Some(1)),
            "{}",
            api.name
        );
        let listed = api.ok(Method::GET, "/api/v1/scoring/models", None).await;
        assert_eq!(listed.as_array().unwrap().len(), 1, "{}", api.name);
    }
}

#[tokio::test]
async fn sales_may_read_scores_but_not_change_scoring() {
    for api in each_backend(Role::Sales).await {
        let acme = api.account("Acme").await;
        api.ok(Method::GET, &format!("/api/v1/accounts/{acme}/score"), None)
            .await;
        let res = api
            .send(Method::POST, "/api/v1/scoring/recompute", None)
            .await;
        api.problem(res, 403, None).await;
        let missing = api
            .send(Method::GET, "/api/v1/accounts/999/score", None)
            .await;
        api.problem(missing, 404, None).await;
    }
}

/// Customer status over HTTP: an asset in force makes a customer, stage and relationship alike,
/// and a PATCH that contradicts it is a 409 naming the field and the fact.
#[tokio::test]
async fn an_asset_makes_a_customer_and_a_contradicting_patch_is_refused() {
    for api in each_backend(Role::Admin).await {
        let acme = api
            .ok(
                Method::POST,
                "/api/v1/accounts",
                Some(json!({"name": "Acme"})),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let renews = (chrono::Utc::now().date_naive() + chrono::Duration::days(200)).to_string();
        let asset = api
            .ok(
                Method::POST,
                &format!("/api/v1/accounts/{acme}/assets"),
                Some(json!({"product": "Platform", "renews_on": renews})),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let account = api
            .ok(Method::GET, &format!("/api/v1/accounts/{acme}"), None)
            .await;
        assert_eq!(
            (account["stage"].as_str(), account["relationship"].as_str()),
            (Some("customer"), Some("customer")),
            "{}",
            api.name
        );
        let res = api
            .send(
                Method::PATCH,
                &format!("/api/v1/accounts/{acme}"),
                Some(json!({"relationship": "prospect"})),
            )
            .await;
        let body = api.problem(res, 409, Some("relationship")).await;
        let detail = body["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains(&format!("asset {asset} is active")),
            "{}: {detail}",
            api.name
        );
    }
}
