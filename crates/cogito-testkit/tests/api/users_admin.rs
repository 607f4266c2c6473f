//! Administrator user operations: `AdminCreateUser` (invitations, RESEND, SUPPRESS, temporary
//! passwords), `AdminGetUser`, `AdminDeleteUser`, `AdminDisableUser`/`AdminEnableUser`,
//! `AdminSetUserPassword`, `AdminResetUserPassword`, attribute updates and deletes, `ListUsers`
//! filters and pagination (reference §5.10, §8.8–§8.10).

use std::collections::BTreeMap;

use cogito_testkit::TestApp;
use cogito_testkit::sdk;
use sdk::types::{
    AttributeDataType, AuthFlowType as Flow, ChallengeNameType, DeliveryMediumType,
    MessageActionType, PasswordPolicyType, SchemaAttributeType, UserPoolPolicyType,
};

use crate::helpers::{admin_login, attr, confirmed_user, err};

const PW: &str = "Passw0rd!";
const NEW_PW: &str = "N3w-passw0rd";

fn exp(code: &str, message: &str) -> (String, String) {
    (code.to_owned(), message.to_owned())
}

/// `AdminGetUser` as `(UserStatus, Enabled, attributes)`.
async fn get(
    app: &TestApp,
    pool: &str,
    username: &str,
) -> (String, bool, BTreeMap<String, String>) {
    let u = app
        .sdk
        .admin_get_user()
        .user_pool_id(pool)
        .username(username)
        .send()
        .await
        .expect("get user");
    let attrs = u
        .user_attributes()
        .iter()
        .map(|a| {
            (
                a.name().to_owned(),
                a.value().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    (
        u.user_status().expect("status").as_str().to_owned(),
        u.enabled(),
        attrs,
    )
}

/// Invites `username` (with an e-mail) by e-mail; returns the temporary password sent.
async fn invite(app: &TestApp, pool: &str, username: &str) -> String {
    app.sdk
        .admin_create_user()
        .user_pool_id(pool)
        .username(username)
        .user_attributes(attr("email", &format!("{username}@example.com")))
        .desired_delivery_mediums(DeliveryMediumType::Email)
        .send()
        .await
        .expect("create user");
    app.latest_code(username).await
}

async fn login(
    app: &TestApp,
    pool: &str,
    client: &str,
    username: &str,
    password: &str,
) -> Result<sdk::operation::admin_initiate_auth::AdminInitiateAuthOutput, (String, String)> {
    let r = app
        .sdk
        .admin_initiate_auth()
        .user_pool_id(pool)
        .client_id(client)
        .auth_flow(Flow::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password)
        .send()
        .await;
    match r {
        Ok(o) => Ok(o),
        Err(_) => Err(err(r)),
    }
}

fn satisfies_default_policy(pw: &str) -> bool {
    pw.chars().count() >= 8
        && pw.chars().any(|c| c.is_ascii_uppercase())
        && pw.chars().any(|c| c.is_ascii_lowercase())
        && pw.chars().any(|c| c.is_ascii_digit())
        && pw
            .chars()
            .any(|c| "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ".contains(c))
}

async fn pool_with(
    app: &TestApp,
    f: impl FnOnce(
        sdk::operation::create_user_pool::builders::CreateUserPoolFluentBuilder,
    ) -> sdk::operation::create_user_pool::builders::CreateUserPoolFluentBuilder,
) -> String {
    let b = app
        .sdk
        .create_user_pool()
        .pool_name("p")
        .auto_verified_attributes(sdk::types::VerifiedAttributeType::Email);
    f(b).send()
        .await
        .expect("create pool")
        .user_pool
        .and_then(|p| p.id)
        .expect("pool id")
}

#[tokio::test]
async fn admin_create_user_invites_by_email() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let out = app
        .sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(attr("email", "alice@example.com"))
        .temporary_password("Temp0rary!")
        .desired_delivery_mediums(DeliveryMediumType::Email)
        .send()
        .await
        .unwrap();
    let user = out.user.expect("User");
    assert_eq!(user.username(), Some("alice"));
    assert_eq!(
        user.user_status().map(|s| s.as_str()),
        Some("FORCE_CHANGE_PASSWORD")
    );
    assert!(user.enabled());
    assert!(user.user_create_date().is_some());
    assert!(user.attributes().iter().any(|a| a.name() == "sub"));

    let msgs = app.outbox("alice").await;
    assert_eq!(msgs.len(), 1);
    let m = &msgs[0];
    assert_eq!(m.destination, "alice@example.com");
    assert_eq!(m.medium.as_str(), "EMAIL");
    assert_eq!(m.code.as_deref(), Some("Temp0rary!"));
    assert!(
        m.body.contains("alice") && m.body.contains("Temp0rary!"),
        "{}",
        m.body
    );
    assert_eq!(get(&app, &pool, "alice").await.0, "FORCE_CHANGE_PASSWORD");
}

#[tokio::test]
async fn suppressed_invitations_send_nothing() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    app.sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(attr("email", "alice@example.com"))
        .desired_delivery_mediums(DeliveryMediumType::Email)
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    assert!(app.outbox("alice").await.is_empty());
    assert_eq!(get(&app, &pool, "alice").await.0, "FORCE_CHANGE_PASSWORD");
}

#[tokio::test]
async fn resend_sends_a_new_temporary_password_and_restarts_its_clock() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    let first = invite(&app, &pool, "alice").await;
    app.clock.advance_secs(6 * 86_400);
    app.sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("alice")
        .desired_delivery_mediums(DeliveryMediumType::Email)
        .message_action(MessageActionType::Resend)
        .send()
        .await
        .unwrap();
    let msgs = app.outbox("alice").await;
    assert_eq!(msgs.len(), 2);
    let second = msgs[0].code.clone().expect("temporary password");
    assert_ne!(first, second);
    assert!(msgs[0].body.contains(&second));
    assert_eq!(
        login(&app, &pool, &client, "alice", &first)
            .await
            .unwrap_err(),
        exp("NotAuthorizedException", "Incorrect username or password.")
    );
    // 8 days after the first invitation, 2 after the re-send: still valid (default 7 days).
    app.clock.advance_secs(2 * 86_400);
    let r = login(&app, &pool, &client, "alice", &second).await.unwrap();
    assert_eq!(
        r.challenge_name,
        Some(ChallengeNameType::NewPasswordRequired)
    );
}

