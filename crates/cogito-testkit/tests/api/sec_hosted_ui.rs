//! Security bar rows of the hosted pages: SEC-07 (credential POSTs answer 303), SEC-47 (CSRF
//! token and same-origin check), SEC-48 (session cookie attributes, fresh id at each sign-in),
//! SEC-49 (security headers on every page), SEC-50 (reflected values escaped, long state
//! intact, no header injection), SEC-51 (no CORS on pages).

use cogito_testkit::TestApp;
use cogito_testkit::sdk::types::MessageActionType;

use crate::helpers::attr;
use crate::hosted_ui::{Browser, CB, PASSWORD, Page, Site, code_of, enc, site};

#[tokio::test]
async fn sec_07_credential_posts_answer_302_or_303() {
    let s = site().await;
    let mut b = Browser::new();
    let check = |p: &Page, what: &str| {
        assert!(
            matches!(p.status, 302 | 303),
            "{what}: {} {}",
            p.status,
            p.body
        );
    };
    check(&s.sign_in(&mut b, "alice", PASSWORD).await, "login");
    let signup = b
        .submit(
            &s.page("/signup"),
            &[
                ("username", "erin"),
                ("email", "erin@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    check(&signup, "signup");
    let code = s.app.latest_code("erin").await;
    let confirm = signup.location().unwrap();
    check(
        &b.submit(&confirm, &[("username", "erin"), ("code", &code)])
            .await,
        "confirm",
    );
    let forgot = b
        .submit(&s.page("/forgotPassword"), &[("username", "alice")])
        .await;
    check(&forgot, "forgot");
    let code = s.app.latest_code("alice").await;
    let reset = b
        .submit(
            &forgot.location().unwrap(),
            &[
                ("username", "alice"),
                ("code", &code),
                ("password", "An0ther-Passw0rd"),
            ],
        )
        .await;
    check(&reset, "confirm forgot");
    s.app
        .sdk
        .admin_create_user()
        .user_pool_id(&s.pool)
        .username("frank")
        .temporary_password("Temp-Passw0rd!")
        .user_attributes(attr("email", "frank@example.com"))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    let challenged = s.sign_in(&mut b, "frank", "Temp-Passw0rd!").await;
    check(&challenged, "login (challenge)");
    let next = challenged.location().unwrap();
    let page = b.get(&next).await;
    let session = next
        .split("session=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let done = b
        .post(
            &next,
            &[
                ("session", session),
                ("username", "frank"),
                ("password", PASSWORD),
                ("_csrf", &page.csrf()),
            ],
        )
        .await;
    check(&done, "new password");
}

fn no_sign_in(p: &Page) {
    assert_eq!(p.status, 403, "{}", p.body);
    assert!(p.location().is_none());
    assert!(
        !p.set_cookies()
            .iter()
            .any(|c| c.starts_with("cogito_session="))
    );
    assert!(!p.body.contains("code="));
}

#[tokio::test]
async fn sec_47_csrf_required() {
    let s = site().await;
    let login = s.page("/login");
    let creds = [("username", "alice"), ("password", PASSWORD)];
    let mut b = Browser::new();
    let page = b.get(&login).await;
    let token = page.csrf();
    // (a) no token
    no_sign_in(&b.post(&login, &creds).await);
    // (a') a forged token
    no_sign_in(
        &b.post(&login, &[creds[0], creds[1], ("_csrf", "AAAA")])
            .await,
    );
    // (b) a token from another cookie jar
    let mut other = Browser::new();
    let other_token = other.get(&login).await.csrf();
    assert_ne!(other_token, token);
    no_sign_in(
        &b.post(&login, &[creds[0], creds[1], ("_csrf", &other_token)])
            .await,
    );
    // (b') the right token without its cookie
    let mut fresh = Browser::new();
    no_sign_in(
        &fresh
            .post(&login, &[creds[0], creds[1], ("_csrf", &token)])
            .await,
    );
    // (c) the right token from another origin
    b.extra.push(("origin".into(), "https://evil.test".into()));
    no_sign_in(
        &b.post(&login, &[creds[0], creds[1], ("_csrf", &token)])
            .await,
    );
    b.extra = vec![("sec-fetch-site".into(), "cross-site".into())];
    no_sign_in(
        &b.post(&login, &[creds[0], creds[1], ("_csrf", &token)])
            .await,
    );
    // `Origin: null` (sandboxed frames, no-referrer pages) is decided by Sec-Fetch-Site.
    b.extra = vec![
        ("origin".into(), "null".into()),
        ("sec-fetch-site".into(), "cross-site".into()),
    ];
    no_sign_in(
        &b.post(&login, &[creds[0], creds[1], ("_csrf", &token)])
            .await,
    );
    // The 403 is a page of the domain with a way back.
    let forbidden = b
        .post(&login, &[creds[0], creds[1], ("_csrf", &token)])
        .await;
    assert!(forbidden.body.contains("id=\"retry-link\""));
    // Other forms change nothing without a token.
    b.extra.clear();
    let signup = b
        .post(
            &s.page("/signup"),
            &[
                ("username", "mallory"),
                ("email", "m@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(signup.status, 403);
    assert!(
        s.app.outbox("mallory").await.is_empty(),
        "no account was created"
    );
    // (d) control: same origin, right token
    let origin = s.app.url.clone();
    b.extra = vec![
        ("origin".into(), origin),
        ("sec-fetch-site".into(), "same-origin".into()),
    ];
    let ok = b
        .post(&login, &[creds[0], creds[1], ("_csrf", &token)])
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    code_of(&ok.location().unwrap());
    // As Chromium posts from our no-referrer pages: `Origin: null`, `Sec-Fetch-Site: same-origin`.
    let token = b.get(&login).await.csrf();
    b.extra = vec![
        ("origin".into(), "null".into()),
        ("sec-fetch-site".into(), "same-origin".into()),
    ];
    let ok = b
        .post(&login, &[creds[0], creds[1], ("_csrf", &token)])
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
}

#[tokio::test]
async fn sec_48_session_cookie_attributes() {
    let s = site().await;
    let mut b = Browser::new();
    b.cookies
        .insert("cogito_session".into(), "attackerchosen".into());
    let first = s.sign_in(&mut b, "alice", PASSWORD).await;
    assert_eq!(first.status, 303);
    let cookie = first
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("cogito_session="))
        .expect("a session cookie");
    let path = "Path=/domain/hosted".to_string();
    for attr in ["HttpOnly", "SameSite=Lax", path.as_str()] {
        assert!(
            cookie.split("; ").any(|a| a == attr),
            "{attr} missing in {cookie}"
        );
    }
    assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
    let first_id = b.cookies["cogito_session"].clone();
    assert_ne!(first_id, "attackerchosen");
    let id_part = first_id.split('.').next().unwrap();
    assert!(id_part.len() >= 22, "at least 128 bits");
    // The pre-auth (CSRF) cookie is replaced at sign-in too.
    let csrf = first
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("cogito_csrf="))
        .expect("a new pre-auth cookie");
    assert!(csrf.contains("HttpOnly") && csrf.contains("SameSite=Lax"));
    let second = s.sign_in(&mut b, "alice", PASSWORD).await;
    assert_eq!(second.status, 303);
    assert_ne!(
        b.cookies["cogito_session"], first_id,
        "a fresh id at each sign-in"
    );
    // The replaced session is over on the server.
    let old = s
        .app
        .state
        .core
        .hosted_session(&s.pool, id_part)
        .await
        .unwrap();
    assert!(old.is_none());
}

async fn assert_headers(p: &Page, what: &str) {
    let csp = p
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"));
    for d in [
        "default-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(d), "{what}: {d} missing in {csp}");
    }
    assert_eq!(
        p.header("x-frame-options").as_deref(),
        Some("DENY"),
        "{what}"
    );
    assert_eq!(
        p.header("x-content-type-options").as_deref(),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        p.header("referrer-policy").as_deref(),
        Some("no-referrer"),
        "{what}"
    );
    assert_eq!(
        p.header("cross-origin-opener-policy").as_deref(),
        Some("same-origin"),
        "{what}"
    );
    assert!(p.header("cache-control").is_some(), "{what}");
}

#[tokio::test]
async fn sec_49_security_headers_on_every_page() {
    let s = site().await;
    let mut b = Browser::new();
    for path in [
        "/login",
        "/signup",
        "/confirmUser",
        "/forgotPassword",
        "/confirmForgotPassword",
        "/newPassword",
        "/error",
    ] {
        let p = b.get(&s.page(path)).await;
        assert_headers(&p, path).await;
        assert_eq!(
            p.header("cache-control").as_deref(),
            Some("no-store"),
            "{path}"
        );
    }
    let login = b.get(&s.page("/login")).await;
    let csp = login.header("content-security-policy").unwrap();
    assert!(
        csp.contains("form-action 'self' https://app.example"),
        "{csp}"
    );
    assert!(
        csp.contains("style-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    // Error pages, refusals and redirects too.
    let pages = [
        b.get(&format!("{}/login?client_id=nope", s.base)).await,
        b.post(&s.page("/login"), &[("username", "alice")]).await,
        s.sign_in(&mut b, "alice", "wrong-Passw0rd").await,
        s.sign_in(&mut b, "alice", PASSWORD).await,
        b.get(&format!("{}/static/hosted.css", s.base)).await,
        b.get(&format!("{}/ui/logo?client_id={}", s.base, s.client))
            .await,
        b.get(&format!("{}/domain/unknown/login", s.app.url)).await,
    ];
    for (i, p) in pages.iter().enumerate() {
        assert_headers(p, &format!("response {i} ({})", p.status)).await;
    }
    assert_eq!(pages[0].status, 400);
    assert_eq!(pages[1].status, 403);
    assert_eq!(pages[2].status, 400);
    assert_eq!(pages[3].status, 303);
    assert_eq!(pages[6].status, 404);
}

#[tokio::test]
async fn sec_50_reflected_values_are_escaped() {
    let s = site().await;
    let mut b = Browser::new();
    let payloads = [
        "\"><svg onload=alert(1)>",
        "<script>alert(1)</script>",
        "javascript:alert(1)",
        "x\r\nSet-Cookie: x=y",
    ];
    for p in payloads {
        let q = s.query().replace("state=xyz", &format!("state={}", enc(p)));
        let url = format!("{}/login?{q}&login_hint={}", s.base, enc(p));
        let page = b.get(&url).await;
        assert_eq!(page.status, 200);
        assert!(
            !page.body.contains("<svg onload") && !page.body.contains("<script>"),
            "{}",
            page.body
        );
        assert!(!page.body.contains("href=\"javascript:"));
        let refused = b
            .post(
                &url,
                &[
                    ("username", p),
                    ("password", "wrong-one-1A!"),
                    ("_csrf", &page.csrf()),
                ],
            )
            .await;
        assert_eq!(refused.status, 400);
        assert!(!refused.body.contains("<svg onload") && !refused.body.contains("<script>"));
        assert!(refused.headers.get("x").is_none());
        assert!(!refused.set_cookies().iter().any(|c| c.starts_with("x=")));
    }
    // The error page escapes what the client sent.
    let err = b
        .get(&format!(
            "{}/signup?client_id={}",
            s.base,
            enc("<script>alert(1)</script>")
        ))
        .await;
    assert_eq!(err.status, 400);
    assert!(!err.body.contains("<script>"));
    // A 2048-character state reaches the callback intact.
    let long: String = "s".repeat(2048);
    let q = s.query().replace("state=xyz", &format!("state=xyz{long}"));
    let url = format!("{}/login?{q}", s.base);
    let done = b
        .submit(&url, &[("username", "alice"), ("password", PASSWORD)])
        .await;
    assert_eq!(done.status, 303);
    let location = done.location().unwrap();
    assert!(location.contains(&format!("state=xyz{long}")));
    assert!(location.starts_with(CB));
}

#[tokio::test]
async fn sec_51_cors_not_on_pages() {
    let s = site().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let no_cors = |r: &reqwest::Response, what: &str| {
        let cors: Vec<_> = r
            .headers()
            .keys()
            .filter(|k| k.as_str().starts_with("access-control-"))
            .collect();
        assert!(cors.is_empty(), "{what}: {cors:?}");
    };
    for path in [
        "/login",
        "/signup",
        "/forgotPassword",
        "/confirmUser",
        "/newPassword",
        "/error",
    ] {
        let url = s.page(path);
        let get = http
            .get(&url)
            .header("origin", "https://evil.test")
            .send()
            .await
            .unwrap();
        no_cors(&get, path);
        let post = http
            .post(&url)
            .header("origin", "https://evil.test")
            .header("content-type", "application/x-www-form-urlencoded")
            .body("username=alice")
            .send()
            .await
            .unwrap();
        no_cors(&post, path);
        let preflight = http
            .request(reqwest::Method::OPTIONS, &url)
            .header("origin", "https://evil.test")
            .header("access-control-request-method", "POST")
            .send()
            .await
            .unwrap();
        no_cors(&preflight, path);
    }
    // Control: the JSON API keeps its CORS.
    let api = http
        .request(reqwest::Method::OPTIONS, format!("{}/", s.app.url))
        .header("origin", "https://evil.test")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(api.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn sec_47_every_form_requires_its_token() {
    let app = TestApp::spawn().await;
    let s: Site = crate::hosted_ui::site_on(app, "forms").await;
    let mut b = Browser::new();
    for path in [
        "/signup",
        "/confirmUser",
        "/forgotPassword",
        "/confirmForgotPassword",
        "/newPassword",
    ] {
        let url = s.page(path);
        b.get(&url).await;
        let p = b
            .post(
                &url,
                &[
                    ("username", "alice"),
                    ("code", "123456"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(p.status, 403, "{path}");
    }
    assert!(
        s.app.outbox("alice").await.iter().all(|m| m.code.is_none()),
        "no code was sent"
    );
}
