//! Countries and US states as people write them (`US`, `U.S.A.`, `United States of America`;
//! `CA`, `California`), and the country a company's legal form or a domain's country-code
//! suffix points to. Matching reads these as evidence for or against an account.

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

/// The ISO code of a country as typed: a name the vocabulary knows (`United Kingdom`, `DEU`),
/// or any two letters, taken as a code already (`gb`). For reading phones with the record's
/// country as the default region.
pub fn country_code(raw: &str) -> Option<CountryCode> {
    let code = iso_country(raw).map(str::to_string).or_else(|| {
        let squashed: String = fold(super::text::head(raw, 64))
            .chars()
            .filter(|c| *c != ' ')
            .collect();
        (squashed.len() == 2 && squashed.bytes().all(|b| b.is_ascii_lowercase()))
            .then(|| squashed.to_ascii_uppercase())
    })?;
    let b = code.as_bytes();
    Some(CountryCode([b[0], b[1]]))
}

/// ISO 3166 alpha-2 codes with the names and variants people write for them, folded.
const COUNTRIES: &[(&str, &[&str])] = &[
    (
        "US",
        &[
            "us",
            "usa",
            "u s",
            "u s a",
            "united states",
            "united states of america",
            "america",
        ],
    ),
    (
        "GB",
        &[
            "gb",
            "gbr",
            "uk",
            "u k",
            "united kingdom",
            "great britain",
            "britain",
            "england",
            "scotland",
            "wales",
        ],
    ),
    ("CA", &["ca", "can", "canada"]),
    ("MX", &["mx", "mex", "mexico"]),
    ("BR", &["br", "bra", "brazil", "brasil"]),
    ("AR", &["ar", "arg", "argentina"]),
    ("CL", &["cl", "chile"]),
    ("CO", &["co", "colombia"]),
    ("DE", &["de", "deu", "germany", "deutschland"]),
    ("AT", &["at", "aut", "austria", "osterreich"]),
    (
        "CH",
        &["ch", "che", "switzerland", "schweiz", "suisse", "svizzera"],
    ),
    ("FR", &["fr", "fra", "france"]),
    ("BE", &["be", "bel", "belgium", "belgique", "belgie"]),
    (
        "NL",
        &[
            "nl",
            "nld",
            "netherlands",
            "the netherlands",
            "nederland",
            "holland",
        ],
    ),
    ("LU", &["lu", "luxembourg"]),
    ("IE", &["ie", "irl", "ireland"]),
    ("IT", &["it", "ita", "italy", "italia"]),
    ("ES", &["es", "esp", "spain", "espana"]),
    ("PT", &["pt", "prt", "portugal"]),
    ("SE", &["se", "swe", "sweden", "sverige"]),
    ("NO", &["no", "nor", "norway", "norge"]),
    ("DK", &["dk", "dnk", "denmark", "danmark"]),
    ("FI", &["fi", "fin", "finland", "suomi"]),
    ("PL", &["pl", "pol", "poland", "polska"]),
    ("CZ", &["cz", "czechia", "czech republic"]),
    ("HU", &["hu", "hungary"]),
    ("GR", &["gr", "greece"]),
    ("TR", &["tr", "turkey", "turkiye"]),
    ("RU", &["ru", "russia"]),
    ("IL", &["il", "isr", "israel"]),
    ("AE", &["ae", "are", "uae", "united arab emirates"]),
    ("SA", &["sa", "saudi arabia"]),
    ("ZA", &["za", "zaf", "south africa"]),
    ("NG", &["ng", "nigeria"]),
    ("EG", &["eg", "egypt"]),
    ("IN", &["in", "ind", "india"]),
    ("CN", &["cn", "chn", "china", "prc"]),
    ("HK", &["hk", "hkg", "hong kong"]),
    ("TW", &["tw", "taiwan"]),
    ("JP", &["jp", "jpn", "japan", "nippon"]),
    (
        "KR",
        &["kr", "kor", "korea", "south korea", "republic of korea"],
    ),
    ("SG", &["sg", "sgp", "singapore"]),
    ("MY", &["my", "malaysia"]),
    ("TH", &["th", "thailand"]),
    ("ID", &["id", "indonesia"]),
    ("PH", &["ph", "philippines"]),
    ("VN", &["vn", "vietnam", "viet nam"]),
    ("AU", &["au", "aus", "australia"]),
    ("NZ", &["nz", "nzl", "new zealand"]),
];

