//! A segment filter that did not check, shown beside the filter box: where it is wrong (line
//! and column), the line itself with a caret under the column, and the checker's message (with
//! its nearest-field suggestion). The account and contact lists both show it.

use abcrm_core::filter::FilterError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterErrorView {
    /// 1-based; 0 for an error about the filter as a whole.
    pub line_no: usize,
    pub column: usize,
    /// "Line 2, column 7" or, for a one-line filter, "Column 7"; empty when there is no place.
    pub place: String,
    /// The line of the filter the error is on (tabs as spaces, so the caret lines up).
    pub source_line: String,
    /// Spaces up to the column, then `^`.
    pub caret: String,
    pub message: String,
}

impl FilterErrorView {
    /// The error `e` of the filter `text`.
    pub fn of(text: &str, e: &FilterError) -> FilterErrorView {
        let (line_no, column) = e.line_column(text);
        let source_line = text
            .split('\n')
            .nth(line_no - 1)
            .unwrap_or_default()
            .trim_end_matches('\r')
            .replace('\t', " ");
        let place = if text.contains('\n') {
            format!("Line {line_no}, column {column}")
        } else {
            format!("Column {column}")
        };
        FilterErrorView {
            line_no,
            column,
            place,
            source_line,
            caret: format!("{}^", " ".repeat(column.saturating_sub(1))),
            message: e.message.clone(),
        }
    }

    /// An error about the filter as a whole (nothing to point at).
    pub fn plain(message: impl Into<String>) -> FilterErrorView {
        FilterErrorView {
            line_no: 0,
            column: 0,
            place: String::new(),
            source_line: String::new(),
            caret: String::new(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use abcrm_core::model::{compile, SegmentTarget};

    #[test]
    fn filter_errors_point_at_their_column() {
        let text = "contact.seniority = \"vp\"\n  and contact.titel = \"x\"";
        let e = compile(text, SegmentTarget::Contact).unwrap_err();
        let v = FilterErrorView::of(text, &e);
        assert_eq!((v.line_no, v.column), (2, 7));
        assert_eq!(v.source_line, "  and contact.titel = \"x\"");
        assert_eq!(v.caret, "      ^");
        assert!(v.message.contains("did you mean"), "{}", v.message);
    }

    #[test]
    fn the_caret_stands_under_the_column_even_after_tabs() {
        let text = "contact.seniority = \"vp\"\n\tand contact.titel = \"x\"";
        let e = compile(text, SegmentTarget::Contact).unwrap_err();
        let v = FilterErrorView::of(text, &e);
        assert_eq!((v.line_no, v.column), (2, 6));
        assert_eq!(v.place, "Line 2, column 6");
        assert_eq!(v.source_line, " and contact.titel = \"x\"");
        assert_eq!(v.caret, "     ^");
        assert!(v.message.contains("did you mean"), "{}", v.message);
        let one = "contact.titel = \"x\"";
        let v = FilterErrorView::of(one, &compile(one, SegmentTarget::Contact).unwrap_err());
        assert_eq!(v.place, "Column 1");
        assert_eq!(v.caret, "^");
    }
}
