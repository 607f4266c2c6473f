//! Client garbage at the front door: malformed or oversized bodies, wrong content types, unknown
//! targets, constraint violations. Every refusal is a Cognito-shaped JSON error with the AWS
//! headers, nothing crashes, and nothing in the store changes. Plus CORS and `/health`.

use cogito_core::store::OutboxQuery;
use cogito_testkit::{TestApp, TestOptions};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

const PREFIX: &str = "AWSCognitoIdentityProviderService.";
const JSON_11: &str = "application/x-amz-json-1.1";

/// A dev-mode server (admin operations need no signature) with one pool and one client.
async fn setup() -> (TestApp, String, String) {
    let app = TestApp::spawn_with(TestOptions {
        dev: true,
        ..Default::default()
    })
    .await;
    let pool = app.pool("bad-input").await;
    let (client, _) = app.client(&pool, false).await;
    (app, pool, client)
}

/// An answer: status, headers, JSON body (`Null` if not JSON).
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

/// `POST /` with an optional target operation and content type.
async fn post(
    app: &TestApp,
    op: Option<&str>,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Answer {
    let mut req = reqwest::Client::new().post(&app.url).body(body);
    if let Some(op) = op {
        req = req.header("x-amz-target", format!("{PREFIX}{op}"));
    }
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.expect("body");
    Answer {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

/// `POST /` of a JSON document with the right content type.
async fn call(app: &TestApp, op: &str, input: &Value) -> Answer {
    post(app, Some(op), Some(JSON_11), input.to_string()).await
}

/// Asserts a Cognito-shaped error and returns its message.
fn assert_error(a: &Answer, status: u16, type_name: &str) -> String {
    assert_eq!(a.status, status, "status of {}", a.body);
    assert_eq!(a.body["__type"], type_name, "body {}", a.body);
    let message = a.body["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no message in {}", a.body));
    assert!(!message.is_empty());
    assert_eq!(
        a.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some(JSON_11)
    );
    let request_id = a
        .headers
        .get("x-amzn-requestid")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        !request_id.is_empty(),
        "x-amzn-RequestId missing: {:?}",
        a.headers
    );
    let error_type = a
        .headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert_eq!(
        error_type.split(':').next(),
        Some(type_name),
        "x-amzn-ErrorType {error_type:?}"
    );
    message.to_string()
}

/// What the store holds: pool ids, user count per pool, outbox size.
async fn snapshot(app: &TestApp) -> (Vec<String>, Vec<u64>, usize) {
    let store = &app.state.core.store_for_harness();
    let pools: Vec<String> = store
        .list_pools(None, 60)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.id)
        .collect();
    let mut users = Vec::new();
    for p in &pools {
        users.push(store.count_users(p).await.unwrap());
    }
    let q = OutboxQuery {
        pool_id: None,
        username: None,
        limit: 1000,
    };
    (pools, users, store.list_messages(&q).await.unwrap().len())
}

