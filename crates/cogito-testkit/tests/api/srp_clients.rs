//! Compatibility (issue 8): the client libraries most front ends sign in with use SRP by
//! default, and each completes 200 sign-ins in a row against cogito with fresh random values
//! (every `PAD` case occurs), then fails with a wrong password exactly as Cognito answers:
//! amazon-cognito-identity-js (`tests/compat-srp/srp.mjs`, public clients only: it never sends a
//! secret hash) and pycognito (`tests/compat-srp/srp.py`, with and without a client secret). AWS
//! Amplify JS v6's default `signIn` (`tests/compat-srp/amplify.mjs`) signs in too.
//! Node.js with `npm ci --prefix tests/compat-srp`, and Python with
//! `tests/compat-srp/requirements.txt`, are prerequisites that `cargo xtask test` installs; a
//! missing one fails the test.

use std::path::{Path, PathBuf};

use cogito_testkit::TestApp;
use cogito_testkit::sdk::types::ExplicitAuthFlowsType;
use serde_json::Value;

use crate::helpers::{alias_pool, client_with, confirmed_user};

const PW: &str = "Passw0rd!";

/// Sign-ins in a row per client library and client kind.
const RUNS: &str = "200";

fn compat_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("workspace root")
        .join("tests/compat-srp")
}

/// A pool with e-mail aliases, a confirmed user `alice` (`alice@example.com`) and an SRP
/// client; signing in by the alias makes a client switch to `USER_ID_FOR_SRP` for its proof.
async fn fixture(app: &TestApp, secret: bool) -> (String, String, Option<String>) {
    let pool = alias_pool(app, "compat").await;
    let flows = [
        ExplicitAuthFlowsType::AllowUserSrpAuth,
        ExplicitAuthFlowsType::AllowRefreshTokenAuth,
    ];
    let (client, client_secret) = client_with(app, &pool, &flows, secret, true).await;
    confirmed_user(app, &pool, "alice", PW).await;
    (pool, client, client_secret)
}

