//! Realistic cases from the held-out data that the tiers used to get wrong (issue 17).
use super::*;
use crate::matching::{AccountEntry, ContactEntry};

fn account(id: i64, name: &str, domain: &str, country: &str, city: &str) -> AccountEntry {
    AccountEntry {
        id: AccountId(id),
        name: name.into(),
        domains: (!domain.is_empty())
            .then(|| domain.to_string())
            .into_iter()
            .collect(),
        duns: None,
        country: Some(country.into()),
        state: None,
        city: (!city.is_empty()).then(|| city.to_string()),
        parent_id: None,
    }
}

fn child(mut a: AccountEntry, parent: i64) -> AccountEntry {
    a.parent_id = Some(AccountId(parent));
    a
}

fn person(email: &str, company: &str, country: &str, city: &str) -> PersonRecord {
    let some = |v: &str| (!v.is_empty()).then(|| v.to_string());
    PersonRecord {
        first_name: Some("Kenji".into()),
        last_name: Some("Mori".into()),
        email: some(email),
        company: some(company),
        country: some(country),
        city: some(city),
        ..PersonRecord::default()
    }
}

fn index(accounts: Vec<AccountEntry>) -> MatchIndex {
    let mut index = MatchIndex::new();
    for a in accounts {
        index.insert_account(a);
    }
    index
}

fn placed(index: &MatchIndex, p: &PersonRecord) -> (Option<i64>, &'static str, MatchResult) {
    let r = match_person(index, p, &MatchConfig::default());
    (r.account.as_ref().map(|a| a.account_id.0), r.rule, r)
}

fn families() -> MatchIndex {
    index(vec![
        account(1, "ParentCo", "parentco.com", "US", "New York"),
        child(account(2, "ParentCo Japan K.K.", "", "JP", "Osaka"), 1),
        child(account(3, "ParentCo France SAS", "", "FR", "Paris"), 1),
        account(10, "Acme", "acme.com", "US", "Chicago"),
        child(account(11, "Acme Retail", "", "US", "Chicago"), 10),
        child(account(12, "Acme Health", "", "US", "Chicago"), 10),
        child(
            account(13, "Acme Business Solutions", "", "US", "Chicago"),
            10,
        ),
    ])
}

#[test]
fn the_parents_domain_finds_the_family_and_the_company_string_the_member() {
    let index = families();
    for (p, want) in [
        (
            person("k.mori@parentco.com", "ParentCo Japan KK", "JP", "Osaka"),
            2,
        ),
        (person("k.mori@parentco.com", "ParentCo Japan", "", ""), 2),
        (
            person("k.mori@parentco.com", "ParentCo", "Japan", "Osaka"),
            2,
        ),
        (person("m.roux@parentco.com", "ParentCo France", "", ""), 3),
        (person("ann@acme.com", "Acme Retail", "US", "Chicago"), 11),
        (person("ann@acme.com", "ACME Health Division", "", ""), 12),
        (person("ann@acme.com", "ABS", "", ""), 13),
    ] {
        let (got, rule, r) = placed(&index, &p);
        assert_eq!(got, Some(want), "{p:?}: {}", r.explanation);
        assert_eq!(rule, "family_member", "{}", r.explanation);
    }
}

#[test]
fn the_domains_owner_stays_when_nothing_points_below_it() {
    let index = families();
    for (p, want) in [
        (
            person("k.mori@parentco.com", "ParentCo Inc.", "US", "New York"),
            1,
        ),
        (person("k.mori@parentco.com", "", "", ""), 1),
        (person("ann@acme.com", "Acme", "USA", ""), 10),
        // A unit the family does not have is not another unit of it.
        (person("ann@acme.com", "Acme Logistics", "", ""), 10),
    ] {
        let (got, rule, r) = placed(&index, &p);
        assert_eq!(got, Some(want), "{p:?}: {}", r.explanation);
        assert_eq!(rule, "email_domain");
    }
}

#[test]
fn a_look_alike_in_another_country_is_another_company() {
    let index = index(vec![
        account(
            1,
            "Harwell Logistics Co.",
            "harwelllogistics.com",
            "US",
            "Dallas",
        ),
        account(2, "Castlemont Advisory LLP", "", "GB", "London"),
    ]);
    let (got, rule, r) = placed(
        &index,
        &person(
            "g.rossi@harwelllogistica.it",
            "Harwell Logistica S.p.A.",
            "IT",
            "Torino",
        ),
    );
    assert_eq!(
        (got, rule),
        (None, "new_account_domain"),
        "{}",
        r.explanation
    );
    let (got, _, r) = placed(
        &index,
        &person(
            "liam@gmail.com",
            "Castlemont Advisory Pty Ltd",
            "Australia",
            "Sydney",
        ),
    );
    assert_eq!(got, None, "{}", r.explanation);
    assert_eq!(r.status, MatchStatus::Review);
    // The same company in its own country still matches.
    let (got, _, r) = placed(
        &index,
        &person("liam@gmail.com", "Castlemont Advisory LLP", "UK", "London"),
    );
    assert_eq!(got, Some(2), "{}", r.explanation);
}

