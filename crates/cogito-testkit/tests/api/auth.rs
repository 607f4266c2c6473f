//! Sign-in: ADMIN_USER_PASSWORD_AUTH / ADMIN_NO_SRP_AUTH / USER_PASSWORD_AUTH, refresh,
//! NEW_PASSWORD_REQUIRED, SECRET_HASH, status gates, existence-error prevention, lockout.

use cogito_testkit::TestApp;
use cogito_testkit::sdk::error::SdkError;
use cogito_testkit::sdk::operation::admin_initiate_auth::AdminInitiateAuthOutput;
use cogito_testkit::sdk::operation::admin_respond_to_auth_challenge::{
    AdminRespondToAuthChallengeError, AdminRespondToAuthChallengeOutput,
};
use cogito_testkit::sdk::operation::create_user_pool_client::builders::CreateUserPoolClientFluentBuilder;
use cogito_testkit::sdk::operation::initiate_auth::{InitiateAuthError, InitiateAuthOutput};
use cogito_testkit::sdk::types::{
    AttributeDataType, AuthFlowType as Flow, AuthenticationResultType, ChallengeNameType,
    ExplicitAuthFlowsType, MessageActionType, PreventUserExistenceErrorTypes, SchemaAttributeType,
    TimeUnitsType, TokenValidityUnitsType, UserPoolClientType, UserStatusType,
    UsernameAttributeType,
};

use crate::helpers::{admin_login, attr, confirmed_user, err, secret_hash};

const PW: &str = "Passw0rd!";

#[tokio::test]
async fn admin_password_sign_in_issues_three_tokens() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let r = admin_login(&app, &pool, &client, "alice", PW).await;
    assert!(r.access_token.is_some() && r.id_token.is_some() && r.refresh_token.is_some());
    assert_eq!(r.token_type.as_deref(), Some("Bearer"));
    assert_eq!(r.expires_in, 3600);
}

#[tokio::test]
async fn wrong_password_is_refused() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let r = app
        .sdk
        .initiate_auth()
        .client_id(&client)
        .auth_flow(Flow::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", "Wrong0rd!")
        .send()
        .await;
    assert_eq!(
        err(r),
        (
            "NotAuthorizedException".into(),
            "Incorrect username or password.".into()
        )
    );
}

#[tokio::test]
async fn invited_user_must_set_a_new_password() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    app.sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("bob")
        .temporary_password("Temp0rary!")
        .send()
        .await
        .unwrap();
    let r = app
        .sdk
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(Flow::AdminNoSrpAuth)
        .auth_parameters("USERNAME", "bob")
        .auth_parameters("PASSWORD", "Temp0rary!")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.challenge_name,
        Some(ChallengeNameType::NewPasswordRequired)
    );
    let session = r.session.unwrap();
    let done = app
        .sdk
        .admin_respond_to_auth_challenge()
        .user_pool_id(&pool)
        .client_id(&client)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(session)
        .challenge_responses("USERNAME", "bob")
        .challenge_responses("NEW_PASSWORD", "Brand-n3w!")
        .send()
        .await
        .unwrap();
    assert!(done.authentication_result.unwrap().access_token.is_some());
    let u = app
        .sdk
        .admin_get_user()
        .user_pool_id(&pool)
        .username("bob")
        .send()
        .await
        .unwrap();
    assert_eq!(u.user_status.unwrap().as_str(), "CONFIRMED");
}

// ---- helpers (local to this module) ----

type Resp = cogito_testkit::sdk::config::http::HttpResponse;
type InitResult = Result<InitiateAuthOutput, SdkError<InitiateAuthError, Resp>>;
type ClientBuilder = CreateUserPoolClientFluentBuilder;

/// `InitiateAuth(USER_PASSWORD_AUTH)`, optionally with a `SECRET_HASH`.
async fn user_password(
    app: &TestApp,
    client: &str,
    username: &str,
    password: &str,
    hash: Option<&str>,
) -> InitResult {
    let mut req = app
        .sdk
        .initiate_auth()
        .client_id(client)
        .auth_flow(Flow::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password);
    if let Some(h) = hash {
        req = req.auth_parameters("SECRET_HASH", h);
    }
    req.send().await
}

