//! Two real `cogito serve` processes on one database (issue 7, acceptance item 4): a sign-in on A
//! refreshes on B; a sign-up code sent by A confirms on B; GlobalSignOut on B makes A refuse the
//! access token; a wrong-password burst split across A and B locks the user at exactly the
//! lockout threshold; `cogito keys rotate` run as a third process reaches B's JWKS and B's new
//! tokens within seconds while tokens signed before keep verifying on both; a client change made
//! on A reaches B's cache within seconds.
//!
//! On PostgreSQL (`COGITO_TEST_DATABASE_URL`, skipped when unset unless `COGITO_REQUIRE_PG=1`)
//! and, for the cache-invalidation part, on one SQLite file shared by both processes. Real SigV4
//! admin credentials, the real lockout policy. Waits are polls with deadlines, never fixed sleeps;
//! children are killed when their guard drops.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use cogito_store::postgres::testing::TempDatabase;
use cogito_testkit::sdk;
use sdk::error::ProvideErrorMetadata;
use sdk::types::{AuthFlowType, ExplicitAuthFlowsType};

const KEY_ID: &str = "AKIAMULTIINSTANCE001";
const SECRET: &str = "multi-instance-secret-access-key-0123456";
const MASTER: &str = "5a0c7c1f0e3b4d2a8f6e9b1c3d5e7f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
const PW: &str = "Passw0rd!";
const PUBLIC_URL: &str = "http://cogito.multi.test";
/// How long a change made by one instance may take to reach the other (the cache re-reads a
/// pool's version once a second; the rest is slack for a loaded machine).
const PROPAGATION: Duration = Duration::from_secs(10);
/// The lockout threshold of the core (`cogito_core::service::auth::LOCKOUT`).
const LOCKOUT_THRESHOLD: usize = 5;

mod support;

use support::{Server, attr, http, pool_and_client};

/// `cogito serve` `name` on `database_url` with the shared master key and public URL.
async fn serve(database_url: &str, data_dir: &Path, name: &str) -> Server {
    let args: Vec<std::ffi::OsString> = vec![
        "--data-dir".into(),
        data_dir.into(),
        "--database-url".into(),
        database_url.into(),
        "--master-key".into(),
        MASTER.into(),
        // Instances behind one load balancer share the public URL (the tokens' issuer).
        "--public-url".into(),
        PUBLIC_URL.into(),
    ];
    Server::start(data_dir, name, (KEY_ID, SECRET), &args).await
}

/// Runs the `cogito` binary to completion (bounded) and returns its stdout.
fn cogito(args: &[&str], database_url: &str, data_dir: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_cogito"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--database-url", database_url, "--master-key", MASTER])
        .env("RUST_LOG", "warn")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .output()
        .expect("run cogito");
    assert!(
        out.status.success(),
        "cogito {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Polls `check` until it answers `Some` or the deadline passes.
async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A confirmed user with a permanent password, created through `sdk`.
async fn confirmed_user(sdk: &sdk::Client, pool: &str, username: &str) {
    sdk.admin_create_user()
        .user_pool_id(pool)
        .username(username)
        .user_attributes(attr("email", &format!("{username}@example.com")))
        .message_action(sdk::types::MessageActionType::Suppress)
        .send()
        .await
        .expect("admin create user");
    sdk.admin_set_user_password()
        .user_pool_id(pool)
        .username(username)
        .password(PW)
        .permanent(true)
        .send()
        .await
        .expect("set password");
}

/// Tokens of a USER_PASSWORD_AUTH sign-in: (access, refresh).
async fn sign_in(sdk: &sdk::Client, client: &str, username: &str) -> (String, String) {
    let r = sdk
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", PW)
        .send()
        .await
        .unwrap_or_else(|e| panic!("sign-in of {username}: {e:?}"));
    let tokens = r.authentication_result.expect("tokens");
    (
        tokens.access_token.expect("access token"),
        tokens.refresh_token.expect("refresh token"),
    )
}

/// The `kid` in a JWT's header.
fn kid_of(jwt: &str) -> String {
    let header = jwt.split('.').next().expect("header");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .expect("base64url header");
    let header: serde_json::Value = serde_json::from_slice(&bytes).expect("header json");
    header["kid"].as_str().expect("kid").to_string()
}

/// GetUser with an access token: `Ok(username)` or the error code.
async fn get_user(sdk: &sdk::Client, access: &str) -> Result<String, String> {
    sdk.get_user()
        .access_token(access)
        .send()
        .await
        .map(|r| r.username)
        .map_err(|e| e.code().unwrap_or("no code").to_string())
}

/// A sign-in: A issues, B refreshes; both accept the access tokens.
async fn refresh_across(a: &Server, b: &Server, client: &str) {
    let (access, refresh) = sign_in(&a.sdk(), client, "alice").await;
    let refreshed = b
        .sdk()
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &refresh)
        .send()
        .await
        .expect("REFRESH_TOKEN_AUTH on B of a sign-in on A")
        .authentication_result
        .and_then(|t| t.access_token)
        .expect("refreshed access token");
    assert_eq!(get_user(&a.sdk(), &refreshed).await.as_deref(), Ok("alice"));
    assert_eq!(get_user(&b.sdk(), &access).await.as_deref(), Ok("alice"));
}

