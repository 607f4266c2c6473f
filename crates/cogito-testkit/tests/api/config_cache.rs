//! The versioned configuration cache and key rotation (issue 7): pool and client reads are served
//! from memory until the pool's configuration version changes, a change written by another
//! instance (here: straight to the store, past this instance's services) is seen within a few
//! seconds, and a rotation keeps the retired keys published exactly until their tokens expired,
//! after which they leave the JWKS and the janitor purges them.

use std::time::{Duration, Instant};

use base64::Engine;
use cogito_core::Clock;
use cogito_testkit::TestApp;

use crate::helpers::{admin_login, confirmed_user};

const PW: &str = "Passw0rd!";

/// Polls until `check` holds, at most `limit` (real time: the cache re-reads versions on a
/// monotonic clock, not the fake one).
async fn eventually(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn jwks_kids(app: &TestApp, pool: &str) -> Vec<String> {
    let jwks: serde_json::Value = reqwest::get(format!("{}/{pool}/.well-known/jwks.json", app.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect()
}

fn kid_of(jwt: &str) -> String {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(jwt.split('.').next().unwrap())
        .unwrap();
    serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()["kid"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn pool_and_client_are_cached_until_their_version_changes() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    let core = &app.state.core;
    let cached_pool = core.pool(&pool).await.unwrap();
    let cached_client = core.client(&client).await.unwrap();

    // Another instance changes both (its services write the store; ours are not told).
    let read = core
        .store_for_harness()
        .get_pool_revised(&pool)
        .await
        .unwrap();
    let mut changed_pool = read.record;
    changed_pool.name = "renamed elsewhere".into();
    let update = core
        .store_for_harness()
        .update_pool(&changed_pool, read.revision);
    update.await.unwrap();
    let read = core
        .store_for_harness()
        .get_client_revised(&pool, &client)
        .await
        .unwrap();
    let mut changed_client = read.record;
    changed_client.name = "renamed elsewhere".into();
    let update = core
        .store_for_harness()
        .update_client(&changed_client, read.revision);
    update.await.unwrap();

    // Served from memory right after (no store read per request) ...
    assert_eq!(core.pool(&pool).await.unwrap().name, cached_pool.name);
    assert_eq!(core.client(&client).await.unwrap().name, cached_client.name);
    // ... until the version is re-read, about a second later.
    eventually("pool change seen", Duration::from_secs(5), async || {
        core.pool(&pool).await.unwrap().name == "renamed elsewhere"
    })
    .await;
    eventually("client change seen", Duration::from_secs(5), async || {
        core.client(&client).await.unwrap().name == "renamed elsewhere"
    })
    .await;

    // A deletion elsewhere: never served from the cache once the version moved.
    core.store_for_harness()
        .delete_client(&pool, &client)
        .await
        .unwrap();
    eventually("client deletion seen", Duration::from_secs(5), async || {
        core.client(&client).await.is_err()
    })
    .await;
    core.store_for_harness().delete_pool(&pool).await.unwrap();
    eventually("pool deletion seen", Duration::from_secs(5), async || {
        core.pool(&pool).await.is_err()
    })
    .await;
    assert!(core.keys.keys(&pool).await.is_err());
}

#[tokio::test]
async fn changes_made_here_are_seen_at_once() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    app.state.core.client(&client).await.unwrap();
    app.sdk
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&client)
        .client_name("renamed here")
        .send()
        .await
        .unwrap();
    assert_eq!(
        app.state.core.client(&client).await.unwrap().name,
        "renamed here"
    );
    app.sdk
        .delete_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&client)
        .send()
        .await
        .unwrap();
    assert!(app.state.core.client(&client).await.is_err());
}

#[tokio::test]
async fn rotation_retires_keys_until_their_tokens_expired() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "erin", PW).await;
    let before = admin_login(&app, &pool, &client, "erin", PW)
        .await
        .access_token
        .unwrap();
    let old_kids = jwks_kids(&app, &pool).await;

    let now = app.clock.now_ms();
    let rotation = app.state.core.keys.rotate(&pool).await.unwrap();
    // Default lifetimes (1 h) plus the minute for instances that have not seen it yet.
    assert_eq!(rotation.retired_until_ms, now + 3_600_000 + 60_000);
    let mut retired = rotation.retired_kids.clone();
    retired.sort();
    let mut sorted_old = old_kids.clone();
    sorted_old.sort();
    assert_eq!(retired, sorted_old);
    let kids = jwks_kids(&app, &pool).await;
    assert_eq!(kids.len(), 4, "{kids:?}");
    assert!(rotation.new_kids.iter().all(|k| kids.contains(k)));

    let after = admin_login(&app, &pool, &client, "erin", PW)
        .await
        .access_token
        .unwrap();
    assert!(rotation.new_kids.contains(&kid_of(&after)));
    app.sdk
        .get_user()
        .access_token(&before)
        .send()
        .await
        .expect("a token signed before the rotation still verifies");

    // Past the retirement: only the new keys are published, and the janitor purges the rest.
    app.clock.advance_secs(3_600 + 61);
    assert_eq!(jwks_kids(&app, &pool).await, rotation.new_kids);
    let now = app.clock.now_ms();
    app.state
        .core
        .store_for_harness()
        .purge_expired(now, 0, i64::MAX / 4, 100)
        .await
        .unwrap();
    let stored: Vec<_> = app
        .state
        .core
        .store_for_harness()
        .keys_of_pool(&pool)
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert_eq!(stored, rotation.new_kids);
    app.sdk
        .get_user()
        .access_token(&after)
        .send()
        .await
        .expect_err("expired by now");
}
