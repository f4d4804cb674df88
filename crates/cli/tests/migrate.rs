//! `abcrm migrate` driven as a user runs it, against real SQLite files and real PostgreSQL
//! schemas: the report, a second run, a dry run, and a run killed halfway then resumed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn abcrm(database: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_abcrm"));
    cmd.arg("--database")
        .arg(database)
        .args(args)
        .env_remove("ABCRM_DATABASE_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the abcrm binary runs")
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "abcrm failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn tiny() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/salesforce-tiny")
}

async fn backends() -> Vec<(String, Box<dyn std::any::Any>)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("abcrm.db").display());
    let mut out: Vec<(String, Box<dyn std::any::Any>)> = vec![(url, Box::new(dir))];
    if let Some(pg) = abcrm_store::testing::postgres().await {
        out.push((pg.url(), Box::new(pg)));
    }
    out
}

/// people.csv as (source_id -> the other columns but confidence).
fn people(report: &Path) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(report.join("people.csv")).expect("people.csv");
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "source_id",
            "source_object",
            "action",
            "account_source_id",
            "merged_into_source_id",
            "rule",
            "confidence"
        ]
    );
    let mut rows: Vec<Vec<String>> = r
        .records()
        .map(|r| r.unwrap().iter().take(6).map(str::to_string).collect())
        .collect();
    rows.sort();
    rows
}

fn stats(url: &str) -> serde_json::Value {
    serde_json::from_str(&ok(abcrm(url, &["stats"], &[]))).expect("stats json")
}

#[tokio::test]
async fn a_salesforce_export_migrates_with_every_decision_reported_and_a_second_run_changes_nothing(
) {
    for (url, _guard) in backends().await {
        let report = tempfile::tempdir().unwrap();
        let report_arg = report.path().to_str().unwrap();
        let dir = tiny();
        let out = ok(abcrm(
            &url,
            &[
                "migrate",
                "salesforce",
                dir.to_str().unwrap(),
                "--report",
                report_arg,
            ],
            &[],
        ));
        assert!(out.contains("Migrated 10 people"), "{out}");
        let rows = people(report.path());
        let row = |id: &str| -> Vec<&str> {
            rows.iter()
                .find(|r| r[0] == id)
                .unwrap_or_else(|| panic!("{id} in people.csv"))
                .iter()
                .map(String::as_str)
                .collect()
        };
        // Every source contact and lead once (the three malformed lead rows are rejected).
        assert_eq!(rows.len(), 10, "{rows:?}");
        assert_eq!(
            row("003000000000001AAA")[2..4],
            ["kept", "001000000000001AAA"]
        );
        // The same email in another case: the same person, merged.
        assert_eq!(
            row("003000000000004AAA")[2..5],
            ["merged", "001000000000003AAA", "003000000000002AAA"]
        );
        // A lead at the account's domain; a converted lead folded into its (15-char) contact.
        assert_eq!(
            row("00Q000000000001EAA")[2..4],
            ["matched", "001000000000001AAA"]
        );
        assert_eq!(
            row("00Q000000000002EAA")[2..6],
            [
                "merged",
                "001000000000001AAA",
                "003000000000001AAA",
                "same_as"
            ]
        );
        // A new company from a corporate domain, and a free-mail colleague naming it joins it.
        assert_eq!(
            row("00Q000000000003EAA")[2..4],
            ["new_account", "new:newco.io"]
        );
        assert_eq!(
            row("00Q000000000004EAA")[2..4],
            ["new_account", "new:newco.io"]
        );
        // A lead that is another lead with a +tag: merged into it.
        assert_eq!(
            row("00Q000000000005EAA")[2..5],
            ["merged", "001000000000001AAA", "00Q000000000001EAA"]
        );
        assert_eq!(row("00Q000000000006EAA")[2], "review");

        let rejected = std::fs::read_to_string(report.path().join("rejected.csv")).unwrap();
        assert!(rejected.contains("Account.csv,5,Name,"), "{rejected}");
        assert!(
            rejected.contains("Lead.csv,9,,\"has 5 fields"),
            "{rejected}"
        );
        assert!(rejected.contains("Lead.csv,11,IsConverted,"), "{rejected}");
        assert!(
            rejected.contains(
                "Opportunity.csv,4,AccountId,account 001000000000099AAA is not in the export"
            ),
            "{rejected}"
        );
        let summary = std::fs::read_to_string(report.path().join("summary.md")).unwrap();
        assert!(
            summary.contains("| Account.csv | 4 | Region__c |"),
            "{summary}"
        );
        assert!(
            summary.contains("| new:newco.io | NewCo Robotics |"),
            "{summary}"
        );

        let s = stats(&url);
        assert_eq!(
            s["accounts"], 4,
            "three from the export, one made from a lead: {s}"
        );
        assert_eq!(s["contacts"], 5, "{s}");
        assert_eq!(s["opportunities"], 2, "{s}");
        assert_eq!(
            s["campaign_members"], 2,
            "the converted lead's membership lands once: {s}"
        );
        assert_eq!(s["activities"], 2, "{s}");
        // The subsidiary is under its parent; the sales cycle keeps its real start.
        let acme_de = ok(abcrm(&url, &["accounts", "list", "--format", "json"], &[]));
        assert!(acme_de.contains("Acme Europe GmbH"), "{acme_de}");
        let opps = ok(abcrm(
            &url,
            &["opportunities", "list", "--format", "json"],
            &[],
        ));
        assert!(opps.contains("2023-11-15T10:00:00"), "{opps}");

        // Again: nothing changes, and the report is the same.
        ok(abcrm(
            &url,
            &[
                "migrate",
                "salesforce",
                dir.to_str().unwrap(),
                "--report",
                report_arg,
            ],
            &[],
        ));
        assert_eq!(stats(&url), s, "a second run writes nothing");
        assert_eq!(people(report.path()), rows);
    }
}

