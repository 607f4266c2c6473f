//! The triggers around a user's registration and sign-in (reference §6.4): pre sign-up,
//! post confirmation, pre and post authentication. Each builds its event here and reads its
//! answer; the operations call them before they write, except post confirmation, which (as in
//! Cognito) runs once the user is confirmed and reports a failure without undoing it.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Caller, Event, flag, given_attributes, string_map};
use crate::error::{CoreError, CoreResult};
use crate::model::{TriggerKind, User, UserPool};
use crate::service::Cogito;

/// What a pre-sign-up function decided.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PreSignUpAnswer {
    /// `autoConfirmUser`.
    pub confirm: bool,
    /// `autoVerifyEmail`.
    pub verify_email: bool,
    /// `autoVerifyPhone`.
    pub verify_phone: bool,
}

/// Where a pre-sign-up event comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignUpSource {
    /// `SignUp` or the hosted sign-up page.
    SignUp,
    /// `AdminCreateUser` (the answer is ignored).
    AdminCreateUser,
}

/// What confirmed a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmSource {
    /// `ConfirmSignUp`, `AdminConfirmSignUp` or an auto-confirmed sign-up.
    SignUp,
    /// `ConfirmForgotPassword`.
    ForgotPassword,
}

impl Cogito {
    /// Runs the pool's pre-sign-up function for a user about to be created, with the request's
    /// `ValidationData`.
    pub(crate) async fn pre_sign_up(
        &self,
        pool: &UserPool,
        source: SignUpSource,
        user: &User,
        caller: Caller<'_>,
        validation_data: &[(String, String)],
    ) -> CoreResult<PreSignUpAnswer> {
        let source_name = match source {
            SignUpSource::SignUp => "PreSignUp_SignUp",
            SignUpSource::AdminCreateUser => "PreSignUp_AdminCreateUser",
        };
        let mut attributes: Vec<(String, String)> = user
            .attributes
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        attributes.sort();
        let mut event = Event::new(TriggerKind::PreSignUp, source_name, &user.username, caller)
            .with("userAttributes", given_attributes(&attributes));
        if !validation_data.is_empty() {
            event = event.with("validationData", given_attributes(validation_data));
        }
        let Some(response) = self.run_trigger(pool, event).await? else {
            return Ok(PreSignUpAnswer::default());
        };
        if source == SignUpSource::AdminCreateUser {
            return Ok(PreSignUpAnswer::default());
        }
        let answer = PreSignUpAnswer {
            confirm: flag(&response, "autoConfirmUser"),
            verify_email: flag(&response, "autoVerifyEmail"),
            verify_phone: flag(&response, "autoVerifyPhone"),
        };
        for (wanted, attr) in [
            (answer.verify_email, "email"),
            (answer.verify_phone, "phone_number"),
        ] {
            if wanted && user.attr(attr).is_none() {
                return Err(CoreError::InvalidLambdaResponse(format!(
                    "PreSignUp asked to verify {attr}, but the user has no {attr}."
                )));
            }
        }
        Ok(answer)
    }

    /// Runs the pool's post-confirmation function for a user just confirmed.
    pub(crate) async fn post_confirmation(
        &self,
        pool: &UserPool,
        source: ConfirmSource,
        user: &User,
        caller: Caller<'_>,
    ) -> CoreResult<()> {
        let source_name = match source {
            ConfirmSource::SignUp => "PostConfirmation_ConfirmSignUp",
            ConfirmSource::ForgotPassword => "PostConfirmation_ConfirmForgotPassword",
        };
        let event = Event::new(
            TriggerKind::PostConfirmation,
            source_name,
            &user.username,
            caller,
        )
        .with_user(user);
        self.run_trigger(pool, event).await.map(drop)
    }

    /// Runs the pool's pre-authentication function before a password or proof is checked.
    /// `user` is `None` for a name that matches no user (sent only when existence errors are
    /// prevented, with `userNotFound`).
    pub(crate) async fn pre_authentication(
        &self,
        pool: &UserPool,
        name: &str,
        user: Option<&User>,
        caller: Caller<'_>,
    ) -> CoreResult<()> {
        if pool.triggers.arn(TriggerKind::PreAuthentication).is_none() {
            return Ok(());
        }
        let user_name = user.map_or(name, |u| u.username.as_str());
        let mut event = Event::new(
            TriggerKind::PreAuthentication,
            "PreAuthentication_Authentication",
            user_name,
            Caller {
                metadata: None,
                ..caller
            },
        );
        event = match user {
            Some(u) => event.with_user(u),
            None => event
                .with("userAttributes", json!({}))
                .with("userNotFound", Value::Bool(true)),
        };
        let metadata = caller
            .metadata
            .cloned()
            .or_else(super::request_metadata)
            .unwrap_or_default();
        if !metadata.is_empty() {
            event = event.with("validationData", string_map(&metadata));
        }
        self.run_trigger(pool, event).await.map(drop)
    }

    /// Runs the pool's post-authentication function once every factor is proven, before tokens
    /// are issued.
    pub(crate) async fn post_authentication(
        &self,
        pool: &UserPool,
        user: &User,
        caller: Caller<'_>,
        new_device_used: bool,
    ) -> CoreResult<()> {
        if pool.triggers.arn(TriggerKind::PostAuthentication).is_none() {
            return Ok(());
        }
        let event = Event::new(
            TriggerKind::PostAuthentication,
            "PostAuthentication_Authentication",
            &user.username,
            caller,
        )
        .with_user(user)
        .with("newDeviceUsed", Value::Bool(new_device_used));
        self.run_trigger(pool, event).await.map(drop)
    }
}

/// `ClientMetadata` of a request, empty when absent.
pub type Metadata = BTreeMap<String, String>;
