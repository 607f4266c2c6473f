//! App clients: which flows they may use, their secret, token lifetimes, attribute access, and
//! user-existence-error prevention.

use std::collections::BTreeMap;

/// `TokenValidityUnits`: `seconds|minutes|hours|days` per token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenValidityUnits {
    /// Unit of `AccessTokenValidity`.
    pub access_token: String,
    /// Unit of `IdTokenValidity`.
    pub id_token: String,
    /// Unit of `RefreshTokenValidity`.
    pub refresh_token: String,
}

impl Default for TokenValidityUnits {
    fn default() -> Self {
        Self {
            access_token: "hours".into(),
            id_token: "hours".into(),
            refresh_token: "days".into(),
        }
    }
}

/// Seconds in one `unit`; `None` for an unknown unit.
pub fn unit_seconds(unit: &str) -> Option<i64> {
    match unit {
        "seconds" => Some(1),
        "minutes" => Some(60),
        "hours" => Some(3600),
        "days" => Some(86400),
        _ => None,
    }
}

/// `RefreshTokenRotation` of an app client (security bar SEC-19).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshTokenRotation {
    /// `Feature = ENABLED`.
    pub enabled: bool,
    /// `RetryGracePeriodSeconds`: how long a rotated-out token still works.
    pub retry_grace_period_seconds: i64,
}

/// An app client of a user pool.
#[derive(Debug, Clone, PartialEq)]
pub struct AppClient {
    /// Pool.
    pub pool_id: String,
    /// Client id.
    pub client_id: String,
    /// `ClientName`.
    pub name: String,
    /// Secret, when the client has one.
    pub secret: Option<String>,
    /// `ExplicitAuthFlows` as given (may hold legacy names).
    pub explicit_auth_flows: Vec<String>,
    /// `AccessTokenValidity` in `units.access_token` (None = default 1 hour).
    pub access_token_validity: Option<i64>,
    /// `IdTokenValidity` in `units.id_token` (None = default 1 hour).
    pub id_token_validity: Option<i64>,
    /// `RefreshTokenValidity` in `units.refresh_token` (default 30 days).
    pub refresh_token_validity: i64,
    /// Units; `None` when not given (defaults apply, member not echoed).
    pub units: Option<TokenValidityUnits>,
    /// `ReadAttributes`; `None` = all.
    pub read_attributes: Option<Vec<String>>,
    /// `WriteAttributes`; `None` = all writable.
    pub write_attributes: Option<Vec<String>>,
    /// `ENABLED` or `LEGACY`.
    pub prevent_user_existence_errors: String,
    /// `EnableTokenRevocation`.
    pub enable_token_revocation: bool,
    /// `AuthSessionValidity` in minutes (3–15).
    pub auth_session_validity: i64,
    /// Creation, epoch ms.
    pub created_ms: i64,
    /// Last modification, epoch ms.
    pub modified_ms: i64,
    /// OAuth 2.0 settings (`AllowedOAuthFlows`, scopes, callback and logout URLs, …).
    pub oauth: super::oauth::OAuthSettings,
    /// `RefreshTokenRotation`; `None` when not given (tokens are not rotated).
    pub refresh_token_rotation: Option<RefreshTokenRotation>,
    /// Every other member (analytics, …), echoed by `DescribeUserPoolClient`.
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl AppClient {
    /// The units in force.
    pub fn units(&self) -> TokenValidityUnits {
        self.units.clone().unwrap_or_default()
    }

    /// Access-token lifetime in seconds.
    pub fn access_token_secs(&self) -> i64 {
        let units = self.units();
        self.access_token_validity.map_or(3600, |v| {
            v * unit_seconds(&units.access_token).unwrap_or(3600)
        })
    }

    /// ID-token lifetime in seconds.
    pub fn id_token_secs(&self) -> i64 {
        let units = self.units();
        self.id_token_validity
            .map_or(3600, |v| v * unit_seconds(&units.id_token).unwrap_or(3600))
    }

    /// Refresh-token lifetime in seconds.
    pub fn refresh_token_secs(&self) -> i64 {
        let units = self.units();
        self.refresh_token_validity * unit_seconds(&units.refresh_token).unwrap_or(86400)
    }

    /// Whether the client allows a flow, honouring legacy names (reference §5.1).
    pub fn allows_flow(&self, flow: &str) -> bool {
        let has = |f: &str| self.explicit_auth_flows.iter().any(|x| x == f);
        match flow {
            "USER_PASSWORD_AUTH" => has("ALLOW_USER_PASSWORD_AUTH") || has("USER_PASSWORD_AUTH"),
            "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => {
                has("ALLOW_ADMIN_USER_PASSWORD_AUTH") || has("ADMIN_NO_SRP_AUTH")
            }
            "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => {
                // Legacy-only clients always allowed refresh.
                has("ALLOW_REFRESH_TOKEN_AUTH")
                    || !self
                        .explicit_auth_flows
                        .iter()
                        .any(|f| f.starts_with("ALLOW_"))
            }
            "USER_SRP_AUTH" => {
                has("ALLOW_USER_SRP_AUTH")
                    || !self
                        .explicit_auth_flows
                        .iter()
                        .any(|f| f.starts_with("ALLOW_"))
            }
            "CUSTOM_AUTH" => has("ALLOW_CUSTOM_AUTH") || has("CUSTOM_AUTH_FLOW_ONLY"),
            "USER_AUTH" => has("ALLOW_USER_AUTH"),
            _ => false,
        }
    }

    /// Whether user-existence errors are hidden.
    pub fn prevents_existence_errors(&self) -> bool {
        self.prevent_user_existence_errors == "ENABLED"
    }
}
