//! Bad rows in an intake batch (a field too long, a NUL, a key with a control character):
//! each is kept as a rejected record naming why, and the rest of the batch is written, on
//! SQLite and on PostgreSQL alike. Also LIKE wildcards in a contact search.

use abcrm_core::intake::{CompanyFacts, IntakeHints, IntakeItem};
use abcrm_core::matching::{MatchConfig, PersonRecord};
use abcrm_core::model::*;
use abcrm_store::intake::Intake;
use abcrm_store::testing::backends;
use abcrm_store::*;

fn actor() -> Actor {
    Actor::system("test")
}

fn item(key: &str, first: &str, email: &str, company: &str) -> IntakeItem {
    let s = |v: &str| (!v.is_empty()).then(|| v.to_string());
    IntakeItem {
        hints: IntakeHints::default(),
        source_key: key.into(),
        record: PersonRecord {
            first_name: s(first),
            last_name: s("Doe"),
            email: s(email),
            company: s(company),
            ..PersonRecord::default()
        },
    }
}

/// Good rows around bad ones: a company of 256 characters, a NUL in a name, a key holding a
/// NUL, and a lead whose industry is too long for the account it would make.
fn batch() -> Vec<IntakeItem> {
    let mut long_industry = item("6", "Eve", "eve@hooli.io", "Hooli");
    long_industry.hints.account_facts = Some(CompanyFacts {
        industry: Some("I".repeat(300)),
        ..CompanyFacts::default()
    });
    vec![
        item("1", "Ann", "ann@initech.io", "Initech"),
        item("2", "Bob", "bob@globex.io", &"G".repeat(256)),
        item("3", "C\u{0}y", "cy@umbrella.io", "Umbrella"),
        item("4\u{0}", "Di", "di@initech.io", "Initech"),
        item("5", "Fay", "fay@vandelay.io", &"Vandelay ".repeat(5_556)),
        long_industry,
        item("7", "Gus", "gus@wayne.io", "Wayne"),
    ]
}

#[tokio::test]
async fn a_batch_with_bad_rows_writes_every_other_row_and_reports_each_bad_one() {
    for t in backends().await {
        let intake = Intake::new(t.store.clone(), MatchConfig::default());
        let report = intake
            .submit(&actor(), "import:people.csv", batch())
            .await
            .unwrap_or_else(|e| panic!("{}: the batch was refused: {e}", t.name));
        assert_eq!(
            (report.taken, report.created, report.rejected),
            (7, 3, 4),
            "{}: {report:?}",
            t.name
        );
        let rejected: Vec<(&str, &str)> = report
            .rejections
            .iter()
            .map(|r| (r.key.as_str(), r.reason.as_str()))
            .collect();
        assert_eq!(
            rejected.iter().map(|r| r.0).collect::<Vec<_>>(),
            ["2", "3", "5", "6"],
            "{}",
            t.name
        );
        assert!(
            rejected[0].1.contains("company: is 256 characters long"),
            "{rejected:?}"
        );
        assert!(
            rejected[1]
                .1
                .contains("first_name: contains the control character U+0000"),
            "{rejected:?}"
        );
        assert!(
            rejected[2].1.contains("company: is 50003 characters long"),
            "{rejected:?}"
        );
        assert!(rejected[3].1.contains("industry"), "{rejected:?}");

        let kept = t
            .store
            .list_intake(
                &IntakeQuery {
                    outcome: Some(IntakeOutcome::Rejected),
                    ..IntakeQuery::default()
                },
                PageRequest {
                    after: None,
                    limit: 10,
                },
            )
            .await
            .unwrap();
        let cy = kept
            .items
            .iter()
            .find(|r| r.source_key.as_deref() == Some("3"))
            .unwrap();
        assert_eq!(cy.payload.first_name.as_deref(), Some("Cy"), "{}", t.name);
        assert_eq!(
            cy.observations["invalid"]["first_name"]
                .as_str()
                .map(|r| r.contains("U+0000")),
            Some(true)
        );
        let di = t
            .store
            .list_intake(
                &IntakeQuery {
                    source: Some("import:people.csv".into()),
                    source_key: Some("4".into()),
                    ..IntakeQuery::default()
                },
                PageRequest {
                    after: None,
                    limit: 1,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            di.items[0].outcome,
            IntakeOutcome::Created,
            "{}: a key loses its NUL",
            t.name
        );
    }
}

#[tokio::test]
async fn a_streamed_import_with_bad_rows_writes_every_other_row() {
    for t in backends().await {
        let intake = Intake::new(t.store.clone(), MatchConfig::default());
        let mut stream = intake.stream(&actor(), "migration").await.unwrap();
        let mut results = Vec::new();
        for chunk in batch().chunks(3) {
            results.extend(stream.push(chunk.to_vec()).await.unwrap());
        }
        results.extend(stream.finish().await.unwrap());
        let created: usize = results.iter().map(|(r, _)| r.created).sum();
        let rejected: usize = results.iter().map(|(r, _)| r.rejected).sum();
        assert_eq!((created, rejected), (3, 4), "{}", t.name);
    }
}

#[tokio::test]
async fn a_percent_in_a_contact_search_matches_only_a_percent() {
    for t in backends().await {
        let intake = Intake::new(t.store.clone(), MatchConfig::default());
        intake
            .submit(
                &actor(),
                "api",
                vec![
                    item("1", "Ann", "ann@initech.io", "Initech"),
                    item("2", "100%", "pct@initech.io", "Initech"),
                ],
            )
            .await
            .unwrap();
        for (search, expected) in [("%", "100%"), ("_", "")] {
            let found = t
                .store
                .list_contacts(
                    &ContactQuery {
                        search: Some(search.into()),
                        ..ContactQuery::default()
                    },
                    PageRequest {
                        after: None,
                        limit: 10,
                    },
                )
                .await
                .unwrap();
            let names: Vec<String> = found
                .items
                .iter()
                .filter_map(|c| c.first_name.clone())
                .collect();
            let expected: Vec<&str> = [expected].into_iter().filter(|e| !e.is_empty()).collect();
            assert_eq!(names, expected, "{}: {search:?}", t.name);
        }
    }
}
