//! Security bar §1 A — redirect URIs and the authorization endpoint (SEC-01, SEC-02, SEC-04,
//! SEC-05, SEC-06, SEC-08). SEC-03 (registration-time hygiene) is in `oauth_clients`; SEC-07
//! (303 after credential POSTs) belongs to the hosted-UI pages.

use cogito_testkit::TestApp;
use reqwest::StatusCode;

use crate::oauth_support::*;

const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn authorize_with_redirect(fx: &Fixture, client: &str, redirect: &str) -> String {
    authorize_url(
        fx,
        &[
            ("response_type", "code"),
            ("client_id", client),
            ("redirect_uri", redirect),
            ("state", "s"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
    )
}

/// 400, no `Location`, no code anywhere (an error page, never a redirect).
async fn assert_error_page(resp: reqwest::Response) {
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.headers().get("location").is_none());
    let body = resp.text().await.unwrap();
    assert!(!body.contains("code="), "{body}");
}

async fn assert_goes_to_login(fx: &Fixture, resp: reqwest::Response) {
    assert_eq!(resp.status(), StatusCode::FOUND);
    let to = location(&resp).unwrap();
    assert!(to.starts_with(&format!("{}/login?", fx.base)), "{to}");
}

#[tokio::test]
async fn sec_01_redirect_uri_must_match_exactly() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let variants = [
        "https://app.example/CB",
        "HTTPS://app.example/cb",
        "https://APP.example/cb",
        "https://app.example/cb/",
        "https://app.example/cb?x=1",
        "https://app.example/cb#x",
        "https://app.example/cb/../cb",
        "https://app.example/cb/..;/x",
        "https://app.example/cb%2F..",
        "https://app.example:443/cb",
        "https://app.example.evil.test/cb",
        "https://app.example@evil.test/cb",
        "https://a@b@evil.test/cb",
        "https://evil.test/https://app.example/cb",
        " https://app.example/cb",
        "https://app.example/cb\0",
    ];
    for v in variants {
        let resp = get(&authorize_with_redirect(&fx, &fx.c_pub, v), None).await;
        assert_error_page(resp).await;
    }
    // Percent-encoded forms are compared as given, not decoded: `%20` prefix and `%00`
    // suffix arrive as literal bytes after one decoding and still do not match.
    let raw = format!(
        "{}/oauth2/authorize?response_type=code&client_id={}&redirect_uri=%2520https://app.example/cb&state=s&code_challenge={CHALLENGE}&code_challenge_method=S256",
        fx.base, fx.c_pub
    );
    assert_error_page(get(&raw, None).await).await;
    // Control: the exact URI goes on to the login page.
    let resp = get(&authorize_with_redirect(&fx, &fx.c_pub, CB), None).await;
    assert_goes_to_login(&fx, resp).await;
}

#[tokio::test]
async fn sec_02_loopback_redirects_vary_only_in_port() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    for ok in [
        "http://127.0.0.1:5173/cb",
        "http://127.0.0.1/cb",
        "http://localhost:8080/cb",
    ] {
        let resp = get(&authorize_with_redirect(&fx, &fx.c_pub, ok), None).await;
        assert_goes_to_login(&fx, resp).await;
    }
    for bad in [
        "http://127.0.0.1:5173/cb?bar=foo",
        "http://127.0.0.1:5173/cbx",
        "http://127.0.0.2/cb",
        "http://127.0.0.2:5173/cb",
        "https://127.0.0.1/cb",
        "https://127.0.0.1:5173/cb",
        "http://localhost.evil.test/cb",
        "http://127.0.0.1.nip.io/cb",
        "http://[::1]:5173/cb",
    ] {
        let resp = get(&authorize_with_redirect(&fx, &fx.c_pub, bad), None).await;
        assert_error_page(resp).await;
    }
    // With a session the loopback port variant really receives the code.
    let cookie = hosted_session(&app, &fx.pool, "alice").await;
    let resp = get(
        &authorize_with_redirect(&fx, &fx.c_pub, "http://127.0.0.1:5173/cb"),
        Some(&cookie),
    )
    .await;
    let to = location(&resp).unwrap();
    assert!(to.starts_with("http://127.0.0.1:5173/cb?code="), "{to}");
}

