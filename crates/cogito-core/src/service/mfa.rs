//! The second factor of a sign-in (reference §5.2 step 8): which challenge follows a proven
//! password, and the answers to `SMS_MFA`, `EMAIL_OTP`, `SOFTWARE_TOKEN_MFA`,
//! `SELECT_MFA_TYPE` and `MFA_SETUP`. Every front door (InitiateAuth, AdminInitiateAuth, SRP,
//! the hosted pages) goes through [`Cogito::after_password`], so a pool with MFA `ON` never
//! issues tokens on a password alone.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Cogito;
use super::challenge::{Challenge, ChallengeName, OpenSession, SessionState, session_expired};
use super::messages::{Mail, Outgoing};
use crate::crypto::{keyed_fingerprint, secrets_equal};
use crate::error::{CoreError, CoreResult};
use crate::model::mfa::{DEFAULT_EMAIL_MFA_SUBJECT, DEFAULT_MFA_MESSAGE};
use crate::model::{AppClient, DeliveryMedium, MfaFactor, MfaMode, MfaPreference, User, UserPool};

/// Where a sign-in stands after a step.
#[derive(Debug, Clone, PartialEq)]
// One per sign-in step, moved not stored: boxing the user would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum Next {
    /// Every factor is proven: issue tokens (or a hosted-UI session) for this user.
    SignedIn(User),
    /// Another challenge must be answered.
    Challenge(Challenge),
}

/// A typed answer to a challenge, whatever front door it came through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// `NEW_PASSWORD_REQUIRED`: the new password and the attributes given with it.
    NewPassword {
        /// The new password.
        password: String,
        /// `userAttributes.<name>` values.
        attributes: Vec<(String, String)>,
    },
    /// `SMS_MFA`, `EMAIL_OTP`, `SOFTWARE_TOKEN_MFA`: the code.
    Code(String),
    /// `SELECT_MFA_TYPE`: the factor chosen.
    Select(MfaFactor),
    /// `MFA_SETUP`: the session `VerifySoftwareToken` returned is the proof.
    SetupDone,
    /// `DEVICE_SRP_AUTH`: the device and its `SRP_A`.
    DeviceSrp {
        /// `DEVICE_KEY`.
        device_key: String,
        /// `SRP_A`, hex.
        srp_a: String,
    },
    /// `DEVICE_PASSWORD_VERIFIER`: the device's claim.
    DevicePassword {
        /// `DEVICE_KEY`.
        device_key: String,
        /// `PASSWORD_CLAIM_SECRET_BLOCK`.
        block: String,
        /// `PASSWORD_CLAIM_SIGNATURE`.
        signature: String,
        /// `TIMESTAMP`.
        timestamp: String,
    },
}

fn code_mismatch() -> CoreError {
    CoreError::CodeMismatch("Invalid code received for user".into())
}

impl Cogito {
    /// Whether a factor can be used for this user now: the pool offers it and the user has
    /// somewhere to receive it (a phone number, an e-mail address, a verified authenticator).
    fn usable(pool: &UserPool, user: &User, factor: MfaFactor) -> bool {
        pool.mfa.offers(factor)
            && match factor {
                MfaFactor::Sms => user.attr("phone_number").is_some(),
                MfaFactor::Email => user.attr("email").is_some(),
                MfaFactor::Totp => user.mfa.totp_secret.is_some(),
            }
    }

    /// What follows a proven password (or SRP proof) of a user whose state allows signing in:
    /// the second factor the pool and the user call for, or the sign-in itself.
    ///
    /// A remembered device named by the request (`DEVICE_KEY`) proves itself instead
    /// (`DEVICE_SRP_AUTH`, reference §5.8).
    pub(crate) async fn after_password(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: User,
        device: Option<&str>,
    ) -> CoreResult<Next> {
        if let Some(d) = self.remembered_device(pool, &user, device).await? {
            return self.device_challenge(pool, client, &user, &d).await;
        }
        let mode = pool.mfa_mode();
        if mode == MfaMode::Off {
            return Ok(Next::SignedIn(user));
        }
        let enabled: Vec<MfaFactor> = MfaFactor::ALL
            .into_iter()
            .filter(|f| user.mfa.enabled(*f) && Self::usable(pool, &user, *f))
            .collect();
        let candidates = match (enabled.is_empty(), mode) {
            (false, _) => enabled,
            (true, MfaMode::On) => MfaFactor::ALL
                .into_iter()
                .filter(|f| Self::usable(pool, &user, *f))
                .collect(),
            (true, _) => return Ok(Next::SignedIn(user)),
        };
        if candidates.is_empty() {
            return self.setup_challenge(pool, client, &user).await;
        }
        let chosen = match user.mfa.preferred {
            Some(p) if candidates.contains(&p) => p,
            _ if candidates.len() == 1 => candidates[0],
            _ => {
                return self
                    .select_challenge(pool, client, &user, &candidates)
                    .await;
            }
        };
        self.factor_challenge(pool, client, &user, chosen).await
    }

    fn base_parameters(user: &User) -> BTreeMap<String, String> {
        BTreeMap::from([("USER_ID_FOR_SRP".to_string(), user.username.clone())])
    }

