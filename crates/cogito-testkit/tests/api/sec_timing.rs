//! SEC-39: with `PreventUserExistenceErrors=ENABLED`, how long an answer takes does not tell
//! whether an account exists. Per flow, 400 interleaved requests (200 for an existing user with a
//! wrong password, 200 for a name that matches nobody) at the OWASP hashing cost; the flow passes
//! when the medians differ by less than 5 % and a Mann–Whitney U test finds no difference
//! (p > 0.01). Noise from a busy machine hits both series alike (they alternate); a run is tried
//! up to three times and fails only if all three fail, as the security bar says.
//!
//! Lockout would turn every answer into the quick "Password attempts exceeded" after five
//! failures, for both names alike; the test clock moves 16 minutes between requests so that every
//! attempt runs the full check.

use std::time::{Duration, Instant};

use cogito_core::password::HashCost;
use cogito_testkit::sdk;
use cogito_testkit::{TestApp, TestOptions};
use serde_json::{Value, json};

use crate::helpers::{client_with, confirmed_user};

const PW: &str = "Passw0rd!";
const PER_SERIES: usize = 200;

/// A public operation as raw HTTP; its round-trip time.
async fn timed(http: &reqwest::Client, app: &TestApp, op: &str, body: &Value) -> Duration {
    let started = Instant::now();
    let resp = http
        .post(&app.url)
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let _ = resp.bytes().await.unwrap();
    let took = started.elapsed();
    assert_eq!(status, 400, "{op} must fail for both names");
    took
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Two-sided p-value of the Mann–Whitney U test (normal approximation with tie correction).
fn mann_whitney_p(a: &[f64], b: &[f64]) -> f64 {
    let mut all: Vec<(f64, bool)> = a
        .iter()
        .map(|&x| (x, true))
        .chain(b.iter().map(|&x| (x, false)))
        .collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    let n = all.len();
    let mut rank_a = 0.0;
    let mut ties = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        let t = (j - i + 1) as f64;
        ties += t * t * t - t;
        rank_a += all[i..=j].iter().filter(|e| e.1).count() as f64 * rank;
        i = j + 1;
    }
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let u = rank_a - n1 * (n1 + 1.0) / 2.0;
    let mean = n1 * n2 / 2.0;
    let total = n1 + n2;
    let sd = (n1 * n2 / 12.0 * ((total + 1.0) - ties / (total * (total - 1.0)))).sqrt();
    let z = (u - mean).abs() / sd;
    2.0 * (1.0 - normal_cdf(z))
}

/// Φ(z), from the Abramowitz–Stegun 7.1.26 approximation of erf (error < 1.5e-7).
fn normal_cdf(z: f64) -> f64 {
    let x = z / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    0.5 * (1.0 + erf.copysign(x))
}

/// The verdict on one flow: `Ok` or why not.
fn judge(flow: &str, known: &[f64], unknown: &[f64]) -> Result<(), String> {
    let (mk, mu) = (median(known), median(unknown));
    let diff = (mk - mu).abs() / mk.max(mu);
    let p = mann_whitney_p(known, unknown);
    let report = format!(
        "{flow}: median existing {mk:.2} ms, unknown {mu:.2} ms ({:.1} %), Mann–Whitney p = {p:.4}",
        diff * 100.0
    );
    eprintln!("{report}");
    if diff < 0.05 && p > 0.01 {
        Ok(())
    } else {
        Err(report)
    }
}

/// One measurement of a flow: `(existing, unknown)` round trips in ms, interleaved.
async fn series(
    app: &TestApp,
    http: &reqwest::Client,
    op: &str,
    body: impl Fn(&str) -> Value,
) -> (Vec<f64>, Vec<f64>) {
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    // Warm-up: connections, caches, the hasher's workers.
    for name in ["alice", "nobody"] {
        timed(http, app, op, &body(name)).await;
    }
    for i in 0..PER_SERIES * 2 {
        app.clock.advance_secs(16 * 60);
        // Alternate which goes first so neither always follows the other.
        let name = if (i % 2 == 0) ^ (i % 4 < 2) {
            "alice"
        } else {
            "nobody"
        };
        let ms = timed(http, app, op, &body(name)).await.as_secs_f64() * 1000.0;
        if name == "alice" {
            known.push(ms);
        } else {
            unknown.push(ms);
        }
    }
    (known, unknown)
}

