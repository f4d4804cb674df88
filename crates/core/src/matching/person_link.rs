//! Person record linkage, Fellegi-Sunter style: are two records of one account the same person?
//!
//! Each record becomes [`PersonFeatures`] once (folded names and their nickname spellings, the
//! email's handle, the phone in E.164, the title's key, the place). [`compare`] then looks at a
//! pair field by field: each field agrees exactly, closely, disagrees or is missing, and each
//! level adds its weight `log2(m / u)`, where `m` is how often the level is seen between two
//! records of one person and `u` how often between two different people of one account. The sum
//! is the evidence; two thresholds turn it into a [`LinkDecision`].
//!
//! The `m` and `u` below are judgment, set from what duplicate contacts look like (home and work
//! addresses, nicknames, typos, reformatted phones, changed titles), not fitted to data; each
//! level's comment gives them. Name agreement is weighed by how common the name is
//! ([`NameFrequencies`]): two `Wang`s at one account agree by chance far more often than two
//! `Vance`s.
//!
//! `compare` allocates nothing: all text work happens when the features are built.

use crate::matching::handle::{distinctive, is_role_handle, latin};
use crate::matching::PersonRecord;
use crate::normalize::country::region_key;
use crate::normalize::person::{canonical_first_name, first_name_spellings};
use crate::normalize::text::{fold, head};
use crate::normalize::title::{parse_title, title_key, ParsedTitle};
use crate::normalize::{
    country_code, normalize_phone, personal_domain, registrable_domain, CountryCode, Email, Phone,
    PhoneKind,
};
use std::fmt::Write as _;
use std::ops::Deref;

/// The prior the thresholds are set from: a pair of one account's records that blocking puts
/// side by side is the same person about once in this many pairs.
pub const PAIRS_PER_MATCH: f64 = 64.0;

/// At or above this weight two records are the same person. Set from a prior: a pair of one
/// account's records that blocking puts side by side is the same person about once in 64
/// ([`PAIRS_PER_MATCH`], log2 odds -6); +10 of evidence makes the odds 16:1 (posterior ~94%).
/// A full name of ordinary frequency with nothing against it (`John Smith`, +11.9) passes; the
/// commonest name pairs of their population (`Wei Wang`, +9.0) alone do not, and go to review.
pub const SAME_THRESHOLD: f64 = 10.0;

/// At or above this weight (and below [`SAME_THRESHOLD`]) the pair goes to a person for review:
/// posterior odds of 1:4 (20%) from the same prior. Below it the records are different people.
/// Sharing only a common first name (+5.4) with a different last name (-5.6) stays well below.
pub const REVIEW_THRESHOLD: f64 = 4.0;

/// What the evidence says about a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkDecision {
    /// The same person.
    Same,
    /// Possibly the same person: a person should look.
    Review,
    /// Different people.
    Different,
}

/// The most fields a comparison reports (names take two, then email, email-vs-name, phone,
/// title, place, country).
pub const MAX_FIELDS: usize = 8;

/// The weight each compared field added, in a fixed order, without allocating: derefs to a
/// slice of `(label, weight)`, where the label names the field and its level
/// (`"last name typo"`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkFields {
    items: [(&'static str, f64); MAX_FIELDS],
    len: usize,
}

impl LinkFields {
    fn new() -> Self {
        LinkFields {
            items: [("", 0.0); MAX_FIELDS],
            len: 0,
        }
    }

    fn push(&mut self, label: &'static str, weight: f64) {
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = (label, weight);
            self.len += 1;
        }
    }
}

impl Deref for LinkFields {
    type Target = [(&'static str, f64)];
    fn deref(&self) -> &Self::Target {
        &self.items[..self.len]
    }
}

/// The outcome of comparing two records: the total evidence (log2 likelihood ratio), what each
/// field added, and the decision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Linkage {
    /// The total evidence: the sum of the fields' weights (log2 of the likelihood ratio).
    pub weight: f64,
    /// What each compared field added.
    pub fields: LinkFields,
    /// The weight against [`SAME_THRESHOLD`] and [`REVIEW_THRESHOLD`].
    pub decision: LinkDecision,
}

impl Linkage {
    /// The fields as a person reads them: `first name nickname (+3.1), last name typo (+6.0),
    /// phone same (+9.2), title different (-0.8)`.
    pub fn explain(&self) -> String {
        if self.fields.is_empty() {
            return "nothing to compare".to_string();
        }
        let mut out = String::new();
        for (i, (label, weight)) in self.fields.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "{label} ({weight:+.1})");
        }
        out
    }

    /// The probability that the two records are one person: the evidence applied to the
    /// prior of two records of one account ([`PAIRS_PER_MATCH`]), at most 0.99.
    pub fn probability(&self) -> f64 {
        let odds = self.weight.exp2() / PAIRS_PER_MATCH;
        (odds / (1.0 + odds)).clamp(0.0, 0.99)
    }

    /// Whether a field tells two people apart however alike their names: two mailboxes at one
    /// company (or one numbered), two phones. A namesake at one employer shows one of these.
    pub fn tells_apart(&self) -> bool {
        self.fields.iter().any(|(label, _)| {
            matches!(
                *label,
                "email other mailbox"
                    | "email numbered mailbox"
                    | "email other middle initial"
                    | "mobile phone different"
                    | "phone different"
            )
        })
    }
}

