//! Column headers of person files, as CRMs and spreadsheets spell them, mapped to the fields
//! of a [`PersonRecord`]: `First Name`, `first_name`, `FirstName`, HubSpot's `Company Name`,
//! Salesforce's `State/Province` all land where they belong.

use super::{CompanyFacts, IntakeHints, IntakeItem};
use crate::matching::PersonRecord;
use crate::model::PersonContext;

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
    /// Company facts a list carries: they seed an account the file creates, and never
    /// overwrite an account's own.
    Industry,
    Employees,
    AnnualRevenue,
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
        PersonColumn::Industry,
        PersonColumn::Employees,
        PersonColumn::AnnualRevenue,
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
            Industry => "industry",
            Employees => "employees",
            AnnualRevenue => "annual_revenue",
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
            Industry => "Industry (for a new account)",
            Employees => "Employees (for a new account)",
            AnnualRevenue => "Annual revenue (for a new account)",
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
        "industry" | "companyindustry" | "sector" => Industry,
        "employees" | "numberofemployees" | "employeecount" | "companysize" | "headcount" => {
            Employees
        }
        "annualrevenue" | "revenue" | "companyrevenue" => AnnualRevenue,
        _ => return None,
    })
}

/// One row of a person file, gathered column by column: the person, the row's key, and the
/// company facts it carried.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowValues {
    pub record: PersonRecord,
    pub key: Option<String>,
    pub facts: CompanyFacts,
}

impl RowValues {
    /// The row as intake takes it, keyed by `content_key` when the file gave no key; `person`
    /// says what becomes of the people of the file (their status, the campaign they answered).
    pub fn into_item(
        self,
        person: &PersonContext,
        content_key: impl FnOnce(&PersonRecord) -> String,
    ) -> IntakeItem {
        let has_facts = self.facts != CompanyFacts::default();
        IntakeItem {
            source_key: self.key.unwrap_or_else(|| content_key(&self.record)),
            record: self.record,
            hints: IntakeHints {
                account_facts: has_facts.then_some(self.facts),
                person: person.clone(),
                ..IntakeHints::default()
            },
        }
    }
}

/// Sets a column's value on a row; a full name is split when first and last are absent. A
/// company fact that does not read as one (`many` employees) is left out: it is only ever a
/// seed for a new account, and the person on the row is still taken.
pub fn set_column(row: &mut RowValues, col: PersonColumn, v: &str) {
    use PersonColumn::*;
    let v = v.trim();
    if v.is_empty() {
        return;
    }
    let value = Some(v.to_string());
    let record = &mut row.record;
    // A second column for the same field (Phone and Mobile) does not replace the first.
    let slot = match col {
        Key => &mut row.key,
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
        Industry => &mut row.facts.industry,
        Employees => {
            let n = crate::enrich::parse_number(v, false)
                .ok()
                .filter(|n| *n > 0);
            row.facts.employees = row.facts.employees.or(n);
            return;
        }
        AnnualRevenue => {
            let n = crate::enrich::parse_number(v, true)
                .ok()
                .filter(|n| *n >= 0);
            row.facts.annual_revenue = row.facts.annual_revenue.or(n);
            return;
        }
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
        assert_eq!(PersonColumn::ALL.len(), 16);
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
        let mut row = RowValues::default();
        set_column(&mut row, Phone, "+1 555 0100");
        set_column(&mut row, Phone, "+1 555 0199");
        set_column(&mut row, FullName, "Ada Lovelace");
        set_column(&mut row, Key, " 00Q1 ");
        assert_eq!(row.record.phone.as_deref(), Some("+1 555 0100"));
        assert_eq!(row.record.last_name.as_deref(), Some("Lovelace"));
        assert_eq!(row.key.as_deref(), Some("00Q1"));
    }

    #[test]
    fn company_facts_seed_a_new_account_and_unreadable_ones_are_left_out() {
        for (header, col) in [
            ("Industry", Industry),
            ("NumberOfEmployees", Employees),
            ("Number of Employees", Employees),
            ("Annual Revenue", AnnualRevenue),
        ] {
            assert_eq!(person_column(header), Some(col), "{header}");
        }
        let mut row = RowValues::default();
        set_column(&mut row, Email, "ada@example.com");
        set_column(&mut row, Industry, "Software");
        set_column(&mut row, Employees, "1,200");
        set_column(&mut row, AnnualRevenue, "$5,000,000.40");
        let item = row
            .clone()
            .into_item(&PersonContext::default(), |_| "k".into());
        let facts = item.hints.account_facts.expect("facts");
        assert_eq!(
            (
                facts.industry.as_deref(),
                facts.employees,
                facts.annual_revenue
            ),
            (Some("Software"), Some(1200), Some(5_000_000))
        );
        assert_eq!(item.source_key, "k");

        let mut odd = RowValues::default();
        set_column(&mut odd, Email, "bo@example.com");
        set_column(&mut odd, Employees, "51-200");
        set_column(&mut odd, AnnualRevenue, "lots");
        let item = odd.into_item(&PersonContext::default(), |_| "k".into());
        assert_eq!(item.hints.account_facts, None);
        assert_eq!(item.record.email.as_deref(), Some("bo@example.com"));
    }
}
