//! Filters built to exhaust the server (deep nesting, long chains, huge texts) answer 400 naming
//! the limit they broke, from any endpoint that takes one, and the server keeps serving.

mod common;

use abcrm_core::model::Role;
use common::*;

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn nested(levels: usize) -> String {
    format!(
        "{}account.state = \"CA\"{}",
        "(".repeat(levels),
        ")".repeat(levels)
    )
}

fn chain(op: &str, n: usize) -> String {
    vec![r#"account.state = "CA""#; n].join(&format!(" {op} "))
}

#[tokio::test]
async fn hostile_filters_answer_400_naming_the_limit_and_the_server_lives_on() {
    let attacks = [
        (nested(1_750), "deeper than 32 levels"),
        (
            format!("{}{}", "not ".repeat(1_000), chain("or", 1)),
            "deeper than 32 levels",
        ),
        (chain("or", 300), "more than 200 conditions"),
        (chain("and", 300), "more than 200 conditions"),
        (chain("or", 1_000), "at most 10000"),
    ];
    for api in each_backend(Role::ReadOnly).await {
        for (filter, limit) in &attacks {
            for path in ["/api/v1/accounts", "/api/v1/contacts"] {
                let res = api
                    .send(
                        Method::GET,
                        &format!("{path}?filter={}", encode(filter)),
                        None,
                    )
                    .await;
                let body = api.problem(res, 400, Some("filter")).await;
                let detail = body["detail"].as_str().unwrap_or_default();
                assert!(detail.contains(limit), "{}: {path}: {detail}", api.name);
            }
        }
        let health = api.client.get(format!("{}/healthz", api.base)).send().await;
        assert!(
            health.is_ok_and(|r| r.status().is_success()),
            "{}",
            api.name
        );
    }
    // 3,500 terms make a URL longer than HTTP clients send; in a body they arrive whole.
    let in_a_body = [(chain("or", 3_500), "at most 10000")];
    for api in each_backend(Role::Admin).await {
        for (filter, limit) in attacks.iter().chain(&in_a_body) {
            let res = api
                .send(
                    Method::POST,
                    "/api/v1/segments",
                    Some(json!({"name": "attack", "target": "account", "expression": filter})),
                )
                .await;
            let body = api.problem(res, 422, Some("expression")).await;
            assert!(body.to_string().contains(limit), "{}: {body}", api.name);
        }
    }
}

#[tokio::test]
async fn the_web_account_list_shows_a_hostile_filters_limit_beside_the_box() {
    for web in common::web::each_backend(Role::ReadOnly).await {
        let (status, body) = web
            .get(&format!("/accounts?filter={}", encode(&nested(1_750))))
            .await;
        assert!(!status.is_server_error(), "{}: {status}", web.name);
        assert!(body.contains("deeper than 32 levels"), "{}", web.name);
    }
}
