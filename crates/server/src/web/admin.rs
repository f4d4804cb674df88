//! `/admin/users` and `/admin/tokens`, for admins only: who may sign in and with what role,
//! inviting a person (a link, shown once, where they choose their password), ending someone's access, and the API
//! tokens (each secret shown once, revoked with a click). Everything goes through the store
//! methods the CLI's `user` and `token` commands use, so the last admin keeps the role here too.

use super::invite::INVITE_DAYS;
use super::people::{path_id, text, when};
use super::signin::public_origin;
use super::{render, urlencode, Nav, SignedIn, WebError};
use crate::AppState;
use abcrm_core::model::{NewUser, Role};
use abcrm_core::normalize::Email;
use abcrm_core::{TokenId, UserId};
use abcrm_store::StoreError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

/// The admin routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users).post(add_user))
        .route("/admin/users/{id}/role", post(set_role))
        .route("/admin/users/{id}/deactivate", post(deactivate))
        .route("/admin/users/{id}/invite", post(reinvite))
        .route("/admin/tokens", get(tokens).post(add_token))
        .route("/admin/tokens/{id}/revoke", post(revoke))
}

fn require_admin(me: &SignedIn) -> Result<(), WebError> {
    if me.user.role == Role::Admin {
        Ok(())
    } else {
        Err(WebError::Forbidden(
            "only an admin manages users and tokens; ask one of them".into(),
        ))
    }
}

/// What a page says after an action: a notice, an error, or a secret shown this once.
#[derive(Debug, Default, Deserialize)]
struct Said {
    done: Option<String>,
    error: Option<String>,
}

struct UserRow {
    id: i64,
    name: String,
    email: String,
    role: &'static str,
    can_sign_in: bool,
    live_tokens: i64,
    /// Until when their invitation link works, when one waits.
    invited_until: Option<String>,
    me: bool,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    nav: Nav,
    users: Vec<UserRow>,
    roles: Vec<&'static str>,
    notice: Option<String>,
    error: Option<String>,
    /// A person's invitation link (their email, the link), shown once.
    secret: Option<(String, String)>,
    invite_days: i64,
}

async fn users_page(
    state: &AppState,
    me: &SignedIn,
    said: Said,
    secret: Option<(String, String)>,
) -> Result<UsersPage, WebError> {
    require_admin(me)?;
    let access = state.store.user_access().await?;
    Ok(UsersPage {
        nav: Nav::new(me, "admin"),
        users: access
            .into_iter()
            .map(|a| UserRow {
                id: a.user.id.0,
                me: a.user.id == me.user.id,
                name: a.user.name,
                email: a.user.email.to_string(),
                role: a.user.role.as_str(),
                can_sign_in: a.can_sign_in,
                live_tokens: a.live_tokens,
                invited_until: a.invited_until.map(|t| t.format("%Y-%m-%d").to_string()),
            })
            .collect(),
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        notice: text(&said.done),
        error: text(&said.error),
        secret,
        invite_days: INVITE_DAYS,
    })
}

async fn users(
    State(state): State<AppState>,
    me: SignedIn,
    Query(said): Query<Said>,
) -> Result<Response, WebError> {
    render(&users_page(&state, &me, said, None).await?)
}

/// Back to a page with what happened: a notice, or the store's refusal as an error.
fn back(page: &str, outcome: Result<String, StoreError>) -> Result<Response, WebError> {
    match outcome {
        Ok(done) => said(page, "done", &done),
        Err(StoreError::Conflict { message, .. }) => said(page, "error", &message),
        Err(StoreError::Invalid(e)) => said(page, "error", &e.to_string()),
        Err(e) => Err(e.into()),
    }
}

/// Back to `page` saying `message` as its `key` (`done` or `error`).
fn said(page: &str, key: &str, message: &str) -> Result<Response, WebError> {
    Ok(Redirect::to(&format!("{page}?{key}={}", urlencode(message))).into_response())
}

#[derive(Debug, Deserialize)]
struct RoleForm {
    role: Option<String>,
}

async fn set_role(
    State(state): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
    Form(form): Form<RoleForm>,
) -> Result<Response, WebError> {
    require_admin(&me)?;
    let id = UserId(path_id(&raw, "user")?);
    let role: Role = text(&form.role)
        .and_then(|r| r.parse().ok())
        .ok_or_else(|| {
            WebError::BadRequest("role: choose admin, sales, marketing or read_only".into())
        })?;
    let outcome = state
        .store
        .set_user_role(&me.actor, id, role)
        .await
        .map(|u| format!("{} is now {}", u.name, u.role.as_str()));
    back("/admin/users", outcome)
}

async fn deactivate(
    State(state): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    require_admin(&me)?;
    let id = UserId(path_id(&raw, "user")?);
    let outcome = state
        .store
        .deactivate_user(&me.actor, id)
        .await
        .map(|()| format!("User {id} can no longer sign in or use a token"));
    back("/admin/users", outcome)
}

#[derive(Debug, Deserialize)]
struct NewUserForm {
    email: Option<String>,
    name: Option<String>,
    role: Option<String>,
}