/// How often a name is seen: the share of people (0..1) who carry it, among the people an
/// account's contacts come from. `None` for a name not known. Names come folded (`muller`).
pub trait NameFrequencies {
    /// The share of people with this first name.
    fn first_name(&self, folded: &str) -> Option<f64>;
    /// The share of people with this last name.
    fn last_name(&self, folded: &str) -> Option<f64>;
}

/// A small built-in table of the commonest first and last names, as shares of the population
/// each name is common in (an account's people mostly come from one country: `wang` is ~5% of
/// people in China, `smith` ~1% in the US and UK). Rough, public census-level figures.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuiltinFrequencies;

const COMMON_LAST_NAMES: &[(&str, f64)] = &[
    ("wang", 0.05),
    ("li", 0.05),
    ("zhang", 0.05),
    ("liu", 0.04),
    ("chen", 0.04),
    ("yang", 0.03),
    ("huang", 0.02),
    ("zhao", 0.02),
    ("wu", 0.02),
    ("zhou", 0.02),
    ("nguyen", 0.05),
    ("tran", 0.02),
    ("kim", 0.05),
    ("lee", 0.03),
    ("park", 0.03),
    ("singh", 0.03),
    ("kumar", 0.03),
    ("sharma", 0.01),
    ("patel", 0.01),
    ("khan", 0.02),
    ("ali", 0.01),
    ("mohammed", 0.01),
    ("smith", 0.01),
    ("johnson", 0.008),
    ("williams", 0.007),
    ("brown", 0.006),
    ("jones", 0.006),
    ("garcia", 0.006),
    ("miller", 0.005),
    ("davis", 0.005),
    ("rodriguez", 0.005),
    ("martinez", 0.005),
    ("hernandez", 0.005),
    ("lopez", 0.004),
    ("gonzalez", 0.004),
    ("wilson", 0.004),
    ("anderson", 0.004),
    ("taylor", 0.004),
    ("thomas", 0.004),
    ("moore", 0.003),
    ("martin", 0.003),
    ("muller", 0.01),
    ("schmidt", 0.007),
    ("schneider", 0.004),
    ("silva", 0.02),
    ("santos", 0.01),
    ("rossi", 0.005),
    ("sato", 0.015),
    ("suzuki", 0.015),
    ("ivanov", 0.005),
];

const COMMON_FIRST_NAMES: &[(&str, f64)] = &[
    ("wei", 0.03),
    ("jing", 0.02),
    ("li", 0.02),
    ("min", 0.02),
    ("mohammed", 0.03),
    ("muhammad", 0.03),
    ("ahmed", 0.01),
    ("james", 0.02),
    ("john", 0.02),
    ("robert", 0.02),
    ("michael", 0.02),
    ("william", 0.015),
    ("david", 0.02),
    ("richard", 0.01),
    ("joseph", 0.01),
    ("thomas", 0.01),
    ("charles", 0.008),
    ("christopher", 0.008),
    ("daniel", 0.008),
    ("matthew", 0.007),
    ("mary", 0.01),
    ("patricia", 0.006),
    ("jennifer", 0.006),
    ("linda", 0.005),
    ("elizabeth", 0.006),
    ("susan", 0.004),
    ("jessica", 0.004),
    ("sarah", 0.005),
    ("maria", 0.015),
    ("jose", 0.01),
    ("juan", 0.008),
    ("anna", 0.006),
    ("peter", 0.006),
    ("raj", 0.005),
    ("amit", 0.005),
];

impl NameFrequencies for BuiltinFrequencies {
    fn first_name(&self, folded: &str) -> Option<f64> {
        COMMON_FIRST_NAMES
            .iter()
            .find(|(n, _)| *n == folded)
            .map(|(_, f)| *f)
    }

    fn last_name(&self, folded: &str) -> Option<f64> {
        COMMON_LAST_NAMES
            .iter()
            .find(|(n, _)| *n == folded)
            .map(|(_, f)| *f)
    }
}

/// An agreement level of one field: `m` = P(level | same person), `u` = P(level | different
/// people of one account), `w` = log2(m / u), written out so `compare` computes no logarithm (a
/// test checks each `w` against its `m` and `u`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// How often two records of one person agree at this level.
    pub m: f64,
    /// How often two different people of one account agree at this level.
    pub u: f64,
    /// The weight it adds: log2(m / u).
    pub w: f64,
}

