//! The web flow in a real browser: Debian's Chromium, driven by `tests/browser/webapp.mjs`
//! (playwright-core, the harness of the hosted-UI browser tests), signs in to the example app
//! through cogito's hosted login page as an `Admin` member (profile shows the group, admin page
//! 200, the session's access token answers `GET /api/me`), signs out through the pool's
//! `/logout`, then signs in as a plain user (admin page 403).
//!
//! Prerequisites (installed by `cargo xtask test`): `/usr/bin/chromium` (or `COGITO_CHROMIUM`),
//! Node.js, and `npm ci --prefix tests/browser`. Without them this test fails; it never skips.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use common::Env;
use serde_json::{Value, json};

fn scripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("workspace root")
        .join("tests/browser")
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
        scripts_dir()
            .join("node_modules/playwright-core/package.json")
            .is_file(),
        "playwright-core is missing: run `npm ci --prefix tests/browser`; `cargo xtask test` \
         does this"
    );
    chromium
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_and_plain_user_sign_in_through_the_hosted_ui() {
    let env = Env::start().await;
    let (admin, admin_pw) = env.user("Admin");
    let (user, user_pw) = env.user("Users");
    let cfg = json!({
        "appUrl": env.app_url,
        "domainUrl": env.domain_url,
        "admin": { "username": admin, "password": admin_pw },
        "user": { "username": user, "password": user_pw },
        "chromium": chromium_path(),
        "artifactDir": Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser").join("webapp"),
    });
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg(scripts_dir().join("webapp.mjs"))
        .arg(cfg.to_string())
        .current_dir(scripts_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(150), cmd.output())
        .await
        .expect("webapp.mjs finishes within 150 s")
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
        "webapp.mjs failed\nreport: {report:#}\nstderr:\n{stderr}"
    );

    assert_eq!(report["adminUsername"], admin, "{report:#}");
    assert_eq!(report["adminGroups"], json!(["Admin"]), "{report:#}");
    assert_eq!(report["apiMe"]["status"], 200, "{report:#}");
    assert_eq!(report["apiMe"]["body"]["username"], admin);
    assert_eq!(
        report["apiMe"]["body"]["client_id"],
        env.seeded.web_client_id.as_str()
    );
    assert_eq!(report["adminPageStatus"], 200, "{report:#}");
    assert!(
        report["adminPageUsers"].as_u64().unwrap_or(0) >= 2,
        "{report:#}"
    );
    assert_eq!(report["signedOut"], true, "{report:#}");
    assert_eq!(
        report["profileAfterSignOut"], "/login",
        "after signing out, the profile leads to the hosted sign-in page: {report:#}"
    );
    assert_eq!(report["userGroups"], json!(["Users"]), "{report:#}");
    assert_eq!(report["userPageStatus"], 403, "{report:#}");
    assert!(
        report["serverErrors"].as_array().is_some_and(Vec::is_empty),
        "{report:#}"
    );
}
