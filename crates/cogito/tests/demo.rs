//! `cogito demo` (the real binary) from an empty directory: it prints the URLs, they answer,
//! the printed credentials sign in through the example app's API, and a second run reuses the
//! seeded pool.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

struct Demo {
    child: tokio::process::Child,
    lines: Vec<String>,
}

impl Demo {
    /// Starts the demo in `dir` on free ports and reads its banner.
    async fn start(dir: &std::path::Path) -> Self {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_cogito"))
            .args([
                "demo",
                "--listen",
                "127.0.0.1:0",
                "--app-listen",
                "127.0.0.1:0",
            ])
            .current_dir(dir)
            .env_remove("COGITO_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn cogito demo");
        let mut out = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut lines = Vec::new();
        tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = out.next_line().await.expect("read stdout") {
                let done = line.contains("Press ctrl-c");
                lines.push(line);
                if done {
                    break;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no banner within 60 s; printed so far: {lines:#?}"));
        // Keep reading what the demo prints later, as a terminal would: the pipe stays open.
        tokio::spawn(async move { while let Ok(Some(_)) = out.next_line().await {} });
        Self { child, lines }
    }

    /// The URL printed after `label`.
    fn url(&self, label: &str) -> String {
        self.lines
            .iter()
            .find_map(|l| l.trim().strip_prefix(label))
            .map(|rest| rest.trim().to_string())
            .unwrap_or_else(|| panic!("no {label} line in {:#?}", self.lines))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_starts_everything_and_its_urls_answer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");

    let mut demo = Demo::start(dir.path()).await;
    assert!(
        demo.lines
            .iter()
            .any(|l| l.contains("seeded a new demo pool")),
        "{:#?}",
        demo.lines
    );
    let app = demo.url("Example app:");
    let cogito = demo.url("cogito:");
    let hosted = demo.url("Hosted UI:");
    let outbox = demo.url("Dev outbox:");
    assert!(
        demo.url("Trigger service:")
            .starts_with("http://127.0.0.1:"),
        "the trigger service is in the banner, before it says how to stop: {:#?}",
        demo.lines
    );
    for (user, password) in [
        ("admin@example.com", "Admin-Passw0rd!"),
        ("user@example.com", "User-Passw0rd!"),
    ] {
        assert!(
            demo.lines
                .iter()
                .any(|l| l.contains(user) && l.contains(password)),
            "credentials of {user} not printed: {:#?}",
            demo.lines
        );
    }

    let home = http.get(&app).send().await.expect("app home");
    assert_eq!(home.status(), 200);
    assert!(home.text().await.unwrap().contains("Sign in"));
    let sign_in = http.get(format!("{app}login")).send().await.unwrap();
    assert_eq!(sign_in.status(), 303);
    let to = sign_in.headers()["location"].to_str().unwrap().to_string();
    assert!(
        to.starts_with(&format!("{hosted}/oauth2/authorize?")),
        "{to}"
    );
    // The authorize request is accepted (registered callback) and leads to the sign-in page.
    let authorize = http.get(&to).send().await.unwrap();
    assert_eq!(authorize.status(), 302);
    assert!(
        authorize.headers()["location"]
            .to_str()
            .unwrap()
            .contains("/login"),
        "{:?}",
        authorize.headers()
    );
    assert_eq!(http.get(&outbox).send().await.unwrap().status(), 200);
    assert_eq!(
        http.get(format!("{hosted}/login?x=1"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
            / 100,
        4,
        "hosted UI answers (a sign-in page without client is an error page)"
    );
    // The printed cogito and hosted-UI URLs open landing pages: cogito's says where its
    // endpoints are; the domain's links the example app's sign-in, the JWKS and discovery.
    let root = http.get(&cogito).send().await.unwrap();
    assert_eq!(root.status(), 200);
    let root = root.text().await.unwrap();
    assert!(root.contains("--endpoint-url"), "{root}");
    assert!(root.contains("/console"), "{root}");
    let console = demo.url("Admin console:");
    let console = console
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    let login = http.get(&console).send().await.unwrap();
    assert_eq!(login.status(), 303, "the console asks for a sign-in first");
    assert_eq!(login.headers()["location"], "/console/login");
    let landing = http.get(&hosted).send().await.unwrap();
    assert_eq!(landing.status(), 200);
    // Attribute values come HTML-escaped (`/` as `&#x2f;`).
    let landing = landing
        .text()
        .await
        .unwrap()
        .replace("&#x2f;", "/")
        .replace("&amp;", "&");
    assert!(landing.contains(".well-known/jwks.json"), "{landing}");
    let link = landing
        .split("class=\"sign-in\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no sign-in link: {landing}"))
        .to_owned();
    let page = http.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200, "{link}");
    assert!(page.text().await.unwrap().contains("password"));

    let login: serde_json::Value = http
        .post(format!("{app}api/login"))
        .json(
            &serde_json::json!({ "username": "admin@example.com", "password": "Admin-Passw0rd!" }),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"]
        .as_str()
        .expect("tokens for the printed credentials");
    let me: serde_json::Value = http
        .get(format!("{app}api/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["groups"], serde_json::json!(["Admin"]));
    demo.child.kill().await.expect("stop the demo");

    // Again in the same directory: the pool is reused.
    let mut again = Demo::start(dir.path()).await;
    assert!(
        again
            .lines
            .iter()
            .any(|l| l.contains("reusing the demo pool")),
        "{:#?}",
        again.lines
    );
    let app = again.url("Example app:");
    assert_eq!(http.get(&app).send().await.unwrap().status(), 200);
    again.child.kill().await.expect("stop the demo");
}