/// Every fixed level with the label [`compare`] reports it under: the model, for documentation
/// and review screens. Name agreement is not here: its weight is per name,
/// log2(0.85 / frequency) for a first name and log2(0.9 / frequency) for a last name.
pub const LEVELS: &[(&str, Level)] = &[
    ("first name typo", FIRST_TYPO),
    ("first name initial", FIRST_INITIAL),
    ("first name different", FIRST_DIFFERENT),
    ("last name typo", LAST_TYPO),
    ("last name initial", LAST_INITIAL),
    ("last name different", LAST_DIFFERENT),
    ("email same", EMAIL_SAME),
    ("email same role address", EMAIL_SAME_ROLE),
    ("email handle same (distinctive)", HANDLE_SAME_DISTINCTIVE),
    ("email handle same (plain)", HANDLE_SAME_PLAIN),
    ("email other mailbox", MAILBOX_DIFFERENT),
    ("email other mailbox, same name", MAILBOX_ALIAS),
    ("email numbered mailbox", MAILBOX_NUMBERED),
    ("email other middle initial", MAILBOX_NUMBERED),
    ("email spells the name (full)", EMAIL_FITS_FULL_NAME),
    ("email spells the name (initial)", EMAIL_FITS_INITIAL),
    ("email spells the last name", EMAIL_FITS_LAST),
    ("email spells the first name", EMAIL_FITS_FIRST),
    ("phone same (mobile)", PHONE_SAME_MOBILE),
    ("phone same (other)", PHONE_SAME_OTHER),
    ("phone close", PHONE_CLOSE),
    ("mobile phone different", PHONE_DIFFERENT_MOBILE),
    ("phone different", PHONE_DIFFERENT),
    ("title same", TITLE_SAME),
    ("title close", TITLE_CLOSE),
    ("title different", TITLE_DIFFERENT),
    ("city same", CITY_SAME),
    ("city different", CITY_DIFFERENT),
    ("state same", STATE_SAME),
    ("state different", STATE_DIFFERENT),
    ("country same", COUNTRY_SAME),
    ("country different", COUNTRY_DIFFERENT),
];

/// A name the tables do not know is this common (first names are fewer than last names).
const FIRST_DEFAULT_FREQ: f64 = 0.005;
const LAST_DEFAULT_FREQ: f64 = 0.002;
/// Frequencies are clamped to this range, so a supplied table cannot make one name decisive
/// (1e-4: at most +13) or worthless.
const MIN_FREQ: f64 = 1e-4;
const MAX_FREQ: f64 = 0.25;
/// m of exact agreement; its u is the name's frequency, so its weight is per name.
const FIRST_EXACT_M: f64 = 0.85;
const LAST_EXACT_M: f64 = 0.9;

/// First names are nicknames of one another (`Tess`/`Tessa`): the canonical name's exact
/// weight less log2(m_exact / m_nickname) = log2(0.85 / 0.08).
const FIRST_NICKNAME_PENALTY: f64 = 3.4;
/// A nickname agreement weighs at least this much, however common the name.
const FIRST_NICKNAME_MIN: f64 = 1.0;
/// First names one typo apart (Jaro-Winkler >= 0.9): 3% of duplicates, 0.3% of namesakes.
const FIRST_TYPO: Level = Level {
    m: 0.03,
    u: 0.003,
    w: 3.32,
};
/// One first name is an initial that the other starts with (`T. Vance`).
const FIRST_INITIAL: Level = Level {
    m: 0.03,
    u: 0.004,
    w: 2.91,
};
/// First names differ: a middle name used, a nickname the table lacks.
const FIRST_DIFFERENT: Level = Level {
    m: 0.03,
    u: 0.99,
    w: -5.04,
};
/// Last names one typo apart (`Vancce`), or one a part of the other (`Garcia`/`Garcia Lopez`).
const LAST_TYPO: Level = Level {
    m: 0.04,
    u: 0.001,
    w: 5.32,
};
/// One last name is an initial of the other.
const LAST_INITIAL: Level = Level {
    m: 0.02,
    u: 0.003,
    w: 2.74,
};
/// Last names differ: marriage, or a spelling past a typo.
const LAST_DIFFERENT: Level = Level {
    m: 0.02,
    u: 0.99,
    w: -5.63,
};
/// First and last name swapped (`Wang Wei`/`Wei Wang`): both exact weights less this.
const SWAP_PENALTY: f64 = 1.0;

/// The same address (without +tag): half of duplicates, almost never two people.
const EMAIL_SAME: Level = Level {
    m: 0.5,
    u: 0.0002,
    w: 11.29,
};
/// The same role address (`info@`, `sales@`): shared by a team.
const EMAIL_SAME_ROLE: Level = Level {
    m: 0.02,
    u: 0.005,
    w: 2.0,
};
/// The same handle at two domains, a handle with more than the name in it (`tessav81`).
const HANDLE_SAME_DISTINCTIVE: Level = Level {
    m: 0.1,
    u: 0.0002,
    w: 8.97,
};
/// The same handle at two domains that only spells the name (`tvance` at work and at home): a
/// namesake could pick it too.
const HANDLE_SAME_PLAIN: Level = Level {
    m: 0.1,
    u: 0.005,
    w: 4.32,
};
/// Two mailboxes at one company domain: a company gives a person one (aliases aside).
const MAILBOX_DIFFERENT: Level = Level {
    m: 0.1,
    u: 0.99,
    w: -3.31,
};
/// Two mailboxes at one company domain that differ only in a number (`chloe.wilson@` and
/// `chloe.wilson8@`) or a middle initial (`chloe.a.wilson@`): how a company tells namesakes
/// apart, almost never one person's aliases (both m and u are conditional on the name
/// agreeing, which is when this level is seen).
const MAILBOX_NUMBERED: Level = Level {
    m: 0.002,
    u: 0.5,
    w: -7.97,
};
/// Two mailboxes at one company domain that both spell the same name (`tessa.vance@` and
/// `tvance@`): an alias as likely as a namesake.
const MAILBOX_ALIAS: Level = Level {
    m: 0.45,
    u: 0.9,
    w: -1.0,
};
/// One record's handle spells the other's full name (`tessa.vance`), the record itself lacking
/// part of the name.
const EMAIL_FITS_FULL_NAME: Level = Level {
    m: 0.3,
    u: 0.005,
    w: 5.91,
};
/// ... spells an initial and the last name, or the first name and an initial (`tvance`,
/// `tessav`).
const EMAIL_FITS_INITIAL: Level = Level {
    m: 0.2,
    u: 0.008,
    w: 4.64,
};
/// ... spells only the last name.
const EMAIL_FITS_LAST: Level = Level {
    m: 0.05,
    u: 0.006,
    w: 3.06,
};
/// ... spells only the first name.
const EMAIL_FITS_FIRST: Level = Level {
    m: 0.05,
    u: 0.025,
    w: 1.0,
};

