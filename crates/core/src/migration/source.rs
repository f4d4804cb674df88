//! An exported org as abcrm reads it, whichever CRM wrote it: accounts, the people (contacts
//! and leads), opportunities and their contact roles, campaigns and members, activities and
//! users, each keyed by its id in the source. Ids are kept as the source spells them after
//! normalization (Salesforce's 18-character form; HubSpot's record ids as written).

pub use crate::intake::CompanyFacts;
use crate::matching::PersonRecord;
use crate::model::{
    ActivityKind, BuyingRole, CampaignKind, ContactStatus, MemberStatus, OpportunityStage,
    Relationship,
};
use crate::normalize::Email;
use chrono::{DateTime, NaiveDate, Utc};

/// The source object a person came from: the `source_object` column of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PersonObject {
    Contact,
    Lead,
}

impl PersonObject {
    pub fn as_str(self) -> &'static str {
        match self {
            PersonObject::Contact => "contact",
            PersonObject::Lead => "lead",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceAccount {
    pub id: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub website: Option<String>,
    /// Extra domains (HubSpot's company domain beside its website).
    pub domains: Vec<String>,
    pub duns: Option<String>,
    pub industry: Option<String>,
    pub employees: Option<i64>,
    pub annual_revenue: Option<f64>,
    pub country: Option<String>,
    pub state: Option<String>,
    pub city: Option<String>,
    pub relationship: Option<Relationship>,
    pub owner_id: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
}

/// A contact or a lead. `record` holds what the matcher reads (a lead's company fields are
/// observations there, never account facts); `company_facts` are the firmographics a lead
/// carried, which seed an account only when the migration creates one from this lead.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourcePerson {
    pub id: String,
    pub object: Option<PersonObject>,
    /// The account the source already put the person under (contacts; HubSpot's first
    /// associated company).
    pub account_id: Option<String>,
    pub record: PersonRecord,
    pub company_facts: CompanyFacts,
    pub status: Option<ContactStatus>,
    pub source: Option<String>,
    /// A converted lead: the contact it became.
    pub converted_contact_id: Option<String>,
    pub owner_id: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
}

impl SourcePerson {
    pub fn object(&self) -> PersonObject {
        self.object.unwrap_or(PersonObject::Contact)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceOpportunity {
    pub id: String,
    pub account_id: Option<String>,
    pub name: String,
    pub stage: Option<OpportunityStage>,
    pub amount: Option<f64>,
    pub close_date: Option<NaiveDate>,
    /// The sales cycle's start.
    pub created_at: Option<DateTime<Utc>>,
    pub owner_id: Option<String>,
    pub campaign_id: Option<String>,
    /// People on the deal (HubSpot lists them on the deal; Salesforce in OpportunityContactRole).
    pub contact_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceContactRole {
    pub opportunity_id: String,
    pub contact_id: String,
    pub role: Option<BuyingRole>,
    pub primary: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceCampaign {
    pub id: String,
    pub name: String,
    pub kind: Option<CampaignKind>,
    pub starts_on: Option<NaiveDate>,
}

/// A campaign membership of a contact or a lead.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceMember {
    pub campaign_id: String,
    pub person_id: String,
    pub status: Option<MemberStatus>,
    pub joined_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SourceActivity {
    pub id: String,
    /// The contact or lead it involved.
    pub person_id: Option<String>,
    pub account_id: Option<String>,
    pub opportunity_id: Option<String>,
    pub kind: ActivityKind,
    pub subject: Option<String>,
    /// Salesforce's `Description`: the call's notes, the meeting's minutes.
    pub body: Option<String>,
    pub occurred_at: Option<DateTime<Utc>>,
}

/// A user of the source CRM: the owner of accounts, people and opportunities. Salesforce lists
/// them in `User.csv`; HubSpot writes each owner into the owner columns by name or email, and
/// such an owner is a user with that name or email as its id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceUser {
    pub id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// The full name, when the export writes it in one column.
    pub name: Option<String>,
    /// Normalized; a user without one can only match an abcrm user by name.
    pub email: Option<Email>,
    /// Deactivated in the source (`IsActive` false): still the owner of its history.
    pub inactive: bool,
}

impl SourceUser {
    /// The name an abcrm user made from this one gets: first and last name, else the full
    /// name, else the email's local part, else the id.
    pub fn display_name(&self) -> String {
        let parts: Vec<&str> = [&self.first_name, &self.last_name]
            .into_iter()
            .filter_map(|p| p.as_deref().map(str::trim).filter(|p| !p.is_empty()))
            .collect();
        if !parts.is_empty() {
            return parts.join(" ");
        }
        self.name
            .clone()
            .or_else(|| {
                self.email
                    .as_ref()
                    .map(|e| e.as_str().split('@').next().unwrap_or_default().to_string())
            })
            .unwrap_or_else(|| self.id.clone())
    }
}
