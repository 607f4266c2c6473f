//! Group operations: `CreateGroup`, `GetGroup`, `UpdateGroup`, `DeleteGroup`, `ListGroups`,
//! `AdminAddUserToGroup`, `AdminRemoveUserFromGroup`, `AdminListGroupsForUser`,
//! `ListUsersInGroup`.

use std::sync::Arc;

use cogito_core::model::Group;
use cogito_core::service::Cogito;
use cogito_core::service::groups::GroupSpec;
use serde::Deserialize;
use serde_json::{Value, json};

use super::wire::{OpResult, decode, limit, timestamp, user_type};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GroupInput {
    user_pool_id: String,
    #[serde(default)]
    group_name: String,
    #[serde(default)]
    username: String,
    description: Option<String>,
    precedence: Option<i64>,
    role_arn: Option<String>,
    next_token: Option<String>,
    limit: Option<u32>,
}

impl GroupInput {
    fn spec(&self) -> GroupSpec {
        GroupSpec {
            description: self.description.clone(),
            precedence: self.precedence,
            role_arn: self.role_arn.clone(),
        }
    }
}

/// `GroupType`.
pub fn group_type(g: &Group) -> Value {
    let mut v = json!({
        "GroupName": g.name,
        "UserPoolId": g.pool_id,
        "CreationDate": timestamp(g.created_ms),
        "LastModifiedDate": timestamp(g.modified_ms),
    });
    if let Some(d) = &g.description {
        v["Description"] = json!(d);
    }
    if let Some(p) = g.precedence {
        v["Precedence"] = json!(p);
    }
    if let Some(r) = &g.role_arn {
        v["RoleArn"] = json!(r);
    }
    v
}

/// `CreateGroup`.
pub async fn create_group(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: GroupInput = decode(input)?;
    let g = core
        .create_group(&i.user_pool_id, &i.group_name, i.spec())
        .await?;
    Ok(json!({ "Group": group_type(&g) }))
}

/// `GetGroup`.
pub async fn get_group(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: GroupInput = decode(input)?;
    Ok(json!({ "Group": group_type(&core.group(&i.user_pool_id, &i.group_name).await?) }))
}

/// `UpdateGroup`.
pub async fn update_group(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: GroupInput = decode(input)?;
    let g = core
        .update_group(&i.user_pool_id, &i.group_name, i.spec())
        .await?;
    Ok(json!({ "Group": group_type(&g) }))
}

/// `DeleteGroup`.
pub async fn delete_group(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: GroupInput = decode(input)?;
    core.delete_group(&i.user_pool_id, &i.group_name).await?;
    Ok(json!({}))
}

/// `ListGroups`.
pub async fn list_groups(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: GroupInput = decode(input)?;
    let page = core
        .list_groups(&i.user_pool_id, i.next_token.as_deref(), limit(i.limit))
        .await?;
    Ok(super::wire::page(page, "Groups", "NextToken", group_type))
}

/// `AdminAddUserToGroup`.
pub async fn admin_add_user_to_group(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: GroupInput = decode(input)?;
    core.add_user_to_group(&i.user_pool_id, &i.username, &i.group_name)
        .await?;
    Ok(json!({}))
}

/// `AdminRemoveUserFromGroup`.
pub async fn admin_remove_user_from_group(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: GroupInput = decode(input)?;
    core.remove_user_from_group(&i.user_pool_id, &i.username, &i.group_name)
        .await?;
    Ok(json!({}))
}

/// `AdminListGroupsForUser`.
pub async fn admin_list_groups_for_user(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: GroupInput = decode(input)?;
    let page = core
        .groups_for_user(
            &i.user_pool_id,
            &i.username,
            i.next_token.as_deref(),
            limit(i.limit),
        )
        .await?;
    Ok(super::wire::page(page, "Groups", "NextToken", group_type))
}

/// `ListUsersInGroup`.
pub async fn list_users_in_group(core: Arc<Cogito>, input: Value) -> OpResult {
    let i: GroupInput = decode(input)?;
    let page = core
        .users_in_group(
            &i.user_pool_id,
            &i.group_name,
            i.next_token.as_deref(),
            limit(i.limit),
        )
        .await?;
    Ok(super::wire::page(page, "Users", "NextToken", |u| {
        user_type(u, None)
    }))
}