/// The same mobile number: a person's own.
const PHONE_SAME_MOBILE: Level = Level {
    m: 0.5,
    u: 0.0005,
    w: 9.97,
};
/// The same number of another or unknown kind: colleagues can share an office line.
const PHONE_SAME_OTHER: Level = Level {
    m: 0.5,
    u: 0.01,
    w: 5.64,
};
/// The same last nine digits, the country code read for one only (`07700900123` in a record
/// without a country).
const PHONE_CLOSE: Level = Level {
    m: 0.05,
    u: 0.002,
    w: 4.64,
};
/// Two different mobile numbers: people keep one for years.
const PHONE_DIFFERENT_MOBILE: Level = Level {
    m: 0.15,
    u: 0.999,
    w: -2.74,
};
/// Two different numbers otherwise (work line and mobile, another extension).
const PHONE_DIFFERENT: Level = Level {
    m: 0.45,
    u: 0.999,
    w: -1.15,
};

/// The same title (after folding and spelling out abbreviations).
const TITLE_SAME: Level = Level {
    m: 0.4,
    u: 0.06,
    w: 2.74,
};
/// Close titles: the same seniority in the same department (`Head of Sales`, `VP Sales`).
const TITLE_CLOSE: Level = Level {
    m: 0.15,
    u: 0.1,
    w: 0.58,
};
/// Different titles: people are promoted and move.
const TITLE_DIFFERENT: Level = Level {
    m: 0.45,
    u: 0.84,
    w: -0.9,
};
/// The same city (most of an account's people share a few offices).
const CITY_SAME: Level = Level {
    m: 0.7,
    u: 0.4,
    w: 0.81,
};
/// Different cities: an office and a home, or a move.
const CITY_DIFFERENT: Level = Level {
    m: 0.3,
    u: 0.6,
    w: -1.0,
};
/// The same state, when there is no pair of cities.
const STATE_SAME: Level = Level {
    m: 0.85,
    u: 0.6,
    w: 0.5,
};
/// Different states, when there is no pair of cities.
const STATE_DIFFERENT: Level = Level {
    m: 0.2,
    u: 0.4,
    w: -1.0,
};
const COUNTRY_SAME: Level = Level {
    m: 0.95,
    u: 0.85,
    w: 0.16,
};
const COUNTRY_DIFFERENT: Level = Level {
    m: 0.05,
    u: 0.15,
    w: -1.58,
};

/// Jaro-Winkler similarity at or above which two names are one typo apart.
const TYPO_SIMILARITY: f64 = 0.9;
/// Each compared text keeps at most this many bytes (names, handles, titles, places): enough
/// for any real one, and it keeps every string comparison on the fast single-word path.
const MAX_BYTES: usize = 64;
/// Raw values are read up to this many bytes before folding.
const MAX_RAW: usize = 256;

/// Suffixes that are not part of a last name.
const NAME_SUFFIXES: &[&str] = &["jr", "sr", "ii", "iii", "iv", "phd", "md", "mba", "esq"];

/// What [`compare`] needs of one record, computed once.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonFeatures {
    /// First given name, folded (`tessa`); empty when missing.
    first: String,
    /// Every spelling the nickname table knows for it (`tess`, `tessa`, `tessie`).
    first_spellings: Vec<String>,
    /// Weight of exact agreement on the first name, by its frequency.
    first_w: f64,
    /// Weight of exact agreement on the canonical first name (for nicknames).
    canonical_w: f64,
    /// Last name, folded, spaces and suffixes removed (`vandenberg`); empty when missing.
    last: String,
    last_w: f64,
    email: Option<EmailFeatures>,
    phone: Option<Phone>,
    title: String,
    title_parsed: ParsedTitle,
    city: String,
    state: String,
    country: Option<CountryCode>,
}

