//! Countries as people type them (`UK`, `United Kingdom`, `U.S.A.`, `Deutschland`, `gb`) to one
//! ISO 3166-1 alpha-2 code, so two spellings of one country compare equal and a phone number can
//! be read with the record's country as its default region.

use super::text::fold;
use std::fmt;

/// An ISO 3166-1 alpha-2 code, upper case (`GB`, `US`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Only ever built from two ASCII upper-case letters.
        std::str::from_utf8(&self.0).unwrap_or("ZZ")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Common names, native names and three-letter codes, folded with spaces removed, with the
/// alpha-2 code they stand for. Two-letter inputs not listed here are taken as codes already.
const NAMES: &[(&str, &str)] = &[
    ("unitedstates", "US"),
    ("unitedstatesofamerica", "US"),
    ("usa", "US"),
    ("america", "US"),
    ("unitedkingdom", "GB"),
    ("uk", "GB"),
    ("greatbritain", "GB"),
    ("britain", "GB"),
    ("england", "GB"),
    ("scotland", "GB"),
    ("wales", "GB"),
    ("northernireland", "GB"),
    ("gbr", "GB"),
    ("germany", "DE"),
    ("deutschland", "DE"),
    ("deu", "DE"),
    ("france", "FR"),
    ("fra", "FR"),
    ("spain", "ES"),
    ("espana", "ES"),
    ("esp", "ES"),
    ("italy", "IT"),
    ("italia", "IT"),
    ("ita", "IT"),
    ("netherlands", "NL"),
    ("thenetherlands", "NL"),
    ("holland", "NL"),
    ("nederland", "NL"),
    ("nld", "NL"),
    ("belgium", "BE"),
    ("belgique", "BE"),
    ("belgie", "BE"),
    ("switzerland", "CH"),
    ("schweiz", "CH"),
    ("suisse", "CH"),
    ("austria", "AT"),
    ("osterreich", "AT"),
    ("ireland", "IE"),
    ("eire", "IE"),
    ("irl", "IE"),
    ("sweden", "SE"),
    ("sverige", "SE"),
    ("norway", "NO"),
    ("norge", "NO"),
    ("denmark", "DK"),
    ("danmark", "DK"),
    ("finland", "FI"),
    ("suomi", "FI"),
    ("poland", "PL"),
    ("polska", "PL"),
    ("portugal", "PT"),
    ("czechrepublic", "CZ"),
    ("czechia", "CZ"),
    ("greece", "GR"),
    ("russia", "RU"),
    ("russianfederation", "RU"),
    ("turkey", "TR"),
    ("turkiye", "TR"),
    ("israel", "IL"),
    ("unitedarabemirates", "AE"),
    ("uae", "AE"),
    ("saudiarabia", "SA"),
    ("southafrica", "ZA"),
    ("nigeria", "NG"),
    ("egypt", "EG"),
    ("canada", "CA"),
    ("can", "CA"),
    ("mexico", "MX"),
    ("mex", "MX"),
    ("brazil", "BR"),
    ("brasil", "BR"),
    ("bra", "BR"),
    ("argentina", "AR"),
    ("chile", "CL"),
    ("colombia", "CO"),
    ("australia", "AU"),
    ("aus", "AU"),
    ("newzealand", "NZ"),
    ("india", "IN"),
    ("ind", "IN"),
    ("china", "CN"),
    ("prc", "CN"),
    ("peoplesrepublicofchina", "CN"),
    ("chn", "CN"),
    ("japan", "JP"),
    ("jpn", "JP"),
    ("southkorea", "KR"),
    ("korea", "KR"),
    ("republicofkorea", "KR"),
    ("kor", "KR"),
    ("singapore", "SG"),
    ("sgp", "SG"),
    ("hongkong", "HK"),
    ("taiwan", "TW"),
    ("vietnam", "VN"),
    ("philippines", "PH"),
    ("indonesia", "ID"),
    ("malaysia", "MY"),
    ("thailand", "TH"),
];

/// The ISO alpha-2 code of a country as typed, or `None` when it is not recognized. Any two
/// letters are taken as a code (`gb` -> `GB`), except `UK`, which is `GB`.
pub fn country_code(raw: &str) -> Option<CountryCode> {
    // Country names are short: what is past this is not a country name.
    let raw = super::text::head(raw, 64);
    let squashed: String = fold(raw).chars().filter(|c| *c != ' ').collect();
    if let Some((_, code)) = NAMES.iter().find(|(name, _)| *name == squashed) {
        let b = code.as_bytes();
        return Some(CountryCode([b[0], b[1]]));
    }
    let b = squashed.as_bytes();
    (b.len() == 2 && b.iter().all(u8::is_ascii_lowercase))
        .then(|| CountryCode([b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(raw: &str) -> Option<String> {
        country_code(raw).map(|c| c.to_string())
    }

    #[test]
    fn common_spellings_of_one_country_share_its_code() {
        for raw in ["UK", "United Kingdom", "GB", "great britain", "England"] {
            assert_eq!(code(raw).as_deref(), Some("GB"), "{raw}");
        }
        for raw in ["USA", "U.S.A.", "US", "United States of America"] {
            assert_eq!(code(raw).as_deref(), Some("US"), "{raw}");
        }
        assert_eq!(code("Deutschland").as_deref(), Some("DE"));
    }

    #[test]
    fn unknown_names_have_no_code() {
        assert_eq!(code("Narnia"), None);
        assert_eq!(code(""), None);
        assert_eq!(code("12"), None);
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,80}") {
            let _ = country_code(&s);
        }
    }
}
