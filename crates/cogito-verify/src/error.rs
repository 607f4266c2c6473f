//! Why a token was refused.

/// Why a token was refused, or the key set could not be loaded.
///
/// Every check has its own variant, so callers (and tests) can tell a forged token from an
/// expired one. The messages never contain the token; [`VerifyError::UnsupportedAlgorithm`] and
/// [`VerifyError::UnknownKid`] carry the (truncated) header value the token named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// Not a compact JWS of three base64url parts with JSON header and payload, or a required
    /// claim (`sub`, `iss`, `exp`, `iat`, `token_use`, `kid`) is missing or of the wrong type.
    #[error("malformed token")]
    Malformed,
    /// The header names an algorithm other than RS256 (`none`, `HS256`, ...).
    #[error("unsupported algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// No key in the JWKS has the header's `kid` (after a refetch, if one was allowed).
    #[error("unknown key id {0}")]
    UnknownKid(String),
    /// The RS256 signature does not verify with the key the header names.
    #[error("invalid signature")]
    BadSignature,
    /// `exp` (plus the leeway) is in the past.
    #[error("token expired")]
    Expired,
    /// `nbf` or `iat` (minus the leeway) is in the future.
    #[error("token not yet valid")]
    NotYetValid,
    /// `iss` is not exactly the configured issuer.
    #[error("wrong issuer")]
    WrongIssuer,
    /// `token_use` is not the expected `id` / `access`.
    #[error("wrong token use")]
    WrongTokenUse,
    /// `aud` (ID token) or `client_id` (access token) is not one of the configured client ids.
    #[error("token issued to another client")]
    WrongClient,
    /// The user is not in a required group (`cognito:groups`).
    #[error("missing group {0}")]
    MissingGroup(String),
    /// The token lacks a required scope (`scope`).
    #[error("missing scope {0}")]
    MissingScope(String),
    /// The JWKS could not be fetched or parsed.
    #[error("JWKS unavailable: {0}")]
    Jwks(String),
}

impl VerifyError {
    /// True for the authorisation failures ([`VerifyError::MissingGroup`],
    /// [`VerifyError::MissingScope`]): the token is valid but not sufficient (HTTP 403).
    pub fn is_insufficient(&self) -> bool {
        matches!(self, Self::MissingGroup(_) | Self::MissingScope(_))
    }
}
