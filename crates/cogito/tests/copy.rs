//! `cogito copy` and `cogito migrate` with the real binary: an installation built through the
//! AWS SDK on SQLite is copied to PostgreSQL and back to a new SQLite file; on each copy the users
//! sign in with their old passwords, the refresh and access tokens issued before the copy still
//! work, group membership is in the tokens, the client secret and the JWKS key ids are the same
//! (the keys retired by a rotation before the copy included, and new tokens are signed with the
//! same key as before), and the domain, attributes and users are there. A copy into a database that holds data is
//! refused and changes nothing.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use cogito_store::postgres::testing::TempDatabase;
use cogito_testkit::sdk;
use sdk::types::{AuthFlowType, ExplicitAuthFlowsType, MessageActionType};

const KEY_ID: &str = "AKIACOPYTEST00000001";
const SECRET: &str = "copy-test-secret-access-key-0123456789abc";
const PUBLIC_URL: &str = "http://cogito.copy.test";
const MASTER_KEY: &str = "6b1f0c2e9d8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c";

mod support;

use support::{Server, attr};

/// `cogito serve` on `database_url` (data directory `dir`) with the test's master key and
/// public URL.
async fn serve(database_url: &str, dir: &Path) -> Server {
    let args: Vec<std::ffi::OsString> = vec![
        "--data-dir".into(),
        dir.into(),
        "--database-url".into(),
        database_url.into(),
        "--master-key".into(),
        MASTER_KEY.into(),
        // Token issuers name the public URL: the same for every server of the test, as for an
        // installation moved to another database.
        "--public-url".into(),
        PUBLIC_URL.into(),
    ];
    Server::start(dir, "copy", (KEY_ID, SECRET), &args).await
}

/// The key ids of a pool's JWKS, sorted.
async fn kids(server: &Server, pool: &str) -> Vec<String> {
    let mut kids = server.jwks_kids(pool).await;
    kids.sort();
    kids
}

/// The binary, without a config file or a terminal.
fn cogito() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cogito"));
    command
        .env_remove("COGITO_CONFIG")
        .env_remove("COGITO_DATABASE_URL")
        .env_remove("COGITO_DATA_DIR")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    command
}

