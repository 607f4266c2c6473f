//! Security bar §1 C — token endpoint, refresh, revocation, sign-out (SEC-16 … SEC-23).

use cogito_testkit::TestApp;
use cogito_testkit::sdk::types::AuthFlowType;
use reqwest::StatusCode;

use crate::helpers::{admin_login, confirmed_user, err, secret_hash};
use crate::oauth_support::*;

const ADMIN_SCOPE: &str = "openid aws.cognito.signin.user.admin";

#[tokio::test]
async fn sec_16_exactly_one_client_authentication_method() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let cookie = hosted_session(&app, &fx.pool, "alice").await;
    // Wrong Basic secret → 401 invalid_client + WWW-Authenticate: Basic.
    let code = code(&fx, &fx.c_conf, &cookie, &[]).await;
    let f: Vec<(&str, &str)> = vec![
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", CB),
    ];
    let t = post_form(&fx, "/oauth2/token", &f, Some((&fx.c_conf, "wrong"))).await;
    assert_eq!(t.status, StatusCode::UNAUTHORIZED);
    assert_eq!(t.error(), "invalid_client");
    let challenge = t.headers["www-authenticate"].to_str().unwrap();
    assert!(challenge.starts_with("Basic"), "{challenge}");
    // Basic + client_secret in the body → 400 invalid_request.
    let mut both = f.clone();
    both.push(("client_secret", &fx.conf_secret));
    let t = post_form(
        &fx,
        "/oauth2/token",
        &both,
        Some((&fx.c_conf, &fx.conf_secret)),
    )
    .await;
    assert_eq!(t.status, StatusCode::BAD_REQUEST);
    assert_eq!(t.error(), "invalid_request");
    // Missing secret (client_id only) → 401 invalid_client, no Basic challenge.
    let mut no_secret = f.clone();
    no_secret.push(("client_id", &fx.c_conf));
    let t = post_form(&fx, "/oauth2/token", &no_secret, None).await;
    assert_eq!(t.status, StatusCode::UNAUTHORIZED);
    assert_eq!(t.error(), "invalid_client");
    // The secret in the query string is not accepted.
    let resp = http()
        .post(format!(
            "{}/oauth2/token?client_id={}&client_secret={}",
            fx.base, fx.c_conf, fx.conf_secret
        ))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=authorization_code&code={code}&redirect_uri={}",
            url::form_urlencoded::byte_serialize(CB.as_bytes()).collect::<String>()
        ))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_client_error());
    // Control: client_secret_post works, and so does Basic (fresh codes each).
    let c = code_fresh(&app, &fx).await;
    let t = post_form(
        &fx,
        "/oauth2/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &c),
            ("redirect_uri", CB),
            ("client_id", &fx.c_conf),
            ("client_secret", &fx.conf_secret),
        ],
        None,
    )
    .await;
    assert_eq!(t.status, StatusCode::OK, "{:?}", t.body);
    let c = code_fresh(&app, &fx).await;
    let t = post_form(
        &fx,
        "/oauth2/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &c),
            ("redirect_uri", CB),
        ],
        Some((&fx.c_conf, &fx.conf_secret)),
    )
    .await;
    assert_eq!(t.status, StatusCode::OK, "{:?}", t.body);
    // A form content type is required.
    let resp = http()
        .post(format!("{}/oauth2/token", fx.base))
        .header("content-type", "application/json")
        .body("{\"grant_type\":\"client_credentials\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    // JSON API: SECRET_HASH is required for a client with a secret, and bound to the username.
    let (client, secret) = app.client(&fx.pool, true).await;
    let secret = secret.unwrap();
    confirmed_user(&app, &fx.pool, "bob", PASSWORD).await;
    let (code, _) = err(app
        .sdk
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await);
    assert_eq!(code, "NotAuthorizedException");
    let (code, _) = err(app
        .sdk
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PASSWORD)
        .auth_parameters("SECRET_HASH", secret_hash(&secret, "bob", &client))
        .send()
        .await);
    assert_eq!(code, "NotAuthorizedException");
    app.sdk
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PASSWORD)
        .auth_parameters("SECRET_HASH", secret_hash(&secret, "alice", &client))
        .send()
        .await
        .expect("control: the right SECRET_HASH");
}

