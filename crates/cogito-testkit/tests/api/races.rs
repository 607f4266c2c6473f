//! Races through the real SDK (security bar REL-20…REL-24, SEC-37, SEC-43): parallel requests
//! on one user never undo an acknowledged change, single-use things are used once, and limits
//! hold exactly. Each of these failed before the store applied changes field by field under the
//! row's lock (issue 7).

use cogito_testkit::TestApp;
use cogito_testkit::sdk::error::ProvideErrorMetadata;
use cogito_testkit::sdk::types::{AuthFlowType as Flow, FeatureType, RefreshTokenRotationType};

use crate::helpers::{admin_login, attr, confirmed_user, err};

const PW: &str = "Passw0rd!";

async fn sign_in(app: &TestApp, client: &str, user: &str, pw: &str) -> Result<(), String> {
    app.sdk
        .initiate_auth()
        .client_id(client)
        .auth_flow(Flow::UserPasswordAuth)
        .auth_parameters("USERNAME", user)
        .auth_parameters("PASSWORD", pw)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| e.message().unwrap_or_default().to_string())
}

/// REL-24: every acknowledged ChangePassword holds although a second session keeps updating
/// attributes at the same time.
#[tokio::test]
async fn rel_24_change_password_racing_attribute_updates_is_never_reverted() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let changer = admin_login(&app, &pool, &client, "alice", PW).await;
    let updater = admin_login(&app, &pool, &client, "alice", PW).await;
    let token = updater.access_token.unwrap();
    let sdk = app.sdk.clone();
    let spam = tokio::spawn(async move {
        for i in 0..40 {
            let _ = sdk
                .update_user_attributes()
                .access_token(&token)
                .user_attributes(attr("name", &format!("n{i}")))
                .send()
                .await;
        }
    });
    let own = changer.access_token.unwrap();
    let mut current = PW.to_string();
    for i in 0..8 {
        let next = format!("Changed{i}!pw");
        app.sdk
            .change_password()
            .access_token(&own)
            .previous_password(&current)
            .proposed_password(&next)
            .send()
            .await
            .expect("change password");
        current = next;
    }
    spam.await.unwrap();
    assert_eq!(sign_in(&app, &client, "alice", &current).await, Ok(()));
    for old in [PW.to_string(), "Changed6!pw".to_string()] {
        assert_eq!(
            sign_in(&app, &client, "alice", &old).await,
            Err("Incorrect username or password.".into()),
            "{old} must no longer work"
        );
    }
}

/// REL-24: AdminDisableUser racing attribute updates leaves the user disabled, every time.
#[tokio::test]
async fn rel_24_disable_racing_attribute_updates_stays_disabled() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    confirmed_user(&app, &pool, "alice", PW).await;
    for run in 0..10 {
        app.sdk
            .admin_enable_user()
            .user_pool_id(&pool)
            .username("alice")
            .send()
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for i in 0..4 {
            let (sdk, pool) = (app.sdk.clone(), pool.clone());
            tasks.push(tokio::spawn(async move {
                sdk.admin_update_user_attributes()
                    .user_pool_id(pool)
                    .username("alice")
                    .user_attributes(attr("name", &format!("r{run}-{i}")))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("{e:?}"))
            }));
        }
        let (sdk, p) = (app.sdk.clone(), pool.clone());
        tasks.push(tokio::spawn(async move {
            sdk.admin_disable_user()
                .user_pool_id(p)
                .username("alice")
                .send()
                .await
                .map(|_| ())
                .map_err(|e| format!("{e:?}"))
        }));
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let u = app
            .sdk
            .admin_get_user()
            .user_pool_id(&pool)
            .username("alice")
            .send()
            .await
            .unwrap();
        assert!(!u.enabled, "run {run}: the acknowledged disable was undone");
    }
}

/// REL-22: 20 parallel refreshes of one rotating refresh token (grace 0) give exactly one new
/// token pair. The family invariant holds: at most one live refresh token. (A loser that looks
/// the token up after the winner rotated it presents a rotated-out token, which is reuse and
/// revokes the family, SEC-19; one that loses the compare-and-swap is refused.)
#[tokio::test]
async fn rel_22_parallel_rotations_of_one_refresh_token_succeed_once() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let client = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("rotating")
        .explicit_auth_flows(
            cogito_testkit::sdk::types::ExplicitAuthFlowsType::AllowAdminUserPasswordAuth,
        )
        .explicit_auth_flows(
            cogito_testkit::sdk::types::ExplicitAuthFlowsType::AllowRefreshTokenAuth,
        )
        .refresh_token_rotation(
            RefreshTokenRotationType::builder()
                .feature(FeatureType::Enabled)
                .retry_grace_period_seconds(0)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    confirmed_user(&app, &pool, "alice", PW).await;
    let refresh = admin_login(&app, &pool, &client, "alice", PW)
        .await
        .refresh_token
        .unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (sdk, client, refresh) = (app.sdk.clone(), client.clone(), refresh.clone());
            tokio::spawn(async move {
                sdk.get_tokens_from_refresh_token()
                    .client_id(client)
                    .refresh_token(refresh)
                    .send()
                    .await
                    .ok()
                    .and_then(|r| r.authentication_result)
                    .and_then(|a| a.refresh_token)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for t in tasks {
        if let Some(new) = t.await.unwrap() {
            winners.push(new);
        }
    }
    assert_eq!(winners.len(), 1, "exactly one rotation wins");
    let old = app
        .sdk
        .get_tokens_from_refresh_token()
        .client_id(&client)
        .refresh_token(&refresh)
        .send()
        .await;
    let (code, _) = err(old);
    assert!(
        ["NotAuthorizedException", "RefreshTokenReuseException"].contains(&code.as_str()),
        "the presented token is dead: {code}"
    );
    match app
        .sdk
        .get_tokens_from_refresh_token()
        .client_id(&client)
        .refresh_token(&winners[0])
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) => assert_eq!(e.message(), Some("Refresh Token has been revoked")),
    }
}

