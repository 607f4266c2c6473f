//! The API flow with a plain HTTP client: `POST /api/login` (AdminInitiateAuth), `GET /api/me`,
//! `GET /api/admin/users` (200 for `Admin`, 403 otherwise), `NEW_PASSWORD_REQUIRED` for an
//! invited user, and a web session (authorization-code grant through the hosted UI, driven over
//! HTTP here) whose access token works against the API and is refreshed when expired.

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cogito_example_webapp::session::{CookieJar, SESSION_COOKIE, Session};
use cogito_testkit::sdk::types::{AttributeType, MessageActionType};
use common::Env;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn post(env: &Env, path: &str, body: Value) -> (StatusCode, Value) {
    let r = http()
        .post(format!("{}{path}", env.app_url))
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn get(env: &Env, path: &str, token: Option<&str>) -> (StatusCode, Value) {
    let mut req = http().get(format!("{}{path}", env.app_url));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.expect("request");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn login(env: &Env, group: &str) -> String {
    let (username, password) = env.user(group);
    let (status, body) = post(
        env,
        "/api/login",
        json!({ "username": username, "password": password }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert!(body["id_token"].is_string() && body["refresh_token"].is_string());
    body["access_token"]
        .as_str()
        .expect("access token")
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_and_plain_user_through_the_api() {
    let env = Env::start().await;

    let admin = login(&env, "Admin").await;
    let (status, me) = get(&env, "/api/me", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{me:#}");
    assert_eq!(me["username"], "admin@example.com");
    assert_eq!(me["groups"], json!(["Admin"]));
    assert_eq!(me["client_id"], env.seeded.api_client_id.as_str());
    let (status, users) = get(&env, "/api/admin/users", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{users:#}");
    let names: Vec<&str> = users["users"]
        .as_array()
        .expect("users")
        .iter()
        .filter_map(|u| u["username"].as_str())
        .collect();
    assert!(names.contains(&"user@example.com"), "{names:?}");

    let user = login(&env, "Users").await;
    let (status, me) = get(&env, "/api/me", Some(&user)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["groups"], json!(["Users"]));
    let (status, body) = get(&env, "/api/admin/users", Some(&user)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_password_and_missing_or_bad_tokens_are_refused() {
    let env = Env::start().await;
    let (status, body) = post(
        &env,
        "/api/login",
        json!({ "username": "user@example.com", "password": "Wrong-Passw0rd!" }),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body:#}");
    assert_eq!(body["error"], "NotAuthorizedException");

    for token in [None, Some("not-a-jwt"), Some("a.b.c")] {
        let (status, _) = get(&env, "/api/me", token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "token {token:?}");
    }
    // An ID token is not an access token.
    let (_, tokens) = post(
        &env,
        "/api/login",
        json!({ "username": "user@example.com", "password": env.user("Users").1 }),
    )
    .await;
    let (status, _) = get(&env, "/api/me", tokens["id_token"].as_str()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread")]
async fn invited_user_answers_new_password_required() {
    let env = Env::start().await;
    let attr = |n: &str, v: &str| AttributeType::builder().name(n).value(v).build().unwrap();
    env.cogito
        .sdk
        .admin_create_user()
        .user_pool_id(&env.seeded.pool_id)
        .username("invitee@example.com")
        .temporary_password("Temp-Passw0rd!")
        .message_action(MessageActionType::Suppress)
        .user_attributes(attr("email", "invitee@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await
        .expect("AdminCreateUser");

    let (status, body) = post(
        &env,
        "/api/login",
        json!({ "username": "invitee@example.com", "password": "Temp-Passw0rd!" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(body["challenge"], "NEW_PASSWORD_REQUIRED");
    let session = body["session"].as_str().expect("session");

    let (status, body) = post(
        &env,
        "/api/login/new-password",
        json!({ "username": "invitee@example.com", "session": session, "new_password": "Chosen-Passw0rd!" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    let token = body["access_token"].as_str().expect("access token");
    let (status, me) = get(&env, "/api/me", Some(token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["username"], "invitee@example.com");
    assert_eq!(me["groups"], json!([]));

    // The new password signs in directly.
    let (status, body) = post(
        &env,
        "/api/login",
        json!({ "username": "invitee@example.com", "password": "Chosen-Passw0rd!" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["access_token"].is_string(), "{body:#}");
}

/// The `name=value` of a `Set-Cookie` header named `name` in a response.
fn set_cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap_or_default().to_string())
}

fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// A hosted-UI session cookie for `username`, minted through the core (the hosted pages
/// themselves are exercised by the browser test).
async fn hosted_session(env: &Env, username: &str) -> String {
    let core = &env.cogito.state.core;
    let pool = core.pool(&env.seeded.pool_id).await.unwrap();
    let user = core.user(&pool, username).await.unwrap();
    let id = core
        .create_hosted_session(&env.seeded.pool_id, &user, core.clock.now_secs())
        .await
        .unwrap();
    let mac = cogito_core::crypto::hmac_sha256(&env.cogito.state.cookie_key[..], id.as_bytes());
    format!("cogito_session={id}.{}", URL_SAFE_NO_PAD.encode(mac))
}

/// Signs `username` in to the web app over HTTP; returns the app's session cookie.
async fn web_session(env: &Env, username: &str) -> String {
    let resp = http()
        .get(format!("{}/login", env.app_url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let login_cookie = set_cookie(&resp, "webapp_login").expect("login cookie");
    let authorize = location(&resp);
    assert!(authorize.starts_with(&format!("{}/oauth2/authorize?", env.domain_url)));
    assert!(
        authorize.contains("code_challenge_method=S256"),
        "{authorize}"
    );

    let resp = http()
        .get(&authorize)
        .header("cookie", hosted_session(env, username).await)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    let callback = location(&resp);
    assert!(
        callback.starts_with(&format!("{}/callback?", env.app_url)),
        "{callback}"
    );

    // Without the browser's login cookie, the callback refuses the code.
    let resp = http().get(&callback).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    let resp = http()
        .get(&callback)
        .header("cookie", &login_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "{:?}",
        resp.text().await
    );
    assert_eq!(location(&resp), "/profile");
    let raw = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("webapp_session="))
        .expect("session cookie")
        .to_string();
    assert!(
        raw.contains("HttpOnly") && raw.contains("SameSite=Lax"),
        "{raw}"
    );
    set_cookie(&resp, SESSION_COOKIE).expect("session cookie")
}

async fn page(env: &Env, path: &str, cookie: &str) -> (StatusCode, String, Option<String>) {
    let resp = http()
        .get(format!("{}{path}", env.app_url))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let renewed = set_cookie(&resp, SESSION_COOKIE);
    (status, resp.text().await.unwrap(), renewed)
}

fn access_token_of(html: &str) -> String {
    let start = html
        .find("<code id=\"access-token\">")
        .expect("token on the page")
        + "<code id=\"access-token\">".len();
    let end = start + html[start..].find("</code>").expect("end of token");
    html[start..end].to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn web_session_token_works_against_the_api_and_is_refreshed() {
    let env = Env::start().await;

    let cookie = web_session(&env, "user@example.com").await;
    let (status, html, _) = page(&env, "/profile", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-group=\"Users\""), "{html}");
    let (status, html, _) = page(&env, "/admin", &cookie).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{html}");

    let (_, html, _) = page(&env, "/profile", &cookie).await;
    let token = access_token_of(&html);
    let (status, me) = get(&env, "/api/me", Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{me:#}");
    assert_eq!(me["username"], "user@example.com");
    assert_eq!(me["client_id"], env.seeded.web_client_id.as_str());

    let admin = web_session(&env, "admin@example.com").await;
    let (status, html, _) = page(&env, "/admin", &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("user@example.com"), "{html}");
    let (_, html, _) = page(&env, "/profile", &admin).await;
    let (status, _) = get(&env, "/api/admin/users", Some(&access_token_of(&html))).await;
    assert_eq!(status, StatusCode::OK);

    // An expired session is refreshed with the refresh token, and the cookie rewritten.
    let jar = CookieJar::new(&[42u8; 32], false);
    let value = cookie.split_once('=').unwrap().1;
    let mut session: Session = jar.open(SESSION_COOKIE, value).expect("opens");
    let old_token = session.access_token.clone();
    session.expires_at = 0;
    let expired = format!("{SESSION_COOKIE}={}", jar.seal(SESSION_COOKIE, &session));
    env.cogito.clock.advance_secs(5);
    let (status, html, renewed) = page(&env, "/profile", &expired).await;
    assert_eq!(status, StatusCode::OK);
    let renewed = renewed.expect("a refreshed session cookie");
    let fresh: Session = jar
        .open(SESSION_COOKIE, renewed.split_once('=').unwrap().1)
        .expect("opens");
    assert_ne!(fresh.access_token, old_token);
    assert!(fresh.expires_at > 0);
    assert_eq!(access_token_of(&html), fresh.access_token);

    // Sign-out clears the cookie and goes through the pool's /logout.
    let resp = http()
        .post(format!("{}/logout", env.app_url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(location(&resp).starts_with(&format!("{}/logout?", env.domain_url)));
    assert_eq!(
        set_cookie(&resp, SESSION_COOKIE).as_deref(),
        Some("webapp_session=")
    );
    let resp = http().get(location(&resp)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    assert_eq!(location(&resp), format!("{}/", env.app_url));
}

/// The flow runner hands out live tokens of the seeded users: an app not asked to mount it
/// (`Config::flow_runner`, `--flow-runner`) answers 404 there, and its page says so.
#[tokio::test(flavor = "multi_thread")]
async fn without_the_flag_there_is_no_flow_runner() {
    let env = Env::start().await;
    for flow in ["code-grant", "admin-auth", "refresh", "signup"] {
        let r = http()
            .post(format!("{}/flows/run/{flow}", env.app_url))
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{flow}");
    }
    let (status, _) = get(&env, "/flows/trace/some-run", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let page = http()
        .get(format!("{}/flows", env.app_url))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    assert!(html.contains("flow runner is off"), "{html}");
}
