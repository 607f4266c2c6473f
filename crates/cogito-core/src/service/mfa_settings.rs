//! MFA settings: a pool's (`SetUserPoolMfaConfig`), a user's (`SetUserMFAPreference`,
//! `SetUserSettings` and their admin variants), and TOTP set-up (`AssociateSoftwareToken`,
//! `VerifySoftwareToken`) with an access token or inside the `MFA_SETUP` challenge. TOTP secrets
//! are kept sealed under the master key and bound to their user.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::Cogito;
use super::challenge::{ChallengeName, SessionState, session_expired};
use crate::error::{CoreError, CoreResult};
use crate::model::mfa::EmailMfaTemplate;
use crate::model::{MfaFactor, MfaMode, MfaPreference, User, UserPool};

/// A pool's MFA settings as `SetUserPoolMfaConfig` gives them: factors not given are turned
/// off; `mode` `None` keeps `MfaConfiguration`.
#[derive(Debug, Clone, Default)]
pub struct PoolMfaChange {
    /// `MfaConfiguration`.
    pub mode: Option<MfaMode>,
    /// `SmsMfaConfiguration` given, with its `SmsAuthenticationMessage`.
    pub sms: Option<Option<String>>,
    /// `SoftwareTokenMfaConfiguration.Enabled`.
    pub totp: bool,
    /// `EmailMfaConfiguration`.
    pub email: Option<EmailMfaTemplate>,
    /// Wire members to keep with the pool (`SmsConfiguration`, `SmsAuthenticationMessage`).
    pub extra: Vec<(String, serde_json::Value)>,
}

/// Whose TOTP authenticator is being set up.
#[derive(Debug, Clone, Copy)]
pub enum TotpOwner<'a> {
    /// A signed-in user (`AccessToken`).
    AccessToken(&'a str),
    /// A user in the `MFA_SETUP` challenge (`Session`).
    Session(&'a str),
}

/// The result of `AssociateSoftwareToken` / `VerifySoftwareToken`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpStep {
    /// `SecretCode` (association only).
    pub secret_code: Option<String>,
    /// The next `Session` (challenge path only).
    pub session: Option<String>,
}

fn totp_context(pool_id: &str, sub: &str) -> Vec<u8> {
    format!("cogito totp secret v1\0{pool_id}\0{sub}").into_bytes()
}

/// Checks a message template for `{####}`.
pub fn check_code_template(name: &str, template: &str) -> CoreResult<()> {
    if template.contains("{####}") {
        Ok(())
    } else {
        Err(CoreError::invalid(format!(
            "{name} must contain the {{####}} placeholder."
        )))
    }
}

impl Cogito {
    /// `SetUserPoolMfaConfig`.
    pub async fn set_pool_mfa_config(
        &self,
        pool_id: &str,
        change: PoolMfaChange,
    ) -> CoreResult<UserPool> {
        if let Some(Some(m)) = &change.sms {
            check_code_template("SmsAuthenticationMessage", m)?;
        }
        if let Some(e) = &change.email {
            check_code_template("EmailMfaConfiguration.Message", &e.message)?;
        }
        self.revise_pool(pool_id, |pool| {
            if let Some(mode) = change.mode {
                pool.mfa_configuration = mode.as_str().into();
            }
            pool.mfa.sms = change.sms.is_some();
            pool.mfa.sms_message = change.sms.clone().flatten();
            pool.mfa.totp = change.totp;
            pool.mfa.email = change.email.clone();
            for (k, v) in &change.extra {
                pool.extra.insert(k.clone(), v.clone());
            }
            super::pools::check_mfa(pool)
        })
        .await
    }

    /// `SetUserMFAPreference` / `AdminSetUserMFAPreference`.
    pub async fn set_mfa_preference(&self, user: &User, change: MfaPreference) -> CoreResult<()> {
        for factor in MfaFactor::ALL {
            let on = match factor {
                MfaFactor::Sms => change.sms,
                MfaFactor::Totp => change.totp,
                MfaFactor::Email => change.email,
            };
            if change.prefer == Some(factor) && on != Some(true) && !user.mfa.enabled(factor) {
                return Err(CoreError::invalid(format!(
                    "{} must be enabled to be preferred.",
                    factor.as_str()
                )));
            }
            if on != Some(true) {
                continue;
            }
            let ready = match factor {
                MfaFactor::Totp => user.mfa.totp_secret.is_some(),
                MfaFactor::Sms => user.attr("phone_number").is_some(),
                MfaFactor::Email => user.attr("email").is_some(),
            };
            if !ready && factor == MfaFactor::Totp {
                return Err(CoreError::invalid(
                    "User has not verified software token mfa",
                ));
            }
            if !ready {
                return Err(CoreError::invalid(format!(
                    "User does not have delivery config set to turn on {}",
                    factor.as_str()
                )));
            }
        }
        self.store
            .set_mfa_preference(&user.pool_id, &user.sub, &change)
            .await
            .map_err(|e| CoreError::from_store("mfa preference", e))
    }