/// The ISO code of a country as written (`USA`, `Deutschland`, `jp`), if the vocabulary knows
/// it.
pub fn iso_country(raw: &str) -> Option<&'static str> {
    let folded = fold(raw);
    if folded.is_empty() || folded.len() > 40 {
        return None;
    }
    COUNTRIES
        .iter()
        .find(|(_, names)| names.contains(&folded.as_str()))
        .map(|(code, _)| *code)
}

/// The ISO code of a country named by a word of a company's name (`Japan` in `Acme Japan KK`).
/// Two-letter codes are left out: `co`, `in`, `it` are words too.
pub fn country_of_word(word: &str) -> Option<&'static str> {
    if word.len() <= 2 {
        return None;
    }
    COUNTRIES
        .iter()
        .find(|(_, names)| names.iter().any(|n| n.len() > 3 && *n == word))
        .map(|(code, _)| *code)
}

/// Legal forms that belong to one country (folded, as [`fold`] writes them), longest first.
/// Forms shared by many countries (`Ltd`, `SA`, `AG`) say nothing and are left out.
const LEGAL_FORM_COUNTRY: &[(&str, &str)] = &[
    ("kabushiki kaisha", "JP"),
    ("s de rl de cv", "MX"),
    ("sa de cv", "MX"),
    ("s a de c v", "MX"),
    ("sp z o o", "PL"),
    ("pvt ltd", "IN"),
    ("private limited", "IN"),
    ("pty ltd", "AU"),
    ("sdn bhd", "MY"),
    ("pte ltd", "SG"),
    ("s p a", "IT"),
    ("s r l", "IT"),
    ("s a s", "FR"),
    ("s a r l", "FR"),
    ("b v", "NL"),
    ("k k", "JP"),
    ("kk", "JP"),
    ("spa", "IT"),
    ("srl", "IT"),
    ("sas", "FR"),
    ("sarl", "FR"),
    ("bv", "NL"),
    ("gmbh", "DE"),
    ("oy", "FI"),
    ("oyj", "FI"),
    ("ab", "SE"),
    ("aps", "DK"),
    ("asa", "NO"),
    ("pty", "AU"),
    ("ltda", "BR"),
    ("llc", "US"),
    ("inc", "US"),
    ("incorporated", "US"),
    ("corp", "US"),
    ("llp", "GB"),
    ("plc", "GB"),
];

/// The country a company's legal form belongs to (`K.K.` -> JP, `S.p.A.` -> IT, `Inc.` -> US),
/// read from the end of the name.
pub fn legal_form_country(company: &str) -> Option<&'static str> {
    let folded = fold(company);
    let words: Vec<&str> = folded.split(' ').rev().take(6).collect();
    LEGAL_FORM_COUNTRY
        .iter()
        .find(|(form, _)| {
            let parts: Vec<&str> = form.split(' ').rev().collect();
            words.len() >= parts.len() && words[..parts.len()] == parts[..]
        })
        .map(|(_, code)| *code)
}

/// The country of a host's country-code suffix (`acme.co.uk` -> GB, `acme.de` -> DE). Generic
/// suffixes, and country codes used as generic ones (`.io`, `.co`, `.ai`, `.tv`, `.me`), say
/// nothing.
pub fn tld_country(host: &str) -> Option<&'static str> {
    let tld = host.rsplit('.').next()?;
    if tld.len() != 2 || matches!(tld, "io" | "co" | "ai" | "tv" | "me" | "cc" | "ws" | "fm") {
        return None;
    }
    if tld == "uk" {
        return Some("GB");
    }
    COUNTRIES
        .iter()
        .find(|(code, _)| code.eq_ignore_ascii_case(tld))
        .map(|(code, _)| *code)
}

