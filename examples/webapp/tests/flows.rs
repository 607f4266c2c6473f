//! The flow explorer in a real browser: Debian's Chromium, driven by `tests/browser/flows.mjs`,
//! opens `/flows`, runs the four flows (web code grant, API `AdminInitiateAuth`, token refresh,
//! self sign-up, whose `SignUp` calls the example trigger service's pre-sign-up function: a
//! hop from cogito to the trigger, as cogito's trace stream reports it) and reports the hops
//! drawn in each sequence diagram; this test asserts every
//! expected hop appeared in order with its status, that the decoded tokens are shown with a
//! valid signature, and that secrets are masked. The `/jwt` decoder verifies a token of a run.
//! Screenshots go to `<target>/screenshots/flows-<flow>.png` and `…/jwt-decoder.png`;
//! `COGITO_UPDATE_SCREENSHOTS=1` writes them to the README's `docs/img/` instead,
//! `COGITO_SCREENSHOT_DIR` to any directory.
//!
//! Prerequisites as in `browser.rs`: Chromium, Node.js, `npm ci --prefix tests/browser`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use common::Env;
use serde_json::{Value, json};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("workspace root")
        .to_path_buf()
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

fn chromium_path() -> PathBuf {
    let chromium = std::env::var_os("COGITO_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    assert!(
        chromium.is_file(),
        "{} is missing: install Debian's chromium or set COGITO_CHROMIUM; `cargo xtask test` \
         does this",
        chromium.display()
    );
    assert!(
        workspace_root()
            .join("tests/browser/node_modules/playwright-core/package.json")
            .is_file(),
        "playwright-core is missing: run `npm ci --prefix tests/browser`; `cargo xtask test` \
         does this"
    );
    chromium
}

/// `(from, to, label prefix, status, carries tokens, what cogito's trace stream reported)` of
/// each flow's hops, in order (`""`: a hop inside the example app, not seen by cogito).
type Expected = &'static [(
    &'static str,
    &'static str,
    &'static str,
    u64,
    bool,
    &'static str,
)];

const FLOWS: &[(&str, Expected)] = &[
    (
        "code-grant",
        &[
            ("browser", "app", "GET /login", 303, false, ""),
            (
                "browser",
                "hosted",
                "GET /oauth2/authorize",
                302,
                false,
                "GET /domain/demo/oauth2/authorize 302",
            ),
            (
                "browser",
                "hosted",
                "GET /login",
                200,
                false,
                "GET /domain/demo/login 200",
            ),
            (
                "browser",
                "hosted",
                "POST /login",
                303,
                false,
                "POST /domain/demo/login 303",
            ),
            ("browser", "app", "GET /callback", 303, false, ""),
            (
                "app",
                "hosted",
                "POST /oauth2/token",
                200,
                true,
                "POST /domain/demo/oauth2/token 200",
            ),
            (
                "app",
                "jwks",
                "GET /.well-known/jwks.json",
                200,
                true,
                "/.well-known/jwks.json 200",
            ),
        ],
    ),
    (
        "admin-auth",
        &[
            ("browser", "app", "POST /api/login", 200, false, ""),
            (
                "app",
                "api",
                "POST / AdminInitiateAuth (ADMIN_USER_PASSWORD_AUTH)",
                200,
                true,
                "POST / AdminInitiateAuth 200",
            ),
            (
                "app",
                "jwks",
                "GET /.well-known/jwks.json",
                200,
                true,
                "/.well-known/jwks.json 200",
            ),
        ],
    ),
    (
        "refresh",
        &[
            (
                "app",
                "api",
                "POST / AdminInitiateAuth (ADMIN_USER_PASSWORD_AUTH)",
                200,
                true,
                "POST / AdminInitiateAuth 200",
            ),
            (
                "app",
                "api",
                "POST / AdminInitiateAuth (REFRESH_TOKEN_AUTH)",
                200,
                true,
                "POST / AdminInitiateAuth 200",
            ),
            (
                "app",
                "jwks",
                "GET /.well-known/jwks.json",
                200,
                true,
                "/.well-known/jwks.json 200",
            ),
        ],
    ),
    (
        "signup",
        &[
            ("browser", "app", "POST /signup", 200, false, ""),
            (
                "app",
                "api",
                "POST / SignUp",
                200,
                false,
                "POST / SignUp 200",
            ),
            (
                "api",
                "trigger",
                "PreSignUp_SignUp",
                200,
                false,
                "PreSignUp_SignUp 200",
            ),
            (
                "app",
                "api",
                "GET /_dev/outbox",
                200,
                false,
                "GET /_dev/outbox 200",
            ),
            (
                "app",
                "api",
                "POST / ConfirmSignUp",
                200,
                false,
                "POST / ConfirmSignUp 200",
            ),
            (
                "app",
                "api",
                "POST / AdminInitiateAuth (ADMIN_USER_PASSWORD_AUTH)",
                200,
                true,
                "POST / AdminInitiateAuth 200",
            ),
            (
                "app",
                "jwks",
                "GET /.well-known/jwks.json",
                200,
                true,
                "/.well-known/jwks.json 200",
            ),
        ],
    ),
];

