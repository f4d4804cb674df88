//! Planning an intake batch: each raw record is matched against the index and turned into what
//! the store must write — accounts to create, contacts to create or complete, and the intake
//! record that remembers the decision. Records are planned in order and each one's effect goes
//! into the index at once, so a later record in the same batch finds the contact or account an
//! earlier one made. Records not stored yet carry provisional (negative) ids until the store
//! gives them real ones ([`IntakePlan::settle`]).

use crate::ids::{AccountId, ContactId};
use crate::matching::{
    match_person, place_at, provisional_record, repeated_review, AccountEntry, AccountMatch,
    Candidate, ContactEntry, ContactMatch, MatchConfig, MatchIndex, MatchResult, MatchStatus,
    PersonRecord,
};
use crate::model::{IntakeOutcome, IntakeRecord, NewAccount, NewContact, PersonContext};
use crate::normalize::company::{company_key, is_placeholder};
use crate::normalize::{registrable_domain, Email};
use crate::validation::ValidationErrors;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// One raw record and its key within its source.
#[derive(Debug, Clone, PartialEq)]
pub struct IntakeItem {
    pub source_key: String,
    pub record: PersonRecord,
    /// What the source knows beyond the record (a migration's; form fills and files give none).
    pub hints: IntakeHints,
}

/// What a source that carries history knows about a record, beyond its fields.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IntakeHints {
    /// The account the source put the person under: the person stays there (and is still
    /// deduplicated against the contacts already known).
    pub account: Option<AccountId>,
    /// The contact (at the account) this record is known to be, such as a converted lead's: it
    /// is folded into it without matching.
    pub same_as: Option<(ContactId, AccountId)>,
    /// Firmographics the record carried, for an account created from it (and only then: they
    /// never overwrite an account's own).
    pub account_facts: Option<CompanyFacts>,
    /// What becomes of the person: kept with the record, so one placed from review later
    /// becomes the same contact it would have become at once.
    pub person: PersonContext,
}

/// Company facts typed on a person record (a lead's firmographics).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompanyFacts {
    pub industry: Option<String>,
    pub employees: Option<i64>,
    pub annual_revenue: Option<i64>,
}

/// An account to create, under a provisional id.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedAccount {
    pub id: AccountId,
    pub account: NewAccount,
}

/// A contact to create, under a provisional id; its account id may be provisional too.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedContact {
    pub id: ContactId,
    pub contact: NewContact,
}

/// Values a record offers an existing contact, written only where the contact has none: a
/// form fill never overwrites what a rep typed.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactFill {
    pub contact_id: ContactId,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub title: Option<String>,
}

/// The intake record to keep for one raw record.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRecord {
    pub source_key: String,
    pub payload: PersonRecord,
    pub observations: Value,
    pub outcome: IntakeOutcome,
    pub rule: String,
    pub confidence: f64,
    pub candidates: Vec<Candidate>,
    pub explanation: String,
    pub account_id: Option<AccountId>,
    pub contact_id: Option<ContactId>,
    /// For a record waiting in review: the earlier record waiting in review that it repeats
    /// (the same person), which it is placed with. Provisional ([`provisional_record`]) when
    /// that record is of this batch.
    pub duplicate_of: Option<i64>,
    /// What becomes of the person, kept with the record (see [`PersonContext`]).
    pub person: PersonContext,
}

impl PlannedRecord {
    /// Puts real ids in place of provisional ones, in the record and its candidates.
    pub fn rename(
        &mut self,
        accounts: &HashMap<AccountId, AccountId>,
        contacts: &HashMap<ContactId, ContactId>,
    ) {
        let account = |id: AccountId| accounts.get(&id).copied().unwrap_or(id);
        self.account_id = self.account_id.map(account);
        self.contact_id = self
            .contact_id
            .map(|c| contacts.get(&c).copied().unwrap_or(c));
        for c in &mut self.candidates {
            c.account_id = account(c.account_id);
        }
    }
}

/// Everything a batch writes, in the order the store writes it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IntakePlan {
    pub accounts: Vec<PlannedAccount>,
    pub contacts: Vec<PlannedContact>,
    pub fills: Vec<ContactFill>,
    pub records: Vec<PlannedRecord>,
    /// How many records plans before this one numbered: record `i` waits in review under the
    /// provisional id `provisional_record(record_offset + i)` until it is written.
    pub record_offset: usize,
}

/// True for an id handed out by the planner and not yet stored.
pub fn is_provisional(id: i64) -> bool {
    id < 0
}

impl IntakePlan {
    /// How many records of each outcome the plan keeps.
    pub fn count(&self, outcome: IntakeOutcome) -> usize {
        self.records.iter().filter(|r| r.outcome == outcome).count()
    }

    /// Gives the index the real ids the store assigned (`accounts[i]` for `self.accounts[i]`,
    /// `contacts[i]` for `self.contacts[i]`, `records[i]` for `self.records[i]`).
    pub fn settle(
        &self,
        index: &mut MatchIndex,
        accounts: &[AccountId],
        contacts: &[ContactId],
        records: &[i64],
    ) {
        let real: HashMap<AccountId, AccountId> = self
            .accounts
            .iter()
            .zip(accounts)
            .map(|(p, &id)| (p.id, id))
            .collect();
        for (p, &id) in self.accounts.iter().zip(accounts) {
            index.rename_account(p.id, id);
        }
        for (p, &id) in self.contacts.iter().zip(contacts) {
            let old = entry_of(p.id, &p.contact);
            let mut new = entry_of(id, &p.contact);
            new.account_id = real.get(&new.account_id).copied().unwrap_or(new.account_id);
            index.replace_contact(&old, &new);
        }
        let real = self.real_records(records);
        for r in self.waiting() {
            index.settle_review(&r.payload, &real);
        }
    }

