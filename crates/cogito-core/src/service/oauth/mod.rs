//! OAuth 2.0 / OpenID Connect (reference §4, security bar A–D): validation of authorization
//! requests, authorization codes with PKCE, the token endpoint's grants, OAuth-scoped tokens,
//! `userInfo`, and hosted-UI sessions and sign-in. The HTTP edge (`oauth2/`, `hosted_ui/`) only
//! parses requests and renders what these functions return.

use crate::error::CoreError;
use crate::model::{AppClient, User, UserPool};

/// Lifetime of an authorization code (reference §3.4).
pub const CODE_TTL_MS: i64 = 5 * 60 * 1000;
/// Lifetime of a hosted-UI session (reference §3.4).
pub const HOSTED_SESSION_MS: i64 = 3600 * 1000;
pub(crate) const RESERVED_SCOPES: &[&str] = &[
    "openid",
    "email",
    "phone",
    "profile",
    "aws.cognito.signin.user.admin",
];

/// The raw parameters of `/oauth2/authorize` (and `/login`, which takes the same).
#[derive(Debug, Clone, Default)]
pub struct AuthorizeParams {
    /// `response_type`.
    pub response_type: Option<String>,
    /// `client_id`.
    pub client_id: Option<String>,
    /// `redirect_uri`.
    pub redirect_uri: Option<String>,
    /// `state`.
    pub state: Option<String>,
    /// `scope` (space or `+` separated).
    pub scope: Option<String>,
    /// `code_challenge`.
    pub code_challenge: Option<String>,
    /// `code_challenge_method`.
    pub code_challenge_method: Option<String>,
    /// `nonce`.
    pub nonce: Option<String>,
    /// `prompt`: `none` or `login`.
    pub prompt: Option<String>,
    /// `max_age` in seconds.
    pub max_age: Option<String>,
    /// Names of parameters that appeared more than once (security bar SEC-06).
    pub repeated: Vec<String>,
}

/// `response_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseType {
    /// Authorization code (query).
    Code,
    /// Implicit (fragment).
    Token,
}

/// A validated authorization request.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    /// The pool of the domain.
    pub pool: UserPool,
    /// The client.
    pub client: AppClient,
    /// Exactly as given (it matched a registered callback).
    pub redirect_uri: String,
    /// Code or implicit.
    pub response_type: ResponseType,
    /// Echoed.
    pub state: Option<String>,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// For the ID token.
    pub nonce: Option<String>,
    /// PKCE S256 challenge.
    pub code_challenge: Option<String>,
    /// `prompt`.
    pub prompt: Option<String>,
    /// `max_age` in seconds.
    pub max_age: Option<i64>,
}

/// Why an authorization request fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeError {
    /// Client or redirect URI cannot be trusted: show an error page, never redirect (SEC-04).
    Page(String),
    /// Send the browser back to the client with this URL (`error=…`).
    Redirect(String),
    /// The store could not be reached: answer 503 and let the browser try again (the cause is
    /// logged, never shown).
    Unavailable,
}

/// An OAuth error response (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    /// `error`.
    pub error: &'static str,
    /// `error_description`.
    pub description: String,
    /// HTTP status.
    pub status: u16,
}

impl OAuthError {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        let status = if error == "invalid_client" { 401 } else { 400 };
        Self {
            error,
            description: description.into(),
            status,
        }
    }

    /// A failure of storage or keys: `503`, so the edge adds `Retry-After` (security bar
    /// SEC-21: a revocation that could not be stored is never answered 200). A trigger's
    /// refusal or failure is no server fault: `invalid_request` with its message.
    fn internal(e: &CoreError) -> Self {
        if let CoreError::UserLambdaValidation(m)
        | CoreError::UnexpectedLambda(m)
        | CoreError::InvalidLambdaResponse(m) = e
        {
            return Self::new("invalid_request", m.clone());
        }
        tracing::error!(cause = ?e, "oauth internal error");
        Self {
            error: "server_error",
            description: "Temporarily unavailable".into(),
            status: 503,
        }
    }
}

/// Tokens answered by the token endpoint (or put in an implicit redirect).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthTokens {
    /// Access token.
    pub access_token: String,
    /// ID token (when `openid` was granted).
    pub id_token: Option<String>,
    /// Refresh token (authorization code grant only).
    pub refresh_token: Option<String>,
    /// Access-token lifetime, seconds.
    pub expires_in: i64,
}

/// How the client authenticated at the token or revocation endpoint.
#[derive(Debug, Clone, Default)]
pub struct ClientAuth {
    /// Client id (from Basic or the body).
    pub client_id: String,
    /// Secret (from Basic or `client_secret`).
    pub secret: Option<String>,
}

/// A token request, parsed by the edge.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    /// `grant_type`.
    pub grant_type: Option<String>,
    /// `code`.
    pub code: Option<String>,
    /// `redirect_uri`.
    pub redirect_uri: Option<String>,
    /// `code_verifier`.
    pub code_verifier: Option<String>,
    /// `refresh_token`.
    pub refresh_token: Option<String>,
    /// `scope`.
    pub scope: Option<String>,
}

