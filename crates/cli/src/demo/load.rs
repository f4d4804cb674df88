//! Writes a [`DemoData`] into a store through the same operations the API uses, so the demo
//! obeys every domain rule and leaves an audit trail.

use super::generate::DemoData;
use abcrm_core::model::*;
use abcrm_core::*;
use abcrm_store::{Counts, Store};
use indicatif::ProgressBar;
use std::time::{Duration, Instant};

/// What the loader wrote and how long it took.
#[derive(Debug)]
pub struct LoadReport {
    pub counts: Counts,
    pub elapsed: Duration,
}

/// Rows per bulk transaction.
const BATCH: usize = 2_000;

/// Loads `data` into `store`, advancing `progress` by one per record.
pub async fn load(
    store: &dyn Store,
    data: &DemoData,
    progress: &ProgressBar,
) -> Result<LoadReport, abcrm_store::StoreError> {
    let started = Instant::now();
    let actor = Actor::system("demo");
    let total = data.users.len()
        + data.accounts.len() * 2
        + data.contacts.len()
        + data.campaigns.len()
        + data.members.len()
        + data.opportunities.len()
        + data.activities.len();
    progress.set_length(total as u64);

    let mut users = Vec::new();
    for u in &data.users {
        users.push(store.create_user(&actor, u.clone()).await?.id);
        progress.inc(1);
    }

    // Parents come before their subsidiaries in the dataset, so one pass resolves every parent.
    let mut accounts: Vec<AccountId> = Vec::with_capacity(data.accounts.len());
    for a in &data.accounts {
        let new = NewAccount {
            parent_id: a.parent.map(|p| accounts[p]),
            owner_id: users.get(a.owner).copied(),
            stage: a.stages.first().map(|(s, _)| *s),
            ..a.new.clone()
        };
        let account = store.create_account(&actor, new).await?;
        accounts.push(account.id);
        progress.inc(1);
    }

    let mut campaigns = Vec::new();
    for c in &data.campaigns {
        campaigns.push(store.create_campaign(&actor, c.clone()).await?.id);
        progress.inc(1);
    }

    let mut contacts: Vec<ContactId> = Vec::with_capacity(data.contacts.len());
    for chunk in data.contacts.chunks(BATCH) {
        let batch = chunk
            .iter()
            .map(|c| NewContact {
                account_id: accounts[c.account],
                owner_id: users.get(data.accounts[c.account].owner).copied(),
                ..c.new.clone()
            })
            .collect();
        contacts.extend(store.create_contacts(&actor, batch).await?);
        progress.inc(chunk.len() as u64);
    }

    for m in &data.members {
        let member = NewCampaignMember {
            contact_id: contacts[m.contact],
            status: Some(m.status),
            joined_at: Some(m.joined_at),
        };
        store
            .add_campaign_member(&actor, campaigns[m.campaign], member)
            .await?;
        progress.inc(1);
    }

    for o in &data.opportunities {
        let new = NewOpportunity {
            account_id: accounts[o.account],
            name: o.name.clone(),
            stage: Some(o.stage),
            amount: Some(o.amount),
            close_date: Some(o.close_date),
            source_campaign_id: o.source_campaign.map(|c| campaigns[c]),
            owner_id: users.get(o.owner).copied(),
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
        store.create_opportunity(&actor, new).await?;
        progress.inc(1);
    }

    for chunk in data.activities.chunks(BATCH) {
        let batch = chunk
            .iter()
            .map(|a| NewActivity {
                account_id: None,
                contact_id: Some(contacts[a.contact]),
                kind: a.kind,
                subject: Some(a.subject.clone()),
                occurred_at: Some(a.occurred_at),
                campaign_id: a.campaign.map(|c| campaigns[c]),
                opportunity_id: None,
            })
            .collect();
        store.create_activities(&actor, batch).await?;
        progress.inc(chunk.len() as u64);
    }

    // Stage history and products owned, written last so each account's path is complete.
    for (a, id) in data.accounts.iter().zip(&accounts) {
        for (stage, at) in a.stages.iter().skip(1) {
            store
                .set_account_stage(&actor, *id, *stage, "demo history", *at)
                .await?;
        }
        for (product, quantity, value, purchased, renews) in &a.assets {
            store
                .create_asset(
                    &actor,
                    NewAsset {
                        account_id: *id,
                        product: product.clone(),
                        quantity: *quantity,
                        annual_value: Some(*value),
                        purchased_on: Some(*purchased),
                        renews_on: Some(*renews),
                    },
                )
                .await?;
        }
        progress.inc(1);
    }

    Ok(LoadReport {
        counts: store.counts().await?,
        elapsed: started.elapsed(),
    })
}
