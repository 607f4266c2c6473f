//! Fault injection through the API (issue 7 acceptance 6): the store fails at its Nth fault
//! point ([`TestApp::fail_at`], the backend's test hook between the statements of a write)
//! while SignUp, AdminCreateUser, ChangePassword and ConfirmForgotPassword run through the real
//! SDK. Every failure is a clean `InternalErrorException` and leaves nothing half done: no user
//! without its code or invitation, no changed password with live sessions, no used-up code.
//! With the hook disarmed the same request then succeeds. Runs on SQLite and, in the
//! PostgreSQL pass, on PostgreSQL.

use cogito_testkit::TestApp;
use cogito_testkit::sdk;
use cogito_testkit::sdk::error::ProvideErrorMetadata;
use cogito_testkit::sdk::types::AuthFlowType as Flow;

use crate::helpers::{admin_login, attr, confirmed_user, err};

const PW: &str = "Passw0rd!";

/// Fault points a use case may have; a loop past this many is a bug in the test.
const MAX_POINTS: i64 = 12;

/// A failed call must be the clean internal error, nothing else.
fn assert_internal<
    T: std::fmt::Debug,
    E: ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
>(
    r: Result<T, sdk::error::SdkError<E, R>>,
    at: i64,
) {
    let (code, message) = err(r);
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("InternalErrorException", "Internal server error"),
        "fault point {at}"
    );
}

async fn user_exists(app: &TestApp, pool: &str, username: &str) -> bool {
    match app
        .sdk
        .admin_get_user()
        .user_pool_id(pool)
        .username(username)
        .send()
        .await
    {
        Ok(_) => true,
        Err(e) if e.code() == Some("UserNotFoundException") => false,
        Err(e) => panic!("{e:?}"),
    }
}

async fn refresh(app: &TestApp, client: &str, token: &str) -> Result<(), String> {
    app.sdk
        .initiate_auth()
        .client_id(client)
        .auth_flow(Flow::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", token)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| e.code().unwrap_or_default().to_string())
}

/// SignUp: at every fault point no user, no code, no message; the username stays free.
#[tokio::test]
async fn a_sign_up_failing_midway_leaves_nothing() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    let sign_up = |username: &str| {
        app.sdk
            .sign_up()
            .client_id(&client)
            .username(username)
            .password(PW)
            .user_attributes(attr("email", &format!("{username}@example.com")))
            .send()
    };
    let mut failures = 0;
    for n in 1..=MAX_POINTS {
        let username = format!("u{n}");
        app.fail_at(n);
        let r = sign_up(&username).await;
        app.fail_at(0);
        if r.is_ok() {
            assert_eq!(app.outbox(&username).await.len(), 1);
            break;
        }
        assert_internal(r, n);
        failures += 1;
        assert!(!user_exists(&app, &pool, &username).await, "fault {n}");
        assert!(app.outbox(&username).await.is_empty(), "fault {n}");
    }
    assert!(failures >= 3, "only {failures} fault points");
    // A username whose sign-up failed is free, and its code confirms it.
    sign_up("u1").await.expect("sign up again");
    let code = app.latest_code("u1").await;
    app.sdk
        .confirm_sign_up()
        .client_id(&client)
        .username("u1")
        .confirmation_code(code)
        .send()
        .await
        .expect("confirm");
}

/// AdminCreateUser: at every fault point no user and no invitation.
#[tokio::test]
async fn an_invitation_failing_midway_leaves_nothing() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let mut failures = 0;
    for n in 1..=MAX_POINTS {
        let username = format!("i{n}");
        app.fail_at(n);
        let r = app
            .sdk
            .admin_create_user()
            .user_pool_id(&pool)
            .username(&username)
            .temporary_password("Temp0rary!pw")
            .desired_delivery_mediums(sdk::types::DeliveryMediumType::Email)
            .user_attributes(attr("email", &format!("{username}@example.com")))
            .send()
            .await;
        app.fail_at(0);
        if r.is_ok() {
            assert_eq!(app.outbox(&username).await.len(), 1);
            break;
        }
        assert_internal(r, n);
        failures += 1;
        assert!(!user_exists(&app, &pool, &username).await, "fault {n}");
        assert!(app.outbox(&username).await.is_empty(), "fault {n}");
    }
    assert!(failures >= 3, "only {failures} fault points");
}