/// A sign-up on A; its code (read with `cogito outbox`) confirms on B.
async fn sign_up_code_across(
    a: &Server,
    b: &Server,
    pool: &str,
    client: &str,
    db: &str,
    dir: &Path,
) {
    a.sdk()
        .sign_up()
        .client_id(client)
        .username("sam")
        .password(PW)
        .user_attributes(attr("email", "sam@example.com"))
        .send()
        .await
        .expect("sign-up on A");
    let code = cogito(
        &[
            "outbox",
            "--pool",
            pool,
            "--username",
            "sam",
            "--latest-code",
        ],
        db,
        dir,
    );
    b.sdk()
        .confirm_sign_up()
        .client_id(client)
        .username("sam")
        .confirmation_code(code.trim())
        .send()
        .await
        .expect("the code sent by A confirms on B");
    sign_in(&b.sdk(), client, "sam").await;
}

/// `cogito keys rotate` as a third process: B publishes the new kids and signs with them within
/// seconds; a token signed before still verifies on A and B, and the old kids stay published.
async fn rotation_reaches_b(
    a: &Server,
    b: &Server,
    pool: &str,
    client: &str,
    db: &str,
    dir: &Path,
) {
    let (before, _) = sign_in(&a.sdk(), client, "alice").await;
    let old_kids = b.jwks_kids(pool).await;
    assert_eq!(old_kids.len(), 2, "{old_kids:?}");
    assert!(old_kids.contains(&kid_of(&before)));
    let out = cogito(&["keys", "rotate", "--pool", pool], db, dir);
    let rotation: serde_json::Value = serde_json::from_str(out.trim()).expect("rotation json");
    let new_kids: Vec<String> = rotation["new_kids"]
        .as_array()
        .expect("new_kids")
        .iter()
        .map(|k| k.as_str().expect("kid").to_string())
        .collect();
    assert_eq!(new_kids.len(), 2);
    let mut retired: Vec<String> = rotation["retired_kids"]
        .as_array()
        .expect("retired_kids")
        .iter()
        .map(|k| k.as_str().expect("kid").to_string())
        .collect();
    retired.sort();
    let mut sorted_old = old_kids.clone();
    sorted_old.sort();
    assert_eq!(retired, sorted_old);
    for server in [b, a] {
        let kids = eventually("new kids in the JWKS", PROPAGATION, || async {
            let kids = server.jwks_kids(pool).await;
            new_kids.iter().all(|k| kids.contains(k)).then_some(kids)
        })
        .await;
        assert!(
            old_kids.iter().all(|k| kids.contains(k)),
            "retired keys stay published: {kids:?}"
        );
    }
    let (after, _) = sign_in(&b.sdk(), client, "alice").await;
    assert!(
        new_kids.contains(&kid_of(&after)),
        "B signs with a new key: {} not in {new_kids:?}",
        kid_of(&after)
    );
    for server in [a, b] {
        assert_eq!(
            get_user(&server.sdk(), &before).await.as_deref(),
            Ok("alice")
        );
        assert_eq!(
            get_user(&server.sdk(), &after).await.as_deref(),
            Ok("alice")
        );
    }
}

