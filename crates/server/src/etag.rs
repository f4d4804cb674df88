//! Entity tags for optimistic concurrency: a record's `ETag` is its `updated_at` (to the
//! microsecond, the precision both databases keep), and `If-Match` names the versions a
//! client's change was made against.

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

/// A record as JSON with its version (`updated_at`) in `ETag`, for a later `If-Match`.
pub fn tagged<T: serde::Serialize>(record: T, updated_at: DateTime<Utc>) -> Response {
    let mut res = axum::Json(record).into_response();
    res.headers_mut().insert(header::ETAG, of(updated_at));
    res
}

/// The `ETag` of a record last changed at `updated_at`: a strong tag, `"<microseconds>"`.
pub fn of(updated_at: DateTime<Utc>) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{}\"", updated_at.timestamp_micros()))
        .expect("digits are a valid header value")
}

/// The versions `If-Match` accepts: `None` when the header is absent or `*` (any version).
/// A tag this server did not make (a weak one, another format) matches no version, so a list
/// of only such tags is empty and the write is refused.
pub fn if_match(headers: &HeaderMap) -> Option<Vec<DateTime<Utc>>> {
    let values: Vec<&str> = headers
        .get_all(header::IF_MATCH)
        .iter()
        .map(|v| v.to_str().unwrap_or(""))
        .collect();
    if values.is_empty() {
        return None;
    }
    let tags: Vec<&str> = values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    if tags.contains(&"*") {
        return None;
    }
    Some(
        tags.iter()
            .filter_map(|t| t.strip_prefix('"')?.strip_suffix('"')?.parse().ok())
            .filter_map(DateTime::from_timestamp_micros)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::IF_MATCH, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn a_tag_names_the_version_it_was_made_from() {
        let at = DateTime::from_timestamp_micros(1_733_480_000_123_456).unwrap();
        let tag = of(at);
        assert_eq!(if_match(&headers(tag.to_str().unwrap())), Some(vec![at]));
    }

    #[test]
    fn a_star_or_no_header_accepts_any_version_and_a_foreign_tag_none() {
        assert_eq!(if_match(&HeaderMap::new()), None);
        assert_eq!(if_match(&headers("*")), None);
        assert_eq!(if_match(&headers("W/\"12\", \"abc\"")), Some(vec![]));
    }
}
