//! Buying-center coverage: per account, which buying roles and seniority levels are covered by
//! known contacts, penetration (engaged contacts over known contacts), and the accounts with no
//! economic buyer.

use super::ratio;
use crate::model::{BuyingRole, Seniority};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Contacts of one account with one role and seniority, and how many of them engaged.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageCell {
    pub account: i64,
    pub role: Option<BuyingRole>,
    pub seniority: Option<Seniority>,
    pub contacts: u64,
    pub engaged: u64,
}

/// One account's buying center.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AccountCoverage {
    pub account_id: i64,
    pub account_name: String,
    pub contacts: u64,
    pub engaged: u64,
    /// Engaged over known; absent with no contacts.
    pub penetration: Option<f64>,
    pub roles: Vec<BuyingRole>,
    pub missing_roles: Vec<BuyingRole>,
    pub seniorities: Vec<Seniority>,
    pub has_economic_buyer: bool,
}

/// How many accounts cover one role or seniority.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Covered {
    pub value: String,
    pub accounts: u64,
    pub share: Option<f64>,
}

/// The coverage report.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CoverageReport {
    /// What counts as engaged: an activity within this many days.
    pub engaged_days: u32,
    /// Whether a company is its whole family: each ultimate parent is one row and one account,
    /// its buying center the people of every member.
    pub family: bool,
    pub accounts: u64,
    pub accounts_with_contacts: u64,
    pub accounts_missing_economic_buyer: u64,
    /// Mean over accounts with contacts.
    pub average_penetration: Option<f64>,
    pub by_role: Vec<Covered>,
    pub by_seniority: Vec<Covered>,
    /// Per account, in id order (a page of them).
    pub rows: Vec<AccountCoverage>,
    /// The last account id listed when more follow: where the next page starts.
    #[serde(skip)]
    pub next_after: Option<i64>,
}

/// Which accounts' rows to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CoverageRows {
    /// Only accounts without an economic buyer.
    pub missing_economic_buyer: bool,
    pub after: Option<i64>,
    pub limit: usize,
}

/// Counts over every account in scope, as the store aggregates them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CoverageTotals {
    pub accounts: u64,
    pub accounts_with_contacts: u64,
    /// Accounts with at least one contact in each role, in [`BuyingRole::ALL`] order.
    pub by_role: [u64; 6],
    /// Accounts with at least one contact at each level, in [`Seniority::ALL`] order.
    pub by_seniority: [u64; 5],
    /// The sum over accounts with contacts of engaged over known.
    pub penetration_sum: f64,
}

/// The totals over accounts, from their cells: how the store's totals for single accounts are
/// counted, for groups it cannot see (a family is its members' cells under the ultimate parent's
/// id). `accounts` is how many accounts (or families) are in scope, with contacts or not.
pub fn totals_of(accounts: u64, cells: &[CoverageCell]) -> CoverageTotals {
    let mut by_account: BTreeMap<i64, Vec<&CoverageCell>> = BTreeMap::new();
    for c in cells.iter().filter(|c| c.contacts > 0) {
        by_account.entry(c.account).or_default().push(c);
    }
    let mut totals = CoverageTotals {
        accounts,
        accounts_with_contacts: by_account.len() as u64,
        ..CoverageTotals::default()
    };
    for cells in by_account.values() {
        let contacts: u64 = cells.iter().map(|c| c.contacts).sum();
        let engaged: u64 = cells.iter().map(|c| c.engaged).sum();
        totals.penetration_sum += ratio(engaged, contacts).unwrap_or(0.0);
        for (i, r) in BuyingRole::ALL.iter().enumerate() {
            totals.by_role[i] += u64::from(cells.iter().any(|c| c.role == Some(*r)));
        }
        for (i, s) in Seniority::ALL.iter().enumerate() {
            totals.by_seniority[i] += u64::from(cells.iter().any(|c| c.seniority == Some(*s)));
        }
    }
    totals
}

/// One account's row from its cells.
fn account_row(id: i64, name: &str, cells: &[&CoverageCell]) -> AccountCoverage {
    let contacts = cells.iter().map(|c| c.contacts).sum();
    let engaged = cells.iter().map(|c| c.engaged).sum();
    let roles: Vec<BuyingRole> = BuyingRole::ALL
        .iter()
        .copied()
        .filter(|r| cells.iter().any(|c| c.role == Some(*r) && c.contacts > 0))
        .collect();
    AccountCoverage {
        account_id: id,
        account_name: name.to_string(),
        contacts,
        engaged,
        penetration: ratio(engaged, contacts),
        missing_roles: BuyingRole::ALL
            .iter()
            .copied()
            .filter(|r| !roles.contains(r))
            .collect(),
        has_economic_buyer: roles.contains(&BuyingRole::EconomicBuyer),
        roles,
        seniorities: Seniority::ALL
            .iter()
            .copied()
            .filter(|s| {
                cells
                    .iter()
                    .any(|c| c.seniority == Some(*s) && c.contacts > 0)
            })
            .collect(),
    }
}

