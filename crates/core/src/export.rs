//! Segment exports: contacts and accounts as rows of text under column names a CRM user knows.
//! abcrm's own names, or those of a Salesforce Data Loader or HubSpot export, so a file can go
//! straight into the other tool. Pure: the caller writes the rows as CSV.

use crate::model::{Account, Contact};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::str::FromStr;
use utoipa::ToSchema;

/// Whose column names an export uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ColumnStyle {
    /// abcrm's field names (`first_name`, `account_name`).
    #[default]
    Abcrm,
    /// Salesforce API names (`FirstName`, `AccountId`, `Account.Name`).
    Salesforce,
    /// HubSpot export headers (`First Name`, `Company Name`).
    Hubspot,
}

impl FromStr for ColumnStyle {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "abcrm" => Ok(ColumnStyle::Abcrm),
            "salesforce" | "sfdc" => Ok(ColumnStyle::Salesforce),
            "hubspot" => Ok(ColumnStyle::Hubspot),
            other => Err(format!(
                "{other:?} is not a column style; expected abcrm, salesforce or hubspot"
            )),
        }
    }
}

const CONTACT_HEADERS: [[&str; 3]; 16] = [
    ["id", "Id", "Record ID"],
    ["first_name", "FirstName", "First Name"],
    ["last_name", "LastName", "Last Name"],
    ["email", "Email", "Email"],
    ["phone", "Phone", "Phone Number"],
    ["title", "Title", "Job Title"],
    ["seniority", "Seniority__c", "Seniority"],
    ["department", "Department", "Department"],
    ["buying_role", "Buying_Role__c", "Buying Role"],
    ["status", "Contact_Status__c", "Lead Status"],
    ["source", "LeadSource", "Original Source"],
    ["account_id", "AccountId", "Associated Company IDs"],
    ["account_name", "Account.Name", "Company Name"],
    ["account_domain", "Account.Website", "Company Domain Name"],
    ["account_state", "Account.BillingState", "State/Region"],
    ["created_at", "CreatedDate", "Create Date"],
];

const ACCOUNT_HEADERS: [[&str; 3]; 15] = [
    ["id", "Id", "Record ID"],
    ["name", "Name", "Company name"],
    ["domain", "Website", "Company Domain Name"],
    ["duns", "DunsNumber", "D-U-N-S Number"],
    ["parent_id", "ParentId", "Parent Company"],
    ["industry", "Industry", "Industry"],
    ["employees", "NumberOfEmployees", "Number of Employees"],
    ["annual_revenue", "AnnualRevenue", "Annual Revenue"],
    ["country", "BillingCountry", "Country/Region"],
    ["state", "BillingState", "State/Region"],
    ["city", "BillingCity", "City"],
    ["relationship", "Type", "Type"],
    ["stage", "Account_Stage__c", "Lifecycle Stage"],
    ["target_tier", "Target_Tier__c", "Target Tier"],
    ["created_at", "CreatedDate", "Create Date"],
];

fn pick(headers: &[[&'static str; 3]], style: ColumnStyle) -> Vec<&'static str> {
    let i = style as usize;
    headers.iter().map(|h| h[i]).collect()
}

/// The header row of a contact export.
pub fn contact_header(style: ColumnStyle) -> Vec<&'static str> {
    pick(&CONTACT_HEADERS, style)
}

/// The header row of an account export.
pub fn account_header(style: ColumnStyle) -> Vec<&'static str> {
    pick(&ACCOUNT_HEADERS, style)
}

/// A cell as every CSV the product writes must hold it: one that begins with `=`, `+`, `-`,
/// `@`, a tab or a carriage return gets a single quote in front, so a spreadsheet shows it as
/// text instead of running it as a formula (OWASP's rule against CSV injection). The rule does
/// not know what a cell means: a phone number `+1 555 0100` or a negative amount `-5` is
/// prefixed too. That costs a reader one quote and is the price of never guessing wrong about
/// a value someone typed.
pub fn csv_cell(value: &str) -> Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{value}")),
        _ => Cow::Borrowed(value),
    }
}

/// A row of cells made safe by [`csv_cell`], ready for `csv::Writer::write_record`.
pub fn csv_row<S: AsRef<str>>(row: impl IntoIterator<Item = S>) -> Vec<String> {
    row.into_iter()
        .map(|c| csv_cell(c.as_ref()).into_owned())
        .collect()
}

