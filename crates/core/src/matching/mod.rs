//! Matching: a raw person record (form fill, list row, business card) to an existing contact
//! and an account, by the tiers of DESIGN.md, first hit wins. Every result carries its rule, a
//! confidence in [0, 1], the candidates considered and an explanation a person can read.

mod batch;
mod dedupe;
mod engine;
mod family;
pub mod handle;
mod index;
pub mod person_link;
mod record;
mod review;
mod signals;
pub mod synth;

pub use batch::{match_batch, BatchDecision, BatchRun, FirstPass};
pub use dedupe::{BatchDedupe, PersonKeys, Placed};
pub use engine::{
    match_person, place_at, AccountMatch, Candidate, ContactMatch, MatchConfig, MatchResult,
    MatchStatus,
};
pub use index::{provisional_record, MatchIndex};
pub use person_link::{
    compare, BuiltinFrequencies, Level, LinkDecision, LinkFields, Linkage, NameFrequencies,
    PersonFeatures, LEVELS, PAIRS_PER_MATCH, REVIEW_THRESHOLD, SAME_THRESHOLD,
};
/// The maps of the match index and of a batch's people, keyed by text from outside: hashed
/// with foldhash, several times faster than the standard SipHash on short keys, and seeded per
/// process, so nobody can choose keys that collide.
pub(crate) type FastMap<K, V> = foldhash::HashMap<K, V>;

pub use record::{AccountEntry, ContactEntry, PersonRecord, ReviewEntry};
pub use review::{repeated_review, ReviewRepeat};
