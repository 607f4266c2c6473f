//! Operations a user performs with their own access token: `GetUser`, attribute updates and
//! verification, `ChangePassword`, `DeleteUser`, `GlobalSignOut`; and the attribute-update logic
//! shared with the admin variant.

use super::Cogito;
use super::access::TokenCaller;
use super::limits::Capped;
use super::messages::{CodeDelivery, Mail};
use super::signup::SIGNUP_CODE_MS;
use super::signup::code_refused;
use crate::attributes::{Writer, validate_writes};
use crate::error::{CoreError, CoreResult};
use crate::model::{CodePurpose, DeliveryMedium, User, UserPool};
use crate::store::{Effects, UpdateOutcome, UserUpdate};

const VERIFIABLE: &[(&str, DeliveryMedium)] = &[
    ("email", DeliveryMedium::Email),
    ("phone_number", DeliveryMedium::Sms),
];

impl Cogito {
    /// Applies attribute changes: a changed `email`/`phone_number` becomes unverified and gets a
    /// code, unless the writer is an admin who also set `*_verified=true`. Only the named
    /// attributes are written, with the codes and messages, in one transaction.
    pub async fn update_attributes(
        &self,
        pool: &UserPool,
        user: User,
        attrs: &[(String, String)],
        admin: bool,
    ) -> CoreResult<Vec<CodeDelivery>> {
        let mut set: Vec<(String, String)> = attrs.to_vec();
        let mut remove = Vec::new();
        let mut to_verify = Vec::new();
        for (name, medium) in VERIFIABLE {
            let Some((_, value)) = attrs.iter().find(|(n, _)| n == name) else {
                continue;
            };
            let verified_name = format!("{name}_verified");
            let admin_verified = admin
                && attrs
                    .iter()
                    .any(|(n, v)| *n == verified_name && v == "true");
            if value.is_empty() {
                remove.push(verified_name);
            } else if user.attr(name) != Some(value.as_str()) && !admin_verified {
                set.retain(|(n, _)| *n != verified_name);
                set.push((verified_name, "false".into()));
                if !admin || pool.auto_verified_attributes.iter().any(|a| a == name) {
                    to_verify.push((*name, *medium));
                }
            }
        }
        let mut preview = user.clone();
        super::apply_attributes(&mut preview, &set);
        let mut mail = Mail::default();
        for (name, medium) in to_verify {
            self.attribute_code(
                &mut mail,
                pool,
                &preview,
                (name, medium),
                "UpdateUserAttribute",
            )?;
        }
        self.custom_messages(
            pool,
            &preview,
            &mut mail,
            super::triggers::Caller::default(),
        )
        .await?;
        let update = UserUpdate {
            modified_ms: self.clock.now_ms(),
            set_attributes: set,
            remove_attributes: remove,
            keys: Some(crate::attributes::key_policy(pool)),
            ..UserUpdate::default()
        };
        self.update_user_fields(&user, &update, &mail.effects)
            .await?;
        let deliveries = mail.deliveries.clone();
        self.deliver(mail);
        Ok(deliveries)
    }

    fn attribute_code(
        &self,
        mail: &mut Mail,
        pool: &UserPool,
        user: &User,
        (attr, medium): (&str, DeliveryMedium),
        why: &str,
    ) -> CoreResult<CodeDelivery> {
        self.verification_code(
            mail,
            pool,
            user,
            CodePurpose::VerifyAttribute(attr.into()),
            SIGNUP_CODE_MS,
            medium,
            why,
        )
    }

    /// `UpdateUserAttributes`.
    pub async fn self_update_attributes(
        &self,
        caller: TokenCaller,
        attrs: &[(String, String)],
    ) -> CoreResult<Vec<CodeDelivery>> {
        let attrs = &validate_writes(
            &caller.pool,
            attrs,
            Writer::Client(caller.client.write_attributes.as_deref()),
            false,
        )?;
        if attrs.iter().any(|(n, _)| n.ends_with("_verified")) {
            return Err(CoreError::NotAuthorized(
                "A client attempted to write unauthorized attribute".into(),
            ));
        }
        self.update_attributes(&caller.pool, caller.user, attrs, false)
            .await
    }

