//! Segments over HTTP: ad-hoc filters on the list endpoints, saved segments, counts and CSV
//! exports, on SQLite and PostgreSQL.

mod common;

use abcrm_core::model::Role;
use common::*;

async fn seed(api: &Api) -> (i64, i64, i64) {
    let acme = api.ok(Method::POST, "/api/v1/accounts", Some(json!({"name": "Acme", "state": "CA", "industry": "Software", "domains": ["acme.com"]}))).await["id"].as_i64().unwrap();
    let zeta = api.ok(Method::POST, "/api/v1/accounts", Some(json!({"name": "Zeta", "state": "NY", "industry": "Software", "relationship": "customer"}))).await["id"].as_i64().unwrap();
    let ann = api.ok(Method::POST, "/api/v1/contacts", Some(json!({"account_id": acme, "first_name": "Ann", "email": "ann@acme.com", "title": "Director of IT"}))).await["id"].as_i64().unwrap();
    api.ok(Method::POST, "/api/v1/contacts", Some(json!({"account_id": acme, "first_name": "Al", "email": "al@acme.com", "title": "Engineer"}))).await;
    api.ok(Method::POST, "/api/v1/contacts", Some(json!({"account_id": zeta, "first_name": "Zed", "email": "zed@zeta.com", "title": "IT Manager"}))).await;
    (acme, zeta, ann)
}

fn ids(v: &Value) -> Vec<i64> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn list_endpoints_take_a_filter() {
    for api in each_backend(Role::Admin).await {
        let (acme, zeta, ann) = seed(&api).await;
        let seed_query = "/api/v1/contacts?filter=contact.seniority%20in%20(%22manager%22%2C%20%22director%22)%20and%20account.state%20%3D%20%22CA%22%20and%20account.relationship%20!%3D%20%22customer%22";
        assert_eq!(
            ids(&api.ok(Method::GET, seed_query, None).await),
            [ann],
            "{}",
            api.name
        );
        let customers = api
            .ok(
                Method::GET,
                "/api/v1/accounts?filter=account.relationship%20%3D%20%22customer%22",
                None,
            )
            .await;
        assert_eq!(ids(&customers), [zeta], "{}", api.name);
        let _ = acme;

        let typo = api
            .send(
                Method::GET,
                "/api/v1/contacts?filter=contact.senority%20%3D%20%22vp%22",
                None,
            )
            .await;
        let body = api.problem(typo, 400, Some("filter")).await;
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.contains("character 1") && detail.contains("contact.seniority"),
            "{}: {detail}",
            api.name
        );

        let mixed = api
            .send(
                Method::GET,
                "/api/v1/contacts?filter=contact.id%20%3E%200&status=active",
                None,
            )
            .await;
        api.problem(mixed, 400, Some("filter")).await;
    }
}

