//! Public client-id operations: `SignUp`, `ConfirmSignUp`, `ResendConfirmationCode`,
//! `ForgotPassword`, `ConfirmForgotPassword`.

use std::sync::Arc;

use cogito_core::service::Cogito;
use cogito_core::service::signup::SignUpInput;
use serde::Deserialize;
use serde_json::{Value, json};

use super::wire::{AttributeType, OpResult, attribute_pairs, decode, delivery};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PublicInput {
    client_id: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirmation_code: String,
    secret_hash: Option<String>,
    #[serde(default)]
    user_attributes: Vec<AttributeType>,
    #[serde(default)]
    force_alias_creation: bool,
    #[serde(default)]
    validation_data: Vec<AttributeType>,
    #[serde(default)]
    client_metadata: std::collections::BTreeMap<String, String>,
}

/// `SignUp`.
pub async fn sign_up(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: PublicInput = decode(input)?;
    let out = core
        .sign_up(SignUpInput {
            client_id: i.client_id,
            username: i.username,
            password: i.password,
            attributes: attribute_pairs(&i.user_attributes),
            secret_hash: i.secret_hash,
            validation_data: attribute_pairs(&i.validation_data),
            client_metadata: i.client_metadata,
        })
        .await?;
    let mut v = json!({ "UserConfirmed": out.confirmed, "UserSub": out.sub });
    if let Some(d) = &out.delivery {
        v["CodeDeliveryDetails"] = delivery(d);
    }
    Ok(v)
}

/// `ConfirmSignUp`.
pub async fn confirm_sign_up(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: PublicInput = decode(input)?;
    core.confirm_sign_up(
        &i.client_id,
        &i.username,
        &i.confirmation_code,
        i.secret_hash.as_deref(),
        i.force_alias_creation,
    )
    .await?;
    Ok(json!({}))
}

/// `ResendConfirmationCode`.
pub async fn resend_confirmation_code(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: PublicInput = decode(input)?;
    let d = core
        .resend_confirmation_code(&i.client_id, &i.username, i.secret_hash.as_deref())
        .await?;
    Ok(match d {
        Some(d) => json!({ "CodeDeliveryDetails": delivery(&d) }),
        None => json!({}),
    })
}

/// `ForgotPassword`.
pub async fn forgot_password(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: PublicInput = decode(input)?;
    let d = core
        .forgot_password(&i.client_id, &i.username, i.secret_hash.as_deref())
        .await?;
    Ok(json!({ "CodeDeliveryDetails": delivery(&d) }))
}

/// `ConfirmForgotPassword`.
pub async fn confirm_forgot_password(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: PublicInput = decode(input)?;
    core.confirm_forgot_password(
        &i.client_id,
        &i.username,
        &i.confirmation_code,
        &i.password,
        i.secret_hash.as_deref(),
    )
    .await?;
    Ok(json!({}))
}
