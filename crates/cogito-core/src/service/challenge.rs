//! The challenges of a sign-in (reference §5.3) and the auth sessions that carry them: each
//! session holds its challenge's own typed state, sealed under the master key and bound to the
//! session, and counts the answers tried before each is checked, so a code can be guessed at
//! most [`MAX_ANSWERS`] times per session, across instances.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::Cogito;
use crate::crypto::fingerprint;
use crate::error::{CoreError, CoreResult};
use crate::model::{AppClient, AuthSession, MfaFactor, User, UserPool};
use crate::store::StoreError;

/// Answers an auth session takes (wrong codes, weak new passwords) before it is used up.
pub const MAX_ANSWERS: u32 = 3;

/// A challenge name (`ChallengeNameType`), parsed at the edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeName {
    /// SRP proof of the password.
    PasswordVerifier,
    /// An invited user chooses a password.
    NewPasswordRequired,
    /// A code sent by SMS.
    SmsMfa,
    /// A TOTP code.
    SoftwareTokenMfa,
    /// A code sent by e-mail.
    EmailOtp,
    /// The user picks one of several factors.
    SelectMfaType,
    /// The user sets up TOTP (pool MFA `ON`, no factor yet).
    MfaSetup,
    /// A remembered device starts its SRP proof.
    DeviceSrpAuth,
    /// A remembered device proves its secret.
    DevicePasswordVerifier,
    /// A challenge of the pool's own (`CUSTOM_AUTH`).
    CustomChallenge,
}

impl ChallengeName {
    const ALL: [Self; 10] = [
        Self::PasswordVerifier,
        Self::NewPasswordRequired,
        Self::SmsMfa,
        Self::SoftwareTokenMfa,
        Self::EmailOtp,
        Self::SelectMfaType,
        Self::MfaSetup,
        Self::DeviceSrpAuth,
        Self::DevicePasswordVerifier,
        Self::CustomChallenge,
    ];

    /// Cognito's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PasswordVerifier => "PASSWORD_VERIFIER",
            Self::NewPasswordRequired => "NEW_PASSWORD_REQUIRED",
            Self::SmsMfa => "SMS_MFA",
            Self::SoftwareTokenMfa => "SOFTWARE_TOKEN_MFA",
            Self::EmailOtp => "EMAIL_OTP",
            Self::SelectMfaType => "SELECT_MFA_TYPE",
            Self::MfaSetup => "MFA_SETUP",
            Self::DeviceSrpAuth => "DEVICE_SRP_AUTH",
            Self::DevicePasswordVerifier => "DEVICE_PASSWORD_VERIFIER",
            Self::CustomChallenge => "CUSTOM_CHALLENGE",
        }
    }

    /// Parses Cognito's name; `None` for a challenge cogito does not answer.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// The challenge that asks for a factor's code.
    pub fn of_factor(factor: MfaFactor) -> Self {
        match factor {
            MfaFactor::Sms => Self::SmsMfa,
            MfaFactor::Totp => Self::SoftwareTokenMfa,
            MfaFactor::Email => Self::EmailOtp,
        }
    }
}

/// A challenge to answer with `RespondToAuthChallenge` (or a hosted page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// `ChallengeName`.
    pub name: ChallengeName,
    /// Opaque `Session` (empty for `PASSWORD_VERIFIER`, whose state is in `SECRET_BLOCK`).
    pub session: String,
    /// `ChallengeParameters`.
    pub parameters: BTreeMap<String, String>,
}

/// The state a challenge keeps between asking and answering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub(crate) enum SessionState {
    /// `NEW_PASSWORD_REQUIRED`.
    NewPassword,
    /// `SMS_MFA` / `EMAIL_OTP`: the keyed fingerprint of the code sent.
    Code {
        /// Keyed fingerprint of the code.
        code: String,
    },
    /// `SOFTWARE_TOKEN_MFA`.
    Totp,
    /// `SELECT_MFA_TYPE`: the factors offered.
    Select {
        /// Wire names of the factors.
        options: Vec<String>,
    },
    /// `MFA_SETUP`; `verified` once `VerifySoftwareToken` accepted a code of the new secret.
    Setup {
        /// The new TOTP secret was verified.
        verified: bool,
    },
    /// `DEVICE_SRP_AUTH`: the remembered device named at sign-in.
    DeviceSrp {
        /// `DEVICE_KEY`.
        device_key: String,
    },
    /// `DEVICE_PASSWORD_VERIFIER`: the server's half of the device's SRP exchange.
    DeviceVerifier {
        /// `DEVICE_KEY`.
        device_key: String,
        /// Client public `A`, hex.
        a: String,
        /// Server secret `b`, hex.
        b: String,
        /// Server public `B`, hex.
        big_b: String,
        /// The `SECRET_BLOCK` handed out (base64).
        block: String,
    },
    /// `CUSTOM_CHALLENGE`: the flow so far and the challenge's private half.
    Custom {
        /// The finished steps.
        rounds: Vec<super::custom_auth::Round>,
        /// `privateChallengeParameters` (JSON).
        private: String,
        /// `challengeMetadata`.
        metadata: Option<String>,
        /// The name of an unknown user (existence errors hidden); `None` for a user.
        unknown: Option<String>,
    },
}

