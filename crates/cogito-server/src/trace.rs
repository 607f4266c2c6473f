//! Dev-only request tracing for the example app's flow explorer: a request carrying
//! `X-Cogito-Trace: <run id>` is recorded (method, path, `X-Amz-Target` operation, status,
//! request and response bodies with secrets masked) into an in-memory ring buffer per run id,
//! read back at `GET /_dev/trace/{run_id}`. Neither the layer nor the route exists without
//! `--dev`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
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

/// Fields whose values are masked.
const SECRETS: &[&str] = &[
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
    "_csrf",
    "confirmationcode",
    "code",
    "session",
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
    /// Response body (masked; ID and access tokens kept), when JSON.
    pub response: Value,
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
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return (
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "request too large",
        )
            .into_response();
    };
    let request = mask(&parse(&bytes));
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes)))
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
                let v = mask(&parse(&bytes));
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

fn is_secret(key: &str) -> bool {
    SECRETS.iter().any(|s| s.eq_ignore_ascii_case(key))
}

/// Masks the values of secret fields, recursively.
pub fn mask(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = if is_secret(k) && !v.is_null() {
                        Value::String("••••••".into())
                    } else {
                        mask(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(mask).collect()),
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
            let v = if is_secret(&k) {
                "••••••".to_string()
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

    #[test]
    fn masks_secrets_and_keeps_tokens() {
        let v = serde_json::json!({
            "AuthParameters": {"USERNAME": "a", "PASSWORD": "p", "SECRET_HASH": "h"},
            "AuthenticationResult": {"IdToken": "eyJ", "RefreshToken": "r"},
            "client_secret": "s",
        });
        let m = mask(&v);
        assert_eq!(m["AuthParameters"]["USERNAME"], "a");
        assert_eq!(m["AuthParameters"]["PASSWORD"], "••••••");
        assert_eq!(m["AuthParameters"]["SECRET_HASH"], "••••••");
        assert_eq!(m["AuthenticationResult"]["IdToken"], "eyJ");
        assert_eq!(m["AuthenticationResult"]["RefreshToken"], "••••••");
        assert_eq!(m["client_secret"], "••••••");
        assert_eq!(
            mask_query("http://x/cb?code=abc&state=s"),
            "http://x/cb?code=%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2&state=s"
        );
        assert!(!valid_run_id("a b"));
        assert!(valid_run_id("run-1_x"));
    }
}