/// The owner of each record, by a name for it: accounts and opportunities by name, contacts by
/// email; each owner as the email of its user.
async fn owners_of(url: &str) -> std::collections::BTreeMap<String, Option<String>> {
    use abcrm_store::{AccountQuery, ContactQuery, OpportunityQuery, PageRequest};
    let store = abcrm_store::open(url).await.expect("the store opens");
    let page = PageRequest {
        after: None,
        limit: 1000,
    };
    let mut emails = std::collections::HashMap::new();
    for email in [
        "rita@sales.example",
        "sam@sales.example",
        "olga@sales.example",
    ] {
        let parsed = abcrm_core::normalize::Email::parse(email).unwrap();
        if let Some(u) = store.find_user_by_email(&parsed).await.unwrap() {
            emails.insert(u.id, email.to_string());
        }
    }
    let who = |o: Option<abcrm_core::UserId>| {
        o.map(|o| {
            emails
                .get(&o)
                .cloned()
                .unwrap_or_else(|| format!("user {o}"))
        })
    };
    let mut out = std::collections::BTreeMap::new();
    for a in store
        .list_accounts(&AccountQuery::default(), page)
        .await
        .unwrap()
        .items
    {
        out.insert(a.name, who(a.owner_id));
    }
    for c in store
        .list_contacts(&ContactQuery::default(), page)
        .await
        .unwrap()
        .items
    {
        out.insert(
            c.email.map(|e| e.as_str().to_string()).unwrap_or_default(),
            who(c.owner_id),
        );
    }
    for o in store
        .list_opportunities(&OpportunityQuery::default(), page)
        .await
        .unwrap()
        .items
    {
        out.insert(o.name, who(o.owner_id));
    }
    out
}