    /// Each record's provisional id, with the real one the store gave it.
    fn real_records(&self, records: &[i64]) -> HashMap<i64, i64> {
        records
            .iter()
            .enumerate()
            .map(|(i, &id)| (provisional_record(self.record_offset + i), id))
            .collect()
    }

    /// Takes the real ids an earlier plan got, for a plan made on top of it while it was being
    /// written (`accounts[i]` for `earlier.accounts[i]`, `contacts[i]` for
    /// `earlier.contacts[i]`, `records[i]` for `earlier.records[i]`): this plan's contacts at
    /// the earlier plan's new accounts, its fills of the earlier plan's new contacts, its
    /// records' ids and candidates, and its repeats of records the earlier plan put in review,
    /// in the plan and in the index. Call it after `earlier.settle`, before writing this plan.
    pub fn rebase(
        &mut self,
        index: &mut MatchIndex,
        earlier: &IntakePlan,
        accounts: &[AccountId],
        contacts: &[ContactId],
        records: &[i64],
    ) {
        let account: HashMap<AccountId, AccountId> = earlier
            .accounts
            .iter()
            .map(|p| p.id)
            .zip(accounts.iter().copied())
            .collect();
        let contact: HashMap<ContactId, ContactId> = earlier
            .contacts
            .iter()
            .map(|p| p.id)
            .zip(contacts.iter().copied())
            .collect();
        for p in &mut self.contacts {
            if let Some(&real) = account.get(&p.contact.account_id) {
                let old = entry_of(p.id, &p.contact);
                p.contact.account_id = real;
                index.replace_contact(&old, &entry_of(p.id, &p.contact));
            }
        }
        for f in &mut self.fills {
            if let Some(&real) = contact.get(&f.contact_id) {
                f.contact_id = real;
            }
        }
        let record = earlier.real_records(records);
        for r in &mut self.records {
            r.rename(&account, &contact);
            if let Some(first) = r.duplicate_of.and_then(|d| record.get(&d)) {
                r.duplicate_of = Some(*first);
            }
        }
        for r in self.waiting() {
            index.settle_review(&r.payload, &record);
        }
    }

    /// The record each of the plan's new accounts is made from, the first record placed at
    /// it: `(index in records, index in accounts)`, in record order.
    pub fn account_creators(&self) -> Vec<(usize, usize)> {
        let planned: HashMap<AccountId, usize> = self
            .accounts
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id, i))
            .collect();
        let mut made = HashSet::new();
        self.records
            .iter()
            .enumerate()
            .filter_map(|(r, record)| {
                let a = *planned.get(&record.account_id?)?;
                made.insert(a).then_some((r, a))
            })
            .collect()
    }

    /// The first provisional ids a plan made after this one may hand out, so that plans made
    /// one on top of another never share one.
    pub fn next_provisional(&self) -> (i64, i64) {
        let accounts = self.accounts.iter().map(|p| p.id.0).min().unwrap_or(0);
        let contacts = self.contacts.iter().map(|p| p.id.0).min().unwrap_or(0);
        (accounts.min(0), contacts.min(0))
    }

    /// Takes the plan's provisional records back out of the index (the store refused the batch).
    pub fn forget(&self, index: &mut MatchIndex) {
        let accounts: HashSet<AccountId> = self.accounts.iter().map(|p| p.id).collect();
        index.remove_accounts(&accounts);
        let contacts: HashSet<ContactId> = self.contacts.iter().map(|p| p.id).collect();
        index.remove_contacts(&contacts);
        let records: HashSet<i64> = (0..self.records.len())
            .map(|i| provisional_record(self.record_offset + i))
            .collect();
        for r in self.waiting() {
            index.forget_review(&r.payload, &records);
        }
    }

    /// The records the plan puts in review.
    fn waiting(&self) -> impl Iterator<Item = &PlannedRecord> {
        self.records
            .iter()
            .filter(|r| r.outcome == IntakeOutcome::NeedsReview)
    }

    /// The real id a record's `duplicate_of` names, given the real ids of the plan's records.
    pub fn real_record(&self, id: i64, records: &[i64]) -> i64 {
        if id < 0 {
            ((-id - 1) as usize)
                .checked_sub(self.record_offset)
                .and_then(|i| records.get(i))
                .copied()
                .unwrap_or(id)
        } else {
            id
        }
    }
}

fn entry_of(id: ContactId, c: &NewContact) -> ContactEntry {
    ContactEntry {
        id,
        account_id: c.account_id,
        email: c.email.as_ref().map(|e| e.as_str().to_string()),
        first_name: c.first_name.clone(),
        last_name: c.last_name.clone(),
        phone: c.phone.clone(),
        title: c.title.clone(),
    }
}

/// Plans a batch record by record, against (and into) a match index.
pub struct Planner<'a> {
    index: &'a mut MatchIndex,
    config: MatchConfig,
    source: String,
    next_account: i64,
    next_contact: i64,
    plan: IntakePlan,
    /// Where a provisional contact sits in `plan.contacts`, and an existing contact's fill in
    /// `plan.fills`, so repeats within the batch complete one record.
    planned_contact: HashMap<ContactId, usize>,
    planned_fill: HashMap<ContactId, usize>,
}

