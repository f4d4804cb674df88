//! Sign-in, sessions and CSRF of the web UI, on both backends.

mod common;

use abcrm_core::model::Role;
use common::web::{self, Web};
use reqwest::header::COOKIE;
use reqwest::StatusCode;

#[tokio::test]
async fn pages_need_a_session_and_sign_in_checks_the_password() {
    for w in web::each_backend(Role::Sales).await {
        // Without a session, a page sends the visitor to sign in and back.
        let res = web::client()
            .get(format!("{}/?period=month", w.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", w.name);
        assert_eq!(Web::location(&res), "/login?next=%2F%3Fperiod%3Dmonth");

        let client = web::client();
        let (cookie, body) =
            web::log_in(&client, &w.base, "sales@example.com", "not the password").await;
        assert!(cookie.is_none(), "{}: a wrong password signs in", w.name);
        assert!(
            body.contains("the email or password is not right"),
            "{body}"
        );
        let (cookie, _) = web::log_in(&client, &w.base, "nobody@example.com", web::PASSWORD).await;
        assert!(cookie.is_none());
        let (cookie, body) = web::log_in(&client, &w.base, "not an email", web::PASSWORD).await;
        assert!(cookie.is_none());
        assert!(
            body.contains("id=\"email-error\""),
            "the error is beside the field: {body}"
        );

        let page = w.page("/").await;
        assert!(
            page.contains("Web Tester"),
            "{}: the layout names the user",
            w.name
        );
    }
}

#[tokio::test]
async fn a_form_without_the_csrf_token_or_from_another_site_is_refused() {
    for w in web::each_backend(Role::Sales).await {
        let res = w.post_raw("/logout", &[]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{}", w.name);
        assert!(res.text().await.unwrap().contains("security token"));
        let res = w.post_raw("/logout", &[("csrf", "guessed")]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = w
            .client
            .post(format!("{}/logout", w.base))
            .header(COOKIE, &w.cookie)
            .header("origin", "https://evil.example")
            .form(&[("csrf", w.csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        // Still signed in after all that; signing out ends the session.
        w.page("/").await;
        let res = w.post("/logout", &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (status, _) = w.get("/").await;
        assert_eq!(
            status,
            StatusCode::SEE_OTHER,
            "{}: the session ended",
            w.name
        );
    }
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_email_for_a_while() {
    for w in web::each_backend(Role::Marketing).await {
        let client = web::client();
        for _ in 0..5 {
            let (cookie, _) = web::log_in(&client, &w.base, "marketing@example.com", "guess").await;
            assert!(cookie.is_none());
        }
        let (cookie, body) =
            web::log_in(&client, &w.base, "marketing@example.com", web::PASSWORD).await;
        assert!(
            cookie.is_none(),
            "{}: the right password is refused now",
            w.name
        );
        assert!(body.contains("too many wrong passwords"), "{body}");
    }
}
