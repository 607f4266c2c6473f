//! FUZZ-14: message templates (`{####}`, `{username}`) — any template is validated as Cognito
//! does without a server fault; an accepted one sends a message in which every `{####}` became
//! the code and no value was interpreted as a template.
#![no_main]

use cogito_fuzz::{assert_client_error, harness, parts};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 2);
    let h = harness();
    let created = h.call(
        "CreateUserPool",
        json!({ "PoolName": "templates", "AutoVerifiedAttributes": ["email"],
            "VerificationMessageTemplate": { "EmailMessage": p[0], "EmailSubject": "Code",
                "DefaultEmailOption": "CONFIRM_WITH_CODE" } }),
    );
    assert_client_error("CreateUserPool", &created);
    let Ok(pool) = created else {
        return;
    };
    let pool = pool["UserPool"]["Id"].as_str().expect("id").to_owned();
    let client = h
        .call(
            "CreateUserPoolClient",
            json!({ "UserPoolId": pool, "ClientName": "c" }),
        )
        .expect("client")["UserPoolClient"]["ClientId"]
        .as_str()
        .expect("client id")
        .to_owned();
    let username: String = p[1]
        .chars()
        .filter(|c| c.is_alphanumeric())
        .take(20)
        .collect();
    let username = if username.is_empty() {
        "u".to_string()
    } else {
        username
    };
    let signed_up = h.call(
        "SignUp",
        json!({ "ClientId": client, "Username": username, "Password": cogito_fuzz::PASSWORD,
            "UserAttributes": [{ "Name": "email", "Value": "x@example.com" }] }),
    );
    assert_client_error("SignUp", &signed_up);
    if signed_up.is_ok() {
        let sent = h
            .runtime
            .block_on(h.state.core.outbox(&cogito_core::store::OutboxQuery {
                pool_id: Some(pool.clone()),
                username: None,
                limit: 1,
            }))
            .expect("outbox");
        let message = &sent[0];
        let code = message.code.clone().expect("code");
        assert_eq!(
            message.body,
            p[0].replace("{####}", &code)
                .replace("{username}", &username),
            "the template was not filled exactly"
        );
    }
    let _ = h.call("DeleteUserPool", json!({ "UserPoolId": pool }));
});
