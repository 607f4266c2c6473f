//! Browser tests of the hosted login pages: a real Chromium (Debian's `chromium`, driven by the
//! Playwright scripts in `tests/browser/`) signs up, resets a password and answers
//! `NEW_PASSWORD_REQUIRED` against a spawned cogito, and must end on the client's callback with
//! an authorization code that the token endpoint accepts.
//!
//! Each test spawns a `--dev` server (so the scripts can read codes from `GET /_dev/outbox`),
//! creates a pool, a domain and a public OAuth client (code flow with PKCE) whose callback is a
//! small HTTP listener in this process, runs `node tests/browser/<flow>.mjs '<json config>'`, and
//! checks the script's JSON report and what the listener received. Screenshots of every page go
//! to `<target>/screenshots/hosted-ui-<page>.png`; `COGITO_UPDATE_SCREENSHOTS=1` writes them to
//! the README's `docs/img/` instead, `COGITO_SCREENSHOT_DIR` to any directory.
//!
//! Prerequisites (installed by `cargo xtask test`): `/usr/bin/chromium` (or `COGITO_CHROMIUM`),
//! Node.js, and `npm ci --prefix tests/browser`. Without them these tests fail; they never skip.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use cogito_testkit::sdk::types::{
    AttributeType, ExplicitAuthFlowsType, MessageActionType, OAuthFlowType,
};
use cogito_testkit::{TestApp, TestOptions};
use serde_json::{Value, json};
use sha2::Digest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A flow script gets this long in all (each browser step inside is bounded at 15 s).
const FLOW_TIMEOUT: Duration = Duration::from_secs(150);
const DOMAIN: &str = "browser-login";
const STATE: &str = "st-8Kx2_browser";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("workspace root")
        .to_path_buf()
}

fn scripts_dir() -> PathBuf {
    workspace_root().join("tests/browser")
}

/// Where the screenshots go: `<target>/screenshots`, outside the tracked tree, unless
/// `COGITO_UPDATE_SCREENSHOTS=1` asks to refresh the README's `docs/img`;
/// `COGITO_SCREENSHOT_DIR` overrides both.
fn screenshot_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("COGITO_SCREENSHOT_DIR") {
        return dir.into();
    }
    if std::env::var("COGITO_UPDATE_SCREENSHOTS").is_ok_and(|v| v == "1") {
        return workspace_root().join("docs/img");
    }
    // CARGO_TARGET_TMPDIR is `<target>/tmp`.
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target directory")
        .join("screenshots")
}

/// The browser, Node.js and playwright-core must be there: a missing one fails the test with
/// what to install (never a silent pass).
fn chromium_path() -> PathBuf {
    let chromium = std::env::var_os("COGITO_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    assert!(
        chromium.is_file(),
        "{} is missing: install Debian's chromium (`apt-get install -y chromium`) or set \
         COGITO_CHROMIUM; `cargo xtask test` does this",
        chromium.display()
    );
    let playwright = scripts_dir().join("node_modules/playwright-core/package.json");
    assert!(
        playwright.is_file(),
        "{} is missing: run `npm ci --prefix tests/browser`; `cargo xtask test` does this",
        playwright.display()
    );
    chromium
}

/// The client's redirect target: records the query of every `GET /callback`.
struct Callback {
    url: String,
    hits: Arc<Mutex<Vec<HashMap<String, String>>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Callback {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Callback {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind callback listener");
        let url = format!(
            "http://127.0.0.1:{}/callback",
            listener.local_addr().expect("addr").port()
        );
        let hits = Arc::new(Mutex::new(Vec::new()));
        let recorded = hits.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve_callback(stream, recorded.clone()));
            }
        });
        Self { url, hits, task }
    }

    fn hits(&self) -> Vec<HashMap<String, String>> {
        self.hits.lock().expect("callback hits").clone()
    }
}

