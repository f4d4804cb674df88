//! What a person record says about where its person works, read once per record: the email
//! and its corporate host, the website, the company as a key, and the countries its location,
//! legal form, domain suffix and phone point to.

use super::index::Location;
use super::record::PersonRecord;
use crate::normalize::company::{company_key, is_placeholder};
use crate::normalize::country::{is_us_state, iso_country, legal_form_country, tld_country};
use crate::normalize::phone::calling_country;
use crate::normalize::{normalize_domain, personal_domain, registrable_domain, Email};

/// A record's evidence, normalized.
#[derive(Debug, Clone, Default)]
pub(crate) struct RecordSignals {
    pub email: Option<Email>,
    /// The email's host when it is a company's (not free-mail).
    pub corporate_host: Option<String>,
    /// The website's host when it is a company's.
    pub website: Option<String>,
    /// The company as a key; empty for none or a placeholder (`N/A`, `self-employed`).
    pub company_key: String,
    pub location: Location,
    /// The country of the company's legal form (`S.p.A.` -> IT).
    pub legal_form_country: Option<&'static str>,
    /// The country of the corporate host's suffix (`.it` -> IT).
    pub host_country: Option<&'static str>,
    /// The country of the phone's calling code (`+81` -> JP).
    pub phone_country: Option<&'static str>,
}

impl RecordSignals {
    pub(crate) fn of(p: &PersonRecord) -> RecordSignals {
        let email = p.email.as_deref().and_then(|e| Email::parse(e).ok());
        let corporate_host = email
            .as_ref()
            .map(|e| e.domain().to_string())
            .filter(|h| personal_domain(&registrable_domain(h)).is_none());
        let website = p
            .website
            .as_deref()
            .and_then(|w| normalize_domain(w).ok())
            .filter(|w| personal_domain(&registrable_domain(w)).is_none());
        let company_key = p
            .company
            .as_deref()
            .map(company_key)
            .filter(|k| !is_placeholder(k))
            .unwrap_or_default();
        RecordSignals {
            host_country: corporate_host.as_deref().and_then(tld_country),
            legal_form_country: p.company.as_deref().and_then(legal_form_country),
            phone_country: p.phone.as_deref().and_then(calling_country),
            location: Location::of(&p.country, &p.state, &p.city),
            email,
            corporate_host,
            website,
            company_key,
        }
    }

    /// The country the record states, when it is one the vocabulary knows, or the US when
    /// it states only a US state.
    pub(crate) fn country(&self) -> Option<&'static str> {
        iso_country(&self.location.country).or_else(|| {
            (self.location.country.is_empty() && is_us_state(&self.location.state)).then_some("US")
        })
    }
}
