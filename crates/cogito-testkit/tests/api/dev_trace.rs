//! The dev-only surfaces: a request carrying `X-Cogito-Trace` is reported at
//! `GET /_dev/trace/{run_id}` with every value the service model marks `sensitive` masked (in
//! requests and responses, nested ones included); `/_dev/outbox` and `/_dev/trace` answer no
//! other origin (no CORS); without `--dev` neither the recording nor the routes exist.

use cogito_testkit::sdk::types::MessageActionType;
use cogito_testkit::{TestApp, TestOptions};
use serde_json::{Value, json};

const MASK: &str = "••••••";

async fn dev_app() -> TestApp {
    TestApp::spawn_with(TestOptions {
        dev: true,
        ..TestOptions::default()
    })
    .await
}

/// The hops cogito recorded for `run`, and their raw text.
async fn trace_of(app: &TestApp, run: &str) -> (Vec<Value>, String) {
    let text = reqwest::get(format!("{}/_dev/trace/{run}", app.url))
        .await
        .expect("trace")
        .text()
        .await
        .expect("body");
    let hops: Value = serde_json::from_str(&text).expect("json");
    (hops.as_array().expect("list").clone(), text)
}

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
    let app = dev_app().await;
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
    // AuthParametersType and ClientIdType are sensitive in the model: the keys stay.
    assert_eq!(
        hops[0]["request"]["AuthParameters"],
        json!({"USERNAME": MASK, "PASSWORD": MASK})
    );
    assert_eq!(hops[0]["request"]["ClientId"], MASK);
    assert_eq!(hops[0]["request"]["AuthFlow"], "USER_PASSWORD_AUTH");
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

#[tokio::test]
async fn the_trace_masks_a_generated_client_secret_and_a_temporary_password() {
    let app = dev_app().await;
    let pool = app.pool("traced").await;
    let client = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("confidential")
        .generate_secret(true)
        .customize()
        .mutate_request(|r| {
            r.headers_mut().insert("x-cogito-trace", "run-secret");
        })
        .send()
        .await
        .expect("CreateUserPoolClient")
        .user_pool_client
        .expect("client");
    let secret = client.client_secret.expect("generated secret");
    let (hops, text) = trace_of(&app, "run-secret").await;
    assert_eq!(hops.len(), 1, "{text}");
    assert_eq!(hops[0]["operation"], "CreateUserPoolClient");
    assert_eq!(hops[0]["request"]["GenerateSecret"], true);
    let recorded = &hops[0]["response"]["UserPoolClient"];
    assert_eq!(recorded["ClientSecret"], MASK, "{text}");
    assert_eq!(recorded["ClientName"], "confidential");
    assert!(!text.contains(&secret), "{text}");

    let temporary = "Tr4ced-Temp-Passw0rd!";
    app.sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("invitee")
        .temporary_password(temporary)
        .message_action(MessageActionType::Suppress)
        .customize()
        .mutate_request(|r| {
            r.headers_mut().insert("x-cogito-trace", "run-invite");
        })
        .send()
        .await
        .expect("AdminCreateUser");
    let (hops, text) = trace_of(&app, "run-invite").await;
    assert_eq!(hops.len(), 1, "{text}");
    assert_eq!(hops[0]["request"]["TemporaryPassword"], MASK, "{text}");
    assert_eq!(hops[0]["request"]["UserPoolId"], pool.as_str());
    assert_eq!(hops[0]["request"]["MessageAction"], "SUPPRESS");
    assert!(!text.contains(temporary), "{text}");
}

#[tokio::test]
async fn dev_surfaces_answer_no_other_origin() {
    let app = dev_app().await;
    let http = reqwest::Client::new();
    for path in ["/_dev/outbox", "/_dev/trace/run-1"] {
        let resp = http
            .get(format!("{}{path}", app.url))
            .header("origin", "https://evil.example")
            .send()
            .await
            .expect("get");
        assert_eq!(resp.status(), 200, "{path}");
        assert!(
            resp.headers().get("access-control-allow-origin").is_none(),
            "{path}: {:?}",
            resp.headers()
        );
        let preflight = http
            .request(reqwest::Method::OPTIONS, format!("{}{path}", app.url))
            .header("origin", "https://evil.example")
            .header("access-control-request-method", "GET")
            .send()
            .await
            .expect("preflight");
        assert!(
            preflight
                .headers()
                .keys()
                .all(|k| !k.as_str().starts_with("access-control-")),
            "{path} preflight: {:?}",
            preflight.headers()
        );
    }
    // The Cognito API itself still answers browsers of any origin (amazon-cognito-identity-js).
    let resp = http
        .post(format!("{}/", app.url))
        .header("origin", "https://app.example")
        .header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.InitiateAuth",
        )
        .header("content-type", "application/x-amz-json-1.1")
        .body("{}")
        .send()
        .await
        .expect("api");
    assert_eq!(
        resp.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("*")
    );
}