impl<'a> Planner<'a> {
    /// A planner for records from `source` (kept as the new contacts' source).
    pub fn new(index: &'a mut MatchIndex, config: MatchConfig, source: &str) -> Planner<'a> {
        Planner {
            index,
            config,
            source: source.to_string(),
            next_account: 0,
            next_contact: 0,
            plan: IntakePlan::default(),
            planned_contact: HashMap::new(),
            planned_fill: HashMap::new(),
        }
    }

    /// A planner whose provisional ids continue from those of a plan not yet written, so a
    /// batch can be planned on top of one the store is still writing (see
    /// [`IntakePlan::rebase`]).
    pub fn after(mut self, earlier: &IntakePlan) -> Planner<'a> {
        (self.next_account, self.next_contact) = earlier.next_provisional();
        self.plan.record_offset = earlier.record_offset + earlier.records.len();
        self
    }

    /// The plan so far.
    pub fn finish(self) -> IntakePlan {
        self.plan
    }

    /// Plans one record.
    pub fn add(&mut self, item: IntakeItem) {
        let record = clean(item.record);
        // A field too long or holding a control character rejects the record before any
        // matching: it costs nothing however long it is, and the rest of the batch goes on.
        if let Err(errors) = record.check() {
            self.reject_invalid(item.source_key, record, &errors);
            return;
        }
        let mut observations = observations_of(&record);
        let email = match record.email.as_deref().map(Email::parse) {
            Some(Ok(e)) => Some(e),
            Some(Err(e)) => {
                observations.insert("invalid_email".into(), Value::String(e.to_string()));
                None
            }
            None => None,
        };
        let mut matchable = record.clone();
        matchable.email = email.as_ref().map(|e| e.as_str().to_string());
        let mut planned = PlannedRecord {
            source_key: item.source_key,
            payload: record.clone(),
            observations: Value::Object(observations),
            outcome: IntakeOutcome::Rejected,
            rule: "no_identity".into(),
            confidence: 0.0,
            candidates: Vec::new(),
            explanation: "no name and no valid email: nothing to make a contact from".into(),
            account_id: None,
            contact_id: None,
            duplicate_of: None,
            person: item.hints.person.clone(),
        };
        if email.is_none() && record.first_name.is_none() && record.last_name.is_none() {
            self.plan.records.push(planned);
            return;
        }

        let hints = item.hints;
        let result = match (hints.same_as, hints.account) {
            (Some((contact, account)), _) => MatchResult {
                status: MatchStatus::Matched,
                rule: "same_as",
                confidence: 1.0,
                contact: Some(ContactMatch {
                    contact_id: contact,
                    rule: "same_as",
                    confidence: 1.0,
                }),
                account: Some(AccountMatch {
                    account_id: account,
                    name: String::new(),
                    parent_id: None,
                }),
                new_account_domain: None,
                candidates: Vec::new(),
                explanation: format!("the source says this is contact {contact}"),
            },
            (None, Some(account)) => place_at(self.index, &matchable, account),
            (None, None) => match_person(self.index, &matchable, &self.config),
        };
        planned.rule = result.rule.to_string();
        planned.confidence = result.confidence;
        planned.explanation = result.explanation.clone();
        planned.candidates = result.candidates.clone();
        match result.status {
            MatchStatus::Matched => {
                let account = result.account.as_ref().map(|a| a.account_id);
                planned.account_id = account;
                if let Some(c) = &result.contact {
                    self.fill(c.contact_id, &record);
                    planned.outcome = IntakeOutcome::Matched;
                    planned.contact_id = Some(c.contact_id);
                } else if let Some(account) = account {
                    self.create_contact(&mut planned, account, &record, email, &hints);
                }
            }
            MatchStatus::NewAccount => {
                let domain = result.new_account_domain.clone().unwrap_or_default();
                match self.create_account(&record, &domain, &hints) {
                    Ok(account) => {
                        planned.account_id = Some(account);
                        self.create_contact(&mut planned, account, &record, email, &hints);
                    }
                    Err(errors) => {
                        planned.outcome = IntakeOutcome::Rejected;
                        planned.rule = "invalid".into();
                        planned.explanation =
                            format!("the record's company cannot be an account: {errors}");
                    }
                }
            }
            MatchStatus::Review => {
                planned.outcome = IntakeOutcome::NeedsReview;
                // The queue holds each person once: a repeat of a record waiting there is
                // attached to it, and placed with it.
                let repeat = repeated_review(self.index, &matchable);
                if let Some(r) = &repeat {
                    planned.rule = r.rule.to_string();
                    planned.confidence = r.confidence;
                    planned.explanation = r.explanation.clone();
                    planned.duplicate_of = Some(r.record);
                }
                let id = provisional_record(self.plan.record_offset + self.plan.records.len());
                self.index
                    .insert_review(id, repeat.map(|r| r.record), &matchable);
            }
        }
        self.plan.records.push(planned);
    }

    fn create_account(
        &mut self,
        record: &PersonRecord,
        domain: &str,
        hints: &IntakeHints,
    ) -> Result<AccountId, ValidationErrors> {
        let name = record
            .company
            .clone()
            .filter(|c| !is_placeholder(&company_key(c)) && !company_key(c).is_empty())
            .unwrap_or_else(|| name_from_domain(domain));
        let facts = hints.account_facts.clone().unwrap_or_default();
        let account = NewAccount {
            name: name.clone(),
            domains: vec![domain.to_string()],
            industry: facts.industry,
            employees: facts.employees,
            annual_revenue: facts.annual_revenue,
            // A new account's empty fields are seeded from the record that made it.
            country: record.country.clone(),
            state: record.state.clone(),
            city: record.city.clone(),
            created_at: hints.person.created_at,
            ..NewAccount::default()
        };
        // Checked here, not only by the store: one account the store refused would refuse
        // the whole batch with it.
        account.clone().validate()?;
        self.next_account -= 1;
        let id = AccountId(self.next_account);
        // The index holds the account as the store will: a run resumed after a crash reads it
        // back from there, and must decide the records after it as the first run did.
        self.index.insert_account(AccountEntry {
            id,
            name,
            domains: vec![domain.to_string()],
            duns: None,
            country: account.country.clone(),
            state: account.state.clone(),
            city: account.city.clone(),
            parent_id: None,
        });
        self.plan.accounts.push(PlannedAccount { id, account });
        Ok(id)
    }

