//! The tiers of DESIGN.md, first hit wins: contact by email, account by corporate domain, by
//! DUNS, by exact company key, by fuzzy company name with location agreement; else a new account
//! for a corporate domain, or review with ranked candidates.

use super::family;
use super::index::{dotless, squashed, work_mailbox, MatchIndex};
use super::person_link::{compare, LinkDecision, Linkage, PersonFeatures, SAME_THRESHOLD};
use super::record::PersonRecord;
use super::signals::RecordSignals;
use crate::ids::{AccountId, ContactId};
use crate::model::normalize_duns_str;
use crate::normalize::person::person_key;
use crate::normalize::text::{jaro_winkler, jaro_winkler_at_least};
use crate::normalize::{normalize_domain, registrable_domain, Email};
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
    match_with_signals(index, p, &RecordSignals::of(p), config)
}

/// [`match_person`] with the record's signals read already: a batch reads them once and
/// matches against two indexes.
pub(crate) fn match_with_signals(
    index: &MatchIndex,
    p: &PersonRecord,
    signals: &RecordSignals,
    config: &MatchConfig,
) -> MatchResult {
    let email = signals.email.as_ref();
    let corporate_host = signals.corporate_host.as_deref();

    // Tier 1: an existing contact, by email.
    if let Some(e) = email {
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
                AtAccount::is(c.id, rule, confidence),
                format!("{e} is already contact {}", c.id),
            );
        }
    }

    // Tier 2: the family owning the corporate email domain (or the website's), and in it the
    // member the record points to.
    for (h, rule, confidence) in [
        (corporate_host, "email_domain", 0.97),
        (signals.website.as_deref(), "website_domain", 0.92),
    ] {
        let Some(h) = h else { continue };
        if let Some(owner) = index.account_for_host(h) {
            let why = format!(
                "the domain {h} belongs to {}",
                index.account(owner).entry.name
            );
            return in_family(index, p, signals, owner, rule, confidence, why);
        }
    }

    // Tier 3: DUNS, the same way.
    if let Some(owner) = p
        .duns
        .as_deref()
        .and_then(normalize_duns_str)
        .and_then(|d| index.by_duns.get(&d).copied())
    {
        let why = format!(
            "DUNS {} is {}",
            p.duns.as_deref().unwrap_or(""),
            index.account(owner).entry.name
        );
        return in_family(index, p, signals, owner, "duns", 0.99, why);
    }

    if let Some(h) = corporate_host {
        // Tier 3b: a work domain nobody owns that spells an account's name (tritrioncapital.com
        // for "Tritrion Capital"), when only one account is so named and nothing says it is
        // somewhere else.
        let registrable = registrable_domain(h);
        let label = registrable.split('.').next().unwrap_or_default();
        let spelled: Vec<usize> = index
            .by_alias
            .get(label)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .copied()
            .filter(|&i| conflict(index, i, signals, Strictness::Exact).is_none())
            .collect();
        if let &[i] = spelled.as_slice() {
            {
                let why = format!(
                    "the domain {registrable} spells the name of {}",
                    index.account(i).entry.name
                );
                return in_family(index, p, signals, i, "domain_name", 0.9, why);
            }
        }
        // Tier 3c: a known domain with a dot dropped (`ostwaldde.com` for ostwald.de), when
        // the company agrees.
        if let Some(i) = dotless_owner(index, h) {
            if company_agrees(index, i, signals) {
                let why = format!(
                    "{h} is {} mistyped, and the company agrees",
                    index
                        .account(i)
                        .entry
                        .domains
                        .first()
                        .map(String::as_str)
                        .unwrap_or("")
                );
                return in_family(index, p, signals, i, "domain_typo", 0.9, why);
            }
        }
    }

    let key = signals.company_key.as_str();
    let mut candidates = Vec::new();
    // A record a name match cannot take, because what it says of itself contradicts the
    // account: it is another company.
    let mut turned_away: Option<String> = None;
    if !key.is_empty() {
        // Tier 4: the exact company key (or, failing that, the name without its spaces, which
        // also finds an account by its domain's name); several accounts share it -> location
        // decides.
        let exact = index
            .by_key
            .get(key)
            .filter(|b| !b.is_empty())
            .or_else(|| index.by_alias.get(&squashed(key)).filter(|b| !b.is_empty()));
        if let Some(exact) = exact {
            let mut scored: Vec<Candidate> = exact
                .iter()
                .map(|&i| candidate(index, i, 1.0, signals, "same normalized name"))
                .collect();
            rank(&mut scored);
            let clear = scored.len() == 1 || scored[0].score - scored[1].score >= config.margin;
            let best = index.by_id[&scored[0].account_id];
            match conflict(index, best, signals, Strictness::Exact) {
                Some(why) => turned_away = Some(why),
                None if clear => {
                    let c = &scored[0];
                    let confidence = if scored.len() == 1 { 0.93 } else { 0.85 };
                    let why = format!(
                        "the company {:?} is {} ({})",
                        p.company.as_deref().unwrap_or(""),
                        c.name,
                        c.reasons.join(", ")
                    );
                    let mut r = in_family(index, p, signals, best, "company_name", confidence, why);
                    r.candidates = scored;
                    return r;
                }
                None => {}
            }
            candidates = scored;
        } else {
            // Tier 5: fuzzy name over the blocking index (and the initials of long names),
            // with location agreement.
            let initials = index
                .by_initials
                .get(key)
                .filter(|_| !key.contains(' '))
                .map(Vec::as_slice)
                .unwrap_or_default();
            // Ranked on their scores alone; the reasons are written for the five kept.
            let mut scored: Vec<(f64, AccountId, usize, f64, &str)> = Vec::new();
            let mut consider = |i: usize, name_score: f64, why: &'static str| {
                let score = located(index, i, name_score, signals);
                scored.push((score, index.account(i).entry.id, i, name_score, why));
            };
            for &i in initials {
                consider(i, 0.85, "the initials of the name");
            }
            for i in index.candidates(key) {
                let s = similarity(key, &index.account(i).key);
                if s >= config.review_floor - 0.1 {
                    consider(i, s, "similar name");
                }
            }
            scored.sort_by(|a, b| ranked((a.0, a.1), (b.0, b.1)));
            scored.dedup_by_key(|c| c.1);
            scored.truncate(5);
            candidates = scored
                .into_iter()
                .map(|(_, _, i, name_score, why)| candidate(index, i, name_score, signals, why))
                .collect();
            if let Some(best) = candidates.first() {
                let second = candidates.get(1).map(|c| c.score).unwrap_or(0.0);
                let i = index.by_id[&best.account_id];
                let typo = corporate_host.is_some_and(|h| mistyped_domain_of(index, i, h));
                let against = if typo {
                    None
                } else {
                    conflict(index, i, signals, Strictness::Fuzzy)
                };
                if let Some(why) = against {
                    turned_away = Some(why);
                } else if best.score >= config.auto_accept && best.score - second >= config.margin
                    || typo && best.score >= config.review_floor
                {
                    let (rule, why) = if typo {
                        (
                            "domain_typo",
                            format!(
                                "{} is {}'s domain mistyped, and {:?} is close to its name ({:.2})",
                                corporate_host.unwrap_or(""),
                                best.name,
                                p.company.as_deref().unwrap_or(""),
                                best.score
                            ),
                        )
                    } else {
                        (
                            "fuzzy_company",
                            format!(
                                "{:?} is close to {} (score {:.2}; {})",
                                p.company.as_deref().unwrap_or(""),
                                best.name,
                                best.score,
                                best.reasons.join(", ")
                            ),
                        )
                    };
                    let confidence = if typo { 0.9 } else { best.score.min(0.95) };
                    let mut r = in_family(index, p, signals, i, rule, confidence, why);
                    r.candidates = candidates;
                    return r;
                }
            }
            candidates.retain(|c| c.score >= config.review_floor);
        }
    }

    // Tier 6: nothing matched.
    if let Some(h) = corporate_host {
        let domain = registrable_domain(h);
        let explanation = match &turned_away {
            Some(why) => format!(
                "no account owns {domain}, and the account of the same name is another company \
                 ({why}); a new account is made from {domain}"
            ),
            None => format!("no account owns {domain}; a new account is made from it"),
        };
        return MatchResult {
            status: MatchStatus::NewAccount,
            rule: "new_account_domain",
            confidence: 0.9,
            contact: None,
            account: None,
            explanation,
            new_account_domain: Some(domain),
            candidates,
        };
    }
    let explanation = match (&turned_away, candidates.is_empty()) {
        (Some(why), _) => format!(
            "{} is named like {:?}, but {why}; a person must decide",
            candidates
                .first()
                .map(|c| c.name.as_str())
                .unwrap_or("an account"),
            p.company.as_deref().unwrap_or("")
        ),
        (None, true) => {
            "no corporate email domain, DUNS or known company name: a person must place this record"
                .to_string()
        }
        (None, false) => format!(
            "{} accounts could be {:?}; a person must choose",
            candidates.len(),
            p.company.as_deref().unwrap_or("")
        ),
    };
    MatchResult {
        status: MatchStatus::Review,
        rule: match (&turned_away, candidates.is_empty()) {
            (Some(_), _) => "other_company",
            (None, true) => "no_match",
            (None, false) => "ambiguous",
        },
        confidence: candidates.first().map(|c| c.score * 0.5).unwrap_or(0.0),
        contact: None,
        account: None,
        new_account_domain: None,
        candidates,
        explanation,
    }
}