/// US states (and DC): code and name, folded.
const US_STATES: &[(&str, &str)] = &[
    ("al", "alabama"),
    ("ak", "alaska"),
    ("az", "arizona"),
    ("ar", "arkansas"),
    ("ca", "california"),
    ("co", "colorado"),
    ("ct", "connecticut"),
    ("de", "delaware"),
    ("dc", "district of columbia"),
    ("fl", "florida"),
    ("ga", "georgia"),
    ("hi", "hawaii"),
    ("id", "idaho"),
    ("il", "illinois"),
    ("in", "indiana"),
    ("ia", "iowa"),
    ("ks", "kansas"),
    ("ky", "kentucky"),
    ("la", "louisiana"),
    ("me", "maine"),
    ("md", "maryland"),
    ("ma", "massachusetts"),
    ("mi", "michigan"),
    ("mn", "minnesota"),
    ("ms", "mississippi"),
    ("mo", "missouri"),
    ("mt", "montana"),
    ("ne", "nebraska"),
    ("nv", "nevada"),
    ("nh", "new hampshire"),
    ("nj", "new jersey"),
    ("nm", "new mexico"),
    ("ny", "new york"),
    ("nc", "north carolina"),
    ("nd", "north dakota"),
    ("oh", "ohio"),
    ("ok", "oklahoma"),
    ("or", "oregon"),
    ("pa", "pennsylvania"),
    ("ri", "rhode island"),
    ("sc", "south carolina"),
    ("sd", "south dakota"),
    ("tn", "tennessee"),
    ("tx", "texas"),
    ("ut", "utah"),
    ("vt", "vermont"),
    ("va", "virginia"),
    ("wa", "washington"),
    ("wv", "west virginia"),
    ("wi", "wisconsin"),
    ("wy", "wyoming"),
];

