//! `cogito users export|import` with the real binary:
//! - users exported from one installation and imported into a fresh one (SQLite, and
//!   PostgreSQL where it exists) sign in with their old passwords through the password flow and
//!   SRP, keeping their `sub`, groups and attributes; a second import skips them;
//! - in a pool of another name their SRP verifier cannot carry over: SRP works after their
//!   first password sign-in;
//! - users arriving with bcrypt, PBKDF2, scrypt, argon2 and Firebase-scrypt hashes made by
//!   independent Python libraries sign in, and their stored hash is argon2id afterwards;
//! - a bad row is reported with its line number, the rest is imported;
//! - a Cognito CSV brings users in as `RESET_REQUIRED`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use base64::Engine;
use cogito_store::postgres::testing::TempDatabase;
use cogito_testkit::sdk;
use cogito_testkit::srp_client::srp_sign_in;
use sdk::error::ProvideErrorMetadata;
use sdk::types::{
    AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType, MessageActionType,
    SoftwareTokenMfaConfigType, SoftwareTokenMfaSettingsType, UserPoolMfaType, UserStatusType,
};

mod support;

use support::{Server, attr};

const KEY_ID: &str = "AKIAUSERSTRANSFER001";
const SECRET: &str = "users-transfer-secret-access-key-0123456789";
const MASTER_KEY: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
const OTHER_MASTER_KEY: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