#[test]
fn an_unlisted_domain_with_the_name_of_an_account_without_one_is_that_account() {
    let index = index(vec![account(7, "Fernhollow Textiles Inc.", "", "US", "")]);
    let (got, _, r) = placed(
        &index,
        &person(
            "j.doe@fernhollow.com",
            "Fernhollow Textiles Corporation",
            "",
            "",
        ),
    );
    assert_eq!(got, Some(7), "{}", r.explanation);
}

#[test]
fn a_mistyped_domain_with_an_agreeing_company_is_the_account() {
    let index = index(vec![
        account(1, "Blue Quay Pty Ltd", "bluequay.com.au", "AU", "Sydney"),
        account(2, "Ostwald GmbH", "ostwald.de", "DE", "Hamburg"),
        account(3, "AcmeCorp Inc.", "acmecorp.com", "US", ""),
    ]);
    for (p, want) in [
        (person("a@bluequay.con.au", "Bluequay", "", ""), 1),
        (person("a@ostwaldde.com", "Ostwald", "", ""), 2),
        (person("a@acmecorp.cm", "Acme Corp", "", ""), 3),
    ] {
        let (got, _, r) = placed(&index, &p);
        assert_eq!(got, Some(want), "{p:?}: {}", r.explanation);
    }
    // A name only close to the account's is taken because the domain is its mistyped (or,
    // for acmecorp.cm, spells its name).
    for (p, want, rule) in [
        (
            person("a@bluequay.con.au", "Blu Quay", "", ""),
            1,
            "domain_typo",
        ),
        (
            person("a@ostwaldde.com", "Ostwald Maschinen", "", ""),
            2,
            "domain_typo",
        ),
        (
            person("a@acmecorp.cm", "Acme Corpp", "", ""),
            3,
            "domain_name",
        ),
    ] {
        let got = placed(&index, &p);
        assert_eq!(
            (got.0, got.1),
            (Some(want), rule),
            "{p:?}: {}",
            got.2.explanation
        );
    }
    // Without a company that agrees, a near domain is someone else's.
    let (got, _, _) = placed(&index, &person("a@ostwaldde.com", "", "", ""));
    assert_eq!(got, None);
}

#[test]
fn free_mail_people_with_noisy_company_strings_are_placed() {
    let mut acme = account(4, "Acme Business Solutions", "acmebs.com", "US", "Keene");
    acme.state = Some("NH".into());
    let index = index(vec![
        account(1, "KT Holdings", "kt-holdings.com", "US", ""),
        account(2, "Lindqvist Paper AB", "lindqvistpaper.com", "SE", ""),
        account(
            3,
            "Granite Savings and Trust of Keene",
            "gstk.com",
            "US",
            "Keene",
        ),
        acme,
    ]);
    let mut abs = person("pat@gmail.com", "abs", "US", "Keene");
    abs.state = Some("New Hampshire".into());
    for (p, want) in [
        (person("kt@gmail.com", "KT Holdings LLC - HQ", "", ""), 1),
        (person("ek@gmail.com", "www.lindqvistpaper.com", "", ""), 2),
        (
            person("gs@yahoo.com", "Granite  Savings & Trus of Keene", "", ""),
            3,
        ),
        (abs, 4),
    ] {
        let (got, _, r) = placed(&index, &p);
        assert_eq!(got, Some(want), "{p:?}: {}", r.explanation);
    }
}

#[test]
fn sharing_only_the_first_word_is_another_company_unless_the_rest_is_abbreviated() {
    let index = index(vec![
        account(1, "Kraków Labs Co.", "krakowlabs.io", "US", "San Francisco"),
        account(2, "Müller Foods", "muellerfoods.de", "US", "San Diego"),
        account(
            3,
            "Kiquebru Logistics",
            "kiquebrulogistics.com",
            "US",
            "Atlanta",
        ),
        account(4, "Cestu Partners", "cestupartners.net", "US", "San Diego"),
    ]);
    for p in [
        person(
            "chloe@krakowinsurance.com",
            "Kraków Insurance",
            "USA",
            "San Francisco",
        ),
        person("zoewhite49@gmx.de", "Müller Robotics", "", "San Diego"),
    ] {
        let (got, _, r) = placed(&index, &p);
        assert_eq!(got, None, "{p:?}: {}", r.explanation);
    }
    for (p, want) in [
        (
            person(
                "mp74@gmail.com",
                "Kiquebru Log.",
                "United States",
                "Atlanta",
            ),
            3,
        ),
        (person("jm@gmail.com", "Cestu Ptnrs", "US", "San Diego"), 4),
    ] {
        let (got, _, r) = placed(&index, &p);
        assert_eq!(got, Some(want), "{p:?}: {}", r.explanation);
    }
}

