//! Free-mail handles: the mailbox name a person picked at a consumer mail provider. The same
//! distinctive handle at another provider, under the same name, is the same person:
//! `ingridclark34@aol.com` and `ingridclark34@hotmail.com`, both Ingrid Clark. A handle that says
//! no more than the name (`ingrid.clark`, `iclark`, `jsmith1`: what any namesake would pick) or
//! that names a role (`info`, `sales`) is no evidence, and neither is a throwaway address.

use crate::normalize::person::{first_name_spellings, person_key};
use crate::normalize::text::fold;
use crate::normalize::{personal_domain, registrable_domain, Email, PersonalDomain};

/// Handles that name a role or a household's shared mailbox, not one person.
const ROLE_HANDLES: &[&str] = &[
    "info",
    "admin",
    "contact",
    "hello",
    "office",
    "mail",
    "email",
    "sales",
    "support",
    "team",
    "help",
    "webmaster",
    "postmaster",
    "noreply",
    "billing",
    "accounts",
    "jobs",
    "marketing",
    "enquiries",
    "inquiries",
    "service",
    "test",
    "user",
    "home",
    "family",
];

/// How many characters of a handle must be more than the name for the handle to tell its owner
/// from a namesake (see [`distinctive`]).
const MIN_EXTRA: usize = 2;

/// The key a free-mail address is filed under for this rule: its handle (the local part without
/// a +tag) and the person key of the name. `None` when the address is not at a free-mail
/// provider, the name lacks a first or last part, or the handle is not distinctive.
pub fn handle_key(email: &Email, first: Option<&str>, last: Option<&str>) -> Option<HandleKey> {
    if personal_domain(&registrable_domain(email.domain())) != Some(PersonalDomain::FreeMail) {
        return None;
    }
    let name = person_key(first, last)?;
    let handle = email.local().split('+').next().unwrap_or_default();
    distinctive(handle, first?, last?).then(|| HandleKey {
        handle: handle.to_string(),
        name,
    })
}

/// A free-mail handle with the name it belongs to; see [`handle_key`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HandleKey {
    pub handle: String,
    pub name: String,
}

/// True when `handle` says more than the name `first last` does. What is left once the name's
/// parts are taken out must hold at least [`MIN_EXTRA`] characters of evidence: digits (a run of
/// two or more; a lone digit is what a provider suggests to the second person of a name), or
/// words of three letters or more when the handle spells both parts of the name (so the
/// letters left are truly more than the name, not a spelling of it the name table misses, as
/// `wei` for 伟). A role (`info`) is never distinctive.
pub fn distinctive(handle: &str, first: &str, last: &str) -> bool {
    let squashed: String = handle.chars().filter(|c| c.is_alphanumeric()).collect();
    let letters: String = squashed.chars().filter(|c| c.is_alphabetic()).collect();
    if squashed.is_empty() || ROLE_HANDLES.contains(&letters.as_str()) {
        return false;
    }
    let last = latin(last);
    // The longest spelling of the first name the handle holds: "christopher" before "chris",
    // and "bob" for a Robert.
    let mut firsts: Vec<String> = first_name_spellings(first)
        .iter()
        .map(|f| latin(f))
        .collect();
    firsts.sort_by_key(|f| std::cmp::Reverse(f.len()));
    // The name's parts are taken out in both orders, so one inside the other (`ward` in
    // `edward`) is not taken from the wrong place.
    let extra = |last_first: bool| -> usize {
        let mut rest = squashed.clone();
        let mut take = |part: &str| {
            if part.chars().count() < 2 {
                return false;
            }
            match rest.find(part) {
                Some(at) => {
                    rest.replace_range(at..at + part.len(), " ");
                    true
                }
                None => false,
            }
        };
        let (found_last, found_first) = if last_first {
            let l = take(&last);
            (l, firsts.iter().any(|f| take(f)))
        } else {
            let f = firsts.iter().any(|f| take(f));
            (take(&last), f)
        };
        runs(&rest)
            .into_iter()
            .map(|run| {
                let n = run.chars().count();
                let digits = run.chars().all(|c| c.is_ascii_digit());
                match (digits, n) {
                    (true, 2..) => n,
                    (false, 3..) if found_first && found_last => n,
                    _ => 0,
                }
            })
            .sum()
    };
    extra(true).min(extra(false)) >= MIN_EXTRA
}

/// True when `handle` (a mailbox name) names a role or a shared mailbox (`info`, `sales`,
/// `info2`), not one person.
pub fn is_role_handle(handle: &str) -> bool {
    let letters: String = handle.chars().filter(|c| c.is_alphabetic()).collect();
    ROLE_HANDLES.contains(&letters.as_str())
}

