//! A filter evaluated in memory (`abcrm_core::filter::matches`, what the scoring engine runs)
//! selects exactly the rows the store's SQL selects for it, on SQLite and on PostgreSQL alike.

use abcrm_core::filter::{check, matches, parse, Checked, Scope, Target};
use abcrm_core::model::*;
use abcrm_core::normalize::Email;
use abcrm_core::*;
use abcrm_store::testing::{backends, TestStore};
use abcrm_store::*;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sqlx::Connection;
use std::collections::HashMap;

/// The day every filter runs on.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 15).unwrap()
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, s).unwrap()
}

/// Filters on a contact and its account: every operator, missing values, `not` over `and` and
/// `or`, ranked seniority, case, LIKE's wildcards taken literally, timestamps against dates and
/// relative dates (boundaries included, out-of-calendar ones too).
const FILTERS: &[&str] = &[
    r#"contact.seniority >= "director""#,
    r#"contact.seniority < "director""#,
    r#"contact.seniority > "individual contributor""#,
    r#"not contact.seniority <= "manager""#,
    r#"contact.seniority = "VP""#,
    r#"contact.seniority != "vp""#,
    r#"contact.seniority in ("vp", "c_level")"#,
    r#"contact.seniority not in ("vp", "c_level")"#,
    r#"contact.seniority is empty"#,
    r#"contact.title contains "VP""#,
    r#"contact.title starts with "dir""#,
    r#"contact.title contains "100%_""#,
    r#"contact.title contains "%""#,
    r#"contact.title starts with "_""#,
    r#"contact.title is empty"#,
    r#"contact.title is not empty"#,
    r#"not contact.title contains "of""#,
    r#"contact.title = """#,
    r#"contact.title < "e""#,
    r#"contact.source = "WEBINAR""#,
    r#"contact.source != "webinar""#,
    r#"contact.source in ("Webinar", "list import")"#,
    r#"contact.source not in ("webinar")"#,
    r#"contact.email starts with "IDA@""#,
    r#"contact.status != "active""#,
    r#"contact.department in ("sales", "marketing") or contact.buying_role = "champion""#,
    r#"not (contact.department = "engineering" or contact.buying_role = "user")"#,
    "contact.created_at >= -1w",
    "contact.created_at > -1w",
    "contact.created_at <= -2m",
    "contact.created_at >= -1y",
    r#"contact.created_at < "2026-03-15""#,
    "contact.created_at >= 0d",
    "contact.created_at > -100000000w",
    "contact.last_activity_at is empty",
    "not contact.last_activity_at > -90d",
    r#"account.industry in ("Software", "SaaS") and account.employees >= 200"#,
    "account.employees > 199",
    "account.employees != 500",
    "not account.employees < 300",
    "account.annual_revenue <= 0",
    r#"not (account.state = "CA" and account.employees > 100)"#,
    r#"not (account.state = "ca" or contact.seniority = "vp")"#,
    r#"not (account.industry = "software" and contact.title is not empty)"#,
    r#"not (account.name contains "acme" or account.industry is empty)"#,
    "account.state is empty",
    "account.state is not empty",
    r#"account.city contains "Évry""#,
    r#"account.city = "Köln""#,
    r#"account.name contains "100%_""#,
    r#"account.name < "h""#,
    r#"account.name >= "Initech""#,
    r#"account.relationship != "customer""#,
    r#"account.relationship not in ("partner", "former customer")"#,
    "not account.target_tier = 1",
    "account.target_tier in (1, 3)",
    "account.created_at >= -90d",
    "account.created_at > -90d",
    r#"account.created_at >= "2026-03-15""#,
    "account.created_at < -5y",
    "account.created_at < 10000y",
    "account.created_at > -300000y",
    r#"account.created_at > "+12026-01-01""#,
    r#"account.created_at > "-5000-01-01""#,
];

struct NewAcc {
    name: &'static str,
    industry: Option<&'static str>,
    employees: Option<i64>,
    annual_revenue: Option<i64>,
    state: Option<&'static str>,
    city: Option<&'static str>,
    relationship: Relationship,
    target_tier: Option<i32>,
    created_at: DateTime<Utc>,
}

