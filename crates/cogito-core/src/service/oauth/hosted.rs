//! Hosted-UI sessions (the SSO cookie) and password sign-in on the hosted pages.

use super::*;
use crate::crypto::fingerprint;
use crate::error::{CoreError, CoreResult};
use crate::model::HostedSession;
use crate::service::Cogito;
use crate::service::mfa::Next;
use crate::service::triggers::Caller;
use crate::service::triggers::migration::Found;
use crate::store::StoreError;

impl Cogito {
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

    /// Ends a user's sessions after a credential change (security bar SEC-23, decision Q3) or
    /// when the user is disabled (SEC-22): every refresh session except `keep_origin_jti` (the
    /// caller's own, for `ChangePassword`) — which also revokes the access and ID tokens minted
    /// from them — and every hosted-UI session.
    pub async fn end_user_sessions(
        &self,
        pool_id: &str,
        sub: &str,
        keep_origin_jti: Option<&str>,
    ) -> CoreResult<()> {
        let now = self.clock.now_ms();
        match keep_origin_jti {
            Some(keep) => {
                self.store
                    .revoke_other_refresh(pool_id, sub, keep, now)
                    .await
            }
            None => self.store.revoke_all_refresh(pool_id, sub, now).await,
        }
        .map_err(|e| CoreError::from_store("revoke sessions", e))?;
        self.store
            .delete_hosted_sessions_of_user(pool_id, sub)
            .await
            .map_err(|e| CoreError::from_store("hosted sessions", e))
    }

    /// Ends a hosted-UI session (`/logout`).
    pub async fn end_hosted_session(&self, cookie: &str) -> CoreResult<()> {
        self.store
            .delete_hosted_session(&fingerprint(cookie))
            .await
            .map_err(|e| CoreError::from_store("hosted session", e))
    }

    /// Password sign-in on the hosted UI: the API's engine (status gates, lockout, temporary
    /// passwords, the second factor), with existence errors always hidden.
    pub async fn hosted_sign_in(
        &self,
        pool: &UserPool,
        client: &AppClient,
        username: &str,
        password: &str,
    ) -> CoreResult<Next> {
        crate::password::check_length(password)?;
        let caller = Caller::of(&client.client_id);
        let found = match self.lookup_user(pool, username).await? {
            Some(u) => Some(Found::Stored(u)),
            None => {
                self.migrate_user(pool, client, username, Some(password))
                    .await?
            }
        };
        let Some(found) = found else {
            self.pre_authentication(pool, username, None, caller)
                .await?;
            return Err(self
                .unknown_user_failure(pool, username, Some(password))
                .await);
        };
        let user = self
            .check_found(pool, found, username, password, true, caller)
            .await?;
        self.password_proven(pool, client, user, None).await
    }
}

impl Cogito {
    /// The end of a hosted-UI sign-in, once every factor is proven: the post-authentication
    /// trigger, before the browser is sent on with a code or tokens.
    pub async fn hosted_signed_in(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
    ) -> CoreResult<()> {
        let caller = Caller::of(&client.client_id);
        self.post_authentication(pool, user, caller, false).await
    }
}