#[tokio::test]
async fn sec_04_untrusted_client_or_redirect_gets_a_page_other_errors_go_back() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    // (a) unknown / missing client.
    assert_error_page(get(&authorize_with_redirect(&fx, "nope", CB), None).await).await;
    let resp = get(
        &authorize_url(&fx, &[("response_type", "code"), ("redirect_uri", CB)]),
        None,
    )
    .await;
    assert_error_page(resp).await;
    // A client of another pool is unknown here.
    let other_pool = app.pool("P2").await;
    let (foreign, _) = oauth_client(&app, &other_pool, "foreign", false).await;
    assert_error_page(get(&authorize_with_redirect(&fx, &foreign, CB), None).await).await;
    // (b) missing response_type → back to the client with invalid_request and the state.
    let resp = get(
        &authorize_url(
            &fx,
            &[
                ("client_id", &fx.c_pub),
                ("redirect_uri", CB),
                ("state", "s"),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ],
        ),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FOUND);
    let to = location(&resp).unwrap();
    assert!(to.starts_with(CB), "{to}");
    assert_eq!(param(&to, "error").as_deref(), Some("invalid_request"));
    assert_eq!(param(&to, "state").as_deref(), Some("s"));
    let description = param(&to, "error_description").unwrap();
    assert!(
        description
            .chars()
            .all(|c| (' '..='~').contains(&c) && c != '"' && c != '\\'),
        "{description}"
    );
    // (c) implicit flow not allowed for the client.
    let resp = get(
        &authorize_url(
            &fx,
            &[
                ("response_type", "token"),
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
    assert_eq!(param(&to, "error").as_deref(), Some("unauthorized_client"));
    assert_eq!(param(&to, "state").as_deref(), Some("s"));
    assert!(param(&to, "code").is_none());
    // An unknown response_type.
    let resp = get(
        &authorize_url(
            &fx,
            &[
                ("response_type", "id_token"),
                ("client_id", &fx.c_pub),
                ("redirect_uri", CB),
                ("state", "s"),
            ],
        ),
        None,
    )
    .await;
    let to = location(&resp).unwrap();
    assert_eq!(
        param(&to, "error").as_deref(),
        Some("unsupported_response_type")
    );
}

#[tokio::test]
async fn sec_05_logout_redirects_only_to_registered_logout_urls() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let cookie = hosted_session(&app, &fx.pool, "alice").await;
    let logout = |q: &str| format!("{}/logout?{q}", fx.base);
    for q in [
        format!("client_id={}&logout_uri=https://evil.test/", fx.c_pub),
        format!("client_id={}&logout_uri=https://app.example/bye/", fx.c_pub),
        format!("client_id={}&logout_uri=https://APP.example/bye", fx.c_pub),
        format!("client_id={}&logout_uri={CB}", fx.c_pub),
        "client_id=nope&logout_uri=https://app.example/bye".to_string(),
        "logout_uri=https://app.example/bye".to_string(),
        format!("client_id={}", fx.c_pub),
        format!(
            "client_id={}&redirect_uri=https://evil.test/&response_type=code",
            fx.c_pub
        ),
        format!(
            "client_id={}&logout_uri=https://app.example/bye&logout_uri=https://evil.test/",
            fx.c_pub
        ),
    ] {
        let resp = get(&logout(&q), Some(&cookie)).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{q}");
        assert!(resp.headers().get("location").is_none(), "{q}");
        assert!(resp.headers().get("set-cookie").is_none(), "{q}");
    }
    // The session survived the refused requests.
    let code_url = authorize_url(
        &fx,
        &[
            ("response_type", "code"),
            ("client_id", &fx.c_pub),
            ("redirect_uri", CB),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
    );
    let resp = get(&code_url, Some(&cookie)).await;
    assert!(param(&location(&resp).unwrap(), "code").is_some());
    // A registered logout URL: 302 there, cookie cleared, session ended server-side.
    let resp = get(
        &logout(&format!("client_id={}&logout_uri={BYE}", fx.c_pub)),
        Some(&cookie),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FOUND);
    assert_eq!(location(&resp).as_deref(), Some(BYE));
    let set_cookie = resp.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(set_cookie.starts_with("cogito_session=;"), "{set_cookie}");
    assert!(set_cookie.contains("Max-Age=0"), "{set_cookie}");
    let resp = get(&code_url, Some(&cookie)).await;
    let to = location(&resp).unwrap();
    assert!(to.starts_with(&format!("{}/login?", fx.base)), "{to}");
    // Re-entry: redirect_uri + response_type of this client → /login with the parameters.
    let cookie = hosted_session(&app, &fx.pool, "alice").await;
    let resp = get(
        &logout(&format!(
            "client_id={}&redirect_uri={CB}&response_type=code&state=s&code_challenge={CHALLENGE}&code_challenge_method=S256",
            fx.c_pub
        )),
        Some(&cookie),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FOUND);
    let to = location(&resp).unwrap();
    assert!(to.starts_with(&format!("{}/login?", fx.base)), "{to}");
    assert_eq!(param(&to, "redirect_uri").as_deref(), Some(CB));
    assert!(resp.headers().get("set-cookie").is_some());
    // Crawl: every parameter of every OAuth browser route set to an attacker URL → no
    // redirect to it.
    let evil = "https://evil.test/";
    let names = [
        "client_id",
        "redirect_uri",
        "logout_uri",
        "response_type",
        "state",
        "scope",
        "code_challenge",
        "code_challenge_method",
        "nonce",
        "prompt",
        "max_age",
        "identity_provider",
    ];
    for route in [
        "/oauth2/authorize",
        "/logout",
        "/login",
        "/signup",
        "/forgotPassword",
        "/error",
    ] {
        for name in names {
            let mut params: Vec<(&str, &str)> = vec![
                ("client_id", &fx.c_pub),
                ("redirect_uri", CB),
                ("response_type", "code"),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ];
            params.retain(|(n, _)| *n != name);
            params.push((name, evil));
            let q: String = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&params)
                .finish();
            let resp = get(&format!("{}{route}?{q}", fx.base), Some(&cookie)).await;
            let to = location(&resp).unwrap_or_default();
            assert!(!to.starts_with(evil), "{route} {name} → {to}");
            let body = resp.text().await.unwrap_or_default();
            assert!(
                !body.contains("http-equiv=\"refresh\"") || !body.contains("evil.test"),
                "{route} {name}"
            );
            assert!(
                !body.contains("location.href=\"https://evil.test"),
                "{route} {name}"
            );
        }
    }
}

#[tokio::test]
async fn sec_06_repeated_parameters_are_refused() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let base = format!(
        "{}/oauth2/authorize?response_type=code&client_id={}&state=s&code_challenge={CHALLENGE}&code_challenge_method=S256",
        fx.base, fx.c_pub
    );
    // A repeated redirect_uri or client_id: a page, never a redirect.
    let resp = get(
        &format!("{base}&redirect_uri={CB}&redirect_uri=https://evil.test/cb"),
        None,
    )
    .await;
    assert_error_page(resp).await;
    let resp = get(
        &format!("{base}&redirect_uri={CB}&client_id={}", fx.c_other),
        None,
    )
    .await;
    assert_error_page(resp).await;
    // Another repeated parameter: invalid_request back to the (trusted) client.
    let resp = get(
        &format!("{base}&redirect_uri={CB}&scope=openid&scope=email"),
        None,
    )
    .await;
    let to = location(&resp).unwrap();
    assert!(to.starts_with(CB));
    assert_eq!(param(&to, "error").as_deref(), Some("invalid_request"));
    // Token endpoint: code=A&code=B.
    let t = post_form(
        &fx,
        "/oauth2/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &fx.c_pub),
            ("code", "A"),
            ("code", "B"),
            ("redirect_uri", CB),
        ],
        None,
    )
    .await;
    assert_eq!(t.status, StatusCode::BAD_REQUEST);
    assert_eq!(t.error(), "invalid_request");
}

