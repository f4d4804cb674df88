//! Account merges: two accounts for one company (an import made the second) become one. The
//! rules here decide the surviving account's fields and whether the hierarchy allows the
//! merge; the store moves the rows.

use super::{Account, Side};
use crate::ids::AccountId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The account fields a merge decides, and which side each takes when the caller chooses.
/// A field not chosen keeps the survivor's value, or takes the merged account's when the
/// survivor's is empty. Domains are always the union of both; relationship goes with stage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountMergeChoices {
    pub name: Option<Side>,
    pub duns: Option<Side>,
    pub parent_id: Option<Side>,
    pub industry: Option<Side>,
    pub employees: Option<Side>,
    pub annual_revenue: Option<Side>,
    pub country: Option<Side>,
    pub state: Option<Side>,
    pub city: Option<Side>,
    pub owner_id: Option<Side>,
    pub target_tier: Option<Side>,
    /// The stage, and the relationship that goes with it. The stage rules run after the
    /// merge and may move it on (a won deal the merged account brought makes a customer).
    pub stage: Option<Side>,
}

/// The names of the fields [`AccountMergeChoices`] decides, in the order pages show them.
pub const ACCOUNT_MERGE_FIELDS: [&str; 12] = [
    "name",
    "duns",
    "parent_id",
    "industry",
    "employees",
    "annual_revenue",
    "country",
    "state",
    "city",
    "owner_id",
    "target_tier",
    "stage",
];

impl AccountMergeChoices {
    /// The choice made for `field` (one of [`ACCOUNT_MERGE_FIELDS`]), `None` for any other name.
    pub fn side_mut(&mut self, field: &str) -> Option<&mut Option<Side>> {
        Some(match field {
            "name" => &mut self.name,
            "duns" => &mut self.duns,
            "parent_id" => &mut self.parent_id,
            "industry" => &mut self.industry,
            "employees" => &mut self.employees,
            "annual_revenue" => &mut self.annual_revenue,
            "country" => &mut self.country,
            "state" => &mut self.state,
            "city" => &mut self.city,
            "owner_id" => &mut self.owner_id,
            "target_tier" => &mut self.target_tier,
            "stage" => &mut self.stage,
            _ => return None,
        })
    }
}

/// An account merge as recorded, enough to undo it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AccountMerge {
    pub id: i64,
    pub survivor_id: AccountId,
    pub merged_id: AccountId,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub undone_at: Option<DateTime<Utc>>,
    /// The surviving account after the merge (or after the undo).
    pub survivor: Account,
    /// How many rows the merge moved to the survivor, by table (`contacts`, `opportunities`,
    /// `activities`, `assets`, `subsidiaries`, `domains`, ...).
    #[schema(value_type = Object)]
    pub moved: std::collections::BTreeMap<String, usize>,
}

/// The surviving account's fields after merging `merged` into `survivor`: each field takes the
/// chosen side, else the survivor's value, else the merged account's when the survivor's is
/// empty. Domains are the survivor's followed by the merged account's. The survivor keeps its id
/// and takes the earlier creation time (the company was known from then).
pub fn survive_account(
    survivor: &Account,
    merged: &Account,
    choices: &AccountMergeChoices,
) -> Account {
    fn pick<T: Clone>(choice: Option<Side>, survivor: &Option<T>, merged: &Option<T>) -> Option<T> {
        match choice {
            Some(Side::Survivor) => survivor.clone(),
            Some(Side::Merged) => merged.clone(),
            None => survivor.clone().or_else(|| merged.clone()),
        }
    }
    let mut out = survivor.clone();
    if choices.name == Some(Side::Merged) {
        out.name = merged.name.clone();
    }
    for d in &merged.domains {
        if !out.domains.contains(d) {
            out.domains.push(d.clone());
        }
    }
    out.duns = pick(choices.duns, &survivor.duns, &merged.duns);
    out.parent_id = pick(choices.parent_id, &survivor.parent_id, &merged.parent_id)
        // The merged account is gone, and the survivor cannot be its own parent.
        .filter(|p| *p != merged.id && *p != survivor.id);
    out.industry = pick(choices.industry, &survivor.industry, &merged.industry);
    out.employees = pick(choices.employees, &survivor.employees, &merged.employees);
    out.annual_revenue = pick(
        choices.annual_revenue,
        &survivor.annual_revenue,
        &merged.annual_revenue,
    );
    out.country = pick(choices.country, &survivor.country, &merged.country);
    out.state = pick(choices.state, &survivor.state, &merged.state);
    out.city = pick(choices.city, &survivor.city, &merged.city);
    out.owner_id = pick(choices.owner_id, &survivor.owner_id, &merged.owner_id);
    out.target_tier = pick(
        choices.target_tier,
        &survivor.target_tier,
        &merged.target_tier,
    );
    if choices.stage == Some(Side::Merged) {
        out.stage = merged.stage;
        out.relationship = merged.relationship;
    }
    out.created_at = survivor.created_at.min(merged.created_at);
    out
}

