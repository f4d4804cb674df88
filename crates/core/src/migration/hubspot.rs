//! HubSpot's export: `companies.csv`, `contacts.csv` and `deals.csv` with the property labels as
//! headers (`Record ID`, `Company Domain Name`, `Associated Company IDs`, ...). Several
//! associated ids share one field, separated by `;`. Contacts with no associated company are
//! HubSpot's leads: the ones to place.

use super::columns::{col, cols, Column, FieldError, Fields, Row};
use super::source::*;
use super::vocab;
use crate::matching::PersonRecord;
use crate::model::ContactStatus;

/// The files of an export, in the order they are read (each may be missing).
pub const FILES: [&str; 3] = ["companies.csv", "contacts.csv", "deals.csv"];

fn record_id<F: Fields + ?Sized>(row: &Row<'_, F>) -> Result<String, FieldError> {
    row.required("Record ID", row.text("Record ID").map(|v| clean_id(&v)))
}

/// An id as Excel may have re-saved it (`123.0`) back to its digits.
fn clean_id(v: &str) -> String {
    let v = v.trim();
    v.strip_suffix(".0").unwrap_or(v).to_string()
}

/// The ids of an association field, in order, without blanks and repeats.
pub fn ids(v: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in v.split([';', ',']).map(clean_id).filter(|s| !s.is_empty()) {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// The user an owner column names. HubSpot's export writes an owner by name (`Jane Doe`) or,
/// in some exports and older portals, by email; the value as written is the owner's id, so one
/// owner written one way is one user. A name alone cannot make an abcrm user (users need an
/// email); it can only match one.
pub fn owner(value: &str) -> Option<SourceUser> {
    let id = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if id.is_empty() {
        return None;
    }
    if let Ok(email) = crate::normalize::Email::parse(&id) {
        return Some(SourceUser {
            id: email.as_str().to_string(),
            email: Some(email),
            ..SourceUser::default()
        });
    }
    // "Doe, Jane" as some exports write it.
    let name = match id.split_once(", ") {
        Some((last, first)) if !first.contains(',') => format!("{first} {last}"),
        _ => id.clone(),
    };
    Some(SourceUser {
        id,
        name: Some(name),
        ..SourceUser::default()
    })
}

pub const COMPANY: &[Column] = &[
    cols("Record ID", &["Company ID", "hs_object_id"]),
    cols("Name", &["Company name"]),
    cols("Company Domain Name", &["Domain"]),
    cols("Website URL", &["Website"]),
    col("Industry"),
    cols("Number of Employees", &["Employees"]),
    col("Annual Revenue"),
    cols("Country/Region", &["Country"]),
    cols("State/Region", &["State"]),
    col("City"),
    cols(
        "Parent Company",
        &["Parent Company ID", "Parent Company Record ID"],
    ),
    cols("Lifecycle Stage", &["Type"]),
    cols("Create Date", &["Created Date"]),
    cols(
        "Company owner",
        &["HubSpot Owner", "HubSpot Owner ID", "Owner"],
    ),
];

pub fn company<F: Fields + ?Sized>(row: &Row<'_, F>) -> Result<SourceAccount, FieldError> {
    let domain = row.text("Company Domain Name");
    let website = row.text("Website URL");
    Ok(SourceAccount {
        id: record_id(row)?,
        name: row
            .text("Name")
            .or_else(|| domain.clone())
            .ok_or_else(|| FieldError {
                column: "Name".into(),
                message: "and Company Domain Name are both empty; a company needs one".into(),
            })?,
        parent_id: row
            .text("Parent Company")
            .and_then(|p| ids(&p).into_iter().next()),
        website: website.or_else(|| domain.clone()),
        domains: domain.into_iter().collect(),
        duns: None,
        industry: row.text("Industry"),
        employees: row.count("Number of Employees")?,
        annual_revenue: row.number("Annual Revenue")?,
        country: row.text("Country/Region"),
        state: row.text("State/Region"),
        city: row.text("City"),
        relationship: vocab::relationship(row.raw("Lifecycle Stage")),
        owner_id: owner(row.raw("Company owner")).map(|u| u.id),
        created_at: row.timestamp("Create Date")?,
    })
}

pub const CONTACT: &[Column] = &[
    cols("Record ID", &["Contact ID", "hs_object_id"]),
    col("First Name"),
    col("Last Name"),
    cols("Email", &["Email Address"]),
    cols("Company Name", &["Company"]),
    col("Job Title"),
    cols("Phone Number", &["Phone", "Mobile Phone Number"]),
    cols("Website URL", &["Website"]),
    cols(
        "Associated Company IDs",
        &[
            "Associated Company ID",
            "Associated Company IDs (Primary)",
            "Company ID",
        ],
    ),
    col("Lifecycle Stage"),
    col("Lead Status"),
    cols("Original Source", &["Original Source Type"]),
    cols("Create Date", &["Created Date"]),
    cols("Country/Region", &["Country"]),
    cols("State/Region", &["State"]),
    col("City"),
    cols(
        "Contact owner",
        &["HubSpot Owner", "HubSpot Owner ID", "Owner"],
    ),
    cols("Unsubscribed from all email", &["Opted out of all email"]),
];

pub fn contact<F: Fields + ?Sized>(row: &Row<'_, F>) -> Result<SourcePerson, FieldError> {
    let unsubscribed = row.boolean("Unsubscribed from all email")?.unwrap_or(false);
    Ok(SourcePerson {
        id: record_id(row)?,
        object: Some(PersonObject::Contact),
        account_id: ids(row.raw("Associated Company IDs")).into_iter().next(),
        record: PersonRecord {
            first_name: row.text("First Name"),
            last_name: row.text("Last Name"),
            email: row.text("Email"),
            company: row.text("Company Name"),
            title: row.text("Job Title"),
            phone: row.text("Phone Number"),
            website: row.text("Website URL"),
            country: row.text("Country/Region"),
            state: row.text("State/Region"),
            city: row.text("City"),
            duns: None,
        },
        company_facts: CompanyFacts::default(),
        status: if unsubscribed {
            Some(ContactStatus::Unsubscribed)
        } else {
            vocab::lead_status(row.raw("Lead Status"))
        },
        source: row.text("Original Source"),
        converted_contact_id: None,
        owner_id: owner(row.raw("Contact owner")).map(|u| u.id),
        created_at: row.timestamp("Create Date")?,
    })
}

pub const DEAL: &[Column] = &[
    cols("Record ID", &["Deal ID", "hs_object_id"]),
    col("Deal Name"),
    col("Deal Stage"),
    col("Amount"),
    col("Close Date"),
    cols("Create Date", &["Created Date"]),
    cols(
        "Associated Company IDs",
        &["Associated Company ID", "Associated Company IDs (Primary)"],
    ),
    cols("Associated Contact IDs", &["Associated Contact ID"]),
    cols(
        "Deal owner",
        &["HubSpot Owner", "HubSpot Owner ID", "Owner"],
    ),
];

pub fn deal<F: Fields + ?Sized>(row: &Row<'_, F>) -> Result<SourceOpportunity, FieldError> {
    Ok(SourceOpportunity {
        id: record_id(row)?,
        account_id: ids(row.raw("Associated Company IDs")).into_iter().next(),
        name: row.text("Deal Name").unwrap_or_else(|| "(no name)".into()),
        stage: vocab::opportunity_stage(row.raw("Deal Stage"), None, None),
        amount: row.number("Amount")?,
        close_date: row.date("Close Date")?,
        created_at: row.timestamp("Create Date")?,
        owner_id: owner(row.raw("Deal owner")).map(|u| u.id),
        campaign_id: None,
        contact_ids: ids(row.raw("Associated Contact IDs")),
    })
}

#[cfg(test)]
mod tests {
    use super::super::columns::Layout;
    use super::*;

    #[test]
    fn excel_resaved_headers_and_association_lists() {
        let layout = Layout::new(
            [
                "\u{feff}Record ID",
                "First Name",
                "Email",
                "Associated Company IDs",
                "Lead Status",
            ],
            CONTACT,
            &["Record ID"],
        )
        .unwrap();
        let row = vec!["101.0", "Ada", "ada@acme.com", " 7;9;7 ", "NEW"];
        let c = contact(&layout.row(&row)).unwrap();
        assert_eq!(c.id, "101");
        assert_eq!(c.account_id.as_deref(), Some("7"));
        assert_eq!(c.status, Some(ContactStatus::Active));
        assert_eq!(ids("7; 9;;7"), vec!["7".to_string(), "9".to_string()]);
    }

    #[test]
    fn an_owner_written_as_an_email_or_a_name_is_one_user_either_way() {
        let by_email = owner(" Jane.Doe@Example.com ").unwrap();
        assert_eq!(by_email.id, "jane.doe@example.com");
        assert_eq!(
            by_email.email.as_ref().map(|e| e.as_str()),
            Some("jane.doe@example.com")
        );
        let by_name = owner("Doe,  Jane").unwrap();
        assert_eq!(by_name.id, "Doe, Jane");
        assert_eq!(by_name.email, None);
        assert_eq!(by_name.display_name(), "Jane Doe");
        assert_eq!(owner("Jane Doe").unwrap().display_name(), "Jane Doe");
        assert_eq!(owner("  "), None);

        let layout = Layout::new(
            ["Record ID", "Deal Name", "Deal owner"],
            DEAL,
            &["Record ID"],
        )
        .unwrap();
        let deal = deal(&layout.row(&vec!["9", "Pilot", "JANE.DOE@example.com"])).unwrap();
        assert_eq!(deal.owner_id.as_deref(), Some("jane.doe@example.com"));
    }

    #[test]
    fn a_company_needs_a_name_or_a_domain() {
        let layout = Layout::new(
            ["Record ID", "Name", "Company Domain Name"],
            COMPANY,
            &["Record ID"],
        )
        .unwrap();
        let c = company(&layout.row(&vec!["5", "", "acme.com"])).unwrap();
        assert_eq!(c.name, "acme.com");
        assert_eq!(c.domains, vec!["acme.com".to_string()]);
        assert!(company(&layout.row(&vec!["6", "", ""])).is_err());
    }
}
