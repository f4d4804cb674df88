//! The revenue reports over a small world with known answers, on SQLite and PostgreSQL.

use abcrm_core::filter::{check, parse, Target};
use abcrm_core::model::*;
use abcrm_core::normalize::Email;
use abcrm_core::reports::*;
use abcrm_core::*;
use abcrm_store::testing::{backends, TestStore};
use chrono::{Duration, Utc};

fn actor() -> Actor {
    Actor::system("test")
}

async fn world(t: &TestStore) -> [AccountId; 3] {
    let s = &t.store;
    // The world's stage history is written by hand below: the stage rules stay out of it.
    s.pause_scoring(true);
    let now = Utc::now();
    let days = |n: i64| now - Duration::days(n);
    let owner = s
        .create_user(
            &actor(),
            NewUser {
                email: Email::parse("rep@example.com").unwrap(),
                name: "Rita Rep".into(),
                role: Role::Sales,
            },
        )
        .await
        .unwrap()
        .id;
    let account = |name: &str, parent| NewAccount {
        name: name.into(),
        parent_id: parent,
        ..Default::default()
    };
    let root = s
        .create_account(&actor(), account("Root", None))
        .await
        .unwrap()
        .id;
    let sub = s
        .create_account(&actor(), account("Sub", Some(root)))
        .await
        .unwrap()
        .id;
    let other = s
        .create_account(&actor(), account("Other", None))
        .await
        .unwrap()
        .id;
    let campaign = |name: &str| NewCampaign {
        name: name.into(),
        kind: Some(CampaignKind::Webinar),
        starts_on: None,
        ends_on: None,
        budget: None,
    };
    let c1 = s
        .create_campaign(&actor(), campaign("C1"))
        .await
        .unwrap()
        .id;
    let c2 = s
        .create_campaign(&actor(), campaign("C2"))
        .await
        .unwrap()
        .id;
    let contact = |a, mail: &str, role, seniority, status, age: i64| {
        let mut c = NewContact::at(a);
        c.email = Some(Email::parse(mail).unwrap());
        c.buying_role = role;
        c.seniority = seniority;
        c.status = Some(status);
        c.created_at = Some(days(age));
        c
    };
    let ann = s
        .create_contact(
            &actor(),
            contact(
                sub,
                "ann@sub.com",
                Some(BuyingRole::EconomicBuyer),
                Some(Seniority::Director),
                ContactStatus::Nurture,
                400,
            ),
        )
        .await
        .unwrap()
        .id;
    let bob = s
        .create_contact(
            &actor(),
            contact(
                sub,
                "bob@sub.com",
                Some(BuyingRole::Champion),
                Some(Seniority::Manager),
                ContactStatus::Active,
                100,
            ),
        )
        .await
        .unwrap()
        .id;
    let cyd = s
        .create_contact(
            &actor(),
            contact(
                other,
                "cyd@other.com",
                None,
                None,
                ContactStatus::Nurture,
                10,
            ),
        )
        .await
        .unwrap()
        .id;
    let activity = |c, kind, age: i64, campaign| NewActivity {
        account_id: None,
        contact_id: Some(c),
        body: None,
        kind,
        subject: None,
        occurred_at: Some(days(age)),
        campaign_id: campaign,
        opportunity_id: None,
    };
    s.create_activity(&actor(), activity(ann, ActivityKind::Webinar, 5, Some(c1)))
        .await
        .unwrap();
    s.create_activity(&actor(), activity(bob, ActivityKind::Call, 200, None))
        .await
        .unwrap();
    s.add_campaign_member(
        &actor(),
        c2,
        NewCampaignMember {
            contact_id: cyd,
            status: Some(MemberStatus::Registered),
            joined_at: Some(days(40)),
        },
    )
    .await
    .unwrap();
    // An email sent to Cyd: it reached her, she did not answer.
    s.add_campaign_member(
        &actor(),
        c1,
        NewCampaignMember {
            contact_id: cyd,
            status: Some(MemberStatus::Sent),
            joined_at: Some(days(35)),
        },
    )
    .await
    .unwrap();
    let opp = |a, amount: f64, stage, age: i64, campaign| NewOpportunity {
        account_id: a,
        name: format!("deal {amount}"),
        stage: Some(stage),
        amount: Some(amount),
        close_date: Some((now + Duration::days(30)).date_naive()),
        source_campaign_id: campaign,
        owner_id: Some(owner),
        contact_roles: vec![],
        created_at: Some(days(age)),
    };
    s.create_opportunity(
        &actor(),
        opp(root, 1000.0, OpportunityStage::Prospecting, 3, Some(c2)),
    )
    .await
    .unwrap();
    s.create_opportunity(
        &actor(),
        opp(other, 500.0, OpportunityStage::Proposal, 30, None),
    )
    .await
    .unwrap();
    s.create_opportunity(
        &actor(),
        opp(sub, 200.0, OpportunityStage::ClosedWon, 20, None),
    )
    .await
    .unwrap();
    s.set_account_stage(
        &actor(),
        root,
        AccountStage::Engaged,
        "test",
        now + Duration::days(1),
    )
    .await
    .unwrap();
    s.set_account_stage(
        &actor(),
        root,
        AccountStage::Qualified,
        "test",
        now + Duration::days(11),
    )
    .await
    .unwrap();
    // Other skips engaged and qualified: both count as reached the day it became an opportunity.
    s.set_account_stage(
        &actor(),
        other,
        AccountStage::Opportunity,
        "test",
        now + Duration::days(5),
    )
    .await
    .unwrap();
    [root, sub, other]
}

