//! Self-service registration and recovery (reference §5.10): `SignUp`, `ConfirmSignUp`,
//! `ResendConfirmationCode`, `ForgotPassword`, `ConfirmForgotPassword`, `AdminConfirmSignUp`,
//! plus the code store/check shared by every code-confirmed operation.

use super::Cogito;
use super::messages::{CodeDelivery, Outgoing, verification_medium};
use crate::attributes::{Writer, looks_like_email, looks_like_phone, validate_writes};
use crate::crypto::{keyed_fingerprint, secrets_equal};
use crate::error::{CoreError, CoreResult};
use crate::model::{AppClient, Code, CodePurpose, DeliveryMedium, User, UserPool, UserStatus};
use crate::store::{StoreError, UniqueKey};

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
}

/// `SignUp` response.
#[derive(Debug, Clone)]
pub struct SignUpOutput {
    /// Always false here (no PreSignUp trigger yet).
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
        password_set_ms: now,
        password_history: Vec::new(),
        attributes: Default::default(),
        created_ms: now,
        modified_ms: now,
        failed_attempts: 0,
        locked_until_ms: 0,
        last_failure_ms: 0,
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
        validate_writes(
            &pool,
            &input.attributes,
            Writer::Client(client.write_attributes.as_deref()),
            true,
        )?;
        let now = self.clock.now_ms();
        let mut user = new_user(&pool, &input.username, &input.attributes, now)?;
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
        user.password_hash = Some(self.hasher.hash(&input.password).await?);
        let keys = crate::attributes::login_keys(&pool, &user);
        self.store
            .insert_user(&user, &keys)
            .await
            .map_err(|e| insert_error(&pool, e, "User already exists"))?;
        let delivery = self.send_signup_code(&pool, &user, "SignUp").await?;
        Ok(SignUpOutput {
            confirmed: false,
            sub: user.sub,
            delivery,
        })
    }

    async fn send_signup_code(
        &self,
        pool: &UserPool,
        user: &User,
        purpose: &str,
    ) -> CoreResult<Option<CodeDelivery>> {
        let Some(medium) = verification_medium(&pool.auto_verified_attributes, user) else {
            return Ok(None);
        };
        self.send_verification_code(
            pool,
            user,
            CodePurpose::SignUp,
            SIGNUP_CODE_MS,
            medium,
            purpose,
        )
        .await
        .map(Some)
    }

    /// Issues a code for `purpose` and sends it with the pool's verification template.
    pub async fn send_verification_code(
        &self,
        pool: &UserPool,
        user: &User,
        purpose: CodePurpose,
        ttl_ms: i64,
        medium: DeliveryMedium,
        why: &str,
    ) -> CoreResult<CodeDelivery> {
        let code = self.issue_code(user, purpose, ttl_ms, medium).await?;
        let t = &pool.verification;
        let template = match medium {
            DeliveryMedium::Email => &t.email_message,
            DeliveryMedium::Sms => &t.sms_message,
        };
        self.send_message(Outgoing {
            user,
            medium,
            subject: &t.email_subject,
            template,
            code: &code,
            purpose: why,
        })
        .await
    }

    /// Creates and stores a code for a user; returns the plaintext code.
    pub async fn issue_code(
        &self,
        user: &User,
        purpose: CodePurpose,
        ttl_ms: i64,
        medium: DeliveryMedium,
    ) -> CoreResult<String> {
        let code = crate::ids::new_code();
        let record = Code {
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
        };
        self.store
            .put_code(&record)
            .await
            .map_err(|e| CoreError::from_store("code", e))?;
        Ok(code)
    }

    /// Checks and consumes a code. Absent/expired → `ExpiredCodeException`, wrong →
    /// `CodeMismatchException`, too many wrong attempts → `LimitExceededException`.
    pub async fn consume_code(
        &self,
        user: &User,
        purpose: &CodePurpose,
        given: &str,
    ) -> CoreResult<Code> {
        // One attempt per user and purpose at a time, so the attempt limit holds (SEC-43).
        let _guard = self
            .user_locks
            .lock(format!(
                "code:{}:{}:{}",
                user.pool_id,
                user.sub,
                purpose.key()
            ))
            .await;
        let code = match self.store.get_code(&user.pool_id, &user.sub, purpose).await {
            Ok(c) => c,
            Err(StoreError::NotFound) => return Err(expired_code()),
            Err(e) => return Err(CoreError::from_store("code", e)),
        };
        if code.expires_ms < self.clock.now_ms() {
            return Err(expired_code());
        }
        if code.attempts >= MAX_CODE_ATTEMPTS {
            return Err(CoreError::LimitExceeded(
                "Attempt limit exceeded, please try after some time.".into(),
            ));
        }
        if !secrets_equal(
            keyed_fingerprint(&self.code_key, given).as_bytes(),
            code.code_hash.as_bytes(),
        ) {
            self.store
                .bump_code_attempts(&user.pool_id, &user.sub, purpose)
                .await
                .map_err(|e| CoreError::from_store("code", e))?;
            return Err(code_mismatch());
        }
        match self
            .store
            .delete_code(&user.pool_id, &user.sub, purpose)
            .await
        {
            Ok(()) => Ok(code),
            // A concurrent request used the code first: it is single-use.
            Err(StoreError::NotFound) => Err(expired_code()),
            Err(e) => Err(CoreError::from_store("code", e)),
        }
    }

    async fn public_user(
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
        let Some(mut user) = self
            .public_user(&client, &pool, username, secret_hash)
            .await?
        else {
            return Err(if client.prevents_existence_errors() {
                expired_code()
            } else {
                CoreError::user_not_found()
            });
        };
        if user.status != UserStatus::Unconfirmed {
            return Err(CoreError::NotAuthorized(format!(
                "User cannot be confirmed. Current status is {}",
                user.status.as_str()
            )));
        }
        let used = self.consume_code(&user, &CodePurpose::SignUp, code).await?;
        if let Some(attr) = &used.destination_attribute {
            user.attributes
                .insert(format!("{attr}_verified"), "true".into());
        }
        user.status = UserStatus::Confirmed;
        user.modified_ms = self.clock.now_ms();
        if let Err(e) = self.save_user(&pool, &user, force_alias).await {
            // Keep the code for the retry (e.g. `AliasExistsException` → `ForceAliasCreation`).
            let _ = self.store.put_code(&used).await;
            return Err(e);
        }
        Ok(())
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
        self.send_signup_code(&pool, &user, "ResendCode").await
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
        let Some(user) = self
            .public_user(&client, &pool, username, secret_hash)
            .await?
        else {
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
        self.send_reset_code(&pool, &user, "ForgotPassword").await
    }

    /// Sends a password-reset code by the pool's recovery order (verified phone, then verified
    /// e-mail, unless `AccountRecoverySetting` says otherwise).
    pub async fn send_reset_code(
        &self,
        pool: &UserPool,
        user: &User,
        purpose: &str,
    ) -> CoreResult<CodeDelivery> {
        let medium = recovery_medium(pool, user)?;
        self.send_verification_code(
            pool,
            user,
            CodePurpose::ForgotPassword,
            FORGOT_CODE_MS,
            medium,
            purpose,
        )
        .await
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
        let Some(mut user) = self
            .public_user(&client, &pool, username, secret_hash)
            .await?
        else {
            return Err(if client.prevents_existence_errors() {
                code_mismatch()
            } else {
                CoreError::user_not_found()
            });
        };
        if !user.enabled {
            return Err(if client.prevents_existence_errors() {
                code_mismatch()
            } else {
                CoreError::NotAuthorized("User is disabled.".into())
            });
        }
        crate::password::check_policy(
            &pool.password_policy,
            password,
            "Password does not conform to policy",
        )?;
        let used = self
            .consume_code(&user, &CodePurpose::ForgotPassword, code)
            .await?;
        if let Err(e) = self
            .set_password(
                &pool,
                &mut user,
                password,
                "Password does not conform to policy",
            )
            .await
        {
            // A password the history refuses must not burn the code: the user tries another.
            let _ = self.store.put_code(&used).await;
            return Err(e);
        }
        user.status = UserStatus::Confirmed;
        user.modified_ms = self.clock.now_ms();
        self.save_user(&pool, &user, false).await?;
        self.end_user_sessions(&pool.id, &user.sub, None).await
    }

    /// `AdminConfirmSignUp`.
    pub async fn admin_confirm_sign_up(&self, pool_id: &str, username: &str) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        let mut user = self.user(&pool, username).await?;
        if user.status != UserStatus::Unconfirmed {
            return Err(CoreError::NotAuthorized(format!(
                "User cannot be confirmed. Current status is {}",
                user.status.as_str()
            )));
        }
        user.status = UserStatus::Confirmed;
        user.modified_ms = self.clock.now_ms();
        self.save_user(&pool, &user, false).await
    }
}

fn recovery_medium(pool: &UserPool, user: &User) -> CoreResult<DeliveryMedium> {
    let order: Vec<String> = pool
        .extra
        .get("AccountRecoverySetting")
        .and_then(|s| s.get("RecoveryMechanisms"))
        .and_then(|m| m.as_array())
        .map(|mechs| {
            let mut v: Vec<(i64, String)> = mechs
                .iter()
                .filter_map(|m| {
                    Some((
                        m.get("Priority")?.as_i64()?,
                        m.get("Name")?.as_str()?.to_string(),
                    ))
                })
                .collect();
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
