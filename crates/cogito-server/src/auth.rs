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
        Ok(_) => target_is_signed(headers),
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

/// The operation is chosen by `X-Amz-Target`, so a signature that does not cover it could be
/// replayed as another operation with the same body. Only header signatures are accepted on the
/// JSON API (no presigned query strings), and they must sign `x-amz-target`.
fn target_is_signed(headers: &HeaderMap) -> Result<(), ApiError> {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let signed = auth
        .split(',')
        .find_map(|part| part.trim().strip_prefix("SignedHeaders="))
        .unwrap_or_default();
    if signed
        .split(';')
        .any(|h| h.eq_ignore_ascii_case("x-amz-target"))
    {
        Ok(())
    } else {
        Err(ApiError {
            type_name: "IncompleteSignatureException".into(),
            message: "The request signature must cover the x-amz-target header.".into(),
            status: 400,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_auth(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("authorization", v.parse().unwrap());
        h
    }

    #[test]
    fn the_target_header_must_be_signed() {
        let signed = "AWS4-HMAC-SHA256 Credential=AKIA/20261124/us-east-1/cognito-idp/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=00";
        assert!(target_is_signed(&with_auth(signed)).is_ok());
        let unsigned = "AWS4-HMAC-SHA256 Credential=AKIA/20261124/us-east-1/cognito-idp/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=00";
        assert_eq!(
            target_is_signed(&with_auth(unsigned))
                .unwrap_err()
                .type_name,
            "IncompleteSignatureException"
        );
        assert!(
            target_is_signed(&HeaderMap::new()).is_err(),
            "presigned query strings are refused"
        );
    }
}
