//! CSV answers: the one writer every CSV download goes through (the API's segment export, the
//! web UI's list and report downloads). Every cell passes core's `export::csv_row`, so a value
//! that a spreadsheet would run as a formula is written as text.

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::future::Future;

/// Rows as CSV bytes, each cell made safe by `csv_row`.
pub fn csv_bytes(rows: impl Iterator<Item = Vec<String>>) -> Result<Bytes, std::io::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.write_record(abcrm_core::export::csv_row(&row))?;
    }
    w.into_inner()
        .map(Bytes::from)
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// A file name safe in a `Content-Disposition` header: letters and digits kept, anything else a
/// dash.
pub fn file_name(stem: &str) -> String {
    let name: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("{name}.csv")
}

/// A CSV download: `text/csv; charset=utf-8`, saved as `file` (made safe by [`file_name`]).
pub fn attachment(stem: &str, body: Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file_name(stem)),
            ),
        ],
        body,
    )
        .into_response()
}

/// A whole CSV already in memory (a report's rows) as a download.
pub fn whole(stem: &str, header: &[&str], rows: Vec<Vec<String>>) -> Response {
    let head = header.iter().map(|h| h.to_string()).collect();
    let body = match csv_bytes(std::iter::once(head).chain(rows)) {
        Ok(bytes) => Body::from(bytes),
        Err(e) => Body::from(format!("the CSV could not be written: {e}")),
    };
    attachment(stem, body)
}

/// A CSV streamed a page at a time: the header, then each page `next` fetches from its state
/// (`Ok(None)` after the last), so a large download sits in memory one page at a time. Pages
/// are fetched as the client reads; a failed page ends the body with an error.
pub fn streamed<S, F, Fut>(header: Vec<String>, state: S, mut next: F) -> Body
where
    S: Send + 'static,
    F: FnMut(S) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Option<(Vec<Vec<String>>, S)>, String>> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        let mut chunk = csv_bytes(std::iter::once(header));
        let mut state = state;
        loop {
            if tx.send(chunk).await.is_err() {
                return;
            }
            match next(state).await {
                Ok(Some((rows, s))) => {
                    state = s;
                    chunk = csv_bytes(rows.into_iter());
                }
                Ok(None) => return,
                Err(e) => {
                    let _ = tx.send(Err(std::io::Error::other(e))).await;
                    return;
                }
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Body::from_stream(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_would_be_formulas_are_written_as_text() {
        let bytes =
            csv_bytes(vec![vec!["=SUM(A1)".to_string(), "Acme, Inc.".to_string()]].into_iter())
                .unwrap();
        assert_eq!(&bytes[..], b"'=SUM(A1),\"Acme, Inc.\"\n");
    }

    #[test]
    fn file_names_keep_letters_and_digits_only() {
        assert_eq!(file_name("CA prospects/\"x\""), "CA-prospects--x-.csv");
    }
}
