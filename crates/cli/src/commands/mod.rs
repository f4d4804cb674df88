//! One module per command; each opens the store it needs and prints what it did.

pub mod bench_import;
pub mod bench_scoring;
pub mod bench_search;
pub mod bench_segments;
pub mod demo;
pub mod enrich;
pub mod import;
pub mod matching;
pub mod migrate;
pub mod migrate_score;
pub mod records;
pub mod report;
pub mod score;
pub mod segment;
pub mod serve;
pub mod synth_export;
pub mod token;
pub mod user;

/// The URL with any password replaced, for printing.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_not_printed() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("sqlite://abcrm.db"), "sqlite://abcrm.db");
    }
}
