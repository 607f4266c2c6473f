//! Overload (security bar REL-04) in the sign-in engine: a sign-in the password workers have no
//! room for is refused at once with `TooManyRequestsException`, and such a refusal does not use
//! one of the user's password attempts — a busy server never locks a user out. The shedding of
//! requests by class and the whole-server behaviour under 3× load are shown by the load tier
//! (`cargo xtask load`) and the unit tests of `cogito_server::shed`.

use std::time::{Duration, Instant};

use cogito_core::password::HashCost;
use cogito_testkit::sdk::types::AuthFlowType;
use cogito_testkit::{TestApp, TestOptions};

use crate::helpers::{confirmed_user, err};

const PW: &str = "Passw0rd!";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rel_04_sign_ins_refused_for_a_full_hashing_queue_use_no_password_attempt() {
    // A hash of about half a second: the few sign-ins of bob that the lockout lets through
    // at once (five) are past the 500 ms bound of the queue.
    let cost = HashCost {
        memory_kib: 64 * 1024,
        iterations: 8,
        parallelism: 1,
    };
    let app = TestApp::spawn_with(TestOptions {
        hash_cost: Some(cost),
        ..Default::default()
    })
    .await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    confirmed_user(&app, &pool, "bob", PW).await;
    let sign_in = |user: &'static str| {
        app.sdk
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", user)
            .auth_parameters("PASSWORD", PW)
            .send()
    };
    // The workers have measured a hash by now (the users' passwords were hashed).
    // Bob's sign-ins fill the queue past its bound…
    let busy: Vec<_> = (0..12)
        .map(|_| {
            let c = app.sdk.clone();
            let client = client.clone();
            tokio::spawn(async move {
                c.initiate_auth()
                    .client_id(client)
                    .auth_flow(AuthFlowType::UserPasswordAuth)
                    .auth_parameters("USERNAME", "bob")
                    .auth_parameters("PASSWORD", PW)
                    .send()
                    .await
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // …so alice's are refused at once, more of them than the lockout allows failures.
    let mut refused = 0;
    for _ in 0..10 {
        let started = Instant::now();
        let r = sign_in("alice").await;
        if r.is_err() {
            assert_eq!(err(r).0, "TooManyRequestsException");
            assert!(started.elapsed() < Duration::from_millis(200));
            refused += 1;
        }
    }
    assert!(
        refused >= 6,
        "only {refused} of alice's sign-ins were refused"
    );
    for b in busy {
        let _ = b.await;
    }
    // None of them counted: alice signs in.
    sign_in("alice")
        .await
        .expect("a refused sign-in used no password attempt");
}
