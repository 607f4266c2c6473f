//! App-client OAuth settings (reference §4.9): the members round-trip through
//! Create/Describe/Update (full replacement), the flow rules (`InvalidOAuthFlowException`), scope
//! existence (`ScopeDoesNotExistException`), identity providers, `DefaultRedirectURI`, and the
//! registration-time URL hygiene of security bar SEC-03 (`sec_03_*`).

use cogito_testkit::TestApp;
use cogito_testkit::sdk::types::{OAuthFlowType, ResourceServerScopeType, UserPoolClientType};

use crate::helpers::err;

const API: &str = "https://api.example.com";
const CB: &str = "https://app.example/cb";

async fn resource_server(app: &TestApp, pool: &str) {
    app.sdk
        .create_resource_server()
        .user_pool_id(pool)
        .identifier(API)
        .name("API")
        .scopes(
            ResourceServerScopeType::builder()
                .scope_name("read")
                .scope_description("read")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// `CreateUserPoolClient` for the code flow with these callback URLs.
async fn with_callbacks(
    app: &TestApp,
    pool: &str,
    urls: &[&str],
) -> Result<UserPoolClientType, (String, String)> {
    let mut req = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("web")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid");
    for u in urls {
        req = req.callback_urls(*u);
    }
    let r = req.send().await;
    match r {
        Ok(o) => Ok(o.user_pool_client.unwrap()),
        Err(_) => Err(err(r)),
    }
}

/// `CreateUserPoolClient` with a valid callback and these logout URLs.
async fn with_logout_urls(
    app: &TestApp,
    pool: &str,
    urls: &[&str],
) -> Result<UserPoolClientType, (String, String)> {
    let mut req = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("web")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .callback_urls(CB);
    for u in urls {
        req = req.logout_urls(*u);
    }
    let r = req.send().await;
    match r {
        Ok(o) => Ok(o.user_pool_client.unwrap()),
        Err(_) => Err(err(r)),
    }
}

async fn assert_refused(app: &TestApp, pool: &str, url: &str) {
    let (code, _) = with_callbacks(app, pool, &[url])
        .await
        .expect_err(&format!("{url} must be refused as a callback URL"));
    assert_eq!(code, "InvalidParameterException", "callback {url}");
    let (code, _) = with_logout_urls(app, pool, &[url])
        .await
        .expect_err(&format!("{url} must be refused as a logout URL"));
    assert_eq!(code, "InvalidParameterException", "logout {url}");
}

async fn assert_accepted(app: &TestApp, pool: &str, url: &str) {
    let c = with_callbacks(app, pool, &[url])
        .await
        .unwrap_or_else(|e| panic!("{url} refused: {e:?}"));
    assert_eq!(c.callback_urls(), &[url.to_string()]);
    let c = with_logout_urls(app, pool, &[url])
        .await
        .unwrap_or_else(|e| panic!("{url} refused as logout URL: {e:?}"));
    assert_eq!(c.logout_urls(), &[url.to_string()]);
}

fn oauth_flow(code: &str) -> (String, String) {
    ("InvalidOAuthFlowException".into(), code.into())
}

#[tokio::test]
async fn oauth_settings_round_trip_and_update_replaces_them() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    resource_server(&app, &pool).await;
    let c = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_flows(OAuthFlowType::Implicit)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_scopes("https://api.example.com/read")
        .callback_urls(CB)
        .callback_urls("https://app.example/cb2")
        .logout_urls("https://app.example/bye")
        .default_redirect_uri("https://app.example/cb2")
        .supported_identity_providers("COGNITO")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(c.allowed_o_auth_flows_user_pool_client(), Some(true));
    assert_eq!(
        c.allowed_o_auth_flows(),
        &[OAuthFlowType::Code, OAuthFlowType::Implicit]
    );
    assert_eq!(
        c.allowed_o_auth_scopes(),
        &["openid", "email", "https://api.example.com/read"]
    );
    assert_eq!(c.callback_urls(), &[CB, "https://app.example/cb2"]);
    assert_eq!(c.logout_urls(), &["https://app.example/bye"]);
    assert_eq!(c.default_redirect_uri(), Some("https://app.example/cb2"));
    assert_eq!(c.supported_identity_providers(), &["COGNITO"]);

    let id = c.client_id().unwrap();
    let described = app
        .sdk
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(id)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(described, c);

    // The typed record holds them (the OAuth endpoints read it).
    let stored = app.state.core.pool_client(&pool, id).await.unwrap();
    assert!(stored.oauth.enabled);
    assert_eq!(stored.oauth.flows, ["code", "implicit"]);
    assert!(
        stored
            .extra
            .keys()
            .all(|k| !k.contains("OAuth") && !k.contains("URL"))
    );

    // UpdateUserPoolClient without the OAuth members resets them.
    let u = app
        .sdk
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(id)
        .client_name("web")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(u.allowed_o_auth_flows_user_pool_client(), Some(false));
    assert!(u.allowed_o_auth_flows().is_empty());
    assert!(u.allowed_o_auth_scopes().is_empty());
    assert!(u.callback_urls().is_empty());
    assert!(u.logout_urls().is_empty());
    assert!(u.default_redirect_uri().is_none());
    assert!(u.supported_identity_providers().is_empty());
    assert_eq!(
        app.state.core.pool_client(&pool, id).await.unwrap().oauth,
        Default::default()
    );
}

#[tokio::test]
async fn update_can_turn_oauth_on() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (id, _) = app.client(&pool, false).await;
    let u = app
        .sdk
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .client_name("web")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .callback_urls(CB)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(u.allowed_o_auth_flows(), &[OAuthFlowType::Code]);
    assert_eq!(u.callback_urls(), &[CB]);
}

