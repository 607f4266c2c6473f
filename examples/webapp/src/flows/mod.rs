//! The flow explorer (`/flows`): four flows of the example app drawn as sequence diagrams
//! (Browser, Web app / API, cogito hosted UI, cogito API, JWKS) and run for real.
//!
//! The runner exists only when [`Config::flow_runner`](crate::Config::flow_runner) asks for it
//! (it signs the seeded users in and hands their live tokens to whoever asks): without it
//! `/flows/run/*` and `/flows/trace/*` answer 404 and the page says how to turn it on.
//!
//! `POST /flows/run/{flow}` starts a run and answers its id; the run performs the flow
//! server-side (the browser's part of the code grant is simulated with an HTTP client) and
//! records every hop: who called whom, the status, the request and response with secrets
//! masked, and every JWT decoded (header, payload, the signature check of `cogito-verify`
//! against the pool's JWKS, expiry). Each call to cogito carries `X-Cogito-Trace: <run id>`;
//! `GET /flows/trace/{run_id}` answers the hops recorded so far, and the page's script polls it
//! and draws each hop as it appears. `/jwt` decodes and verifies any pasted token.

mod page;
mod run;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cogito_verify::Verifier;
use serde::Serialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::session::{now_secs, random_token};

/// The flows, as `(id, title)`.
pub const FLOWS: &[(&str, &str)] = &[
    ("code-grant", "Web: authorization-code grant (PKCE)"),
    ("admin-auth", "API: AdminInitiateAuth"),
    ("refresh", "Token refresh"),
    ("signup", "Self sign-up"),
];

/// The lifelines, as `(id, label)`.
pub const LIFELINES: &[(&str, &str)] = &[
    ("browser", "Browser"),
    ("app", "Web app / API"),
    ("hosted", "cogito hosted UI"),
    ("api", "cogito API"),
    ("jwks", "JWKS"),
    ("trigger", "Trigger function"),
];

/// Secret fields whose values never leave the server.
const SECRETS: &[&str] = &[
    "password",
    "PASSWORD",
    "Password",
    "NEW_PASSWORD",
    "client_secret",
    "code_verifier",
    "SecretHash",
    "SECRET_HASH",
    "refresh_token",
    "RefreshToken",
    "REFRESH_TOKEN",
    "_csrf",
    "authorization",
    "cookie",
    "set-cookie",
];

/// One JWT, decoded.
#[derive(Clone, Debug, Serialize)]
pub struct Decoded {
    /// Where it came from, e.g. `IdToken`.
    pub name: String,
    /// JOSE header.
    pub header: Value,
    /// Claims.
    pub payload: Value,
    /// `token_use` claim.
    pub token_use: Option<String>,
    /// `valid`, or why `cogito-verify` refused it.
    pub signature: String,
    /// Whether the signature check passed.
    pub verified: bool,
    /// `exp` as a human sentence.
    pub expiry: String,
}

/// One hop of a run.
#[derive(Clone, Debug, Serialize)]
pub struct Hop {
    /// 1-based position.
    pub seq: usize,
    /// Lifeline of the caller.
    pub from: String,
    /// Lifeline of the callee.
    pub to: String,
    /// Method and path (or `X-Amz-Target` operation).
    pub label: String,
    /// HTTP status of the answer.
    pub status: u16,
    /// Request (masked).
    pub request: Value,
    /// Response (masked).
    pub response: Value,
    /// Decoded JWTs of the response.
    pub tokens: Vec<Decoded>,
    /// The same request as cogito reported it on its trace stream (`--dev` only).
    pub cogito: Option<Value>,
}

/// A run's state.
#[derive(Clone, Debug, Serialize)]
pub struct Run {
    /// Run id.
    pub id: String,
    /// Flow id.
    pub flow: String,
    /// Hops so far.
    pub hops: Vec<Hop>,
    /// Whether the run finished.
    pub done: bool,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

/// The runs in memory (the newest 64).
#[derive(Clone, Default)]
pub struct Runs(Arc<Mutex<HashMap<String, (u64, Run)>>>);

impl Runs {
    fn insert(&self, run: Run) {
        let mut m = self.0.lock().expect("runs lock");
        if m.len() >= 64
            && let Some(oldest) = m
                .iter()
                .min_by_key(|(_, (t, _))| *t)
                .map(|(k, _)| k.clone())
        {
            m.remove(&oldest);
        }
        m.insert(run.id.clone(), (now_secs(), run));
    }

