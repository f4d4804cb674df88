//! Request extractors whose every rejection is a problem document naming what was wrong.

use crate::problem::ApiError;
use abcrm_core::validation::{
    control_reason, day_in_range, is_forbidden_control, DATE_RANGE_REASON,
};
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use chrono::{DateTime, FixedOffset, NaiveDate};
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
///
/// The body is read into a `serde_json::Value` first, and `T` from that. Read straight from the
/// bytes, serde_json reports some wrong types as syntax errors: an enum given a number
/// (`{"kind":5}`) fails in `deserialize_enum` with "expected value", a syntax code, and a
/// tagged enum or a `#[serde(flatten)]` buffers its input and loses the category. Only the
/// first step reads text, so every error of the second is about the data, with its path.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}"), None))?;
    // Every body the API takes is an object; serde would read a struct from an array too.
    if !value.is_object() {
        return Err(ApiError::invalid_field(
            "body",
            "must be a JSON object ({ \"field\": value, ... }); see the operation in /api/openapi.json",
        ));
    }
    check_dates(&value, &mut String::new())?;
    whole_numbers_as_integers(&mut value);
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let message = strip_position(&err.into_inner().to_string());
        // serde_path_to_error's path already ends at an unknown field, but stops at the
        // parent of a missing one, which serde names in backticks.
        let field = match quoted_field(&message).filter(|_| message.starts_with("missing field")) {
            Some(f) if path == "." || path.is_empty() => f,
            Some(f) => format!("{path}.{f}"),
            None if path == "." || path.is_empty() => "body".to_string(),
            None => path,
        };
        ApiError::invalid_field(field, message)
    })
}

/// Refuses a date or date-time outside the years 1 to 9999 anywhere in a body, naming its
/// path: chrono reads years up to ±262143, which PostgreSQL refuses (a 500) and SQLite stores
/// and orders as text (wrongly), and which overflow date arithmetic. A string is a date here
/// when it reads as one; no name or free text does.
fn check_dates(value: &serde_json::Value, path: &mut String) -> Result<(), ApiError> {
    use serde_json::Value;
    match value {
        Value::String(s) => match out_of_range_date(s) {
            true => Err(ApiError::invalid_field(
                if path.is_empty() {
                    "body"
                } else {
                    path.as_str()
                },
                DATE_RANGE_REASON,
            )),
            false => Ok(()),
        },
        Value::Array(items) => items.iter().enumerate().try_for_each(|(i, v)| {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let r = check_dates(v, path);
            path.truncate(len);
            r
        }),
        Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(k);
            let r = check_dates(v, path);
            path.truncate(len);
            r
        }),
        _ => Ok(()),
    }
}

/// True for a text that reads as a date or a date-time whose year is outside 1 to 9999.
fn out_of_range_date(s: &str) -> bool {
    let s = s.trim();
    // Every date starts with a digit or a sign and holds a dash after the year; anything
    // else is not one, and costs nothing more.
    if !s.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+') || s.len() > 64 {
        return false;
    }
    if let Ok(day) = s.parse::<NaiveDate>() {
        return !day_in_range(day);
    }
    if let Ok(at) = s.parse::<DateTime<FixedOffset>>() {
        return !day_in_range(at.date_naive()) || !day_in_range(at.naive_utc().date());
    }
    false
}

/// JSON has one number type: `14614.0` is the integer 14614 to JSON Schema and to clients that
/// write every number as a float, so a whole number within `i64` is given to serde as one.
fn whole_numbers_as_integers(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(i) = whole_number(n) {
                *value = serde_json::Value::from(i);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        serde_json::Value::Object(fields) => {
            fields.values_mut().for_each(whole_numbers_as_integers)
        }
        _ => {}
    }
}

