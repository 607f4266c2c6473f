//! [`GroupStore`] for SQLite: the `groups` table (one row per pool and name) and
//! `group_members`, whose foreign keys to both the group and the user make memberships vanish
//! with either.

use async_trait::async_trait;
use cogito_core::model::{Group, User};
use cogito_core::store::{GroupChanges, GroupStore, Page, StoreError, StoreResult};
use sqlx::sqlite::SqliteRow;

use super::users::{Columns, user_columns, user_from_row};
use super::{SqliteStore, db_err, fetch_limit, require_row};
use crate::paging::{
    finish_page, key_cursor, page_size, parse_key_cursor, parse_user_cursor, user_cursor,
};

/// The columns [`group_from_row`] reads, qualified by the alias `g`.
macro_rules! group_columns {
    () => {
        "g.pool_id, g.name, g.description, g.precedence, g.role_arn, g.created_ms, g.modified_ms"
    };
}

fn group_from_row(row: &impl Columns) -> StoreResult<Group> {
    Ok(Group {
        pool_id: row.text("pool_id")?,
        name: row.text("name")?,
        description: row.opt_text("description")?,
        precedence: row.opt_int("precedence")?,
        role_arn: row.opt_text("role_arn")?,
        created_ms: row.int("created_ms")?,
        modified_ms: row.int("modified_ms")?,
    })
}

/// A user's groups after a name, in name order (a token issue's read: inline where possible).
const GROUPS_OF_USER: &str = concat!(
    "SELECT ",
    group_columns!(),
    " FROM group_members m JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name \
     WHERE m.pool_id = ?1 AND m.sub = ?2 AND m.group_name > ?3 \
     ORDER BY m.group_name LIMIT ?4"
);

fn groups_page(rows: &[SqliteRow], size: u32) -> StoreResult<Page<Group>> {
    let groups = rows
        .iter()
        .map(group_from_row)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(finish_page(groups, size, |g| key_cursor(&g.name)))
}

#[async_trait]
impl GroupStore for SqliteStore {
    async fn insert_group(&self, group: &Group) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO groups (pool_id, name, description, precedence, role_arn, created_ms, \
             modified_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .bind(&group.pool_id)
        .bind(&group.name)
        .bind(&group.description)
        .bind(group.precedence)
        .bind(&group.role_arn)
        .bind(group.created_ms)
        .bind(group.modified_ms)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Group> {
        let row = sqlx::query(concat!(
            "SELECT ",
            group_columns!(),
            " FROM groups g WHERE g.pool_id = ?1 AND g.name = ?2"
        ))
        .bind(pool_id)
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
        group_from_row(&row)
    }

    async fn update_group(
        &self,
        pool_id: &str,
        name: &str,
        changes: &GroupChanges,
    ) -> StoreResult<Group> {
        // One statement: members not given keep the stored value (no read-modify-write).
        // SQLite's RETURNING cannot name a table alias, so the columns are unqualified here.
        let row = sqlx::query(
            "UPDATE groups SET description = COALESCE(?3, description), \
             precedence = COALESCE(?4, precedence), role_arn = COALESCE(?5, role_arn), \
             modified_ms = ?6 WHERE pool_id = ?1 AND name = ?2 RETURNING pool_id, name, \
             description, precedence, role_arn, created_ms, modified_ms",
        )
        .bind(pool_id)
        .bind(name)
        .bind(&changes.description)
        .bind(changes.precedence)
        .bind(&changes.role_arn)
        .bind(changes.modified_ms)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
        group_from_row(&row)
    }

    async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<()> {
        // Memberships go with the row (ON DELETE CASCADE).
        let done = sqlx::query("DELETE FROM groups WHERE pool_id = ?1 AND name = ?2")
            .bind(pool_id)
            .bind(name)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        require_row(done.rows_affected())
    }

    async fn list_groups(
        &self,
        pool_id: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<Group>> {
        let after = cursor
            .map(parse_key_cursor)
            .transpose()?
            .unwrap_or_default();
        let size = page_size(limit);
        let rows = sqlx::query(concat!(
            "SELECT ",
            group_columns!(),
            " FROM groups g WHERE g.pool_id = ?1 AND g.name > ?2 ORDER BY g.name LIMIT ?3"
        ))
        .bind(pool_id)
        .bind(after)
        .bind(fetch_limit(size))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        groups_page(&rows, size)
    }

    async fn add_member(&self, pool_id: &str, group: &str, sub: &str) -> StoreResult<()> {
        // A missing group or user fails the foreign keys, which `db_err` reports as NotFound.
        sqlx::query(
            "INSERT INTO group_members (pool_id, group_name, sub) VALUES (?1, ?2, ?3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(pool_id)
        .bind(group)
        .bind(sub)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn remove_member(&self, pool_id: &str, group: &str, sub: &str) -> StoreResult<()> {
        sqlx::query(
            "DELETE FROM group_members WHERE pool_id = ?1 AND group_name = ?2 AND sub = ?3",
        )
        .bind(pool_id)
        .bind(group)
        .bind(sub)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn group_names_of(
        &self,
        pool_id: &str,
        subs: &[String],
    ) -> StoreResult<Vec<(String, String)>> {
        let subs =
            serde_json::to_string(subs).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        sqlx::query_as(
            "SELECT sub, group_name FROM group_members \
             WHERE pool_id = ?1 AND sub IN (SELECT value FROM json_each(?2)) \
             ORDER BY sub, group_name",
        )
        .bind(pool_id)
        .bind(subs)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)
    }

    async fn groups_of_user(
        &self,
        pool_id: &str,
        sub: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<Group>> {
        let after = cursor
            .map(parse_key_cursor)
            .transpose()?
            .unwrap_or_default();
        let size = page_size(limit);
        if let Some(readers) = &self.readers {
            let groups = readers.with(|c| {
                let mut stmt = c.prepare_cached(GROUPS_OF_USER)?;
                let rows = stmt.query_map((pool_id, sub, &after, fetch_limit(size)), |row| {
                    Ok(group_from_row(row))
                })?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
            })?;
            let groups = groups.into_iter().collect::<StoreResult<Vec<_>>>()?;
            return Ok(finish_page(groups, size, |g| key_cursor(&g.name)));
        }
        let rows = sqlx::query(GROUPS_OF_USER)
            .bind(pool_id)
            .bind(sub)
            .bind(after)
            .bind(fetch_limit(size))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        groups_page(&rows, size)
    }

    async fn users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<User>> {
        let (after_ms, after_sub) = cursor
            .map(parse_user_cursor)
            .transpose()?
            .unwrap_or((i64::MIN, String::new()));
        let size = page_size(limit);
        let rows = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM group_members m JOIN users u ON u.pool_id = m.pool_id AND u.sub = m.sub \
             WHERE m.pool_id = ?1 AND m.group_name = ?2 AND (u.created_ms, u.sub) > (?3, ?4) \
             ORDER BY u.created_ms, u.sub LIMIT ?5"
        ))
        .bind(pool_id)
        .bind(group)
        .bind(after_ms)
        .bind(after_sub)
        .bind(fetch_limit(size))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let users = rows
            .iter()
            .map(user_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(finish_page(users, size, |u| {
            user_cursor(u.created_ms, &u.sub)
        }))
    }
}