    async fn setup_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
    ) -> CoreResult<Next> {
        let can_setup: Vec<&str> = MfaFactor::ALL
            .into_iter()
            .filter(|f| pool.mfa.offers(*f))
            .map(MfaFactor::as_str)
            .collect();
        let state = SessionState::Setup { verified: false };
        let session = self
            .issue_session(pool, client, user, ChallengeName::MfaSetup, &state)
            .await?;
        let mut parameters = Self::base_parameters(user);
        parameters.insert("MFAS_CAN_SETUP".into(), Value::from(can_setup).to_string());
        Ok(Next::Challenge(Challenge {
            name: ChallengeName::MfaSetup,
            session,
            parameters,
        }))
    }

    async fn select_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        options: &[MfaFactor],
    ) -> CoreResult<Next> {
        let names: Vec<String> = options.iter().map(|f| f.as_str().to_owned()).collect();
        let state = SessionState::Select {
            options: names.clone(),
        };
        let session = self
            .issue_session(pool, client, user, ChallengeName::SelectMfaType, &state)
            .await?;
        let mut parameters = Self::base_parameters(user);
        parameters.insert("MFAS_CAN_CHOOSE".into(), Value::from(names).to_string());
        Ok(Next::Challenge(Challenge {
            name: ChallengeName::SelectMfaType,
            session,
            parameters,
        }))
    }

    /// The challenge for one factor; SMS and e-mail codes are sent (through the outbox) now.
    async fn factor_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        factor: MfaFactor,
    ) -> CoreResult<Next> {
        let name = ChallengeName::of_factor(factor);
        let mut parameters = Self::base_parameters(user);
        let state = match factor {
            MfaFactor::Totp => SessionState::Totp,
            MfaFactor::Sms | MfaFactor::Email => {
                let code = crate::ids::new_code();
                let (medium, subject, template) = message_of(pool, factor);
                let mut mail = Mail::default();
                let delivery = self.compose(
                    &mut mail,
                    Outgoing {
                        user,
                        medium,
                        subject: &subject,
                        template: &template,
                        code: &code,
                        purpose: "mfa",
                    },
                )?;
                self.send_mail(user, mail).await?;
                parameters.insert(
                    "CODE_DELIVERY_DELIVERY_MEDIUM".into(),
                    medium.as_str().into(),
                );
                parameters.insert("CODE_DELIVERY_DESTINATION".into(), delivery.destination);
                SessionState::Code {
                    code: keyed_fingerprint(&self.code_key, &code),
                }
            }
        };
        let session = self.issue_session(pool, client, user, name, &state).await?;
        Ok(Next::Challenge(Challenge {
            name,
            session,
            parameters,
        }))
    }

    /// Answers an MFA challenge of an open session.
    pub(crate) async fn answer_mfa(
        &self,
        pool: &UserPool,
        client: &AppClient,
        open: OpenSession,
        answer: Answer,
    ) -> CoreResult<Next> {
        let user = self.session_user(pool, &open).await?;
        match (&open.state, answer) {
            (SessionState::Code { code }, Answer::Code(given)) => {
                let given = keyed_fingerprint(&self.code_key, given.trim());
                if !secrets_equal(given.as_bytes(), code.as_bytes()) {
                    return Err(code_mismatch());
                }
            }
            (SessionState::Totp, Answer::Code(given)) => {
                self.check_totp_code(&user, given.trim()).await?;
            }
            (SessionState::Select { options }, Answer::Select(factor)) => {
                if !options.iter().any(|o| o == factor.as_str()) {
                    return Err(CoreError::invalid(format!(
                        "{} is not one of the MFA types the user can choose.",
                        factor.as_str()
                    )));
                }
                self.close_session(&open).await?;
                return self.factor_challenge(pool, client, &user, factor).await;
            }
            (SessionState::Setup { verified: true }, Answer::SetupDone) => {
                let mut change = MfaPreference::default();
                change.turn(MfaFactor::Totp, true);
                change.prefer = Some(MfaFactor::Totp);
                self.close_session(&open).await?;
                self.store
                    .set_mfa_preference(&pool.id, &user.sub, &change)
                    .await
                    .map_err(|e| CoreError::from_store("mfa preference", e))?;
                self.sign_in_gates(&user)?;
                return Ok(Next::SignedIn(user));
            }
            (SessionState::Setup { verified: false }, Answer::SetupDone) => {
                return Err(CoreError::invalid(
                    "Software token has not been verified for this session.",
                ));
            }
            _ => return Err(session_expired()),
        }
        self.close_session(&open).await?;
        // The account may have changed since the password was checked.
        self.sign_in_gates(&user)?;
        Ok(Next::SignedIn(user))
    }

    /// Checks a TOTP code against the user's verified secret; each time step is accepted once.
    pub(crate) async fn check_totp_code(&self, user: &User, code: &str) -> CoreResult<()> {
        let secret = self
            .open_totp_secret(user, user.mfa.totp_secret.as_deref())?
            .ok_or_else(|| {
                CoreError::SoftwareTokenMfaNotFound("Software token MFA not found.".into())
            })?;
        let step =
            crate::totp::check(&secret, code, self.clock.now_secs()).ok_or_else(code_mismatch)?;
        match self
            .store
            .use_totp_step(&user.pool_id, &user.sub, step)
            .await
        {
            Ok(true) => Ok(()),
            Ok(false) => Err(code_mismatch()),
            Err(e) => Err(CoreError::from_store("totp", e)),
        }
    }
}

/// How a factor's code is sent: medium, subject (e-mail) and template.
fn message_of(pool: &UserPool, factor: MfaFactor) -> (DeliveryMedium, String, String) {
    match (factor, &pool.mfa.email) {
        (MfaFactor::Email, Some(t)) => {
            (DeliveryMedium::Email, t.subject.clone(), t.message.clone())
        }
        (MfaFactor::Email, None) => (
            DeliveryMedium::Email,
            DEFAULT_EMAIL_MFA_SUBJECT.into(),
            DEFAULT_MFA_MESSAGE.into(),
        ),
        _ => (
            DeliveryMedium::Sms,
            String::new(),
            pool.mfa
                .sms_message
                .clone()
                .unwrap_or_else(|| DEFAULT_MFA_MESSAGE.into()),
        ),
    }
}
