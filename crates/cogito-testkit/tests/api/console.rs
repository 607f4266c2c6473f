//! The admin console's guard, without a browser: every page redirects to the sign-in without a
//! session, every action is refused (403) without a session or without the session's CSRF token
//! and changes nothing; the sign-in form needs its own token; a tampered session cookie is no
//! session. (The browser walk-through is in `tests/browser.rs`.)

use cogito_testkit::{ACCESS_KEY_ID, SECRET_ACCESS_KEY, TestApp};
use reqwest::redirect::Policy;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// The value of `name="<field>" value="…"` in a page.
fn field(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no {name} in {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// `name=value` of a `Set-Cookie` named `name`.
fn set_cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

/// Signs in; the session cookie and the CSRF token of its pages.
async fn sign_in(app: &TestApp) -> (String, String) {
    let http = client();
    let page = http
        .get(format!("{}/console/login", app.url))
        .send()
        .await
        .unwrap();
    let login_cookie = set_cookie(&page, "cogito_console_login").expect("login cookie");
    let html = page.text().await.unwrap();
    let token = field(&html, "login_token");
    let resp = http
        .post(format!("{}/console/login", app.url))
        .header("cookie", &login_cookie)
        .form(&[
            ("login_token", token.as_str()),
            ("access_key_id", ACCESS_KEY_ID),
            ("secret_access_key", SECRET_ACCESS_KEY),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let session = set_cookie(&resp, "cogito_console").expect("session cookie");
    let home = http
        .get(format!("{}/console", app.url))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), 200);
    let csrf = field(&home.text().await.unwrap(), "csrf");
    (session, csrf)
}

async fn pool_count(app: &TestApp) -> usize {
    app.sdk
        .list_user_pools()
        .max_results(60)
        .send()
        .await
        .unwrap()
        .user_pools()
        .len()
}

#[tokio::test]
async fn console_pages_and_actions_need_a_session_and_its_csrf_token() {
    let app = TestApp::spawn().await;
    let pool = app.pool("guarded").await;
    let http = client();
    for path in [
        "/console".to_owned(),
        "/console/outbox".to_owned(),
        format!("/console/pools/{pool}"),
        format!("/console/pools/{pool}/users"),
        format!("/console/pools/{pool}/user?name=anyone"),
    ] {
        let resp = http.get(format!("{}{path}", app.url)).send().await.unwrap();
        assert_eq!(resp.status(), 303, "{path}");
        assert_eq!(resp.headers()["location"], "/console/login", "{path}");
    }
    // Every form of the console posts to one of these.
    let mut actions = vec![
        "/console/pools".to_owned(),
        "/console/logout".to_owned(),
        format!("/console/pools/{pool}/users"),
    ];
    for action in [
        "delete",
        "clients",
        "edit-client",
        "delete-client",
        "keys",
        "settings",
        "domain",
        "delete-domain",
        "groups",
        "delete-group",
        "resource-servers",
        "delete-resource-server",
        "ui",
    ] {
        actions.push(format!("/console/pools/{pool}/{action}"));
    }
    for action in [
        "enable",
        "disable",
        "reset-password",
        "set-password",
        "add-group",
        "remove-group",
        "sign-out",
        "delete",
    ] {
        actions.push(format!("/console/pools/{pool}/user/{action}"));
    }
    for path in &actions {
        let resp = http
            .post(format!("{}{path}", app.url))
            .form(&[("name", "sneaky"), ("csrf", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403, "{path} without a session");
    }
    assert_eq!(pool_count(&app).await, 1, "nothing was created or deleted");

    let (session, csrf) = sign_in(&app).await;
    for path in &actions {
        for token in [None, Some("forged-token")] {
            let mut form = vec![("name", "sneaky")];
            if let Some(t) = token {
                form.push(("csrf", t));
            }
            let resp = http
                .post(format!("{}{path}", app.url))
                .header("cookie", &session)
                .form(&form)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 403, "{path} with CSRF token {token:?}");
        }
    }
    assert_eq!(pool_count(&app).await, 1, "nothing was created or deleted");
    let made = http
        .post(format!("{}/console/pools", app.url))
        .header("cookie", &session)
        .form(&[("name", "made-here"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 303);
    assert_eq!(pool_count(&app).await, 2);

    // A session lasts 8 hours of the server's clock.
    app.clock.advance_secs(7 * 3600);
    let still = http
        .get(format!("{}/console", app.url))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(still.status(), 200);
    app.clock.advance_secs(3600 + 1);
    let expired = http
        .get(format!("{}/console", app.url))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), 303, "an 8-hour session has ended");

    // A tampered cookie is no session.
    let tampered = format!("{}x", session);
    let resp = http
        .get(format!("{}/console", app.url))
        .header("cookie", &tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
}

#[tokio::test]
async fn console_sign_in_needs_its_form_token_and_the_admin_secret() {
    let app = TestApp::spawn().await;
    let http = client();
    // Without the form's cookie (a cross-site POST), refused before the credentials are read.
    let resp = http
        .post(format!("{}/console/login", app.url))
        .form(&[
            ("login_token", "guess"),
            ("access_key_id", ACCESS_KEY_ID),
            ("secret_access_key", SECRET_ACCESS_KEY),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(set_cookie(&resp, "cogito_console").is_none());
    let page = http
        .get(format!("{}/console/login", app.url))
        .send()
        .await
        .unwrap();
    let login_cookie = set_cookie(&page, "cogito_console_login").unwrap();
    let token = field(&page.text().await.unwrap(), "login_token");
    let resp = http
        .post(format!("{}/console/login", app.url))
        .header("cookie", &login_cookie)
        .form(&[
            ("login_token", token.as_str()),
            ("access_key_id", ACCESS_KEY_ID),
            ("secret_access_key", "wrong-secret"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(set_cookie(&resp, "cogito_console").is_none());
    let headers = resp.headers().clone();
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Incorrect access key id")
    );
}

#[tokio::test]
async fn a_username_with_slashes_and_dots_cannot_turn_a_button_into_another_action() {
    let app = TestApp::spawn().await;
    let pool = app.pool("odd-names").await;
    let odd = "a/../..";
    app.sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username(odd)
        .message_action(cogito_testkit::sdk::types::MessageActionType::Suppress)
        .send()
        .await
        .expect("a username with / and .. is valid");
    let (session, csrf) = sign_in(&app).await;
    let http = client();
    let list = http
        .get(format!("{}/console/pools/{pool}/users", app.url))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("user?name=a%2F..%2F.."), "{list}");
    let page = http
        .get(format!(
            "{}/console/pools/{pool}/user?name=a%2F..%2F..",
            app.url
        ))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Attribute values come HTML-escaped (`/` as `&#x2f;`).
    let actions: Vec<String> = page
        .split("action=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].replace("&#x2f;", "/"))
        .filter(|a| a.starts_with("/console/pools/"))
        .collect();
    assert!(actions.len() >= 5, "{page}");
    for action in &actions {
        assert!(
            action.starts_with(&format!("/console/pools/{pool}/user/")),
            "{action}"
        );
        assert!(!action.contains(".."), "{action}");
    }
    // Its delete button deletes the user, and only the user.
    let resp = http
        .post(format!("{}/console/pools/{pool}/user/delete", app.url))
        .header("cookie", &session)
        .form(&[("csrf", csrf.as_str()), ("username", odd)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert!(
        app.sdk
            .admin_get_user()
            .user_pool_id(&pool)
            .username(odd)
            .send()
            .await
            .is_err()
    );
    assert_eq!(pool_count(&app).await, 1, "the pool is still there");
}