async fn serve_callback(
    mut stream: tokio::net::TcpStream,
    hits: Arc<Mutex<Vec<HashMap<String, String>>>>,
) {
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        let mut chunk = [0u8; 4096];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 64 * 1024 {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await;
    if read.is_err() {
        return;
    }
    let head = String::from_utf8_lossy(&buf);
    let target = head
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("GET "))
        .and_then(|l| l.split(' ').next())
        .unwrap_or("/");
    let parsed = reqwest::Url::parse(&format!("http://callback{target}")).expect("target");
    let (status, body) = if parsed.path() == "/callback" {
        hits.lock()
            .expect("callback hits")
            .push(parsed.query_pairs().into_owned().collect());
        (
            "200 OK",
            "<!doctype html><meta charset=utf-8><title>App callback</title>\
             <p>The app received the authorization response.</p>",
        )
    } else {
        ("404 Not Found", "not found")
    };
    let resp = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(resp.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// A server with a pool, a domain and a public code-flow client whose callback is [`Callback`].
struct Env {
    app: TestApp,
    pool: String,
    client_id: String,
    domain_url: String,
    callback: Callback,
    verifier: String,
}

impl Env {
    async fn new() -> Self {
        let app = TestApp::spawn_with(TestOptions {
            dev: true,
            ..TestOptions::default()
        })
        .await;
        let pool = app.pool("browser").await;
        create_domain(&app, &pool).await;
        let callback = Callback::start().await;
        let client_id = oauth_client(&app, &pool, &callback.url).await;
        let domain_url = format!("{}/domain/{DOMAIN}", app.url);
        // RFC 7636 verifier: 43–128 unreserved characters; uniqueness is all a test needs.
        let verifier = format!(
            "verifier-{}-{}-0123456789abcdefghijklmnopqrstuvwxyz",
            std::process::id(),
            callback.url.len()
        );
        Self {
            app,
            pool,
            client_id,
            domain_url,
            callback,
            verifier,
        }
    }

    fn authorize_url(&self) -> String {
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(self.verifier.as_bytes()));
        let mut u = reqwest::Url::parse(&format!("{}/oauth2/authorize", self.domain_url))
            .expect("authorize url");
        u.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", &self.callback.url)
            .append_pair("state", STATE)
            .append_pair("scope", "openid email")
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        u.to_string()
    }

    /// The configuration every flow script gets, plus `extra`.
    fn config(&self, flow: &str, extra: Value) -> Value {
        let mut cfg = json!({
            "authorizeUrl": self.authorize_url(),
            "domainUrl": self.domain_url,
            "callbackUrl": self.callback.url,
            "state": STATE,
            "outboxUrl": format!("{}/_dev/outbox", self.app.url),
            "poolId": self.pool,
            "screenshotDir": screenshot_dir(),
            "artifactDir": Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser").join(flow),
            "chromium": chromium_path(),
        });
        let obj = cfg.as_object_mut().expect("object");
        for (k, v) in extra.as_object().expect("extra is an object") {
            obj.insert(k.clone(), v.clone());
        }
        cfg
    }

    /// A confirmed user with a verified e-mail and a permanent password.
    async fn confirmed_user(&self, username: &str, email: &str, password: &str) {
        self.invite(username, email, "Invite-Temp-7x!").await;
        self.app
            .sdk
            .admin_set_user_password()
            .user_pool_id(&self.pool)
            .username(username)
            .password(password)
            .permanent(true)
            .send()
            .await
            .expect("AdminSetUserPassword");
    }

    /// `AdminCreateUser` with a temporary password and a verified e-mail (no message sent).
    async fn invite(&self, username: &str, email: &str, temp_password: &str) {
        let attr = |n: &str, v: &str| AttributeType::builder().name(n).value(v).build().unwrap();
        self.app
            .sdk
            .admin_create_user()
            .user_pool_id(&self.pool)
            .username(username)
            .temporary_password(temp_password)
            .message_action(MessageActionType::Suppress)
            .user_attributes(attr("email", email))
            .user_attributes(attr("email_verified", "true"))
            .send()
            .await
            .expect("AdminCreateUser");
    }

    /// The callback received exactly one authorization response, the one the browser reported,
    /// and the token endpoint exchanges its code (with the PKCE verifier) for tokens.
    async fn assert_signed_in(&self, report: &Value, username: &str) {
        self.assert_signed_in_after(report, username, 1).await;
    }

    /// [`Env::assert_signed_in`] for the last of `sign_ins` callbacks.
    async fn assert_signed_in_after(&self, report: &Value, username: &str, sign_ins: usize) {
        let code = report["callback"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no code in the report: {report:#}"));
        let hits = self.callback.hits();
        assert_eq!(hits.len(), sign_ins, "callback requests: {hits:?}");
        let last = &hits[sign_ins - 1];
        assert_eq!(last.get("code").map(String::as_str), Some(code));
        assert_eq!(last.get("state").map(String::as_str), Some(STATE));
        assert!(!last.contains_key("error"), "{hits:?}");

        let mut form = reqwest::Url::parse("http://form/").expect("url");
        form.query_pairs_mut()
            .append_pair("grant_type", "authorization_code")
            .append_pair("client_id", &self.client_id)
            .append_pair("code", code)
            .append_pair("redirect_uri", &self.callback.url)
            .append_pair("code_verifier", &self.verifier);
        let resp = reqwest::Client::new()
            .post(format!("{}/oauth2/token", self.domain_url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.query().unwrap_or_default().to_string())
            .timeout(Duration::from_secs(15))
            .send()
            .await
            .expect("token request");
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 200, "token endpoint: {body:#}");
        let id_token = body["id_token"].as_str().expect("id_token");
        let payload = id_token.split('.').nth(1).expect("JWT payload");
        let claims: Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .expect("base64url payload"),
        )
        .expect("JSON claims");
        assert_eq!(claims["cognito:username"], username, "{claims:#}");
        assert_eq!(claims["aud"], self.client_id.as_str(), "{claims:#}");
    }
}

/// `CreateUserPoolDomain`: the pool's pages are served at `<app.url>/domain/<DOMAIN>`.
async fn create_domain(app: &TestApp, pool: &str) {
    app.sdk
        .create_user_pool_domain()
        .user_pool_id(pool)
        .domain(DOMAIN)
        .send()
        .await
        .expect("CreateUserPoolDomain");
}

/// A public client for the code flow (PKCE) with the callback as its only redirect URI.
async fn oauth_client(app: &TestApp, pool: &str, callback: &str) -> String {
    let client = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("web")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .callback_urls(callback)
        .supported_identity_providers("COGNITO")
        .send()
        .await
        .expect("CreateUserPoolClient")
        .user_pool_client
        .expect("client");
    client.client_id.expect("client id")
}

/// Runs `node tests/browser/<flow>.mjs '<config>'` and returns its JSON report; fails with the
/// report, the script's stderr and where the failure screenshot is when the flow did not pass.
async fn run_flow(flow: &str, cfg: &Value) -> Value {
    let script = scripts_dir().join(format!("{flow}.mjs"));
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg(&script)
        .arg(cfg.to_string())
        .current_dir(scripts_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let out = tokio::time::timeout(FLOW_TIMEOUT, cmd.output())
        .await
        .unwrap_or_else(|_| panic!("{flow}.mjs did not finish within {FLOW_TIMEOUT:?}"))
        .unwrap_or_else(|e| panic!("cannot run node (is Node.js installed?): {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: Value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| {
            panic!(
                "{flow}.mjs printed no report (exit {:?})\nstdout:\n{stdout}\nstderr:\n{stderr}",
                out.status
            )
        });
    assert!(
        out.status.success() && report["ok"] == true,
        "{flow}.mjs failed (exit {:?})\nreport: {report:#}\nstderr:\n{stderr}",
        out.status
    );
    eprintln!("{flow}.mjs report: {report:#}");
    report
}

fn page<'a>(report: &'a Value, name: &str) -> &'a Value {
    let p = &report["pages"][name];
    assert!(p.is_object(), "no page {name} in {report:#}");
    p
}

/// Acceptance 2, flow 1: sign-up, the confirmation code from the outbox, sign-in, callback.
#[tokio::test(flavor = "multi_thread")]
async fn sign_up_confirm_and_sign_in_reach_the_callback() {
    let env = Env::new().await;
    let password = "Sunrise-Harbor-42";
    let cfg = env.config(
        "signup",
        json!({ "username": "newcomer", "email": "newcomer@example.com", "password": password }),
    );
    let report = run_flow("signup", &cfg).await;

    assert_eq!(page(&report, "login")["path"], "/login");
    assert_eq!(page(&report, "signup")["path"], "/signup");
    assert_eq!(page(&report, "confirm")["path"], "/confirmUser");
    let user = env
        .app
        .sdk
        .admin_get_user()
        .user_pool_id(&env.pool)
        .username("newcomer")
        .send()
        .await
        .expect("AdminGetUser");
    assert_eq!(user.user_status().map(|s| s.as_str()), Some("CONFIRMED"));
    env.assert_signed_in(&report, "newcomer").await;
}

/// Acceptance 2, flow 2: forgot password, the reset code from the outbox, the old password
/// refused with an error on the sign-in page, the new one signing in.
#[tokio::test(flavor = "multi_thread")]
async fn forgot_password_reset_then_sign_in_with_the_new_password() {
    let env = Env::new().await;
    env.confirmed_user("forgetful", "forgetful@example.com", "Old-Password-11")
        .await;
    let cfg = env.config(
        "forgot-password",
        json!({
            "username": "forgetful",
            "password": "Old-Password-11",
            "newPassword": "Brand-New-Password-22",
        }),
    );
    let report = run_flow("forgot-password", &cfg).await;

    assert_eq!(page(&report, "forgot")["path"], "/forgotPassword");
    assert_eq!(
        page(&report, "confirm-forgot")["path"],
        "/confirmForgotPassword"
    );
    let refused = page(&report, "login-error");
    assert!(
        refused["error"].as_str().is_some_and(|e| !e.is_empty()),
        "the old password must show an error: {refused:#}"
    );
    env.assert_signed_in(&report, "forgetful").await;
}

/// Acceptance 2, flow 3: an invited user with a temporary password sets a new one
/// (`NEW_PASSWORD_REQUIRED`) and lands on the callback.
#[tokio::test(flavor = "multi_thread")]
async fn invited_user_sets_a_new_password_and_reaches_the_callback() {
    let env = Env::new().await;
    env.invite("invitee", "invitee@example.com", "Temp-Pass-33!")
        .await;
    let cfg = env.config(
        "new-password",
        json!({
            "username": "invitee",
            "tempPassword": "Temp-Pass-33!",
            "newPassword": "Chosen-Password-44",
        }),
    );
    let report = run_flow("new-password", &cfg).await;

    assert_eq!(page(&report, "new-password")["path"], "/newPassword");
    let user = env
        .app
        .sdk
        .admin_get_user()
        .user_pool_id(&env.pool)
        .username("invitee")
        .send()
        .await
        .expect("AdminGetUser");
    assert_eq!(user.user_status().map(|s| s.as_str()), Some("CONFIRMED"));
    env.assert_signed_in(&report, "invitee").await;
}

/// Issue 8, acceptance 3: TOTP through the hosted UI. A user of a pool with MFA `ON` sets up an
/// authenticator on the QR page at first sign-in, then signs in with a code; a wrong code is
/// refused on the page. The password alone never reaches the callback.
#[tokio::test(flavor = "multi_thread")]
async fn totp_set_up_on_the_qr_page_then_sign_in_with_a_code() {
    use cogito_testkit::sdk::types::{SoftwareTokenMfaConfigType, UserPoolMfaType};
    let env = Env::new().await;
    env.app
        .sdk
        .set_user_pool_mfa_config()
        .user_pool_id(&env.pool)
        .mfa_configuration(UserPoolMfaType::On)
        .software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(true).build(),
        )
        .send()
        .await
        .expect("SetUserPoolMfaConfig");
    env.confirmed_user("otp-user", "otp@example.com", "Second-Factor-55")
        .await;
    let cfg = env.config(
        "mfa-totp",
        json!({
            "username": "otp-user",
            "password": "Second-Factor-55",
            "serverTimeMs": cogito_core::Clock::now_ms(&*env.app.clock),
        }),
    );
    let report = run_flow("mfa-totp", &cfg).await;
    assert_eq!(page(&report, "mfa-setup")["path"], "/mfa/setup");
    assert_eq!(page(&report, "mfa-code")["path"], "/mfa");
    assert!(page(&report, "mfa-wrong")["error"].is_string());
    env.assert_signed_in_after(&report, "otp-user", 2).await;
    let user = env
        .app
        .sdk
        .admin_get_user()
        .user_pool_id(&env.pool)
        .username("otp-user")
        .send()
        .await
        .expect("AdminGetUser");
    assert_eq!(user.user_mfa_setting_list(), ["SOFTWARE_TOKEN_MFA"]);
}