/// The `i64` a JSON number stands for when it is whole, however it is written (`3`, `3.0`,
/// `3e0`); `None` for a fraction or a number outside `i64`.
fn whole_number(n: &serde_json::Number) -> Option<i64> {
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
    // 2^63 as f64; every whole f64 below it in magnitude fits an i64 exactly. An integer
    // written past i64 reaches here rounded to 2^63, so the bound is open at both ends: such a
    // number stays a float and is refused as out of range.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    (f.fract() == 0.0 && f > -LIMIT && f < LIMIT).then_some(f as i64)
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

/// A numeric record id from the path; anything else is 400. The id is an integer in the
/// OpenAPI document, and to JSON Schema `3.0` is the integer 3, so a whole number written as a
/// JSON number in any form is that id.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(text) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|e: PathRejection| {
                    ApiError::bad_request(
                        format!(
                            "the record id in the path is unreadable ({})",
                            e.body_text()
                        ),
                        Some("id"),
                    )
                })?;
        path_id(&text).map(Id).ok_or_else(|| {
            ApiError::bad_request(
                format!(
                    "the record id in the path must be a whole number, not `{}`",
                    text.chars().take(40).collect::<String>()
                ),
                Some("id"),
            )
        })
    }
}

/// The id a path segment names: a JSON number that is whole and within `i64`.
fn path_id(text: &str) -> Option<i64> {
    if let Ok(i) = text.parse::<i64>() {
        return Some(i);
    }
    // JSON's number grammar, not Rust's float parser, which would also take `inf` and `NaN`.
    let number_chars = |b: u8| b.is_ascii_digit() || b"-+.eE".contains(&b);
    if text.len() > 64 || !text.bytes().all(number_chars) {
        return None;
    }
    whole_number(&serde_json::from_str::<serde_json::Number>(text).ok()?)
}

/// Query parameters; a bad one is 400 naming it.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        check_query(parts.uri.query().unwrap_or(""))?;
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

/// Refuses a query parameter holding a control character or a date outside the years 1 to
/// 9999, naming it, before any route reads it (see [`check_dates`]).
fn check_query(query: &str) -> Result<(), ApiError> {
    let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(query) else {
        return Ok(()); // the typed parse below says what is wrong
    };
    for (name, value) in pairs {
        if let Some(c) = value.chars().find(|&c| is_forbidden_control(c)) {
            return Err(ApiError::bad_request(
                format!("{name} {}", control_reason(c)),
                Some(&name),
            ));
        }
        if out_of_range_date(&value) {
            return Err(ApiError::bad_request(
                format!("{name} {DATE_RANGE_REASON}, not {value}"),
                Some(&name),
            ));
        }
    }
    Ok(())
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
    fn a_path_id_is_any_whole_json_number() {
        for (text, id) in [("3", 3), ("3.0", 3), ("3e0", 3), ("-7", -7), ("30E-1", 3)] {
            assert_eq!(path_id(text), Some(id), "{text}");
        }
        for text in [
            "3.5",
            "inf",
            "NaN",
            "",
            " 3",
            "0x10",
            "9223372036854775808",
            "1e400",
        ] {
            assert_eq!(path_id(text), None, "{text}");
        }
    }

    #[test]
    fn a_whole_number_written_as_a_float_is_an_integer() {
        let c = parse_json::<NewContact>(br#"{"account_id":14614.0,"first_name":"x"}"#).unwrap();
        assert_eq!(c.account_id.0, 14614);
        for past in [
            &br#"{"account_id":1.5}"#[..],
            br#"{"account_id":-9223372036854775809}"#,
            br#"{"account_id":9223372036854775808}"#,
        ] {
            let e = parse_json::<NewContact>(past).unwrap_err();
            assert!(format!("{e:?}").contains("field: \"account_id\""), "{e:?}");
        }
    }

    #[test]
    fn a_body_that_is_not_an_object_is_refused_naming_the_body() {
        for body in [&b"[null, null]"[..], b"5", b"\"text\"", b"null"] {
            let e = parse_json::<abcrm_core::model::AccountPatch>(body).unwrap_err();
            assert_eq!(e.status(), StatusCode::UNPROCESSABLE_ENTITY);
            assert!(format!("{e:?}").contains("field: \"body\""), "{e:?}");
        }
    }

    #[test]
    fn broken_json_is_a_bad_request() {
        let e = parse_json::<NewContact>(b"{\"account_id\": 1,").unwrap_err();
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
    }
}
