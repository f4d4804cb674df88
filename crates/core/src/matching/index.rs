//! The in-memory match index: exact maps for emails, domains, DUNS and company keys, and a
//! blocking index (tokens and their one-deletion variants) so fuzzy matching looks at a few
//! candidates, never at every account. Inserts are incremental: an account added during a batch
//! is matchable by the next record.

use super::handle::{handle_key, HandleKey};
use super::record::{AccountEntry, ContactEntry, PersonRecord};
use super::FastMap;
use crate::ids::{AccountId, ContactId};
use crate::model::normalize_duns_str;
use crate::normalize::company::{company_key, company_tokens, is_placeholder};
use crate::normalize::country::{country_key, legal_form_country, region_key};
use crate::normalize::person::person_key;
use crate::normalize::text::{fold, head};
use crate::normalize::{normalize_domain, personal_domain, registrable_domain, Email};
use std::collections::{HashMap, HashSet};

/// A blocking bucket larger than this is a common word ("systems", "global") and is not used
/// to find candidates: it would make fuzzy matching scan much of the index.
const MAX_BUCKET: usize = 400;
/// Enough candidates: a block shared with more accounts than [`RARE_BUCKET`] adds no more once
/// this many are found.
const MAX_CANDIDATES: usize = 48;
/// A block this small is a rare word (or a typo of one): its accounts are always candidates.
const RARE_BUCKET: usize = 8;

/// An account, normalized once for matching.
#[derive(Debug, Clone)]
pub(crate) struct IndexedAccount {
    pub entry: AccountEntry,
    pub key: String,
    pub location: Location,
    /// The country of the name's legal form (`GmbH` -> DE), read once: every name match
    /// weighs it against the record's.
    pub legal_form_country: Option<&'static str>,
}

/// A contact, normalized once for matching.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IndexedContact {
    pub id: ContactId,
    pub account: AccountId,
    /// A hash of the contact's corporate mailbox (0 when it has none): two people with one
    /// name at one account but different work mailboxes are namesakes, not one person.
    pub work_mailbox: u64,
}

/// The hash [`IndexedContact::work_mailbox`] keeps: of the address without its +tag, when its
/// domain is a company's (0 for free-mail or no address).
pub(crate) fn work_mailbox(email: Option<&Email>) -> u64 {
    use std::hash::{Hash, Hasher};
    match email {
        Some(e) if personal_domain(&registrable_domain(e.domain())).is_none() => {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            e.without_plus_tag().hash(&mut h);
            h.finish().max(1)
        }
        _ => 0,
    }
}

/// Everything the matcher looks records up in. A dry run plans on a clone of a live one.
#[derive(Debug, Default, Clone)]
pub struct MatchIndex {
    pub(crate) accounts: Vec<IndexedAccount>,
    pub(crate) by_id: FastMap<AccountId, usize>,
    pub(crate) by_domain: FastMap<String, usize>,
    pub(crate) by_duns: FastMap<String, usize>,
    pub(crate) by_key: FastMap<String, Vec<usize>>,
    /// The same names written without spaces, and the names the accounts' domains spell
    /// (`sedamedia.de` -> `sedamedia`): "Seda Media" at an account named from its domain.
    pub(crate) by_alias: FastMap<String, Vec<usize>>,
    pub(crate) blocks: FastMap<String, Vec<usize>>,
    /// Initials of names of three or more words (`abs` for Acme Business Solutions): what
    /// people type for a long name.
    pub(crate) by_initials: FastMap<String, Vec<usize>>,
    /// Each account's domains written without dots (`ostwald.de` -> `ostwaldde`): a dropped
    /// dot (`ostwaldde.com`) is the commonest way to mistype a country-code domain.
    pub(crate) by_dotless: FastMap<String, usize>,
    /// The accounts whose parent is the key: a family is walked down from the domain's owner.
    pub(crate) children: FastMap<AccountId, Vec<usize>>,
    pub(crate) contact_by_email: FastMap<String, IndexedContact>,
    pub(crate) contact_by_mailbox: FastMap<String, IndexedContact>,
    pub(crate) contact_by_name: FastMap<(String, AccountId), IndexedContact>,
    /// Each contact as a record, for comparing field by field with one at its account.
    pub(crate) contact_people: FastMap<ContactId, (AccountId, PersonRecord)>,
    /// The contacts of an account by the start of their last and of their first name
    /// ([`person_blocks`]).
    pub(crate) people_blocks: FastMap<(AccountId, String), Vec<ContactId>>,
    /// Intake records waiting in review, by what identifies their person. Each key leads to
    /// the first record of that person (the one later repeats are attached to). Ids are intake
    /// record ids; negative ones are records of a batch being planned ([`provisional_record`]).
    pub(crate) review_by_email: FastMap<String, i64>,
    pub(crate) review_by_mailbox: FastMap<String, i64>,
    /// By free-mail handle and name, with the company the record named (its key, empty for
    /// none): a handle is weaker evidence than an address, and two companies speak against it.
    pub(crate) review_by_handle: FastMap<HandleKey, (i64, String)>,
    /// How many people waiting in review (first records) bear each name ([`person_key`]): a
    /// shared handle tells one person from a namesake only while the name is rare there.
    pub(crate) review_names: FastMap<String, u32>,
}