/// An open auth session: its record and state.
#[derive(Debug)]
pub(crate) struct OpenSession {
    pub record: AuthSession,
    pub state: SessionState,
}

pub(crate) fn session_expired() -> CoreError {
    CoreError::NotAuthorized("Invalid session for the user, session is expired.".into())
}

fn session_context(id_hash: &str) -> Vec<u8> {
    format!("cogito auth session v1\0{id_hash}").into_bytes()
}

impl Cogito {
    /// Stores a new auth session for `challenge` and returns its opaque `Session` string.
    pub(crate) async fn issue_session(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        challenge: ChallengeName,
        state: &SessionState,
    ) -> CoreResult<String> {
        self.issue_session_of(pool, client, &user.sub, challenge, state)
            .await
    }

    /// [`Cogito::issue_session`] for a user's `sub` (empty for the unknown name of a
    /// `CUSTOM_AUTH` flow).
    pub(crate) async fn issue_session_of(
        &self,
        pool: &UserPool,
        client: &AppClient,
        sub: &str,
        challenge: ChallengeName,
        state: &SessionState,
    ) -> CoreResult<String> {
        let session = crate::ids::new_opaque_token(48);
        let id_hash = fingerprint(&session);
        let plain = serde_json::to_vec(state)
            .map_err(|e| CoreError::Internal(format!("session state: {e}")))?;
        let sealed = self.sealer.seal_bound(&plain, &session_context(&id_hash));
        let record = AuthSession {
            id_hash,
            pool_id: pool.id.clone(),
            client_id: client.client_id.clone(),
            user_sub: sub.to_owned(),
            challenge: challenge.as_str().into(),
            expires_ms: self.clock.now_ms() + client.auth_session_validity * 60_000,
            state: Some(STANDARD.encode(sealed)),
            attempts: 0,
        };
        self.store
            .put_auth_session(&record)
            .await
            .map_err(|e| CoreError::from_store("auth session", e))?;
        Ok(session)
    }

    /// Opens the session of an answer to `challenge`, counting the answer first: unknown,
    /// expired, used-up sessions and sessions of another client or challenge are refused alike.
    pub(crate) async fn open_session(
        &self,
        pool: &UserPool,
        client: &AppClient,
        challenge: ChallengeName,
        session: Option<&str>,
    ) -> CoreResult<OpenSession> {
        let open = self.open_any_session(challenge, session).await?;
        if open.record.pool_id != pool.id || open.record.client_id != client.client_id {
            return Err(session_expired());
        }
        Ok(open)
    }

    /// [`Cogito::open_session`] for operations that name no client (`AssociateSoftwareToken`
    /// and `VerifySoftwareToken` with a `Session`): the session says whose it is.
    pub(crate) async fn open_any_session(
        &self,
        challenge: ChallengeName,
        session: Option<&str>,
    ) -> CoreResult<OpenSession> {
        let session = session
            .filter(|s| !s.is_empty())
            .ok_or_else(|| CoreError::invalid("Missing required parameter Session"))?;
        let id_hash = fingerprint(session);
        let record = match self.store.try_auth_session(&id_hash, MAX_ANSWERS).await {
            Ok(r) => r,
            Err(StoreError::NotFound) => return Err(session_expired()),
            Err(e) => return Err(CoreError::from_store("auth session", e)),
        };
        if record.expires_ms < self.clock.now_ms() || record.challenge != challenge.as_str() {
            return Err(session_expired());
        }
        let state = self.open_state(&record)?;
        Ok(OpenSession { record, state })
    }

    fn open_state(&self, record: &AuthSession) -> CoreResult<SessionState> {
        // Sessions stored before challenge state existed were all NEW_PASSWORD_REQUIRED.
        let Some(text) = &record.state else {
            return Ok(SessionState::NewPassword);
        };
        let sealed = STANDARD.decode(text).map_err(|_| session_expired())?;
        let plain = self
            .sealer
            .open_bound(&sealed, &session_context(&record.id_hash))
            .map_err(|_| session_expired())?;
        serde_json::from_slice(&plain).map_err(|_| session_expired())
    }

    /// Uses a session up after a right answer; of two parallel right answers only one gets
    /// here first, the other is refused.
    pub(crate) async fn close_session(&self, open: &OpenSession) -> CoreResult<()> {
        match self.store.take_auth_session(&open.record.id_hash).await {
            Ok(_) => Ok(()),
            Err(StoreError::NotFound) => Err(session_expired()),
            Err(e) => Err(CoreError::from_store("auth session", e)),
        }
    }

    /// The user of an open session, as stored now.
    pub(crate) async fn session_user(
        &self,
        pool: &UserPool,
        open: &OpenSession,
    ) -> CoreResult<User> {
        self.user_by_sub(pool, &open.record.user_sub)
            .await?
            .ok_or_else(session_expired)
    }
}
