//! Administrator user operations (SigV4): `AdminCreateUser`, `AdminGetUser`, `AdminDeleteUser`,
//! `AdminDisableUser`, `AdminEnableUser`, `AdminSetUserPassword`, `AdminResetUserPassword`,
//! `AdminUpdateUserAttributes`, `AdminDeleteUserAttributes`, `AdminConfirmSignUp`,
//! `AdminUserGlobalSignOut`, `ListUsers`.

use std::sync::Arc;

use cogito_core::service::Cogito;
use cogito_core::service::admin_users::CreateUserInput;
use serde::Deserialize;
use serde_json::{Value, json};

use super::wire::{
    AttributeType, OpResult, attribute_pairs, decode, limit, timestamp, user_attributes, user_type,
};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UserInput {
    user_pool_id: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    user_attributes: Vec<AttributeType>,
    #[serde(default)]
    user_attribute_names: Vec<String>,
    temporary_password: Option<String>,
    message_action: Option<String>,
    #[serde(default)]
    desired_delivery_mediums: Vec<String>,
    #[serde(default)]
    force_alias_creation: bool,
    password: Option<String>,
    #[serde(default)]
    permanent: bool,
    #[serde(default)]
    validation_data: Vec<AttributeType>,
    #[serde(default)]
    client_metadata: std::collections::BTreeMap<String, String>,
}

/// `AdminCreateUser`.
pub async fn admin_create_user(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: UserInput = decode(input)?;
    let user = core
        .admin_create_user(CreateUserInput {
            pool_id: i.user_pool_id,
            username: i.username,
            attributes: attribute_pairs(&i.user_attributes),
            temporary_password: i.temporary_password,
            message_action: i.message_action,
            desired_mediums: i.desired_delivery_mediums,
            force_alias: i.force_alias_creation,
            validation_data: attribute_pairs(&i.validation_data),
            client_metadata: i.client_metadata,
        })
        .await?;
    Ok(json!({ "User": user_type(&user, None) }))
}

/// `AdminGetUser`.
pub async fn admin_get_user(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: UserInput = decode(input)?;
    let u = core.admin_get_user(&i.user_pool_id, &i.username).await?;
    let mut out = json!({
        "Username": u.username,
        "UserAttributes": user_attributes(&u, |_| true),
        "UserCreateDate": timestamp(u.created_ms),
        "UserLastModifiedDate": timestamp(u.modified_ms),
        "Enabled": u.enabled,
        "UserStatus": u.status.as_str(),
    });
    if let Some(map) = out.as_object_mut() {
        super::mfa::user_mfa_members(&u, map);
    }
    Ok(out)
}

/// `AdminDeleteUser`.
pub async fn admin_delete_user(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: UserInput = decode(input)?;
    core.admin_delete_user(&i.user_pool_id, &i.username).await?;
    Ok(json!({}))
}

/// `AdminDisableUser`.
pub async fn admin_disable_user(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: UserInput = decode(input)?;
    core.admin_set_enabled(&i.user_pool_id, &i.username, false)
        .await?;
    Ok(json!({}))
}

/// `AdminEnableUser`.
pub async fn admin_enable_user(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: UserInput = decode(input)?;
    core.admin_set_enabled(&i.user_pool_id, &i.username, true)
        .await?;
    Ok(json!({}))
}

/// `AdminSetUserPassword`.
pub async fn admin_set_user_password(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: UserInput = decode(input)?;
    core.admin_set_password(
        &i.user_pool_id,
        &i.username,
        i.password.as_deref().unwrap_or_default(),
        i.permanent,
    )
    .await?;
    Ok(json!({}))
}

/// `AdminResetUserPassword`.
pub async fn admin_reset_user_password(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: UserInput = decode(input)?;
    core.admin_reset_password(&i.user_pool_id, &i.username)
        .await?;
    Ok(json!({}))
}

/// `AdminUpdateUserAttributes`.
pub async fn admin_update_user_attributes(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: UserInput = decode(input)?;
    core.admin_update_attributes(
        &i.user_pool_id,
        &i.username,
        &attribute_pairs(&i.user_attributes),
    )
    .await?;
    Ok(json!({}))
}

/// `AdminDeleteUserAttributes`.
pub async fn admin_delete_user_attributes(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: UserInput = decode(input)?;
    core.admin_delete_attributes(&i.user_pool_id, &i.username, &i.user_attribute_names)
        .await?;
    Ok(json!({}))
}

/// `AdminConfirmSignUp`.
pub async fn admin_confirm_sign_up(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: UserInput = decode(input)?;
    core.admin_confirm_sign_up(&i.user_pool_id, &i.username)
        .await?;
    Ok(json!({}))
}

/// `AdminUserGlobalSignOut`.
pub async fn admin_user_global_sign_out(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: UserInput = decode(input)?;
    let user = core.admin_get_user(&i.user_pool_id, &i.username).await?;
    core.sign_out_everywhere(&i.user_pool_id, &user.sub).await?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListUsersInput {
    user_pool_id: String,
    attributes_to_get: Option<Vec<String>>,
    filter: Option<String>,
    limit: Option<u32>,
    pagination_token: Option<String>,
}

/// `ListUsers`.
pub async fn list_users(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: ListUsersInput = decode(input)?;
    let page = core
        .list_users(
            &i.user_pool_id,
            i.filter.as_deref(),
            i.pagination_token.as_deref(),
            limit(i.limit),
        )
        .await?;
    let only = i.attributes_to_get.as_deref();
    Ok(super::wire::page(page, "Users", "PaginationToken", |u| {
        user_type(u, only)
    }))
}
