//! `kill -9` at random points: of `serve` during a burst of writes, of `import` and of `migrate`,
//! on SQLite and PostgreSQL. After a restart (or a rerun, which resumes), nothing acknowledged is
//! lost, nothing is doubled, and a resumed run leaves what a clean run leaves.
//!
//! The kill points come from a seed printed with each case (`ABCRM_CHAOS_SEED` repeats a run).

use rand::{Rng, SeedableRng};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn command(database: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_abcrm"));
    cmd.args(args)
        .arg("--database")
        .arg(database)
        .env_remove("ABCRM_DATABASE_URL");
    cmd
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

fn run(database: &str, args: &[&str]) -> String {
    ok(command(database, args).output().expect("abcrm runs"))
}

fn stats(database: &str) -> serde_json::Value {
    serde_json::from_str(&run(database, &["stats"])).expect("stats json")
}

fn seeded() -> rand_chacha::ChaCha8Rng {
    let seed = std::env::var("ABCRM_CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::thread_rng().gen::<u64>());
    eprintln!("chaos seed: {seed} (ABCRM_CHAOS_SEED={seed} repeats it)");
    rand_chacha::ChaCha8Rng::seed_from_u64(seed)
}

/// Fresh, empty databases: a SQLite file and, when PostgreSQL is there, a schema. Each comes
/// with the guard that keeps it.
async fn fresh() -> Vec<(String, Box<dyn std::any::Any>)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("abcrm.db").display());
    let mut out: Vec<(String, Box<dyn std::any::Any>)> = vec![(url, Box::new(dir))];
    if let Some(pg) = abcrm_store::testing::postgres().await {
        out.push((pg.url(), Box::new(pg)));
    }
    out
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts `serve` and waits until it listens.
fn serve(database: &str, bind: &str) -> Child {
    let mut child = command(database, &["serve", "--bind", bind])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let stderr = child.stderr.take().expect("stderr");
    let started = Instant::now();
    let mut lines = BufReader::new(stderr).lines();
    for line in lines.by_ref() {
        if line.is_ok_and(|l| l.contains("is listening")) {
            // Keep draining stderr so the server never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return child;
        }
        if started.elapsed() > Duration::from_secs(120) {
            break;
        }
    }
    kill_9(&mut child);
    panic!("serve did not start listening");
}

/// `kill -9` (SIGKILL: no cleanup, no graceful shutdown) and reap.
fn kill_9(child: &mut Child) {
    child.kill().expect("SIGKILL");
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_killed_during_a_burst_of_writes_keeps_every_acknowledged_write_once() {
    let mut rng = seeded();
    for (url, _guard) in fresh().await {
        let token = run(&url, &["token", "create"]).trim().to_string();
        let bind = format!("127.0.0.1:{}", free_port());
        let mut server = serve(&url, &bind);
        let client = reqwest::Client::new();
        let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let writers: Vec<_> = (0..8)
            .map(|w| {
                let (client, token, bind, acked) =
                    (client.clone(), token.clone(), bind.clone(), acked.clone());
                tokio::spawn(async move {
                    for i in 0..10_000 {
                        let name = format!("Chaos {w}-{i}");
                        let sent = client
                            .post(format!("http://{bind}/api/v1/accounts"))
                            .bearer_auth(&token)
                            .json(&serde_json::json!({"name": name, "domains": [format!("chaos-{w}-{i}.example")]}))
                            .send()
                            .await;
                        match sent {
                            Ok(r) if r.status() == 201 => acked.lock().unwrap().push(name),
                            Ok(r) => panic!("{name}: {} {}", r.status(), r.text().await.unwrap_or_default()),
                            Err(_) => return, // the server is gone
                        }
                    }
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(rng.gen_range(300..1500))).await;
        kill_9(&mut server);
        for w in writers {
            w.await.expect("a writer");
        }
        let acked = acked.lock().unwrap().clone();
        assert!(
            !acked.is_empty(),
            "{url}: some writes were acknowledged before the kill"
        );

        let mut server = serve(&url, &bind);
        let mut names = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page: serde_json::Value = client
                .get(format!("http://{bind}/api/v1/accounts"))
                .query(&[
                    ("limit", "1000"),
                    ("cursor", cursor.as_deref().unwrap_or("")),
                ])
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            names.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a["name"].as_str().unwrap().to_string()),
            );
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        kill_9(&mut server);
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            names.len(),
            "{url}: an account was written twice"
        );
        let missing: Vec<&String> = acked.iter().filter(|n| !names.contains(n)).collect();
        assert!(
            missing.is_empty(),
            "{url}: acknowledged but lost: {missing:?}"
        );
        // Every account kept has its audit row, written in the same transaction.
        let counts = stats(&url);
        assert_eq!(
            counts["accounts"].as_u64(),
            Some(names.len() as u64),
            "{url}: {counts}"
        );
    }
}

/// A CSV of `n` people at `n / 5` companies, some of them twice.
fn people_csv(dir: &Path, n: usize) -> String {
    let path = dir.join("people.csv");
    let mut w = csv::Writer::from_path(&path).expect("a csv");
    w.write_record([
        "first_name",
        "last_name",
        "email",
        "company",
        "title",
        "country",
    ])
    .unwrap();
    for i in 0..n {
        let company = i / 5;
        let person = if i % 17 == 0 { i.saturating_sub(1) } else { i };
        w.write_record([
            format!("First{person}"),
            format!("Last{person}"),
            format!("p{person}@company{company}.example"),
            format!("Company {company} Inc"),
            "Director of IT".to_string(),
            "US".to_string(),
        ])
        .unwrap();
    }
    w.flush().unwrap();
    path.display().to_string()
}

/// What a run leaves that must not depend on where an earlier run was killed.
fn outcome(counts: &serde_json::Value) -> Vec<(&'static str, serde_json::Value)> {
    [
        "accounts",
        "contacts",
        "opportunities",
        "campaign_members",
        "activities",
        "intake_records",
        "needs_review",
    ]
    .into_iter()
    .map(|t| (t, counts[t].clone()))
    .collect()
}

/// Runs `args` killed at a random moment (up to `within`), then again to the end.
fn killed_then_resumed(database: &str, args: &[&str], within: Duration, rng: &mut impl Rng) {
    let mut child = command(database, args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("abcrm starts");
    let at = Duration::from_millis(rng.gen_range(50..within.as_millis().max(51) as u64));
    std::thread::sleep(at);
    kill_9(&mut child);
    eprintln!("{database}: {} killed after {at:?}", args[0]);
    run(database, args);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_killed_at_random_points_resumes_to_what_a_clean_import_leaves() {
    let mut rng = seeded();
    let files = tempfile::tempdir().unwrap();
    let csv = people_csv(files.path(), 3_000);
    let clean_dir = tempfile::tempdir().unwrap();
    let clean = format!("sqlite://{}", clean_dir.path().join("clean.db").display());
    let started = Instant::now();
    run(&clean, &["import", &csv, "--batch", "250"]);
    let took = started.elapsed();
    let expected = outcome(&stats(&clean));
    for (url, _guard) in fresh().await {
        for _ in 0..3 {
            killed_then_resumed(&url, &["import", &csv, "--batch", "250"], took, &mut rng);
        }
        assert_eq!(outcome(&stats(&url)), expected, "{url}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_migration_killed_at_random_points_resumes_to_the_clean_runs_report() {
    let mut rng = seeded();
    let export = tempfile::tempdir().unwrap();
    let out = export.path().to_str().unwrap();
    run(
        "sqlite::memory:",
        &[
            "synth-export",
            "--format",
            "salesforce",
            "--out",
            out,
            "--accounts",
            "150",
            "--contacts",
            "600",
            "--leads",
            "600",
        ],
    );
    let clean_dir = tempfile::tempdir().unwrap();
    let clean = format!("sqlite://{}", clean_dir.path().join("clean.db").display());
    let clean_report = tempfile::tempdir().unwrap();
    let args = |report: &Path| -> Vec<String> {
        ["migrate", "salesforce", out, "--batch", "200", "--report"]
            .into_iter()
            .map(str::to_string)
            .chain([report.display().to_string()])
            .collect()
    };
    let started = Instant::now();
    let clean_args = args(clean_report.path());
    run(
        &clean,
        &clean_args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let took = started.elapsed();
    let expected = outcome(&stats(&clean));
    let expected_people = std::fs::read_to_string(clean_report.path().join("people.csv")).unwrap();
    for (url, _guard) in fresh().await {
        let report = tempfile::tempdir().unwrap();
        let resumed_args = args(report.path());
        let resumed_args: Vec<&str> = resumed_args.iter().map(String::as_str).collect();
        for _ in 0..3 {
            killed_then_resumed(&url, &resumed_args, took, &mut rng);
        }
        assert_eq!(outcome(&stats(&url)), expected, "{url}");
        let people = std::fs::read_to_string(report.path().join("people.csv")).unwrap();
        assert_eq!(
            sorted_lines(&people),
            sorted_lines(&expected_people),
            "{url}: people.csv"
        );
    }
}

fn sorted_lines(s: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = s.lines().collect();
    lines.sort_unstable();
    lines
}
