//! Groups and memberships.

use super::Cogito;
use crate::error::{CoreError, CoreResult};
use crate::model::{Group, User};
use crate::store::{GroupChanges, Page, StoreError};

fn group_not_found() -> CoreError {
    CoreError::ResourceNotFound("Group not found.".into())
}

fn map_group(e: StoreError) -> CoreError {
    match e {
        StoreError::NotFound => group_not_found(),
        StoreError::Conflict(_) => {
            CoreError::GroupExists("A group with the name already exists.".into())
        }
        e => CoreError::from_store("group", e),
    }
}

/// Settable members of a group.
#[derive(Debug, Clone, Default)]
pub struct GroupSpec {
    /// Description.
    pub description: Option<String>,
    /// Precedence.
    pub precedence: Option<i64>,
    /// Role ARN.
    pub role_arn: Option<String>,
}

impl Cogito {
    /// `CreateGroup`.
    pub async fn create_group(
        &self,
        pool_id: &str,
        name: &str,
        spec: GroupSpec,
    ) -> CoreResult<Group> {
        self.pool(pool_id).await?;
        let now = self.clock.now_ms();
        let group = Group {
            pool_id: pool_id.into(),
            name: name.into(),
            description: spec.description,
            precedence: spec.precedence,
            role_arn: spec.role_arn,
            created_ms: now,
            modified_ms: now,
        };
        self.store.insert_group(&group).await.map_err(map_group)?;
        Ok(group)
    }

    /// `GetGroup`.
    pub async fn group(&self, pool_id: &str, name: &str) -> CoreResult<Group> {
        self.pool(pool_id).await?;
        self.store.get_group(pool_id, name).await.map_err(map_group)
    }

    /// `UpdateGroup`: given members replace, absent ones stay.
    pub async fn update_group(
        &self,
        pool_id: &str,
        name: &str,
        spec: GroupSpec,
    ) -> CoreResult<Group> {
        self.pool(pool_id).await?;
        let changes = GroupChanges {
            description: spec.description,
            precedence: spec.precedence,
            role_arn: spec.role_arn,
            modified_ms: self.clock.now_ms(),
        };
        self.store
            .update_group(pool_id, name, &changes)
            .await
            .map_err(map_group)
    }

    /// `DeleteGroup`.
    pub async fn delete_group(&self, pool_id: &str, name: &str) -> CoreResult<()> {
        self.group(pool_id, name).await?;
        self.store
            .delete_group(pool_id, name)
            .await
            .map_err(map_group)
    }

    /// `ListGroups`.
    pub async fn list_groups(
        &self,
        pool_id: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> CoreResult<Page<Group>> {
        self.pool(pool_id).await?;
        self.store
            .list_groups(pool_id, cursor, limit)
            .await
            .map_err(map_cursor)
    }

    /// `AdminAddUserToGroup`.
    pub async fn add_user_to_group(
        &self,
        pool_id: &str,
        username: &str,
        group: &str,
    ) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        let user = self.user(&pool, username).await?;
        self.store
            .get_group(pool_id, group)
            .await
            .map_err(map_group)?;
        self.store
            .add_member(pool_id, group, &user.sub)
            .await
            .map_err(map_group)
    }

    /// `AdminRemoveUserFromGroup`.
    pub async fn remove_user_from_group(
        &self,
        pool_id: &str,
        username: &str,
        group: &str,
    ) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        let user = self.user(&pool, username).await?;
        self.store
            .get_group(pool_id, group)
            .await
            .map_err(map_group)?;
        self.store
            .remove_member(pool_id, group, &user.sub)
            .await
            .map_err(map_group)
    }

    /// `AdminListGroupsForUser`.
    pub async fn groups_for_user(
        &self,
        pool_id: &str,
        username: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> CoreResult<Page<Group>> {
        let pool = self.pool(pool_id).await?;
        let user = self.user(&pool, username).await?;
        self.store
            .groups_of_user(pool_id, &user.sub, cursor, limit)
            .await
            .map_err(map_cursor)
    }

    /// `ListUsersInGroup`.
    pub async fn users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> CoreResult<Page<User>> {
        self.group(pool_id, group).await?;
        self.store
            .users_in_group(pool_id, group, cursor, limit)
            .await
            .map_err(map_cursor)
    }

    /// All groups of a user (for token claims).
    pub async fn all_groups_of(&self, pool_id: &str, sub: &str) -> CoreResult<Vec<Group>> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .store
                .groups_of_user(pool_id, sub, cursor.as_deref(), 100)
                .await
                .map_err(|e| CoreError::from_store("groups of user", e))?;
            out.extend(page.items);
            match page.next {
                Some(n) => cursor = Some(n),
                None => return Ok(out),
            }
        }
    }
}

/// A cursor the store cannot read is the caller's fault.
pub(crate) fn map_cursor(e: StoreError) -> CoreError {
    match e {
        StoreError::NotFound => CoreError::invalid("Invalid pagination token."),
        e => CoreError::from_store("list", e),
    }
}