/// The most contacts of one account a record is compared with field by field: a common name
/// at a large account must not make matching one record slow.
const MAX_PEOPLE_COMPARED: usize = 32;

/// The blocks a person is filed under at their account: the first three letters of the last
/// name and of the first name, folded, so a typo late in either (or a nickname of the same
/// start) still meets the contact.
fn person_blocks(p: &PersonRecord) -> Vec<String> {
    let start = |v: &Option<String>| -> Option<String> {
        let folded: String = fold(v.as_deref().map(|s| head(s, 64)).unwrap_or(""))
            .chars()
            .filter(|c| c.is_alphanumeric())
            .take(3)
            .collect();
        (!folded.is_empty()).then_some(folded)
    };
    let mut out = Vec::with_capacity(2);
    if let Some(last) = start(&p.last_name) {
        out.push(format!("l{last}"));
    }
    if let Some(first) = start(&p.first_name) {
        out.push(format!("f{first}"));
    }
    out
}

/// The provisional id of the `i`-th record of a batch being planned, until the store gives it
/// a real one.
pub fn provisional_record(i: usize) -> i64 {
    -(i as i64) - 1
}

/// The company a record waiting in review names, as a company key (empty for none).
pub(crate) fn review_company(p: &PersonRecord) -> String {
    p.company
        .as_deref()
        .map(company_key)
        .filter(|k| !is_placeholder(k))
        .unwrap_or_default()
}

/// The keys a record waiting in review is found by: its normalized email, its mailbox (without
/// a +tag) and its free-mail handle with its name.
fn review_keys(p: &PersonRecord) -> (Option<Email>, Option<HandleKey>) {
    let email = p.email.as_deref().and_then(|e| Email::parse(e).ok());
    let handle = email
        .as_ref()
        .and_then(|e| handle_key(e, p.first_name.as_deref(), p.last_name.as_deref()));
    (email, handle)
}

/// Tokens of a company key that get blocks; the rest of a longer name adds nothing a person
/// would type.
const MAX_BLOCK_TOKENS: usize = 12;
/// The longest token whose one-deletion variants are blocks: a token makes as many variants
/// as it has characters, each as long, so the work grows with the square of its length.
const MAX_VARIANT_TOKEN: usize = 32;

/// The blocking keys of a company key: each token of three or more characters (the first
/// [`MAX_BLOCK_TOKENS`]), and each of its one-deletion variants (for tokens of up to
/// [`MAX_VARIANT_TOKEN`] characters), so a one-letter typo still lands in a shared block.
pub(crate) fn block_keys(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    for t in company_tokens(key)
        .into_iter()
        .filter(|t| t.chars().count() >= 3)
        .take(MAX_BLOCK_TOKENS)
    {
        let chars: Vec<char> = t.chars().collect();
        out.push(t.to_string());
        if (5..=MAX_VARIANT_TOKEN).contains(&chars.len()) {
            out.extend(deletions(&chars).map(|v| format!("~{v}")));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A token with one character left out, once for each character.
fn deletions(chars: &[char]) -> impl Iterator<Item = String> + '_ {
    (0..chars.len()).map(move |i| {
        chars
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, c)| *c)
            .collect()
    })
}

