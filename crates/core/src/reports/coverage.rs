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
    pub accounts: u64,
    pub accounts_with_contacts: u64,
    pub accounts_missing_economic_buyer: u64,
    /// Mean over accounts with contacts.
    pub average_penetration: Option<f64>,
    pub by_role: Vec<Covered>,
    pub by_seniority: Vec<Covered>,
    /// Per account, in id order (a page of them; see `next_after`).
    pub rows: Vec<AccountCoverage>,
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

/// Builds the report from the cells of every account in scope (`accounts`: id and name, in
/// id order; accounts without cells have no contacts).
pub fn coverage(
    accounts: &[(i64, String)],
    cells: &[CoverageCell],
    engaged_days: u32,
    rows: CoverageRows,
) -> CoverageReport {
    let mut by_account: BTreeMap<i64, Vec<&CoverageCell>> = BTreeMap::new();
    for c in cells {
        by_account.entry(c.account).or_default().push(c);
    }
    let mut all = Vec::with_capacity(accounts.len());
    for (id, name) in accounts {
        let cs = by_account.get(id).map(Vec::as_slice).unwrap_or(&[]);
        let contacts = cs.iter().map(|c| c.contacts).sum();
        let engaged = cs.iter().map(|c| c.engaged).sum();
        let roles: Vec<BuyingRole> = BuyingRole::ALL
            .iter()
            .copied()
            .filter(|r| cs.iter().any(|c| c.role == Some(*r) && c.contacts > 0))
            .collect();
        let seniorities: Vec<Seniority> = Seniority::ALL
            .iter()
            .copied()
            .filter(|s| cs.iter().any(|c| c.seniority == Some(*s) && c.contacts > 0))
            .collect();
        all.push(AccountCoverage {
            account_id: *id,
            account_name: name.clone(),
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
            seniorities,
        });
    }
    let n = all.len() as u64;
    let with_contacts = all.iter().filter(|a| a.contacts > 0).count() as u64;
    let penetrations: Vec<f64> = all.iter().filter_map(|a| a.penetration).collect();
    let covered = |value: String, count: usize| Covered {
        value,
        accounts: count as u64,
        share: ratio(count as u64, n),
    };
    let by_role = BuyingRole::ALL
        .iter()
        .map(|r| {
            covered(
                r.to_string(),
                all.iter().filter(|a| a.roles.contains(r)).count(),
            )
        })
        .collect();
    let by_seniority = Seniority::ALL
        .iter()
        .map(|s| {
            covered(
                s.to_string(),
                all.iter().filter(|a| a.seniorities.contains(s)).count(),
            )
        })
        .collect();
    let missing = all.iter().filter(|a| !a.has_economic_buyer).count() as u64;
    let mut listed: Vec<AccountCoverage> = all
        .into_iter()
        .filter(|a| rows.after.is_none_or(|after| a.account_id > after))
        .filter(|a| !rows.missing_economic_buyer || !a.has_economic_buyer)
        .take(rows.limit + 1)
        .collect();
    let next_after = (listed.len() > rows.limit).then(|| {
        listed.truncate(rows.limit);
        listed.last().map_or(0, |a| a.account_id)
    });
    CoverageReport {
        engaged_days,
        accounts: n,
        accounts_with_contacts: with_contacts,
        accounts_missing_economic_buyer: missing,
        average_penetration: (!penetrations.is_empty())
            .then(|| penetrations.iter().sum::<f64>() / penetrations.len() as f64),
        by_role,
        by_seniority,
        rows: listed,
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
        let accounts = [
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
        let r = coverage(
            &accounts,
            &cells,
            90,
            CoverageRows {
                limit: 10,
                ..Default::default()
            },
        );
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
        assert_eq!(r.average_penetration, Some(0.375));
        assert_eq!(r.by_role[0].accounts, 1);

        let missing = coverage(
            &accounts,
            &cells,
            90,
            CoverageRows {
                missing_economic_buyer: true,
                after: None,
                limit: 1,
            },
        );
        assert_eq!(missing.rows.len(), 1);
        assert_eq!(missing.rows[0].account_id, 2);
        assert_eq!(missing.next_after, Some(2));
    }
}
