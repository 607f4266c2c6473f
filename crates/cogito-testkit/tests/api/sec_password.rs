//! SEC-33 (password storage and verification) and SEC-36 (one lockout for every pathway)
//! through the SDK: a hash made with weaker settings is replaced at the next sign-in, passwords
//! are compared exactly as sent, an over-long password is refused before it is hashed, and
//! failures of the password flow, SRP and ChangePassword fill one counter.

use cogito_core::password::{HashCost, PasswordHasher};
use cogito_testkit::TestApp;
use cogito_testkit::sdk::types::AuthFlowType as Flow;

use crate::helpers::{admin_login, confirmed_user, err};

const PW: &str = "Passw0rd!";

async fn stored_hash(app: &TestApp, pool: &str, username: &str) -> (String, String) {
    let sub = app
        .sdk
        .admin_get_user()
        .user_pool_id(pool)
        .username(username)
        .send()
        .await
        .unwrap()
        .user_attributes
        .unwrap()
        .into_iter()
        .find(|a| a.name == "sub")
        .and_then(|a| a.value)
        .unwrap();
    let user = app
        .state
        .core
        .store_for_harness()
        .get_user_by_sub(pool, &sub)
        .await
        .unwrap();
    (sub, user.password_hash.unwrap())
}

/// SEC-33 (d): a stored hash of weaker settings is re-hashed at the configured cost by a
/// successful sign-in, and the new hash verifies.
#[tokio::test]
async fn sec_33_weaker_hashes_are_upgraded_at_the_next_sign_in() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let (sub, configured) = stored_hash(&app, &pool, "alice").await;
    // The test harness hashes at HashCost::INSECURE_DEV.
    assert!(
        configured.starts_with("$argon2id$v=19$m=256,t=1,p=1$"),
        "{configured}"
    );
    let weaker = HashCost {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    let weak = PasswordHasher::new(weaker, 1)
        .unwrap()
        .hash(PW)
        .await
        .unwrap();
    let store = app.state.core.store_for_harness();
    assert!(
        store
            .rehash_password(&pool, &sub, &configured, &weak)
            .await
            .unwrap()
    );
    admin_login(&app, &pool, &client, "alice", PW).await;
    let (_, upgraded) = stored_hash(&app, &pool, "alice").await;
    assert!(
        upgraded.starts_with("$argon2id$v=19$m=256,t=1,p=1$"),
        "{upgraded}"
    );
    assert_ne!(upgraded, configured, "a fresh salt");
    admin_login(&app, &pool, &client, "alice", PW).await;
    // A hash at the configured cost stays as it is.
    assert_eq!(stored_hash(&app, &pool, "alice").await.1, upgraded);
}

/// SEC-33 (b, c): the password is compared exactly as sent (no trimming or case folding), and
/// one longer than 256 characters is refused before it is hashed.
#[tokio::test]
async fn sec_33_passwords_are_compared_exactly_and_length_is_bounded() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let sign_in = |pw: String| {
        app.sdk
            .initiate_auth()
            .client_id(&client)
            .auth_flow(Flow::UserPasswordAuth)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PASSWORD", pw)
            .send()
    };
    for near in [format!("{PW} "), format!(" {PW}"), PW.to_lowercase()] {
        let (code, _) = err(sign_in(near).await);
        assert_eq!(code, "NotAuthorizedException");
    }
    let (code, message) = err(sign_in("a".repeat(257)).await);
    assert_eq!(code, "InvalidParameterException", "{message}");
    sign_in(PW.to_string()).await.expect("the exact password");
}

/// SEC-36: one counter for every pathway: wrong passwords through USER_PASSWORD_AUTH and wrong
/// previous passwords of ChangePassword lock the user, after which even the right password is
/// `Password attempts exceeded`; the lock ends and a success resets the count.
#[tokio::test]
async fn sec_36_every_pathway_counts_toward_one_lockout() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let token = admin_login(&app, &pool, &client, "alice", PW)
        .await
        .access_token
        .unwrap();
    for i in 0..5 {
        let r = if i % 2 == 0 {
            err(app
                .sdk
                .initiate_auth()
                .client_id(&client)
                .auth_flow(Flow::UserPasswordAuth)
                .auth_parameters("USERNAME", "alice")
                .auth_parameters("PASSWORD", "Wrong#pw1")
                .send()
                .await)
        } else {
            err(app
                .sdk
                .change_password()
                .access_token(&token)
                .previous_password("Wrong#pw1")
                .proposed_password("Other#pw12")
                .send()
                .await)
        };
        assert_eq!(r.1, "Incorrect username or password.", "attempt {i}");
    }
    let locked = err(app
        .sdk
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(Flow::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PW)
        .send()
        .await);
    assert_eq!(locked.1, "Password attempts exceeded");
    app.clock.advance_secs(2);
    admin_login(&app, &pool, &client, "alice", PW).await;
}