/// The blocks a company key is looked up in: its own [`block_keys`] (the same token, or one
/// substitution), and the two ways one letter more or less meets an account's token: the
/// token as a deletion variant of the account's (`trus` for `trust`), and the token's own
/// deletion variants as the account's plain token (`trusst` for `trust`).
pub(crate) fn query_block_keys(key: &str) -> Vec<String> {
    let mut out = block_keys(key);
    for t in company_tokens(key).into_iter().take(MAX_BLOCK_TOKENS) {
        let chars: Vec<char> = t.chars().collect();
        if (4..MAX_VARIANT_TOKEN).contains(&chars.len()) {
            out.push(format!("~{t}"));
        }
        if (4..=MAX_VARIANT_TOKEN).contains(&chars.len()) {
            out.extend(deletions(&chars));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A company key without its spaces: how a name and a domain label compare.
pub(crate) fn squashed(key: &str) -> String {
    key.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

/// Location text folded for comparison (`CA`, `ca`, ` Ca ` agree).
pub(crate) fn place(v: &Option<String>) -> String {
    v.as_deref().map(fold).unwrap_or_default()
}

/// Where a record or an account is, each part as compared: the country as its ISO code, a US
/// state as its code, the city folded; empty when unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Location {
    pub country: String,
    pub state: String,
    pub city: String,
}

impl Location {
    pub(crate) fn of(
        country: &Option<String>,
        state: &Option<String>,
        city: &Option<String>,
    ) -> Self {
        Location {
            country: country.as_deref().map(country_key).unwrap_or_default(),
            state: state.as_deref().map(region_key).unwrap_or_default(),
            city: place(city),
        }
    }
}

/// The initials of a company key of three or more words (`acme business solutions` -> `abs`),
/// `and` and `of` left out.
pub(crate) fn initials(key: &str) -> Option<String> {
    let words: Vec<&str> = company_tokens(key)
        .into_iter()
        .filter(|w| !matches!(*w, "and" | "of" | "for" | "the"))
        .collect();
    (words.len() >= 3 && words.len() <= 6)
        .then(|| words.iter().filter_map(|w| w.chars().next()).collect())
}

/// A domain without its dots, as [`MatchIndex::by_dotless`] files it.
pub(crate) fn dotless(domain: &str) -> String {
    domain.chars().filter(|c| *c != '.').collect()
}

impl MatchIndex {
    /// An empty index.
    pub fn new() -> MatchIndex {
        MatchIndex::default()
    }

    /// How many accounts the index holds.
    pub fn accounts_len(&self) -> usize {
        self.by_id.len()
    }

    /// Adds an account (or replaces one with the same id).
    pub fn insert_account(&mut self, entry: AccountEntry) {
        if self.by_id.contains_key(&entry.id) {
            return;
        }
        let i = self.accounts.len();
        let key = company_key(&entry.name);
        for d in &entry.domains {
            if let Ok(d) = normalize_domain(d) {
                self.by_domain.entry(d).or_insert(i);
            }
        }
        if let Some(duns) = entry.duns.as_deref().and_then(normalize_duns_str) {
            self.by_duns.entry(duns).or_insert(i);
        }
        for d in entry
            .domains
            .iter()
            .filter_map(|d| normalize_domain(d).ok())
        {
            self.by_dotless.entry(dotless(&d)).or_insert(i);
        }
        if let Some(initials) = initials(&key) {
            self.by_initials.entry(initials).or_default().push(i);
        }
        if let Some(parent) = entry.parent_id {
            self.children.entry(parent).or_default().push(i);
        }
        if !key.is_empty() {
            self.by_key.entry(key.clone()).or_default().push(i);
            for b in block_keys(&key) {
                self.blocks.entry(b).or_default().push(i);
            }
        }
        let labels = entry.domains.iter().filter_map(|d| {
            let d = registrable_domain(&normalize_domain(d).ok()?);
            d.split('.').next().map(str::to_string)
        });
        for alias in std::iter::once(squashed(&key)).chain(labels) {
            if alias.chars().count() >= 4 {
                let bucket = self.by_alias.entry(alias).or_default();
                if !bucket.contains(&i) {
                    bucket.push(i);
                }
            }
        }
        self.by_id.insert(entry.id, i);
        self.accounts.push(IndexedAccount {
            location: Location::of(&entry.country, &entry.state, &entry.city),
            legal_form_country: legal_form_country(&entry.name),
            key,
            entry,
        });
    }

    /// Adds a contact.
    pub fn insert_contact(&mut self, entry: &ContactEntry) {
        let email = entry.email.as_deref().and_then(|e| Email::parse(e).ok());
        let c = IndexedContact {
            id: entry.id,
            account: entry.account_id,
            work_mailbox: work_mailbox(email.as_ref()),
        };
        if let Some(email) = email {
            self.contact_by_email
                .entry(email.as_str().to_string())
                .or_insert(c);
            self.contact_by_mailbox
                .entry(email.without_plus_tag())
                .or_insert(c);
        }
        if let Some(k) = person_key(entry.first_name.as_deref(), entry.last_name.as_deref()) {
            self.contact_by_name
                .entry((k, entry.account_id))
                .or_insert(c);
        }
        let person = PersonRecord {
            first_name: entry.first_name.clone(),
            last_name: entry.last_name.clone(),
            email: entry.email.clone(),
            phone: entry.phone.clone(),
            title: entry.title.clone(),
            ..PersonRecord::default()
        };
        for block in person_blocks(&person) {
            self.people_blocks
                .entry((entry.account_id, block))
                .or_default()
                .push(entry.id);
        }
        self.contact_people
            .insert(entry.id, (entry.account_id, person));
    }

    /// The contacts at `account` whose name starts like the record's: at most
    /// [`MAX_PEOPLE_COMPARED`], those of each block filed last first.
    pub(crate) fn people_like(
        &self,
        account: AccountId,
        p: &PersonRecord,
    ) -> impl Iterator<Item = (ContactId, &PersonRecord)> {
        let mut ids: Vec<ContactId> = person_blocks(p)
            .into_iter()
            .filter_map(|b| self.people_blocks.get(&(account, b)))
            .flat_map(|ids| ids.iter().rev().take(MAX_PEOPLE_COMPARED).copied())
            .collect();
        ids.sort_unstable_by(|a, b| b.cmp(a));
        ids.dedup();
        ids.truncate(MAX_PEOPLE_COMPARED);
        ids.into_iter().filter_map(move |id| {
            self.contact_people
                .get(&id)
                .filter(|(at, _)| *at == account)
                .map(|(_, person)| (id, person))
        })
    }

    /// Forgets a contact's record and its name blocks.
    fn forget_person(&mut self, id: ContactId) {
        if let Some((account, person)) = self.contact_people.remove(&id) {
            for block in person_blocks(&person) {
                let key = (account, block);
                if let Some(ids) = self.people_blocks.get_mut(&key) {
                    ids.retain(|c| *c != id);
                    if ids.is_empty() {
                        self.people_blocks.remove(&key);
                    }
                }
            }
        }
    }

    /// Forgets accounts (deleted or about to be re-inserted with new fields). Their slots stay
    /// behind, unreachable; the index is rebuilt from the store now and then anyway.
    pub fn remove_accounts(&mut self, ids: &HashSet<AccountId>) {
        if ids.is_empty() {
            return;
        }
        let slots: HashSet<usize> = ids.iter().filter_map(|id| self.by_id.remove(id)).collect();
        if slots.is_empty() {
            return;
        }
        self.by_domain.retain(|_, i| !slots.contains(i));
        self.by_duns.retain(|_, i| !slots.contains(i));
        self.by_dotless.retain(|_, i| !slots.contains(i));
        for bucket in self
            .by_key
            .values_mut()
            .chain(self.blocks.values_mut())
            .chain(self.by_alias.values_mut())
            .chain(self.by_initials.values_mut())
            .chain(self.children.values_mut())
        {
            bucket.retain(|i| !slots.contains(i));
        }
        self.by_key.retain(|_, bucket| !bucket.is_empty());
        self.by_alias.retain(|_, bucket| !bucket.is_empty());
        self.by_initials.retain(|_, bucket| !bucket.is_empty());
        self.children.retain(|_, bucket| !bucket.is_empty());
    }

    /// Gives an account a new id (a provisional id made real once the account is stored).
    pub fn rename_account(&mut self, from: AccountId, to: AccountId) {
        if let Some(i) = self.by_id.remove(&from) {
            self.accounts[i].entry.id = to;
            self.by_id.insert(to, i);
        }
        if let Some(children) = self.children.remove(&from) {
            self.children.insert(to, children);
        }
    }

    /// Forgets contacts. A pass over every contact: meant for the few contacts changed by
    /// others between batches, not for every write.
    pub fn remove_contacts(&mut self, ids: &HashSet<ContactId>) {
        if ids.is_empty() {
            return;
        }
        self.contact_by_email.retain(|_, c| !ids.contains(&c.id));
        self.contact_by_mailbox.retain(|_, c| !ids.contains(&c.id));
        self.contact_by_name.retain(|_, c| !ids.contains(&c.id));
        for id in ids {
            self.forget_person(*id);
        }
    }

    /// Replaces a contact inserted as `old` (say, with provisional ids) by `new`, touching only
    /// the keys `old` was filed under.
    pub fn replace_contact(&mut self, old: &ContactEntry, new: &ContactEntry) {
        let is_old = |c: &IndexedContact| c.id == old.id;
        if let Some(email) = old.email.as_deref().and_then(|e| Email::parse(e).ok()) {
            if self
                .contact_by_email
                .get(email.as_str())
                .is_some_and(is_old)
            {
                self.contact_by_email.remove(email.as_str());
            }
            let mailbox = email.without_plus_tag();
            if self.contact_by_mailbox.get(&mailbox).is_some_and(is_old) {
                self.contact_by_mailbox.remove(&mailbox);
            }
        }
        if let Some(k) = person_key(old.first_name.as_deref(), old.last_name.as_deref()) {
            let key = (k, old.account_id);
            if self.contact_by_name.get(&key).is_some_and(is_old) {
                self.contact_by_name.remove(&key);
            }
        }
        self.forget_person(old.id);
        self.insert_contact(new);
    }

    /// Files a record waiting in review under its keys, leading to `repeats` (the first record
    /// of the same person, when it repeats one) or to itself. A key already filed keeps its
    /// record: the first of a person stays the one its repeats attach to.
    pub fn insert_review(&mut self, id: i64, repeats: Option<i64>, p: &PersonRecord) {
        let first = repeats.unwrap_or(id);
        if repeats.is_none() {
            if let Some(name) = person_key(p.first_name.as_deref(), p.last_name.as_deref()) {
                *self.review_names.entry(name).or_default() += 1;
            }
        }
        let (email, handle) = review_keys(p);
        if let Some(e) = email {
            self.review_by_mailbox
                .entry(e.without_plus_tag())
                .or_insert(first);
            self.review_by_email
                .entry(e.as_str().to_string())
                .or_insert(first);
        }
        if let Some(k) = handle {
            self.review_by_handle
                .entry(k)
                .or_insert_with(|| (first, review_company(p)));
        }
    }

    /// Gives records of a planned batch their real ids: the keys of `p` that lead to a
    /// provisional id in `real` lead to its real id instead.
    pub fn settle_review(&mut self, p: &PersonRecord, real: &HashMap<i64, i64>) {
        let settle = |slot: Option<&mut i64>| {
            if let Some(id) = slot {
                if let Some(&to) = real.get(id) {
                    *id = to;
                }
            }
        };
        let (email, handle) = review_keys(p);
        if let Some(e) = email {
            settle(self.review_by_email.get_mut(e.as_str()));
            settle(self.review_by_mailbox.get_mut(&e.without_plus_tag()));
        }
        if let Some(k) = handle {
            settle(self.review_by_handle.get_mut(&k).map(|(id, _)| id));
        }
    }

    /// Forgets the keys of `p` that lead to one of `ids` (records of a batch the store refused).
    pub fn forget_review(&mut self, p: &PersonRecord, ids: &HashSet<i64>) {
        let (email, handle) = review_keys(p);
        if let Some(e) = email {
            let mailbox = e.without_plus_tag();
            if self
                .review_by_email
                .get(e.as_str())
                .is_some_and(|id| ids.contains(id))
            {
                self.review_by_email.remove(e.as_str());
            }
            if self
                .review_by_mailbox
                .get(&mailbox)
                .is_some_and(|id| ids.contains(id))
            {
                self.review_by_mailbox.remove(&mailbox);
            }
        }
        if let Some(k) = handle {
            if self
                .review_by_handle
                .get(&k)
                .is_some_and(|(id, _)| ids.contains(id))
            {
                self.review_by_handle.remove(&k);
            }
        }
    }

    /// Forgets records that no longer wait in review (resolved), and every key leading to
    /// them. A pass over the review keys: meant for the few records resolved between batches.
    pub fn remove_reviews(&mut self, ids: &HashSet<i64>) {
        if ids.is_empty() {
            return;
        }
        self.review_by_email.retain(|_, id| !ids.contains(id));
        self.review_by_mailbox.retain(|_, id| !ids.contains(id));
        self.review_by_handle.retain(|_, (id, _)| !ids.contains(id));
    }

    /// The existing contact with this email, if the index knows one.
    pub fn contact_with_email(&self, email: &Email) -> Option<(ContactId, AccountId)> {
        self.contact_by_email
            .get(email.as_str())
            .map(|c| (c.id, c.account))
    }

    /// The account with this id, as the index knows it.
    pub fn account_entry(&self, id: AccountId) -> Option<&AccountEntry> {
        self.by_id.get(&id).map(|&i| &self.accounts[i].entry)
    }

    /// The account at a position.
    pub(crate) fn account(&self, i: usize) -> &IndexedAccount {
        &self.accounts[i]
    }

    /// The account owning a host or its registrable domain, most specific first: `eu.acme.com`
    /// finds the account that owns it before the one that owns `acme.com`.
    pub(crate) fn account_for_host(&self, host: &str) -> Option<usize> {
        let mut h = host;
        loop {
            if let Some(&i) = self.by_domain.get(h) {
                return Some(i);
            }
            match h.split_once('.') {
                Some((_, rest)) if rest.contains('.') => h = rest,
                _ => break,
            }
        }
        self.by_domain.get(&registrable_domain(host)).copied()
    }

    /// Candidate accounts for a company key, from the blocks it shares with them, rarest block
    /// first: a name's identity is in its rare words (`Harwell` in Harwell Logistics), so the
    /// accounts sharing those are all taken, and common words (`logistics`, `american`,
    /// `services`) add accounts only while fewer than [`MAX_CANDIDATES`] are found. Blocks of
    /// more than [`MAX_BUCKET`] accounts are never used.
    pub(crate) fn candidates(&self, key: &str) -> Vec<usize> {
        let mut buckets: Vec<&Vec<usize>> = query_block_keys(key)
            .iter()
            .filter_map(|b| self.blocks.get(b))
            .filter(|bucket| bucket.len() <= MAX_BUCKET)
            .collect();
        buckets.sort_by_key(|bucket| bucket.len());
        let mut out: Vec<usize> = Vec::new();
        for bucket in buckets {
            if out.len() >= MAX_CANDIDATES && bucket.len() > RARE_BUCKET {
                break;
            }
            out.extend_from_slice(bucket);
            out.sort_unstable();
            out.dedup();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_name_makes_a_bounded_number_of_blocking_keys() {
        let one_token = "x".repeat(50_000);
        assert_eq!(
            block_keys(&one_token).len(),
            1,
            "no variants of a 50,000-character token"
        );
        let many_tokens: String = (0..10_000).map(|i| format!("token{i} ")).collect();
        assert!(block_keys(&many_tokens).len() <= MAX_BLOCK_TOKENS * (MAX_VARIANT_TOKEN + 1));
        assert!(
            block_keys("acme").contains(&"acme".to_string()) && block_keys("globex").len() == 7,
            "short names keep their variants"
        );
    }
}