#[tokio::test]
async fn resend_for_an_unknown_user_is_refused() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let r = app
        .sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("ghost")
        .message_action(MessageActionType::Resend)
        .send()
        .await;
    assert_eq!(err(r), exp("UserNotFoundException", "User does not exist."));
}

#[tokio::test]
async fn creating_an_existing_user_is_refused() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    invite(&app, &pool, "alice").await;
    let r = app
        .sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await;
    assert_eq!(
        err(r),
        exp("UsernameExistsException", "User account already exists")
    );
}

#[tokio::test]
async fn a_weak_temporary_password_is_refused() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let r = app
        .sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("alice")
        .temporary_password("weakpass")
        .send()
        .await;
    let (code, message) = err(r);
    assert_eq!(code, "InvalidPasswordException");
    assert!(
        message.starts_with("Password did not conform with password policy: "),
        "{message}"
    );
}

#[tokio::test]
async fn the_generated_temporary_password_satisfies_the_policy_and_signs_in() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    let temp = invite(&app, &pool, "alice").await;
    assert!(satisfies_default_policy(&temp), "{temp:?}");
    let r = login(&app, &pool, &client, "alice", &temp).await.unwrap();
    assert_eq!(
        r.challenge_name,
        Some(ChallengeNameType::NewPasswordRequired)
    );
    assert!(r.session.is_some());
    assert!(r.authentication_result.is_none());
}

