//! Moving an org out of another CRM: a generator of messy Salesforce and HubSpot exports with
//! known truth ([`synth`]), and the scorer that measures a migration's report against it
//! ([`score`]).

pub mod score;
pub mod synth;
