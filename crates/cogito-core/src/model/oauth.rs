//! OAuth 2.0 / hosted-UI records: user-pool domains, resource servers with custom scopes, the
//! OAuth settings of app clients, authorization codes, hosted-UI sessions and UI customisation.

/// A user-pool domain (`CreateUserPoolDomain`): a prefix (`mydomain` → reachable as
/// `mydomain.auth.<host>` and under the path form `/domain/mydomain/...`) or a custom domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    /// The domain prefix or custom host name (unique across the instance).
    pub domain: String,
    /// Pool it serves.
    pub pool_id: String,
    /// A custom domain (full host name) rather than a prefix.
    pub custom: bool,
    /// `ManagedLoginVersion` (1 classic, 2 managed login); informational.
    pub managed_login_version: i64,
    /// Creation, epoch ms.
    pub created_ms: i64,
}

/// One custom scope of a resource server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceServerScope {
    /// `ScopeName`.
    pub name: String,
    /// `ScopeDescription`.
    pub description: String,
}

/// A resource server (`CreateResourceServer`): its scopes are `<identifier>/<scope>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceServer {
    /// Pool.
    pub pool_id: String,
    /// `Identifier` (unique per pool), e.g. `https://api.example.com`.
    pub identifier: String,
    /// `Name`.
    pub name: String,
    /// Scopes.
    pub scopes: Vec<ResourceServerScope>,
}

/// The OAuth settings of an app client (reference §4.9). Stored with the client.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OAuthSettings {
    /// `AllowedOAuthFlowsUserPoolClient`.
    pub enabled: bool,
    /// `AllowedOAuthFlows`: `code`, `implicit`, `client_credentials`.
    pub flows: Vec<String>,
    /// `AllowedOAuthScopes`.
    pub scopes: Vec<String>,
    /// `CallbackURLs` (exact match).
    pub callback_urls: Vec<String>,
    /// `LogoutURLs` (exact match).
    pub logout_urls: Vec<String>,
    /// `DefaultRedirectURI`.
    pub default_redirect_uri: Option<String>,
    /// `SupportedIdentityProviders` (`COGNITO`, …).
    pub identity_providers: Vec<String>,
}

/// An authorization code: single use, 5 minutes, bound to client, redirect URI and PKCE
/// challenge. Only a hash of the code is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationCode {
    /// SHA-256 of the code, hex.
    pub code_hash: String,
    /// Pool.
    pub pool_id: String,
    /// Client the code was issued to.
    pub client_id: String,
    /// The user's `sub`.
    pub user_sub: String,
    /// `redirect_uri` given at authorize (must be repeated at the token endpoint).
    pub redirect_uri: String,
    /// Granted scopes, space-separated.
    pub scope: String,
    /// `nonce` for the ID token.
    pub nonce: Option<String>,
    /// PKCE `code_challenge` (S256).
    pub code_challenge: Option<String>,
    /// Original authentication time (hosted-UI session), epoch s.
    pub auth_time: i64,
    /// Expiry, epoch ms.
    pub expires_ms: i64,
    /// When it was redeemed (a second redemption revokes what the first issued).
    pub used_ms: Option<i64>,
    /// `origin_jti` of the tokens the first redemption issued.
    pub issued_origin_jti: Option<String>,
}

/// A hosted-UI session (the SSO cookie refers to it by a random id stored hashed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostedSession {
    /// SHA-256 of the session id, hex.
    pub id_hash: String,
    /// Pool.
    pub pool_id: String,
    /// The signed-in user's `sub`.
    pub user_sub: String,
    /// When the user authenticated, epoch s.
    pub auth_time: i64,
    /// Expiry (1 hour after sign-in), epoch ms.
    pub expires_ms: i64,
}

/// UI customisation of a pool (client_id `None`) or of one client: CSS, logo, template
/// overrides (`SetUICustomization` and cogito's own extension).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UiCustomization {
    /// Pool.
    pub pool_id: String,
    /// Client, or `None` for the pool-wide default (`ALL` on the wire).
    pub client_id: Option<String>,
    /// Extra CSS.
    pub css: Option<String>,
    /// Logo image bytes.
    pub image: Option<Vec<u8>>,
    /// Template overrides: template name (e.g. `login.html`) → template source.
    pub templates: std::collections::BTreeMap<String, String>,
    /// Last modification, epoch ms.
    pub modified_ms: i64,
}
