//! The family rule. An email domain (or a DUNS) names a company's *family*: people at a
//! subsidiary or a division often write the parent's domain (`k.mori@parentco.com`, company
//! `ParentCo Japan KK`, Osaka). The words of the company string that are not the parent's name
//! (a country, a region, a line of business, another country's legal form), the person's
//! country, state and city, and their phone's country pick the member of the family; the
//! domain's owner stays the answer only when nothing points to a member below it.

use super::index::{initials, Location, MatchIndex};
use super::signals::RecordSignals;
use crate::normalize::company::company_tokens;
use crate::normalize::country::country_of_word;
use crate::normalize::text::jaro_winkler;

/// How many members below the domain's owner are looked at: the largest real families have a
/// few hundred legal entities; a bigger one (or a loop) stops here.
const MAX_MEMBERS: usize = 500;

/// The least evidence that moves a record from the domain's owner to a member below it: a
/// matching name word, or a country that is the member's and not the owner's.
const CHOOSE_AT: f64 = 1.0;
/// How far the chosen member must lead the next one.
const CLEAR_BY: f64 = 0.5;

/// Words that say what kind of unit a name is, not which one.
const UNIT_WORDS: &[&str] = &[
    "division",
    "dept",
    "department",
    "unit",
    "business",
    "office",
    "branch",
    "of",
    "the",
    "and",
];

/// The member of the family a record belongs to, and why.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FamilyChoice {
    /// The chosen account's position in the index.
    pub member: usize,
    pub reasons: Vec<String>,
}

/// Picks the member below `owner` (the account that owns the record's domain or DUNS) that the
/// record's signals point to, or `None` when nothing points below the owner or two members are
/// pointed to alike.
pub(crate) fn choose_member(
    index: &MatchIndex,
    owner: usize,
    record: &RecordSignals,
) -> Option<FamilyChoice> {
    let members = descendants(index, owner);
    if members.is_empty() {
        return None;
    }
    let owner_account = index.account(owner);
    let owner_words: Vec<&str> = company_tokens(&owner_account.key);
    let words = distinguishing(&record.company_key, &owner_words);
    let mut scored: Vec<(f64, usize, Vec<String>)> = members
        .into_iter()
        .map(|m| {
            let (score, reasons) = evidence(
                index,
                m,
                &owner_account.location,
                &owner_words,
                &words,
                record,
            );
            (score, m, reasons)
        })
        .filter(|(score, _, _)| *score > 0.0)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let (best, member, reasons) = scored.first()?.clone();
    let second = scored.get(1).map(|s| s.0).unwrap_or(0.0);
    (best >= CHOOSE_AT && best - second >= CLEAR_BY).then_some(FamilyChoice { member, reasons })
}

/// Every account below `owner`, breadth first, each once (a loop written into the data by
/// hand stops where it would come back), at most [`MAX_MEMBERS`].
fn descendants(index: &MatchIndex, owner: usize) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    let mut next = 0;
    let mut at = owner;
    loop {
        let id = index.account(at).entry.id;
        for &child in index
            .children
            .get(&id)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            if child != owner && !out.contains(&child) && out.len() < MAX_MEMBERS {
                out.push(child);
            }
        }
        match out.get(next) {
            Some(&m) => {
                at = m;
                next += 1;
            }
            None => return out,
        }
    }
}

/// The words of a company key that the owner's name does not have (`parentco japan` under
/// `parentco` -> `japan`), unit words left out.
fn distinguishing<'a>(key: &'a str, owner_words: &[&str]) -> Vec<&'a str> {
    company_tokens(key)
        .into_iter()
        .filter(|w| !owner_words.contains(w) && !UNIT_WORDS.contains(w))
        .collect()
}

/// How strongly the record points to `member`, with the reasons.
fn evidence(
    index: &MatchIndex,
    member: usize,
    owner: &Location,
    owner_words: &[&str],
    words: &[&str],
    record: &RecordSignals,
) -> (f64, Vec<String>) {
    let m = index.account(member);
    let mut score = 0.0;
    let mut reasons = Vec::new();
    let member_words = distinguishing(&m.key, owner_words);
    if !record.company_key.is_empty() && record.company_key == m.key {
        score += 3.0;
        reasons.push(format!("the company is named {}", m.entry.name));
    } else if !words.is_empty() && !member_words.is_empty() {
        let shared = words
            .iter()
            .filter(|w| member_words.iter().any(|x| jaro_winkler(w, x) >= 0.9))
            .count();
        if shared > 0 {
            score += 2.0 * shared as f64 / words.len().max(member_words.len()) as f64;
            reasons.push(format!("the company names {}", member_words.join(" ")));
        } else {
            // The record names another unit of the family ("Retail" is not "Health").
            score -= 1.0;
        }
    }
    if !record.company_key.is_empty()
        && record.company_key.split(' ').count() == 1
        && initials(&m.key).as_deref() == Some(record.company_key.as_str())
    {
        score += 2.5;
        reasons.push(format!(
            "{} are the initials of {}",
            record.company_key, m.entry.name
        ));
    }
    // Where the member is, against where the owner is: only a difference between them can
    // point to the member.
    let here = &m.location;
    let named_country = words.iter().find_map(|w| country_of_word(w));
    for (country, what, weight) in [
        (named_country, "the company names", 1.5),
        // People type `Inc.` after a GmbH's name: a legal form is a hint, not enough alone.
        (record.legal_form_country, "the legal form is of", 0.5),
        (record.country(), "the person is in", 1.0),
        (record.phone_country, "the phone is of", 0.75),
    ] {
        let Some(country) = country else { continue };
        // Where the owner is unknown, nothing contrasts it with the member: a person in the
        // member's country may as well be at the owner (a name match to the owner, say).
        if here.country.is_empty() || owner.country.is_empty() || here.country == owner.country {
            continue;
        }
        if here.country == country {
            score += weight;
            reasons.push(format!("{what} {country}"));
        } else if owner.country == country {
            score -= weight;
        }
    }
    if !record.location.state.is_empty() && !owner.state.is_empty() && here.state != owner.state {
        if here.state == record.location.state {
            score += 0.5;
            reasons.push(format!("the same state ({})", here.state));
        } else if owner.state == record.location.state {
            score -= 0.5;
        }
    }
    if !record.location.city.is_empty()
        && !owner.city.is_empty()
        && here.city == record.location.city
        && here.city != owner.city
    {
        score += 0.5;
        reasons.push(format!("the same city ({})", here.city));
    }
    (score, reasons)
}
