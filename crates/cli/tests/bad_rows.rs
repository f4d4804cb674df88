//! `abcrm import` and `abcrm migrate` with bad rows: each is reported by its line, with what
//! identifies it and why, and every other row is written, on SQLite and PostgreSQL.

use std::process::{Command, Output};

fn abcrm(database: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_abcrm"))
        .arg("--database")
        .arg(database)
        .args(args)
        .env_remove("ABCRM_DATABASE_URL")
        .output()
        .expect("the abcrm binary runs")
}

/// Every backend's URL: a SQLite file, and a fresh PostgreSQL schema when PostgreSQL is there.
async fn backends() -> Vec<(String, Box<dyn std::any::Any>)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("abcrm.db").display());
    let mut out: Vec<(String, Box<dyn std::any::Any>)> = vec![(url, Box::new(dir))];
    if let Some(pg) = abcrm_store::testing::postgres().await {
        out.push((pg.url(), Box::new(pg)));
    }
    out
}

#[tokio::test]
async fn an_import_reports_each_bad_row_by_line_and_writes_every_other_row() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("people.csv");
    std::fs::write(
        &csv,
        format!(
            "First Name,Last Name,Email,Company\n\
             Ann,Doe,ann@initech.io,Initech\n\
             Bob,Doe,bob@globex.io,{}\n\
             C\u{0}y,Doe,cy@umbrella.io,Umbrella\n\
             ,,,Nobody Inc\n\
             Gus,Doe,gus@wayne.io,Wayne\n",
            "G".repeat(256)
        ),
    )
    .unwrap();
    for (url, _guard) in backends().await {
        let out = abcrm(&url, &["import", csv.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(out.status.success(), "{url}: {stderr}");
        assert!(stderr.contains("2 new contacts"), "{url}: {stderr}");
        assert!(stderr.contains("3 rejected"), "{url}: {stderr}");
        let line = |n: u64| {
            stderr
                .lines()
                .find(|l| l.contains(&format!("line {n}: rejected")))
                .unwrap_or_else(|| panic!("{url}: line {n} is not reported: {stderr}"))
                .to_string()
        };
        assert!(
            line(3).contains("Bob Doe, bob@globex.io") && line(3).contains("company: is 256"),
            "{}",
            line(3)
        );
        assert!(line(4).contains("U+0000"), "{}", line(4));
        assert!(
            line(5).contains("Nobody Inc") && line(5).contains("no name"),
            "{}",
            line(5)
        );
    }
}

/// The tiny Salesforce export with a lead whose company is 256 characters, a lead with a NUL
/// in its name and an account whose name is 256 characters, each on a line of its own.
fn export_with_bad_rows() -> (tempfile::TempDir, u64, u64) {
    let tiny = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/salesforce-tiny");
    let dir = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(&tiny).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), dir.path().join(f.file_name())).unwrap();
    }
    let append = |file: &str, row: String| -> u64 {
        let path = dir.path().join(file);
        let mut text = std::fs::read_to_string(&path).unwrap();
        let line = text.matches('\n').count() as u64 + 1;
        text.push_str(&row);
        std::fs::write(&path, text).unwrap();
        line
    };
    let lead = |id: &str, first: &str, company: &str| {
        format!("{id},{first},Doe,{}@initrode.io,{company},,,,,,,,,,Open,,false,,,,,,2024-01-10T10:00:00.000Z,,\n", first.to_lowercase().replace('\0', ""))
    };
    let long = append("Lead.csv", lead("00Q0000000000L1", "Lou", &"L".repeat(256)));
    let nul = append("Lead.csv", lead("00Q0000000000L2", "Nu\0l", "Initrode"));
    append(
        "Account.csv",
        format!(
            "001000000000L03,{},,,,,,,,,,,,2023-01-05T10:00:00.000Z,\n",
            "A".repeat(256)
        ),
    );
    (dir, long, nul)
}

#[tokio::test]
async fn a_migration_reports_bad_rows_by_line_and_migrates_every_other_row() {
    let (export, long, nul) = export_with_bad_rows();
    for (url, _guard) in backends().await {
        let report = tempfile::tempdir().unwrap();
        let out = abcrm(
            &url,
            &[
                "migrate",
                "salesforce",
                export.path().to_str().unwrap(),
                "--report",
                report.path().to_str().unwrap(),
            ],
        );
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(out.status.success(), "{url}: {stderr}");
        let rejected = std::fs::read_to_string(report.path().join("rejected.csv")).unwrap();
        let at = |file: &str, line: u64| {
            rejected
                .lines()
                .find(|l| l.starts_with(&format!("{file},{line},")))
                .unwrap_or_else(|| {
                    panic!("{url}: {file} line {line} is not in rejected.csv:\n{rejected}")
                })
                .to_string()
        };
        assert!(
            at("Lead.csv", long).contains("company: is 256"),
            "{rejected}"
        );
        assert!(at("Lead.csv", nul).contains("U+0000"), "{rejected}");
        assert!(at("Account.csv", 6).contains("name: is 256"), "{rejected}");
        let stats: serde_json::Value =
            serde_json::from_slice(&abcrm(&url, &["stats"]).stdout).unwrap();
        assert_eq!(
            stats["accounts"].as_i64().map(|n| n >= 3),
            Some(true),
            "{url}: {stats}"
        );
    }
}