#[derive(Debug, Clone, PartialEq)]
struct EmailFeatures {
    /// The address without a +tag.
    address: String,
    /// The handle without a +tag.
    handle: String,
    /// The handle's letters, folded, without a middle initial (`tessav81` -> `tessav`,
    /// `tessa.m.vance` -> `tessavance`).
    letters: String,
    /// The middle initial the handle spells between two name parts (`tessa.m.vance`).
    middle: Option<char>,
    /// The registrable domain.
    domain: String,
    /// At a free-mail or throwaway provider.
    personal: bool,
    /// A role handle (`info`, `sales`).
    role: bool,
    /// The handle says more than the name (see [`distinctive`]).
    distinctive: bool,
}

impl PersonFeatures {
    /// The features of `record`, names weighed by the built-in frequency table.
    pub fn new(record: &PersonRecord) -> Self {
        Self::with_frequencies(record, &BuiltinFrequencies)
    }

    /// The features of `record`, names weighed by `freq` (an account's own name counts, say).
    pub fn with_frequencies(record: &PersonRecord, freq: &dyn NameFrequencies) -> Self {
        let raw = |v: &Option<String>| head(v.as_deref().unwrap_or(""), MAX_RAW).to_string();
        // A hyphenated given name is one name (`Seo-yeon`, `Jean-Pierre`), not a name and a
        // middle name.
        let first_raw = fold(&raw(&record.first_name).replace('-', ""));
        let last_raw = fold(&raw(&record.last_name));
        // `Tessa Vance` typed whole into the first name: its last word is the last name.
        let (first_raw, last_raw) = match first_raw.rsplit_once(' ') {
            Some((f, l)) if last_raw.is_empty() => (f.to_string(), l.to_string()),
            _ => (first_raw, last_raw),
        };
        let first = capped(&latin(first_raw.split(' ').next().unwrap_or("")));
        let last = capped(&latin(&last_name_key(&last_raw)));
        let (first_spellings, canonical) = if first.is_empty() {
            (Vec::new(), String::new())
        } else {
            let mut s = first_name_spellings(&first);
            s.iter_mut().for_each(|x| *x = capped(x));
            (s, canonical_first_name(&first))
        };
        let first_w = exact_weight(FIRST_EXACT_M, freq.first_name(&first), FIRST_DEFAULT_FREQ);
        let canonical_w = exact_weight(
            FIRST_EXACT_M,
            freq.first_name(&canonical),
            FIRST_DEFAULT_FREQ,
        );
        let last_w = exact_weight(LAST_EXACT_M, freq.last_name(&last), LAST_DEFAULT_FREQ);

        let email = record
            .email
            .as_deref()
            .and_then(|e| Email::parse(head(e, MAX_RAW)).ok())
            .map(|e| email_features(&e, &first, &last));
        let phone = record
            .phone
            .as_deref()
            .and_then(|p| normalize_phone(p, record.country.as_deref()));
        let title_raw = raw(&record.title);
        PersonFeatures {
            first_w,
            canonical_w,
            last_w,
            first,
            first_spellings,
            last,
            email,
            phone,
            title: capped(&title_key(&title_raw)),
            title_parsed: parse_title(&title_raw),
            city: capped(&fold(&raw(&record.city))),
            state: capped(&region_key(&raw(&record.state))),
            country: record.country.as_deref().and_then(country_code),
        }
    }

    /// The phone number, normalized: what a blocking index can file the record under.
    pub fn phone(&self) -> Option<&Phone> {
        self.phone.as_ref()
    }

    /// The first three letters of the last name and of the first name (canonical, so a
    /// nickname meets its full name): a blocking index files a record under both, so a typo
    /// late in either name, or the two swapped, still meets its twin.
    pub fn name_prefixes(&self) -> [&str; 2] {
        let prefix = |s: &'_ str| -> usize { s.char_indices().nth(3).map_or(s.len(), |(i, _)| i) };
        let canonical = self
            .first_spellings
            .iter()
            .min()
            .map(String::as_str)
            .unwrap_or(&self.first);
        [
            &self.last[..prefix(&self.last)],
            &canonical[..prefix(canonical)],
        ]
    }

    /// The email's handle (`tvance`), unless it is a role's (`info`) or too short to tell
    /// anyone apart, and whether it says more than the name (`tessav81`): the same handle at
    /// work and at home is often one person's.
    pub fn handle(&self) -> Option<(&str, bool)> {
        self.email
            .as_ref()
            .filter(|e| !e.role && e.handle.len() >= 5)
            .map(|e| (e.handle.as_str(), e.distinctive))
    }
}

fn capped(s: &str) -> String {
    head(s, MAX_BYTES).to_string()
}

/// The last name as compared: folded words without suffixes (`Vance Jr.`), joined.
fn last_name_key(folded: &str) -> String {
    let mut words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    while words.len() > 1 && words.last().is_some_and(|w| NAME_SUFFIXES.contains(w)) {
        words.pop();
    }
    words.concat()
}

fn exact_weight(m: f64, freq: Option<f64>, default: f64) -> f64 {
    let f = freq.filter(|f| f.is_finite()).unwrap_or(default);
    (m / f.clamp(MIN_FREQ, MAX_FREQ)).log2()
}

