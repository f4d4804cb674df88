//! The dashboard on both backends: its figures are the report store's.

mod common;

use abcrm_core::model::*;
use abcrm_core::reports::{CyclesBy, Period, ReportScope};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use common::web::{self, attr_after};
use reqwest::StatusCode;

fn actor() -> Actor {
    Actor::system("test")
}

/// The `data-value` of the element with `id`.
fn figure(page: &str, id: &str) -> u64 {
    attr_after(page, &format!("id=\"{id}\" data-value=\""))
        .unwrap_or_else(|| panic!("no #{id}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn the_headline_funnel_and_pipeline_are_the_reports_figures() {
    for w in web::each_backend(Role::Sales).await {
        let s = &w.store;
        let acme = s
            .create_account(
                &actor(),
                NewAccount {
                    name: "Acme".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let now = Utc::now();
        let this_month = NaiveDate::from_ymd_opt(now.year(), now.month(), 1).unwrap();
        let last_month = (this_month - Duration::days(1)).with_day(1).unwrap();
        // Two cycles this month, three last month (one on its first day, so it is also "to date").
        let starts = [
            (now, 10_000.0),
            (now, 5_000.0),
            (last_month.and_hms_opt(9, 0, 0).unwrap().and_utc(), 1.0),
            (
                (last_month + Duration::days(27))
                    .and_hms_opt(9, 0, 0)
                    .unwrap()
                    .and_utc(),
                1.0,
            ),
            (
                (this_month - Duration::days(1))
                    .and_hms_opt(9, 0, 0)
                    .unwrap()
                    .and_utc(),
                1.0,
            ),
        ];
        for (i, (at, amount)) in starts.into_iter().enumerate() {
            s.create_opportunity(
                &actor(),
                NewOpportunity {
                    account_id: acme.id,
                    name: format!("Deal {i}"),
                    stage: Some(OpportunityStage::Proposal),
                    amount: Some(amount),
                    close_date: None,
                    source_campaign_id: None,
                    owner_id: None,
                    contact_roles: vec![],
                    created_at: Some(at),
                },
            )
            .await
            .unwrap();
        }
        let page = w.page("/").await;
        assert_eq!(figure(&page, "cycles-this"), 2, "{}", w.name);
        assert_eq!(figure(&page, "cycles-last"), 3, "{}", w.name);
        assert!(page.contains("$15,000"), "this month's amount");
        // The same figures from the report the API serves.
        let today = now.date_naive();
        let report = s
            .report_sales_cycles(
                &ReportScope::all(today),
                Period::Month,
                CyclesBy::Total,
                last_month,
                this_month + Duration::days(40),
            )
            .await
            .unwrap();
        assert_eq!(report.rows[0].started, figure(&page, "cycles-last"));
        assert_eq!(report.rows[1].started, figure(&page, "cycles-this"));
        let to_date = figure(&page, "cycles-last-to-date");
        assert!((1..=3).contains(&to_date), "{to_date}");

        let funnel = s
            .report_funnel(&ReportScope::all(today), None, true)
            .await
            .unwrap();
        for stage in &funnel.stages {
            let row = format!(
                "data-stage=\"{}\" data-reached=\"{}\"",
                stage.stage.as_str(),
                stage.reached
            );
            assert!(page.contains(&row), "{}: {row}", w.name);
        }
        assert!(
            page.contains("data-stage=\"proposal\" data-count=\"5\""),
            "{}",
            w.name
        );

        // Another period; an unknown one is refused with the choices.
        let quarter = w.page("/?period=quarter").await;
        assert!(figure(&quarter, "cycles-this") >= 2);
        let (status, body) = w.get("/?period=fortnight").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("week, month or quarter"), "{body}");
    }
}
