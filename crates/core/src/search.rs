//! Global search: what a person typed into the search box, read into words, and the records the
//! database found for them ranked the same way on both backends.
//!
//! The database does the finding with its own text index (SQLite FTS5 with the trigram tokenizer,
//! PostgreSQL `pg_trgm`): a record is a candidate when every word of three letters or more is
//! part of its text. When that finds nothing, each long word is looked up by its two ends (the
//! letters before and after its middle one), one of which a single slip of the finger leaves
//! whole, and [`score`] keeps the near spellings.
//! Ranking is here, in pure Rust, so `acme` puts *Acme* before *Acme Holdings* before *Pacme*
//! whichever database answered.

use crate::normalize::text::{fold, jaro_winkler_at_least};
use serde::Serialize;

/// Most characters a query may have: a name and a company, not a paragraph.
pub const MAX_QUERY_CHARS: usize = 100;
/// Most words a query may have; each is one more condition for the database.
pub const MAX_WORDS: usize = 6;
/// The shortest word a trigram index can look up.
pub const MIN_INDEXED_CHARS: usize = 3;
/// The shortest word looked up by its ends when it matches nothing as typed: both ends of a
/// shorter one would be too short for a trigram index (and a slip in a four-letter word makes
/// another word).
pub const MIN_FUZZY_CHARS: usize = 7;
/// How alike a word and a record's word must be (Jaro-Winkler, on folded text) to count as a
/// near spelling.
pub const NEAR_SPELLING: f64 = 0.9;
/// Most results of each kind a search may ask for.
pub const MAX_LIMIT: usize = 50;

/// What is wrong with a query, said so the person can fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    #[error("type at least {MIN_INDEXED_CHARS} letters of a name, email or domain to search")]
    TooShort,
    #[error("a search has at most {MAX_QUERY_CHARS} characters; this one has {0}")]
    TooLong(usize),
    #[error("a search has at most {MAX_WORDS} words; this one has {0}")]
    TooManyWords(usize),
}

/// A query read into words: lowercased, split at white space, with the characters that mean
/// something to the databases' query syntax (`"`, `%`, `_`, `\`) taken out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    words: Vec<String>,
}

impl SearchQuery {
    /// Reads what was typed. Needs one word of [`MIN_INDEXED_CHARS`] or more (the index cannot
    /// look up less); words shorter than that still have to match, checked by [`score`].
    pub fn parse(text: &str) -> Result<SearchQuery, SearchError> {
        let chars = text.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(SearchError::TooLong(chars));
        }
        let mut words: Vec<String> = Vec::new();
        for raw in text.split(|c: char| c.is_whitespace() || c == ',') {
            let word: String = raw
                .chars()
                .filter(|c| !matches!(c, '"' | '%' | '_' | '\\') && !c.is_control())
                .flat_map(char::to_lowercase)
                .collect();
            if !word.is_empty() && !words.contains(&word) {
                words.push(word);
            }
        }
        if words.len() > MAX_WORDS {
            return Err(SearchError::TooManyWords(words.len()));
        }
        if !words.iter().any(|w| indexed(w)) {
            return Err(SearchError::TooShort);
        }
        // The longest words first: they narrow the database's search the most.
        words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
        Ok(SearchQuery { words })
    }

    /// Every word, longest first.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// The words the database looks up: those of [`MIN_INDEXED_CHARS`] or more.
    pub fn indexed_words(&self) -> impl Iterator<Item = &str> {
        self.words.iter().map(String::as_str).filter(|w| indexed(w))
    }

    /// For a search that found nothing as typed: each word of [`MIN_FUZZY_CHARS`] or more as its
    /// two ends, the letters before its middle letter and those after it. One slip (a letter
    /// wrong, missing, added, or two swapped, the middle one among them) spoils at most one end,
    /// so a record is a candidate when, for every such word, one end is part of its text; shorter
    /// words are dropped from the lookup and checked by [`score`].
    pub fn halves(&self) -> Vec<[String; 2]> {
        self.words
            .iter()
            .filter(|w| w.chars().count() >= MIN_FUZZY_CHARS)
            .map(|w| {
                let middle = (w.chars().count() - 1) / 2;
                let first: String = w.chars().take(middle).collect();
                let second: String = w.chars().skip(middle + 1).collect();
                [first, second]
            })
            .collect()
    }
}

