//! Administrator user operations (SigV4): invitations (`AdminCreateUser` with RESEND/SUPPRESS),
//! read, delete, enable/disable, passwords, attributes, `ListUsers`.

use super::Cogito;
use super::messages::{Mail, Outgoing};
use super::signup::{insert_error, new_user};
use super::triggers::Caller;
use super::triggers::lifecycle::SignUpSource;
use crate::attributes::{Writer, validate_writes};
use crate::error::{CoreError, CoreResult};
use crate::model::{DeliveryMedium, User, UserPool, UserStatus};
use crate::store::{Effects, Page, UpdateOutcome, UserUpdate};

/// `AdminCreateUser` input.
#[derive(Debug, Clone, Default)]
pub struct CreateUserInput {
    /// Pool.
    pub pool_id: String,
    /// `Username`.
    pub username: String,
    /// `UserAttributes`.
    pub attributes: Vec<(String, String)>,
    /// `TemporaryPassword`.
    pub temporary_password: Option<String>,
    /// `MessageAction`: `RESEND` / `SUPPRESS`.
    pub message_action: Option<String>,
    /// `DesiredDeliveryMediums` (default SMS).
    pub desired_mediums: Vec<String>,
    /// `ForceAliasCreation`.
    pub force_alias: bool,
    /// `ValidationData` (for the pre-sign-up trigger).
    pub validation_data: Vec<(String, String)>,
    /// `ClientMetadata` (for the triggers).
    pub client_metadata: std::collections::BTreeMap<String, String>,
}

impl Cogito {
    /// `AdminCreateUser`.
    pub async fn admin_create_user(&self, input: CreateUserInput) -> CoreResult<User> {
        let pool = self.pool(&input.pool_id).await?;
        let attributes = validate_writes(&pool, &input.attributes, Writer::Admin, true)?;
        let password = match &input.temporary_password {
            Some(p) => {
                crate::password::check_policy(
                    &pool.password_policy,
                    p,
                    "Password did not conform with password policy",
                )?;
                p.clone()
            }
            None => crate::password::generate_temporary(&pool.password_policy),
        };
        let now = self.clock.now_ms();
        let mut mail = Mail::default();
        let resend = input.message_action.as_deref() == Some("RESEND");
        let suppress = input.message_action.as_deref() == Some("SUPPRESS");
        // The user (or its new temporary password) and the invitation commit together.
        let user = if resend {
            let user = self.user(&pool, &input.username).await?;
            if user.status != UserStatus::ForceChangePassword {
                return Err(CoreError::UnsupportedUserState(
                    "User is not in FORCE_CHANGE_PASSWORD state.".into(),
                ));
            }
            self.invitation(&mut mail, &pool, &user, &password, &input.desired_mediums)?;
            self.custom_messages(&pool, &user, &mut mail, Caller::default())
                .await?;
            let update = UserUpdate {
                modified_ms: now,
                only_if_status: Some(UserStatus::ForceChangePassword),
                password: Some(self.stored_password(&pool, &user, &password, 1).await?),
                ..UserUpdate::default()
            };
            match self.change_user(&user, &update, &mail.effects).await? {
                UpdateOutcome::Updated(u) => u,
                _ => {
                    return Err(CoreError::UnsupportedUserState(
                        "User is not in FORCE_CHANGE_PASSWORD state.".into(),
                    ));
                }
            }
        } else {
            let mut user = new_user(&pool, &input.username, &attributes, now)?;
            user.status = UserStatus::ForceChangePassword;
            let caller = Caller {
                client_id: None,
                metadata: Some(&input.client_metadata),
            };
            self.pre_sign_up(
                &pool,
                SignUpSource::AdminCreateUser,
                &user,
                caller,
                &input.validation_data,
            )
            .await?;
            self.stored_password(&pool, &user, &password, 1)
                .await?
                .set_on_new(&mut user);
            if !suppress {
                self.invitation(&mut mail, &pool, &user, &password, &input.desired_mediums)?;
                self.custom_messages(&pool, &user, &mut mail, caller)
                    .await?;
            }
            let keys = crate::attributes::login_keys(&pool, &user);
            self.store
                .insert_user(&user, &keys, input.force_alias, &mail.effects)
                .await
                .map_err(|e| insert_error(&pool, e, "User account already exists"))?;
            user
        };
        self.deliver(mail);
        Ok(user)
    }

    fn invitation(
        &self,
        mail: &mut Mail,
        pool: &UserPool,
        user: &User,
        password: &str,
        mediums: &[String],
    ) -> CoreResult<()> {
        let mediums: Vec<&str> = if mediums.is_empty() {
            vec!["SMS"]
        } else {
            mediums.iter().map(String::as_str).collect()
        };
        let t = &pool.invitation;
        for m in mediums {
            let (medium, attr, template) = match m {
                "EMAIL" => (DeliveryMedium::Email, "email", &t.email_message),
                _ => (DeliveryMedium::Sms, "phone_number", &t.sms_message),
            };
            if user.attr(attr).is_none() {
                continue;
            }
            self.compose(
                mail,
                Outgoing {
                    user,
                    medium,
                    subject: &t.email_subject,
                    template,
                    code: password,
                    purpose: "AdminCreateUser",
                },
            )?;
        }
        Ok(())
    }

