//! Overload (security bar REL-04) in the sign-in engine: a sign-in the password workers have no
//! room for is refused at once with `TooManyRequestsException`, and such a refusal does not use
//! one of the user's password attempts — a busy server never locks a user out. The shedding of
//! requests by class and the whole-server behaviour under 3× load are shown by the load tier
//! (`cargo xtask load`) and the unit tests of `cogito_server::shed`. A full queue refuses an
//! unknown name as it refuses a known one, so overload does not reveal which names exist.

use std::time::{Duration, Instant};

use cogito_core::password::HashCost;
use cogito_server::shed::InFlight;
use cogito_testkit::sdk::types::{
    AuthFlowType, ExplicitAuthFlowsType, PreventUserExistenceErrorTypes,
};
use cogito_testkit::{TestApp, TestOptions};

use crate::helpers::{confirmed_user, err};

const PW: &str = "Passw0rd!";

/// An app whose hashes take about half a second, with users alice and bob and a client that
/// hides whether users exist.
async fn slow_app() -> (TestApp, String) {
    slow_app_with(None).await
}

async fn slow_app_with(in_flight: Option<InFlight>) -> (TestApp, String) {
    // The few sign-ins of bob that the lockout lets through at once (five) are then past the
    // 500 ms bound of the queue.
    let cost = HashCost {
        memory_kib: 64 * 1024,
        iterations: 8,
        parallelism: 1,
    };
    let app = TestApp::spawn_with(TestOptions {
        hash_cost: Some(cost),
        in_flight,
        ..Default::default()
    })
    .await;
    let pool = app.pool("p").await;
    let client = app
        .sdk
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
        .send()
        .await
        .expect("client")
        .user_pool_client
        .and_then(|c| c.client_id)
        .expect("client id");
    confirmed_user(&app, &pool, "alice", PW).await;
    confirmed_user(&app, &pool, "bob", PW).await;
    (app, client)
}

/// Fills the hashing queue past its bound with bob's sign-ins; the workers have measured a
/// hash by then (the users' passwords were hashed).
async fn fill_queue(app: &TestApp, client: &str) -> Vec<tokio::task::JoinHandle<()>> {
    let busy = (0..12)
        .map(|_| {
            let c = app.sdk.clone();
            let client = client.to_owned();
            tokio::spawn(async move {
                let _ = c
                    .initiate_auth()
                    .client_id(client)
                    .auth_flow(AuthFlowType::UserPasswordAuth)
                    .auth_parameters("USERNAME", "bob")
                    .auth_parameters("PASSWORD", PW)
                    .send()
                    .await;
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    busy
}

/// How many of ten sign-ins of `user` were refused, each at once and as
/// `TooManyRequestsException`; any other answer is `other`'s.
async fn refusals(app: &TestApp, client: &str, user: &str, other: (&str, &str)) -> usize {
    let mut refused = 0;
    for _ in 0..10 {
        let started = Instant::now();
        let r = sign_in(app, client, user).await;
        if r.is_err() {
            let (code, message) = err(r);
            if code == "TooManyRequestsException" {
                assert!(started.elapsed() < Duration::from_millis(200));
                refused += 1;
            } else {
                assert_eq!((code.as_str(), message.as_str()), other);
            }
        }
    }
    refused
}

async fn sign_in(
    app: &TestApp,
    client: &str,
    user: &str,
) -> Result<
    cogito_testkit::sdk::operation::initiate_auth::InitiateAuthOutput,
    cogito_testkit::sdk::error::SdkError<
        cogito_testkit::sdk::operation::initiate_auth::InitiateAuthError,
    >,
> {
    app.sdk
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", user)
        .auth_parameters("PASSWORD", PW)
        .send()
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rel_04_sign_ins_refused_for_a_full_hashing_queue_use_no_password_attempt() {
    let (app, client) = slow_app().await;
    let busy = fill_queue(&app, &client).await;
    // Alice's sign-ins are refused at once, more of them than the lockout allows failures.
    let refused = refusals(&app, &client, "alice", ("", "")).await;
    assert!(
        refused >= 6,
        "only {refused} of alice's sign-ins were refused"
    );
    for b in busy {
        let _ = b.await;
    }
    // None of them counted: alice signs in.
    sign_in(&app, &client, "alice")
        .await
        .expect("a refused sign-in used no password attempt");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sec_39_a_full_hashing_queue_refuses_an_unknown_name_as_it_refuses_a_user() {
    let (app, client) = slow_app().await;
    let busy = fill_queue(&app, &client).await;
    // Without its place in the queue, an unknown name would be answered "Incorrect username
    // or password." at once while users are refused: overload would tell which names exist.
    let incorrect = ("NotAuthorizedException", "Incorrect username or password.");
    let refused = refusals(&app, &client, "nobody", incorrect).await;
    assert!(
        refused >= 6,
        "only {refused} of nobody's sign-ins were refused"
    );
    for b in busy {
        let _ = b.await;
    }
    // None of them counted against the name either.
    let r = sign_in(&app, &client, "nobody").await;
    assert_eq!(err(r), (incorrect.0.into(), incorrect.1.into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rel_04_the_json_api_refuses_a_sign_in_past_its_class_places_and_serves_the_rest() {
    let one_heavy = InFlight {
        light: 64,
        heavy: 1,
        queue_wait: Duration::from_millis(5),
        burst_wait: Duration::from_millis(5),
    };
    let (app, client) = slow_app_with(Some(one_heavy)).await;
    // Alice's sign-in holds the only place for hashing requests (its hash takes ~0.5 s)…
    let first = {
        let (app_sdk, client) = (app.sdk.clone(), client.clone());
        tokio::spawn(async move {
            app_sdk
                .initiate_auth()
                .client_id(client)
                .auth_flow(AuthFlowType::UserPasswordAuth)
                .auth_parameters("USERNAME", "alice")
                .auth_parameters("PASSWORD", PW)
                .send()
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    // …so bob's is refused at once, before any work,…
    let started = Instant::now();
    let (code, _) = err(sign_in(&app, &client, "bob").await);
    assert_eq!(code, "TooManyRequestsException");
    assert!(started.elapsed() < Duration::from_millis(200));
    // …while a request of the other class is served.
    let pool = app
        .sdk
        .list_user_pools()
        .max_results(10)
        .send()
        .await
        .expect("a light request is served");
    assert_eq!(pool.user_pools().len(), 1);
    first
        .await
        .unwrap()
        .expect("the sign-in that held the place");
    // Once it is done, bob signs in: the refusal used none of his attempts.
    sign_in(&app, &client, "bob")
        .await
        .expect("bob signs in once the place is free");
}
