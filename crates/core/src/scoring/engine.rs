//! The scoring engine: fit, decayed engagement, the account roll-up with diminishing returns
//! and breadth, the hierarchy roll-up. One set of steps serves the three callers, so they agree
//! by construction: [`Scorer::score_account`] (one account, after a new activity),
//! [`Scorer::explain_account`] (the same, with every line kept) and [`Recompute`] (every
//! account at once, streaming activities in any order).

use super::explain::{Collector, Explanation, Sink};
use super::model::{FitTarget, Rollup, ScoringModel};
use super::scores::{AccountScore, ActivityFact, ContactScore, OwnScore};
use super::Points;
use crate::filter;
use crate::model::{Account, ActivityKind, BuyingRole, Contact, Seniority};
use crate::{AccountId, CampaignId, ContactId};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

const SECONDS_PER_DAY: f64 = 86_400.0;

/// Everything one account's score is computed from.
#[derive(Debug, Clone, Copy)]
pub struct AccountFacts<'a> {
    pub account: &'a Account,
    pub contacts: &'a [Contact],
    /// The account's activities, in any order.
    pub activities: &'a [ActivityFact],
    /// The rolled-up scores of its direct subsidiaries.
    pub children: &'a [(AccountId, Points)],
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum CampaignMatch {
    Any,
    Only(CampaignId),
    /// The rule names a campaign that does not exist (yet): it matches nothing.
    Missing,
}

/// A model made ready for one point in time.
pub struct Scorer<'m> {
    model: &'m ScoringModel,
    now: DateTime<Utc>,
    now_seconds: i64,
    today: NaiveDate,
    /// Per activity kind, the engagement rules that match it.
    rules_by_kind: Vec<Vec<usize>>,
    campaign: Vec<CampaignMatch>,
    /// Per rule, ln 2 / half-life in seconds (0 when it never decays).
    decay_rate: Vec<f64>,
    window_seconds: Vec<Option<i64>>,
}

