//! Alias races through the real SDK (security bar REL-21): two users verifying the same e-mail
//! alias at once end with exactly one verified holder, the one sign-in by the e-mail reaches.

use std::sync::Arc;

use cogito_testkit::TestApp;
use cogito_testkit::sdk::types::{AliasAttributeType, VerifiedAttributeType};
use tokio::sync::Barrier;

use crate::helpers::{admin_login, attr, confirmed_user};

const PW: &str = "Passw0rd!";
const SHARED: &str = "shared@example.com";

async fn email_verified(app: &TestApp, pool: &str, user: &str) -> bool {
    app.sdk
        .admin_get_user()
        .user_pool_id(pool)
        .username(user)
        .send()
        .await
        .unwrap()
        .user_attributes()
        .iter()
        .any(|a| a.name() == "email_verified" && a.value() == Some("true"))
}

/// REL-21: alice and bob both change their e-mail to the same address and verify it at once
/// (VerifyUserAttribute). Both are acknowledged (the alias moves to the last verifier, §8.9);
/// afterwards exactly one of them holds it as verified, and signing in with the e-mail reaches
/// that one.
#[tokio::test]
async fn rel_21_parallel_verifications_of_one_email_leave_one_verified_holder() {
    let app = TestApp::spawn().await;
    let pool = app
        .sdk
        .create_user_pool()
        .pool_name("alias")
        .alias_attributes(AliasAttributeType::Email)
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool
        .and_then(|p| p.id)
        .unwrap();
    let (client, _) = app.client(&pool, false).await;
    let mut pending = Vec::new();
    for user in ["alice", "bob"] {
        confirmed_user(&app, &pool, user, PW).await;
        let token = admin_login(&app, &pool, &client, user, PW)
            .await
            .access_token
            .unwrap();
        app.sdk
            .update_user_attributes()
            .access_token(&token)
            .user_attributes(attr("email", SHARED))
            .send()
            .await
            .unwrap();
        pending.push((token, app.latest_code(user).await));
    }
    let barrier = Arc::new(Barrier::new(2));
    let tasks: Vec<_> = pending
        .into_iter()
        .map(|(token, code)| {
            let (sdk, barrier) = (app.sdk.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                sdk.verify_user_attribute()
                    .access_token(token)
                    .attribute_name("email")
                    .code(code)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("{e:?}"))
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().expect("verification acknowledged");
    }
    let verified: Vec<&str> = {
        let mut v = Vec::new();
        for user in ["alice", "bob"] {
            if email_verified(&app, &pool, user).await {
                v.push(user);
            }
        }
        v
    };
    assert_eq!(verified.len(), 1, "verified holders: {verified:?}");
    let t = admin_login(&app, &pool, &client, SHARED, PW).await;
    let me = app
        .sdk
        .get_user()
        .access_token(t.access_token.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(me.username(), verified[0]);
}