async fn code_fresh(app: &TestApp, fx: &Fixture) -> String {
    let cookie = hosted_session(app, &fx.pool, "alice").await;
    code(fx, &fx.c_conf, &cookie, &[]).await
}

#[tokio::test]
async fn sec_17_token_responses_are_not_cached() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    // Token endpoint: success and error.
    let t = pub_tokens(&app, &fx, &[]).await;
    assert_no_store(&t.headers);
    assert_eq!(
        t.headers["content-type"].to_str().unwrap(),
        "application/json;charset=UTF-8"
    );
    let bad = refresh_public(&fx, &fx.c_pub, "garbage").await;
    assert_eq!(bad.error(), "invalid_grant");
    assert_no_store(&bad.headers);
    // Refresh success.
    let r = refresh_public(&fx, &fx.c_pub, &t.str("refresh_token")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_no_store(&r.headers);
    // The authorization redirect carrying a code.
    let cookie = hosted_session(&app, &fx.pool, "alice").await;
    let (_, challenge) = pkce();
    let resp = get(
        &authorize_url(
            &fx,
            &[
                ("response_type", "code"),
                ("client_id", &fx.c_pub),
                ("redirect_uri", CB),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ],
        ),
        Some(&cookie),
    )
    .await;
    assert!(param(&location(&resp).unwrap(), "code").is_some());
    assert_no_store(resp.headers());
    assert_eq!(resp.headers()["referrer-policy"], "no-referrer");
    // userInfo and revoke.
    let resp = user_info(&fx, &t.str("access_token")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_no_store(resp.headers());
    let revoked = post_form(
        &fx,
        "/oauth2/revoke",
        &[("token", &t.str("refresh_token")), ("client_id", &fx.c_pub)],
        None,
    )
    .await;
    assert_eq!(revoked.status, StatusCode::OK);
    assert_no_store(&revoked.headers);
    // The JSON API's token-carrying answers (InitiateAuth here; every operation answers so).
    let resp = http()
        .post(format!("{}/", app.url))
        .header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.InitiateAuth",
        )
        .header("content-type", "application/x-amz-json-1.1")
        .body(
            serde_json::json!({
                "AuthFlow": "REFRESH_TOKEN_AUTH",
                "ClientId": fx.c_pub,
                "AuthParameters": {"REFRESH_TOKEN": "garbage"}
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn sec_18_refresh_tokens_are_bound_to_their_client_and_scope() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let t = pub_tokens(&app, &fx, &[("scope", "openid")]).await;
    let rt = t.str("refresh_token");
    // Another client at the token endpoint.
    let other = refresh_public(&fx, &fx.c_other, &rt).await;
    assert_eq!(other.status, StatusCode::BAD_REQUEST);
    assert_eq!(other.error(), "invalid_grant");
    // Another client through REFRESH_TOKEN_AUTH.
    let (code, _) = err(app
        .sdk
        .initiate_auth()
        .client_id(&fx.c_other)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &rt)
        .send()
        .await);
    assert_eq!(code, "NotAuthorizedException");
    // A wider scope.
    let wider = post_form(
        &fx,
        "/oauth2/token",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &fx.c_pub),
            ("refresh_token", &rt),
            ("scope", "openid email phone aws.cognito.signin.user.admin"),
        ],
        None,
    )
    .await;
    assert_eq!(wider.error(), "invalid_scope");
    // Control: the owner, same scope.
    let ok = refresh_public(&fx, &fx.c_pub, &rt).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(claims(&ok.str("access_token"))["scope"], "openid");
}

#[tokio::test]
async fn sec_19_without_rotation_refresh_tokens_stay_reusable() {
    // Rotation disabled (the Cognito default): a refresh token is reusable until it expires or
    // is revoked, and a refresh never hands out a new one.
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let t = pub_tokens(&app, &fx, &[]).await;
    let rt = t.str("refresh_token");
    for _ in 0..3 {
        app.clock.advance_secs(60);
        let r = refresh_public(&fx, &fx.c_pub, &rt).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        assert!(r.body.get("refresh_token").is_none());
        assert!(r.body.get("id_token").is_some());
    }
    let out = app
        .sdk
        .get_tokens_from_refresh_token()
        .client_id(&fx.c_pub)
        .refresh_token(&rt)
        .send()
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    assert!(out.refresh_token().is_none());
    assert!(out.access_token().is_some());
    // Revocation ends it.
    let revoked = post_form(
        &fx,
        "/oauth2/revoke",
        &[("token", &rt), ("client_id", &fx.c_pub)],
        None,
    )
    .await;
    assert_eq!(revoked.status, StatusCode::OK);
    assert_eq!(
        refresh_public(&fx, &fx.c_pub, &rt).await.error(),
        "invalid_grant"
    );
}

