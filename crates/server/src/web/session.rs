//! Sign-in sessions and CSRF protection for the web UI.
//!
//! The session cookie holds a random secret (the store keeps only its hash) and is `HttpOnly`,
//! `Secure` and `SameSite=Lax`. Browsers send `Secure` cookies to `http://localhost` and
//! `http://127.0.0.1`, so a local demo works over plain HTTP; anywhere else the UI must be
//! served over HTTPS (behind a proxy that terminates TLS), as a CRM's session should be.
//!
//! Every state-changing request (any method but GET/HEAD) must carry the session's CSRF token:
//! in the `csrf` field of a urlencoded form, in the `X-CSRF-Token` header (htmx sends it), or,
//! for a multipart upload, in the `csrf` query parameter. A request from another origin is
//! refused before that.

use super::WebError;
use crate::AppState;
use abcrm_core::model::{Actor, Role, User};
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::Response;
use rand::distributions::Alphanumeric;
use rand::Rng;

/// The session cookie's name.
pub const COOKIE: &str = "abcrm_session";
/// How long a session lasts after sign-in.
pub const SESSION_DAYS: i64 = 14;
/// The largest form body read to find its CSRF token.
const FORM_LIMIT: usize = 2 * 1024 * 1024;

/// The signed-in user of a request, put there by [`require_session`].
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    /// What the store records as having made a change.
    pub actor: Actor,
    /// The session's CSRF token, which every form carries.
    pub csrf: String,
}

impl SignedIn {
    /// Whether the user may change data (every role but read-only).
    pub fn can_write(&self) -> bool {
        self.user.role != Role::ReadOnly
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<SignedIn>()
            .cloned()
            .ok_or_else(|| WebError::SignIn {
                next: parts.uri.path().to_string(),
            })
    }
}

/// A new random secret of `len` alphanumeric characters.
pub fn random_secret(len: usize) -> String {
    rand::rngs::OsRng
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// The value of the session cookie in a request, if any.
pub fn session_secret(headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, COOKIE)
}

/// The (non-empty) value of the cookie `name` in a request's `Cookie` headers.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The `Set-Cookie` value that starts a session.
pub fn session_cookie(secret: &str) -> String {
    format!(
        "{COOKIE}={secret}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age={}",
        SESSION_DAYS * 24 * 3600
    )
}

/// The `Set-Cookie` value that ends a session.
pub fn cleared_cookie() -> String {
    format!("{COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0")
}

/// Loads the session of the request, sends a visitor without one to the sign-in page, and checks
/// the origin, the CSRF token and the role of every state-changing request.
pub async fn require_session(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Result<Response, WebError> {
    let next_path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let Some(secret) = session_secret(req.headers()) else {
        return Err(WebError::SignIn { next: next_path });
    };
    let Some(session) = state.store.web_session(&secret).await? else {
        return Err(WebError::SignIn { next: next_path });
    };
    let signed = SignedIn {
        actor: Actor {
            user_id: Some(session.user.id),
            label: format!("{} (web)", session.user.email),
            role: session.user.role,
        },
        user: session.user,
        csrf: session.csrf,
    };
    let mut req = req;
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        check_same_origin(req.headers())?;
        req = check_csrf(req, &signed.csrf).await?;
        if !signed.can_write() && req.uri().path() != "/logout" {
            return Err(WebError::Forbidden(format!(
                "{} has the read-only role and may not change data; ask an admin for another role",
                signed.user.email
            )));
        }
    }
    req.extensions_mut().insert(signed);
    Ok(next.run(req).await)
}

/// Refuses a request whose `Origin` names another host than the one it was sent to.
pub fn check_same_origin(headers: &HeaderMap) -> Result<(), WebError> {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (origin, host) {
        (Some(origin), Some(host)) if origin != "null" => {
            let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
            if origin_host.eq_ignore_ascii_case(host) {
                Ok(())
            } else {
                Err(WebError::Forbidden(format!(
                    "this form was sent from {origin}, not from this site; reload the page and try again"
                )))
            }
        }
        _ => Ok(()),
    }
}

/// Finds the CSRF token of a state-changing request and compares it with the session's; hands
/// the request back whole (a form body read here is put back).
pub async fn check_csrf(req: Request, expected: &str) -> Result<Request, WebError> {
    let refused = || {
        WebError::Forbidden(
            "this form's security token is missing or out of date (the session may have been \
             signed in again elsewhere); reload the page and send it again"
                .into(),
        )
    };
    if let Some(sent) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        return if same(sent, expected) {
            Ok(req)
        } else {
            Err(refused())
        };
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let sent = req.uri().query().and_then(|q| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                .ok()?
                .into_iter()
                .find(|(k, _)| k == "csrf")
                .map(|(_, v)| v)
        });
        return match sent {
            Some(sent) if same(&sent, expected) => Ok(req),
            _ => Err(refused()),
        };
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| WebError::BadRequest("the form is too large (2 MB at most)".into()))?;
    let sent = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v));
    match sent {
        Some(sent) if same(&sent, expected) => Ok(Request::from_parts(parts, Body::from(bytes))),
        _ => Err(refused()),
    }
}

/// Compares two tokens in time that does not depend on where they first differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; abcrm_session=abc123 ; other=1"),
        );
        assert_eq!(session_secret(&h).as_deref(), Some("abc123"));
        h.insert(header::COOKIE, HeaderValue::from_static("abcrm_session="));
        assert_eq!(session_secret(&h), None);
    }

    #[test]
    fn the_cookie_is_http_only_secure_and_lax() {
        let c = session_cookie("s");
        for part in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
            assert!(c.contains(part), "{c}");
        }
        assert!(cleared_cookie().contains("Max-Age=0"));
    }

    #[test]
    fn another_origin_is_refused() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("crm.example:8080"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://crm.example:8080"),
        );
        assert!(check_same_origin(&h).is_ok());
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(check_same_origin(&h).is_err());
    }

    #[tokio::test]
    async fn a_form_passes_only_with_the_sessions_token_and_keeps_its_body() {
        let form = |body: &'static str| {
            Request::builder()
                .method(Method::POST)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap()
        };
        let req = check_csrf(form("name=Acme&csrf=tok123"), "tok123")
            .await
            .unwrap();
        let body = axum::body::to_bytes(req.into_body(), 1000).await.unwrap();
        assert_eq!(&body[..], b"name=Acme&csrf=tok123");
        assert!(check_csrf(form("name=Acme&csrf=tok124"), "tok123")
            .await
            .is_err());
        assert!(check_csrf(form("name=Acme"), "tok123").await.is_err());
        let upload = Request::builder()
            .method(Method::POST)
            .uri("/import?csrf=tok123")
            .header(header::CONTENT_TYPE, "multipart/form-data; boundary=x")
            .body(Body::empty())
            .unwrap();
        assert!(check_csrf(upload, "tok123").await.is_ok());
    }
}