/// `InitiateAuth(REFRESH_TOKEN_AUTH)` through the public API.
async fn refresh(app: &TestApp, client: &str, token: &str) -> InitResult {
    app.sdk
        .initiate_auth()
        .client_id(client)
        .auth_flow(Flow::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", token)
        .send()
        .await
}

/// Creates a client customised by `f`; returns it.
async fn client_with(
    app: &TestApp,
    pool: &str,
    f: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> UserPoolClientType {
    let b = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("custom");
    f(b).send()
        .await
        .expect("create client")
        .user_pool_client
        .expect("client")
}

/// A client allowing the password and refresh flows, customised by `f`.
async fn password_client(
    app: &TestApp,
    pool: &str,
    f: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> UserPoolClientType {
    client_with(app, pool, |b| {
        f(
            b.explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
                .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
                .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth),
        )
    })
    .await
}

/// Pool + password client + confirmed `alice`.
async fn setup(app: &TestApp) -> (String, String) {
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(app, &pool, "alice", PW).await;
    (pool, client)
}

fn tokens(r: InitResult) -> AuthenticationResultType {
    r.expect("sign-in").authentication_result.expect("tokens")
}

fn not_authorized(msg: &str) -> (String, String) {
    ("NotAuthorizedException".into(), msg.into())
}

/// A user in `FORCE_CHANGE_PASSWORD` (invited with an e-mail); returns the challenge output.
async fn invited(
    app: &TestApp,
    pool: &str,
    client: &str,
    username: &str,
) -> AdminInitiateAuthOutput {
    app.sdk
        .admin_create_user()
        .user_pool_id(pool)
        .username(username)
        .temporary_password("Temp0rary!")
        .user_attributes(attr("email", &format!("{username}@example.com")))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    app.sdk
        .admin_initiate_auth()
        .user_pool_id(pool)
        .client_id(client)
        .auth_flow(Flow::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", "Temp0rary!")
        .send()
        .await
        .unwrap()
}

async fn answer_new_password(
    app: &TestApp,
    pool: &str,
    client: &str,
    session: &str,
    username: &str,
    password: &str,
) -> Result<AdminRespondToAuthChallengeOutput, SdkError<AdminRespondToAuthChallengeError, Resp>> {
    app.sdk
        .admin_respond_to_auth_challenge()
        .user_pool_id(pool)
        .client_id(client)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(session)
        .challenge_responses("USERNAME", username)
        .challenge_responses("NEW_PASSWORD", password)
        .send()
        .await
}

// ---- flows ----

#[tokio::test]
async fn every_password_flow_signs_in() {
    let app = TestApp::spawn().await;
    let (pool, client) = setup(&app).await;
    let admin = admin_login(&app, &pool, &client, "alice", PW).await;
    assert!(admin.id_token.is_some() && admin.refresh_token.is_some());
    let legacy = app
        .sdk
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(Flow::AdminNoSrpAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PW)
        .send()
        .await
        .unwrap();
    assert!(legacy.challenge_name.is_none());
    let legacy = legacy.authentication_result.expect("tokens");
    assert!(
        legacy.access_token.is_some()
            && legacy.id_token.is_some()
            && legacy.refresh_token.is_some()
    );
    let public = tokens(user_password(&app, &client, "alice", PW, None).await);
    assert!(
        public.access_token.is_some()
            && public.id_token.is_some()
            && public.refresh_token.is_some()
    );
    assert_eq!(public.token_type.as_deref(), Some("Bearer"));
    // The access token works for a token-authorised call.
    let me = app
        .sdk
        .get_user()
        .access_token(public.access_token.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(me.username, "alice");
}

#[tokio::test]
async fn admin_flow_through_public_initiate_auth_is_not_supported() {
    let app = TestApp::spawn().await;
    let (_pool, client) = setup(&app).await;
    for flow in [Flow::AdminUserPasswordAuth, Flow::AdminNoSrpAuth] {
        let r = app
            .sdk
            .initiate_auth()
            .client_id(&client)
            .auth_flow(flow)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PASSWORD", PW)
            .send()
            .await;
        assert_eq!(
            err(r),
            (
                "InvalidParameterException".into(),
                "Initiate Auth method not supported.".into()
            )
        );
    }
}

#[tokio::test]
async fn flow_not_enabled_for_the_client_is_refused() {
    let app = TestApp::spawn().await;
    let (pool, _) = setup(&app).await;
    let c = client_with(&app, &pool, |b| {
        b.explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
    })
    .await;
    let client = c.client_id.unwrap();
    let r = user_password(&app, &client, "alice", PW, None).await;
    assert_eq!(
        err(r),
        (
            "InvalidParameterException".into(),
            "USER_PASSWORD_AUTH flow not enabled for this client".into()
        )
    );
    let r = app
        .sdk
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(Flow::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PW)
        .send()
        .await;
    assert_eq!(
        err(r),
        (
            "InvalidParameterException".into(),
            "ADMIN_USER_PASSWORD_AUTH flow not enabled for this client".into()
        )
    );
}

// ---- status gates and existence errors ----

#[tokio::test]
async fn unknown_user_error_follows_prevent_user_existence_errors() {
    let app = TestApp::spawn().await;
    let (pool, legacy) = setup(&app).await;
    let enabled = password_client(&app, &pool, |b| {
        b.prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
    })
    .await
    .client_id
    .unwrap();
    let r = user_password(&app, &enabled, "nobody", PW, None).await;
    assert_eq!(err(r), not_authorized("Incorrect username or password."));
    let r = app
        .sdk
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&enabled)
        .auth_flow(Flow::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "nobody")
        .auth_parameters("PASSWORD", PW)
        .send()
        .await;
    assert_eq!(err(r), not_authorized("Incorrect username or password."));
    let r = user_password(&app, &legacy, "nobody", PW, None).await;
    assert_eq!(
        err(r),
        (
            "UserNotFoundException".into(),
            "User does not exist.".into()
        )
    );
    let explicit_legacy = password_client(&app, &pool, |b| {
        b.prevent_user_existence_errors(PreventUserExistenceErrorTypes::Legacy)
    })
    .await
    .client_id
    .unwrap();
    let r = user_password(&app, &explicit_legacy, "nobody", PW, None).await;
    assert_eq!(
        err(r),
        (
            "UserNotFoundException".into(),
            "User does not exist.".into()
        )
    );
}

#[tokio::test]
async fn unconfirmed_user_cannot_sign_in() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    app.sdk
        .sign_up()
        .client_id(&client)
        .username("carol")
        .password(PW)
        .user_attributes(attr("email", "carol@example.com"))
        .send()
        .await
        .unwrap();
    let r = user_password(&app, &client, "carol", PW, None).await;
    assert_eq!(
        err(r),
        (
            "UserNotConfirmedException".into(),
            "User is not confirmed.".into()
        )
    );
    let r = app
        .sdk
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(Flow::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "carol")
        .auth_parameters("PASSWORD", PW)
        .send()
        .await;
    assert_eq!(
        err(r),
        (
            "UserNotConfirmedException".into(),
            "User is not confirmed.".into()
        )
    );
}

#[tokio::test]
async fn disabled_user_cannot_sign_in() {
    let app = TestApp::spawn().await;
    let (pool, client) = setup(&app).await;
    app.sdk
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    let r = user_password(&app, &client, "alice", PW, None).await;
    assert_eq!(err(r), not_authorized("User is disabled."));
    app.sdk
        .admin_enable_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    tokens(user_password(&app, &client, "alice", PW, None).await);
}

// ---- SECRET_HASH ----

#[tokio::test]
async fn secret_client_requires_a_correct_secret_hash() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, secret) = app.client(&pool, true).await;
    let secret = secret.expect("client secret");
    confirmed_user(&app, &pool, "alice", PW).await;
    let r = user_password(&app, &client, "alice", PW, None).await;
    assert_eq!(
        err(r),
        not_authorized(&format!(
            "Client {client} is configured for secret but secret was not received"
        ))
    );
    let wrong = secret_hash("not-the-secret", "alice", &client);
    let r = user_password(&app, &client, "alice", PW, Some(&wrong)).await;
    assert_eq!(
        err(r),
        not_authorized(&format!("Unable to verify secret hash for client {client}"))
    );
    // A hash over another username does not verify either.
    let other = secret_hash(&secret, "bob", &client);
    let r = user_password(&app, &client, "alice", PW, Some(&other)).await;
    assert_eq!(
        err(r),
        not_authorized(&format!("Unable to verify secret hash for client {client}"))
    );
    let right = secret_hash(&secret, "alice", &client);
    let t = tokens(user_password(&app, &client, "alice", PW, Some(&right)).await);
    assert!(t.access_token.is_some() && t.refresh_token.is_some());
    // Admin flow on a secret client needs it too.
    let r = app
        .sdk
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(Flow::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PW)
        .send()
        .await;
    assert_eq!(
        err(r),
        not_authorized(&format!(
            "Client {client} is configured for secret but secret was not received"
        ))
    );
    // Refresh on a secret client: hash over the internal username.
    let refreshed = app
        .sdk
        .initiate_auth()
        .client_id(&client)
        .auth_flow(Flow::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", t.refresh_token.clone().unwrap())
        .auth_parameters("SECRET_HASH", &right)
        .send()
        .await
        .unwrap();
    assert!(
        refreshed
            .authentication_result
            .unwrap()
            .access_token
            .is_some()
    );
    let r = refresh(&app, &client, t.refresh_token.as_deref().unwrap()).await;
    assert_eq!(
        err(r),
        not_authorized(&format!(
            "Client {client} is configured for secret but secret was not received"
        ))
    );
}

// ---- lockout (reference §8.4) ----

async fn fail(app: &TestApp, client: &str, expect: &str) {
    let r = user_password(app, client, "alice", "Wrong-pa55!", None).await;
    assert_eq!(err(r), not_authorized(expect));
}

#[tokio::test]
async fn five_failures_lock_the_account_until_the_lock_expires() {
    let app = TestApp::spawn().await;
    let (_pool, client) = setup(&app).await;
    for _ in 0..5 {
        fail(&app, &client, "Incorrect username or password.").await;
    }
    // Locked for 1 s: even the right password is refused, and so is a wrong one.
    let r = user_password(&app, &client, "alice", PW, None).await;
    assert_eq!(err(r), not_authorized("Password attempts exceeded"));
    fail(&app, &client, "Password attempts exceeded").await;
    app.clock.advance_ms(500);
    let r = user_password(&app, &client, "alice", PW, None).await;
    assert_eq!(err(r), not_authorized("Password attempts exceeded"));
    app.clock.advance_ms(600);
    tokens(user_password(&app, &client, "alice", PW, None).await);
}

#[tokio::test]
async fn the_lock_doubles_with_further_failures() {
    let app = TestApp::spawn().await;
    let (_pool, client) = setup(&app).await;
    for _ in 0..5 {
        fail(&app, &client, "Incorrect username or password.").await;
    }
    app.clock.advance_secs(1);
    // Sixth failure: 2 s lock.
    fail(&app, &client, "Incorrect username or password.").await;
    app.clock.advance_ms(1500);
    let r = user_password(&app, &client, "alice", PW, None).await;
    assert_eq!(err(r), not_authorized("Password attempts exceeded"));
    app.clock.advance_ms(600);
    // Seventh failure: 4 s lock (attempts during the lock did not count or extend it).
    fail(&app, &client, "Incorrect username or password.").await;
    app.clock.advance_ms(3500);
    let r = user_password(&app, &client, "alice", PW, None).await;
    assert_eq!(err(r), not_authorized("Password attempts exceeded"));
    app.clock.advance_ms(600);
    tokens(user_password(&app, &client, "alice", PW, None).await);
}

#[tokio::test]
async fn failure_counter_resets_after_fifteen_quiet_minutes() {
    let app = TestApp::spawn().await;
    let (_pool, client) = setup(&app).await;
    for _ in 0..5 {
        fail(&app, &client, "Incorrect username or password.").await;
    }
    let r = user_password(&app, &client, "alice", PW, None).await;
    assert_eq!(err(r), not_authorized("Password attempts exceeded"));
    app.clock.advance_secs(15 * 60 + 1);
    // Counter reset: this failure is the first again, so no lock follows it.
    fail(&app, &client, "Incorrect username or password.").await;
    tokens(user_password(&app, &client, "alice", PW, None).await);
}

#[tokio::test]
async fn a_successful_sign_in_resets_the_failure_counter() {
    let app = TestApp::spawn().await;
    let (_pool, client) = setup(&app).await;
    for _ in 0..4 {
        fail(&app, &client, "Incorrect username or password.").await;
    }
    tokens(user_password(&app, &client, "alice", PW, None).await);
    fail(&app, &client, "Incorrect username or password.").await;
    tokens(user_password(&app, &client, "alice", PW, None).await);
}

// ---- refresh ----

#[tokio::test]
async fn refresh_issues_new_tokens_without_a_new_refresh_token() {
    let app = TestApp::spawn().await;
    let (pool, client) = setup(&app).await;
    let first = admin_login(&app, &pool, &client, "alice", PW).await;
    let rt = first.refresh_token.clone().unwrap();
    app.clock.advance_secs(5);
    let r = tokens(refresh(&app, &client, &rt).await);
    assert!(
        r.refresh_token.is_none(),
        "refresh must not return a refresh token"
    );
    assert!(r.access_token.is_some() && r.id_token.is_some());
    assert_ne!(r.access_token, first.access_token);
    assert_eq!(r.expires_in, 3600);
    assert_eq!(r.token_type.as_deref(), Some("Bearer"));
    // The legacy alias, through the admin API.
    let r = app
        .sdk
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(Flow::RefreshToken)
        .auth_parameters("REFRESH_TOKEN", &rt)
        .send()
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    assert!(r.refresh_token.is_none());
    let me = app
        .sdk
        .get_user()
        .access_token(r.access_token.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(me.username, "alice");
}

#[tokio::test]
async fn refresh_with_another_clients_id_or_garbage_is_invalid() {
    let app = TestApp::spawn().await;
    let (pool, client) = setup(&app).await;
    let (other, _) = app.client(&pool, false).await;
    let rt = admin_login(&app, &pool, &client, "alice", PW)
        .await
        .refresh_token
        .unwrap();
    let r = refresh(&app, &other, &rt).await;
    assert_eq!(err(r), not_authorized("Invalid Refresh Token"));
    let r = refresh(&app, &client, "not-a-refresh-token").await;
    assert_eq!(err(r), not_authorized("Invalid Refresh Token"));
    // The right client still works.
    tokens(refresh(&app, &client, &rt).await);
}

#[tokio::test]
async fn expired_refresh_token_is_refused() {
    let app = TestApp::spawn().await;
    let (pool, client) = setup(&app).await;
    let rt = admin_login(&app, &pool, &client, "alice", PW)
        .await
        .refresh_token
        .unwrap();
    app.clock.advance_secs(29 * 86_400);
    tokens(refresh(&app, &client, &rt).await);
    app.clock.advance_secs(2 * 86_400);
    let (code, _) = err(refresh(&app, &client, &rt).await);
    assert_eq!(code, "NotAuthorizedException");
}

// ---- revocation ----

#[tokio::test]
async fn revoke_token_revokes_that_sign_in_only() {
    let app = TestApp::spawn().await;
    let (pool, client) = setup(&app).await;
    let first = admin_login(&app, &pool, &client, "alice", PW).await;
    let second = admin_login(&app, &pool, &client, "alice", PW).await;
    let rt1 = first.refresh_token.clone().unwrap();
    // An access token minted by refresh from the first sign-in.
    let refreshed = tokens(refresh(&app, &client, &rt1).await);
    app.sdk
        .revoke_token()
        .client_id(&client)
        .token(&rt1)
        .send()
        .await
        .unwrap();
    let r = refresh(&app, &client, &rt1).await;
    assert_eq!(err(r), not_authorized("Refresh Token has been revoked"));
    for at in [first.access_token.unwrap(), refreshed.access_token.unwrap()] {
        let r = app.sdk.get_user().access_token(at).send().await;
        assert_eq!(err(r), not_authorized("Access Token has been revoked"));
    }
    // The second sign-in is unaffected.
    let me = app
        .sdk
        .get_user()
        .access_token(second.access_token.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(me.username, "alice");
    tokens(refresh(&app, &client, second.refresh_token.as_deref().unwrap()).await);
    // Revoking again (or an unknown token) is not an error.
    app.sdk
        .revoke_token()
        .client_id(&client)
        .token(&rt1)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn revoke_token_refuses_access_tokens() {
    let app = TestApp::spawn().await;
    let (pool, client) = setup(&app).await;
    let t = admin_login(&app, &pool, &client, "alice", PW).await;
    let r = app
        .sdk
        .revoke_token()
        .client_id(&client)
        .token(t.access_token.clone().unwrap())
        .send()
        .await;
    assert_eq!(err(r).0, "UnsupportedTokenTypeException");
    // Nothing was revoked.
    app.sdk
        .get_user()
        .access_token(t.access_token.unwrap())
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn revoke_token_needs_revocation_enabled_on_the_client() {
    let app = TestApp::spawn().await;
    let (pool, _) = setup(&app).await;
    let c = password_client(&app, &pool, |b| b.enable_token_revocation(false)).await;
    assert_eq!(c.enable_token_revocation, Some(false));
    let client = c.client_id.unwrap();
    let t = admin_login(&app, &pool, &client, "alice", PW).await;
    let rt = t.refresh_token.unwrap();
    let r = app
        .sdk
        .revoke_token()
        .client_id(&client)
        .token(&rt)
        .send()
        .await;
    assert_eq!(err(r).0, "UnsupportedOperationException");
    tokens(refresh(&app, &client, &rt).await);
}

#[tokio::test]
async fn revoke_token_checks_the_client_secret() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, secret) = app.client(&pool, true).await;
    let secret = secret.unwrap();
    confirmed_user(&app, &pool, "alice", PW).await;
    let hash = secret_hash(&secret, "alice", &client);
    let t = tokens(user_password(&app, &client, "alice", PW, Some(&hash)).await);
    let rt = t.refresh_token.unwrap();
    let r = app
        .sdk
        .revoke_token()
        .client_id(&client)
        .client_secret("wrongSecretWrongSecretWrongSecret0123")
        .token(&rt)
        .send()
        .await;
    assert_eq!(err(r).0, "UnauthorizedException");
    let r = app
        .sdk
        .revoke_token()
        .client_id(&client)
        .token(&rt)
        .send()
        .await;
    assert_eq!(err(r).0, "UnauthorizedException");
    app.sdk
        .revoke_token()
        .client_id(&client)
        .client_secret(&secret)
        .token(&rt)
        .send()
        .await
        .unwrap();
    let r = app
        .sdk
        .initiate_auth()
        .client_id(&client)
        .auth_flow(Flow::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &rt)
        .auth_parameters("SECRET_HASH", &hash)
        .send()
        .await;
    assert_eq!(err(r), not_authorized("Refresh Token has been revoked"));
}

#[tokio::test]
async fn admin_user_global_sign_out_revokes_every_sign_in() {
    let app = TestApp::spawn().await;
    let (pool, client) = setup(&app).await;
    let a = admin_login(&app, &pool, &client, "alice", PW).await;
    let b = admin_login(&app, &pool, &client, "alice", PW).await;
    app.sdk
        .admin_user_global_sign_out()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    for t in [&a, &b] {
        let r = refresh(&app, &client, t.refresh_token.as_deref().unwrap()).await;
        assert_eq!(err(r), not_authorized("Refresh Token has been revoked"));
        let r = app
            .sdk
            .get_user()
            .access_token(t.access_token.clone().unwrap())
            .send()
            .await;
        assert_eq!(err(r), not_authorized("Access Token has been revoked"));
    }
    // A new sign-in afterwards works.
    let c = admin_login(&app, &pool, &client, "alice", PW).await;
    tokens(refresh(&app, &client, c.refresh_token.as_deref().unwrap()).await);
}

// ---- NEW_PASSWORD_REQUIRED ----

#[tokio::test]
async fn new_password_challenge_parameters_are_json_strings() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    let r = invited(&app, &pool, &client, "bob").await;
    assert_eq!(
        r.challenge_name,
        Some(ChallengeNameType::NewPasswordRequired)
    );
    assert!(r.authentication_result.is_none());
    let session = r.session.expect("session");
    assert!((20..=4096).contains(&session.len()));
    let p = r.challenge_parameters.expect("challenge parameters");
    assert_eq!(p.get("USER_ID_FOR_SRP").map(String::as_str), Some("bob"));
    let required: serde_json::Value =
        serde_json::from_str(&p["requiredAttributes"]).expect("JSON array");
    assert_eq!(required, serde_json::json!([]));
    let attrs: serde_json::Value = serde_json::from_str(&p["userAttributes"]).expect("JSON object");
    assert_eq!(attrs["email"], "bob@example.com");
    assert!(
        attrs
            .as_object()
            .unwrap()
            .values()
            .all(serde_json::Value::is_string)
    );
}

#[tokio::test]
async fn required_attributes_are_listed_in_the_challenge() {
    let app = TestApp::spawn().await;
    let pool = app
        .sdk
        .create_user_pool()
        .pool_name("req")
        .schema(
            SchemaAttributeType::builder()
                .name("name")
                .attribute_data_type(AttributeDataType::String)
                .required(true)
                .mutable(true)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let (client, _) = app.client(&pool, false).await;
    let r = invited(&app, &pool, &client, "bob").await;
    let p = r.challenge_parameters.unwrap();
    let required: serde_json::Value = serde_json::from_str(&p["requiredAttributes"]).unwrap();
    assert_eq!(required, serde_json::json!(["userAttributes.name"]));
    let done = app
        .sdk
        .admin_respond_to_auth_challenge()
        .user_pool_id(&pool)
        .client_id(&client)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(r.session.unwrap())
        .challenge_responses("USERNAME", "bob")
        .challenge_responses("NEW_PASSWORD", "Brand-n3w!")
        .challenge_responses("userAttributes.name", "Bob")
        .send()
        .await
        .unwrap();
    assert!(done.authentication_result.unwrap().access_token.is_some());
}

#[tokio::test]
async fn weak_new_password_is_refused_and_the_session_can_be_retried() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    let session = invited(&app, &pool, &client, "bob").await.session.unwrap();
    let r = answer_new_password(&app, &pool, &client, &session, "bob", "weak").await;
    assert_eq!(err(r).0, "InvalidPasswordException");
    let done = answer_new_password(&app, &pool, &client, &session, "bob", "Brand-n3w!")
        .await
        .unwrap();
    assert!(done.challenge_name.is_none());
    assert!(done.authentication_result.unwrap().refresh_token.is_some());
    // The session was single-use.
    let r = answer_new_password(&app, &pool, &client, &session, "bob", "Other-n3w!").await;
    assert_eq!(err(r).0, "NotAuthorizedException");
    let u = app
        .sdk
        .admin_get_user()
        .user_pool_id(&pool)
        .username("bob")
        .send()
        .await
        .unwrap();
    assert_eq!(u.user_status, Some(UserStatusType::Confirmed));
    tokens(user_password(&app, &client, "bob", "Brand-n3w!", None).await);
}

#[tokio::test]
async fn unknown_or_foreign_session_is_refused() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    let (other, _) = app.client(&pool, false).await;
    let session = invited(&app, &pool, &client, "bob").await.session.unwrap();
    let bogus = "x".repeat(64);
    let r = answer_new_password(&app, &pool, &client, &bogus, "bob", "Brand-n3w!").await;
    assert_eq!(err(r).0, "NotAuthorizedException");
    // A session started by another client.
    let r = answer_new_password(&app, &pool, &other, &session, "bob", "Brand-n3w!").await;
    assert_eq!(err(r).0, "NotAuthorizedException");
}

#[tokio::test]
async fn expired_session_is_refused() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    let session = invited(&app, &pool, &client, "bob").await.session.unwrap();
    app.clock.advance_secs(3 * 60 + 1);
    let r = answer_new_password(&app, &pool, &client, &session, "bob", "Brand-n3w!").await;
    assert_eq!(
        err(r),
        not_authorized("Invalid session for the user, session is expired.")
    );
    // The public RespondToAuthChallenge behaves the same.
    let session = app
        .sdk
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(Flow::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "bob")
        .auth_parameters("PASSWORD", "Temp0rary!")
        .send()
        .await
        .unwrap()
        .session
        .unwrap();
    app.clock.advance_secs(3 * 60 + 1);
    let r = app
        .sdk
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(&session)
        .challenge_responses("USERNAME", "bob")
        .challenge_responses("NEW_PASSWORD", "Brand-n3w!")
        .send()
        .await;
    assert_eq!(
        err(r),
        not_authorized("Invalid session for the user, session is expired.")
    );
}

