//! SigV4 at the front door: the SDK signs for real; wrong secrets, unknown keys, missing
//! signatures, clock skew and tampered replays are refused with AWS's error types; `--dev`
//! accepts anyone; public operations need no signature and ignore foreign `Authorization`.

use std::time::Duration;

use cogito_testkit::{ACCESS_KEY_ID, SECRET_ACCESS_KEY, TestApp, TestOptions};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{attr, confirmed_user, err};

const PW: &str = "Passw0rd!";

/// A raw `POST /` with a JSON body and optional `Authorization`; `(status, body)`.
async fn raw(app: &TestApp, op: &str, body: &Value, authorization: Option<&str>) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(&app.url)
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
        .body(body.to_string());
    if let Some(a) = authorization {
        req = req.header("authorization", a);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("non-JSON body {text:?}")),
    )
}

#[tokio::test]
async fn correctly_signed_admin_call_passes() {
    let app = TestApp::spawn().await;
    let pool = app.pool("signed").await;
    let pools = app
        .sdk
        .list_user_pools()
        .max_results(10)
        .send()
        .await
        .unwrap();
    let ids: Vec<_> = pools.user_pools().iter().filter_map(|p| p.id()).collect();
    assert_eq!(ids, vec![pool.as_str()]);
}

#[tokio::test]
async fn wrong_secret_is_an_invalid_signature() {
    let app = TestApp::spawn().await;
    let sdk = app.sdk_with(ACCESS_KEY_ID, "not-the-secret-access-key-0000000000000", 0);
    let (code, message) = err(sdk.list_user_pools().max_results(10).send().await);
    assert_eq!(code, "InvalidSignatureException");
    assert!(
        message.starts_with("The request signature we calculated does not match"),
        "{message}"
    );
    let (code, _) = err(sdk.create_user_pool().pool_name("nope").send().await);
    assert_eq!(code, "InvalidSignatureException");
    assert!(
        app.state
            .core
            .store_for_harness()
            .list_pools(None, 60)
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn unknown_access_key_is_unrecognized() {
    let app = TestApp::spawn().await;
    let sdk = app.sdk_with("AKIAUNKNOWNKEY000000", SECRET_ACCESS_KEY, 0);
    let (code, message) = err(sdk.list_user_pools().max_results(10).send().await);
    assert_eq!(code, "UnrecognizedClientException");
    assert_eq!(
        message,
        "The security token included in the request is invalid."
    );
}

#[tokio::test]
async fn unsigned_admin_call_is_missing_authentication_token() {
    let app = TestApp::spawn().await;
    let (status, body) = raw(&app, "ListUserPools", &json!({"MaxResults": 10}), None).await;
    assert_eq!(status, 403);
    assert_eq!(body["__type"], "MissingAuthenticationTokenException");
    assert_eq!(body["message"], "Missing Authentication Token");
    // A non-SigV4 Authorization header does not authenticate an admin call either.
    let (status, body) = raw(
        &app,
        "CreateUserPool",
        &json!({"PoolName": "p"}),
        Some("Bearer x"),
    )
    .await;
    assert_eq!(status / 100, 4, "{body}");
    assert_ne!(body["__type"], Value::Null);
    assert!(
        app.state
            .core
            .store_for_harness()
            .list_pools(None, 60)
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn signature_older_than_the_allowed_skew_has_expired() {
    let app = TestApp::spawn().await;
    let (code, message) = err(app
        .sdk_with(ACCESS_KEY_ID, SECRET_ACCESS_KEY, -600)
        .list_user_pools()
        .max_results(10)
        .send()
        .await);
    assert_eq!(code, "InvalidSignatureException");
    assert!(message.starts_with("Signature expired"), "{message}");
}

#[tokio::test]
async fn signature_from_the_future_is_not_yet_current() {
    let app = TestApp::spawn().await;
    let (code, message) = err(app
        .sdk_with(ACCESS_KEY_ID, SECRET_ACCESS_KEY, 600)
        .list_user_pools()
        .max_results(10)
        .send()
        .await);
    assert_eq!(code, "InvalidSignatureException");
    assert!(
        message.starts_with("Signature not yet current"),
        "{message}"
    );
}

#[tokio::test]
async fn skew_within_the_window_passes() {
    let app = TestApp::spawn().await;
    for offset in [-200, 200] {
        let sdk = app.sdk_with(ACCESS_KEY_ID, SECRET_ACCESS_KEY, offset);
        sdk.list_user_pools()
            .max_results(10)
            .send()
            .await
            .unwrap_or_else(|e| panic!("offset {offset}: {e:?}"));
    }
}

/// A raw HTTP/1.1 request split into its head (request line + headers) and body.
struct Captured {
    head: String,
    body: Vec<u8>,
}

impl Captured {
    /// The same request with another body (Content-Length adjusted, everything else as signed).
    fn with_body(&self, body: &[u8]) -> Vec<u8> {
        let mut out = String::new();
        for line in self.head.split("\r\n").filter(|l| !l.is_empty()) {
            if line.to_ascii_lowercase().starts_with("content-length:") {
                out.push_str(&format!("content-length: {}\r\n", body.len()));
            } else if !line.to_ascii_lowercase().starts_with("connection:") {
                out.push_str(line);
                out.push_str("\r\n");
            }
        }
        out.push_str("connection: close\r\n\r\n");
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(body);
        bytes
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Reads one HTTP request (headers and a Content-Length body) from a stream.
async fn read_request(stream: &mut tokio::net::TcpStream) -> Captured {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut chunk).await.expect("read");
        assert!(n > 0, "connection closed before the end of the headers");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end + 2].to_vec()).expect("ASCII head");
    let len: usize = head
        .split("\r\n")
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().expect("length"))
        })
        .expect("content-length");
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = stream.read(&mut chunk).await.expect("read body");
        assert!(n > 0, "connection closed inside the body");
        body.extend_from_slice(&chunk[..n]);
    }
    Captured { head, body }
}

