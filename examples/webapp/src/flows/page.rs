//! The `/flows` and `/jwt` pages (server-rendered; one same-origin script).

use std::fmt::Write as _;

use axum::Form;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{FLOWS, LIFELINES, decode};
use crate::AppState;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn html(title: &str, body: &str) -> Response {
    let page = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/app.css">
<style>{STYLE}</style>
<script src="/flows/app.js" defer></script></head>
<body><nav class="fx-nav"><a href="/">Home</a> · <a href="/flows">Flow explorer</a> · <a href="/jwt">JWT decoder</a></nav>
<main class="fx">{body}</main></body></html>"#,
        title = esc(title),
    );
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, CSP),
        ],
        page,
    )
        .into_response()
}

const STYLE: &str = r#"
.fx{max-width:1100px;margin:1rem auto;padding:0 1rem;font-family:system-ui,sans-serif}
.fx-nav{padding:.5rem 1rem;background:#1f2937;color:#fff}.fx-nav a{color:#fff}
.flow{border:1px solid #d1d5db;border-radius:8px;padding:1rem;margin:1rem 0;background:#fff}
.flow h2{margin:.2rem 0 .6rem;font-size:1.15rem}
.flow .state{margin-left:1rem;font-weight:600}
.flow .state.done{color:#047857}.flow .state.failed{color:#b91c1c}
svg.seq{width:100%;height:auto;background:#f9fafb;border-radius:6px}
svg .lifeline{stroke:#9ca3af;stroke-dasharray:4 4}
svg .actor rect{fill:#e0e7ff;stroke:#4f46e5}
svg .actor text{font-size:13px;text-anchor:middle;fill:#111827}
svg .hop{cursor:pointer}
svg .hop line{stroke:#4f46e5;stroke-width:2;stroke-dasharray:600;stroke-dashoffset:600;animation:draw .6s ease-out forwards}
svg .hop.err line{stroke:#b91c1c}
svg .hop text{font-size:12px;fill:#111827;opacity:0;animation:fade .4s .3s forwards}
svg .hop.selected text{font-weight:700}
svg .hop:hover line{stroke-width:4}
@keyframes draw{to{stroke-dashoffset:0}}@keyframes fade{to{opacity:1}}
.detail{display:none;margin-top:.8rem}.detail.open{display:block}
.detail pre{background:#111827;color:#e5e7eb;padding:.6rem;border-radius:6px;overflow:auto;max-height:22rem;font-size:12px}
.detail .cols{display:grid;grid-template-columns:1fr 1fr;gap:.8rem}
.jwt{border:1px solid #c7d2fe;border-radius:6px;padding:.5rem;margin:.5rem 0}
.jwt .ok{color:#047857;font-weight:600}.jwt .bad{color:#b91c1c;font-weight:600}
textarea{width:100%;font-family:monospace}
button.run{background:#4f46e5;color:#fff;border:0;border-radius:6px;padding:.4rem 1rem;cursor:pointer}
"#;

/// `GET /flows`.
pub async fn flows_page(State(state): State<AppState>) -> Response {
    let runner = state.config.flow_runner;
    let mut body = String::from(
        "<h1>Flow explorer</h1><p>Each flow runs for real against the user pool. Every hop appears \
         as it happens; click a hop to see its request and response (secrets masked) and the \
         decoded tokens.</p>",
    );
    if !runner {
        body.push_str(
            "<p class=\"off\">The flow runner is off: it signs the demo users in and shows their \
             live tokens, so it runs only under <code>cogito demo</code> or with \
             <code>--flow-runner</code> (<code>WEBAPP_FLOW_RUNNER=true</code>).</p>",
        );
    }
    let disabled = if runner { "" } else { " disabled" };
    let lifelines: Vec<String> = LIFELINES
        .iter()
        .map(|(id, label)| format!("{id}={label}"))
        .collect();
    for (id, title) in FLOWS {
        let _ = write!(
            body,
            r#"<section class="flow" id="flow-{id}" data-flow="{id}" data-lifelines="{lifelines}">
<h2>{title}</h2>
<button class="run" id="run-{id}" type="button"{disabled}>Run</button><span class="state" id="state-{id}"></span>
<svg class="seq" id="svg-{id}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1000 120"></svg>
<div class="detail" id="detail-{id}"></div>
</section>"#,
            id = esc(id),
            title = esc(title),
            lifelines = esc(&lifelines.join("|")),
        );
    }
    html("Flow explorer", &body)
}

/// `GET /jwt`.
pub async fn jwt_page() -> Response {
    html("JWT decoder", &jwt_form(""))
}

fn jwt_form(token: &str) -> String {
    format!(
        r#"<h1>JWT decoder</h1><p>Paste an ID or access token of this pool; the server decodes it and checks it against the pool's JWKS.</p>
<form method="post" action="/jwt"><textarea id="token" name="token" rows="6">{}</textarea>
<p><button class="run" id="decode" type="submit">Decode and verify</button></p></form>"#,
        esc(token)
    )
}

/// The `/jwt` form.
#[derive(Deserialize)]
pub struct JwtForm {
    token: String,
}

/// `POST /jwt`.
pub async fn jwt_decode(State(state): State<AppState>, Form(form): Form<JwtForm>) -> Response {
    let token = form.token.trim();
    let d = decode("token", token, &state.flow_verifier).await;
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
    let body = format!(
        r#"{form}<section class="jwt" id="result">
<p>Signature: <span id="signature" class="{cls}">{sig}</span></p>
<p>Expiry: <span id="expiry">{exp}</span></p>
<p>token_use: <span id="token-use">{tu}</span></p>
<div class="cols"><div><h3>Header</h3><pre id="header">{h}</pre></div><div><h3>Payload</h3><pre id="payload">{p}</pre></div></div>
</section>"#,
        form = jwt_form(token),
        cls = if d.verified { "ok" } else { "bad" },
        sig = esc(&d.signature),
        exp = esc(&d.expiry),
        tu = esc(d.token_use.as_deref().unwrap_or("-")),
        h = esc(&pretty(&d.header)),
        p = esc(&pretty(&d.payload)),
    );
    html("JWT decoder", &body)
}