/// Places a record in the family of `owner` (found by `rule`): at the member below it that the
/// record points to ([`family::choose_member`]), else at `owner`.
fn in_family(
    index: &MatchIndex,
    p: &PersonRecord,
    signals: &RecordSignals,
    owner: usize,
    rule: &'static str,
    confidence: f64,
    why: String,
) -> MatchResult {
    let (account, rule, confidence, why) = match family::choose_member(index, owner, signals) {
        Some(choice) => {
            let member = &index.account(choice.member).entry;
            (
                member.id,
                "family_member",
                (confidence - 0.07_f64).max(0.85),
                format!(
                    "{why}; in its family, {} point to {}",
                    choice.reasons.join(", "),
                    member.name
                ),
            )
        }
        None => (index.account(owner).entry.id, rule, confidence, why),
    };
    with_account(
        index,
        account,
        rule,
        confidence,
        same_person(index, p, account),
        why,
    )
}

/// Whether `short` is a way of shortening `word`: its letters in order, from the same first
/// letter (`log` for logistics, `ptnrs` for partners, `sw` for software).
fn abbreviates(short: &str, word: &str) -> bool {
    if short.len() < 2 || short.len() >= word.len() || short.chars().next() != word.chars().next() {
        return false;
    }
    let mut letters = word.chars();
    short.chars().all(|c| letters.any(|w| w == c))
}

