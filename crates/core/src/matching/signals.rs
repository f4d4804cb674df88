//! What a person record says about where its person works, read once per record: the email
//! and its corporate host, the website, the company as a key, and the countries its location,
//! legal form, domain suffix and phone point to.

use super::index::Location;
use super::record::PersonRecord;
use crate::normalize::company::{company_key, is_placeholder};
use crate::normalize::country::{is_us_state, iso_country, legal_form_country, tld_country};
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

/// International calling codes of the countries the vocabulary knows, longest first where one
/// is a prefix of another.
const CALLING_CODES: &[(&str, &str)] = &[
    ("852", "HK"),
    ("886", "TW"),
    ("971", "AE"),
    ("966", "SA"),
    ("972", "IL"),
    ("353", "IE"),
    ("351", "PT"),
    ("352", "LU"),
    ("358", "FI"),
    ("420", "CZ"),
    ("234", "NG"),
    ("1", "US"),
    ("7", "RU"),
    ("20", "EG"),
    ("27", "ZA"),
    ("30", "GR"),
    ("31", "NL"),
    ("32", "BE"),
    ("33", "FR"),
    ("34", "ES"),
    ("36", "HU"),
    ("39", "IT"),
    ("41", "CH"),
    ("43", "AT"),
    ("44", "GB"),
    ("45", "DK"),
    ("46", "SE"),
    ("47", "NO"),
    ("48", "PL"),
    ("49", "DE"),
    ("52", "MX"),
    ("54", "AR"),
    ("55", "BR"),
    ("56", "CL"),
    ("57", "CO"),
    ("60", "MY"),
    ("61", "AU"),
    ("62", "ID"),
    ("63", "PH"),
    ("64", "NZ"),
    ("65", "SG"),
    ("66", "TH"),
    ("81", "JP"),
    ("82", "KR"),
    ("84", "VN"),
    ("86", "CN"),
    ("90", "TR"),
    ("91", "IN"),
];

/// The country of a phone written with its calling code (`+81 6 1234 5678`, `0081...`). `+1`
/// is read as the US (Canada shares it). A number without a calling code says nothing.
pub(crate) fn calling_country(phone: &str) -> Option<&'static str> {
    let t = phone.trim_start();
    let rest = t.strip_prefix('+').or_else(|| t.strip_prefix("00"))?;
    let digits: String = rest.chars().filter(char::is_ascii_digit).take(3).collect();
    CALLING_CODES
        .iter()
        .find(|(code, _)| digits.starts_with(code))
        .map(|(_, country)| *country)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_names_its_country_only_with_its_calling_code() {
        assert_eq!(calling_country("+81 6-1234-5678"), Some("JP"));
        assert_eq!(calling_country("+44 7700 900 123"), Some("GB"));
        assert_eq!(calling_country("0049 30 1234"), Some("DE"));
        assert_eq!(calling_country("+1 (415) 555-0100"), Some("US"));
        assert_eq!(calling_country("07700-900123"), None);
        assert_eq!(calling_country("+"), None);
    }
}
