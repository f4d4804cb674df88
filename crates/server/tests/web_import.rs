//! The import page: upload, column mapping, dry-run preview, run and summary, on both backends.

mod common;

use abcrm_core::model::*;
use abcrm_core::normalize::Email;
use common::web::{self, Web};
use reqwest::header::{CONTENT_TYPE, COOKIE};
use reqwest::{Response, StatusCode};
use std::time::{Duration, Instant};

fn actor() -> Actor {
    Actor::system("test")
}

const BOUNDARY: &str = "----abcrm-test-boundary-7MA4YWxkTrZu0gW";

/// Uploads `bytes` as the file field `file` named `name`, the way a browser sends the form.
async fn upload(w: &Web, name: &str, bytes: &[u8]) -> Response {
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    w.client
        .post(format!("{}/import?csrf={}", w.base, w.csrf))
        .header(COOKIE, &w.cookie)
        .header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .unwrap()
}

/// The `<select>` of column `i` on the mapping page, up to its end.
fn select_of(page: &str, i: usize) -> &str {
    let start = page
        .find(&format!("name=\"map_{i}\""))
        .unwrap_or_else(|| panic!("no select map_{i}"));
    let rest = &page[start..];
    &rest[..rest.find("</select>").unwrap()]
}

/// The value selected in column `i`'s select.
fn selected(page: &str, i: usize) -> String {
    let select = select_of(page, i);
    let at = select.find("\" selected>").expect("an option is selected");
    let open = select[..at].rfind("value=\"").unwrap() + "value=\"".len();
    select[open..at].to_string()
}