#[tokio::test]
async fn the_temporary_password_expires_after_its_validity_days() {
    let app = TestApp::spawn().await;
    let pool = pool_with(&app, |b| {
        b.policies(
            UserPoolPolicyType::builder()
                .password_policy(
                    PasswordPolicyType::builder()
                        .minimum_length(8)
                        .require_uppercase(true)
                        .require_lowercase(true)
                        .require_numbers(true)
                        .require_symbols(true)
                        .temporary_password_validity_days(1)
                        .build(),
                )
                .build(),
        )
    })
    .await;
    let (client, _) = app.client(&pool, false).await;
    let temp = invite(&app, &pool, "alice").await;
    app.clock.advance_secs(23 * 3600);
    assert!(login(&app, &pool, &client, "alice", &temp).await.is_ok());
    app.clock.advance_secs(2 * 3600);
    assert_eq!(
        login(&app, &pool, &client, "alice", &temp)
            .await
            .unwrap_err(),
        exp(
            "NotAuthorizedException",
            "Temporary password has expired and must be reset by an administrator."
        )
    );
}

#[tokio::test]
async fn admin_get_user_shows_attributes_and_state() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let u = app
        .sdk
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(u.username(), "alice");
    assert!(u.enabled());
    assert_eq!(u.user_status().map(|s| s.as_str()), Some("CONFIRMED"));
    assert!(u.user_create_date().is_some() && u.user_last_modified_date().is_some());
    let attrs: BTreeMap<_, _> = u
        .user_attributes()
        .iter()
        .map(|a| (a.name(), a.value().unwrap_or_default()))
        .collect();
    assert_eq!(attrs.get("email"), Some(&"alice@example.com"));
    assert_eq!(attrs.get("email_verified"), Some(&"true"));
    let sub = attrs.get("sub").expect("sub");
    assert_eq!(sub.len(), 36);
    // The sub names the user too.
    let by_sub = app
        .sdk
        .admin_get_user()
        .user_pool_id(&pool)
        .username(*sub)
        .send()
        .await
        .unwrap();
    assert_eq!(by_sub.username(), "alice");
}

#[tokio::test]
async fn a_deleted_user_does_not_exist() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    confirmed_user(&app, &pool, "alice", PW).await;
    app.sdk
        .admin_delete_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    let r = app
        .sdk
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await;
    assert_eq!(err(r), exp("UserNotFoundException", "User does not exist."));
    let again = app
        .sdk
        .admin_delete_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await;
    assert_eq!(
        err(again),
        exp("UserNotFoundException", "User does not exist.")
    );
    // The name is free again.
    confirmed_user(&app, &pool, "alice", PW).await;
}

#[tokio::test]
async fn a_disabled_user_cannot_sign_in_or_use_its_tokens() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let tokens = admin_login(&app, &pool, &client, "alice", PW).await;
    let access = tokens.access_token.unwrap();
    let refresh = tokens.refresh_token.unwrap();

    app.sdk
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    let (status, enabled, _) = get(&app, &pool, "alice").await;
    assert_eq!((status.as_str(), enabled), ("CONFIRMED", false));
    assert_eq!(
        login(&app, &pool, &client, "alice", PW).await.unwrap_err(),
        exp("NotAuthorizedException", "User is disabled.")
    );
    let r = app.sdk.get_user().access_token(&access).send().await;
    assert_eq!(err(r).0, "NotAuthorizedException");
    let r = app
        .sdk
        .initiate_auth()
        .client_id(&client)
        .auth_flow(Flow::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &refresh)
        .send()
        .await;
    assert_eq!(err(r).0, "NotAuthorizedException");

    app.sdk
        .admin_enable_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert!(get(&app, &pool, "alice").await.1);
    let fresh = admin_login(&app, &pool, &client, "alice", PW).await;
    app.sdk
        .get_user()
        .access_token(fresh.access_token.unwrap())
        .send()
        .await
        .unwrap();
    // Re-enabling does not revive the tokens revoked by disabling.
    let r = app.sdk.get_user().access_token(&access).send().await;
    assert_eq!(
        err(r),
        exp("NotAuthorizedException", "Access Token has been revoked")
    );
}

