//! The records of the CRM and the inputs that create and change them. Each input's `validate`
//! is the one place its field rules live; the store calls it before writing.

mod account;
mod account_merge;
mod activity;
mod campaign;
mod contact;
mod enums;
mod intake;
mod opportunity;
mod segment;
mod task;
mod user;

pub use account::*;
pub use account_merge::*;
pub use activity::*;
pub use campaign::*;
pub use contact::*;
pub use enums::*;
pub use intake::*;
pub use opportunity::*;
pub use segment::*;
pub use task::*;
pub use user::*;

/// Longest name or title accepted, in characters.
pub const MAX_NAME: usize = 200;
/// Longest free text (descriptions, subjects) accepted, in characters.
pub const MAX_TEXT: usize = 10_000;
/// Longest email address accepted, in characters (what SMTP allows).
pub const MAX_EMAIL: usize = 254;
/// Longest web address accepted, in characters.
pub const MAX_URL: usize = 2_048;

/// The longest value each field of a raw person record may hold, in characters: the limits of
/// the fields it becomes (a company becomes an account's name). Intake checks a record against
/// it before matching, so a huge value costs nothing and never reaches the database.
pub const PERSON_FIELD_LIMITS: [(&str, usize); 11] = [
    ("first_name", MAX_NAME),
    ("last_name", MAX_NAME),
    ("email", MAX_EMAIL),
    ("company", MAX_NAME),
    ("title", MAX_NAME),
    ("country", MAX_NAME),
    ("state", MAX_NAME),
    ("city", MAX_NAME),
    ("phone", MAX_NAME),
    ("duns", MAX_NAME),
    ("website", MAX_URL),
];