    /// `AssociateSoftwareToken`: a new secret for the user, pending until verified.
    pub async fn associate_software_token(&self, owner: TotpOwner<'_>) -> CoreResult<TotpStep> {
        let (bytes, text) = crate::totp::new_secret();
        match owner {
            TotpOwner::AccessToken(token) => {
                let caller = self.authorize_access_token(token).await?;
                self.store_pending(&caller.user, &bytes).await?;
                Ok(TotpStep {
                    secret_code: Some(text),
                    session: None,
                })
            }
            TotpOwner::Session(session) => {
                let open = self
                    .open_any_session(ChallengeName::MfaSetup, Some(session))
                    .await?;
                let (pool, client) = self.session_parties(&open.record).await?;
                let user = self.session_user(&pool, &open).await?;
                self.store_pending(&user, &bytes).await?;
                self.close_session(&open).await?;
                let next = self
                    .issue_session(
                        &pool,
                        &client,
                        &user,
                        ChallengeName::MfaSetup,
                        &SessionState::Setup { verified: false },
                    )
                    .await?;
                Ok(TotpStep {
                    secret_code: Some(text),
                    session: Some(next),
                })
            }
        }
    }

    /// `VerifySoftwareToken`: a code of the pending secret makes it the user's authenticator.
    pub async fn verify_software_token(
        &self,
        owner: TotpOwner<'_>,
        code: &str,
    ) -> CoreResult<TotpStep> {
        match owner {
            TotpOwner::AccessToken(token) => {
                let caller = self.authorize_access_token(token).await?;
                self.confirm_pending(&caller.user, code).await?;
                Ok(TotpStep {
                    secret_code: None,
                    session: None,
                })
            }
            TotpOwner::Session(session) => {
                let open = self
                    .open_any_session(ChallengeName::MfaSetup, Some(session))
                    .await?;
                let (pool, client) = self.session_parties(&open.record).await?;
                let user = self.session_user(&pool, &open).await?;
                self.confirm_pending(&user, code).await?;
                self.close_session(&open).await?;
                let next = self
                    .issue_session(
                        &pool,
                        &client,
                        &user,
                        ChallengeName::MfaSetup,
                        &SessionState::Setup { verified: true },
                    )
                    .await?;
                Ok(TotpStep {
                    secret_code: None,
                    session: Some(next),
                })
            }
        }
    }

    async fn session_parties(
        &self,
        record: &crate::model::AuthSession,
    ) -> CoreResult<(UserPool, crate::model::AppClient)> {
        let pool = self
            .pool(&record.pool_id)
            .await
            .map_err(|_| session_expired())?;
        let client = self
            .pool_client(&record.pool_id, &record.client_id)
            .await
            .map_err(|_| session_expired())?;
        Ok((pool, client))
    }

    async fn store_pending(&self, user: &User, secret: &[u8]) -> CoreResult<()> {
        let sealed = self.seal_totp_secret(user, secret);
        self.store
            .set_totp_pending(&user.pool_id, &user.sub, &sealed)
            .await
            .map_err(|e| CoreError::from_store("totp", e))
    }

    async fn confirm_pending(&self, user: &User, code: &str) -> CoreResult<()> {
        let mismatch = || {
            CoreError::EnableSoftwareTokenMfa(
                "Code mismatch and fail enable Software Token MFA".into(),
            )
        };
        let pending = user.mfa.totp_pending.as_deref().ok_or_else(|| {
            CoreError::SoftwareTokenMfaNotFound("Software token MFA not associated.".into())
        })?;
        let secret = self
            .open_totp_secret(user, Some(pending))?
            .ok_or_else(mismatch)?;
        let step =
            crate::totp::check(&secret, code.trim(), self.clock.now_secs()).ok_or_else(mismatch)?;
        match self
            .store
            .confirm_totp(&user.pool_id, &user.sub, pending, step)
            .await
        {
            Ok(true) => Ok(()),
            Ok(false) => Err(mismatch()),
            Err(e) => Err(CoreError::from_store("totp", e)),
        }
    }

    pub(crate) fn seal_totp_secret(&self, user: &User, secret: &[u8]) -> String {
        STANDARD.encode(
            self.sealer
                .seal_bound(secret, &totp_context(&user.pool_id, &user.sub)),
        )
    }

    /// Opens a sealed TOTP secret of the user; one that does not open fails closed.
    pub(crate) fn open_totp_secret(
        &self,
        user: &User,
        sealed: Option<&str>,
    ) -> CoreResult<Option<Vec<u8>>> {
        let Some(text) = sealed else {
            return Ok(None);
        };
        let fail = || CoreError::Internal(format!("TOTP secret of {} does not open", user.sub));
        let bytes = STANDARD.decode(text).map_err(|_| fail())?;
        self.sealer
            .open_bound(&bytes, &totp_context(&user.pool_id, &user.sub))
            .map(Some)
            .map_err(|_| fail())
    }
}