fn indexed(word: &str) -> bool {
    word.chars().count() >= MIN_INDEXED_CHARS
}

/// What a search returns a record as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchKind {
    Account,
    Contact,
    Opportunity,
}

impl SearchKind {
    pub const ALL: [SearchKind; 3] = [
        SearchKind::Account,
        SearchKind::Contact,
        SearchKind::Opportunity,
    ];
}

/// A record the database found, with the texts it is ranked on.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub kind: SearchKind,
    pub id: i64,
    /// The account's, contact's or opportunity's name.
    pub name: String,
    /// The account's domains or the contact's email.
    pub detail: String,
    /// The account a contact or opportunity belongs to.
    pub company: String,
}

/// A ranked result.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    pub kind: SearchKind,
    pub id: i64,
    pub name: String,
    /// Domains (an account) or the email (a contact); empty for an opportunity.
    pub detail: String,
    /// The account of a contact or an opportunity; empty for an account.
    pub company: String,
    /// How well the record matches, 0 to 1: 1 when every word is a whole word of its name.
    pub score: f64,
}

/// How much a word found in each text counts: the name most, the company least (everyone at
/// Acme has "acme" in their company).
const NAME_WEIGHT: f64 = 1.0;
const DETAIL_WEIGHT: f64 = 0.85;
const COMPANY_WEIGHT: f64 = 0.6;

/// How well one word matches one text: a whole word 1, the start of a word 0.9, inside a word
/// 0.7, a near spelling of a word (long words only) 0.6 times its likeness; else 0.
fn word_match(word: &str, text: &str) -> f64 {
    if word.is_empty() || text.is_empty() {
        return 0.0;
    }
    if word.contains(' ') {
        // An email or a domain, folded into several words: matched as one piece.
        return if text == word {
            1.0
        } else if text.starts_with(word) || text.contains(&format!(" {word}")) {
            0.9
        } else if text.contains(word) {
            0.7
        } else {
            0.0
        };
    }
    let mut best: f64 = 0.0;
    for token in text.split(' ') {
        if token == word {
            return 1.0;
        }
        if token.starts_with(word) {
            best = best.max(0.9);
        } else if token.contains(word) {
            best = best.max(0.7);
        } else if word.chars().count() >= MIN_FUZZY_CHARS {
            if let Some(likeness) = jaro_winkler_at_least(word, token, NEAR_SPELLING) {
                best = best.max(0.6 * likeness);
            }
        }
    }
    best
}

/// How well a candidate matches: for each word its best match in the name, the detail or the
/// company (weighted), averaged over the words. `None` when a word matches nowhere, not even
/// nearly: the database's index found it for another reason (a half of a long word).
pub fn score(query: &SearchQuery, candidate: &Candidate) -> Option<f64> {
    let name = fold(&candidate.name);
    let detail = fold(&candidate.detail);
    let company = fold(&candidate.company);
    let mut total = 0.0;
    let mut counted = 0usize;
    for word in query.words() {
        // Folded as the texts are: `o'brien` is `obrien`, `acme.com` is `acme com`.
        let folded = fold(word);
        if folded.is_empty() {
            continue;
        }
        let best = [
            (NAME_WEIGHT, &name),
            (DETAIL_WEIGHT, &detail),
            (COMPANY_WEIGHT, &company),
        ]
        .into_iter()
        .map(|(weight, text)| weight * word_match(&folded, text))
        .fold(0.0, f64::max);
        if best == 0.0 {
            return None;
        }
        total += best;
        counted += 1;
    }
    (counted > 0).then(|| total / counted as f64)
}

