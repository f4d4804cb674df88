//! The records of the CRM and the inputs that create and change them. Each input's `validate`
//! is the one place its field rules live; the store calls it before writing.

mod account;
mod activity;
mod campaign;
mod contact;
mod enums;
mod intake;
mod opportunity;
mod segment;
mod user;

pub use account::*;
pub use activity::*;
pub use campaign::*;
pub use contact::*;
pub use enums::*;
pub use intake::*;
pub use opportunity::*;
pub use segment::*;
pub use user::*;

/// Longest name or title accepted, in characters.
pub const MAX_NAME: usize = 200;
/// Longest free text (descriptions, subjects) accepted, in characters.
pub const MAX_TEXT: usize = 10_000;
