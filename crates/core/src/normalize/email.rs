//! Email addresses. An [`Email`] exists only in normalized, validated form: trimmed, lowercased,
//! with a syntactically valid local part and domain. Two spellings of one mailbox compare equal.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;
use utoipa::ToSchema;

/// Why a string is not an email address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Nothing but white space.
    #[error("is empty")]
    Empty,
    /// No `@`, or more than one.
    #[error("must contain exactly one '@', as in name@example.com")]
    At,
    /// Nothing before the `@`, or characters no mailbox may contain.
    #[error("has an invalid part before the '@'")]
    Local,
    /// The part after `@` is not a domain name with a dot.
    #[error("has an invalid domain after the '@' (expected something like example.com)")]
    Domain,
    /// Longer than the 254 characters SMTP allows.
    #[error("is longer than 254 characters")]
    TooLong,
}

/// A normalized, valid email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = String, format = "email", example = "ada@example.com")]
pub struct Email(String);

impl Email {
    /// Normalizes and validates `raw`: surrounding white space and a `mailto:` prefix or angle
    /// brackets are removed, and the whole address is lowercased (mailbox names are
    /// case-insensitive in practice, whatever RFC 5321 allows).
    pub fn parse(raw: &str) -> Result<Email, EmailError> {
        let mut s = raw.trim();
        if let Some(rest) = s.strip_prefix("mailto:") {
            s = rest.trim();
        }
        if let Some(inner) = s.strip_prefix('<').and_then(|x| x.strip_suffix('>')) {
            s = inner.trim();
        }
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        let s = s.to_lowercase();
        if s.chars().count() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = match s.split_once('@') {
            Some((l, d)) if !d.contains('@') => (l, d),
            _ => return Err(EmailError::At),
        };
        if !valid_local(local) {
            return Err(EmailError::Local);
        }
        if !valid_domain(domain) {
            return Err(EmailError::Domain);
        }
        Ok(Email(s))
    }

    /// The whole address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the `@`.
    pub fn local(&self) -> &str {
        self.0.split_once('@').map(|(l, _)| l).unwrap_or("")
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.split_once('@').map(|(_, d)| d).unwrap_or("")
    }

    /// The address without a `+tag` in its local part (`ada+news@x.com` -> `ada@x.com`):
    /// the mailbox that plus-addressing delivers to.
    pub fn without_plus_tag(&self) -> String {
        match self.local().split_once('+') {
            Some((base, _)) if !base.is_empty() => format!("{base}@{}", self.domain()),
            _ => self.0.clone(),
        }
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Email {
    type Err = EmailError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Email::parse(s)
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Email::parse(&s).map_err(|e| serde::de::Error::custom(format!("invalid email {s:?}: {e}")))
    }
}

fn valid_local(local: &str) -> bool {
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_alphabetic()) && tld.chars().count() >= 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn case_and_white_space_do_not_make_a_different_address() {
        assert_eq!(
            Email::parse("  Ada.Lovelace@Example.COM ").unwrap(),
            Email::parse("ada.lovelace@example.com").unwrap()
        );
    }

    #[test]
    fn mailto_and_angle_brackets_are_stripped() {
        assert_eq!(Email::parse("mailto:<a@b.io>").unwrap().as_str(), "a@b.io");
    }

    #[test]
    fn malformed_addresses_are_refused_with_the_reason() {
        assert_eq!(Email::parse(""), Err(EmailError::Empty));
        assert_eq!(Email::parse("ada.example.com"), Err(EmailError::At));
        assert_eq!(Email::parse("a@b@c.com"), Err(EmailError::At));
        assert_eq!(Email::parse("@example.com"), Err(EmailError::Local));
        assert_eq!(Email::parse("ada@localhost"), Err(EmailError::Domain));
        assert_eq!(Email::parse("ada@exa mple.com"), Err(EmailError::Domain));
        assert_eq!(Email::parse("ada@example.c0m"), Err(EmailError::Domain));
    }

    #[test]
    fn plus_tag_is_kept_but_recognized() {
        let e = Email::parse("ada+crm@example.com").unwrap();
        assert_eq!(e.as_str(), "ada+crm@example.com");
        assert_eq!(e.without_plus_tag(), "ada@example.com");
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,80}") {
            let _ = Email::parse(&s);
        }

        #[test]
        fn normalizing_twice_changes_nothing(s in "[A-Za-z0-9._+-]{1,20}@[A-Za-z0-9-]{1,15}\\.[A-Za-z]{2,6}") {
            if let Ok(e) = Email::parse(&s) {
                prop_assert_eq!(Email::parse(e.as_str()).unwrap(), e);
            }
        }
    }
}
