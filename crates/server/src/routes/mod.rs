//! One module per resource; each handler parses, calls the store and maps the result.

pub mod accounts;
pub mod activities;
pub mod audit;
pub mod campaigns;
pub mod contacts;
pub mod enrich;
pub mod intake;
pub mod opportunities;
pub mod reports;
pub mod scoring;
pub mod search;
pub mod segments;
pub mod tasks;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// 201 Created with the new record and its Location.
pub fn created<T: Serialize>(location: String, body: T) -> Response {
    let mut res = (StatusCode::CREATED, axum::Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}
