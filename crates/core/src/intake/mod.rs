//! Intake: raw person records from outside, parsed and planned into contacts under accounts.

pub mod columns;
mod plan;
pub mod vcard;

pub use plan::{
    best_candidate, contact_from_record, is_provisional, name_from_domain, placed_contact,
    CompanyFacts, ContactFill, IntakeHints, IntakeItem, IntakePlan, PlannedAccount, PlannedContact,
    PlannedRecord, Planner,
};
