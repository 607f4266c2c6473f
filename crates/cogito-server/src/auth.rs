//! Caller authentication for SigV4 operations: verifies the signature against the configured
//! admin credentials, or, in `--dev`, accepts any caller.

use axum::http::{HeaderMap, Method, Uri};

use crate::AppState;
use crate::error::ApiError;

/// Verifies the SigV4 signature of an admin operation.
pub fn check_sigv4(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), ApiError> {
    if state.config.dev {
        return Ok(());
    }
    let pairs: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(k, v)| {
            v.to_str()
                .ok()
                .map(|v| (k.as_str().to_string(), v.to_string()))
        })
        .collect();
    let req = cogito_sigv4::SignedRequest {
        method: method.as_str(),
        path: uri.path(),
        query: uri.query().unwrap_or_default(),
        headers: &pairs,
        body,
    };
    let now = state.core.clock.now_secs();
    match cogito_sigv4::verify(
        &req,
        &state.config.admin_credentials,
        "cognito-idp",
        now,
        state.config.max_skew_secs,
    ) {
        Ok(_) => Ok(()),
        Err(e) => {
            let (type_name, message) = e.aws_error();
            let status = if type_name == "MissingAuthenticationTokenException" {
                403
            } else {
                400
            };
            Err(ApiError {
                type_name: type_name.into(),
                message,
                status,
            })
        }
    }
}
