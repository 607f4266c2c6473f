//! Fixes from the security review: users cannot vouch for their own contact details (SEC-46),
//! parallel wrong passwords and codes cannot outrun the lockout and attempt limits (SEC-37,
//! SEC-43), and a challenge answered after the user was disabled signs nobody in.

use cogito_testkit::TestApp;
use cogito_testkit::sdk::types::{AuthFlowType as Flow, ChallengeNameType};

use crate::helpers::{attr, confirmed_user, err};

const PW: &str = "Passw0rd!";

#[tokio::test]
async fn sec_46_sign_up_cannot_mark_the_email_verified() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    for verified in ["email_verified", "phone_number_verified"] {
        let r = app
            .sdk
            .sign_up()
            .client_id(&client)
            .username(format!("mallory-{verified}"))
            .password(PW)
            .user_attributes(attr("email", "victim@example.com"))
            .user_attributes(attr(verified, "true"))
            .send()
            .await;
        assert_eq!(err(r).0, "NotAuthorizedException", "{verified}");
    }
    let users = app
        .sdk
        .list_users()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert!(users.users().is_empty(), "nothing was created");
}

#[tokio::test]
async fn sec_37_parallel_wrong_passwords_cannot_outrun_the_lockout() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let sdk = app.sdk.clone();
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let r = sdk
                .initiate_auth()
                .client_id(client)
                .auth_flow(Flow::UserPasswordAuth)
                .auth_parameters("USERNAME", "alice")
                .auth_parameters("PASSWORD", format!("Wrong{i}!aa"))
                .send()
                .await;
            err(r).1
        }));
    }
    let mut incorrect = 0;
    for t in tasks {
        match t.await.unwrap().as_str() {
            "Incorrect username or password." => incorrect += 1,
            "Password attempts exceeded" => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(
        incorrect, 5,
        "exactly five passwords were checked before the lock"
    );
    let r = app
        .sdk
        .initiate_auth()
        .client_id(&client)
        .auth_flow(Flow::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PW)
        .send()
        .await;
    assert_eq!(err(r).1, "Password attempts exceeded");
}

#[tokio::test]
async fn sec_43_parallel_wrong_codes_cannot_outrun_the_attempt_limit() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    app.sdk
        .sign_up()
        .client_id(&client)
        .username("bob")
        .password(PW)
        .user_attributes(attr("email", "bob@example.com"))
        .send()
        .await
        .unwrap();
    let code = app.latest_code("bob").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let sdk = app.sdk.clone();
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let r = sdk
                .confirm_sign_up()
                .client_id(client)
                .username("bob")
                .confirmation_code(wrong)
                .send()
                .await;
            err(r).0
        }));
    }
    let mut mismatches = 0;
    for t in tasks {
        match t.await.unwrap().as_str() {
            "CodeMismatchException" => mismatches += 1,
            "LimitExceededException" => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(mismatches, 5);
    let r = app
        .sdk
        .confirm_sign_up()
        .client_id(&client)
        .username("bob")
        .confirmation_code(&code)
        .send()
        .await;
    assert_eq!(
        err(r).0,
        "LimitExceededException",
        "the code is spent after five wrong attempts"
    );
}

#[tokio::test]
async fn a_disabled_user_cannot_finish_the_new_password_challenge() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    app.sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("carol")
        .temporary_password("Temp0rary!")
        .send()
        .await
        .unwrap();
    let r = app
        .sdk
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(Flow::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "carol")
        .auth_parameters("PASSWORD", "Temp0rary!")
        .send()
        .await
        .unwrap();
    app.sdk
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("carol")
        .send()
        .await
        .unwrap();
    let r = app
        .sdk
        .admin_respond_to_auth_challenge()
        .user_pool_id(&pool)
        .client_id(&client)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(r.session.unwrap())
        .challenge_responses("USERNAME", "carol")
        .challenge_responses("NEW_PASSWORD", "Brand-n3w!")
        .send()
        .await;
    assert_eq!(
        err(r),
        ("NotAuthorizedException".into(), "User is disabled.".into())
    );
}

#[tokio::test]
async fn sec_19_initiate_auth_refresh_rotates_and_detects_reuse_too() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) =
        crate::oauth_support::oauth_client_with(&app, &pool, "rotating", false, Some(0)).await;
    confirmed_user(&app, &pool, "dave", PW).await;
    let first = crate::helpers::admin_login(&app, &pool, &client, "dave", PW).await;
    let rt1 = first.refresh_token.unwrap();
    let refresh = |token: String| {
        let sdk = app.sdk.clone();
        let client = client.clone();
        async move {
            sdk.initiate_auth()
                .client_id(client)
                .auth_flow(Flow::RefreshTokenAuth)
                .auth_parameters("REFRESH_TOKEN", token)
                .send()
                .await
        }
    };
    let r = refresh(rt1.clone())
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    let rt2 = r
        .refresh_token
        .expect("a rotating client gets a new refresh token");
    assert_ne!(rt1, rt2);
    app.clock.advance_secs(1);
    // The rotated-out token after the grace period: reuse, and the sign-in is revoked.
    assert_eq!(err(refresh(rt1).await).0, "RefreshTokenReuseException");
    assert_eq!(err(refresh(rt2).await).1, "Refresh Token has been revoked");
}

#[tokio::test]
async fn tokens_signed_before_a_key_rotation_keep_working() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "erin", PW).await;
    let before = crate::helpers::admin_login(&app, &pool, &client, "erin", PW).await;
    app.state.core.keys.create_for_pool(&pool).await.unwrap();
    app.state.core.keys.forget(&pool);
    let jwks: serde_json::Value = reqwest::get(format!("{}/{pool}/.well-known/jwks.json", app.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        jwks["keys"].as_array().unwrap().len(),
        4,
        "retired keys stay published"
    );
    let old = before.access_token.unwrap();
    app.sdk
        .get_user()
        .access_token(&old)
        .send()
        .await
        .expect("old token still accepted");
    let after = crate::helpers::admin_login(&app, &pool, &client, "erin", PW).await;
    let kid = |t: &str| {
        let h = t.split('.').next().unwrap();
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(h)
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()["kid"].clone()
    };
    assert_ne!(
        kid(&old),
        kid(after.access_token.as_deref().unwrap()),
        "new tokens use the new key"
    );
}