#[tokio::test]
async fn admin_set_user_password_sets_permanent_or_temporary_passwords() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    invite(&app, &pool, "alice").await;

    app.sdk
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("alice")
        .password(PW)
        .permanent(true)
        .send()
        .await
        .unwrap();
    assert_eq!(get(&app, &pool, "alice").await.0, "CONFIRMED");
    assert!(
        admin_login(&app, &pool, &client, "alice", PW)
            .await
            .access_token
            .is_some()
    );

    app.sdk
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("alice")
        .password(NEW_PW)
        .permanent(false)
        .send()
        .await
        .unwrap();
    assert_eq!(get(&app, &pool, "alice").await.0, "FORCE_CHANGE_PASSWORD");
    let r = login(&app, &pool, &client, "alice", NEW_PW).await.unwrap();
    assert_eq!(
        r.challenge_name,
        Some(ChallengeNameType::NewPasswordRequired)
    );
    assert_eq!(
        login(&app, &pool, &client, "alice", PW).await.unwrap_err(),
        exp("NotAuthorizedException", "Incorrect username or password.")
    );

    let weak = app
        .sdk
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("alice")
        .password("short")
        .permanent(true)
        .send()
        .await;
    assert_eq!(err(weak).0, "InvalidPasswordException");
    let ghost = app
        .sdk
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("ghost")
        .password(PW)
        .permanent(true)
        .send()
        .await;
    assert_eq!(
        err(ghost),
        exp("UserNotFoundException", "User does not exist.")
    );
}

#[tokio::test]
async fn admin_reset_user_password_requires_a_reset_by_code() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    app.sdk
        .admin_reset_user_password()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(get(&app, &pool, "alice").await.0, "RESET_REQUIRED");
    let (code, _) = login(&app, &pool, &client, "alice", PW).await.unwrap_err();
    assert_eq!(code, "PasswordResetRequiredException");

    let reset_code = app.latest_code("alice").await;
    app.sdk
        .confirm_forgot_password()
        .client_id(&client)
        .username("alice")
        .confirmation_code(reset_code)
        .password(NEW_PW)
        .send()
        .await
        .unwrap();
    assert_eq!(get(&app, &pool, "alice").await.0, "CONFIRMED");
    assert!(
        admin_login(&app, &pool, &client, "alice", NEW_PW)
            .await
            .access_token
            .is_some()
    );
}

#[tokio::test]
async fn admin_reset_user_password_needs_a_verified_contact() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    app.sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(attr("email", "alice@example.com"))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    app.sdk
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("alice")
        .password(PW)
        .permanent(true)
        .send()
        .await
        .unwrap();
    let r = app
        .sdk
        .admin_reset_user_password()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
    assert_eq!(get(&app, &pool, "alice").await.0, "CONFIRMED");
}

async fn pool_with_custom_dept(app: &TestApp) -> String {
    pool_with(app, |b| {
        b.schema(
            SchemaAttributeType::builder()
                .name("dept")
                .attribute_data_type(AttributeDataType::String)
                .mutable(true)
                .build(),
        )
    })
    .await
}

#[tokio::test]
async fn admin_update_user_attributes_writes_custom_attributes() {
    let app = TestApp::spawn().await;
    let pool = pool_with_custom_dept(&app).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    app.sdk
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(attr("custom:dept", "eng"))
        .user_attributes(attr("given_name", "Alice"))
        .send()
        .await
        .unwrap();
    let attrs = get(&app, &pool, "alice").await.2;
    assert_eq!(attrs.get("custom:dept").map(String::as_str), Some("eng"));
    assert_eq!(attrs.get("given_name").map(String::as_str), Some("Alice"));
    // Unrelated attributes are untouched.
    assert_eq!(
        attrs.get("email_verified").map(String::as_str),
        Some("true")
    );

    let r = app
        .sdk
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(attr("custom:nope", "x"))
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
}

