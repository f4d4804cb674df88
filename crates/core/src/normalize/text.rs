//! Text folding shared by the name normalizers: accents removed, case folded, punctuation
//! turned into spaces, white space collapsed.

use unicode_normalization::UnicodeNormalization;

/// Folds `s` for comparison: NFKD, combining marks dropped, lowercased, every run of
/// non-alphanumeric characters turned into one space, trimmed. `Müller & Söhne` -> `muller soehne`
/// is not attempted (German transliteration is locale-specific); `Müller` -> `muller` is.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for c in s.nfkd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
            space = false;
        } else if c == '&' {
            if !space {
                out.push(' ');
            }
            out.push_str("and ");
            space = true;
        } else if c == '\'' || c == '’' {
            // O'Brien and Macy's keep their letters together.
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The first at most `max_bytes` bytes of `s`, cut at a character boundary: what a comparison
/// reads of an untrusted value, so its work stays bounded however long the value is.
pub fn head(s: &str, max_bytes: usize) -> &str {
    if s.len() <= max_bytes {
        return s;
    }
    let mut end = max_bytes;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accents_case_and_punctuation_fold_away() {
        assert_eq!(fold("  Société Générale, S.A. "), "societe generale s a");
        assert_eq!(fold("AT&T"), "at and t");
        assert_eq!(fold("O'Brien"), "obrien");
    }

    #[test]
    fn head_cuts_at_a_character_boundary() {
        assert_eq!(head("Müller", 2), "M");
        assert_eq!(head("Müller", 3), "Mü");
        assert_eq!(head("abc", 10), "abc");
    }

    proptest! {
        #[test]
        fn folding_is_idempotent(s in "\\PC{0,40}") {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once);
        }
    }
}