/// Captures the raw request an SDK sends: a one-shot listener that answers `{}`.
async fn capture_signed_list_user_pools(app: &TestApp) -> Captured {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let captured = read_request(&mut stream).await;
        let resp = "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";
        stream.write_all(resp.as_bytes()).await.unwrap();
        stream.shutdown().await.ok();
        captured
    });
    // Same signing clock as the server's, pointed at the capture listener.
    let conf = app
        .sdk
        .config()
        .to_builder()
        .endpoint_url(format!("http://{addr}"))
        .build();
    let sdk = cogito_testkit::sdk::Client::from_conf(conf);
    sdk.list_user_pools()
        .max_results(10)
        .send()
        .await
        .expect("captured call");
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("capture in time")
        .unwrap()
}

/// Sends raw bytes to the server and returns `(status, body)` of its answer.
async fn replay(app: &TestApp, bytes: &[u8]) -> (u16, Value) {
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut resp = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut resp))
        .await
        .expect("answer in time")
        .unwrap();
    let text = String::from_utf8_lossy(&resp).to_string();
    let status: u16 = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text:?}"));
    let body_start = text.find("\r\n\r\n").expect("head end") + 4;
    let body = &text[body_start..];
    // The answer may be chunked; the JSON object is the part between the outer braces.
    let json = match (body.find('{'), body.rfind('}')) {
        (Some(a), Some(b)) => serde_json::from_str(&body[a..=b]).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    (status, json)
}

