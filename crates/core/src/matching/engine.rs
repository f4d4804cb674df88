//! The tiers of DESIGN.md, first hit wins: contact by email, account by corporate domain, by
//! DUNS, by exact company key, by fuzzy company name with location agreement; else a new account
//! for a corporate domain, or review with ranked candidates.

use super::index::{place, squashed, work_mailbox, MatchIndex};
use super::record::PersonRecord;
use crate::ids::{AccountId, ContactId};
use crate::model::normalize_duns_str;
use crate::normalize::company::{company_key, is_placeholder};
use crate::normalize::person::person_key;
use crate::normalize::{normalize_domain, personal_domain, registrable_domain, Email};
use serde::Serialize;

/// Thresholds of the fuzzy tier.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchConfig {
    /// A fuzzy score at or above this, clear of the runner-up, is a match.
    pub auto_accept: f64,
    /// A fuzzy score at or above this (and below `auto_accept`) goes to review.
    pub review_floor: f64,
    /// How far the best candidate must lead the second to be accepted on its own.
    pub margin: f64,
}

impl Default for MatchConfig {
    fn default() -> Self {
        MatchConfig {
            auto_accept: 0.90,
            review_floor: 0.78,
            margin: 0.04,
        }
    }
}

/// What the matcher decided for a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchStatus {
    /// Placed under an existing account (and maybe an existing contact).
    Matched,
    /// No account yet, but a corporate domain: create one.
    NewAccount,
    /// Ambiguous or no evidence: a person decides.
    Review,
}

impl MatchStatus {
    /// The status's name in reports and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchStatus::Matched => "matched",
            MatchStatus::NewAccount => "new_account",
            MatchStatus::Review => "review",
        }
    }
}

/// The existing contact a record is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactMatch {
    pub contact_id: ContactId,
    pub rule: &'static str,
    pub confidence: f64,
}

/// The account a record belongs to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountMatch {
    pub account_id: AccountId,
    pub name: String,
    /// The matched account's parent, when it is a subsidiary.
    pub parent_id: Option<AccountId>,
}

/// An account considered, with its score and why.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Candidate {
    pub account_id: AccountId,
    pub name: String,
    pub score: f64,
    pub reasons: Vec<String>,
}

/// The decision for one record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchResult {
    pub status: MatchStatus,
    /// The tier that decided: `contact_email`, `email_domain`, `duns`, `company_name`,
    /// `fuzzy_company`, `new_account_domain`, `no_match`, ...
    pub rule: &'static str,
    pub confidence: f64,
    pub contact: Option<ContactMatch>,
    pub account: Option<AccountMatch>,
    /// For `new_account`: the domain the account is made from.
    pub new_account_domain: Option<String>,
    /// Ranked candidates (for review, and for the record).
    pub candidates: Vec<Candidate>,
    pub explanation: String,
}

