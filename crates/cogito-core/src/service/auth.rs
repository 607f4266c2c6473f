//! Sign-in (reference §5.1/§5.2): the password flows of `InitiateAuth` / `AdminInitiateAuth`,
//! `NEW_PASSWORD_REQUIRED`, refresh, lockout (§8.4), token issuing, and `RevokeToken`.

use crate::service::triggers::Caller as TriggerCaller;
use crate::service::triggers::migration::Found;
use crate::service::triggers::tokens::TokenSource;
use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use super::Cogito;
pub use super::challenge::{Challenge, ChallengeName};
use super::challenge::{OpenSession, SessionState, session_expired};
pub use super::mfa::{Answer, Next};
use crate::crypto::{fingerprint, secrets_equal};
use crate::error::{CoreError, CoreResult};
use crate::model::{AppClient, RefreshSession, User, UserPool, UserStatus};
use crate::password::HashTicket;
use crate::store::{Effects, LockoutPolicy, NewPassword, PasswordAttempt, StoreError, UserUpdate};
use crate::token::claims::{self, TokenContext};
use crate::token::jwt;

/// Lockout after failed sign-ins (reference §8.4): 5 failures lock for 1 s, doubling per further
/// failure up to 15 minutes; 15 quiet minutes forget them.
pub const LOCKOUT: LockoutPolicy = LockoutPolicy {
    threshold: 5,
    base_lock_ms: 1000,
    max_lock_ms: 15 * 60 * 1000,
    reset_after_ms: 15 * 60 * 1000,
};

/// Tokens of a successful sign-in (`AuthenticationResult`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthResult {
    /// Access token.
    pub access_token: String,
    /// ID token.
    pub id_token: String,
    /// Refresh token (absent on refresh).
    pub refresh_token: Option<String>,
    /// Access-token lifetime, seconds.
    pub expires_in: i64,
    /// `NewDeviceMetadata`: the device key handed out with this sign-in.
    pub new_device: Option<super::devices::NewDevice>,
}

/// Result of a sign-in step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthOutcome {
    /// Signed in.
    Authenticated(AuthResult),
    /// Another step is needed.
    Challenge(Challenge),
}

/// A sign-in flow cogito serves (`AuthFlowType`), parsed at the edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFlow {
    /// `USER_PASSWORD_AUTH`.
    UserPassword,
    /// `ADMIN_USER_PASSWORD_AUTH` (admin callers only).
    AdminUserPassword,
    /// `ADMIN_NO_SRP_AUTH`, the legacy name of the above.
    AdminNoSrp,
    /// `USER_SRP_AUTH`.
    UserSrp,
    /// `REFRESH_TOKEN_AUTH`.
    RefreshToken,
    /// `REFRESH_TOKEN`, the legacy name of the above.
    Refresh,
    /// `CUSTOM_AUTH`: the pool's challenge functions.
    CustomAuth,
}

impl AuthFlow {
    const ALL: [Self; 7] = [
        Self::UserPassword,
        Self::AdminUserPassword,
        Self::AdminNoSrp,
        Self::UserSrp,
        Self::RefreshToken,
        Self::Refresh,
        Self::CustomAuth,
    ];

    /// Cognito's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserPassword => "USER_PASSWORD_AUTH",
            Self::AdminUserPassword => "ADMIN_USER_PASSWORD_AUTH",
            Self::AdminNoSrp => "ADMIN_NO_SRP_AUTH",
            Self::UserSrp => "USER_SRP_AUTH",
            Self::RefreshToken => "REFRESH_TOKEN_AUTH",
            Self::Refresh => "REFRESH_TOKEN",
            Self::CustomAuth => "CUSTOM_AUTH",
        }
    }

    /// Parses Cognito's name; `None` for a flow cogito does not serve.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// Only `AdminInitiateAuth` may use it.
    pub fn admin_only(self) -> bool {
        matches!(self, Self::AdminUserPassword | Self::AdminNoSrp)
    }
}

/// What a token pair is signed for: the OIDC `nonce`, whether an ID token goes with the access
/// token, and the event the pre-token-generation trigger is told.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Issue<'a> {
    pub nonce: Option<&'a str>,
    pub with_id: bool,
    pub source: TokenSource,
}

/// Which front door a sign-in came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller<'a> {
    /// `InitiateAuth` / `RespondToAuthChallenge` (public, client id only).
    Public,
    /// `AdminInitiateAuth` / `AdminRespondToAuthChallenge` for this pool (SigV4).
    Admin(&'a str),
}

fn missing(name: &str) -> CoreError {
    CoreError::invalid(format!("Missing required parameter {name}"))
}

