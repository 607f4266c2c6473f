//! Remembered devices: `ConfirmDevice`, `GetDevice`, `ListDevices`, `ForgetDevice`,
//! `UpdateDeviceStatus` (access token) and the admin variants (`UserPoolId` + `Username`).

use std::sync::Arc;

use cogito_core::model::{Device, User, UserPool};
use cogito_core::service::Cogito;
use serde::Deserialize;
use serde_json::{Value, json};

use super::wire::{OpResult, decode, timestamp};
use crate::error::ApiError;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeviceInput {
    access_token: Option<String>,
    user_pool_id: Option<String>,
    username: Option<String>,
    #[serde(default)]
    device_key: String,
    device_secret_verifier_config: Option<VerifierConfig>,
    device_name: Option<String>,
    device_remembered_status: Option<String>,
    limit: Option<u32>,
    pagination_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct VerifierConfig {
    #[serde(default)]
    password_verifier: String,
    #[serde(default)]
    salt: String,
}

/// `DeviceType`.
fn device_type(d: &Device) -> Value {
    let mut attributes = vec![
        json!({ "Name": "device_status", "Value": "valid" }),
        json!({
            "Name": "dev:device_remembered_status",
            "Value": if d.remembered { "remembered" } else { "not_remembered" },
        }),
    ];
    if let Some(n) = &d.name {
        attributes.push(json!({ "Name": "device_name", "Value": n }));
    }
    json!({
        "DeviceKey": d.device_key,
        "DeviceAttributes": attributes,
        "DeviceCreateDate": timestamp(d.created_ms),
        "DeviceLastModifiedDate": timestamp(d.modified_ms),
        "DeviceLastAuthenticatedDate": timestamp(d.last_auth_ms),
    })
}

/// The user the request is about: the access token's, or `UserPoolId` + `Username` (admin).
async fn owner(core: &Cogito, i: &DeviceInput) -> Result<(UserPool, User), ApiError> {
    match (&i.access_token, &i.user_pool_id, &i.username) {
        (Some(token), _, _) => {
            let c = core.authorize_access_token(token).await?;
            Ok((c.pool, c.user))
        }
        (None, Some(pool_id), Some(username)) => {
            let pool = core.pool(pool_id).await?;
            let user = core.user(&pool, username).await?;
            Ok((pool, user))
        }
        _ => Err(ApiError::invalid("Missing required parameter AccessToken")),
    }
}

/// `ConfirmDevice`.
pub async fn confirm_device(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: DeviceInput = decode(input)?;
    let token = i
        .access_token
        .as_deref()
        .ok_or_else(|| ApiError::invalid("Missing required parameter AccessToken"))?;
    let config = i.device_secret_verifier_config.as_ref().ok_or_else(|| {
        ApiError::invalid("Missing required parameter DeviceSecretVerifierConfig")
    })?;
    let necessary = core
        .confirm_device(
            token,
            &i.device_key,
            &config.password_verifier,
            &config.salt,
            i.device_name.as_deref(),
        )
        .await?;
    Ok(json!({ "UserConfirmationNecessary": necessary }))
}

/// `GetDevice` / `AdminGetDevice`.
pub async fn get_device(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: DeviceInput = decode(input)?;
    let (pool, user) = owner(&core, &i).await?;
    let d = core.get_device(&pool, &user, &i.device_key).await?;
    Ok(json!({ "Device": device_type(&d) }))
}

/// `ListDevices` / `AdminListDevices`.
pub async fn list_devices(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: DeviceInput = decode(input)?;
    let (pool, user) = owner(&core, &i).await?;
    let page = core
        .list_devices(
            &pool,
            &user,
            i.pagination_token.as_deref(),
            i.limit.unwrap_or(60),
        )
        .await?;
    let mut out = json!({ "Devices": page.items.iter().map(device_type).collect::<Vec<_>>() });
    if let Some(next) = page.next {
        out["PaginationToken"] = json!(next);
    }
    Ok(out)
}

/// `ForgetDevice` / `AdminForgetDevice`.
pub async fn forget_device(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: DeviceInput = decode(input)?;
    let (pool, user) = owner(&core, &i).await?;
    core.forget_device(&pool, &user, &i.device_key).await?;
    Ok(json!({}))
}

/// `UpdateDeviceStatus` / `AdminUpdateDeviceStatus`.
pub async fn update_device_status(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: DeviceInput = decode(input)?;
    let remembered = match i.device_remembered_status.as_deref() {
        Some("remembered") => true,
        Some("not_remembered") => false,
        other => {
            return Err(ApiError::invalid(format!(
                "1 validation error detected: Value '{}' at 'deviceRememberedStatus' failed to \
                 satisfy constraint: Member must satisfy enum value set: [remembered, \
                 not_remembered]",
                other.unwrap_or_default()
            )));
        }
    };
    let (pool, user) = owner(&core, &i).await?;
    core.update_device_status(&pool, &user, &i.device_key, remembered)
        .await?;
    Ok(json!({}))
}
