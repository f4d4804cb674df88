//! Drives the real `abcrm` binary against real SQLite files and real PostgreSQL schemas.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn abcrm(database: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_abcrm"))
        .arg("--database")
        .arg(database)
        .args(args)
        .env_remove("ABCRM_DATABASE_URL")
        .output()
        .expect("the abcrm binary runs")
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

/// A SQLite URL in a fresh temporary directory, kept alive by the returned guard.
fn sqlite_url() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("abcrm.db").display());
    (dir, url)
}

/// Every backend's URL: a SQLite file, and a fresh PostgreSQL schema when PostgreSQL is there.
async fn backends() -> Vec<(String, Box<dyn std::any::Any>)> {
    let (dir, url) = sqlite_url();
    let mut out: Vec<(String, Box<dyn std::any::Any>)> = vec![(url, Box::new(dir))];
    if let Some(pg) = abcrm_store::testing::postgres().await {
        out.push((pg.url(), Box::new(pg)));
    }
    out
}

/// Questions asked of the demo on every backend; the answers must agree.
const DEMO_QUESTIONS: &[&[&str]] = &[
    &["segment", "run", SEED_SEGMENT, "--format", "csv"],
    &[
        "segment",
        "run",
        r#"has activity where kind = "webinar" and occurred_at > -90d or in campaign "Q3 Summit""#,
        "--format",
        "csv",
        "--columns",
        "salesforce",
    ],
    &[
        "segment",
        "run",
        r#"account.ultimate_parent.relationship = "customer" and contact.buying_role is empty"#,
        "--format",
        "csv",
    ],
    &[
        "segment",
        "run",
        r#"not has contact where seniority >= "director" and account.employees >= 100"#,
        "--target",
        "account",
        "--format",
        "csv",
    ],
    &[
        "segment",
        "run",
        r#"has opportunity where stage not in ("closed_won", "closed_lost") and amount > 50000"#,
        "--target",
        "account",
        "--format",
        "csv",
        "--columns",
        "hubspot",
    ],
    &[
        "report",
        "sales-cycles",
        "--by",
        "campaign",
        "--format",
        "json",
    ],
    &[
        "report",
        "sales-cycles",
        "--period",
        "week",
        "--segment",
        SEED_SEGMENT,
    ],
    &["report", "funnel", "--cohorts"],
    &["report", "pipeline", "--format", "json"],
    &["report", "coverage", "--limit", "1000", "--format", "json"],
    &["report", "influence", "--format", "json"],
    &[
        "report",
        "influence",
        "--hierarchy",
        "--all-touches",
        "--window-days",
        "30",
    ],
    &["report", "nurture"],
    &["report", "cost-per-cycle", "--format", "json"],
    &[
        "report",
        "cost-per-cycle",
        "--hierarchy",
        "--window-days",
        "180",
    ],
];

/// The design's seed segment: managers or directors at California software companies that are
/// not customers.
const SEED_SEGMENT: &str = r#"contact.seniority in ("manager", "director") and account.state = "CA" and account.industry = "Software" and account.relationship not in ("customer", "former_customer")"#;

