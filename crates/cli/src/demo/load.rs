//! Writes the demo into a store through the same operations the API uses, so the demo obeys
//! every domain rule and leaves an audit trail. It goes a slice of companies at a time: the
//! many records (contacts, campaign memberships, activities) through the bulk operations, the
//! few one by one.

use super::generate::{DemoActivity, DemoData, DemoSlices, StatusBefore};
use abcrm_core::model::*;
use abcrm_core::*;
use abcrm_store::{Backend, Counts, Store, StoreError};
use indicatif::ProgressBar;
use std::cell::RefCell;
use std::future::Future;
use std::ops::Range;
use std::time::{Duration, Instant};

/// What the loader wrote and how long it took.
#[derive(Debug)]
pub struct LoadReport {
    pub counts: Counts,
    pub elapsed: Duration,
}

/// Rows per bulk call (one transaction each).
const BATCH: usize = 5_000;

/// Calls made at once on PostgreSQL, which runs transactions side by side. SQLite writes one
/// transaction at a time, so there the loader makes one call after another.
const LANES: usize = 8;

/// Loads the demo's slices into `store`, advancing `progress` by one per record. Its length is
/// an estimate until the last slice: what the slices so far had per company, for every company.
/// With `parallel`, PostgreSQL takes several calls at once (ids then depend on timing).
pub async fn load(
    store: &dyn Store,
    mut slices: DemoSlices,
    progress: &ProgressBar,
    parallel: bool,
) -> Result<LoadReport, StoreError> {
    let started = Instant::now();
    let mut loader = Loader {
        store,
        actor: Actor::system("demo"),
        users: Vec::new(),
        campaigns: Vec::new(),
        progress,
        lanes: match store.backend() {
            Backend::Postgres if parallel => LANES,
            _ => 1,
        },
    };
    let (mut records, mut roots) = (0u64, 0u64);
    while let Some(slice) = slices.next() {
        records += slice.records() as u64;
        roots += slice.accounts.iter().filter(|a| a.parent.is_none()).count() as u64;
        let remaining = slices.remaining_roots() as u64;
        progress.set_length(records + records * remaining / roots.max(1));
        loader.slice(&slice).await?;
    }
    Ok(LoadReport {
        counts: store.counts().await?,
        elapsed: started.elapsed(),
    })
}

impl DemoData {
    /// Records the loader writes for this slice: one per account for its history.
    fn records(&self) -> usize {
        self.users.len()
            + self.campaigns.len()
            + self.accounts.len() * 2
            + self.contacts.len()
            + self.contacts.iter().filter(|c| c.was.is_some()).count()
            + self.members.len()
            + self.opportunities.len()
            + self.activities.len()
    }
}

/// The loader's state across slices: the ids the store gave to users and campaigns, which
/// every slice refers to by index.
struct Loader<'a> {
    store: &'a dyn Store,
    actor: Actor,
    users: Vec<UserId>,
    campaigns: Vec<CampaignId>,
    progress: &'a ProgressBar,
    /// Calls at once, at most [`LANES`].
    lanes: usize,
}

