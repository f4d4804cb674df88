//! abcrm-server: the HTTP API.
//!
//! Routes live under `/api/v1` and need a bearer token; `/api/openapi.json` (generated from the
//! code) and `/healthz` are public. Every error, including a malformed body, an unknown route or
//! a missing token, is an RFC 9457 problem document.

mod auth;
mod csv_body;
mod deadline;
mod etag;
mod extract;
mod headers;
mod limits;
mod listener;
mod openapi;
mod pagination;
mod problem;
mod routes;
pub mod web;

pub use limits::Limits;
pub use problem::{FieldError, Problem};

use abcrm_core::matching::MatchConfig;
use abcrm_store::intake::Intake;
use abcrm_store::Store;
use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The data.
    pub store: Arc<dyn Store>,
    /// The one intake service (and match index) of this process.
    pub intake: Arc<Intake>,
    /// Files uploaded to the web UI's import, kept between its steps, and their runs.
    pub imports: Arc<web::import::Imports>,
    /// Recent failed sign-ins per client address and email, to slow down password guessing.
    pub sign_ins: Arc<web::signin::SignInThrottle>,
    /// The password checks running and waiting, bounded.
    pub password_checks: Arc<web::password::PasswordChecks>,
    /// The server's limits.
    pub limits: Arc<Limits>,
}

impl AppState {
    /// The state over a store, with a fresh intake service and the default limits.
    pub fn new(store: Arc<dyn Store>) -> AppState {
        AppState::with_limits(store, Limits::default())
    }

    /// The state over a store, with a fresh intake service and these limits.
    pub fn with_limits(store: Arc<dyn Store>, limits: Limits) -> AppState {
        let intake = Arc::new(Intake::new(store.clone(), MatchConfig::default()));
        AppState {
            store,
            intake,
            imports: Arc::new(web::import::Imports::new(
                limits.uploads_per_user,
                limits.upload_bytes,
            )),
            sign_ins: Arc::default(),
            password_checks: Arc::new(web::password::PasswordChecks::new(
                limits.password_checks,
                limits.password_queue,
            )),
            limits: Arc::new(limits),
        }
    }
}

/// Largest request body accepted.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(title = "abcrm API", description = "The account-based CRM with no leads object. Every person is a contact under an account.", version = "1"),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(Problem, FieldError, abcrm_core::export::ColumnStyle))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token from `abcrm token create`"))
                    .build(),
            ),
        );
    }
}

/// The whole application: the API under `/api/v1`, the OpenAPI document and the health check.
pub fn app(store: Arc<dyn Store>) -> Router {
    app_with(AppState::new(store))
}

/// The application over a prepared state.
pub fn app_with(state: AppState) -> Router {
    let (api, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::accounts::router())
        .merge(routes::enrich::router())
        .merge(routes::contacts::router())
        .merge(routes::intake::router())
        .merge(routes::opportunities::router())
        .merge(routes::campaigns::router())
        .merge(routes::activities::router())
        .merge(routes::audit::router())
        .merge(routes::segments::router())
        .merge(routes::reports::router())
        .merge(routes::scoring::router())
        .merge(routes::search::router())
        .merge(routes::tasks::router())
        .split_for_parts();
    let mut openapi = openapi;
    // The routes are mounted under /api/v1; the document says so in its paths.
    openapi.paths.paths = openapi
        .paths
        .paths
        .into_iter()
        .map(|(p, item)| (format!("/api/v1{p}"), item))
        .collect();
    let document = openapi::Document::new(&openapi);
    let api = api
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ))
        .method_not_allowed_fallback(|| async { problem::ApiError::method_not_allowed() });
    let router = Router::new()
        .nest("/api/v1", api)
        .route(
            "/api/openapi.json",
            get(move || async move { document }),
        )
        .route("/healthz", get(|| async { "ok" }))
        .merge(web::router(state.clone()))
        .fallback(|uri: axum::http::Uri| async move {
            if uri.path().starts_with("/api/") {
                problem::ApiError::not_found(
                    "no such route; the API lives under /api/v1 and is described at /api/openapi.json",
                )
                .into_response()
            } else {
                web::WebError::NotFound(format!("there is no page at {}", uri.path())).into_response()
            }
        })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.limits.clone(),
            deadline::within_deadline,
        ))
        .with_state(state);
    headers::secured(router).layer(TraceLayer::new_for_http())
}

/// Serves [`app`] on `listener` with the default [`Limits`] until ctrl-c, then finishes the
/// requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Arc<dyn Store>,
) -> std::io::Result<()> {
    serve_with(listener, store, Limits::default()).await
}

/// Serves [`app`] on `listener` within `limits` until ctrl-c, then finishes the requests in
/// flight.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    store: Arc<dyn Store>,
    limits: Limits,
) -> std::io::Result<()> {
    let state = AppState::with_limits(store, limits.clone());
    // Build the match index now, not on the first form fill; a failure is retried then.
    let intake = state.intake.clone();
    tokio::spawn(async move {
        match intake.warm().await {
            Ok(n) => tracing::info!(accounts = n, "match index ready"),
            Err(e) => tracing::warn!(error = %e, "could not build the match index yet"),
        }
    });
    listener::serve_app(listener, app_with(state), &limits, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
