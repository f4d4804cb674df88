//! Moving off a leads-based CRM: reading Salesforce and HubSpot exports into one source model
//! ([`source`]), and what the migration decided for each person ([`report`]). The placing itself
//! is intake's matching engine; the store drives it (`abcrm_store::migration`). A generator of
//! messy exports with known truth ([`synth`]) and the scorer of a report against it ([`score`])
//! measure it.

pub mod columns;
pub mod hubspot;
pub mod report;
pub mod salesforce;
pub mod score;
pub mod sfid;
pub mod source;
pub mod synth;
pub mod values;
pub mod vocab;