/// Runs `work` on every item, in `lanes` interleaved lanes at once (at most [`LANES`]); the
/// first error ends them all.
async fn in_lanes<'i, T, F, Fut>(lanes: usize, items: &'i [T], work: F) -> Result<(), StoreError>
where
    F: Fn(&'i T) -> Fut,
    Fut: Future<Output = Result<(), StoreError>>,
{
    let work = &work;
    let lanes = lanes.clamp(1, LANES);
    let lane = |k: usize| async move {
        if k < lanes {
            for item in items.iter().skip(k).step_by(lanes) {
                work(item).await?;
            }
        }
        Ok::<(), StoreError>(())
    };
    tokio::try_join!(
        lane(0),
        lane(1),
        lane(2),
        lane(3),
        lane(4),
        lane(5),
        lane(6),
        lane(7)
    )?;
    Ok(())
}

impl Loader<'_> {
    async fn slice(&mut self, data: &DemoData) -> Result<(), StoreError> {
        for u in &data.users {
            let user = self.store.create_user(&self.actor, u.clone()).await?;
            self.users.push(user.id);
            self.progress.inc(1);
        }
        for c in &data.campaigns {
            let campaign = self.store.create_campaign(&self.actor, c.clone()).await?;
            self.campaigns.push(campaign.id);
            self.progress.inc(1);
        }
        let accounts = self.accounts(data).await?;
        let contacts = self.contacts(data, &accounts).await?;
        // The rest depends on accounts and contacts only: side by side where the database
        // writes transactions side by side.
        if self.lanes > 1 {
            tokio::try_join!(
                self.members(data, &contacts),
                self.status_changes(data, &contacts),
                self.opportunities(data, &accounts, &contacts),
                self.activities(data, &contacts),
                self.histories(data, &accounts),
            )?;
            Ok(())
        } else {
            self.members(data, &contacts).await?;
            self.status_changes(data, &contacts).await?;
            self.opportunities(data, &accounts, &contacts).await?;
            self.activities(data, &contacts).await?;
            self.histories(data, &accounts).await
        }
    }

    /// Accounts in blocks of whole companies, a block per lane. A block goes in the dataset's
    /// order, in runs of one transaction: a run ends before an account whose parent is in it,
    /// so every parent has its id when its subsidiaries go in.
    async fn accounts(&self, data: &DemoData) -> Result<Vec<AccountId>, StoreError> {
        let ids = RefCell::new(vec![AccountId(0); data.accounts.len()]);
        let roots: Vec<usize> = (0..data.accounts.len())
            .filter(|&i| data.accounts[i].parent.is_none())
            .collect();
        let per_block = roots.len().div_ceil(self.lanes).max(1);
        let blocks: Vec<Range<usize>> = roots
            .chunks(per_block)
            .map(|c| c[0])
            .chain([data.accounts.len()])
            .collect::<Vec<_>>()
            .windows(2)
            .map(|w| w[0]..w[1])
            .collect();
        in_lanes(self.lanes, &blocks, |block| {
            self.account_block(data, block.clone(), &ids)
        })
        .await?;
        Ok(ids.into_inner())
    }

    async fn account_block(
        &self,
        data: &DemoData,
        block: Range<usize>,
        ids: &RefCell<Vec<AccountId>>,
    ) -> Result<(), StoreError> {
        let mut start = block.start;
        let mut run: Vec<NewAccount> = Vec::new();
        for i in block.clone() {
            let a = &data.accounts[i];
            if run.len() == BATCH || a.parent.is_some_and(|p| p >= start) {
                self.account_run(start, std::mem::take(&mut run), ids)
                    .await?;
                start = i;
            }
            run.push(NewAccount {
                parent_id: a.parent.map(|p| ids.borrow()[p]),
                owner_id: self.users.get(a.owner).copied(),
                stage: a.stages.first().map(|(s, _)| *s),
                ..a.new.clone()
            });
        }
        self.account_run(start, run, ids).await
    }

    /// Creates the accounts of a run, which starts at `start` in the slice.
    async fn account_run(
        &self,
        start: usize,
        run: Vec<NewAccount>,
        ids: &RefCell<Vec<AccountId>>,
    ) -> Result<(), StoreError> {
        let n = run.len();
        let made = self.store.create_accounts(&self.actor, run).await?;
        ids.borrow_mut()[start..start + n].copy_from_slice(&made);
        self.progress.inc(n as u64);
        Ok(())
    }

    async fn contacts(
        &self,
        data: &DemoData,
        accounts: &[AccountId],
    ) -> Result<Vec<ContactId>, StoreError> {
        let ids = RefCell::new(vec![ContactId(0); data.contacts.len()]);
        let starts: Vec<usize> = (0..data.contacts.len()).step_by(BATCH).collect();
        in_lanes(self.lanes, &starts, |&start| {
            let ids = &ids;
            async move {
                let chunk = &data.contacts[start..(start + BATCH).min(data.contacts.len())];
                let batch = chunk
                    .iter()
                    .map(|c| NewContact {
                        account_id: accounts[c.account],
                        owner_id: self.users.get(data.accounts[c.account].owner).copied(),
                        status: c.was.map(|w| w.status).or(c.new.status),
                        ..c.new.clone()
                    })
                    .collect();
                let made = self.store.create_contacts(&self.actor, batch).await?;
                ids.borrow_mut()[start..start + chunk.len()].copy_from_slice(&made);
                self.progress.inc(chunk.len() as u64);
                Ok(())
            }
        })
        .await?;
        Ok(ids.into_inner())
    }

    /// The status changes of people who held another status first, dated when they happened
    /// (the status history the nurture report reads).
    async fn status_changes(
        &self,
        data: &DemoData,
        contacts: &[ContactId],
    ) -> Result<(), StoreError> {
        let changed: Vec<(ContactId, ContactStatus, StatusBefore)> = data
            .contacts
            .iter()
            .zip(contacts)
            .filter_map(|(c, &id)| Some((id, c.new.status?, c.was?)))
            .collect();
        in_lanes(self.lanes, &changed, |&(id, status, was)| async move {
            self.store
                .set_contact_status(&self.actor, id, status, was.reason, was.until)
                .await?;
            self.progress.inc(1);
            Ok(())
        })
        .await
    }

    /// Memberships, in bulk calls of one campaign each.
    async fn members(&self, data: &DemoData, contacts: &[ContactId]) -> Result<(), StoreError> {
        let mut by_campaign: Vec<Vec<NewCampaignMember>> = vec![Vec::new(); self.campaigns.len()];
        for m in &data.members {
            by_campaign[m.campaign].push(NewCampaignMember {
                contact_id: contacts[m.contact],
                status: Some(m.status),
                joined_at: Some(m.joined_at),
            });
        }
        let calls: Vec<(CampaignId, &[NewCampaignMember])> = self
            .campaigns
            .iter()
            .zip(&by_campaign)
            .flat_map(|(c, members)| members.chunks(BATCH).map(move |chunk| (*c, chunk)))
            .collect();
        in_lanes(self.lanes, &calls, |&(campaign, chunk)| async move {
            self.store
                .add_campaign_members(&self.actor, campaign, chunk.to_vec())
                .await?;
            self.progress.inc(chunk.len() as u64);
            Ok(())
        })
        .await
    }

    async fn opportunities(
        &self,
        data: &DemoData,
        accounts: &[AccountId],
        contacts: &[ContactId],
    ) -> Result<(), StoreError> {
        in_lanes(self.lanes, &data.opportunities, |o| async move {
            let new = NewOpportunity {
                account_id: accounts[o.account],
                name: o.name.clone(),
                stage: Some(o.stage),
                amount: Some(o.amount),
                close_date: Some(o.close_date),
                source_campaign_id: o.source_campaign.map(|c| self.campaigns[c]),
                owner_id: self.users.get(o.owner).copied(),
                contact_roles: o
                    .roles
                    .iter()
                    .map(|&(c, role, is_primary)| ContactRole {
                        contact_id: contacts[c],
                        role,
                        is_primary,
                    })
                    .collect(),
                created_at: Some(o.created_at),
            };
            let opportunity = self.store.create_opportunity(&self.actor, new).await?;
            // Each open deal has its next step to do, a week before it should close, for its
            // owner: what fills a rep's "My work" on the demo.
            if let Some(title) = next_step(o.stage) {
                let task = NewTask {
                    title: title.into(),
                    notes: None,
                    due_on: o.close_date.checked_sub_signed(chrono::Duration::days(7)),
                    assignee_id: opportunity.owner_id,
                    account_id: None,
                    contact_id: None,
                    opportunity_id: Some(opportunity.id),
                };
                self.store.create_task(&self.actor, task).await?;
            }
            self.progress.inc(1);
            Ok(())
        })
        .await
    }

    async fn activities(&self, data: &DemoData, contacts: &[ContactId]) -> Result<(), StoreError> {
        let chunks: Vec<&[DemoActivity]> = data.activities.chunks(BATCH).collect();
        in_lanes(self.lanes, &chunks, |chunk| async move {
            let batch = chunk
                .iter()
                .map(|a| NewActivity {
                    account_id: None,
                    contact_id: Some(contacts[a.contact]),
                    body: None,
                    kind: a.kind,
                    subject: Some(a.subject.clone()),
                    occurred_at: Some(a.occurred_at),
                    campaign_id: a.campaign.map(|c| self.campaigns[c]),
                    opportunity_id: None,
                })
                .collect();
            self.store.create_activities(&self.actor, batch).await?;
            self.progress.inc(chunk.len() as u64);
            Ok(())
        })
        .await
    }

    /// Stage history and products owned, written last so each account's path is complete.
    async fn histories(&self, data: &DemoData, accounts: &[AccountId]) -> Result<(), StoreError> {
        let pairs: Vec<_> = data.accounts.iter().zip(accounts).collect();
        in_lanes(self.lanes, &pairs, |&(a, &id)| async move {
            for (stage, at) in a.stages.iter().skip(1) {
                self.store
                    .set_account_stage(&self.actor, id, *stage, "demo history", *at)
                    .await?;
            }
            for (product, quantity, value, purchased, renews) in &a.assets {
                self.store
                    .create_asset(
                        &self.actor,
                        NewAsset {
                            account_id: id,
                            product: product.clone(),
                            quantity: *quantity,
                            annual_value: Some(*value),
                            purchased_on: Some(*purchased),
                            renews_on: Some(*renews),
                        },
                    )
                    .await?;
            }
            self.progress.inc(1);
            Ok(())
        })
        .await
    }
}

/// The next step of an open deal at `stage`, as a task's title; none once it is closed.
fn next_step(stage: OpportunityStage) -> Option<&'static str> {
    match stage {
        OpportunityStage::Prospecting => Some("Book the discovery call"),
        OpportunityStage::Qualification => Some("Confirm budget, authority and timeline"),
        OpportunityStage::Proposal => Some("Walk them through the proposal"),
        OpportunityStage::Negotiation => Some("Agree the terms and the signature date"),
        _ => None,
    }
}
