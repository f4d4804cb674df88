//! `/`: the dashboard.

use super::{render, Nav, SignedIn, WebError};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

/// The dashboard's route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(dashboard))
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    nav: Nav,
}

async fn dashboard(State(_state): State<AppState>, me: SignedIn) -> Result<Response, WebError> {
    render(&DashboardPage {
        nav: Nav::new(&me, "dashboard"),
    })
}