    fn update(&self, id: &str, f: impl FnOnce(&mut Run)) {
        if let Some((_, run)) = self.0.lock().expect("runs lock").get_mut(id) {
            f(run);
        }
    }

    fn get(&self, id: &str) -> Option<Run> {
        self.0
            .lock()
            .expect("runs lock")
            .get(id)
            .map(|(_, r)| r.clone())
    }
}

/// The flow explorer's routes; the runner's only with `flow_runner`.
pub fn routes(flow_runner: bool) -> Router<AppState> {
    let router = Router::new()
        .route("/flows", get(page::flows_page))
        .route("/flows/app.js", get(script))
        .route("/jwt", get(page::jwt_page).post(page::jwt_decode));
    if flow_runner {
        router
            .route("/flows/run/{flow}", post(start))
            .route("/flows/trace/{run_id}", get(trace))
    } else {
        router
    }
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("flows.js"),
    )
        .into_response()
}

async fn start(State(state): State<AppState>, Path(flow): Path<String>) -> Response {
    if !FLOWS.iter().any(|(id, _)| *id == flow) {
        return (StatusCode::NOT_FOUND, "unknown flow").into_response();
    }
    let id = random_token(12);
    state.runs.insert(Run {
        id: id.clone(),
        flow: flow.clone(),
        hops: Vec::new(),
        done: false,
        error: None,
    });
    let run_id = id.clone();
    tokio::spawn(async move {
        let rec = run::Recorder {
            state: state.clone(),
            run_id: run_id.clone(),
            seen: Default::default(),
        };
        let outcome = rec.perform(&flow).await;
        state.runs.update(&run_id, |r| {
            r.done = true;
            r.error = outcome.err().map(|e| format!("{e:#}"));
        });
    });
    axum::Json(json!({ "run_id": id })).into_response()
}

async fn trace(State(state): State<AppState>, Path(run_id): Path<String>) -> Response {
    match state.runs.get(&run_id) {
        Some(run) => ([(header::CACHE_CONTROL, "no-store")], axum::Json(run)).into_response(),
        None => (StatusCode::NOT_FOUND, "unknown run").into_response(),
    }
}

/// Replaces the values of secret fields (recursively) with `••••••`.
pub fn mask(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let secret = SECRETS.iter().any(|s| s.eq_ignore_ascii_case(k));
                    let v = if secret && !v.is_null() {
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

/// Whether a string looks like a JWT (three base64url parts, a JSON header).
fn looks_like_jwt(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3
        && parts[0].starts_with("eyJ")
        && URL_SAFE_NO_PAD
            .decode(parts[0])
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .is_some()
}

/// Decodes a JWT and checks it with `verifier` (signature from the JWKS, issuer, expiry, client).
pub async fn decode(name: &str, token: &str, verifier: &Verifier) -> Decoded {
    let part = |i: usize| -> Value {
        token
            .split('.')
            .nth(i)
            .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(Value::Null)
    };
    let header = part(0);
    let payload = part(1);
    let (signature, verified) = match verifier.verify(token).await {
        Ok(_) => ("valid (RS256, key from the pool's JWKS)".to_string(), true),
        Err(e) => (format!("refused: {e}"), false),
    };
    let expiry = match payload.get("exp").and_then(Value::as_u64) {
        Some(exp) => {
            let now = now_secs();
            if exp > now {
                format!("exp {exp}: expires in {} s", exp - now)
            } else {
                format!("exp {exp}: expired {} s ago", now - exp)
            }
        }
        None => "no exp claim".into(),
    };
    Decoded {
        name: name.into(),
        token_use: payload
            .get("token_use")
            .and_then(Value::as_str)
            .map(str::to_string),
        header,
        payload,
        signature,
        verified,
        expiry,
    }
}

/// Decodes every JWT found among the (unmasked) string fields of `v`.
async fn decode_all(v: &Value, verifier: &Verifier) -> Vec<Decoded> {
    let mut found = Vec::new();
    collect_jwts("", v, &mut found);
    let mut out = Vec::new();
    for (name, token) in found {
        out.push(decode(&name, &token, verifier).await);
    }
    out
}

fn collect_jwts(name: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s)
            if looks_like_jwt(s) && !SECRETS.iter().any(|k| k.eq_ignore_ascii_case(name)) =>
        {
            out.push((name.to_string(), s.clone()));
        }
        Value::Object(m) => m.iter().for_each(|(k, v)| collect_jwts(k, v, out)),
        Value::Array(a) => a.iter().for_each(|v| collect_jwts(name, v, out)),
        _ => {}
    }
}
