//! The account merge page of the web UI: picking, choosing, merging and undoing, on both
//! backends, with its CSRF check.

mod common;

use abcrm_core::model::*;
use abcrm_core::AccountId;
use abcrm_store::StoreError;
use common::web::{self, Web};
use reqwest::StatusCode;

fn actor() -> Actor {
    Actor::system("test")
}

async fn account(w: &Web, new: NewAccount) -> AccountId {
    w.store.create_account(&actor(), new).await.unwrap().id
}

#[tokio::test]
async fn merging_accounts_through_the_form_keeps_the_chosen_values_and_can_be_undone() {
    for w in web::each_backend(Role::Sales).await {
        let name = w.name;
        let umbrella = account(
            &w,
            NewAccount {
                name: "Umbrella Corporation".into(),
                domains: vec!["umbrella.com".into()],
                industry: Some("Pharma".into()),
                ..Default::default()
            },
        )
        .await;
        let dup = account(
            &w,
            NewAccount {
                name: "Umbrella Corp.".into(),
                domains: vec!["umbrella.co.uk".into()],
                industry: Some("Biotech".into()),
                city: Some("Raccoon City".into()),
                ..Default::default()
            },
        )
        .await;
        let mut person = NewContact::at(dup);
        person.first_name = Some("Alice".into());
        let alice = w.store.create_contact(&actor(), person).await.unwrap().id;

        // The 360 offers the merge; the picker finds the other account by name.
        let page = w.page(&format!("/accounts/{umbrella}")).await;
        assert!(page.contains("id=\"account-merge-link\""), "{name}");
        let page = w
            .page(&format!("/accounts/{umbrella}/merge?q=umbrella"))
            .await;
        let found = page
            .split("id=\"account-merge-candidates\"")
            .nth(1)
            .unwrap();
        assert!(
            found.contains(&format!("data-account-id=\"{dup}\"")),
            "{name}"
        );
        let suggested = page
            .split("id=\"account-merge-suggestions\"")
            .nth(1)
            .unwrap();
        assert!(
            suggested.contains(&format!("data-account-id=\"{dup}\"")),
            "{name}"
        );

        // Side by side: only the fields that differ, the survivor's non-empty values checked.
        let page = w
            .page(&format!("/accounts/{umbrella}/merge?with={dup}"))
            .await;
        assert!(page.contains("id=\"account-merge-form\""), "{name}");
        assert!(page.contains("data-field=\"industry\"") && page.contains("data-field=\"city\""));
        assert!(
            !page.contains("data-field=\"country\""),
            "equal fields are not asked"
        );
        assert!(page.contains(&format!("name=\"industry\" value=\"{umbrella}\" checked")));
        assert!(page.contains(&format!("name=\"city\" value=\"{dup}\" checked")));
        assert!(page.contains("umbrella.com, umbrella.co.uk"), "{name}");

        let (u, d) = (umbrella.to_string(), dup.to_string());
        // Without the CSRF token the form is refused and nothing moves.
        let res = w
            .post_raw(
                &format!("/accounts/{umbrella}/merge"),
                &[("with", &d), ("survivor", &u)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{name}");
        assert!(w.store.get_account(dup).await.is_ok());

        let res = w
            .post(
                &format!("/accounts/{umbrella}/merge"),
                &[
                    ("with", &d),
                    ("survivor", &u),
                    ("industry", &d),
                    ("city", &d),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{name}");
        let to = Web::location(&res);
        assert!(
            to.starts_with(&format!("/accounts/{umbrella}?done=")),
            "{to}"
        );
        let merged = w.store.get_account(umbrella).await.unwrap();
        assert_eq!(merged.industry.as_deref(), Some("Biotech"), "{name}");
        assert_eq!(merged.city.as_deref(), Some("Raccoon City"));
        assert_eq!(merged.domains, ["umbrella.com", "umbrella.co.uk"]);
        assert_eq!(
            w.store.get_contact(alice).await.unwrap().account_id,
            umbrella
        );
        assert!(matches!(
            w.store.get_account(dup).await,
            Err(StoreError::NotFound { .. })
        ));

        let page = w.page(&to).await;
        assert!(
            page.contains("Merged Umbrella Corp. into Umbrella Corporation"),
            "{page}"
        );
        let undo = web::attr_after(&page, "action=\"/accounts/merges/")
            .map(|rest| format!("/accounts/merges/{rest}"))
            .unwrap();
        assert!(
            undo.ends_with("/undo") && page.contains("id=\"undo-account-merge\""),
            "{undo}"
        );
        let res = w.post(&undo, &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{name}");
        let back = w.store.get_account(dup).await.unwrap();
        assert_eq!(back.industry.as_deref(), Some("Biotech"));
        assert_eq!(w.store.get_contact(alice).await.unwrap().account_id, dup);
        let umbrella_now = w.store.get_account(umbrella).await.unwrap();
        assert_eq!(umbrella_now.industry.as_deref(), Some("Pharma"), "{name}");
        assert_eq!(umbrella_now.domains, ["umbrella.com"]);
        // Undoing twice is a conflict page, not a crash.
        let res = w.post(&undo, &[]).await;
        assert_eq!(res.status(), StatusCode::CONFLICT, "{name}");

        // Itself, an account that is gone, a loop: the error says what to do.
        let res = w
            .post(
                &format!("/accounts/{umbrella}/merge"),
                &[("with", &u), ("survivor", &u)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("cannot be merged with itself"));
        let (status, body) = w
            .get(&format!("/accounts/{umbrella}/merge?with=999999"))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"with-error\"") && body.contains("does not exist"));
        let child = account(
            &w,
            NewAccount {
                name: "Umbrella Labs".into(),
                parent_id: Some(umbrella),
                ..Default::default()
            },
        )
        .await;
        let c = child.to_string();
        let res = w
            .post(
                &format!("/accounts/{child}/merge"),
                &[("with", &u), ("survivor", &c)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::CONFLICT, "{name}");
        let body = res.text().await.unwrap();
        assert!(
            body.contains("id=\"merge-error\"") && body.contains("instead"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_read_only_user_is_not_offered_the_merge() {
    for w in web::each_backend(Role::ReadOnly).await {
        let a = account(
            &w,
            NewAccount {
                name: "Soylent".into(),
                ..Default::default()
            },
        )
        .await;
        let page = w.page(&format!("/accounts/{a}")).await;
        assert!(!page.contains("id=\"account-merge-link\""), "{}", w.name);
    }
}
