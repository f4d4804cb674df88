//! Column headers of person files, as CRMs and spreadsheets spell them, mapped to the fields
//! of a [`PersonRecord`]: `First Name`, `first_name`, `FirstName`, HubSpot's `Company Name`,
//! Salesforce's `State/Province` all land where they belong.

use crate::matching::PersonRecord;

/// A field of a person record, or the record's key in its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonColumn {
    Key,
    FirstName,
    LastName,
    FullName,
    Email,
    Company,
    Title,
    Phone,
    Website,
    Duns,
    Country,
    State,
    City,
}

impl PersonColumn {
    /// Every field, in the order a mapping form lists them.
    pub const ALL: &'static [PersonColumn] = &[
        PersonColumn::Email,
        PersonColumn::FirstName,
        PersonColumn::LastName,
        PersonColumn::FullName,
        PersonColumn::Company,
        PersonColumn::Title,
        PersonColumn::Phone,
        PersonColumn::Website,
        PersonColumn::Country,
        PersonColumn::State,
        PersonColumn::City,
        PersonColumn::Duns,
        PersonColumn::Key,
    ];

    /// The field's name in a form or a file: `first_name`.
    pub fn as_str(self) -> &'static str {
        use PersonColumn::*;
        match self {
            Key => "key",
            FirstName => "first_name",
            LastName => "last_name",
            FullName => "full_name",
            Email => "email",
            Company => "company",
            Title => "title",
            Phone => "phone",
            Website => "website",
            Duns => "duns",
            Country => "country",
            State => "state",
            City => "city",
        }
    }

    /// What a person reads for the field: "First name".
    pub fn label(self) -> &'static str {
        use PersonColumn::*;
        match self {
            Key => "Record id (re-imports skip it)",
            FirstName => "First name",
            LastName => "Last name",
            FullName => "Full name (split into first and last)",
            Email => "Email",
            Company => "Company",
            Title => "Job title",
            Phone => "Phone",
            Website => "Website or domain",
            Duns => "DUNS number",
            Country => "Country",
            State => "State or province",
            City => "City",
        }
    }

    /// The field named exactly by [`PersonColumn::as_str`].
    pub fn from_name(name: &str) -> Option<PersonColumn> {
        PersonColumn::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == name)
    }

    /// Whether a person can be recognized by this field alone (an email or a name).
    pub fn identifies(self) -> bool {
        use PersonColumn::*;
        matches!(self, Email | FirstName | LastName | FullName)
    }
}

/// The field a header names, if any. Case, spaces and punctuation do not matter.
pub fn person_column(header: &str) -> Option<PersonColumn> {
    use PersonColumn::*;
    let h: String = header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    Some(match h.as_str() {
        "id" | "key" | "leadid" | "contactid" | "recordid" | "personid" | "externalid" => Key,
        "firstname" | "first" | "givenname" | "forename" | "fname" => FirstName,
        "lastname" | "last" | "surname" | "familyname" | "lname" => LastName,
        "name" | "fullname" | "contactname" | "leadname" => FullName,
        "email" | "emailaddress" | "email1" | "workemail" | "businessemail" | "mail"
        | "primaryemail" => Email,
        "company" | "companyname" | "organization" | "organisation" | "org" | "employer"
        | "account" | "accountname" | "companyaccount" | "associatedcompany"
        | "organizationname" => Company,
        "title" | "jobtitle" | "position" | "role" | "jobrole" => Title,
        "phone" | "phonenumber" | "businessphone" | "workphone" | "telephone" | "tel"
        | "mobile" | "mobilephone" | "mobilephonenumber" | "directphone" | "officephone" => Phone,
        "website" | "websiteurl" | "web" | "url" | "companydomainname" | "domain"
        | "companywebsite" => Website,
        "duns" | "dunsnumber" => Duns,
        "country"
        | "countryregion"
        | "countrycode"
        | "mailingcountry"
        | "mailingcountryregion"
        | "mailingcountrycode" => Country,
        "state"
        | "stateprovince"
        | "stateregion"
        | "province"
        | "region"
        | "county"
        | "statecode"
        | "mailingstate"
        | "mailingstateprovince"
        | "mailingstatecode" => State,
        "city" | "town" | "locality" | "mailingcity" => City,
        _ => return None,
    })
}