/// The survivor after undoing a merge: each field that still holds the value the merge gave it
/// goes back to its value before the merge; a field someone changed since keeps that change.
/// Domains the merge brought are taken off (they go back to the merged account); domains
/// added since stay. Stage and relationship are left to the stage rules, which run after.
pub fn unmerge_account(current: &Account, before: &Account, after: &Account) -> Account {
    fn back<T: Clone + PartialEq>(now: &T, before: &T, after: &T) -> T {
        if now == after {
            before.clone()
        } else {
            now.clone()
        }
    }
    let mut out = current.clone();
    out.name = back(&current.name, &before.name, &after.name);
    out.domains = current
        .domains
        .iter()
        .filter(|d| before.domains.contains(d) || !after.domains.contains(d))
        .cloned()
        .collect();
    out.duns = back(&current.duns, &before.duns, &after.duns);
    out.parent_id = back(&current.parent_id, &before.parent_id, &after.parent_id);
    out.industry = back(&current.industry, &before.industry, &after.industry);
    out.employees = back(&current.employees, &before.employees, &after.employees);
    out.annual_revenue = back(
        &current.annual_revenue,
        &before.annual_revenue,
        &after.annual_revenue,
    );
    out.country = back(&current.country, &before.country, &after.country);
    out.state = back(&current.state, &before.state, &after.state);
    out.city = back(&current.city, &before.city, &after.city);
    out.owner_id = back(&current.owner_id, &before.owner_id, &after.owner_id);
    out.target_tier = back(
        &current.target_tier,
        &before.target_tier,
        &after.target_tier,
    );
    out.created_at = before.created_at;
    out
}

