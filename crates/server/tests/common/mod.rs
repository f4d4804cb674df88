//! The test harness for the HTTP API: a real server over a real SQLite or PostgreSQL store,
//! and a client with a token.
#![allow(dead_code)]

pub mod web;

use abcrm_core::model::{Actor, NewUser, Role};
use abcrm_core::normalize::Email;
use abcrm_store::testing::{backends, TestStore};
pub use reqwest::{Client, Method, Response, StatusCode};
pub use serde_json::{json, Value};

pub struct Api {
    pub base: String,
    pub token: String,
    pub client: Client,
    pub name: &'static str,
    _store: TestStore,
}

pub async fn start(t: TestStore, role: Role) -> Api {
    let actor = Actor::system("test");
    let user = t
        .store
        .create_user(
            &actor,
            NewUser {
                email: Email::parse("tester@example.com").unwrap(),
                name: "Tester".into(),
                role,
            },
        )
        .await
        .unwrap();
    let (_, token) = t
        .store
        .create_api_token(&actor, user.id, "test")
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(abcrm_server::serve(listener, t.store.clone()));
    Api {
        base,
        token,
        client: Client::new(),
        name: t.name,
        _store: t,
    }
}

pub async fn each_backend(role: Role) -> Vec<Api> {
    let mut out = Vec::new();
    for t in backends().await {
        out.push(start(t, role).await);
    }
    out
}

impl Api {
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap()
    }

    pub async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let res = self.send(method, path, body).await;
        assert!(
            res.status().is_success(),
            "{}: {path} answered {}: {}",
            self.name,
            res.status(),
            res.text().await.unwrap()
        );
        if res.status() == StatusCode::NO_CONTENT {
            Value::Null
        } else {
            res.json().await.unwrap()
        }
    }

    /// Checks a problem document's status, media type and the field it names.
    pub async fn problem(&self, res: Response, status: u16, field: Option<&str>) -> Value {
        assert_eq!(res.status().as_u16(), status, "{}", self.name);
        let ct = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        assert_eq!(ct, "application/problem+json", "{}", self.name);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"], status, "{}: {body}", self.name);
        assert!(
            body["title"].is_string() && body["detail"].is_string() && body["type"].is_string(),
            "{}: {body}",
            self.name
        );
        if let Some(f) = field {
            assert_eq!(body["errors"][0]["field"], f, "{}: {body}", self.name);
        }
        body
    }

    pub async fn account(&self, name: &str) -> i64 {
        self.ok(
            Method::POST,
            "/api/v1/accounts",
            Some(json!({ "name": name })),
        )
        .await["id"]
            .as_i64()
            .unwrap()
    }
}
