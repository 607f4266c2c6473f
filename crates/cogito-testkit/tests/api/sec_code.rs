//! Security bar §1 B — authorization codes and PKCE (SEC-09 … SEC-15).

use std::collections::HashSet;

use cogito_testkit::TestApp;
use reqwest::StatusCode;

use crate::helpers::err;
use crate::oauth_support::*;

/// A code for `C_pub` with a fresh PKCE pair; returns `(code, verifier)`.
async fn pub_code(app: &TestApp, fx: &Fixture) -> (String, String) {
    let cookie = hosted_session(app, &fx.pool, "alice").await;
    let (verifier, challenge) = pkce();
    let code = code(
        fx,
        &fx.c_pub,
        &cookie,
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    (code, verifier)
}

/// A code for `C_conf` without PKCE.
async fn conf_code(app: &TestApp, fx: &Fixture) -> String {
    let cookie = hosted_session(app, &fx.pool, "alice").await;
    code(fx, &fx.c_conf, &cookie, &[]).await
}

async fn redeem_conf(fx: &Fixture, code: &str, extra: &[(&str, &str)]) -> TokenAnswer {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", CB),
    ];
    form.extend_from_slice(extra);
    post_form(
        fx,
        "/oauth2/token",
        &form,
        Some((&fx.c_conf, &fx.conf_secret)),
    )
    .await
}

async fn get_user_fails(app: &TestApp, access_token: &str) {
    let (code, _) = err(app.sdk.get_user().access_token(access_token).send().await);
    assert_eq!(code, "NotAuthorizedException");
}

async fn replay_revokes_first_tokens(app: &TestApp, fx: &Fixture, gap_secs: i64) {
    let (code, verifier) = pub_code(app, fx).await;
    let first = redeem_public(fx, &fx.c_pub, &code, &verifier).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    app.clock.advance_secs(gap_secs);
    let second = redeem_public(fx, &fx.c_pub, &code, &verifier).await;
    assert_eq!(second.status, StatusCode::BAD_REQUEST);
    assert_eq!(second.error(), "invalid_grant");
    // Everything the first redemption issued is dead.
    let resp = user_info(fx, &first.str("access_token")).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let refreshed = refresh_public(fx, &fx.c_pub, &first.str("refresh_token")).await;
    assert_eq!(refreshed.error(), "invalid_grant");
}

#[tokio::test]
async fn sec_09_code_replay_is_refused_and_revokes_the_first_tokens() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    replay_revokes_first_tokens(&app, &fx, 0).await;
    // The self-service API refuses the replayed code's access token too (scope permitting).
    let cookie = hosted_session(&app, &fx.pool, "alice").await;
    let (verifier, challenge) = pkce();
    let c = code(
        &fx,
        &fx.c_pub,
        &cookie,
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("scope", "openid aws.cognito.signin.user.admin"),
        ],
    )
    .await;
    let first = redeem_public(&fx, &fx.c_pub, &c, &verifier).await;
    app.sdk
        .get_user()
        .access_token(first.str("access_token"))
        .send()
        .await
        .expect("GetUser with the admin scope");
    let second = redeem_public(&fx, &fx.c_pub, &c, &verifier).await;
    assert_eq!(second.error(), "invalid_grant");
    get_user_fails(&app, &first.str("access_token")).await;
}

#[tokio::test]
async fn sec_09_code_replay_after_30_seconds() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    replay_revokes_first_tokens(&app, &fx, 30).await;
}

#[tokio::test]
async fn sec_10_codes_expire_after_five_minutes() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let (code, verifier) = pub_code(&app, &fx).await;
    app.clock.advance_secs(5 * 60 + 1);
    let t = redeem_public(&fx, &fx.c_pub, &code, &verifier).await;
    assert_eq!(t.status, StatusCode::BAD_REQUEST);
    assert_eq!(t.error(), "invalid_grant");
    let (code, verifier) = pub_code(&app, &fx).await;
    app.clock.advance_secs(5 * 60 - 1);
    let t = redeem_public(&fx, &fx.c_pub, &code, &verifier).await;
    assert_eq!(t.status, StatusCode::OK, "{:?}", t.body);
}

