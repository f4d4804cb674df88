//! The picklist values of leads-based CRMs, mapped onto abcrm's: lead statuses to contact
//! statuses, opportunity stages, account types, contact roles, campaign types and member
//! statuses, task kinds. Labels are compared without case, spaces or punctuation, so the API
//! value `closedwon` and the label `Closed Won` are one. Unknown values map to none (the
//! default applies) rather than failing a row: every org customizes its picklists.

use crate::model::{
    ActivityKind, BuyingRole, CampaignKind, ContactStatus, MemberStatus, OpportunityStage,
    Relationship,
};

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A lead's status (Salesforce `Status`, HubSpot `Lead Status`): open and working leads are
/// active; nurturing, unqualified and closed-unconverted ones are nurture.
pub fn lead_status(v: &str) -> Option<ContactStatus> {
    let s = squash(v);
    if s.is_empty() {
        return None;
    }
    const NURTURE: [&str; 8] = [
        "nurtur",
        "unqualif",
        "disqualif",
        "notconverted",
        "badtiming",
        "recycl",
        "dead",
        "junk",
    ];
    if NURTURE.iter().any(|n| s.contains(n)) {
        return Some(ContactStatus::Nurture);
    }
    if s.contains("unsubscrib") || s.contains("optedout") {
        return Some(ContactStatus::Unsubscribed);
    }
    Some(ContactStatus::Active)
}

/// An opportunity or deal stage. `closed`/`won` (Salesforce's IsClosed/IsWon) decide when the
/// stage's label does not say.
pub fn opportunity_stage(
    v: &str,
    closed: Option<bool>,
    won: Option<bool>,
) -> Option<OpportunityStage> {
    use OpportunityStage::*;
    let s = squash(v);
    let by_label = if s.contains("closedwon") || s == "won" {
        Some(ClosedWon)
    } else if s.contains("closedlost") || s == "lost" || s.contains("disqualified") {
        Some(ClosedLost)
    } else if s.contains("negotiat") || s.contains("contractsent") || s.contains("commit") {
        Some(Negotiation)
    } else if s.contains("proposal")
        || s.contains("quote")
        || s.contains("valueproposition")
        || s.contains("decisionmaker")
        || s.contains("perception")
        || s.contains("presentation")
    {
        Some(Proposal)
    } else if s.contains("qualif") || s.contains("needsanalysis") || s.contains("discovery") {
        Some(Qualification)
    } else if s.contains("prospect") || s.contains("appointment") || s.contains("new") {
        Some(Prospecting)
    } else {
        None
    };
    match (closed, won) {
        (_, Some(true)) => Some(ClosedWon),
        (Some(true), _) if by_label != Some(ClosedWon) => Some(ClosedLost),
        _ => by_label
            .or(Some(Prospecting))
            .filter(|_| !s.is_empty() || closed.is_some()),
    }
}

/// An account's type (Salesforce `Type`) or a company's lifecycle stage (HubSpot).
pub fn relationship(v: &str) -> Option<Relationship> {
    let s = squash(v);
    if s.contains("former") || s.contains("churn") {
        Some(Relationship::FormerCustomer)
    } else if s.contains("customer") || s.contains("evangelist") {
        Some(Relationship::Customer)
    } else if s.contains("partner") || s.contains("reseller") {
        Some(Relationship::Partner)
    } else if s.contains("competitor") {
        Some(Relationship::Competitor)
    } else if s.is_empty() {
        None
    } else {
        Some(Relationship::Prospect)
    }
}

/// A contact role on an opportunity.
pub fn buying_role(v: &str) -> Option<BuyingRole> {
    let s = squash(v);
    if s.contains("economic") || s.contains("decisionmaker") || s.contains("budget") {
        Some(BuyingRole::EconomicBuyer)
    } else if s.contains("champion") || s.contains("sponsor") {
        Some(BuyingRole::Champion)
    } else if s.contains("technical") || s.contains("evaluat") {
        Some(BuyingRole::Evaluator)
    } else if s.contains("influenc") {
        Some(BuyingRole::Influencer)
    } else if s.contains("blocker") {
        Some(BuyingRole::Blocker)
    } else if s.contains("user") {
        Some(BuyingRole::User)
    } else {
        None
    }
}