/// Runs a script and parses the JSON line it prints.
pub(crate) async fn run(program: &str, args: &[&str]) -> Value {
    let out = tokio::process::Command::new(program)
        .current_dir(compat_dir())
        .args(args)
        .output()
        .await
        .unwrap_or_else(|e| panic!("{program} runs ({e}); `cargo xtask test` installs it"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn assert_runs(verdict: &Value, who: &str) {
    assert_eq!(verdict["ok"], Value::from(200), "{who}: {verdict}");
    assert_eq!(
        verdict["wrong"], "NotAuthorizedException: Incorrect username or password.",
        "{who}: {verdict}"
    );
    assert_eq!(verdict["idTokenUser"], "alice", "{who}: {verdict}");
}

#[tokio::test]
async fn amazon_cognito_identity_js_signs_in_with_srp() {
    let module = compat_dir().join("node_modules/amazon-cognito-identity-js/package.json");
    assert!(
        module.is_file(),
        "{} is missing: run `npm ci --prefix tests/compat-srp`; `cargo xtask test` does this",
        module.display()
    );
    let app = TestApp::spawn().await;
    let (pool, client, _) = fixture(&app, false).await;
    // By alias: the library switches to USER_ID_FOR_SRP for its proof.
    let verdict = run(
        "node",
        &[
            "srp.mjs",
            &app.url,
            &pool,
            &client,
            "alice@example.com",
            PW,
            RUNS,
        ],
    )
    .await;
    assert_runs(&verdict, "amazon-cognito-identity-js");
}

/// The Python of the virtual environment `cargo xtask test` prepares, else `python3`.
fn python() -> String {
    std::env::var("VIRTUAL_ENV")
        .map(|v| format!("{v}/bin/python"))
        .unwrap_or_else(|_| "python3".into())
}

#[tokio::test]
async fn pycognito_signs_in_with_srp_with_and_without_a_client_secret() {
    let app = TestApp::spawn().await;
    for secret in [false, true] {
        let (pool, client, client_secret) = fixture(&app, secret).await;
        let secret_arg = client_secret.unwrap_or_else(|| "-".into());
        let verdict = run(
            &python(),
            &[
                "srp.py",
                &app.url,
                &pool,
                &client,
                &secret_arg,
                "alice",
                PW,
                RUNS,
            ],
        )
        .await;
        assert_runs(&verdict, &format!("pycognito (secret: {secret})"));
    }
}

/// AWS Amplify JS v6: the default `signIn` (SRP) signs in under Node.js, the session carries
/// the user's tokens, and a wrong password fails with Cognito's error.
#[tokio::test]
async fn amplify_js_v6_default_sign_in_uses_srp() {
    let module = compat_dir().join("node_modules/aws-amplify/package.json");
    assert!(
        module.is_file(),
        "{} is missing: run `npm ci --prefix tests/compat-srp`; `cargo xtask test` does this",
        module.display()
    );
    let app = TestApp::spawn().await;
    let (pool, client, _) = fixture(&app, false).await;
    let verdict = run(
        "node",
        &[
            "amplify.mjs",
            &app.url,
            &pool,
            &client,
            "alice@example.com",
            PW,
        ],
    )
    .await;
    assert_eq!(verdict["signedIn"], true, "{verdict}");
    assert_eq!(verdict["step"], "DONE", "{verdict}");
    assert_eq!(verdict["idTokenUser"], "alice", "{verdict}");
    assert_eq!(
        verdict["wrong"], "NotAuthorizedException: Incorrect username or password.",
        "{verdict}"
    );
}

/// Issue 8, acceptance 2 and 3: amazon-cognito-identity-js remembers the device it is handed
/// (ConfirmDevice with its own verifier), then signs in with `DEVICE_SRP_AUTH`, which replaces
/// the TOTP code the first sign-in needed.
#[tokio::test]
async fn amazon_cognito_identity_js_remembers_a_device_and_skips_mfa() {
    use cogito_testkit::sdk::types::{
        AuthFlowType, DeviceConfigurationType, SoftwareTokenMfaConfigType,
        SoftwareTokenMfaSettingsType, UserPoolMfaType,
    };
    let app = TestApp::spawn().await;
    let pool = app
        .sdk
        .create_user_pool()
        .pool_name("devices")
        .device_configuration(
            DeviceConfigurationType::builder()
                .challenge_required_on_new_device(true)
                .device_only_remembered_on_user_prompt(false)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .and_then(|p| p.id)
        .unwrap();
    app.sdk
        .set_user_pool_mfa_config()
        .user_pool_id(&pool)
        .mfa_configuration(UserPoolMfaType::Optional)
        .software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(true).build(),
        )
        .send()
        .await
        .unwrap();
    let flows = [
        ExplicitAuthFlowsType::AllowUserSrpAuth,
        ExplicitAuthFlowsType::AllowUserPasswordAuth,
        ExplicitAuthFlowsType::AllowRefreshTokenAuth,
    ];
    let (client, _) = client_with(&app, &pool, &flows, false, true).await;
    confirmed_user(&app, &pool, "bob", PW).await;
    // TOTP on for bob, set up through the SDK.
    let token = app
        .sdk
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "bob")
        .auth_parameters("PASSWORD", PW)
        .send()
        .await
        .unwrap()
        .authentication_result
        .unwrap()
        .access_token
        .unwrap();
    let secret = app
        .sdk
        .associate_software_token()
        .access_token(&token)
        .send()
        .await
        .unwrap()
        .secret_code
        .unwrap();
    app.sdk
        .verify_software_token()
        .access_token(&token)
        .user_code(crate::mfa::totp(&app, &secret, 0))
        .send()
        .await
        .unwrap();
    app.sdk
        .set_user_mfa_preference()
        .access_token(&token)
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await
        .unwrap();

    let now = cogito_core::Clock::now_ms(&*app.clock).to_string();
    let verdict = run(
        "node",
        &[
            "device.mjs",
            &app.url,
            &pool,
            &client,
            "bob",
            PW,
            &secret,
            &now,
        ],
    )
    .await;
    assert_eq!(verdict["errors"], Value::Array(vec![]), "{verdict}");
    assert_eq!(verdict["firstMfa"], true, "{verdict}");
    assert_eq!(verdict["secondMfa"], false, "{verdict}");
    assert_eq!(verdict["secondOk"], true, "{verdict}");
    let key = verdict["deviceKey"]
        .as_str()
        .expect("a device key")
        .to_string();
    assert_eq!(verdict["accessDeviceKey"], key.as_str(), "{verdict}");

    let listed = app
        .sdk
        .admin_list_devices()
        .user_pool_id(&pool)
        .username("bob")
        .send()
        .await
        .unwrap();
    let devices = listed.devices();
    assert_eq!(devices.len(), 1, "{devices:?}");
    assert_eq!(devices[0].device_key(), Some(key.as_str()));
    let remembered = devices[0]
        .device_attributes()
        .iter()
        .find(|a| a.name() == "dev:device_remembered_status")
        .and_then(|a| a.value());
    assert_eq!(remembered, Some("remembered"));
}