/// A client change made on A (password sign-in turned off) reaches B's cache within seconds,
/// and so does the client's deletion.
async fn client_change_reaches_b(a: &Server, b: &Server, pool: &str) {
    let admin = a.sdk();
    let client = admin
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("changing")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("create client")
        .user_pool_client
        .and_then(|c| c.client_id)
        .expect("client id");
    // B caches the client.
    sign_in(&b.sdk(), &client, "alice").await;
    admin
        .update_user_pool_client()
        .user_pool_id(pool)
        .client_id(&client)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("update client");
    let attempt = |server: &Server| {
        server
            .sdk()
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PASSWORD", PW)
            .send()
    };
    let refused = attempt(a).await.expect_err("A sees its own change at once");
    assert_eq!(refused.code(), Some("InvalidParameterException"));
    eventually("B refuses the turned-off flow", PROPAGATION, || async {
        let r = attempt(b).await;
        r.err()
            .filter(|e| e.code() == Some("InvalidParameterException"))
            .map(|_| ())
    })
    .await;
    admin
        .delete_user_pool_client()
        .user_pool_id(pool)
        .client_id(&client)
        .send()
        .await
        .expect("delete client");
    eventually("B forgets the deleted client", PROPAGATION, || async {
        let r = attempt(b).await;
        r.err()
            .filter(|e| e.code() == Some("ResourceNotFoundException"))
            .map(|_| ())
    })
    .await;
}

/// Wrong passwords fired at A and B at once: exactly the lockout threshold of them are checked
/// (`NotAuthorizedException: Incorrect username or password.`), every other one is refused as
/// locked, and right after the burst the correct password is refused too, on both.
async fn lockout_across(a: &Server, b: &Server, pool: &str, client: &str) {
    confirmed_user(&a.sdk(), pool, "erin").await;
    const BURST: usize = 16;
    let body = serde_json::json!({
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": client,
        "AuthParameters": { "USERNAME": "erin", "PASSWORD": "Wrong-passw0rd!" },
    });
    let post = |http: reqwest::Client, url: String, body: serde_json::Value| async move {
        let r = http
            .post(url)
            .header(
                "X-Amz-Target",
                "AWSCognitoIdentityProviderService.InitiateAuth",
            )
            .header("Content-Type", "application/x-amz-json-1.1")
            .body(body.to_string())
            .send()
            .await
            .expect("initiate auth");
        let v: serde_json::Value = r.json().await.expect("error json");
        v["message"].as_str().unwrap_or_default().to_string()
    };
    // Warm connections (and the caches) on both, then fire everything at once.
    let clients: Vec<(reqwest::Client, String)> =
        [a, b].iter().map(|s| (http(), s.url.clone())).collect();
    for (http, url) in &clients {
        let _ = http.get(format!("{url}/health")).send().await;
    }
    let started = Instant::now();
    let tasks: Vec<_> = (0..BURST)
        .map(|i| {
            let (http, url) = clients[i % 2].clone();
            tokio::spawn(post(http, url, body.clone()))
        })
        .collect();
    let mut messages = Vec::new();
    for t in tasks {
        messages.push(t.await.expect("task"));
    }
    let elapsed = started.elapsed();
    eprintln!("wrong-password burst of {BURST} over A and B took {elapsed:?}");
    let checked = messages
        .iter()
        .filter(|m| *m == "Incorrect username or password.")
        .count();
    let locked = messages
        .iter()
        .filter(|m| *m == "Password attempts exceeded")
        .count();
    // The first lock lasts 1 s; a burst slower than that may legitimately see one more check.
    if elapsed < Duration::from_millis(900) {
        assert_eq!(checked, LOCKOUT_THRESHOLD, "{messages:?}");
    } else {
        assert!(checked >= LOCKOUT_THRESHOLD, "{elapsed:?} {messages:?}");
    }
    assert_eq!(checked + locked, BURST, "{messages:?}");
    let right = serde_json::json!({
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": client,
        "AuthParameters": { "USERNAME": "erin", "PASSWORD": PW },
    });
    let at = Instant::now();
    let on_a = post(clients[0].0.clone(), clients[0].1.clone(), right.clone()).await;
    let on_b = post(clients[1].0.clone(), clients[1].1.clone(), right).await;
    if started.elapsed() < Duration::from_millis(900) {
        assert_eq!(on_a, "Password attempts exceeded", "A, {:?}", at.elapsed());
        assert_eq!(on_b, "Password attempts exceeded", "B, {:?}", at.elapsed());
    }
}

