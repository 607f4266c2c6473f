//! Self-registration and recovery: `SignUp`, `ConfirmSignUp`, `ResendConfirmationCode`,
//! `ForgotPassword`, `ConfirmForgotPassword`, `AdminConfirmSignUp` (reference §5.10, §8.3,
//! §8.7, §8.11).

use cogito_testkit::TestApp;
use cogito_testkit::sdk;
use sdk::types::{
    AdminCreateUserConfigType, AttributeDataType, AuthFlowType as Flow, DeliveryMediumType,
    ExplicitAuthFlowsType as F, PreventUserExistenceErrorTypes, SchemaAttributeType,
    UsernameAttributeType,
};

use crate::helpers::{admin_login, attr, err, secret_hash};

const PW: &str = "Passw0rd!";
const NEW_PW: &str = "N3w-passw0rd";

/// Signs `username` up with `{username}@example.com`.
async fn sign_up(
    app: &TestApp,
    client: &str,
    username: &str,
) -> sdk::operation::sign_up::SignUpOutput {
    app.sdk
        .sign_up()
        .client_id(client)
        .username(username)
        .password(PW)
        .user_attributes(attr("email", &format!("{username}@example.com")))
        .send()
        .await
        .expect("sign up")
}

async fn confirm(
    app: &TestApp,
    client: &str,
    username: &str,
    code: &str,
) -> Result<(), (String, String)> {
    let r = app
        .sdk
        .confirm_sign_up()
        .client_id(client)
        .username(username)
        .confirmation_code(code)
        .send()
        .await;
    match r {
        Ok(_) => Ok(()),
        Err(_) => Err(err(r)),
    }
}

/// `(UserStatus, attribute value)` of a user, through `AdminGetUser`.
async fn status_and(
    app: &TestApp,
    pool: &str,
    username: &str,
    name: &str,
) -> (String, Option<String>) {
    let u = app
        .sdk
        .admin_get_user()
        .user_pool_id(pool)
        .username(username)
        .send()
        .await
        .expect("get user");
    let value = u
        .user_attributes()
        .iter()
        .find(|a| a.name() == name)
        .and_then(|a| a.value().map(str::to_owned));
    (u.user_status().expect("status").as_str().to_owned(), value)
}

async fn login_error(
    app: &TestApp,
    pool: &str,
    client: &str,
    username: &str,
    password: &str,
) -> (String, String) {
    err(app
        .sdk
        .admin_initiate_auth()
        .user_pool_id(pool)
        .client_id(client)
        .auth_flow(Flow::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password)
        .send()
        .await)
}

/// A pool plus a client whose `PreventUserExistenceErrors` is set.
async fn client_with_prevention(
    app: &TestApp,
    pool: &str,
    prevention: PreventUserExistenceErrorTypes,
) -> String {
    app.sdk
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("prevention")
        .explicit_auth_flows(F::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(F::AllowRefreshTokenAuth)
        .prevent_user_existence_errors(prevention)
        .send()
        .await
        .expect("client")
        .user_pool_client
        .and_then(|c| c.client_id)
        .expect("client id")
}

async fn forgot(
    app: &TestApp,
    client: &str,
    username: &str,
) -> sdk::types::CodeDeliveryDetailsType {
    app.sdk
        .forgot_password()
        .client_id(client)
        .username(username)
        .send()
        .await
        .expect("forgot password")
        .code_delivery_details
        .expect("delivery details")
}

async fn confirm_forgot(
    app: &TestApp,
    client: &str,
    username: &str,
    code: &str,
    password: &str,
) -> Result<(), (String, String)> {
    let r = app
        .sdk
        .confirm_forgot_password()
        .client_id(client)
        .username(username)
        .confirmation_code(code)
        .password(password)
        .send()
        .await;
    match r {
        Ok(_) => Ok(()),
        Err(_) => Err(err(r)),
    }
}

/// A signed-up and confirmed user (e-mail verified by the code).
async fn registered(app: &TestApp, client: &str, username: &str) {
    sign_up(app, client, username).await;
    let code = app.latest_code(username).await;
    confirm(app, client, username, &code)
        .await
        .expect("confirm");
}

fn exp(code: &str, message: &str) -> (String, String) {
    (code.to_owned(), message.to_owned())
}

#[tokio::test]
async fn sign_up_creates_an_unconfirmed_user_and_sends_a_masked_code() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    let out = sign_up(&app, &client, "alice").await;
    assert!(!out.user_confirmed());
    assert!(uuid_like(out.user_sub()), "UserSub {:?}", out.user_sub());
    let d = out.code_delivery_details().expect("delivery details");
    assert_eq!(d.destination(), Some("a***@e***"));
    assert_eq!(d.delivery_medium(), Some(&DeliveryMediumType::Email));
    assert_eq!(d.attribute_name(), Some("email"));

    let (status, verified) = status_and(&app, &pool, "alice", "email_verified").await;
    assert_eq!(status, "UNCONFIRMED");
    assert_ne!(verified.as_deref(), Some("true"));
    let (_, sub) = status_and(&app, &pool, "alice", "sub").await;
    assert_eq!(sub.as_deref(), Some(out.user_sub()));

    let msgs = app.outbox("alice").await;
    assert_eq!(msgs.len(), 1);
    let code = msgs[0].code.clone().expect("code");
    assert_eq!(code.len(), 6);
    assert!(code.chars().all(|c| c.is_ascii_digit()));
    assert_eq!(msgs[0].destination, "alice@example.com");
    assert!(msgs[0].body.contains(&code));
    assert_eq!(
        login_error(&app, &pool, &client, "alice", PW).await,
        exp("UserNotConfirmedException", "User is not confirmed.")
    );
}

