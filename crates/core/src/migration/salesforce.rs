//! Salesforce's data export: one CSV per object with API field names as headers (`Account.csv`,
//! `Lead.csv`, ...). Ids arrive as 15 or 18 characters and leave as 18; a reference that is not
//! an id is an error on its column.

use super::columns::{col, cols, Column, FieldError, Fields, Row};
use super::sfid;
use super::source::*;
use super::vocab;
use crate::matching::PersonRecord;
use crate::model::{ActivityKind, ContactStatus};
use crate::normalize::Email;

/// The files of an export, in the order they are read (each may be missing).
pub const FILES: [&str; 10] = [
    "User.csv",
    "Account.csv",
    "Contact.csv",
    "Lead.csv",
    "Campaign.csv",
    "CampaignMember.csv",
    "Opportunity.csv",
    "OpportunityContactRole.csv",
    "Task.csv",
    "Event.csv",
];

fn id<F: Fields + ?Sized>(row: &Row<'_, F>, name: &str) -> Result<String, FieldError> {
    let v = row.with(name, sfid::reference)?;
    row.required(name, v)
}

fn reference<F: Fields + ?Sized>(
    row: &Row<'_, F>,
    name: &str,
) -> Result<Option<String>, FieldError> {
    row.with(name, sfid::reference)
}

pub const USER: &[Column] = &[
    col("Id"),
    col("FirstName"),
    col("LastName"),
    cols("Name", &["FullName"]),
    col("Email"),
    col("Username"),
    col("IsActive"),
];

/// A row of `User.csv`. The email identifies the user in abcrm; without one, the username
/// (which Salesforce writes as an address) stands in.
pub fn user<F: Fields + ?Sized>(row: &Row<'_, F>) -> Result<SourceUser, FieldError> {
    let id = id(row, "Id")?;
    let email = match (row.text("Email"), row.text("Username")) {
        (Some(e), _) => Some(("Email", e)),
        (None, Some(u)) => Some(("Username", u)),
        (None, None) => None,
    };
    let email = match email {
        Some((column, e)) => Some(Email::parse(&e).map_err(|err| FieldError {
            column: column.into(),
            message: format!("{e:?} is not an email address ({err})"),
        })?),
        None => {
            return Err(FieldError {
                column: "Email".into(),
                message: "and Username are both empty; an abcrm user needs an email".into(),
            })
        }
    };
    Ok(SourceUser {
        id,
        first_name: row.text("FirstName"),
        last_name: row.text("LastName"),
        name: row.text("Name"),
        email,
        inactive: !row.boolean("IsActive")?.unwrap_or(true),
    })
}

pub const ACCOUNT: &[Column] = &[
    col("Id"),
    col("Name"),
    col("ParentId"),
    col("Website"),
    cols("DunsNumber", &["Duns", "D-U-N-S Number"]),
    col("Industry"),
    col("NumberOfEmployees"),
    col("AnnualRevenue"),
    cols("BillingCountry", &["ShippingCountry"]),
    cols("BillingState", &["ShippingState"]),
    cols("BillingCity", &["ShippingCity"]),
    col("Type"),
    col("OwnerId"),
    col("CreatedDate"),
];

pub fn account<F: Fields + ?Sized>(row: &Row<'_, F>) -> Result<SourceAccount, FieldError> {
    Ok(SourceAccount {
        id: id(row, "Id")?,
        name: row.required("Name", row.text("Name"))?,
        parent_id: reference(row, "ParentId")?,
        website: row.text("Website"),
        domains: Vec::new(),
        duns: row.text("DunsNumber"),
        industry: row.text("Industry"),
        employees: row.count("NumberOfEmployees")?,
        annual_revenue: row.number("AnnualRevenue")?,
        country: row.text("BillingCountry"),
        state: row.text("BillingState"),
        city: row.text("BillingCity"),
        relationship: vocab::relationship(row.raw("Type")),
        owner_id: reference(row, "OwnerId")?,
        created_at: row.timestamp("CreatedDate")?,
    })
}

pub const CONTACT: &[Column] = &[
    col("Id"),
    col("AccountId"),
    col("FirstName"),
    col("LastName"),
    col("Email"),
    col("Title"),
    cols("Phone", &["MobilePhone"]),
    col("MailingCountry"),
    col("MailingState"),
    col("MailingCity"),
    col("LeadSource"),
    col("OwnerId"),
    col("CreatedDate"),
    col("HasOptedOutOfEmail"),
];

