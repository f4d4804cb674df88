//! The listener's limits (connection cap, header and request timeouts) and the security
//! headers of every answer.

mod common;

use abcrm_core::model::Role;
use abcrm_server::Limits;
use abcrm_store::testing::backends;
use common::web;
use reqwest::header::COOKIE;
use reqwest::StatusCode;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A server with `limits` on the first backend: its address and the store kept alive.
async fn server(limits: Limits) -> (String, abcrm_store::testing::TestStore) {
    let t = backends().await.into_iter().next().expect("a backend");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(abcrm_server::serve_with(listener, t.store.clone(), limits));
    (addr, t)
}

/// Waits for the server to close `conn`: true when it did within `within`.
async fn closed_within(conn: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, conn.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            // Whatever it wrote before closing (an error answer) is read past.
            Ok(Ok(_)) => continue,
        }
    }
}

#[tokio::test]
async fn a_connection_that_sends_no_request_is_closed_after_the_header_timeout() {
    let (addr, _t) = server(Limits {
        header_read_timeout: Duration::from_millis(300),
        ..Limits::default()
    })
    .await;
    let mut silent = TcpStream::connect(&addr).await.unwrap();
    assert!(closed_within(&mut silent, Duration::from_secs(5)).await);
    let mut kept_alive = TcpStream::connect(&addr).await.unwrap();
    kept_alive
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    assert!(
        closed_within(&mut kept_alive, Duration::from_secs(5)).await,
        "an idle kept-alive connection is closed too"
    );
}

#[tokio::test]
async fn silent_connections_past_the_cap_wait_their_turn_and_the_server_still_answers() {
    let header_timeout = Duration::from_millis(400);
    let (addr, _t) = server(Limits {
        max_connections: 4,
        header_read_timeout: header_timeout,
        ..Limits::default()
    })
    .await;
    let mut silent = Vec::new();
    for _ in 0..12 {
        silent.push(TcpStream::connect(&addr).await.unwrap());
    }
    let started = Instant::now();
    let res = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .expect("the server answers once the silent connections are closed");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        started.elapsed() >= header_timeout,
        "the request waited for a place: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_request_whose_body_never_comes_is_answered_408() {
    let (addr, _t) = server(Limits {
        request_timeout: Duration::from_millis(500),
        ..Limits::default()
    })
    .await;
    let mut conn = TcpStream::connect(&addr).await.unwrap();
    conn.write_all(
        b"POST /login HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-www-form-urlencoded\r\n\
          Content-Length: 100\r\n\r\nemail=",
    )
    .await
    .unwrap();
    let mut answer = vec![0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(10), conn.read(&mut answer))
        .await
        .expect("an answer before the test gives up")
        .unwrap();
    let head = String::from_utf8_lossy(&answer[..n]);
    assert!(head.starts_with("HTTP/1.1 408"), "{head}");
}

#[tokio::test]
async fn pages_and_api_answers_carry_the_security_headers() {
    for w in web::each_backend(Role::Sales).await {
        let res = w
            .client
            .get(format!("{}/", w.base))
            .header(COOKIE, &w.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "same-origin");
        assert_eq!(
            h["cache-control"], "no-store",
            "{}: signed-in pages",
            w.name
        );

        let api = w
            .client
            .get(format!("{}/api/v1/accounts", w.base))
            .send()
            .await
            .unwrap();
        assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(api.headers()["x-content-type-options"], "nosniff");

        let css = w
            .client
            .get(format!("{}/static/app.css", w.base))
            .send()
            .await
            .unwrap();
        assert_eq!(css.headers()["cache-control"], "public, max-age=3600");
        assert_eq!(css.headers()["x-content-type-options"], "nosniff");
    }
}
