//! Phone numbers to E.164 digits, so `+44 7700 900 123`, `447700900123` and `07700-900123` (in a
//! UK record) are one number. Parsing uses the `phonenumber` crate (libphonenumber's metadata)
//! with the record's country as the default region; what it cannot read falls back to its
//! digits.

use super::country::country_code;
use phonenumber::metadata::DATABASE;
use phonenumber::{Metadata, Mode, PhoneNumber, Type};
use std::str::FromStr;
use std::sync::{Once, OnceLock};

/// A phone number as typed is at most this many bytes; past it is not read.
const MAX_INPUT: usize = 64;
/// At most this many digits are kept of a number that could not be parsed (E.164 allows 15).
const MAX_DIGITS: usize = 20;
/// Fewer digits than this are not a phone number (`0`, `n/a`, `123`).
const MIN_DIGITS: usize = 6;
/// How many of the metadata's regular expressions stay compiled. `phonenumber` keeps 100 in an
/// LRU shared by all threads; one number reads a dozen or more of its region's, so a batch of
/// numbers from a few dozen countries thrashed it and spent a fifth of matching time compiling
/// the same expressions again. Each compiled one is a few kilobytes until used.
const COMPILED_PATTERNS: usize = 4_096;

/// Gives the metadata a cache that holds every pattern a real batch uses, once per process.
fn enlarge_pattern_cache() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let cache = DATABASE.cache();
        // A poisoned lock means a parse panicked while holding it; the old cache still works.
        if let Ok(mut c) = cache.lock() {
            *c = regex_cache::RegexCache::new(COMPILED_PATTERNS);
        };
    });
}

/// What kind of line a number is, as far as its digits tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneKind {
    /// A mobile number: one person's.
    Mobile,
    /// A fixed line, toll-free, shared or other non-mobile number: often an office's.
    Fixed,
    /// Not known: unparsed, or a plan (like North America's) whose numbers do not tell.
    Unknown,
}

/// A normalized phone number.
#[derive(Debug, Clone)]
pub struct Phone {
    digits: String,
    extension: String,
    /// The number as the metadata read it, when it could: only such a number is classified.
    parsed: Option<Box<PhoneNumber>>,
    /// The region the number was read in (the record's country, or the one its calling code
    /// names): the first whose ranges classifying tries.
    region: Option<phonenumber::country::Id>,
    /// Whether the number is assigned, and its kind: made the first time either is asked for.
    /// Classifying runs a dozen of the metadata's regular expressions, and most numbers are
    /// never asked: only two records' phones compared by the person linkage are (intake's
    /// record and an account's few alike contacts; a batch's record and its earlier namesakes).
    class: OnceLock<(bool, PhoneKind)>,
}

/// Two numbers are the same when their digits and extensions are: the classification follows
/// from the digits.
impl PartialEq for Phone {
    fn eq(&self, other: &Self) -> bool {
        self.digits == other.digits && self.extension == other.extension
    }
}

impl Eq for Phone {}

impl Phone {
    /// The number's digits: E.164 without the `+` when it could be read (with the record's
    /// country as default region), otherwise the digits as typed.
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// The extension's digits, empty when there is none.
    pub fn extension(&self) -> &str {
        &self.extension
    }

    /// True when the number was read in E.164 and is in a range the metadata knows as
    /// assigned.
    pub fn is_valid(&self) -> bool {
        self.class().0
    }

    /// The kind of line.
    pub fn kind(&self) -> PhoneKind {
        self.class().1
    }

    fn class(&self) -> (bool, PhoneKind) {
        *self.class.get_or_init(|| match &self.parsed {
            Some(number) => classify(number, self.region),
            None => (false, PhoneKind::Unknown),
        })
    }
}

/// Whether `number` is assigned, and of what kind, trying the ranges of `region` (where it was
/// read) first.
fn classify(number: &PhoneNumber, region: Option<phonenumber::country::Id>) -> (bool, PhoneKind) {
    // A number the metadata does not know as assigned (a fictional `07700 900xxx`, a new
    // range) is still read in E.164; it is only not taken as certainly right. Valid means the
    // line type is not `Unknown` (libphonenumber's definition, and the crate's).
    let national = number.national().value().to_string();
    let code = number.code().value();
    // `PhoneNumber::number_type` first finds the region by classifying the number in each
    // region sharing its calling code (two dozen for `+1`), then classifies it again there.
    // The region it was read in is nearly always the one, so it is tried first.
    let in_region = region
        .and_then(|r| DATABASE.by_id(r.as_ref()))
        .filter(|meta| meta.country_code() == code)
        .map(|meta| line_type(meta, &national))
        .filter(|t| *t != Type::Unknown);
    let kind = match in_region {
        Some(t) => t,
        None => number
            .metadata(&DATABASE)
            .map_or(Type::Unknown, |meta| line_type(meta, &national)),
    };
    classify_type(kind)
}