/// Matches one record against the index.
pub fn match_person(index: &MatchIndex, p: &PersonRecord, config: &MatchConfig) -> MatchResult {
    let email = p.email.as_deref().and_then(|e| Email::parse(e).ok());
    let host = email.as_ref().map(|e| e.domain().to_string());
    let corporate_host = host
        .clone()
        .filter(|h| personal_domain(&registrable_domain(h)).is_none());

    // Tier 1: an existing contact, by email.
    if let Some(e) = &email {
        let hit = index
            .contact_by_email
            .get(e.as_str())
            .map(|c| (c, "contact_email", 1.0))
            .or_else(|| {
                index
                    .contact_by_mailbox
                    .get(&e.without_plus_tag())
                    .map(|c| (c, "contact_email_plus_tag", 0.95))
            });
        if let Some((c, rule, confidence)) = hit {
            return with_account(
                index,
                c.account,
                rule,
                confidence,
                Some(ContactMatch {
                    contact_id: c.id,
                    rule,
                    confidence,
                }),
                format!("{e} is already contact {}", c.id),
            );
        }
    }

    // Tier 2: the account owning the corporate email domain (or the website's).
    let website = p
        .website
        .as_deref()
        .and_then(|w| normalize_domain(w).ok())
        .filter(|w| personal_domain(&registrable_domain(w)).is_none());
    for (h, rule, confidence) in [
        (corporate_host.as_deref(), "email_domain", 0.97),
        (website.as_deref(), "website_domain", 0.92),
    ] {
        if let Some(i) = h.and_then(|h| index.account_for_host(h)) {
            let account = index.account(i).entry.id;
            let contact = same_person(index, p, account);
            return with_account(
                index,
                account,
                rule,
                confidence,
                contact,
                format!(
                    "the domain {} belongs to {}",
                    h.unwrap_or(""),
                    index.account(i).entry.name
                ),
            );
        }
    }

    // Tier 3: DUNS.
    if let Some(i) = p
        .duns
        .as_deref()
        .and_then(normalize_duns_str)
        .and_then(|d| index.by_duns.get(&d).copied())
    {
        let account = index.account(i).entry.id;
        return with_account(
            index,
            account,
            "duns",
            0.99,
            same_person(index, p, account),
            format!(
                "DUNS {} is {}",
                p.duns.as_deref().unwrap_or(""),
                index.account(i).entry.name
            ),
        );
    }

    // Tier 3b: a work domain nobody owns that spells an account's name (tritrioncapital.com
    // for "Tritrion Capital"), when only one account is so named.
    if let Some(h) = corporate_host.as_deref() {
        let registrable = registrable_domain(h);
        let label = registrable.split('.').next().unwrap_or_default();
        if let Some(&[i]) = index.by_alias.get(label).map(Vec::as_slice) {
            let account = index.account(i).entry.id;
            return with_account(
                index,
                account,
                "domain_name",
                0.9,
                same_person(index, p, account),
                format!(
                    "the domain {registrable} spells the name of {}",
                    index.account(i).entry.name
                ),
            );
        }
    }

    let key = p
        .company
        .as_deref()
        .map(company_key)
        .filter(|k| !is_placeholder(k))
        .unwrap_or_default();
    let mut candidates = Vec::new();
    if !key.is_empty() {
        // Tier 4: the exact company key (or, failing that, the name without its spaces, which
        // also finds an account by its domain's name); several accounts share it -> location
        // decides.
        let exact = index
            .by_key
            .get(&key)
            .filter(|b| !b.is_empty())
            .or_else(|| {
                index
                    .by_alias
                    .get(&squashed(&key))
                    .filter(|b| !b.is_empty())
            });
        if let Some(exact) = exact {
            let mut scored: Vec<Candidate> = exact
                .iter()
                .map(|&i| candidate(index, i, 1.0, p, "same normalized name"))
                .collect();
            rank(&mut scored);
            let clear = scored.len() == 1 || scored[0].score - scored[1].score >= config.margin;
            if clear {
                let c = &scored[0];
                let confidence = if scored.len() == 1 { 0.93 } else { 0.85 };
                let account = c.account_id;
                let why = format!(
                    "the company {:?} is {} ({})",
                    p.company.as_deref().unwrap_or(""),
                    c.name,
                    c.reasons.join(", ")
                );
                let mut r = with_account(
                    index,
                    account,
                    "company_name",
                    confidence,
                    same_person(index, p, account),
                    why,
                );
                r.candidates = scored;
                return r;
            }
            candidates = scored;
        } else {
            // Tier 5: fuzzy name over the blocking index, with location agreement.
            for i in index.candidates(&key) {
                let s = similarity(&key, &index.account(i).key);
                if s >= config.review_floor - 0.1 {
                    candidates.push(candidate(index, i, s, p, "similar name"));
                }
            }
            rank(&mut candidates);
            candidates.truncate(5);
            if let Some(best) = candidates.first() {
                let second = candidates.get(1).map(|c| c.score).unwrap_or(0.0);
                // A corporate email at a domain the account does not own speaks against a
                // merely similar name: that person works somewhere else.
                let contradicted = corporate_host.as_deref().is_some_and(|h| {
                    let own = &index.account(index.by_id[&best.account_id]).entry.domains;
                    let h = registrable_domain(h);
                    !own.is_empty() && !own.iter().any(|d| registrable_domain(d) == h)
                });
                if best.score >= config.auto_accept
                    && best.score - second >= config.margin
                    && !contradicted
                {
                    let account = best.account_id;
                    let why = format!(
                        "{:?} is close to {} (score {:.2}; {})",
                        p.company.as_deref().unwrap_or(""),
                        best.name,
                        best.score,
                        best.reasons.join(", ")
                    );
                    let confidence = best.score.min(0.95);
                    let mut r = with_account(
                        index,
                        account,
                        "fuzzy_company",
                        confidence,
                        same_person(index, p, account),
                        why,
                    );
                    r.candidates = candidates;
                    return r;
                }
            }
            candidates.retain(|c| c.score >= config.review_floor);
        }
    }

    // Tier 6: nothing matched.
    if let Some(h) = corporate_host {
        let domain = registrable_domain(&h);
        return MatchResult {
            status: MatchStatus::NewAccount,
            rule: "new_account_domain",
            confidence: 0.9,
            contact: None,
            account: None,
            explanation: format!("no account owns {domain}; a new account is made from it"),
            new_account_domain: Some(domain),
            candidates,
        };
    }
    let explanation = if candidates.is_empty() {
        "no corporate email domain, DUNS or known company name: a person must place this record"
            .to_string()
    } else {
        format!(
            "{} accounts could be {:?}; a person must choose",
            candidates.len(),
            p.company.as_deref().unwrap_or("")
        )
    };
    MatchResult {
        status: MatchStatus::Review,
        rule: if candidates.is_empty() {
            "no_match"
        } else {
            "ambiguous"
        },
        confidence: candidates.first().map(|c| c.score * 0.5).unwrap_or(0.0),
        contact: None,
        account: None,
        new_account_domain: None,
        candidates,
        explanation,
    }
}