impl<'m> Scorer<'m> {
    /// Readies a model; `campaigns` resolves the campaign names rules refer to.
    pub fn new(
        model: &'m ScoringModel,
        campaigns: &[(CampaignId, String)],
        now: DateTime<Utc>,
    ) -> Scorer<'m> {
        let by_name: HashMap<String, CampaignId> = campaigns
            .iter()
            .map(|(id, name)| (name.trim().to_lowercase(), *id))
            .collect();
        let mut rules_by_kind = vec![Vec::new(); ActivityKind::ALL.len()];
        for (i, rule) in model.engagement.iter().enumerate() {
            for (k, kind) in ActivityKind::ALL.iter().enumerate() {
                // A note is what we wrote, not what the person did: no rule scores it.
                if kind.is_touch() && (rule.kinds.is_empty() || rule.kinds.contains(kind)) {
                    rules_by_kind[k].push(i);
                }
            }
        }
        Scorer {
            model,
            now,
            now_seconds: now.timestamp(),
            today: now.date_naive(),
            rules_by_kind,
            campaign: model
                .engagement
                .iter()
                .map(|r| match &r.campaign {
                    None => CampaignMatch::Any,
                    Some(name) => by_name
                        .get(&name.to_lowercase())
                        .map_or(CampaignMatch::Missing, |id| CampaignMatch::Only(*id)),
                })
                .collect(),
            decay_rate: model
                .engagement
                .iter()
                .map(|r| {
                    r.half_life_days
                        .map_or(0.0, |h| std::f64::consts::LN_2 / (h * SECONDS_PER_DAY))
                })
                .collect(),
            window_seconds: model
                .engagement
                .iter()
                .map(|r| r.within_days.map(|d| i64::from(d) * 86_400))
                .collect(),
        }
    }

    pub fn model(&self) -> &ScoringModel {
        self.model
    }

    /// The time scores are computed for.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Campaign names rules refer to that no campaign has: those rules match nothing.
    pub fn missing_campaigns(&self) -> Vec<&str> {
        self.model
            .engagement
            .iter()
            .zip(&self.campaign)
            .filter(|(_, c)| **c == CampaignMatch::Missing)
            .filter_map(|(r, _)| r.campaign.as_deref())
            .collect()
    }

    /// How many counters an engagement tally has: one per engagement rule.
    pub fn tally_width(&self) -> usize {
        self.model.engagement.len()
    }

    fn fit_with(
        &self,
        target: FitTarget,
        record: &impl filter::Record,
        sink: &mut impl Sink,
    ) -> Points {
        let mut total = Points::ZERO;
        for rule in self.model.fit.iter().filter(|r| r.target == target) {
            if filter::matches(&rule.filter, record, self.today) {
                sink.fit(rule, rule.points);
                total += rule.points;
            }
        }
        total
    }

    /// The contact's fit: the contact fit rules it matches.
    pub fn contact_fit(&self, contact: &Contact) -> Points {
        self.fit_with(FitTarget::Contact, contact, &mut ())
    }

    /// The account's fit: the account fit rules it matches.
    pub fn account_fit(&self, account: &Account) -> Points {
        self.fit_with(FitTarget::Account, account, &mut ())
    }

    fn engage_with(&self, tally: &mut [i64], a: &ActivityFact, sink: &mut impl Sink) {
        let age = (self.now_seconds - a.occurred_at).max(0);
        for &i in &self.rules_by_kind[a.kind as usize] {
            match self.campaign[i] {
                CampaignMatch::Any => {}
                CampaignMatch::Only(id) if a.campaign == Some(id) => {}
                _ => continue,
            }
            if self.window_seconds[i].is_some_and(|w| age > w) {
                continue;
            }
            let rule = &self.model.engagement[i];
            let rate = self.decay_rate[i];
            let factor = if rate == 0.0 {
                1.0
            } else {
                (-(age as f64) * rate).exp()
            };
            let points = rule.points.scaled(factor);
            tally[i] += points.0;
            sink.activity(rule, a, age as f64 / SECONDS_PER_DAY, factor, points);
        }
    }

    /// Adds an activity's decayed points to a tally (one counter per rule; see
    /// [`Scorer::tally_width`]).
    pub fn engage(&self, tally: &mut [i64], activity: &ActivityFact) {
        self.engage_with(tally, activity, &mut ());
    }

    fn engagement_with(&self, tally: &[i64], sink: &mut impl Sink) -> Points {
        let mut total = Points::ZERO;
        for (rule, &sum) in self.model.engagement.iter().zip(tally) {
            let sum = Points(sum);
            match rule.max_points {
                Some(cap) if sum > cap => {
                    sink.cap(Some(rule), cap - sum);
                    total += cap;
                }
                _ => total += sum,
            }
        }
        if let Some(max) = self.model.contact.max_engagement {
            if total > max {
                sink.cap(None, max - total);
                total = max;
            }
        }
        total
    }

    /// The engagement a tally comes to, after each rule's cap and the contact maximum.
    pub fn engagement(&self, tally: &[i64]) -> Points {
        self.engagement_with(tally, &mut ())
    }

    /// A contact's score from its fit and engagement.
    pub fn contact_score(
        &self,
        contact: &Contact,
        fit: Points,
        engagement: Points,
    ) -> ContactScore {
        ContactScore {
            contact_id: contact.id,
            fit,
            engagement,
            score: fit + engagement,
            buying_role: contact.buying_role,
            seniority: contact.seniority,
            status: contact.status,
        }
    }

    fn own_with(
        &self,
        fit: Points,
        engagement: Points,
        contacts: &[ContactScore],
        sink: &mut impl Sink,
    ) -> OwnScore {
        let settings = &self.model.account;
        let mut counted: Vec<&ContactScore> = Vec::with_capacity(contacts.len());
        for c in contacts {
            if settings.skip_statuses.contains(&c.status) {
                sink.contact(c, None, 0.0, Points::ZERO);
            } else {
                counted.push(c);
            }
        }
        counted.sort_by(|a, b| b.score.cmp(&a.score).then(a.contact_id.cmp(&b.contact_id)));
        let mut people = Points::ZERO;
        let mut weight = 1.0;
        for (rank, c) in counted.iter().enumerate() {
            if rank < settings.max_contacts {
                let points = c.score.scaled(weight);
                sink.contact(c, Some(rank + 1), weight, points);
                people += points;
                weight *= settings.next_contact_weight;
            } else {
                sink.contact(c, Some(rank + 1), 0.0, Points::ZERO);
            }
        }
        let engaged_at = self.model.contact.engaged_at;
        let mut roles: Vec<BuyingRole> = Vec::new();
        let mut seniorities: Vec<Seniority> = Vec::new();
        for c in counted.iter().filter(|c| c.engagement >= engaged_at) {
            if let Some(r) = c.buying_role {
                if !roles.contains(&r) {
                    roles.push(r);
                }
            }
            if let Some(s) = c.seniority {
                if !seniorities.contains(&s) {
                    seniorities.push(s);
                }
            }
        }
        roles.sort_unstable();
        seniorities.sort_unstable();
        let breadth = Points(
            settings.points_per_role.0 * roles.len() as i64
                + settings.points_per_seniority.0 * seniorities.len() as i64,
        );
        if !roles.is_empty() || !seniorities.is_empty() {
            sink.breadth(&roles, &seniorities, breadth);
        }
        OwnScore {
            fit,
            engagement,
            people,
            breadth,
            own: fit + engagement + people + breadth,
        }
    }

    /// An account's own score from its fit, its account-level engagement and its contacts'
    /// scores (in any order).
    pub fn own_score(
        &self,
        fit: Points,
        engagement: Points,
        contacts: &[ContactScore],
    ) -> OwnScore {
        self.own_with(fit, engagement, contacts, &mut ())
    }

    fn rollup_with(
        &self,
        own: Points,
        children: &[(AccountId, Points)],
        sink: &mut impl Sink,
    ) -> Points {
        match self.model.account.rollup {
            Rollup::Own => own,
            Rollup::SumChildren => {
                let weight = self.model.account.subsidiary_weight;
                let mut total = own;
                for &(id, points) in children {
                    // Each level down counts `weight` of the one above: a child's rolled score
                    // already holds its own children at `weight`.
                    let points = points.scaled(weight);
                    sink.subsidiary(id, points);
                    total += points;
                }
                total
            }
            Rollup::MaxChildren => {
                let best = children
                    .iter()
                    .copied()
                    .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)));
                match best {
                    Some((id, points)) if points > own => {
                        sink.best_of_hierarchy(id, points - own);
                        points
                    }
                    _ => own,
                }
            }
        }
    }

    /// The score after the hierarchy roll-up, from the own score and the subsidiaries' rolled
    /// scores.
    pub fn rollup(&self, own: Points, children: &[(AccountId, Points)]) -> Points {
        self.rollup_with(own, children, &mut ())
    }

    fn account_with(
        &self,
        facts: &AccountFacts<'_>,
        sink: &mut impl Sink,
    ) -> (AccountScore, Vec<ContactScore>) {
        let width = self.tally_width();
        let fit = self.fit_with(FitTarget::Account, facts.account, sink);
        let mut contacts: Vec<&Contact> = facts.contacts.iter().collect();
        contacts.sort_by_key(|c| c.id);
        let row: HashMap<ContactId, usize> = contacts
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i))
            .collect();
        // One tally row per contact, and a last one for activities with no (known) contact.
        let mut tallies = vec![0i64; width * (contacts.len() + 1)];
        let unattributed = contacts.len();
        let mut activities: Vec<&ActivityFact> = facts.activities.iter().collect();
        activities.sort_by_key(|a| (a.contact, a.id));
        for a in activities {
            let r = a
                .contact
                .and_then(|c| row.get(&c).copied())
                .unwrap_or(unattributed);
            sink.begin(a.contact.filter(|_| r != unattributed));
            self.engage_with(&mut tallies[r * width..(r + 1) * width], a, sink);
        }
        let mut scores = Vec::with_capacity(contacts.len());
        for (i, c) in contacts.iter().enumerate() {
            sink.begin(Some(c.id));
            let fit = self.fit_with(FitTarget::Contact, *c, sink);
            let engagement = self.engagement_with(&tallies[i * width..(i + 1) * width], sink);
            sink.name(c);
            scores.push(self.contact_score(c, fit, engagement));
        }
        sink.begin(None);
        let engagement = self.engagement_with(
            &tallies[unattributed * width..(unattributed + 1) * width],
            sink,
        );
        let parts = self.own_with(fit, engagement, &scores, sink);
        let score = self.rollup_with(parts.own, facts.children, sink);
        (
            AccountScore {
                account_id: facts.account.id,
                parts,
                score,
            },
            scores,
        )
    }

    /// One account's score and its contacts' scores.
    pub fn score_account(&self, facts: &AccountFacts<'_>) -> (AccountScore, Vec<ContactScore>) {
        self.account_with(facts, &mut ())
    }

    /// One account's score with every line that makes it up, down to the activity.
    pub fn explain_account(&self, facts: &AccountFacts<'_>) -> Explanation {
        let mut collector = Collector::default();
        let (score, _) = self.account_with(facts, &mut collector);
        collector.finish(self.model, facts.account.id, self.now, score)
    }
}

