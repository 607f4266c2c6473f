//! The dev-only trace stream of the flow explorer: a request carrying `X-Cogito-Trace` is
//! reported at `GET /_dev/trace/{run_id}` with its secrets masked; without `--dev` neither the
//! recording nor the route exists.

use cogito_testkit::{TestApp, TestOptions};
use serde_json::{Value, json};

async fn initiate_auth(app: &TestApp, trace: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/", app.url))
        .header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.InitiateAuth",
        )
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-cogito-trace", trace)
        .body(
            json!({
                "ClientId": "nosuchclient",
                "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Secret-Passw0rd!"},
            })
            .to_string(),
        )
        .send()
        .await
        .expect("send")
        .status()
        .as_u16()
}

#[tokio::test]
async fn dev_mode_reports_traced_requests_with_secrets_masked() {
    let app = TestApp::spawn_with(TestOptions {
        dev: true,
        ..TestOptions::default()
    })
    .await;
    let status = initiate_auth(&app, "run-1").await;
    let resp = reqwest::get(format!("{}/_dev/trace/run-1", app.url))
        .await
        .expect("trace");
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.expect("body");
    assert!(!text.contains("Secret-Passw0rd!"), "{text}");
    let hops: Value = serde_json::from_str(&text).expect("json");
    let hops = hops.as_array().expect("list");
    assert_eq!(hops.len(), 1, "{text}");
    assert_eq!(hops[0]["seq"], 1);
    assert_eq!(hops[0]["method"], "POST");
    assert_eq!(hops[0]["operation"], "InitiateAuth");
    assert_eq!(hops[0]["status"], status);
    assert_eq!(hops[0]["request"]["AuthParameters"]["USERNAME"], "alice");
    assert_eq!(hops[0]["request"]["AuthParameters"]["PASSWORD"], "••••••");
    assert!(hops[0]["response"]["__type"].is_string(), "{text}");
    // Another run id sees nothing of it.
    let other: Value = reqwest::get(format!("{}/_dev/trace/run-2", app.url))
        .await
        .expect("trace")
        .json()
        .await
        .expect("json");
    assert_eq!(other, json!([]));
}

#[tokio::test]
async fn without_dev_there_is_no_trace_stream() {
    let app = TestApp::spawn().await;
    initiate_auth(&app, "run-1").await;
    let resp = reqwest::get(format!("{}/_dev/trace/run-1", app.url))
        .await
        .expect("trace");
    assert_eq!(resp.status(), 404);
}
