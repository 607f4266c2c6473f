//! Sign-in: ADMIN_USER_PASSWORD_AUTH / ADMIN_NO_SRP_AUTH / USER_PASSWORD_AUTH, refresh,
//! NEW_PASSWORD_REQUIRED, SECRET_HASH, status gates, existence-error prevention, lockout.

use cogito_testkit::TestApp;
use cogito_testkit::sdk::types::{AuthFlowType as Flow, ChallengeNameType};

use crate::helpers::{admin_login, confirmed_user, err};

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
    assert_eq!(err(r), ("NotAuthorizedException".into(), "Incorrect username or password.".into()));
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
    assert_eq!(r.challenge_name, Some(ChallengeNameType::NewPasswordRequired));
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
    let u = app.sdk.admin_get_user().user_pool_id(&pool).username("bob").send().await.unwrap();
    assert_eq!(u.user_status.unwrap().as_str(), "CONFIRMED");
}