fn uuid_like(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && s.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

#[tokio::test]
async fn the_outbox_code_confirms_the_user_and_verifies_the_email() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    sign_up(&app, &client, "alice").await;
    let code = app.latest_code("alice").await;
    confirm(&app, &client, "alice", &code).await.unwrap();
    assert_eq!(
        status_and(&app, &pool, "alice", "email_verified").await,
        ("CONFIRMED".into(), Some("true".into()))
    );
    let tokens = admin_login(&app, &pool, &client, "alice", PW).await;
    assert!(tokens.access_token.is_some());
}

#[tokio::test]
async fn a_wrong_code_is_a_mismatch() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    sign_up(&app, &client, "alice").await;
    let code = app.latest_code("alice").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(
        confirm(&app, &client, "alice", wrong).await.unwrap_err(),
        exp(
            "CodeMismatchException",
            "Invalid verification code provided, please try again."
        )
    );
    assert_eq!(
        status_and(&app, &pool, "alice", "email_verified").await.0,
        "UNCONFIRMED"
    );
    // The right code still works afterwards.
    confirm(&app, &client, "alice", &code).await.unwrap();
}

#[tokio::test]
async fn a_sign_up_code_expires_after_24_hours() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    sign_up(&app, &client, "alice").await;
    let code = app.latest_code("alice").await;
    app.clock.advance_secs(25 * 3600);
    assert_eq!(
        confirm(&app, &client, "alice", &code).await.unwrap_err(),
        exp(
            "ExpiredCodeException",
            "Invalid code provided, please request a code again."
        )
    );
    assert_eq!(
        status_and(&app, &pool, "alice", "sub").await.0,
        "UNCONFIRMED"
    );
}

#[tokio::test]
async fn a_sign_up_code_is_still_valid_just_before_24_hours() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    sign_up(&app, &client, "alice").await;
    let code = app.latest_code("alice").await;
    app.clock.advance_secs(23 * 3600 + 59 * 60);
    confirm(&app, &client, "alice", &code).await.unwrap();
}

#[tokio::test]
async fn confirming_twice_is_refused() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    sign_up(&app, &client, "alice").await;
    let code = app.latest_code("alice").await;
    confirm(&app, &client, "alice", &code).await.unwrap();
    assert_eq!(
        confirm(&app, &client, "alice", &code).await.unwrap_err(),
        exp(
            "NotAuthorizedException",
            "User cannot be confirmed. Current status is CONFIRMED"
        )
    );
}

#[tokio::test]
async fn confirming_an_unknown_user_follows_existence_error_prevention() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let legacy = client_with_prevention(&app, &pool, PreventUserExistenceErrorTypes::Legacy).await;
    let enabled =
        client_with_prevention(&app, &pool, PreventUserExistenceErrorTypes::Enabled).await;
    assert_eq!(
        confirm(&app, &legacy, "ghost", "123456").await.unwrap_err(),
        exp("UserNotFoundException", "User does not exist.")
    );
    // As an unconfirmed user with a wrong code (reference §8.11, SEC-38).
    assert_eq!(
        confirm(&app, &enabled, "ghost", "123456")
            .await
            .unwrap_err()
            .0,
        "CodeMismatchException"
    );
}

