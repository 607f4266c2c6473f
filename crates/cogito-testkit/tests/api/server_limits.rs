//! What slow and idle clients can hold of the server (security bar REL-06): 500 slowloris
//! connections (a header byte a second) are closed by the header timeout while normal requests
//! stay fast, a body trickled past the body timeout fails its request, and connections beyond
//! the cap wait to be accepted until others close.

use std::time::{Duration, Instant};

use cogito_server::listen::Limits;
use cogito_testkit::{TestApp, TestOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const HEADER_TIMEOUT: Duration = Duration::from_secs(2);
const BODY_TIMEOUT: Duration = Duration::from_secs(2);

async fn app_with(max_connections: usize) -> TestApp {
    TestApp::spawn_with(TestOptions {
        limits: Some(Limits {
            header_timeout: HEADER_TIMEOUT,
            body_timeout: BODY_TIMEOUT,
            max_connections,
        }),
        ..Default::default()
    })
    .await
}

/// Sends a request head one byte a second, never finishing it; how long after `start` the
/// server closed the connection (`None`: still open after `give_up`).
async fn trickle_head(mut s: TcpStream, start: Instant, give_up: Duration) -> Option<Duration> {
    let head = b"POST / HTTP/1.1\r\nHost: cogito\r\nX-Slow: ";
    let mut buf = [0u8; 512];
    let mut i = 0usize;
    while start.elapsed() < give_up {
        let byte = head.get(i).copied().unwrap_or(b'a');
        i += 1;
        if s.write_all(&[byte]).await.is_err() {
            return Some(start.elapsed());
        }
        // Anything the server says (a 408) is followed by the close; a read of 0 is the close.
        let read = tokio::time::timeout(Duration::from_secs(1), s.read(&mut buf)).await;
        if let Ok(Ok(0) | Err(_)) = read {
            return Some(start.elapsed());
        }
    }
    None
}

#[tokio::test]
async fn rel_06_slowloris_connections_are_closed_and_do_not_delay_requests() {
    let app = app_with(4096).await;
    let pool = app.pool("p").await;
    let mut slow = Vec::new();
    for _ in 0..500 {
        slow.push(TcpStream::connect(app.addr).await.expect("connect"));
    }
    let start = Instant::now();
    let give_up = HEADER_TIMEOUT + Duration::from_secs(10);
    let tasks: Vec<_> = slow
        .into_iter()
        .map(|s| tokio::spawn(trickle_head(s, start, give_up)))
        .collect();
    // Normal requests meanwhile: each answered well inside its bound.
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let t = Instant::now();
        app.sdk
            .describe_user_pool()
            .user_pool_id(&pool)
            .send()
            .await
            .expect("describe");
        slowest = slowest.max(t.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        slowest < Duration::from_secs(1),
        "a normal request took {slowest:?} beside 500 slow connections"
    );
    let mut closed_after = Vec::new();
    for t in tasks {
        closed_after.push(t.await.expect("task"));
    }
    let still_open = closed_after.iter().filter(|c| c.is_none()).count();
    assert_eq!(still_open, 0, "slowloris connections the server kept open");
    let latest = closed_after
        .iter()
        .flatten()
        .max()
        .copied()
        .unwrap_or_default();
    assert!(
        latest <= HEADER_TIMEOUT + Duration::from_secs(3),
        "the last slow connection was closed only after {latest:?}"
    );
}

#[tokio::test]
async fn rel_06_a_body_trickled_past_the_body_timeout_fails_its_request() {
    let app = app_with(4096).await;
    let mut s = TcpStream::connect(app.addr).await.expect("connect");
    let head = "POST / HTTP/1.1\r\nHost: cogito\r\nContent-Type: application/x-amz-json-1.1\r\n\
                X-Amz-Target: AWSCognitoIdentityProviderService.ListUserPools\r\n\
                Content-Length: 1000\r\n\r\n";
    s.write_all(head.as_bytes()).await.expect("head");
    let start = Instant::now();
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    while start.elapsed() < BODY_TIMEOUT + Duration::from_secs(8) {
        if s.write_all(b"{").await.is_err() {
            break;
        }
        match tokio::time::timeout(Duration::from_millis(500), s.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => break,
            Ok(Ok(n)) => answer.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
        if !answer.is_empty() {
            break;
        }
    }
    let took = start.elapsed();
    assert!(
        took <= BODY_TIMEOUT + Duration::from_secs(3),
        "the slow body held the request for {took:?}"
    );
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
        "a slow body must not be served: {answer}"
    );
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_until_others_close() {
    let app = app_with(3).await;
    // Three connections that never send a request hold every slot until the header timeout.
    let mut idle = Vec::new();
    for _ in 0..3 {
        idle.push(TcpStream::connect(app.addr).await.expect("connect"));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let start = Instant::now();
    let health = reqwest::Client::new()
        .get(format!("{}/health", app.url))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("health");
    let waited = start.elapsed();
    assert_eq!(health.status(), 200);
    assert!(
        waited >= HEADER_TIMEOUT - Duration::from_millis(500),
        "a fourth connection was served at once ({waited:?}) past a cap of 3"
    );
    assert!(
        waited < HEADER_TIMEOUT + Duration::from_secs(3),
        "{waited:?}"
    );
    drop(idle);
}