/// Decides whether the hierarchy allows merging `merged` into `survivor`, whose parent after
/// the merge would be `new_parent`. `survivor_chain` is the survivor's ancestry and
/// `parent_chain` the new parent's, nearest first, as stored now. The merged account's
/// subsidiaries become the survivor's, so the merged account may not be above the survivor
/// (the survivor would become its own parent), and the new parent may not be below either
/// account. The error says what to do instead.
pub fn check_account_merge(
    survivor: AccountId,
    merged: AccountId,
    survivor_chain: &[AccountId],
    new_parent: Option<AccountId>,
    parent_chain: &[AccountId],
) -> Result<(), String> {
    if survivor == merged {
        return Err(format!(
            "account {survivor} cannot be merged into itself; name two different accounts"
        ));
    }
    if survivor_chain.contains(&merged) {
        return Err(format!(
            "account {merged} is above account {survivor} in the hierarchy, so account {survivor} would become its own parent; merge account {survivor} into account {merged} instead"
        ));
    }
    if let Some(p) = new_parent {
        if p == survivor
            || p == merged
            || parent_chain.contains(&survivor)
            || parent_chain.contains(&merged)
        {
            return Err(format!(
                "account {p}, the parent the merge would give account {survivor}, is below account {survivor} or account {merged}, which would close a loop; keep the survivor's parent (choose \"survivor\" for parent_id) or change account {p}'s parent first"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AccountStage, Relationship};
    use chrono::TimeZone;

    fn account(id: i64, day: u32) -> Account {
        let t = Utc.with_ymd_and_hms(2026, 3, day, 0, 0, 0).unwrap();
        Account {
            id: AccountId(id),
            name: format!("Account {id}"),
            domains: Vec::new(),
            duns: None,
            parent_id: None,
            industry: None,
            employees: None,
            annual_revenue: None,
            country: None,
            state: None,
            city: None,
            relationship: Relationship::Prospect,
            stage: AccountStage::Target,
            owner_id: None,
            target_tier: None,
            created_at: t,
            updated_at: t,
        }
    }

    #[test]
    fn the_survivor_wins_and_its_empty_fields_are_filled_from_the_merged_account() {
        let mut s = account(1, 10);
        s.industry = Some("Software".into());
        s.domains = vec!["acme.com".into()];
        let mut m = account(2, 2);
        m.industry = Some("Retail".into());
        m.employees = Some(500);
        m.domains = vec!["acme.io".into(), "acme.com".into()];
        let out = survive_account(&s, &m, &AccountMergeChoices::default());
        assert_eq!(out.id, AccountId(1));
        assert_eq!(out.name, "Account 1");
        assert_eq!(out.industry.as_deref(), Some("Software"));
        assert_eq!(
            out.employees,
            Some(500),
            "an empty survivor field is filled"
        );
        assert_eq!(out.domains, ["acme.com", "acme.io"], "domains are unioned");
        assert_eq!(out.created_at, m.created_at, "the earlier creation time");
    }

    #[test]
    fn a_choice_takes_the_merged_value_even_over_a_full_survivor_field() {
        let mut s = account(1, 1);
        s.industry = Some("Software".into());
        s.employees = Some(10);
        let mut m = account(2, 2);
        m.industry = Some("Retail".into());
        m.stage = AccountStage::Customer;
        m.relationship = Relationship::Customer;
        let choices = AccountMergeChoices {
            name: Some(Side::Merged),
            industry: Some(Side::Merged),
            employees: Some(Side::Merged),
            stage: Some(Side::Merged),
            ..AccountMergeChoices::default()
        };
        let out = survive_account(&s, &m, &choices);
        assert_eq!(out.name, "Account 2");
        assert_eq!(out.industry.as_deref(), Some("Retail"));
        assert_eq!(out.employees, None, "a chosen empty value wins");
        assert_eq!(
            (out.stage, out.relationship),
            (AccountStage::Customer, Relationship::Customer)
        );
    }

    #[test]
    fn the_merged_account_is_never_the_survivors_parent() {
        let s = account(1, 1);
        let mut m = account(2, 2);
        m.parent_id = Some(AccountId(1));
        let choices = AccountMergeChoices {
            parent_id: Some(Side::Merged),
            ..AccountMergeChoices::default()
        };
        assert_eq!(survive_account(&s, &m, &choices).parent_id, None);
    }

    #[test]
    fn undoing_restores_merged_values_but_keeps_later_edits_and_domains() {
        let mut before = account(1, 1);
        before.domains = vec!["acme.com".into()];
        let mut m = account(2, 2);
        m.industry = Some("Retail".into());
        m.city = Some("Oslo".into());
        m.domains = vec!["acme.io".into()];
        let after = survive_account(&before, &m, &AccountMergeChoices::default());
        let mut current = after.clone();
        current.city = Some("Bergen".into());
        current.domains.push("acme.net".into());
        let undone = unmerge_account(&current, &before, &after);
        assert_eq!(undone.industry, None);
        assert_eq!(undone.city.as_deref(), Some("Bergen"), "a later edit stays");
        assert_eq!(undone.domains, ["acme.com", "acme.net"]);
    }

    #[test]
    fn a_merge_that_would_close_a_loop_is_refused_with_what_to_do() {
        let (s, m) = (AccountId(1), AccountId(2));
        assert!(check_account_merge(s, s, &[], None, &[]).is_err());
        let up = check_account_merge(s, m, &[AccountId(5), m], None, &[]).unwrap_err();
        assert!(
            up.contains("merge account 1 into account 2 instead"),
            "{up}"
        );
        // The merged account's parent (7) sits below the survivor.
        let below =
            check_account_merge(s, m, &[], Some(AccountId(7)), &[AccountId(4), s]).unwrap_err();
        assert!(below.contains("keep the survivor's parent"), "{below}");
        // Below the merged account: its subsidiaries become the survivor's.
        assert!(check_account_merge(s, m, &[], Some(AccountId(7)), &[m]).is_err());
        assert!(check_account_merge(s, m, &[AccountId(9)], Some(AccountId(9)), &[]).is_ok());
    }
}