#[tokio::test]
async fn saved_segments_run_count_and_export_as_csv() {
    for api in each_backend(Role::Admin).await {
        let (acme, _, ann) = seed(&api).await;
        let bad = api
            .send(
                Method::POST,
                "/api/v1/segments",
                Some(json!({"name": "x", "expression": "account.state = "})),
            )
            .await;
        api.problem(bad, 422, Some("expression")).await;

        let seg = api
            .ok(Method::POST, "/api/v1/segments", Some(json!({"name": "CA directors", "expression": "contact.seniority >= \"director\" and account.state = \"CA\""})))
            .await;
        let id = seg["id"].as_i64().unwrap();
        assert_eq!(seg["target"], "contact", "{}", api.name);
        let run = api
            .ok(Method::GET, &format!("/api/v1/segments/{id}/run"), None)
            .await;
        assert_eq!(ids(&run), [ann], "{}", api.name);
        let count = api
            .ok(Method::GET, &format!("/api/v1/segments/{id}/count"), None)
            .await;
        assert_eq!(count["count"], 1, "{}", api.name);

        let res = api
            .send(
                Method::GET,
                &format!("/api/v1/segments/{id}/export?columns=salesforce"),
                None,
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{}", api.name);
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let text = res.text().await.unwrap();
        let mut rows = csv::Reader::from_reader(text.as_bytes());
        let header = rows.headers().unwrap().clone();
        assert_eq!(&header[1], "FirstName", "{}", api.name);
        let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), 1, "{}: {text}", api.name);
        assert_eq!(&records[0][0], ann.to_string().as_str(), "{}", api.name);
        assert_eq!(&records[0][12], "Acme", "{}", api.name);

        // Retarget to accounts with no director or above: Zeta only has a manager.
        let patched = api
            .ok(Method::PATCH, &format!("/api/v1/segments/{id}"), Some(json!({"target": "account", "expression": "not has contact where seniority >= \"director\""})))
            .await;
        assert_eq!(patched["target"], "account", "{}", api.name);
        let run = api
            .ok(Method::GET, &format!("/api/v1/segments/{id}/run"), None)
            .await;
        assert!(!ids(&run).contains(&acme), "{}: {run}", api.name);
        assert_eq!(ids(&run).len(), 1, "{}", api.name);

        let dup = api
            .send(
                Method::POST,
                "/api/v1/segments",
                Some(json!({"name": "ca DIRECTORS", "expression": "contact.id > 0"})),
            )
            .await;
        api.problem(dup, 409, Some("name")).await;
        api.ok(Method::DELETE, &format!("/api/v1/segments/{id}"), None)
            .await;
        let gone = api
            .send(Method::GET, &format!("/api/v1/segments/{id}"), None)
            .await;
        api.problem(gone, 404, None).await;
    }
}

