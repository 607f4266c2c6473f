//! FUZZ-13: hosted pages reflecting untrusted values (`state`, `login_hint`, error text): the
//! values only ever appear escaped — no new element, script or event handler.
#![no_main]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use cogito_fuzz::{harness, parts};
use libfuzzer_sys::fuzz_target;

/// Markers around each reflected value, so it can be found in the page.
const MARK: &str = "QZX";

fn assert_escaped(html: &str, value: &str) {
    if value.contains(['<', '>', '"', '\'']) {
        let raw = format!("{MARK}{value}{MARK}");
        assert!(!html.contains(&raw), "reflected unescaped: {value:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 2);
    let shown = format!("{MARK}{}{MARK}", p[0]);
    let page = cogito_server::hosted_ui::plain_error_page(StatusCode::BAD_REQUEST, &shown);
    let h = harness();
    let html = h.runtime.block_on(async {
        let body = axum::body::to_bytes(page.into_body(), 1 << 20)
            .await
            .expect("body");
        String::from_utf8_lossy(&body).into_owned()
    });
    assert_escaped(&html, &p[0]);
    let query: String = url_encode(&format!("{MARK}{}{MARK}", p[1]));
    let uri = format!(
        "/domain/{}/login?client_id={}&response_type=code&redirect_uri={}&scope=openid&\
         code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&\
         state={query}&login_hint={query}",
        cogito_fuzz::DOMAIN,
        h.client,
        url_encode(cogito_fuzz::CALLBACK),
    );
    if let Ok(req) = Request::get(uri).body(Body::empty()) {
        let (status, body) = h.send(req);
        assert!(status < 500, "status {status}");
        assert_escaped(&String::from_utf8_lossy(&body), &p[1]);
    }
});

fn url_encode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}
