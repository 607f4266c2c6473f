//! Clock faults (security bar REL-17) on the server's clock: a jump back keeps issued tokens
//! and refresh sessions working and stamps new tokens with the current time; a jump forward
//! expires what has outlived its lifetime by wall time (an access token) and nothing else (a
//! refresh token, a sign-up code); a client whose clock is six minutes off gets AWS's
//! `Signature expired` / `Signature not yet current`. Tokens carry no not-before check, so instances whose clocks differ by
//! less than a token's lifetime accept each other's tokens.

use cogito_core::clock::Clock;
use cogito_testkit::TestApp;
use cogito_testkit::sdk::types::AuthFlowType;

use crate::helpers::{attr, confirmed_user, err};

const PW: &str = "Passw0rd!";

fn claim(jwt: &str, name: &str) -> i64 {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).expect("payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    let v: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    v[name]
        .as_i64()
        .unwrap_or_else(|| panic!("no {name} in {v}"))
}

#[tokio::test]
async fn rel_17_clock_jumps_expire_by_wall_time_and_break_nothing() {
    let app = TestApp::spawn().await;
    let pool = app.pool("clock").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let sign_in = || {
        app.sdk
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PASSWORD", PW)
            .send()
    };
    let first = sign_in().await.unwrap().authentication_result.unwrap();
    let (access, refresh) = (first.access_token.unwrap(), first.refresh_token.unwrap());
    let get_user = |token: String| app.sdk.get_user().access_token(token).send();

    // Ten minutes back: issued tokens and sessions keep working; new tokens say the new time.
    app.clock.advance_secs(-600);
    get_user(access.clone())
        .await
        .expect("a token issued 'later' still works");
    let again = sign_in().await.unwrap().authentication_result.unwrap();
    assert_eq!(
        claim(&again.access_token.unwrap(), "iat"),
        app.clock.now_secs(),
        "new tokens are stamped with the current time"
    );
    app.sdk
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &refresh)
        .send()
        .await
        .expect("refresh after a jump back");
    // A sign-up code sent now, to be used after the jump forward.
    app.sdk
        .sign_up()
        .client_id(&client)
        .username("bob")
        .password(PW)
        .user_attributes(attr("email", "bob@example.com"))
        .send()
        .await
        .unwrap();
    let code = app.latest_code("bob").await;

    // Two hours forward: the hour-long access token has expired; the 30-day refresh token and
    // the 24-hour code have not.
    app.clock.advance_secs(2 * 3600);
    let (kind, message) = err(get_user(access).await);
    assert_eq!(kind, "NotAuthorizedException");
    assert!(message.contains("expired"), "{message}");
    app.sdk
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &refresh)
        .send()
        .await
        .expect("the refresh token outlives the jump");
    app.sdk
        .confirm_sign_up()
        .client_id(&client)
        .username("bob")
        .confirmation_code(code)
        .send()
        .await
        .expect("the code outlives the jump");

    // A client clock six minutes off, either way: AWS's answers.
    for (offset, says) in [
        (-360, "Signature expired"),
        (360, "Signature not yet current"),
    ] {
        let (kind, message) = err(app
            .sdk_with(
                cogito_testkit::ACCESS_KEY_ID,
                cogito_testkit::SECRET_ACCESS_KEY,
                offset,
            )
            .list_user_pools()
            .max_results(10)
            .send()
            .await);
        assert_eq!(kind, "InvalidSignatureException");
        assert!(message.starts_with(says), "{offset}: {message}");
    }
}