#[tokio::test]
async fn malformed_json_is_a_serialization_exception() {
    let (app, _, _) = setup().await;
    let before = snapshot(&app).await;
    for body in [
        &b"{\"PoolName\": "[..],
        b"{\"PoolName\": \"x\"} trailing",
        b"{'PoolName': 'x'}",
        b"{\"PoolName\": \"x\",}",
    ] {
        let a = post(&app, Some("CreateUserPool"), Some(JSON_11), body.to_vec()).await;
        assert_error(&a, 400, "SerializationException");
    }
    // Not an object at all.
    for body in ["[]", "\"PoolName\"", "42"] {
        let a = post(&app, Some("CreateUserPool"), Some(JSON_11), body).await;
        assert_error(&a, 400, "SerializationException");
    }
    // Not JSON numbers / not JSON at all (REL-26): NaN, a 400-digit number, a byte-order mark, empty.
    let huge = format!("{{\"MaxResults\": {}}}", "9".repeat(400));
    let bom = [&[0xEF, 0xBB, 0xBF][..], b"{\"PoolName\": \"x\"}"].concat();
    for body in [b"{\"MaxResults\": NaN}".to_vec(), huge.into_bytes(), bom] {
        let a = post(&app, Some("ListUserPools"), Some(JSON_11), body.clone()).await;
        assert!(
            a.status == 400,
            "{:?} answered {}",
            String::from_utf8_lossy(&body),
            a.status
        );
        assert!(
            ["SerializationException", "InvalidParameterException"]
                .contains(&a.body["__type"].as_str().unwrap_or_default()),
            "{}",
            a.body
        );
    }
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn wrong_content_type_is_refused() {
    let (app, _, client) = setup().await;
    let before = snapshot(&app).await;
    let a = post(
        &app,
        Some("CreateUserPool"),
        Some("text/plain"),
        json!({"PoolName": "x"}).to_string(),
    )
    .await;
    assert_error(&a, 400, "SerializationException");
    let a = post(
        &app,
        Some("CreateUserPool"),
        None,
        json!({"PoolName": "x"}).to_string(),
    )
    .await;
    assert!(a.status / 100 == 4, "no content type: {}", a.status);
    let input = json!({"ClientId": client, "Username": "u1", "Password": "Passw0rd!"});
    let a = post(&app, Some("SignUp"), Some("text/plain"), input.to_string()).await;
    assert_error(&a, 400, "SerializationException");
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn unknown_or_missing_target_is_an_unknown_operation() {
    let (app, _, _) = setup().await;
    let before = snapshot(&app).await;
    let a = post(&app, Some("Nope"), Some(JSON_11), "{}").await;
    assert_error(&a, 400, "UnknownOperationException");
    let a = post(&app, None, Some(JSON_11), "{}").await;
    assert_error(&a, 400, "UnknownOperationException");
    let other_service = reqwest::Client::new()
        .post(&app.url)
        .header("x-amz-target", "DynamoDB_20120810.ListTables")
        .header("content-type", JSON_11)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(other_service.status().as_u16(), 400);
    let body: Value = other_service.json().await.unwrap();
    assert_eq!(body["__type"], "UnknownOperationException");
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn oversized_body_is_refused_with_413() {
    let (app, _, client) = setup().await;
    let before = snapshot(&app).await;
    let big = "a".repeat(300 * 1024);
    let a = call(
        &app,
        "CreateUserPool",
        &json!({"PoolName": "x", "Padding": big}),
    )
    .await;
    assert_eq!(a.status, 413);
    assert_eq!(
        a.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some(JSON_11)
    );
    assert!(
        a.body["__type"].is_string() && a.body["message"].is_string(),
        "{}",
        a.body
    );
    assert!(a.headers.contains_key("x-amzn-requestid"));
    let input = json!({"ClientId": client, "Username": "big", "Password": "Passw0rd!", "ClientMetadata": {"k": big}});
    let a = call(&app, "SignUp", &input).await;
    assert_eq!(a.status, 413);
    // The server is still serving.
    let a = call(&app, "ListUserPools", &json!({"MaxResults": 10})).await;
    assert_eq!(a.status, 200);
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn deeply_nested_json_is_refused_without_a_crash() {
    let (app, _, client) = setup().await;
    let before = snapshot(&app).await;
    let deep = "[".repeat(10_000);
    let a = post(&app, Some("CreateUserPool"), Some(JSON_11), deep.clone()).await;
    assert_error(&a, 400, "SerializationException");
    let closed = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let a = post(
        &app,
        Some("CreateUserPool"),
        Some(JSON_11),
        format!("{{\"PoolName\":\"x\",\"Extra\":{closed}}}"),
    )
    .await;
    assert_error(&a, 400, "SerializationException");
    let nested_objects = format!("{}{}", "{\"a\":".repeat(5_000), "}".repeat(5_000));
    let body = format!(
        "{{\"ClientId\":\"{client}\",\"Username\":\"n\",\"Password\":\"Passw0rd!\",\"ClientMetadata\":{nested_objects}}}"
    );
    let a = post(&app, Some("SignUp"), Some(JSON_11), body).await;
    assert_error(&a, 400, "SerializationException");
    let a = call(&app, "ListUserPools", &json!({"MaxResults": 10})).await;
    assert_eq!(a.status, 200);
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn invalid_utf8_is_a_serialization_exception() {
    let (app, _, client) = setup().await;
    let before = snapshot(&app).await;
    let a = post(
        &app,
        Some("CreateUserPool"),
        Some(JSON_11),
        b"{\"PoolName\": \"\xff\xfe\"}".to_vec(),
    )
    .await;
    assert_error(&a, 400, "SerializationException");
    let mut body = format!("{{\"ClientId\":\"{client}\",\"Username\":\"").into_bytes();
    body.extend_from_slice(b"al\xc0\xafice\",\"Password\":\"Passw0rd!\"}");
    let a = post(&app, Some("SignUp"), Some(JSON_11), body).await;
    assert_error(&a, 400, "SerializationException");
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn missing_required_member() {
    let (app, _, _) = setup().await;
    let before = snapshot(&app).await;
    let message = assert_error(
        &call(&app, "CreateUserPool", &json!({})).await,
        400,
        "InvalidParameterException",
    );
    assert_eq!(
        message,
        "1 validation error detected: Value null at 'poolName' failed to satisfy constraint: Member must not be null"
    );
    // JSON null means absent.
    let message = assert_error(
        &call(&app, "CreateUserPool", &json!({"PoolName": null})).await,
        400,
        "InvalidParameterException",
    );
    assert!(message.contains("Value null at 'poolName'"), "{message}");
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn too_long_member() {
    let (app, _, _) = setup().await;
    let before = snapshot(&app).await;
    let name = "a".repeat(200);
    let message = assert_error(
        &call(&app, "CreateUserPool", &json!({"PoolName": name})).await,
        400,
        "InvalidParameterException",
    );
    assert_eq!(
        message,
        format!(
            "1 validation error detected: Value '{name}' at 'poolName' failed to satisfy constraint: Member must have length less than or equal to 128"
        )
    );
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn pattern_violation() {
    let (app, _, _) = setup().await;
    let before = snapshot(&app).await;
    let message = assert_error(
        &call(&app, "DescribeUserPool", &json!({"UserPoolId": "bad id"})).await,
        400,
        "InvalidParameterException",
    );
    assert!(
        message.starts_with(
            "1 validation error detected: Value 'bad id' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: "
        ),
        "{message}"
    );
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn enum_violation() {
    let (app, _, client) = setup().await;
    let before = snapshot(&app).await;
    let input = json!({"ClientId": client, "AuthFlow": "NOPE", "AuthParameters": {"USERNAME": "a", "PASSWORD": "b"}});
    let message = assert_error(
        &call(&app, "InitiateAuth", &input).await,
        400,
        "InvalidParameterException",
    );
    assert!(
        message.starts_with(
            "1 validation error detected: Value 'NOPE' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: ["
        ),
        "{message}"
    );
    assert!(message.contains("USER_PASSWORD_AUTH"), "{message}");
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn range_violations() {
    let (app, _, _) = setup().await;
    let m = assert_error(
        &call(&app, "ListUserPools", &json!({"MaxResults": 0})).await,
        400,
        "InvalidParameterException",
    );
    assert_eq!(
        m,
        "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"
    );
    let m = assert_error(
        &call(&app, "ListUserPools", &json!({"MaxResults": 100})).await,
        400,
        "InvalidParameterException",
    );
    assert_eq!(
        m,
        "1 validation error detected: Value '100' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 60"
    );
    // Boundaries are accepted.
    assert_eq!(
        call(&app, "ListUserPools", &json!({"MaxResults": 1}))
            .await
            .status,
        200
    );
    assert_eq!(
        call(&app, "ListUserPools", &json!({"MaxResults": 60}))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn several_violations_are_reported_together() {
    let (app, _, _) = setup().await;
    let input = json!({"PoolName": "a".repeat(200), "MfaConfiguration": "SOMETIMES"});
    let m = assert_error(
        &call(&app, "CreateUserPool", &input).await,
        400,
        "InvalidParameterException",
    );
    assert!(m.starts_with("2 validation errors detected: "), "{m}");
    assert!(
        m.contains("'poolName'") && m.contains("'mfaConfiguration'"),
        "{m}"
    );
}

#[tokio::test]
async fn wrong_json_type_is_a_serialization_exception() {
    let (app, pool, _) = setup().await;
    let before = snapshot(&app).await;
    let a = call(&app, "ListUserPools", &json!({"MaxResults": "ten"})).await;
    assert_error(&a, 400, "SerializationException");
    let a = call(&app, "ListUserPools", &json!({"MaxResults": 1.5})).await;
    assert_error(&a, 400, "SerializationException");
    let a = call(
        &app,
        "AdminCreateUser",
        &json!({"UserPoolId": pool, "Username": ["x"]}),
    )
    .await;
    assert_error(&a, 400, "SerializationException");
    let a = call(&app, "CreateUserPool", &json!({"PoolName": 7})).await;
    assert_error(&a, 400, "SerializationException");
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn unknown_members_are_ignored() {
    let (app, _, _) = setup().await;
    let a = call(
        &app,
        "CreateUserPool",
        &json!({"PoolName": "extra", "NotAMember": {"deep": [1, 2]}, "x": null}),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        a.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some(JSON_11)
    );
    assert!(a.headers.contains_key("x-amzn-requestid"));
    assert_eq!(a.body["UserPool"]["Name"], "extra");
    let a = call(
        &app,
        "ListUserPools",
        &json!({"MaxResults": 10, "Bogus": true}),
    )
    .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["UserPools"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn sign_up_failing_validation_creates_nothing_and_sends_nothing() {
    let (app, pool, client) = setup().await;
    let before = snapshot(&app).await;
    let email = json!([{"Name": "email", "Value": "x@example.com"}]);
    // Model constraints: username pattern, password pattern, client id pattern.
    let cases = [
        json!({"ClientId": client, "Username": "bad user", "Password": "Passw0rd!", "UserAttributes": email}),
        json!({"ClientId": client, "Username": "gooduser", "Password": "has space 0A!", "UserAttributes": email}),
        json!({"ClientId": "bad client!", "Username": "gooduser", "Password": "Passw0rd!", "UserAttributes": email}),
    ];
    for input in &cases {
        let a = call(&app, "SignUp", input).await;
        let m = assert_error(&a, 400, "InvalidParameterException");
        assert!(!m.contains("has space 0A!"), "password echoed: {m}");
    }
    // Pool rules: the password policy (a missing password fails it too), an unknown client.
    let weak = json!({"ClientId": client, "Username": "gooduser", "Password": "short", "UserAttributes": email});
    assert_error(
        &call(&app, "SignUp", &weak).await,
        400,
        "InvalidPasswordException",
    );
    let none = json!({"ClientId": client, "Username": "gooduser", "UserAttributes": email});
    assert_error(
        &call(&app, "SignUp", &none).await,
        400,
        "InvalidPasswordException",
    );
    let unknown = json!({"ClientId": "1234567890abcdefghijklmnop", "Username": "gooduser", "Password": "Passw0rd!"});
    let a = call(&app, "SignUp", &unknown).await;
    assert!(
        a.status == 400 && a.body["__type"].is_string(),
        "{}",
        a.body
    );
    assert_eq!(snapshot(&app).await, before);
    assert_eq!(
        app.state
            .core
            .store_for_harness()
            .count_users(&pool)
            .await
            .unwrap(),
        0
    );
    assert!(app.outbox("gooduser").await.is_empty());
}

#[tokio::test]
async fn cors_preflight_is_allowed() {
    let (app, _, _) = setup().await;
    let origin = "http://app.example";
    let resp = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, format!("{}/", app.url))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,x-amz-target,x-amz-user-agent",
        )
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    let h = resp.headers();
    let get = |name: &str| {
        h.get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    let allowed_origin = get("access-control-allow-origin");
    assert!(
        allowed_origin == "*" || allowed_origin == origin,
        "{allowed_origin:?}"
    );
    let allowed = get("access-control-allow-headers");
    for wanted in ["content-type", "x-amz-target", "x-amz-user-agent"] {
        assert!(
            allowed.split(',').any(|a| a.trim() == wanted),
            "{wanted} not in {allowed:?}"
        );
    }
    assert!(get("access-control-allow-methods").contains("post"));

    // The actual request exposes the request id (and error headers) to the browser.
    let resp = reqwest::Client::new()
        .post(&app.url)
        .header("origin", origin)
        .header("content-type", JSON_11)
        .header("x-amz-target", format!("{PREFIX}ListUserPools"))
        .body(json!({"MaxResults": 10}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let h = resp.headers();
    let get = |name: &str| {
        h.get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    let allowed_origin = get("access-control-allow-origin");
    assert!(
        allowed_origin == "*" || allowed_origin == origin,
        "{allowed_origin:?}"
    );
    let exposed = get("access-control-expose-headers");
    for wanted in [
        "x-amzn-requestid",
        "x-amzn-errortype",
        "x-amzn-errormessage",
    ] {
        assert!(
            exposed.split(',').any(|e| e.trim() == wanted),
            "{wanted} not in {exposed:?}"
        );
    }
}

#[tokio::test]
async fn health_and_wrong_method() {
    let (app, _, _) = setup().await;
    let resp = reqwest::get(format!("{}/health", app.url)).await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    // GET / is the landing page; another method than POST (the API) or GET is refused.
    let resp = reqwest::get(format!("{}/", app.url)).await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.text().await.unwrap().contains("cogito is running"));
    let resp = reqwest::Client::new()
        .put(format!("{}/", app.url))
        .send()
        .await
        .unwrap();
    assert!(
        resp.status().is_client_error(),
        "PUT / answered {}",
        resp.status()
    );
}
