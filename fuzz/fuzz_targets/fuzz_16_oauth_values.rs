//! FUZZ-16: the small OAuth/OIDC values of an authorization request — `scope`, `prompt`,
//! `max_age`, `ui_locales`, `response_type`, `nonce` — parsed and validated without a panic or
//! a server fault; an invalid value is an error to the client, never a crash.
#![no_main]

use axum::body::Body;
use axum::http::Request;
use cogito_fuzz::{harness, parts};
use cogito_server::oauth2::params::authorize_params;
use libfuzzer_sys::fuzz_target;

fn encode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 5);
    let h = harness();
    let query = format!(
        "client_id={}&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&response_type={}&scope={}&prompt={}&max_age={}&ui_locales={}",
        h.client,
        encode(&p[0]),
        encode(&p[1]),
        encode(&p[2]),
        encode(&p[3]),
        encode(&p[4]),
    );
    let _ = authorize_params(&query);
    let Ok(req) = Request::get(format!(
        "/domain/{}/oauth2/authorize?{query}",
        cogito_fuzz::DOMAIN
    ))
    .body(Body::empty()) else {
        return;
    };
    let (status, _) = h.send(req);
    assert!(status < 500, "status {status} for {p:?}");
});
