//! Account hierarchies: parent, ultimate parent, subsidiaries. The one rule decided here is that
//! an account can never become its own ancestor.

use crate::ids::AccountId;

/// Why a proposed parent is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HierarchyError {
    /// The account was proposed as its own parent.
    #[error("an account cannot be its own parent")]
    SelfParent,
    /// The proposed parent is already below the account, so the change would close a loop.
    #[error("account {parent} is a subsidiary of account {account} (path: {path}); making it the parent would create a cycle")]
    Cycle {
        /// The account being changed.
        account: AccountId,
        /// The proposed parent.
        parent: AccountId,
        /// The chain from the proposed parent up to the account, for the error message.
        path: String,
    },
}

/// The root of `account`'s hierarchy (its ultimate parent, or itself), following `parent_of`
/// upward. A loop in the links (which the store never writes) ends the walk where it closes.
pub fn root_of(account: i64, parent_of: impl Fn(i64) -> Option<i64>) -> i64 {
    let mut at = account;
    let mut seen = std::collections::HashSet::new();
    while let Some(p) = parent_of(at) {
        if !seen.insert(at) {
            break;
        }
        at = p;
    }
    at
}

/// The ancestry of `account`, nearest first (its parent, then that one's, up to a root),
/// following `parent_of`: what [`check_new_parent`] takes. A loop in the links ends the walk
/// where it closes, the account met again last.
pub fn ancestry(
    account: AccountId,
    parent_of: impl Fn(AccountId) -> Option<AccountId>,
) -> Vec<AccountId> {
    let mut chain = Vec::new();
    let mut seen = std::collections::HashSet::from([account]);
    let mut at = account;
    while let Some(up) = parent_of(at) {
        chain.push(up);
        if !seen.insert(up) {
            break;
        }
        at = up;
    }
    chain
}

/// Decides whether `account` may take `new_parent` as its parent.
///
/// `parent_chain` is the proposed parent's ancestry, nearest first, as stored now (the parent of
/// `new_parent`, then its parent, and so on up to a root). The change is refused when `account`
/// appears in that chain, or is the proposed parent itself.
pub fn check_new_parent(
    account: AccountId,
    new_parent: AccountId,
    parent_chain: &[AccountId],
) -> Result<(), HierarchyError> {
    if account == new_parent {
        return Err(HierarchyError::SelfParent);
    }
    if let Some(pos) = parent_chain.iter().position(|&a| a == account) {
        let path = std::iter::once(new_parent)
            .chain(parent_chain[..=pos].iter().copied())
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(" -> ");
        return Err(HierarchyError::Cycle {
            account,
            parent: new_parent,
            path,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestry_walks_up_nearest_first_and_ends_where_a_loop_closes() {
        let links = |pairs: &'static [(i64, i64)]| {
            move |a: AccountId| {
                pairs
                    .iter()
                    .find(|(c, _)| *c == a.0)
                    .map(|(_, p)| AccountId(*p))
            }
        };
        let ids = |v: &[i64]| v.iter().copied().map(AccountId).collect::<Vec<_>>();
        assert_eq!(
            ancestry(AccountId(3), links(&[(3, 2), (2, 1)])),
            ids(&[2, 1])
        );
        assert!(ancestry(AccountId(1), links(&[(3, 2)])).is_empty());
        assert_eq!(
            ancestry(AccountId(1), links(&[(1, 2), (2, 3), (3, 2)])),
            ids(&[2, 3, 2])
        );
    }

    #[test]
    fn an_account_cannot_be_its_own_parent() {
        assert_eq!(
            check_new_parent(AccountId(1), AccountId(1), &[]),
            Err(HierarchyError::SelfParent)
        );
    }

    #[test]
    fn a_descendant_cannot_become_the_parent() {
        // 3's parent is 2, 2's parent is 1: making 3 the parent of 1 closes a loop.
        let err = check_new_parent(AccountId(1), AccountId(3), &[AccountId(2), AccountId(1)]);
        assert!(
            matches!(err, Err(HierarchyError::Cycle { ref path, .. }) if path == "3 -> 2 -> 1")
        );
    }

    #[test]
    fn an_unrelated_account_can_become_the_parent() {
        assert_eq!(
            check_new_parent(AccountId(1), AccountId(5), &[AccountId(4)]),
            Ok(())
        );
    }

    #[test]
    fn roots_follow_parents_up_and_stop_on_a_loop() {
        let parents = std::collections::HashMap::from([(3, 2), (2, 1), (7, 8), (8, 7)]);
        let up = |a: i64| parents.get(&a).copied();
        assert_eq!(root_of(3, up), 1);
        assert_eq!(root_of(1, up), 1);
        let r = root_of(7, up);
        assert!(r == 7 || r == 8);
    }
}
