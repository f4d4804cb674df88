//! The demo: a deterministic, realistic dataset and its loader.

mod form_fills;
mod generate;
mod load;
mod words;

pub use form_fills::form_fills;
pub use generate::{generate, DemoSize};
pub use load::{load, LoadReport};

/// The segments the demo saves, as a marketer would have: name, target, filter.
pub const SAVED_SEGMENTS: &[(&str, abcrm_core::model::SegmentTarget, &str)] = &[
    (
        "CA software managers and directors, not customers",
        abcrm_core::model::SegmentTarget::Contact,
        "contact.seniority in (\"manager\", \"director\") and account.state = \"CA\" \
         and account.industry = \"Software\" \
         and account.relationship not in (\"customer\", \"former_customer\")",
    ),
    (
        "Economic buyers at customers",
        abcrm_core::model::SegmentTarget::Contact,
        "contact.buying_role = \"economic_buyer\" and account.relationship = \"customer\"",
    ),
    (
        "Large prospects",
        abcrm_core::model::SegmentTarget::Account,
        "account.employees >= 1000 and account.relationship = \"prospect\"",
    ),
];