#[tokio::test(flavor = "multi_thread")]
async fn the_flow_explorer_runs_the_four_flows() {
    let env = Env::start_with(true).await;
    let screenshots = screenshot_dir();
    let cfg = json!({
        "appUrl": env.app_url,
        "domainUrl": env.domain_url,
        "flows": FLOWS.iter().map(|(f, _)| *f).collect::<Vec<_>>(),
        "chromium": chromium_path(),
        "screenshotDir": screenshots,
        "artifactDir": Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser").join("flows"),
    });
    let scripts = workspace_root().join("tests/browser");
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg(scripts.join("flows.mjs"))
        .arg(cfg.to_string())
        .current_dir(&scripts)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(180), cmd.output())
        .await
        .expect("flows.mjs finishes within 180 s")
        .expect("run node (is Node.js installed?)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: Value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no report\nstdout:\n{stdout}\nstderr:\n{stderr}"));
    assert!(
        out.status.success() && report["ok"] == true,
        "flows.mjs failed\nreport: {report:#}\nstderr:\n{stderr}"
    );

    for (flow, expected) in FLOWS {
        let r = &report["flows"][flow];
        assert_eq!(r["state"], "done", "{flow}: {r:#}");
        let hops = r["hops"].as_array().expect("hops");
        assert_eq!(hops.len(), expected.len(), "{flow}: {r:#}");
        for (i, (hop, (from, to, label, status, tokens, cogito))) in
            hops.iter().zip(*expected).enumerate()
        {
            let seen = hop["cogito"].as_str().unwrap_or_default();
            if cogito.is_empty() {
                assert!(seen.is_empty(), "{flow} hop {i}: {hop}");
            } else {
                assert!(
                    seen.ends_with(cogito),
                    "{flow} hop {i}: cogito's trace stream should report {cogito}: {hop}"
                );
            }
            assert_eq!(hop["seq"], i + 1, "{flow} hop {i}: {hop}");
            assert_eq!(hop["from"], *from, "{flow} hop {i}: {hop}");
            assert_eq!(hop["to"], *to, "{flow} hop {i}: {hop}");
            assert!(
                hop["label"].as_str().is_some_and(|l| l.starts_with(label)),
                "{flow} hop {i}: expected {label}: {hop}"
            );
            assert_eq!(hop["status"], *status, "{flow} hop {i}: {hop}");
            assert_eq!(
                hop["tokens"].as_u64().unwrap_or(0) > 0,
                *tokens,
                "{flow} hop {i}: {hop}"
            );
        }
        // The last token-bearing hop's decoded tokens: an ID and an access token, both verified.
        let tokens = r["tokens"].as_array().expect("tokens");
        let uses: Vec<&str> = tokens
            .iter()
            .filter_map(|t| t["tokenUse"].as_str())
            .collect();
        assert!(
            uses.contains(&"id") && uses.contains(&"access"),
            "{flow}: {r:#}"
        );
        for t in tokens {
            assert!(
                t["signature"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("valid")),
                "{flow}: {t}"
            );
            assert!(
                t["expiry"]
                    .as_str()
                    .is_some_and(|s| s.contains("expires in")),
                "{flow}: {t}"
            );
            assert!(t["payload"]["iss"].as_str().is_some(), "{flow}: {t}");
        }
        let detail = r["detailText"].as_str().unwrap_or_default();
        for secret in ["Passw0rd", "Flow-"] {
            assert!(!detail.contains(secret), "{flow} shows a secret: {detail}");
        }
    }
    assert!(
        report["jwt"]["signature"]
            .as_str()
            .is_some_and(|s| s.starts_with("valid")),
        "{report:#}"
    );
    assert!(
        ["id", "access"].contains(&report["jwt"]["tokenUse"].as_str().unwrap_or_default()),
        "{report:#}"
    );
    assert!(
        report["serverErrors"].as_array().is_some_and(Vec::is_empty),
        "{report:#}"
    );
}