#[tokio::test]
async fn sec_19_rotation_without_grace_revokes_the_family_on_reuse() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let (client, _) = oauth_client_with(&app, &fx.pool, "rotating", false, Some(0)).await;
    let t = tokens_of(
        &app,
        &fx,
        &client,
        &[("scope", "openid aws.cognito.signin.user.admin")],
    )
    .await;
    let rt1 = t.str("refresh_token");
    app.clock.advance_secs(1);
    let r = refresh_public(&fx, &client, &rt1).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let rt2 = r.str("refresh_token");
    assert_ne!(rt1, rt2);
    let at2 = r.str("access_token");
    // The sign-in keeps its origin_jti across rotation.
    assert_eq!(
        claims(&at2)["origin_jti"],
        claims(&t.str("access_token"))["origin_jti"]
    );
    app.clock.advance_secs(1);
    // RT1 is reuse: refused, and the whole family (RT2 and its tokens) dies with it.
    assert_eq!(
        refresh_public(&fx, &client, &rt1).await.error(),
        "invalid_grant"
    );
    assert_eq!(
        refresh_public(&fx, &client, &rt2).await.error(),
        "invalid_grant"
    );
    assert_eq!(
        user_info(&fx, &at2).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (code, message) = err(app.sdk.get_user().access_token(&at2).send().await);
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(message, "Access Token has been revoked");
}

#[tokio::test]
async fn sec_19_rotation_grace_period_then_reuse_detection() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let (client, _) = oauth_client_with(&app, &fx.pool, "rotating", false, Some(10)).await;
    let t = tokens_of(&app, &fx, &client, &[]).await;
    let rt1 = t.str("refresh_token");
    let r = refresh_public(&fx, &client, &rt1).await;
    let rt2 = r.str("refresh_token");
    // Inside the grace period the old token still works and stays in the family.
    app.clock.advance_secs(5);
    let retry = refresh_public(&fx, &client, &rt1).await;
    assert_eq!(retry.status, StatusCode::OK, "{:?}", retry.body);
    let rt3 = retry.str("refresh_token");
    // After it: reuse → refused, and every token of the family is dead.
    app.clock.advance_secs(6);
    assert_eq!(
        refresh_public(&fx, &client, &rt1).await.error(),
        "invalid_grant"
    );
    for rt in [&rt2, &rt3] {
        assert_eq!(
            refresh_public(&fx, &client, rt).await.error(),
            "invalid_grant"
        );
    }
}

#[tokio::test]
async fn sec_19_get_tokens_from_refresh_token_rotates_and_detects_reuse() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let (client, _) = oauth_client_with(&app, &fx.pool, "rotating", false, Some(0)).await;
    let first = admin_login(&app, &fx.pool, &client, "alice", PASSWORD).await;
    let rt1 = first.refresh_token().unwrap().to_string();
    let refresh = |rt: String| {
        let sdk = app.sdk.clone();
        let client = client.clone();
        async move {
            sdk.get_tokens_from_refresh_token()
                .client_id(client)
                .refresh_token(rt)
                .send()
                .await
        }
    };
    let out = refresh(rt1.clone())
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    let rt2 = out
        .refresh_token()
        .expect("a rotated refresh token")
        .to_string();
    assert_ne!(rt1, rt2);
    app.sdk
        .get_user()
        .access_token(out.access_token().unwrap())
        .send()
        .await
        .unwrap();
    app.clock.advance_secs(1);
    let (code, _) = err(refresh(rt1.clone()).await);
    assert_eq!(code, "RefreshTokenReuseException");
    let (code, message) = err(refresh(rt2.clone()).await);
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(message, "Refresh Token has been revoked");
    // An unknown token is just invalid.
    let (code, _) = err(refresh("garbage".into()).await);
    assert_eq!(code, "NotAuthorizedException");
}

