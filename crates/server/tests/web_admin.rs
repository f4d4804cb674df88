//! The admin pages, on both backends: people invited (a link shown once, where they choose a
//! password that then signs them in; used or replaced, it works no more), roles given, access ended, tokens made and revoked; the last admin keeps the role;
//! nobody but an admin gets in.

mod common;

use abcrm_core::model::*;
use common::web::{self, Web};
use reqwest::StatusCode;

/// The text a page shows once after `marker`, up to the next tag.
fn shown(body: &str, marker: &str) -> String {
    body.split(marker)
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_else(|| panic!("nothing shown after {marker}: {body}"))
        .to_string()
}

#[tokio::test]
async fn an_admin_adds_a_person_changes_roles_ends_access_and_revokes_tokens() {
    for w in web::each_backend(Role::Admin).await {
        let page = w.page("/admin/users").await;
        assert!(
            page.contains("href=\"/admin/users\""),
            "the nav shows Admin: {}",
            w.name
        );
        assert!(page.contains("id=\"users-table\""));

        // A person invited gets a link, shown once, where they choose their password.
        let res = w
            .post(
                "/admin/users",
                &[
                    ("email", "Pat@Example.com"),
                    ("name", "Pat Lee"),
                    ("role", "sales"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{}", w.name);
        let body = res.text().await.unwrap();
        let link = shown(&body, "<code id=\"invite-link-url\">");
        let path = link
            .split_once("/invite/")
            .map(|(_, secret)| format!("/invite/{secret}"))
            .unwrap_or_else(|| panic!("a link: {link}"));
        assert!(link.starts_with("http://127.0.0.1:"), "{link}");
        assert!(w
            .page("/admin/users")
            .await
            .contains("invited (link works until"));
        let visit = |path: String| {
            let w = &w;
            async move {
                let res = web::client()
                    .get(format!("{}{path}", w.base))
                    .send()
                    .await
                    .unwrap();
                (res.status(), res.text().await.unwrap())
            }
        };
        let (status, page) = visit(path.clone()).await;
        assert_eq!(status, StatusCode::OK, "{}: {page}", w.name);
        assert!(page.contains("Welcome, Pat Lee") && page.contains("pat@example.com"));
        let choose = |fields: Vec<(&'static str, &'static str)>| {
            let (w, path) = (&w, path.clone());
            async move {
                web::client()
                    .post(format!("{}{path}", w.base))
                    .header("origin", &w.base)
                    .form(&fields)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let res = choose(vec![("password", "short"), ("again", "short")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().await.unwrap().contains("at least 10 characters"));
        let res = choose(vec![
            ("password", "a long new password"),
            ("again", "a long new passw0rd"),
        ])
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().await.unwrap().contains("differ"));
        let res = choose(vec![
            ("password", "a long new password"),
            ("again", "a long new password"),
        ])
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        assert!(
            web::cookie_pair(&res, "abcrm_session").is_some(),
            "signed in at once"
        );
        let password = "a long new password".to_string();
        let (cookie, _) = web::log_in(&w.client, &w.base, "pat@example.com", &password).await;
        assert!(cookie.is_some(), "{}: the chosen password signs in", w.name);
        // The link is spent.
        let (status, page) = visit(path.clone()).await;
        assert_eq!(status, StatusCode::GONE);
        assert!(page.contains("id=\"invite-gone\""));
        let res = choose(vec![
            ("password", "another long password"),
            ("again", "another long password"),
        ])
        .await;
        assert_eq!(
            res.status(),
            StatusCode::GONE,
            "{}: a spent link sets nothing",
            w.name
        );
        let (status, _) = visit(format!("/invite/{}", "x".repeat(500))).await;
        assert_eq!(status, StatusCode::GONE);
        let pat = w
            .store
            .find_user_by_email(&abcrm_core::normalize::Email::parse("pat@example.com").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(pat.role, Role::Sales);

        // A bad email, and the same one again, say why.
        let res = w
            .post("/admin/users", &[("email", "pat@"), ("role", "sales")])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(w
            .page(&Web::location(&res))
            .await
            .contains("id=\"admin-error\""));

        // Roles: Pat becomes marketing; the only admin (this user) cannot step down.
        let res = w
            .post(
                &format!("/admin/users/{}/role", pat.id.0),
                &[("role", "marketing")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        assert_eq!(
            w.store.get_users(&[pat.id]).await.unwrap()[0].role,
            Role::Marketing
        );
        let res = w
            .post(
                &format!("/admin/users/{}/role", w.user),
                &[("role", "sales")],
            )
            .await;
        let page = w.page(&Web::location(&res)).await;
        assert!(page.contains("last admin"), "{}: {page}", w.name);
        let res = w
            .post(
                &format!("/admin/users/{}/role", pat.id.0),
                &[("role", "emperor")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);

        // Tokens: one made for Pat shows its secret once and works until revoked.
        let res = w
            .post(
                "/admin/tokens",
                &[("user_id", &pat.id.0.to_string()), ("name", "laptop")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{}", w.name);
        let body = res.text().await.unwrap();
        let secret = shown(&body, "<code id=\"new-token-secret\">");
        assert!(secret.starts_with("abcrm_"), "{body}");
        let api = |secret: String| {
            let w = &w;
            async move {
                w.client
                    .get(format!("{}/api/v1/accounts?limit=1", w.base))
                    .bearer_auth(secret)
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        assert_eq!(api(secret.clone()).await, StatusCode::OK);
        let token = w.store.list_api_tokens().await.unwrap()[0].id;
        let res = w
            .post(&format!("/admin/tokens/{}/revoke", token.0), &[])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(api(secret).await, StatusCode::UNAUTHORIZED, "{}", w.name);
        assert!(w
            .page("/admin/tokens")
            .await
            .contains(&format!("data-token-id=\"{}\"", token.0)));

        // A new link for Pat; deactivating Pat ends their access, and the link with it.
        let res = w
            .post(&format!("/admin/users/{}/invite", pat.id.0), &[])
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{}", w.name);
        let link = shown(&res.text().await.unwrap(), "<code id=\"invite-link-url\">");
        let fresh = format!("/invite/{}", link.split_once("/invite/").unwrap().1);
        assert_eq!(visit(fresh.clone()).await.0, StatusCode::OK);
        let res = w
            .post(&format!("/admin/users/{}/deactivate", pat.id.0), &[])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(visit(fresh).await.0, StatusCode::GONE, "{}", w.name);
        let (cookie, _) = web::log_in(&w.client, &w.base, "pat@example.com", &password).await;
        assert!(
            cookie.is_none(),
            "{}: a deactivated person cannot sign in",
            w.name
        );
    }
}

#[tokio::test]
async fn only_an_admin_reaches_the_admin_pages() {
    for w in web::each_backend(Role::Sales).await {
        assert!(
            !w.page("/").await.contains("href=\"/admin/users\""),
            "{}",
            w.name
        );
        for path in ["/admin/users", "/admin/tokens"] {
            assert_eq!(
                w.get(path).await.0,
                StatusCode::FORBIDDEN,
                "{}: {path}",
                w.name
            );
        }
        let res = w.post("/admin/users", &[("email", "x@example.com")]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = w
            .post(
                &format!("/admin/users/{}/role", w.user),
                &[("role", "admin")],
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::FORBIDDEN,
            "nobody makes themselves admin"
        );
    }
}

#[tokio::test]
async fn the_scoring_model_is_edited_with_a_mistake_shown_on_its_line() {
    for w in web::each_backend(Role::Marketing).await {
        let page = w.page("/admin/model").await;
        assert!(page.contains("id=\"model-body\""), "{}", w.name);
        let shipped = w.store.scoring_model().await.unwrap();
        assert!(shipped.id.is_none());
        // A typo in a field name: refused on its line, nothing saved, the text kept.
        let broken = shipped
            .body
            .replacen("contact.", "contact.senority_typo_", 1);
        let res = w.post("/admin/model", &[("body", &broken)]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}", w.name);
        let body = res.text().await.unwrap();
        assert!(
            body.contains("id=\"model-error\"") && body.contains("line "),
            "{body}"
        );
        assert!(
            body.contains("senority_typo_"),
            "the text as typed comes back"
        );
        assert!(
            w.store.scoring_model().await.unwrap().id.is_none(),
            "nothing saved"
        );
        // The model as shipped, with a tweak, is saved as version 1.
        let tweaked = format!("{}\n", shipped.body.trim_end());
        let res = w.post("/admin/model", &[("body", &tweaked)]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        let saved = w.store.scoring_model().await.unwrap();
        assert_eq!((saved.id.is_some(), saved.version), (true, 1), "{}", w.name);
        assert!(w.page(&Web::location(&res)).await.contains("version 1"));
    }
    // A preview scores every account under the model as typed and saves nothing.
    for w in web::each_backend(Role::Marketing).await {
        for name in ["Initech", "Hooli"] {
            w.store
                .create_account(
                    &Actor::system("test"),
                    NewAccount {
                        name: name.into(),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
        }
        let shipped = w.store.scoring_model().await.unwrap();
        let eager = shipped
            .body
            .replace("engaged_at = 10\n", "engaged_at = 0\n");
        assert_ne!(eager, shipped.body, "the shipped model has the line");
        let res = w
            .post("/admin/model", &[("body", &eager), ("action", "preview")])
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{}", w.name);
        let page = res.text().await.unwrap();
        let shifts = page
            .split("id=\"preview-shifts\"")
            .nth(1)
            .unwrap_or_else(|| panic!("{}: no preview in {page}", w.name));
        assert!(
            shifts.contains("<td>target</td><td>engaged</td><td class=\"num\">2</td>"),
            "{}: {shifts}",
            w.name
        );
        assert!(page.contains(">Hooli</a>") && page.contains(">Initech</a>"));
        assert!(
            page.contains("engaged_at = 0"),
            "the text as typed stays in the box"
        );
        assert!(
            w.store.scoring_model().await.unwrap().id.is_none(),
            "nothing saved"
        );
        let accounts = w
            .store
            .list_accounts(&Default::default(), Default::default())
            .await
            .unwrap();
        assert!(
            accounts
                .items
                .iter()
                .all(|a| a.stage == AccountStage::Target),
            "{}: no stage moved",
            w.name
        );
        // A mistake is shown on its line, as for a save.
        let res = w
            .post(
                "/admin/model",
                &[
                    ("body", "name = \"x\"\n[stages]\nengaged_at = -\n"),
                    ("action", "preview"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    for w in web::each_backend(Role::Sales).await {
        assert_eq!(
            w.get("/admin/model").await.0,
            StatusCode::FORBIDDEN,
            "{}",
            w.name
        );
    }
}
