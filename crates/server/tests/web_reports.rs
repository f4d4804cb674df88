//! The report pages and the CSV downloads of reports and lists, on both backends: each page
//! renders its chart and table, each CSV is a download with a header row and the rows of a
//! small world whose answers are known.

mod common;

use abcrm_core::model::*;
use abcrm_core::normalize::Email;
use abcrm_core::reports::{CoverageRows, ReportScope};
use abcrm_core::{AccountId, UserId};
use chrono::{Duration, Utc};
use common::web::{self, Web};
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE, COOKIE};
use reqwest::StatusCode;

fn actor() -> Actor {
    Actor::system("test")
}

/// A download: status, content type, content disposition and the body's lines.
struct Download {
    status: StatusCode,
    content_type: String,
    disposition: String,
    lines: Vec<String>,
}

async fn download(w: &Web, path: &str) -> Download {
    let res = w
        .client
        .get(format!("{}{path}", w.base))
        .header(COOKIE, &w.cookie)
        .send()
        .await
        .unwrap();
    let header = |name| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let (status, content_type, disposition) = (
        res.status(),
        header(CONTENT_TYPE),
        header(CONTENT_DISPOSITION),
    );
    let body = res.text().await.unwrap();
    Download {
        status,
        content_type,
        disposition,
        lines: body.lines().map(str::to_string).collect(),
    }
}

/// A CSV download that must succeed, saved as `file`: its lines.
async fn csv(w: &Web, path: &str, file: &str) -> Vec<String> {
    let d = download(w, path).await;
    assert_eq!(
        d.status,
        StatusCode::OK,
        "{}: {path}: {:?}",
        w.name,
        d.lines
    );
    assert_eq!(d.content_type, "text/csv; charset=utf-8", "{path}");
    assert_eq!(
        d.disposition,
        format!("attachment; filename=\"{file}\""),
        "{path}"
    );
    d.lines
}

fn encoded(text: &str) -> String {
    abcrm_server::web::urlencode(text)
}

struct World {
    acme: AccountId,
    owner: UserId,
}

/// Acme (CA) with Ann, its economic buyer, Bob, who left, and `=Evil`, whose name a spreadsheet
/// would run; Beta (NY) and Gamma (CA) with nobody. Ann answered the Summit (budget 3,000) and a
/// webinar (no budget) before Acme's two deals began, worth 10,000 together, both owned by Rita
/// Rep and sourced from the Summit; the trade show (budget 500) touched nobody.
async fn world(w: &Web) -> World {
    let s = &w.store;
    let now = Utc::now();
    let owner = s
        .create_user(
            &actor(),
            NewUser {
                email: Email::parse("rita@example.com").unwrap(),
                name: "Rita Rep".into(),
                role: Role::Sales,
            },
        )
        .await
        .unwrap()
        .id;
    let account = |name: &str, state: &str| NewAccount {
        name: name.into(),
        state: Some(state.into()),
        country: Some("US".into()),
        ..Default::default()
    };
    let acme = s
        .create_account(&actor(), account("Acme", "CA"))
        .await
        .unwrap()
        .id;
    for (name, state) in [("Beta", "NY"), ("Gamma", "CA")] {
        s.create_account(&actor(), account(name, state))
            .await
            .unwrap();
    }
    let person = |first: &str, mail: &str, status| {
        let mut c = NewContact::at(acme);
        c.first_name = Some(first.into());
        c.last_name = Some("Tester".into());
        c.email = Some(Email::parse(mail).unwrap());
        c.status = Some(status);
        c.created_at = Some(now - Duration::days(30));
        c
    };
    let mut ann = person("Ann", "ann@acme.com", ContactStatus::Active);
    ann.buying_role = Some(BuyingRole::EconomicBuyer);
    ann.seniority = Some(Seniority::Director);
    let ann = s.create_contact(&actor(), ann).await.unwrap().id;
    s.create_contact(
        &actor(),
        person("Bob", "bob@acme.com", ContactStatus::LeftCompany),
    )
    .await
    .unwrap();
    s.create_contact(
        &actor(),
        person("=Evil", "evil@acme.com", ContactStatus::Active),
    )
    .await
    .unwrap();
    let campaign = |name: &str, budget| NewCampaign {
        name: name.into(),
        kind: Some(CampaignKind::Webinar),
        starts_on: None,
        ends_on: None,
        budget,
    };
    let summit = s
        .create_campaign(&actor(), campaign("Summit", Some(3000.0)))
        .await
        .unwrap()
        .id;
    let webinar = s
        .create_campaign(&actor(), campaign("Webinar", None))
        .await
        .unwrap()
        .id;
    s.create_campaign(&actor(), campaign("Trade show", Some(500.0)))
        .await
        .unwrap();
    for c in [summit, webinar] {
        s.add_campaign_member(
            &actor(),
            c,
            NewCampaignMember {
                contact_id: ann,
                status: Some(MemberStatus::Registered),
                joined_at: Some(now - Duration::days(10)),
            },
        )
        .await
        .unwrap();
    }
    for (i, amount) in [9000.0, 1000.0].into_iter().enumerate() {
        s.create_opportunity(
            &actor(),
            NewOpportunity {
                account_id: acme,
                name: format!("Deal {i}"),
                stage: Some(OpportunityStage::Proposal),
                amount: Some(amount),
                close_date: None,
                source_campaign_id: Some(summit),
                owner_id: Some(owner),
                contact_roles: vec![],
                created_at: Some(now - Duration::days(2)),
            },
        )
        .await
        .unwrap();
    }
    World { acme, owner }
}