    /// `DeleteUserAttributes`.
    pub async fn self_delete_attributes(
        &self,
        caller: TokenCaller,
        names: &[String],
    ) -> CoreResult<()> {
        if let Some(allowed) = &caller.client.write_attributes
            && names.iter().any(|n| !allowed.contains(n))
        {
            return Err(CoreError::NotAuthorized(
                "A client attempted to write unauthorized attribute".into(),
            ));
        }
        self.delete_attributes(&caller.pool, caller.user, names)
            .await
    }

    /// `GetUserAttributeVerificationCode`.
    pub async fn attribute_verification_code(
        &self,
        caller: TokenCaller,
        attr: &str,
    ) -> CoreResult<CodeDelivery> {
        let Some((name, medium)) = VERIFIABLE.iter().find(|(n, _)| *n == attr) else {
            return Err(CoreError::invalid(format!(
                "Invalid attribute name: {attr}"
            )));
        };
        if caller.user.attr(name).is_none() {
            return Err(CoreError::invalid(format!("No {name} to verify")));
        }
        let mut mail = Mail::default();
        let delivery = self.attribute_code(
            &mut mail,
            &caller.pool,
            &caller.user,
            (name, *medium),
            "VerifyUserAttribute",
        )?;
        self.send_mail(&caller.user, mail).await?;
        Ok(delivery)
    }

    /// `VerifyUserAttribute`.
    pub async fn verify_attribute(
        &self,
        caller: TokenCaller,
        attr: &str,
        code: &str,
    ) -> CoreResult<()> {
        if !VERIFIABLE.iter().any(|(n, _)| *n == attr) {
            return Err(CoreError::invalid(format!(
                "Invalid attribute name: {attr}"
            )));
        }
        let user = caller.user;
        self.count_capped(Capped::VerifyUserAttribute, &user)
            .await?;
        // §8.9: an alias belongs to the last user to verify it.
        let update = UserUpdate {
            modified_ms: self.clock.now_ms(),
            set_attributes: vec![(format!("{attr}_verified"), "true".into())],
            keys: Some(crate::attributes::key_policy(&caller.pool)),
            steal_keys: true,
            redeem: Some(self.redeem(CodePurpose::VerifyAttribute(attr.into()), code)),
            ..UserUpdate::default()
        };
        match self.change_user(&user, &update, &Effects::none()).await? {
            UpdateOutcome::Code(refusal) => Err(code_refused(refusal)),
            _ => Ok(()),
        }
    }

    /// `ChangePassword`: the new password and the end of the user's other sessions commit
    /// together; the caller's own sign-in survives (SEC-23).
    pub async fn change_password(
        &self,
        caller: TokenCaller,
        previous: &str,
        proposed: &str,
    ) -> CoreResult<()> {
        let pool = caller.pool;
        let user = self.check_password(&pool, caller.user, previous).await?;
        let new_password = self
            .new_password(
                self.hasher.ticket()?,
                &pool,
                &user,
                proposed,
                "Password did not conform with policy",
            )
            .await?;
        let own = caller
            .claims
            .get("origin_jti")
            .and_then(serde_json::Value::as_str);
        let update = UserUpdate {
            modified_ms: self.clock.now_ms(),
            password: Some(new_password),
            ..UserUpdate::default()
        };
        self.update_user_fields(&user, &update, &self.end_sessions(own))
            .await?;
        Ok(())
    }

    /// `DeleteUser`.
    pub async fn self_delete(&self, caller: TokenCaller) -> CoreResult<()> {
        self.store
            .delete_user(&caller.pool.id, &caller.user.sub)
            .await
            .map_err(|e| CoreError::from_store("delete user", e))
    }

    /// `GlobalSignOut`.
    pub async fn global_sign_out(&self, caller: TokenCaller) -> CoreResult<()> {
        self.sign_out_everywhere(&caller.pool.id, &caller.user.sub)
            .await
    }
}
