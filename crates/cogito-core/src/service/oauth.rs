//! OAuth 2.0 / OpenID Connect (reference §4, security bar A–D): validation of authorization
//! requests, authorization codes with PKCE, the token endpoint's grants, OAuth-scoped tokens,
//! `userInfo`, and hosted-UI sessions and sign-in. The HTTP edge (`oauth2/`, `hosted_ui/`) only
//! parses requests and renders what these functions return.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::Cogito;
use super::auth::AuthOutcome;
use crate::crypto::{fingerprint, secrets_equal};
use crate::error::{CoreError, CoreResult};
use crate::model::{
    AppClient, AuthorizationCode, HostedSession, RefreshSession, User, UserPool, UserStatus,
};
use crate::store::StoreError;
use crate::token::claims::{self, TokenContext, client_can_read, scope_allows};
use crate::token::jwt;

/// Lifetime of an authorization code (reference §3.4).
pub const CODE_TTL_MS: i64 = 5 * 60 * 1000;
/// Lifetime of a hosted-UI session (reference §3.4).
pub const HOSTED_SESSION_MS: i64 = 3600 * 1000;
const RESERVED_SCOPES: &[&str] = &[
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

    fn internal(e: &CoreError) -> Self {
        tracing::error!(cause = %e, "oauth internal error");
        Self {
            error: "server_error",
            description: "Internal server error".into(),
            status: 500,
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

/// Result of a hosted-UI password sign-in.
#[derive(Debug, Clone)]
pub enum HostedSignIn {
    /// Signed in.
    Authenticated(User),
    /// The invited user must choose a password; answer with the session.
    NewPasswordRequired {
        /// Auth session to answer.
        session: String,
        /// Required attributes still missing (bare names).
        required_attributes: Vec<String>,
    },
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

fn is_base64url(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// PKCE verifier ABNF (RFC 7636 §4.1).
fn valid_verifier(v: &str) -> bool {
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

impl Cogito {
    /// Validates an authorization request for the pool of a domain (reference §4.3, SEC-01–08,
    /// SEC-13, SEC-14).
    pub async fn validate_authorize(
        &self,
        pool_id: &str,
        p: &AuthorizeParams,
    ) -> Result<AuthorizeRequest, AuthorizeError> {
        let page = |m: &str| AuthorizeError::Page(m.to_string());
        if p.repeated
            .iter()
            .any(|r| r == "client_id" || r == "redirect_uri")
        {
            return Err(page("A parameter was given more than once."));
        }
        let client_id = p
            .client_id
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| page("Missing client_id."))?;
        let client = match self.store.get_client(pool_id, client_id).await {
            Ok(c) => c,
            Err(StoreError::NotFound) => return Err(page("Invalid client_id.")),
            Err(e) => {
                return Err(page(&format!(
                    "Temporarily unavailable ({})",
                    CoreError::from_store("client", e)
                )));
            }
        };
        let pool = self
            .pool(pool_id)
            .await
            .map_err(|_| page("Invalid client_id."))?;
        let redirect_uri = p
            .redirect_uri
            .clone()
            .filter(|r| !r.is_empty())
            .ok_or_else(|| page("Missing redirect_uri."))?;
        if !client.oauth.enabled || !redirect_matches(&client.oauth.callback_urls, &redirect_uri) {
            return Err(page(
                "redirect_mismatch: the redirect_uri is not registered for this client.",
            ));
        }
        let implicit = p.response_type.as_deref() == Some("token");
        let fail = |error: &str, description: &str| {
            let mut params = vec![("error", error), ("error_description", description)];
            if let Some(s) = &p.state {
                params.push(("state", s));
            }
            AuthorizeError::Redirect(redirect_with(&redirect_uri, &params, implicit))
        };
        if let Some(r) = p.repeated.first() {
            return Err(fail("invalid_request", &format!("parameter {r} repeated")));
        }
        let response_type = match p.response_type.as_deref() {
            None | Some("") => return Err(fail("invalid_request", "response_type is required")),
            Some("code") => ResponseType::Code,
            Some("token") => ResponseType::Token,
            Some(_) => {
                return Err(fail(
                    "unsupported_response_type",
                    "response_type must be code or token",
                ));
            }
        };
        let flow = if response_type == ResponseType::Code {
            "code"
        } else {
            "implicit"
        };
        if !client.oauth.flows.iter().any(|f| f == flow) {
            return Err(fail(
                "unauthorized_client",
                "the client may not use this response_type",
            ));
        }
        let code_challenge = match (
            p.code_challenge.as_deref(),
            p.code_challenge_method.as_deref(),
        ) {
            (None, None) => None,
            (Some(c), Some("S256")) if c.len() == 43 && is_base64url(c) => Some(c.to_string()),
            (Some(_), Some("S256")) => {
                return Err(fail(
                    "invalid_request",
                    "code_challenge must be 43 base64url characters",
                ));
            }
            _ => {
                return Err(fail(
                    "invalid_request",
                    "only code_challenge_method=S256 is supported",
                ));
            }
        };
        if response_type == ResponseType::Code
            && client.secret.is_none()
            && code_challenge.is_none()
        {
            return Err(fail(
                "invalid_request",
                "PKCE (code_challenge with S256) is required for public clients",
            ));
        }
        let scopes = match p.scope.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => client.oauth.scopes.clone(),
            Some(s) => {
                let asked: Vec<String> = s
                    .split([' ', '+'])
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect();
                if asked.iter().any(|a| !client.oauth.scopes.contains(a)) {
                    return Err(fail(
                        "invalid_scope",
                        "a requested scope is not allowed for this client",
                    ));
                }
                asked
            }
        };
        let has_openid = scopes.iter().any(|s| s == "openid");
        if !has_openid
            && scopes
                .iter()
                .any(|s| matches!(s.as_str(), "email" | "phone" | "profile"))
        {
            return Err(fail(
                "invalid_scope",
                "email, phone and profile require openid",
            ));
        }
        if scopes.is_empty() {
            return Err(fail("invalid_scope", "no scope"));
        }
        let prompt = match p.prompt.as_deref() {
            None | Some("") => None,
            Some(v @ ("none" | "login")) => Some(v.to_string()),
            Some(_) => return Err(fail("invalid_request", "prompt must be none or login")),
        };
        let max_age =
            match p.max_age.as_deref() {
                None | Some("") => None,
                Some(v) => Some(v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                    fail("invalid_request", "max_age must be a number of seconds")
                })?),
            };
        Ok(AuthorizeRequest {
            pool,
            client,
            redirect_uri,
            response_type,
            state: p.state.clone(),
            scopes,
            nonce: p.nonce.clone(),
            code_challenge,
            prompt,
            max_age,
        })
    }

    /// The error redirect for a validated request (e.g. `login_required` for `prompt=none`).
    pub fn authorize_error(req: &AuthorizeRequest, error: &str, description: &str) -> String {
        let mut params = vec![("error", error), ("error_description", description)];
        if let Some(s) = &req.state {
            params.push(("state", s));
        }
        redirect_with(
            &req.redirect_uri,
            &params,
            req.response_type == ResponseType::Token,
        )
    }

    /// Finishes an authorization for a signed-in user: a code (query) or tokens (fragment).
    pub async fn complete_authorize(
        &self,
        req: &AuthorizeRequest,
        user: &User,
        auth_time: i64,
    ) -> CoreResult<String> {
        if !user.enabled || user.status != UserStatus::Confirmed {
            return Ok(Self::authorize_error(
                req,
                "access_denied",
                "the user cannot sign in",
            ));
        }
        let scope = req.scopes.join(" ");
        let state: Vec<(&str, &str)> = req
            .state
            .as_deref()
            .map(|s| vec![("state", s)])
            .unwrap_or_default();
        match req.response_type {
            ResponseType::Code => {
                let code = crate::ids::new_opaque_token(32);
                let record = AuthorizationCode {
                    code_hash: fingerprint(&code),
                    pool_id: req.pool.id.clone(),
                    client_id: req.client.client_id.clone(),
                    user_sub: user.sub.clone(),
                    redirect_uri: req.redirect_uri.clone(),
                    scope,
                    nonce: req.nonce.clone(),
                    code_challenge: req.code_challenge.clone(),
                    auth_time,
                    expires_ms: self.clock.now_ms() + CODE_TTL_MS,
                    used_ms: None,
                    issued_origin_jti: None,
                };
                self.store
                    .insert_authorization_code(&record)
                    .await
                    .map_err(|e| CoreError::from_store("code", e))?;
                let mut params = vec![("code", code.as_str())];
                params.extend(state);
                Ok(redirect_with(&req.redirect_uri, &params, false))
            }
            ResponseType::Token => {
                let session = self
                    .new_oauth_session(&req.pool, &req.client, user, &scope, auth_time)
                    .await?;
                let tokens = self
                    .mint_oauth(&req.pool, &req.client, user, &session, req.nonce.as_deref())
                    .await?;
                let expires = tokens.expires_in.to_string();
                let mut params = vec![("access_token", tokens.access_token.as_str())];
                if let Some(id) = &tokens.id_token {
                    params.push(("id_token", id));
                }
                params.extend([("token_type", "Bearer"), ("expires_in", expires.as_str())]);
                params.extend(state);
                Ok(redirect_with(&req.redirect_uri, &params, true))
            }
        }
    }

    async fn new_oauth_session(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        scope: &str,
        auth_time: i64,
    ) -> CoreResult<(RefreshSession, String)> {
        let now = self.clock.now_ms();
        let refresh_token = crate::ids::new_opaque_token(64);
        let session = RefreshSession {
            origin_jti: crate::ids::new_uuid(),
            token_hash: fingerprint(&refresh_token),
            pool_id: pool.id.clone(),
            client_id: client.client_id.clone(),
            user_sub: user.sub.clone(),
            auth_time,
            created_ms: now,
            expires_ms: now + client.refresh_token_secs() * 1000,
            revoked_ms: None,
            scope: Some(scope.to_string()),
        };
        self.store
            .insert_refresh(&session)
            .await
            .map_err(|e| CoreError::from_store("refresh", e))?;
        Ok((session, refresh_token))
    }

    async fn mint_oauth(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        session: &(RefreshSession, String),
        nonce: Option<&str>,
    ) -> CoreResult<OAuthTokens> {
        let (session, _) = session;
        let keys = self.keys.keys(&pool.id).await?;
        let groups = self.all_groups_of(&pool.id, &user.sub).await?;
        let issuer = self.issuer(&pool.id);
        let event_id = crate::ids::new_uuid();
        let scope = session.scope.as_deref().unwrap_or_default();
        let ctx = TokenContext {
            issuer: &issuer,
            pool,
            client,
            user,
            groups: &groups,
            auth_time: session.auth_time,
            origin_jti: &session.origin_jti,
            event_id: &event_id,
            now: self.clock.now_secs(),
            scope: Some(scope),
            nonce,
        };
        let access_token = jwt::sign(
            &keys.access.kid,
            &keys.access.pair,
            &claims::access_token(&ctx),
        );
        let id_token = scope
            .split(' ')
            .any(|s| s == "openid")
            .then(|| jwt::sign(&keys.id.kid, &keys.id.pair, &claims::id_token(&ctx)));
        Ok(OAuthTokens {
            access_token,
            id_token,
            refresh_token: None,
            expires_in: client.access_token_secs(),
        })
    }

    /// `POST /oauth2/token` for the pool of a domain.
    pub async fn token(
        &self,
        pool_id: &str,
        auth: &ClientAuth,
        req: &TokenRequest,
    ) -> Result<OAuthTokens, OAuthError> {
        let client = self.authenticate_client(pool_id, auth).await?;
        let pool = self
            .pool(pool_id)
            .await
            .map_err(|e| OAuthError::internal(&e))?;
        match req.grant_type.as_deref() {
            Some("authorization_code") => self.grant_code(&pool, &client, req).await,
            Some("refresh_token") => self.grant_refresh(&pool, &client, req).await,
            Some("client_credentials") => self.grant_client_credentials(&pool, &client, req).await,
            None | Some("") => Err(OAuthError::new("invalid_request", "grant_type is required")),
            Some(_) => Err(OAuthError::new(
                "unsupported_grant_type",
                "unsupported grant_type",
            )),
        }
    }

    /// Authenticates a client at the token / revocation endpoints (constant-time secret check).
    pub async fn authenticate_client(
        &self,
        pool_id: &str,
        auth: &ClientAuth,
    ) -> Result<AppClient, OAuthError> {
        let bad = || OAuthError::new("invalid_client", "client authentication failed");
        if auth.client_id.is_empty() {
            return Err(bad());
        }
        let client = match self.store.get_client(pool_id, &auth.client_id).await {
            Ok(c) => c,
            Err(StoreError::NotFound) => return Err(bad()),
            Err(e) => return Err(OAuthError::internal(&CoreError::from_store("client", e))),
        };
        match (&client.secret, &auth.secret) {
            (Some(s), Some(given)) if secrets_equal(s.as_bytes(), given.as_bytes()) => Ok(client),
            (None, None) => Ok(client),
            _ => Err(bad()),
        }
    }

    async fn grant_code(
        &self,
        pool: &UserPool,
        client: &AppClient,
        req: &TokenRequest,
    ) -> Result<OAuthTokens, OAuthError> {
        let invalid = |d: &str| OAuthError::new("invalid_grant", d);
        if !client.oauth.flows.iter().any(|f| f == "code") {
            return Err(OAuthError::new(
                "unauthorized_client",
                "the client may not use the authorization code grant",
            ));
        }
        let code = req
            .code
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| OAuthError::new("invalid_request", "code is required"))?;
        let now = self.clock.now_ms();
        let record = match self
            .store
            .redeem_authorization_code(&fingerprint(code), now)
            .await
        {
            Ok(r) => r,
            Err(StoreError::NotFound) => return Err(invalid("invalid code")),
            Err(e) => return Err(OAuthError::internal(&CoreError::from_store("code", e))),
        };
        if record.used_ms.is_some() {
            // Replay (SEC-09): revoke what the first redemption issued.
            if let Some(origin) = &record.issued_origin_jti {
                let _ = self.store.revoke_refresh(origin, now).await;
            }
            return Err(invalid("the code was already used"));
        }
        if record.expires_ms < now
            || record.pool_id != pool.id
            || record.client_id != client.client_id
        {
            return Err(invalid("invalid code"));
        }
        if req.redirect_uri.as_deref() != Some(record.redirect_uri.as_str()) {
            return Err(invalid(
                "redirect_uri does not match the authorization request",
            ));
        }
        match (&record.code_challenge, req.code_verifier.as_deref()) {
            (None, None) => {}
            (Some(challenge), Some(v)) if valid_verifier(v) => {
                let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes()));
                if !secrets_equal(computed.as_bytes(), challenge.as_bytes()) {
                    return Err(invalid("PKCE verification failed"));
                }
            }
            _ => return Err(invalid("PKCE verification failed")),
        }
        let user = self.live_user(&pool.id, &record.user_sub).await?;
        let session = self
            .new_oauth_session(pool, client, &user, &record.scope, record.auth_time)
            .await
            .map_err(|e| OAuthError::internal(&e))?;
        let _ = self
            .store
            .set_code_origin(&record.code_hash, &session.0.origin_jti)
            .await;
        let mut tokens = self
            .mint_oauth(pool, client, &user, &session, record.nonce.as_deref())
            .await
            .map_err(|e| OAuthError::internal(&e))?;
        tokens.refresh_token = Some(session.1);
        Ok(tokens)
    }

    async fn live_user(&self, pool_id: &str, sub: &str) -> Result<User, OAuthError> {
        match self.store.get_user_by_sub(pool_id, sub).await {
            Ok(u) if u.enabled => Ok(u),
            Ok(_) | Err(StoreError::NotFound) => {
                Err(OAuthError::new("invalid_grant", "the user cannot sign in"))
            }
            Err(e) => Err(OAuthError::internal(&CoreError::from_store("user", e))),
        }
    }

    async fn grant_refresh(
        &self,
        pool: &UserPool,
        client: &AppClient,
        req: &TokenRequest,
    ) -> Result<OAuthTokens, OAuthError> {
        let invalid = || OAuthError::new("invalid_grant", "invalid refresh token");
        let token = req
            .refresh_token
            .as_deref()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| OAuthError::new("invalid_request", "refresh_token is required"))?;
        let session = match self.store.get_refresh_by_hash(&fingerprint(token)).await {
            Ok(s) => s,
            Err(StoreError::NotFound) => return Err(invalid()),
            Err(e) => return Err(OAuthError::internal(&CoreError::from_store("refresh", e))),
        };
        if session.pool_id != pool.id
            || session.client_id != client.client_id
            || session.revoked_ms.is_some()
            || session.expires_ms < self.clock.now_ms()
        {
            return Err(invalid());
        }
        let granted = session
            .scope
            .clone()
            .unwrap_or_else(|| "aws.cognito.signin.user.admin".into());
        let mut session = session;
        if let Some(asked) = req
            .scope
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let granted_set: Vec<&str> = granted.split(' ').collect();
            if asked.split(' ').any(|s| !granted_set.contains(&s)) {
                return Err(OAuthError::new(
                    "invalid_scope",
                    "a refresh cannot widen the granted scope",
                ));
            }
            session.scope = Some(asked.to_string());
        } else {
            session.scope = Some(granted);
        }
        let user = self.live_user(&pool.id, &session.user_sub).await?;
        self.mint_oauth(pool, client, &user, &(session, String::new()), None)
            .await
            .map_err(|e| OAuthError::internal(&e))
    }

    async fn grant_client_credentials(
        &self,
        pool: &UserPool,
        client: &AppClient,
        req: &TokenRequest,
    ) -> Result<OAuthTokens, OAuthError> {
        if client.secret.is_none() || !client.oauth.flows.iter().any(|f| f == "client_credentials")
        {
            return Err(OAuthError::new(
                "unauthorized_client",
                "the client may not use client_credentials",
            ));
        }
        let custom: Vec<&String> = client
            .oauth
            .scopes
            .iter()
            .filter(|s| !RESERVED_SCOPES.contains(&s.as_str()))
            .collect();
        let scopes: Vec<String> = match req
            .scope
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => custom.iter().map(|s| s.to_string()).collect(),
            Some(asked) => {
                let asked: Vec<String> = asked
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                if asked.iter().any(|a| !custom.contains(&a)) {
                    return Err(OAuthError::new(
                        "invalid_scope",
                        "a requested scope is not allowed for this client",
                    ));
                }
                asked
            }
        };
        if scopes.is_empty() {
            return Err(OAuthError::new(
                "invalid_scope",
                "the client has no custom scopes",
            ));
        }
        let keys = self
            .keys
            .keys(&pool.id)
            .await
            .map_err(|e| OAuthError::internal(&e))?;
        let now = self.clock.now_secs();
        let claims = json!({
            "sub": client.client_id,
            "token_use": "access",
            "scope": scopes.join(" "),
            "auth_time": now,
            "iss": self.issuer(&pool.id),
            "exp": now + client.access_token_secs(),
            "iat": now,
            "version": 2,
            "jti": crate::ids::new_uuid(),
            "client_id": client.client_id,
        });
        Ok(OAuthTokens {
            access_token: jwt::sign(&keys.access.kid, &keys.access.pair, &claims),
            id_token: None,
            refresh_token: None,
            expires_in: client.access_token_secs(),
        })
    }

    /// `/oauth2/userInfo`: the user's claims released by the token's scopes (reference §3.7).
    /// Only tokens from the OAuth endpoints with `openid` are accepted.
    pub async fn user_info(&self, access_token: &str) -> CoreResult<Value> {
        let caller = self.verify_access_token(access_token, "openid").await?;
        let scope = caller
            .claims
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let mut out = Map::new();
        out.insert("sub".into(), json!(caller.user.sub));
        for (name, value) in &caller.user.attributes {
            if client_can_read(&caller.client, name) && scope_allows(&scope, name) {
                let v = match caller
                    .pool
                    .attribute(name)
                    .map(|a| a.attribute_data_type.as_str())
                {
                    Some("Boolean") if !name.starts_with("custom:") => json!(value == "true"),
                    _ => json!(value),
                };
                out.insert(name.clone(), v);
            }
        }
        out.insert("username".into(), json!(caller.user.username));
        Ok(Value::Object(out))
    }

    /// `/oauth2/revoke`: revokes a refresh token of an authenticated client (RFC 7009; an
    /// unknown token is not an error).
    pub async fn oauth_revoke(
        &self,
        pool_id: &str,
        auth: &ClientAuth,
        token: &str,
    ) -> Result<(), OAuthError> {
        let client = self.authenticate_client(pool_id, auth).await?;
        if !client.enable_token_revocation {
            return Err(OAuthError::new(
                "invalid_request",
                "token revocation is disabled for this client",
            ));
        }
        if jwt::parse(token).is_ok() {
            return Err(OAuthError::new(
                "unsupported_token_type",
                "only refresh tokens can be revoked",
            ));
        }
        match self.store.get_refresh_by_hash(&fingerprint(token)).await {
            Ok(s) if s.client_id == client.client_id => self
                .store
                .revoke_refresh(&s.origin_jti, self.clock.now_ms())
                .await
                .map_err(|e| OAuthError::internal(&CoreError::from_store("revoke", e))),
            Ok(_) => Err(OAuthError::new(
                "unauthorized_client",
                "the token belongs to another client",
            )),
            Err(StoreError::NotFound) => Ok(()),
            Err(e) => Err(OAuthError::internal(&CoreError::from_store("revoke", e))),
        }
    }

    /// Starts a hosted-UI session for a user; returns the cookie value.
    pub async fn create_hosted_session(
        &self,
        pool_id: &str,
        user: &User,
        auth_time: i64,
    ) -> CoreResult<String> {
        let id = crate::ids::new_opaque_token(32);
        let session = HostedSession {
            id_hash: fingerprint(&id),
            pool_id: pool_id.to_string(),
            user_sub: user.sub.clone(),
            auth_time,
            expires_ms: self.clock.now_ms() + HOSTED_SESSION_MS,
        };
        self.store
            .put_hosted_session(&session)
            .await
            .map_err(|e| CoreError::from_store("hosted session", e))?;
        Ok(id)
    }

    /// The live hosted-UI session behind a cookie value, with its (still enabled) user.
    pub async fn hosted_session(
        &self,
        pool_id: &str,
        cookie: &str,
    ) -> CoreResult<Option<(HostedSession, User)>> {
        let session = match self.store.get_hosted_session(&fingerprint(cookie)).await {
            Ok(s) => s,
            Err(StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(CoreError::from_store("hosted session", e)),
        };
        if session.pool_id != pool_id || session.expires_ms < self.clock.now_ms() {
            return Ok(None);
        }
        match self.store.get_user_by_sub(pool_id, &session.user_sub).await {
            Ok(u) if u.enabled => Ok(Some((session, u))),
            Ok(_) | Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(CoreError::from_store("user", e)),
        }
    }

    /// Ends a hosted-UI session (`/logout`).
    pub async fn end_hosted_session(&self, cookie: &str) -> CoreResult<()> {
        self.store
            .delete_hosted_session(&fingerprint(cookie))
            .await
            .map_err(|e| CoreError::from_store("hosted session", e))
    }

    /// Password sign-in on the hosted UI: the API's state machine (status gates, lockout,
    /// temporary passwords), with existence errors always hidden.
    pub async fn hosted_sign_in(
        &self,
        pool: &UserPool,
        client: &AppClient,
        username: &str,
        password: &str,
    ) -> CoreResult<HostedSignIn> {
        let Some(user) = self.lookup_user(pool, username).await? else {
            self.hasher.burn(password).await;
            return Err(CoreError::incorrect_credentials());
        };
        let user = self.check_password(pool, user, password).await?;
        if user.status == UserStatus::ForceChangePassword {
            let days = i64::from(
                match pool.password_policy.temporary_password_validity_days {
                    0 => 7,
                    d => d,
                },
            );
            if self.clock.now_ms() > user.password_set_ms + days * 86_400_000 {
                return Err(CoreError::NotAuthorized(
                    "Temporary password has expired and must be reset by an administrator.".into(),
                ));
            }
            let required_attributes =
                crate::attributes::missing_required(pool, |n| user.attr(n).is_some());
            return match self.new_password_challenge(pool, client, &user).await? {
                AuthOutcome::Challenge(c) => Ok(HostedSignIn::NewPasswordRequired {
                    session: c.session,
                    required_attributes,
                }),
                AuthOutcome::Authenticated(_) => {
                    Err(CoreError::Internal("unexpected sign-in outcome".into()))
                }
            };
        }
        Ok(HostedSignIn::Authenticated(user))
    }
}

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
