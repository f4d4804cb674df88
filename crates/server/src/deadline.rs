//! A deadline on every request ([`Limits::request_timeout`]), longer for the few that are long
//! by nature ([`Limits::long_request_timeout`]): a client that trickles its body, or a handler
//! stuck waiting, is answered 408 and its connection freed.

use crate::limits::Limits;
use crate::problem::ApiError;
use crate::web::WebError;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;

/// The requests that get [`Limits::long_request_timeout`]: the web import's upload and the
/// full score recompute.
const LONG_REQUESTS: [(Method, &str); 2] = [
    (Method::POST, crate::web::import::UPLOAD_PATH),
    (Method::POST, "/api/v1/scoring/recompute"),
];

/// How long `method path` may take.
fn deadline(limits: &Limits, method: &Method, path: &str) -> Duration {
    if LONG_REQUESTS.iter().any(|(m, p)| m == method && *p == path) {
        limits.long_request_timeout
    } else {
        limits.request_timeout
    }
}

/// Answers 408 (problem+json under `/api/`, a page elsewhere) when a request passes its deadline.
pub async fn within_deadline(
    State(limits): State<Arc<Limits>>,
    req: Request,
    next: Next,
) -> Response {
    let limit = deadline(&limits, req.method(), req.uri().path());
    let api = req.uri().path().starts_with("/api/");
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            let detail = format!(
                "the request took longer than {} seconds and was stopped; send it again, or \
                 a smaller one",
                limit.as_secs()
            );
            if api {
                ApiError::request_timeout(detail).into_response()
            } else {
                WebError::Timeout(detail).into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_import_upload_and_the_recompute_have_the_longer_deadline() {
        let limits = Limits::default();
        assert_eq!(
            deadline(&limits, &Method::POST, "/import"),
            limits.long_request_timeout
        );
        assert_eq!(
            deadline(&limits, &Method::GET, "/import"),
            limits.request_timeout
        );
        assert_eq!(
            deadline(&limits, &Method::POST, "/api/v1/scoring/recompute"),
            limits.long_request_timeout
        );
        assert_eq!(
            deadline(&limits, &Method::POST, "/api/v1/intake"),
            limits.request_timeout
        );
    }
}