/// A name folded and spelled as mailbox names spell it: letters that do not decompose written
/// the usual Latin way (`Søren` -> `soren`, `Straße` -> `strasse`), spaces removed.
pub(crate) fn latin(name: &str) -> String {
    let mut out = String::new();
    for c in fold(name).chars() {
        match c {
            'ø' => out.push('o'),
            'æ' => out.push_str("ae"),
            'œ' => out.push_str("oe"),
            'ß' => out.push_str("ss"),
            'ł' => out.push('l'),
            'đ' | 'ð' => out.push('d'),
            'þ' => out.push_str("th"),
            'ı' => out.push('i'),
            ' ' => {}
            c => out.push(c),
        }
    }
    out
}

/// The maximal runs of letters and of digits in `s` (anything else separates them).
fn runs(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut last_kind = None;
    for c in s.chars() {
        let kind = if c.is_alphabetic() {
            Some(true)
        } else if c.is_numeric() {
            Some(false)
        } else {
            None
        };
        match (kind, last_kind) {
            (Some(k), Some(l)) if k == l => out.last_mut().expect("a run").push(c),
            (Some(_), _) => out.push(c.to_string()),
            (None, _) => {}
        }
        last_kind = kind;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(email: &str, first: &str, last: &str) -> Option<HandleKey> {
        handle_key(&Email::parse(email).unwrap(), Some(first), Some(last))
    }

    #[test]
    fn a_handle_with_more_than_the_name_is_distinctive() {
        assert!(distinctive("ingridclark34", "Ingrid", "Clark"));
        assert!(distinctive("clark.ingrid.1987", "Ingrid", "Clark"));
        assert!(distinctive("ingrid_nyc_clark", "Ingrid", "Clark"));
        assert!(distinctive("bobsmith77", "Robert", "Smith"));
        assert!(distinctive("sorenmoore12", "Søren", "Moore"));
    }

    #[test]
    fn a_handle_any_namesake_would_pick_is_not() {
        for handle in [
            "ingrid.clark",
            "ingridclark",
            "clark.ingrid",
            "iclark",
            "ingridc",
            "ingrid.clark.1",
            "ijclark",
        ] {
            assert!(!distinctive(handle, "Ingrid", "Clark"), "{handle}");
        }
        assert!(!distinctive("jsmith", "John", "Smith"));
        assert!(!distinctive("jsmith1", "John", "Smith"));
        assert!(!distinctive("bob.smith", "Robert", "Smith"));
        assert!(!distinctive("soren.moore", "Søren", "Moore"));
        // A last name inside the first name is not taken from it.
        assert!(!distinctive("edward.ward", "Edward", "Ward"));
        assert!(!distinctive("johnson.jo", "Jo", "Johnson"));
    }

    #[test]
    fn letters_count_only_in_a_handle_that_spells_the_whole_name() {
        // Nothing says whether "wei" is more than the name 伟 or the name itself.
        assert!(!distinctive("wei.obrien", "伟", "O'Brien"));
        assert!(!distinctive("skywalker", "Ingrid", "Clark"));
        assert!(distinctive("skywalker77", "Ingrid", "Clark"));
    }

    #[test]
    fn a_role_handle_is_not_a_person() {
        assert!(!distinctive("info", "Ingrid", "Clark"));
        assert!(!distinctive("sales", "Ingrid", "Clark"));
        assert!(!distinctive("info.1", "Ingrid", "Clark"));
    }

    #[test]
    fn the_key_joins_one_handle_and_one_name_across_free_mail_providers() {
        let a = key("ingridclark34@aol.com", "Ingrid", "Clark");
        assert!(a.is_some());
        assert_eq!(a, key("IngridClark34+news@hotmail.com", "Ingrid", "CLARK"));
        assert_ne!(a, key("ingridclark34@hotmail.com", "Ingrid", "Clarke"));
        assert_ne!(a, key("ingridclark34@hotmail.com", "Astrid", "Clark"));
    }

    #[test]
    fn no_key_for_work_or_throwaway_addresses_or_half_a_name() {
        assert_eq!(key("ingridclark34@acme.com", "Ingrid", "Clark"), None);
        assert_eq!(key("ingridclark34@mailinator.com", "Ingrid", "Clark"), None);
        assert_eq!(
            handle_key(
                &Email::parse("ingridclark34@aol.com").unwrap(),
                None,
                Some("Clark")
            ),
            None
        );
        assert_eq!(key("ingrid.clark@aol.com", "Ingrid", "Clark"), None);
    }
}
