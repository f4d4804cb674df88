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
        // The card: its name links to its page, its account to the 360, with its contact roles.
        assert!(prospecting.contains(&format!(
            "href=\"/opportunities/{}\">Initech rollout",
            d.big.0
        )));
        assert!(prospecting.contains(&format!("href=\"/accounts/{}\">Initech<", d.account.0)));
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

#[tokio::test]
async fn an_opportunity_has_a_page_that_edits_it_and_keeps_a_refused_value_beside_its_field() {
    for w in web::each_backend(Role::Sales).await {
        let d = deals(&w).await;
        let path = format!("/opportunities/{}", d.big.0);
        let page = w.page(&path).await;
        assert!(page.contains(">Initech rollout</h1>"), "{}: {page}", w.name);
        assert!(page.contains(&format!("href=\"/accounts/{}\"", d.account.0)));
        assert!(page.contains("Ada Lovelace</a> <small>champion, primary</small>"));
        assert!(page.contains("id=\"opportunity-edit\""));
        // The history starts with its creation.
        assert!(page.contains("id=\"audit-trail\""), "{}", w.name);

        // A save with bad values changes nothing and says why beside each field, keeping what
        // was typed.
        let res = w
            .post(
                &path,
                &[
                    ("name", "Initech rollout, phase 2"),
                    ("stage", "proposal"),
                    ("amount", "lots"),
                    ("close_date", "31/03/2027"),
                    ("owner_id", ""),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}", w.name);
        let body = res.text().await.unwrap();
        assert!(body.contains("id=\"of-amount-error\""), "{body}");
        assert!(body.contains("“lots” is not an amount"), "{body}");
        assert!(body.contains("id=\"of-close_date-error\""));
        assert!(body.contains("value=\"Initech rollout, phase 2\""));
        assert!(!body.contains("id=\"of-name-error\""));
        let unchanged = w.store.get_opportunity(d.big).await.unwrap();
        assert_eq!(unchanged.name, "Initech rollout");
        assert_eq!(unchanged.stage, OpportunityStage::Prospecting);

        // A good save goes through the store and says so; the history shows the change.
        let res = w
            .post(
                &path,
                &[
                    ("name", "Initech rollout, phase 2"),
                    ("stage", "proposal"),
                    ("amount", "130,000"),
                    ("close_date", "2027-03-31"),
                    ("owner_id", &w.user.to_string()),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        assert!(Web::location(&res).starts_with(&format!("{path}?done=Saved")));
        let saved = w.store.get_opportunity(d.big).await.unwrap();
        assert_eq!(saved.name, "Initech rollout, phase 2");
        assert_eq!(saved.stage, OpportunityStage::Proposal);
        assert_eq!(saved.amount, Some(130_000.0));
        assert_eq!(
            saved.close_date,
            chrono::NaiveDate::from_ymd_opt(2027, 3, 31)
        );
        assert_eq!(saved.owner_id, Some(abcrm_core::UserId(w.user)));
        // The contact roles were not touched by the form.
        assert_eq!(saved.contact_roles.len(), 1);
        let page = w.page(&path).await;
        assert!(
            page.contains("stage: prospecting → proposal"),
            "{}: {page}",
            w.name
        );

        // Clearing the amount and the owner.
        let res = w
            .post(
                &path,
                &[
                    ("name", "Initech rollout, phase 2"),
                    ("stage", "proposal"),
                    ("amount", ""),
                    ("close_date", ""),
                    ("owner_id", ""),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let cleared = w.store.get_opportunity(d.big).await.unwrap();
        assert_eq!(
            (cleared.amount, cleared.close_date, cleared.owner_id),
            (None, None, None)
        );

        // Unknown and malformed ids are pages that do not exist.
        assert_eq!(
            w.get("/opportunities/999999").await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(w.get("/opportunities/abc").await.0, StatusCode::NOT_FOUND);
        assert_eq!(
            w.post(
                "/opportunities/999999",
                &[("name", "x"), ("stage", "proposal")]
            )
            .await
            .status(),
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn a_call_logged_on_an_opportunity_an_account_and_a_contact_shows_in_their_timelines() {
    for w in web::each_backend(Role::Sales).await {
        let d = deals(&w).await;
        let ada = w.store.get_opportunity(d.big).await.unwrap().contact_roles[0].contact_id;
        let path = format!("/opportunities/{}", d.big.0);
        let res = w
            .post(
                &format!("{path}/activities"),
                &[
                    ("kind", "call"),
                    ("contact_id", &ada.0.to_string()),
                    ("subject", "Discovery call"),
                    ("body", "Budget confirmed.\nNext: security review <script>"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let to = Web::location(&res);
        assert!(to.starts_with(&format!("{path}?done=Logged")), "{to}");
        let logged = w
            .store
            .recent_activities(
                &abcrm_store::ActivityQuery {
                    opportunity_id: Some(d.big),
                    ..Default::default()
                },
                10,
            )
            .await
            .unwrap();
        assert_eq!(logged.len(), 1, "{}", w.name);
        let call = &logged[0];
        assert_eq!(
            (call.kind, call.contact_id, call.account_id),
            (ActivityKind::Call, Some(ada), d.account)
        );
        assert_eq!(
            call.body.as_deref(),
            Some("Budget confirmed.\nNext: security review <script>")
        );
        // The body shows, escaped, on the opportunity, the account and the contact.
        for page in [
            path.clone(),
            format!("/accounts/{}", d.account.0),
            format!("/contacts/{}", ada.0),
        ] {
            let html = w.page(&page).await;
            assert!(
                html.contains(&format!("id=\"activity-{}\"", call.id.0)),
                "{}: {page}",
                w.name
            );
            assert!(
                html.contains("Next: security review &#60;script&#62;")
                    || html.contains("Next: security review &lt;script&gt;"),
                "{}: {page}",
                w.name
            );
        }

        // A meeting on the account with nobody in particular, and an email on the contact.
        let res = w
            .post(
                &format!("/accounts/{}/activities", d.account.0),
                &[("kind", "meeting"), ("contact_id", ""), ("subject", "QBR")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = w
            .post(
                &format!("/contacts/{}/activities", ada.0),
                &[("kind", "email"), ("subject", "Follow-up")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let at_account = w
            .store
            .recent_activities(
                &abcrm_store::ActivityQuery {
                    account_id: Some(d.account),
                    ..Default::default()
                },
                10,
            )
            .await
            .unwrap();
        assert_eq!(at_account.len(), 3);

        // Refused: a kind nobody logs by hand, a body over the limit, a contact at another
        // account, an account that does not exist. Nothing is written.
        let long = "x".repeat(20_001);
        for (path, fields) in [
            (
                format!("/accounts/{}/activities", d.account.0),
                vec![("kind", "web_visit")],
            ),
            (
                format!("/accounts/{}/activities", d.account.0),
                vec![("kind", "call"), ("body", long.as_str())],
            ),
            (
                format!("/accounts/{}/activities", d.account.0),
                vec![("kind", "call"), ("contact_id", "-1")],
            ),
            (
                "/accounts/999999/activities".to_string(),
                vec![("kind", "call")],
            ),
        ] {
            let res = w.post(&path, &fields).await;
            assert!(
                res.status().is_client_error(),
                "{}: {path} {:?}: {}",
                w.name,
                &fields[..1],
                res.status()
            );
        }
        let other = w
            .store
            .create_account(
                &actor(),
                NewAccount {
                    name: "Globex".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let res = w
            .post(
                &format!("/accounts/{}/activities", other.id.0),
                &[("kind", "call"), ("contact_id", &ada.0.to_string())],
            )
            .await;
        assert!(
            res.status().is_client_error(),
            "{}: {}",
            w.name,
            res.status()
        );
        let after = w
            .store
            .recent_activities(
                &abcrm_store::ActivityQuery {
                    account_id: Some(d.account),
                    ..Default::default()
                },
                10,
            )
            .await
            .unwrap();
        assert_eq!(after.len(), 3, "{}", w.name);
    }
}

#[tokio::test]
async fn fields_change_in_place_one_at_a_time_with_htmx_or_a_plain_form() {
    for w in web::each_backend(Role::Sales).await {
        let d = deals(&w).await;
        let big = w.store.get_opportunity(d.big).await.unwrap();
        let ada = big.contact_roles[0].contact_id;
        let contact_path = format!("/contacts/{}", ada.0);
        let page = w.page(&contact_path).await;
        assert!(
            page.contains("id=\"quick-buying_role\"")
                && page.contains(&format!("hx-post=\"{contact_path}/quick\"")),
            "{}: the contact page edits in place",
            w.name
        );
        let before = w.store.get_contact(ada).await.unwrap();

        // htmx: the field comes back in place, saved, and only it changed.
        let res = w
            .post_htmx(
                &format!("{contact_path}/quick"),
                &[("field", "buying_role"), ("value", "economic_buyer")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{}", w.name);
        let fragment = res.text().await.unwrap();
        assert!(
            fragment.starts_with("<form") || fragment.trim_start().starts_with("<form"),
            "{fragment}"
        );
        assert!(fragment.contains("role=\"status\">Saved"), "{fragment}");
        assert!(
            fragment.contains("<option value=\"economic_buyer\" selected>"),
            "{fragment}"
        );
        let after = w.store.get_contact(ada).await.unwrap();
        assert_eq!(after.buying_role, Some(BuyingRole::EconomicBuyer));
        assert_eq!(
            (after.first_name.clone(), after.email.clone(), after.status),
            (
                before.first_name.clone(),
                before.email.clone(),
                before.status
            )
        );

        // A value that is not one: why, beside the field; nothing written.
        let res = w
            .post_htmx(
                &format!("{contact_path}/quick"),
                &[("field", "seniority"), ("value", "emperor")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let fragment = res.text().await.unwrap();
        assert!(
            fragment.contains("id=\"quick-seniority-error\"")
                && fragment.contains("aria-invalid=\"true\""),
            "{fragment}"
        );
        assert_eq!(
            w.store.get_contact(ada).await.unwrap().seniority,
            before.seniority
        );

        // Without JavaScript: back to the page with a notice, or refused naming the field.
        let res = w
            .post(
                &format!("{contact_path}/quick"),
                &[("field", "status"), ("value", "nurture")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(
            Web::location(&res).starts_with(&format!("{contact_path}?done=Saved")),
            "{}",
            Web::location(&res)
        );
        assert_eq!(
            w.store.get_contact(ada).await.unwrap().status,
            ContactStatus::Nurture
        );
        for (field, value) in [("email", "x@y.z"), ("status", "gone"), ("", "")] {
            let res = w
                .post(
                    &format!("{contact_path}/quick"),
                    &[("field", field), ("value", value)],
                )
                .await;
            assert_eq!(
                res.status(),
                StatusCode::BAD_REQUEST,
                "{}: {field}={value}",
                w.name
            );
        }
        let shown = w.page(&contact_path).await.to_lowercase();
        assert!(
            shown.contains("<dt>buying role</dt><dd>economic buyer</dd>"),
            "the page shows it: {shown}"
        );

        // An opportunity's amount, close date and stage, one at a time.
        let opp_path = format!("/opportunities/{}", d.big.0);
        assert!(w.page(&opp_path).await.contains("id=\"quick-amount\""));
        let res = w
            .post_htmx(
                &format!("{opp_path}/quick"),
                &[("field", "amount"), ("value", "lots")],
            )
            .await;
        let fragment = res.text().await.unwrap();
        assert!(
            fragment.contains("id=\"quick-amount-error\"") && fragment.contains("value=\"lots\""),
            "the text as typed: {fragment}"
        );
        for (field, value) in [
            ("amount", "125000"),
            ("close_date", "2027-03-31"),
            ("stage", "negotiation"),
        ] {
            let res = w
                .post_htmx(
                    &format!("{opp_path}/quick"),
                    &[("field", field), ("value", value)],
                )
                .await;
            let fragment = res.text().await.unwrap();
            assert!(
                fragment.contains("Saved"),
                "{}: {field}: {fragment}",
                w.name
            );
        }
        let now = w.store.get_opportunity(d.big).await.unwrap();
        assert_eq!(now.amount, Some(125_000.0));
        assert_eq!(now.close_date, Some("2027-03-31".parse().unwrap()));
        assert_eq!(now.stage, OpportunityStage::Negotiation);
        assert_eq!(
            (now.name.clone(), now.contact_roles.len()),
            (big.name.clone(), big.contact_roles.len()),
            "nothing else moved"
        );

        // An account's parent, by name in place; a name nobody has is refused beside it.
        let globex = w
            .store
            .create_account(
                &actor(),
                NewAccount {
                    name: "Globex".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let account_path = format!("/accounts/{}", d.account.0);
        assert!(w.page(&account_path).await.contains("id=\"quick-parent\""));
        let res = w
            .post_htmx(
                &format!("{account_path}/quick"),
                &[("field", "parent"), ("value", "globex")],
            )
            .await;
        let fragment = res.text().await.unwrap();
        assert!(
            fragment.contains("Saved")
                && fragment.contains(&format!("value=\"Globex (#{})\"", globex.id.0)),
            "{fragment}"
        );
        assert_eq!(
            w.store.get_account(d.account).await.unwrap().parent_id,
            Some(globex.id)
        );
        let res = w
            .post_htmx(
                &format!("{account_path}/quick"),
                &[("field", "parent"), ("value", "Umbrella")],
            )
            .await;
        assert!(res.text().await.unwrap().contains("no account is named"));
        assert_eq!(
            w.store.get_account(d.account).await.unwrap().parent_id,
            Some(globex.id),
            "kept"
        );
        let res = w
            .post(
                &format!("{account_path}/quick"),
                &[("field", "parent"), ("value", "")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            w.store.get_account(d.account).await.unwrap().parent_id,
            None,
            "blank: no parent"
        );

        // A reader sees no such forms.
        let reader = w.another_user("reader@example.com", Role::ReadOnly).await;
        assert!(!reader.page(&contact_path).await.contains("quick-fields"));
        assert!(!reader.page(&opp_path).await.contains("quick-fields"));
        assert!(!reader.page(&account_path).await.contains("quick-fields"));
    }
}

/// The `version` an edit form on `page` was opened on.
fn version_in(page: &str) -> String {
    page.split("name=\"version\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("an edit form with its version")
        .to_string()
}

/// Two people with the same contact or deal open: the second save, of a form opened before the
/// first, is refused and writes nothing; a field changed in place hands the page's full form
/// the new version, so its own next save goes through.
#[tokio::test]
async fn an_edit_form_opened_before_someone_elses_save_is_refused_and_writes_nothing() {
    for w in web::each_backend(Role::Sales).await {
        let d = deals(&w).await;
        let path = format!("/opportunities/{}", d.big.0);
        let opened = version_in(&w.page(&path).await);
        let form = |amount: &'static str, version: String| {
            vec![
                ("name", "Initech rollout".to_string()),
                ("stage", "prospecting".to_string()),
                ("amount", amount.to_string()),
                ("close_date", String::new()),
                ("owner_id", String::new()),
                ("version", version),
            ]
        };
        let send = |fields: Vec<(&'static str, String)>| {
            let w = &w;
            let path = path.clone();
            async move {
                let pairs: Vec<(&str, &str)> =
                    fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                w.post(&path, &pairs).await
            }
        };
        let res = send(form("130000", opened.clone())).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let res = send(form("999", opened)).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}", w.name);
        let body = res.text().await.unwrap();
        assert!(
            body.contains("someone saved this opportunity since you opened the form"),
            "{}: {body}",
            w.name
        );
        let now = w.store.get_opportunity(d.big).await.unwrap();
        assert_eq!(now.amount, Some(130_000.0), "{}", w.name);

        // A field changed in place answers with the record's new version for the full form.
        let fresh = version_in(&w.page(&path).await);
        let res = w
            .post_htmx(
                &format!("{path}/quick"),
                &[("field", "stage"), ("value", "proposal")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{}", w.name);
        let answer = res.text().await.unwrap();
        let moved = w.store.get_opportunity(d.big).await.unwrap();
        assert!(
            answer.contains(&format!(
                "data-version=\"{}\"",
                moved.updated_at.to_rfc3339()
            )),
            "{}: {answer}",
            w.name
        );
        assert_ne!(fresh, moved.updated_at.to_rfc3339());

        // A contact's form the same way.
        let ada = moved.contact_roles[0].contact_id;
        let cpath = format!("/contacts/{}", ada.0);
        let opened = version_in(&w.page(&cpath).await);
        let contact_form = |title: &'static str, version: &str| {
            vec![
                ("first_name", "Ada".to_string()),
                ("last_name", "Lovelace".to_string()),
                ("email", "ada@initech.example".to_string()),
                ("title", title.to_string()),
                ("status", "active".to_string()),
                ("version", version.to_string()),
            ]
        };
        let post = |fields: Vec<(&'static str, String)>| {
            let w = &w;
            let cpath = cpath.clone();
            async move {
                let pairs: Vec<(&str, &str)> =
                    fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                w.post(&cpath, &pairs).await
            }
        };
        let res = post(contact_form("CFO", &opened)).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let res = post(contact_form("Intern", &opened)).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}", w.name);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("someone saved this contact since you opened the form"));
        assert_eq!(
            w.store.get_contact(ada).await.unwrap().title.as_deref(),
            Some("CFO"),
            "{}",
            w.name
        );
    }
}

#[tokio::test]
async fn a_note_shows_on_the_record_but_is_not_a_touch_from_the_person() {
    for w in web::each_backend(Role::Sales).await {
        let d = deals(&w).await;
        let ada = w.store.get_opportunity(d.big).await.unwrap().contact_roles[0].contact_id;
        let before = w.store.contacts_last_activity(&[ada]).await.unwrap();
        let res = w
            .post(
                &format!("/contacts/{}/activities", ada.0),
                &[
                    ("kind", "note"),
                    ("subject", "Prefers email"),
                    ("body", "Out in August."),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let to = Web::location(&res);
        assert!(to.contains("done=Logged") && to.contains("note"), "{to}");
        let html = w.page(&format!("/contacts/{}", ada.0)).await;
        assert!(
            html.contains("Out in August."),
            "{}: the note is on the page",
            w.name
        );
        assert_eq!(
            w.store.contacts_last_activity(&[ada]).await.unwrap(),
            before,
            "{}: a note does not make the person engaged",
            w.name
        );
        // A call does.
        let res = w
            .post(
                &format!("/contacts/{}/activities", ada.0),
                &[("kind", "call"), ("subject", "Checked in")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let after = w.store.contacts_last_activity(&[ada]).await.unwrap();
        assert!(after.get(&ada) > before.get(&ada), "{}: {after:?}", w.name);
    }
}

#[tokio::test]
async fn an_opportunity_opened_from_its_account_starts_a_cycle_with_its_first_contact_role() {
    for w in web::each_backend(Role::Sales).await {
        let d = deals(&w).await;
        let a360 = format!("/accounts/{}", d.account.0);
        assert!(
            w.page(&a360)
                .await
                .contains(&format!("href=\"{a360}/opportunities/new\"")),
            "{}",
            w.name
        );
        let form = w.page(&format!("{a360}/opportunities/new")).await;
        assert!(form.contains("id=\"opportunity-new\""), "{}", w.name);
        assert!(
            form.contains(">Ada Lovelace</option>"),
            "the account's people are offered: {form}"
        );
        let ada = w.store.get_opportunity(d.big).await.unwrap().contact_roles[0].contact_id;
        let cycles = w.store.counts().await.unwrap().opportunities;

        // Refused: no name, an amount that is not one, a role without its part.
        let res = w
            .post(
                &format!("{a360}/opportunities"),
                &[
                    ("name", ""),
                    ("stage", "prospecting"),
                    ("amount", "-3"),
                    ("contact_id", &ada.0.to_string()),
                    ("role", ""),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}", w.name);
        let body = res.text().await.unwrap();
        for field in ["of-name-error", "of-amount-error", "rf-role-error"] {
            assert!(
                body.contains(&format!("id=\"{field}\"")),
                "{}: {field}: {body}",
                w.name
            );
        }
        assert!(body.contains("value=\"-3\""));
        assert_eq!(w.store.counts().await.unwrap().opportunities, cycles);

        let res = w
            .post(
                &format!("{a360}/opportunities"),
                &[
                    ("name", "Initech expansion"),
                    ("stage", "qualification"),
                    ("amount", "48,000"),
                    ("close_date", "2027-06-30"),
                    ("owner_id", &w.user.to_string()),
                    ("contact_id", &ada.0.to_string()),
                    ("role", "economic_buyer"),
                    ("primary", "on"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let to = Web::location(&res);
        let id: i64 = to
            .trim_start_matches("/opportunities/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let o = w.store.get_opportunity(OpportunityId(id)).await.unwrap();
        assert_eq!(
            (o.account_id, o.stage, o.amount),
            (d.account, OpportunityStage::Qualification, Some(48_000.0))
        );
        assert_eq!(
            o.contact_roles,
            vec![ContactRole {
                contact_id: ada,
                role: BuyingRole::EconomicBuyer,
                is_primary: true
            }]
        );
        assert!(
            w.page(&to).await.contains("a sales cycle started"),
            "{}",
            w.name
        );

        // Another role on its page, then taking the first away.
        let mut bob = NewContact::at(d.account);
        bob.first_name = Some("Bob".into());
        bob.last_name = Some("Porter".into());
        let bob = w.store.create_contact(&actor(), bob).await.unwrap();
        let page = format!("/opportunities/{id}");
        let res = w
            .post(
                &format!("{page}/roles"),
                &[
                    ("contact_id", &bob.id.0.to_string()),
                    ("role", "evaluator"),
                    ("primary", "on"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let roles = w
            .store
            .get_opportunity(OpportunityId(id))
            .await
            .unwrap()
            .contact_roles;
        assert_eq!(roles.len(), 2);
        assert!(roles
            .iter()
            .any(|r| r.contact_id == bob.id && r.is_primary && r.role == BuyingRole::Evaluator));
        assert!(
            roles.iter().any(|r| r.contact_id == ada && !r.is_primary),
            "the primary mark moved: {roles:?}"
        );
        let res = w
            .post(
                &format!("{page}/roles"),
                &[("contact_id", ""), ("role", "user")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("id=\"rf-contact_id-error\""));
        let res = w.post(&format!("{page}/roles/{}/remove", ada.0), &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let roles = w
            .store
            .get_opportunity(OpportunityId(id))
            .await
            .unwrap()
            .contact_roles;
        assert_eq!(
            roles.iter().map(|r| r.contact_id).collect::<Vec<_>>(),
            vec![bob.id]
        );
        // A role nobody has, on an opportunity that does not exist.
        assert_eq!(
            w.post(&format!("{page}/roles/{}/remove", ada.0), &[])
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            w.post(
                "/opportunities/999999/roles",
                &[("contact_id", "1"), ("role", "user")]
            )
            .await
            .status(),
            StatusCode::NOT_FOUND
        );
    }
}