#[test]
fn a_name_match_stays_with_its_account_when_only_a_childs_place_agrees() {
    // The owner's place is unknown, so a child in the person's country and city says
    // nothing against it: the person named the owner.
    let mut owner = account(1, "Zürich Security Inc.", "zurichsecurity.com", "", "");
    owner.country = None;
    let index = index(vec![
        owner,
        child(
            account(
                2,
                "Couloquux Pharma Co.",
                "couloquuxpharma.co.uk",
                "US",
                "Chicago",
            ),
            1,
        ),
    ]);
    let p = person(
        "zoelee17@aol.com",
        "Zürich Security Inc.",
        "United States",
        "Chicago",
    );
    let (got, _, r) = placed(&index, &p);
    assert_eq!(got, Some(1), "{}", r.explanation);
}

fn contact(
    id: i64,
    first: &str,
    last: &str,
    email: &str,
    phone: &str,
    title: &str,
) -> ContactEntry {
    let some = |v: &str| (!v.is_empty()).then(|| v.to_string());
    ContactEntry {
        id: ContactId(id),
        account_id: AccountId(1),
        email: some(email),
        first_name: some(first),
        last_name: some(last),
        phone: some(phone),
        title: some(title),
    }
}

fn orbitly() -> MatchIndex {
    let mut index = index(vec![account(
        1,
        "Orbitly Ltd",
        "orbitly.com",
        "GB",
        "London",
    )]);
    index.insert_contact(&contact(
        41,
        "Tessa",
        "Vance",
        "tessa.vance@orbitly.com",
        "+44 7700 900 123",
        "VP Sales",
    ));
    index.insert_contact(&contact(
        42,
        "Wei",
        "Wang",
        "wei.wang@orbitly.com",
        "+44 7911 123456",
        "Engineer",
    ));
    index
}

fn at_orbitly(first: &str, last: &str, email: &str, phone: &str, title: &str) -> PersonRecord {
    let some = |v: &str| (!v.is_empty()).then(|| v.to_string());
    PersonRecord {
        first_name: some(first),
        last_name: some(last),
        email: some(email),
        company: Some("Orbitly".into()),
        phone: some(phone),
        title: some(title),
        country: Some("GB".into()),
        ..PersonRecord::default()
    }
}

#[test]
fn a_contact_written_another_way_is_found_by_comparing_fields() {
    let index = orbitly();
    let config = MatchConfig::default();
    // A nickname and a typo in the last name, from home, with the mobile written nationally.
    let r = match_person(
        &index,
        &at_orbitly(
            "Tess",
            "Vancce",
            "tessav81@gmail.com",
            "07700-900123",
            "VP Sales",
        ),
        &config,
    );
    let c = r.contact.expect("the contact is found");
    assert_eq!((c.contact_id, c.rule), (ContactId(41), "contact_linkage"));
    assert!(c.confidence > 0.9, "{c:?}");
    assert!(
        r.explanation.contains("the same person as contact 41")
            && r.explanation.contains("phone same"),
        "the explanation names the fields that decided: {}",
        r.explanation
    );
    // The same, placed by the source (a migration's contact under its account).
    let placed = place_at(
        &index,
        &at_orbitly("Tess", "Vancce", "", "+44 7700 900123", ""),
        AccountId(1),
    );
    assert_eq!(placed.rule, "contact_linkage");
    // Names alone make a new contact, and the explanation says which one it may be.
    let r = match_person(&index, &at_orbitly("Tess", "Vancce", "", "", ""), &config);
    assert!(r.contact.is_none(), "{:?}", r.contact);
    assert!(
        r.explanation
            .contains("a new contact, though it may be contact 41"),
        "{}",
        r.explanation
    );
}

#[test]
fn a_namesake_with_another_phone_and_title_is_not_the_contact() {
    let index = orbitly();
    let r = match_person(
        &index,
        &at_orbitly("Wei", "Wong", "", "+44 7700 900 777", "Controller"),
        &MatchConfig::default(),
    );
    assert_eq!(r.account.map(|a| a.account_id), Some(AccountId(1)));
    assert!(r.contact.is_none(), "{:?}", r.contact);
    // Nothing at all alike is compared with nobody.
    let r = match_person(
        &index,
        &at_orbitly("Ada", "Byron", "", "", ""),
        &MatchConfig::default(),
    );
    assert!(r.contact.is_none());
}

#[test]
fn a_replaced_or_removed_contact_is_no_longer_compared() {
    let mut index = orbitly();
    let old = contact(
        41,
        "Tessa",
        "Vance",
        "tessa.vance@orbitly.com",
        "+44 7700 900 123",
        "VP Sales",
    );
    let mut new = old.clone();
    new.id = ContactId(141);
    index.replace_contact(&old, &new);
    let record = at_orbitly("Tess", "Vancce", "", "+44 7700 900123", "");
    let c = place_at(&index, &record, AccountId(1)).contact;
    assert_eq!(c.map(|c| c.contact_id), Some(ContactId(141)));
    index.remove_contacts(&[ContactId(141)].into_iter().collect());
    assert!(place_at(&index, &record, AccountId(1)).contact.is_none());
}
