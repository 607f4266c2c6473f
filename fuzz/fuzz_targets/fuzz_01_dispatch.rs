//! FUZZ-01: the Cognito JSON router — any `X-Amz-Target` and body. Never a panic or a server
//! fault: every answer is 200, 400, 403 or 413, and every 400 is JSON with a `__type`.
#![no_main]

use axum::body::Body;
use axum::http::Request;
use cogito_fuzz::{harness, parts};
use libfuzzer_sys::fuzz_target;

/// Operations most inputs aim at (the first byte picks one; 255 takes the target from the input).
const OPS: &[&str] = &[
    "SignUp",
    "ConfirmSignUp",
    "InitiateAuth",
    "RespondToAuthChallenge",
    "ForgotPassword",
    "ConfirmForgotPassword",
    "ResendConfirmationCode",
    "GetUser",
    "UpdateUserAttributes",
    "ChangePassword",
    "GlobalSignOut",
    "RevokeToken",
    "AssociateSoftwareToken",
    "VerifySoftwareToken",
    "ListUsers",
    "AdminCreateUser",
    "CreateUserPool",
    "DescribeUserPool",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let h = harness();
    let (target, body) = if pick == 255 {
        let p = parts(rest, 2);
        (p[0].clone(), p[1].clone().into_bytes())
    } else {
        let op = OPS[usize::from(pick) % OPS.len()];
        (
            format!("AWSCognitoIdentityProviderService.{op}"),
            rest.to_vec(),
        )
    };
    let Ok(req) = Request::post("/")
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", target.as_str())
        .body(Body::from(body))
    else {
        return;
    };
    let (status, body) = h.send(req);
    assert!(
        matches!(status, 200 | 400 | 403 | 413),
        "status {status} for {target}: {}",
        String::from_utf8_lossy(&body)
    );
    if status == 400 {
        let v: serde_json::Value = serde_json::from_slice(&body).expect("a JSON error");
        assert!(v["__type"].as_str().is_some_and(|t| !t.is_empty()), "{v}");
    }
});
