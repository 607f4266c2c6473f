//! Request rate limits (security bar SEC-40, SEC-56) at their defaults or as configured, on the
//! server's clock (frozen in tests, so a window ends only when a test moves the clock):
//! a burst over a limit is refused with `TooManyRequestsException` (JSON API) or 429 with
//! `Retry-After` (token endpoint, hosted pages), a refused request changes nothing, and the
//! limit recovers in the next window. Limits across two instances and `X-Forwarded-For` from
//! untrusted peers are tested with the real binary (`crates/cogito/tests/rate_limits.rs`).

use cogito_core::service::rate_limits::RateLimits;
use cogito_testkit::sdk::types::AuthFlowType;
use cogito_testkit::{TestApp, TestOptions};

use crate::helpers::{attr, confirmed_user, err};
use crate::oauth_support::{fixture, post_form};

const PW: &str = "Passw0rd!";

async fn app_with(settings: &[&str]) -> TestApp {
    let mut limits = RateLimits::default();
    for s in settings {
        limits.set(s).expect("setting");
    }
    TestApp::spawn_with(TestOptions {
        rate_limits: Some(limits),
        ..Default::default()
    })
    .await
}

#[tokio::test]
async fn sec_40_a_sign_up_burst_from_one_address_is_limited_and_recovers() {
    // The default: 50 sign-ups a second from one address (Cognito's UserCreation quota).
    let app = app_with(&[]).await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    let mut refused = 0;
    for i in 0..60 {
        let r = app
            .sdk
            .sign_up()
            .client_id(&client)
            .username(format!("user{i}"))
            .password(PW)
            .user_attributes(attr("email", &format!("user{i}@example.com")))
            .send()
            .await;
        if r.is_err() {
            assert_eq!(err(r).0, "TooManyRequestsException");
            refused += 1;
        }
    }
    assert_eq!(refused, 10, "the 51st to 60th sign-ups of one second");
    let users = app
        .sdk
        .list_users()
        .user_pool_id(&pool)
        .limit(60)
        .send()
        .await
        .unwrap()
        .users
        .unwrap_or_default();
    assert_eq!(users.len(), 50, "a refused sign-up creates nobody");
    app.clock.advance_ms(1000);
    app.sdk
        .sign_up()
        .client_id(&client)
        .username("next-second")
        .password(PW)
        .send()
        .await
        .expect("the limit recovers in the next window");
}

#[tokio::test]
async fn sec_40_code_sending_for_one_user_is_limited_and_sends_nothing_more() {
    // The default: 5 code-sending requests a minute per username.
    let app = app_with(&[]).await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let before = app.outbox("alice").await.len();
    let mut answers = Vec::new();
    for _ in 0..10 {
        let r = app
            .sdk
            .forgot_password()
            .client_id(&client)
            .username("alice")
            .send()
            .await;
        answers.push(r.is_err().then(|| err(r).0));
    }
    let refused = answers
        .iter()
        .filter(|a| a.as_deref() == Some("TooManyRequestsException"))
        .count();
    assert_eq!(refused, 5, "{answers:?}");
    assert!(answers[..5].iter().all(Option::is_none), "{answers:?}");
    assert_eq!(app.outbox("alice").await.len() - before, 5, "codes sent");
    app.clock.advance_ms(60_000);
    app.sdk
        .forgot_password()
        .client_id(&client)
        .username("alice")
        .send()
        .await
        .expect("the limit recovers in the next window");
}

#[tokio::test]
async fn sec_56_sign_ins_of_one_username_are_limited() {
    let app = app_with(&["sign-in.subject=3/1"]).await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "bob", PW).await;
    let sign_in = || {
        app.sdk
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "bob")
            .auth_parameters("PASSWORD", PW)
            .send()
    };
    for _ in 0..3 {
        sign_in().await.expect("within the limit");
    }
    assert_eq!(err(sign_in().await).0, "TooManyRequestsException");
    app.clock.advance_ms(1000);
    sign_in().await.expect("the next second");
}

#[tokio::test]
async fn sec_56_the_token_endpoint_answers_429_with_retry_after_over_its_limit() {
    let app = app_with(&["token.source=3/1"]).await;
    let fx = fixture(&app).await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", "nobody"),
    ];
    for _ in 0..3 {
        let a = post_form(&fx, "/oauth2/token", &form, None).await;
        assert_ne!(a.status.as_u16(), 429);
    }
    let over = post_form(&fx, "/oauth2/token", &form, None).await;
    assert_eq!(over.status.as_u16(), 429);
    assert_eq!(over.error(), "temporarily_unavailable");
    assert_eq!(
        over.headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    app.clock.advance_ms(1000);
    let again = post_form(&fx, "/oauth2/token", &form, None).await;
    assert_ne!(again.status.as_u16(), 429);
}

#[tokio::test]
async fn sec_56_hosted_pages_answer_429_with_retry_after_over_their_limit() {
    let app = app_with(&["hosted-page.source=2/1"]).await;
    let fx = fixture(&app).await;
    let page = format!("{}/login?client_id={}", fx.base, fx.c_pub);
    let http = crate::oauth_support::http();
    for _ in 0..2 {
        let r = http.get(&page).send().await.unwrap();
        assert_ne!(r.status().as_u16(), 429);
    }
    let over = http.get(&page).send().await.unwrap();
    assert_eq!(over.status().as_u16(), 429);
    assert_eq!(
        over.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    assert!(
        over.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"))
    );
}
