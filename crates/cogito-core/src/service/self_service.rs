//! Operations a user performs with their own access token: `GetUser`, attribute updates and
//! verification, `ChangePassword`, `DeleteUser`, `GlobalSignOut`; and the attribute-update logic
//! shared with the admin variant.

use super::Cogito;
use super::access::TokenCaller;
use super::messages::CodeDelivery;
use super::signup::SIGNUP_CODE_MS;
use crate::attributes::{Writer, validate_writes};
use crate::error::{CoreError, CoreResult};
use crate::model::{CodePurpose, DeliveryMedium, User, UserPool};

const VERIFIABLE: &[(&str, DeliveryMedium)] = &[
    ("email", DeliveryMedium::Email),
    ("phone_number", DeliveryMedium::Sms),
];

impl Cogito {
    /// Applies attribute changes: a changed `email`/`phone_number` becomes unverified and gets a
    /// code, unless the writer is an admin who also set `*_verified=true`.
    pub async fn update_attributes(
        &self,
        pool: &UserPool,
        mut user: User,
        attrs: &[(String, String)],
        admin: bool,
    ) -> CoreResult<Vec<CodeDelivery>> {
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
            if user.attr(name) != Some(value.as_str()) && !admin_verified {
                user.attributes.insert(verified_name, "false".into());
                if !value.is_empty()
                    && (!admin || pool.auto_verified_attributes.iter().any(|a| a == name))
                {
                    to_verify.push((*name, *medium));
                }
            }
        }
        super::apply_attributes(&mut user, attrs);
        for (name, _) in VERIFIABLE {
            if user.attr(name).is_none() {
                user.attributes.remove(&format!("{name}_verified"));
            }
        }
        user.modified_ms = self.clock.now_ms();
        self.save_user(pool, &user, false).await?;
        let mut deliveries = Vec::new();
        for (name, medium) in to_verify {
            deliveries.push(self.send_verification(pool, &user, name, medium).await?);
        }
        Ok(deliveries)
    }

    async fn send_verification(
        &self,
        pool: &UserPool,
        user: &User,
        attr: &str,
        medium: DeliveryMedium,
    ) -> CoreResult<CodeDelivery> {
        let purpose = CodePurpose::VerifyAttribute(attr.into());
        self.send_verification_code(
            pool,
            user,
            purpose,
            SIGNUP_CODE_MS,
            medium,
            "VerifyUserAttribute",
        )
        .await
    }

    /// `UpdateUserAttributes`.
    pub async fn self_update_attributes(
        &self,
        caller: TokenCaller,
        attrs: &[(String, String)],
    ) -> CoreResult<Vec<CodeDelivery>> {
        validate_writes(
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
        self.send_verification(&caller.pool, &caller.user, name, *medium)
            .await
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
        let mut user = caller.user;
        self.consume_code(&user, &CodePurpose::VerifyAttribute(attr.into()), code)
            .await?;
        user.attributes
            .insert(format!("{attr}_verified"), "true".into());
        user.modified_ms = self.clock.now_ms();
        // §8.9: an alias belongs to the last user to verify it.
        self.save_user(&caller.pool, &user, true).await
    }

    /// `ChangePassword`.
    pub async fn change_password(
        &self,
        caller: TokenCaller,
        previous: &str,
        proposed: &str,
    ) -> CoreResult<()> {
        let pool = caller.pool;
        let mut user = self.check_password(&pool, caller.user, previous).await?;
        self.set_password(
            &pool,
            &mut user,
            proposed,
            "Password does not conform to policy",
        )
        .await?;
        user.modified_ms = self.clock.now_ms();
        self.save_user(&pool, &user, false).await?;
        // The caller's own sign-in survives; every other session ends (SEC-23).
        let own = caller
            .claims
            .get("origin_jti")
            .and_then(serde_json::Value::as_str);
        self.end_user_sessions(&pool.id, &user.sub, own).await
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
