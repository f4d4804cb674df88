//! Running a segment to its end: every selected row, page after page, as export records.

use crate::{PageRequest, Result, Store};
use abcrm_core::export::{self, ColumnStyle};
use abcrm_core::filter::Checked;
use abcrm_core::model::SegmentTarget;
use abcrm_core::AccountId;
use chrono::NaiveDate;
use std::collections::BTreeSet;
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

    /// The next page of records, or `None` after the last.
    pub async fn next_rows(&mut self) -> Result<Option<Vec<Vec<String>>>> {
        if self.done {
            return Ok(None);
        }
        let page = PageRequest {
            after: self.after,
            limit: PAGE,
        };
        let rows = match self.target {
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
                let by_id: std::collections::HashMap<AccountId, _> =
                    accounts.iter().map(|a| (a.id, a)).collect();
                self.after = p.next_after;
                p.items
                    .iter()
                    .map(|c| export::contact_record(c, by_id.get(&c.account_id).copied()))
                    .collect()
            }
            SegmentTarget::Account => {
                let p = self
                    .store
                    .segment_accounts(&self.filter, self.today, page)
                    .await?;
                self.after = p.next_after;
                p.items.iter().map(export::account_record).collect()
            }
        };
        self.done = self.after.is_none();
        Ok(Some(rows))
    }
}
