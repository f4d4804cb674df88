//! The store methods behind timelines and the dashboard's trend, on both backends.

use abcrm_core::model::*;
use abcrm_store::testing::backends;
use abcrm_store::*;
use chrono::{DateTime, Duration, Utc};

fn actor() -> Actor {
    Actor::system("test")
}

#[tokio::test]
async fn timelines_are_newest_first_and_weeks_count_activities() {
    for t in backends().await {
        let s = &t.store;
        let mut accounts = Vec::new();
        for name in ["Acme", "Globex"] {
            let new = NewAccount {
                name: name.into(),
                ..Default::default()
            };
            accounts.push(s.create_account(&actor(), new).await.unwrap().id);
        }
        let now: DateTime<Utc> = "2026-03-01T12:00:00Z".parse().unwrap();
        // Written out of time order, so id order and time order differ.
        let days_ago = [3, 40, 1, 10, 20, 2];
        for d in days_ago {
            s.create_activity(
                &actor(),
                NewActivity {
                    account_id: Some(accounts[0]),
                    contact_id: None,
                    body: None,
                    kind: ActivityKind::Call,
                    subject: Some(format!("{d} days ago")),
                    occurred_at: Some(now - Duration::days(d)),
                    campaign_id: None,
                    opportunity_id: None,
                },
            )
            .await
            .unwrap();
        }
        let query = ActivityQuery {
            account_id: Some(accounts[0]),
            ..Default::default()
        };
        let recent = s.recent_activities(&query, 4).await.unwrap();
        let subjects: Vec<_> = recent.iter().filter_map(|a| a.subject.clone()).collect();
        assert_eq!(
            subjects,
            ["1 days ago", "2 days ago", "3 days ago", "10 days ago"],
            "{}",
            t.name
        );
        let other = ActivityQuery {
            account_id: Some(accounts[1]),
            ..Default::default()
        };
        assert!(s.recent_activities(&other, 10).await.unwrap().is_empty());

        // Four weeks back from now: 20 days ago is in week 2 of 4 (0-based 1), 10 days ago in
        // week 3, the last three in week 4; 40 days ago is outside.
        let weeks = s.weekly_activity(&accounts, now, 4).await.unwrap();
        assert_eq!(weeks[&accounts[0]], vec![0, 1, 1, 3], "{}", t.name);
        assert_eq!(weeks[&accounts[1]], vec![0, 0, 0, 0]);
        assert!(s.weekly_activity(&[], now, 4).await.unwrap().is_empty());
    }
}
