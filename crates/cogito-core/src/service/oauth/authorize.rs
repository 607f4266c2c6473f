//! `/oauth2/authorize`: request validation (SEC-01–08, SEC-13, SEC-14) and completion with a
//! code or implicit tokens; OAuth-scoped token minting.

use super::*;
use crate::crypto::fingerprint;
use crate::error::{CoreError, CoreResult};
use crate::model::{AuthorizationCode, RefreshSession, UserStatus};
use crate::service::Cogito;
use crate::service::triggers::tokens::TokenSource;

/// An authorization request that could not be checked for want of the store.
fn unavailable(cause: CoreError) -> AuthorizeError {
    tracing::warn!(error = %cause, "authorization request not validated");
    AuthorizeError::Unavailable
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
        let client = match self.pool_client(pool_id, client_id).await {
            Ok(c) => c,
            Err(CoreError::ResourceNotFound(_)) => return Err(page("Invalid client_id.")),
            Err(e) => return Err(unavailable(e)),
        };
        let pool = match self.pool(pool_id).await {
            Ok(pool) => pool,
            Err(CoreError::ResourceNotFound(_)) => return Err(page("Invalid client_id.")),
            Err(e) => return Err(unavailable(e)),
        };
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
        let code_challenge = super::pkce_challenge(
            p.code_challenge.as_deref(),
            p.code_challenge_method.as_deref(),
        )
        .map_err(|reason| fail("invalid_request", reason))?;
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
                // Scopes the client may not use are dropped (reference §4.3), so unknown
                // ones such as `address` or `offline_access` do not fail the request.
                let mut granted: Vec<String> = Vec::new();
                for a in s.split([' ', '+']).filter(|x| !x.is_empty()) {
                    if client.oauth.scopes.iter().any(|c| c == a) && !granted.iter().any(|g| g == a)
                    {
                        granted.push(a.to_string());
                    }
                }
                if granted.is_empty() {
                    return Err(fail(
                        "invalid_scope",
                        "none of the requested scopes is allowed for this client",
                    ));
                }
                granted
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
                    .mint_oauth(
                        &req.pool,
                        &req.client,
                        user,
                        &session,
                        req.nonce.as_deref(),
                        TokenSource::HostedAuth,
                    )
                    .await?;
                self.keep_oauth_session(&session.0).await?;
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

    pub(super) async fn new_oauth_session(
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
            device_key: None,
        };
        Ok((session, refresh_token))
    }

    /// Stores a sign-in session built by `new_oauth_session`, once its tokens were signed (a
    /// refusing pre-token-generation trigger leaves no session behind).
    pub(super) async fn keep_oauth_session(&self, session: &RefreshSession) -> CoreResult<()> {
        self.store
            .insert_refresh(session)
            .await
            .map_err(|e| CoreError::from_store("refresh", e))
    }

    pub(super) async fn mint_oauth(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        session: &(RefreshSession, String),
        nonce: Option<&str>,
        source: TokenSource,
    ) -> CoreResult<OAuthTokens> {
        let (session, _) = session;
        let openid = session
            .scope
            .as_deref()
            .unwrap_or_default()
            .split(' ')
            .any(|s| s == "openid");
        let (access_token, id_token) = self
            .sign_tokens(
                pool,
                client,
                user,
                session,
                crate::service::auth::Issue {
                    nonce,
                    with_id: openid,
                    source,
                },
            )
            .await?;
        Ok(OAuthTokens {
            access_token,
            id_token,
            refresh_token: None,
            expires_in: client.access_token_secs(),
        })
    }
}
