//! Web domains as people type them: `https://www.Example.com/about` is `example.com`.

/// Why a string is not a domain name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Nothing but white space, or only a scheme.
    #[error("is empty")]
    Empty,
    /// Characters or a shape no host name has.
    #[error("{0:?} is not a domain name (expected something like example.com)")]
    Invalid(String),
}

/// Lowercases and strips a URL down to its host: scheme, credentials, port, path, query,
/// a leading `www.` and a trailing dot are removed.
pub fn normalize_domain(raw: &str) -> Result<String, DomainError> {
    let mut s = raw.trim().to_lowercase();
    if let Some(pos) = s.find("://") {
        s = s[pos + 3..].to_string();
    }
    let end = s.find(['/', '?', '#']).unwrap_or(s.len());
    s.truncate(end);
    if let Some(at) = s.rfind('@') {
        s = s[at + 1..].to_string();
    }
    if let Some(colon) = s.find(':') {
        s.truncate(colon);
    }
    let s = s.trim_end_matches('.');
    // Every leading `www.` goes, but only while a domain remains: `www.gz` is a host of its own.
    // Stripping to that fixed point is what makes the result normalize to itself: stripping once
    // left `www.ww.jp.jp` from `www.www.ww.jp.jp`, which changed again (both found by fuzzing).
    let mut s = s;
    while let Some(rest) = s.strip_prefix("www.").filter(|rest| rest.contains('.')) {
        s = rest;
    }
    if s.is_empty() {
        return Err(DomainError::Empty);
    }
    let labels: Vec<&str> = s.split('.').collect();
    let ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|t| t.chars().count() >= 2 && t.chars().all(char::is_alphabetic));
    if ok {
        Ok(s.to_string())
    } else {
        Err(DomainError::Invalid(raw.trim().to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn www_is_stripped_only_when_a_domain_remains() {
        assert_eq!(normalize_domain("www.www.gz").as_deref(), Ok("www.gz"));
        assert_eq!(normalize_domain("www.gz").as_deref(), Ok("www.gz"));
        assert_eq!(
            normalize_domain("www.www.ww.jp.jp").as_deref(),
            Ok("ww.jp.jp")
        );
        assert_eq!(
            normalize_domain("https://WWW.Example.com/x").as_deref(),
            Ok("example.com")
        );
    }
    use proptest::prelude::*;

    #[test]
    fn urls_reduce_to_their_host() {
        for raw in [
            "example.com",
            "WWW.Example.com",
            "https://www.example.com/about?x=1",
            "http://example.com:8080",
            " example.com. ",
        ] {
            assert_eq!(normalize_domain(raw).as_deref(), Ok("example.com"), "{raw}");
        }
    }

    #[test]
    fn non_domains_are_refused() {
        assert_eq!(normalize_domain("  "), Err(DomainError::Empty));
        assert!(normalize_domain("localhost").is_err());
        assert!(normalize_domain("exa mple.com").is_err());
    }

    proptest! {
        #[test]
        fn normalizing_is_idempotent(s in "\\PC{0,60}") {
            if let Ok(d) = normalize_domain(&s) {
                prop_assert_eq!(normalize_domain(&d), Ok(d.clone()));
            }
        }
    }
}

/// The registrable domain of a host (public-suffix aware): `mail.eu.acme.co.uk` -> `acme.co.uk`.
/// A host that is itself a public suffix, or unknown to the list, is returned as it is.
pub fn registrable_domain(host: &str) -> String {
    psl::domain_str(host).unwrap_or(host).to_string()
}

#[cfg(test)]
mod registrable_tests {
    use super::*;

    #[test]
    fn subdomains_reduce_to_the_registrable_domain() {
        assert_eq!(registrable_domain("mail.eu.acme.co.uk"), "acme.co.uk");
        assert_eq!(registrable_domain("acme.com"), "acme.com");
        assert_eq!(registrable_domain("sales.acme.com.au"), "acme.com.au");
    }
}