pub(crate) fn param<'a>(params: &'a HashMap<String, String>, name: &str) -> CoreResult<&'a str> {
    params
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| missing(name))
}

impl Cogito {
    async fn client_for(
        &self,
        caller: Caller<'_>,
        client_id: &str,
    ) -> CoreResult<(UserPool, AppClient)> {
        let client = match caller {
            Caller::Public => self.client(client_id).await?,
            Caller::Admin(pool_id) => {
                self.pool(pool_id).await?;
                self.pool_client(pool_id, client_id).await?
            }
        };
        let pool = self.pool(&client.pool_id).await?;
        Ok((pool, client))
    }

    /// `InitiateAuth` / `AdminInitiateAuth`.
    pub async fn initiate_auth(
        &self,
        caller: Caller<'_>,
        client_id: &str,
        flow: AuthFlow,
        params: &HashMap<String, String>,
    ) -> CoreResult<AuthOutcome> {
        let (pool, client) = self.client_for(caller, client_id).await?;
        if flow.admin_only() && caller == Caller::Public {
            return Err(CoreError::invalid("Initiate Auth method not supported."));
        }
        if !client.allows_flow(flow.as_str()) {
            return Err(CoreError::invalid(format!(
                "{} flow not enabled for this client",
                flow.as_str()
            )));
        }
        match flow {
            AuthFlow::UserPassword | AuthFlow::AdminUserPassword | AuthFlow::AdminNoSrp => {
                self.password_auth(&pool, &client, params).await
            }
            AuthFlow::UserSrp => self.srp_auth(&pool, &client, params).await,
            AuthFlow::RefreshToken | AuthFlow::Refresh => {
                self.refresh(&pool, &client, params).await
            }
            AuthFlow::CustomAuth => self.custom_auth(&pool, &client, params).await,
        }
    }

    async fn password_auth(
        &self,
        pool: &UserPool,
        client: &AppClient,
        params: &HashMap<String, String>,
    ) -> CoreResult<AuthOutcome> {
        let username = param(params, "USERNAME")?;
        let password = param(params, "PASSWORD")?;
        crate::password::check_length(password)?;
        let secret_hash = params.get("SECRET_HASH").map(String::as_str);
        let user = self
            .public_user(client, pool, username, secret_hash)
            .await?;
        let found = match user {
            Some(u) => Some(Found::Stored(u)),
            None => {
                self.migrate_user(pool, client, username, Some(password))
                    .await?
            }
        };
        let hide = client.prevents_existence_errors();
        let caller = TriggerCaller::of(&client.client_id);
        let Some(found) = found else {
            if hide {
                self.pre_authentication(pool, username, None, caller)
                    .await?;
                return Err(self
                    .unknown_user_failure(pool, username, Some(password))
                    .await);
            }
            self.hasher.burn(self.hasher.ticket()?, password).await?;
            return Err(CoreError::user_not_found());
        };
        let user = self
            .check_found(pool, found, username, password, hide, caller)
            .await?;
        let device = params.get("DEVICE_KEY").map(String::as_str);
        let next = self.password_proven(pool, client, user, device).await?;
        self.outcome(pool, client, next, device).await
    }

    /// The pre-authentication trigger, then the password check of a user found for a sign-in;
    /// a user the migration function created just now was proven by it, so only the status
    /// gates apply.
    pub(crate) async fn check_found(
        &self,
        pool: &UserPool,
        found: Found,
        typed: &str,
        password: &str,
        hide: bool,
        caller: TriggerCaller<'_>,
    ) -> CoreResult<User> {
        let migrated = matches!(found, Found::Migrated(_));
        let user = found.user();
        self.pre_authentication(pool, typed, Some(&user), caller)
            .await?;
        if migrated {
            self.sign_in_gates(&user)?;
            return Ok(user);
        }
        self.verify_password(pool, user, password, hide).await
    }

    /// What follows a proven password or SRP proof of a user past the status gates: the new
    /// password an invited user must choose, the second factor, or the sign-in.
    pub(crate) async fn password_proven(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: User,
        device: Option<&str>,
    ) -> CoreResult<Next> {
        if user.status == UserStatus::ForceChangePassword {
            self.check_temporary_password_age(pool, &user)?;
            return self.new_password_challenge(pool, client, &user).await;
        }
        self.after_password(pool, client, user, device).await
    }

    /// The API's answer to a sign-in step: tokens once every factor is proven. On a pool that
    /// tracks devices they carry the request's device (`DEVICE_KEY`) when it is the user's, or
    /// a new one handed out as `NewDeviceMetadata` (reference §5.2 step 11, §5.8).
    pub(crate) async fn outcome(
        &self,
        pool: &UserPool,
        client: &AppClient,
        next: Next,
        device: Option<&str>,
    ) -> CoreResult<AuthOutcome> {
        self.outcome_of(pool, client, next, device, TokenSource::Authentication)
            .await
    }

