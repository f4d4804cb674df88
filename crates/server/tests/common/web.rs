//! The test harness for the web UI: a real server over a real store, a user with a password,
//! and a browser-like client that signs in, keeps the session cookie and sends the CSRF token.
#![allow(dead_code)]

use abcrm_core::model::{Actor, NewUser, Role};
use abcrm_core::normalize::Email;
use abcrm_store::testing::{backends, TestStore};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, Response, StatusCode};
use std::sync::Arc;

pub const PASSWORD: &str = "a long test password";

pub struct Web {
    pub base: String,
    pub client: Client,
    /// `abcrm_session=...`, sent with every request.
    pub cookie: String,
    /// The session's CSRF token, added to every form this client posts.
    pub csrf: String,
    pub name: &'static str,
    /// The signed-in user's id.
    pub user: i64,
    pub store: Arc<dyn abcrm_store::Store>,
    /// Shared by the users of one server ([`Web::another_user`]).
    _store: Arc<TestStore>,
}

/// A client that does not follow redirects, so tests see them.
pub fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Starts a server on `t` and signs in as a new user with `role`.
pub async fn sign_in(t: TestStore, role: Role) -> Web {
    sign_in_with(t, role, abcrm_server::Limits::default()).await
}

/// Starts a server with `limits` on `t` and signs in as a new user with `role`.
pub async fn sign_in_with(t: TestStore, role: Role, limits: abcrm_server::Limits) -> Web {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(abcrm_server::serve_with(listener, t.store.clone(), limits));
    let email = format!("{}@example.com", role.as_str().replace('_', "-"));
    signed_in_user(Arc::new(t), base, &email, role).await
}

/// Creates a user with [`PASSWORD`] and signs in as them on the server at `base`.
async fn signed_in_user(t: Arc<TestStore>, base: String, email: &str, role: Role) -> Web {
    let actor = Actor::system("test");
    let user = t
        .store
        .create_user(
            &actor,
            NewUser {
                email: Email::parse(email).unwrap(),
                name: "Web Tester".into(),
                role,
            },
        )
        .await
        .unwrap();
    let hash = abcrm_server::web::password::hash_password(PASSWORD).unwrap();
    t.store
        .set_password_hash(&actor, user.id, Some(&hash))
        .await
        .unwrap();
    let client = client();
    let (cookie, _) = log_in(&client, &base, email, PASSWORD).await;
    let cookie = cookie.expect("the test user signs in");
    let page = client
        .get(format!("{base}/"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = attr_after(&page, "data-csrf=\"").expect("every page carries the CSRF token");
    Web {
        base,
        client,
        cookie,
        csrf,
        name: t.name,
        user: user.id.0,
        store: t.store.clone(),
        _store: t,
    }
}

/// Signs in on every backend.
pub async fn each_backend(role: Role) -> Vec<Web> {
    let mut out = Vec::new();
    for t in backends().await {
        out.push(sign_in(t, role).await);
    }
    out
}

/// Fills in the sign-in form: the session cookie when it worked, and the last response's body.
pub async fn log_in(
    client: &Client,
    base: &str,
    email: &str,
    password: &str,
) -> (Option<String>, String) {
    let res = send_sign_in(client, base, email, password, "/").await;
    let cookie = cookie_pair(&res, "abcrm_session");
    (cookie, res.text().await.unwrap_or_default())
}

/// Gets the sign-in form and sends it filled in with `next`: the answer.
pub async fn send_sign_in(
    client: &Client,
    base: &str,
    email: &str,
    password: &str,
    next: &str,
) -> Response {
    let form = client.get(format!("{base}/login")).send().await.unwrap();
    let login_cookie = cookie_pair(&form, "abcrm_login").expect("the form sets its cookie");
    let body = form.text().await.unwrap();
    let token = attr_after(&body, "name=\"form_token\" value=\"").unwrap();
    client
        .post(format!("{base}/login"))
        .header(COOKIE, login_cookie)
        .form(&[
            ("email", email),
            ("password", password),
            ("next", next),
            ("form_token", &token),
        ])
        .send()
        .await
        .unwrap()
}

/// `name=value` of a cookie the response sets.
pub fn cookie_pair(res: &Response, name: &str) -> Option<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with(&format!("{name}=")) && pair.len() > name.len() + 1)
        .map(str::to_string)
}

/// The text after `marker` up to the next double quote.
pub fn attr_after(html: &str, marker: &str) -> Option<String> {
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

impl Web {
    /// Another user, with `email` and `role`, signed in on the same server.
    pub async fn another_user(&self, email: &str, role: Role) -> Web {
        signed_in_user(self._store.clone(), self.base.clone(), email, role).await
    }

    /// GET a page with the session: its status and body.
    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap();
        (res.status(), res.text().await.unwrap())
    }

    /// GET a page that must answer 200; its body.
    pub async fn page(&self, path: &str) -> String {
        let (status, body) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "{}: GET {path}: {body}", self.name);
        body
    }

    /// POST a form with the session and its CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &self.csrf));
        self.post_raw(path, &all).await
    }

    /// POST a form with the session and its CSRF token as htmx sends it (`HX-Request: true`).
    pub async fn post_htmx(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &self.csrf));
        self.client
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .header("HX-Request", "true")
            .form(&all)
            .send()
            .await
            .unwrap()
    }

    /// POST a form exactly as given (no CSRF token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// Where a redirect response points.
    pub fn location(res: &Response) -> String {
        res.headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }
}
