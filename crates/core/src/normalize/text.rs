//! Text folding shared by the name normalizers: accents removed, case folded, punctuation
//! turned into spaces, white space collapsed.

use unicode_normalization::UnicodeNormalization;

/// Folds `s` for comparison: NFKD, combining marks dropped, lowercased, every run of
/// non-alphanumeric characters turned into one space, trimmed. `Müller & Söhne` -> `muller soehne`
/// is not attempted (German transliteration is locale-specific); `Müller` -> `muller` is.
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        // Most names are ASCII, which NFKD leaves as it is: the same folding, a byte at a time.
        return fold_chars(s.chars(), s.len());
    }
    fold_chars(s.nfkd(), s.len())
}

fn fold_chars(chars: impl Iterator<Item = char>, capacity: usize) -> String {
    let mut out = String::with_capacity(capacity);
    let mut space = true;
    for c in chars {
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

/// The Jaro-Winkler similarity of two texts (1 for the same, 0 for nothing in common), with
/// the usual prefix scale 0.1 over at most four characters: `rapidfuzz`'s bit-parallel
/// implementation, on bytes when both are ASCII (as folded keys mostly are).
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    use rapidfuzz::distance::jaro_winkler::similarity;
    if a.is_ascii() && b.is_ascii() {
        similarity(a.bytes(), b.bytes())
    } else {
        similarity(a.chars(), b.chars())
    }
}

/// [`jaro_winkler`] when it is at least `cutoff`, else `None`: most pairs of unrelated words
/// are told apart by their lengths and letters before the whole measure is computed.
pub fn jaro_winkler_at_least(a: &str, b: &str, cutoff: f64) -> Option<f64> {
    use rapidfuzz::distance::jaro_winkler::{similarity_with_args, Args};
    if a == b {
        return Some(1.0);
    }
    let args = Args::default().score_cutoff(cutoff);
    if a.is_ascii() && b.is_ascii() {
        similarity_with_args(a.bytes(), b.bytes(), &args)
    } else {
        similarity_with_args(a.chars(), b.chars(), &args)
    }
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

    #[test]
    fn jaro_winkler_is_the_textbook_measure() {
        for (a, b) in [
            ("martha", "marhta"),
            ("dixon", "dicksonx"),
            ("harwell logistics", "harwell logistica"),
            ("acme", "acme"),
            ("", ""),
            ("", "acme"),
            ("müller", "muller"),
            ("a", "b"),
        ] {
            let (ours, reference) = (jaro_winkler(a, b), strsim::jaro_winkler(a, b));
            assert!(
                (ours - reference).abs() < 1e-9,
                "{a:?} {b:?}: {ours} vs {reference}"
            );
        }
    }

    use proptest::prelude::*;

    proptest! {
        #[test]
        fn jaro_winkler_agrees_with_the_reference_everywhere(a in "[a-cé ]{0,12}", b in "[a-cé ]{0,12}") {
            let (ours, reference) = (jaro_winkler(&a, &b), strsim::jaro_winkler(&a, &b));
            prop_assert!((ours - reference).abs() < 1e-9, "{} vs {}", ours, reference);
        }

        #[test]
        fn the_cut_off_measure_is_the_measure_above_its_cutoff(a in "[a-cé ]{0,12}", b in "[a-cé ]{0,12}", cutoff in 0.0f64..1.0) {
            let whole = jaro_winkler(&a, &b);
            match jaro_winkler_at_least(&a, &b, cutoff) {
                Some(s) => prop_assert!((s - whole).abs() < 1e-9 && whole >= cutoff - 1e-9),
                None => prop_assert!(whole < cutoff + 1e-9, "{} dropped at {}", whole, cutoff),
            }
        }
    }

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