/// The order in which to roll scores up a hierarchy: every account after its subsidiaries.
/// `parents[i]` is the index of account `i`'s parent, if it is among them.
pub fn rollup_order(parents: &[Option<usize>]) -> Vec<usize> {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); parents.len()];
    let mut roots = Vec::new();
    for (i, p) in parents.iter().enumerate() {
        match p {
            Some(p) if *p != i && *p < parents.len() => children[*p].push(i),
            _ => roots.push(i),
        }
    }
    let mut order = Vec::with_capacity(parents.len());
    let mut seen = vec![false; parents.len()];
    // Depth-first, children before parents, without recursion (hierarchies can be deep).
    for root in roots {
        let mut stack = vec![(root, false)];
        while let Some((n, expanded)) = stack.pop() {
            if expanded {
                order.push(n);
            } else if !seen[n] {
                seen[n] = true;
                stack.push((n, true));
                stack.extend(children[n].iter().map(|&c| (c, false)));
            }
        }
    }
    // A cycle (which the store refuses to write) would leave accounts unreached: score them alone.
    order.extend((0..parents.len()).filter(|&i| !seen[i]));
    order
}

/// Every score at once: accounts, contacts and activities streamed in, in any order (an
/// activity's contact must have been added before it). Memory is a few dozen bytes per
/// contact and account and one counter per contact and engagement rule; activities are not
/// kept.
pub struct Recompute<'s, 'm> {
    scorer: &'s Scorer<'m>,
    accounts: Vec<(AccountId, Option<AccountId>, Points)>,
    account_row: HashMap<AccountId, u32>,
    contacts: Vec<(u32, ContactScore)>,
    contact_row: HashMap<ContactId, u32>,
    /// Contact tallies, then account (no contact) tallies, each `width` wide.
    contact_tallies: Vec<i64>,
    account_tallies: Vec<i64>,
    orphans: u64,
}

