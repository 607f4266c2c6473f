//! Self-service registration and recovery (reference §5.10): `SignUp`, `ConfirmSignUp`,
//! `ResendConfirmationCode`, `ForgotPassword`, `ConfirmForgotPassword`, `AdminConfirmSignUp`,
//! plus the code store/check shared by every code-confirmed operation.

use super::Cogito;
use super::limits::Capped;
use super::messages::{CodeDelivery, Mail, Outgoing, verification_medium};
use super::triggers::Caller;
use super::triggers::lifecycle::{ConfirmSource, Metadata, SignUpSource};
use super::triggers::migration::Found;
use crate::attributes::{Writer, looks_like_email, looks_like_phone, validate_writes};
use crate::crypto::keyed_fingerprint;
use crate::error::{CoreError, CoreResult};
use crate::model::{AppClient, Code, CodePurpose, DeliveryMedium, User, UserPool, UserStatus};
use crate::store::{
    CodeRefusal, Effects, Redeem, StoreError, UniqueKey, UpdateOutcome, UserUpdate,
};

/// Code lifetimes (reference §8.3).
pub const SIGNUP_CODE_MS: i64 = 24 * 3600 * 1000;
/// Password-reset code lifetime.
pub const FORGOT_CODE_MS: i64 = 3600 * 1000;
/// Failed attempts a code survives.
const MAX_CODE_ATTEMPTS: u32 = 5;

/// A `SignUp` request.
#[derive(Debug, Clone)]
pub struct SignUpInput {
    /// Client id.
    pub client_id: String,
    /// `Username`.
    pub username: String,
    /// `Password`.
    pub password: String,
    /// `UserAttributes`.
    pub attributes: Vec<(String, String)>,
    /// `SecretHash`.
    pub secret_hash: Option<String>,
    /// `ValidationData` (for the pre-sign-up trigger).
    pub validation_data: Vec<(String, String)>,
    /// `ClientMetadata` (for the triggers).
    pub client_metadata: Metadata,
}

/// `SignUp` response.
#[derive(Debug, Clone)]
pub struct SignUpOutput {
    /// Whether the pre-sign-up trigger confirmed the user.
    pub confirmed: bool,
    /// `UserSub`.
    pub sub: String,
    /// Where the code went.
    pub delivery: Option<CodeDelivery>,
}

fn code_mismatch() -> CoreError {
    CoreError::CodeMismatch("Invalid verification code provided, please try again.".into())
}

fn expired_code() -> CoreError {
    CoreError::ExpiredCode("Invalid code provided, please request a code again.".into())
}

/// Builds a new user record from a requested username, applying `UsernameAttributes` (the
/// internal username becomes the `sub`) and alias-format rules.
pub fn new_user(
    pool: &UserPool,
    username: &str,
    attrs: &[(String, String)],
    now: i64,
) -> CoreResult<User> {
    let sub = crate::ids::new_uuid();
    let mut user = User {
        pool_id: pool.id.clone(),
        username: username.to_string(),
        sub: sub.clone(),
        status: UserStatus::Unconfirmed,
        enabled: true,
        password_hash: None,
        srp_verifier: None,
        password_set_ms: now,
        password_history: Vec::new(),
        attributes: Default::default(),
        created_ms: now,
        modified_ms: now,
        failed_attempts: 0,
        locked_until_ms: 0,
        last_failure_ms: 0,
        mfa: Default::default(),
    };
    super::apply_attributes(&mut user, attrs);
    if pool.uses_username_attributes() {
        let email_ok =
            pool.username_attributes.iter().any(|a| a == "email") && looks_like_email(username);
        let phone_ok = pool.username_attributes.iter().any(|a| a == "phone_number")
            && looks_like_phone(username);
        if !email_ok && !phone_ok {
            return Err(CoreError::invalid(
                "Username should be either an email or a phone number.",
            ));
        }
        let attr = if email_ok { "email" } else { "phone_number" };
        user.attributes.insert(attr.into(), username.to_string());
        user.username = sub;
    } else {
        let alias = |a: &str| pool.alias_attributes.iter().any(|x| x == a);
        if alias("email") && looks_like_email(username) {
            return Err(CoreError::invalid(
                "Username cannot be of email format, since user pool is configured for email alias.",
            ));
        }
        if alias("phone_number") && looks_like_phone(username) {
            return Err(CoreError::invalid(
                "Username cannot be of phone number format, since user pool is configured for phone number alias.",
            ));
        }
    }
    Ok(user)
}

