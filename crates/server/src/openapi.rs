//! The OpenAPI document as the server really answers: the generated document, finished with
//! what holds for every operation alike, and served as bytes built once.
//!
//! The handlers' annotations say what is particular to each operation (its body, its success,
//! the errors only it gives). What every operation shares is added here in one place rather
//! than on sixty annotations: each error is a problem document (`application/problem+json`);
//! any operation may refuse an unreadable request (400), a missing token (401), a role that
//! may not (403) or a request that takes too long (408); one with a body may refuse its size
//! (413), its media type (415) and its fields (422); one with an `{id}` may not find it (404);
//! and a page size is 1 to 1000.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// The finished document, serialized once.
#[derive(Clone)]
pub struct Document(axum::body::Bytes);

impl Document {
    /// Finishes `openapi` and serializes it.
    pub fn new(openapi: &utoipa::openapi::OpenApi) -> Document {
        let mut doc = serde_json::to_value(openapi).unwrap_or_default();
        finish(&mut doc);
        Document(serde_json::to_vec(&doc).unwrap_or_default().into())
    }
}

impl IntoResponse for Document {
    fn into_response(self) -> Response {
        let mut res = self.0.into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        res
    }
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The shared responses each operation may give, by status, with their descriptions.
fn shared_errors(has_body: bool, has_id: bool) -> Vec<(&'static str, &'static str)> {
    let mut out = vec![
        (
            "400",
            "The request could not be read: a query parameter, the path or the body's syntax",
        ),
        ("401", "No valid bearer token"),
        ("403", "The token's role may not do this"),
        ("408", "The request took longer than the server allows"),
    ];
    if has_body {
        out.extend([
            ("413", "The body is larger than the server accepts"),
            ("415", "The body is not sent as application/json"),
            ("422", "A field of the body is invalid; `errors` names each"),
        ]);
    }
    if has_id {
        out.push(("404", "No record has this id"));
    }
    out
}

fn problem_content() -> Value {
    json!({"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}})
}

/// Adds what every operation shares to the generated document.
pub fn finish(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let has_id = path.contains('{');
        for method in METHODS {
            let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) else {
                continue;
            };
            let has_body = op.contains_key("requestBody");
            accept_text_as_plain_text(op);
            finish_parameters(op);
            let responses = op
                .entry("responses")
                .or_insert_with(|| json!({}))
                .as_object_mut();
            let Some(responses) = responses else { continue };
            for (status, description) in shared_errors(has_body, has_id) {
                responses
                    .entry(status)
                    .or_insert_with(|| json!({"description": description}));
            }
            for (status, response) in responses.iter_mut() {
                if status.starts_with('4') || status.starts_with('5') {
                    if let Some(r) = response.as_object_mut() {
                        r.insert("content".into(), problem_content());
                    }
                }
            }
        }
    }
}

/// A body read as text (the scoring model's TOML) is taken whatever its media type: say
/// `text/plain` too, which every client can send.
fn accept_text_as_plain_text(op: &mut Map<String, Value>) {
    let Some(content) = op
        .get_mut("requestBody")
        .and_then(|b| b.get_mut("content"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    if let Some(toml) = content.get("application/toml").cloned() {
        content.entry("text/plain").or_insert(toml);
    }
}

/// A page size is 1 to 1000 wherever it is asked for.
fn finish_parameters(op: &mut Map<String, Value>) {
    let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
        return;
    };
    for p in params {
        if p.get("name").and_then(Value::as_str) == Some("limit") {
            if let Some(schema) = p.get_mut("schema").and_then(Value::as_object_mut) {
                schema.insert("minimum".into(), json!(1));
                schema.insert("maximum".into(), json!(1000));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_is_a_problem_and_the_shared_ones_are_documented() {
        let mut doc = json!({"paths": {"/things/{id}": {"patch": {
            "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 0}}],
            "requestBody": {"content": {"application/json": {}}},
            "responses": {"200": {"description": "ok"},
                          "409": {"description": "taken", "content": {"application/json": {}}}}
        }}}});
        finish(&mut doc);
        let op = &doc["paths"]["/things/{id}"]["patch"];
        for status in [
            "400", "401", "403", "404", "408", "409", "413", "415", "422",
        ] {
            assert!(
                op["responses"][status]["content"]["application/problem+json"].is_object(),
                "{status}: {op}"
            );
        }
        assert!(op["responses"]["200"].get("content").is_none());
        assert_eq!(op["parameters"][0]["schema"]["minimum"], 1);
        assert_eq!(op["parameters"][0]["schema"]["maximum"], 1000);
    }
}