fn with_account(
    index: &MatchIndex,
    account: AccountId,
    rule: &'static str,
    confidence: f64,
    contact: Option<ContactMatch>,
    explanation: String,
) -> MatchResult {
    let a = index.by_id.get(&account).map(|&i| &index.account(i).entry);
    let mut explanation = explanation;
    if let Some(parent) = a.and_then(|a| a.parent_id) {
        let parent_name = index
            .by_id
            .get(&parent)
            .map(|&i| index.account(i).entry.name.clone())
            .unwrap_or_default();
        explanation.push_str(&format!(
            "; a subsidiary of {parent_name} (account {parent})"
        ));
    }
    if let Some(c) = &contact {
        if c.rule == "contact_name" {
            explanation.push_str(&format!("; the same person as contact {}", c.contact_id));
        }
    }
    MatchResult {
        status: MatchStatus::Matched,
        rule,
        confidence,
        contact,
        account: Some(AccountMatch {
            account_id: account,
            name: a.map(|a| a.name.clone()).unwrap_or_default(),
            parent_id: a.and_then(|a| a.parent_id),
        }),
        new_account_domain: None,
        candidates: Vec::new(),
        explanation,
    }
}

/// A record whose account the source already knows (a CRM contact under its account): it is
/// placed there, and still deduplicated: the same email anywhere, or the same name at that
/// account, is the same person.
pub fn place_at(index: &MatchIndex, p: &PersonRecord, account: AccountId) -> MatchResult {
    let email = p.email.as_deref().and_then(|e| Email::parse(e).ok());
    if let Some(e) = &email {
        if let Some(c) = index.contact_by_email.get(e.as_str()) {
            let contact = ContactMatch {
                contact_id: c.id,
                rule: "contact_email",
                confidence: 1.0,
            };
            return with_account(
                index,
                c.account,
                "contact_email",
                1.0,
                Some(contact),
                format!("{e} is already contact {}", c.id),
            );
        }
    }
    let contact = same_person(index, p, account);
    let rule = if contact.is_some() {
        "contact_name"
    } else {
        "source_account"
    };
    with_account(
        index,
        account,
        rule,
        1.0,
        contact,
        format!("the source placed the person under account {account}"),
    )
}

/// An existing contact at `account` with the same (canonical) name: the same person who used
/// another address.
fn same_person(index: &MatchIndex, p: &PersonRecord, account: AccountId) -> Option<ContactMatch> {
    let k = person_key(p.first_name.as_deref(), p.last_name.as_deref())?;
    let mine = work_mailbox(
        p.email
            .as_deref()
            .and_then(|e| Email::parse(e).ok())
            .as_ref(),
    );
    index
        .contact_by_name
        .get(&(k, account))
        .filter(|c| mine == 0 || c.work_mailbox == 0 || c.work_mailbox == mine)
        .map(|c| ContactMatch {
            contact_id: c.id,
            rule: "contact_name",
            confidence: 0.85,
        })
}

/// Similarity of two company keys in [0, 1]: the better of Jaro-Winkler on the whole key and a
/// token-set comparison, so word order and an extra word cost little.
pub(crate) fn similarity(a: &str, b: &str) -> f64 {
    let whole = strsim::jaro_winkler(a, b);
    let ta: Vec<&str> = a.split(' ').collect();
    let tb: Vec<&str> = b.split(' ').collect();
    let mut matched = 0.0;
    for x in &ta {
        let best = tb
            .iter()
            .map(|y| strsim::jaro_winkler(x, y))
            .fold(0.0, f64::max);
        if best >= 0.9 {
            matched += best;
        }
    }
    let tokens = 2.0 * matched / (ta.len() + tb.len()) as f64;
    let score = whole.max(tokens);
    // The first word of a company's name is what tells it apart ("Acme" in Acme Robotics);
    // sharing only the rest ("Robotics") is a different company, however alike the strings.
    match (ta.first(), tb.first()) {
        (Some(x), Some(y)) if strsim::jaro_winkler(x, y) < 0.9 => score.min(0.7),
        _ => score,
    }
}

fn candidate(
    index: &MatchIndex,
    i: usize,
    name_score: f64,
    p: &PersonRecord,
    why: &str,
) -> Candidate {
    let a = index.account(i);
    let mut reasons = vec![format!("{why} ({name_score:.2})")];
    let mut score = name_score;
    let (country, state, city) = (place(&p.country), place(&p.state), place(&p.city));
    for (mine, theirs, label, weight) in [
        (&country, &a.country, "country", 0.02),
        (&state, &a.state, "state", 0.04),
        (&city, &a.city, "city", 0.03),
    ] {
        if mine.is_empty() || theirs.is_empty() {
            continue;
        }
        if mine == theirs {
            score += weight;
            reasons.push(format!("same {label}"));
        } else {
            score -= weight;
            reasons.push(format!("different {label}"));
        }
    }
    Candidate {
        account_id: a.entry.id,
        name: a.entry.name.clone(),
        score: score.clamp(0.0, 1.0),
        reasons,
    }
}

fn rank(c: &mut [Candidate]) {
    c.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.account_id.cmp(&b.account_id))
    });
}