/// Maps a failed insert of a new user.
pub fn insert_error(pool: &UserPool, e: StoreError, message: &str) -> CoreError {
    match e {
        StoreError::Conflict(UniqueKey::LoginKey(k))
            if k.kind != crate::model::user::LoginKeyKind::Username
                || pool.uses_username_attributes() =>
        {
            CoreError::UsernameExists(format!(
                "An account with the given {} already exists.",
                k.kind.as_str()
            ))
        }
        StoreError::Conflict(_) => CoreError::UsernameExists(message.into()),
        e => CoreError::from_store("insert user", e),
    }
}

impl Cogito {
    /// `SignUp`.
    pub async fn sign_up(&self, input: SignUpInput) -> CoreResult<SignUpOutput> {
        let client = self.client(&input.client_id).await?;
        let pool = self.pool(&client.pool_id).await?;
        crate::secret_hash::check(&client, &[&input.username], input.secret_hash.as_deref())?;
        if pool.allow_admin_create_user_only {
            return Err(CoreError::NotAuthorized(
                "SignUp is not permitted for this user pool".into(),
            ));
        }
        let attributes = validate_writes(
            &pool,
            &input.attributes,
            Writer::Client(client.write_attributes.as_deref()),
            true,
        )?;
        let now = self.clock.now_ms();
        let mut user = new_user(&pool, &input.username, &attributes, now)?;
        if let Some(name) =
            crate::attributes::missing_required(&pool, |n| user.attr(n).is_some()).first()
        {
            return Err(CoreError::invalid(format!(
                "Attributes did not conform to the schema: {name}: The attribute is required"
            )));
        }
        crate::password::check_policy(
            &pool.password_policy,
            &input.password,
            "Password did not conform with policy",
        )?;
        let caller = Caller {
            client_id: Some(&client.client_id),
            metadata: Some(&input.client_metadata),
        };
        let answer = self
            .pre_sign_up(
                &pool,
                SignUpSource::SignUp,
                &user,
                caller,
                &input.validation_data,
            )
            .await?;
        for (verified, attr) in [
            (answer.verify_email, "email_verified"),
            (answer.verify_phone, "phone_number_verified"),
        ] {
            if verified {
                user.attributes.insert(attr.into(), "true".into());
            }
        }
        if answer.confirm {
            user.status = UserStatus::Confirmed;
        }
        self.stored_password(&pool, &user, &input.password, 1)
            .await?
            .set_on_new(&mut user);
        let keys = crate::attributes::login_keys(&pool, &user);
        // User, code and outbox row commit together (or not at all).
        let mut mail = Mail::default();
        let delivery = if answer.confirm {
            None
        } else {
            self.signup_code(&mut mail, &pool, &user, "SignUp")?
        };
        self.custom_messages(&pool, &user, &mut mail, caller)
            .await?;
        self.store
            .insert_user(&user, &keys, false, &mail.effects)
            .await
            .map_err(|e| insert_error(&pool, e, "User already exists"))?;
        self.deliver(mail);
        if answer.confirm {
            self.post_confirmation(&pool, ConfirmSource::SignUp, &user, caller)
                .await?;
        }
        Ok(SignUpOutput {
            confirmed: answer.confirm,
            sub: user.sub,
            delivery,
        })
    }

    /// Prepares the sign-up code of a user into `mail`, if the pool auto-verifies a contact.
    fn signup_code(
        &self,
        mail: &mut Mail,
        pool: &UserPool,
        user: &User,
        purpose: &str,
    ) -> CoreResult<Option<CodeDelivery>> {
        let Some(medium) = verification_medium(&pool.auto_verified_attributes, user) else {
            return Ok(None);
        };
        self.verification_code(
            mail,
            pool,
            user,
            CodePurpose::SignUp,
            SIGNUP_CODE_MS,
            medium,
            purpose,
        )
        .map(Some)
    }

    /// Prepares a code for `purpose` and its message (the pool's verification template) into
    /// `mail`; both are stored by the operation's transaction.
    #[allow(clippy::too_many_arguments)]
    pub fn verification_code(
        &self,
        mail: &mut Mail,
        pool: &UserPool,
        user: &User,
        purpose: CodePurpose,
        ttl_ms: i64,
        medium: DeliveryMedium,
        why: &str,
    ) -> CoreResult<CodeDelivery> {
        let code = self.new_code(mail, user, purpose, ttl_ms, medium);
        let t = &pool.verification;
        let template = match medium {
            DeliveryMedium::Email => &t.email_message,
            DeliveryMedium::Sms => &t.sms_message,
        };
        self.compose(
            mail,
            Outgoing {
                user,
                medium,
                subject: &t.email_subject,
                template,
                code: &code,
                purpose: why,
            },
        )
    }

