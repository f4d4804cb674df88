//! `/login` and `/logout`.
//!
//! The sign-in form has no session yet, so it is protected by a double-submit token: a random
//! value in a short-lived `SameSite=Strict` cookie that the form must repeat.

use super::password::{decoy_hash, verify_password};
use super::session::{
    check_same_origin, cleared_cookie, cookie_value, random_secret, session_cookie, session_secret,
    SESSION_DAYS,
};
use super::{render, safe_next, WebError};
use crate::AppState;
use abcrm_core::normalize::Email;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const LOGIN_COOKIE: &str = "abcrm_login";

/// Failed sign-ins an email may have in [`THROTTLE_WINDOW`] before it is refused for the rest of it.
const MAX_FAILURES: u32 = 5;
const THROTTLE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Recent failed sign-ins per email (in memory: a restart forgets them, which only gives a
/// guesser five more tries).
#[derive(Debug, Default)]
pub struct SignInThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl SignInThrottle {
    /// How long `email` must wait before trying again, if it has failed too often.
    fn wait(&self, email: &str, now: Instant) -> Option<Duration> {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let (count, since) = map.get(email)?;
        let elapsed = now.duration_since(*since);
        (*count >= MAX_FAILURES && elapsed < THROTTLE_WINDOW).then(|| THROTTLE_WINDOW - elapsed)
    }

    fn failed(&self, email: &str, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, (_, since)| now.duration_since(*since) < THROTTLE_WINDOW);
        let entry = map.entry(email.to_string()).or_insert((0, now));
        entry.0 += 1;
    }

    fn succeeded(&self, email: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(email);
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
        axum::http::StatusCode::OK,
    )
}

fn login_form(page: LoginPage, status: axum::http::StatusCode) -> Result<Response, WebError> {
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
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, WebError> {
    check_same_origin(&headers)?;
    let cookie_token = cookie_value(&headers, LOGIN_COOKIE);
    let next = safe_next(form.next.as_deref());
    let again = |email_error: Option<String>, password_error: Option<String>| {
        login_form(
            LoginPage {
                next: next.clone(),
                email: form.email.clone(),
                form_token: random_secret(32),
                email_error,
                password_error,
                insecure: insecure_origin(&headers),
            },
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    if cookie_token.is_none() || cookie_token != form.form_token {
        return again(
            None,
            Some("the sign-in form expired; enter your password again".into()),
        );
    }
    let email = match Email::parse(form.email.trim()) {
        Ok(e) => e,
        Err(e) => return again(Some(format!("this email {e}")), None),
    };
    if form.password.is_empty() {
        return again(None, Some("enter your password".into()));
    }
    if let Some(wait) = state.sign_ins.wait(email.as_str(), Instant::now()) {
        return again(
            None,
            Some(format!(
                "too many wrong passwords for this email; try again in {} minutes, or ask an admin to reset it",
                wait.as_secs().div_ceil(60)
            )),
        );
    }
    let found = state.store.user_credentials(&email).await?;
    let stored = found.as_ref().and_then(|(_, h)| h.clone());
    let password = form.password.clone();
    // argon2 takes tens of milliseconds of CPU: off the async workers. An unknown email is
    // checked against a decoy, so both refusals take the same time.
    let matched = tokio::task::spawn_blocking(move || match stored {
        Some(hash) => verify_password(&password, &hash),
        None => {
            verify_password(&password, decoy_hash());
            false
        }
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))?;
    let user = match (found, matched) {
        (Some((user, _)), true) => user,
        _ => {
            state.sign_ins.failed(email.as_str(), Instant::now());
            return again(
                None,
                Some("the email or password is not right; an admin can reset it with `abcrm user password`".into()),
            );
        }
    };
    state.sign_ins.succeeded(email.as_str());
    let secret = random_secret(48);
    let csrf = random_secret(32);
    let expires = chrono::Utc::now() + chrono::Duration::days(SESSION_DAYS);
    state
        .store
        .create_web_session(user.id, &secret, &csrf, expires)
        .await?;
    let mut res = Redirect::to(&next).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        session_cookie(&secret)
            .parse()
            .expect("an alphanumeric cookie"),
    );
    res.headers_mut().append(
        header::SET_COOKIE,
        format!("{LOGIN_COOKIE}=; Path=/login; HttpOnly; Secure; SameSite=Strict; Max-Age=0")
            .parse()
            .expect("a fixed cookie"),
    );
    Ok(res)
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

    #[test]
    fn five_failures_lock_an_email_for_the_window_and_a_success_clears_them() {
        let t = SignInThrottle::default();
        let start = Instant::now();
        for _ in 0..MAX_FAILURES - 1 {
            t.failed("a@x.com", start);
        }
        assert_eq!(t.wait("a@x.com", start), None);
        t.failed("a@x.com", start);
        assert!(t.wait("a@x.com", start + Duration::from_secs(60)).is_some());
        assert_eq!(
            t.wait("b@x.com", start),
            None,
            "other emails are not affected"
        );
        assert_eq!(
            t.wait("a@x.com", start + THROTTLE_WINDOW),
            None,
            "the window passes"
        );
        t.succeeded("a@x.com");
        assert_eq!(t.wait("a@x.com", start), None);
    }
}
