//! Operations a user performs with their own access token: `GetUser`, `UpdateUserAttributes`,
//! `GetUserAttributeVerificationCode`, `VerifyUserAttribute`, `DeleteUserAttributes`,
//! `ChangePassword`, `DeleteUser`, `GlobalSignOut`; access-token rejection messages (§7.2).

use std::collections::BTreeMap;

use cogito_testkit::TestApp;
use cogito_testkit::sdk;
use sdk::types::{AuthFlowType as Flow, DeliveryMediumType};

use crate::helpers::{admin_login, attr, confirmed_user, err};

const PW: &str = "Passw0rd!";
const NEW_PW: &str = "N3w-passw0rd";

fn exp(code: &str, message: &str) -> (String, String) {
    (code.to_owned(), message.to_owned())
}

/// A pool, a client, a confirmed `alice` and her tokens.
struct Session {
    app: TestApp,
    pool: String,
    client: String,
    access: String,
    refresh: String,
}

async fn session() -> Session {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let t = admin_login(&app, &pool, &client, "alice", PW).await;
    Session {
        access: t.access_token.expect("access"),
        refresh: t.refresh_token.expect("refresh"),
        app,
        pool,
        client,
    }
}

impl Session {
    /// `GetUser` attributes as a map.
    async fn attrs(&self) -> BTreeMap<String, String> {
        let u = self
            .app
            .sdk
            .get_user()
            .access_token(&self.access)
            .send()
            .await
            .expect("get user");
        u.user_attributes()
            .iter()
            .map(|a| {
                (
                    a.name().to_owned(),
                    a.value().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    async fn login_error(&self, password: &str) -> (String, String) {
        err(self
            .app
            .sdk
            .admin_initiate_auth()
            .user_pool_id(&self.pool)
            .client_id(&self.client)
            .auth_flow(Flow::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PASSWORD", password)
            .send()
            .await)
    }
}

#[tokio::test]
async fn get_user_returns_the_callers_attributes() {
    let s = session().await;
    let u = s
        .app
        .sdk
        .get_user()
        .access_token(&s.access)
        .send()
        .await
        .unwrap();
    assert_eq!(u.username(), "alice");
    let attrs: BTreeMap<_, _> = u
        .user_attributes()
        .iter()
        .map(|a| (a.name(), a.value().unwrap_or_default()))
        .collect();
    assert_eq!(attrs.get("email"), Some(&"alice@example.com"));
    assert_eq!(attrs.get("email_verified"), Some(&"true"));
    let sub = s
        .app
        .sdk
        .admin_get_user()
        .user_pool_id(&s.pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    let admin_sub = sub
        .user_attributes()
        .iter()
        .find(|a| a.name() == "sub")
        .and_then(|a| a.value());
    assert_eq!(attrs.get("sub").copied(), admin_sub);
}

#[tokio::test]
async fn changing_the_email_sends_a_code_that_verifies_it() {
    let s = session().await;
    let out = s
        .app
        .sdk
        .update_user_attributes()
        .access_token(&s.access)
        .user_attributes(attr("email", "new@example.org"))
        .user_attributes(attr("given_name", "Alice"))
        .send()
        .await
        .unwrap();
    let list = out.code_delivery_details_list();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].destination(), Some("n***@e***"));
    assert_eq!(list[0].delivery_medium(), Some(&DeliveryMediumType::Email));
    assert_eq!(list[0].attribute_name(), Some("email"));
    let attrs = s.attrs().await;
    assert_eq!(
        attrs.get("email").map(String::as_str),
        Some("new@example.org")
    );
    assert_eq!(
        attrs.get("email_verified").map(String::as_str),
        Some("false")
    );
    assert_eq!(attrs.get("given_name").map(String::as_str), Some("Alice"));

    let msgs = s.app.outbox("alice").await;
    assert_eq!(msgs[0].destination, "new@example.org");
    let code = s.app.latest_code("alice").await;
    s.app
        .sdk
        .verify_user_attribute()
        .access_token(&s.access)
        .attribute_name("email")
        .code(code)
        .send()
        .await
        .unwrap();
    assert_eq!(
        s.attrs().await.get("email_verified").map(String::as_str),
        Some("true")
    );
}

#[tokio::test]
async fn a_wrong_verification_code_is_a_mismatch() {
    let s = session().await;
    s.app
        .sdk
        .update_user_attributes()
        .access_token(&s.access)
        .user_attributes(attr("email", "new@example.org"))
        .send()
        .await
        .unwrap();
    let code = s.app.latest_code("alice").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = s
        .app
        .sdk
        .verify_user_attribute()
        .access_token(&s.access)
        .attribute_name("email")
        .code(wrong)
        .send()
        .await;
    assert_eq!(
        err(r),
        exp(
            "CodeMismatchException",
            "Invalid verification code provided, please try again."
        )
    );
    assert_eq!(
        s.attrs().await.get("email_verified").map(String::as_str),
        Some("false")
    );
}

#[tokio::test]
async fn an_attribute_verification_code_expires_after_24_hours() {
    let s = session().await;
    let code_delivery = s
        .app
        .sdk
        .get_user_attribute_verification_code()
        .access_token(&s.access)
        .attribute_name("email")
        .send()
        .await
        .unwrap();
    assert!(code_delivery.code_delivery_details.is_some());
    let code = s.app.latest_code("alice").await;
    s.app.clock.advance_secs(25 * 3600);
    // The old access token has expired too; sign in again.
    let fresh = admin_login(&s.app, &s.pool, &s.client, "alice", PW)
        .await
        .access_token
        .unwrap();
    let r = s
        .app
        .sdk
        .verify_user_attribute()
        .access_token(&fresh)
        .attribute_name("email")
        .code(code)
        .send()
        .await;
    assert_eq!(
        err(r),
        exp(
            "ExpiredCodeException",
            "Invalid code provided, please request a code again."
        )
    );
}

#[tokio::test]
async fn get_user_attribute_verification_code_sends_a_code() {
    let s = session().await;
    // An administrator changes the e-mail (it becomes unverified).
    s.app
        .sdk
        .admin_update_user_attributes()
        .user_pool_id(&s.pool)
        .username("alice")
        .user_attributes(attr("email", "other@example.com"))
        .user_attributes(attr("email_verified", "false"))
        .send()
        .await
        .unwrap();
    let before = s.app.outbox("alice").await.len();
    let out = s
        .app
        .sdk
        .get_user_attribute_verification_code()
        .access_token(&s.access)
        .attribute_name("email")
        .send()
        .await
        .unwrap();
    let d = out.code_delivery_details.expect("delivery details");
    assert_eq!(d.destination(), Some("o***@e***"));
    assert_eq!(d.delivery_medium(), Some(&DeliveryMediumType::Email));
    assert_eq!(d.attribute_name(), Some("email"));
    let msgs = s.app.outbox("alice").await;
    assert_eq!(msgs.len(), before + 1);
    assert_eq!(msgs[0].destination, "other@example.com");
    let code = msgs[0].code.clone().expect("code");
    s.app
        .sdk
        .verify_user_attribute()
        .access_token(&s.access)
        .attribute_name("email")
        .code(code)
        .send()
        .await
        .unwrap();
    assert_eq!(
        s.attrs().await.get("email_verified").map(String::as_str),
        Some("true")
    );
}

#[tokio::test]
async fn delete_user_attributes_removes_them() {
    let s = session().await;
    s.app
        .sdk
        .update_user_attributes()
        .access_token(&s.access)
        .user_attributes(attr("given_name", "Alice"))
        .user_attributes(attr("family_name", "Liddell"))
        .send()
        .await
        .unwrap();
    s.app
        .sdk
        .delete_user_attributes()
        .access_token(&s.access)
        .user_attribute_names("given_name")
        .send()
        .await
        .unwrap();
    let attrs = s.attrs().await;
    assert!(!attrs.contains_key("given_name"));
    assert_eq!(
        attrs.get("family_name").map(String::as_str),
        Some("Liddell")
    );
    assert_eq!(
        attrs.get("email").map(String::as_str),
        Some("alice@example.com")
    );
}

#[tokio::test]
async fn change_password_checks_the_previous_one() {
    let s = session().await;
    let r = s
        .app
        .sdk
        .change_password()
        .access_token(&s.access)
        .previous_password("Wr0ng-pass")
        .proposed_password(NEW_PW)
        .send()
        .await;
    assert_eq!(
        err(r),
        exp("NotAuthorizedException", "Incorrect username or password.")
    );
    let weak = s
        .app
        .sdk
        .change_password()
        .access_token(&s.access)
        .previous_password(PW)
        .proposed_password("weak")
        .send()
        .await;
    assert_eq!(err(weak).0, "InvalidPasswordException");

    s.app
        .sdk
        .change_password()
        .access_token(&s.access)
        .previous_password(PW)
        .proposed_password(NEW_PW)
        .send()
        .await
        .unwrap();
    assert!(
        admin_login(&s.app, &s.pool, &s.client, "alice", NEW_PW)
            .await
            .access_token
            .is_some()
    );
    assert_eq!(
        s.login_error(PW).await,
        exp("NotAuthorizedException", "Incorrect username or password.")
    );
}

#[tokio::test]
async fn delete_user_removes_the_caller() {
    let s = session().await;
    s.app
        .sdk
        .delete_user()
        .access_token(&s.access)
        .send()
        .await
        .unwrap();
    assert_eq!(
        s.login_error(PW).await,
        exp("UserNotFoundException", "User does not exist.")
    );
    let r = s
        .app
        .sdk
        .admin_get_user()
        .user_pool_id(&s.pool)
        .username("alice")
        .send()
        .await;
    assert_eq!(err(r), exp("UserNotFoundException", "User does not exist."));
    let r = s.app.sdk.get_user().access_token(&s.access).send().await;
    assert_eq!(err(r).0, "NotAuthorizedException");
}

#[tokio::test]
async fn global_sign_out_revokes_access_and_refresh_tokens() {
    let s = session().await;
    // A second sign-in is revoked too.
    let other = admin_login(&s.app, &s.pool, &s.client, "alice", PW).await;
    s.app
        .sdk
        .global_sign_out()
        .access_token(&s.access)
        .send()
        .await
        .unwrap();

    for access in [&s.access, other.access_token.as_ref().unwrap()] {
        let r = s.app.sdk.get_user().access_token(access).send().await;
        assert_eq!(
            err(r),
            exp("NotAuthorizedException", "Access Token has been revoked")
        );
    }
    let r = s
        .app
        .sdk
        .initiate_auth()
        .client_id(&s.client)
        .auth_flow(Flow::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &s.refresh)
        .send()
        .await;
    assert_eq!(
        err(r),
        exp("NotAuthorizedException", "Refresh Token has been revoked")
    );

    // Signing in again works.
    // The old access token has expired too; sign in again.
    let fresh = admin_login(&s.app, &s.pool, &s.client, "alice", PW).await;
    s.app
        .sdk
        .get_user()
        .access_token(fresh.access_token.unwrap())
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn refresh_gives_a_working_access_token() {
    let s = session().await;
    let r = s
        .app
        .sdk
        .initiate_auth()
        .client_id(&s.client)
        .auth_flow(Flow::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &s.refresh)
        .send()
        .await
        .unwrap();
    let access = r
        .authentication_result
        .and_then(|a| a.access_token)
        .expect("access token");
    let u = s
        .app
        .sdk
        .get_user()
        .access_token(access)
        .send()
        .await
        .unwrap();
    assert_eq!(u.username(), "alice");
}

#[tokio::test]
async fn an_expired_access_token_is_refused() {
    let s = session().await;
    s.app.clock.advance_secs(3601);
    let r = s.app.sdk.get_user().access_token(&s.access).send().await;
    assert_eq!(
        err(r),
        exp("NotAuthorizedException", "Access Token has expired")
    );
}

#[tokio::test]
async fn an_access_token_is_valid_within_the_hour() {
    let s = session().await;
    s.app.clock.advance_secs(3500);
    s.app
        .sdk
        .get_user()
        .access_token(&s.access)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_garbage_access_token_is_refused() {
    let s = session().await;
    for token in ["garbage", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30.AAAA"] {
        let r = s.app.sdk.get_user().access_token(token).send().await;
        assert_eq!(
            err(r),
            exp("NotAuthorizedException", "Invalid Access Token"),
            "token {token}"
        );
    }
    // An ID token is not an access token.
    let id = admin_login(&s.app, &s.pool, &s.client, "alice", PW)
        .await
        .id_token
        .unwrap();
    let r = s.app.sdk.get_user().access_token(id).send().await;
    assert_eq!(
        err(r),
        exp("NotAuthorizedException", "Invalid Access Token")
    );
    // A tampered access token fails its signature.
    let mut parts: Vec<String> = s.access.split('.').map(str::to_owned).collect();
    parts[2] = parts[2].chars().rev().collect();
    let r = s
        .app
        .sdk
        .get_user()
        .access_token(parts.join("."))
        .send()
        .await;
    assert_eq!(
        err(r),
        exp("NotAuthorizedException", "Invalid Access Token")
    );
}

#[tokio::test]
async fn a_blank_value_deletes_an_attribute() {
    let s = session().await;
    s.app
        .sdk
        .update_user_attributes()
        .access_token(&s.access)
        .user_attributes(attr("given_name", "Alice"))
        .send()
        .await
        .unwrap();
    assert!(s.attrs().await.contains_key("given_name"));
    s.app
        .sdk
        .update_user_attributes()
        .access_token(&s.access)
        .user_attributes(attr("given_name", ""))
        .send()
        .await
        .unwrap();
    assert!(!s.attrs().await.contains_key("given_name"));
}

#[tokio::test]
async fn a_user_cannot_mark_its_own_email_verified() {
    let s = session().await;
    s.app
        .sdk
        .update_user_attributes()
        .access_token(&s.access)
        .user_attributes(attr("email", "new@example.org"))
        .send()
        .await
        .unwrap();
    let r = s
        .app
        .sdk
        .update_user_attributes()
        .access_token(&s.access)
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await;
    assert_eq!(err(r).0, "NotAuthorizedException");
    assert_eq!(
        s.attrs().await.get("email_verified").map(String::as_str),
        Some("false")
    );
}

#[tokio::test]
async fn verification_codes_are_for_email_or_phone_only() {
    let s = session().await;
    let r = s
        .app
        .sdk
        .get_user_attribute_verification_code()
        .access_token(&s.access)
        .attribute_name("given_name")
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
    let r = s
        .app
        .sdk
        .get_user_attribute_verification_code()
        .access_token(&s.access)
        .attribute_name("phone_number")
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
}

#[tokio::test]
async fn change_password_after_global_sign_out_is_refused() {
    let s = session().await;
    s.app
        .sdk
        .global_sign_out()
        .access_token(&s.access)
        .send()
        .await
        .unwrap();
    let r = s
        .app
        .sdk
        .change_password()
        .access_token(&s.access)
        .previous_password(PW)
        .proposed_password(NEW_PW)
        .send()
        .await;
    assert_eq!(
        err(r),
        exp("NotAuthorizedException", "Access Token has been revoked")
    );
    assert!(
        admin_login(&s.app, &s.pool, &s.client, "alice", PW)
            .await
            .access_token
            .is_some()
    );
}

#[tokio::test]
async fn verifying_an_email_alias_moves_it_to_the_last_verifier() {
    // §8.9: an alias is active for only one user, the last to verify it.
    let app = TestApp::spawn().await;
    let pool = app
        .sdk
        .create_user_pool()
        .pool_name("alias")
        .alias_attributes(sdk::types::AliasAttributeType::Email)
        .auto_verified_attributes(sdk::types::VerifiedAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool
        .and_then(|p| p.id)
        .unwrap();
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    confirmed_user(&app, &pool, "bob", PW).await;
    let bob = admin_login(&app, &pool, &client, "bob", PW)
        .await
        .access_token
        .unwrap();
    app.sdk
        .update_user_attributes()
        .access_token(&bob)
        .user_attributes(attr("email", "alice@example.com"))
        .send()
        .await
        .unwrap();
    // Unverified, the alias still belongs to alice.
    let t = admin_login(&app, &pool, &client, "alice@example.com", PW).await;
    let me = app
        .sdk
        .get_user()
        .access_token(t.access_token.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(me.username(), "alice");
    let code = app.latest_code("bob").await;
    app.sdk
        .verify_user_attribute()
        .access_token(&bob)
        .attribute_name("email")
        .code(code)
        .send()
        .await
        .unwrap();
    let t = admin_login(&app, &pool, &client, "alice@example.com", PW).await;
    let me = app
        .sdk
        .get_user()
        .access_token(t.access_token.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(me.username(), "bob");
}