async fn one_run(app: &TestApp, client: &str) -> Result<(), String> {
    let http = reqwest::Client::new();
    let password = |name: &str| {
        json!({
            "ClientId": client,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": name, "PASSWORD": "Wrong#pw1"},
        })
    };
    let (k, u) = series(app, &http, "InitiateAuth", password).await;
    let pw = judge("USER_PASSWORD_AUTH", &k, &u);
    // SRP: a wrong claim at the second step. The first step's challenge is fetched per request.
    let (k, u) = srp_series(app, &http, client).await;
    let srp = judge("USER_SRP_AUTH + PASSWORD_VERIFIER", &k, &u);
    pw.and(srp)
}

async fn srp_series(app: &TestApp, http: &reqwest::Client, client: &str) -> (Vec<f64>, Vec<f64>) {
    let big_a = format!("{:x}", {
        let eph = crate::srp::ephemeral();
        eph.big_a
    });
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..PER_SERIES * 2 + 2 {
        app.clock.advance_secs(16 * 60);
        let name = if (i % 2 == 0) ^ (i % 4 < 2) {
            "alice"
        } else {
            "nobody"
        };
        let started = Instant::now();
        let first: Value = http
            .post(&app.url)
            .header("content-type", "application/x-amz-json-1.1")
            .header(
                "x-amz-target",
                "AWSCognitoIdentityProviderService.InitiateAuth",
            )
            .body(
                json!({
                    "ClientId": client,
                    "AuthFlow": "USER_SRP_AUTH",
                    "AuthParameters": {"USERNAME": name, "SRP_A": big_a},
                })
                .to_string(),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let p = &first["ChallengeParameters"];
        let answer = json!({
            "ClientId": client,
            "ChallengeName": "PASSWORD_VERIFIER",
            "ChallengeResponses": {
                "USERNAME": p["USER_ID_FOR_SRP"],
                "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"],
                "PASSWORD_CLAIM_SIGNATURE": "c2lnbmF0dXJlIHRoYXQgaXMgd3Jvbmc=",
                "TIMESTAMP": cogito_core::srp::format_timestamp(
                    cogito_core::Clock::now_ms(&*app.clock) / 1000
                ),
            },
        });
        timed(http, app, "RespondToAuthChallenge", &answer).await;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if i < 2 {
            continue; // warm-up
        }
        if name == "alice" {
            known.push(ms);
        } else {
            unknown.push(ms);
        }
    }
    (known, unknown)
}

#[tokio::test(flavor = "multi_thread")]
async fn sec_39_answer_times_do_not_tell_whether_an_account_exists() {
    let app = TestApp::spawn_with(TestOptions {
        hash_cost: Some(HashCost::OWASP),
        ..TestOptions::default()
    })
    .await;
    let pool = app.pool("timing").await;
    let flows = [
        sdk::types::ExplicitAuthFlowsType::AllowUserPasswordAuth,
        sdk::types::ExplicitAuthFlowsType::AllowUserSrpAuth,
        sdk::types::ExplicitAuthFlowsType::AllowRefreshTokenAuth,
    ];
    let (client, _) = client_with(&app, &pool, &flows, false, true).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let mut failures = Vec::new();
    for _ in 0..3 {
        match one_run(&app, &client).await {
            Ok(()) => return,
            Err(why) => failures.push(why),
        }
    }
    panic!(
        "answer times differ in all three runs:\n{}",
        failures.join("\n")
    );
}

#[test]
fn mann_whitney_tells_apart_what_differs() {
    let a: Vec<f64> = (0..200).map(|i| 10.0 + f64::from(i % 7)).collect();
    let same: Vec<f64> = (0..200).map(|i| 10.0 + f64::from((i + 3) % 7)).collect();
    let slower: Vec<f64> = a.iter().map(|x| x + 2.0).collect();
    assert!(mann_whitney_p(&a, &same) > 0.5);
    assert!(mann_whitney_p(&a, &slower) < 1e-6);
    assert!((normal_cdf(1.96) - 0.975).abs() < 1e-4);
}
