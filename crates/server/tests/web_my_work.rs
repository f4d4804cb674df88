//! "My work" on both backends: the person's open deals (overdue first), their accounts without
//! an economic buyer, and the review queue's count; nobody else's.

mod common;

use abcrm_core::model::*;
use abcrm_core::UserId;
use common::web;

fn actor() -> Actor {
    Actor::system("test")
}

#[tokio::test]
async fn my_work_lists_my_open_deals_and_my_accounts_without_an_economic_buyer() {
    for w in web::each_backend(Role::Sales).await {
        let me = Some(UserId(w.user));
        let account = |name: &str, owner: Option<UserId>| NewAccount {
            name: name.into(),
            owner_id: owner,
            ..Default::default()
        };
        let gap = w
            .store
            .create_account(&actor(), account("Initech", me))
            .await
            .unwrap();
        let covered = w
            .store
            .create_account(&actor(), account("Globex", me))
            .await
            .unwrap();
        let theirs = w
            .store
            .create_account(&actor(), account("Umbrella", None))
            .await
            .unwrap();
        for (at, role) in [
            (gap.id, None),
            (covered.id, Some(BuyingRole::EconomicBuyer)),
            (theirs.id, None),
        ] {
            let mut c = NewContact::at(at);
            c.first_name = Some("Pat".into());
            c.buying_role = role;
            w.store.create_contact(&actor(), c).await.unwrap();
        }
        let today = chrono::Utc::now().date_naive();
        let deal = |name: &str, stage, close: chrono::NaiveDate, owner| NewOpportunity {
            account_id: gap.id,
            name: name.into(),
            stage: Some(stage),
            amount: Some(1000.0),
            close_date: Some(close),
            source_campaign_id: None,
            owner_id: owner,
            contact_roles: vec![],
            created_at: None,
        };
        let late = w
            .store
            .create_opportunity(
                &actor(),
                deal(
                    "Late renewal",
                    OpportunityStage::Negotiation,
                    today - chrono::Duration::days(3),
                    me,
                ),
            )
            .await
            .unwrap();
        let soon = w
            .store
            .create_opportunity(
                &actor(),
                deal(
                    "Pilot",
                    OpportunityStage::Proposal,
                    today + chrono::Duration::days(30),
                    me,
                ),
            )
            .await
            .unwrap();
        let won = w
            .store
            .create_opportunity(
                &actor(),
                deal("Won deal", OpportunityStage::ClosedWon, today, me),
            )
            .await
            .unwrap();
        let other = w
            .store
            .create_opportunity(
                &actor(),
                deal("Someone else's", OpportunityStage::Proposal, today, None),
            )
            .await
            .unwrap();

        let page = w.page("/my-work").await;
        assert!(
            page.contains("href=\"/my-work\""),
            "{}: the navigation offers it",
            w.name
        );
        let deals = page
            .split("id=\"my-deals\"")
            .nth(1)
            .unwrap()
            .split("</section>")
            .next()
            .unwrap();
        let at = |id: abcrm_core::OpportunityId| {
            deals.find(&format!("data-opportunity-id=\"{}\"", id.0))
        };
        assert!(
            at(late.id).unwrap() < at(soon.id).unwrap(),
            "{}: the late one first",
            w.name
        );
        assert!(deals.contains("past its close date"));
        assert!(
            at(won.id).is_none() && at(other.id).is_none(),
            "{}: {deals}",
            w.name
        );
        let gaps = page
            .split("id=\"my-gaps\"")
            .nth(1)
            .unwrap()
            .split("</section>")
            .next()
            .unwrap();
        assert!(
            gaps.contains(&format!("data-account-id=\"{}\"", gap.id.0)),
            "{}: {gaps}",
            w.name
        );
        assert!(!gaps.contains(&format!("data-account-id=\"{}\"", covered.id.0)));
        assert!(!gaps.contains(&format!("data-account-id=\"{}\"", theirs.id.0)));
        assert!(page.contains("Nobody is waiting to be placed"));
    }
}

#[tokio::test]
async fn the_link_to_all_my_gaps_is_a_filter_the_account_list_takes() {
    for w in web::each_backend(Role::Sales).await {
        let filter = format!(
            "account.owner_id = {} and not has contact where buying_role = \"economic_buyer\" and status != \"left_company\"",
            w.user
        );
        let (status, body) = w
            .get(&format!("/accounts?filter={}", urlencode(&filter)))
            .await;
        assert_eq!(status, reqwest::StatusCode::OK, "{}: {body}", w.name);
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