fn email_features(email: &Email, first: &str, last: &str) -> EmailFeatures {
    let handle = email.local().split('+').next().unwrap_or_default();
    let middle = middle_initial(handle);
    let letters: String = match middle {
        Some(_) => handle
            .split(['.', '_', '-'])
            .filter(|part| part.chars().count() > 1)
            .map(latin)
            .collect(),
        None => latin(handle),
    };
    let letters: String = letters.chars().filter(|c| c.is_alphabetic()).collect();
    let domain = registrable_domain(email.domain());
    let role = is_role_handle(handle);
    EmailFeatures {
        address: capped(&format!("{handle}@{}", email.domain())),
        handle: capped(handle),
        letters: capped(&letters),
        middle,
        personal: personal_domain(&domain).is_some(),
        domain: capped(&domain),
        role,
        distinctive: !role && distinctive(handle, first, last),
    }
}

/// The middle initial of a handle of three parts, the middle one a single letter
/// (`tessa.m.vance`, `t_m_vance`).
fn middle_initial(handle: &str) -> Option<char> {
    let mut parts = handle.split(['.', '_', '-']);
    let (Some(first), Some(middle), Some(last), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let mut m = middle.chars();
    match (m.next(), m.next()) {
        (Some(c), None) if c.is_alphabetic() && !first.is_empty() && last.len() > 1 => Some(c),
        _ => None,
    }
}

/// Compares two records' features: the evidence that they are one person.
pub fn compare(a: &PersonFeatures, b: &PersonFeatures) -> Linkage {
    let mut fields = LinkFields::new();
    names(a, b, &mut fields);
    email(a, b, &mut fields);
    email_fits_name(a, b, &mut fields);
    phone(a, b, &mut fields);
    title(a, b, &mut fields);
    place(a, b, &mut fields);
    let weight: f64 = fields.iter().map(|(_, w)| w).sum();
    let decision = if weight >= SAME_THRESHOLD {
        LinkDecision::Same
    } else if weight >= REVIEW_THRESHOLD {
        LinkDecision::Review
    } else {
        LinkDecision::Different
    };
    Linkage {
        weight,
        fields,
        decision,
    }
}

/// How two name parts agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Exact,
    Nickname,
    Typo,
    Initial,
    Different,
    Missing,
}

/// True when the Jaro-Winkler similarity of `x` and `y` is at least [`TYPO_SIMILARITY`]. The
/// arguments go in a fixed order, so it is symmetric to the bit; a bound from the letters the
/// two share rules most pairs out before the bit-parallel comparison runs.
fn similar(x: &str, y: &str) -> bool {
    use rapidfuzz::distance::jaro_winkler::{normalized_similarity_with_args, Args};
    let (x, y) = if x <= y { (x, y) } else { (y, x) };
    if x.is_empty() || y.is_empty() {
        return false;
    }
    if x.is_ascii() && y.is_ascii() {
        if jaro_winkler_bound(x.as_bytes(), y.as_bytes()) < TYPO_SIMILARITY {
            return false;
        }
        let args = Args::default().score_cutoff(TYPO_SIMILARITY);
        normalized_similarity_with_args(x.bytes(), y.bytes(), &args).is_some()
    } else {
        let args = Args::default().score_cutoff(TYPO_SIMILARITY);
        normalized_similarity_with_args(x.chars(), y.chars(), &args).is_some()
    }
}

/// An upper bound of the Jaro-Winkler similarity of two ASCII strings: at most as many
/// characters match as the two have in common counted with repeats (bytes counted in 32
/// buckets, which can only raise the count), with no transposition, and the common prefix (up
/// to four) as it is.
fn jaro_winkler_bound(x: &[u8], y: &[u8]) -> f64 {
    let histogram = |s: &[u8]| {
        let mut h = [0u8; 32];
        for &b in s {
            let slot = &mut h[usize::from(b & 31)];
            *slot = slot.saturating_add(1);
        }
        h
    };
    let (hx, hy) = (histogram(x), histogram(y));
    let common: u32 = hx.iter().zip(&hy).map(|(a, b)| u32::from(*a.min(b))).sum();
    if common == 0 {
        return 0.0;
    }
    let common = f64::from(common);
    let jaro = (common / x.len() as f64 + common / y.len() as f64 + 1.0) / 3.0;
    let prefix = x.iter().zip(y).take(4).take_while(|(a, b)| a == b).count() as f64;
    if jaro > 0.7 {
        jaro + prefix * 0.1 * (1.0 - jaro)
    } else {
        jaro
    }
}

fn is_initial_of(x: &str, y: &str) -> bool {
    let mut xs = x.chars();
    match (xs.next(), xs.next(), y.chars().next()) {
        (Some(c), None, Some(d)) => c == d && y.len() > x.len(),
        _ => false,
    }
}

/// Last names, or first names without the nickname table.
fn part(x: &str, y: &str) -> Part {
    if x.is_empty() || y.is_empty() {
        Part::Missing
    } else if x == y {
        Part::Exact
    } else if is_initial_of(x, y) || is_initial_of(y, x) {
        Part::Initial
    } else if x.chars().count() > 1 && y.chars().count() > 1 && (similar(x, y) || barrelled(x, y)) {
        Part::Typo
    } else {
        Part::Different
    }
}