/// REL-23: 20 parallel ConfirmSignUp with the right code: one success.
#[tokio::test]
async fn rel_23_parallel_confirmations_of_one_code_succeed_once() {
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
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (sdk, client, code) = (app.sdk.clone(), client.clone(), code.clone());
            tokio::spawn(async move {
                sdk.confirm_sign_up()
                    .client_id(client)
                    .username("bob")
                    .confirmation_code(code)
                    .send()
                    .await
                    .is_ok()
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        ok += usize::from(t.await.unwrap());
    }
    assert_eq!(ok, 1);
}

/// REL-23: 20 parallel ConfirmForgotPassword with the right code and 20 passwords: one wins,
/// and the password that works is the winner's.
#[tokio::test]
async fn rel_23_parallel_password_resets_with_one_code_succeed_once() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    app.sdk
        .forgot_password()
        .client_id(&client)
        .username("alice")
        .send()
        .await
        .unwrap();
    let code = app.latest_code("alice").await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (sdk, client, code) = (app.sdk.clone(), client.clone(), code.clone());
            tokio::spawn(async move {
                let pw = format!("Reset{i:02}!pw");
                sdk.confirm_forgot_password()
                    .client_id(client)
                    .username("alice")
                    .confirmation_code(code)
                    .password(&pw)
                    .send()
                    .await
                    .ok()
                    .map(|_| pw)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for t in tasks {
        winners.extend(t.await.unwrap());
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    assert_eq!(sign_in(&app, &client, "alice", &winners[0]).await, Ok(()));
}

/// REL-20: 20 parallel SignUps of one username (mixed case, case-insensitive pool): one user.
#[tokio::test]
async fn rel_20_parallel_sign_ups_of_one_username_create_one_user() {
    let app = TestApp::spawn().await;
    let pool = app
        .sdk
        .create_user_pool()
        .pool_name("p")
        .auto_verified_attributes(cogito_testkit::sdk::types::VerifiedAttributeType::Email)
        .username_configuration(
            cogito_testkit::sdk::types::UsernameConfigurationType::builder()
                .case_sensitive(false)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .and_then(|p| p.id)
        .unwrap();
    let (client, _) = app.client(&pool, false).await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (sdk, client) = (app.sdk.clone(), client.clone());
            let name = ["dup", "Dup", "DUP"][i % 3];
            tokio::spawn(async move {
                sdk.sign_up()
                    .client_id(client)
                    .username(name)
                    .password(PW)
                    .user_attributes(attr("email", &format!("dup{i}@example.com")))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| e.code().unwrap_or_default().to_string())
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => ok += 1,
            Err(code) => assert_eq!(code, "UsernameExistsException"),
        }
    }
    assert_eq!(ok, 1);
    let users = app
        .sdk
        .list_users()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(users.users().len(), 1);
    // Exactly one code went out: the losers wrote nothing, not even a message.
    let all = app
        .state
        .core
        .outbox(&cogito_core::store::OutboxQuery {
            pool_id: Some(pool.clone()),
            username: None,
            limit: 100,
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
}

/// SEC-43: ForgotPassword → 5 wrong guesses → ForgotPassword … cannot lift the per-user hourly
/// cap on reset attempts: at most 10 requests and entries per hour in all; the next hour opens
/// again.
#[tokio::test]
async fn sec_43_forgot_password_cycles_cannot_lift_the_hourly_cap() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let mut guesses = 0;
    let mut limited = false;
    'cycles: for _ in 0..5 {
        let r = app
            .sdk
            .forgot_password()
            .client_id(&client)
            .username("alice")
            .send()
            .await;
        if let Err(e) = r {
            assert_eq!(e.code(), Some("LimitExceededException"));
            limited = true;
            break;
        }
        for g in 0..5 {
            let r = app
                .sdk
                .confirm_forgot_password()
                .client_id(&client)
                .username("alice")
                .confirmation_code(format!("{:06}", 100_000 + g))
                .password("Guessed1!pw")
                .send()
                .await;
            match err(r).0.as_str() {
                "CodeMismatchException" => guesses += 1,
                "LimitExceededException" => {
                    limited = true;
                    break 'cycles;
                }
                other => panic!("{other}"),
            }
        }
    }
    assert!(limited, "the cap was reached");
    assert!(guesses <= 9, "{guesses} guesses in one hour");
    // The right code is refused too while the cap holds …
    let r = app
        .sdk
        .forgot_password()
        .client_id(&client)
        .username("alice")
        .send()
        .await;
    assert_eq!(err(r).0, "LimitExceededException");
    // … and the next hour allows resets again.
    app.clock.advance_secs(3600);
    app.sdk
        .forgot_password()
        .client_id(&client)
        .username("alice")
        .send()
        .await
        .expect("a new hour");
    let code = app.latest_code("alice").await;
    app.sdk
        .confirm_forgot_password()
        .client_id(&client)
        .username("alice")
        .confirmation_code(code)
        .password("Recovered1!pw")
        .send()
        .await
        .expect("reset with the right code");
}
