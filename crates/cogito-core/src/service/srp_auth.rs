//! SRP sign-in (reference §5.4–§5.5): `USER_SRP_AUTH` answers the `PASSWORD_VERIFIER`
//! challenge, whose answer proves the password without sending it; and the sealed verifier
//! every password change stores (security bar SEC-34: AES-GCM under the master key, bound to the
//! user, replaced with the password).
//!
//! The server state between the two steps travels in `SECRET_BLOCK`, sealed under the master
//! key (so it cannot be forged or altered) and made single-use by recording its random id when
//! it is answered (SEC-35), for real and stand-in users alike (SEC-39). Under
//! `PreventUserExistenceErrors=ENABLED` an unknown user gets a challenge of the same shape whose
//! salt and `USER_ID_FOR_SRP` are derived from the username with a server key, and the second step then fails like a wrong password; the account's state
//! (disabled, unconfirmed, reset required) is told only to whoever proved the password.

use std::collections::{BTreeMap, HashMap};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use num_bigint::BigUint;
use serde::{Deserialize, Serialize};

use super::Cogito;
use super::auth::{AuthOutcome, Challenge, ChallengeName, param};
use super::custom_auth::{Round, Step, Who};
use super::triggers::Caller;
use crate::crypto::{fingerprint, hmac_sha256, secrets_equal};
use crate::error::{CoreError, CoreResult};
use crate::model::{AppClient, User, UserPool};
use crate::srp::{self, BadA, ServerSide, Verifier};

/// Associated data of a sealed `SECRET_BLOCK`.
const BLOCK_CONTEXT: &[u8] = b"cogito srp secret block v1";

/// How far a signed `TIMESTAMP` may be from the server's clock.
const TIMESTAMP_SKEW_SECS: i64 = 300;

/// The server state of one `PASSWORD_VERIFIER` challenge, sealed into `SECRET_BLOCK`.
#[derive(Serialize, Deserialize)]
struct BlockState {
    /// Random id; recording its fingerprint when the block is used makes the block single-use.
    id: String,
    pool: String,
    client: String,
    /// `None` for the stand-in of an unknown user.
    sub: Option<String>,
    /// The name an unknown user was asked for (stand-ins only: their failures are counted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    user_id: String,
    a: String,
    b: String,
    big_b: String,
    expires_ms: i64,
    /// The `CUSTOM_AUTH` flow this proof is a step of (started with `SRP_A`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    custom: Option<Vec<Round>>,
}

/// The pool name that goes into `x` and the claim: the pool id after the first `_`.
fn realm(pool_id: &str) -> &str {
    pool_id.split_once('_').map_or(pool_id, |(_, name)| name)
}

/// The associated data binding a sealed verifier to its user.
fn verifier_context(pool_id: &str, sub: &str) -> Vec<u8> {
    format!("cogito srp verifier v1\0{pool_id}\0{sub}").into_bytes()
}

fn incorrect() -> CoreError {
    CoreError::incorrect_credentials()
}

fn hex_int(text: &str) -> CoreResult<BigUint> {
    BigUint::parse_bytes(text.as_bytes(), 16).ok_or_else(incorrect)
}

impl BlockState {
    /// The claim a client holding the password behind `verifier` signs over `block` and
    /// `timestamp`; `None` when no claim can be valid (`u = 0`).
    fn expected_claim(
        &self,
        verifier: &Verifier,
        block: &[u8],
        timestamp: &str,
    ) -> CoreResult<Option<[u8; 32]>> {
        let (a, b, big_b) = (hex_int(&self.a)?, hex_int(&self.b)?, hex_int(&self.big_b)?);
        let side = ServerSide {
            a: &a,
            b: &b,
            big_b: &big_b,
            v: &verifier.v,
        };
        Ok(srp::expected_signature(
            &side,
            realm(&self.pool),
            &self.user_id,
            block,
            timestamp,
        ))
    }
}

impl Cogito {
    /// The `TIMESTAMP` a password or device claim was signed at: well-formed and within
    /// [`TIMESTAMP_SKEW_SECS`] of the server's clock, else the claim is refused.
    pub(crate) fn check_claim_time(&self, timestamp: &str) -> CoreResult<()> {
        let signed_at = srp::parse_timestamp(timestamp).ok_or_else(incorrect)?;
        if (signed_at - self.clock.now_secs()).abs() > TIMESTAMP_SKEW_SECS {
            return Err(incorrect());
        }
        Ok(())
    }

    /// The sealed SRP verifier of a new password, stored with its hash.
    pub fn seal_srp_verifier(&self, pool_id: &str, user: &User, password: &str) -> String {
        let verifier = Verifier::new(realm(pool_id), &user.username, password);
        let sealed = self
            .sealer
            .seal_bound(&verifier.to_bytes(), &verifier_context(pool_id, &user.sub));
        STANDARD.encode(sealed)
    }