/// One double-barrelled last name holds the other (`garcialopez` and `garcia`).
fn barrelled(x: &str, y: &str) -> bool {
    let (short, long) = if x.len() <= y.len() { (x, y) } else { (y, x) };
    short.len() >= 4 && (long.starts_with(short) || long.ends_with(short))
}

fn first_part(a: &PersonFeatures, b: &PersonFeatures) -> Part {
    match part(&a.first, &b.first) {
        Part::Exact => Part::Exact,
        Part::Missing => Part::Missing,
        other => {
            if a.first_spellings.contains(&b.first) || b.first_spellings.contains(&a.first) {
                Part::Nickname
            } else {
                other
            }
        }
    }
}

fn names(a: &PersonFeatures, b: &PersonFeatures, fields: &mut LinkFields) {
    let first = first_part(a, b);
    let last = part(&a.last, &b.last);
    let agrees = |p: Part| matches!(p, Part::Exact | Part::Nickname | Part::Typo);
    if !(agrees(first) && agrees(last)) {
        // `Wang Wei` and `Wei Wang`: each part of one is the other part of the other.
        let cross1 = part(&a.first, &b.last);
        let cross2 = part(&a.last, &b.first);
        if agrees(cross1) && agrees(cross2) {
            let w = |p: Part, x: f64, y: f64| match p {
                Part::Exact => x.min(y),
                _ => LAST_TYPO.w,
            };
            let weight =
                w(cross1, a.first_w, b.last_w) + w(cross2, a.last_w, b.first_w) - SWAP_PENALTY;
            fields.push("name order swapped", weight);
            return;
        }
    }
    match first {
        Part::Exact => fields.push("first name same", a.first_w.min(b.first_w)),
        Part::Nickname => fields.push(
            "first name nickname",
            (a.canonical_w.min(b.canonical_w) - FIRST_NICKNAME_PENALTY).max(FIRST_NICKNAME_MIN),
        ),
        Part::Typo => fields.push("first name typo", FIRST_TYPO.w),
        Part::Initial => fields.push("first name initial", FIRST_INITIAL.w),
        Part::Different => fields.push("first name different", FIRST_DIFFERENT.w),
        Part::Missing => {}
    }
    match last {
        Part::Exact => fields.push("last name same", a.last_w.min(b.last_w)),
        Part::Typo | Part::Nickname => fields.push("last name typo", LAST_TYPO.w),
        Part::Initial => fields.push("last name initial", LAST_INITIAL.w),
        Part::Different => fields.push("last name different", LAST_DIFFERENT.w),
        Part::Missing => {}
    }
}

fn email(a: &PersonFeatures, b: &PersonFeatures, fields: &mut LinkFields) {
    let (Some(x), Some(y)) = (&a.email, &b.email) else {
        return;
    };
    if x.address == y.address {
        if x.role {
            fields.push("email same role address", EMAIL_SAME_ROLE.w);
        } else {
            fields.push("email same", EMAIL_SAME.w);
        }
    } else if x.handle == y.handle && !x.role && x.handle.len() >= 2 {
        if x.distinctive || y.distinctive {
            fields.push("email handle same", HANDLE_SAME_DISTINCTIVE.w);
        } else {
            fields.push("email handle same", HANDLE_SAME_PLAIN.w);
        }
    } else if x.domain == y.domain && !x.personal && !x.role && !y.role {
        let digits = |h: &str| {
            h.bytes()
                .filter(u8::is_ascii_digit)
                .fold(0u64, |n, d| n.wrapping_mul(31).wrapping_add(u64::from(d)))
        };
        if !x.letters.is_empty() && x.letters == y.letters && digits(&x.handle) != digits(&y.handle)
        {
            fields.push("email numbered mailbox", MAILBOX_NUMBERED.w);
            return;
        }
        let aliases = fit(&x.letters, b) != Fit::None && fit(&y.letters, a) != Fit::None;
        if aliases && x.middle != y.middle {
            fields.push("email other middle initial", MAILBOX_NUMBERED.w);
        } else if aliases {
            fields.push("email other mailbox, same name", MAILBOX_ALIAS.w);
        } else {
            fields.push("email other mailbox", MAILBOX_DIFFERENT.w);
        }
    }
}

/// What a handle's letters spell of a person's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fit {
    None,
    First,
    Last,
    Initial,
    Full,
}

/// `xy` is `x` followed by `y`.
fn is_concat(s: &str, x: &str, y: &str) -> bool {
    s.len() == x.len() + y.len() && s.starts_with(x) && s.ends_with(y)
}

fn fit(letters: &str, p: &PersonFeatures) -> Fit {
    if letters.len() < 2 {
        return Fit::None;
    }
    let last = p.last.as_str();
    let last_initial = last.get(..last.chars().next().map_or(0, char::len_utf8));
    let mut best = Fit::None;
    for f in p.first_spellings.iter().filter(|f| f.chars().count() > 1) {
        let f = f.as_str();
        let initial = f.get(..f.chars().next().map_or(0, char::len_utf8));
        let level = if last.len() > 1
            && (is_concat(letters, f, last) || is_concat(letters, last, f))
        {
            Fit::Full
        } else if (last.len() > 1
            && initial.is_some_and(|i| is_concat(letters, i, last) || is_concat(letters, last, i)))
            || last_initial.is_some_and(|li| {
                !li.is_empty() && (is_concat(letters, f, li) || is_concat(letters, li, f))
            })
        {
            Fit::Initial
        } else if letters == last {
            Fit::Last
        } else if letters == f {
            Fit::First
        } else {
            Fit::None
        };
        best = best.max(level);
    }
    if best == Fit::None && last.len() > 1 && letters == last {
        best = Fit::Last;
    }
    best
}

