//! Admin operations, SigV4-signed with the instances' admin key (aws-sigv4, the AWS SDKs'
//! own signer), sent over the same HTTP client as the public operations.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use serde_json::Value;

use crate::instances::{ACCESS_KEY_ID, SECRET_ACCESS_KEY};
use crate::ops::{Outcome, answer};

/// Calls admin operation `op` at `url` with `body`, signed.
pub async fn call(
    http: &reqwest::Client,
    url: &str,
    op: &str,
    body: &Value,
) -> Result<Value, Outcome> {
    let body = body.to_string();
    let target = format!("AWSCognitoIdentityProviderService.{op}");
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let headers = [
        ("content-type", "application/x-amz-json-1.1"),
        ("x-amz-target", target.as_str()),
        ("host", host),
    ];
    let identity =
        Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None, None, "cogito-load").into();
    #[allow(clippy::disallowed_methods)] // the server checks the signature against its wall clock
    let now = SystemTime::now();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("cognito-idp")
        .time(now)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| Outcome::Failed(format!("signing {op}: {e}")))?
        .into();
    let signable = SignableRequest::new(
        "POST",
        format!("{url}/"),
        headers.iter().copied(),
        SignableBody::Bytes(body.as_bytes()),
    )
    .map_err(|e| Outcome::Failed(format!("signing {op}: {e}")))?;
    let (instructions, _) = sign(signable, &params)
        .map_err(|e| Outcome::Failed(format!("signing {op}: {e}")))?
        .into_parts();
    let mut req = http.post(format!("{url}/"));
    for (name, value) in headers.iter().copied().chain(instructions.headers()) {
        if name != "host" {
            req = req.header(name, value);
        }
    }
    answer(op, req.body(body).send().await).await
}