/// Builds the report from the totals and one page of accounts (id and name, in id order, up to
/// `limit + 1` of them: one more than shown says there is a next page) with their cells.
pub fn coverage(
    totals: &CoverageTotals,
    page: &[(i64, String)],
    cells: &[CoverageCell],
    engaged_days: u32,
    limit: usize,
    family: bool,
) -> CoverageReport {
    let mut by_account: BTreeMap<i64, Vec<&CoverageCell>> = BTreeMap::new();
    for c in cells {
        by_account.entry(c.account).or_default().push(c);
    }
    let mut rows: Vec<AccountCoverage> = page
        .iter()
        .map(|(id, name)| {
            account_row(
                *id,
                name,
                by_account.get(id).map(Vec::as_slice).unwrap_or(&[]),
            )
        })
        .collect();
    let next_after = (rows.len() > limit).then(|| {
        rows.truncate(limit);
        rows.last().map_or(0, |a| a.account_id)
    });
    let covered = |value: String, count: u64| Covered {
        value,
        accounts: count,
        share: ratio(count, totals.accounts),
    };
    CoverageReport {
        engaged_days,
        family,
        accounts: totals.accounts,
        accounts_with_contacts: totals.accounts_with_contacts,
        accounts_missing_economic_buyer: totals.accounts.saturating_sub(totals.by_role[0]),
        // To a millionth: a sum of ratios differs in its last bits with the order it was added in.
        average_penetration: (totals.accounts_with_contacts > 0).then(|| {
            (totals.penetration_sum / totals.accounts_with_contacts as f64 * 1e6).round() / 1e6
        }),
        by_role: BuyingRole::ALL
            .iter()
            .zip(totals.by_role)
            .map(|(r, n)| covered(r.to_string(), n))
            .collect(),
        by_seniority: Seniority::ALL
            .iter()
            .zip(totals.by_seniority)
            .map(|(s, n)| covered(s.to_string(), n))
            .collect(),
        rows,
        next_after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(
        account: i64,
        role: Option<BuyingRole>,
        s: Option<Seniority>,
        n: u64,
        e: u64,
    ) -> CoverageCell {
        CoverageCell {
            account,
            role,
            seniority: s,
            contacts: n,
            engaged: e,
        }
    }

    #[test]
    fn coverage_per_account_and_overall() {
        let page = [
            (1, "Acme".to_string()),
            (2, "Zeta".into()),
            (3, "Empty".into()),
        ];
        let cells = [
            cell(
                1,
                Some(BuyingRole::EconomicBuyer),
                Some(Seniority::CLevel),
                1,
                1,
            ),
            cell(
                1,
                Some(BuyingRole::Champion),
                Some(Seniority::Manager),
                2,
                0,
            ),
            cell(1, None, Some(Seniority::Manager), 1, 1),
            cell(2, None, None, 4, 1),
        ];
        let totals = CoverageTotals {
            accounts: 3,
            accounts_with_contacts: 2,
            by_role: [1, 1, 0, 0, 0, 0],
            by_seniority: [1, 0, 0, 1, 0],
            penetration_sum: 0.75,
        };
        // The store's totals are what the cells give.
        assert_eq!(totals_of(3, &cells), totals);
        let r = coverage(&totals, &page, &cells, 90, 10, false);
        assert_eq!(
            (
                r.accounts,
                r.accounts_with_contacts,
                r.accounts_missing_economic_buyer
            ),
            (3, 2, 2)
        );
        let acme = &r.rows[0];
        assert_eq!(
            (acme.contacts, acme.engaged, acme.penetration),
            (4, 2, Some(0.5))
        );
        assert_eq!(
            acme.roles,
            [BuyingRole::EconomicBuyer, BuyingRole::Champion]
        );
        assert_eq!(acme.seniorities, [Seniority::CLevel, Seniority::Manager]);
        assert!(acme.has_economic_buyer && !r.rows[1].has_economic_buyer);
        assert_eq!(r.rows[2].penetration, None);
        assert_eq!(r.average_penetration, Some(0.375));
        assert_eq!(r.by_role[0].share, Some(1.0 / 3.0));
        assert_eq!(r.next_after, None);

        let paged = coverage(&totals, &page[..2], &cells, 90, 1, false);
        assert_eq!(paged.rows.len(), 1);
        assert_eq!(paged.next_after, Some(1));
    }

    #[test]
    fn a_family_is_one_buying_center() {
        // Acme (1) has an economic buyer; its subsidiary (2) a champion: as a family, both.
        let cells = [
            cell(1, Some(BuyingRole::EconomicBuyer), None, 1, 1),
            cell(1, Some(BuyingRole::Champion), None, 1, 0),
        ];
        let totals = totals_of(1, &cells);
        assert_eq!(
            (
                totals.accounts_with_contacts,
                totals.by_role[0],
                totals.by_role[1]
            ),
            (1, 1, 1)
        );
        let r = coverage(&totals, &[(1, "Acme".into())], &cells, 90, 10, true);
        assert!(r.family);
        assert_eq!(
            r.rows[0].roles,
            [BuyingRole::EconomicBuyer, BuyingRole::Champion]
        );
        assert_eq!(r.rows[0].penetration, Some(0.5));
        assert_eq!(r.accounts_missing_economic_buyer, 0);
    }
}