/// The error page for an untrusted request is a page, not a redirect; `lang=fr` translates the
/// sign-in page; the sign-in page fits a phone-sized screen (and is pictured in dark mode).
#[tokio::test(flavor = "multi_thread")]
async fn error_page_french_and_narrow_sign_in_pages() {
    let env = Env::new().await;
    let report = run_flow("error-page", &env.config("error-page", json!({}))).await;

    let status = report["errorStatus"].as_u64().expect("status");
    assert!((400..500).contains(&status), "error page status {status}");
    assert_eq!(report["errorRedirected"], false);
    assert!(env.callback.hits().is_empty(), "the error page redirected");

    let en = page(&report, "login-en");
    let fr = page(&report, "login-fr");
    assert_ne!(en["text"], fr["text"], "lang=fr shows the same text");
    assert_eq!(fr["lang"], "fr", "<html lang> of the French page");
    let mobile = page(&report, "login-mobile");
    assert_eq!(
        mobile["horizontalScroll"], false,
        "the sign-in page scrolls sideways at 390 px"
    );
    assert!(
        mobile["viewportMeta"]
            .as_str()
            .is_some_and(|v| v.contains("width=device-width")),
        "no responsive viewport meta: {mobile:#}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn console_operator_creates_a_pool_client_user_and_previews_the_look() {
    let app = TestApp::spawn().await;
    let callback = "http://localhost:4999/console-callback";
    let cfg = json!({
        "consoleUrl": format!("{}/console", app.url),
        "domainUrl": format!("{}/console", app.url),
        "accessKeyId": cogito_testkit::ACCESS_KEY_ID,
        "secretAccessKey": cogito_testkit::SECRET_ACCESS_KEY,
        "domainPrefix": format!("console-{}", std::process::id()),
        "callback": callback,
        "screenshotDir": screenshot_dir(),
        "artifactDir": Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser").join("console"),
        "chromium": chromium_path(),
    });
    let report = run_flow("console", &cfg).await;
    assert_eq!(
        report["wrongSecretError"],
        "Incorrect access key id or secret access key."
    );
    // What the browser did is what the API now shows.
    let pool = report["poolId"].as_str().expect("pool id");
    let described = app
        .sdk
        .describe_user_pool()
        .user_pool_id(pool)
        .send()
        .await
        .expect("the console's pool")
        .user_pool
        .unwrap();
    assert_eq!(described.name(), Some("console-pool"));
    assert!(
        described
            .domain()
            .is_some_and(|d| d.starts_with("console-"))
    );
    let client = app
        .sdk
        .describe_user_pool_client()
        .user_pool_id(pool)
        .client_id(report["clientId"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let second = format!("{callback}-2");
    assert_eq!(client.callback_urls(), [callback, second.as_str()]);
    assert_eq!(
        client.allowed_o_auth_flows().len(),
        1,
        "editing the URLs kept the other settings"
    );
    let policy = described.policies().unwrap().password_policy().unwrap();
    assert_eq!(policy.minimum_length(), Some(12));
    assert_eq!(
        described
            .admin_create_user_config()
            .map(|c| c.allow_admin_create_user_only()),
        Some(true)
    );
    assert_eq!(
        client.client_secret(),
        report["clientSecret"].as_str(),
        "the secret shown once is the client's"
    );
    assert_eq!(report["secretShownAgain"], false);
    assert_eq!(report["createdStatus"], "FORCE_CHANGE_PASSWORD");
    assert_eq!(report["confirmedStatus"], "CONFIRMED");
    assert_eq!(report["resetStatus"], "RESET_REQUIRED");
    assert_eq!(report["found"], json!(["olivia"]));
    assert_eq!(report["foundNone"], 1);
    let rotated = report["rotateNotice"].as_str().unwrap();
    assert!(rotated.starts_with("New signing keys: "), "{rotated}");
    let jwks: Value = reqwest::get(format!("{}/{pool}/.well-known/jwks.json", app.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for kid in rotated["New signing keys: ".len()..]
        .trim_end_matches('.')
        .split(", ")
    {
        assert!(
            jwks["keys"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kid"] == kid),
            "{kid} published"
        );
    }
    assert_eq!(report["previewBackground"], report["expectedBackground"]);
    assert_eq!(
        report["phoneScroll"], false,
        "the console scrolls sideways on a phone"
    );
    assert_eq!(report["afterSignOut"], "/console/login");
}