/// Runs `cogito copy --from --to` (bounded) and returns its output.
fn copy(from: &str, to: &str) -> Output {
    let mut child = cogito()
        .args(["copy", "--from", from, "--to", to])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cogito copy");
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().expect("try_wait").is_none() {
        assert!(Instant::now() < deadline, "cogito copy did not finish");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// The claims of a JWT (not verified: the server verified it when it issued or accepted it).
fn claims(jwt: &str) -> serde_json::Value {
    jwt_part(jwt, 1)
}

/// The header (0) or the claims (1) of a JWT.
fn jwt_part(jwt: &str, part: usize) -> serde_json::Value {
    let payload = jwt.split('.').nth(part).expect("JWT part");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("claims json")
}

/// What was built before the copy, and what must be found after it.
struct Installation {
    pool: String,
    client: String,
    secret_client: String,
    client_secret: String,
    domain: String,
    /// (username, password).
    users: Vec<(String, String)>,
    refresh_token: String,
    access_token: String,
    kids: Vec<String>,
    /// The key id new ID tokens are signed with.
    signing_kid: String,
}

/// A pool, a public client, a client with a secret, a group, two users (one created by the
/// admin, one signed up), a domain, and a sign-in of the group member.
async fn build(server: &Server) -> Installation {
    let sdk = server.sdk();
    let pool = sdk
        .create_user_pool()
        .pool_name("copied")
        .send()
        .await
        .expect("create pool")
        .user_pool
        .and_then(|p| p.id)
        .expect("pool id");
    let flows = [
        ExplicitAuthFlowsType::AllowUserPasswordAuth,
        ExplicitAuthFlowsType::AllowAdminUserPasswordAuth,
        ExplicitAuthFlowsType::AllowRefreshTokenAuth,
    ];
    let mut create = sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("public");
    for f in &flows {
        create = create.explicit_auth_flows(f.clone());
    }
    let client = create
        .send()
        .await
        .expect("create client")
        .user_pool_client
        .and_then(|c| c.client_id)
        .expect("client id");
    let mut create = sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("confidential")
        .generate_secret(true);
    for f in &flows {
        create = create.explicit_auth_flows(f.clone());
    }
    let secret_client = create
        .send()
        .await
        .expect("create secret client")
        .user_pool_client
        .expect("client");
    sdk.create_group()
        .user_pool_id(&pool)
        .group_name("admins")
        .precedence(1)
        .send()
        .await
        .expect("create group");
    let domain = format!("copied-{}", std::process::id());
    sdk.create_user_pool_domain()
        .user_pool_id(&pool)
        .domain(&domain)
        .send()
        .await
        .expect("create domain");

    let (alice, alice_pw) = ("alice".to_owned(), "Alice-Passw0rd!".to_owned());
    sdk.admin_create_user()
        .user_pool_id(&pool)
        .username(&alice)
        .user_attributes(attr("email", "alice@example.com"))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .expect("admin create user");
    sdk.admin_set_user_password()
        .user_pool_id(&pool)
        .username(&alice)
        .password(&alice_pw)
        .permanent(true)
        .send()
        .await
        .expect("set password");
    sdk.admin_add_user_to_group()
        .user_pool_id(&pool)
        .username(&alice)
        .group_name("admins")
        .send()
        .await
        .expect("add to group");
    let (bob, bob_pw) = ("bob".to_owned(), "Bob-Passw0rd!".to_owned());
    sdk.sign_up()
        .client_id(&client)
        .username(&bob)
        .password(&bob_pw)
        .user_attributes(attr("email", "bob@example.com"))
        .send()
        .await
        .expect("sign up");
    sdk.admin_confirm_sign_up()
        .user_pool_id(&pool)
        .username(&bob)
        .send()
        .await
        .expect("confirm sign up");

    let auth = sign_in(&sdk, &client, &alice, &alice_pw)
        .await
        .expect("sign in before the copy");
    let signing_kid = kid_of(auth.id_token.as_deref().expect("id token"));
    Installation {
        kids: kids(server, &pool).await,
        signing_kid,
        pool,
        client,
        secret_client: secret_client.client_id.expect("client id"),
        client_secret: secret_client.client_secret.expect("client secret"),
        domain,
        users: vec![(alice, alice_pw), (bob, bob_pw)],
        refresh_token: auth.refresh_token.expect("refresh token"),
        access_token: auth.access_token.expect("access token"),
    }
}

fn kid_of(jwt: &str) -> String {
    jwt_part(jwt, 0)["kid"].as_str().expect("kid").to_owned()
}

async fn sign_in(
    sdk: &sdk::Client,
    client: &str,
    username: &str,
    password: &str,
) -> Result<sdk::types::AuthenticationResultType, String> {
    sdk.initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .map_err(|e| format!("{:?}", e.into_service_error()))?
        .authentication_result
        .ok_or_else(|| "no tokens (a challenge?)".to_owned())
}

/// Everything of `before` is there and works on `server`.
async fn check(server: &Server, before: &Installation) {
    let sdk = server.sdk();
    for (username, password) in &before.users {
        let auth = sign_in(&sdk, &before.client, username, password)
            .await
            .unwrap_or_else(|e| panic!("{username} cannot sign in with the old password: {e}"));
        let id = claims(auth.id_token.as_deref().expect("id token"));
        assert_eq!(id["cognito:username"], username.as_str());
        assert_eq!(id["email"], format!("{username}@example.com"));
        assert_eq!(
            kid_of(auth.id_token.as_deref().unwrap()),
            before.signing_kid,
            "new tokens are signed with another key"
        );
        let wrong = sign_in(&sdk, &before.client, username, "Wrong-Passw0rd!").await;
        assert!(
            wrong.is_err(),
            "a wrong password was accepted for {username}"
        );
    }

    // The client with a secret: same secret, and it signs in with it.
    let described = sdk
        .describe_user_pool_client()
        .user_pool_id(&before.pool)
        .client_id(&before.secret_client)
        .send()
        .await
        .expect("describe client")
        .user_pool_client
        .expect("client");
    assert_eq!(
        described.client_secret.as_deref(),
        Some(before.client_secret.as_str())
    );
    let (alice, alice_pw) = &before.users[0];
    let admin = sdk
        .admin_initiate_auth()
        .user_pool_id(&before.pool)
        .client_id(&before.secret_client)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", alice)
        .auth_parameters("PASSWORD", alice_pw)
        .auth_parameters(
            "SECRET_HASH",
            cogito_core::secret_hash::compute(&before.client_secret, alice, &before.secret_client),
        )
        .send()
        .await
        .expect("ADMIN_USER_PASSWORD_AUTH with the secret client");
    assert!(admin.authentication_result.is_some());

    // The refresh token of the sign-in before the copy, and its access token.
    let refreshed = sdk
        .initiate_auth()
        .client_id(&before.client)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &before.refresh_token)
        .send()
        .await
        .expect("the old refresh token works")
        .authentication_result
        .expect("tokens");
    let access = claims(refreshed.access_token.as_deref().expect("access token"));
    assert_eq!(access["cognito:groups"], serde_json::json!(["admins"]));
    let id = claims(refreshed.id_token.as_deref().expect("id token"));
    assert_eq!(id["cognito:groups"], serde_json::json!(["admins"]));
    let me = sdk
        .get_user()
        .access_token(&before.access_token)
        .send()
        .await
        .expect("the old access token is accepted");
    assert_eq!(me.username, *alice);

    assert_eq!(kids(server, &before.pool).await, before.kids, "JWKS kids");
    let domain = sdk
        .describe_user_pool_domain()
        .domain(&before.domain)
        .send()
        .await
        .expect("describe domain")
        .domain_description
        .expect("domain");
    assert_eq!(domain.user_pool_id.as_deref(), Some(before.pool.as_str()));
    let users = sdk
        .list_users()
        .user_pool_id(&before.pool)
        .send()
        .await
        .expect("list users")
        .users
        .unwrap_or_default();
    assert_eq!(users.len(), before.users.len());
    let members = sdk
        .list_users_in_group()
        .user_pool_id(&before.pool)
        .group_name("admins")
        .send()
        .await
        .expect("list group")
        .users
        .unwrap_or_default();
    assert_eq!(members.len(), 1);
}

/// Asserts a successful copy that printed a summary and at most a line per table.
fn assert_copied(out: &Output) {
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "copy failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("copied "), "{stdout}");
    assert!(
        stderr.lines().count() <= 40,
        "copy spammed stderr:\n{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_round_trips_sqlite_postgres_sqlite_and_users_sign_in() {
    let Some(pg) = TempDatabase::from_env().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = sqlite_url(&dir.path().join("cogito.db"));
    let server = serve(&sqlite, dir.path()).await;
    let mut installation = build(&server).await;
    server.stop().await;
    // Rotated keys: the retired ones (which signed the tokens above) stay published and valid.
    let rotate = cogito()
        .args(["keys", "rotate", "--pool", &installation.pool])
        .args(["--database-url", &sqlite, "--master-key", MASTER_KEY])
        .output()
        .expect("cogito keys rotate");
    assert!(rotate.status.success(), "{}", text(&rotate.stderr));
    let server = serve(&sqlite, dir.path()).await;
    installation.kids = kids(&server, &installation.pool).await;
    assert_eq!(installation.kids.len(), 4, "two retired and two new keys");
    let (alice, pw) = &installation.users[0];
    let auth = sign_in(&server.sdk(), &installation.client, alice, pw)
        .await
        .expect("sign in after the rotation");
    let rotated_kid = kid_of(auth.id_token.as_deref().unwrap());
    assert_ne!(
        rotated_kid, installation.signing_kid,
        "the rotation changed nothing"
    );
    installation.signing_kid = rotated_kid;
    check(&server, &installation).await;
    server.stop().await;

    let out = copy(&sqlite, pg.url());
    assert_copied(&out);
    assert!(text(&out.stdout).contains("from sqlite to postgres"));
    let server = serve(pg.url(), dir.path()).await;
    check(&server, &installation).await;
    server.stop().await;

    let back = sqlite_url(&dir.path().join("back.db"));
    assert_copied(&copy(pg.url(), &back));
    let server = serve(&back, dir.path()).await;
    check(&server, &installation).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_into_a_database_with_data_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let source = sqlite_url(&dir.path().join("source.db"));
    let server = serve(&source, dir.path()).await;
    let installation = build(&server).await;
    server.stop().await;

    // A destination with a pool of its own.
    let dest = sqlite_url(&dir.path().join("dest.db"));
    let server = serve(&dest, dir.path()).await;
    let own = server
        .sdk()
        .create_user_pool()
        .pool_name("own")
        .send()
        .await
        .expect("create pool")
        .user_pool
        .and_then(|p| p.id)
        .expect("pool id");
    server.stop().await;

    let out = copy(&source, &dest);
    assert!(
        !out.status.success(),
        "copy into a non-empty database succeeded"
    );
    assert!(
        text(&out.stderr).contains("already holds data"),
        "{}",
        text(&out.stderr)
    );
    let server = serve(&dest, dir.path()).await;
    let pools = server
        .sdk()
        .list_user_pools()
        .max_results(60)
        .send()
        .await
        .expect("list pools")
        .user_pools
        .unwrap_or_default();
    let ids: Vec<_> = pools.iter().filter_map(|p| p.id.clone()).collect();
    assert_eq!(ids, vec![own]);
    server.stop().await;

    // The same on PostgreSQL: a second copy into a copied installation is refused and the
    // first one still works.
    let Some(pg) = TempDatabase::from_env().await else {
        return;
    };
    assert_copied(&copy(&source, pg.url()));
    let out = copy(&source, pg.url());
    assert!(
        !out.status.success(),
        "second copy into PostgreSQL succeeded"
    );
    assert!(text(&out.stderr).contains("already holds data"));
    let server = serve(pg.url(), dir.path()).await;
    check(&server, &installation).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_applies_the_migrations_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let run = |args: &[&str]| {
        let out = cogito()
            .arg("migrate")
            .args(args)
            .output()
            .expect("cogito migrate");
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let first = run(&["--data-dir", data.to_str().unwrap()]);
    assert!(first.starts_with("sqlite: applied "), "{first}");
    assert!(first.contains("1 init"), "{first}");
    assert!(data.join("cogito.db").exists());
    let again = run(&["--data-dir", data.to_str().unwrap()]);
    assert!(again.starts_with("sqlite: already up to date"), "{again}");

    let Some(pg) = TempDatabase::from_env().await else {
        return;
    };
    let first = run(&["--database-url", pg.url()]);
    assert!(first.starts_with("postgres: applied "), "{first}");
    let again = run(&["--database-url", pg.url()]);
    assert!(again.starts_with("postgres: already up to date"), "{again}");
}