/// A subdivision: its code and the names it is written as.
type Subdivision = (&'static str, &'static [&'static str]);

/// The subdivisions abcrm normalizes beyond the US's, by country: the ISO 3166-2 code's
/// subdivision part and its names as written (lowercase, folded).
const SUBDIVISIONS: &[(&str, &[Subdivision])] = &[
    (
        "CA",
        &[
            ("ab", &["alberta"]),
            ("bc", &["british columbia", "colombie britannique"]),
            ("mb", &["manitoba"]),
            ("nb", &["new brunswick", "nouveau brunswick"]),
            ("nl", &["newfoundland and labrador", "newfoundland"]),
            ("ns", &["nova scotia"]),
            ("on", &["ontario"]),
            ("pe", &["prince edward island"]),
            ("qc", &["quebec", "que"]),
            ("sk", &["saskatchewan"]),
            ("nt", &["northwest territories"]),
            ("nu", &["nunavut"]),
            ("yt", &["yukon"]),
        ],
    ),
    (
        "AU",
        &[
            ("nsw", &["new south wales"]),
            ("vic", &["victoria"]),
            ("qld", &["queensland"]),
            ("wa", &["western australia"]),
            ("sa", &["south australia"]),
            ("tas", &["tasmania"]),
            ("act", &["australian capital territory"]),
            ("nt", &["northern territory"]),
        ],
    ),
    (
        "DE",
        &[
            ("bw", &["baden wurttemberg", "baden wuerttemberg"]),
            ("by", &["bayern", "bavaria"]),
            ("be", &["berlin"]),
            ("bb", &["brandenburg"]),
            ("hb", &["bremen"]),
            ("hh", &["hamburg"]),
            ("he", &["hessen", "hesse"]),
            (
                "mv",
                &["mecklenburg vorpommern", "mecklenburg western pomerania"],
            ),
            ("ni", &["niedersachsen", "lower saxony"]),
            (
                "nw",
                &["nordrhein westfalen", "north rhine westphalia", "nrw"],
            ),
            ("rp", &["rheinland pfalz", "rhineland palatinate"]),
            ("sl", &["saarland"]),
            ("sn", &["sachsen", "saxony"]),
            ("st", &["sachsen anhalt", "saxony anhalt"]),
            ("sh", &["schleswig holstein"]),
            ("th", &["thuringen", "thueringen", "thuringia"]),
        ],
    ),
    (
        "BR",
        &[
            ("ac", &["acre"]),
            ("al", &["alagoas"]),
            ("ap", &["amapa"]),
            ("am", &["amazonas"]),
            ("ba", &["bahia"]),
            ("ce", &["ceara"]),
            ("df", &["distrito federal"]),
            ("es", &["espirito santo"]),
            ("go", &["goias"]),
            ("ma", &["maranhao"]),
            ("mt", &["mato grosso"]),
            ("ms", &["mato grosso do sul"]),
            ("mg", &["minas gerais"]),
            ("pa", &["para"]),
            ("pb", &["paraiba"]),
            ("pr", &["parana"]),
            ("pe", &["pernambuco"]),
            ("pi", &["piaui"]),
            ("rj", &["rio de janeiro"]),
            ("rn", &["rio grande do norte"]),
            ("rs", &["rio grande do sul"]),
            ("ro", &["rondonia"]),
            ("rr", &["roraima"]),
            ("sc", &["santa catarina"]),
            ("sp", &["sao paulo"]),
            ("se", &["sergipe"]),
            ("to", &["tocantins"]),
        ],
    ),
    (
        "IN",
        &[
            ("an", &["andaman and nicobar islands"]),
            ("ap", &["andhra pradesh"]),
            ("ar", &["arunachal pradesh"]),
            ("as", &["assam"]),
            ("br", &["bihar"]),
            ("ch", &["chandigarh"]),
            ("cg", &["chhattisgarh"]),
            ("dh", &["dadra and nagar haveli and daman and diu"]),
            ("dl", &["delhi", "new delhi", "nct of delhi"]),
            ("ga", &["goa"]),
            ("gj", &["gujarat"]),
            ("hr", &["haryana"]),
            ("hp", &["himachal pradesh"]),
            ("jk", &["jammu and kashmir"]),
            ("jh", &["jharkhand"]),
            ("ka", &["karnataka"]),
            ("kl", &["kerala"]),
            ("la", &["ladakh"]),
            ("ld", &["lakshadweep"]),
            ("mp", &["madhya pradesh"]),
            ("mh", &["maharashtra"]),
            ("mn", &["manipur"]),
            ("ml", &["meghalaya"]),
            ("mz", &["mizoram"]),
            ("nl", &["nagaland"]),
            ("od", &["odisha", "orissa"]),
            ("py", &["puducherry", "pondicherry"]),
            ("pb", &["punjab"]),
            ("rj", &["rajasthan"]),
            ("sk", &["sikkim"]),
            ("tn", &["tamil nadu"]),
            ("tg", &["telangana"]),
            ("tr", &["tripura"]),
            ("up", &["uttar pradesh"]),
            ("uk", &["uttarakhand", "uttaranchal"]),
            ("wb", &["west bengal"]),
        ],
    ),
];

/// The subdivision code (the part after `US-` of ISO 3166-2, upper case) of a state or region
/// as written in `country` (an ISO code; `None` reads US states only, as people in the US leave
/// the country out): `California` -> `CA`, `Bavaria` in `DE` -> `BY`. `None` when unknown.
pub fn subdivision_code(country: Option<&str>, raw: &str) -> Option<String> {
    let folded = fold(raw);
    if folded.is_empty() || folded.len() > 60 {
        return None;
    }
    let code = match country.map(str::to_ascii_uppercase).as_deref() {
        None | Some("US") => US_STATES
            .iter()
            .find(|(code, name)| *code == folded || *name == folded)
            .map(|(code, _)| *code),
        Some(c) => SUBDIVISIONS
            .iter()
            .find(|(country, _)| *country == c)
            .and_then(|(_, subs)| {
                subs.iter()
                    .find(|(code, names)| *code == folded || names.contains(&folded.as_str()))
            })
            .map(|(code, _)| *code),
    }?;
    Some(code.to_ascii_uppercase())
}

/// A country and a state as an account keeps them: a country the vocabulary knows as its ISO
/// 3166-1 code, a state it knows in that country as its ISO 3166-2 subdivision code; anything
/// else as typed. What was typed stays in the audit log.
pub fn normalize_location(
    country: Option<String>,
    state: Option<String>,
) -> (Option<String>, Option<String>) {
    let country = country.map(|c| iso_country(&c).map(str::to_string).unwrap_or(c));
    let state = state.map(|s| subdivision_code(country.as_deref(), &s).unwrap_or(s));
    (country, state)
}

/// What was typed for a country and a state where the account keeps something else (`California`
/// kept as `CA`, `Deutschland` as `DE`): `(field, as typed)` for each, kept beside the stored code
/// as an observation. A value stored as typed (or not typed at all) is left out.
pub fn typed_spellings(
    typed: [Option<&str>; 2],
    stored: [Option<&str>; 2],
) -> Vec<(&'static str, String)> {
    ["country", "state"]
        .into_iter()
        .zip(typed.into_iter().zip(stored))
        .filter_map(|(field, (typed, stored))| {
            let typed = typed.map(str::trim).filter(|t| !t.is_empty())?;
            (Some(typed) != stored).then(|| (field, typed.to_string()))
        })
        .collect()
}

/// Whether a state as compared ([`region_key`]) is one of the US's.
pub fn is_us_state(key: &str) -> bool {
    US_STATES.iter().any(|(code, _)| *code == key)
}

/// A state or region as compared: a US state's name becomes its code (`California` -> `ca`),
/// anything else is folded.
pub fn region_key(raw: &str) -> String {
    let folded = fold(raw);
    US_STATES
        .iter()
        .find(|(_, name)| *name == folded)
        .map(|(code, _)| code.to_string())
        .unwrap_or(folded)
}

/// Every way the vocabulary knows of writing the place `raw` names, lowercase: a US state's
/// code and name (`CA`, `California`) when `state`, else a country's code and names (`US`,
/// `USA`, `United States`). `None` when the vocabulary does not know it.
pub fn place_spellings(raw: &str, state: bool) -> Option<Vec<String>> {
    if state {
        let key = region_key(raw);
        let mut out: Vec<String> = US_STATES
            .iter()
            .filter(|(code, _)| *code == key)
            .flat_map(|(code, name)| [code.to_string(), name.to_string()])
            .collect();
        let folded = fold(raw);
        for (_, subs) in SUBDIVISIONS {
            for (code, names) in subs.iter() {
                if *code == folded || names.contains(&folded.as_str()) {
                    out.push(code.to_string());
                    out.extend(names.iter().map(|n| n.to_string()));
                }
            }
        }
        out.sort();
        out.dedup();
        (!out.is_empty()).then_some(out)
    } else {
        let code = iso_country(raw)?;
        COUNTRIES
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, names)| names.iter().map(|n| n.to_string()).collect())
    }
}