async fn serve(database_url: &str, dir: &Path, master: &str) -> Server {
    let args: Vec<std::ffi::OsString> = vec![
        "--data-dir".into(),
        dir.into(),
        "--database-url".into(),
        database_url.into(),
        "--master-key".into(),
        master.into(),
    ];
    Server::start(dir, "users", (KEY_ID, SECRET), &args).await
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// Runs `cogito <args>` without a config file or a terminal.
fn cogito(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cogito"))
        .args(args)
        .env_remove("COGITO_CONFIG")
        .env_remove("COGITO_DATABASE_URL")
        .env_remove("COGITO_DATA_DIR")
        .env_remove("COGITO_MASTER_KEY")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("run cogito")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn export(database_url: &str, master: &str, pool: &str, file: &Path) -> Vec<serde_json::Value> {
    let out = cogito(&[
        "users",
        "export",
        "--database-url",
        database_url,
        "--master-key",
        master,
        "--pool",
        pool,
        "--output",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "export: {}", text(&out.stderr));
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

fn import(database_url: &str, master: &str, pool: &str, file: &Path) -> Output {
    cogito(&[
        "users",
        "import",
        "--database-url",
        database_url,
        "--master-key",
        master,
        "--pool",
        pool,
        "--file",
        file.to_str().unwrap(),
    ])
}

/// The claims of a JWT (the server verified it when it issued it).
fn claims(jwt: &str) -> serde_json::Value {
    let payload = jwt.split('.').nth(1).expect("JWT payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("claims")
}

/// The TOTP code of a base32 secret `ahead` seconds from now (30: the next time step, which the
/// servers accept, with one step of drift, after a code of the current one was used).
fn totp(secret: &str, ahead: u64) -> String {
    let bytes = cogito_core::totp::secret_from_text(secret).expect("base32 secret");
    #[allow(clippy::disallowed_methods)] // the servers check codes against the wall clock
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + ahead;
    totp_lite::totp_custom::<totp_lite::Sha1>(30, 6, &bytes, now)
}

/// Sets up TOTP for a signed-in user and makes it their preferred factor; the secret.
async fn totp_user(sdk: &sdk::Client, client: &str, name: &str, password: &str) -> String {
    let access = sdk
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", name)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .expect("sign-in")
        .authentication_result
        .unwrap()
        .access_token
        .unwrap();
    let secret = sdk
        .associate_software_token()
        .access_token(&access)
        .send()
        .await
        .expect("associate")
        .secret_code
        .unwrap();
    sdk.verify_software_token()
        .access_token(&access)
        .user_code(totp(&secret, 0))
        .send()
        .await
        .expect("verify");
    sdk.set_user_mfa_preference()
        .access_token(&access)
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await
        .expect("prefer TOTP");
    secret
}

/// A sign-in that must ask for the TOTP code, answered with `secret`; the ID token's claims.
async fn totp_sign_in(
    sdk: &sdk::Client,
    client: &str,
    name: &str,
    password: &str,
    secret: &str,
) -> serde_json::Value {
    let started = sdk
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", name)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .expect("sign-in");
    assert_eq!(
        started.challenge_name,
        Some(ChallengeNameType::SoftwareTokenMfa)
    );
    let done = sdk
        .respond_to_auth_challenge()
        .client_id(client)
        .challenge_name(ChallengeNameType::SoftwareTokenMfa)
        .session(started.session.unwrap())
        .challenge_responses("USERNAME", name)
        .challenge_responses("SOFTWARE_TOKEN_MFA_CODE", totp(secret, 30))
        .send()
        .await
        .expect("TOTP answer");
    claims(&done.authentication_result.unwrap().id_token.unwrap())
}

/// A pool named `name` with a client allowing the password flow and SRP; `(pool, client)`.
async fn pool(sdk: &sdk::Client, name: &str) -> (String, String) {
    let pool = sdk
        .create_user_pool()
        .pool_name(name)
        .send()
        .await
        .expect("create pool")
        .user_pool
        .and_then(|p| p.id)
        .expect("pool id");
    let client = sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("create client")
        .user_pool_client
        .and_then(|c| c.client_id)
        .expect("client id");
    (pool, client)
}

/// A password sign-in; the ID token's claims.
async fn password_sign_in(
    sdk: &sdk::Client,
    client: &str,
    username: &str,
    password: &str,
) -> Result<serde_json::Value, String> {
    sdk.initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .map(|out| claims(&out.authentication_result.unwrap().id_token.unwrap()))
        .map_err(|e| {
            format!(
                "{}: {}",
                e.code().unwrap_or_default(),
                e.message().unwrap_or_default()
            )
        })
}

/// An admin-created user with a permanent password and attributes.
async fn user(sdk: &sdk::Client, pool: &str, name: &str, password: &str, email: &str) {
    sdk.admin_create_user()
        .user_pool_id(pool)
        .username(name)
        .user_attributes(attr("email", email))
        .user_attributes(attr("name", &format!("{name} Example")))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .expect("admin create user");
    sdk.admin_set_user_password()
        .user_pool_id(pool)
        .username(name)
        .password(password)
        .permanent(true)
        .send()
        .await
        .expect("set password");
}

const USERS: [(&str, &str, &str); 2] = [
    ("alice", "Alice-Passw0rd!", "alice@example.com"),
    ("bob", "Bob-Passw0rd!", "bob@example.com"),
];

/// Checks that the users of [`USERS`] sign in on `server`'s pool with both flows and kept their
/// sub, groups and attributes.
async fn assert_users_arrived(
    server: &Server,
    pool: &str,
    client: &str,
    subs: &HashMap<String, String>,
) {
    let sdk = server.sdk();
    for (name, password, email) in USERS {
        let id = password_sign_in(&sdk, client, name, password)
            .await
            .unwrap_or_else(|e| panic!("{name} password sign-in: {e}"));
        assert_eq!(id["sub"], subs[name].as_str(), "{name} kept the sub");
        assert_eq!(id["email"], email);
        assert_eq!(id["name"], format!("{name} Example"));
        let groups = id["cognito:groups"].clone();
        if name == "alice" {
            assert_eq!(groups, serde_json::json!(["admins"]));
        } else {
            assert!(groups.is_null(), "{groups}");
        }
        assert!(
            password_sign_in(&sdk, client, name, "Wrong-Passw0rd!")
                .await
                .is_err(),
            "a wrong password is refused"
        );
        let srp = srp_sign_in(&sdk, pool, client, name, password)
            .await
            .unwrap_or_else(|e| panic!("{name} SRP sign-in: {e:?}"));
        assert_eq!(claims(srp.id_token().unwrap())["sub"], subs[name].as_str());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn users_move_to_a_fresh_installation_with_their_passwords_subs_and_groups() {
    let dir = tempfile::tempdir().unwrap();
    let source = sqlite_url(&dir.path().join("source.db"));
    let server = serve(&source, dir.path(), MASTER_KEY).await;
    let sdk = server.sdk();
    let (pool_id, client) = pool(&sdk, "moving").await;
    sdk.create_group()
        .user_pool_id(&pool_id)
        .group_name("admins")
        .send()
        .await
        .expect("group");
    sdk.set_user_pool_mfa_config()
        .user_pool_id(&pool_id)
        .mfa_configuration(UserPoolMfaType::Optional)
        .software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(true).build(),
        )
        .send()
        .await
        .expect("MFA config");
    // The destinations get the pool (same id, so SRP verifiers carry over) before any user.
    let dest_dir = tempfile::tempdir().unwrap();
    let dest = sqlite_url(&dest_dir.path().join("dest.db"));
    let copied = cogito(&["copy", "--from", &source, "--to", &dest]);
    assert!(copied.status.success(), "{}", text(&copied.stderr));
    let pg = TempDatabase::from_env().await;
    if let Some(pg) = &pg {
        let copied = cogito(&["copy", "--from", &source, "--to", pg.url()]);
        assert!(copied.status.success(), "{}", text(&copied.stderr));
    }
    for (name, password, email) in USERS {
        user(&sdk, &pool_id, name, password, email).await;
    }
    sdk.admin_add_user_to_group()
        .user_pool_id(&pool_id)
        .username("alice")
        .group_name("admins")
        .send()
        .await
        .expect("add to group");
    let mut subs = HashMap::new();
    for (name, password, _) in USERS {
        let id = password_sign_in(&sdk, &client, name, password)
            .await
            .unwrap();
        subs.insert(name.to_owned(), id["sub"].as_str().unwrap().to_owned());
    }
    // A third user signs in with a TOTP second factor.
    let (carol, carol_pw) = ("carol", "Carol-Passw0rd!");
    user(&sdk, &pool_id, carol, carol_pw, "carol@example.com").await;
    let secret = totp_user(&sdk, &client, carol, carol_pw).await;
    // Its sub; signing in here would use up the next time step the destinations accept.
    let carol_sub = sdk
        .admin_get_user()
        .user_pool_id(&pool_id)
        .username(carol)
        .send()
        .await
        .unwrap()
        .user_attributes()
        .iter()
        .find(|a| a.name() == "sub")
        .and_then(|a| a.value().map(str::to_owned))
        .unwrap();
    let server_log = server.log.clone();
    server.stop().await;
    assert!(
        !std::fs::read_to_string(&server_log)
            .unwrap()
            .contains('\x1b'),
        "no colour codes in a log written to a file"
    );

    let file = dir.path().join("users.jsonl");
    let lines = export(&source, MASTER_KEY, &pool_id, &file);
    assert_eq!(lines[0]["format"], "cogito-users");
    assert_eq!(lines[0]["pool_id"], pool_id.as_str());
    assert_eq!(lines.len(), 4, "a header and three users");
    let carol_line = lines.iter().find(|l| l["username"] == carol).unwrap();
    assert_eq!(carol_line["mfa"]["totp"], true);
    assert_eq!(carol_line["mfa"]["preferred"], "SOFTWARE_TOKEN_MFA");
    assert_eq!(carol_line["mfa"]["totp_secret"], secret.as_str());
    for line in &lines[1..] {
        assert!(
            line["password_hash"]
                .as_str()
                .unwrap()
                .starts_with("$argon2id$")
        );
        assert!(line["srp_verifier"].is_string(), "{line}");
        assert_eq!(line["status"], "CONFIRMED");
    }

    let mut destinations = vec![(dest.clone(), dest_dir.path().to_path_buf())];
    if let Some(pg) = &pg {
        destinations.push((pg.url().to_owned(), dest_dir.path().join("pg")));
    }
    for (url, data_dir) in destinations {
        std::fs::create_dir_all(&data_dir).unwrap();
        let out = import(&url, MASTER_KEY, &pool_id, &file);
        assert!(out.status.success(), "import: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("imported 3 users"),
            "{}",
            text(&out.stderr)
        );
        // Run again (an interrupted import resumed): nothing is duplicated.
        let again = import(&url, MASTER_KEY, &pool_id, &file);
        assert!(again.status.success(), "{}", text(&again.stderr));
        assert!(
            text(&again.stderr).contains("imported 0 users"),
            "{}",
            text(&again.stderr)
        );
        assert!(
            text(&again.stderr).contains("3 already there"),
            "{}",
            text(&again.stderr)
        );
        let server = serve(&url, &data_dir, MASTER_KEY).await;
        assert_users_arrived(&server, &pool_id, &client, &subs).await;
        let carol_claims = totp_sign_in(&server.sdk(), &client, carol, carol_pw, &secret).await;
        assert_eq!(carol_claims["sub"], carol_sub.as_str(), "TOTP came along");
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn in_a_pool_of_another_name_srp_starts_after_the_first_password_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let source = sqlite_url(&dir.path().join("source.db"));
    let server = serve(&source, dir.path(), MASTER_KEY).await;
    let sdk = server.sdk();
    let (from, client) = pool(&sdk, "old").await;
    let (name, password, email) = USERS[0];
    user(&sdk, &from, name, password, email).await;
    server.stop().await;
    let file = dir.path().join("users.jsonl");
    export(&source, MASTER_KEY, &from, &file);

    // Another installation with another master key.
    let other_dir = tempfile::tempdir().unwrap();
    let other = sqlite_url(&other_dir.path().join("other.db"));
    let server = serve(&other, other_dir.path(), OTHER_MASTER_KEY).await;
    let sdk = server.sdk();
    let (to, to_client) = pool(&sdk, "new").await;
    assert_ne!(from, to);
    let _ = client;
    let out = import(&other, OTHER_MASTER_KEY, &to, &file);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let outbox = cogito(&[
        "outbox",
        "--database-url",
        &other,
        "--master-key",
        OTHER_MASTER_KEY,
        "--username",
        "nobody",
    ]);
    assert!(outbox.status.success());
    assert_eq!(
        text(&outbox.stderr).trim(),
        "no message in the outbox matches"
    );
    let before = srp_sign_in(&sdk, &to, &to_client, name, password).await;
    assert_eq!(
        before.unwrap_err(),
        (
            "NotAuthorizedException".into(),
            "Incorrect username or password.".into()
        )
    );
    password_sign_in(&sdk, &to_client, name, password)
        .await
        .unwrap();
    srp_sign_in(&sdk, &to, &to_client, name, password)
        .await
        .expect("SRP after the first password sign-in");
    server.stop().await;
}

/// The Python of the virtual environment `cargo xtask test` prepares, else `python3`.
fn python() -> String {
    std::env::var("VIRTUAL_ENV")
        .map(|v| format!("{v}/bin/python"))
        .unwrap_or_else(|_| "python3".into())
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[tokio::test(flavor = "multi_thread")]
async fn users_with_other_systems_hashes_sign_in_and_are_rehashed_to_argon2id() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("foreign.jsonl");
    let made = Command::new(python())
        .arg(repo_root().join("tests/hashes/make_hashes.py"))
        .arg(&file)
        .output()
        .expect("run python");
    assert!(
        made.status.success(),
        "make_hashes.py (needs tests/hashes/requirements.txt; `cargo xtask test` installs it): {}",
        text(&made.stderr)
    );
    let users: Vec<(String, String)> = text(&made.stdout)
        .lines()
        .map(|l| {
            let (u, p) = l.split_once(' ').unwrap();
            (u.to_owned(), p.to_owned())
        })
        .collect();
    assert_eq!(users.len(), 8);

    let url = sqlite_url(&dir.path().join("cogito.db"));
    let server = serve(&url, dir.path(), MASTER_KEY).await;
    let sdk = server.sdk();
    let (pool_id, client) = pool(&sdk, "arrivals").await;
    let out = import(&url, MASTER_KEY, &pool_id, &file);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("imported 8 users"),
        "{}",
        text(&out.stderr)
    );

    for (name, password) in &users {
        assert!(
            password_sign_in(&sdk, &client, name, "Not-The-Passw0rd!")
                .await
                .is_err(),
            "{name}: a wrong password is refused"
        );
        let id = password_sign_in(&sdk, &client, name, password)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(id["cognito:username"], name.as_str());
        // The verifier was made at that sign-in: SRP works from now on.
        srp_sign_in(&sdk, &pool_id, &client, name, password)
            .await
            .unwrap_or_else(|e| panic!("{name} SRP: {e:?}"));
    }
    server.stop().await;
    let after = export(&url, MASTER_KEY, &pool_id, &dir.path().join("after.jsonl"));
    for line in &after[1..] {
        let hash = line["password_hash"].as_str().unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=256,t=1,p=1$"),
            "{}: {hash}",
            line["username"]
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_row_is_reported_with_its_line_and_the_rest_is_imported() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir.path().join("cogito.db"));
    let server = serve(&url, dir.path(), MASTER_KEY).await;
    let sdk = server.sdk();
    let (pool_id, client) = pool(&sdk, "rows").await;
    let good = |n: &str| {
        format!(
            r#"{{"username":"{n}","attributes":{{"email":"{n}@example.com"}},"password_hash":"$pbkdf2-sha256$i=1000,l=32$c2FsdHNhbHQ$E196ZhRPzw+wA84EjzHwJO1cv/MFJdO6C/sxmUeTYqY"}}"#
        )
    };
    let rows = [
        good("one"),
        "{not json".to_owned(),
        r#"{"username":"two","attributes":{"shoe_size":"9"}}"#.to_owned(),
        r#"{"username":"three","password_hash":"$md5$abc"}"#.to_owned(),
        good("four"),
        good("one"),
        r#"{"username":"five","sub":"not-a-uuid"}"#.to_owned(),
        good("six"),
        // cogito's own format, but a cost no sign-in may pay (4 GiB of memory).
        r#"{"username":"seven","password_hash":"$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"}"#.to_owned(),
        // A TOTP secret too short to be secret, and a preferred factor that is off.
        r#"{"username":"eight","mfa":{"totp":true,"totp_secret":"JBSWY3DP"}}"#.to_owned(),
        r#"{"username":"nine","mfa":{"preferred":"SMS_MFA"}}"#.to_owned(),
    ];
    let file = dir.path().join("rows.jsonl");
    std::fs::write(&file, rows.join("\n") + "\n").unwrap();
    let out = import(&url, MASTER_KEY, &pool_id, &file);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for line in [2, 3, 4, 6, 7, 9, 10, 11] {
        assert!(
            stderr.contains(&format!("line {line}: ")),
            "line {line}: {stderr}"
        );
    }
    for line in [1, 5, 8] {
        assert!(
            !stderr.contains(&format!("line {line}: ")),
            "line {line}: {stderr}"
        );
    }
    assert!(stderr.contains("imported 3 users"), "{stderr}");
    assert!(stderr.contains("8 refused"), "{stderr}");
    let listed = sdk
        .list_users()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap();
    let mut names: Vec<String> = listed
        .users()
        .iter()
        .filter_map(|u| u.username().map(str::to_owned))
        .collect();
    names.sort();
    assert_eq!(names, ["four", "one", "six"]);
    // PBKDF2-SHA256("password", "saltsalt", 1000): the imported hash works.
    password_sign_in(&sdk, &client, "six", "password")
        .await
        .unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cognito_csv_brings_users_in_as_reset_required() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir.path().join("cogito.db"));
    let server = serve(&url, dir.path(), MASTER_KEY).await;
    let sdk = server.sdk();
    let (pool_id, _) = pool(&sdk, "csv").await;
    let header = sdk
        .get_csv_header()
        .user_pool_id(&pool_id)
        .send()
        .await
        .map(|h| h.csv_header().join(","))
        .unwrap_or_else(|_| {
            "name,given_name,family_name,middle_name,nickname,preferred_username,profile,\
             picture,website,email,email_verified,gender,birthdate,zoneinfo,locale,\
             phone_number,phone_number_verified,address,updated_at,cognito:mfa_enabled,\
             cognito:username"
                .to_owned()
        });
    let columns: Vec<&str> = header.split(',').collect();
    let row = |values: &[(&str, &str)]| {
        columns
            .iter()
            .map(|c| values.iter().find(|(k, _)| k == c).map_or("", |(_, v)| *v))
            .collect::<Vec<_>>()
            .join(",")
    };
    let csv = [
        header.clone(),
        row(&[
            ("cognito:username", "carol"),
            ("email", "carol@example.com"),
            ("email_verified", "true"),
            ("name", "Carol"),
            ("cognito:mfa_enabled", "false"),
        ]),
        "too,few,columns".to_owned(),
        row(&[
            ("cognito:username", "dave"),
            ("email", "dave@example.com"),
            ("email_verified", "true"),
            ("cognito:mfa_enabled", "false"),
        ]),
    ]
    .join("\n");
    let file = dir.path().join("users.csv");
    std::fs::write(&file, csv + "\n").unwrap();
    let out = import(&url, MASTER_KEY, &pool_id, &file);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("line 3: "), "{stderr}");
    assert!(stderr.contains("imported 2 users"), "{stderr}");
    for name in ["carol", "dave"] {
        let got = sdk
            .admin_get_user()
            .user_pool_id(&pool_id)
            .username(name)
            .send()
            .await
            .expect("imported user");
        assert_eq!(got.user_status(), Some(&UserStatusType::ResetRequired));
    }
    server.stop().await;
}