    /// Keeps a record whose fields cannot be taken as rejected, naming each field and why
    /// (also under `invalid` in its observations, for a caller that reports by field). Its
    /// control characters are dropped so it can be stored at all.
    fn reject_invalid(
        &mut self,
        source_key: String,
        record: PersonRecord,
        errors: &ValidationErrors,
    ) {
        let invalid: Map<String, Value> = errors
            .0
            .iter()
            .map(|e| (e.field.clone(), Value::String(e.reason.clone())))
            .collect();
        let mut observations = Map::new();
        observations.insert("invalid".into(), Value::Object(invalid));
        self.plan.records.push(PlannedRecord {
            source_key,
            payload: record.without_controls(),
            observations: Value::Object(observations),
            outcome: IntakeOutcome::Rejected,
            rule: "invalid".into(),
            confidence: 0.0,
            candidates: Vec::new(),
            explanation: format!("the record cannot be taken: {errors}"),
            account_id: None,
            contact_id: None,
            duplicate_of: None,
            person: PersonContext::default(),
        });
    }

    fn create_contact(
        &mut self,
        planned: &mut PlannedRecord,
        account: AccountId,
        record: &PersonRecord,
        email: Option<Email>,
        hints: &IntakeHints,
    ) {
        let from_record = contact_from_record(record, account, &self.source);
        let contact = NewContact {
            email,
            status: hints.person.status,
            source: hints.person.source.clone().or(from_record.source.clone()),
            created_at: hints.person.created_at,
            owner_id: hints.person.owner,
            ..from_record
        };
        match contact.validate() {
            Ok(contact) => {
                self.next_contact -= 1;
                let id = ContactId(self.next_contact);
                self.index.insert_contact(&entry_of(id, &contact));
                self.planned_contact.insert(id, self.plan.contacts.len());
                self.plan.contacts.push(PlannedContact { id, contact });
                planned.outcome = IntakeOutcome::Created;
                planned.contact_id = Some(id);
            }
            Err(errors) => {
                planned.outcome = IntakeOutcome::Rejected;
                planned.rule = "invalid".into();
                planned.explanation = format!("the record cannot be a contact: {errors}");
            }
        }
    }

    /// Completes the blanks of a contact: one planned in this batch, or an existing one.
    fn fill(&mut self, id: ContactId, record: &PersonRecord) {
        if let Some(&i) = self.planned_contact.get(&id) {
            let c = &mut self.plan.contacts[i].contact;
            fill_blank(&mut c.first_name, &record.first_name);
            fill_blank(&mut c.last_name, &record.last_name);
            fill_blank(&mut c.phone, &record.phone);
            if c.title.is_none() && record.title.is_some() {
                c.title = record.title.clone();
                // Re-derive seniority and department from the new title.
                c.seniority = None;
                c.department = None;
                if let Ok(valid) = c.clone().validate() {
                    *c = valid;
                }
            }
            return;
        }
        let i = *self.planned_fill.entry(id).or_insert_with(|| {
            self.plan.fills.push(ContactFill {
                contact_id: id,
                first_name: None,
                last_name: None,
                phone: None,
                title: None,
            });
            self.plan.fills.len() - 1
        });
        let f = &mut self.plan.fills[i];
        fill_blank(&mut f.first_name, &record.first_name);
        fill_blank(&mut f.last_name, &record.last_name);
        fill_blank(&mut f.phone, &record.phone);
        fill_blank(&mut f.title, &record.title);
    }
}

/// The contact a raw record makes at `account` (unvalidated; an unreadable email is left out).
pub fn contact_from_record(record: &PersonRecord, account: AccountId, source: &str) -> NewContact {
    let record = clean(record.clone());
    NewContact {
        first_name: record.first_name,
        last_name: record.last_name,
        email: record.email.as_deref().and_then(|e| Email::parse(e).ok()),
        phone: record.phone,
        title: record.title,
        source: Some(source.to_string()),
        ..NewContact::at(account)
    }
}

/// The contact a record waiting in review becomes when placed at `account`: the record's fields
/// with the source's status, owner, source and creation date (when it arrived, unless the source
/// knew the person earlier), as it would have become at once. A contact the record merges into
/// keeps its own.
pub fn placed_contact(record: &IntakeRecord, account: AccountId) -> NewContact {
    let from_record = contact_from_record(&record.payload, account, &record.source);
    let person = &record.person;
    NewContact {
        status: person.status.or(from_record.status),
        owner_id: person.owner.or(from_record.owner_id),
        source: person.source.clone().or(from_record.source.clone()),
        created_at: person.created_at.or(Some(record.received_at)),
        ..from_record
    }
}

/// The account a record waiting in review is weighed at before a person decides: its best
/// candidate. `None` when it has none (its company would be a new account).
pub fn best_candidate(record: &IntakeRecord) -> Option<AccountId> {
    record.candidates.first().map(|c| c.account_id)
}

