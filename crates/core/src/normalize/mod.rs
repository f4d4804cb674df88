//! Normalization of what people type: emails, domains, company names, person names, titles,
//! countries and states.
//! Every function here is pure and total: any input gives an answer or a typed error.

pub mod email;

pub use email::{Email, EmailError};
pub mod domain;

pub use domain::{normalize_domain, registrable_domain, DomainError};

pub mod company;
pub mod country;
pub mod freemail;
pub mod person;
pub mod phone;
pub mod text;
pub mod title;

pub use company::company_key;
pub use country::{country_code, CountryCode};
pub use freemail::{personal_domain, PersonalDomain};
pub use phone::{normalize_phone, Phone, PhoneKind};
