//! The README's AWS CLI walkthrough, run as written (with AWS CLI v1 from the test venv) against
//! `cogito serve` with SigV4: only the printed credentials and the address are filled in. It
//! must end with the signed-in user's attributes.

use std::process::Command;

mod support;

use support::Server;

const KEY_ID: &str = "AKIAREADMEWALKTHRU01";
const SECRET: &str = "readme-walkthrough-secret-access-key-01234";

/// The shell block between the walkthrough markers of the README.
fn walkthrough() -> String {
    let readme = include_str!("../../../README.md");
    let start = readme
        .find("<!-- aws-cli-walkthrough -->")
        .expect("walkthrough marker");
    let block = &readme[start..];
    let body = block.split("```sh\n").nth(1).expect("sh block");
    body.split("```").next().expect("end of block").to_owned()
}

/// `aws` of the virtual environment `cargo xtask test` prepares, else from `PATH`.
fn path_with_venv() -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    match std::env::var("VIRTUAL_ENV") {
        Ok(venv) => format!("{venv}/bin:{path}"),
        Err(_) => path,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_readme_aws_cli_walkthrough_signs_a_user_in_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let args: Vec<std::ffi::OsString> = vec!["--data-dir".into(), dir.path().into()];
    let server = Server::start(dir.path(), "readme", (KEY_ID, SECRET), &args).await;
    let script = walkthrough()
        .replace("<access key id printed at first start>", KEY_ID)
        .replace("<secret access key printed at first start>", SECRET)
        .replace("http://127.0.0.1:9229", &server.url);
    assert!(!script.contains('<'), "a placeholder is left: {script}");
    let home = tempfile::tempdir().unwrap();
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .env("PATH", path_with_venv())
        .env("HOME", home.path())
        .env_remove("AWS_REGION")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .output()
        .expect("bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "walkthrough failed:\n{stdout}\n{stderr}"
    );
    // The outputs of admin-create-user and get-user, one JSON document after the other.
    let user = serde_json::Deserializer::from_str(&stdout)
        .into_iter::<serde_json::Value>()
        .map(|v| v.unwrap_or_else(|e| panic!("{e}: {stdout}")))
        .last()
        .expect("get-user output");
    assert_eq!(user["Username"], "alice");
    let email = user["UserAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["Name"] == "email")
        .map(|a| a["Value"].clone());
    assert_eq!(email, Some("alice@example.com".into()));
    server.stop().await;
}
