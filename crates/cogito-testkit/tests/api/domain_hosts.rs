//! Pool domains served on host names (`<prefix>.auth.localhost:<port>`): the same endpoints and
//! pages as the path form, reached through the `Host` header; discovery lists host-name
//! endpoints; unknown hosts are not found.

use cogito_testkit::{TestApp, TestOptions};
use reqwest::StatusCode;
use serde_json::Value;

use crate::oauth_support::{CB, hosted_session, http, oauth_client, pkce};

async fn host_app() -> TestApp {
    TestApp::spawn_with(TestOptions {
        domain_host_names: true,
        ..Default::default()
    })
    .await
}

#[tokio::test]
async fn discovery_lists_the_host_name_endpoints_and_the_issuer_stays_configured() {
    let app = host_app().await;
    let pool = app.pool("p").await;
    app.sdk
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("myapp")
        .send()
        .await
        .unwrap();
    let doc: Value = http()
        .get(format!(
            "{}/{pool}/.well-known/openid-configuration",
            app.url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let host = format!("http://myapp.auth.localhost:{}", app.addr.port());
    assert_eq!(
        doc["authorization_endpoint"],
        format!("{host}/oauth2/authorize")
    );
    assert_eq!(doc["token_endpoint"], format!("{host}/oauth2/token"));
    assert_eq!(doc["userinfo_endpoint"], format!("{host}/oauth2/userInfo"));
    assert_eq!(doc["issuer"], format!("{}/{pool}", app.url));
}

#[tokio::test]
async fn the_host_header_selects_the_domain() {
    let app = host_app().await;
    let pool = app.pool("p").await;
    app.sdk
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("myapp")
        .send()
        .await
        .unwrap();
    let (client, _) = oauth_client(&app, &pool, "web", false).await;
    let host = format!("myapp.auth.localhost:{}", app.addr.port());
    let (_verifier, challenge) = pkce();
    let query = format!(
        "response_type=code&client_id={client}&redirect_uri={}&code_challenge={challenge}&code_challenge_method=S256&state=s1",
        cogito_core::service::oauth::url_encode(CB)
    );
    // No session: the domain sends the browser to its own login page, on the same host.
    let resp = http()
        .get(format!("{}/oauth2/authorize?{query}", app.url))
        .header("host", &host)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with(&format!("http://{host}/login?")),
        "{location}"
    );
    // With a hosted session: a code at the callback.
    crate::helpers::confirmed_user(&app, &pool, "alice", "Passw0rd!long").await;
    let cookie = hosted_session(&app, &pool, "alice").await;
    let resp = http()
        .get(format!("{}/oauth2/authorize?{query}", app.url))
        .header("host", &host)
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    let location = resp.headers()["location"].to_str().unwrap();
    assert!(location.starts_with(&format!("{CB}?code=")), "{location}");
    // The login page is served on the host too.
    let page = http()
        .get(format!("{}/login?{query}", app.url))
        .header("host", &host)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("id=\"login-form\""));
}

#[tokio::test]
async fn unknown_domain_hosts_are_not_found() {
    let app = host_app().await;
    let pool = app.pool("p").await;
    app.sdk
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("myapp")
        .send()
        .await
        .unwrap();
    for host in [
        format!("other.auth.localhost:{}", app.addr.port()),
        format!("evil.example:{}", app.addr.port()),
        format!("a.myapp.auth.localhost:{}", app.addr.port()),
    ] {
        let resp = http()
            .get(format!("{}/oauth2/authorize", app.url))
            .header("host", &host)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{host}");
    }
    // The JSON API and metadata are unaffected by the Host header.
    let health = http()
        .get(format!("{}/health", app.url))
        .header("host", "myapp.auth.localhost")
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}