    /// Adds a fresh code for a user to `mail`; returns the plaintext code.
    pub fn new_code(
        &self,
        mail: &mut Mail,
        user: &User,
        purpose: CodePurpose,
        ttl_ms: i64,
        medium: DeliveryMedium,
    ) -> String {
        let code = crate::ids::new_code();
        mail.effects.codes.push(Code {
            pool_id: user.pool_id.clone(),
            user_sub: user.sub.clone(),
            purpose,
            code_hash: keyed_fingerprint(&self.code_key, &code),
            expires_ms: self.clock.now_ms() + ttl_ms,
            attempts: 0,
            destination_attribute: Some(match medium {
                DeliveryMedium::Email => "email".into(),
                DeliveryMedium::Sms => "phone_number".into(),
            }),
        });
        code
    }

    /// Commits a user's prepared mail (no other change) and sends it.
    pub async fn send_mail(&self, user: &User, mut mail: Mail) -> CoreResult<Vec<CodeDelivery>> {
        let pool = self.pool(&user.pool_id).await?;
        self.custom_messages(&pool, user, &mut mail, Caller::default())
            .await?;
        let update = UserUpdate {
            modified_ms: user.modified_ms,
            ..UserUpdate::default()
        };
        self.update_user_fields(user, &update, &mail.effects)
            .await?;
        let deliveries = mail.deliveries.clone();
        self.deliver(mail);
        Ok(deliveries)
    }

    /// A presented code, to be checked and consumed by a user change.
    pub fn redeem(&self, purpose: CodePurpose, given: &str) -> Redeem {
        Redeem {
            purpose,
            code_hash: keyed_fingerprint(&self.code_key, given),
            now_ms: self.clock.now_ms(),
            max_attempts: MAX_CODE_ATTEMPTS,
        }
    }

    /// The user a name designates, once the request's secret hash checked out against the
    /// typed name or the user's internal one.
    pub(crate) async fn public_user(
        &self,
        client: &AppClient,
        pool: &UserPool,
        username: &str,
        secret_hash: Option<&str>,
    ) -> CoreResult<Option<User>> {
        let user = self.lookup_user(pool, username).await?;
        let internal = user
            .as_ref()
            .map(|u| u.username.as_str())
            .unwrap_or(username);
        crate::secret_hash::check(client, &[username, internal], secret_hash)?;
        Ok(user)
    }

    /// `ConfirmSignUp`.
    pub async fn confirm_sign_up(
        &self,
        client_id: &str,
        username: &str,
        code: &str,
        secret_hash: Option<&str>,
        force_alias: bool,
    ) -> CoreResult<()> {
        let client = self.client(client_id).await?;
        let pool = self.pool(&client.pool_id).await?;
        let Some(user) = self
            .public_user(&client, &pool, username, secret_hash)
            .await?
        else {
            // As a real user with a wrong code (reference §8.11).
            return Err(if client.prevents_existence_errors() {
                code_mismatch()
            } else {
                CoreError::user_not_found()
            });
        };
        if user.status != UserStatus::Unconfirmed {
            return Err(cannot_confirm(user.status));
        }
        self.count_capped(Capped::ConfirmSignUp, &user).await?;
        let code = self.redeem(CodePurpose::SignUp, code);
        let destination = self
            .store
            .get_code(&user.pool_id, &user.sub, &CodePurpose::SignUp)
            .await
            .ok()
            .and_then(|c| c.destination_attribute);
        let mut update = UserUpdate {
            modified_ms: self.clock.now_ms(),
            only_if_status: Some(UserStatus::Unconfirmed),
            status: Some(UserStatus::Confirmed),
            redeem: Some(code),
            keys: Some(crate::attributes::key_policy(&pool)),
            steal_keys: force_alias,
            ..UserUpdate::default()
        };
        if let Some(attr) = destination {
            update
                .set_attributes
                .push((format!("{attr}_verified"), "true".into()));
        }
        match self.change_user(&user, &update, &Effects::none()).await? {
            UpdateOutcome::Updated(user) => {
                let caller = Caller::of(client_id);
                self.post_confirmation(&pool, ConfirmSource::SignUp, &user, caller)
                    .await
            }
            UpdateOutcome::StatusWas(status) => Err(cannot_confirm(status)),
            UpdateOutcome::Code(refusal) => Err(code_refused(refusal)),
        }
    }