    /// [`Cogito::outcome`] for the answer that ended a sign-in: the pre-token-generation
    /// trigger is told which (`source`).
    pub(crate) async fn outcome_of(
        &self,
        pool: &UserPool,
        client: &AppClient,
        next: Next,
        device: Option<&str>,
        source: TokenSource,
    ) -> CoreResult<AuthOutcome> {
        let user = match next {
            Next::SignedIn(user) => user,
            Next::Challenge(c) => return Ok(AuthOutcome::Challenge(c)),
        };
        let caller = TriggerCaller::of(&client.client_id);
        if pool.devices.is_none() {
            self.post_authentication(pool, &user, caller, false).await?;
            return Ok(AuthOutcome::Authenticated(
                self.sign_in_on(pool, client, &user, None, source).await?,
            ));
        }
        let known = match device {
            Some(key) => self.device_of(pool, &user, key).await?,
            None => None,
        };
        self.post_authentication(pool, &user, caller, known.is_none())
            .await?;
        let result = match known {
            Some(d) => {
                self.sign_in_on(pool, client, &user, Some(d.device_key), source)
                    .await?
            }
            None => {
                let new = self.hand_out_device(pool, &user).await?;
                let mut r = self
                    .sign_in_on(pool, client, &user, Some(new.key.clone()), source)
                    .await?;
                r.new_device = Some(new);
                r
            }
        };
        Ok(AuthOutcome::Authenticated(result))
    }

    /// A temporary password older than `TemporaryPasswordValidityDays` (0 = 7) is refused.
    pub(crate) fn check_temporary_password_age(
        &self,
        pool: &UserPool,
        user: &User,
    ) -> CoreResult<()> {
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
        Ok(())
    }

    /// Status gates, lockout and the password check of §5.2 steps 5–6. Returns the user with
    /// its lockout counters reset on success.
    ///
    /// The check is reserved in the store first (SEC-37): the attempt is counted as a failure
    /// before the slow hash runs and cleared when the password is right, so parallel requests,
    /// on one instance or several, can never run more checks than the lockout allows.
    pub async fn check_password(
        &self,
        pool: &UserPool,
        user: User,
        password: &str,
    ) -> CoreResult<User> {
        self.verify_password(pool, user, password, false).await
    }

    /// [`Cogito::check_password`]; with `hide_state` (existence errors hidden, reference
    /// §8.11) the account's state (disabled, unconfirmed, reset required) is told only after the
    /// password proved right, so a wrong password gets the same answer for every account.
    pub(crate) async fn verify_password(
        &self,
        pool: &UserPool,
        mut user: User,
        password: &str,
        hide_state: bool,
    ) -> CoreResult<User> {
        if !hide_state {
            self.sign_in_gates(&user)?;
        }
        // A place for the hash first: a sign-in refused for want of one uses no attempt.
        let ticket = self.hasher.ticket()?;
        self.reserve_password_check(pool, &user).await?;
        let ok = match &user.password_hash {
            Some(h) => ticket.verify(password, h).await?,
            None => false,
        };
        if !ok {
            return Err(CoreError::incorrect_credentials());
        }
        self.password_proved(pool, &mut user).await?;
        self.rehash_if_weaker(&mut user, password).await;
        self.fill_srp_verifier(&mut user, password).await;
        if hide_state {
            self.sign_in_gates(&user)?;
        }
        Ok(user)
    }

    /// Reserves one check of a user's password or SRP proof (SEC-37): refused while locked,
    /// otherwise counted as a failure in the store before the check runs, so parallel checks,
    /// on one instance or several, can never run more than the lockout allows.
    pub(crate) async fn reserve_password_check(
        &self,
        pool: &UserPool,
        user: &User,
    ) -> CoreResult<()> {
        let now = self.clock.now_ms();
        let attempts_exceeded = || CoreError::NotAuthorized("Password attempts exceeded".into());
        if user.locked_until_ms > now {
            return Err(attempts_exceeded());
        }
        match self
            .store
            .begin_password_attempt(&pool.id, &user.sub, now, &LOCKOUT)
            .await
        {
            Ok(PasswordAttempt::Allowed) => Ok(()),
            Ok(PasswordAttempt::Locked) => Err(attempts_exceeded()),
            Err(StoreError::NotFound) => Err(CoreError::incorrect_credentials()),
            Err(e) => Err(CoreError::from_store("lockout", e)),
        }
    }

