//! Errors as RFC 9457 problem documents, converted in this one place.

use abcrm_core::ValidationErrors;
use abcrm_store::StoreError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// An RFC 9457 problem document (`application/problem+json`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short, fixed summary of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong this time, and what to do about it.
    pub detail: String,
    /// The input fields at fault, each with its reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One input field at fault.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    /// The field, as a JSON path (`email`, `contact_roles[1].role`).
    pub field: String,
    /// Why it is wrong.
    pub reason: String,
}

/// Every error an endpoint can answer with.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    slug: &'static str,
    title: &'static str,
    detail: String,
    errors: Vec<FieldError>,
    authenticate: bool,
}

impl ApiError {
    fn new(
        status: StatusCode,
        slug: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            slug,
            title,
            detail: detail.into(),
            errors: Vec::new(),
            authenticate: false,
        }
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// What went wrong, and what to do about it (the problem's `detail`).
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The request could not be read (malformed JSON, a bad cursor or query parameter).
    pub fn bad_request(detail: impl Into<String>, field: Option<&str>) -> ApiError {
        let detail = detail.into();
        let mut e = ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "Bad request",
            detail.clone(),
        );
        if let Some(f) = field {
            e.errors.push(FieldError {
                field: f.to_string(),
                reason: detail,
            });
        }
        e
    }

    /// The body was well-formed but a field is invalid.
    pub fn invalid_field(field: impl Into<String>, reason: impl Into<String>) -> ApiError {
        let (field, reason) = (field.into(), reason.into());
        let mut e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "Invalid input",
            format!("{field}: {reason}"),
        );
        e.errors.push(FieldError { field, reason });
        e
    }

    /// No valid bearer token.
    pub fn unauthorized(detail: impl Into<String>) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Unauthorized",
            detail,
        );
        e.authenticate = true;
        e
    }

    /// The token is valid but its role may not do this.
    pub fn forbidden(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", detail)
    }

    /// No such route or record.
    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }

    /// A precondition of the request (`If-Match`) does not hold: the record changed since the
    /// client read it.
    pub fn precondition_failed(detail: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition-failed",
            "Precondition failed",
            detail,
        )
    }

    /// The route exists but not with this method.
    pub fn method_not_allowed() -> ApiError {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "Method not allowed",
            "this route does not accept this HTTP method; see /api/openapi.json",
        )
    }

    /// The request took longer than the server allows (see `Limits::request_timeout`).
    pub fn request_timeout(detail: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request-timeout",
            "Request timeout",
            detail,
        )
    }

    /// The body is not JSON, or too large, or otherwise unreadable at the transport level.
    pub fn unreadable_body(status: StatusCode, detail: impl Into<String>) -> ApiError {
        let (slug, title) = match status {
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                ("unsupported-media-type", "Unsupported media type")
            }
            StatusCode::PAYLOAD_TOO_LARGE => ("payload-too-large", "Payload too large"),
            _ => ("bad-request", "Bad request"),
        };
        ApiError::new(status, slug, title, detail)
    }

    fn problem(&self) -> Problem {
        Problem {
            kind: format!("https://abcrm.dev/problems/{}", self.slug),
            title: self.title.to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            errors: self.errors.clone(),
        }
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(v: ValidationErrors) -> Self {
        let mut e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "Invalid input",
            v.to_string(),
        );
        e.errors =
            v.0.into_iter()
                .map(|x| FieldError {
                    field: x.field,
                    reason: x.reason,
                })
                .collect();
        e
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Invalid(v) => v.into(),
            StoreError::NotFound { .. } => ApiError::not_found(err.to_string()),
            StoreError::Stale {
                entity,
                id,
                updated_at,
            } => ApiError::precondition_failed(format!(
                "{entity} {id} changed since the version named in If-Match (its ETag is now {}); GET it again, apply your change to what it holds now and send the new ETag",
                crate::etag::of(updated_at).to_str().unwrap_or_default()
            )),
            StoreError::Conflict { field, message } => {
                let mut e = ApiError::new(
                    StatusCode::CONFLICT,
                    "conflict",
                    "Conflict",
                    message.clone(),
                );
                if let Some(f) = field {
                    e.errors.push(FieldError {
                        field: f,
                        reason: message,
                    });
                }
                e
            }
            other => {
                // The cause is for the operator's log, not for the client.
                tracing::error!(error = %other, "store failure");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal server error",
                    "the server failed to complete the request; it has been logged",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut res = (self.status, body).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.authenticate {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"abcrm\""),
            );
        }
        res
    }
}