#[tokio::test]
async fn the_lock_is_capped_at_fifteen_minutes() {
    let app = TestApp::spawn().await;
    let (_pool, client) = setup(&app).await;
    for _ in 0..5 {
        fail(&app, &client, "Incorrect username or password.").await;
    }
    // Failures 6..=15 after each lock (1 s, 2 s, ... 512 s) has expired.
    for n in 5..15 {
        app.clock.advance_secs(1 << (n - 5));
        fail(&app, &client, "Incorrect username or password.").await;
    }
    // 2^10 s would exceed the cap: the lock is 15 minutes.
    app.clock.advance_secs(15 * 60 - 1);
    let r = user_password(&app, &client, "alice", PW, None).await;
    assert_eq!(err(r), not_authorized("Password attempts exceeded"));
    app.clock.advance_secs(1);
    tokens(user_password(&app, &client, "alice", PW, None).await);
}

#[tokio::test]
async fn disabling_a_user_revokes_its_tokens_for_good() {
    let app = TestApp::spawn().await;
    let (pool, client) = setup(&app).await;
    let t = admin_login(&app, &pool, &client, "alice", PW).await;
    app.sdk
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    let (code, _) = err(refresh(&app, &client, t.refresh_token.as_deref().unwrap()).await);
    assert_eq!(code, "NotAuthorizedException");
    app.sdk
        .admin_enable_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    let r = refresh(&app, &client, t.refresh_token.as_deref().unwrap()).await;
    assert_eq!(err(r), not_authorized("Refresh Token has been revoked"));
    let r = app
        .sdk
        .get_user()
        .access_token(t.access_token.unwrap())
        .send()
        .await;
    assert_eq!(err(r), not_authorized("Access Token has been revoked"));
}