#[tokio::test]
async fn changing_the_email_unverifies_it_and_sends_a_code() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    confirmed_user(&app, &pool, "alice", PW).await;
    app.sdk
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(attr("email", "alice2@example.com"))
        .send()
        .await
        .unwrap();
    let attrs = get(&app, &pool, "alice").await.2;
    assert_eq!(
        attrs.get("email").map(String::as_str),
        Some("alice2@example.com")
    );
    assert_eq!(
        attrs.get("email_verified").map(String::as_str),
        Some("false")
    );
    let msgs = app.outbox("alice").await;
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].destination, "alice2@example.com");
    assert!(msgs[0].code.is_some());
}

#[tokio::test]
async fn changing_the_email_with_email_verified_true_keeps_it_verified() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    confirmed_user(&app, &pool, "alice", PW).await;
    app.sdk
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(attr("email", "alice2@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await
        .unwrap();
    let attrs = get(&app, &pool, "alice").await.2;
    assert_eq!(
        attrs.get("email").map(String::as_str),
        Some("alice2@example.com")
    );
    assert_eq!(
        attrs.get("email_verified").map(String::as_str),
        Some("true")
    );
    assert!(app.outbox("alice").await.is_empty());
}

#[tokio::test]
async fn admin_delete_user_attributes_removes_them() {
    let app = TestApp::spawn().await;
    let pool = pool_with_custom_dept(&app).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    app.sdk
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(attr("custom:dept", "eng"))
        .user_attributes(attr("given_name", "Alice"))
        .send()
        .await
        .unwrap();
    app.sdk
        .admin_delete_user_attributes()
        .user_pool_id(&pool)
        .username("alice")
        .user_attribute_names("custom:dept")
        .user_attribute_names("given_name")
        .send()
        .await
        .unwrap();
    let attrs = get(&app, &pool, "alice").await.2;
    assert!(!attrs.contains_key("custom:dept"));
    assert!(!attrs.contains_key("given_name"));
    assert!(attrs.contains_key("email") && attrs.contains_key("sub"));
}

/// A pool with five users:
/// alice (alice@example.com), albert (albert@example.org), bob (bob@example.com) confirmed;
/// carol signed up and unconfirmed; dave confirmed and disabled.
async fn populated(app: &TestApp) -> String {
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    for u in ["alice", "bob"] {
        confirmed_user(app, &pool, u, PW).await;
    }
    app.sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("albert")
        .user_attributes(attr("email", "albert@example.org"))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    app.sdk
        .sign_up()
        .client_id(&client)
        .username("carol")
        .password(PW)
        .user_attributes(attr("email", "carol@example.com"))
        .send()
        .await
        .unwrap();
    confirmed_user(app, &pool, "dave", PW).await;
    app.sdk
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("dave")
        .send()
        .await
        .unwrap();
    pool
}

/// Usernames `ListUsers` returns for a filter, sorted.
async fn list(app: &TestApp, pool: &str, filter: &str) -> Vec<String> {
    let out = app
        .sdk
        .list_users()
        .user_pool_id(pool)
        .filter(filter)
        .send()
        .await
        .expect("list users");
    assert!(out.pagination_token().is_none());
    let mut names: Vec<String> = out
        .users()
        .iter()
        .map(|u| u.username().unwrap_or_default().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn list_users_filters_by_email() {
    let app = TestApp::spawn().await;
    let pool = populated(&app).await;
    assert_eq!(
        list(&app, &pool, r#"email = "alice@example.com""#).await,
        ["alice"]
    );
    assert_eq!(
        list(&app, &pool, r#"email ^= "al""#).await,
        ["albert", "alice"]
    );
    assert_eq!(
        list(&app, &pool, r#"email = "nobody@example.com""#).await,
        Vec::<String>::new()
    );
    assert_eq!(list(&app, &pool, "").await.len(), 5);
}

#[tokio::test]
async fn list_users_filters_by_username_status_enabled_and_sub() {
    let app = TestApp::spawn().await;
    let pool = populated(&app).await;
    assert_eq!(list(&app, &pool, r#"username = "bob""#).await, ["bob"]);
    assert_eq!(
        list(&app, &pool, r#"username ^= "al""#).await,
        ["albert", "alice"]
    );
    assert_eq!(
        list(&app, &pool, r#"cognito:user_status = "UNCONFIRMED""#).await,
        ["carol"]
    );
    assert_eq!(
        list(
            &app,
            &pool,
            r#"cognito:user_status = "FORCE_CHANGE_PASSWORD""#
        )
        .await,
        ["albert"]
    );
    assert_eq!(list(&app, &pool, r#"status = "Disabled""#).await, ["dave"]);
    assert_eq!(
        list(&app, &pool, r#"status = "Enabled""#).await,
        ["albert", "alice", "bob", "carol"]
    );
    let sub = get(&app, &pool, "bob").await.2.remove("sub").expect("sub");
    assert_eq!(
        list(&app, &pool, &format!(r#"sub = "{sub}""#)).await,
        ["bob"]
    );
}

#[tokio::test]
async fn list_users_returns_only_the_attributes_asked_for() {
    let app = TestApp::spawn().await;
    let pool = populated(&app).await;
    let out = app
        .sdk
        .list_users()
        .user_pool_id(&pool)
        .attributes_to_get("email")
        .send()
        .await
        .unwrap();
    assert_eq!(out.users().len(), 5);
    for u in out.users() {
        let names: Vec<&str> = u.attributes().iter().map(|a| a.name()).collect();
        assert_eq!(names, ["email"], "{u:?}");
        assert!(u.user_status().is_some());
    }
    let all = app
        .sdk
        .list_users()
        .user_pool_id(&pool)
        .filter(r#"username = "alice""#)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = all.users()[0]
        .attributes()
        .iter()
        .map(|a| a.name())
        .collect();
    assert!(
        names.contains(&"sub") && names.contains(&"email") && names.contains(&"email_verified"),
        "{names:?}"
    );
}

#[tokio::test]
async fn list_users_pages_with_limit_and_pagination_token() {
    let app = TestApp::spawn().await;
    let pool = populated(&app).await;
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let out = app
            .sdk
            .list_users()
            .user_pool_id(&pool)
            .limit(2)
            .set_pagination_token(token.clone())
            .send()
            .await
            .unwrap();
        pages.push(out.users().len());
        seen.extend(
            out.users()
                .iter()
                .map(|u| u.username().unwrap_or_default().to_owned()),
        );
        token = out.pagination_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
        assert!(pages.len() < 10, "pagination does not end");
    }
    assert_eq!(pages, [2, 2, 1]);
    seen.sort();
    assert_eq!(seen, ["albert", "alice", "bob", "carol", "dave"]);

    // Paging works together with a filter.
    let first = app
        .sdk
        .list_users()
        .user_pool_id(&pool)
        .filter(r#"email ^= "a""#)
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!(first.users().len(), 1);
    let next = first.pagination_token().expect("a second page").to_owned();
    let second = app
        .sdk
        .list_users()
        .user_pool_id(&pool)
        .filter(r#"email ^= "a""#)
        .limit(1)
        .pagination_token(next)
        .send()
        .await
        .unwrap();
    assert_eq!(second.users().len(), 1);
    assert_ne!(first.users()[0].username(), second.users()[0].username());
}

#[tokio::test]
async fn list_users_refuses_unsearchable_or_malformed_filters() {
    let app = TestApp::spawn().await;
    let pool = populated(&app).await;
    for filter in [
        r#"custom:dept = "eng""#,
        r#"locale = "en""#,
        r#"email = alice"#,
        r#"email ~ "a""#,
    ] {
        let r = app
            .sdk
            .list_users()
            .user_pool_id(&pool)
            .filter(filter)
            .send()
            .await;
        assert_eq!(err(r).0, "InvalidParameterException", "filter {filter}");
    }
}

#[tokio::test]
async fn list_users_email_search_ignores_case() {
    let app = TestApp::spawn().await;
    let pool = populated(&app).await;
    assert_eq!(
        list(&app, &pool, r#"email = "ALICE@Example.com""#).await,
        ["alice"]
    );
    assert_eq!(
        list(&app, &pool, r#"email ^= "AL""#).await,
        ["albert", "alice"]
    );
}

#[tokio::test]
async fn list_users_of_an_unknown_pool_is_refused() {
    let app = TestApp::spawn().await;
    let r = app
        .sdk
        .list_users()
        .user_pool_id("us-east-1_NoSuchPool")
        .send()
        .await;
    assert_eq!(
        err(r),
        exp(
            "ResourceNotFoundException",
            "User pool us-east-1_NoSuchPool does not exist."
        )
    );
}

#[tokio::test]
async fn admin_user_global_sign_out_revokes_the_users_tokens() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let t = admin_login(&app, &pool, &client, "alice", PW).await;
    app.sdk
        .admin_user_global_sign_out()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    let r = app
        .sdk
        .get_user()
        .access_token(t.access_token.unwrap())
        .send()
        .await;
    assert_eq!(
        err(r),
        exp("NotAuthorizedException", "Access Token has been revoked")
    );
    // The password still works.
    admin_login(&app, &pool, &client, "alice", PW).await;
}

#[tokio::test]
async fn the_sub_cannot_be_changed() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let r = app
        .sdk
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(attr("sub", "00000000-0000-0000-0000-000000000000"))
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
}

#[tokio::test]
async fn an_email_username_pool_generates_the_internal_username() {
    let app = TestApp::spawn().await;
    let pool = pool_with(&app, |b| {
        b.username_attributes(sdk::types::UsernameAttributeType::Email)
    })
    .await;
    let out = app
        .sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("alice@example.com")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    let user = out.user.unwrap();
    let sub = user
        .attributes()
        .iter()
        .find(|a| a.name() == "sub")
        .and_then(|a| a.value())
        .unwrap()
        .to_owned();
    assert_eq!(user.username(), Some(sub.as_str()));
    let (_, _, attrs) = get(&app, &pool, "alice@example.com").await;
    assert_eq!(
        attrs.get("email").map(String::as_str),
        Some("alice@example.com")
    );
    assert_eq!(
        list(&app, &pool, &format!(r#"username = "{sub}""#)).await,
        [sub.as_str()]
    );
    let dup = app
        .sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("alice@example.com")
        .send()
        .await;
    assert_eq!(err(dup).0, "UsernameExistsException");
}

/// Boolean attributes are accepted in any case, as Cognito accepts them, and stored as `true` /
/// `false`; anything else is refused by the schema.
#[tokio::test]
async fn boolean_attributes_accept_any_case() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let value_of = |name: &'static str| {
        let (sdk, pool) = (app.sdk.clone(), pool.clone());
        async move {
            sdk.admin_get_user()
                .user_pool_id(&pool)
                .username("alice")
                .send()
                .await
                .unwrap()
                .user_attributes
                .unwrap()
                .into_iter()
                .find(|a| a.name == name)
                .and_then(|a| a.value)
        }
    };
    app.sdk
        .admin_create_user()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(crate::helpers::attr("email", "alice@example.com"))
        .user_attributes(crate::helpers::attr("email_verified", "True"))
        .message_action(cogito_testkit::sdk::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    assert_eq!(value_of("email_verified").await.as_deref(), Some("true"));
    app.sdk
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(crate::helpers::attr("email_verified", "FALSE"))
        .send()
        .await
        .unwrap();
    assert_eq!(value_of("email_verified").await.as_deref(), Some("false"));
    let refused = app
        .sdk
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(crate::helpers::attr("email_verified", "yes"))
        .send()
        .await;
    assert_eq!(crate::helpers::err(refused).0, "InvalidParameterException");
}