#[tokio::test]
async fn owners_come_from_user_csv_and_a_merged_lead_never_changes_a_contacts_owner() {
    for (url, _guard) in backends().await {
        // Sam already uses abcrm, as an admin: matched by email, not made twice.
        ok(abcrm(
            &url,
            &[
                "token",
                "create",
                "--user",
                "sam@sales.example",
                "--role",
                "admin",
            ],
            &[],
        ));
        let report = tempfile::tempdir().unwrap();
        let dir = tiny();
        let args = [
            "migrate",
            "salesforce",
            dir.to_str().unwrap(),
            "--report",
            report.path().to_str().unwrap(),
        ];
        ok(abcrm(&url, &args, &[]));
        let s = stats(&url);
        assert_eq!(
            s["users"], 3,
            "Rita and Olga (inactive) created, Sam matched: {s}"
        );
        let owners = owners_of(&url).await;
        let owner = |record: &str| -> Option<&str> {
            owners
                .get(record)
                .unwrap_or_else(|| panic!("{record} in {owners:?}"))
                .as_deref()
        };
        // Accounts: a 15-character OwnerId, an inactive user, and a user not in User.csv.
        assert_eq!(owner("Acme Corporation"), Some("rita@sales.example"));
        assert_eq!(owner("Globex Inc."), Some("olga@sales.example"));
        assert_eq!(owner("Acme Europe GmbH"), None);
        // Contacts keep their owner; the converted lead (Rita's) and the duplicate contact
        // (Sam's) merged into them change nothing.
        assert_eq!(owner("ada@acme.com"), Some("sam@sales.example"));
        assert_eq!(owner("hank@globex.io"), Some("rita@sales.example"));
        // Contacts made from leads take the lead's owner; a +tag duplicate lead (Rita's)
        // merged into Grace leaves Olga her owner.
        assert_eq!(owner("grace@acme.com"), Some("olga@sales.example"));
        assert_eq!(owner("tom@newco.io"), Some("sam@sales.example"));
        assert_eq!(owner("Acme renewal"), Some("sam@sales.example"));
        assert_eq!(owner("Globex pilot"), None);

        let rejected = std::fs::read_to_string(report.path().join("rejected.csv")).unwrap();
        assert!(rejected.contains("User.csv,5,Email,"), "{rejected}");
        let missing: Vec<&str> = rejected
            .lines()
            .filter(|l| l.contains("005000000000009AAA"))
            .collect();
        assert_eq!(missing.len(), 1, "one line per missing user: {rejected}");
        assert!(
            missing[0].starts_with(
                "Account.csv,3,OwnerId,\"user 005000000000009AAA is not among the export's users"
            ) && missing[0].contains("1 accounts, 0 contacts and leads, 1 opportunities"),
            "{rejected}"
        );
        let summary = std::fs::read_to_string(report.path().join("summary.md")).unwrap();
        for line in [
            "| users created now | 2 |",
            "| users matched now to an abcrm user of the same email (or name) | 1 |",
            "| records kept without an owner (the owner is not a user) | 2 |",
            "Users inactive in salesforce: 1.",
        ] {
            assert!(summary.contains(line), "{line}: {summary}");
        }

        // Again: no user made or matched twice, nothing written.
        ok(abcrm(&url, &args, &[]));
        assert_eq!(stats(&url), s, "a second run writes nothing");
        assert_eq!(owners_of(&url).await, owners);
        let summary = std::fs::read_to_string(report.path().join("summary.md")).unwrap();
        assert!(summary.contains("| users created now | 0 |"), "{summary}");
    }
}

