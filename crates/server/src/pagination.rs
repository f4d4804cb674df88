//! Opaque cursors for list endpoints: the client passes back what it was given.

use crate::problem::ApiError;
use abcrm_store::{Page, PageRequest};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use utoipa::ToSchema;

/// A page of records and the cursor of the next page (`null` on the last one).
#[derive(Debug, Serialize, ToSchema)]
pub struct List<T> {
    pub items: Vec<T>,
    /// Pass as `?cursor=` to get the next page.
    pub next_cursor: Option<String>,
}

impl<T> From<Page<T>> for List<T> {
    fn from(p: Page<T>) -> Self {
        List {
            items: p.items,
            next_cursor: p.next_after.map(encode),
        }
    }
}

/// Encodes a store position as an opaque, versioned cursor.
pub fn encode(after: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1:{after}"))
}

/// Decodes a cursor this server issued; anything else is a 400 naming `cursor`.
pub fn decode(cursor: &str) -> Result<i64, ApiError> {
    URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("v1:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| ApiError::bad_request("the cursor is not one this server issued; use next_cursor from a previous page, or leave it out for the first page", Some("cursor")))
}

/// A `?limit=` as given, or `default`; anything outside 1 to 1000 is a 400 naming `limit`.
pub fn limit(limit: Option<u32>, default: u32) -> Result<u32, ApiError> {
    let limit = limit.unwrap_or(default);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_request(
            "limit must be between 1 and 1000",
            Some("limit"),
        ));
    }
    Ok(limit)
}

/// The store's page request for `?limit=&cursor=` (default 50, at most 1000). An empty cursor
/// is the first page, as a missing one is.
pub fn request(limit_asked: Option<u32>, cursor: Option<&str>) -> Result<PageRequest, ApiError> {
    Ok(PageRequest {
        limit: limit(limit_asked, 50)?,
        after: cursor
            .filter(|c| !c.trim().is_empty())
            .map(decode)
            .transpose()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        assert_eq!(decode(&encode(42)).unwrap(), 42);
        assert!(decode("not-a-cursor").is_err());
        assert!(decode(&URL_SAFE_NO_PAD.encode("v2:1")).is_err());
    }
}
