//! Users: identity (internal username, `sub`), status, password hash, attributes, and the
//! lockout counters of reference §8.4.

use std::collections::BTreeMap;

/// Account status (reference §8.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    /// Signed up, not yet confirmed.
    Unconfirmed,
    /// Confirmed.
    Confirmed,
    /// Must reset the password (`AdminResetUserPassword`).
    ResetRequired,
    /// Invited: must replace the temporary password.
    ForceChangePassword,
}

impl UserStatus {
    /// Cognito's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unconfirmed => "UNCONFIRMED",
            Self::Confirmed => "CONFIRMED",
            Self::ResetRequired => "RESET_REQUIRED",
            Self::ForceChangePassword => "FORCE_CHANGE_PASSWORD",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Unconfirmed,
            Self::Confirmed,
            Self::ResetRequired,
            Self::ForceChangePassword,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// A user of a pool.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// Pool the user belongs to.
    pub pool_id: String,
    /// Immutable internal username (`cognito:username`), stored as given.
    pub username: String,
    /// `sub`: a UUID, unique per pool.
    pub sub: String,
    /// Account status.
    pub status: UserStatus,
    /// `false` after `AdminDisableUser`.
    pub enabled: bool,
    /// PHC-format argon2id hash; `None` for a user who must reset.
    pub password_hash: Option<String>,
    /// The SRP verifier of the current password, sealed under the master key and bound to this
    /// user (base64); `None` before a password is set, or for passwords set before verifiers
    /// were stored.
    pub srp_verifier: Option<String>,
    /// When the current password was set, epoch ms (temporary-password expiry).
    pub password_set_ms: i64,
    /// Hashes of previous passwords, newest first (password history policy).
    pub password_history: Vec<String>,
    /// Attribute name → value (standard names, `custom:x`, `dev:x`; booleans as "true"/"false").
    /// Does not contain `sub`.
    pub attributes: BTreeMap<String, String>,
    /// Creation, epoch ms.
    pub created_ms: i64,
    /// Last modification, epoch ms.
    pub modified_ms: i64,
    /// Failed password attempts counted for lockout.
    pub failed_attempts: u32,
    /// Lockout end, epoch ms (0 = not locked).
    pub locked_until_ms: i64,
    /// Time of the last failed attempt, epoch ms.
    pub last_failure_ms: i64,
    /// MFA settings: written only by the store's MFA operations, never by a user change.
    pub mfa: super::UserMfa,
}

impl User {
    /// An attribute's value, if set.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(String::as_str)
    }

    /// Whether a boolean attribute (`email_verified`) is `"true"`.
    pub fn attr_is_true(&self, name: &str) -> bool {
        self.attr(name) == Some("true")
    }
}

/// The kind of a login key: one way to name a user at sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginKeyKind {
    /// The internal username.
    Username,
    /// E-mail (as username attribute or verified alias).
    Email,
    /// Phone number (as username attribute or verified alias).
    PhoneNumber,
    /// `preferred_username` alias.
    PreferredUsername,
}

impl LoginKeyKind {
    /// Stable key used by the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Username => "username",
            Self::Email => "email",
            Self::PhoneNumber => "phone_number",
            Self::PreferredUsername => "preferred_username",
        }
    }
}

/// A normalised name a user can sign in with. The store keeps these unique per pool, which is
/// what makes "one username, one user" hold under concurrency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginKey {
    /// What it is.
    pub kind: LoginKeyKind,
    /// Normalised value (lower-cased when the pool is case-insensitive or for e-mails).
    pub value: String,
}