/// Alice, a client, and a second session of hers whose refresh token shows whether a password
/// write ended her other sessions.
struct PasswordFixture {
    app: TestApp,
    pool: String,
    client: String,
    other_refresh: String,
}

impl PasswordFixture {
    async fn new() -> Self {
        let app = TestApp::spawn().await;
        let pool = app.pool("p").await;
        let (client, _) = app.client(&pool, false).await;
        confirmed_user(&app, &pool, "alice", PW).await;
        let other = admin_login(&app, &pool, &client, "alice", PW).await;
        Self {
            other_refresh: other.refresh_token.unwrap(),
            app,
            pool,
            client,
        }
    }

    /// After a password write to `new` at fault point `n`: on success the new password works and
    /// the other session has ended (`true`); on failure it is the clean internal error, the old
    /// password still works and the other session is live (`false`).
    async fn check<T, E, R>(
        &self,
        r: Result<T, sdk::error::SdkError<E, R>>,
        new: &str,
        n: i64,
    ) -> bool
    where
        T: std::fmt::Debug,
        E: ProvideErrorMetadata + std::fmt::Debug,
        R: std::fmt::Debug,
    {
        let (app, pool, client) = (&self.app, &self.pool, &self.client);
        let succeeded = r.is_ok();
        if succeeded {
            admin_login(app, pool, client, "alice", new).await;
        } else {
            assert_internal(r, n);
            admin_login(app, pool, client, "alice", PW).await;
        }
        let expected = if succeeded {
            Err("NotAuthorizedException".to_string())
        } else {
            Ok(())
        };
        assert_eq!(
            refresh(app, client, &self.other_refresh).await,
            expected,
            "fault {n}"
        );
        succeeded
    }
}

/// ChangePassword: at every fault point the old password still works and the user's other
/// sessions are still live; once it succeeds, the other sessions end.
#[tokio::test]
async fn a_password_change_failing_midway_changes_nothing() {
    let f = PasswordFixture::new().await;
    let own = admin_login(&f.app, &f.pool, &f.client, "alice", PW).await;
    let mut failures = 0;
    for n in 1..=MAX_POINTS {
        f.app.fail_at(n);
        let r = f
            .app
            .sdk
            .change_password()
            .access_token(own.access_token.as_deref().unwrap())
            .previous_password(PW)
            .proposed_password("Changed!pw1")
            .send()
            .await;
        f.app.fail_at(0);
        if f.check(r, "Changed!pw1", n).await {
            break;
        }
        failures += 1;
    }
    assert!(failures >= 2, "only {failures} fault points");
}

/// ConfirmForgotPassword: at every fault point the old password still works, the other
/// sessions are live and the code is not used up (the next attempt redeems the same code).
#[tokio::test]
async fn a_password_reset_failing_midway_changes_nothing() {
    let f = PasswordFixture::new().await;
    f.app
        .sdk
        .forgot_password()
        .client_id(&f.client)
        .username("alice")
        .send()
        .await
        .expect("forgot password");
    let code = f.app.latest_code("alice").await;
    let mut failures = 0;
    for n in 1..=MAX_POINTS {
        f.app.fail_at(n);
        let r = f
            .app
            .sdk
            .confirm_forgot_password()
            .client_id(&f.client)
            .username("alice")
            .confirmation_code(&code)
            .password("Reset!pw1")
            .send()
            .await;
        f.app.fail_at(0);
        if f.check(r, "Reset!pw1", n).await {
            break;
        }
        failures += 1;
    }
    assert!(failures >= 2, "only {failures} fault points");
}
