//! Refresh-token rotation (`RefreshTokenRotation` on an app client, security bar SEC-19): with
//! `Feature = ENABLED` every refresh — `GetTokensFromRefreshToken` or the token endpoint's
//! `refresh_token` grant — hands out a new refresh token and retires the presented one. A
//! retired token still works for `RetryGracePeriodSeconds` (0–60, a client that lost the answer
//! may retry); presented later it is reuse: the whole sign-in (its refresh token and every token
//! minted from it) is revoked. The sign-in keeps its `origin_jti` and its absolute expiry
//! (decision Q8), so rotation never extends a session.

use super::*;
use crate::crypto::{fingerprint, secrets_equal};
use crate::error::{CoreError, CoreResult};
use crate::model::RefreshSession;
use crate::service::Cogito;
use crate::service::auth::AuthResult;
use crate::service::triggers::tokens::TokenSource;
use crate::store::StoreError;

/// Longest grace period the service model allows.
const MAX_GRACE_SECS: i64 = 60;

/// The rotation settings of a client (stored with its other members as given).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RotationPolicy {
    /// `Feature = ENABLED`.
    pub enabled: bool,
    /// `RetryGracePeriodSeconds`.
    pub grace_secs: i64,
}

/// The `RefreshTokenRotation` setting of a client (grace clamped to Cognito's 0–60 s).
pub fn rotation_policy(client: &AppClient) -> RotationPolicy {
    client.refresh_token_rotation.map_or(
        RotationPolicy {
            enabled: false,
            grace_secs: 0,
        },
        |r| RotationPolicy {
            enabled: r.enabled,
            grace_secs: r.retry_grace_period_seconds.clamp(0, MAX_GRACE_SECS),
        },
    )
}

/// What a presented refresh token turned out to be.
#[derive(Debug, Clone)]
// Returned once per refresh and matched at once: boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum RefreshLookup {
    /// The current token of a sign-in, or a rotated-out one inside its grace period. Client,
    /// revocation and expiry are still to be checked by the caller.
    Found(RefreshSession),
    /// A rotated-out token after its grace period: the sign-in has just been revoked.
    Reused,
    /// Nothing we issued (or not to this client).
    Unknown,
}

impl Cogito {
    /// Finds the sign-in of a refresh token presented by `client`, applying the client's
    /// rotation grace period and revoking the sign-in on reuse.
    pub async fn find_refresh(&self, client: &AppClient, token: &str) -> CoreResult<RefreshLookup> {
        let hash = fingerprint(token);
        match self.store.get_refresh_by_hash(&hash).await {
            Ok(s) => return Ok(RefreshLookup::Found(s)),
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(CoreError::from_store("refresh", e)),
        }
        let (origin, rotated_ms) = match self.store.get_rotated_refresh(&hash).await {
            Ok(found) => found,
            Err(StoreError::NotFound) => return Ok(RefreshLookup::Unknown),
            Err(e) => return Err(CoreError::from_store("rotated refresh", e)),
        };
        let session = match self.store.get_refresh_by_origin(&origin).await {
            Ok(s) => s,
            Err(StoreError::NotFound) => return Ok(RefreshLookup::Unknown),
            Err(e) => return Err(CoreError::from_store("refresh", e)),
        };
        // Someone else's client presenting it proves nothing about the family: refuse only.
        if session.client_id != client.client_id || session.pool_id != client.pool_id {
            return Ok(RefreshLookup::Unknown);
        }
        let now = self.clock.now_ms();
        // Strictly inside the grace period: with grace 0 a rotated-out token is never honoured,
        // not even in the same millisecond (a lost rotation race is not a retry).
        if now - rotated_ms < rotation_policy(client).grace_secs * 1000 {
            return Ok(RefreshLookup::Found(session));
        }
        self.store
            .revoke_refresh(&origin, now)
            .await
            .map_err(|e| CoreError::from_store("revoke", e))?;
        tracing::warn!(origin_jti = %origin, "rotated refresh token reused; sign-in revoked");
        Ok(RefreshLookup::Reused)
    }

