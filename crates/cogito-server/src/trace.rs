//! Dev-only request tracing for the example app's flow explorer: a request carrying
//! `X-Cogito-Trace: <run id>` is recorded (method, path, `X-Amz-Target` operation, status,
//! request and response bodies with secrets masked) into an in-memory ring buffer per run id,
//! read back at `GET /_dev/trace/{run_id}`. Neither the layer nor the route exists without
//! `--dev`.
//!
//! Masking of Cognito API bodies follows the service model: every value whose shape the model
//! marks `sensitive` is masked, in requests and responses, at any depth (`TemporaryPassword`,
//! `AuthParameters`, `UserPoolClient.ClientSecret`, `AuthenticationResult.AccessToken`,
//! `Session`, but also `Username`, `ClientId` and attribute values), plus the one-time codes
//! the model leaves unmarked ([`UNMARKED_SECRET_SHAPES`]). How a value is masked
//! ([`masked`]): a JWT keeps its header and payload and loses its signature, so the explorer's
//! reader still sees the claims cogito issued while the recorded token cannot be replayed; a
//! map (`AuthParameters`) keeps its keys; anything else becomes `••••••`. Bodies the model does
//! not describe (OAuth 2.0 and hosted-UI forms, the dev outbox) are masked by field name
//! ([`FORM_SECRETS`]).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cogito_model::{Operation, Visit};
use serde::Serialize;
use serde_json::{Map, Value};

/// The trace header.
pub const HEADER: &str = "x-cogito-trace";
/// Runs kept (the oldest is dropped first).
const MAX_RUNS: usize = 256;
/// Hops kept per run.
const MAX_HOPS: usize = 64;
/// Bodies larger than this are not recorded (nor buffered).
const MAX_BODY: usize = 256 * 1024;
/// What a masked value becomes.
const MASK: &str = "••••••";

/// Shapes that carry secrets although the model does not mark them `sensitive`: the codes of
/// `ConfirmSignUp`, `ConfirmForgotPassword` and `VerifyUserAttribute`.
const UNMARKED_SECRET_SHAPES: &[&str] = &["ConfirmationCodeType"];

/// Field names masked in bodies the model does not describe: OAuth 2.0 requests and answers
/// (RFC 6749 / 7636), hosted-UI forms, and the dev outbox's messages (whose `body` carries the
/// code). `id_token` and `access_token` are masked like the API's tokens (signature only).
const FORM_SECRETS: &[&str] = &[
    "password",
    "new_password",
    "previouspassword",
    "proposedpassword",
    "client_secret",
    "code_verifier",
    "secrethash",
    "secret_hash",
    "refresh_token",
    "refreshtoken",
    "id_token",
    "access_token",
    "_csrf",
    "confirmationcode",
    "code",
    "session",
    "body",
];

/// One request as cogito saw it.
#[derive(Clone, Debug, Serialize)]
pub struct TraceHop {
    /// Position within the run, from 1.
    pub seq: usize,
    /// HTTP method.
    pub method: String,
    /// Path (without the query).
    pub path: String,
    /// `X-Amz-Target` operation, e.g. `AdminInitiateAuth`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// Answered status.
    pub status: u16,
    /// Request body (masked), when JSON or a form.
    pub request: Value,
    /// Response body (masked; JWTs keep header and payload), when JSON.
    pub response: Value,
    /// `trigger` for a call cogito made to a trigger function while handling the run's
    /// request (recorded before the request itself, which is recorded when it is answered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
}

/// The ring buffer.
#[derive(Clone, Default)]
pub struct Traces(Arc<Mutex<Inner>>);

#[derive(Default)]
struct Inner {
    runs: HashMap<String, Vec<TraceHop>>,
    order: VecDeque<String>,
}

impl Traces {
    fn push(&self, run: &str, mut hop: TraceHop) {
        let mut inner = self.0.lock().expect("trace lock");
        if !inner.runs.contains_key(run) {
            if inner.order.len() >= MAX_RUNS
                && let Some(old) = inner.order.pop_front()
            {
                inner.runs.remove(&old);
            }
            inner.order.push_back(run.to_string());
        }
        let hops = inner.runs.entry(run.to_string()).or_default();
        if hops.len() < MAX_HOPS {
            hop.seq = hops.len() + 1;
            hops.push(hop);
        }
    }

    /// The hops of a run, oldest first.
    pub fn get(&self, run: &str) -> Vec<TraceHop> {
        self.0
            .lock()
            .expect("trace lock")
            .runs
            .get(run)
            .cloned()
            .unwrap_or_default()
    }
}

tokio::task_local! {
    /// The traced run whose request the current task is handling.
    static CURRENT_RUN: (Traces, String);
}

