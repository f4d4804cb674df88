//! Cost per sales cycle started over a small world, on SQLite and PostgreSQL: each campaign's
//! budget over the cycles the influence report credits it with.

use abcrm_core::model::*;
use abcrm_core::normalize::Email;
use abcrm_core::reports::*;
use abcrm_store::testing::backends;
use chrono::{Duration, Utc};

fn actor() -> Actor {
    Actor::system("test")
}

#[tokio::test]
async fn a_budget_is_divided_by_the_cycles_its_campaign_influenced_on_both_backends() {
    for t in backends().await {
        let s = &t.store;
        let n = t.name;
        let now = Utc::now();
        let acme = s
            .create_account(
                &actor(),
                NewAccount {
                    name: "Acme".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .id;
        let mut ann = NewContact::at(acme);
        ann.email = Some(Email::parse("ann@acme.com").unwrap());
        let ann = s.create_contact(&actor(), ann).await.unwrap().id;
        let campaign = |name: &str, budget| NewCampaign {
            name: name.into(),
            kind: Some(CampaignKind::Event),
            starts_on: None,
            ends_on: None,
            budget,
        };
        let summit = s
            .create_campaign(&actor(), campaign("Summit", Some(900.0)))
            .await
            .unwrap()
            .id;
        let blog = s
            .create_campaign(&actor(), campaign("Blog", None))
            .await
            .unwrap()
            .id;
        s.create_campaign(&actor(), campaign("Fair", Some(100.0)))
            .await
            .unwrap();
        for c in [summit, blog] {
            s.add_campaign_member(
                &actor(),
                c,
                NewCampaignMember {
                    contact_id: ann,
                    status: Some(MemberStatus::Attended),
                    joined_at: Some(now - Duration::days(20)),
                },
            )
            .await
            .unwrap();
        }
        for i in 0..3 {
            s.create_opportunity(
                &actor(),
                NewOpportunity {
                    account_id: acme,
                    name: format!("Deal {i}"),
                    stage: Some(OpportunityStage::Prospecting),
                    amount: Some(100.0),
                    close_date: None,
                    source_campaign_id: None,
                    owner_id: None,
                    contact_roles: vec![],
                    created_at: Some(now - Duration::days(5)),
                },
            )
            .await
            .unwrap();
        }
        let today = now.date_naive();
        let (from, to) = (today - Duration::days(30), today + Duration::days(1));
        let r = s
            .report_cost_per_cycle(
                &ReportScope::all(today),
                from,
                to,
                InfluenceOptions::default(),
            )
            .await
            .unwrap();
        let rows: Vec<(&str, u64, Option<f64>, CostStatus)> = r
            .campaigns
            .iter()
            .map(|c| {
                (
                    c.campaign.as_str(),
                    c.cycles_started,
                    c.cost_per_cycle,
                    c.status,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("Summit", 3, Some(300.0), CostStatus::Priced),
                ("Fair", 0, None, CostStatus::NoCycleStarted),
                ("Blog", 3, None, CostStatus::NoBudget),
            ],
            "{n}"
        );
        assert_eq!((r.from, r.to, r.window_days), (from, to, 90), "{n}");
    }
}
