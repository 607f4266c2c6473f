//! SEC-38 (reference §8.11): with `PreventUserExistenceErrors=ENABLED` an unknown name is
//! answered exactly like an existing account: the same status, error type and message for
//! password sign-in (whatever the account's state), ConfirmSignUp and ConfirmForgotPassword,
//! deliveries of the same shape from ForgotPassword and ResendConfirmationCode, and the same
//! lockout after repeated failures. Responses are compared as raw HTTP (status and body).

use cogito_testkit::TestApp;
use cogito_testkit::sdk;
use serde_json::{Value, json};

use crate::helpers::{attr, client_with, confirmed_user};

const PW: &str = "Passw0rd!";

/// A public operation as raw HTTP: `(status, __type, message)`, or the body on success.
async fn call(app: &TestApp, op: &str, body: Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
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
    (status, resp.json().await.unwrap())
}

/// A pool with e-mail verification and a password client hiding existence errors.
async fn fixture(app: &TestApp) -> (String, String) {
    let pool = app.pool("enum").await;
    let flows = [
        sdk::types::ExplicitAuthFlowsType::AllowUserPasswordAuth,
        sdk::types::ExplicitAuthFlowsType::AllowRefreshTokenAuth,
    ];
    let (client, _) = client_with(app, &pool, &flows, false, true).await;
    (pool, client)
}

fn sign_in(client: &str, name: &str, password: &str) -> Value {
    json!({
        "ClientId": client,
        "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": name, "PASSWORD": password},
    })
}

#[tokio::test]
async fn sec_38_unknown_names_are_answered_like_existing_accounts() {
    let app = TestApp::spawn().await;
    let (pool, client) = fixture(&app).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    // An unconfirmed account and a disabled one.
    app.sdk
        .sign_up()
        .client_id(&client)
        .username("bob")
        .password(PW)
        .user_attributes(attr("email", "bob@example.com"))
        .send()
        .await
        .unwrap();
    confirmed_user(&app, &pool, "dave", PW).await;
    app.sdk
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("dave")
        .send()
        .await
        .unwrap();

    // Password sign-in with a wrong password: one answer for every name.
    let reference = call(&app, "InitiateAuth", sign_in(&client, "alice", "Wrong#pw1")).await;
    assert_eq!(reference.0, 400);
    assert_eq!(reference.1["__type"], "NotAuthorizedException");
    for name in ["nobody", "bob", "dave"] {
        let r = call(&app, "InitiateAuth", sign_in(&client, name, "Wrong#pw1")).await;
        assert_eq!(r, reference, "{name}");
    }

    // ConfirmSignUp: an unknown name is answered like an unconfirmed account with a wrong code.
    let confirm =
        |name: &str| json!({"ClientId": client, "Username": name, "ConfirmationCode": "000000"});
    let real = call(&app, "ConfirmSignUp", confirm("bob")).await;
    assert_eq!(real.1["__type"], "CodeMismatchException");
    assert_eq!(call(&app, "ConfirmSignUp", confirm("nobody")).await, real);

    // ConfirmForgotPassword with a wrong code, after a reset was asked for both names.
    let forgot = |name: &str| json!({"ClientId": client, "Username": name});
    let alice_delivery = call(&app, "ForgotPassword", forgot("alice")).await;
    let nobody_delivery = call(&app, "ForgotPassword", forgot("nobody")).await;
    assert_eq!(alice_delivery.0, 200);
    assert_eq!(nobody_delivery.0, 200);
    let shape = |v: &Value| {
        let d = &v["CodeDeliveryDetails"];
        (
            d["AttributeName"].clone(),
            d["DeliveryMedium"].clone(),
            d["Destination"].as_str().map(str::len).is_some(),
        )
    };
    assert_eq!(shape(&nobody_delivery.1), shape(&alice_delivery.1));
    assert_eq!(
        call(&app, "ForgotPassword", forgot("nobody")).await,
        nobody_delivery,
        "the same simulated destination every time"
    );
    let reset = |name: &str| {
        json!({"ClientId": client, "Username": name, "ConfirmationCode": "000000",
               "Password": "New#pass1"})
    };
    let real = call(&app, "ConfirmForgotPassword", reset("alice")).await;
    assert_eq!(real.1["__type"], "CodeMismatchException");
    assert_eq!(
        call(&app, "ConfirmForgotPassword", reset("nobody")).await,
        real
    );
    // A new password against the policy is refused for both names alike.
    let weak = |name: &str| {
        json!({"ClientId": client, "Username": name, "ConfirmationCode": "000000",
               "Password": "weak"})
    };
    let real = call(&app, "ConfirmForgotPassword", weak("alice")).await;
    assert_eq!(real.1["__type"], "InvalidPasswordException");
    assert_eq!(
        call(&app, "ConfirmForgotPassword", weak("nobody")).await,
        real
    );

    // ResendConfirmationCode: a delivery of the same shape.
    let bob = call(&app, "ResendConfirmationCode", forgot("bob")).await;
    let nobody = call(&app, "ResendConfirmationCode", forgot("nobody")).await;
    assert_eq!((bob.0, nobody.0), (200, 200));
    assert_eq!(shape(&nobody.1), shape(&bob.1));
}

/// SEC-38 with SEC-36: five wrong passwords lock an unknown name exactly as they lock a real
/// account; the sixth attempt is `Password attempts exceeded` for both.
#[tokio::test]
async fn sec_38_unknown_names_lock_out_like_real_ones() {
    let app = TestApp::spawn().await;
    let (pool, client) = fixture(&app).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    for name in ["alice", "nobody", "NoBody"] {
        for _ in 0..5 {
            if name == "NoBody" {
                break; // the same name in another case shares the counter
            }
            let r = call(&app, "InitiateAuth", sign_in(&client, name, "Wrong#pw1")).await;
            assert_eq!(r.1["message"], "Incorrect username or password.", "{name}");
        }
        let r = call(&app, "InitiateAuth", sign_in(&client, name, PW)).await;
        assert_eq!(
            (r.0, r.1["__type"].as_str(), r.1["message"].as_str()),
            (
                400,
                Some("NotAuthorizedException"),
                Some("Password attempts exceeded")
            ),
            "{name}"
        );
    }
    // The lock ends as a real one does.
    app.clock.advance_secs(2);
    let r = call(&app, "InitiateAuth", sign_in(&client, "nobody", PW)).await;
    assert_eq!(r.1["message"], "Incorrect username or password.");
}
