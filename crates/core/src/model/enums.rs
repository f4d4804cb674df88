//! The closed vocabularies of the model. Each is stored and sent as its snake_case name.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use utoipa::ToSchema;

/// A string that is not one of an enum's names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {kind}; expected one of: {expected}")]
pub struct UnknownVariant {
    /// The vocabulary, e.g. "buying role".
    pub kind: &'static str,
    /// What was given.
    pub value: String,
    /// The accepted names, comma-separated.
    pub expected: String,
}

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident, $kind:literal { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in the model's natural order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and serialized name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownVariant;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
                Self::ALL.iter().copied().find(|v| v.as_str() == wanted).ok_or_else(|| UnknownVariant {
                    kind: $kind,
                    value: s.to_string(),
                    expected: Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                })
            }
        }
    };
}

vocabulary!(
    /// How the account relates to us.
    Relationship, "relationship" {
        Prospect => "prospect",
        Customer => "customer",
        Partner => "partner",
        Competitor => "competitor",
        FormerCustomer => "former_customer",
    }
);

vocabulary!(
    /// Where the account stands in the account funnel.
    AccountStage, "account stage" {
        Target => "target",
        Engaged => "engaged",
        Qualified => "qualified",
        Opportunity => "opportunity",
        Customer => "customer",
        FormerCustomer => "former_customer",
    }
);

vocabulary!(
    /// How senior a contact is, usually parsed from the title.
    Seniority, "seniority" {
        /// Chief officers, presidents, founders, owners.
        CLevel => "c_level",
        /// Vice presidents and heads of.
        Vp => "vp",
        Director => "director",
        Manager => "manager",
        IndividualContributor => "individual_contributor",
    }
);

impl Seniority {
    /// A rank for "at or above" comparisons: C-level is 5, individual contributor 1.
    pub fn rank(self) -> u8 {
        match self {
            Seniority::CLevel => 5,
            Seniority::Vp => 4,
            Seniority::Director => 3,
            Seniority::Manager => 2,
            Seniority::IndividualContributor => 1,
        }
    }
}

vocabulary!(
    /// The function a contact works in.
    Department, "department" {
        Executive => "executive",
        Engineering => "engineering",
        It => "it",
        Product => "product",
        Marketing => "marketing",
        Sales => "sales",
        Finance => "finance",
        Operations => "operations",
        HumanResources => "human_resources",
        Legal => "legal",
        Support => "support",
        Procurement => "procurement",
        Other => "other",
    }
);

vocabulary!(
    /// The part a contact plays in the account's buying center.
    BuyingRole, "buying role" {
        EconomicBuyer => "economic_buyer",
        Champion => "champion",
        Influencer => "influencer",
        Evaluator => "evaluator",
        User => "user",
        Blocker => "blocker",
    }
);

vocabulary!(
    /// Whether a contact is worked, nurtured or gone.
    ContactStatus, "contact status" {
        Active => "active",
        Nurture => "nurture",
        Unsubscribed => "unsubscribed",
        LeftCompany => "left_company",
    }
);

vocabulary!(
    /// The stage of an opportunity.
    OpportunityStage, "opportunity stage" {
        Prospecting => "prospecting",
        Qualification => "qualification",
        Proposal => "proposal",
        Negotiation => "negotiation",
        ClosedWon => "closed_won",
        ClosedLost => "closed_lost",
    }
);

impl OpportunityStage {
    /// True until the opportunity is won or lost.
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            OpportunityStage::ClosedWon | OpportunityStage::ClosedLost
        )
    }
}

vocabulary!(
    /// What kind of touch an activity records.
    ActivityKind, "activity kind" {
        Email => "email",
        WebVisit => "web_visit",
        Form => "form",
        Webinar => "webinar",
        Event => "event",
        Meeting => "meeting",
        Call => "call",
        /// What someone on our side wrote about the record; the person did nothing.
        Note => "note",
    }
);

impl ActivityKind {
    /// True for what the person did or answered (an email, a visit, a call, ...), which scoring,
    /// "engaged" and the activity trend count; false for a note, which only records what we wrote.
    pub fn is_touch(self) -> bool {
        !matches!(self, ActivityKind::Note)
    }
}

vocabulary!(
    /// The channel of a campaign.
    CampaignKind, "campaign kind" {
        Email => "email",
        Webinar => "webinar",
        Event => "event",
        Content => "content",
        Paid => "paid",
        Other => "other",
    }
);

impl CampaignKind {
    /// The kind of activity a person's answer to such a campaign is: attending a webinar or an
    /// event, filling a form for the others (a download, a landing page, a reply form).
    pub fn response_activity(self) -> ActivityKind {
        match self {
            CampaignKind::Webinar => ActivityKind::Webinar,
            CampaignKind::Event => ActivityKind::Event,
            CampaignKind::Email
            | CampaignKind::Content
            | CampaignKind::Paid
            | CampaignKind::Other => ActivityKind::Form,
        }
    }
}

vocabulary!(
    /// How far a campaign member got.
    MemberStatus, "campaign member status" {
        Sent => "sent",
        Registered => "registered",
        Attended => "attended",
        Responded => "responded",
    }
);

vocabulary!(
    /// What a user may do.
    Role, "role" {
        /// Everything, including users and tokens.
        Admin => "admin",
        /// Accounts, contacts, opportunities, activities.
        Sales => "sales",
        /// Contacts, campaigns, segments, activities.
        Marketing => "marketing",
        /// Reads only.
        ReadOnly => "read_only",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_forgivingly_and_round_trip() {
        assert_eq!(
            "Economic Buyer".parse::<BuyingRole>(),
            Ok(BuyingRole::EconomicBuyer)
        );
        assert_eq!(
            "closed-won".parse::<OpportunityStage>(),
            Ok(OpportunityStage::ClosedWon)
        );
        for r in BuyingRole::ALL {
            assert_eq!(r.as_str().parse::<BuyingRole>(), Ok(*r));
        }
    }

    #[test]
    fn an_unknown_name_lists_the_accepted_ones() {
        let err = "boss".parse::<BuyingRole>().unwrap_err();
        assert!(err.to_string().contains("economic_buyer, champion"));
    }
}

vocabulary!(
    /// What intake did with a raw person record.
    IntakeOutcome, "intake outcome" {
        /// Merged into an existing contact.
        Matched => "matched",
        /// A new contact (under a matched or a new account).
        Created => "created",
        /// Waiting for a person to choose the account.
        NeedsReview => "needs_review",
        /// Nothing to keep: no name and no email, or rejected in review.
        Rejected => "rejected",
    }
);

vocabulary!(
    /// What a saved segment selects.
    SegmentTarget, "segment target" {
        /// People (each with their account's fields in reach).
        Contact => "contact",
        /// Companies.
        Account => "account",
    }
);

impl SegmentTarget {
    /// The filter language's view of the target.
    pub fn filter_target(self) -> crate::filter::Target {
        match self {
            SegmentTarget::Contact => crate::filter::Target::Contacts,
            SegmentTarget::Account => crate::filter::Target::Accounts,
        }
    }
}