/// GlobalSignOut on B: A refuses the access token (and the refresh token) at once.
async fn global_sign_out_across(a: &Server, b: &Server, client: &str) {
    let (access, refresh) = sign_in(&a.sdk(), client, "alice").await;
    assert_eq!(get_user(&a.sdk(), &access).await.as_deref(), Ok("alice"));
    b.sdk()
        .global_sign_out()
        .access_token(&access)
        .send()
        .await
        .expect("GlobalSignOut on B");
    assert_eq!(
        get_user(&a.sdk(), &access).await,
        Err("NotAuthorizedException".into())
    );
    let refreshed = a
        .sdk()
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &refresh)
        .send()
        .await;
    assert_eq!(
        refreshed.err().and_then(|e| e.code().map(str::to_owned)),
        Some("NotAuthorizedException".into())
    );
}

/// SEC-43 split across A and B: ForgotPassword and wrong ConfirmForgotPassword guesses
/// alternate between the instances over several cycles; the per-user hourly cap (10 requests
/// and entries combined, `Capped::PasswordReset`) holds in total, not per instance or per code.
async fn reset_cap_across(a: &Server, b: &Server, pool: &str, client: &str) {
    const CAP: usize = 10;
    a.sdk()
        .admin_create_user()
        .user_pool_id(pool)
        .username("gina")
        .user_attributes(attr("email", "gina@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .message_action(sdk::types::MessageActionType::Suppress)
        .send()
        .await
        .expect("admin create user");
    a.sdk()
        .admin_set_user_password()
        .user_pool_id(pool)
        .username("gina")
        .password(PW)
        .permanent(true)
        .send()
        .await
        .expect("set password");
    let servers = [a, b];
    let (mut accepted, mut n) = (0, 0);
    'cycles: for _ in 0..CAP {
        let r = servers[n % 2]
            .sdk()
            .forgot_password()
            .client_id(client)
            .username("gina")
            .send()
            .await;
        n += 1;
        match r {
            Ok(_) => accepted += 1,
            Err(e) => {
                assert_eq!(e.code(), Some("LimitExceededException"), "{e:?}");
                break;
            }
        }
        for g in 0..3 {
            let r = servers[n % 2]
                .sdk()
                .confirm_forgot_password()
                .client_id(client)
                .username("gina")
                .confirmation_code(format!("{:06}", 100_000 + g))
                .password("Guessed1!pw")
                .send()
                .await;
            n += 1;
            match r.err().and_then(|e| e.code().map(str::to_owned)).as_deref() {
                Some("CodeMismatchException") => accepted += 1,
                Some("LimitExceededException") => break 'cycles,
                other => panic!("{other:?}"),
            }
        }
    }
    assert_eq!(
        accepted, CAP,
        "requests and wrong guesses accepted over A and B"
    );
    for s in servers {
        let r = s
            .sdk()
            .forgot_password()
            .client_id(client)
            .username("gina")
            .send()
            .await;
        assert_eq!(
            r.err().and_then(|e| e.code().map(str::to_owned)).as_deref(),
            Some("LimitExceededException")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_postgresql_database() {
    let Some(pg) = TempDatabase::from_env().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (dir_a, dir_b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&dir_a).unwrap();
    std::fs::create_dir_all(&dir_b).unwrap();
    let a = serve(pg.url(), &dir_a, "a").await;
    let b = serve(pg.url(), &dir_b, "b").await;
    let (pool, client) = pool_and_client(&a.sdk(), "multi").await;
    confirmed_user(&a.sdk(), &pool, "alice").await;

    refresh_across(&a, &b, &client).await;
    sign_up_code_across(&a, &b, &pool, &client, pg.url(), dir.path()).await;
    rotation_reaches_b(&a, &b, &pool, &client, pg.url(), dir.path()).await;
    client_change_reaches_b(&a, &b, &pool).await;
    lockout_across(&a, &b, &pool, &client).await;
    global_sign_out_across(&a, &b, &client).await;
    reset_cap_across(&a, &b, &pool, &client).await;
    for s in [&a, &b] {
        let log = s.log();
        assert!(!log.contains("panicked"), "{log}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cogito.db").display());
    let a = serve(&db, dir.path(), "a").await;
    let b = serve(&db, dir.path(), "b").await;
    let (pool, client) = pool_and_client(&a.sdk(), "multi").await;
    confirmed_user(&a.sdk(), &pool, "alice").await;

    refresh_across(&a, &b, &client).await;
    rotation_reaches_b(&a, &b, &pool, &client, &db, dir.path()).await;
    client_change_reaches_b(&a, &b, &pool).await;
    global_sign_out_across(&a, &b, &client).await;
}
