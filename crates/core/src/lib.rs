//! abcrm-core: the domain of an account-based CRM, as pure Rust.
//!
//! There is no leads object: every person is a [`model::Contact`] that belongs to exactly one
//! [`model::Account`]. This crate holds the types of that model, the rules that decide whether a
//! change is valid, and the pure logic built on them (normalization, matching, scoring, the
//! segment filter language). It never touches a database, a socket or the clock: time is passed in.

pub mod csv_file;
pub mod enrich;
pub mod export;
pub mod filter;
pub mod hierarchy;
pub mod ids;
pub mod intake;
pub mod matching;
pub mod migration;
pub mod model;
pub mod normalize;
pub mod patch;
pub mod reports;
pub mod scoring;
pub mod search;
pub mod validation;

pub use ids::*;
pub use validation::{ValidationError, ValidationErrors};