    /// `ResendConfirmationCode`.
    pub async fn resend_confirmation_code(
        &self,
        client_id: &str,
        username: &str,
        secret_hash: Option<&str>,
    ) -> CoreResult<Option<CodeDelivery>> {
        let client = self.client(client_id).await?;
        let pool = self.pool(&client.pool_id).await?;
        let Some(user) = self
            .public_user(&client, &pool, username, secret_hash)
            .await?
        else {
            return if client.prevents_existence_errors() {
                Ok(Some(fake_delivery(username)))
            } else {
                Err(CoreError::user_not_found())
            };
        };
        if user.status != UserStatus::Unconfirmed {
            return Err(CoreError::invalid("User is already confirmed."));
        }
        self.count_capped(Capped::ResendConfirmationCode, &user)
            .await?;
        let mut mail = Mail::default();
        let delivery = self.signup_code(&mut mail, &pool, &user, "ResendCode")?;
        self.send_mail(&user, mail).await?;
        Ok(delivery)
    }

    /// `ForgotPassword`.
    pub async fn forgot_password(
        &self,
        client_id: &str,
        username: &str,
        secret_hash: Option<&str>,
    ) -> CoreResult<CodeDelivery> {
        let client = self.client(client_id).await?;
        let pool = self.pool(&client.pool_id).await?;
        let user = match self
            .public_user(&client, &pool, username, secret_hash)
            .await?
        {
            Some(u) => Some(u),
            None => self
                .migrate_user(&pool, &client, username, None)
                .await?
                .map(Found::user),
        };
        let Some(user) = user else {
            return if client.prevents_existence_errors() {
                Ok(fake_delivery(username))
            } else {
                Err(CoreError::user_not_found())
            };
        };
        // §8.11: with prevention, disabled users and users without a verified contact get the
        // same fake delivery as unknown ones.
        let hide = client.prevents_existence_errors();
        if !user.enabled {
            return if hide {
                Ok(fake_delivery(username))
            } else {
                Err(CoreError::NotAuthorized("User is disabled.".into()))
            };
        }
        if user.status == UserStatus::ForceChangePassword {
            return Err(CoreError::NotAuthorized(
                "User password cannot be reset in the current state.".into(),
            ));
        }
        if hide
            && matches!(
                recovery_medium(&pool, &user),
                Err(CoreError::InvalidParameter(_))
            )
        {
            return Ok(fake_delivery(username));
        }
        self.count_capped(Capped::PasswordReset, &user).await?;
        let mut mail = Mail::default();
        let delivery = self.reset_code(&mut mail, &pool, &user, "ForgotPassword")?;
        self.send_mail(&user, mail).await?;
        Ok(delivery)
    }

    /// Prepares a password-reset code by the pool's recovery order (verified phone, then
    /// verified e-mail, unless `AccountRecoverySetting` says otherwise) into `mail`.
    pub fn reset_code(
        &self,
        mail: &mut Mail,
        pool: &UserPool,
        user: &User,
        purpose: &str,
    ) -> CoreResult<CodeDelivery> {
        let medium = recovery_medium(pool, user)?;
        self.verification_code(
            mail,
            pool,
            user,
            CodePurpose::ForgotPassword,
            FORGOT_CODE_MS,
            medium,
            purpose,
        )
    }

    /// `ConfirmForgotPassword`.
    pub async fn confirm_forgot_password(
        &self,
        client_id: &str,
        username: &str,
        code: &str,
        password: &str,
        secret_hash: Option<&str>,
    ) -> CoreResult<()> {
        let client = self.client(client_id).await?;
        let pool = self.pool(&client.pool_id).await?;
        // A place for the new password's hash before anything is counted: a reset refused for
        // a full queue uses none of the user's resets, and is refused alike for any name.
        let ticket = self.hasher.ticket()?;
        let user = self
            .public_user(&client, &pool, username, secret_hash)
            .await?;
        let hide = client.prevents_existence_errors();
        let user = match user {
            Some(u) if u.enabled => u,
            _ if hide => {
                // The policy check and the hash a user's reset would cost, then the answer a
                // wrong code gets: neither the answer nor its timing tells the name is unknown.
                crate::password::check_policy(
                    &pool.password_policy,
                    password,
                    "Password did not conform with policy",
                )?;
                self.hasher.burn(ticket, password).await?;
                return Err(code_mismatch());
            }
            Some(_) => return Err(CoreError::NotAuthorized("User is disabled.".into())),
            None => return Err(CoreError::user_not_found()),
        };
        self.count_capped(Capped::PasswordReset, &user).await?;
        let new_password = self
            .new_password(
                ticket,
                &pool,
                &user,
                password,
                "Password did not conform with policy",
            )
            .await?;
        // Code, password and the end of every session commit together (SEC-23).
        let update = UserUpdate {
            modified_ms: self.clock.now_ms(),
            status: Some(UserStatus::Confirmed),
            password: Some(new_password),
            redeem: Some(self.redeem(CodePurpose::ForgotPassword, code)),
            ..UserUpdate::default()
        };
        match self
            .change_user(&user, &update, &self.end_sessions(None))
            .await?
        {
            UpdateOutcome::Updated(user) => {
                let caller = Caller::of(client_id);
                self.post_confirmation(&pool, ConfirmSource::ForgotPassword, &user, caller)
                    .await
            }
            UpdateOutcome::Code(refusal) => Err(code_refused(refusal)),
            UpdateOutcome::StatusWas(_) => Err(code_mismatch()),
        }
    }

