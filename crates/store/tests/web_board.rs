//! The opportunity board's query, on SQLite and on PostgreSQL alike.

use abcrm_core::model::*;
use abcrm_core::normalize::Email;
use abcrm_store::testing::backends;
use abcrm_store::*;
use chrono::{Duration, Utc};

fn actor() -> Actor {
    Actor::system("test")
}

#[tokio::test]
async fn the_board_has_open_and_recent_cards_with_names_and_counts_the_older_closed_ones() {
    for t in backends().await {
        let s = &t.store;
        let acme = s
            .create_account(
                &actor(),
                NewAccount {
                    name: "Acme 100% Robotics".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let globex = s
            .create_account(
                &actor(),
                NewAccount {
                    name: "Globex".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let owner = s
            .create_user(
                &actor(),
                NewUser {
                    email: Email::parse("olga@example.com").unwrap(),
                    name: "Olga Owner".into(),
                    role: Role::Sales,
                },
            )
            .await
            .unwrap();
        let mut ada = NewContact::at(acme.id);
        ada.first_name = Some("Ada".into());
        ada.last_name = Some("Lovelace".into());
        let ada = s.create_contact(&actor(), ada).await.unwrap();
        let mut anon = NewContact::at(acme.id);
        anon.email = Some(Email::parse("ops@acme.example").unwrap());
        let anon = s.create_contact(&actor(), anon).await.unwrap();
        let today = Utc::now().date_naive();
        let deal = |account, name: &str, stage, close, amount| NewOpportunity {
            account_id: account,
            name: name.into(),
            stage: Some(stage),
            amount: Some(amount),
            close_date: Some(close),
            source_campaign_id: None,
            owner_id: None,
            contact_roles: vec![],
            created_at: None,
        };
        let open = s
            .create_opportunity(
                &actor(),
                NewOpportunity {
                    owner_id: Some(owner.id),
                    contact_roles: vec![
                        ContactRole {
                            contact_id: anon.id,
                            role: BuyingRole::User,
                            is_primary: false,
                        },
                        ContactRole {
                            contact_id: ada.id,
                            role: BuyingRole::Champion,
                            is_primary: true,
                        },
                    ],
                    ..deal(
                        acme.id,
                        "Acme expansion",
                        OpportunityStage::Proposal,
                        today + Duration::days(30),
                        50_000.0,
                    )
                },
            )
            .await
            .unwrap();
        let won = s
            .create_opportunity(
                &actor(),
                deal(
                    globex.id,
                    "Globex pilot",
                    OpportunityStage::ClosedWon,
                    today - Duration::days(10),
                    20_000.0,
                ),
            )
            .await
            .unwrap();
        let old = s
            .create_opportunity(
                &actor(),
                deal(
                    acme.id,
                    "Acme 2024",
                    OpportunityStage::ClosedLost,
                    today - Duration::days(200),
                    7_000.0,
                ),
            )
            .await
            .unwrap();
        let query = BoardQuery {
            owner: None,
            account_name: None,
            closed_since: today - Duration::days(90),
            include: None,
        };

        let board = s.opportunity_board(&query).await.unwrap();
        let ids: Vec<_> = board.cards.iter().map(|c| c.opportunity.id).collect();
        // Ordered by close date: the recent win before the open deal closing next month.
        assert_eq!(ids, [won.id, open.id], "{}", t.name);
        let card = &board.cards[1];
        assert_eq!(card.account_name, "Acme 100% Robotics");
        assert_eq!(card.owner_name.as_deref(), Some("Olga Owner"));
        let roles: Vec<_> = card
            .roles
            .iter()
            .map(|r| (r.name.as_str(), r.role, r.is_primary))
            .collect();
        assert_eq!(
            roles,
            [
                ("Ada Lovelace", BuyingRole::Champion, true),
                ("ops@acme.example", BuyingRole::User, false)
            ],
            "{}",
            t.name
        );
        assert_eq!(card.opportunity.contact_roles.len(), 2);
        assert_eq!(board.cards[0].owner_name, None);
        assert_eq!(
            board.older,
            [(OpportunityStage::ClosedLost, 1, 7_000.0)],
            "{}",
            t.name
        );

        // The one just moved is shown, however old.
        let with_old = s
            .opportunity_board(&BoardQuery {
                include: Some(old.id),
                ..query.clone()
            })
            .await
            .unwrap();
        assert_eq!(with_old.cards.len(), 3, "{}", t.name);
        assert!(with_old.older.is_empty());

        // Filters: the owner, and the account's name in any case (a `%` is a plain character).
        let mine = s
            .opportunity_board(&BoardQuery {
                owner: Some(owner.id),
                ..query.clone()
            })
            .await
            .unwrap();
        assert_eq!(
            mine.cards
                .iter()
                .map(|c| c.opportunity.id)
                .collect::<Vec<_>>(),
            [open.id]
        );
        assert!(mine.older.is_empty());
        let acme_only = s
            .opportunity_board(&BoardQuery {
                account_name: Some("  100% ROBO ".into()),
                ..query.clone()
            })
            .await
            .unwrap();
        assert_eq!(acme_only.cards.len(), 1, "{}", t.name);
        assert_eq!(acme_only.older.len(), 1);
        let none = s
            .opportunity_board(&BoardQuery {
                account_name: Some("1_0".into()),
                ..query.clone()
            })
            .await
            .unwrap();
        assert!(none.cards.is_empty() && none.older.is_empty(), "{}", t.name);
    }
}