#[tokio::test]
async fn sec_20_refresh_tokens_have_an_absolute_lifetime() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let t = pub_tokens(&app, &fx, &[]).await;
    let rt = t.str("refresh_token");
    // Used every day, it still ends 30 days after it was issued.
    for _ in 0..29 {
        app.clock.advance_secs(86_400);
        let r = refresh_public(&fx, &fx.c_pub, &rt).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
    app.clock.advance_secs(86_400 + 1);
    let r = refresh_public(&fx, &fx.c_pub, &rt).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error(), "invalid_grant");
}

#[tokio::test]
async fn sec_20_rotated_refresh_tokens_inherit_the_family_expiry() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let (client, _) = oauth_client_with(&app, &fx.pool, "rotating", false, Some(0)).await;
    let mut rt = tokens_of(&app, &fx, &client, &[])
        .await
        .str("refresh_token");
    for _ in 0..29 {
        app.clock.advance_secs(86_400);
        let r = refresh_public(&fx, &client, &rt).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        rt = r.str("refresh_token");
    }
    app.clock.advance_secs(86_400 + 1);
    let r = refresh_public(&fx, &client, &rt).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error(), "invalid_grant");
}

#[tokio::test]
async fn sec_21_revocation_endpoint() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let s1 = pub_tokens(&app, &fx, &[("scope", ADMIN_SCOPE)]).await;
    let s2 = pub_tokens(&app, &fx, &[("scope", ADMIN_SCOPE)]).await;
    let revoke = |token: String, client: String| {
        let fx = fx.clone();
        async move {
            post_form(
                &fx,
                "/oauth2/revoke",
                &[("token", &token), ("client_id", &client)],
                None,
            )
            .await
        }
    };
    // Revoking S1 kills its refresh token and the access token minted from it.
    let r = revoke(s1.str("refresh_token"), fx.c_pub.clone()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, serde_json::Value::Null, "empty body");
    assert_eq!(
        refresh_public(&fx, &fx.c_pub, &s1.str("refresh_token"))
            .await
            .error(),
        "invalid_grant"
    );
    let (code, message) = err(app
        .sdk
        .get_user()
        .access_token(s1.str("access_token"))
        .send()
        .await);
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(message, "Access Token has been revoked");
    assert_eq!(
        user_info(&fx, &s1.str("access_token")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // S2 is unaffected.
    app.sdk
        .get_user()
        .access_token(s2.str("access_token"))
        .send()
        .await
        .expect("S2 still works");
    // Unknown or garbage tokens: 200 (no validity oracle); revoking twice too.
    assert_eq!(
        revoke("garbage".into(), fx.c_pub.clone()).await.status,
        StatusCode::OK
    );
    assert_eq!(
        revoke(s1.str("refresh_token"), fx.c_pub.clone())
            .await
            .status,
        StatusCode::OK
    );
    // Another client's token: an error, and S2 stays valid.
    let r = revoke(s2.str("refresh_token"), fx.c_other.clone()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error(), "unauthorized_client");
    assert_eq!(
        refresh_public(&fx, &fx.c_pub, &s2.str("refresh_token"))
            .await
            .status,
        StatusCode::OK
    );
    // The same through the JSON API: UnauthorizedException, S2 still valid.
    let (code, _) = err(app
        .sdk
        .revoke_token()
        .client_id(&fx.c_other)
        .token(s2.str("refresh_token"))
        .send()
        .await);
    assert_eq!(code, "UnauthorizedException");
    assert_eq!(
        refresh_public(&fx, &fx.c_pub, &s2.str("refresh_token"))
            .await
            .status,
        StatusCode::OK
    );
    // An access token → unsupported_token_type.
    let r = revoke(s2.str("access_token"), fx.c_pub.clone()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error(), "unsupported_token_type");
    // Missing token → invalid_request; bad client credentials → 401 invalid_client.
    let r = post_form(&fx, "/oauth2/revoke", &[("client_id", &fx.c_pub)], None).await;
    assert_eq!(r.error(), "invalid_request");
    let r = post_form(
        &fx,
        "/oauth2/revoke",
        &[("token", &s2.str("refresh_token"))],
        Some((&fx.c_conf, "wrong")),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.error(), "invalid_client");
    assert!(r.headers.get("www-authenticate").is_some());
}

#[tokio::test]
async fn sec_22_global_sign_out_disable_and_delete() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let s1 = pub_tokens(&app, &fx, &[("scope", ADMIN_SCOPE)]).await;
    let s2 = pub_tokens(&app, &fx, &[("scope", ADMIN_SCOPE)]).await;
    app.sdk
        .global_sign_out()
        .access_token(s1.str("access_token"))
        .send()
        .await
        .unwrap();
    for s in [&s1, &s2] {
        assert_eq!(
            refresh_public(&fx, &fx.c_pub, &s.str("refresh_token"))
                .await
                .error(),
            "invalid_grant"
        );
        let (code, message) = err(app
            .sdk
            .get_user()
            .access_token(s.str("access_token"))
            .send()
            .await);
        assert_eq!(code, "NotAuthorizedException");
        assert_eq!(message, "Access Token has been revoked");
        let resp = user_info(&fx, &s.str("access_token")).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        let challenge = resp.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            challenge.starts_with("Bearer error=\"invalid_token\""),
            "{challenge}"
        );
    }
    // AdminDisableUser: no sign-in, and a live hosted-UI session mints nothing.
    let cookie = hosted_session(&app, &fx.pool, "alice").await;
    app.sdk
        .admin_disable_user()
        .user_pool_id(&fx.pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    let (code, _) = err(app
        .sdk
        .admin_initiate_auth()
        .user_pool_id(&fx.pool)
        .client_id(&fx.c_pub)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await);
    assert_eq!(code, "NotAuthorizedException");
    let (_, challenge) = pkce();
    let silent = authorize_url(
        &fx,
        &[
            ("response_type", "code"),
            ("client_id", &fx.c_pub),
            ("redirect_uri", CB),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("prompt", "none"),
        ],
    );
    let to = location(&get(&silent, Some(&cookie)).await).unwrap();
    assert_eq!(
        param(&to, "error").as_deref(),
        Some("login_required"),
        "{to}"
    );
    assert!(param(&to, "code").is_none());
    // Re-enabling does not revive the session.
    app.sdk
        .admin_enable_user()
        .user_pool_id(&fx.pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    let to = location(&get(&silent, Some(&cookie)).await).unwrap();
    assert_eq!(
        param(&to, "error").as_deref(),
        Some("login_required"),
        "{to}"
    );
    // AdminDeleteUser + AdminCreateUser with the same name → a new sub; old tokens dead.
    let old = admin_login(&app, &fx.pool, &fx.c_pub, "alice", PASSWORD).await;
    let old_sub = claims(old.id_token().unwrap())["sub"].clone();
    app.sdk
        .admin_delete_user()
        .user_pool_id(&fx.pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    confirmed_user(&app, &fx.pool, "alice", PASSWORD).await;
    let new = admin_login(&app, &fx.pool, &fx.c_pub, "alice", PASSWORD).await;
    assert_ne!(claims(new.id_token().unwrap())["sub"], old_sub);
    let (code, _) = err(app
        .sdk
        .get_user()
        .access_token(old.access_token().unwrap())
        .send()
        .await);
    assert_eq!(code, "NotAuthorizedException");
}

async fn api_sessions(app: &TestApp, fx: &Fixture) -> (String, String, String, String) {
    let a = admin_login(app, &fx.pool, &fx.c_pub, "alice", PASSWORD).await;
    let b = admin_login(app, &fx.pool, &fx.c_pub, "alice", PASSWORD).await;
    (
        a.access_token().unwrap().to_string(),
        a.refresh_token().unwrap().to_string(),
        b.access_token().unwrap().to_string(),
        b.refresh_token().unwrap().to_string(),
    )
}

async fn api_refresh(app: &TestApp, fx: &Fixture, rt: &str) -> Result<(), String> {
    app.sdk
        .initiate_auth()
        .client_id(&fx.c_pub)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", rt)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| format!("{e:?}"))
}

async fn hosted_session_is_live(fx: &Fixture, cookie: &str) -> bool {
    let (_, challenge) = pkce();
    let url = authorize_url(
        fx,
        &[
            ("response_type", "code"),
            ("client_id", &fx.c_pub),
            ("redirect_uri", CB),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("prompt", "none"),
        ],
    );
    param(&location(&get(&url, Some(cookie)).await).unwrap(), "code").is_some()
}

#[tokio::test]
async fn sec_23_change_password_ends_the_other_sessions() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let (_, rt_a, at_b, rt_b) = api_sessions(&app, &fx).await;
    let oauth = pub_tokens(&app, &fx, &[]).await;
    let cookie = hosted_session(&app, &fx.pool, "alice").await;
    app.sdk
        .change_password()
        .access_token(&at_b)
        .previous_password(PASSWORD)
        .proposed_password("N3w-Passw0rd!long")
        .send()
        .await
        .unwrap();
    assert!(
        api_refresh(&app, &fx, &rt_a).await.is_err(),
        "device A signed out"
    );
    assert!(
        api_refresh(&app, &fx, &rt_b).await.is_ok(),
        "device B keeps its session"
    );
    app.sdk.get_user().access_token(&at_b).send().await.unwrap();
    assert_eq!(
        refresh_public(&fx, &fx.c_pub, &oauth.str("refresh_token"))
            .await
            .error(),
        "invalid_grant"
    );
    assert!(!hosted_session_is_live(&fx, &cookie).await);
    // Wrong previous passwords count toward the lockout.
    for _ in 0..6 {
        let (code, _) = err(app
            .sdk
            .change_password()
            .access_token(&at_b)
            .previous_password("wrong-password")
            .proposed_password("An0ther-Passw0rd!")
            .send()
            .await);
        assert_eq!(code, "NotAuthorizedException");
    }
    let (code, message) = err(app
        .sdk
        .change_password()
        .access_token(&at_b)
        .previous_password("N3w-Passw0rd!long")
        .proposed_password("An0ther-Passw0rd!")
        .send()
        .await);
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(message, "Password attempts exceeded");
}

#[tokio::test]
async fn sec_23_admin_set_and_reset_and_forgot_password_end_all_sessions() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    // AdminSetUserPassword.
    let (_, rt_a, _, rt_b) = api_sessions(&app, &fx).await;
    let cookie = hosted_session(&app, &fx.pool, "alice").await;
    app.sdk
        .admin_set_user_password()
        .user_pool_id(&fx.pool)
        .username("alice")
        .password("Adm1n-Set-Passw0rd")
        .permanent(true)
        .send()
        .await
        .unwrap();
    assert!(api_refresh(&app, &fx, &rt_a).await.is_err());
    assert!(api_refresh(&app, &fx, &rt_b).await.is_err());
    assert!(!hosted_session_is_live(&fx, &cookie).await);
    // ConfirmForgotPassword.
    let s = admin_login(&app, &fx.pool, &fx.c_pub, "alice", "Adm1n-Set-Passw0rd").await;
    let cookie = hosted_session(&app, &fx.pool, "alice").await;
    app.sdk
        .forgot_password()
        .client_id(&fx.c_pub)
        .username("alice")
        .send()
        .await
        .unwrap();
    let code = app.latest_code("alice").await;
    app.sdk
        .confirm_forgot_password()
        .client_id(&fx.c_pub)
        .username("alice")
        .confirmation_code(code)
        .password("F0rgot-Passw0rd!")
        .send()
        .await
        .unwrap();
    assert!(
        api_refresh(&app, &fx, s.refresh_token().unwrap())
            .await
            .is_err()
    );
    assert!(!hosted_session_is_live(&fx, &cookie).await);
    // AdminResetUserPassword.
    let s = admin_login(&app, &fx.pool, &fx.c_pub, "alice", "F0rgot-Passw0rd!").await;
    let cookie = hosted_session(&app, &fx.pool, "alice").await;
    app.sdk
        .admin_reset_user_password()
        .user_pool_id(&fx.pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert!(
        api_refresh(&app, &fx, s.refresh_token().unwrap())
            .await
            .is_err()
    );
    assert!(!hosted_session_is_live(&fx, &cookie).await);
}
