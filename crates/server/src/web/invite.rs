//! `/invite/{secret}`: the link an admin hands a new person. Followed once before it expires, it
//! asks for a password of their own and signs them in; the secret in the link is the only
//! credential (only its hash is stored), so the form needs no session.

use super::password::{hash_password, MIN_PASSWORD_CHARS};
use super::session::check_same_origin;
use super::signin::start_session;
use super::{render, WebError};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

/// Days an invitation link works.
pub const INVITE_DAYS: i64 = 7;
/// Longest secret looked up: the ones handed out are 32 characters.
const MAX_SECRET_CHARS: usize = 64;

pub fn routes() -> Router<AppState> {
    Router::new().route("/invite/{secret}", get(invite_page).post(accept))
}

#[derive(Template)]
#[template(path = "invite.html")]
struct InvitePage {
    /// Whose invitation this is; `None` when the link is unknown, used or expired.
    name: Option<String>,
    email: String,
    error: Option<String>,
    min_chars: usize,
}

fn page(page: InvitePage) -> Result<Response, WebError> {
    let status = if page.name.is_none() {
        StatusCode::GONE
    } else if page.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut res = render(&page)?;
    *res.status_mut() = status;
    Ok(res)
}

fn gone() -> Result<Response, WebError> {
    page(InvitePage {
        name: None,
        email: String::new(),
        error: None,
        min_chars: MIN_PASSWORD_CHARS,
    })
}

async fn invite_page(
    State(state): State<AppState>,
    Path(secret): Path<String>,
) -> Result<Response, WebError> {
    if secret.chars().count() > MAX_SECRET_CHARS {
        return gone();
    }
    match state.store.invited_user(&secret).await? {
        Some(user) => page(InvitePage {
            name: Some(user.name),
            email: user.email.to_string(),
            error: None,
            min_chars: MIN_PASSWORD_CHARS,
        }),
        None => gone(),
    }
}

#[derive(Deserialize)]
struct ChooseForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    again: String,
}

async fn accept(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ChooseForm>,
) -> Result<Response, WebError> {
    check_same_origin(&headers)?;
    if secret.chars().count() > MAX_SECRET_CHARS {
        return gone();
    }
    let Some(user) = state.store.invited_user(&secret).await? else {
        return gone();
    };
    let again = |error: String| {
        page(InvitePage {
            name: Some(user.name.clone()),
            email: user.email.to_string(),
            error: Some(error),
            min_chars: MIN_PASSWORD_CHARS,
        })
    };
    if form.password != form.again {
        return again("the two passwords differ; type the same one twice".into());
    }
    // Hashing is deliberately slow: off the request threads.
    let password = form.password;
    let hashed = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| WebError::Internal(format!("the password could not be hashed: {e}")))?;
    let hash = match hashed {
        Ok(hash) => hash,
        Err(e) => return again(e.to_string()),
    };
    match state.store.accept_invite(&secret, &hash).await? {
        Some(user) => start_session(&state, user.id, "/").await,
        None => gone(),
    }
}