#[tokio::test]
async fn hubspot_owners_written_as_emails_become_users_and_names_no_user_has_are_reported() {
    let src = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(src.path().join(name), text).unwrap();
    write(
        "companies.csv",
        "Record ID,Name,Company Domain Name,Company owner\n1,Acme,acme.com,Jane.Doe@Sales.example\n",
    );
    write(
        "contacts.csv",
        "Record ID,First Name,Last Name,Email,Associated Company IDs,Contact owner\n\
         11,Ada,Lovelace,ada@acme.com,1,jane.doe@sales.example\n\
         12,Bob,Marley,bob@acme.com,,Nobody Known\n",
    );
    write(
        "deals.csv",
        "Record ID,Deal Name,Associated Company IDs,Deal owner\n21,Acme pilot,1,Nobody  Known\n",
    );
    for (url, _guard) in backends().await {
        let report = tempfile::tempdir().unwrap();
        let args = [
            "migrate",
            "hubspot",
            src.path().to_str().unwrap(),
            "--report",
            report.path().to_str().unwrap(),
        ];
        ok(abcrm(&url, &args, &[]));
        let store = abcrm_store::open(&url).await.unwrap();
        let jane = store
            .find_user_by_email(
                &abcrm_core::normalize::Email::parse("jane.doe@sales.example").unwrap(),
            )
            .await
            .unwrap()
            .expect("Jane, made from her email");
        assert_eq!(stats(&url)["users"], 1);
        let contact = |email: &str| {
            let store = store.clone();
            let email = abcrm_core::normalize::Email::parse(email).unwrap();
            async move { store.find_contact_by_email(&email).await.unwrap().unwrap() }
        };
        let ada = contact("ada@acme.com").await;
        assert_eq!(ada.owner_id, Some(jane.id));
        assert_eq!(
            store.get_account(ada.account_id).await.unwrap().owner_id,
            Some(jane.id)
        );
        assert_eq!(contact("bob@acme.com").await.owner_id, None);
        let rejected = std::fs::read_to_string(report.path().join("rejected.csv")).unwrap();
        assert!(
            rejected
                .contains("contacts.csv,3,Contact owner,\"owner \"\"Nobody Known\"\" has no email")
                && rejected.contains("0 accounts, 1 contacts and leads, 1 opportunities"),
            "{rejected}"
        );
    }
}

#[tokio::test]
async fn a_dry_run_reports_the_same_decisions_and_writes_nothing() {
    for (url, _guard) in backends().await {
        let (dry, real) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let dir = tiny();
        let out = ok(abcrm(
            &url,
            &[
                "migrate",
                "salesforce",
                dir.to_str().unwrap(),
                "--dry-run",
                "--report",
                dry.path().to_str().unwrap(),
            ],
            &[],
        ));
        assert!(out.contains("Would migrate 10 people"), "{out}");
        let s = stats(&url);
        assert_eq!(
            (
                s["accounts"].as_i64(),
                s["contacts"].as_i64(),
                s["intake_records"].as_i64(),
                s["users"].as_i64(),
            ),
            (Some(0), Some(0), Some(0), Some(0)),
            "{s}"
        );
        let summary = std::fs::read_to_string(dry.path().join("summary.md")).unwrap();
        assert!(
            summary.contains("| users created now | 3 |"),
            "the dry run counts the users it would create: {summary}"
        );
        ok(abcrm(
            &url,
            &[
                "migrate",
                "salesforce",
                dir.to_str().unwrap(),
                "--report",
                real.path().to_str().unwrap(),
            ],
            &[],
        ));
        assert_eq!(people(dry.path()), people(real.path()));
    }
}

#[tokio::test]
async fn a_migration_killed_halfway_resumes_with_no_duplicates_and_no_losses() {
    for (url, _guard) in backends().await {
        let (clean_db, _clean_guard) = {
            let d = tempfile::tempdir().unwrap();
            (
                format!("sqlite://{}", d.path().join("clean.db").display()),
                d,
            )
        };
        let report = tempfile::tempdir().unwrap();
        let dir = tiny();
        let args = [
            "migrate",
            "salesforce",
            dir.to_str().unwrap(),
            "--batch",
            "2",
            "--report",
            report.path().to_str().unwrap(),
        ];
        let killed = abcrm(&url, &args, &[("ABCRM_MIGRATE_CRASH_AFTER_BATCHES", "2")]);
        assert!(!killed.status.success(), "the crash hook stops the run");
        let halfway = stats(&url);
        assert!(
            halfway["intake_records"].as_i64().unwrap() < 10,
            "{halfway}"
        );
        ok(abcrm(&url, &args, &[]));
        let resumed = stats(&url);
        ok(abcrm(&clean_db, &args, &[]));
        let clean = stats(&clean_db);
        for table in [
            "accounts",
            "contacts",
            "opportunities",
            "campaign_members",
            "activities",
            "intake_records",
            "needs_review",
        ] {
            assert_eq!(
                resumed[table], clean[table],
                "{table}: resumed {resumed} vs clean {clean}"
            );
        }
        assert_eq!(people(report.path()).len(), 10);
    }
}

