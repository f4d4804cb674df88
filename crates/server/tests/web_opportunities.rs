//! The opportunity board: columns, totals and moving a card, on both backends.

mod common;

use abcrm_core::model::*;
use abcrm_core::normalize::Email;
use abcrm_core::{AccountId, OpportunityId};
use common::web::{self, Web};
use reqwest::header::COOKIE;
use reqwest::StatusCode;

fn actor() -> Actor {
    Actor::system("test")
}

/// The HTML of one stage's column.
fn column<'a>(html: &'a str, stage: &str) -> &'a str {
    let marker = format!("data-stage=\"{stage}\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no column {stage}"));
    let rest = &html[start..];
    let end = rest.find("</section>").unwrap_or(rest.len());
    &rest[..end]
}

fn card_attr(id: OpportunityId) -> String {
    format!("data-opportunity-id=\"{}\"", id.0)
}

struct Deals {
    account: AccountId,
    small: OpportunityId,
    big: OpportunityId,
    late: OpportunityId,
}

async fn deals(w: &Web) -> Deals {
    let s = &w.store;
    let account = s
        .create_account(
            &actor(),
            NewAccount {
                name: "Initech".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut ada = NewContact::at(account.id);
    ada.first_name = Some("Ada".into());
    ada.last_name = Some("Lovelace".into());
    ada.email = Some(Email::parse("ada@initech.example").unwrap());
    let ada = s.create_contact(&actor(), ada).await.unwrap();
    let deal = |name: &str, stage, amount| NewOpportunity {
        account_id: account.id,
        name: name.into(),
        stage: Some(stage),
        amount: Some(amount),
        close_date: Some(chrono::Utc::now().date_naive() + chrono::Duration::days(20)),
        source_campaign_id: None,
        owner_id: None,
        contact_roles: vec![],
        created_at: None,
    };
    let small = s
        .create_opportunity(
            &actor(),
            deal("Initech pilot", OpportunityStage::Prospecting, 5_000.0),
        )
        .await
        .unwrap();
    let big = s
        .create_opportunity(
            &actor(),
            NewOpportunity {
                contact_roles: vec![ContactRole {
                    contact_id: ada.id,
                    role: BuyingRole::Champion,
                    is_primary: true,
                }],
                ..deal("Initech rollout", OpportunityStage::Prospecting, 120_000.0)
            },
        )
        .await
        .unwrap();
    let late = s
        .create_opportunity(
            &actor(),
            deal("Initech renewal", OpportunityStage::Negotiation, 1_500.0),
        )
        .await
        .unwrap();
    Deals {
        account: account.id,
        small: small.id,
        big: big.id,
        late: late.id,
    }
}

#[tokio::test]
async fn the_board_shows_each_card_in_its_stage_with_totals() {
    for w in web::each_backend(Role::Sales).await {
        let d = deals(&w).await;
        let page = w.page("/opportunities").await;
        assert!(page.contains("id=\"board\""), "{}", w.name);
        let stages: Vec<&str> = OpportunityStage::ALL.iter().map(|s| s.as_str()).collect();
        let mut at = 0;
        for stage in &stages {
            let pos = page[at..]
                .find(&format!("data-stage=\"{stage}\""))
                .unwrap_or_else(|| panic!("{}: column {stage} missing or out of order", w.name));
            at += pos;
        }
        let prospecting = column(&page, "prospecting");
        assert!(prospecting.contains(&card_attr(d.small)), "{}", w.name);
        assert!(prospecting.contains(&card_attr(d.big)));
        assert!(!prospecting.contains(&card_attr(d.late)));
        assert!(prospecting.contains("<span class=\"col-count\">2</span>"));
        assert!(
            prospecting.contains("<span class=\"col-amount\">125,000</span>"),
            "{}: {prospecting}",
            w.name
        );
        let negotiation = column(&page, "negotiation");
        assert!(negotiation.contains(&card_attr(d.late)));
        assert!(negotiation.contains("<span class=\"col-count\">1</span>"));
        assert!(negotiation.contains("<span class=\"col-amount\">1,500</span>"));
        assert!(column(&page, "proposal").contains("<span class=\"col-count\">0</span>"));
        // The card: its name links to the account 360, with the account and its contact roles.
        assert!(prospecting.contains(&format!(
            "href=\"/accounts/{}\">Initech rollout",
            d.account.0
        )));
        assert!(prospecting.contains("Ada Lovelace <small>champion, primary</small>"));
        assert!(prospecting.contains("class=\"stage-select\""));
        assert!(prospecting.contains("class=\"move-form\""));

        // Filters: nobody owns these, so "mine" is empty; the account search finds them.
        let mine = w.page("/opportunities?owner=mine").await;
        assert!(!mine.contains(&card_attr(d.small)), "{}", w.name);
        let found = w.page("/opportunities?account=nitec").await;
        assert!(found.contains(&card_attr(d.small)));
        let other = w.page("/opportunities?account=globex").await;
        assert!(!other.contains(&card_attr(d.small)));
    }
}

#[tokio::test]
async fn moving_a_card_changes_its_stage_in_the_store_and_on_the_board() {
    for w in web::each_backend(Role::Sales).await {
        let d = deals(&w).await;
        let path = format!("/opportunities/{}/stage", d.big.0);
        let res = w
            .post(
                &path,
                &[("stage", "closed_won"), ("owner", ""), ("account", "")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let to = Web::location(&res);
        assert!(to.starts_with("/opportunities?moved="), "{to}");
        let o = w.store.get_opportunity(d.big).await.unwrap();
        assert_eq!(o.stage, OpportunityStage::ClosedWon, "{}", w.name);
        // As through the API, the account follows its won deal.
        let account = w.store.get_account(d.account).await.unwrap();
        assert_eq!(account.stage, AccountStage::Customer, "{}", w.name);

        let page = w.page(&to).await;
        assert!(
            page.contains("Initech rollout moved to Closed won"),
            "{}",
            w.name
        );
        let won = column(&page, "closed_won");
        assert!(won.contains(&card_attr(d.big)), "{}", w.name);
        assert!(won.contains("<span class=\"col-amount\">120,000</span>"));
        let prospecting = column(&page, "prospecting");
        assert!(!prospecting.contains(&card_attr(d.big)));
        assert!(prospecting.contains("<span class=\"col-count\">1</span>"));

        // The script's way: the CSRF header and JSON back.
        let res = w
            .client
            .post(format!("{}/opportunities/{}/stage", w.base, d.small.0))
            .header(COOKIE, &w.cookie)
            .header("x-csrf-token", &w.csrf)
            .header("accept", "application/json")
            .form(&[("stage", "proposal")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["stage"], "proposal");
        assert_eq!(
            w.store.get_opportunity(d.small).await.unwrap().stage,
            OpportunityStage::Proposal
        );
    }
}

#[tokio::test]
async fn an_invalid_stage_is_refused_with_the_message_beside_the_card() {
    for w in web::each_backend(Role::Sales).await {
        let d = deals(&w).await;
        let path = format!("/opportunities/{}/stage", d.small.0);
        let res = w.post(&path, &[("stage", "on_hold")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}", w.name);
        let page = res.text().await.unwrap();
        let id = format!("stage-error-{}", d.small.0);
        assert!(
            page.contains(&format!("<p class=\"error\" id=\"{id}\">")),
            "{page}"
        );
        assert!(page.contains(&format!("aria-describedby=\"{id}\"")));
        assert!(page.contains("is not a stage; choose one of: Prospecting"));
        assert!(page.contains("id=\"board-error\" role=\"alert\">"));
        // The card stays where it was, in the store and on the board.
        assert_eq!(
            w.store.get_opportunity(d.small).await.unwrap().stage,
            OpportunityStage::Prospecting
        );
        assert!(column(&page, "prospecting").contains(&card_attr(d.small)));

        let res = w
            .client
            .post(format!("{}{path}", w.base))
            .header(COOKIE, &w.cookie)
            .header("x-csrf-token", &w.csrf)
            .header("accept", "application/json")
            .form(&[("stage", "")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: serde_json::Value = res.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains("choose the stage"));

        let (status, _) = w.get("/opportunities/999999/stage").await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        let res = w
            .post("/opportunities/999999/stage", &[("stage", "proposal")])
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{}", w.name);
    }
}

#[tokio::test]
async fn a_read_only_user_sees_the_board_without_move_forms() {
    for w in web::each_backend(Role::ReadOnly).await {
        let d = deals(&w).await;
        let page = w.page("/opportunities").await;
        assert!(page.contains(&card_attr(d.small)), "{}", w.name);
        assert!(!page.contains("class=\"move-form\""));
        assert!(!page.contains("draggable=\"true\""));
        let res = w
            .post(
                &format!("/opportunities/{}/stage", d.small.0),
                &[("stage", "proposal")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            w.store.get_opportunity(d.small).await.unwrap().stage,
            OpportunityStage::Prospecting
        );
    }
}