/// Fields of a trigger event or answer whose values are masked (their keys stay): what the
/// user typed or was sent, their attributes, and a challenge's private half.
const TRIGGER_SECRETS: &[&str] = &[
    "password",
    "userAttributes",
    "validationData",
    "clientMetadata",
    "privateChallengeParameters",
    "challengeAnswer",
    "smsMessage",
    "emailMessage",
];

fn mask_trigger(v: &Value) -> Value {
    mask_fields(v, &|k| TRIGGER_SECRETS.contains(&k))
}

/// Records a call to a trigger function in the trace of the run being handled, if any (only
/// requests traced in `--dev` set one): its `triggerSource`, the endpoint, the HTTP status
/// (0 when none came back) and the event and answer with user data masked.
pub fn note_trigger(url: &str, status: u16, event: &Value, answer: Option<&Value>) {
    let _ = CURRENT_RUN.try_with(|(traces, run)| {
        let source = event
            .get("triggerSource")
            .and_then(Value::as_str)
            .unwrap_or("trigger");
        traces.push(
            run,
            TraceHop {
                seq: 0,
                method: "POST".into(),
                path: url.to_owned(),
                operation: Some(source.to_owned()),
                status,
                request: mask_trigger(event),
                response: answer.map_or(Value::Null, mask_trigger),
                kind: Some("trigger"),
            },
        );
    });
}

fn valid_run_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `GET /_dev/trace/{run_id}`.
pub async fn list(traces: Traces, Path(run_id): Path<String>) -> Response {
    Json(traces.get(&run_id)).into_response()
}

/// The middleware: records requests that carry the trace header.
pub async fn record(traces: Traces, req: Request, next: Next) -> Response {
    let Some(run) = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| valid_run_id(v))
        .map(str::to_string)
    else {
        return next.run(req).await;
    };
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let operation = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(|t| t.rsplit('.').next().unwrap_or(t).to_string());
    let model_op = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| cogito_model::model().operation_for_target(t));
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return (
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "request too large",
        )
            .into_response();
    };
    let request = mask_request(model_op, &parse(&bytes));
    let resp = CURRENT_RUN
        .scope(
            (traces.clone(), run.clone()),
            next.run(Request::from_parts(parts, Body::from(bytes))),
        )
        .await;
    let status = resp.status().as_u16();
    let is_json = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.contains("json"));
    let (resp, response) = if is_json {
        let (parts, body) = resp.into_parts();
        match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(bytes) => {
                let v = mask_response(model_op, &parse(&bytes));
                (Response::from_parts(parts, Body::from(bytes)), v)
            }
            Err(_) => (
                Response::from_parts(parts, Body::empty()),
                Value::String("(body too large)".into()),
            ),
        }
    } else {
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(|l| Value::String(mask_query(l)));
        let kind = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let mut m = Map::new();
        if let Some(l) = location {
            m.insert("location".into(), l);
        }
        m.insert("content-type".into(), Value::String(kind));
        (resp, Value::Object(m))
    };
    traces.push(
        &run,
        TraceHop {
            seq: 0,
            method,
            path,
            operation,
            status,
            request,
            response,
            kind: None,
        },
    );
    resp
}

fn parse(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
        return v;
    }
    if let Ok(s) = std::str::from_utf8(bytes)
        && s.contains('=')
        && !s.contains('<')
    {
        return Value::Object(
            url::form_urlencoded::parse(s.as_bytes())
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect(),
        );
    }
    Value::String(format!("({} bytes)", bytes.len()))
}

fn is_form_secret(key: &str) -> bool {
    FORM_SECRETS.iter().any(|s| s.eq_ignore_ascii_case(key))
}

/// A request body: along the operation's input shape when it is a Cognito API call, else by
/// field name.
fn mask_request(op: Option<&Operation>, body: &Value) -> Value {
    match op {
        Some(op) => op.redact_input(body, &model_secret),
        None => mask(body),
    }
}

/// A response body: along the operation's output shape, else by field name.
fn mask_response(op: Option<&Operation>, body: &Value) -> Value {
    match op {
        Some(op) => op.redact_output(body, &model_secret),
        None => mask(body),
    }
}

/// The walk's decision for one value of a Cognito API body.
fn model_secret(v: Visit<'_>) -> Option<Value> {
    (v.sensitive || UNMARKED_SECRET_SHAPES.contains(&v.shape)).then(|| masked(v.value))
}