#[tokio::test]
async fn sec_11_code_is_bound_to_client_and_redirect_uri() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    // Redeemed by another (authenticated) client → invalid_grant, and the code is burned.
    let (code, verifier) = pub_code(&app, &fx).await;
    let t = redeem_conf(&fx, &code, &[("code_verifier", &verifier)]).await;
    assert_eq!(t.error(), "invalid_grant");
    let t = redeem_public(&fx, &fx.c_pub, &code, &verifier).await;
    assert_eq!(t.error(), "invalid_grant", "burned by the wrong client");
    // Missing redirect_uri.
    let code = conf_code(&app, &fx).await;
    let t = post_form(
        &fx,
        "/oauth2/token",
        &[("grant_type", "authorization_code"), ("code", &code)],
        Some((&fx.c_conf, &fx.conf_secret)),
    )
    .await;
    assert_eq!(t.error(), "invalid_grant");
    // Another registered redirect_uri.
    let code = conf_code(&app, &fx).await;
    let t = post_form(
        &fx,
        "/oauth2/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CB2),
        ],
        Some((&fx.c_conf, &fx.conf_secret)),
    )
    .await;
    assert_eq!(t.error(), "invalid_grant");
    // Control.
    let code = conf_code(&app, &fx).await;
    assert_eq!(redeem_conf(&fx, &code, &[]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn sec_12_pkce_verifier_is_required_and_a_failure_burns_the_code() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    // (a) no verifier.
    let (c, verifier) = pub_code(&app, &fx).await;
    let t = post_form(
        &fx,
        "/oauth2/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &fx.c_pub),
            ("code", &c),
            ("redirect_uri", CB),
        ],
        None,
    )
    .await;
    assert_eq!(t.error(), "invalid_grant");
    assert_eq!(
        redeem_public(&fx, &fx.c_pub, &c, &verifier).await.error(),
        "invalid_grant"
    );
    // (b) wrong verifier, then the right one with the same code.
    let (c, verifier) = pub_code(&app, &fx).await;
    let (wrong, _) = pkce();
    assert_eq!(
        redeem_public(&fx, &fx.c_pub, &c, &wrong).await.error(),
        "invalid_grant"
    );
    assert_eq!(
        redeem_public(&fx, &fx.c_pub, &c, &verifier).await.error(),
        "invalid_grant"
    );
    // Confidential clients that started with PKCE must finish with it.
    let cookie = hosted_session(&app, &fx.pool, "alice").await;
    let (verifier, challenge) = pkce();
    let c = code(
        &fx,
        &fx.c_conf,
        &cookie,
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    assert_eq!(redeem_conf(&fx, &c, &[]).await.error(), "invalid_grant");
    let code2 = code_for_conf_with(&app, &fx, &challenge).await;
    let t = redeem_conf(&fx, &code2, &[("code_verifier", &verifier)]).await;
    assert_eq!(t.status, StatusCode::OK, "{:?}", t.body);
}

async fn code_for_conf_with(app: &TestApp, fx: &Fixture, challenge: &str) -> String {
    let cookie = hosted_session(app, &fx.pool, "alice").await;
    code(
        fx,
        &fx.c_conf,
        &cookie,
        &[
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .await
}

#[tokio::test]
async fn sec_13_no_pkce_downgrade_and_public_clients_must_use_pkce() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    // (a) code minted without a challenge + a verifier at the token endpoint.
    let code = conf_code(&app, &fx).await;
    let (verifier, _) = pkce();
    let t = redeem_conf(&fx, &code, &[("code_verifier", &verifier)]).await;
    assert_eq!(t.error(), "invalid_grant");
    // (b) public client without a challenge → invalid_request back to the client.
    let resp = get(
        &authorize_url(
            &fx,
            &[
                ("response_type", "code"),
                ("client_id", &fx.c_pub),
                ("redirect_uri", CB),
                ("state", "s"),
            ],
        ),
        None,
    )
    .await;
    let to = location(&resp).unwrap();
    assert!(to.starts_with(CB), "{to}");
    assert_eq!(param(&to, "error").as_deref(), Some("invalid_request"));
    assert_eq!(param(&to, "state").as_deref(), Some("s"));
}

#[tokio::test]
async fn sec_14_pkce_parameter_hygiene() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let (_, good) = pkce();
    let cases: Vec<(String, Option<&str>)> = vec![
        (good.clone(), Some("plain")),
        (good.clone(), Some("s256")),
        (good.clone(), Some("S257")),
        (good.clone(), None),
        (good[..42].to_string(), Some("S256")),
        (format!("{good}A"), Some("S256")),
        (format!("{}+", &good[..42]), Some("S256")),
        (format!("{}/", &good[..42]), Some("S256")),
        (format!("{}=", &good[..42]), Some("S256")),
    ];
    for (challenge, method) in cases {
        let mut params = vec![
            ("response_type", "code"),
            ("client_id", fx.c_pub.as_str()),
            ("redirect_uri", CB),
            ("state", "s"),
            ("code_challenge", challenge.as_str()),
        ];
        if let Some(m) = method {
            params.push(("code_challenge_method", m));
        }
        let resp = get(&authorize_url(&fx, &params), None).await;
        let to = location(&resp).unwrap();
        assert!(to.starts_with(CB), "{to}");
        assert_eq!(
            param(&to, "error").as_deref(),
            Some("invalid_request"),
            "{challenge} {method:?}"
        );
    }
    // Verifiers outside the ABNF are refused even when their hash would match.
    let cookie = hosted_session(&app, &fx.pool, "alice").await;
    for verifier in [
        "a".repeat(42),
        "a".repeat(129),
        format!("{}%", "a".repeat(42)),
    ] {
        use base64::Engine;
        use sha2::Digest;
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(verifier.as_bytes()));
        let c = code(
            &fx,
            &fx.c_pub,
            &cookie,
            &[
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ],
        )
        .await;
        let t = redeem_public(&fx, &fx.c_pub, &c, &verifier).await;
        assert_eq!(t.error(), "invalid_grant", "{verifier}");
    }
    // Discovery advertises S256 only.
    let doc: serde_json::Value = http()
        .get(format!(
            "{}/{}/.well-known/openid-configuration",
            app.url, fx.pool
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
}

#[tokio::test]
async fn sec_15_codes_are_long_random_and_never_stored_raw() {
    // Generation: 10⁶ codes of the generator the authorization endpoint uses are distinct and
    // carry 256 bits in base64url.
    let mut seen = HashSet::with_capacity(1_000_000);
    for _ in 0..1_000_000 {
        let c = cogito_core::ids::new_opaque_token(32);
        assert_eq!(c.len(), 43);
        assert!(seen.insert(c));
    }
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let (code, verifier) = pub_code(&app, &fx).await;
    assert!(code.len() >= 43, "{code}");
    assert!(
        code.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    let t = redeem_public(&fx, &fx.c_pub, &code, &verifier).await;
    let refresh = t.str("refresh_token");
    let (unused_code, _) = pub_code(&app, &fx).await;
    // Neither the database (nor SQLite's WAL) holds a raw code or refresh token.
    let bytes = app.stored_bytes().await;
    let contains = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(contains(&fx.c_pub), "the dump holds the stored rows");
    assert!(!contains(&code));
    assert!(!contains(&unused_code));
    assert!(!contains(&refresh));
}
