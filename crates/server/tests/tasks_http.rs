//! Tasks over HTTP on both backends: the API's `/api/v1/tasks`, the task panel on a record's page
//! (add, refuse beside the form, done, open again) and "My tasks" on My work.

mod common;

use abcrm_core::model::Role;
use common::web::{self, Web};
use common::{each_backend, json, Method};
use reqwest::StatusCode;

#[tokio::test]
async fn the_api_creates_lists_finishes_and_deletes_tasks() {
    for api in each_backend(Role::Sales).await {
        let acme = api.account("Acme").await;
        let contact = api
            .ok(
                Method::POST,
                "/api/v1/contacts",
                Some(json!({ "account_id": acme, "first_name": "Ann" })),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let res = api
            .send(
                Method::POST,
                "/api/v1/tasks",
                Some(json!({ "title": "Call Ann", "contact_id": contact, "due_on": "2027-01-15" })),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "{}", api.name);
        let location = res.headers()["location"].to_str().unwrap().to_string();
        let task: serde_json::Value = res.json().await.unwrap();
        assert_eq!(task["account_id"], acme);
        assert_eq!(task["done_at"], serde_json::Value::Null);
        assert_eq!(location, format!("/api/v1/tasks/{}", task["id"]));

        let done = api
            .ok(Method::PATCH, &location, Some(json!({ "done": true })))
            .await;
        assert!(done["done_at"].is_string(), "{}: {done}", api.name);
        let list = api
            .ok(
                Method::GET,
                &format!("/api/v1/tasks?account_id={acme}&done=true"),
                None,
            )
            .await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        let list = api
            .ok(
                Method::GET,
                &format!("/api/v1/tasks?account_id={acme}&done=false"),
                None,
            )
            .await;
        assert!(list["items"].as_array().unwrap().is_empty());

        for (body, field) in [
            (json!({ "title": " ", "account_id": acme }), "title"),
            (json!({ "title": "x" }), "account_id"),
            (json!({ "title": "x", "account_id": 999999 }), "account_id"),
            (
                json!({ "title": "x", "account_id": acme, "due_on": "0001-01-01" }),
                "due_on",
            ),
        ] {
            let res = api.send(Method::POST, "/api/v1/tasks", Some(body)).await;
            api.problem(res, 422, Some(field)).await;
        }
        api.ok(Method::DELETE, &location, None).await;
        let res = api.send(Method::GET, &location, None).await;
        api.problem(res, 404, None).await;
    }
}

#[tokio::test]
async fn a_record_page_adds_and_finishes_tasks_and_my_work_lists_mine() {
    for w in web::each_backend(Role::Sales).await {
        let actor = abcrm_core::model::Actor::system("test");
        let account = w
            .store
            .create_account(
                &actor,
                abcrm_core::model::NewAccount {
                    name: "Initech".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let page = format!("/accounts/{}", account.id.0);
        assert!(
            w.page(&page).await.contains("id=\"task-form\""),
            "{}",
            w.name
        );

        let user = w.user.to_string();
        let id = account.id.0.to_string();
        let res = w
            .post(
                "/tasks",
                &[
                    ("account_id", &id),
                    ("title", "Send the proposal"),
                    ("due_on", "2020-01-02"),
                    ("assignee_id", &user),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let back = Web::location(&res);
        assert!(back.starts_with(&format!("{page}?done=")), "{back}");
        let shown = w.page(&back).await;
        assert!(shown.contains("Added the task"), "{}", w.name);
        let (tasks, _) = w
            .store
            .task_agenda(
                &abcrm_store::TaskQuery {
                    account_id: Some(account.id),
                    ..Default::default()
                },
                10,
            )
            .await
            .unwrap();
        let task = &tasks[0];
        assert!(
            shown.contains(&format!("data-task-id=\"{}\" class=\"overdue\"", task.id.0)),
            "overdue"
        );

        // My work lists it, overdue, with a way to finish it.
        let mine = w.page("/my-work").await;
        let section = mine
            .split("id=\"my-tasks\"")
            .nth(1)
            .unwrap()
            .split("</section>")
            .next()
            .unwrap();
        assert!(
            section.contains("Send the proposal") && section.contains("Initech"),
            "{}",
            w.name
        );
        let res = w
            .post(
                &format!("/tasks/{}/done", task.id.0),
                &[("done", "true"), ("back", "/my-work")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(Web::location(&res).starts_with("/my-work?done="));
        assert!(w.store.get_task(task.id).await.unwrap().done_at.is_some());
        assert!(!w.page("/my-work").await.contains("Send the proposal"));
        w.post(
            &format!("/tasks/{}/done", task.id.0),
            &[("done", "false"), ("back", &page)],
        )
        .await;
        assert!(
            w.store.get_task(task.id).await.unwrap().done_at.is_none(),
            "open again"
        );

        // A refusal comes back beside the form; a bad day too.
        for (title, due, says) in [("", "", "title"), ("Call", "tomorrow", "is not a day")] {
            let res = w
                .post(
                    "/tasks",
                    &[("account_id", &id), ("title", title), ("due_on", due)],
                )
                .await;
            let back = Web::location(&res);
            assert!(back.contains("task_error="), "{back}");
            let shown = w.page(&back).await;
            assert!(
                shown.contains("id=\"task-error\"") && shown.contains(says),
                "{}: {says}",
                w.name
            );
        }
        // Someone else's redirect target is not followed.
        let res = w
            .post(
                &format!("/tasks/{}/done", task.id.0),
                &[("back", "https://evil.example/")],
            )
            .await;
        assert!(
            Web::location(&res).starts_with("/?done="),
            "{}",
            Web::location(&res)
        );

        let reader = w.another_user("reader@example.com", Role::ReadOnly).await;
        let res = reader
            .post("/tasks", &[("account_id", &id), ("title", "x")])
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(!reader.page(&page).await.contains("id=\"task-form\""));
    }
}