/// The number shown for `key` in the summary.
fn count_in(summary: &str, key: &str) -> i64 {
    let marker = format!("data-count=\"{key}\">");
    let start = summary
        .find(&marker)
        .unwrap_or_else(|| panic!("no count {key}"))
        + marker.len();
    let digits: String = summary[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

/// A Salesforce lead export as people save it: a byte order mark, CRLF, padded fields, a blank
/// line, a short row and a column abcrm has no field for.
const LEADS: &str = "\u{feff}Lead ID,First Name,Last Name,Company / Account,Email Address,Job Title,Phone Number,Mailing State,Lead Source\r\n\
00Q1, Ada ,Lovelace,Initech,ADA@initech.example,CTO,,CA,Web\r\n\
00Q2,Grace,Hopper,Initech,grace@initech.example,VP Engineering,+1 555 0100,CA,Event\r\n\
00Q3,Linus,Founder,Zyxw Quantum Labs,linus@zyxwquantum.example,CEO,,NY,Web\r\n\
00Q4,,,,,,,,Web\r\n\
\r\n\
short,row\r\n\
00Q5,Sam,Freemail,,sam.freemail@gmail.com,,,,Partner\r\n";

#[tokio::test]
async fn a_salesforce_export_is_mapped_previewed_without_writing_and_run() {
    for w in web::each_backend(Role::Sales).await {
        let s = &w.store;
        let initech = s
            .create_account(
                &actor(),
                NewAccount {
                    name: "Initech".into(),
                    domains: vec!["initech.example".into()],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let mut ada = NewContact::at(initech.id);
        ada.first_name = Some("Ada".into());
        ada.email = Some(Email::parse("ada@initech.example").unwrap());
        let ada = s.create_contact(&actor(), ada).await.unwrap();

        let page = w.page("/import").await;
        assert!(page.contains("id=\"import-file\""), "{}", w.name);
        assert!(page.contains("enctype=\"multipart/form-data\""));

        // 1. Upload: on to the mapping.
        let res = upload(&w, "leads.csv", LEADS.as_bytes()).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let mapping_path = Web::location(&res);
        assert!(mapping_path.starts_with("/import/"), "{mapping_path}");

        // 2. Mapping: preselected from the Salesforce names; Lead Source has no field.
        let page = w.page(&mapping_path).await;
        assert!(page.contains("id=\"mapping-form\""));
        let expected = [
            "key",
            "first_name",
            "last_name",
            "company",
            "email",
            "title",
            "phone",
            "state",
            "",
        ];
        for (i, field) in expected.iter().enumerate() {
            assert_eq!(selected(&page, i), *field, "{}: column {i}", w.name);
        }
        assert!(page.contains("short,row") || page.contains("has 2 fields, the header has 9"));

        let before = s.counts().await.unwrap();
        let mut form: Vec<(String, String)> = expected
            .iter()
            .enumerate()
            .map(|(i, f)| (format!("map_{i}"), f.to_string()))
            .collect();
        form.push(("csrf".into(), w.csrf.clone()));
        let res = w
            .client
            .post(format!("{}{mapping_path}", w.base))
            .header(COOKIE, &w.cookie)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let preview_path = Web::location(&res);
        assert_eq!(preview_path, format!("{mapping_path}/preview"));

        // 3. Preview: each row's outcome, and nothing written.
        let page = w.page(&preview_path).await;
        assert!(page.contains("id=\"import-preview\""), "{}", w.name);
        let row = |line: u64| {
            let start = page
                .find(&format!("<tr data-line=\"{line}\""))
                .unwrap_or_else(|| panic!("{}: no preview row for line {line}", w.name));
            let rest = &page[start..];
            rest[..rest.find("</tr>").unwrap()].to_string()
        };
        let r2 = row(2);
        assert!(r2.contains("data-outcome=\"matched\""), "{r2}");
        assert!(
            r2.contains(&format!("href=\"/contacts/{}\"", ada.id)),
            "{r2}"
        );
        let r3 = row(3);
        assert!(r3.contains("data-outcome=\"created\""), "{r3}");
        assert!(r3.contains("at Initech"), "{r3}");
        let r4 = row(4);
        assert!(r4.contains("New contact, new account"), "{r4}");
        let r5 = row(5);
        assert!(r5.contains("data-outcome=\"rejected\""), "{r5}");
        assert!(r5.contains("no name and no email"), "{r5}");
        assert!(page.contains("id=\"import-run\""));
        let unchanged = s.counts().await.unwrap();
        assert_eq!(
            (
                unchanged.contacts,
                unchanged.accounts,
                unchanged.intake_records
            ),
            (before.contacts, before.accounts, before.intake_records),
            "{}: the preview wrote",
            w.name
        );

        // 4. Run, in the background; the progress fragment ends in the summary.
        let res = w.post(&format!("{mapping_path}/run"), &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let run_path = Web::location(&res);
        assert_eq!(run_path, format!("{mapping_path}/run"));
        let page = w.page(&run_path).await;
        assert!(page.contains("id=\"import-progress\""), "{}", w.name);
        let started = Instant::now();
        let summary = loop {
            let fragment = w.page(&format!("{mapping_path}/progress")).await;
            assert!(fragment.contains("id=\"import-progress\""));
            if fragment.contains("id=\"import-summary\"") {
                break fragment;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{}: the import did not finish",
                w.name
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert!(!summary.contains("hx-trigger"), "polling stops when done");
        let after = s.counts().await.unwrap();
        let created = count_in(&summary, "created");
        let matched = count_in(&summary, "matched");
        let review = count_in(&summary, "needs_review");
        let rejected = count_in(&summary, "rejected");
        assert_eq!(created, after.contacts - before.contacts, "{}", w.name);
        assert_eq!(
            count_in(&summary, "new_accounts"),
            after.accounts - before.accounts,
            "{}",
            w.name
        );
        assert_eq!(review, after.needs_review - before.needs_review);
        assert_eq!(
            created + matched + review + rejected,
            after.intake_records - before.intake_records
        );
        assert_eq!((matched, rejected), (1, 1), "{}: {summary}", w.name);
        assert!(created >= 2, "{summary}");
        assert_eq!(count_in(&summary, "unreadable"), 1);
        assert_eq!(count_in(&summary, "already_taken"), 0);
        assert!(
            summary.contains("Line 5: no name and no email"),
            "{summary}"
        );
        assert!(
            summary.contains("Line 7: has 2 fields, the header has 9"),
            "{summary}"
        );
        // The full page shows the same summary; the contacts are there.
        let page = w.page(&run_path).await;
        assert!(page.contains("id=\"import-summary\""));
        let grace = s
            .list_contacts(
                &abcrm_store::ContactQuery {
                    search: Some("grace@initech".into()),
                    ..Default::default()
                },
                abcrm_store::PageRequest {
                    after: None,
                    limit: 10,
                },
            )
            .await
            .unwrap()
            .items
            .into_iter()
            .find(|c| c.email.as_ref().map(|e| e.as_str()) == Some("grace@initech.example"))
            .expect("Grace was imported");
        assert_eq!(grace.account_id, initech.id, "{}", w.name);

        // The same file again: every row was taken before.
        let res = upload(&w, "leads.csv", LEADS.as_bytes()).await;
        let again = Web::location(&res);
        let res = w
            .client
            .post(format!("{}{again}", w.base))
            .header(COOKIE, &w.cookie)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let page = w.page(&format!("{again}/preview")).await;
        assert!(row_count(&page, "skipped") == 5, "{}: {page}", w.name);
    }
}

fn row_count(page: &str, outcome: &str) -> usize {
    page.matches(&format!("data-outcome=\"{outcome}\"")).count()
}

#[tokio::test]
async fn a_mapping_without_an_email_or_a_name_is_refused_beside_the_field() {
    for w in web::each_backend(Role::Marketing).await {
        let res = upload(&w, "companies.csv", b"Company,Phone\nInitech,555 0100\n").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let path = Web::location(&res);
        let page = w.page(&path).await;
        assert_eq!(selected(&page, 0), "company");
        // Straight to the preview: back to the mapping, which cannot import anyone yet.
        let (status, _) = w.get(&format!("{path}/preview")).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let before = w.store.counts().await.unwrap();
        let res = w
            .post(&path, &[("map_0", "company"), ("map_1", "phone")])
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}", w.name);
        let page = res.text().await.unwrap();
        assert!(
            page.contains("<p class=\"error\" id=\"mapping-error\""),
            "{page}"
        );
        assert!(
            page.contains("map at least one column to Email, First name, Last name or Full name")
        );
        assert!(select_of(&page, 0).contains("aria-describedby=\"mapping-error\""));
        // What was chosen stays chosen.
        assert_eq!(selected(&page, 1), "phone");
        let res = w.post(&path, &[("map_0", "zip")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("zip&#34; is not a person field"));
        // Running it anyway does nothing but send the person back to the mapping.
        let res = w.post(&format!("{path}/run"), &[]).await;
        assert_eq!(Web::location(&res), path);
        let after = w.store.counts().await.unwrap();
        assert_eq!(after.intake_records, before.intake_records);
    }
}

#[tokio::test]
async fn bad_uploads_are_refused_beside_the_file_field() {
    for w in web::each_backend(Role::Sales).await {
        let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
            (
                "empty.csv",
                Vec::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "choose a CSV file",
            ),
            (
                "people.xlsx",
                b"PK\x03\x04 workbook".to_vec(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "not a CSV file",
            ),
            (
                "header-only.csv",
                b"email,first_name\n".to_vec(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "no rows to import",
            ),
            (
                "huge.csv",
                {
                    let mut big = b"email\n".to_vec();
                    while big.len() <= 5 * 1024 * 1024 {
                        big.extend_from_slice(b"someone.with.a.long.address@example.com\n");
                    }
                    big
                },
                StatusCode::PAYLOAD_TOO_LARGE,
                "larger than 5 MB",
            ),
        ];
        for (name, bytes, status, message) in cases {
            let res = upload(&w, name, &bytes).await;
            assert_eq!(res.status(), status, "{}: {name}", w.name);
            let page = res.text().await.unwrap();
            assert!(
                page.contains("<p class=\"error\" id=\"file-error\">"),
                "{name}: {page}"
            );
            assert!(page.contains(message), "{name}: {page}");
            assert!(page.contains("aria-describedby=\"file-error\""));
        }
        // The token is required in the address of an upload.
        let res = w
            .client
            .post(format!("{}/import", w.base))
            .header(COOKIE, &w.cookie)
            .header(
                CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(format!("--{BOUNDARY}--\r\n"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        // A legacy Excel CSV (Windows-1252) is read, and the mapping page says how.
        let res = upload(
            &w,
            "latin1.csv",
            b"email,name\nj\xe9r\xf4me@example.com,J\xe9r\xf4me\n",
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let mapping = w.page(&Web::location(&res)).await;
        assert!(mapping.contains("id=\"file-encoding\""), "{mapping}");
        assert!(mapping.contains("windows-1252") && mapping.contains("Jérôme"));
        // An upload id nobody was given is not found.
        let res = upload(&w, "ok.csv", b"email\nx@example.com\n").await;
        let path = Web::location(&res);
        let (status, _) = w.get(&path.replace("/import/", "/import/X")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn progress_without_a_run_is_not_found_and_the_run_page_sends_back_to_the_preview() {
    for w in web::each_backend(Role::Sales).await {
        let res = upload(&w, "ok.csv", b"email\nx@example.com\n").await;
        let path = Web::location(&res);
        let (status, _) = w.get(&format!("{path}/progress")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}", w.name);
        let (status, _) = w.get(&format!("{path}/run")).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn one_persons_uploads_never_evict_anothers() {
    for w in web::each_backend(Role::Sales).await {
        let other = w.another_user("other@example.com", Role::Sales).await;
        let res = upload(&w, "mine.csv", b"email\nmine@example.com\n").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let mine = Web::location(&res);
        // More uploads than the server ever kept for everyone: the other person's oldest go.
        let mut theirs = Vec::new();
        for i in 0..20 {
            let res = upload(
                &other,
                "theirs.csv",
                format!("email\nu{i}@example.com\n").as_bytes(),
            )
            .await;
            assert_eq!(
                res.status(),
                StatusCode::SEE_OTHER,
                "{}: upload {i}",
                w.name
            );
            theirs.push(Web::location(&res));
        }
        let page = w.page(&mine).await;
        assert!(page.contains("mine.csv"), "{}", w.name);
        let (status, _) = other.get(&theirs[0]).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{}: their own oldest made room",
            w.name
        );
        other.page(&theirs[19]).await;
    }
}

#[tokio::test]
async fn an_upload_past_the_servers_total_is_refused_naming_the_limit() {
    for t in abcrm_store::testing::backends().await {
        let limits = abcrm_server::Limits {
            upload_bytes: 64 * 1024,
            ..abcrm_server::Limits::default()
        };
        let w = web::sign_in_with(t, Role::Sales, limits).await;
        let other = w.another_user("other@example.com", Role::Sales).await;
        let file = |who: &str| {
            let mut f = b"email,note\n".to_vec();
            for i in 0..1000 {
                f.extend_from_slice(
                    format!("{who}{i}@example.com,{}\n", "n".repeat(30)).as_bytes(),
                );
            }
            f
        };
        let res = upload(&w, "first.csv", &file("a")).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let first = Web::location(&res);
        let res = upload(&other, "second.csv", &file("b")).await;
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "{}", w.name);
        let page = res.text().await.unwrap();
        assert!(
            page.contains("already keeps 64 KB of uploaded files"),
            "{page}"
        );
        w.page(&first).await;
    }
}