/// What a secret value is recorded as: a JWT without its signature, a map with its keys and
/// masked values, or the mask.
fn masked(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(match unsigned_jwt(s) {
            Some(unsigned) => format!("{unsigned}.{MASK}"),
            None => MASK.into(),
        }),
        Value::Object(m) => Value::Object(
            m.keys()
                .map(|k| (k.clone(), Value::String(MASK.into())))
                .collect(),
        ),
        _ => Value::String(MASK.into()),
    }
}

/// `header.payload` of a JWT (three dot-separated parts, a base64url JSON header), else `None`.
fn unsigned_jwt(s: &str) -> Option<&str> {
    let (unsigned, _signature) = s.rsplit_once('.')?;
    let (header, payload) = unsigned.split_once('.')?;
    let header_is_json = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .is_some_and(|b| serde_json::from_slice::<Map<String, Value>>(&b).is_ok());
    (header_is_json && !payload.is_empty() && !payload.contains('.')).then_some(unsigned)
}

/// Masks the values of secret fields of a body the model does not describe, recursively.
pub fn mask(v: &Value) -> Value {
    mask_fields(v, &is_form_secret)
}

/// Masks, at any depth, the (non-null) values of the fields `secret` names.
fn mask_fields(v: &Value, secret: &dyn Fn(&str) -> bool) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = if secret(k) && !v.is_null() {
                        masked(v)
                    } else {
                        mask_fields(v, secret)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|v| mask_fields(v, secret)).collect()),
        other => other.clone(),
    }
}

/// A redirect target with secret query values (`code`, …) masked.
fn mask_query(location: &str) -> String {
    let Some((base, query)) = location.split_once('?') else {
        return location.to_string();
    };
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| {
            let v = if is_form_secret(&k) {
                MASK.to_string()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    let q = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{base}?{q}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn jwt() -> String {
        let part = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.c2lnbmF0dXJl",
            part(json!({"alg": "RS256", "kid": "k1"})),
            part(json!({"sub": "s", "token_use": "access"}))
        )
    }

    #[test]
    fn api_bodies_are_masked_along_the_model() {
        let op = cogito_model::model().operation("AdminInitiateAuth");
        let req = json!({
            "UserPoolId": "us-east-1_x",
            "ClientId": "c",
            "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": "a", "PASSWORD": "p", "SECRET_HASH": "h"},
        });
        let m = mask_request(op, &req);
        assert_eq!(m["UserPoolId"], "us-east-1_x");
        assert_eq!(m["AuthFlow"], "ADMIN_USER_PASSWORD_AUTH");
        assert_eq!(m["ClientId"], MASK);
        assert_eq!(
            m["AuthParameters"],
            json!({"USERNAME": MASK, "PASSWORD": MASK, "SECRET_HASH": MASK})
        );
        let token = jwt();
        let resp = json!({"AuthenticationResult": {
            "IdToken": token, "AccessToken": token, "RefreshToken": "opaque", "ExpiresIn": 3600,
        }});
        let m = mask_response(op, &resp);
        let r = &m["AuthenticationResult"];
        let (unsigned, _) = token.rsplit_once('.').expect("jwt");
        assert_eq!(r["IdToken"], format!("{unsigned}.{MASK}"));
        assert_eq!(r["AccessToken"], format!("{unsigned}.{MASK}"));
        assert_eq!(r["RefreshToken"], MASK);
        assert_eq!(r["ExpiresIn"], 3600);

        let op = cogito_model::model().operation("ConfirmSignUp");
        let m = mask_request(op, &json!({"ConfirmationCode": "123456", "ClientId": "c"}));
        assert_eq!(m["ConfirmationCode"], MASK);
    }

    #[test]
    fn other_bodies_are_masked_by_field_name() {
        let token = jwt();
        let v = json!({
            "grant_type": "authorization_code",
            "code": "abc",
            "client_secret": "s",
            "id_token": token,
            "refresh_token": "r",
            "messages": [{"username": "u", "code": "123456", "body": "Your code is 123456"}],
        });
        let m = mask(&v);
        assert_eq!(m["grant_type"], "authorization_code");
        assert_eq!(m["code"], MASK);
        assert_eq!(m["client_secret"], MASK);
        assert!(m["id_token"].as_str().is_some_and(|t| t.ends_with(MASK)));
        assert_eq!(m["refresh_token"], MASK);
        assert_eq!(m["messages"][0]["username"], "u");
        assert_eq!(m["messages"][0]["body"], MASK);
        assert_eq!(unsigned_jwt("a.b.c"), None);
        assert_eq!(unsigned_jwt("not a jwt"), None);
        assert_eq!(
            mask_query("http://x/cb?code=abc&state=s"),
            "http://x/cb?code=%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2&state=s"
        );
        assert!(!valid_run_id("a b"));
        assert!(valid_run_id("run-1_x"));
    }
}