#[tokio::test(flavor = "multi_thread")]
async fn demo_loads_a_realistic_dataset_once_on_each_backend() {
    let backends = backends().await;
    for (url, _guard) in &backends {
        let url = url.as_str();
        ok(abcrm(url, &["demo"]));
        let stats: serde_json::Value = serde_json::from_str(&ok(abcrm(url, &["stats"]))).unwrap();
        let n = |k: &str| stats[k].as_i64().unwrap();
        assert!(n("accounts") >= 500, "{url}: {stats}");
        assert!(n("contacts") >= 5_000, "{url}: {stats}");
        assert!(
            n("opportunities") >= 100 && n("campaigns") >= 10 && n("activities") >= 10_000,
            "{url}: {stats}"
        );

        let again = abcrm(url, &["demo"]);
        assert!(!again.status.success());
        assert!(
            String::from_utf8_lossy(&again.stderr).contains("already has"),
            "{url}: a second demo load is refused with the reason"
        );

        let accounts: serde_json::Value = serde_json::from_str(&ok(abcrm(
            url,
            &["accounts", "list", "--limit", "3", "--format", "json"],
        )))
        .unwrap();
        assert_eq!(accounts.as_array().unwrap().len(), 3, "{url}");
        let view = ok(abcrm(url, &["accounts", "show", "1"]));
        assert!(view.contains("Buying center"), "{url}: {view}");

        let seed = ok(abcrm(url, &["segment", "count", SEED_SEGMENT]));
        assert!(
            seed.trim().parse::<u64>().unwrap() >= 20,
            "{url}: the seed segment has {seed}"
        );
    }
    // Each question is put to every backend back to back: "engaged" and "-90d" count from the
    // moment of asking, so answers taken a whole load apart could differ on an activity that
    // crossed the boundary in between.
    for question in DEMO_QUESTIONS {
        let answers: Vec<(&str, String)> = backends
            .iter()
            .map(|(url, _)| (url.as_str(), ok(abcrm(url, question))))
            .collect();
        let (first, a) = &answers[0];
        assert!(
            a.lines().count() > 1,
            "{question:?} selects nothing on the demo"
        );
        for (url, b) in &answers[1..] {
            assert!(
                a == b,
                "{question:?}: {first} and {url} disagree:\n{a}\n---\n{b}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_is_the_same_for_the_same_seed() {
    let (_a, first) = sqlite_url();
    let (_b, second) = sqlite_url();
    ok(abcrm(&first, &["demo", "--seed", "7"]));
    ok(abcrm(&second, &["demo", "--seed", "7"]));
    let list = |url: &str| {
        ok(abcrm(
            url,
            &["contacts", "list", "--limit", "200", "--format", "json"],
        ))
    };
    let strip = |s: String| -> Vec<serde_json::Value> {
        let mut v: Vec<serde_json::Value> = serde_json::from_str(&s).unwrap();
        for c in &mut v {
            let o = c.as_object_mut().unwrap();
            o.remove("created_at");
            o.remove("updated_at");
        }
        v
    };
    assert_eq!(strip(list(&first)), strip(list(&second)));
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `abcrm serve` and waits until it says it is listening; returns what it printed.
fn serve(dir: &std::path::Path, args: &[&str]) -> (Server, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_abcrm"))
        .current_dir(dir)
        .arg("serve")
        .args(args)
        .env_remove("ABCRM_DATABASE_URL")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("abcrm serve starts");
    let stderr = child.stderr.take().unwrap();
    let server = Server(child);
    let mut lines = Vec::new();
    let started = Instant::now();
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        let done = line.contains("Try:") || line.contains("Create an API token");
        lines.push(line);
        if done {
            return (server, lines);
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "serve did not start: {lines:?}"
        );
    }
    panic!("serve exited early: {lines:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_from_the_cli_opens_the_api_and_no_token_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("abcrm.db").display());
    let secret = ok(abcrm(
        &url,
        &[
            "token",
            "create",
            "--user",
            "ops@example.com",
            "--name",
            "test",
        ],
    ))
    .trim()
    .to_string();
    assert!(secret.starts_with("abcrm_"), "{secret}");
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let (_server, _) = serve(dir.path(), &["--database", &url, "--bind", &bind]);
    let client = reqwest::Client::new();
    let api = format!("http://{bind}/api/v1/accounts");
    let with = client.get(&api).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(with.status(), 200);
    let without = client.get(&api).send().await.unwrap();
    assert_eq!(without.status(), 401);
}

/// `abcrm ARGS` in `dir` on its default database, as a person follows the README.
fn abcrm_in(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_abcrm"))
        .current_dir(dir)
        .args(args)
        .env_remove("ABCRM_DATABASE_URL")
        .output()
        .expect("the abcrm binary runs")
}

fn demo_token(lines: &[String]) -> String {
    lines
        .iter()
        .find_map(|l| l.split("Demo API token (admin): ").nth(1))
        .unwrap_or_else(|| panic!("no token printed: {lines:?}"))
        .trim()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_demo_keeps_what_was_added_shares_the_clis_database_and_resets_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let bind = format!("127.0.0.1:{}", free_port());
    let client = reqwest::Client::new();
    let api = format!("http://{bind}/api/v1");
    let (server, lines) = serve(dir.path(), &["--demo", "--bind", &bind]);
    assert!(
        lines.iter().any(|l| l.contains("Loaded the demo")),
        "{lines:?}"
    );
    let token = demo_token(&lines);
    let body: serde_json::Value = client
        .get(format!("{api}/accounts?limit=5"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["items"].as_array().map(Vec::len), Some(5), "{body}");
    // A token the CLI makes with no --database opens the API `serve --demo` serves.
    let cli_token = ok(abcrm_in(dir.path(), &["token", "create"]))
        .trim()
        .to_string();
    let seen = client
        .get(format!("{api}/accounts/1"))
        .bearer_auth(&cli_token)
        .send()
        .await
        .unwrap();
    assert_eq!(seen.status(), 200);
    let added: serde_json::Value = client
        .post(format!("{api}/accounts"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "Added By Hand GmbH", "country": "DE"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let added = format!("{api}/accounts/{}", added["id"]);
    // While it runs, a reset is refused rather than removing the file under it.
    let refused = abcrm_in(
        dir.path(),
        &["serve", "--demo", "--reset", "--bind", "127.0.0.1:0"],
    );
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("open in another process"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    drop(server);

    // A second start keeps the demo and what was added, with a fresh token.
    let (server, lines) = serve(dir.path(), &["--demo", "--bind", &bind]);
    assert!(
        lines.iter().any(|l| l.contains("Serving the demo already")),
        "{lines:?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("Loaded the demo")),
        "{lines:?}"
    );
    let token = demo_token(&lines);
    let kept = client.get(&added).bearer_auth(&token).send().await.unwrap();
    assert_eq!(kept.status(), 200);
    drop(server);

    // --reset loads it afresh: what was added is gone.
    let (_server, lines) = serve(dir.path(), &["--demo", "--reset", "--bind", &bind]);
    assert!(
        lines.iter().any(|l| l.contains("Loaded the demo")),
        "{lines:?}"
    );
    let token = demo_token(&lines);
    let gone = client.get(&added).bearer_auth(&token).send().await.unwrap();
    assert_eq!(gone.status(), 404);
}

#[test]
fn serve_demo_never_mixes_the_demo_into_other_data_nor_resets_it() {
    let (dir, url) = sqlite_url();
    let people = dir.path().join("people.csv");
    std::fs::write(
        &people,
        "first_name,last_name,email,company\nAda,Lovelace,ada@acme.com,Acme Corp\n",
    )
    .unwrap();
    ok(abcrm(&url, &["import", people.to_str().unwrap()]));
    for args in [
        &["serve", "--demo", "--bind", "127.0.0.1:0"][..],
        &["serve", "--demo", "--reset", "--bind", "127.0.0.1:0"][..],
    ] {
        let out = abcrm(&url, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}: {stderr}");
        assert!(
            stderr.contains("1 accounts that are not the demo"),
            "{args:?}: {stderr}"
        );
    }
    let stats: serde_json::Value = serde_json::from_str(&ok(abcrm(&url, &["stats"]))).unwrap();
    assert_eq!(stats["accounts"], 1, "{stats}");
    assert_eq!(stats["contacts"], 1, "{stats}");
}

#[test]
fn match_places_people_reports_bad_rows_by_line_and_writes_every_good_one() {
    let dir = tempfile::tempdir().unwrap();
    let accounts = dir.path().join("accounts.csv");
    let people = dir.path().join("people.csv");
    let out = dir.path().join("matches.csv");
    std::fs::write(&accounts, "id,name,domain,duns,country,state,city,parent_id\nA1,Acme Corporation,acme.com;acme.io,,US,CA,San Jose,\nA2,Acme Deutschland GmbH,acme.de,,DE,,,A1\nA3,Globex Inc,globex.com,,US,NY,,\n").unwrap();
    std::fs::write(
        &people,
        "id,first_name,last_name,email,company,title,country,state,city,phone\n\
         p1,Ada,Lovelace,ada@ACME.com,,CTO,,,,\n\
         p2,Hans,Meier,hans@mail.acme.de,,,,,,\n\
         p3,Bob,Smith,bob.smith@gmail.com,\"ACME corp.\",,US,CA,,\n\
         p4,broken,row\n\
         p5,Robert,Smith,rsmith@gmail.com,Acme Corporation,,US,CA,,\n\
         p6,Peter,Gibbons,peter@initech.com,Initech,,,,,\n\
         p7,Ada,Lovelace,Ada@acme.com,,,,,,\n",
    )
    .unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_abcrm"))
        .args(["match", "--accounts"])
        .arg(&accounts)
        .arg("--people")
        .arg(&people)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        stderr.contains("line 5"),
        "the malformed row is named by its line: {stderr}"
    );
    let rows: Vec<Vec<String>> = csv::Reader::from_path(&out)
        .unwrap()
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    let by_id = |id: &str| {
        rows.iter()
            .find(|r| r[0] == id)
            .unwrap_or_else(|| panic!("{id} missing from {rows:?}"))
            .clone()
    };
    assert_eq!(rows.len(), 6, "{rows:?}");
    assert_eq!(by_id("p1")[1..4], ["A1", "", "email_domain"]);
    assert_eq!(
        by_id("p2")[1],
        "A2",
        "a subsidiary's domain matches the subsidiary"
    );
    assert_eq!(
        by_id("p3")[1],
        "A1",
        "a free-mail person is placed by company name"
    );
    assert_eq!(by_id("p5")[2], "p3", "Robert is the Bob of p3");
    assert_eq!(by_id("p6")[5], "new_account");
    assert_eq!(
        by_id("p7")[2],
        "p1",
        "the same email in another case is a duplicate"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn import_places_people_from_csv_and_vcard_and_a_second_run_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("leads.csv");
    // A Salesforce-style export: BOM, CRLF, quoted commas, a short row, a nameless row, the
    // same person twice (email case differs), free-mail, and a column abcrm does not know.
    std::fs::write(
        &csv,
        "\u{feff}Lead ID,First Name,Last Name,Email,Company,Title,City,State/Province,Lead Source\r\n\
         00Q1,Ada,Lovelace,ada@analytical.co.uk,\"Analytical Engines, Ltd.\",CTO,London,,Web\r\n\
         00Q2,Charles,Babbage,charles@analytical.co.uk,Analytical Engines,VP Engineering,London,,Web\r\n\
         00Q3,ADA,LOVELACE,ADA@Analytical.co.uk,Analytical Engines Ltd,,,,Event\r\n\
         00Q4,Grace,Hopper,grace@gmail.com,Navy Labs,Rear Admiral,Arlington,VA,Web\r\n\
         00Q5,,,,Nobody Inc,,,,Web\r\n\
         00Q6,Short,Row\r\n",
    )
    .unwrap();
    let vcf = dir.path().join("cards.vcf");
    std::fs::write(
        &vcf,
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Hamilton;Margaret;;;\r\nFN:Margaret Hamilton\r\nORG:Apollo Systems\r\nTITLE:Director of Software\r\nEMAIL;TYPE=work:margaret@apollo-systems.com\r\nEND:VCARD\r\n",
    )
    .unwrap();
    for (url, _guard) in backends().await {
        let out = abcrm(&url, &["import", csv.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(out.status.success(), "{url}: {stderr}");
        assert!(
            stderr.contains("columns not imported: Lead Source"),
            "{stderr}"
        );
        assert!(
            stderr.contains("line 7"),
            "the short row is named: {stderr}"
        );
        assert!(stderr.contains("Imported 5 records"), "{stderr}");
        assert!(
            stderr.contains("2 new contacts, 1 merged into existing contacts"),
            "{stderr}"
        );
        assert!(stderr.contains("1 rejected"), "{stderr}");
        assert!(stderr.contains("1 new account\n"), "{stderr}");
        assert!(stderr.contains("1 waiting in review"), "{stderr}");
        ok(abcrm(&url, &["import", vcf.to_str().unwrap()]));

        let stats: serde_json::Value = serde_json::from_str(&ok(abcrm(&url, &["stats"]))).unwrap();
        assert_eq!(stats["accounts"], 2, "{url}: {stats}");
        assert_eq!(stats["contacts"], 3, "{url}: {stats}");
        assert_eq!(stats["intake_records"], 6, "{url}: {stats}");
        assert_eq!(stats["needs_review"], 1, "{url}: {stats}");

        let again = abcrm(&url, &["import", csv.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&again.stderr).to_string();
        assert!(again.status.success(), "{stderr}");
        assert!(stderr.contains("Imported 0 records"), "{stderr}");
        assert!(stderr.contains("5 already imported before"), "{stderr}");
        let after: serde_json::Value = serde_json::from_str(&ok(abcrm(&url, &["stats"]))).unwrap();
        assert_eq!(stats, after, "{url}: a re-import writes nothing");

        let missing = abcrm(&url, &["import", "/nonexistent/people.csv"]);
        assert!(!missing.status.success());
        assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/people.csv"));
    }
}

#[tokio::test]
async fn enrich_fills_accounts_reports_conflicts_unknown_and_rejected_rows_and_a_dry_run_changes_nothing(
) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dnb.csv");
    // A vendor export: its own header spellings, a website for a domain, thousands separators,
    // a value a person entered that the file disagrees with, an unknown company, a bad number.
    std::fs::write(
        &file,
        "Website,Company Name,Industry,Number of Employees,Annual Revenue,City,Notes\r\n\
         https://www.acme.com/,Acme,Software,\"1,200\",\"$5,000,000\",Boston,x\r\n\
         globex.com,Globex,Retail,300,,Springfield,\r\n\
         initech.com,Initech,Software,many,,Austin,\r\n\
         ,Nameless,Software,10,,,\r\n",
    )
    .unwrap();
    for (url, _guard) in backends().await {
        let store = abcrm_store::open(&url).await.unwrap();
        let acme = store
            .create_account(
                &abcrm_core::model::Actor::system("user:ada@example.com"),
                abcrm_core::model::NewAccount {
                    name: "Acme".into(),
                    domains: vec!["acme.com".into()],
                    city: Some("Cambridge".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let reports = dir.path().join(format!("report-{:?}", store.backend()));
        let run = |extra: &[&str]| {
            let mut args = vec![
                "enrich",
                file.to_str().unwrap(),
                "--by",
                "domain",
                "--report",
                reports.to_str().unwrap(),
            ];
            args.extend_from_slice(extra);
            abcrm(&url, &args)
        };

        let dry = run(&["--dry-run"]);
        let stderr = String::from_utf8_lossy(&dry.stderr).to_string();
        assert!(dry.status.success(), "{url}: {stderr}");
        assert!(stderr.contains("Dry run, nothing changed"), "{stderr}");
        assert_eq!(store.get_account(acme.id).await.unwrap().industry, None);

        let out = run(&[]);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(out.status.success(), "{url}: {stderr}");
        assert!(stderr.contains("columns not read: Notes"), "{stderr}");
        assert!(stderr.contains("1 account updated"), "{stderr}");
        assert!(stderr.contains("3 fields filled"), "{stderr}");
        assert!(stderr.contains("1 conflict ("), "{stderr}");
        assert!(
            stderr.contains("1 unknown key, 2 rejected rows"),
            "{stderr}"
        );
        let after = store.get_account(acme.id).await.unwrap();
        assert_eq!(
            (
                after.industry.as_deref(),
                after.employees,
                after.city.as_deref()
            ),
            (Some("Software"), Some(1200), Some("Cambridge")),
            "{url}"
        );

        let read = |name: &str| std::fs::read_to_string(reports.join(name)).unwrap();
        let conflicts = read("conflicts.csv");
        assert!(
            conflicts.contains(&format!(
                "2,{},Acme,acme.com,city,Cambridge,entered (user:ada@example.com)",
                acme.id
            )),
            "{conflicts}"
        );
        assert!(read("unknown.csv").contains("3,globex.com,"), "{url}");
        let rejected = read("rejected.csv");
        assert!(
            rejected.contains("4,Number of Employees,\"\"\"many\"\" is not a whole number\""),
            "{rejected}"
        );
        assert!(rejected.contains("5,Website,is empty"), "{rejected}");

        let missing_key = abcrm(&url, &["enrich", file.to_str().unwrap(), "--by", "duns"]);
        assert!(!missing_key.status.success());
        let stderr = String::from_utf8_lossy(&missing_key.stderr);
        assert!(
            stderr.contains("dnb.csv: no duns column") && stderr.contains("--by domain"),
            "{stderr}"
        );
    }
}

/// `abcrm user create` with `input` on stdin.
fn abcrm_stdin(database: &str, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_abcrm"))
        .arg("--database")
        .arg(database)
        .args(args)
        .env_remove("ABCRM_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the abcrm binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Signs in through the web UI's form; the session cookie when it worked.
async fn web_sign_in(base: &str, email: &str, password: &str) -> Option<String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = client.get(format!("{base}/login")).send().await.unwrap();
    let cookie = |res: &reqwest::Response, name: &str| {
        res.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
            .find(|c| c.starts_with(&format!("{name}=")) && c.len() > name.len() + 1)
    };
    let login_cookie = cookie(&form, "abcrm_login").unwrap();
    let body = form.text().await.unwrap();
    let marker = "name=\"form_token\" value=\"";
    let start = body.find(marker).unwrap() + marker.len();
    let token = &body[start..start + body[start..].find('"').unwrap()];
    let res = client
        .post(format!("{base}/login"))
        .header("cookie", login_cookie)
        .form(&[
            ("email", email),
            ("password", password),
            ("form_token", token),
        ])
        .send()
        .await
        .unwrap();
    cookie(&res, "abcrm_session")
}

#[tokio::test(flavor = "multi_thread")]
async fn users_made_by_the_cli_sign_in_to_the_web_ui() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("abcrm.db").display());
    let create = [
        "user",
        "create",
        "--email",
        "pat@example.com",
        "--name",
        "Pat Lee",
        "--role",
        "sales",
        "--password-stdin",
    ];
    ok(abcrm_stdin(&url, &create, "a long passphrase\n"));
    let again = abcrm_stdin(&url, &create, "another long one\n");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("can already sign in"));
    let short = abcrm_stdin(
        &url,
        &[
            "user",
            "create",
            "--email",
            "s@example.com",
            "--password-stdin",
        ],
        "short\n",
    );
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 10 characters"));
    let made_up = ok(abcrm(
        &url,
        &["user", "create", "--email", "gen@example.com"],
    ));
    let made_up = made_up.trim();
    assert_eq!(
        made_up.len(),
        16,
        "a made-up password is printed once: {made_up}"
    );
    let nobody = abcrm(&url, &["user", "password", "--email", "nobody@example.com"]);
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("no user has the email"));

    let bind = format!("127.0.0.1:{}", free_port());
    let (_server, _) = serve(dir.path(), &["--database", &url, "--bind", &bind]);
    let base = format!("http://{bind}");
    assert!(web_sign_in(&base, "pat@example.com", "a long passphrase")
        .await
        .is_some());
    assert!(web_sign_in(&base, "gen@example.com", made_up)
        .await
        .is_some());
    assert!(web_sign_in(&base, "pat@example.com", "a wrong passphrase")
        .await
        .is_none());
    // A new password replaces the old one.
    ok(abcrm_stdin(
        &url,
        &[
            "user",
            "password",
            "--email",
            "pat@example.com",
            "--password-stdin",
        ],
        "the next long passphrase\n",
    ));
    assert!(web_sign_in(&base, "pat@example.com", "a long passphrase")
        .await
        .is_none());
    assert!(
        web_sign_in(&base, "pat@example.com", "the next long passphrase")
            .await
            .is_some()
    );
}

#[tokio::test]
async fn accounts_merge_and_undo_merge_from_the_command_line() {
    for (url, _guard) in backends().await {
        let store = abcrm_store::open(&url).await.unwrap();
        let actor = abcrm_core::model::Actor::system("test");
        let mut ids = Vec::new();
        for (name, domain, city) in [
            ("Hooli", "hooli.com", None),
            ("Hooli Inc", "hooli.io", Some("Palo Alto")),
        ] {
            let a = store
                .create_account(
                    &actor,
                    abcrm_core::model::NewAccount {
                        name: name.into(),
                        domains: vec![domain.into()],
                        city: city.map(String::from),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            ids.push(a.id.0.to_string());
        }
        let (survivor, merged) = (ids[0].as_str(), ids[1].as_str());
        let bad = abcrm(
            &url,
            &["account", "merge", survivor, merged, "--take", "colour"],
        );
        assert!(!bad.status.success());
        assert!(
            String::from_utf8_lossy(&bad.stderr).contains("not a field a merge decides"),
            "{}",
            String::from_utf8_lossy(&bad.stderr)
        );
        let out = ok(abcrm(
            &url,
            &[
                "account", "merge", survivor, merged, "--take", "name", "--format", "json",
            ],
        ));
        let merge: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(merge["survivor"]["name"], "Hooli Inc", "{out}");
        assert_eq!(merge["survivor"]["city"], "Palo Alto", "{out}");
        assert_eq!(
            merge["survivor"]["domains"],
            serde_json::json!(["hooli.com", "hooli.io"])
        );
        let merge_id = merge["id"].to_string();
        let out = ok(abcrm(&url, &["accounts", "undo-merge", &merge_id]));
        assert!(out.contains(&format!("account {merged} is back")), "{out}");
        let back = store
            .get_account(abcrm_core::AccountId(merged.parse().unwrap()))
            .await
            .unwrap();
        assert_eq!(back.domains, ["hooli.io"]);
        let again = abcrm(&url, &["accounts", "undo-merge", &merge_id]);
        assert!(!again.status.success());
        assert!(String::from_utf8_lossy(&again.stderr).contains("undone already"));
    }
}

/// Asks `probe` again every 20 ms until it answers `true`; how long after `since` that was.
/// Gives up after five seconds.
async fn until<F, Fut>(since: Instant, probe: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    while !probe().await {
        assert!(since.elapsed() < Duration::from_secs(5), "never refused");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    since.elapsed()
}

/// Two servers and the CLI share one database: each server keeps the credentials it verified in
/// memory, and still refuses a token revoked by the CLI and a session signed out at the other
/// server within a second.
#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_token_and_a_signed_out_session_are_refused_within_a_second_in_every_process() {
    for (url, _guard) in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let create = [
            "user",
            "create",
            "--email",
            "pat@example.com",
            "--role",
            "admin",
            "--password-stdin",
        ];
        ok(abcrm_stdin(&url, &create, "a long passphrase\n"));
        let made = abcrm(
            &url,
            &[
                "token",
                "create",
                "--user",
                "pat@example.com",
                "--name",
                "ci",
            ],
        );
        let said = String::from_utf8_lossy(&made.stderr).to_string();
        let id = said
            .split("Created token ")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .unwrap_or_else(|| panic!("no token id in {said:?}"))
            .to_string();
        let secret = ok(made).trim().to_string();
        let (a, b) = (
            format!("127.0.0.1:{}", free_port()),
            format!("127.0.0.1:{}", free_port()),
        );
        let (_server_a, _) = serve(dir.path(), &["--database", &url, "--bind", &a]);
        let (_server_b, _) = serve(dir.path(), &["--database", &url, "--bind", &b]);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();

        // The token, kept in memory by A after its first use.
        let token_status = || async {
            client
                .get(format!("http://{a}/api/v1/accounts?limit=1"))
                .bearer_auth(&secret)
                .send()
                .await
                .unwrap()
                .status()
        };
        for _ in 0..3 {
            assert_eq!(token_status().await, 200, "{url}");
        }
        ok(abcrm(&url, &["token", "revoke", &id]));
        let took = until(Instant::now(), || async { token_status().await == 401 }).await;
        assert!(
            took <= Duration::from_secs(1),
            "{url}: refused after {took:?}"
        );

        // A session made at A and kept by B, signed out at A.
        let cookie = web_sign_in(
            &format!("http://{a}"),
            "pat@example.com",
            "a long passphrase",
        )
        .await
        .expect("signed in");
        let page_at_b = || async {
            client
                .get(format!("http://{b}/accounts"))
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap()
        };
        let page = page_at_b().await;
        assert_eq!(page.status(), 200, "{url}");
        let html = page.text().await.unwrap();
        let marker = "data-csrf=\"";
        let start = html.find(marker).expect("the page carries its CSRF token") + marker.len();
        let csrf = &html[start..start + html[start..].find('"').unwrap()];
        assert_eq!(page_at_b().await.status(), 200, "{url}");
        let out = client
            .post(format!("http://{a}/logout"))
            .header("cookie", &cookie)
            .header("x-csrf-token", csrf)
            .send()
            .await
            .unwrap();
        assert!(out.status().is_redirection(), "{url}: {}", out.status());
        let took = until(Instant::now(), || async {
            page_at_b().await.status().is_redirection()
        })
        .await;
        assert!(
            took <= Duration::from_secs(1),
            "{url}: refused after {took:?}"
        );
    }
}

#[test]
fn lists_and_shows_print_as_columns_json_or_csv_with_account_names_beside_ids() {
    let (dir, url) = sqlite_url();
    let people = dir.path().join("people.csv");
    std::fs::write(
        &people,
        "first_name,last_name,email,company\nAda,Lovelace,ada@acme.example,Acme Corp\nGrace,Hopper,=cmd@acme.example,Acme Corp\n",
    )
    .unwrap();
    ok(abcrm(
        &url,
        &["import", people.to_str().unwrap(), "--status", "active"],
    ));
    let table = ok(abcrm(&url, &["contacts", "list"]));
    assert!(table.starts_with("ID"), "{table}");
    assert!(
        table.contains("(1)"),
        "the account's name beside its id: {table}"
    );
    let csv = ok(abcrm(&url, &["contacts", "list", "--format", "csv"]));
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("id,name,email,title,seniority,role,status,account")
    );
    assert_eq!(lines.count(), 2, "{csv}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(abcrm(&url, &["contacts", "list", "--format", "json"]))).unwrap();
    assert_eq!(json.as_array().map(Vec::len), Some(2));
    let shown = ok(abcrm(&url, &["contacts", "show", "1"]));
    assert!(
        shown.contains("first_name") && shown.contains("Ada"),
        "{shown}"
    );
    assert!(
        shown
            .lines()
            .any(|l| l.starts_with("account") && l.contains("(1)")),
        "{shown}"
    );
    let shown: serde_json::Value = serde_json::from_str(&ok(abcrm(
        &url,
        &["contacts", "show", "1", "--format", "json"],
    )))
    .unwrap();
    assert_eq!(shown["first_name"], "Ada");
    let audit = ok(abcrm(&url, &["audit", "--format", "csv"]));
    assert!(audit.starts_with("at,actor,action,entity,id"), "{audit}");
}

#[tokio::test(flavor = "multi_thread")]
async fn users_and_tokens_are_listed_given_roles_and_deactivated_but_the_last_admin_stays() {
    for (url, _keep) in backends().await {
        let admin = ok(abcrm(
            &url,
            &["token", "create", "--user", "boss@example.com"],
        ))
        .trim()
        .to_string();
        ok(abcrm(
            &url,
            &[
                "user",
                "create",
                "--email",
                "pat@example.com",
                "--name",
                "Pat Lee",
            ],
        ));
        let pat_token = ok(abcrm(
            &url,
            &[
                "token",
                "create",
                "--user",
                "pat@example.com",
                "--name",
                "laptop",
            ],
        ));
        assert!(pat_token.starts_with("abcrm_"));

        let users = ok(abcrm(&url, &["user", "list", "--format", "csv"]));
        assert!(
            users.starts_with("id,email,name,role,signs in,tokens"),
            "{url}: {users}"
        );
        assert!(
            users
                .lines()
                .any(|l| l.contains("pat@example.com,Pat Lee,sales,yes,1")),
            "{url}: {users}"
        );
        let tokens = ok(abcrm(&url, &["token", "list", "--format", "json"]));
        let tokens: serde_json::Value = serde_json::from_str(&tokens).unwrap();
        assert_eq!(tokens.as_array().map(Vec::len), Some(2), "{url}");
        assert_eq!(tokens[0]["name"], "laptop", "newest first");

        ok(abcrm(
            &url,
            &[
                "user",
                "role",
                "--email",
                "pat@example.com",
                "--role",
                "admin",
            ],
        ));
        assert!(ok(abcrm(&url, &["user", "list"]))
            .lines()
            .any(|l| l.contains("pat@example.com") && l.contains("admin")));
        // With two admins one may step down; the last one may not.
        ok(abcrm(
            &url,
            &[
                "user",
                "role",
                "--email",
                "pat@example.com",
                "--role",
                "marketing",
            ],
        ));
        let out = abcrm(
            &url,
            &[
                "user",
                "role",
                "--email",
                "boss@example.com",
                "--role",
                "sales",
            ],
        );
        assert!(!out.status.success(), "{url}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("last admin"),
            "{url}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = abcrm(&url, &["user", "deactivate", "--email", "boss@example.com"]);
        assert!(!out.status.success());

        ok(abcrm(
            &url,
            &["user", "deactivate", "--email", "pat@example.com"],
        ));
        let users = ok(abcrm(&url, &["user", "list", "--format", "csv"]));
        assert!(
            users
                .lines()
                .any(|l| l.contains("pat@example.com,Pat Lee,marketing,no,0")),
            "{url}: {users}"
        );
        let tokens: serde_json::Value =
            serde_json::from_str(&ok(abcrm(&url, &["token", "list", "--format", "json"]))).unwrap();
        assert!(
            tokens[0]["revoked_at"].is_string(),
            "{url}: pat's token is revoked"
        );
        assert!(tokens[1]["revoked_at"].is_null(), "the admin's is not");
        let out = abcrm(
            &url,
            &[
                "user",
                "role",
                "--email",
                "nobody@example.com",
                "--role",
                "sales",
            ],
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("user list"),
            "the error says where to look"
        );
        drop(admin);
    }
}

#[test]
fn the_help_lists_what_a_user_of_the_crm_does_not_the_developers_tools() {
    let help = ok(Command::new(env!("CARGO_BIN_EXE_abcrm"))
        .arg("--help")
        .output()
        .expect("the abcrm binary runs"));
    for shown in ["serve", "import", "migrate", "segment", "user"] {
        assert!(help.contains(&format!("  {shown}")), "{shown}: {help}");
    }
    for hidden in ["bench-", "synth", "match-score", "migrate-score"] {
        assert!(
            !help.contains(hidden),
            "{hidden} is a developer's tool: {help}"
        );
    }
    // Hidden, not gone: the benchmarks' commands still run.
    let bench = ok(Command::new(env!("CARGO_BIN_EXE_abcrm"))
        .args(["bench-search", "--help"])
        .output()
        .expect("the abcrm binary runs"));
    assert!(bench.contains("--runs"), "{bench}");
}
