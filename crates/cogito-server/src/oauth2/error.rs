//! Rendering of the OAuth 2.0 endpoints' answers: JSON errors (RFC 6749 §5.2,
//! `application/json;charset=UTF-8`, `{"error","error_description"}`), `WWW-Authenticate` where
//! the RFCs require it, and the anti-caching headers every answer carrying a code, a token or a
//! secret needs (security bar SEC-17): `Cache-Control: no-store`, `Pragma: no-cache`,
//! `Referrer-Policy: no-referrer`.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cogito_core::service::oauth::OAuthError;
use serde_json::{Value, json};

/// The JSON content type of every OAuth JSON answer.
pub const JSON: &str = "application/json;charset=UTF-8";

/// Adds `Cache-Control: no-store`, `Pragma: no-cache` and `Referrer-Policy: no-referrer`.
pub fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// A JSON answer with the anti-caching headers.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    no_store(h);
    resp
}

/// A `302 Found` to `location` with the anti-caching headers (codes and tokens travel in it).
pub fn redirect(location: &str) -> Response {
    let Ok(value) = HeaderValue::from_str(location) else {
        return oauth_error(&server_error(), false);
    };
    let mut resp = StatusCode::FOUND.into_response();
    let h = resp.headers_mut();
    h.insert(header::LOCATION, value);
    no_store(h);
    resp
}

/// Keeps an `error_description` to the characters RFC 6749 §5.2 allows (printable ASCII
/// without `"` and `\`).
pub fn description(text: &str) -> String {
    text.chars()
        .filter(|c| (' '..='~').contains(c) && *c != '"' && *c != '\\')
        .collect()
}

/// An error of the token or revocation endpoint. `basic_tried`: the client tried HTTP Basic
/// authentication, so `invalid_client` carries `WWW-Authenticate: Basic` (RFC 6749 §5.2).
pub fn oauth_error(e: &OAuthError, basic_tried: bool) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    let body = json!({ "error": e.error, "error_description": description(&e.description) });
    let mut resp = json_response(status, &body);
    let h = resp.headers_mut();
    if e.error == "invalid_client" && basic_tried {
        h.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"cogito\""),
        );
    }
    if status == StatusCode::SERVICE_UNAVAILABLE {
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    resp
}

/// An `invalid_request` error.
pub fn invalid_request(text: &str) -> OAuthError {
    OAuthError {
        error: "invalid_request",
        description: text.to_string(),
        status: 400,
    }
}

/// A `server_error` for failures of the edge itself.
pub fn server_error() -> OAuthError {
    OAuthError {
        error: "server_error",
        description: "Internal server error".into(),
        status: 500,
    }
}

/// A Bearer-token error of a protected resource (`/oauth2/userInfo`, RFC 6750 §3): the error
/// in `WWW-Authenticate` and in a JSON body.
pub fn bearer_error(status: StatusCode, error: &str, text: &str) -> Response {
    let text = description(text);
    let body = json!({ "error": error, "error_description": text });
    let mut resp = json_response(status, &body);
    let challenge = format!("Bearer error=\"{error}\", error_description=\"{text}\"");
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_printable_ascii_without_quotes() {
        assert_eq!(description("a \"b\"\\\r\n\tc é"), "a bc ");
    }

    #[test]
    fn invalid_client_after_basic_asks_for_basic() {
        let e = OAuthError {
            error: "invalid_client",
            description: "bad".into(),
            status: 401,
        };
        let r = oauth_error(&e, true);
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(
            r.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Basic")
        );
        assert_eq!(r.headers()["cache-control"], "no-store");
        assert_eq!(r.headers()["pragma"], "no-cache");
        let r = oauth_error(&e, false);
        assert!(r.headers().get("www-authenticate").is_none());
    }
}
