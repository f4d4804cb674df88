//! Normalization of what people type: emails, domains, company names, person names, titles.
//! Every function here is pure and total: any input gives an answer or a typed error.

pub mod email;

pub use email::{Email, EmailError};
pub mod domain;

pub use domain::{normalize_domain, DomainError};
