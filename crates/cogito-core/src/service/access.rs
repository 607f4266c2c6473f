//! Access-token authorisation of the self-service operations (reference §1.4): signature by
//! the pool's access key, `token_use`, issuer, expiry, scope, revocation, user state.

use serde_json::Value;

use super::Cogito;
use crate::error::{CoreError, CoreResult};
use crate::model::{AppClient, User, UserPool};
use crate::store::StoreError;
use crate::token::jwt;

const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// A caller proven by a valid access token.
#[derive(Debug, Clone)]
pub struct TokenCaller {
    /// The pool.
    pub pool: UserPool,
    /// The client the token was issued to.
    pub client: AppClient,
    /// The user.
    pub user: User,
    /// The token's claims.
    pub claims: Value,
}

fn invalid() -> CoreError {
    CoreError::NotAuthorized("Invalid Access Token".into())
}

impl Cogito {
    /// Verifies an access token for the self-service operations (scope
    /// `aws.cognito.signin.user.admin`) and loads its user.
    pub async fn authorize_access_token(&self, token: &str) -> CoreResult<TokenCaller> {
        self.verify_access_token(token, ADMIN_SCOPE).await
    }

    /// Verifies an access token that must carry `required_scope` and loads its user.
    pub async fn verify_access_token(
        &self,
        token: &str,
        required_scope: &str,
    ) -> CoreResult<TokenCaller> {
        let parsed = jwt::parse(token).map_err(|_| invalid())?;
        let claim = |n: &str| {
            parsed
                .claims
                .get(n)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let iss = claim("iss").ok_or_else(invalid)?;
        let pool_id = iss.rsplit('/').next().unwrap_or_default().to_string();
        if iss != self.issuer(&pool_id) {
            return Err(invalid());
        }
        let keys = self.keys.keys(&pool_id).await.map_err(|_| invalid())?;
        let key = keys.access_key(&parsed.kid).ok_or_else(invalid)?;
        self.keys
            .verified()
            .check(token, || parsed.verify(&key.public))
            .map_err(|_| invalid())?;
        if claim("token_use").as_deref() != Some("access") {
            return Err(invalid());
        }
        let exp = parsed
            .claims
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or_else(invalid)?;
        if exp <= self.clock.now_secs() {
            return Err(CoreError::NotAuthorized("Access Token has expired".into()));
        }
        let scopes = claim("scope").unwrap_or_default();
        if !scopes.split(' ').any(|s| s == required_scope) {
            return Err(CoreError::NotAuthorized(
                "Access Token does not have required scopes".into(),
            ));
        }
        let origin = claim("origin_jti").ok_or_else(invalid)?;
        let sub = claim("sub").ok_or_else(invalid)?;
        // One lookup: the user and whether this token's session is live. A deleted user's
        // sessions went with it, so a missing user reads as a revoked token.
        let user = match self.store.get_session_user(&pool_id, &sub, &origin).await {
            Ok((user, true)) => user,
            Ok((_, false)) | Err(StoreError::NotFound) => {
                return Err(CoreError::NotAuthorized(
                    "Access Token has been revoked".into(),
                ));
            }
            Err(e) => return Err(CoreError::from_store("session", e)),
        };
        if !user.enabled {
            return Err(CoreError::NotAuthorized("User is disabled.".into()));
        }
        let client_id = claim("client_id").ok_or_else(invalid)?;
        let client = self
            .pool_client(&pool_id, &client_id)
            .await
            .map_err(|_| invalid())?;
        let pool = self.pool(&pool_id).await?;
        Ok(TokenCaller {
            pool,
            client,
            user,
            claims: parsed.claims,
        })
    }
}