    /// `AdminGetUser`.
    pub async fn admin_get_user(&self, pool_id: &str, username: &str) -> CoreResult<User> {
        let pool = self.pool(pool_id).await?;
        self.user(&pool, username).await
    }

    /// `AdminDeleteUser`.
    pub async fn admin_delete_user(&self, pool_id: &str, username: &str) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        let user = self.user(&pool, username).await?;
        self.store
            .delete_user(pool_id, &user.sub)
            .await
            .map_err(|e| CoreError::from_store("delete user", e))
    }

    /// `AdminDisableUser` (revokes the user's tokens) / `AdminEnableUser`.
    pub async fn admin_set_enabled(
        &self,
        pool_id: &str,
        username: &str,
        enabled: bool,
    ) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        let user = self.user(&pool, username).await?;
        let update = UserUpdate {
            modified_ms: self.clock.now_ms(),
            enabled: Some(enabled),
            ..UserUpdate::default()
        };
        // Disabling ends tokens and hosted-UI sessions in the same transaction: re-enabling
        // revives neither (SEC-22).
        let effects = if enabled {
            Effects::none()
        } else {
            self.end_sessions(None)
        };
        self.update_user_fields(&user, &update, &effects).await?;
        Ok(())
    }

    /// `AdminSetUserPassword`.
    pub async fn admin_set_password(
        &self,
        pool_id: &str,
        username: &str,
        password: &str,
        permanent: bool,
    ) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        let user = self.user(&pool, username).await?;
        let new_password = self
            .new_password(
                self.hasher.ticket()?,
                &pool,
                &user,
                password,
                "Password did not conform with policy",
            )
            .await?;
        let update = UserUpdate {
            modified_ms: self.clock.now_ms(),
            password: Some(new_password),
            status: Some(if permanent {
                UserStatus::Confirmed
            } else {
                UserStatus::ForceChangePassword
            }),
            ..UserUpdate::default()
        };
        self.update_user_fields(&user, &update, &self.end_sessions(None))
            .await?;
        Ok(())
    }

    /// `AdminResetUserPassword`: `RESET_REQUIRED` and a reset code.
    pub async fn admin_reset_password(&self, pool_id: &str, username: &str) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        let user = self.user(&pool, username).await?;
        let mut mail = self.end_sessions(None).into_mail();
        self.reset_code(&mut mail, &pool, &user, "AdminResetUserPassword")?;
        self.custom_messages(&pool, &user, &mut mail, Caller::default())
            .await?;
        let update = UserUpdate {
            modified_ms: self.clock.now_ms(),
            status: (user.status == UserStatus::Confirmed).then_some(UserStatus::ResetRequired),
            ..UserUpdate::default()
        };
        self.update_user_fields(&user, &update, &mail.effects)
            .await?;
        self.deliver(mail);
        Ok(())
    }

    /// `AdminUpdateUserAttributes`.
    pub async fn admin_update_attributes(
        &self,
        pool_id: &str,
        username: &str,
        attrs: &[(String, String)],
    ) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        let user = self.user(&pool, username).await?;
        let attrs = validate_writes(&pool, attrs, Writer::Admin, false)?;
        self.update_attributes(&pool, user, &attrs, true)
            .await
            .map(|_| ())
    }

    /// `AdminDeleteUserAttributes`.
    pub async fn admin_delete_attributes(
        &self,
        pool_id: &str,
        username: &str,
        names: &[String],
    ) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        let user = self.user(&pool, username).await?;
        self.delete_attributes(&pool, user, names).await
    }

    /// Removes attributes (required ones cannot be removed).
    pub async fn delete_attributes(
        &self,
        pool: &UserPool,
        user: User,
        names: &[String],
    ) -> CoreResult<()> {
        for name in names {
            match pool.attribute(name) {
                None => {
                    return Err(CoreError::invalid(format!(
                        "Attributes did not conform to the schema: {name}: Attribute does not exist in the schema."
                    )));
                }
                Some(a) if a.required => {
                    return Err(CoreError::invalid(format!(
                        "Cannot delete required attribute {name}"
                    )));
                }
                Some(_) => {}
            }
        }
        let mut remove = names.to_vec();
        for contact in ["email", "phone_number"] {
            if names.iter().any(|n| n == contact) {
                remove.push(format!("{contact}_verified"));
            }
        }
        let update = UserUpdate {
            modified_ms: self.clock.now_ms(),
            remove_attributes: remove,
            keys: Some(crate::attributes::key_policy(pool)),
            ..UserUpdate::default()
        };
        self.update_user_fields(&user, &update, &Effects::none())
            .await?;
        Ok(())
    }

    /// `ListUsers`.
    pub async fn list_users(
        &self,
        pool_id: &str,
        filter: Option<&str>,
        cursor: Option<&str>,
        limit: u32,
    ) -> CoreResult<Page<User>> {
        self.pool(pool_id).await?;
        let filter = crate::filter::parse(filter.unwrap_or_default())?;
        self.store
            .list_users(pool_id, filter.as_ref(), cursor, limit)
            .await
            .map_err(super::groups::map_cursor)
    }
}
