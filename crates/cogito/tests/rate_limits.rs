//! Rate limits of the real `cogito serve` (security bar SEC-40): a limit holds when a burst is
//! split across two instances on one PostgreSQL database, an `X-Forwarded-For` sent by a client
//! that is no trusted proxy changes nothing, and one sent through a configured trusted proxy
//! names the client whose limit counts.
//!
//! The limit is set per day (`sign-up.source=6/86400`) so the whole test falls in one window.

use std::path::Path;

use cogito_store::postgres::testing::TempDatabase;
use cogito_testkit::sdk;
use sdk::error::ProvideErrorMetadata;

mod support;

use support::{Server, http, pool_and_client};

const KEY_ID: &str = "AKIARATELIMITS000001";
const SECRET: &str = "rate-limits-secret-access-key-0123456789";
const MASTER: &str = "6b1d8d2f1f4c5e3b9a7f0c2d4e6f8a01b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7";
const LIMIT: usize = 6;

async fn serve(database_url: &str, dir: &Path, name: &str, extra: &[&str]) -> Server {
    let data = dir.join(name);
    std::fs::create_dir_all(&data).expect("data dir");
    let mut args: Vec<std::ffi::OsString> = vec![
        "--data-dir".into(),
        data.into(),
        "--database-url".into(),
        database_url.into(),
        "--master-key".into(),
        MASTER.into(),
        "--rate-limit".into(),
        format!("sign-up.source={LIMIT}/86400").into(),
    ];
    args.extend(extra.iter().map(Into::into));
    Server::start(dir, name, (KEY_ID, SECRET), &args).await
}

/// A SignUp through the JSON API with an optional `X-Forwarded-For`; the error type, if any.
async fn sign_up(
    server: &Server,
    client: &str,
    username: &str,
    xff: Option<&str>,
) -> Option<String> {
    let body = serde_json::json!({
        "ClientId": client,
        "Username": username,
        "Password": "Passw0rd!",
    });
    let mut req = http()
        .post(&server.url)
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", "AWSCognitoIdentityProviderService.SignUp")
        .body(body.to_string());
    if let Some(xff) = xff {
        req = req.header("x-forwarded-for", xff);
    }
    let resp = req.send().await.expect("sign up");
    if resp.status().is_success() {
        return None;
    }
    let v: serde_json::Value = resp.json().await.expect("error body");
    Some(v["__type"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec_40_rate_limits_hold_across_instances_and_ignore_untrusted_forwarding() {
    let Some(pg) = TempDatabase::from_env().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let a = serve(pg.url(), dir.path(), "a", &[]).await;
    let b = serve(pg.url(), dir.path(), "b", &[]).await;
    let (_pool, client) = pool_and_client(&a.sdk(), "limits").await;

    // 2 × LIMIT sign-ups from this address, alternating between the instances.
    let mut answers = Vec::new();
    for i in 0..2 * LIMIT {
        let server = if i % 2 == 0 { &a } else { &b };
        answers.push(sign_up(server, &client, &format!("split{i}"), None).await);
    }
    let accepted = answers.iter().filter(|a| a.is_none()).count();
    assert_eq!(accepted, LIMIT, "{answers:?}");
    assert!(
        answers
            .iter()
            .flatten()
            .all(|e| e == "TooManyRequestsException"),
        "{answers:?}"
    );

    // A client naming another address itself is still this address.
    for (i, xff) in ["198.51.100.1", "198.51.100.2, 203.0.113.9"]
        .iter()
        .enumerate()
    {
        let r = sign_up(&a, &client, &format!("spoof{i}"), Some(xff)).await;
        assert_eq!(r.as_deref(), Some("TooManyRequestsException"), "{xff}");
    }

    // Through a trusted proxy (this address), the forwarded address is the client's.
    let c = serve(pg.url(), dir.path(), "c", &["--trusted-proxy", "127.0.0.1"]).await;
    let r = sign_up(&c, &client, "forwarded0", Some("198.51.100.7")).await;
    assert_eq!(
        r, None,
        "another client behind the trusted proxy has its own limit"
    );
    let r = sign_up(&c, &client, "forwarded1", None).await;
    assert_eq!(
        r.as_deref(),
        Some("TooManyRequestsException"),
        "the proxy's own requests count as its address"
    );

    // The SDK sees the same error.
    let sdk_err = a
        .sdk()
        .sign_up()
        .client_id(&client)
        .username("via-sdk")
        .password("Passw0rd!")
        .send()
        .await
        .expect_err("over the limit");
    assert_eq!(sdk_err.code(), Some("TooManyRequestsException"));
}