struct NewCon {
    account: usize,
    email: &'static str,
    title: Option<&'static str>,
    seniority: Option<Seniority>,
    department: Option<Department>,
    buying_role: Option<BuyingRole>,
    status: ContactStatus,
    source: Option<&'static str>,
    created_at: DateTime<Utc>,
}

/// Accounts and contacts with varied values: missing ones, mixed case, every seniority, and
/// times on the boundaries the filters draw. Empty strings are written afterwards by hand (the
/// store's own writes never keep them).
async fn world(t: &TestStore) -> (Vec<Contact>, HashMap<AccountId, Account>) {
    let actor = Actor::system("test");
    let accounts = [
        NewAcc {
            name: "Acme Software",
            industry: Some("Software"),
            employees: Some(500),
            annual_revenue: Some(12_000_000),
            state: Some("CA"),
            city: Some("San Francisco"),
            relationship: Relationship::Prospect,
            target_tier: Some(1),
            created_at: at(2025, 12, 15, 0, 0, 0),
        },
        NewAcc {
            name: "globex",
            industry: Some("saas"),
            employees: Some(200),
            annual_revenue: None,
            state: Some("ny"),
            city: Some("Évry"),
            relationship: Relationship::Customer,
            target_tier: None,
            created_at: at(2026, 3, 14, 12, 0, 0) + chrono::Duration::milliseconds(500),
        },
        NewAcc {
            name: "Initech",
            industry: None,
            employees: None,
            annual_revenue: None,
            state: None,
            city: None,
            relationship: Relationship::Partner,
            target_tier: Some(3),
            created_at: at(2020, 2, 29, 23, 59, 59) + chrono::Duration::microseconds(999_999),
        },
        NewAcc {
            name: "Umbrella 100%_Corp",
            industry: Some("SOFTWARE"),
            employees: Some(199),
            annual_revenue: Some(0),
            state: Some("Ca"),
            city: Some("Köln"),
            relationship: Relationship::FormerCustomer,
            target_tier: None,
            created_at: at(2026, 3, 15, 0, 0, 0),
        },
        NewAcc {
            name: "Hooli",
            industry: None,
            employees: None,
            annual_revenue: None,
            state: None,
            city: None,
            relationship: Relationship::Competitor,
            target_tier: None,
            created_at: at(2000, 1, 1, 0, 0, 0),
        },
    ];
    let mut account_ids = Vec::new();
    for a in accounts {
        let created = t
            .store
            .create_account(
                &actor,
                NewAccount {
                    name: a.name.into(),
                    industry: a.industry.map(Into::into),
                    employees: a.employees,
                    annual_revenue: a.annual_revenue,
                    state: a.state.map(Into::into),
                    city: a.city.map(Into::into),
                    relationship: Some(a.relationship),
                    target_tier: a.target_tier,
                    created_at: Some(a.created_at),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        account_ids.push(created.id);
    }
    let contacts = [
        NewCon {
            account: 0,
            email: "ann@acme.com",
            title: Some("VP of Sales"),
            seniority: Some(Seniority::Vp),
            department: Some(Department::Sales),
            buying_role: Some(BuyingRole::EconomicBuyer),
            status: ContactStatus::Active,
            source: Some("Webinar"),
            created_at: at(2026, 3, 8, 0, 0, 0),
        },
        NewCon {
            account: 0,
            email: "bob@acme.com",
            title: Some("director, engineering"),
            seniority: Some(Seniority::Director),
            department: Some(Department::Engineering),
            buying_role: Some(BuyingRole::Champion),
            status: ContactStatus::Active,
            source: Some("webinar"),
            created_at: at(2026, 1, 15, 0, 0, 0),
        },
        NewCon {
            account: 1,
            email: "cyd@globex.com",
            title: Some("CEO"),
            seniority: Some(Seniority::CLevel),
            department: Some(Department::Executive),
            buying_role: None,
            status: ContactStatus::Nurture,
            source: Some("List Import"),
            created_at: at(2025, 3, 15, 0, 0, 0),
        },
        NewCon {
            account: 1,
            email: "dee@globex.com",
            title: None,
            seniority: None,
            department: None,
            buying_role: None,
            status: ContactStatus::Active,
            source: None,
            created_at: at(2026, 3, 14, 23, 59, 59),
        },
        NewCon {
            account: 2,
            email: "eve@initech.com",
            title: Some("placeholder"),
            seniority: Some(Seniority::Manager),
            department: None,
            buying_role: None,
            status: ContactStatus::Unsubscribed,
            source: Some("placeholder"),
            created_at: at(2024, 6, 1, 12, 0, 0),
        },
        NewCon {
            account: 2,
            email: "fay@initech.com",
            title: Some("Engineer"),
            seniority: Some(Seniority::IndividualContributor),
            department: Some(Department::Engineering),
            buying_role: Some(BuyingRole::User),
            status: ContactStatus::Active,
            source: None,
            created_at: at(2026, 3, 15, 0, 0, 0),
        },
        NewCon {
            account: 3,
            email: "gus@umbrella.com",
            title: Some("Head of 100%_Growth"),
            seniority: Some(Seniority::Vp),
            department: Some(Department::Marketing),
            buying_role: Some(BuyingRole::Influencer),
            status: ContactStatus::Active,
            source: Some("WEBINAR"),
            created_at: at(2025, 12, 15, 0, 0, 0) + chrono::Duration::microseconds(1),
        },
        NewCon {
            account: 4,
            email: "hal@hooli.com",
            title: Some("Mgr"),
            seniority: Some(Seniority::Manager),
            department: None,
            buying_role: None,
            status: ContactStatus::LeftCompany,
            source: None,
            created_at: at(1999, 12, 31, 23, 59, 59),
        },
        NewCon {
            account: 4,
            email: "IDA@Hooli.com",
            title: Some("Director of IT"),
            seniority: Some(Seniority::Director),
            department: Some(Department::It),
            buying_role: Some(BuyingRole::Blocker),
            status: ContactStatus::Active,
            source: Some("list import"),
            created_at: at(2026, 2, 1, 8, 0, 0),
        },
    ];
    let mut contact_ids = Vec::new();
    for c in contacts {
        let mut new = NewContact::at(account_ids[c.account]);
        new.email = Some(Email::parse(c.email).unwrap());
        new.title = c.title.map(Into::into);
        new.seniority = c.seniority;
        new.department = c.department;
        new.buying_role = c.buying_role;
        new.status = Some(c.status);
        new.source = c.source.map(Into::into);
        new.created_at = Some(c.created_at);
        contact_ids.push(t.store.create_contact(&actor, new).await.unwrap().id);
    }
    let (initech, eve) = (account_ids[2], contact_ids[4]);
    execute(
        t,
        &[
            format!("UPDATE accounts SET state = '', city = '' WHERE id = {initech}"),
            format!("UPDATE contacts SET title = '', source = '' WHERE id = {eve}"),
        ],
    )
    .await;
    let mut accounts = HashMap::new();
    for id in account_ids {
        accounts.insert(id, t.store.get_account(id).await.unwrap());
    }
    let mut contacts = Vec::new();
    for id in contact_ids {
        contacts.push(t.store.get_contact(id).await.unwrap());
    }
    (contacts, accounts)
}

/// Runs statements on the test's database directly.
async fn execute(t: &TestStore, statements: &[String]) {
    if t.name == "postgres" {
        let mut conn = sqlx::PgConnection::connect(&t.url()).await.unwrap();
        for s in statements {
            sqlx::query(s).execute(&mut conn).await.unwrap();
        }
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&t.url()).await.unwrap();
        for s in statements {
            sqlx::query(s).execute(&mut conn).await.unwrap();
        }
    }
}

async fn sql_contacts(t: &TestStore, f: &Checked) -> Result<Vec<ContactId>, StoreError> {
    let mut ids = Vec::new();
    let mut after = None;
    loop {
        let page = t
            .store
            .segment_contacts(f, today(), PageRequest { after, limit: 1000 })
            .await?;
        ids.extend(page.items.iter().map(|c| c.id));
        match page.next_after {
            Some(next) => after = Some(next),
            None => return Ok(ids),
        }
    }
}

async fn sql_accounts(t: &TestStore, f: &Checked) -> Result<Vec<AccountId>, StoreError> {
    let mut ids = Vec::new();
    let mut after = None;
    loop {
        let page = t
            .store
            .segment_accounts(f, today(), PageRequest { after, limit: 1000 })
            .await?;
        ids.extend(page.items.iter().map(|a| a.id));
        match page.next_after {
            Some(next) => after = Some(next),
            None => return Ok(ids),
        }
    }
}

#[tokio::test]
async fn memory_and_sql_select_the_same_contacts_and_accounts() {
    let mut disagreements = Vec::new();
    for t in backends().await {
        let (contacts, accounts) = world(&t).await;
        let mut account_list: Vec<&Account> = accounts.values().collect();
        account_list.sort_by_key(|a| a.id);
        for text in FILTERS {
            let expr = parse(text).unwrap();
            let checked = check(&expr, Target::Contacts).unwrap();
            let in_memory: Vec<ContactId> = contacts
                .iter()
                .filter(|c| matches(&checked, &(*c, &accounts[&c.account_id]), today()))
                .map(|c| c.id)
                .collect();
            match sql_contacts(&t, &checked).await {
                Ok(ids) if ids == in_memory => {}
                got => disagreements.push(format!(
                    "{}: contacts {text}: SQL {got:?}, memory {in_memory:?}",
                    t.name
                )),
            }
            // A filter on the account alone selects the same accounts from an account segment.
            if checked.scopes() == [Scope::Account] {
                let checked = check(&expr, Target::Accounts).unwrap();
                let in_memory: Vec<AccountId> = account_list
                    .iter()
                    .filter(|a| matches(&checked, **a, today()))
                    .map(|a| a.id)
                    .collect();
                match sql_accounts(&t, &checked).await {
                    Ok(ids) if ids == in_memory => {}
                    got => disagreements.push(format!(
                        "{}: accounts {text}: SQL {got:?}, memory {in_memory:?}",
                        t.name
                    )),
                }
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "memory and SQL disagree:\n{}",
        disagreements.join("\n")
    );
}

/// The largest filters the language's limits allow (the longest chains inside the deepest
/// nesting, under `not`s, the longest list), built on every field kind.
fn filters_at_the_limits() -> Vec<String> {
    use abcrm_core::filter::{MAX_CONDITIONS, MAX_DEPTH, MAX_VALUES};
    let terms = [
        r#"account.state = "CA""#,
        r#"contact.title contains "VP""#,
        "contact.created_at >= -1w",
        r#"contact.seniority >= "director""#,
        "account.employees is empty",
    ];
    let chain = |op: &str| {
        (0..MAX_CONDITIONS)
            .map(|i| terms[i % terms.len()])
            .collect::<Vec<_>>()
            .join(op)
    };
    let nest = |open: &str, close: &str, levels: usize, inner: String| {
        format!("{}{inner}{}", open.repeat(levels), close.repeat(levels))
    };
    let list = (0..MAX_VALUES)
        .map(|i| format!("\"S{i}\""))
        .collect::<Vec<_>>()
        .join(", ");
    vec![
        nest("(", ")", MAX_DEPTH, chain(" or ")),
        nest("(", ")", MAX_DEPTH, chain(" and ")),
        nest("not (", ")", MAX_DEPTH / 2, chain(" or ")),
        nest("not ", "", MAX_DEPTH, chain(" and ")),
        (0..MAX_CONDITIONS / 2)
            .map(|i| format!("({} or not {})", terms[i % 5], terms[(i + 1) % 5]))
            .collect::<Vec<_>>()
            .join(" and "),
        format!("contact.title not in ({list})"),
    ]
}

#[tokio::test]
async fn filters_at_every_limit_run_on_both_backends_and_agree_with_memory() {
    let mut disagreements = Vec::new();
    for t in backends().await {
        let (contacts, accounts) = world(&t).await;
        for text in filters_at_the_limits() {
            let checked = check(&parse(&text).unwrap(), Target::Contacts).unwrap();
            let in_memory: Vec<ContactId> = contacts
                .iter()
                .filter(|c| matches(&checked, &(*c, &accounts[&c.account_id]), today()))
                .map(|c| c.id)
                .collect();
            match sql_contacts(&t, &checked).await {
                Ok(ids) if ids == in_memory => {}
                got => disagreements.push(format!(
                    "{}: {}...: SQL {got:?}, memory {in_memory:?}",
                    t.name,
                    &text[..80]
                )),
            }
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