    /// `AdminConfirmSignUp`.
    pub async fn admin_confirm_sign_up(&self, pool_id: &str, username: &str) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        let user = self.user(&pool, username).await?;
        if user.status != UserStatus::Unconfirmed {
            return Err(cannot_confirm(user.status));
        }
        let update = UserUpdate {
            modified_ms: self.clock.now_ms(),
            only_if_status: Some(UserStatus::Unconfirmed),
            status: Some(UserStatus::Confirmed),
            ..UserUpdate::default()
        };
        match self.change_user(&user, &update, &Effects::none()).await? {
            UpdateOutcome::StatusWas(status) => Err(cannot_confirm(status)),
            UpdateOutcome::Updated(user) => {
                self.post_confirmation(&pool, ConfirmSource::SignUp, &user, Caller::default())
                    .await
            }
            UpdateOutcome::Code(_) => Ok(()),
        }
    }
}

fn cannot_confirm(status: UserStatus) -> CoreError {
    CoreError::NotAuthorized(format!(
        "User cannot be confirmed. Current status is {}",
        status.as_str()
    ))
}

/// The error of a refused code (reference §7.2 messages).
pub fn code_refused(refusal: CodeRefusal) -> CoreError {
    match refusal {
        CodeRefusal::Missing => expired_code(),
        CodeRefusal::Mismatch => code_mismatch(),
        CodeRefusal::TooManyAttempts => {
            CoreError::LimitExceeded("Attempt limit exceeded, please try after some time.".into())
        }
    }
}

fn recovery_medium(pool: &UserPool, user: &User) -> CoreResult<DeliveryMedium> {
    let order: Vec<String> = pool
        .account_recovery
        .as_ref()
        .map(|mechs| {
            let mut v: Vec<(u32, String)> =
                mechs.iter().map(|m| (m.priority, m.name.clone())).collect();
            v.sort();
            v.into_iter().map(|(_, n)| n).collect()
        })
        .unwrap_or_else(|| vec!["verified_phone_number".into(), "verified_email".into()]);
    if order.iter().any(|n| n == "admin_only") {
        return Err(CoreError::NotAuthorized(
            "Contact administrator to reset password.".into(),
        ));
    }
    for name in order {
        match name.as_str() {
            "verified_phone_number"
                if user.attr_is_true("phone_number_verified")
                    && user.attr("phone_number").is_some() =>
            {
                return Ok(DeliveryMedium::Sms);
            }
            "verified_email"
                if user.attr_is_true("email_verified") && user.attr("email").is_some() =>
            {
                return Ok(DeliveryMedium::Email);
            }
            _ => {}
        }
    }
    Err(CoreError::invalid(
        "Cannot reset password for the user as there is no registered/verified email or phone_number",
    ))
}

/// Plausible delivery details for an unknown user when existence errors are prevented.
fn fake_delivery(username: &str) -> CodeDelivery {
    if looks_like_phone(username) {
        CodeDelivery {
            destination: crate::attributes::mask_destination(username),
            medium: DeliveryMedium::Sms,
            attribute: "phone_number".into(),
        }
    } else {
        let dest = if looks_like_email(username) {
            crate::attributes::mask_destination(username)
        } else {
            format!("{}***@e***", username.chars().next().unwrap_or('u'))
        };
        CodeDelivery {
            destination: dest,
            medium: DeliveryMedium::Email,
            attribute: "email".into(),
        }
    }
}