#[tokio::test]
async fn revoke_token_through_another_client_revokes_nothing() {
    let app = TestApp::spawn().await;
    let (pool, client) = setup(&app).await;
    let (other, _) = app.client(&pool, false).await;
    let t = admin_login(&app, &pool, &client, "alice", PW).await;
    let rt = t.refresh_token.unwrap();
    let _ = app
        .sdk
        .revoke_token()
        .client_id(&other)
        .token(&rt)
        .send()
        .await;
    tokens(refresh(&app, &client, &rt).await);
    app.sdk
        .get_user()
        .access_token(t.access_token.unwrap())
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn email_username_pool_secret_hash_uses_the_typed_name_then_the_internal_one() {
    let app = TestApp::spawn().await;
    let pool = app
        .sdk
        .create_user_pool()
        .pool_name("by-email")
        .username_attributes(UsernameAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let (client, secret) = app.client(&pool, true).await;
    let secret = secret.unwrap();
    let email = "alice@example.com";
    confirmed_user_with_email(&app, &pool, email).await;
    let internal = app
        .sdk
        .admin_get_user()
        .user_pool_id(&pool)
        .username(email)
        .send()
        .await
        .unwrap()
        .username;
    assert_ne!(internal, email);
    let t = tokens(
        user_password(
            &app,
            &client,
            email,
            PW,
            Some(&secret_hash(&secret, email, &client)),
        )
        .await,
    );
    // Refresh: the hash is computed over the internal username.
    let r = app
        .sdk
        .initiate_auth()
        .client_id(&client)
        .auth_flow(Flow::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", t.refresh_token.clone().unwrap())
        .auth_parameters("SECRET_HASH", secret_hash(&secret, &internal, &client))
        .send()
        .await
        .unwrap();
    assert!(r.authentication_result.unwrap().access_token.is_some());
    let me = app
        .sdk
        .get_user()
        .access_token(t.access_token.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(me.username, internal);
}

async fn confirmed_user_with_email(app: &TestApp, pool: &str, email: &str) {
    app.sdk
        .admin_create_user()
        .user_pool_id(pool)
        .username(email)
        .user_attributes(attr("email", email))
        .user_attributes(attr("email_verified", "true"))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    app.sdk
        .admin_set_user_password()
        .user_pool_id(pool)
        .username(email)
        .password(PW)
        .permanent(true)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn session_lifetime_follows_auth_session_validity() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let client = password_client(&app, &pool, |b| b.auth_session_validity(10))
        .await
        .client_id
        .unwrap();
    let session = invited(&app, &pool, &client, "bob").await.session.unwrap();
    app.clock.advance_secs(9 * 60);
    let done = answer_new_password(&app, &pool, &client, &session, "bob", "Brand-n3w!")
        .await
        .unwrap();
    assert!(done.authentication_result.is_some());
    app.sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("carl")
        .temporary_password("Temp0rary!")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    let session = app
        .sdk
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(Flow::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "carl")
        .auth_parameters("PASSWORD", "Temp0rary!")
        .send()
        .await
        .unwrap()
        .session
        .unwrap();
    app.clock.advance_secs(10 * 60 + 1);
    let r = answer_new_password(&app, &pool, &client, &session, "carl", "Brand-n3w!").await;
    assert_eq!(
        err(r),
        not_authorized("Invalid session for the user, session is expired.")
    );
}

#[tokio::test]
async fn refresh_lifetime_follows_the_client_setting() {
    let app = TestApp::spawn().await;
    let (pool, _) = setup(&app).await;
    let client = password_client(&app, &pool, |b| {
        b.refresh_token_validity(60).token_validity_units(
            TokenValidityUnitsType::builder()
                .refresh_token(TimeUnitsType::Minutes)
                .build(),
        )
    })
    .await
    .client_id
    .unwrap();
    let rt = admin_login(&app, &pool, &client, "alice", PW)
        .await
        .refresh_token
        .unwrap();
    app.clock.advance_secs(59 * 60);
    tokens(refresh(&app, &client, &rt).await);
    app.clock.advance_secs(2 * 60);
    let (code, _) = err(refresh(&app, &client, &rt).await);
    assert_eq!(code, "NotAuthorizedException");
}

#[tokio::test]
async fn expired_temporary_password_is_refused() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    app.sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("bob")
        .temporary_password("Temp0rary!")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    app.clock.advance_secs(8 * 86_400);
    let r = app
        .sdk
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(Flow::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "bob")
        .auth_parameters("PASSWORD", "Temp0rary!")
        .send()
        .await;
    assert_eq!(
        err(r),
        not_authorized("Temporary password has expired and must be reset by an administrator.")
    );
}

/// The admin flows need the SigV4-signed `AdminInitiateAuth`: a `UserPoolId` slipped into the
/// unsigned `InitiateAuth` grants nothing.
#[tokio::test]
async fn a_pool_id_in_initiate_auth_does_not_make_the_caller_an_admin() {
    let app = TestApp::spawn().await;
    let (pool, client) = setup(&app).await;
    for flow in ["ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"] {
        let resp = reqwest::Client::new()
            .post(&app.url)
            .header("content-type", "application/x-amz-json-1.1")
            .header(
                "x-amz-target",
                "AWSCognitoIdentityProviderService.InitiateAuth",
            )
            .body(
                serde_json::json!({
                    "UserPoolId": pool,
                    "ClientId": client,
                    "AuthFlow": flow,
                    "AuthParameters": {"USERNAME": "alice", "PASSWORD": PW},
                })
                .to_string(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400);
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["__type"], "InvalidParameterException", "{body}");
        assert_eq!(
            body["message"], "Initiate Auth method not supported.",
            "{body}"
        );
    }
}