#[tokio::test]
async fn flows_need_allowed_oauth_flows_user_pool_client() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let r = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .callback_urls(CB)
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
}

#[tokio::test]
async fn code_and_implicit_need_a_callback_url() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    for flow in [OAuthFlowType::Code, OAuthFlowType::Implicit] {
        let r = app
            .sdk
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("web")
            .allowed_o_auth_flows_user_pool_client(true)
            .allowed_o_auth_flows(flow.clone())
            .allowed_o_auth_scopes("openid")
            .send()
            .await;
        assert_eq!(err(r).0, "InvalidParameterException", "{flow:?}");
    }
}

#[tokio::test]
async fn client_credentials_cannot_be_combined_with_other_flows() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    resource_server(&app, &pool).await;
    let r = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("m2m")
        .generate_secret(true)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("https://api.example.com/read")
        .callback_urls(CB)
        .send()
        .await;
    assert_eq!(
        err(r),
        oauth_flow(
            "client_credentials flow can not be selected along with code flow or implicit flow."
        )
    );
}

#[tokio::test]
async fn client_credentials_needs_a_client_secret() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    resource_server(&app, &pool).await;
    let r = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("m2m")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
        .allowed_o_auth_scopes("https://api.example.com/read")
        .send()
        .await;
    assert_eq!(
        err(r),
        oauth_flow(
            "client_credentials flow can not be selected if client does not have a client secret."
        )
    );

    // Turning it on later for a client without a secret fails the same way.
    let (id, _) = app.client(&pool, false).await;
    let r = app
        .sdk
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
        .allowed_o_auth_scopes("https://api.example.com/read")
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidOAuthFlowException");
}

#[tokio::test]
async fn client_credentials_takes_only_custom_scopes() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    resource_server(&app, &pool).await;
    for reserved in ["openid", "email", "aws.cognito.signin.user.admin"] {
        let r = app
            .sdk
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("m2m")
            .generate_secret(true)
            .allowed_o_auth_flows_user_pool_client(true)
            .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
            .allowed_o_auth_scopes("https://api.example.com/read")
            .allowed_o_auth_scopes(reserved)
            .send()
            .await;
        assert_eq!(
            err(r),
            oauth_flow(&format!(
                "{reserved} is not supported with client_credentials flow"
            ))
        );
    }
}