/// The CSV rows whose first cell is `first`.
fn rows_starting<'a>(lines: &'a [String], first: &str) -> Vec<&'a String> {
    lines
        .iter()
        .filter(|l| l.starts_with(&format!("{first},")))
        .collect()
}

#[tokio::test]
async fn each_report_page_has_its_form_chart_table_and_csv() {
    for w in web::each_backend(Role::Sales).await {
        let world = world(&w).await;
        let n = w.name;

        let index = w.page("/reports").await;
        for path in [
            "/reports/coverage",
            "/reports/influence",
            "/reports/sales-cycles",
            "/reports/cost-per-cycle",
            "/reports/nurture",
        ] {
            assert!(index.contains(&format!("href=\"{path}\"")), "{n}: {path}");
        }
        assert!(
            w.page("/").await.contains("href=\"/reports\""),
            "{n}: the navigation links to the reports"
        );

        // Coverage: Acme has its economic buyer, Beta and Gamma have nobody.
        let page = w.page("/reports/coverage?engaged_days=30").await;
        assert!(page.contains("id=\"report-chart\""), "{n}");
        assert!(page.contains("data-key=\"Acme\""), "{n}");
        assert!(
            page.contains("href=\"/reports/coverage?engaged_days=30&#38;format=csv\""),
            "{n}: {page}"
        );
        let lines = csv(
            &w,
            "/reports/coverage?engaged_days=30&format=csv",
            "coverage.csv",
        )
        .await;
        assert_eq!(
            lines[0],
            "account,contacts,engaged,penetration,roles,missing_roles,seniorities,has_economic_buyer"
        );
        let report = w
            .store
            .report_coverage(
                &ReportScope::all(Utc::now().date_naive()),
                30,
                CoverageRows {
                    limit: 10,
                    ..Default::default()
                },
                Utc::now(),
                false,
            )
            .await
            .unwrap();
        let acme = report
            .rows
            .iter()
            .find(|r| r.account_id == world.acme.0)
            .unwrap();
        let acme_line = rows_starting(&lines, "Acme");
        assert_eq!(acme_line.len(), 1, "{n}: {lines:?}");
        assert!(
            acme_line[0].starts_with(&format!("Acme,{},{},", acme.contacts, acme.engaged))
                && acme_line[0].ends_with(",true"),
            "{n}: {}",
            acme_line[0]
        );
        assert_eq!(lines.len(), 4, "{n}: every account: {lines:?}");
        let missing = csv(
            &w,
            "/reports/coverage?missing_economic_buyer=1&format=csv",
            "coverage.csv",
        )
        .await;
        assert!(
            rows_starting(&missing, "Acme").is_empty(),
            "{n}: {missing:?}"
        );
        assert_eq!(missing.len(), 3, "{n}: Beta and Gamma: {missing:?}");

        // Influence: the Summit and the webinar each influenced both deals.
        let page = w.page("/reports/influence?window_days=30").await;
        assert!(
            page.contains("id=\"report-chart\"") && page.contains("data-key=\"Summit\""),
            "{n}"
        );
        let lines = csv(
            &w,
            "/reports/influence?window_days=30&format=csv",
            "campaign-influence.csv",
        )
        .await;
        assert!(
            lines[0].starts_with("campaign,influenced,influenced_amount,"),
            "{}",
            lines[0]
        );
        let summit = rows_starting(&lines, "Summit");
        assert!(
            summit.len() == 1 && summit[0].starts_with("Summit,2,10000.00,"),
            "{n}: {lines:?}"
        );
        let all = w.page("/reports/influence?touches=all&hierarchy=1").await;
        assert!(all.contains("every touch, sends and opens too"), "{n}");

        // Sales cycles by owner and by campaign: Rita's two, both sourced from the Summit.
        let page = w.page("/reports/sales-cycles").await;
        assert!(page.contains("Sales cycles started per owner"), "{n}");
        assert!(page.contains("Rita Rep"), "{n}");
        for (by, group) in [("owner", "Rita Rep"), ("campaign", "Summit")] {
            let lines = csv(
                &w,
                &format!("/reports/sales-cycles?by={by}&period=quarter&format=csv"),
                "sales-cycles.csv",
            )
            .await;
            assert_eq!(lines[0], "period,group,started,amount", "{n}");
            let started: u64 = lines
                .iter()
                .skip(1)
                .filter_map(|l| {
                    let cells: Vec<&str> = l.split(',').collect();
                    (cells[1] == group).then(|| cells[2].parse::<u64>().unwrap())
                })
                .sum();
            assert_eq!(started, 2, "{n}: by {by}: {lines:?}");
        }

        // Cost per sales cycle started: 3,000 over two; the others say why they have no cost.
        let page = w.page("/reports/cost-per-cycle?window_days=30").await;
        assert!(page.contains("id=\"report-chart\""), "{n}");
        assert!(page.contains("$1,500"), "{n}");
        assert!(
            page.contains("no cycle started") && page.contains("no budget"),
            "{n}"
        );
        let lines = csv(
            &w,
            "/reports/cost-per-cycle?window_days=30&format=csv",
            "cost-per-cycle.csv",
        )
        .await;
        assert_eq!(
            lines,
            [
                "campaign,budget,cycles_started,cost_per_cycle",
                "Summit,3000.00,2,1500.00",
                "Trade show,500.00,0,no cycle started",
                "Webinar,,2,no budget",
            ],
            "{n}"
        );

        // Nurture: the page and the CSV show the report cohort by cohort. Bob spent a month in
        // nurture before he left.
        let bob = w
            .store
            .find_contact_by_email(&Email::parse("bob@acme.com").unwrap())
            .await
            .unwrap()
            .unwrap();
        for (status, days) in [
            (ContactStatus::Nurture, 60),
            (ContactStatus::LeftCompany, 30),
        ] {
            w.store
                .set_contact_status(
                    &actor(),
                    bob.id,
                    status,
                    "test",
                    Utc::now() - Duration::days(days),
                )
                .await
                .unwrap();
        }
        let report = w
            .store
            .report_nurture(&ReportScope::all(Utc::now().date_naive()), Utc::now())
            .await
            .unwrap();
        let page = w.page("/reports/nurture").await;
        assert!(page.contains("id=\"report-table\""), "{n}");
        let lines = csv(&w, "/reports/nurture?format=csv", "nurture.csv").await;
        assert_eq!(
            lines[0],
            "cohort,entered,after_a_cycle,converted,conversion_rate,months_0_6,months_6_12,months_12_18,months_18_plus,share_18_months_or_more",
            "{n}"
        );
        assert!(
            !report.cohorts.is_empty(),
            "{n}: the world has people in nurture"
        );
        for c in &report.cohorts {
            assert!(
                page.contains(&format!("data-key=\"{}\"", c.cohort)),
                "{n}: {}",
                c.cohort
            );
            let start = format!(
                "{},{},{},{},",
                c.cohort, c.entered, c.after_a_cycle, c.converted
            );
            assert!(
                lines.iter().any(|l| l.starts_with(&start)),
                "{n}: {start} in {lines:?}"
            );
        }
    }
}