/// How much a name match must withstand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strictness {
    /// The same name (or a domain spelling it): turned away by a weight of evidence.
    Exact,
    /// A similar name: turned away by less, and by any work domain the account does not own.
    Fuzzy,
}

/// Why account `i` cannot be the record's company, if something says so: a look-alike in
/// another country (`Harwell Logistica S.p.A.`, Torino, harwelllogistica.it is not the US
/// `Harwell Logistics Co.`). Evidence is weighed: a stated country (or a US state) or a
/// country-code domain of another country is clear (1); a legal form is a hint (0.5, 0.75 when
/// the account's own legal form is of another country), since people type `Inc.` after a
/// GmbH's name; so is a work domain the account does not own (0.75: companies have domains
/// nobody listed) and a phone's calling code (0.5).
fn conflict(
    index: &MatchIndex,
    i: usize,
    signals: &RecordSignals,
    strictness: Strictness,
) -> Option<String> {
    use crate::normalize::country::iso_country;
    let a = index.account(i);
    let own_form = a.legal_form_country;
    let theirs = iso_country(&a.location.country).or(own_form);
    let mut weight = 0.0;
    let mut why = Vec::new();
    if let Some(theirs) = theirs {
        let form_weight = if own_form.is_some_and(|f| Some(f) != signals.legal_form_country) {
            0.75
        } else {
            0.5
        };
        for (country, what, w) in [
            (signals.country(), "the person is in", 1.0),
            (signals.host_country, "the domain is of", 1.0),
            (
                signals.legal_form_country,
                "the legal form is of",
                form_weight,
            ),
            (signals.phone_country, "the phone is of", 0.5),
        ] {
            match country {
                Some(c) if c != theirs => {
                    weight += w;
                    why.push(format!("{what} {c}"));
                }
                // The person where the account is speaks for it: a company's people write
                // its other country's domain (`acme.ca` in Atlanta).
                Some(_) if what == "the person is in" => weight -= 1.0,
                _ => {}
            }
        }
        if !why.is_empty() {
            why.push(format!("{} is in {theirs}", a.entry.name));
        }
    }
    if !signals.location.city.is_empty() && signals.location.city == a.location.city {
        weight -= 1.0;
    }
    if let Some(h) = signals.corporate_host.as_deref() {
        let h = registrable_domain(h);
        let own = &a.entry.domains;
        let owned = own.iter().any(|d| registrable_domain(d) == h);
        let label = h.split('.').next().unwrap_or_default();
        let company = squashed(&signals.company_key);
        if strictness == Strictness::Fuzzy
            && !owned
            && !company.is_empty()
            && label == company
            && label != squashed(&a.key)
        {
            // The work domain spells the very company the person typed, and this account is
            // only like it: the person's company is the one with that domain, wherever it is.
            return Some(format!(
                "{h} is the domain of {:?}, not of {}",
                signals.company_key, a.entry.name
            ));
        }
        if !own.is_empty() && !owned {
            // A corporate email at a domain the account does not own speaks against a merely
            // similar name: that person works somewhere else.
            weight += match strictness {
                Strictness::Exact => 0.75,
                Strictness::Fuzzy => 1.0,
            };
            why.push(format!("{h} is not a domain of {}", a.entry.name));
        }
    }
    let enough = match strictness {
        Strictness::Exact => 1.0,
        Strictness::Fuzzy => 0.75,
    };
    (weight >= enough).then(|| why.join(", "))
}