    /// Gives a sign-in a new refresh token when the client rotates them, as a compare-and-swap
    /// on the token the caller found current: of parallel refreshes with one token, exactly one
    /// rotates (REL-22); the others are refused like an unknown token. Call before minting, so
    /// a refused refresh hands out nothing.
    pub async fn rotate_if_enabled(
        &self,
        client: &AppClient,
        session: &RefreshSession,
    ) -> CoreResult<Option<String>> {
        if !rotation_policy(client).enabled {
            return Ok(None);
        }
        let token = crate::ids::new_opaque_token(64);
        let won = self
            .store
            .rotate_refresh(
                &session.origin_jti,
                &session.token_hash,
                &fingerprint(&token),
                self.clock.now_ms(),
            )
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::NotAuthorized("Invalid Refresh Token".into()),
                e => CoreError::from_store("rotate refresh", e),
            })?;
        if !won {
            return Err(CoreError::NotAuthorized("Invalid Refresh Token".into()));
        }
        Ok(Some(token))
    }

    /// `GetTokensFromRefreshToken`: new ID and access tokens for a refresh token, and a new
    /// refresh token when the client rotates them.
    pub async fn get_tokens_from_refresh_token(
        &self,
        client_id: &str,
        client_secret: Option<&str>,
        token: &str,
    ) -> CoreResult<AuthResult> {
        let client = self.client(client_id).await?;
        if let Some(secret) = &client.secret {
            let given = client_secret.unwrap_or_default();
            if !secrets_equal(secret.as_bytes(), given.as_bytes()) {
                return Err(CoreError::NotAuthorized(format!(
                    "Client {client_id} is configured with secret but the secret was not received or is invalid."
                )));
            }
        }
        let invalid = || CoreError::NotAuthorized("Invalid Refresh Token".into());
        let session = match self.find_refresh(&client, token).await? {
            RefreshLookup::Found(s) => s,
            RefreshLookup::Reused => {
                return Err(CoreError::RefreshTokenReuse(
                    "Refresh token has been reused.".into(),
                ));
            }
            RefreshLookup::Unknown => return Err(invalid()),
        };
        if session.client_id != client.client_id || session.pool_id != client.pool_id {
            return Err(invalid());
        }
        if session.revoked_ms.is_some() {
            return Err(CoreError::NotAuthorized(
                "Refresh Token has been revoked".into(),
            ));
        }
        if session.expires_ms < self.clock.now_ms() {
            return Err(CoreError::NotAuthorized("Refresh Token has expired".into()));
        }
        let pool = self.pool(&client.pool_id).await?;
        let user = match self
            .store
            .get_user_by_sub(&pool.id, &session.user_sub)
            .await
        {
            Ok(u) if u.enabled => u,
            Ok(_) => return Err(CoreError::NotAuthorized("User is disabled.".into())),
            Err(StoreError::NotFound) => return Err(invalid()),
            Err(e) => return Err(CoreError::from_store("user", e)),
        };
        let rotated = self.rotate_if_enabled(&client, &session).await?;
        let mut result = self
            .mint(&pool, &client, &user, &session, TokenSource::RefreshTokens)
            .await?;
        result.refresh_token = rotated;
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::client::RefreshTokenRotation;

    fn client(rotation: Option<(bool, i64)>) -> AppClient {
        AppClient {
            pool_id: "p".into(),
            client_id: "c".into(),
            name: "n".into(),
            secret: None,
            explicit_auth_flows: vec![],
            access_token_validity: None,
            id_token_validity: None,
            refresh_token_validity: 30,
            units: None,
            read_attributes: None,
            write_attributes: None,
            prevent_user_existence_errors: "ENABLED".into(),
            enable_token_revocation: true,
            auth_session_validity: 3,
            created_ms: 0,
            modified_ms: 0,
            oauth: Default::default(),
            refresh_token_rotation: rotation.map(|(enabled, grace)| RefreshTokenRotation {
                enabled,
                retry_grace_period_seconds: grace,
            }),
            extra: Default::default(),
        }
    }

    #[test]
    fn policy_from_the_client() {
        assert!(!rotation_policy(&client(None)).enabled);
        let p = rotation_policy(&client(Some((true, 10))));
        assert_eq!(
            p,
            RotationPolicy {
                enabled: true,
                grace_secs: 10
            }
        );
        let p = rotation_policy(&client(Some((false, 600))));
        assert!(!p.enabled);
        assert_eq!(p.grace_secs, 60);
    }
}