/// A country as compared: its ISO code when known, else the folded text.
pub fn country_key(raw: &str) -> String {
    iso_country(raw)
        .map(str::to_string)
        .unwrap_or_else(|| fold(raw))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn what_was_typed_is_kept_where_the_code_differs() {
        let (c, s) = normalize_location(Some(" USA ".into()), Some("California".into()));
        assert_eq!(
            typed_spellings(
                [Some(" USA "), Some("California")],
                [c.as_deref(), s.as_deref()]
            ),
            [
                ("country", "USA".to_string()),
                ("state", "California".to_string())
            ]
        );
        let (c, s) = normalize_location(Some("US".into()), Some("Atlantis".into()));
        assert!(
            typed_spellings([Some("US"), Some("Atlantis")], [c.as_deref(), s.as_deref()])
                .is_empty()
        );
        assert!(typed_spellings([None, Some("  ")], [None, None]).is_empty());
    }

    #[test]
    fn locations_are_kept_as_iso_codes() {
        let n = |c: Option<&str>, s: Option<&str>| {
            normalize_location(c.map(String::from), s.map(String::from))
        };
        assert_eq!(
            n(Some("USA"), Some("California")),
            (Some("US".into()), Some("CA".into()))
        );
        assert_eq!(n(None, Some("texas")), (None, Some("TX".into())));
        assert_eq!(
            n(Some("Deutschland"), Some("Bavaria")),
            (Some("DE".into()), Some("BY".into()))
        );
        assert_eq!(
            n(Some("Australia"), Some("Western Australia")),
            (Some("AU".into()), Some("WA".into()))
        );
        assert_eq!(
            n(Some("India"), Some("Maharashtra")),
            (Some("IN".into()), Some("MH".into()))
        );
        assert_eq!(
            n(Some("Brazil"), Some("São Paulo")),
            (Some("BR".into()), Some("SP".into()))
        );
        assert_eq!(
            n(Some("Canada"), Some("Québec")),
            (Some("CA".into()), Some("QC".into()))
        );
        // Unknown places stay as typed; a state is read in its own country only.
        assert_eq!(
            n(Some("Atlantis"), Some("Bavaria")),
            (Some("Atlantis".into()), Some("Bavaria".into()))
        );
        assert_eq!(
            n(Some("GB"), Some("California")),
            (Some("GB".into()), Some("California".into()))
        );
        let wa = place_spellings("WA", true).unwrap();
        assert!(
            wa.contains(&"washington".to_string()) && wa.contains(&"western australia".to_string())
        );
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,80}") {
            let _ = country_code(&s);
            let _ = legal_form_country(&s);
            let _ = tld_country(&s);
            let _ = region_key(&s);
        }
    }

    #[test]
    fn countries_are_known_by_their_many_names() {
        for raw in ["US", "USA", "U.S.", "United States of America", "u.s.a."] {
            assert_eq!(iso_country(raw), Some("US"), "{raw}");
        }
        assert_eq!(iso_country("Deutschland"), Some("DE"));
        assert_eq!(iso_country("DEU"), Some("DE"));
        assert_eq!(iso_country("FRA"), Some("FR"));
        assert_eq!(iso_country("UK"), Some("GB"));
        assert_eq!(iso_country("Atlantis"), None);
        assert_eq!(country_key("United Kingdom"), country_key("GB"));
        assert_eq!(
            country_code("gb").map(|c| c.to_string()).as_deref(),
            Some("GB")
        );
        assert_eq!(
            country_code("U.K.").map(|c| c.to_string()).as_deref(),
            Some("GB")
        );
        assert_eq!(country_code("12"), None);
    }

    #[test]
    fn a_legal_form_or_a_suffix_can_name_a_country() {
        assert_eq!(legal_form_country("ParentCo Japan K.K."), Some("JP"));
        assert_eq!(legal_form_country("Harwell Logistica S.p.A."), Some("IT"));
        assert_eq!(
            legal_form_country("Castlemont Advisory Pty Ltd"),
            Some("AU")
        );
        assert_eq!(legal_form_country("Castlemont Advisory LLP"), Some("GB"));
        assert_eq!(legal_form_country("Acme Ltd"), None);
        assert_eq!(tld_country("harwelllogistica.it"), Some("IT"));
        assert_eq!(tld_country("acme.co.uk"), Some("GB"));
        assert_eq!(tld_country("acme.com"), None);
        assert_eq!(tld_country("acme.io"), None);
    }

    #[test]
    fn states_compare_by_code() {
        assert_eq!(region_key("California"), region_key("CA"));
        assert_eq!(region_key(" ca "), "ca");
        assert_eq!(region_key("Bavaria"), "bavaria");
        assert_eq!(country_of_word("japan"), Some("JP"));
        assert_eq!(country_of_word("in"), None);
    }
}