#[tokio::test]
async fn report_parameters_are_refused_naming_the_field() {
    for w in web::each_backend(Role::ReadOnly).await {
        let n = w.name;
        for (path, field) in [
            ("/reports/influence?window_days=0", "window_days"),
            ("/reports/influence?window_days=soon", "window_days"),
            ("/reports/sales-cycles?by=region", "by:"),
            ("/reports/sales-cycles?period=fortnight", "period:"),
            (
                "/reports/cost-per-cycle?from=2026-02-01&to=2026-01-01",
                "from",
            ),
            ("/reports/coverage?engaged_days=0", "engaged_days"),
            ("/reports/nurture?segment=nope", "segment"),
            ("/reports/nurture?format=xlsx", "format:"),
        ] {
            let (status, body) = w.get(path).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{n}: {path}: {body}");
            assert!(body.contains(field), "{n}: {path}: {body}");
        }
    }
}

#[tokio::test]
async fn the_api_answers_cost_per_cycle_as_the_page_does() {
    for w in web::each_backend(Role::Sales).await {
        let world = world(&w).await;
        let (_, token) = w
            .store
            .create_api_token(&actor(), world.owner, "reports")
            .await
            .unwrap();
        let res = w
            .client
            .get(format!(
                "{}/api/v1/reports/cost-per-cycle?window_days=30",
                w.base
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{}", w.name);
        let body: serde_json::Value = res.json().await.unwrap();
        let campaigns = body["campaigns"].as_array().unwrap();
        let brief: Vec<(String, Option<f64>, String)> = campaigns
            .iter()
            .map(|c| {
                (
                    c["campaign"].as_str().unwrap().to_string(),
                    c["cost_per_cycle"].as_f64(),
                    c["status"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            brief,
            [
                ("Summit".to_string(), Some(1500.0), "priced".to_string()),
                (
                    "Trade show".to_string(),
                    None,
                    "no_cycle_started".to_string()
                ),
                ("Webinar".to_string(), None, "no_budget".to_string()),
            ],
            "{}",
            w.name
        );
        assert_eq!(body["window_days"], 30, "{}", w.name);
    }
}

#[tokio::test]
async fn list_downloads_hold_every_matching_row_under_the_chosen_column_names() {
    for w in web::each_backend(Role::ReadOnly).await {
        world(&w).await;
        let n = w.name;
        let ca = encoded("account.state = \"CA\"");

        // Accounts: the filter and order on screen, Salesforce's names.
        let page = w
            .page(&format!("/accounts?filter={ca}&sort=name&dir=desc"))
            .await;
        assert!(page.contains("action=\"/accounts.csv\""), "{n}");
        let lines = csv(
            &w,
            &format!("/accounts.csv?filter={ca}&sort=name&dir=desc&columns=salesforce"),
            "accounts.csv",
        )
        .await;
        assert!(
            lines[0].starts_with("Id,Name,Website,"),
            "{n}: {}",
            lines[0]
        );
        let names: Vec<&str> = lines
            .iter()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap())
            .collect();
        assert_eq!(names, ["Gamma", "Acme"], "{n}");

        // Contacts: reachable only by default, everyone when asked; a formula is text.
        let page = w.page(&format!("/contacts?filter={ca}")).await;
        assert!(page.contains("action=\"/contacts.csv\""), "{n}");
        let lines = csv(
            &w,
            &format!("/contacts.csv?filter={ca}&columns=hubspot"),
            "contacts.csv",
        )
        .await;
        assert!(
            lines[0].starts_with("Record ID,First Name,Last Name,Email,"),
            "{n}: {}",
            lines[0]
        );
        let firsts: Vec<&str> = lines
            .iter()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap())
            .collect();
        assert_eq!(firsts, ["Ann", "'=Evil"], "{n}: Bob left: {lines:?}");
        let everyone = csv(
            &w,
            &format!("/contacts.csv?filter={ca}&everyone=1"),
            "contacts.csv",
        )
        .await;
        assert!(
            everyone[0].starts_with("id,first_name,last_name,email,"),
            "{n}"
        );
        assert_eq!(everyone.len(), 4, "{n}: Bob too: {everyone:?}");
        let search = csv(&w, "/contacts.csv?q=ann", "contacts.csv").await;
        assert_eq!(search.len(), 2, "{n}: {search:?}");
        assert!(
            search[1].contains(",Ann,Tester,ann@acme.com,"),
            "{n}: {search:?}"
        );

        // A bad filter or column style is refused naming the field.
        let bad = download(
            &w,
            &format!("/contacts.csv?filter={}", encoded("contact.titel = \"x\"")),
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{n}");
        assert!(bad.lines.concat().contains("filter:"), "{n}");
        let bad = download(&w, "/accounts.csv?columns=excel").await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{n}");
        assert!(bad.lines.concat().contains("columns:"), "{n}");
    }
}