/// Whether `host` is one of account `i`'s domains mistyped: one edit away (`acmecorp.cm`,
/// `bluequay.con.au`) or with a dot dropped (`ostwaldde.com`).
fn mistyped_domain_of(index: &MatchIndex, i: usize, host: &str) -> bool {
    // The suffix may be the part mistyped (`con.au`), so the host is compared whole too.
    let hosts = [host.to_string(), registrable_domain(host)];
    index.account(i).entry.domains.iter().any(|d| {
        let d = normalize_domain(d).unwrap_or_default();
        d.len() >= 6
            && hosts.iter().any(|host| {
                strsim::osa_distance(&d, host) == 1
                    || dotless(&d) == dotless(host)
                    || dotless_owner_key(host).is_some_and(|k| k == dotless(&d))
            })
    })
}

/// `ostwaldde.com` without its generic suffix and dots: how a mistyped country-code domain is
/// looked up in [`MatchIndex::by_dotless`].
fn dotless_owner_key(host: &str) -> Option<String> {
    ["com", "net", "org"]
        .iter()
        .find_map(|s| host.strip_suffix(s).and_then(|h| h.strip_suffix('.')))
        .map(dotless)
}

/// The account whose domain `host` is with a dot dropped.
fn dotless_owner(index: &MatchIndex, host: &str) -> Option<usize> {
    let key = dotless_owner_key(host)?;
    (key.len() >= 6)
        .then(|| index.by_dotless.get(&key).copied())
        .flatten()
}

/// Whether the record's company agrees with account `i`'s name (or the name its domain spells).
fn company_agrees(index: &MatchIndex, i: usize, signals: &RecordSignals) -> bool {
    let key = signals.company_key.as_str();
    let a = index.account(i);
    !key.is_empty() && (similarity(key, &a.key) >= 0.85 || squashed(key) == squashed(&a.key))
}