    /// `verifier` sealed for `user` (a verifier arriving with an imported user).
    pub(crate) fn seal_verifier_of(&self, user: &User, verifier: &Verifier) -> String {
        let context = verifier_context(&user.pool_id, &user.sub);
        STANDARD.encode(self.sealer.seal_bound(&verifier.to_bytes(), &context))
    }

    /// The user's verifier; `Ok(None)` when none was stored. A verifier that does not open
    /// (another master key, or moved from another user's record) fails closed.
    pub(crate) fn open_srp_verifier(&self, user: &User) -> CoreResult<Option<Verifier>> {
        let Some(text) = &user.srp_verifier else {
            return Ok(None);
        };
        let fail = || CoreError::Internal(format!("SRP verifier of {} does not open", user.sub));
        let sealed = STANDARD.decode(text).map_err(|_| fail())?;
        let plain = self
            .sealer
            .open_bound(&sealed, &verifier_context(&user.pool_id, &user.sub))
            .map_err(|_| fail())?;
        Verifier::from_bytes(&plain).map(Some).ok_or_else(fail)
    }

    /// The stand-in of an unknown user (or one without a verifier): a `USER_ID_FOR_SRP`, a salt
    /// and a verifier derived from the username with a server key, stable across probes. The
    /// verifier is a pseudo-random group element rather than `g^x` of a made-up password: no one
    /// can answer it either way, and it costs no exponentiation, so a stand-in takes the same
    /// work as opening a real user's sealed verifier (SEC-39).
    fn stand_in(&self, pool: &UserPool, username: &str) -> (String, Verifier) {
        let key = self.sealer.derive("srp stand-in users");
        let seed = hmac_sha256(&key, format!("{}\0{username}", pool.id).as_bytes());
        let id = uuid::Builder::from_random_bytes(seed[..16].try_into().unwrap_or_default())
            .into_uuid()
            .to_string();
        let salt = BigUint::from_bytes_be(&seed[16..]);
        // 384 bytes (the size of N) of HMAC output, reduced mod N.
        let wide: Vec<u8> = (0u8..12)
            .flat_map(|i| hmac_sha256(&key, &[&seed[..], &[i]].concat()))
            .collect();
        let v = BigUint::from_bytes_be(&wide) % &*srp::N;
        (id, Verifier { salt, v })
    }

    /// `USER_SRP_AUTH`: the `PASSWORD_VERIFIER` challenge (no `Session`; the state is in
    /// `SECRET_BLOCK`).
    pub(crate) async fn srp_auth(
        &self,
        pool: &UserPool,
        client: &AppClient,
        params: &HashMap<String, String>,
    ) -> CoreResult<AuthOutcome> {
        self.srp_challenge(pool, client, params, None).await
    }