#[tokio::test]
async fn a_taken_username_is_refused() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    sign_up(&app, &client, "alice").await;
    let r = app
        .sdk
        .sign_up()
        .client_id(&client)
        .username("alice")
        .password(PW)
        .user_attributes(attr("email", "other@example.com"))
        .send()
        .await;
    assert_eq!(
        err(r),
        exp("UsernameExistsException", "User already exists")
    );
}

async fn weak_password(password: &str) -> (String, String) {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    let r = app
        .sdk
        .sign_up()
        .client_id(&client)
        .username("alice")
        .password(password)
        .user_attributes(attr("email", "alice@example.com"))
        .send()
        .await;
    let e = err(r);
    // Nothing was created.
    let got = app
        .sdk
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await;
    assert_eq!(err(got).0, "UserNotFoundException");
    e
}

fn policy(reason: &str) -> (String, String) {
    exp(
        "InvalidPasswordException",
        &format!("Password did not conform with policy: {reason}"),
    )
}

#[tokio::test]
async fn a_short_password_is_refused() {
    assert_eq!(
        weak_password("Pa0!").await,
        policy("Password not long enough")
    );
}

#[tokio::test]
async fn a_password_without_uppercase_is_refused() {
    assert_eq!(
        weak_password("passw0rd!").await,
        policy("Password must have uppercase characters")
    );
}

#[tokio::test]
async fn a_password_without_lowercase_is_refused() {
    assert_eq!(
        weak_password("PASSW0RD!").await,
        policy("Password must have lowercase characters")
    );
}

#[tokio::test]
async fn a_password_without_numbers_is_refused() {
    assert_eq!(
        weak_password("Password!").await,
        policy("Password must have numeric characters")
    );
}

#[tokio::test]
async fn a_password_without_symbols_is_refused() {
    assert_eq!(
        weak_password("Passw0rdd").await,
        policy("Password must have symbol characters")
    );
}

#[tokio::test]
async fn a_password_with_a_space_fails_the_model_pattern() {
    // `PasswordType` is `[\S]+` in the service model, so the policy never sees a space.
    let (code, message) = weak_password("Pass w0rd!").await;
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        message,
        "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\S]+"
    );
}