fn text<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// One contact, with its account's name and main domain when known, in header order.
pub fn contact_record(c: &Contact, account: Option<&Account>) -> Vec<String> {
    vec![
        c.id.to_string(),
        text(&c.first_name),
        text(&c.last_name),
        c.email
            .as_ref()
            .map(|e| e.as_str().to_string())
            .unwrap_or_default(),
        text(&c.phone),
        text(&c.title),
        text(&c.seniority),
        text(&c.department),
        text(&c.buying_role),
        c.status.to_string(),
        text(&c.source),
        c.account_id.to_string(),
        account.map(|a| a.name.clone()).unwrap_or_default(),
        account
            .and_then(|a| a.domains.first().cloned())
            .unwrap_or_default(),
        account.map(|a| text(&a.state)).unwrap_or_default(),
        c.created_at.to_rfc3339(),
    ]
}

/// One account, in header order.
pub fn account_record(a: &Account) -> Vec<String> {
    vec![
        a.id.to_string(),
        a.name.clone(),
        a.domains.first().cloned().unwrap_or_default(),
        text(&a.duns),
        text(&a.parent_id),
        text(&a.industry),
        text(&a.employees),
        text(&a.annual_revenue),
        text(&a.country),
        text(&a.state),
        text(&a.city),
        a.relationship.to_string(),
        a.stage.to_string(),
        text(&a.target_tier),
        a.created_at.to_rfc3339(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AccountStage, ContactStatus, Relationship};
    use crate::normalize::Email;
    use crate::{AccountId, ContactId};
    use chrono::Utc;

    fn account() -> Account {
        Account {
            id: AccountId(7),
            name: "Acme, Inc.".into(),
            domains: vec!["acme.com".into(), "acme.io".into()],
            duns: None,
            parent_id: None,
            industry: Some("Software".into()),
            employees: Some(250),
            annual_revenue: None,
            country: Some("US".into()),
            state: Some("CA".into()),
            city: None,
            relationship: Relationship::Prospect,
            stage: AccountStage::Engaged,
            owner_id: None,
            target_tier: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn every_style_names_every_column_once() {
        for style in [
            ColumnStyle::Abcrm,
            ColumnStyle::Salesforce,
            ColumnStyle::Hubspot,
        ] {
            for header in [contact_header(style), account_header(style)] {
                let mut seen = std::collections::HashSet::new();
                assert!(
                    header.iter().all(|h| seen.insert(*h)),
                    "{style:?}: {header:?}"
                );
            }
        }
        assert_eq!(contact_header(ColumnStyle::Salesforce)[1], "FirstName");
        assert_eq!(
            account_header(ColumnStyle::Hubspot)[2],
            "Company Domain Name"
        );
    }

    #[test]
    fn records_line_up_with_their_headers() {
        let a = account();
        let c = Contact {
            id: ContactId(3),
            account_id: a.id,
            first_name: Some("Ann".into()),
            last_name: None,
            email: Email::parse("ann@acme.com").ok(),
            phone: None,
            title: Some("VP Sales".into()),
            seniority: None,
            department: None,
            buying_role: None,
            status: ContactStatus::Nurture,
            owner_id: None,
            source: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let row = contact_record(&c, Some(&a));
        assert_eq!(row.len(), contact_header(ColumnStyle::Abcrm).len());
        assert_eq!(row[3], "ann@acme.com");
        assert_eq!(row[9], "nurture");
        assert_eq!(row[12], "Acme, Inc.");
        assert_eq!(row[13], "acme.com");
        let row = account_record(&a);
        assert_eq!(row.len(), account_header(ColumnStyle::Abcrm).len());
        assert_eq!(row[6], "250");
        assert_eq!(row[4], "");
    }

    #[test]
    fn styles_parse_from_their_names() {
        assert_eq!("HubSpot".parse::<ColumnStyle>(), Ok(ColumnStyle::Hubspot));
        assert!("excel"
            .parse::<ColumnStyle>()
            .unwrap_err()
            .contains("salesforce"));
    }

    #[test]
    fn a_formula_is_written_as_text() {
        assert_eq!(
            csv_cell("=HYPERLINK(\"http://x\",\"y\")"),
            "'=HYPERLINK(\"http://x\",\"y\")"
        );
        assert_eq!(csv_cell("+1 555 0100"), "'+1 555 0100");
        assert_eq!(csv_cell("Acme"), "Acme");
        assert_eq!(csv_cell(""), "");
    }

    proptest::proptest! {
        #[test]
        fn no_written_cell_starts_with_a_formula_character(cells in proptest::collection::vec(".*", 0..8)) {
            for cell in csv_row(&cells) {
                proptest::prop_assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{cell:?}");
            }
        }
    }
}
