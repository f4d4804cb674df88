//! The web UI: server-rendered pages over the same store and domain code the API uses.
//!
//! Templates live in the workspace's `web/templates` and are compiled into the binary by askama;
//! styles and scripts in `web/static` are embedded with `include_str!`. Every page works without
//! JavaScript; `htmx` and `app.js` only make some of them quicker to use (live filter errors,
//! drag-and-drop on the board, import progress).

mod account_360;
mod account_form;
mod account_merge;
mod accounts;
mod activity_log;
mod admin;
mod assets;
mod bulk;
mod buying_center;
pub mod charts;
mod chips;
mod contact_form;
mod contacts;
mod csv_download;
mod dashboard;
mod filter_error;
mod form;
pub mod format;
mod history;
pub mod import;
mod invite;
mod my_work;
mod opportunities;
mod opportunity_form;
mod opportunity_page;
pub mod password;
mod people;
mod quick_edit;
mod reports;
mod review;
mod scoring_model;
mod search;
pub mod session;
pub mod signin;
mod table_sort;
mod tasks;
pub mod throttle;

use crate::AppState;
use abcrm_core::model::Role;
use abcrm_store::StoreError;
use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
pub use format::{human, money};
pub use session::SignedIn;

/// The pages of the UI, mounted at `/` beside the API.
pub fn router(state: AppState) -> Router<AppState> {
    let signed_in = Router::new()
        .merge(dashboard::routes())
        .merge(contacts::routes())
        .merge(review::routes())
        .merge(accounts::routes())
        .merge(account_360::routes())
        .merge(account_merge::routes())
        .merge(opportunities::routes())
        .merge(activity_log::routes())
        .merge(opportunity_page::routes())
        .merge(opportunity_form::routes())
        .merge(contact_form::routes())
        .merge(quick_edit::routes())
        .merge(account_form::routes())
        .merge(admin::routes())
        .merge(scoring_model::routes())
        .merge(my_work::routes())
        .merge(search::routes())
        .merge(tasks::routes())
        .merge(bulk::routes())
        .merge(reports::routes())
        .merge(csv_download::routes())
        .merge(import::routes())
        .merge(signin::signed_in_routes())
        .layer(axum::middleware::from_fn_with_state(
            state,
            session::require_session,
        ));
    Router::new()
        .merge(signed_in)
        .merge(signin::public_routes())
        .merge(invite::routes())
        .route("/static/{file}", get(assets::serve))
        .layer(axum::middleware::from_fn(server_timing))
}

/// Adds `Server-Timing: app;dur=<ms>` to every page: the time the server spent on it, which
/// the page benchmark (web/e2e/bench-pages.mjs) reads.
async fn server_timing(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let started = std::time::Instant::now();
    let mut res = next.run(req).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(v) = format!("app;dur={ms:.2}").parse() {
        res.headers_mut().insert("server-timing", v);
    }
    res
}

/// What the layout shows on every page: who is signed in, the token its forms carry, and which
/// section is open.
#[derive(Debug, Clone)]
pub struct Nav {
    pub user_name: String,
    pub user_email: String,
    pub role: Role,
    pub csrf: String,
    /// The section this page belongs to: `dashboard`, `accounts`, `contacts`, `opportunities`,
    /// `reports`, `review` or `import`.
    pub active: &'static str,
}

impl Nav {
    /// The layout of a page in `section` for the signed-in user.
    pub fn new(me: &SignedIn, section: &'static str) -> Nav {
        Nav {
            user_name: me.user.name.clone(),
            user_email: me.user.email.to_string(),
            role: me.user.role,
            csrf: me.csrf.clone(),
            active: section,
        }
    }

    /// Whether `section` is the open one.
    pub fn is_active(&self, section: &str) -> bool {
        self.active == section
    }

    /// Whether the user may change data (the layout hides forms that would be refused).
    pub fn can_write(&self) -> bool {
        self.role != Role::ReadOnly
    }

    /// Whether the user manages users and tokens.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The sections of the top navigation: path, label and section key (Admin for admins).
    pub fn sections(&self) -> &'static [(&'static str, &'static str, &'static str)] {
        const SECTIONS: [(&str, &str, &str); 9] = [
            ("/", "Dashboard", "dashboard"),
            ("/my-work", "My work", "my-work"),
            ("/accounts", "Accounts", "accounts"),
            ("/contacts", "Contacts", "contacts"),
            ("/opportunities", "Opportunities", "opportunities"),
            ("/reports", "Reports", "reports"),
            ("/review", "Review queue", "review"),
            ("/import", "Import", "import"),
            ("/admin/users", "Admin", "admin"),
        ];
        if self.is_admin() {
            &SECTIONS
        } else {
            &SECTIONS[..8]
        }
    }
}