/// Sets a column's value on a record; a full name is split when first and last are absent.
pub fn set_column(record: &mut PersonRecord, key: &mut Option<String>, col: PersonColumn, v: &str) {
    use PersonColumn::*;
    let v = v.trim();
    if v.is_empty() {
        return;
    }
    let value = Some(v.to_string());
    // A second column for the same field (Phone and Mobile) does not replace the first.
    let slot = match col {
        Key => key,
        FirstName => &mut record.first_name,
        LastName => &mut record.last_name,
        FullName => {
            let (first, last) = split_full_name(v);
            if record.first_name.is_none() && record.last_name.is_none() {
                record.first_name = first;
                record.last_name = last;
            }
            return;
        }
        Email => &mut record.email,
        Company => &mut record.company,
        Title => &mut record.title,
        Phone => &mut record.phone,
        Website => &mut record.website,
        Duns => &mut record.duns,
        Country => &mut record.country,
        State => &mut record.state,
        City => &mut record.city,
    };
    if slot.is_none() {
        *slot = value;
    }
}

/// "Ada Lovelace" -> (Ada, Lovelace); "Lovelace, Ada" -> (Ada, Lovelace); "Ada" -> (Ada, -).
pub fn split_full_name(name: &str) -> (Option<String>, Option<String>) {
    let s = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
    if let Some((last, first)) = name.split_once(',') {
        return (s(first), s(last));
    }
    match name.trim().rsplit_once(' ') {
        Some((first, last)) => (s(first), s(last)),
        None => (s(name), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PersonColumn::*;

    #[test]
    fn crm_headers_map_to_fields() {
        for (h, c) in [
            ("First Name", FirstName),
            ("first_name", FirstName),
            ("FirstName", FirstName),
            ("E-mail Address", Email),
            ("Company Name", Company),
            ("State/Province", State),
            ("Country/Region", Country),
            ("Job Title", Title),
            ("Lead ID", Key),
            ("Website URL", Website),
            ("Mobile Phone", Phone),
        ] {
            assert_eq!(person_column(h), Some(c), "{h}");
        }
        assert_eq!(person_column("Lead Source"), None);
    }

    #[test]
    fn salesforce_and_hubspot_export_headers_map_to_fields() {
        for (h, c) in [
            // Salesforce lead and contact exports, reports and API names.
            ("Company / Account", Company),
            ("Account Name", Company),
            ("Mailing State/Province", State),
            ("Mailing State", State),
            ("MailingState", State),
            ("Mailing City", City),
            ("Mailing Country", Country),
            ("Mailing Country Code", Country),
            ("State Code", State),
            ("Contact ID", Key),
            ("Business Phone", Phone),
            ("Direct Phone", Phone),
            // HubSpot contact exports.
            ("Email Address", Email),
            ("Primary Email", Email),
            ("Job Title", Title),
            ("Phone Number", Phone),
            ("Mobile Phone Number", Phone),
            ("Associated Company", Company),
            ("Company Domain Name", Website),
            ("State/Region", State),
            ("Record ID", Key),
        ] {
            assert_eq!(person_column(h), Some(c), "{h}");
        }
        // No person field holds these: they are left out, not guessed.
        for h in [
            "Lead Source",
            "Lead Status",
            "Lead Owner",
            "Zip/Postal Code",
            "Street",
        ] {
            assert_eq!(person_column(h), None, "{h}");
        }
    }

    #[test]
    fn field_names_round_trip() {
        for c in PersonColumn::ALL {
            assert_eq!(PersonColumn::from_name(c.as_str()), Some(*c));
            assert_eq!(person_column(c.as_str()), Some(*c), "{}", c.as_str());
        }
        assert_eq!(PersonColumn::ALL.len(), 13);
        assert_eq!(PersonColumn::from_name("zip"), None);
        assert!(PersonColumn::FullName.identifies() && !PersonColumn::Company.identifies());
    }

    #[test]
    fn full_names_split_both_ways() {
        assert_eq!(
            split_full_name("Lovelace, Ada"),
            (Some("Ada".into()), Some("Lovelace".into()))
        );
        assert_eq!(
            split_full_name("Mary Ann Smith"),
            (Some("Mary Ann".into()), Some("Smith".into()))
        );
        assert_eq!(split_full_name("Cher"), (Some("Cher".into()), None));
    }

    #[test]
    fn the_first_of_two_columns_for_a_field_wins() {
        let mut r = PersonRecord::default();
        let mut key = None;
        set_column(&mut r, &mut key, Phone, "+1 555 0100");
        set_column(&mut r, &mut key, Phone, "+1 555 0199");
        set_column(&mut r, &mut key, FullName, "Ada Lovelace");
        set_column(&mut r, &mut key, Key, " 00Q1 ");
        assert_eq!(r.phone.as_deref(), Some("+1 555 0100"));
        assert_eq!(r.last_name.as_deref(), Some("Lovelace"));
        assert_eq!(key.as_deref(), Some("00Q1"));
    }
}