#[tokio::test]
async fn a_missing_required_attribute_is_refused() {
    let app = TestApp::spawn().await;
    let pool = app
        .sdk
        .create_user_pool()
        .pool_name("required")
        .schema(
            SchemaAttributeType::builder()
                .name("email")
                .attribute_data_type(AttributeDataType::String)
                .required(true)
                .mutable(true)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .and_then(|p| p.id)
        .unwrap();
    let (client, _) = app.client(&pool, false).await;
    let r = app
        .sdk
        .sign_up()
        .client_id(&client)
        .username("alice")
        .password(PW)
        .send()
        .await;
    assert_eq!(
        err(r),
        exp(
            "InvalidParameterException",
            "Attributes did not conform to the schema: email: The attribute is required"
        )
    );
    // With the attribute it works.
    app.sdk
        .sign_up()
        .client_id(&client)
        .username("alice")
        .password(PW)
        .user_attributes(attr("email", "alice@example.com"))
        .send()
        .await
        .unwrap();
}

async fn email_username_pool(app: &TestApp) -> String {
    app.sdk
        .create_user_pool()
        .pool_name("by-email")
        .username_attributes(UsernameAttributeType::Email)
        .auto_verified_attributes(sdk::types::VerifiedAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool
        .and_then(|p| p.id)
        .unwrap()
}

#[tokio::test]
async fn an_email_username_pool_uses_the_sub_as_internal_username() {
    let app = TestApp::spawn().await;
    let pool = email_username_pool(&app).await;
    let (client, _) = app.client(&pool, false).await;
    let out = app
        .sdk
        .sign_up()
        .client_id(&client)
        .username("alice@example.com")
        .password(PW)
        .send()
        .await
        .unwrap();
    let sub = out.user_sub().to_owned();
    assert_eq!(
        out.code_delivery_details().and_then(|d| d.destination()),
        Some("a***@e***")
    );

    let u = app
        .sdk
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(u.username(), sub);
    let email = u
        .user_attributes()
        .iter()
        .find(|a| a.name() == "email")
        .and_then(|a| a.value());
    assert_eq!(email, Some("alice@example.com"));

    // The code went to the internal username's outbox; confirming by e-mail works.
    let code = app.latest_code(&sub).await;
    confirm(&app, &client, "alice@example.com", &code)
        .await
        .unwrap();
    let tokens = admin_login(&app, &pool, &client, "alice@example.com", PW).await;
    assert!(tokens.access_token.is_some());
    let me = app
        .sdk
        .get_user()
        .access_token(tokens.access_token.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(me.username(), sub);
}

#[tokio::test]
async fn an_email_username_pool_refuses_other_usernames() {
    let app = TestApp::spawn().await;
    let pool = email_username_pool(&app).await;
    let (client, _) = app.client(&pool, false).await;
    let r = app
        .sdk
        .sign_up()
        .client_id(&client)
        .username("alice")
        .password(PW)
        .send()
        .await;
    assert_eq!(
        err(r),
        exp(
            "InvalidParameterException",
            "Username should be either an email or a phone number."
        )
    );
}

#[tokio::test]
async fn an_email_username_pool_refuses_a_taken_email() {
    let app = TestApp::spawn().await;
    let pool = email_username_pool(&app).await;
    let (client, _) = app.client(&pool, false).await;
    app.sdk
        .sign_up()
        .client_id(&client)
        .username("alice@example.com")
        .password(PW)
        .send()
        .await
        .unwrap();
    let r = app
        .sdk
        .sign_up()
        .client_id(&client)
        .username("alice@example.com")
        .password(PW)
        .send()
        .await;
    assert_eq!(
        err(r),
        exp(
            "UsernameExistsException",
            "An account with the given email already exists."
        )
    );
}

#[tokio::test]
async fn resending_the_confirmation_code_replaces_the_old_one() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    sign_up(&app, &client, "alice").await;
    let old = app.latest_code("alice").await;
    let mut new = old.clone();
    // Codes are random; resend until the new one differs (a collision is one in a million).
    while new == old {
        let r = app
            .sdk
            .resend_confirmation_code()
            .client_id(&client)
            .username("alice")
            .send()
            .await
            .unwrap();
        let d = r.code_delivery_details.expect("delivery details");
        assert_eq!(d.destination(), Some("a***@e***"));
        assert_eq!(d.delivery_medium(), Some(&DeliveryMediumType::Email));
        new = app.latest_code("alice").await;
    }
    assert!(app.outbox("alice").await.len() >= 2);
    assert_eq!(
        confirm(&app, &client, "alice", &old).await.unwrap_err().0,
        "CodeMismatchException"
    );
    confirm(&app, &client, "alice", &new).await.unwrap();
    assert_eq!(status_and(&app, &pool, "alice", "sub").await.0, "CONFIRMED");
}

#[tokio::test]
async fn forgot_password_resets_the_password() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    registered(&app, &client, "alice").await;
    let d = forgot(&app, &client, "alice").await;
    assert_eq!(d.destination(), Some("a***@e***"));
    assert_eq!(d.delivery_medium(), Some(&DeliveryMediumType::Email));
    assert_eq!(d.attribute_name(), Some("email"));
    let code = app.latest_code("alice").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(
        confirm_forgot(&app, &client, "alice", wrong, NEW_PW)
            .await
            .unwrap_err()
            .0,
        "CodeMismatchException"
    );
    confirm_forgot(&app, &client, "alice", &code, NEW_PW)
        .await
        .unwrap();
    assert!(
        admin_login(&app, &pool, &client, "alice", NEW_PW)
            .await
            .access_token
            .is_some()
    );
    assert_eq!(
        login_error(&app, &pool, &client, "alice", PW).await,
        exp("NotAuthorizedException", "Incorrect username or password.")
    );
    // The code was used up.
    assert_eq!(
        confirm_forgot(&app, &client, "alice", &code, "An0ther-pw")
            .await
            .unwrap_err()
            .0,
        "ExpiredCodeException"
    );
}

#[tokio::test]
async fn confirm_forgot_password_checks_the_policy() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    registered(&app, &client, "alice").await;
    forgot(&app, &client, "alice").await;
    let code = app.latest_code("alice").await;
    let (kind, message) = confirm_forgot(&app, &client, "alice", &code, "weak")
        .await
        .unwrap_err();
    assert_eq!(kind, "InvalidPasswordException");
    assert!(message.contains("Password not long enough"), "{message}");
    // The refused attempt did not use the code up.
    confirm_forgot(&app, &client, "alice", &code, NEW_PW)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_forgot_password_code_expires_after_one_hour() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    registered(&app, &client, "alice").await;
    forgot(&app, &client, "alice").await;
    let code = app.latest_code("alice").await;
    app.clock.advance_secs(3601);
    assert_eq!(
        confirm_forgot(&app, &client, "alice", &code, NEW_PW)
            .await
            .unwrap_err(),
        exp(
            "ExpiredCodeException",
            "Invalid code provided, please request a code again."
        )
    );
    assert!(
        admin_login(&app, &pool, &client, "alice", PW)
            .await
            .access_token
            .is_some()
    );
}