/// Renders a page template to an HTML response.
pub fn render<T: Template>(page: &T) -> Result<Response, WebError> {
    let html = page
        .render()
        .map_err(|e| WebError::Internal(format!("the page could not be rendered: {e}")))?;
    Ok(Html(html).into_response())
}

/// Why a page could not be shown, rendered as a page of its own (or a redirect to sign in).
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// No session: go to the sign-in page, and come back to `next` afterwards.
    #[error("sign in to continue")]
    SignIn { next: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Internal(String),
    /// The request passed its deadline (see `Limits::request_timeout`).
    #[error("{0}")]
    Timeout(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    detail: &'a str,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, title) = match &self {
            WebError::SignIn { next } => {
                let to = format!("/login?next={}", urlencode(next));
                return Redirect::to(&to).into_response();
            }
            WebError::NotFound(_) | WebError::Store(StoreError::NotFound { .. }) => {
                (StatusCode::NOT_FOUND, "Not found")
            }
            WebError::Forbidden(_) => (StatusCode::FORBIDDEN, "Not allowed"),
            WebError::BadRequest(_) | WebError::Store(StoreError::Invalid(_)) => {
                (StatusCode::BAD_REQUEST, "That did not work")
            }
            WebError::Store(StoreError::Conflict { .. }) => (StatusCode::CONFLICT, "Conflict"),
            WebError::Timeout(_) => (StatusCode::REQUEST_TIMEOUT, "Took too long"),
            WebError::Internal(_) | WebError::Store(_) => {
                tracing::error!(error = %self, "web page failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong")
            }
        };
        let detail = self.to_string();
        let page = ErrorPage {
            status: status.as_u16(),
            title,
            detail: &detail,
        };
        let body = page.render().unwrap_or(detail.clone());
        (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response()
    }
}

/// Percent-encodes a value for a query string.
pub fn urlencode(value: &str) -> String {
    serde_urlencoded::to_string([("", value)])
        .map(|s| s.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

/// A query string (`?a=1&b=2`) of the pairs whose value is not empty.
pub fn query_string(pairs: &[(&str, String)]) -> String {
    let kept: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    if kept.is_empty() {
        return String::new();
    }
    format!("?{}", serde_urlencoded::to_string(kept).unwrap_or_default())
}

/// A path to come back to after sign-in: only a path on this site, never another site.
///
/// The path must start with one `/` followed by anything but `/` or `\` (browsers read `//host`
/// and `/\host` as another site), and neither it nor its percent-decoded form may hold a
/// control character, whitespace or a backslash (browsers drop tabs and newlines from a URL, so
/// `/\t/evil.example` is `//evil.example` to them). Anything else is `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if stays_on_site(n) && stays_on_site(&percent_decode(n)) => n.to_string(),
        _ => "/".to_string(),
    }
}

fn stays_on_site(path: &str) -> bool {
    let mut chars = path.chars();
    chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !path
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
}

/// `%XX` sequences decoded once (others left as they are), the bytes read as UTF-8.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .filter(|_| bytes[i] == b'%')
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(
            safe_next(Some("/accounts?sort=name")),
            "/accounts?sort=name"
        );
        assert_eq!(safe_next(Some("/")), "/");
        assert_eq!(
            safe_next(Some("/contacts?filter=a+%3D+1")),
            "/contacts?filter=a+%3D+1"
        );
        for off_site in [
            "//evil.example/",
            "https://evil.example/",
            "/%09/evil.example",
            "/\t/evil.example",
            "/\\evil.example",
            "/%5Cevil.example",
            "/%2F%2Fevil.example",
            "/%2f/evil.example",
            "/ok\\..\\evil",
            "/a\nLocation: https://evil.example",
            "/%0d%0aSet-Cookie: x=1",
            "/%20/evil.example",
            "evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(off_site)), "/", "{off_site:?}");
        }
        assert_eq!(safe_next(None), "/");
        assert_eq!(urlencode("/a b?c=d&e"), "%2Fa+b%3Fc%3Dd%26e");
    }

    #[test]
    fn query_strings_leave_out_empty_values() {
        assert_eq!(
            query_string(&[("filter", "a = \"b\"".into()), ("q", String::new())]),
            "?filter=a+%3D+%22b%22"
        );
        assert_eq!(query_string(&[("q", String::new())]), "");
    }
}