    /// After a correct password or proof: the reserved failure and the earlier ones are cleared.
    pub(crate) async fn password_proved(&self, pool: &UserPool, user: &mut User) -> CoreResult<()> {
        self.store
            .clear_login_failures(&pool.id, &user.sub)
            .await
            .map_err(|e| CoreError::from_store("lockout", e))?;
        user.failed_attempts = 0;
        user.locked_until_ms = 0;
        Ok(())
    }

    /// After a correct password: a hash made with other settings than the configured ones is
    /// replaced by one at the current cost (SEC-33). A failure here never fails the sign-in.
    async fn rehash_if_weaker(&self, user: &mut User, password: &str) {
        let Some(old) = user.password_hash.clone() else {
            return;
        };
        if !self.hasher.needs_rehash(&old) {
            return;
        }
        let result = match self.hasher.hash(password).await {
            Ok(new) => self
                .store
                .rehash_password(&user.pool_id, &user.sub, &old, &new)
                .await
                .map(|done| done.then_some(new))
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match result {
            Ok(Some(new)) => user.password_hash = Some(new),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "could not re-hash a password"),
        }
    }

    /// After a correct password: a password set before SRP verifiers were stored gets its
    /// verifier now, so the user can sign in with SRP from then on. Never fails the sign-in.
    async fn fill_srp_verifier(&self, user: &mut User, password: &str) {
        let (None, Some(hash)) = (&user.srp_verifier, user.password_hash.clone()) else {
            return;
        };
        let verifier = self.seal_srp_verifier(&user.pool_id, user, password);
        match self
            .store
            .fill_srp_verifier(&user.pool_id, &user.sub, &hash, &verifier)
            .await
        {
            Ok(true) => user.srp_verifier = Some(verifier),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "could not store an SRP verifier"),
        }
    }

    /// The answer to a sign-in with a name that matches no user while existence errors are
    /// hidden: the failure is counted like a user's (an unknown name locks out like a real one,
    /// SEC-38) and costs a password hash, so neither the answer nor its timing tells.
    pub(crate) async fn unknown_user_failure(
        &self,
        pool: &UserPool,
        name: &str,
        password: Option<&str>,
    ) -> CoreError {
        // A place for the decoy hash first, as for a real user (`verify_password`): a full
        // queue refuses an unknown name as it refuses a known one, and counts no failure.
        let ticket = match password.map(|_| self.hasher.ticket()).transpose() {
            Ok(t) => t,
            Err(e) => return e,
        };
        let key = self.sealer.derive("unknown sign-in names");
        let normalised = name.to_lowercase();
        let hash = hex::encode(crate::crypto::hmac_sha256(
            &key,
            format!("{}\0{normalised}", pool.id).as_bytes(),
        ));
        match self
            .store
            .record_unknown_failure(&pool.id, &hash, self.clock.now_ms(), &LOCKOUT)
            .await
        {
            Ok(PasswordAttempt::Allowed) => {}
            Ok(PasswordAttempt::Locked) => {
                return CoreError::NotAuthorized("Password attempts exceeded".into());
            }
            Err(e) => return CoreError::from_store("lockout", e),
        }
        if let (Some(ticket), Some(p)) = (ticket, password)
            && let Err(e) = self.hasher.burn(ticket, p).await
        {
            return e;
        }
        CoreError::incorrect_credentials()
    }

    /// The status gates of §5.2 step 5: disabled, locked out, unconfirmed, reset required.
    pub(crate) fn sign_in_gates(&self, user: &User) -> CoreResult<()> {
        if !user.enabled {
            return Err(CoreError::NotAuthorized("User is disabled.".into()));
        }
        if user.locked_until_ms > self.clock.now_ms() {
            return Err(CoreError::NotAuthorized(
                "Password attempts exceeded".into(),
            ));
        }
        match user.status {
            UserStatus::Unconfirmed => {
                Err(CoreError::UserNotConfirmed("User is not confirmed.".into()))
            }
            UserStatus::ResetRequired => Err(CoreError::PasswordResetRequired(
                "Password reset required for the user".into(),
            )),
            _ => Ok(()),
        }
    }

    pub(crate) async fn new_password_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
    ) -> CoreResult<Next> {
        let session = self
            .issue_session(
                pool,
                client,
                user,
                ChallengeName::NewPasswordRequired,
                &SessionState::NewPassword,
            )
            .await?;
        let required: Vec<String> =
            crate::attributes::missing_required(pool, |n| user.attr(n).is_some())
                .into_iter()
                .map(|n| format!("userAttributes.{n}"))
                .collect();
        let mut visible: Map<String, Value> = user
            .attributes
            .iter()
            .filter(|(k, _)| !k.starts_with("dev:"))
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        visible.remove("email_verified");
        visible.remove("phone_number_verified");
        let mut parameters = BTreeMap::new();
        parameters.insert("USER_ID_FOR_SRP".into(), user.username.clone());
        parameters.insert(
            "requiredAttributes".into(),
            Value::from(required).to_string(),
        );
        parameters.insert("userAttributes".into(), Value::Object(visible).to_string());
        Ok(Next::Challenge(Challenge {
            name: ChallengeName::NewPasswordRequired,
            session,
            parameters,
        }))
    }

    /// `RespondToAuthChallenge` / `AdminRespondToAuthChallenge`.
    pub async fn respond_to_challenge(
        &self,
        caller: Caller<'_>,
        client_id: &str,
        challenge: ChallengeName,
        session: Option<&str>,
        responses: &HashMap<String, String>,
    ) -> CoreResult<AuthOutcome> {
        let (pool, client) = self.client_for(caller, client_id).await?;
        if challenge == ChallengeName::PasswordVerifier {
            return self.password_verifier(&pool, &client, responses).await;
        }
        if challenge == ChallengeName::CustomChallenge {
            let open = self
                .open_session(&pool, &client, challenge, session)
                .await?;
            let next = self.answer_custom(&pool, &client, open, responses).await?;
            return self.outcome(&pool, &client, next, None).await;
        }
        let answer = wire_answer(challenge, responses)?;
        let username = param(responses, "USERNAME")?;
        let ticket = self.new_password_place(&answer)?;
        let open = self
            .open_session(&pool, &client, challenge, session)
            .await?;
        let user = self.session_user(&pool, &open).await?;
        crate::secret_hash::check(
            &client,
            &[username, &user.username],
            responses.get("SECRET_HASH").map(String::as_str),
        )?;
        let device = responses.get("DEVICE_KEY").map(String::as_str);
        let next = self
            .answer_open(&pool, &client, open, (answer, ticket), device)
            .await?;
        let source = match challenge {
            ChallengeName::NewPasswordRequired => TokenSource::NewPasswordChallenge,
            ChallengeName::DevicePasswordVerifier => TokenSource::AuthenticateDevice,
            _ => TokenSource::Authentication,
        };
        self.outcome_of(&pool, &client, next, device, source).await
    }

    /// Answers the challenge of an auth session, whatever front door the answer came through
    /// (the hosted pages call this directly). A wrong or unfit answer leaves the session for
    /// another try until it has taken [`super::challenge::MAX_ANSWERS`].
    pub async fn answer_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        challenge: ChallengeName,
        session: &str,
        answer: Answer,
    ) -> CoreResult<Next> {
        let ticket = self.new_password_place(&answer)?;
        let open = self
            .open_session(pool, client, challenge, Some(session))
            .await?;
        self.answer_open(pool, client, open, (answer, ticket), None)
            .await
    }

    /// A place in the hashing queue for the new password of a `NEW_PASSWORD_REQUIRED` answer,
    /// taken before the answer is counted against its session: an answer refused for a full
    /// queue uses none of the session's tries.
    fn new_password_place(&self, answer: &Answer) -> CoreResult<Option<HashTicket>> {
        match answer {
            Answer::NewPassword { .. } => self.hasher.ticket().map(Some),
            _ => Ok(None),
        }
    }

    async fn answer_open(
        &self,
        pool: &UserPool,
        client: &AppClient,
        open: OpenSession,
        (answer, ticket): (Answer, Option<HashTicket>),
        device: Option<&str>,
    ) -> CoreResult<Next> {
        match (&open.state, answer) {
            (
                SessionState::NewPassword,
                Answer::NewPassword {
                    password,
                    attributes,
                },
            ) => {
                let ticket = match ticket {
                    Some(t) => t,
                    None => self.hasher.ticket()?,
                };
                let user = self
                    .answer_new_password(pool, client, &open, ticket, &password, attributes)
                    .await?;
                self.close_session(&open).await?;
                self.after_password(pool, client, user, device).await
            }
            (SessionState::NewPassword, _) => Err(session_expired()),
            (SessionState::DeviceSrp { .. }, Answer::DeviceSrp { device_key, srp_a }) => {
                self.answer_device_srp(pool, client, open, &device_key, &srp_a)
                    .await
            }
            (
                SessionState::DeviceVerifier { .. },
                Answer::DevicePassword {
                    device_key,
                    block,
                    signature,
                    timestamp,
                },
            ) => {
                let claim = super::devices::DeviceClaim {
                    device_key,
                    block,
                    signature,
                    timestamp,
                };
                let (user, _) = self.answer_device_verifier(pool, open, &claim).await?;
                Ok(Next::SignedIn(user))
            }
            (SessionState::DeviceSrp { .. } | SessionState::DeviceVerifier { .. }, _) => {
                Err(session_expired())
            }
            (_, answer) => self.answer_mfa(pool, client, open, answer).await,
        }
    }

    async fn answer_new_password(
        &self,
        pool: &UserPool,
        client: &AppClient,
        open: &OpenSession,
        ticket: HashTicket,
        new_password: &str,
        attrs: Vec<(String, String)>,
    ) -> CoreResult<User> {
        let user = self.session_user(pool, open).await?;
        // The account may have changed since the challenge was issued.
        if !user.enabled {
            return Err(CoreError::NotAuthorized("User is disabled.".into()));
        }
        if user.status != UserStatus::ForceChangePassword {
            return Err(session_expired());
        }
        for (name, _) in &attrs {
            let already = user.attr(name).is_some();
            let required = pool.attribute(name).is_some_and(|a| a.required);
            if already && required {
                return Err(CoreError::invalid(format!(
                    "Cannot modify an already provided attribute: {name}"
                )));
            }
        }
        let attrs = crate::attributes::validate_writes(
            pool,
            &attrs,
            crate::attributes::Writer::Client(client.write_attributes.as_deref()),
            false,
        )?;
        let mut preview = user.clone();
        super::apply_attributes(&mut preview, &attrs);
        let missing = crate::attributes::missing_required(pool, |n| preview.attr(n).is_some());
        if let Some(name) = missing.first() {
            return Err(CoreError::invalid(format!(
                "Attributes did not conform to the schema: {name}: The attribute is required"
            )));
        }
        let password = self
            .new_password(
                ticket,
                pool,
                &user,
                new_password,
                "Password did not conform with policy",
            )
            .await?;
        let update = UserUpdate {
            modified_ms: self.clock.now_ms(),
            only_if_status: Some(UserStatus::ForceChangePassword),
            status: Some(UserStatus::Confirmed),
            password: Some(password),
            keys: Some(crate::attributes::key_policy(pool)),
            set_attributes: attrs,
            ..UserUpdate::default()
        };
        match self.change_user(&user, &update, &Effects::none()).await? {
            crate::store::UpdateOutcome::Updated(u) => Ok(u),
            _ => Err(session_expired()),
        }
    }

    /// Checks a new password against the policy and the history and hashes it in the place
    /// `ticket` holds (taken before anything the request uses up is counted).
    pub async fn new_password(
        &self,
        ticket: HashTicket,
        pool: &UserPool,
        user: &User,
        password: &str,
        prefix: &str,
    ) -> CoreResult<NewPassword> {
        crate::password::check_policy(&pool.password_policy, password, prefix)?;
        let history = pool.password_policy.password_history_size.unwrap_or(0) as usize;
        if history > 0 {
            let previous = user
                .password_hash
                .iter()
                .chain(user.password_history.iter())
                .take(history);
            for h in previous {
                if self.hasher.verify(password, h).await? {
                    return Err(CoreError::PasswordHistoryPolicyViolation(
                        "Password has previously been used".into(),
                    ));
                }
            }
        }
        self.stored_password_in(ticket, pool, user, password, history.clamp(1, 24))
            .await
    }

    /// The one place a password becomes what is stored: its hash, its sealed SRP verifier and
    /// the time it was set (the start of a temporary password's validity). Every password,
    /// changed, reset, invited or signed up with, goes through here.
    pub(crate) async fn stored_password(
        &self,
        pool: &UserPool,
        user: &User,
        password: &str,
        keep_history: usize,
    ) -> CoreResult<NewPassword> {
        let ticket = self.hasher.ticket()?;
        self.stored_password_in(ticket, pool, user, password, keep_history)
            .await
    }

    /// [`Self::stored_password`] in the place `ticket` holds in the hashing queue.
    pub(crate) async fn stored_password_in(
        &self,
        ticket: HashTicket,
        pool: &UserPool,
        user: &User,
        password: &str,
        keep_history: usize,
    ) -> CoreResult<NewPassword> {
        Ok(NewPassword {
            hash: ticket.hash(password).await?,
            srp_verifier: Some(self.seal_srp_verifier(&pool.id, user, password)),
            set_ms: self.clock.now_ms(),
            keep_history,
        })
    }

    /// Starts a new sign-in session for a user and issues all three tokens.
    pub async fn sign_in(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
    ) -> CoreResult<AuthResult> {
        self.sign_in_on(pool, client, user, None, TokenSource::Authentication)
            .await
    }

    /// [`Cogito::sign_in`] on a remembered device (`device_key` claim).
    async fn sign_in_on(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        device_key: Option<String>,
        source: TokenSource,
    ) -> CoreResult<AuthResult> {
        let now = self.clock.now_ms();
        let refresh_token = crate::ids::new_opaque_token(64);
        let session = RefreshSession {
            origin_jti: crate::ids::new_uuid(),
            token_hash: fingerprint(&refresh_token),
            pool_id: pool.id.clone(),
            client_id: client.client_id.clone(),
            user_sub: user.sub.clone(),
            auth_time: now.div_euclid(1000),
            created_ms: now,
            expires_ms: now + client.refresh_token_secs() * 1000,
            revoked_ms: None,
            scope: None,
            device_key,
        };
        // Signed first: a refusing pre-token-generation trigger leaves no session behind.
        let mut result = self.mint(pool, client, user, &session, source).await?;
        self.store
            .insert_refresh(&session)
            .await
            .map_err(|e| CoreError::from_store("refresh", e))?;
        result.refresh_token = Some(refresh_token);
        Ok(result)
    }

    pub(crate) async fn mint(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        session: &RefreshSession,
        source: TokenSource,
    ) -> CoreResult<AuthResult> {
        let (access_token, id_token) = self
            .sign_tokens(
                pool,
                client,
                user,
                session,
                Issue {
                    nonce: None,
                    with_id: true,
                    source,
                },
            )
            .await?;
        Ok(AuthResult {
            access_token,
            id_token: id_token.unwrap_or_default(),
            refresh_token: None,
            expires_in: client.access_token_secs(),
            new_device: None,
        })
    }

    /// Signs the access token (and, with `with_id`, the ID token) of a sign-in session: the one
    /// place token claims are assembled for API and OAuth sign-ins alike.
    pub(crate) async fn sign_tokens(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        session: &RefreshSession,
        issue: Issue<'_>,
    ) -> CoreResult<(String, Option<String>)> {
        let Issue {
            nonce,
            with_id,
            source,
        } = issue;
        let keys = self.keys.keys(&pool.id).await?;
        let groups = self.all_groups_of(&pool.id, &user.sub).await?;
        let changes = self
            .token_changes(
                pool,
                &client.client_id,
                user,
                &groups,
                session
                    .scope
                    .as_deref()
                    .unwrap_or("aws.cognito.signin.user.admin"),
                source,
            )
            .await?;
        let issuer = self.issuer(&pool.id);
        let event_id = crate::ids::new_uuid();
        let ctx = TokenContext {
            issuer: &issuer,
            pool,
            client,
            user,
            groups: &groups,
            auth_time: session.auth_time,
            origin_jti: &session.origin_jti,
            device_key: session.device_key.as_deref(),
            event_id: &event_id,
            now: self.clock.now_secs(),
            scope: session.scope.as_deref(),
            nonce,
        };
        let mut access = claims::access_token(&ctx);
        changes.apply_to_access(&mut access);
        let access_token = jwt::sign(&keys.access.kid, &keys.access.pair, &access);
        let id_token = with_id.then(|| {
            let mut id = claims::id_token(&ctx);
            changes.apply_to_id(&mut id);
            jwt::sign(&keys.id.kid, &keys.id.pair, &id)
        });
        Ok((access_token, id_token))
    }

    async fn refresh(
        &self,
        pool: &UserPool,
        client: &AppClient,
        params: &HashMap<String, String>,
    ) -> CoreResult<AuthOutcome> {
        let token = param(params, "REFRESH_TOKEN")?;
        let invalid = || CoreError::NotAuthorized("Invalid Refresh Token".into());
        // Same lookup as GetTokensFromRefreshToken, so rotation's reuse detection cannot be
        // sidestepped through this flow.
        let session = match self.find_refresh(client, token).await? {
            super::oauth::rotation::RefreshLookup::Found(s) => s,
            super::oauth::rotation::RefreshLookup::Reused => {
                return Err(CoreError::RefreshTokenReuse(
                    "Refresh token has been reused.".into(),
                ));
            }
            super::oauth::rotation::RefreshLookup::Unknown => return Err(invalid()),
        };
        if session.client_id != client.client_id || session.pool_id != pool.id {
            return Err(invalid());
        }
        let user = match self
            .store
            .get_user_by_sub(&pool.id, &session.user_sub)
            .await
        {
            Ok(u) => u,
            Err(StoreError::NotFound) => return Err(invalid()),
            Err(e) => return Err(CoreError::from_store("user", e)),
        };
        crate::secret_hash::check(
            client,
            &[&user.username, &user.sub],
            params.get("SECRET_HASH").map(String::as_str),
        )?;
        if session.revoked_ms.is_some() {
            return Err(CoreError::NotAuthorized(
                "Refresh Token has been revoked".into(),
            ));
        }
        if session.expires_ms < self.clock.now_ms() {
            return Err(CoreError::NotAuthorized("Refresh Token has expired".into()));
        }
        if !user.enabled {
            return Err(CoreError::NotAuthorized("User is disabled.".into()));
        }
        let rotated = self.rotate_if_enabled(client, &session).await?;
        let mut result = self
            .mint(pool, client, &user, &session, TokenSource::RefreshTokens)
            .await?;
        result.refresh_token = rotated;
        Ok(AuthOutcome::Authenticated(result))
    }

    /// `RevokeToken`: revokes a refresh token and every token minted from it.
    pub async fn revoke_token(
        &self,
        client_id: &str,
        client_secret: Option<&str>,
        token: &str,
    ) -> CoreResult<()> {
        let client = self.client(client_id).await?;
        if let Some(secret) = &client.secret {
            let given = client_secret.unwrap_or_default();
            if !secrets_equal(secret.as_bytes(), given.as_bytes()) {
                return Err(CoreError::Unauthorized(
                    "Invalid client credentials.".into(),
                ));
            }
        }
        if !client.enable_token_revocation {
            return Err(CoreError::UnsupportedOperation(
                "Token revocation is not enabled for this client.".into(),
            ));
        }
        if jwt::parse(token).is_ok() {
            return Err(CoreError::UnsupportedTokenType(
                "The token type is not supported. Only refresh tokens can be revoked.".into(),
            ));
        }
        match self.store.get_refresh_by_hash(&fingerprint(token)).await {
            Ok(s) if s.client_id == client.client_id => self
                .store
                .revoke_refresh(&s.origin_jti, self.clock.now_ms())
                .await
                .map_err(|e| CoreError::from_store("revoke", e)),
            // Another client's token stays valid and the caller is told (security bar SEC-21).
            Ok(_) => Err(CoreError::Unauthorized(
                "The token was not issued to this client.".into(),
            )),
            // RFC 7009 §2.2: an unknown token is not an error.
            Err(StoreError::NotFound) => Ok(()),
            Err(e) => Err(CoreError::from_store("revoke", e)),
        }
    }

    /// Revokes every sign-in of a user (`GlobalSignOut`, `AdminUserGlobalSignOut`, disable).
    pub async fn sign_out_everywhere(&self, pool_id: &str, sub: &str) -> CoreResult<()> {
        self.store
            .revoke_all_refresh(pool_id, sub, self.clock.now_ms())
            .await
            .map_err(|e| CoreError::from_store("revoke all", e))
    }
}