#[tokio::test]
async fn replayed_request_with_a_changed_body_is_refused() {
    let app = TestApp::spawn().await;
    app.pool("existing").await;
    let captured = capture_signed_list_user_pools(&app).await;
    assert!(
        captured
            .head
            .to_ascii_lowercase()
            .contains("authorization: aws4-hmac-sha256"),
        "{}",
        captured.head
    );

    // The untouched replay verifies (within the skew window there is no replay cache in SigV4).
    let (status, body) = replay(&app, &captured.with_body(&captured.body)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["UserPools"].is_array(), "{body}");

    // Same headers and signature, other body: the payload hash no longer matches.
    let tampered = br#"{"MaxResults":60}"#;
    assert_ne!(captured.body, tampered);
    let (status, body) = replay(&app, &captured.with_body(tampered)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["__type"], "InvalidSignatureException");

    // A different operation under the old signature (target header changed) is refused too.
    let head = captured.head.replace(
        "AWSCognitoIdentityProviderService.ListUserPools",
        "AWSCognitoIdentityProviderService.CreateUserPool",
    );
    let fixed = Captured {
        head,
        body: Vec::new(),
    }
    .with_body(br#"{"PoolName":"evil"}"#);
    let (status, body) = replay(&app, &fixed).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["__type"], "InvalidSignatureException");
    assert_eq!(
        app.state
            .core
            .store_for_harness()
            .list_pools(None, 60)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}

#[tokio::test]
async fn dev_mode_accepts_any_caller() {
    let app = TestApp::spawn_with(TestOptions {
        dev: true,
        ..Default::default()
    })
    .await;
    let wrong_secret = app.sdk_with(ACCESS_KEY_ID, "definitely-wrong-secret-000000000000000", 0);
    wrong_secret
        .create_user_pool()
        .pool_name("a")
        .send()
        .await
        .unwrap();
    let unknown = app.sdk_with("AKIAANYONE0000000000", "whatever", 0);
    unknown
        .create_user_pool()
        .pool_name("b")
        .send()
        .await
        .unwrap();
    let (status, body) = raw(&app, "ListUserPools", &json!({"MaxResults": 10}), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["UserPools"].as_array().map(Vec::len),
        Some(2),
        "{body}"
    );
}

#[tokio::test]
async fn public_operations_need_no_signature_and_ignore_bearer_headers() {
    let app = TestApp::spawn().await;
    let pool = app.pool("public").await;
    let (client, _) = app.client(&pool, false).await;

    for (username, authorization) in [("carol", None), ("dave", Some("Bearer x"))] {
        let input = json!({
            "ClientId": client,
            "Username": username,
            "Password": PW,
            "UserAttributes": [{"Name": "email", "Value": format!("{username}@example.com")}],
        });
        let (status, body) = raw(&app, "SignUp", &input, authorization).await;
        assert_eq!(status, 200, "{username}: {body}");
        assert_eq!(body["UserConfirmed"], false);
        assert!(body["UserSub"].is_string());
    }
    let u = app
        .sdk
        .admin_get_user()
        .user_pool_id(&pool)
        .username("dave")
        .send()
        .await
        .unwrap();
    assert_eq!(u.user_status().map(|s| s.as_str()), Some("UNCONFIRMED"));

    confirmed_user(&app, &pool, "alice", PW).await;
    for authorization in [None, Some("Bearer x"), Some("AWS4-HMAC-SHA256 garbage")] {
        let input = json!({
            "ClientId": client,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": "alice", "PASSWORD": PW},
        });
        let (status, body) = raw(&app, "InitiateAuth", &input, authorization).await;
        assert_eq!(status, 200, "{authorization:?}: {body}");
        assert!(
            body["AuthenticationResult"]["AccessToken"].is_string(),
            "{body}"
        );
    }
}

#[tokio::test]
async fn public_operations_work_from_sdk_clients_with_bad_credentials() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    let stranger = app.sdk_with("AKIASTRANGER00000000", "nope", 0);
    let r = stranger
        .sign_up()
        .client_id(&client)
        .username("erin")
        .password(PW)
        .user_attributes(attr("email", "erin@example.com"))
        .send()
        .await
        .unwrap();
    assert!(!r.user_confirmed);
    // …while the same client is refused on an admin operation.
    let (code, _) = err(stranger
        .admin_get_user()
        .user_pool_id(&pool)
        .username("erin")
        .send()
        .await);
    assert_eq!(code, "UnrecognizedClientException");
}