/// Whether a number of line type `t` is assigned, and its kind.
fn classify_type(t: Type) -> (bool, PhoneKind) {
    let kind = match t {
        Type::Mobile => PhoneKind::Mobile,
        Type::FixedLineOrMobile | Type::Unknown => PhoneKind::Unknown,
        _ => PhoneKind::Fixed,
    };
    (t != Type::Unknown, kind)
}

/// The type of line the national number `national` is in `meta`'s region: libphonenumber's
/// `getNumberTypeHelper`, in its order (the special services before fixed and mobile lines).
/// The crate has it only behind its own region lookup.
fn line_type(meta: &Metadata, national: &str) -> Type {
    let is = |t: Type| {
        meta.descriptors()
            .get(t)
            .is_some_and(|d| d.is_match(national))
    };
    if !meta.descriptors().general().is_match(national) {
        return Type::Unknown;
    }
    const SPECIAL: [Type; 8] = [
        Type::PremiumRate,
        Type::TollFree,
        Type::SharedCost,
        Type::Voip,
        Type::PersonalNumber,
        Type::Pager,
        Type::Uan,
        Type::Voicemail,
    ];
    if let Some(t) = SPECIAL.into_iter().find(|t| is(*t)) {
        return t;
    }
    if is(Type::FixedLine) {
        let descriptors = meta.descriptors();
        let same_ranges = pattern(descriptors.fixed_line()) == pattern(descriptors.mobile());
        return if same_ranges || is(Type::Mobile) {
            Type::FixedLineOrMobile
        } else {
            Type::FixedLine
        };
    }
    if is(Type::Mobile) {
        Type::Mobile
    } else {
        Type::Unknown
    }
}

/// The regular expression of a descriptor's national numbers, as written in the metadata.
fn pattern(d: Option<&phonenumber::metadata::Descriptor>) -> Option<&str> {
    d.map(|d| d.national_number().as_str())
}

/// Normalizes a phone number typed in a record whose country is `country` (an ISO code or a
/// name like `United Kingdom`; the default region for numbers written without `+`). `None` when
/// it holds fewer than six digits. Never panics; reads at most 64 bytes.
pub fn normalize_phone(raw: &str, country: Option<&str>) -> Option<Phone> {
    enlarge_pattern_cache();
    let raw = super::text::head(raw, MAX_INPUT);
    let (base, extension) = split_extension(raw);
    let digits: String = base
        .chars()
        .filter(char::is_ascii_digit)
        .take(MAX_DIGITS)
        .collect();
    if digits.len() < MIN_DIGITS {
        return None;
    }
    // Only the characters of a plainly written number reach the parser: no RFC 3966 `tel:`
    // parameters, the part of it that has had panics.
    let plain: String = base
        .chars()
        .filter(|c| c.is_ascii_digit() || "+-(). /".contains(*c))
        .collect();
    // A number written with its calling code in a record without a country is read in the
    // country the code names first (`+1` as the US): the parser then need not try each of the
    // countries sharing the code (two dozen for `+1`), a dozen regular expressions each, and
    // the digits it gives are the same.
    let stated = country.and_then(country_code);
    let region = stated
        .as_ref()
        .map(|c| c.as_str())
        .or_else(|| calling_country(&plain))
        .and_then(|c| phonenumber::country::Id::from_str(c).ok());
    if let Ok(number) = phonenumber::parse(region, &plain) {
        let e164 = number.format().mode(Mode::E164).to_string();
        let e164: String = e164.chars().filter(char::is_ascii_digit).collect();
        if e164.len() >= MIN_DIGITS {
            return Some(Phone {
                digits: e164,
                extension,
                parsed: Some(Box::new(number)),
                region,
                class: OnceLock::new(),
            });
        }
    }
    Some(Phone {
        digits,
        extension,
        parsed: None,
        region: None,
        class: OnceLock::new(),
    })
}

/// International calling codes of the countries the vocabulary knows, longest first where one
/// is a prefix of another.
const CALLING_CODES: &[(&str, &str)] = &[
    ("852", "HK"),
    ("886", "TW"),
    ("971", "AE"),
    ("966", "SA"),
    ("972", "IL"),
    ("353", "IE"),
    ("351", "PT"),
    ("352", "LU"),
    ("358", "FI"),
    ("420", "CZ"),
    ("234", "NG"),
    ("1", "US"),
    ("7", "RU"),
    ("20", "EG"),
    ("27", "ZA"),
    ("30", "GR"),
    ("31", "NL"),
    ("32", "BE"),
    ("33", "FR"),
    ("34", "ES"),
    ("36", "HU"),
    ("39", "IT"),
    ("41", "CH"),
    ("43", "AT"),
    ("44", "GB"),
    ("45", "DK"),
    ("46", "SE"),
    ("47", "NO"),
    ("48", "PL"),
    ("49", "DE"),
    ("52", "MX"),
    ("54", "AR"),
    ("55", "BR"),
    ("56", "CL"),
    ("57", "CO"),
    ("60", "MY"),
    ("61", "AU"),
    ("62", "ID"),
    ("63", "PH"),
    ("64", "NZ"),
    ("65", "SG"),
    ("66", "TH"),
    ("81", "JP"),
    ("82", "KR"),
    ("84", "VN"),
    ("86", "CN"),
    ("90", "TR"),
    ("91", "IN"),
];

