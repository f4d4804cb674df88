//! Request extractors whose every rejection is a problem document naming what was wrong.

use crate::problem::ApiError;
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;

/// A JSON body. Syntax errors are 400 with the line and column; a wrong, missing or unknown
/// field is 422 naming the field.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                let mime = v
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            });
        if !is_json {
            return Err(ApiError::unreadable_body(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the body as JSON with the header Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::unreadable_body(e.status(), e.body_text()))?;
        parse_json(&bytes).map(Json)
    }
}

/// Parses a JSON body into `T`, classifying the failure for the client.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    if value.is_ok() {
        de.end()
            .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}"), None))?;
    }
    value.map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Syntax
            | serde_json::error::Category::Eof
            | serde_json::error::Category::Io => {
                ApiError::bad_request(format!("the body is not valid JSON: {inner}"), None)
            }
            serde_json::error::Category::Data => {
                let message = strip_position(&inner.to_string());
                // serde_path_to_error's path already ends at an unknown field, but stops at the
                // parent of a missing one, which serde names in backticks.
                let field =
                    match quoted_field(&message).filter(|_| message.starts_with("missing field")) {
                        Some(f) if path == "." || path.is_empty() => f,
                        Some(f) => format!("{path}.{f}"),
                        None if path == "." || path.is_empty() => "body".to_string(),
                        None => path,
                    };
                ApiError::invalid_field(field, message)
            }
        }
    })
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

fn quoted_field(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(message[start..end].to_string())
}

/// A numeric record id from the path; anything else is 400.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(id) = axum::extract::Path::<i64>::from_request_parts(parts, state)
            .await
            .map_err(|e: PathRejection| {
                ApiError::bad_request(
                    format!(
                        "the record id in the path must be a whole number ({})",
                        e.body_text()
                    ),
                    Some("id"),
                )
            })?;
        Ok(Id(id))
    }
}

/// Query parameters; a bad one is 400 naming it.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Query(v) = axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map_err(|e: QueryRejection| {
                ApiError::bad_request(
                    format!("invalid query string: {}", e.body_text()),
                    Some("query"),
                )
            })?;
        Ok(Query(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use abcrm_core::model::NewContact;

    #[test]
    fn an_unknown_field_is_named() {
        let e = parse_json::<NewContact>(br#"{"account_id":1,"frist_name":"x"}"#).unwrap_err();
        assert_eq!(e.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(format!("{e:?}").contains("field: \"frist_name\""), "{e:?}");
    }

    #[test]
    fn a_missing_field_is_named() {
        let e = parse_json::<NewContact>(br#"{"first_name":"x"}"#).unwrap_err();
        assert!(format!("{e:?}").contains("field: \"account_id\""), "{e:?}");
    }

    #[test]
    fn broken_json_is_a_bad_request() {
        let e = parse_json::<NewContact>(b"{\"account_id\": 1,").unwrap_err();
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
    }
}
