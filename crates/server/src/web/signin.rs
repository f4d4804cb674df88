//! `/login` and `/logout`.
//!
//! The sign-in form has no session yet, so it is protected by a double-submit token: a random
//! value in a short-lived `SameSite=Strict` cookie that the form must repeat. Password guessing
//! is slowed per client address and email ([`SignInThrottle`], counted before the password is
//! checked), and the checks themselves are bounded ([`PasswordChecks`]).
//!
//! [`PasswordChecks`]: super::password::PasswordChecks

use super::session::{
    check_same_origin, cleared_cookie, cookie_value, random_secret, session_cookie, session_secret,
    SESSION_DAYS,
};
use super::throttle::client_key;
use super::{render, safe_next, WebError};
use crate::AppState;
use abcrm_core::normalize::Email;
use askama::Template;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use std::convert::Infallible;
use std::net::IpAddr;
use std::time::Instant;

const LOGIN_COOKIE: &str = "abcrm_login";

pub use super::throttle::SignInThrottle;

/// The address a sign-in came from, when the server knows it (see [`client_key`]).
struct ClientAddr(Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            crate::listener::client_addr(&parts.extensions).map(|a| a.ip()),
        ))
    }
}

/// The sign-in page and its form.
pub fn public_routes() -> Router<AppState> {
    Router::new().route("/login", get(login_page).post(sign_in))
}

/// Sign-out, which needs the session's CSRF token like every other form.
pub fn signed_in_routes() -> Router<AppState> {
    Router::new().route("/logout", post(sign_out))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    next: String,
    email: String,
    form_token: String,
    email_error: Option<String>,
    password_error: Option<String>,
    /// Set when this page came over plain HTTP to a host that is not this machine: browsers
    /// will not keep the `Secure` session cookie, so signing in cannot work.
    insecure: bool,
}

/// Whether a request came over plain HTTP to another host than this machine (browsers keep
/// `Secure` cookies over HTTP only for localhost and 127.0.0.1).
fn insecure_origin(headers: &HeaderMap) -> bool {
    let forwarded_https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    };
    let local =
        matches!(name, "localhost" | "127.0.0.1" | "[::1]" | "") || name.ends_with(".localhost");
    !forwarded_https && !local
}

#[derive(Debug, Deserialize)]
struct NextParam {
    next: Option<String>,
}

async fn login_page(headers: HeaderMap, Query(q): Query<NextParam>) -> Result<Response, WebError> {
    let token = random_secret(32);
    login_form(
        LoginPage {
            next: safe_next(q.next.as_deref()),
            email: String::new(),
            form_token: token.clone(),
            email_error: None,
            password_error: None,
            insecure: insecure_origin(&headers),
        },
        StatusCode::OK,
    )
}

fn login_form(page: LoginPage, status: StatusCode) -> Result<Response, WebError> {
    let cookie = format!(
        "{LOGIN_COOKIE}={}; Path=/login; HttpOnly; Secure; SameSite=Strict; Max-Age=3600",
        page.form_token
    );
    let mut res = render(&page)?;
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::SET_COOKIE,
        cookie.parse().expect("a cookie of alphanumerics"),
    );
    Ok(res)
}

#[derive(Debug, Deserialize)]
struct SignInForm {
    email: String,
    password: String,
    next: Option<String>,
    form_token: Option<String>,
}

