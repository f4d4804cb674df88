//! Enrichment over HTTP: JSON and CSV rows fill accounts and report conflicts with what a
//! person entered, faults are 422 by row and field, only admin and marketing enrich, and the
//! provenance of each field can be read back; on SQLite and PostgreSQL.

mod common;

use abcrm_core::model::Role;
use common::*;

#[tokio::test]
async fn json_rows_fill_accounts_report_conflicts_and_leave_provenance() {
    for api in each_backend(Role::Marketing).await {
        let acme = api
            .ok(
                Method::POST,
                "/api/v1/accounts",
                Some(json!({"name": "Acme", "domains": ["acme.com"], "industry": "Retail"})),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let report = api
            .ok(
                Method::POST,
                "/api/v1/accounts/enrich",
                Some(json!({
                    "by": "domain",
                    "source": "dnb.csv",
                    "rows": [
                        {"domain": "www.acme.com", "industry": "Software", "employees": 1200},
                        {"domain": "globex.com", "industry": "Retail"}
                    ]
                })),
            )
            .await;
        assert_eq!(
            (
                report["fields_filled"].as_i64(),
                report["conflicts"].as_i64(),
                report["unknown"].as_i64()
            ),
            (Some(1), Some(1), Some(1)),
            "{}: {report}",
            api.name
        );
        let conflict = report["results"][0]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["decision"] == "conflict")
            .unwrap();
        assert_eq!(
            (
                &conflict["field"],
                &conflict["current"],
                &conflict["current_provenance"]["kind"],
                &conflict["offered"]
            ),
            (
                &json!("industry"),
                &json!("Retail"),
                &json!("entered"),
                &json!("Software")
            ),
            "{}: {report}",
            api.name
        );

        let provenance = api
            .ok(
                Method::GET,
                &format!("/api/v1/accounts/{acme}/provenance"),
                None,
            )
            .await;
        assert_eq!(
            (
                &provenance["industry"]["kind"],
                &provenance["employees"]["kind"],
                &provenance["employees"]["source"]
            ),
            (&json!("entered"), &json!("enriched"), &json!("dnb.csv")),
            "{}: {provenance}",
            api.name
        );
        let missing = api
            .send(Method::GET, "/api/v1/accounts/999/provenance", None)
            .await;
        api.problem(missing, 404, None).await;
    }
}

#[tokio::test]
async fn a_csv_upload_enriches_with_its_options_in_the_query() {
    for api in each_backend(Role::Admin).await {
        let acme = api
            .ok(
                Method::POST,
                "/api/v1/accounts",
                Some(json!({"name": "Acme", "duns": "150483782"})),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let res = api
            .client
            .post(format!(
                "{}/api/v1/accounts/enrich?by=duns&source=zoominfo.csv",
                api.base
            ))
            .bearer_auth(&api.token)
            .header("content-type", "text/csv")
            .body("DUNS Number,Annual Revenue,Country\n15-048-3782,\"5,000,000\",US\n")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", api.name);
        let report: Value = res.json().await.unwrap();
        assert_eq!(report["accounts_updated"], 1, "{}: {report}", api.name);
        let account = api
            .ok(Method::GET, &format!("/api/v1/accounts/{acme}"), None)
            .await;
        assert_eq!(
            (&account["annual_revenue"], &account["country"]),
            (&json!(5_000_000), &json!("US")),
            "{}",
            api.name
        );
    }
}

#[tokio::test]
async fn a_csv_is_read_as_an_import_reads_it_semicolons_excel_encoding_and_bad_lines_named() {
    for api in each_backend(Role::Admin).await {
        api.ok(
            Method::POST,
            "/api/v1/accounts",
            Some(json!({"name": "Müller", "domains": ["mueller.de"]})),
        )
        .await;
        let send = |body: Vec<u8>| {
            api.client
                .post(format!(
                    "{}/api/v1/accounts/enrich?by=domain&source=list.csv",
                    api.base
                ))
                .bearer_auth(&api.token)
                .header("content-type", "text/csv")
                .body(body)
                .send()
        };
        // As Excel saves a CSV on a German Windows: semicolons, CRLF, Windows-1252 ("Köln").
        let mut excel = b"Domain;City;Country\r\nmueller.de;K".to_vec();
        excel.push(0xF6);
        excel.extend_from_slice(b"ln;DE\r\n");
        let res = send(excel).await.unwrap();
        assert_eq!(res.status(), 200, "{}", api.name);
        let found = api.ok(Method::GET, "/api/v1/accounts?limit=1", None).await;
        assert_eq!(
            found["items"][0]["city"],
            json!("Köln"),
            "{}: {found}",
            api.name
        );

        // A row with a field too many is refused naming its line; nothing else is written.
        let res = send(b"Domain,Country\nmueller.de,AT\nmueller.de,AT,extra\n".to_vec())
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{}", api.name);
        let problem: Value = res.json().await.unwrap();
        assert!(
            problem.to_string().contains("line 3"),
            "{}: {problem}",
            api.name
        );
        let found = api.ok(Method::GET, "/api/v1/accounts?limit=1", None).await;
        assert_eq!(found["items"][0]["country"], json!("DE"), "{}", api.name);
    }
}

#[tokio::test]
async fn invalid_rows_are_refused_by_row_and_field_and_nothing_is_written() {
    for api in each_backend(Role::Admin).await {
        let acme = api
            .ok(
                Method::POST,
                "/api/v1/accounts",
                Some(json!({"name": "Acme", "domains": ["acme.com"]})),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let res = api
            .send(
                Method::POST,
                "/api/v1/accounts/enrich",
                Some(json!({
                    "by": "domain",
                    "source": "dnb.csv",
                    "rows": [
                        {"domain": "acme.com", "industry": "Software"},
                        {"industry": "Retail"},
                        {"domain": "globex.com", "employees": -5}
                    ]
                })),
            )
            .await;
        let problem = api.problem(res, 422, Some("rows[1].domain")).await;
        assert_eq!(
            problem["errors"][1]["field"], "rows[2].employees",
            "{}: {problem}",
            api.name
        );
        let account = api
            .ok(Method::GET, &format!("/api/v1/accounts/{acme}"), None)
            .await;
        assert!(account["industry"].is_null(), "{}", api.name);

        let no_by = api
            .send(
                Method::POST,
                "/api/v1/accounts/enrich",
                Some(json!({"source": "x", "rows": []})),
            )
            .await;
        api.problem(no_by, 422, Some("by")).await;
    }
}

#[tokio::test]
async fn sales_may_not_enrich() {
    for api in each_backend(Role::Sales).await {
        let res = api
            .send(
                Method::POST,
                "/api/v1/accounts/enrich",
                Some(json!({"by": "domain", "source": "x", "rows": [{"domain": "acme.com"}]})),
            )
            .await;
        api.problem(res, 403, None).await;
    }
}

#[tokio::test]
async fn the_openapi_document_describes_enrichment() {
    for api in each_backend(Role::Admin).await {
        let doc: Value = api
            .client
            .get(format!("{}/api/openapi.json", api.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let enrich = &doc["paths"]["/api/v1/accounts/enrich"]["post"];
        assert!(
            enrich["requestBody"]["content"]["text/csv"].is_object()
                && enrich["requestBody"]["content"]["application/json"].is_object(),
            "{enrich}"
        );
        assert!(
            doc["paths"]["/api/v1/accounts/{id}/provenance"]["get"].is_object(),
            "{}",
            api.name
        );
    }
}