pub fn contact<F: Fields + ?Sized>(row: &Row<'_, F>) -> Result<SourcePerson, FieldError> {
    let opted_out = row.boolean("HasOptedOutOfEmail")?.unwrap_or(false);
    Ok(SourcePerson {
        id: id(row, "Id")?,
        object: Some(PersonObject::Contact),
        account_id: reference(row, "AccountId")?,
        record: PersonRecord {
            first_name: row.text("FirstName"),
            last_name: row.text("LastName"),
            email: row.text("Email"),
            title: row.text("Title"),
            phone: row.text("Phone"),
            country: row.text("MailingCountry"),
            state: row.text("MailingState"),
            city: row.text("MailingCity"),
            ..PersonRecord::default()
        },
        company_facts: CompanyFacts::default(),
        status: opted_out.then_some(ContactStatus::Unsubscribed),
        source: row.text("LeadSource"),
        converted_contact_id: None,
        owner_id: reference(row, "OwnerId")?,
        created_at: row.timestamp("CreatedDate")?,
    })
}

pub const LEAD: &[Column] = &[
    col("Id"),
    col("FirstName"),
    col("LastName"),
    col("Email"),
    col("Company"),
    col("Title"),
    cols("Phone", &["MobilePhone"]),
    col("Website"),
    col("Industry"),
    col("NumberOfEmployees"),
    col("AnnualRevenue"),
    col("Country"),
    col("State"),
    col("City"),
    col("Status"),
    col("LeadSource"),
    col("IsConverted"),
    col("ConvertedContactId"),
    col("CompanyDunsNumber"),
    col("OwnerId"),
    col("CreatedDate"),
    col("HasOptedOutOfEmail"),
];

pub fn lead<F: Fields + ?Sized>(row: &Row<'_, F>) -> Result<SourcePerson, FieldError> {
    let converted = row.boolean("IsConverted")?.unwrap_or(false);
    let converted_contact_id = reference(row, "ConvertedContactId")?.filter(|_| converted);
    let opted_out = row.boolean("HasOptedOutOfEmail")?.unwrap_or(false);
    Ok(SourcePerson {
        id: id(row, "Id")?,
        object: Some(PersonObject::Lead),
        account_id: None,
        record: PersonRecord {
            first_name: row.text("FirstName"),
            last_name: row.text("LastName"),
            email: row.text("Email"),
            company: row.text("Company"),
            title: row.text("Title"),
            phone: row.text("Phone"),
            website: row.text("Website"),
            duns: row.text("CompanyDunsNumber"),
            country: row.text("Country"),
            state: row.text("State"),
            city: row.text("City"),
        },
        company_facts: CompanyFacts {
            industry: row.text("Industry"),
            employees: row.count("NumberOfEmployees")?,
            annual_revenue: row.number("AnnualRevenue")?.map(|r| r.round() as i64),
        },
        status: if opted_out {
            Some(ContactStatus::Unsubscribed)
        } else {
            vocab::lead_status(row.raw("Status"))
        },
        source: row.text("LeadSource"),
        converted_contact_id,
        owner_id: reference(row, "OwnerId")?,
        created_at: row.timestamp("CreatedDate")?,
    })
}

pub const OPPORTUNITY: &[Column] = &[
    col("Id"),
    col("AccountId"),
    col("Name"),
    col("StageName"),
    col("Amount"),
    col("CloseDate"),
    col("CreatedDate"),
    col("IsClosed"),
    col("IsWon"),
    col("OwnerId"),
    col("CampaignId"),
];

pub fn opportunity<F: Fields + ?Sized>(row: &Row<'_, F>) -> Result<SourceOpportunity, FieldError> {
    Ok(SourceOpportunity {
        id: id(row, "Id")?,
        account_id: reference(row, "AccountId")?,
        name: row.text("Name").unwrap_or_else(|| "(no name)".into()),
        stage: vocab::opportunity_stage(
            row.raw("StageName"),
            row.boolean("IsClosed")?,
            row.boolean("IsWon")?,
        ),
        amount: row.number("Amount")?,
        close_date: row.date("CloseDate")?,
        created_at: row.timestamp("CreatedDate")?,
        owner_id: reference(row, "OwnerId")?,
        campaign_id: reference(row, "CampaignId")?,
        contact_ids: Vec::new(),
    })
}