#[tokio::test]
async fn client_credentials_with_a_secret_and_a_custom_scope_is_accepted() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    resource_server(&app, &pool).await;
    let c = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("m2m")
        .generate_secret(true)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
        .allowed_o_auth_scopes("https://api.example.com/read")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert!(c.client_secret().is_some());
    assert_eq!(
        c.allowed_o_auth_flows(),
        &[OAuthFlowType::ClientCredentials]
    );
    assert_eq!(c.allowed_o_auth_scopes(), &["https://api.example.com/read"]);
}

#[tokio::test]
async fn custom_scope_from_a_resource_server_is_accepted() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    resource_server(&app, &pool).await;
    let c = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("https://api.example.com/read")
        .callback_urls(CB)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(
        c.allowed_o_auth_scopes(),
        &["openid", "https://api.example.com/read"]
    );

    // Deleting the resource server later is allowed; the client keeps its settings.
    app.sdk
        .delete_resource_server()
        .user_pool_id(&pool)
        .identifier(API)
        .send()
        .await
        .unwrap();
    let d = app
        .sdk
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(c.client_id().unwrap())
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(d.allowed_o_auth_scopes(), c.allowed_o_auth_scopes());
}

#[tokio::test]
async fn unknown_scopes_do_not_exist() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    resource_server(&app, &pool).await;
    for unknown in [
        "https://api.example.com/write",
        "https://other.example.com/read",
        "admin",
        "OpenID",
    ] {
        let r = app
            .sdk
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("web")
            .allowed_o_auth_flows_user_pool_client(true)
            .allowed_o_auth_flows(OAuthFlowType::Code)
            .allowed_o_auth_scopes("openid")
            .allowed_o_auth_scopes(unknown)
            .callback_urls(CB)
            .send()
            .await;
        assert_eq!(
            err(r),
            (
                "ScopeDoesNotExistException".into(),
                format!("Invalid scope requested: {unknown}")
            )
        );
    }
    // A scope of a resource server in another pool does not count.
    let other = app.pool("q").await;
    let r = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(&other)
        .client_name("web")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("https://api.example.com/read")
        .callback_urls(CB)
        .send()
        .await;
    assert_eq!(err(r).0, "ScopeDoesNotExistException");
}

#[tokio::test]
async fn default_redirect_uri_must_be_a_callback_url() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let r = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .callback_urls(CB)
        .default_redirect_uri("https://app.example/elsewhere")
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
}

#[tokio::test]
async fn only_the_cognito_identity_provider_exists() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    for idp in ["Google", "Facebook", "MySAML"] {
        let r = app
            .sdk
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("web")
            .supported_identity_providers("COGNITO")
            .supported_identity_providers(idp)
            .send()
            .await;
        assert_eq!(
            err(r),
            (
                "InvalidParameterException".into(),
                format!("The provider {idp} does not exist for User Pool {pool}")
            )
        );
    }
}

#[tokio::test]
async fn unknown_flow_names_are_refused_by_the_model() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let r = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::from("password"))
        .callback_urls(CB)
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
}

// --- Security bar SEC-03: registration-time URI hygiene. ---

#[tokio::test]
async fn sec_03_http_to_a_non_loopback_host_is_refused() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    for url in [
        "http://app.example/cb",
        "http://localhost.evil.example/cb",
        "http://127.0.0.1.evil.example/cb",
        "http://localhost@evil.example/cb",
        "HTTP://app.example/cb",
    ] {
        assert_refused(&app, &pool, url).await;
    }
}

#[tokio::test]
async fn sec_03_fragment_is_refused() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    assert_refused(&app, &pool, "https://app.example/cb#f").await;
    assert_refused(&app, &pool, "https://app.example/cb#").await;
    assert_refused(&app, &pool, "myapp://cb#frag").await;
}

#[tokio::test]
async fn sec_03_relative_url_is_refused() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    for url in ["/cb", "cb", "//app.example/cb", "app.example/cb"] {
        assert_refused(&app, &pool, url).await;
    }
}

#[tokio::test]
async fn sec_03_javascript_scheme_is_refused_in_any_case() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    for url in [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "JAVASCRIPT://x/%0aalert(1)",
    ] {
        assert_refused(&app, &pool, url).await;
    }
}

