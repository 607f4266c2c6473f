//! `/oauth2/token` grants (authorization code with PKCE, refresh, client credentials),
//! client authentication, `userInfo` and `/oauth2/revoke`.

use crate::service::triggers::tokens::TokenSource;
use serde_json::{Map, Value, json};

use super::rotation::RefreshLookup;
use super::*;
use crate::crypto::{fingerprint, secrets_equal};
use crate::error::{CoreError, CoreResult};
use crate::service::Cogito;
use crate::store::StoreError;
use crate::token::claims::{client_can_read, scope_allows};
use crate::token::jwt;

impl Cogito {
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
        let client = match self.pool_client(pool_id, &auth.client_id).await {
            Ok(c) => c,
            Err(CoreError::ResourceNotFound(_)) => return Err(bad()),
            Err(e) => return Err(OAuthError::internal(&e)),
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
            (Some(challenge), Some(v)) if super::pkce_verified(challenge, v) => {}
            _ => return Err(invalid("PKCE verification failed")),
        }
        let user = self.live_user(&pool.id, &record.user_sub).await?;
        let session = self
            .new_oauth_session(pool, client, &user, &record.scope, record.auth_time)
            .await
            .map_err(|e| OAuthError::internal(&e))?;
        let mut tokens = self
            .mint_oauth(
                pool,
                client,
                &user,
                &session,
                record.nonce.as_deref(),
                TokenSource::HostedAuth,
            )
            .await
            .map_err(|e| OAuthError::internal(&e))?;
        self.keep_oauth_session(&session.0)
            .await
            .map_err(|e| OAuthError::internal(&e))?;
        let _ = self
            .store
            .set_code_origin(&record.code_hash, &session.0.origin_jti)
            .await;
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
        let session = match self.find_refresh(client, token).await {
            Ok(RefreshLookup::Found(s)) => s,
            Ok(RefreshLookup::Reused) => {
                return Err(OAuthError::new(
                    "invalid_grant",
                    "the refresh token was reused after rotation; the session is revoked",
                ));
            }
            Ok(RefreshLookup::Unknown) => return Err(invalid()),
            Err(e) => return Err(OAuthError::internal(&e)),
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
        // Rotate before minting: a refresh that loses the rotation race gets nothing (REL-22).
        let rotated = match self.rotate_if_enabled(client, &session).await {
            Ok(r) => r,
            Err(CoreError::NotAuthorized(_)) => return Err(invalid()),
            Err(e) => return Err(OAuthError::internal(&e)),
        };
        let mut tokens = self
            .mint_oauth(
                pool,
                client,
                &user,
                &(session.clone(), String::new()),
                None,
                TokenSource::RefreshTokens,
            )
            .await
            .map_err(|e| OAuthError::internal(&e))?;
        tokens.refresh_token = rotated;
        Ok(tokens)
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
        let changes = self
            .client_token_changes(pool, &client.client_id, &scopes.join(" "))
            .await
            .map_err(|e| OAuthError::internal(&e))?;
        let now = self.clock.now_secs();
        let mut claims = json!({
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
        changes.apply_to_access(&mut claims);
        Ok(OAuthTokens {
            access_token: jwt::sign(&keys.access.kid, &keys.access.pair, &claims),
            id_token: None,
            refresh_token: None,
            expires_in: client.access_token_secs(),
        })
    }

    /// `/oauth2/userInfo` on the domain of `pool_id`: the user's claims released by the token's
    /// scopes (reference §3.7). Only tokens of this pool from the OAuth endpoints with `openid`
    /// are accepted (security bar SEC-28).
    pub async fn user_info(&self, pool_id: &str, access_token: &str) -> CoreResult<Value> {
        let caller = self.verify_access_token(access_token, "openid").await?;
        if caller.pool.id != pool_id {
            return Err(CoreError::NotAuthorized("Invalid Access Token".into()));
        }
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
}