/// A campaign's type.
pub fn campaign_kind(v: &str) -> Option<CampaignKind> {
    let s = squash(v);
    if s.is_empty() {
        None
    } else if s.contains("webinar") {
        Some(CampaignKind::Webinar)
    } else if s.contains("email") {
        Some(CampaignKind::Email)
    } else if s.contains("conference") || s.contains("tradeshow") || s.contains("event") {
        Some(CampaignKind::Event)
    } else if s.contains("advert")
        || s.contains("banner")
        || s.contains("paid")
        || s.contains("ads")
    {
        Some(CampaignKind::Paid)
    } else if s.contains("content") || s.contains("whitepaper") || s.contains("ebook") {
        Some(CampaignKind::Content)
    } else {
        Some(CampaignKind::Other)
    }
}

/// A campaign member's status.
pub fn member_status(v: &str) -> Option<MemberStatus> {
    let s = squash(v);
    if s.contains("attend") {
        Some(MemberStatus::Attended)
    } else if s.contains("regist") {
        Some(MemberStatus::Registered)
    } else if s.contains("respond") || s.contains("clicked") || s.contains("opened") {
        Some(MemberStatus::Responded)
    } else if s.contains("sent") {
        Some(MemberStatus::Sent)
    } else {
        None
    }
}

/// A task's kind (Salesforce `TaskSubtype` or `Type`); `None` for a plain to-do.
pub fn task_kind(subtype: &str, kind: &str) -> ActivityKind {
    for v in [subtype, kind] {
        let s = squash(v);
        if s.contains("call") {
            return ActivityKind::Call;
        }
        if s.contains("meeting") {
            return ActivityKind::Meeting;
        }
        if s.contains("email") {
            return ActivityKind::Email;
        }
    }
    ActivityKind::Email
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salesforce_and_hubspot_picklists() {
        assert_eq!(
            lead_status("Open - Not Contacted"),
            Some(ContactStatus::Active)
        );
        assert_eq!(
            lead_status("Working - Contacted"),
            Some(ContactStatus::Active)
        );
        assert_eq!(lead_status("Nurturing"), Some(ContactStatus::Nurture));
        assert_eq!(
            lead_status("Closed - Not Converted"),
            Some(ContactStatus::Nurture)
        );
        assert_eq!(lead_status("UNQUALIFIED"), Some(ContactStatus::Nurture));
        assert_eq!(lead_status("IN_PROGRESS"), Some(ContactStatus::Active));
        assert_eq!(lead_status(""), None);

        use OpportunityStage::*;
        assert_eq!(opportunity_stage("Closed Won", None, None), Some(ClosedWon));
        assert_eq!(
            opportunity_stage("closedlost", None, None),
            Some(ClosedLost)
        );
        assert_eq!(
            opportunity_stage("Id. Decision Makers", None, None),
            Some(Proposal)
        );
        assert_eq!(
            opportunity_stage("Needs Analysis", None, None),
            Some(Qualification)
        );
        assert_eq!(
            opportunity_stage("Negotiation/Review", None, None),
            Some(Negotiation)
        );
        assert_eq!(
            opportunity_stage("appointmentscheduled", None, None),
            Some(Prospecting)
        );
        // A custom closed stage: the flags decide.
        assert_eq!(
            opportunity_stage("Lost to budget", Some(true), Some(false)),
            Some(ClosedLost)
        );
        assert_eq!(
            opportunity_stage("Signed", Some(true), Some(true)),
            Some(ClosedWon)
        );
        assert_eq!(opportunity_stage("Stage 7", None, None), Some(Prospecting));

        assert_eq!(
            relationship("Customer - Direct"),
            Some(Relationship::Customer)
        );
        assert_eq!(
            relationship("Channel Partner / Reseller"),
            Some(Relationship::Partner)
        );
        assert_eq!(
            relationship("Former Customer"),
            Some(Relationship::FormerCustomer)
        );
        assert_eq!(
            buying_role("Decision Maker"),
            Some(BuyingRole::EconomicBuyer)
        );
        assert_eq!(buying_role("Technical Buyer"), Some(BuyingRole::Evaluator));
        assert_eq!(buying_role("Business User"), Some(BuyingRole::User));
        assert_eq!(buying_role("Other"), None);
        assert_eq!(campaign_kind("Trade Show"), Some(CampaignKind::Event));
        assert_eq!(member_status("Responded"), Some(MemberStatus::Responded));
        assert_eq!(task_kind("Call", ""), ActivityKind::Call);
    }
}