/// The "Accounts created" section of summary.md.
fn accounts_created(report: &Path) -> String {
    let summary = std::fs::read_to_string(report.join("summary.md")).expect("summary.md");
    let start = summary
        .find("## Accounts created")
        .unwrap_or_else(|| panic!("no accounts created in {summary}"));
    let section = &summary[start..];
    let end = section[2..].find("\n## ").map_or(section.len(), |i| i + 2);
    section[..end].to_string()
}

/// Makes the database refuse (or, with `false`, accept again) the record of which person an
/// account was made from: a process that stops at that point.
async fn refuse_creators(url: &str, refuse: bool) {
    let sqlite = [
        "CREATE TRIGGER stop_here BEFORE INSERT ON external_ids WHEN NEW.object = 'created_account' \
         BEGIN SELECT RAISE(ABORT, 'the process stops here'); END",
    ];
    let postgres = [
        "CREATE FUNCTION stop_here() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN RAISE EXCEPTION 'the process stops here'; END $$",
        "CREATE TRIGGER stop_here BEFORE INSERT ON external_ids FOR EACH ROW \
         WHEN (NEW.object = 'created_account') EXECUTE FUNCTION stop_here()",
    ];
    if url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        for sql in if refuse {
            &sqlite[..]
        } else {
            &["DROP TRIGGER stop_here"][..]
        } {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        for sql in if refuse {
            &postgres[..]
        } else {
            &["DROP TRIGGER stop_here ON external_ids"][..]
        } {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }
}

#[tokio::test]
async fn a_migration_stopped_right_after_a_batch_commits_resumes_with_the_report_of_a_clean_run() {
    for (url, _guard) in backends().await {
        let dir = tiny();
        let args = |report: &Path| -> Vec<String> {
            [
                "migrate",
                "salesforce",
                dir.to_str().unwrap(),
                "--batch",
                "2",
                "--report",
            ]
            .into_iter()
            .map(String::from)
            .chain([report.to_str().unwrap().to_string()])
            .collect()
        };
        let run = |db: &str, report: &Path| {
            let args = args(report);
            abcrm(
                db,
                &args.iter().map(String::as_str).collect::<Vec<_>>(),
                &[],
            )
        };
        let clean_dir = tempfile::tempdir().unwrap();
        let clean_db = format!("sqlite://{}", clean_dir.path().join("clean.db").display());
        let clean = tempfile::tempdir().unwrap();
        ok(run(&clean_db, clean.path()));

        let resumed = tempfile::tempdir().unwrap();
        ok(abcrm(&url, &["stats"], &[]));
        refuse_creators(&url, true).await;
        let stopped = run(&url, resumed.path());
        assert!(!stopped.status.success(), "the refused write stops the run");
        refuse_creators(&url, false).await;
        ok(run(&url, resumed.path()));

        assert_eq!(people(resumed.path()), people(clean.path()), "{url}");
        assert_eq!(
            accounts_created(resumed.path()),
            accounts_created(clean.path()),
            "{url}"
        );
    }
}

/// The tiny export after Excel on Windows saved two of its files: Contact.csv as "CSV"
/// (Windows-1252, CRLF, with an accent the original lacks) and Lead.csv as Unicode text
/// (UTF-16 with its byte order mark, CRLF; its multi-line note and its malformed rows kept).
#[tokio::test]
async fn an_export_excel_saved_in_its_own_encodings_migrates_as_the_original_does() {
    let excel = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(tiny()).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), excel.path().join(f.file_name())).unwrap();
    }
    let original = |file: &str| std::fs::read_to_string(tiny().join(file)).unwrap();
    let contacts: Vec<u8> = original("Contact.csv")
        .replace('\n', "\r\n")
        .replace("Lovelace", "L\u{f6}velace")
        .chars()
        .map(|c| u8::try_from(u32::from(c)).expect("Latin-1, which Windows-1252 agrees with"))
        .collect();
    std::fs::write(excel.path().join("Contact.csv"), contacts).unwrap();
    let leads: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            original("Lead.csv")
                .replace('\n', "\r\n")
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    std::fs::write(excel.path().join("Lead.csv"), leads).unwrap();

    for (url, _guard) in backends().await {
        let migrate = |dir: &Path, report: &Path, url: &str| {
            ok(abcrm(
                url,
                &[
                    "migrate",
                    "salesforce",
                    dir.to_str().unwrap(),
                    "--report",
                    report.to_str().unwrap(),
                    "--dry-run",
                ],
                &[],
            ))
        };
        let (plain, saved) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        migrate(&tiny(), plain.path(), &url);
        migrate(excel.path(), saved.path(), &url);
        // The same decisions, and the same rows rejected on the same lines.
        assert_eq!(people(plain.path()), people(saved.path()), "{url}");
        let rejected = |dir: &Path| std::fs::read_to_string(dir.join("rejected.csv")).unwrap();
        assert_eq!(rejected(plain.path()), rejected(saved.path()), "{url}");
        let summary = std::fs::read_to_string(saved.path().join("summary.md")).unwrap();
        assert!(
            summary.contains("Contact.csv is not UTF-8; it was read as Windows-1252"),
            "{summary}"
        );
        assert!(!summary.contains("Lead.csv is not UTF-8"), "{summary}");

        ok(abcrm(
            &url,
            &["migrate", "salesforce", excel.path().to_str().unwrap()],
            &[],
        ));
        let listed = ok(abcrm(&url, &["contacts", "list"], &[]));
        assert!(listed.contains("Lövelace"), "{url}: {listed}");
    }
}