async fn sign_in(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, WebError> {
    check_same_origin(&headers)?;
    let cookie_token = cookie_value(&headers, LOGIN_COOKIE);
    let next = safe_next(form.next.as_deref());
    let again =
        |status: StatusCode, email_error: Option<String>, password_error: Option<String>| {
            login_form(
                LoginPage {
                    next: next.clone(),
                    email: form.email.clone(),
                    form_token: random_secret(32),
                    email_error,
                    password_error,
                    insecure: insecure_origin(&headers),
                },
                status,
            )
        };
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    if cookie_token.is_none() || cookie_token != form.form_token {
        return again(
            invalid,
            None,
            Some("the sign-in form expired; enter your password again".into()),
        );
    }
    let email = match Email::parse(form.email.trim()) {
        Ok(e) => e,
        Err(e) => return again(invalid, Some(format!("this email {e}")), None),
    };
    if form.password.is_empty() {
        return again(invalid, None, Some("enter your password".into()));
    }
    let client = client_key(addr);
    // Counted before the password is checked, so guesses sent in parallel are all counted.
    if let Err(wait) = state
        .sign_ins
        .reserve(client, email.as_str(), Instant::now())
    {
        let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
        let res = again(
            StatusCode::TOO_MANY_REQUESTS,
            None,
            Some(format!(
                "too many wrong passwords for this email from here; try again in {secs} seconds, \
                 or ask an admin to reset it with `abcrm user password`"
            )),
        );
        return res.map(|r| with_retry_after(r, secs));
    }
    let place = match state.password_checks.admit() {
        Ok(place) => place,
        Err(busy) => {
            state.sign_ins.refund(client, email.as_str());
            let res = again(
                StatusCode::SERVICE_UNAVAILABLE,
                None,
                Some(busy.to_string()),
            );
            return res.map(|r| with_retry_after(r, 2));
        }
    };
    let found = match state.store.user_credentials(&email).await {
        Ok(found) => found,
        Err(e) => {
            state.sign_ins.refund(client, email.as_str());
            return Err(e.into());
        }
    };
    let stored = found.as_ref().and_then(|(_, h)| h.clone());
    let matched = place.verify(form.password.clone(), stored).await;
    let user = match (found, matched) {
        (Some((user, _)), true) => user,
        _ => {
            state
                .sign_ins
                .failed(client, email.as_str(), Instant::now());
            return again(
                invalid,
                None,
                Some("the email or password is not right; an admin can reset it with `abcrm user password`".into()),
            );
        }
    };
    state.sign_ins.succeeded(client, email.as_str());
    let mut res = start_session(&state, user.id, &next).await?;
    res.headers_mut().append(
        header::SET_COOKIE,
        format!("{LOGIN_COOKIE}=; Path=/login; HttpOnly; Secure; SameSite=Strict; Max-Age=0")
            .parse()
            .expect("a fixed cookie"),
    );
    Ok(res)
}

/// Signs `user` in: a new session, its cookie, and a redirect to `next` (a local path).
pub(super) async fn start_session(
    state: &AppState,
    user: abcrm_core::UserId,
    next: &str,
) -> Result<Response, WebError> {
    let secret = random_secret(48);
    let csrf = random_secret(32);
    let expires = chrono::Utc::now() + chrono::Duration::days(SESSION_DAYS);
    state
        .store
        .create_web_session(user, &secret, &csrf, expires)
        .await?;
    let mut res = Redirect::to(next).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        session_cookie(&secret)
            .parse()
            .expect("an alphanumeric cookie"),
    );
    Ok(res)
}

/// The origin a browser reached this server at (`https://crm.example.com`), for links a person
/// passes on: HTTPS unless the request came over plain HTTP to this very machine.
pub(super) fn public_origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| !h.is_empty())
        .unwrap_or("127.0.0.1");
    let forwarded_https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    let scheme = if forwarded_https || insecure_origin(headers) {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// `res` with `Retry-After: secs`.
fn with_retry_after(mut res: Response, secs: u64) -> Response {
    res.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
    res
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    if let Some(secret) = session_secret(&headers) {
        state.store.delete_web_session(&secret).await?;
    }
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        cleared_cookie().parse().expect("a fixed cookie"),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_flagged_only_away_from_this_machine() {
        let with = |host: &str, proto: Option<&str>| {
            let mut h = HeaderMap::new();
            h.insert(header::HOST, host.parse().unwrap());
            if let Some(p) = proto {
                h.insert("x-forwarded-proto", p.parse().unwrap());
            }
            insecure_origin(&h)
        };
        assert!(!with("127.0.0.1:8080", None));
        assert!(!with("localhost:8080", None));
        assert!(!with("[::1]:8080", None));
        assert!(with("crm.example.com:8080", None));
        assert!(with("10.0.0.5", None));
        assert!(!with("crm.example.com", Some("https")));
    }
}