/// The country of a phone written with its calling code (`+81 6 1234 5678`, `0081...`). `+1`
/// is read as the US (Canada shares it). A number without a calling code says nothing.
pub fn calling_country(phone: &str) -> Option<&'static str> {
    let t = phone.trim_start();
    let rest = t.strip_prefix('+').or_else(|| t.strip_prefix("00"))?;
    let digits: String = rest.chars().filter(char::is_ascii_digit).take(3).collect();
    CALLING_CODES
        .iter()
        .find(|(code, _)| digits.starts_with(code))
        .map(|(_, country)| *country)
}

/// Splits `+1 555 0100 ext. 12` into the number and the extension's digits (`12`).
fn split_extension(raw: &str) -> (&str, String) {
    let lower_at = raw
        .char_indices()
        .find(|(_, c)| matches!(c, 'x' | 'X' | 'e' | 'E' | '#' | ','))
        .map(|(i, _)| i);
    match lower_at {
        Some(i) => {
            let ext = raw[i..]
                .chars()
                .filter(char::is_ascii_digit)
                .take(MAX_DIGITS)
                .collect();
            (&raw[..i], ext)
        }
        None => (raw, String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn digits(raw: &str, country: Option<&str>) -> Option<String> {
        normalize_phone(raw, country).map(|p| p.digits().to_string())
    }

    #[test]
    fn three_spellings_of_a_uk_mobile_are_one_number() {
        for (raw, country) in [
            ("+44 7700 900 123", None),
            ("447700900123", Some("United Kingdom")),
            ("07700-900123", Some("UK")),
            ("(07700) 900123", Some("GB")),
        ] {
            let p = normalize_phone(raw, country).unwrap();
            assert_eq!(p.digits(), "447700900123", "{raw}");
        }
    }

    #[test]
    fn a_uk_mobile_is_known_as_mobile() {
        let p = normalize_phone("07911 123456", Some("UK")).unwrap();
        assert_eq!(p.digits(), "447911123456");
        assert_eq!(p.kind(), PhoneKind::Mobile);
        assert!(p.is_valid());
    }

    #[test]
    fn a_fictional_number_is_read_but_not_valid() {
        // Ofcom keeps 07700 900000-999 for drama; libphonenumber knows it as unassigned.
        let p = normalize_phone("07700 900123", Some("UK")).unwrap();
        assert_eq!(p.digits(), "447700900123");
        assert!(!p.is_valid());
    }

    #[test]
    fn a_number_without_a_known_region_keeps_its_digits() {
        assert_eq!(digits("07700-900123", None).as_deref(), Some("07700900123"));
    }

    #[test]
    fn the_extension_is_kept_apart() {
        let p = normalize_phone("+1 (415) 555-0134 ext. 12", None).unwrap();
        assert_eq!(p.digits(), "14155550134");
        assert_eq!(p.extension(), "12");
    }

    #[test]
    fn a_phone_names_its_country_only_with_its_calling_code() {
        assert_eq!(calling_country("+81 6-1234-5678"), Some("JP"));
        assert_eq!(calling_country("+44 7700 900 123"), Some("GB"));
        assert_eq!(calling_country("0049 30 1234"), Some("DE"));
        assert_eq!(calling_country("+1 (415) 555-0100"), Some("US"));
        assert_eq!(calling_country("07700-900123"), None);
        assert_eq!(calling_country("+"), None);
    }

    #[test]
    fn too_few_digits_are_no_number() {
        assert_eq!(digits("n/a", Some("US")), None);
        assert_eq!(digits("123", None), None);
    }

    proptest! {
        #[test]
        fn never_panics(raw in "\\PC{0,80}", country in proptest::option::of("\\PC{0,12}")) {
            let _ = normalize_phone(&raw, country.as_deref());
        }

        #[test]
        fn never_panics_on_number_like_text(raw in "[+0-9() .;=:/a-zA-Z-]{0,40}", country in "[A-Z]{2}") {
            let _ = normalize_phone(&raw, Some(&country));
        }

        /// Classifying in the region the number was read in first answers what the crate's
        /// own lookup of the region answers.
        #[test]
        fn the_region_read_in_classifies_as_the_crate_does(
            region in proptest::sample::select(vec!["US", "CA", "GB", "DE", "FR", "JP", "IN", "BR", "AU", "NL"]),
            national in "[0-9]{6,12}",
        ) {
            let id = phonenumber::country::Id::from_str(region).ok();
            if let Ok(number) = phonenumber::parse(id, &national) {
                let crate_type = number.number_type(&DATABASE);
                let expected = classify_type(crate_type);
                prop_assert_eq!(classify(&number, id), expected, "{} in {}", national, region);
                prop_assert_eq!(classify(&number, None), expected, "{} without a region", national);
            }
        }
    }
}