#[tokio::test]
async fn a_forgot_password_code_works_within_the_hour() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    registered(&app, &client, "alice").await;
    forgot(&app, &client, "alice").await;
    let code = app.latest_code("alice").await;
    app.clock.advance_secs(59 * 60);
    confirm_forgot(&app, &client, "alice", &code, NEW_PW)
        .await
        .unwrap();
}

#[tokio::test]
async fn forgot_password_for_an_unknown_user_with_prevention_enabled_fakes_a_delivery() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let client = client_with_prevention(&app, &pool, PreventUserExistenceErrorTypes::Enabled).await;
    let d = forgot(&app, &client, "ghost").await;
    assert_eq!(d.delivery_medium(), Some(&DeliveryMediumType::Email));
    assert_eq!(d.attribute_name(), Some("email"));
    assert!(d.destination().is_some_and(|s| s.contains("***")), "{d:?}");
    let d = forgot(&app, &client, "ghost@example.com").await;
    assert_eq!(d.destination(), Some("g***@e***"));
    assert!(app.outbox("ghost").await.is_empty());
    assert!(app.outbox("ghost@example.com").await.is_empty());
    // Confirming for the unknown user does not reveal it either.
    assert_eq!(
        confirm_forgot(&app, &client, "ghost", "123456", NEW_PW)
            .await
            .unwrap_err()
            .0,
        "CodeMismatchException"
    );
}

#[tokio::test]
async fn forgot_password_for_an_unknown_user_with_legacy_errors_says_so() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let client = client_with_prevention(&app, &pool, PreventUserExistenceErrorTypes::Legacy).await;
    let r = app
        .sdk
        .forgot_password()
        .client_id(&client)
        .username("ghost")
        .send()
        .await;
    assert_eq!(err(r), exp("UserNotFoundException", "User does not exist."));
    assert_eq!(
        confirm_forgot(&app, &client, "ghost", "123456", NEW_PW)
            .await
            .unwrap_err(),
        exp("UserNotFoundException", "User does not exist.")
    );
}

#[tokio::test]
async fn forgot_password_needs_a_verified_contact() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    sign_up(&app, &client, "alice").await;
    // Confirmed by an administrator: the e-mail stays unverified.
    app.sdk
        .admin_confirm_sign_up()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    let r = app
        .sdk
        .forgot_password()
        .client_id(&client)
        .username("alice")
        .send()
        .await;
    assert_eq!(
        err(r),
        exp(
            "InvalidParameterException",
            "Cannot reset password for the user as there is no registered/verified email or phone_number"
        )
    );
}

#[tokio::test]
async fn forgot_password_for_a_disabled_user_depends_on_prevention() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let legacy = client_with_prevention(&app, &pool, PreventUserExistenceErrorTypes::Legacy).await;
    let enabled =
        client_with_prevention(&app, &pool, PreventUserExistenceErrorTypes::Enabled).await;
    registered(&app, &legacy, "alice").await;
    app.sdk
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    let before = app.outbox("alice").await.len();
    let r = app
        .sdk
        .forgot_password()
        .client_id(&legacy)
        .username("alice")
        .send()
        .await;
    assert_eq!(err(r), exp("NotAuthorizedException", "User is disabled."));
    // §8.11: with prevention the answer looks like a delivery, and nothing is sent.
    let d = forgot(&app, &enabled, "alice").await;
    assert_eq!(d.delivery_medium(), Some(&DeliveryMediumType::Email));
    assert_eq!(app.outbox("alice").await.len(), before);
}

