//! Operations authorised by the caller's access token: `GetUser`, `UpdateUserAttributes`,
//! `DeleteUserAttributes`, `DeleteUser`, `GetUserAttributeVerificationCode`,
//! `VerifyUserAttribute`, `ChangePassword`, `GlobalSignOut`.

use std::sync::Arc;

use cogito_core::service::Cogito;
use cogito_core::service::access::TokenCaller;
use cogito_core::token::claims::client_can_read;
use serde::Deserialize;
use serde_json::{Value, json};

use super::wire::{AttributeType, OpResult, attribute_pairs, decode, delivery, user_attributes};
use crate::error::ApiError;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TokenInput {
    access_token: String,
    #[serde(default)]
    user_attributes: Vec<AttributeType>,
    #[serde(default)]
    user_attribute_names: Vec<String>,
    #[serde(default)]
    attribute_name: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    previous_password: String,
    #[serde(default)]
    proposed_password: String,
}

async fn authorize(core: &Cogito, input: Value) -> Result<(TokenInput, TokenCaller), ApiError> {
    let i: TokenInput = decode(input)?;
    let caller = core.authorize_access_token(&i.access_token).await?;
    Ok((i, caller))
}

/// `GetUser`.
pub async fn get_user(core: Arc<Cogito>, input: Value) -> OpResult {
    let (_, c) = authorize(&core, input).await?;
    let attrs = user_attributes(&c.user, |n| n == "sub" || client_can_read(&c.client, n));
    let mut out = json!({ "Username": c.user.username, "UserAttributes": attrs });
    if let Some(map) = out.as_object_mut() {
        super::mfa::user_mfa_members(&c.user, map);
    }
    Ok(out)
}

/// `UpdateUserAttributes`.
pub async fn update_user_attributes(core: Arc<Cogito>, input: Value) -> OpResult {
    let (i, c) = authorize(&core, input).await?;
    let sent = core
        .self_update_attributes(c, &attribute_pairs(&i.user_attributes))
        .await?;
    Ok(json!({ "CodeDeliveryDetailsList": sent.iter().map(delivery).collect::<Vec<_>>() }))
}

/// `DeleteUserAttributes`.
pub async fn delete_user_attributes(core: Arc<Cogito>, input: Value) -> OpResult {
    let (i, c) = authorize(&core, input).await?;
    core.self_delete_attributes(c, &i.user_attribute_names)
        .await?;
    Ok(json!({}))
}

/// `DeleteUser`.
pub async fn delete_user(core: Arc<Cogito>, input: Value) -> OpResult {
    let (_, c) = authorize(&core, input).await?;
    core.self_delete(c).await?;
    Ok(json!({}))
}

/// `GetUserAttributeVerificationCode`.
pub async fn get_user_attribute_verification_code(core: Arc<Cogito>, input: Value) -> OpResult {
    let (i, c) = authorize(&core, input).await?;
    let d = core
        .attribute_verification_code(c, &i.attribute_name)
        .await?;
    Ok(json!({ "CodeDeliveryDetails": delivery(&d) }))
}

/// `VerifyUserAttribute`.
pub async fn verify_user_attribute(core: Arc<Cogito>, input: Value) -> OpResult {
    let (i, c) = authorize(&core, input).await?;
    core.verify_attribute(c, &i.attribute_name, &i.code).await?;
    Ok(json!({}))
}

/// `ChangePassword`.
pub async fn change_password(core: Arc<Cogito>, input: Value) -> OpResult {
    let (i, c) = authorize(&core, input).await?;
    core.change_password(c, &i.previous_password, &i.proposed_password)
        .await?;
    Ok(json!({}))
}

/// `GlobalSignOut`.
pub async fn global_sign_out(core: Arc<Cogito>, input: Value) -> OpResult {
    let (_, c) = authorize(&core, input).await?;
    core.global_sign_out(c).await?;
    Ok(json!({}))
}