#[test]
fn a_file_without_its_id_column_stops_the_run_naming_file_line_and_column() {
    let src = tempfile::tempdir().unwrap();
    std::fs::write(
        src.path().join("Lead.csv"),
        "FirstName,LastName\nAda,Lovelace\n",
    )
    .unwrap();
    let db = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", db.path().join("a.db").display());
    let out = abcrm(
        &url,
        &["migrate", "salesforce", src.path().to_str().unwrap()],
        &[],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Lead.csv: line 1: the header has no `Id` column"),
        "{err}"
    );
}

/// The generated samples in testdata/, scored against their truth: every id once, and the
/// placement of leads and the duplicates found near the targets (the samples are small; the
/// full measurements are in BENCHMARKS.md).
#[test]
fn the_generated_samples_migrate_with_every_person_accounted_for() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    for (kind, dir, min_placement, min_duplicates) in [
        ("salesforce", "salesforce-small", 0.95, 0.85),
        ("hubspot", "hubspot-small", 0.95, 0.85),
    ] {
        let db = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", db.path().join("a.db").display());
        let report = db.path().join("report");
        let src = root.join(dir);
        ok(abcrm(
            &url,
            &[
                "migrate",
                kind,
                src.to_str().unwrap(),
                "--report",
                report.to_str().unwrap(),
            ],
            &[],
        ));
        let card: serde_json::Value = serde_json::from_str(&ok(abcrm(
            &url,
            &[
                "migrate-score",
                "--people",
                report.join("people.csv").to_str().unwrap(),
                "--truth",
                src.join("truth.csv").to_str().unwrap(),
                "--format",
                "json",
            ],
            &[],
        )))
        .unwrap();
        for list in ["missing", "repeated", "unknown"] {
            assert_eq!(card[list], serde_json::json!([]), "{kind}: {list}: {card}");
        }
        assert!(
            card["placement"]["f1"].as_f64().unwrap() >= min_placement,
            "{kind}: {card}"
        );
        assert!(
            card["duplicates"]["f1"].as_f64().unwrap() >= min_duplicates,
            "{kind}: {card}"
        );
    }
}
