//! `/import`: people from a CSV file, mapped, previewed, then taken by the intake service.

use crate::AppState;
use axum::Router;

/// The import routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