impl<'s, 'm> Recompute<'s, 'm> {
    pub fn new(scorer: &'s Scorer<'m>) -> Self {
        Recompute {
            scorer,
            accounts: Vec::new(),
            account_row: HashMap::new(),
            contacts: Vec::new(),
            contact_row: HashMap::new(),
            contact_tallies: Vec::new(),
            account_tallies: Vec::new(),
            orphans: 0,
        }
    }

    /// Adds an account, with its fit.
    pub fn add_account(&mut self, account: &Account) {
        let fit = self.scorer.account_fit(account);
        self.account_row
            .insert(account.id, self.accounts.len() as u32);
        self.accounts.push((account.id, account.parent_id, fit));
        self.account_tallies
            .resize(self.account_tallies.len() + self.scorer.tally_width(), 0);
    }

    /// Adds a contact, with its fit; its account must have been added.
    pub fn add_contact(&mut self, contact: &Contact) {
        let Some(&account) = self.account_row.get(&contact.account_id) else {
            self.orphans += 1;
            return;
        };
        let fit = self.scorer.contact_fit(contact);
        self.contact_row
            .insert(contact.id, self.contacts.len() as u32);
        self.contacts.push((
            account,
            self.scorer.contact_score(contact, fit, Points::ZERO),
        ));
        self.contact_tallies
            .resize(self.contact_tallies.len() + self.scorer.tally_width(), 0);
    }

