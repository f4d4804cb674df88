//! Running a segment to its end: every selected row, page after page, as export records.

use crate::{PageRequest, Result, Store};
use abcrm_core::export::{self, ColumnStyle};
use abcrm_core::filter::Checked;
use abcrm_core::model::SegmentTarget;
use abcrm_core::model::{Account, Contact};
use abcrm_core::AccountId;
use chrono::NaiveDate;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// Rows fetched per round trip.
const PAGE: u32 = 1000;

/// The rows of a segment as export records, fetched a page at a time so a million-contact
/// segment never sits in memory at once.
pub struct Export {
    store: Arc<dyn Store>,
    filter: Checked,
    target: SegmentTarget,
    today: NaiveDate,
    after: Option<i64>,
    done: bool,
}

impl Export {
    /// An export of what `filter` selects for `target`, with relative dates from `today`.
    pub fn new(
        store: Arc<dyn Store>,
        filter: Checked,
        target: SegmentTarget,
        today: NaiveDate,
    ) -> Export {
        Export {
            store,
            filter,
            target,
            today,
            after: None,
            done: false,
        }
    }

    /// What the export selects.
    pub fn target(&self) -> SegmentTarget {
        self.target
    }

    /// The header row.
    pub fn header(&self, style: ColumnStyle) -> Vec<&'static str> {
        match self.target {
            SegmentTarget::Contact => export::contact_header(style),
            SegmentTarget::Account => export::account_header(style),
        }
    }

    /// The next page as export records (text in header order), or `None` after the last.
    pub async fn next_rows(&mut self) -> Result<Option<Vec<Vec<String>>>> {
        Ok(self.next_page().await?.map(|page| match page {
            Fetched::Contacts(contacts, accounts) => contacts
                .iter()
                .map(|c| export::contact_record(c, accounts.get(&c.account_id)))
                .collect(),
            Fetched::Accounts(accounts) => accounts.iter().map(export::account_record).collect(),
        }))
    }

    /// The next page as JSON records, or `None` after the last: accounts whole, contacts whole
    /// with their account's id, name and main domain under `account`.
    pub async fn next_json(&mut self) -> Result<Option<Vec<serde_json::Value>>> {
        Ok(self.next_page().await?.map(|page| match page {
            Fetched::Contacts(contacts, accounts) => contacts
                .iter()
                .filter_map(|c| {
                    let mut v = serde_json::to_value(c).ok()?;
                    if let (Some(o), Some(a)) = (v.as_object_mut(), accounts.get(&c.account_id)) {
                        o.insert(
                            "account".into(),
                            serde_json::json!({"id": a.id, "name": a.name, "domain": a.domains.first()}),
                        );
                    }
                    Some(v)
                })
                .collect(),
            Fetched::Accounts(accounts) => accounts
                .iter()
                .filter_map(|a| serde_json::to_value(a).ok())
                .collect(),
        }))
    }

    async fn next_page(&mut self) -> Result<Option<Fetched>> {
        if self.done {
            return Ok(None);
        }
        let page = PageRequest {
            after: self.after,
            limit: PAGE,
        };
        let fetched = match self.target {
            SegmentTarget::Contact => {
                let p = self
                    .store
                    .segment_contacts(&self.filter, self.today, page)
                    .await?;
                let ids: Vec<AccountId> = p
                    .items
                    .iter()
                    .map(|c| c.account_id)
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                let accounts = self.store.get_accounts(&ids).await?;
                self.after = p.next_after;
                Fetched::Contacts(p.items, accounts.into_iter().map(|a| (a.id, a)).collect())
            }
            SegmentTarget::Account => {
                let p = self
                    .store
                    .segment_accounts(&self.filter, self.today, page)
                    .await?;
                self.after = p.next_after;
                Fetched::Accounts(p.items)
            }
        };
        self.done = self.after.is_none();
        Ok(Some(fetched))
    }
}

/// One page of a segment's records.
enum Fetched {
    Contacts(Vec<Contact>, HashMap<AccountId, Account>),
    Accounts(Vec<Account>),
}