#[tokio::test]
async fn forgot_password_without_a_verified_contact_is_hidden_by_prevention() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let enabled =
        client_with_prevention(&app, &pool, PreventUserExistenceErrorTypes::Enabled).await;
    sign_up(&app, &enabled, "alice").await;
    app.sdk
        .admin_confirm_sign_up()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    let before = app.outbox("alice").await.len();
    let d = forgot(&app, &enabled, "alice").await;
    assert_eq!(d.delivery_medium(), Some(&DeliveryMediumType::Email));
    assert_eq!(app.outbox("alice").await.len(), before);
}

#[tokio::test]
async fn sign_up_with_a_secret_client_needs_the_secret_hash() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, secret) = app.client(&pool, true).await;
    let secret = secret.expect("client secret");
    let attempt = |hash: Option<String>| {
        app.sdk
            .sign_up()
            .client_id(&client)
            .username("alice")
            .password(PW)
            .user_attributes(attr("email", "alice@example.com"))
            .set_secret_hash(hash)
            .send()
    };
    assert_eq!(
        err(attempt(None).await),
        exp(
            "NotAuthorizedException",
            &format!("Client {client} is configured for secret but secret was not received")
        )
    );
    let wrong = secret_hash(&secret, "bob", &client);
    assert_eq!(
        err(attempt(Some(wrong)).await),
        exp(
            "NotAuthorizedException",
            &format!("Unable to verify secret hash for client {client}")
        )
    );
    let out = attempt(Some(secret_hash(&secret, "alice", &client)))
        .await
        .unwrap();
    assert!(!out.user_confirmed());
    // ConfirmSignUp needs it too.
    let code = app.latest_code("alice").await;
    let r = app
        .sdk
        .confirm_sign_up()
        .client_id(&client)
        .username("alice")
        .confirmation_code(&code)
        .send()
        .await;
    assert_eq!(err(r).0, "NotAuthorizedException");
    app.sdk
        .confirm_sign_up()
        .client_id(&client)
        .username("alice")
        .confirmation_code(&code)
        .secret_hash(secret_hash(&secret, "alice", &client))
        .send()
        .await
        .unwrap();
    assert_eq!(status_and(&app, &pool, "alice", "sub").await.0, "CONFIRMED");
}

#[tokio::test]
async fn sign_up_is_refused_when_only_admins_may_create_users() {
    let app = TestApp::spawn().await;
    let pool = app
        .sdk
        .create_user_pool()
        .pool_name("closed")
        .admin_create_user_config(
            AdminCreateUserConfigType::builder()
                .allow_admin_create_user_only(true)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .and_then(|p| p.id)
        .unwrap();
    let (client, _) = app.client(&pool, false).await;
    let r = app
        .sdk
        .sign_up()
        .client_id(&client)
        .username("alice")
        .password(PW)
        .user_attributes(attr("email", "alice@example.com"))
        .send()
        .await;
    assert_eq!(
        err(r),
        exp(
            "NotAuthorizedException",
            "SignUp is not permitted for this user pool"
        )
    );
}

#[tokio::test]
async fn admin_confirm_sign_up_confirms_without_verifying() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    sign_up(&app, &client, "alice").await;
    app.sdk
        .admin_confirm_sign_up()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    let (status, verified) = status_and(&app, &pool, "alice", "email_verified").await;
    assert_eq!(status, "CONFIRMED");
    assert_ne!(verified.as_deref(), Some("true"));
    assert!(
        admin_login(&app, &pool, &client, "alice", PW)
            .await
            .access_token
            .is_some()
    );
    let again = app
        .sdk
        .admin_confirm_sign_up()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await;
    assert_eq!(
        err(again),
        exp(
            "NotAuthorizedException",
            "User cannot be confirmed. Current status is CONFIRMED"
        )
    );
    let ghost = app
        .sdk
        .admin_confirm_sign_up()
        .user_pool_id(&pool)
        .username("ghost")
        .send()
        .await;
    assert_eq!(
        err(ghost),
        exp("UserNotFoundException", "User does not exist.")
    );
}

#[tokio::test]
async fn resending_for_an_unknown_user_follows_existence_error_prevention() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let legacy = client_with_prevention(&app, &pool, PreventUserExistenceErrorTypes::Legacy).await;
    let enabled =
        client_with_prevention(&app, &pool, PreventUserExistenceErrorTypes::Enabled).await;
    let r = app
        .sdk
        .resend_confirmation_code()
        .client_id(&legacy)
        .username("ghost")
        .send()
        .await;
    assert_eq!(err(r), exp("UserNotFoundException", "User does not exist."));
    let r = app
        .sdk
        .resend_confirmation_code()
        .client_id(&enabled)
        .username("ghost")
        .send()
        .await
        .unwrap();
    let d = r.code_delivery_details.expect("fake delivery details");
    assert_eq!(d.delivery_medium(), Some(&DeliveryMediumType::Email));
    assert!(app.outbox("ghost").await.is_empty());
}