    /// Adds an activity's engagement to its contact, or to its account when it has no (known)
    /// contact.
    pub fn add_activity(&mut self, account: AccountId, activity: &ActivityFact) {
        let width = self.scorer.tally_width();
        if let Some(&row) = activity.contact.and_then(|c| self.contact_row.get(&c)) {
            let at = row as usize * width;
            self.scorer
                .engage(&mut self.contact_tallies[at..at + width], activity);
        } else if let Some(&row) = self.account_row.get(&account) {
            let at = row as usize * width;
            self.scorer
                .engage(&mut self.account_tallies[at..at + width], activity);
        } else {
            self.orphans += 1;
        }
    }

    /// Records that named an account or contact that was not added (skipped).
    pub fn orphans(&self) -> u64 {
        self.orphans
    }

    /// Every account's and contact's score.
    pub fn finish(self) -> (Vec<AccountScore>, Vec<ContactScore>) {
        let width = self.scorer.tally_width();
        let mut contacts = self.contacts;
        let mut by_account: Vec<Vec<u32>> = vec![Vec::new(); self.accounts.len()];
        for (i, (account, c)) in contacts.iter_mut().enumerate() {
            c.engagement = self
                .scorer
                .engagement(&self.contact_tallies[i * width..(i + 1) * width]);
            c.score = c.fit + c.engagement;
            by_account[*account as usize].push(i as u32);
        }
        let parents: Vec<Option<usize>> = self
            .accounts
            .iter()
            .map(|(_, p, _)| {
                p.and_then(|p| self.account_row.get(&p))
                    .map(|&r| r as usize)
            })
            .collect();
        let mut own: Vec<OwnScore> = Vec::with_capacity(self.accounts.len());
        let mut members = Vec::new();
        for (i, (_, _, fit)) in self.accounts.iter().enumerate() {
            members.clear();
            members.extend(by_account[i].iter().map(|&c| contacts[c as usize].1));
            let engagement = self
                .scorer
                .engagement(&self.account_tallies[i * width..(i + 1) * width]);
            own.push(self.scorer.own_score(*fit, engagement, &members));
        }
        let mut children: Vec<Vec<(AccountId, Points)>> = vec![Vec::new(); self.accounts.len()];
        let mut scores = vec![Points::ZERO; self.accounts.len()];
        for i in rollup_order(&parents) {
            let mut kids = std::mem::take(&mut children[i]);
            kids.sort_by_key(|(id, _)| *id);
            scores[i] = self.scorer.rollup(own[i].own, &kids);
            if let Some(p) = parents[i] {
                children[p].push((self.accounts[i].0, scores[i]));
            }
        }
        let accounts = self
            .accounts
            .iter()
            .zip(own)
            .zip(scores)
            .map(|(((id, _, _), parts), score)| AccountScore {
                account_id: *id,
                parts,
                score,
            })
            .collect();
        (accounts, contacts.into_iter().map(|(_, c)| c).collect())
    }
}
