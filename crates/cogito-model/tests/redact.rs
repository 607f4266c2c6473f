//! Walking bodies along their shapes: every value the model marks `sensitive` is offered for
//! replacement, nested ones included; other members, unknown keys and errors stay as they are.

use cogito_model::{Visit, model};
use serde_json::{Value, json};

fn masked(v: Visit<'_>) -> Option<Value> {
    v.sensitive.then(|| json!("***"))
}

#[test]
fn sensitive_members_are_replaced_at_any_depth() {
    let op = model().operation("AdminCreateUser").expect("operation");
    let input = json!({
        "UserPoolId": "us-east-1_abc",
        "Username": "alice",
        "TemporaryPassword": "Temp-Passw0rd!",
        "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}],
        "MessageAction": "SUPPRESS",
        "NotInTheModel": "kept",
    });
    let out = op.redact_input(&input, &masked);
    assert_eq!(out["UserPoolId"], "us-east-1_abc");
    assert_eq!(out["TemporaryPassword"], "***");
    assert_eq!(
        out["Username"], "***",
        "UsernameType is sensitive in the model"
    );
    assert_eq!(out["UserAttributes"][0]["Name"], "email");
    assert_eq!(out["UserAttributes"][0]["Value"], "***");
    assert_eq!(out["MessageAction"], "SUPPRESS");
    assert_eq!(out["NotInTheModel"], "kept");

    let op = model()
        .operation("CreateUserPoolClient")
        .expect("operation");
    let output = json!({"UserPoolClient": {
        "ClientName": "web", "ClientSecret": "s3cr3t", "ClientId": "abc",
        "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"],
    }});
    let out = op.redact_output(&output, &masked);
    assert_eq!(out["UserPoolClient"]["ClientSecret"], "***");
    assert_eq!(out["UserPoolClient"]["ClientName"], "web");
    assert_eq!(
        out["UserPoolClient"]["ExplicitAuthFlows"],
        json!(["ALLOW_REFRESH_TOKEN_AUTH"])
    );

    let op = model().operation("AdminInitiateAuth").expect("operation");
    let out = op.redact_output(
        &json!({"AuthenticationResult": {"AccessToken": "a", "IdToken": "i",
            "RefreshToken": "r", "ExpiresIn": 3600, "TokenType": "Bearer"}}),
        &masked,
    );
    let r = &out["AuthenticationResult"];
    assert_eq!(
        (&r["AccessToken"], &r["IdToken"]),
        (&json!("***"), &json!("***"))
    );
    assert_eq!(r["RefreshToken"], "***");
    assert_eq!(r["ExpiresIn"], 3600);
    // A whole sensitive map is offered once; the caller decides what stays of it.
    let out = op.redact_input(
        &json!({"AuthParameters": {"USERNAME": "a", "PASSWORD": "p"}}),
        &|v: Visit<'_>| {
            (v.shape == "AuthParametersType").then(|| json!(v.value.as_object().map(|m| m.len())))
        },
    );
    assert_eq!(out["AuthParameters"], 2);
}

#[test]
fn errors_and_nulls_are_kept() {
    let op = model().operation("InitiateAuth").expect("operation");
    let err =
        json!({"__type": "NotAuthorizedException", "message": "Incorrect username or password."});
    assert_eq!(op.redact_output(&err, &masked), err);
    assert_eq!(
        op.redact_input(&json!({"Session": null}), &masked),
        json!({"Session": null})
    );
    assert_eq!(
        op.redact_input(&json!("not an object"), &masked),
        json!("not an object")
    );
}