async fn add_user(
    State(state): State<AppState>,
    me: SignedIn,
    headers: HeaderMap,
    Form(form): Form<NewUserForm>,
) -> Result<Response, WebError> {
    require_admin(&me)?;
    let raw = text(&form.email).unwrap_or_default();
    let email = match Email::parse(&raw) {
        Ok(e) => e,
        Err(e) => {
            return said(
                "/admin/users",
                "error",
                &format!("email: “{raw}”: the email {e}"),
            )
        }
    };
    let role: Role = text(&form.role)
        .and_then(|r| r.parse().ok())
        .unwrap_or(Role::Sales);
    let name = text(&form.name).unwrap_or_else(|| email.local().to_string());
    let user = match state
        .store
        .create_user(&me.actor, NewUser { email, name, role })
        .await
    {
        Ok(u) => u,
        Err(e) => return back("/admin/users", Err(e)),
    };
    let link = invite_link(&state, &me, user.id, &headers).await?;
    let said = Said {
        done: Some(format!("Added {} ({})", user.name, user.role.as_str())),
        error: None,
    };
    let page = users_page(&state, &me, said, Some((user.email.to_string(), link))).await?;
    render(&page)
}

/// A new invitation link for `user` (an earlier one stops working), to show once.
async fn invite_link(
    state: &AppState,
    me: &SignedIn,
    user: UserId,
    headers: &HeaderMap,
) -> Result<String, WebError> {
    let secret = super::session::random_secret(32);
    let expires = chrono::Utc::now() + chrono::Duration::days(INVITE_DAYS);
    state
        .store
        .create_invite(&me.actor, user, &secret, expires)
        .await?;
    Ok(format!("{}/invite/{secret}", public_origin(headers)))
}

/// A fresh link for someone who has not chosen a password yet (or lost the first link).
async fn reinvite(
    State(state): State<AppState>,
    me: SignedIn,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    require_admin(&me)?;
    let id = UserId(path_id(&raw, "user")?);
    let link = invite_link(&state, &me, id, &headers).await?;
    let user = state
        .store
        .user_access()
        .await?
        .into_iter()
        .find(|a| a.user.id == id)
        .map(|a| a.user.email.to_string())
        .unwrap_or_default();
    let said = Said {
        done: Some("A new invitation link; the one before it no longer works".into()),
        error: None,
    };
    render(&users_page(&state, &me, said, Some((user, link))).await?)
}

struct TokenRow {
    id: i64,
    user: String,
    name: String,
    prefix: String,
    created: String,
    last_used: String,
    revoked: String,
}

#[derive(Template)]
#[template(path = "admin_tokens.html")]
struct TokensPage {
    nav: Nav,
    tokens: Vec<TokenRow>,
    users: Vec<(i64, String)>,
    notice: Option<String>,
    error: Option<String>,
    /// A new token's secret, shown once.
    secret: Option<String>,
}

async fn tokens_page(
    state: &AppState,
    me: &SignedIn,
    said: Said,
    secret: Option<String>,
) -> Result<TokensPage, WebError> {
    require_admin(me)?;
    let users = state.store.list_users().await?;
    let name_of = |id: UserId| {
        users
            .iter()
            .find(|u| u.id == id)
            .map_or_else(|| format!("user {id}"), |u| u.email.to_string())
    };
    let tokens = state.store.list_api_tokens().await?;
    Ok(TokensPage {
        nav: Nav::new(me, "admin"),
        tokens: tokens
            .iter()
            .map(|t| TokenRow {
                id: t.id.0,
                user: name_of(t.user_id),
                name: t.name.clone(),
                prefix: t.prefix.clone(),
                created: when(&t.created_at),
                last_used: t.last_used_at.as_ref().map(when).unwrap_or_default(),
                revoked: t.revoked_at.as_ref().map(when).unwrap_or_default(),
            })
            .collect(),
        users: users
            .iter()
            .map(|u| (u.id.0, format!("{} ({})", u.name, u.email)))
            .collect(),
        notice: text(&said.done),
        error: text(&said.error),
        secret,
    })
}

async fn tokens(
    State(state): State<AppState>,
    me: SignedIn,
    Query(said): Query<Said>,
) -> Result<Response, WebError> {
    render(&tokens_page(&state, &me, said, None).await?)
}

#[derive(Debug, Deserialize)]
struct NewTokenForm {
    user_id: Option<String>,
    name: Option<String>,
}

async fn add_token(
    State(state): State<AppState>,
    me: SignedIn,
    Form(form): Form<NewTokenForm>,
) -> Result<Response, WebError> {
    require_admin(&me)?;
    let user = text(&form.user_id)
        .and_then(|u| u.parse::<i64>().ok())
        .map_or(me.user.id, UserId);
    let name = text(&form.name).unwrap_or_default();
    let (token, secret) = match state.store.create_api_token(&me.actor, user, &name).await {
        Ok(made) => made,
        Err(e) => return back("/admin/tokens", Err(e)),
    };
    let said = Said {
        done: Some(format!("Created token {} “{}”", token.id, token.name)),
        error: None,
    };
    render(&tokens_page(&state, &me, said, Some(secret)).await?)
}

async fn revoke(
    State(state): State<AppState>,
    me: SignedIn,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    require_admin(&me)?;
    let id = TokenId(path_id(&raw, "token")?);
    let outcome = state
        .store
        .revoke_api_token(&me.actor, id)
        .await
        .map(|()| format!("Token {id} is revoked: it opens nothing any more"));
    back("/admin/tokens", outcome)
}