    /// The `PASSWORD_VERIFIER` challenge of `USER_SRP_AUTH`, or of a `CUSTOM_AUTH` flow
    /// (`custom`: its steps so far) whose define function asked for the password first; such a
    /// flow already ran the pre-authentication trigger.
    pub(crate) async fn srp_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        params: &HashMap<String, String>,
        custom: Option<Vec<Round>>,
    ) -> CoreResult<AuthOutcome> {
        let username = param(params, "USERNAME")?;
        let a = match srp::parse_a(param(params, "SRP_A")?) {
            Ok(a) => a,
            Err(BadA::Malformed) => return Err(CoreError::invalid("Invalid SRP_A.")),
            Err(BadA::Zero) => return Err(incorrect()),
        };
        let secret_hash = params.get("SECRET_HASH").map(String::as_str);
        let user = self
            .public_user(client, pool, username, secret_hash)
            .await?;
        let legacy = !client.prevents_existence_errors();
        let (sub, user_id, verifier) = match &user {
            None if legacy => return Err(CoreError::user_not_found()),
            None => {
                let (id, v) = self.stand_in(pool, username);
                (None, id, v)
            }
            Some(u) => {
                if legacy {
                    // Cognito tells the account's state before the proof (LEGACY only).
                    self.sign_in_gates(u)?;
                }
                let v = match self.open_srp_verifier(u)? {
                    Some(v) => v,
                    None => self.stand_in(pool, &u.username).1,
                };
                (Some(u.sub.clone()), u.username.clone(), v)
            }
        };
        let caller = Caller::of(&client.client_id);
        if custom.is_none() {
            self.pre_authentication(pool, username, user.as_ref(), caller)
                .await?;
        }
        let (b, big_b) = srp::server_ephemeral(&verifier.v);
        let mut id = [0u8; 16];
        crate::crypto::fill_random(&mut id);
        let state = BlockState {
            id: hex::encode(id),
            pool: pool.id.clone(),
            client: client.client_id.clone(),
            name: sub.is_none().then(|| username.to_owned()),
            sub: sub.clone(),
            user_id: user_id.clone(),
            a: a.to_str_radix(16),
            b: b.to_str_radix(16),
            big_b: big_b.to_str_radix(16),
            expires_ms: self.clock.now_ms() + client.auth_session_validity * 60_000,
            custom,
        };
        let plain = serde_json::to_vec(&state)
            .map_err(|e| CoreError::Internal(format!("SRP state: {e}")))?;
        let block = STANDARD.encode(self.sealer.seal_bound(&plain, BLOCK_CONTEXT));
        let parameters = BTreeMap::from([
            ("SALT".to_string(), srp::pad_hex(&verifier.salt)),
            ("SRP_B".to_string(), big_b.to_str_radix(16)),
            ("SECRET_BLOCK".to_string(), block),
            ("USERNAME".to_string(), user_id.clone()),
            ("USER_ID_FOR_SRP".to_string(), user_id),
        ]);
        Ok(AuthOutcome::Challenge(Challenge {
            name: ChallengeName::PasswordVerifier,
            session: String::new(),
            parameters,
        }))
    }

    /// The answer to `PASSWORD_VERIFIER`: the block is opened and used up, the timestamp and
    /// the claim are checked (each failure counts toward lockout), then the sign-in continues
    /// as after a correct password.
    pub(crate) async fn password_verifier(
        &self,
        pool: &UserPool,
        client: &AppClient,
        responses: &HashMap<String, String>,
    ) -> CoreResult<AuthOutcome> {
        let username = param(responses, "USERNAME")?;
        let block_text = param(responses, "PASSWORD_CLAIM_SECRET_BLOCK")?;
        let signature = param(responses, "PASSWORD_CLAIM_SIGNATURE")?;
        let timestamp = param(responses, "TIMESTAMP")?;
        crate::secret_hash::check(
            client,
            &[username],
            responses.get("SECRET_HASH").map(String::as_str),
        )?;
        let block = STANDARD.decode(block_text).map_err(|_| incorrect())?;
        let plain = self
            .sealer
            .open_bound(&block, BLOCK_CONTEXT)
            .map_err(|_| incorrect())?;
        let state: BlockState = serde_json::from_slice(&plain).map_err(|_| incorrect())?;
        let now = self.clock.now_ms();
        if state.pool != pool.id || state.client != client.client_id || state.expires_ms < now {
            return Err(incorrect());
        }
        // Single use, recorded alike for real and stand-in users (the same write either way).
        match self
            .store
            .use_once(&fingerprint(&state.id), state.expires_ms)
            .await
        {
            Ok(true) => {}
            Ok(false) => return Err(incorrect()),
            Err(e) => return Err(CoreError::from_store("srp block", e)),
        }
        let Some(sub) = &state.sub else {
            // The same reads, proof work and counting as for a real user (SEC-39), then the
            // failure counts for the name.
            let name = state.name.clone().unwrap_or_default();
            let _ = self.lookup_user(pool, &name).await?;
            let verifier = self.stand_in(pool, &name).1;
            let _ = state.expected_claim(&verifier, &block, timestamp)?;
            return Err(self.unknown_user_failure(pool, &name, None).await);
        };
        self.check_claim_time(timestamp)?;
        let mut user = self.user_by_sub(pool, sub).await?.ok_or_else(incorrect)?;
        self.reserve_password_check(pool, &user).await?;
        let verifier = self.open_srp_verifier(&user)?.ok_or_else(incorrect)?;
        let expected = state
            .expected_claim(&verifier, &block, timestamp)?
            .ok_or_else(incorrect)?;
        let presented = STANDARD.decode(signature).unwrap_or_default();
        if !secrets_equal(&presented, &expected) {
            return Err(incorrect());
        }
        self.password_proved(pool, &mut user).await?;
        self.sign_in_gates(&user)?;
        if let Some(mut rounds) = state.custom {
            rounds.push(Round {
                challenge_name: "PASSWORD_VERIFIER".into(),
                challenge_result: true,
                challenge_metadata: None,
            });
            let next = match self
                .custom_step(pool, client, Who::User(user), rounds, None)
                .await?
            {
                Step::Next(next) => next,
                Step::Srp(_) => return Err(incorrect()),
            };
            return self.outcome(pool, client, next, None).await;
        }
        let device = responses.get("DEVICE_KEY").map(String::as_str);
        let next = self.password_proven(pool, client, user, device).await?;
        self.outcome(pool, client, next, device).await
    }
}