#[tokio::test]
async fn sec_03_data_scheme_is_refused() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    assert_refused(&app, &pool, "data:text/html,x").await;
    assert_refused(&app, &pool, "DaTa:text/html;base64,PHNjcmlwdD4=").await;
}

#[tokio::test]
async fn sec_03_vbscript_scheme_is_refused() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    assert_refused(&app, &pool, "vbscript:msgbox(1)").await;
    assert_refused(&app, &pool, "VBScript:msgbox(1)").await;
}

#[tokio::test]
async fn sec_03_file_scheme_is_refused() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    assert_refused(&app, &pool, "file:///etc/passwd").await;
    assert_refused(&app, &pool, "FiLe://host/share").await;
}

#[tokio::test]
async fn sec_03_url_longer_than_1024_chars_is_refused() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let prefix = "https://app.example/";
    let at_limit = format!("{prefix}{}", "a".repeat(1024 - prefix.len()));
    assert_eq!(at_limit.len(), 1024);
    assert_accepted(&app, &pool, &at_limit).await;
    let over = format!("{at_limit}a");
    assert_refused(&app, &pool, &over).await;
}

#[tokio::test]
async fn sec_03_more_than_100_urls_are_refused() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let urls: Vec<String> = (0..101)
        .map(|i| format!("https://app.example/cb{i}"))
        .collect();
    let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
    let (code, _) = with_callbacks(&app, &pool, &refs).await.unwrap_err();
    assert_eq!(code, "InvalidParameterException");
    let (code, _) = with_logout_urls(&app, &pool, &refs).await.unwrap_err();
    assert_eq!(code, "InvalidParameterException");
    let c = with_callbacks(&app, &pool, &refs[..100]).await.unwrap();
    assert_eq!(c.callback_urls().len(), 100);
}

#[tokio::test]
async fn sec_03_private_app_scheme_is_accepted() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    assert_accepted(&app, &pool, "myapp://cb").await;
    assert_accepted(&app, &pool, "com.example.app:/oauth2redirect").await;
}

#[tokio::test]
async fn sec_03_loopback_http_is_accepted() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    for url in [
        "http://localhost/cb",
        "http://localhost:3000/cb",
        "http://127.0.0.1/cb",
        "http://127.0.0.1:8080/cb",
        "http://[::1]/cb",
        "http://[::1]:8080/cb",
    ] {
        assert_accepted(&app, &pool, url).await;
    }
}

#[tokio::test]
async fn sec_03_https_is_accepted() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    assert_accepted(&app, &pool, CB).await;
    assert_accepted(&app, &pool, "https://app.example:8443/cb?x=1").await;
}

#[tokio::test]
async fn sec_03_update_applies_the_same_rules() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let c = with_callbacks(&app, &pool, &[CB]).await.unwrap();
    let id = c.client_id().unwrap();
    for url in [
        "JaVaScRiPt:alert(1)",
        "http://app.example/cb",
        "/cb",
        "https://app.example/cb#f",
    ] {
        let r = app
            .sdk
            .update_user_pool_client()
            .user_pool_id(&pool)
            .client_id(id)
            .client_name("web")
            .allowed_o_auth_flows_user_pool_client(true)
            .allowed_o_auth_flows(OAuthFlowType::Code)
            .allowed_o_auth_scopes("openid")
            .callback_urls(url)
            .send()
            .await;
        assert_eq!(err(r).0, "InvalidParameterException", "{url}");
        let r = app
            .sdk
            .update_user_pool_client()
            .user_pool_id(&pool)
            .client_id(id)
            .client_name("web")
            .allowed_o_auth_flows_user_pool_client(true)
            .allowed_o_auth_flows(OAuthFlowType::Code)
            .allowed_o_auth_scopes("openid")
            .callback_urls(CB)
            .logout_urls(url)
            .send()
            .await;
        assert_eq!(err(r).0, "InvalidParameterException", "logout {url}");
    }
    // Nothing was changed by the refused updates.
    let stored = app.state.core.pool_client(&pool, id).await.unwrap();
    assert_eq!(stored.oauth.callback_urls, [CB]);
    assert!(stored.oauth.logout_urls.is_empty());
}