#[tokio::test]
async fn resending_for_a_confirmed_user_is_refused() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    registered(&app, &client, "alice").await;
    let r = app
        .sdk
        .resend_confirmation_code()
        .client_id(&client)
        .username("alice")
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
}

#[tokio::test]
async fn sign_up_checks_attribute_names_and_formats() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    let r = app
        .sdk
        .sign_up()
        .client_id(&client)
        .username("alice")
        .password(PW)
        .user_attributes(attr("email", "not-an-email"))
        .send()
        .await;
    assert_eq!(
        err(r),
        exp("InvalidParameterException", "Invalid email address format.")
    );
    let r = app
        .sdk
        .sign_up()
        .client_id(&client)
        .username("alice")
        .password(PW)
        .user_attributes(attr("custom:nope", "x"))
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
    let r = app
        .sdk
        .sign_up()
        .client_id("nosuchclient0000000000000")
        .username("alice")
        .password(PW)
        .send()
        .await;
    assert_eq!(
        err(r),
        exp(
            "ResourceNotFoundException",
            "User pool client nosuchclient0000000000000 does not exist."
        )
    );
}

async fn email_alias_pool(app: &TestApp) -> String {
    app.sdk
        .create_user_pool()
        .pool_name("alias")
        .alias_attributes(sdk::types::AliasAttributeType::Email)
        .auto_verified_attributes(sdk::types::VerifiedAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool
        .and_then(|p| p.id)
        .unwrap()
}

#[tokio::test]
async fn a_taken_alias_fails_at_confirmation_unless_forced() {
    let app = TestApp::spawn().await;
    let pool = email_alias_pool(&app).await;
    let (client, _) = app.client(&pool, false).await;
    registered(&app, &client, "alice").await;
    // bob signs up with alice's e-mail: accepted at sign-up (§8.11).
    app.sdk
        .sign_up()
        .client_id(&client)
        .username("bob")
        .password(PW)
        .user_attributes(attr("email", "alice@example.com"))
        .send()
        .await
        .unwrap();
    let code = app.latest_code("bob").await;
    assert_eq!(
        confirm(&app, &client, "bob", &code).await.unwrap_err(),
        exp(
            "AliasExistsException",
            "An account with the email already exists."
        )
    );
    app.sdk
        .confirm_sign_up()
        .client_id(&client)
        .username("bob")
        .confirmation_code(&code)
        .force_alias_creation(true)
        .send()
        .await
        .unwrap();
    // The alias moved to bob.
    let t = admin_login(&app, &pool, &client, "alice@example.com", PW).await;
    let me = app
        .sdk
        .get_user()
        .access_token(t.access_token.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(me.username(), "bob");
    assert!(
        admin_login(&app, &pool, &client, "alice", PW)
            .await
            .access_token
            .is_some()
    );
}

#[tokio::test]
async fn an_email_alias_pool_refuses_email_shaped_usernames() {
    let app = TestApp::spawn().await;
    let pool = email_alias_pool(&app).await;
    let (client, _) = app.client(&pool, false).await;
    let r = app
        .sdk
        .sign_up()
        .client_id(&client)
        .username("alice@example.com")
        .password(PW)
        .send()
        .await;
    assert_eq!(
        err(r),
        exp(
            "InvalidParameterException",
            "Username cannot be of email format, since user pool is configured for email alias."
        )
    );
    // After confirming, the verified e-mail signs in as an alias.
    registered(&app, &client, "alice").await;
    assert!(
        admin_login(&app, &pool, &client, "alice@example.com", PW)
            .await
            .access_token
            .is_some()
    );
}

#[tokio::test]
async fn forgot_password_is_refused_for_a_user_with_a_temporary_password() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    app.sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(attr("email", "alice@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .message_action(sdk::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    let r = app
        .sdk
        .forgot_password()
        .client_id(&client)
        .username("alice")
        .send()
        .await;
    assert_eq!(
        err(r),
        exp(
            "NotAuthorizedException",
            "User password cannot be reset in the current state."
        )
    );
}
