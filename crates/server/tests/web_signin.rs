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

/// Sends `n` wrong passwords for `email` at once from `client`: how many were checked and
/// found wrong, and how many were refused for too many failures.
async fn guess_at_once(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    n: usize,
) -> (usize, usize) {
    let guesses = (0..n).map(|i| {
        let password = format!("guess number {i}");
        async move {
            let res = web::send_sign_in(client, base, email, &password, "/").await;
            assert!(
                web::cookie_pair(&res, "abcrm_session").is_none(),
                "a guess signed in"
            );
            let status = res.status();
            let body = res.text().await.unwrap();
            (status, body)
        }
    });
    let answers = futures_util::future::join_all(guesses).await;
    let wrong = answers
        .iter()
        .filter(|(_, b)| b.contains("the email or password is not right"))
        .count();
    let refused = answers
        .iter()
        .filter(|(s, b)| {
            *s == StatusCode::TOO_MANY_REQUESTS && b.contains("too many wrong passwords")
        })
        .count();
    (wrong, refused)
}

/// A client whose connections come from `ip` (any 127.x address reaches a server on 127.0.0.1).
fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .local_address(ip.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn twenty_wrong_passwords_sent_at_once_are_all_counted_and_the_sixth_on_is_refused() {
    for w in web::each_backend(Role::Marketing).await {
        let client = web::client();
        let (wrong, refused) = guess_at_once(&client, &w.base, "marketing@example.com", 20).await;
        assert_eq!((wrong, refused), (5, 15), "{}", w.name);
        let res = web::send_sign_in(
            &client,
            &w.base,
            "marketing@example.com",
            web::PASSWORD,
            "/",
        )
        .await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{}", w.name);
        assert!(res.headers().contains_key("retry-after"));
    }
}

#[tokio::test]
async fn each_wrong_password_past_five_makes_the_address_wait_longer_not_a_fixed_lock() {
    for w in web::each_backend(Role::Marketing).await {
        let client = web::client();
        for _ in 0..5 {
            let (cookie, _) = web::log_in(&client, &w.base, "marketing@example.com", "guess").await;
            assert!(cookie.is_none());
        }
        let res = web::send_sign_in(
            &client,
            &w.base,
            "marketing@example.com",
            web::PASSWORD,
            "/",
        )
        .await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{}", w.name);
        let wait: u64 = res.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(wait, 1, "{}: the first wait is a second", w.name);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("too many wrong passwords"));
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let (cookie, body) =
            web::log_in(&client, &w.base, "marketing@example.com", web::PASSWORD).await;
        assert!(
            cookie.is_some(),
            "{}: the right password works after the wait: {body}",
            w.name
        );
    }
}

#[tokio::test]
async fn a_flood_of_guesses_from_another_address_does_not_keep_the_user_out() {
    for w in web::each_backend(Role::Admin).await {
        let attacker = client_from("127.0.0.2");
        let (wrong, refused) = guess_at_once(&attacker, &w.base, "admin@example.com", 20).await;
        assert_eq!(wrong + refused, 20, "{}", w.name);
        assert!(refused >= 15, "{}: the attacker is slowed down", w.name);
        let (cookie, body) = web::log_in(
            &client_from("127.0.0.1"),
            &w.base,
            "admin@example.com",
            web::PASSWORD,
        )
        .await;
        assert!(
            cookie.is_some(),
            "{}: the user signs in from their own address: {body}",
            w.name
        );
    }
}

#[tokio::test]
async fn sign_in_never_sends_the_user_to_another_site() {
    for w in web::each_backend(Role::Sales).await {
        let client = web::client();
        for next in [
            "/%09/evil.example",
            "/\t/evil.example",
            "//evil.example",
            "/\\evil.example",
            "/%2F%2Fevil.example",
        ] {
            let res =
                web::send_sign_in(&client, &w.base, "sales@example.com", web::PASSWORD, next).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}: {next:?}", w.name);
            assert_eq!(Web::location(&res), "/", "{}: {next:?}", w.name);
        }
        let res = web::send_sign_in(
            &client,
            &w.base,
            "sales@example.com",
            web::PASSWORD,
            "/accounts?sort=name",
        )
        .await;
        assert_eq!(Web::location(&res), "/accounts?sort=name");
    }
}