#[tokio::test]
async fn reports_give_the_known_answers_on_both_backends() {
    let mut jsons = Vec::new();
    for t in backends().await {
        let [root, sub, other] = world(&t).await;
        let n = t.name;
        let s = &t.store;
        let now = Utc::now();
        let today = now.date_naive();
        let all = ReportScope::all(today);
        let (from, to) = (today - Duration::days(60), today + Duration::days(1));

        let cycles = s
            .report_sales_cycles(&all, Period::Month, CyclesBy::Total, from, to)
            .await
            .unwrap();
        assert_eq!(
            (cycles.total_started, cycles.total_amount),
            (3, 1700.0),
            "{n}"
        );
        assert!(
            cycles.rows.len() >= 2,
            "{n}: every month in range is listed"
        );
        let by_campaign = s
            .report_sales_cycles(&all, Period::Quarter, CyclesBy::Campaign, from, to)
            .await
            .unwrap();
        let c2: u64 = by_campaign
            .rows
            .iter()
            .filter(|r| r.group.as_deref() == Some("C2"))
            .map(|r| r.started)
            .sum();
        assert_eq!(c2, 1, "{n}");
        let by_owner = s
            .report_sales_cycles(&all, Period::Week, CyclesBy::Owner, from, to)
            .await
            .unwrap();
        assert!(
            by_owner
                .rows
                .iter()
                .all(|r| r.group.as_deref() == Some("Rita Rep")),
            "{n}"
        );

        let pipeline = s
            .report_pipeline(&all, Period::Month, today, false)
            .await
            .unwrap();
        assert_eq!(
            (pipeline.opportunities, pipeline.amount, pipeline.accounts),
            (2, 1500.0, 2),
            "{n}"
        );

        let coverage = s
            .report_coverage(
                &all,
                90,
                CoverageRows {
                    limit: 10,
                    ..Default::default()
                },
                now,
                false,
            )
            .await
            .unwrap();
        assert_eq!(
            (
                coverage.accounts,
                coverage.accounts_with_contacts,
                coverage.accounts_missing_economic_buyer
            ),
            (3, 2, 2),
            "{n}"
        );
        let sub_row = coverage
            .rows
            .iter()
            .find(|r| r.account_id == sub.0)
            .unwrap();
        assert_eq!(
            (
                sub_row.contacts,
                sub_row.engaged,
                sub_row.has_economic_buyer
            ),
            (2, 1, true),
            "{n}"
        );
        // As families, Root and Sub are one company: one row, Sub's people its buying center.
        let families = s
            .report_coverage(
                &all,
                90,
                CoverageRows {
                    limit: 10,
                    ..Default::default()
                },
                now,
                true,
            )
            .await
            .unwrap();
        assert_eq!(
            (
                families.accounts,
                families.accounts_with_contacts,
                families.accounts_missing_economic_buyer
            ),
            (2, 2, 1),
            "{n}"
        );
        let rows: Vec<(i64, u64, bool)> = families
            .rows
            .iter()
            .map(|r| (r.account_id, r.contacts, r.has_economic_buyer))
            .collect();
        assert_eq!(rows, [(root.0, 2, true), (other.0, 1, false)], "{n}");
        let missing = s
            .report_coverage(
                &all,
                90,
                CoverageRows {
                    limit: 10,
                    missing_economic_buyer: true,
                    ..Default::default()
                },
                now,
                true,
            )
            .await
            .unwrap();
        assert_eq!(missing.rows.len(), 1, "{n}");
        assert_eq!(missing.rows[0].account_name, "Other", "{n}");

        let family = InfluenceOptions {
            hierarchy: true,
            ..Default::default()
        };
        let influence = s.report_influence(&all, from, to, family).await.unwrap();
        assert_eq!(
            (influence.opportunities, influence.influenced),
            (3, 2),
            "{n}"
        );
        let credited: Vec<(&str, f64)> = influence
            .campaigns
            .iter()
            .map(|c| (c.campaign.as_str(), c.influenced_amount))
            .collect();
        assert_eq!(
            credited,
            [("C1", 1000.0), ("C2", 500.0)],
            "{n}: a subsidiary's webinar influences the parent's deal"
        );
        let flat = s
            .report_influence(&all, from, to, InfluenceOptions::default())
            .await
            .unwrap();
        assert_eq!(
            (flat.influenced, flat.hierarchy, flat.touches),
            (1, false, Touches::Responses),
            "{n}: by default only Other's deal is influenced, by responses at its own account"
        );
        let sends = InfluenceOptions {
            touches: Touches::All,
            ..family
        };
        let with_sends = s.report_influence(&all, from, to, sends).await.unwrap();
        let c1 = with_sends
            .campaigns
            .iter()
            .find(|c| c.campaign == "C1")
            .unwrap();
        assert_eq!(
            c1.influenced_amount, 1500.0,
            "{n}: counting sends, the email sent to Cyd claims Other's deal too"
        );

        // Nurture follows the status history. Bob was active, went to nurture 90 days ago and
        // came back 50 days ago; his account's first cycle (20 days ago) came 70 days after he
        // entered. Ann entered 400 days ago and her account's first cycle followed. Cyd entered
        // 10 days ago at an account in a cycle since 30 days ago: no first cycle for her.
        let bob = s
            .find_contact_by_email(&Email::parse("bob@sub.com").unwrap())
            .await
            .unwrap()
            .unwrap();
        s.set_contact_status(
            &actor(),
            bob.id,
            ContactStatus::Nurture,
            "no budget this year",
            now - Duration::days(90),
        )
        .await
        .unwrap();
        s.set_contact_status(
            &actor(),
            bob.id,
            ContactStatus::Active,
            "asked for a demo",
            now - Duration::days(50),
        )
        .await
        .unwrap();
        let history: Vec<(Option<ContactStatus>, ContactStatus, Option<String>)> = s
            .status_history(bob.id)
            .await
            .unwrap()
            .into_iter()
            .map(|h| (h.from_status, h.to_status, h.reason))
            .collect();
        assert_eq!(
            history,
            [
                (None, ContactStatus::Active, Some("created".to_string())),
                (
                    Some(ContactStatus::Active),
                    ContactStatus::Nurture,
                    Some("no budget this year".to_string())
                ),
                (
                    Some(ContactStatus::Nurture),
                    ContactStatus::Active,
                    Some("asked for a demo".to_string())
                ),
            ],
            "{n}"
        );
        let nurture = s.report_nurture(&all, now).await.unwrap();
        assert_eq!(
            (
                nurture.entered,
                nurture.after_a_cycle,
                nurture.converted,
                nurture.in_nurture
            ),
            (3, 1, 2, 2),
            "{n}"
        );
        let bands: Vec<u64> = nurture.bands.iter().map(|b| b.converted).collect();
        assert_eq!(bands, [1, 0, 1, 0], "{n}");
        assert_eq!(nurture.conversion_rate, Some(1.0), "{n}");
        assert_eq!(nurture.share_18_months_or_more, Some(0.0), "{n}");
        assert_eq!(
            nurture.cohorts.iter().map(|c| c.entered).sum::<u64>(),
            3,
            "{n}"
        );

        let funnel = s.report_funnel(&all, None, false).await.unwrap();
        let reached: Vec<u64> = funnel.stages.iter().map(|s| s.reached).collect();
        assert_eq!(reached, [3, 2, 2, 1, 0], "{n}");
        // Root and its subsidiary are one company: counted once, from the first of them.
        let families = s.report_funnel(&all, None, true).await.unwrap();
        let reached: Vec<u64> = families.stages.iter().map(|s| s.reached).collect();
        assert_eq!((families.family, families.accounts), (true, 2), "{n}");
        // Both companies were engaged and qualified (Root as a family, Other on its own).
        assert_eq!(reached, [2, 2, 2, 1, 0], "{n}");
        // Engaged to qualified: 10 days for Root, none for Other's skip.
        assert_eq!(funnel.stages[2].median_days_from_previous, Some(5.0), "{n}");
        assert_eq!(funnel.stages[3].median_days_from_previous, Some(0.0), "{n}");

        // A segment narrows every report to its accounts.
        let segment = check(
            &parse(r#"account.name = "Other""#).unwrap(),
            Target::Accounts,
        )
        .unwrap();
        let scoped = ReportScope {
            segment: Some((segment, SegmentTarget::Account)),
            today,
        };
        let p = s
            .report_pipeline(&scoped, Period::Month, today, true)
            .await
            .unwrap();
        assert_eq!((p.opportunities, p.amount), (1, 500.0), "{n}");
        let by_contacts = check(
            &parse(r#"contact.buying_role = "economic_buyer""#).unwrap(),
            Target::Contacts,
        )
        .unwrap();
        let scoped = ReportScope {
            segment: Some((by_contacts, SegmentTarget::Contact)),
            today,
        };
        let c = s
            .report_sales_cycles(&scoped, Period::Month, CyclesBy::Total, from, to)
            .await
            .unwrap();
        assert_eq!(c.total_amount, 200.0, "{n}: only Sub has an economic buyer");
        let _ = (root, other);

        // Engagement follows the activities: without Ann's webinar, Sub has nobody engaged.
        let ann_activities = s
            .list_activities(
                &abcrm_store::ActivityQuery {
                    account_id: Some(sub),
                    ..Default::default()
                },
                abcrm_store::PageRequest::default(),
            )
            .await
            .unwrap();
        for a in ann_activities
            .items
            .iter()
            .filter(|a| a.kind == ActivityKind::Webinar)
        {
            s.delete_activity(&actor(), a.id).await.unwrap();
        }
        let after = s
            .report_coverage(
                &all,
                90,
                CoverageRows {
                    limit: 10,
                    ..Default::default()
                },
                now,
                false,
            )
            .await
            .unwrap();
        let sub_after = after.rows.iter().find(|r| r.account_id == sub.0).unwrap();
        assert_eq!(sub_after.engaged, 0, "{n}");

        // The scoring model says what answers a campaign of each kind: with webinars answered
        // only by attending, Cyd's registration no longer credits Other's deal.
        s.save_scoring_model(
            &actor(),
            "name = \"attendance\"\n[responses]\nwebinar = [\"attended\"]\n",
        )
        .await
        .unwrap();
        let attended = s
            .report_influence(&all, from, to, InfluenceOptions::default())
            .await
            .unwrap();
        assert_eq!(attended.influenced, 0, "{n}: {attended:?}");

        jsons.push(
            serde_json::to_value((
                &pipeline,
                &coverage.by_role,
                &influence.campaigns,
                &nurture.bands,
                &nurture.cohorts,
                &funnel.stages,
            ))
            .unwrap(),
        );
    }
    for j in &jsons[1..] {
        assert_eq!(&jsons[0], j, "the backends disagree");
    }
}