/// The candidates that match, best first (then by name, then by id, so equal scores keep one
/// order), at most `limit` of each kind.
pub fn rank(query: &SearchQuery, candidates: Vec<Candidate>, limit: usize) -> Vec<SearchHit> {
    let mut hits: Vec<SearchHit> = candidates
        .into_iter()
        .filter_map(|c| {
            let score = score(query, &c)?;
            Some(SearchHit {
                kind: c.kind,
                id: c.id,
                name: c.name,
                detail: c.detail,
                company: c.company,
                score: (score * 1000.0).round() / 1000.0,
            })
        })
        .collect();
    hits.sort_by(|a, b| {
        a.kind
            .cmp(&b.kind)
            .then(b.score.total_cmp(&a.score))
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
            .then(a.id.cmp(&b.id))
    });
    hits.dedup_by(|a, b| a.kind == b.kind && a.id == b.id);
    let mut taken = std::collections::HashMap::new();
    hits.retain(|h| {
        let n = taken.entry(h.kind).or_insert(0usize);
        *n += 1;
        *n <= limit
    });
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn account(id: i64, name: &str, domain: &str) -> Candidate {
        Candidate {
            kind: SearchKind::Account,
            id,
            name: name.into(),
            detail: domain.into(),
            company: String::new(),
        }
    }

    fn contact(id: i64, name: &str, email: &str, company: &str) -> Candidate {
        Candidate {
            kind: SearchKind::Contact,
            id,
            name: name.into(),
            detail: email.into(),
            company: company.into(),
        }
    }

    #[test]
    fn a_query_is_read_into_lowercase_words_longest_first() {
        let q = SearchQuery::parse("  Jane  ACME,corp ").unwrap();
        assert_eq!(q.words(), ["jane", "acme", "corp"]);
        let q = SearchQuery::parse("\"acme\" 100%_ \\x").unwrap();
        assert_eq!(q.words(), ["acme", "100", "x"]);
        assert_eq!(q.indexed_words().collect::<Vec<_>>(), ["acme", "100"]);
    }

    #[test]
    fn too_short_too_long_and_too_many_words_say_what_to_do() {
        assert_eq!(SearchQuery::parse("ja"), Err(SearchError::TooShort));
        assert_eq!(SearchQuery::parse("  "), Err(SearchError::TooShort));
        assert_eq!(SearchQuery::parse("\"\"\"%%"), Err(SearchError::TooShort));
        assert_eq!(
            SearchQuery::parse(&"a".repeat(101)),
            Err(SearchError::TooLong(101))
        );
        assert_eq!(
            SearchQuery::parse("one two three four five six seven"),
            Err(SearchError::TooManyWords(7))
        );
        assert!(SearchError::TooShort.to_string().contains("at least 3"));
    }

    #[test]
    fn long_words_are_looked_up_by_their_ends_which_one_slip_cannot_both_spoil() {
        let q = SearchQuery::parse("microsfot inc").unwrap();
        assert_eq!(
            q.halves(),
            [["micr".to_string(), "sfot".to_string()]].to_vec()
        );
    }

    #[test]
    fn the_closest_names_rank_first() {
        let q = SearchQuery::parse("acme").unwrap();
        let hits = rank(
            &q,
            vec![
                account(3, "Pacme Ltd", "pacme.io"),
                account(2, "Acme Holdings", "acmeholdings.com"),
                account(1, "Acme", "acme.com"),
            ],
            10,
        );
        let names: Vec<_> = hits.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["Acme", "Acme Holdings", "Pacme Ltd"]);
        assert_eq!(hits[0].score, 1.0);
    }

    #[test]
    fn a_name_and_a_company_find_the_person_at_that_company() {
        let q = SearchQuery::parse("jane acme").unwrap();
        let hits = rank(
            &q,
            vec![
                contact(1, "Jane Doe", "jane@initech.com", "Initech"),
                contact(2, "Jane Roe", "jroe@acme.com", "Acme"),
                contact(3, "Bob Acme", "bob@acme.com", "Acme"),
            ],
            10,
        );
        // Jane at Initech has no "acme" anywhere: not a hit. Bob has no "jane".
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].id, 2);
    }

    #[test]
    fn a_slip_in_a_long_word_is_still_found_and_ranks_below_the_spelling() {
        let q = SearchQuery::parse("microsfot").unwrap();
        let hits = rank(
            &q,
            vec![
                account(1, "Microsoft", "microsoft.com"),
                account(2, "Micron", "micron.com"),
            ],
            10,
        );
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].name, "Microsoft");
        assert!(hits[0].score < 0.7);
        // A short word is not guessed at.
        let q = SearchQuery::parse("acne").unwrap();
        assert!(rank(&q, vec![account(1, "Acme", "")], 10).is_empty());
    }

    #[test]
    fn emails_domains_and_accents_match_as_typed() {
        let q = SearchQuery::parse("jane@acme.com").unwrap();
        let hits = rank(
            &q,
            vec![contact(1, "Jane Roe", "jane@acme.com", "Acme")],
            10,
        );
        assert_eq!(hits.len(), 1);
        let q = SearchQuery::parse("muller").unwrap();
        let hits = rank(&q, vec![contact(1, "Jörg Müller", "", "Acme")], 10);
        assert_eq!(hits[0].score, 1.0);
        let q = SearchQuery::parse("o'brien").unwrap();
        let hits = rank(&q, vec![contact(1, "Pat O'Brien", "", "Acme")], 10);
        assert_eq!(hits[0].score, 1.0);
    }

    #[test]
    fn each_kind_keeps_its_own_limit_and_a_record_appears_once() {
        let q = SearchQuery::parse("acme").unwrap();
        let mut candidates: Vec<Candidate> = (1..=5)
            .map(|i| account(i, &format!("Acme {i}"), ""))
            .collect();
        candidates.push(account(1, "Acme 1", ""));
        candidates.push(contact(9, "Ann", "ann@acme.com", "Acme 1"));
        let hits = rank(&q, candidates, 3);
        let accounts = hits
            .iter()
            .filter(|h| h.kind == SearchKind::Account)
            .count();
        assert_eq!(accounts, 3);
        assert_eq!(hits.iter().filter(|h| h.id == 1).count(), 1);
        assert_eq!(hits.last().unwrap().kind, SearchKind::Contact);
    }

    proptest! {
        #[test]
        fn any_text_parses_or_says_why_and_scores_stay_between_0_and_1(
            text in "\\PC{0,120}",
            name in "\\PC{0,40}",
            detail in "\\PC{0,40}",
        ) {
            if let Ok(q) = SearchQuery::parse(&text) {
                prop_assert!(q.words().len() <= MAX_WORDS);
                prop_assert!(q.indexed_words().count() >= 1);
                for w in q.words() {
                    prop_assert!(!w.contains(['"', '%', '_', '\\']));
                }
                for [a, b] in q.halves() {
                    prop_assert!(a.chars().count() >= MIN_INDEXED_CHARS);
                    prop_assert!(b.chars().count() >= MIN_INDEXED_CHARS);
                }
                let c = account(1, &name, &detail);
                if let Some(s) = score(&q, &c) {
                    prop_assert!((0.0..=1.0).contains(&s));
                }
            }
        }

        #[test]
        fn one_slip_leaves_an_end_of_the_typed_word_in_the_real_one(
            word in "[a-z]{7,16}",
            at in 0usize..16,
            slip in 0u8..4,
            letter in "[a-z]",
        ) {
            let chars: Vec<char> = word.chars().collect();
            let i = at % chars.len();
            let mut typed = chars.clone();
            match slip {
                0 if i + 1 < typed.len() => typed.swap(i, i + 1),
                1 => typed[i] = letter.chars().next().unwrap(),
                2 => { typed.remove(i); }
                _ => typed.insert(i, letter.chars().next().unwrap()),
            }
            let typed: String = typed.into_iter().collect();
            if typed.chars().count() >= MIN_FUZZY_CHARS {
                let q = SearchQuery::parse(&typed).unwrap();
                let [first, second] = q.halves().remove(0);
                prop_assert!(word.contains(&first) || word.contains(&second), "{typed} vs {word}: {first} / {second}");
            }
        }

        #[test]
        fn a_name_typed_whole_is_found_first(name in "[A-Za-z]{3,12}( [A-Za-z]{3,12})?") {
            let q = SearchQuery::parse(&name).unwrap();
            let hits = rank(&q, vec![account(2, &format!("x{name}x"), ""), account(1, &name, "")], 5);
            prop_assert_eq!(hits[0].id, 1);
            prop_assert_eq!(hits[0].score, 1.0);
        }
    }
}
