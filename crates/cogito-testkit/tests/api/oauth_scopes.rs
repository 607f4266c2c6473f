//! Acceptance 4: scopes. `client_credentials` with a resource server's custom scopes yields an
//! access token carrying exactly the granted scopes (verified with `jsonwebtoken` and the JWKS);
//! an API-issued access token is refused by userInfo; userInfo (and the OAuth ID token) release
//! attributes by scope as in reference §3.7.

use cogito_testkit::TestApp;
use cogito_testkit::sdk::types::{
    AttributeDataType, OAuthFlowType, ResourceServerScopeType, SchemaAttributeType,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{admin_login, attr};
use crate::oauth_support::*;

pub(crate) const API: &str = "https://api.example.com";

pub(crate) async fn resource_server(app: &TestApp, pool: &str) {
    let mut req = app
        .sdk
        .create_resource_server()
        .user_pool_id(pool)
        .identifier(API)
        .name("API");
    for s in ["read", "write", "admin"] {
        req = req.scopes(
            ResourceServerScopeType::builder()
                .scope_name(s)
                .scope_description(s)
                .build()
                .unwrap(),
        );
    }
    req.send().await.unwrap();
}

/// A machine client allowed `read` and `write` (not `admin`).
pub(crate) async fn machine_client(app: &TestApp, pool: &str) -> (String, String) {
    let c = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("machine")
        .generate_secret(true)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
        .allowed_o_auth_scopes(format!("{API}/read"))
        .allowed_o_auth_scopes(format!("{API}/write"))
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    (c.client_id.unwrap(), c.client_secret.unwrap())
}

pub(crate) async fn client_credentials(
    fx: &Fixture,
    id: &str,
    secret: &str,
    scope: Option<&str>,
) -> TokenAnswer {
    let mut form = vec![("grant_type", "client_credentials")];
    if let Some(s) = scope {
        form.push(("scope", s));
    }
    post_form(fx, "/oauth2/token", &form, Some((id, secret))).await
}

fn scopes_of(claims: &Value) -> Vec<String> {
    let mut s: Vec<String> = claims["scope"]
        .as_str()
        .unwrap()
        .split(' ')
        .map(str::to_string)
        .collect();
    s.sort();
    s
}

#[tokio::test]
async fn oauth_scopes_client_credentials_grant_exactly_the_custom_scopes() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    resource_server(&app, &fx.pool).await;
    let (id, secret) = machine_client(&app, &fx.pool).await;
    // One scope asked → exactly that scope.
    let t = client_credentials(&fx, &id, &secret, Some(&format!("{API}/read"))).await;
    assert_eq!(t.status, StatusCode::OK, "{:?}", t.body);
    assert_no_store(&t.headers);
    assert_eq!(t.body["token_type"], "Bearer");
    assert_eq!(t.body["expires_in"], 3600);
    assert!(t.body.get("id_token").is_none());
    assert!(t.body.get("refresh_token").is_none());
    let c = verify_jwt(&app, &fx.pool, &t.str("access_token"), None).await;
    assert_eq!(scopes_of(&c), vec![format!("{API}/read")]);
    assert_eq!(c["token_use"], "access");
    assert_eq!(c["client_id"], id.as_str());
    assert_eq!(c["sub"], id.as_str());
    assert!(c.get("username").is_none());
    // No scope asked → all of the client's custom scopes, and nothing else.
    let t = client_credentials(&fx, &id, &secret, None).await;
    let c = verify_jwt(&app, &fx.pool, &t.str("access_token"), None).await;
    assert_eq!(
        scopes_of(&c),
        vec![format!("{API}/read"), format!("{API}/write")]
    );
    // A scope the client was not given, or a reserved one → invalid_scope.
    for asked in [
        format!("{API}/admin"),
        "openid".to_string(),
        format!("{API}/read {API}/admin"),
    ] {
        let t = client_credentials(&fx, &id, &secret, Some(&asked)).await;
        assert_eq!(t.status, StatusCode::BAD_REQUEST, "{asked}");
        assert_eq!(t.error(), "invalid_scope", "{asked}");
    }
    // Wrong secret → invalid_client; a code-flow client → unauthorized_client.
    let t = client_credentials(&fx, &id, "wrong", None).await;
    assert_eq!(t.error(), "invalid_client");
    let t = client_credentials(&fx, &fx.c_conf, &fx.conf_secret, None).await;
    assert_eq!(t.error(), "unauthorized_client");
    // A machine token is no user token: userInfo and GetUser refuse it.
    let t = client_credentials(&fx, &id, &secret, None).await;
    assert_eq!(
        user_info(&fx, &t.str("access_token")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert!(
        app.sdk
            .get_user()
            .access_token(t.str("access_token"))
            .send()
            .await
            .is_err()
    );
}

#[tokio::test]
async fn oauth_scopes_api_issued_access_tokens_are_refused_by_userinfo() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let api = admin_login(&app, &fx.pool, &fx.c_pub, "alice", PASSWORD).await;
    let at = api.access_token().unwrap();
    assert_eq!(claims(at)["scope"], "aws.cognito.signin.user.admin");
    let resp = user_info(&fx, at).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let challenge = resp.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        challenge.starts_with("Bearer error=\"invalid_token\""),
        "{challenge}"
    );
    // Missing or malformed credentials are a bad request.
    let resp = http()
        .get(format!("{}/oauth2/userInfo", fx.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let challenge = resp.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        challenge.contains("error=\"invalid_request\""),
        "{challenge}"
    );
    let resp = http()
        .get(format!("{}/oauth2/userInfo", fx.base))
        .header("authorization", "Basic YTpi")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

/// alice with profile, phone and custom attributes.
async fn rich_alice(app: &TestApp, fx: &Fixture) {
    app.sdk
        .add_custom_attributes()
        .user_pool_id(&fx.pool)
        .custom_attributes(
            SchemaAttributeType::builder()
                .name("tier")
                .attribute_data_type(AttributeDataType::String)
                .mutable(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let mut req = app
        .sdk
        .admin_update_user_attributes()
        .user_pool_id(&fx.pool)
        .username("alice");
    for (n, v) in [
        ("name", "Alice Liddell"),
        ("given_name", "Alice"),
        ("family_name", "Liddell"),
        ("phone_number", "+15555550100"),
        ("phone_number_verified", "true"),
        ("custom:tier", "gold"),
    ] {
        req = req.user_attributes(attr(n, v));
    }
    req.send().await.unwrap();
}

async fn info_for(app: &TestApp, fx: &Fixture, scope: &str) -> (Value, Value) {
    let t = pub_tokens(app, fx, &[("scope", scope)]).await;
    let resp = user_info(fx, &t.str("access_token")).await;
    assert_eq!(resp.status(), StatusCode::OK, "{scope}");
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "application/json;charset=UTF-8"
    );
    let info: Value = resp.json().await.unwrap();
    (info, claims(&t.str("id_token")))
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

const ID_TOKEN_CLAIMS: &[&str] = &[
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "token_use",
    "cognito:username",
    "event_id",
    "jti",
    "origin_jti",
    "nonce",
];

/// The attribute claims of an ID token (its protocol claims removed).
fn attribute_claims(id: &Value) -> Vec<String> {
    let mut k = keys(id);
    k.retain(|n| !ID_TOKEN_CLAIMS.contains(&n.as_str()));
    k
}

#[tokio::test]
async fn oauth_scopes_userinfo_releases_attributes_by_scope() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    rich_alice(&app, &fx).await;
    let sorted = |v: &[&str]| {
        let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    };
    // openid alone: every readable attribute.
    let (info, id) = info_for(&app, &fx, "openid").await;
    let everything = [
        "sub",
        "email",
        "email_verified",
        "name",
        "given_name",
        "family_name",
        "phone_number",
        "phone_number_verified",
        "custom:tier",
    ];
    let mut expected = everything.to_vec();
    expected.push("username");
    assert_eq!(keys(&info), sorted(&expected));
    assert_eq!(info["email_verified"], json!(true));
    assert_eq!(info["phone_number_verified"], json!(true));
    assert_eq!(info["custom:tier"], "gold");
    assert_eq!(info["username"], "alice");
    assert_eq!(attribute_claims(&id), sorted(&everything));
    // openid email.
    let (info, id) = info_for(&app, &fx, "openid email").await;
    assert_eq!(
        keys(&info),
        sorted(&["sub", "email", "email_verified", "username"])
    );
    assert_eq!(info["email"], "alice@example.com");
    assert_eq!(
        attribute_claims(&id),
        sorted(&["sub", "email", "email_verified"])
    );
    // openid phone.
    let (info, id) = info_for(&app, &fx, "openid phone").await;
    assert_eq!(
        keys(&info),
        sorted(&["sub", "phone_number", "phone_number_verified", "username"])
    );
    assert_eq!(
        attribute_claims(&id),
        sorted(&["sub", "phone_number", "phone_number_verified"])
    );
    // openid profile: profile attributes and custom attributes.
    let (info, _) = info_for(&app, &fx, "openid profile").await;
    assert_eq!(
        keys(&info),
        sorted(&[
            "sub",
            "name",
            "given_name",
            "family_name",
            "custom:tier",
            "username"
        ])
    );
    // openid email profile: the union.
    let (info, _) = info_for(&app, &fx, "openid email profile").await;
    assert_eq!(
        keys(&info),
        sorted(&[
            "sub",
            "email",
            "email_verified",
            "name",
            "given_name",
            "family_name",
            "custom:tier",
            "username"
        ])
    );
    // The sub of userInfo is the ID token's.
    let (info, id) = info_for(&app, &fx, "openid").await;
    assert_eq!(info["sub"], id["sub"]);
    // Unknown scopes are dropped at authorize (OIDF oidcc-scope-address), not an error.
    let (info, _) = info_for(&app, &fx, "openid email address offline_access").await;
    assert_eq!(
        keys(&info),
        sorted(&["sub", "email", "email_verified", "username"])
    );
}

#[tokio::test]
async fn oauth_scopes_userinfo_is_limited_to_readable_attributes() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    rich_alice(&app, &fx).await;
    // A client that may read e-mail only.
    let client = app
        .sdk
        .describe_user_pool_client()
        .user_pool_id(&fx.pool)
        .client_id(&fx.c_pub)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    app.sdk
        .update_user_pool_client()
        .user_pool_id(&fx.pool)
        .client_id(&fx.c_pub)
        .set_explicit_auth_flows(client.explicit_auth_flows)
        .allowed_o_auth_flows_user_pool_client(true)
        .set_allowed_o_auth_flows(client.allowed_o_auth_flows)
        .set_allowed_o_auth_scopes(client.allowed_o_auth_scopes)
        .set_callback_urls(client.callback_urls)
        .set_logout_urls(client.logout_urls)
        .set_supported_identity_providers(client.supported_identity_providers)
        .read_attributes("email")
        .send()
        .await
        .unwrap();
    let (info, _) = info_for(&app, &fx, "openid").await;
    assert_eq!(info["email"], "alice@example.com");
    for hidden in ["name", "phone_number", "custom:tier", "email_verified"] {
        assert!(info.get(hidden).is_none(), "{hidden}");
    }
    assert_eq!(info["sub"].as_str().map(str::len), Some(36));
}