fn with_account(
    index: &MatchIndex,
    account: AccountId,
    rule: &'static str,
    confidence: f64,
    person: AtAccount,
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
    if let Some(note) = &person.note {
        explanation.push_str("; ");
        explanation.push_str(note);
    }
    let contact = person.contact;
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
/// placed there, and still deduplicated: the same email anywhere, or the same person at that
/// account (the same name, or fields compared one by one).
pub fn place_at(index: &MatchIndex, p: &PersonRecord, account: AccountId) -> MatchResult {
    let email = p.email.as_deref().and_then(|e| Email::parse(e).ok());
    if let Some(e) = &email {
        if let Some(c) = index.contact_by_email.get(e.as_str()) {
            return with_account(
                index,
                c.account,
                "contact_email",
                1.0,
                AtAccount::is(c.id, "contact_email", 1.0),
                format!("{e} is already contact {}", c.id),
            );
        }
    }
    let contact = same_person(index, p, account);
    let rule = contact
        .contact
        .as_ref()
        .map_or("source_account", |c| c.rule);
    with_account(
        index,
        account,
        rule,
        1.0,
        contact,
        format!("the source placed the person under account {account}"),
    )
}

/// An existing contact at `account` who is the record's person: the same (canonical) name,
/// unless two work mailboxes tell them apart; else the contact the fields compared one by one
/// ([`compare`]) surely make the same person (a nickname, a typo in a name, the
/// same phone written another way, a home address), explained by what each field weighed.
fn same_person(index: &MatchIndex, p: &PersonRecord, account: AccountId) -> AtAccount {
    let mine = work_mailbox(
        p.email
            .as_deref()
            .and_then(|e| Email::parse(e).ok())
            .as_ref(),
    );
    let by_name = person_key(p.first_name.as_deref(), p.last_name.as_deref()).and_then(|k| {
        index
            .contact_by_name
            .get(&(k, account))
            .filter(|c| mine == 0 || c.work_mailbox == 0 || c.work_mailbox == mine)
    });
    if let Some(c) = by_name {
        return AtAccount::is(c.id, "contact_name", 0.85)
            .noting(format!("the same person as contact {}", c.id));
    }
    let mut people = index.people_like(account, p).peekable();
    if people.peek().is_none() {
        return AtAccount::default();
    }
    let features = PersonFeatures::new(p);
    let best = people
        .map(|(id, person)| (id, compare(&features, &PersonFeatures::new(person))))
        .filter(|(_, link)| link.decision != LinkDecision::Different)
        .max_by(|(a, x), (b, y)| {
            surely_one(x)
                .cmp(&surely_one(y))
                .then(x.weight.total_cmp(&y.weight))
                .then(b.cmp(a))
        });
    match best {
        Some((id, link)) if surely_one(&link) => {
            AtAccount::is(id, "contact_linkage", link.probability()).noting(format!(
                "the same person as contact {id} by comparing fields: {}",
                link.explain()
            ))
        }
        // Alike, not surely one: a new contact, and the explanation says which one it may be.
        Some((id, link)) => AtAccount::default().noting(format!(
            "a new contact, though it may be contact {id} ({}: {:.1} where {SAME_THRESHOLD:.0} \
             and an agreeing address or phone decide)",
            link.explain(),
            link.weight
        )),
        None => AtAccount::default(),
    }
}

/// What the contacts already at an account say about a record's person.
#[derive(Debug, Default)]
struct AtAccount {
    /// The contact the record's person is.
    contact: Option<ContactMatch>,
    /// What the explanation adds: why it is that contact, or which one it may be.
    note: Option<String>,
}

impl AtAccount {
    fn is(contact_id: ContactId, rule: &'static str, confidence: f64) -> Self {
        AtAccount {
            contact: Some(ContactMatch {
                contact_id,
                rule,
                confidence,
            }),
            note: None,
        }
    }

    fn noting(self, note: String) -> Self {
        AtAccount {
            note: Some(note),
            ..self
        }
    }
}

/// Whether the linkage surely makes a record a contact's person: Same, on evidence that holds
/// more than names (an address or a phone that agrees). Names alone, however alike, are not
/// enough to fold a record into a contact someone already works with: measured on migrated
/// exports, an account's Olivia Martin and Olivia Martinez, Patricia Miller and Patricia
/// Muller, were more often two people than one (the exact same name is [`same_person`]'s
/// first rule).
fn surely_one(link: &Linkage) -> bool {
    /// An agreement weighing less than this says little (a title, a city).
    const STRONG: f64 = 2.0;
    link.decision == LinkDecision::Same
        && link.fields.iter().any(|(label, w)| {
            (label.starts_with("email") || label.starts_with("phone")) && *w >= STRONG
        })
}

/// Similarity of two company keys in [0, 1]: the better of Jaro-Winkler on the whole key and a
/// token-set comparison, so word order and an extra word cost little.
pub(crate) fn similarity(a: &str, b: &str) -> f64 {
    /// Two words below this are not the same word: they add nothing to the token score.
    const SAME_WORD: f64 = 0.9;
    let whole = jaro_winkler(a, b);
    let mut matched = 0.0;
    let mut first_words = 0.0;
    let mut rest_shared = false;
    for (i, x) in a.split(' ').enumerate() {
        let mut best: f64 = 0.0;
        for (j, y) in b.split(' ').enumerate() {
            // Only whether two words are the same, and how alike if so, counts below.
            let s = jaro_winkler_at_least(x, y, SAME_WORD).unwrap_or(0.0);
            if i == 0 && j == 0 {
                first_words = s;
            }
            rest_shared |=
                i > 0 && j > 0 && (s >= SAME_WORD || abbreviates(x, y) || abbreviates(y, x));
            best = best.max(s);
        }
        if best >= SAME_WORD {
            matched += best;
        }
    }
    let (words_a, words_b) = (a.split(' ').count(), b.split(' ').count());
    let tokens = 2.0 * matched / (words_a + words_b) as f64;
    let score = whole.max(tokens);
    // The first word of a company's name is what tells it apart ("Acme" in Acme Robotics);
    // sharing only the rest ("Robotics") is a different company, however alike the strings.
    // Sharing only the first is one too when both go on with other words: Kraków Insurance is
    // not Kraków Labs, Müller Robotics not Müller Foods (a family name, or a city, starts
    // many companies' names), though Jaro-Winkler rates a long common start highly.
    let only_first = words_a >= 2 && words_b >= 2 && !rest_shared;
    if first_words < SAME_WORD || only_first {
        score.min(0.7)
    } else {
        score
    }
}

fn candidate(
    index: &MatchIndex,
    i: usize,
    name_score: f64,
    signals: &RecordSignals,
    why: &str,
) -> Candidate {
    let a = index.account(i);
    let mut reasons = vec![format!("{why} ({name_score:.2})")];
    for (label, same, _) in place_agreement(index, i, signals) {
        let agreement = if same { "same" } else { "different" };
        reasons.push(format!("{agreement} {label}"));
    }
    Candidate {
        account_id: a.entry.id,
        name: a.entry.name.clone(),
        score: located(index, i, name_score, signals),
        reasons,
    }
}

/// The parts of its place a record and the account `i` both state: the part, whether they
/// agree, and what that adds to or takes from a name's score.
fn place_agreement<'a>(
    index: &'a MatchIndex,
    i: usize,
    signals: &'a RecordSignals,
) -> impl Iterator<Item = (&'static str, bool, f64)> + 'a {
    let (mine, theirs) = (&signals.location, &index.account(i).location);
    [
        (&mine.country, &theirs.country, "country", 0.02),
        (&mine.state, &theirs.state, "state", 0.04),
        (&mine.city, &theirs.city, "city", 0.03),
    ]
    .into_iter()
    .filter(|(mine, theirs, _, _)| !mine.is_empty() && !theirs.is_empty())
    .map(|(mine, theirs, label, weight)| (label, mine == theirs, weight))
}

/// A name's score at the account `i`, moved by where the record and the account are.
fn located(index: &MatchIndex, i: usize, name_score: f64, signals: &RecordSignals) -> f64 {
    let mut score = name_score;
    for (_, same, weight) in place_agreement(index, i, signals) {
        if same {
            score += weight;
        } else {
            score -= weight;
        }
    }
    score.clamp(0.0, 1.0)
}

fn rank(c: &mut [Candidate]) {
    c.sort_by(|a, b| ranked((a.score, a.account_id), (b.score, b.account_id)));
}

/// The order of candidates: the best score first, the lower account id first among equals.
fn ranked(a: (f64, AccountId), b: (f64, AccountId)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

#[cfg(test)]
mod tests;