/// The typed answer in the `ChallengeResponses` of `RespondToAuthChallenge`.
fn wire_answer(
    challenge: ChallengeName,
    responses: &HashMap<String, String>,
) -> CoreResult<Answer> {
    Ok(match challenge {
        ChallengeName::NewPasswordRequired => Answer::NewPassword {
            password: param(responses, "NEW_PASSWORD")?.to_owned(),
            attributes: responses
                .iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix("userAttributes.")
                        .map(|n| (n.to_string(), v.clone()))
                })
                .collect(),
        },
        ChallengeName::SmsMfa => Answer::Code(param(responses, "SMS_MFA_CODE")?.to_owned()),
        ChallengeName::EmailOtp => Answer::Code(param(responses, "EMAIL_OTP_CODE")?.to_owned()),
        ChallengeName::SoftwareTokenMfa => {
            Answer::Code(param(responses, "SOFTWARE_TOKEN_MFA_CODE")?.to_owned())
        }
        ChallengeName::SelectMfaType => {
            let name = param(responses, "ANSWER")?;
            Answer::Select(
                crate::model::MfaFactor::parse(name).ok_or_else(|| {
                    CoreError::invalid(format!("{name} is not a valid MFA type."))
                })?,
            )
        }
        ChallengeName::MfaSetup => Answer::SetupDone,
        ChallengeName::DeviceSrpAuth => Answer::DeviceSrp {
            device_key: param(responses, "DEVICE_KEY")?.to_owned(),
            srp_a: param(responses, "SRP_A")?.to_owned(),
        },
        ChallengeName::DevicePasswordVerifier => Answer::DevicePassword {
            device_key: param(responses, "DEVICE_KEY")?.to_owned(),
            block: param(responses, "PASSWORD_CLAIM_SECRET_BLOCK")?.to_owned(),
            signature: param(responses, "PASSWORD_CLAIM_SIGNATURE")?.to_owned(),
            timestamp: param(responses, "TIMESTAMP")?.to_owned(),
        },
        ChallengeName::PasswordVerifier | ChallengeName::CustomChallenge => {
            return Err(CoreError::Internal(
                "PASSWORD_VERIFIER has no session".into(),
            ));
        }
    })
}