#[tokio::test]
async fn sec_08_prompt_none_prompt_login_and_max_age() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let (verifier, challenge) = pkce();
    let params = |extra: &[(&'static str, &'static str)]| {
        let mut p: Vec<(&str, String)> = vec![
            ("response_type", "code".into()),
            ("client_id", fx.c_pub.clone()),
            ("redirect_uri", CB.into()),
            ("state", "s".into()),
            ("code_challenge", challenge.clone()),
            ("code_challenge_method", "S256".into()),
            ("scope", "openid".into()),
        ];
        p.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        let q: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(p)
            .finish();
        format!("{}/oauth2/authorize?{q}", fx.base)
    };
    // (a) no session + prompt=none → login_required redirect with state, never a page.
    let resp = get(&params(&[("prompt", "none")]), None).await;
    assert_eq!(resp.status(), StatusCode::FOUND);
    let to = location(&resp).unwrap();
    assert!(to.starts_with(CB), "{to}");
    assert_eq!(param(&to, "error").as_deref(), Some("login_required"));
    assert_eq!(param(&to, "state").as_deref(), Some("s"));
    // With a session prompt=none answers silently.
    let cookie = hosted_session(&app, &fx.pool, "alice").await;
    let resp = get(&params(&[("prompt", "none")]), Some(&cookie)).await;
    let first_code = param(&location(&resp).unwrap(), "code").expect("silent code");
    let first = redeem_public(&fx, &fx.c_pub, &first_code, &verifier).await;
    let first_auth_time = claims(&first.str("id_token"))["auth_time"]
        .as_i64()
        .unwrap();
    // (b) 2 s later, max_age=1 → credentials asked again, not an immediate code.
    app.clock.advance_secs(2);
    let resp = get(&params(&[("max_age", "1")]), Some(&cookie)).await;
    let to = location(&resp).unwrap();
    assert!(to.starts_with(&format!("{}/login?", fx.base)), "{to}");
    assert_eq!(param(&to, "max_age").as_deref(), Some("1"));
    // …and with prompt=none that is login_required.
    let resp = get(
        &params(&[("max_age", "1"), ("prompt", "none")]),
        Some(&cookie),
    )
    .await;
    assert_eq!(
        param(&location(&resp).unwrap(), "error").as_deref(),
        Some("login_required")
    );
    // A generous max_age still answers at once.
    let resp = get(&params(&[("max_age", "10000")]), Some(&cookie)).await;
    assert!(param(&location(&resp).unwrap(), "code").is_some());
    // After signing in again (a new hosted session), the new ID token has a later auth_time.
    let cookie2 = hosted_session(&app, &fx.pool, "alice").await;
    let resp = get(&params(&[("max_age", "1")]), Some(&cookie2)).await;
    let code = param(&location(&resp).unwrap(), "code").expect("code after re-login");
    let second = redeem_public(&fx, &fx.c_pub, &code, &verifier).await;
    let second_claims = claims(&second.str("id_token"));
    assert!(second_claims["auth_time"].as_i64().unwrap() > first_auth_time);
    // (c) prompt=login with a live session → the login page.
    let resp = get(&params(&[("prompt", "login")]), Some(&cookie2)).await;
    let to = location(&resp).unwrap();
    assert!(to.starts_with(&format!("{}/login?", fx.base)), "{to}");
    assert_eq!(param(&to, "prompt").as_deref(), Some("login"));
}
