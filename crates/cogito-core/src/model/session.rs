//! Short-lived records: confirmation codes, auth-challenge sessions, and refresh sessions (one per
//! sign-in, the unit that revocation acts on).

/// What a code confirms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodePurpose {
    /// Sign-up confirmation (`ConfirmSignUp`).
    SignUp,
    /// Password reset (`ConfirmForgotPassword`).
    ForgotPassword,
    /// Verification of an attribute (`VerifyUserAttribute`), e.g. `email`.
    VerifyAttribute(String),
}

impl CodePurpose {
    /// Stable key used by the store.
    pub fn key(&self) -> String {
        match self {
            Self::SignUp => "signup".into(),
            Self::ForgotPassword => "forgot".into(),
            Self::VerifyAttribute(a) => format!("verify:{a}"),
        }
    }
}

/// A pending code for one user and purpose. Only a hash of the code is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Code {
    /// Pool of the user.
    pub pool_id: String,
    /// The user's `sub`.
    pub user_sub: String,
    /// What it confirms.
    pub purpose: CodePurpose,
    /// Keyed fingerprint (HMAC-SHA256 under a master-key subkey) of the code, hex.
    pub code_hash: String,
    /// Expiry, epoch ms.
    pub expires_ms: i64,
    /// Failed attempts so far.
    pub attempts: u32,
    /// The attribute the code was sent to (`email` / `phone_number`), if any.
    pub destination_attribute: Option<String>,
}

/// An auth-challenge session (`Session` member), e.g. for `NEW_PASSWORD_REQUIRED`.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthSession {
    /// SHA-256 of the opaque session string, hex.
    pub id_hash: String,
    /// Pool.
    pub pool_id: String,
    /// Client that started the flow.
    pub client_id: String,
    /// The user's `sub`.
    pub user_sub: String,
    /// Challenge being answered.
    pub challenge: String,
    /// Expiry, epoch ms.
    pub expires_ms: i64,
    /// The challenge's own state, sealed (e.g. the fingerprint of a code sent).
    pub state: Option<String>,
    /// Answers tried so far (each counted before it is checked).
    pub attempts: u32,
}

/// One sign-in: the refresh token (stored only as a hash) and the `origin_jti` every token
/// minted from it carries. Revoking it revokes all of them.
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshSession {
    /// `origin_jti` of the sign-in.
    pub origin_jti: String,
    /// SHA-256 of the refresh token, hex.
    pub token_hash: String,
    /// Pool.
    pub pool_id: String,
    /// Client the tokens are bound to.
    pub client_id: String,
    /// The user's `sub`.
    pub user_sub: String,
    /// `auth_time` of the original authentication, epoch s.
    pub auth_time: i64,
    /// Creation, epoch ms.
    pub created_ms: i64,
    /// Refresh-token expiry, epoch ms.
    pub expires_ms: i64,
    /// When it was revoked, epoch ms.
    pub revoked_ms: Option<i64>,
    /// Granted OAuth scopes (space-separated); `None` for API sign-ins.
    pub scope: Option<String>,
    /// The device the sign-in was made on (`device_key` claim).
    pub device_key: Option<String>,
}