/// A segment of people is a list to reach: people who left or unsubscribed are out unless
/// the caller asks for everyone, or the expression speaks of `contact.status` itself.
#[tokio::test]
async fn segments_of_people_reach_only_those_who_can_be_contacted() {
    for api in each_backend(Role::Admin).await {
        let (acme, _, ann) = seed(&api).await;
        let gone = api.ok(Method::POST, "/api/v1/contacts", Some(json!({"account_id": acme, "first_name": "Gil", "email": "gil@acme.com", "title": "IT Director", "status": "left_company"}))).await["id"].as_i64().unwrap();
        let quiet = api.ok(Method::POST, "/api/v1/contacts", Some(json!({"account_id": acme, "first_name": "Una", "email": "una@acme.com", "title": "Director of Sales", "status": "unsubscribed"}))).await["id"].as_i64().unwrap();
        let seg = api
            .ok(Method::POST, "/api/v1/segments", Some(json!({"name": "Acme directors", "expression": "contact.seniority >= \"director\" and account.state = \"CA\""})))
            .await["id"]
            .as_i64()
            .unwrap();
        let run = api
            .ok(Method::GET, &format!("/api/v1/segments/{seg}/run"), None)
            .await;
        assert_eq!(ids(&run), [ann], "{}", api.name);
        let count = api
            .ok(Method::GET, &format!("/api/v1/segments/{seg}/count"), None)
            .await;
        assert_eq!(count["count"], 1, "{}", api.name);
        let everyone = api
            .ok(
                Method::GET,
                &format!("/api/v1/segments/{seg}/run?everyone=true"),
                None,
            )
            .await;
        assert_eq!(ids(&everyone), [ann, gone, quiet], "{}", api.name);
        let count = api
            .ok(
                Method::GET,
                &format!("/api/v1/segments/{seg}/count?everyone=true"),
                None,
            )
            .await;
        assert_eq!(count["count"], 3, "{}", api.name);
        let csv = api
            .send(
                Method::GET,
                &format!("/api/v1/segments/{seg}/export?everyone=true"),
                None,
            )
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(csv.lines().count(), 4, "{}: {csv}", api.name);
        let bad = api
            .send(
                Method::GET,
                &format!("/api/v1/segments/{seg}/count?everyone=perhaps"),
                None,
            )
            .await;
        api.problem(bad, 400, None).await;
        // An expression about the status decides for itself.
        let leavers = api
            .ok(
                Method::POST,
                "/api/v1/segments",
                Some(json!({"name": "Leavers", "expression": "contact.status = \"left_company\""})),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let run = api
            .ok(
                Method::GET,
                &format!("/api/v1/segments/{leavers}/run"),
                None,
            )
            .await;
        assert_eq!(ids(&run), [gone], "{}", api.name);
    }
}

#[tokio::test]
async fn reports_answer_over_http_and_take_a_segment() {
    for api in each_backend(Role::Admin).await {
        let (acme, zeta, ann) = seed(&api).await;
        for (account, amount, stage) in [(acme, 1000, "proposal"), (zeta, 500, "closed_won")] {
            api.ok(Method::POST, "/api/v1/opportunities", Some(json!({"account_id": account, "name": "Deal", "amount": amount, "stage": stage}))).await;
        }
        api.ok(
            Method::POST,
            "/api/v1/activities",
            Some(json!({"contact_id": ann, "kind": "meeting"})),
        )
        .await;

        let cycles = api
            .ok(
                Method::GET,
                "/api/v1/reports/sales-cycles?period=week",
                None,
            )
            .await;
        assert_eq!(
            (
                cycles["total_started"].as_u64(),
                cycles["total_amount"].as_f64()
            ),
            (Some(2), Some(1500.0)),
            "{}: {cycles}",
            api.name
        );
        let ca = api
            .ok(
                Method::GET,
                "/api/v1/reports/sales-cycles?target=account&filter=account.state%20%3D%20%22CA%22",
                None,
            )
            .await;
        assert_eq!(ca["total_amount"], 1000.0, "{}: {ca}", api.name);

        let pipeline = api.ok(Method::GET, "/api/v1/reports/pipeline", None).await;
        assert_eq!(pipeline["amount"], 1000.0, "{}", api.name);
        let coverage = api
            .ok(Method::GET, "/api/v1/reports/coverage?limit=1", None)
            .await;
        assert_eq!(coverage["accounts"], 2, "{}", api.name);
        assert_eq!(
            coverage["rows"][0]["engaged"], 1,
            "{}: {coverage}",
            api.name
        );
        let next = coverage["next_cursor"].as_str().unwrap();
        let page2 = api
            .ok(
                Method::GET,
                &format!("/api/v1/reports/coverage?limit=1&cursor={next}"),
                None,
            )
            .await;
        assert_eq!(page2["rows"][0]["account_id"], zeta, "{}", api.name);
        for path in [
            "/api/v1/reports/funnel",
            "/api/v1/reports/campaign-influence?window_days=30",
            "/api/v1/reports/nurture",
        ] {
            api.ok(Method::GET, path, None).await;
        }
        let families = api
            .ok(Method::GET, "/api/v1/reports/funnel?family=true", None)
            .await;
        assert_eq!(families["family"], true, "{}", api.name);
        let sends = api
            .ok(
                Method::GET,
                "/api/v1/reports/campaign-influence?touches=all&hierarchy=true",
                None,
            )
            .await;
        assert_eq!(
            (sends["touches"].as_str(), sends["hierarchy"].as_bool()),
            (Some("all"), Some(true)),
            "{}",
            api.name
        );

        let unknown = api
            .send(Method::GET, "/api/v1/reports/pipeline?segment=nope", None)
            .await;
        api.problem(unknown, 400, Some("segment")).await;
        let backwards = api
            .send(
                Method::GET,
                "/api/v1/reports/sales-cycles?from=2026-02-01&to=2026-01-01",
                None,
            )
            .await;
        api.problem(backwards, 400, Some("from")).await;
        let period = api
            .send(
                Method::GET,
                "/api/v1/reports/sales-cycles?period=fortnight",
                None,
            )
            .await;
        api.problem(period, 400, None).await;
    }
}

/// A person waiting in review is not yet one of a segment's people, but the segment says how many
/// it would take once they are placed, and lists them; their campaign finds them in the queue.
#[tokio::test]
async fn a_segment_counts_and_lists_the_people_waiting_in_review_it_would_take() {
    for api in each_backend(Role::Admin).await {
        let n = api.name;
        let (_, _, ann) = seed(&api).await;
        let campaign = api
            .ok(
                Method::POST,
                "/api/v1/campaigns",
                Some(json!({"name": "IT webinar", "kind": "webinar"})),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let seg = api
            .ok(Method::POST, "/api/v1/segments", Some(json!({"name": "CA IT directors", "expression": "contact.seniority >= \"director\" and account.state = \"CA\""})))
            .await["id"]
            .as_i64()
            .unwrap();
        // A free-mail address and a company written close to Acme's name: review.
        let out = api
            .ok(
                Method::POST,
                "/api/v1/intake",
                Some(json!({"campaign_id": campaign, "response": "registered", "status": "active", "records": [
                    {"first_name": "Dee", "last_name": "Park", "email": "dee.park@gmail.com", "company": "Acme Widgets", "title": "IT Director"}
                ]})),
            )
            .await;
        assert_eq!(out["report"]["needs_review"], 1, "{n}: {out}");
        let record = out["records"][0]["id"].as_i64().unwrap();

        let count = api
            .ok(Method::GET, &format!("/api/v1/segments/{seg}/count"), None)
            .await;
        assert_eq!(
            (count["count"].as_i64(), count["waiting_in_review"].as_i64()),
            (Some(1), Some(1)),
            "{n}: {count}"
        );
        let waiting = api
            .ok(
                Method::GET,
                &format!("/api/v1/segments/{seg}/waiting"),
                None,
            )
            .await;
        assert_eq!(waiting["count"], 1, "{n}: {waiting}");
        assert_eq!(waiting["complete"], true, "{n}");
        assert_eq!(
            waiting["items"][0]["id"].as_i64(),
            Some(record),
            "{n}: {waiting}"
        );
        let one = api
            .ok(
                Method::GET,
                &format!("/api/v1/segments/{seg}/waiting?limit=1"),
                None,
            )
            .await;
        assert_eq!(
            (one["count"].as_i64(), one["items"].as_array().map(Vec::len)),
            (Some(1), Some(1)),
            "{n}"
        );
        for bad in ["0", "5000"] {
            let res = api
                .send(
                    Method::GET,
                    &format!("/api/v1/segments/{seg}/waiting?limit={bad}"),
                    None,
                )
                .await;
            api.problem(res, 400, Some("limit")).await;
        }
        let res = api
            .send(Method::GET, "/api/v1/segments/999999/waiting", None)
            .await;
        api.problem(res, 404, None).await;

        let queue = api
            .ok(
                Method::GET,
                &format!("/api/v1/review?campaign_id={campaign}"),
                None,
            )
            .await;
        assert_eq!(ids(&queue), [record], "{n}: {queue}");
        let none = api
            .ok(
                Method::GET,
                &format!("/api/v1/review?campaign_id={}", campaign + 1),
                None,
            )
            .await;
        assert!(ids(&none).is_empty(), "{n}: {none}");

        // Placed at Acme: one of the segment's people, waiting no more.
        let acme = api
            .ok(Method::GET, &format!("/api/v1/contacts/{ann}"), None)
            .await["account_id"]
            .clone();
        api.ok(
            Method::POST,
            &format!("/api/v1/review/{record}/resolve"),
            Some(json!({"account_id": acme})),
        )
        .await;
        let count = api
            .ok(Method::GET, &format!("/api/v1/segments/{seg}/count"), None)
            .await;
        assert_eq!(
            (count["count"].as_i64(), count["waiting_in_review"].as_i64()),
            (Some(2), Some(0)),
            "{n}: {count}"
        );
    }
}