pub const CONTACT_ROLE: &[Column] = &[
    col("OpportunityId"),
    col("ContactId"),
    col("Role"),
    col("IsPrimary"),
];

pub fn contact_role<F: Fields + ?Sized>(row: &Row<'_, F>) -> Result<SourceContactRole, FieldError> {
    Ok(SourceContactRole {
        opportunity_id: id(row, "OpportunityId")?,
        contact_id: id(row, "ContactId")?,
        role: vocab::buying_role(row.raw("Role")),
        primary: row.boolean("IsPrimary")?.unwrap_or(false),
    })
}

pub const CAMPAIGN: &[Column] = &[col("Id"), col("Name"), col("Type"), col("StartDate")];

pub fn campaign<F: Fields + ?Sized>(row: &Row<'_, F>) -> Result<SourceCampaign, FieldError> {
    Ok(SourceCampaign {
        id: id(row, "Id")?,
        name: row.required("Name", row.text("Name"))?,
        kind: vocab::campaign_kind(row.raw("Type")),
        starts_on: row.date("StartDate")?,
    })
}

pub const CAMPAIGN_MEMBER: &[Column] = &[
    col("CampaignId"),
    col("LeadId"),
    col("ContactId"),
    col("Status"),
    cols("CreatedDate", &["FirstRespondedDate"]),
];

pub fn campaign_member<F: Fields + ?Sized>(row: &Row<'_, F>) -> Result<SourceMember, FieldError> {
    // A member row names its contact, or its lead; when both (a converted lead's row), the
    // contact: the lead folds into it anyway.
    let person = match reference(row, "ContactId")? {
        Some(c) => c,
        None => id(row, "LeadId").map_err(|e| FieldError {
            column: "ContactId".into(),
            message: format!("and LeadId are both empty ({})", e.message),
        })?,
    };
    Ok(SourceMember {
        campaign_id: id(row, "CampaignId")?,
        person_id: person,
        status: vocab::member_status(row.raw("Status")),
        joined_at: row.timestamp("CreatedDate")?,
    })
}

pub const TASK: &[Column] = &[
    col("Id"),
    col("WhoId"),
    col("WhatId"),
    col("AccountId"),
    col("Subject"),
    col("Description"),
    cols("ActivityDate", &["ActivityDateTime", "CreatedDate"]),
    col("TaskSubtype"),
    col("Type"),
];