fn fill_blank(slot: &mut Option<String>, value: &Option<String>) {
    if slot.is_none() {
        slot.clone_from(value);
    }
}

/// Trims every field; blank fields become absent.
fn clean(r: PersonRecord) -> PersonRecord {
    let c = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    PersonRecord {
        first_name: c(r.first_name),
        last_name: c(r.last_name),
        email: c(r.email),
        company: c(r.company),
        title: c(r.title),
        country: c(r.country),
        state: c(r.state),
        city: c(r.city),
        phone: c(r.phone),
        duns: c(r.duns),
        website: c(r.website),
    }
}

/// The company facts a person typed: kept on the intake record, never copied to the account.
fn observations_of(r: &PersonRecord) -> Map<String, Value> {
    let mut m = Map::new();
    for (k, v) in [
        ("company", &r.company),
        ("website", &r.website),
        ("duns", &r.duns),
        ("country", &r.country),
        ("state", &r.state),
        ("city", &r.city),
    ] {
        if let Some(v) = v {
            m.insert(k.into(), Value::String(v.clone()));
        }
    }
    m
}

/// A readable account name for a domain nobody named: `acme-robotics.co.uk` -> "Acme Robotics".
pub fn name_from_domain(domain: &str) -> String {
    let registrable = registrable_domain(domain);
    let label = registrable.split('.').next().unwrap_or(domain);
    let words: Vec<String> = label
        .split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_uppercase().chain(cs).collect(),
                None => String::new(),
            }
        })
        .collect();
    if words.is_empty() {
        domain.to_string()
    } else {
        words.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;
    use crate::model::ContactStatus;

    fn index() -> MatchIndex {
        let mut index = MatchIndex::new();
        index.insert_account(AccountEntry {
            id: AccountId(1),
            name: "Acme Corporation".into(),
            domains: vec!["acme.com".into()],
            duns: None,
            country: Some("US".into()),
            state: Some("CA".into()),
            city: None,
            parent_id: None,
        });
        index.insert_contact(&ContactEntry {
            id: ContactId(10),
            account_id: AccountId(1),
            email: Some("jane@acme.com".into()),
            first_name: Some("Jane".into()),
            last_name: None,
            phone: None,
            title: None,
        });
        index
    }

    fn item(key: &str, first: &str, email: &str, company: &str) -> IntakeItem {
        let s = |v: &str| (!v.is_empty()).then(|| v.to_string());
        IntakeItem {
            hints: Default::default(),
            source_key: key.into(),
            record: PersonRecord {
                first_name: s(first),
                last_name: s("Doe"),
                email: s(email),
                company: s(company),
                title: s("VP of Marketing"),
                ..PersonRecord::default()
            },
        }
    }

    #[test]
    fn a_plan_made_on_top_of_an_unwritten_one_takes_its_real_ids_when_rebased() {
        let mut index = index();
        // Batch one makes an account from a new work domain, and a contact there.
        let mut planner = Planner::new(&mut index, MatchConfig::default(), "import");
        planner.add(item("1", "Ann", "ann@initech.io", "Initech"));
        let first = planner.finish();
        assert_eq!((first.accounts.len(), first.contacts.len()), (1, 1));
        // Batch two, planned before batch one is written: a colleague at the new account,
        // Ann again (a fill of batch one's contact), and a record at an existing account.
        let mut planner = Planner::new(&mut index, MatchConfig::default(), "import").after(&first);
        planner.add(item("2", "Bob", "bob@initech.io", "Initech"));
        planner.add(item("3", "Ann", "ann@initech.io", ""));
        planner.add(item("4", "Cy", "cy@acme.com", ""));
        let mut second = planner.finish();
        let (new_account, ann) = (first.accounts[0].id, first.contacts[0].id);
        assert_eq!(second.contacts[0].contact.account_id, new_account);
        assert_eq!(second.fills[0].contact_id, ann);
        assert!(
            second.contacts.iter().all(|p| p.id != ann),
            "provisional ids never repeat across plans"
        );

        // Batch one is written: its ids are real now, and batch two takes them.
        first.settle(&mut index, &[AccountId(500)], &[ContactId(900)], &[70]);
        second.rebase(
            &mut index,
            &first,
            &[AccountId(500)],
            &[ContactId(900)],
            &[70],
        );
        assert_eq!(second.contacts[0].contact.account_id, AccountId(500));
        assert_eq!(second.fills[0].contact_id, ContactId(900));
        let records: Vec<_> = second
            .records
            .iter()
            .map(|r| (r.account_id, r.contact_id))
            .collect();
        assert_eq!(records[0].0, Some(AccountId(500)));
        assert_eq!(records[1], (Some(AccountId(500)), Some(ContactId(900))));
        assert_eq!(records[2].0, Some(AccountId(1)));
        // The index files Bob under the real account, so settling batch two leaves no
        // provisional entry behind.
        let bob = Email::parse("bob@initech.io").unwrap();
        assert_eq!(
            index.contact_with_email(&bob),
            Some((second.contacts[0].id, AccountId(500)))
        );
        second.settle(
            &mut index,
            &[],
            &[ContactId(901), ContactId(902)],
            &[71, 72, 73],
        );
        assert_eq!(
            index.contact_with_email(&bob),
            Some((ContactId(901), AccountId(500)))
        );
    }

    #[test]
    fn each_new_account_is_made_from_the_first_record_placed_at_it() {
        let mut index = index();
        let mut planner = Planner::new(&mut index, MatchConfig::default(), "import");
        planner.add(item("1", "Cy", "cy@acme.com", ""));
        planner.add(item("2", "Ann", "ann@initech.io", "Initech"));
        planner.add(item("3", "Bob", "bob@initech.io", "Initech"));
        planner.add(item("4", "Eve", "eve@hooli.xyz", "Hooli"));
        let plan = planner.finish();
        assert_eq!(plan.accounts.len(), 2);
        assert_eq!(plan.account_creators(), [(1, 0), (3, 1)]);
    }

    #[test]
    fn hints_keep_a_source_placement_fold_a_known_person_and_seed_only_new_accounts() {
        let mut index = index();
        index.insert_account(AccountEntry {
            id: AccountId(2),
            name: "Globex".into(),
            domains: vec!["globex.com".into()],
            duns: None,
            country: None,
            state: None,
            city: None,
            parent_id: None,
        });
        let mut planner = Planner::new(&mut index, MatchConfig::default(), "salesforce");
        // The source put this gmail user under Globex: she stays there.
        let mut kept = item("c1", "Lu", "lu@gmail.com", "");
        kept.hints.account = Some(AccountId(2));
        kept.hints.person.status = Some(ContactStatus::Nurture);
        planner.add(kept);
        // Under Globex in the source, but her email is already contact 10's: merged.
        let mut known = item("c2", "Jane", "jane@acme.com", "");
        known.hints.account = Some(AccountId(2));
        planner.add(known);
        // A converted lead: folded into the contact the source names, whatever its fields say.
        let mut converted = item("l1", "Janet", "janet@elsewhere.org", "Elsewhere");
        converted.hints.same_as = Some((ContactId(10), AccountId(1)));
        planner.add(converted);
        // A lead that creates an account seeds it; one that matches an account does not touch it.
        let facts = CompanyFacts {
            industry: Some("Robotics".into()),
            employees: Some(40),
            annual_revenue: None,
        };
        let mut new = item("l2", "Tom", "tom@newco.io", "NewCo");
        new.hints.account_facts = Some(facts.clone());
        planner.add(new);
        let mut matched = item("l3", "Ann", "ann@globex.com", "Globex");
        matched.hints.account_facts = Some(facts);
        planner.add(matched);
        let plan = planner.finish();

        let r = &plan.records;
        assert_eq!(
            (r[0].outcome, r[0].rule.as_str()),
            (IntakeOutcome::Created, "source_account")
        );
        assert_eq!(plan.contacts[0].contact.account_id, AccountId(2));
        assert_eq!(
            plan.contacts[0].contact.status,
            Some(ContactStatus::Nurture)
        );
        assert_eq!(
            (r[1].outcome, r[1].contact_id),
            (IntakeOutcome::Matched, Some(ContactId(10)))
        );
        assert_eq!(
            (r[2].rule.as_str(), r[2].contact_id),
            ("same_as", Some(ContactId(10)))
        );
        assert_eq!(r[2].account_id, Some(AccountId(1)));
        assert_eq!(plan.accounts.len(), 1);
        assert_eq!(
            plan.accounts[0].account.industry.as_deref(),
            Some("Robotics")
        );
        assert_eq!(plan.accounts[0].account.employees, Some(40));
        assert_eq!(
            (r[4].outcome, r[4].account_id),
            (IntakeOutcome::Created, Some(AccountId(2)))
        );
    }

    #[test]
    fn the_owner_hint_owns_a_created_contact_and_never_one_merged_into() {
        let mut index = index();
        let mut planner = Planner::new(&mut index, MatchConfig::default(), "salesforce");
        let mut new = item("l1", "Ann", "ann@acme.com", "Acme");
        new.hints.person.owner = Some(UserId(7));
        planner.add(new);
        // Contact 10 (jane@acme.com) exists: a lead that is her merges and leaves her owner be.
        let mut known = item("l2", "Jane", "jane@acme.com", "Acme");
        known.hints.person.owner = Some(UserId(8));
        planner.add(known);
        let plan = planner.finish();
        assert_eq!(plan.contacts.len(), 1);
        assert_eq!(plan.contacts[0].contact.owner_id, Some(UserId(7)));
        // A fill completes blanks only: it has no owner to write.
        assert_eq!(
            (plan.records[1].outcome, plan.records[1].contact_id),
            (IntakeOutcome::Matched, Some(ContactId(10)))
        );
    }

    #[test]
    fn a_batch_creates_contacts_accounts_and_review_entries() {
        let mut index = index();
        let mut planner = Planner::new(&mut index, MatchConfig::default(), "import:t.csv");
        planner.add(item("1", "Jane", " JANE@acme.com ", "Acme"));
        planner.add(item("2", "Ann", "ann@acme.com", "ACME Corp."));
        planner.add(item("3", "Tom", "tom@newco.io", "NewCo GmbH"));
        planner.add(item("4", "Tim", "tim@newco.io", ""));
        planner.add(item("5", "Kim", "kim@gmail.com", "Unknown Widgets"));
        planner.add(item("6", "", "not an email", ""));
        planner.add(item("7", "Ann", "ANN@acme.com", ""));
        let plan = planner.finish();

        let outcomes: Vec<_> = plan.records.iter().map(|r| r.outcome).collect();
        use IntakeOutcome::*;
        assert_eq!(
            outcomes,
            [
                Matched,
                Created,
                Created,
                Created,
                NeedsReview,
                NeedsReview,
                Matched
            ]
        );
        assert_eq!(plan.records[0].contact_id, Some(ContactId(10)));
        // Jane's record offers its values; the store writes them only where she has none.
        assert_eq!(plan.fills.len(), 1);
        assert_eq!(plan.fills[0].contact_id, ContactId(10));
        assert_eq!(plan.fills[0].title.as_deref(), Some("VP of Marketing"));
        // One new account for newco.io, named from the company typed, shared by Tom and Tim.
        assert_eq!(plan.accounts.len(), 1);
        assert_eq!(plan.accounts[0].account.name, "NewCo GmbH");
        assert_eq!(plan.records[2].account_id, plan.records[3].account_id);
        assert_eq!(plan.records[2].rule, "new_account_domain");
        assert_eq!(plan.records[3].rule, "email_domain");
        // Record 6 has a last name but a broken email and no company: nobody can tell where
        // the person works, so a person decides; the broken address is noted.
        assert_eq!(
            plan.records[5].observations["invalid_email"]
                .as_str()
                .map(|s| !s.is_empty()),
            Some(true)
        );
        // Ann's repeat finds the contact the batch planned for her.
        assert_eq!(plan.records[6].contact_id, plan.records[1].contact_id);
        assert!(is_provisional(plan.records[1].contact_id.unwrap().0));
        // Observations keep what the person typed about the company.
        assert_eq!(plan.records[1].observations["company"], "ACME Corp.");
        assert_eq!(plan.contacts.len(), 3, "Ann, Tom, Tim");
        assert_eq!(
            plan.contacts[0].contact.source.as_deref(),
            Some("import:t.csv")
        );
    }

    #[test]
    fn a_record_with_no_name_and_no_email_is_rejected_not_dropped() {
        let mut index = index();
        let mut planner = Planner::new(&mut index, MatchConfig::default(), "api");
        planner.add(IntakeItem {
            hints: Default::default(),
            source_key: "k".into(),
            record: PersonRecord {
                company: Some("Acme".into()),
                email: Some("@@".into()),
                ..PersonRecord::default()
            },
        });
        let plan = planner.finish();
        assert_eq!(plan.records.len(), 1);
        assert_eq!(plan.records[0].outcome, IntakeOutcome::Rejected);
        assert_eq!(plan.records[0].rule, "no_identity");
        assert!(plan.contacts.is_empty());
    }

    #[test]
    fn settling_gives_the_index_real_ids() {
        let mut index = index();
        let mut planner = Planner::new(&mut index, MatchConfig::default(), "api");
        planner.add(item("1", "Tom", "tom@newco.io", "NewCo"));
        let plan = planner.finish();
        plan.settle(&mut index, &[AccountId(77)], &[ContactId(700)], &[1]);
        let mut again = Planner::new(&mut index, MatchConfig::default(), "api");
        again.add(item("2", "Tom", "tom@newco.io", "NewCo"));
        again.add(item("3", "Tia", "tia@newco.io", "NewCo"));
        let plan = again.finish();
        assert_eq!(plan.records[0].contact_id, Some(ContactId(700)));
        assert_eq!(plan.records[1].account_id, Some(AccountId(77)));
        assert!(plan.accounts.is_empty());
    }

    #[test]
    fn forgetting_a_refused_plan_leaves_the_index_as_it_was() {
        let mut index = index();
        let mut planner = Planner::new(&mut index, MatchConfig::default(), "api");
        planner.add(item("1", "Tom", "tom@newco.io", "NewCo"));
        let plan = planner.finish();
        plan.forget(&mut index);
        let mut again = Planner::new(&mut index, MatchConfig::default(), "api");
        again.add(item("1", "Tom", "tom@newco.io", "NewCo"));
        let plan = again.finish();
        assert_eq!(plan.accounts.len(), 1, "newco.io is unknown again");
        assert_eq!(plan.records[0].outcome, IntakeOutcome::Created);
    }

    fn free_mail(key: &str, first: &str, last: &str, email: &str) -> IntakeItem {
        IntakeItem {
            hints: Default::default(),
            source_key: key.into(),
            record: PersonRecord {
                first_name: Some(first.into()),
                last_name: Some(last.into()),
                email: Some(email.into()),
                ..PersonRecord::default()
            },
        }
    }

    #[test]
    fn a_repeat_of_a_person_waiting_in_review_is_attached_to_the_first_record() {
        let mut index = index();
        let mut planner = Planner::new(&mut index, MatchConfig::default(), "api");
        planner.add(free_mail("1", "Ingrid", "Clark", "ingridclark34@aol.com"));
        planner.add(free_mail(
            "2",
            "Ingrid",
            "Clark",
            "ingridclark34@hotmail.com",
        ));
        planner.add(free_mail("3", "John", "Smith", "jsmith@gmail.com"));
        planner.add(free_mail("4", "John", "Smith", "jsmith@yahoo.com"));
        planner.add(free_mail("5", "Astrid", "Clark", "ingridclark34@gmx.de"));
        planner.add(free_mail(
            "6",
            "Ingrid",
            "Clark",
            "IngridClark34+x@Hotmail.com",
        ));
        let plan = planner.finish();

        let repeats: Vec<_> = plan.records.iter().map(|r| r.duplicate_of).collect();
        let first = Some(provisional_record(0));
        assert_eq!(repeats, [None, first, None, None, None, first]);
        assert!(plan
            .records
            .iter()
            .all(|r| r.outcome == IntakeOutcome::NeedsReview));
        assert_eq!(plan.records[1].rule, "review_handle");
        assert_eq!(plan.records[5].rule, "review_email_plus_tag");
        assert!(plan.contacts.is_empty());
    }

    #[test]
    fn a_later_batch_attaches_to_the_stored_record_and_a_refused_one_leaves_no_trace() {
        let mut index = index();
        let mut planner = Planner::new(&mut index, MatchConfig::default(), "api");
        planner.add(free_mail("1", "Ingrid", "Clark", "ingridclark34@aol.com"));
        let plan = planner.finish();
        plan.settle(&mut index, &[], &[], &[41]);

        let mut refused = Planner::new(&mut index, MatchConfig::default(), "api");
        refused.add(free_mail("2", "Ann", "Lee", "annlee1984@gmail.com"));
        refused.add(free_mail("3", "Ingrid", "Clark", "ingridclark34@gmail.com"));
        let refused = refused.finish();
        assert_eq!(refused.records[1].duplicate_of, Some(41));
        refused.forget(&mut index);

        let mut again = Planner::new(&mut index, MatchConfig::default(), "api");
        again.add(free_mail("4", "Ann", "Lee", "annlee1984@yahoo.com"));
        again.add(free_mail("5", "Ingrid", "Clark", "INGRIDCLARK34@aol.com"));
        let plan = again.finish();
        assert_eq!(
            plan.records[0].duplicate_of, None,
            "Ann's first record was refused"
        );
        assert_eq!(plan.records[1].duplicate_of, Some(41));
    }

    #[test]
    fn a_repeat_planned_on_top_of_an_unwritten_batch_attaches_to_its_real_record() {
        let mut index = index();
        let mut planner = Planner::new(&mut index, MatchConfig::default(), "api");
        planner.add(free_mail("1", "Ingrid", "Clark", "ingridclark34@aol.com"));
        let first = planner.finish();
        let mut planner = Planner::new(&mut index, MatchConfig::default(), "api").after(&first);
        planner.add(free_mail("2", "Ann", "Lee", "annlee1984@gmail.com"));
        planner.add(free_mail(
            "3",
            "Ingrid",
            "Clark",
            "ingridclark34@hotmail.com",
        ));
        let mut second = planner.finish();
        assert_eq!(second.record_offset, 1);
        assert_eq!(second.records[1].duplicate_of, Some(provisional_record(0)));

        first.settle(&mut index, &[], &[], &[41]);
        second.rebase(&mut index, &first, &[], &[], &[41]);
        assert_eq!(second.records[1].duplicate_of, Some(41));
        second.settle(&mut index, &[], &[], &[42, 43]);
        // Every key now leads to a real record: a third batch attaches to the first one, and
        // Ann's repeat to Ann's.
        let mut planner = Planner::new(&mut index, MatchConfig::default(), "api");
        planner.add(free_mail("4", "Ingrid", "Clark", "ingridclark34@gmx.de"));
        planner.add(free_mail("5", "Ann", "Lee", "annlee1984@yahoo.com"));
        let third = planner.finish();
        let repeats: Vec<_> = third.records.iter().map(|r| r.duplicate_of).collect();
        assert_eq!(repeats, [Some(41), Some(42)]);
    }

    #[test]
    fn a_free_mail_handle_alone_does_not_make_a_record_an_existing_contact() {
        // Measured on generated exports, a shared handle under one name merged more namesakes
        // than people: a person decides, in review.
        let mut index = index();
        index.insert_contact(&ContactEntry {
            id: ContactId(11),
            account_id: AccountId(1),
            email: Some("ingridclark34@gmail.com".into()),
            first_name: Some("Ingrid".into()),
            last_name: Some("Clark".into()),
            phone: None,
            title: None,
        });
        let mut planner = Planner::new(&mut index, MatchConfig::default(), "api");
        planner.add(free_mail("1", "Ingrid", "Clark", "ingridclark34@aol.com"));
        let plan = planner.finish();
        assert_eq!(
            (plan.records[0].outcome, plan.records[0].contact_id),
            (IntakeOutcome::NeedsReview, None)
        );
    }

    #[test]
    fn accounts_made_from_a_bare_domain_get_a_readable_name() {
        assert_eq!(name_from_domain("acme-robotics.co.uk"), "Acme Robotics");
        assert_eq!(name_from_domain("mail.zeta.io"), "Zeta");
    }

    #[test]
    fn a_record_with_a_field_too_long_or_a_nul_is_rejected_alone_naming_the_field() {
        let mut index = index();
        let mut planner = Planner::new(&mut index, MatchConfig::default(), "import");
        planner.add(item("1", "Ann", "ann@initech.io", "Initech"));
        planner.add(item("2", "Bob", "bob@globex.io", &"G".repeat(256)));
        planner.add(item("3", "C\0y", "cy@umbrella.io", "Umbrella"));
        planner.add(item("4", "Di", "di@hooli.io", &"Hooli ".repeat(10_000)));
        let plan = planner.finish();
        let outcomes: Vec<_> = plan.records.iter().map(|r| r.outcome).collect();
        assert_eq!(
            outcomes,
            [
                IntakeOutcome::Created,
                IntakeOutcome::Rejected,
                IntakeOutcome::Rejected,
                IntakeOutcome::Rejected
            ]
        );
        let invalid = |i: usize| plan.records[i].observations["invalid"].clone();
        assert!(invalid(1)["company"]
            .as_str()
            .unwrap()
            .contains("256 characters"));
        assert!(invalid(2)["first_name"]
            .as_str()
            .unwrap()
            .contains("U+0000"));
        assert_eq!(plan.records[2].payload.first_name.as_deref(), Some("Cy"));
        assert_eq!(
            plan.accounts.len(),
            1,
            "only the valid record makes an account"
        );
    }
}