/// True when the record lacks a full first or last name, so its handle can say what it lacks.
fn name_incomplete(p: &PersonFeatures) -> bool {
    p.first.chars().count() < 2 || p.last.chars().count() < 2
}

fn email_fits_name(a: &PersonFeatures, b: &PersonFeatures, fields: &mut LinkFields) {
    let one_way = |x: &PersonFeatures, y: &PersonFeatures| match &x.email {
        Some(e) if !e.role && name_incomplete(x) => fit(&e.letters, y),
        _ => Fit::None,
    };
    let label_weight = match one_way(a, b).max(one_way(b, a)) {
        Fit::Full => Some(("email spells the name", EMAIL_FITS_FULL_NAME.w)),
        Fit::Initial => Some(("email spells the name", EMAIL_FITS_INITIAL.w)),
        Fit::Last => Some(("email spells the last name", EMAIL_FITS_LAST.w)),
        Fit::First => Some(("email spells the first name", EMAIL_FITS_FIRST.w)),
        Fit::None => None,
    };
    if let Some((label, w)) = label_weight {
        fields.push(label, w);
    }
}

/// One number is the other without its country code (and with a trunk `0`, maybe): `6141357940`
/// or `07700900123` in a record without a country, `16141357940` or `447700900123` read in
/// E.164. At least seven digits must agree.
fn same_national(x: &str, y: &str) -> bool {
    const MAX_COUNTRY_CODE: usize = 3;
    let (long, short) = if x.len() >= y.len() { (x, y) } else { (y, x) };
    [short, short.strip_prefix('0').unwrap_or(short)]
        .iter()
        .any(|s| s.len() >= 7 && long.len() - s.len() <= MAX_COUNTRY_CODE && long.ends_with(s))
}

/// The last nine digits of both numbers are the same.
fn same_tail(x: &str, y: &str) -> bool {
    const TAIL: usize = 9;
    x.len() >= TAIL && y.len() >= TAIL && x[x.len() - TAIL..] == y[y.len() - TAIL..]
}

fn phone(a: &PersonFeatures, b: &PersonFeatures, fields: &mut LinkFields) {
    let (Some(x), Some(y)) = (&a.phone, &b.phone) else {
        return;
    };
    let both_mobile = x.kind() == PhoneKind::Mobile && y.kind() == PhoneKind::Mobile;
    let other_line =
        !x.extension().is_empty() && !y.extension().is_empty() && x.extension() != y.extension();
    let one_unread = !(x.is_valid() && y.is_valid());
    let same = x.digits() == y.digits() || (one_unread && same_national(x.digits(), y.digits()));
    if same && !other_line {
        if x.kind() == PhoneKind::Mobile || y.kind() == PhoneKind::Mobile {
            fields.push("phone same", PHONE_SAME_MOBILE.w);
        } else {
            fields.push("phone same", PHONE_SAME_OTHER.w);
        }
    } else if !other_line && one_unread && same_tail(x.digits(), y.digits()) {
        fields.push("phone close", PHONE_CLOSE.w);
    } else if both_mobile {
        fields.push("mobile phone different", PHONE_DIFFERENT_MOBILE.w);
    } else {
        fields.push("phone different", PHONE_DIFFERENT.w);
    }
}

fn title(a: &PersonFeatures, b: &PersonFeatures, fields: &mut LinkFields) {
    if a.title.is_empty() || b.title.is_empty() {
        return;
    }
    let same_role = a.title_parsed.seniority.is_some()
        && a.title_parsed.department.is_some()
        && a.title_parsed == b.title_parsed;
    if a.title == b.title {
        fields.push("title same", TITLE_SAME.w);
    } else if same_role {
        fields.push("title close", TITLE_CLOSE.w);
    } else {
        fields.push("title different", TITLE_DIFFERENT.w);
    }
}

fn place(a: &PersonFeatures, b: &PersonFeatures, fields: &mut LinkFields) {
    if !a.city.is_empty() && !b.city.is_empty() {
        if a.city == b.city {
            fields.push("city same", CITY_SAME.w);
        } else {
            fields.push("city different", CITY_DIFFERENT.w);
        }
    } else if !a.state.is_empty() && !b.state.is_empty() {
        if a.state == b.state {
            fields.push("state same", STATE_SAME.w);
        } else {
            fields.push("state different", STATE_DIFFERENT.w);
        }
    }
    if let (Some(x), Some(y)) = (a.country, b.country) {
        if x == y {
            fields.push("country same", COUNTRY_SAME.w);
        } else {
            fields.push("country different", COUNTRY_DIFFERENT.w);
        }
    }
}

#[cfg(test)]
mod tests;