/// Whether a redirect URI matches a registered one: byte-exact, except that a registered
/// loopback URI without a port matches any port (security bar SEC-01, SEC-02, decision Q6).
pub fn redirect_matches(registered: &[String], given: &str) -> bool {
    registered
        .iter()
        .any(|r| r == given || loopback_any_port(r, given))
}

fn loopback_any_port(registered: &str, given: &str) -> bool {
    for host in ["http://127.0.0.1", "http://[::1]", "http://localhost"] {
        let Some(reg_rest) = registered.strip_prefix(host) else {
            continue;
        };
        if reg_rest.starts_with(':') {
            return false; // registered with a port: exact match only
        }
        let Some(given_rest) = given.strip_prefix(host).and_then(|r| r.strip_prefix(':')) else {
            return false;
        };
        let digits = given_rest.bytes().take_while(u8::is_ascii_digit).count();
        return digits > 0 && digits <= 5 && given_rest[digits..] == *reg_rest;
    }
    false
}

pub(crate) fn is_base64url(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The PKCE challenge of an authorization request (RFC 7636): none, or `S256` with 43 base64url
/// characters; anything else (`plain` included) is refused with the reason.
pub fn pkce_challenge(
    challenge: Option<&str>,
    method: Option<&str>,
) -> Result<Option<String>, &'static str> {
    match (challenge, method) {
        (None, None) => Ok(None),
        (Some(c), Some("S256")) if c.len() == 43 && is_base64url(c) => Ok(Some(c.to_string())),
        (Some(_), Some("S256")) => Err("code_challenge must be 43 base64url characters"),
        _ => Err("only code_challenge_method=S256 is supported"),
    }
}

/// Whether `verifier` (RFC 7636 §4.1) proves the S256 `challenge`, compared in constant time.
pub fn pkce_verified(challenge: &str, verifier: &str) -> bool {
    use base64::Engine;
    use sha2::Digest;
    if !valid_verifier(verifier) {
        return false;
    }
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    crate::crypto::secrets_equal(computed.as_bytes(), challenge.as_bytes())
}

/// PKCE verifier ABNF (RFC 7636 §4.1).
pub(crate) fn valid_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Appends parameters to a redirect URI, in its query (code flow) or fragment (implicit).
pub fn redirect_with(uri: &str, params: &[(&str, &str)], fragment: bool) -> String {
    let encoded: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect();
    let joined = encoded.join("&");
    if fragment {
        format!("{uri}#{joined}")
    } else if uri.contains('?') {
        format!("{uri}&{joined}")
    } else {
        format!("{uri}?{joined}")
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

mod authorize;
mod hosted;
pub mod rotation;
mod token;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_match_exactly_or_by_loopback_port() {
        let reg = vec![
            "https://app.example/cb".to_string(),
            "http://127.0.0.1/cb".to_string(),
            "http://localhost:8080/cb".to_string(),
        ];
        assert!(redirect_matches(&reg, "https://app.example/cb"));
        assert!(!redirect_matches(&reg, "https://APP.example/cb"));
        assert!(!redirect_matches(&reg, "https://app.example/cb/"));
        assert!(!redirect_matches(&reg, "https://app.example/cb?x=1"));
        assert!(redirect_matches(&reg, "http://127.0.0.1:5173/cb"));
        assert!(redirect_matches(&reg, "http://127.0.0.1/cb"));
        assert!(!redirect_matches(&reg, "http://127.0.0.1:5173/cb?bar=foo"));
        assert!(!redirect_matches(&reg, "http://127.0.0.1:5173/cbx"));
        assert!(!redirect_matches(&reg, "http://127.0.0.2:5173/cb"));
        assert!(!redirect_matches(&reg, "https://127.0.0.1:5173/cb"));
        assert!(redirect_matches(&reg, "http://localhost:8080/cb"));
        assert!(!redirect_matches(&reg, "http://localhost:8081/cb"));
    }

    #[test]
    fn pkce_verifier_abnf() {
        assert!(valid_verifier(&"a".repeat(43)));
        assert!(!valid_verifier(&"a".repeat(42)));
        assert!(!valid_verifier(&"a".repeat(129)));
        assert!(!valid_verifier(&format!("{}+", "a".repeat(43))));
    }

    #[test]
    fn redirect_parameters_are_encoded() {
        assert_eq!(
            redirect_with("https://a/cb", &[("code", "x y"), ("state", "s&t")], false),
            "https://a/cb?code=x%20y&state=s%26t"
        );
        assert_eq!(
            redirect_with("https://a/cb?k=v", &[("code", "c")], false),
            "https://a/cb?k=v&code=c"
        );
        assert_eq!(
            redirect_with("https://a/cb", &[("access_token", "t")], true),
            "https://a/cb#access_token=t"
        );
    }
}