/// A task; `event` for Event.csv rows, which are meetings.
pub fn activity<F: Fields + ?Sized>(
    row: &Row<'_, F>,
    event: bool,
) -> Result<SourceActivity, FieldError> {
    let what = reference(row, "WhatId")?;
    // WhatId points at any object; its key prefix says which (001 account, 006 opportunity).
    let what_account = what.clone().filter(|w| w.starts_with("001"));
    let opportunity_id = what.filter(|w| w.starts_with("006"));
    Ok(SourceActivity {
        id: id(row, "Id")?,
        person_id: reference(row, "WhoId")?,
        account_id: reference(row, "AccountId")?.or(what_account),
        opportunity_id,
        kind: if event {
            ActivityKind::Meeting
        } else {
            vocab::task_kind(row.raw("TaskSubtype"), row.raw("Type"))
        },
        subject: row.text("Subject"),
        body: row.text("Description"),
        occurred_at: row.timestamp("ActivityDate")?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::columns::Layout;
    use super::*;

    #[test]
    fn a_converted_lead_with_a_short_contact_id_reads_as_18() {
        let layout = Layout::new(
            [
                "Id",
                "LastName",
                "Company",
                "IsConverted",
                "ConvertedContactId",
                "Status",
                "Rating__c",
            ],
            LEAD,
            &["Id"],
        )
        .unwrap();
        assert_eq!(layout.unknown, vec!["Rating__c".to_string()]);
        let row = vec![
            "00Q000000000001",
            "Ng",
            "Acme",
            "yes",
            "003A000000Bc4Rw",
            "Nurturing",
            "",
        ];
        let lead = lead(&layout.row(&row)).unwrap();
        assert_eq!(lead.id, "00Q000000000001EAA");
        assert_eq!(
            lead.converted_contact_id.as_deref(),
            Some("003A000000Bc4RwIAJ")
        );
        assert_eq!(lead.status, Some(ContactStatus::Nurture));
        assert_eq!(lead.record.company.as_deref(), Some("Acme"));

        let bad = vec!["00Q000000000001", "Ng", "Acme", "maybe", "", "", ""];
        assert_eq!(
            super::lead(&layout.row(&bad)).unwrap_err().column,
            "IsConverted"
        );
    }

    #[test]
    fn a_user_with_a_short_id_reads_as_18_with_its_active_flag() {
        let layout = Layout::new(
            ["Id", "FirstName", "LastName", "Email", "IsActive", "Alias"],
            USER,
            &["Id"],
        )
        .unwrap();
        assert_eq!(layout.unknown, vec!["Alias".to_string()]);
        let active = vec![
            "005A0000001abcD",
            "Ada",
            "Byron",
            " Ada@Example.COM ",
            "1",
            "ab",
        ];
        let u = user(&layout.row(&active)).unwrap();
        assert_eq!(u.id.len(), 18);
        assert!(u.id.starts_with("005A0000001abcD"));
        assert_eq!(u.email.as_ref().map(Email::as_str), Some("ada@example.com"));
        assert_eq!(u.display_name(), "Ada Byron");
        assert!(!u.inactive);
        for (flag, inactive) in [
            ("false", true),
            ("0", true),
            ("no", true),
            ("yes", false),
            ("", false),
        ] {
            let row = vec!["005A0000001abcD", "", "", "ada@example.com", flag, ""];
            assert_eq!(
                user(&layout.row(&row)).unwrap().inactive,
                inactive,
                "{flag:?}"
            );
        }
    }

    #[test]
    fn a_user_row_without_a_usable_email_is_rejected_on_its_column() {
        let layout = Layout::new(
            ["Id", "Name", "Email", "Username", "IsActive"],
            USER,
            &["Id"],
        )
        .unwrap();
        let by_username = vec![
            "005A0000001abcD",
            "Ada Byron",
            "",
            "ada@acme.my.salesforce.com",
            "true",
        ];
        let u = user(&layout.row(&by_username)).unwrap();
        assert_eq!(
            u.email.as_ref().map(Email::as_str),
            Some("ada@acme.my.salesforce.com")
        );
        assert_eq!(u.display_name(), "Ada Byron");
        let column = |row: Vec<&str>| user(&layout.row(&row)).unwrap_err().column;
        assert_eq!(
            column(vec!["005A0000001abcD", "Ada", "", "", "true"]),
            "Email"
        );
        assert_eq!(
            column(vec!["005A0000001abcD", "Ada", "not-an-email", "", "true"]),
            "Email"
        );
        assert_eq!(
            column(vec!["005A0000001abcD", "Ada", "a@b.com", "", "maybe"]),
            "IsActive"
        );
        assert_eq!(column(vec!["", "Ada", "a@b.com", "", "true"]), "Id");
        assert_eq!(column(vec!["005-bad", "Ada", "a@b.com", "", "true"]), "Id");
    }

    #[test]
    fn an_unconverted_lead_keeps_no_converted_contact() {
        let layout =
            Layout::new(["Id", "IsConverted", "ConvertedContactId"], LEAD, &["Id"]).unwrap();
        let row = vec!["00Q000000000002", "0", "003A000000Bc4Rw"];
        assert_eq!(lead(&layout.row(&row)).unwrap().converted_contact_id, None);
    }

    #[test]
    fn task_what_ids_split_by_prefix() {
        let layout = Layout::new(["Id", "WhoId", "WhatId", "TaskSubtype"], TASK, &["Id"]).unwrap();
        let row = vec!["00T000000000001", "", "006000000000001", "Call"];
        let a = activity(&layout.row(&row), false).unwrap();
        assert_eq!(a.opportunity_id.as_deref(), Some("006000000000001AAA"));
        assert_eq!(a.account_id, None);
        assert_eq!(a.kind, ActivityKind::Call);
    }
}
