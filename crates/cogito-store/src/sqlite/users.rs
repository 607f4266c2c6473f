//! [`UserStore`] for SQLite, except `list_users` (see `user_list`): the `users` row, the
//! `login_keys` that make usernames and aliases unique per pool, and the `user_attributes`
//! index that `ListUsers` filters search. The three are always written together, in one
//! `BEGIN IMMEDIATE` transaction, which also reads the row a [`UserUpdate`] applies to: SQLite's
//! write lock is held from the read to the commit, so no concurrent change is lost.

use std::collections::BTreeMap;

use async_trait::async_trait;
use cogito_core::model::user::{LoginKey, LoginKeyKind};
use cogito_core::model::{MfaFactor, MfaPreference, User, UserMfa, UserStatus};
use cogito_core::store::{
    CodeRefusal, Effects, ImportedUser, LockoutPolicy, Page, PasswordAttempt, StoreError,
    StoreResult, UniqueKey, UpdateOutcome, UserFilter, UserStore, UserUpdate,
};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use super::{
    SqliteStore, commit, db_err, from_json, is_unique_violation, require_row, to_json, to_u32,
};
use crate::paging::normalise;

/// The columns [`user_from_row`] reads, qualified by the alias `u` every user query gives the
/// `users` table. A macro so that it can be spliced into `concat!`-built static SQL.
macro_rules! user_columns {
    () => {
        "u.pool_id, u.sub, u.username, u.status, u.enabled, u.password_hash, u.password_set_ms, \
         u.password_history, u.attributes, u.created_ms, u.modified_ms, u.failed_attempts, \
         u.locked_until_ms, u.last_failure_ms, u.srp_verifier, u.mfa_sms, u.mfa_totp, u.mfa_email, \
         u.mfa_preferred, u.totp_secret, u.totp_pending, u.totp_last_step"
    };
}
pub(super) use user_columns;

/// A row of either driver, read by column name: sqlx's (writes, listing) or rusqlite's (the
/// hot point reads of `readers`).
pub(super) trait Columns {
    /// A `TEXT NOT NULL` column.
    fn text(&self, col: &str) -> StoreResult<String>;
    /// A nullable `TEXT` column.
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>>;
    /// An `INTEGER` column.
    fn int(&self, col: &str) -> StoreResult<i64>;
    /// A boolean (`INTEGER` 0/1) column.
    fn flag(&self, col: &str) -> StoreResult<bool>;
    /// A nullable `INTEGER` column.
    fn opt_int(&self, col: &str) -> StoreResult<Option<i64>>;
}

impl Columns for SqliteRow {
    fn text(&self, col: &str) -> StoreResult<String> {
        self.try_get(col).map_err(db_err)
    }
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>> {
        self.try_get(col).map_err(db_err)
    }
    fn int(&self, col: &str) -> StoreResult<i64> {
        self.try_get(col).map_err(db_err)
    }
    fn flag(&self, col: &str) -> StoreResult<bool> {
        self.try_get(col).map_err(db_err)
    }
    fn opt_int(&self, col: &str) -> StoreResult<Option<i64>> {
        self.try_get(col).map_err(db_err)
    }
}

fn column_err(e: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(format!("unreadable column: {e}"))
}

impl Columns for rusqlite::Row<'_> {
    fn text(&self, col: &str) -> StoreResult<String> {
        self.get(col).map_err(column_err)
    }
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>> {
        self.get(col).map_err(column_err)
    }
    fn int(&self, col: &str) -> StoreResult<i64> {
        self.get(col).map_err(column_err)
    }
    fn flag(&self, col: &str) -> StoreResult<bool> {
        self.get(col).map_err(column_err)
    }
    fn opt_int(&self, col: &str) -> StoreResult<Option<i64>> {
        self.get(col).map_err(column_err)
    }
}

/// Decodes a row selected with [`user_columns!`].
pub(super) fn user_from_row(row: &impl Columns) -> StoreResult<User> {
    let text = |col: &str| row.text(col);
    let int = |col: &str| row.int(col);
    let status = text("status")?;
    Ok(User {
        pool_id: text("pool_id")?,
        username: text("username")?,
        sub: text("sub")?,
        status: UserStatus::parse(&status).ok_or_else(|| {
            StoreError::Unavailable(format!("unknown user status in database: {status}"))
        })?,
        enabled: row.flag("enabled")?,
        password_hash: row.opt_text("password_hash")?,
        srp_verifier: row.opt_text("srp_verifier")?,
        password_set_ms: int("password_set_ms")?,
        password_history: from_json(&text("password_history")?)?,
        attributes: from_json::<BTreeMap<String, String>>(&text("attributes")?)?,
        created_ms: int("created_ms")?,
        modified_ms: int("modified_ms")?,
        failed_attempts: to_u32(int("failed_attempts")?)?,
        locked_until_ms: int("locked_until_ms")?,
        last_failure_ms: int("last_failure_ms")?,
        mfa: mfa_from_row(row)?,
    })
}

/// The MFA columns of a row selected with [`user_columns!`].
fn mfa_from_row(row: &impl Columns) -> StoreResult<UserMfa> {
    let preferred = row.opt_text("mfa_preferred")?;
    Ok(UserMfa {
        sms: row.flag("mfa_sms")?,
        totp: row.flag("mfa_totp")?,
        email: row.flag("mfa_email")?,
        preferred: preferred.as_deref().and_then(MfaFactor::parse),
        totp_secret: row.opt_text("totp_secret")?,
        totp_pending: row.opt_text("totp_pending")?,
        totp_last_step: row.opt_int("totp_last_step")?,
    })
}

/// A user by login key (username, e-mail/phone username, alias).
const USER_BY_KEY: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM login_keys k JOIN users u ON u.pool_id = k.pool_id AND u.sub = k.sub \
     WHERE k.pool_id = ?1 AND k.kind = ?2 AND k.value = ?3"
);

/// A user by `sub`.
const USER_BY_SUB: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM users u WHERE u.pool_id = ?1 AND u.sub = ?2"
);

/// A user by `sub` with whether the session `?3` is its and live: one indexed lookup of the
/// user plus one of the session by its primary key.
const SESSION_USER: &str = concat!(
    "SELECT ",
    user_columns!(),
    ", COALESCE((SELECT (r.revoked_ms IS NULL) FROM refresh_sessions r \
     WHERE r.origin_jti = ?3 AND r.pool_id = u.pool_id AND r.user_sub = u.sub), \
     FALSE) AS session_live \
     FROM users u WHERE u.pool_id = ?1 AND u.sub = ?2"
);

/// Inserts (`insert == true`) or replaces the `users` row of `user`. Returns the rows touched.
async fn write_user_row(
    conn: &mut SqliteConnection,
    user: &User,
    insert: bool,
) -> StoreResult<u64> {
    let sql = if insert {
        "INSERT INTO users (pool_id, sub, username, username_norm, status, enabled, \
         password_hash, password_set_ms, password_history, attributes, created_ms, modified_ms, \
         failed_attempts, locked_until_ms, last_failure_ms, srp_verifier) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
    } else {
        "UPDATE users SET username = ?3, username_norm = ?4, status = ?5, enabled = ?6, \
         password_hash = ?7, password_set_ms = ?8, password_history = ?9, attributes = ?10, \
         created_ms = ?11, modified_ms = ?12, failed_attempts = ?13, locked_until_ms = ?14, \
         last_failure_ms = ?15, srp_verifier = ?16 WHERE pool_id = ?1 AND sub = ?2"
    };
    let done = sqlx::query(sql)
        .bind(&user.pool_id)
        .bind(&user.sub)
        .bind(&user.username)
        .bind(normalise(&user.username))
        .bind(user.status.as_str())
        .bind(user.enabled)
        .bind(&user.password_hash)
        .bind(user.password_set_ms)
        .bind(to_json(&user.password_history)?)
        .bind(to_json(&user.attributes)?)
        .bind(user.created_ms)
        .bind(user.modified_ms)
        .bind(i64::from(user.failed_attempts))
        .bind(user.locked_until_ms)
        .bind(user.last_failure_ms)
        .bind(&user.srp_verifier)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(done.rows_affected())
}

/// Writes imported users (rows with their MFA settings, login keys, attribute index, groups and
/// memberships) in one statement per table. A key taken by anyone, or twice in the chunk, is
/// `Conflict(LoginKey)`; a taken `sub` is `Conflict(Id)`.
async fn import_chunk(conn: &mut SqliteConnection, users: &[ImportedUser]) -> StoreResult<()> {
    if users.is_empty() {
        return Ok(());
    }
    let mut rows = QueryBuilder::<Sqlite>::new(
        "INSERT INTO users (pool_id, sub, username, username_norm, status, enabled, \
         password_hash, password_set_ms, password_history, attributes, created_ms, modified_ms, \
         failed_attempts, locked_until_ms, last_failure_ms, srp_verifier, mfa_sms, mfa_totp, \
         mfa_email, mfa_preferred, totp_secret, totp_pending, totp_last_step) ",
    );
    let mut encoded = Vec::with_capacity(users.len());
    for ImportedUser { user, .. } in users {
        encoded.push((to_json(&user.password_history)?, to_json(&user.attributes)?));
    }
    rows.push_values(
        users.iter().zip(&encoded),
        |mut b, (iu, (history, attrs))| {
            let u = &iu.user;
            b.push_bind(&u.pool_id)
                .push_bind(&u.sub)
                .push_bind(&u.username)
                .push_bind(normalise(&u.username))
                .push_bind(u.status.as_str())
                .push_bind(u.enabled)
                .push_bind(&u.password_hash)
                .push_bind(u.password_set_ms)
                .push_bind(history)
                .push_bind(attrs)
                .push_bind(u.created_ms)
                .push_bind(u.modified_ms)
                .push_bind(i64::from(u.failed_attempts))
                .push_bind(u.locked_until_ms)
                .push_bind(u.last_failure_ms)
                .push_bind(&u.srp_verifier)
                .push_bind(u.mfa.sms)
                .push_bind(u.mfa.totp)
                .push_bind(u.mfa.email)
                .push_bind(u.mfa.preferred.map(MfaFactor::as_str))
                .push_bind(&u.mfa.totp_secret)
                .push_bind(&u.mfa.totp_pending)
                .push_bind(u.mfa.totp_last_step);
        },
    );
    rows.build().execute(&mut *conn).await.map_err(db_err)?;

    let mut keys: Vec<(&User, &LoginKey)> = Vec::new();
    for iu in users {
        for (i, k) in iu.keys.iter().enumerate() {
            if !iu.keys[..i].contains(k) {
                keys.push((&iu.user, k)); // the same key listed twice for one user is one key
            }
        }
    }
    for part in keys.chunks(5000) {
        let mut insert =
            QueryBuilder::<Sqlite>::new("INSERT INTO login_keys (pool_id, kind, value, sub) ");
        insert.push_values(part, |mut b, (u, k)| {
            b.push_bind(&u.pool_id)
                .push_bind(k.kind.as_str())
                .push_bind(&k.value)
                .push_bind(&u.sub);
        });
        insert.push(" ON CONFLICT (pool_id, kind, value) DO NOTHING RETURNING kind, value, sub");
        let landed: Vec<(String, String, String)> = insert
            .build_query_as()
            .fetch_all(&mut *conn)
            .await
            .map_err(db_err)?;
        if landed.len() != part.len() {
            let landed: std::collections::HashSet<(&str, &str, &str)> = landed
                .iter()
                .map(|(kind, value, sub)| (kind.as_str(), value.as_str(), sub.as_str()))
                .collect();
            let lost = part
                .iter()
                .find(|(u, k)| {
                    !landed.contains(&(k.kind.as_str(), k.value.as_str(), u.sub.as_str()))
                })
                .map_or_else(|| part[0].1.clone(), |(_, k)| (*k).clone());
            return Err(StoreError::Conflict(UniqueKey::LoginKey(lost)));
        }
    }

    let index: Vec<(&User, &String, String)> = users
        .iter()
        .flat_map(|iu| {
            iu.user
                .attributes
                .iter()
                .map(move |(name, value)| (&iu.user, name, normalise(value)))
        })
        .collect();
    for part in index.chunks(5000) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO user_attributes (pool_id, sub, name, value_norm, created_ms) ",
        );
        insert.push_values(part, |mut b, (u, name, value)| {
            b.push_bind(&u.pool_id)
                .push_bind(&u.sub)
                .push_bind(*name)
                .push_bind(value)
                .push_bind(u.created_ms);
        });
        insert.build().execute(&mut *conn).await.map_err(db_err)?;
    }

    let members: Vec<(&User, &String)> = users
        .iter()
        .flat_map(|iu| iu.groups.iter().map(move |g| (&iu.user, g)))
        .collect();
    let mut groups: Vec<(&User, &String)> = Vec::new();
    for (u, g) in &members {
        if !groups
            .iter()
            .any(|(gu, gg)| gu.pool_id == u.pool_id && gg == g)
        {
            groups.push((u, g));
        }
    }
    for part in groups.chunks(5000) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO groups (pool_id, name, created_ms, modified_ms) ",
        );
        insert.push_values(part, |mut b, (u, g)| {
            b.push_bind(&u.pool_id)
                .push_bind(*g)
                .push_bind(u.created_ms)
                .push_bind(u.created_ms);
        });
        insert.push(" ON CONFLICT DO NOTHING");
        insert.build().execute(&mut *conn).await.map_err(db_err)?;
    }
    for part in members.chunks(5000) {
        let mut insert =
            QueryBuilder::<Sqlite>::new("INSERT INTO group_members (pool_id, group_name, sub) ");
        insert.push_values(part, |mut b, (u, g)| {
            b.push_bind(&u.pool_id).push_bind(*g).push_bind(&u.sub);
        });
        insert.push(" ON CONFLICT DO NOTHING");
        insert.build().execute(&mut *conn).await.map_err(db_err)?;
    }
    Ok(())
}

/// Rewrites the attribute index of `user` (every attribute, lower-cased).
async fn write_attribute_index(conn: &mut SqliteConnection, user: &User) -> StoreResult<()> {
    sqlx::query("DELETE FROM user_attributes WHERE pool_id = ?1 AND sub = ?2")
        .bind(&user.pool_id)
        .bind(&user.sub)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    for (name, value) in &user.attributes {
        sqlx::query(
            "INSERT INTO user_attributes (pool_id, sub, name, value_norm, created_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(&user.pool_id)
        .bind(&user.sub)
        .bind(name)
        .bind(normalise(value))
        .bind(user.created_ms)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

/// Inserts the login keys of `user`. With `steal`, a key held by another user is taken from
/// it first; otherwise a taken key is `Conflict(LoginKey(key))`. Call with the user's own keys
/// already deleted.
async fn write_login_keys(
    conn: &mut SqliteConnection,
    user: &User,
    keys: &[LoginKey],
    steal: bool,
) -> StoreResult<()> {
    let mut written: Vec<&LoginKey> = Vec::with_capacity(keys.len());
    for key in keys {
        if written.contains(&key) {
            continue; // the same key listed twice is one key
        }
        // The username itself is never stolen: only aliases move (ForceAliasCreation).
        if steal && key.kind != LoginKeyKind::Username {
            let former: Option<String> = sqlx::query_scalar(
                "DELETE FROM login_keys WHERE pool_id = ?1 AND kind = ?2 AND value = ?3 \
                 RETURNING sub",
            )
            .bind(&user.pool_id)
            .bind(key.kind.as_str())
            .bind(&key.value)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_err)?;
            if let (Some(former), Some(flag)) = (former, verified_flag(key.kind))
                && former != user.sub
            {
                unverify(conn, &user.pool_id, &former, flag).await?;
            }
        }
        sqlx::query("INSERT INTO login_keys (pool_id, kind, value, sub) VALUES (?1, ?2, ?3, ?4)")
            .bind(&user.pool_id)
            .bind(key.kind.as_str())
            .bind(&key.value)
            .bind(&user.sub)
            .execute(&mut *conn)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::Conflict(UniqueKey::LoginKey(key.clone()))
                } else {
                    db_err(e)
                }
            })?;
        written.push(key);
    }
    Ok(())
}

/// Reads a user row inside a write transaction (which already holds SQLite's write lock).
async fn locked_user(conn: &mut SqliteConnection, pool_id: &str, sub: &str) -> StoreResult<User> {
    let row = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users u WHERE u.pool_id = ?1 AND u.sub = ?2"
    ))
    .bind(pool_id)
    .bind(sub)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?
    .ok_or(StoreError::NotFound)?;
    user_from_row(&row)
}

/// The attribute that says an alias of this kind is verified.
fn verified_flag(kind: LoginKeyKind) -> Option<&'static str> {
    match kind {
        LoginKeyKind::Email => Some("email_verified"),
        LoginKeyKind::PhoneNumber => Some("phone_number_verified"),
        LoginKeyKind::Username | LoginKeyKind::PreferredUsername => None,
    }
}

/// The former holder of an alias that moved to another user is no longer verified for it
/// (Cognito moves the alias to the newest verifier): `flag` becomes `false` in its record and
/// in the attribute index, in the transaction that moved the alias.
async fn unverify(
    conn: &mut SqliteConnection,
    pool_id: &str,
    sub: &str,
    flag: &str,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE users SET attributes = json_set(attributes, '$.' || ?3, 'false') \
         WHERE pool_id = ?1 AND sub = ?2",
    )
    .bind(pool_id)
    .bind(sub)
    .bind(flag)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    sqlx::query(
        "INSERT INTO user_attributes (pool_id, sub, name, value_norm, created_ms) \
         SELECT pool_id, sub, ?3, 'false', created_ms FROM users WHERE pool_id = ?1 AND sub = ?2 \
         ON CONFLICT (pool_id, sub, name) DO UPDATE SET value_norm = 'false'",
    )
    .bind(pool_id)
    .bind(sub)
    .bind(flag)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// Rewrites a user's login keys (deleting its own first).
async fn rewrite_login_keys(
    conn: &mut SqliteConnection,
    user: &User,
    keys: &[LoginKey],
    steal: bool,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM login_keys WHERE pool_id = ?1 AND sub = ?2")
        .bind(&user.pool_id)
        .bind(&user.sub)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    write_login_keys(conn, user, keys, steal).await
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn insert_user(
        &self,
        user: &User,
        keys: &[LoginKey],
        steal_keys: bool,
        effects: &Effects,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        self.fault("insert_user")?;
        write_user_row(&mut tx, user, true).await?;
        write_login_keys(&mut tx, user, keys, steal_keys).await?;
        write_attribute_index(&mut tx, user).await?;
        super::effects::write(&mut tx, self, &user.pool_id, &user.sub, effects).await?;
        commit(tx).await
    }

    async fn import_users(&self, users: &[ImportedUser]) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        // A few multi-row statements per chunk rather than several per user: each statement is
        // a hop to sqlx's SQLite thread, which dominated a bulk import. 500 users × 23 columns
        // stay under SQLite's 32,766 bound parameters.
        for chunk in users.chunks(500) {
            import_chunk(&mut tx, chunk).await?;
        }
        commit(tx).await
    }

    async fn find_user_by_key(&self, pool_id: &str, key: &LoginKey) -> StoreResult<User> {
        let args = (pool_id, key.kind.as_str(), key.value.as_str());
        if let Some(readers) = &self.readers {
            return readers.with(|c| {
                c.prepare_cached(USER_BY_KEY)?
                    .query_row(args, |row| Ok(user_from_row(row)))
            })?;
        }
        let row = sqlx::query(USER_BY_KEY)
            .bind(args.0)
            .bind(args.1)
            .bind(args.2)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)?;
        user_from_row(&row)
    }

    async fn get_session_user(
        &self,
        pool_id: &str,
        sub: &str,
        origin_jti: &str,
    ) -> StoreResult<(User, bool)> {
        if let Some(readers) = &self.readers {
            return readers.with(|c| {
                c.prepare_cached(SESSION_USER)?
                    .query_row((pool_id, sub, origin_jti), |row| {
                        Ok(user_from_row(row).and_then(|u| Ok((u, row.flag("session_live")?))))
                    })
            })?;
        }
        let row = sqlx::query(SESSION_USER)
            .bind(pool_id)
            .bind(sub)
            .bind(origin_jti)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)?;
        Ok((user_from_row(&row)?, row.flag("session_live")?))
    }

    async fn get_user_by_sub(&self, pool_id: &str, sub: &str) -> StoreResult<User> {
        if let Some(readers) = &self.readers {
            return readers.with(|c| {
                c.prepare_cached(USER_BY_SUB)?
                    .query_row((pool_id, sub), |row| Ok(user_from_row(row)))
            })?;
        }
        let row = sqlx::query(USER_BY_SUB)
            .bind(pool_id)
            .bind(sub)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound)?;
        user_from_row(&row)
    }

    async fn update_user(
        &self,
        pool_id: &str,
        sub: &str,
        update: &UserUpdate,
        effects: &Effects,
    ) -> StoreResult<UpdateOutcome> {
        let mut tx = self.write_tx().await?;
        let mut user = locked_user(&mut tx, pool_id, sub).await?;
        if let Some(wanted) = update.only_if_status
            && user.status != wanted
        {
            return Ok(UpdateOutcome::StatusWas(user.status));
        }
        if let Some(redeem) = &update.redeem {
            let stored = super::sessions::code_in(&mut tx, pool_id, sub, &redeem.purpose).await?;
            match redeem.check(stored.as_ref()) {
                Ok(()) => {
                    super::sessions::delete_code_in(&mut tx, pool_id, sub, &redeem.purpose).await?
                }
                Err(refusal) => {
                    if refusal == CodeRefusal::Mismatch {
                        super::sessions::count_code_attempt(&mut tx, pool_id, sub, &redeem.purpose)
                            .await?;
                        commit(tx).await?;
                    }
                    return Ok(UpdateOutcome::Code(refusal));
                }
            }
        }
        self.fault("update_user")?;
        update.apply(&mut user);
        require_row(write_user_row(&mut tx, &user, false).await?)?;
        if update.changes_attributes() || update.keys.is_some() {
            if let Some(policy) = &update.keys {
                let keys = cogito_core::attributes::keys_of(policy, &user);
                rewrite_login_keys(&mut tx, &user, &keys, update.steal_keys).await?;
            }
            write_attribute_index(&mut tx, &user).await?;
        }
        super::effects::write(&mut tx, self, pool_id, sub, effects).await?;
        commit(tx).await?;
        Ok(UpdateOutcome::Updated(user))
    }

    async fn rehash_password(
        &self,
        pool_id: &str,
        sub: &str,
        old_hash: &str,
        new_hash: &str,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE users SET password_hash = ?4 \
             WHERE pool_id = ?1 AND sub = ?2 AND password_hash = ?3",
        )
        .bind(pool_id)
        .bind(sub)
        .bind(old_hash)
        .bind(new_hash)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_mfa_preference(
        &self,
        pool_id: &str,
        sub: &str,
        change: &MfaPreference,
    ) -> StoreResult<()> {
        // One statement; SET expressions see the row as it was, so the new flags are spelled
        // out again where the preferred factor is checked against them.
        let done = sqlx::query(
            "UPDATE users SET mfa_sms = COALESCE(?3, mfa_sms), \
             mfa_totp = COALESCE(?4, mfa_totp), mfa_email = COALESCE(?5, mfa_email), \
             mfa_preferred = CASE COALESCE(?6, mfa_preferred) \
             WHEN 'SMS_MFA' THEN CASE WHEN COALESCE(?3, mfa_sms) THEN 'SMS_MFA' END \
             WHEN 'SOFTWARE_TOKEN_MFA' THEN \
             CASE WHEN COALESCE(?4, mfa_totp) THEN 'SOFTWARE_TOKEN_MFA' END \
             WHEN 'EMAIL_OTP' THEN CASE WHEN COALESCE(?5, mfa_email) THEN 'EMAIL_OTP' END \
             END WHERE pool_id = ?1 AND sub = ?2",
        )
        .bind(pool_id)
        .bind(sub)
        .bind(change.sms)
        .bind(change.totp)
        .bind(change.email)
        .bind(change.prefer.map(MfaFactor::as_str))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        require_updated(done.rows_affected())
    }

    async fn set_totp_pending(&self, pool_id: &str, sub: &str, sealed: &str) -> StoreResult<()> {
        let done =
            sqlx::query("UPDATE users SET totp_pending = ?3 WHERE pool_id = ?1 AND sub = ?2")
                .bind(pool_id)
                .bind(sub)
                .bind(sealed)
                .execute(&self.pool)
                .await
                .map_err(db_err)?;
        require_updated(done.rows_affected())
    }

    async fn confirm_totp(
        &self,
        pool_id: &str,
        sub: &str,
        pending: &str,
        step: i64,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, \
             totp_last_step = ?4 WHERE pool_id = ?1 AND sub = ?2 AND totp_pending = ?3",
        )
        .bind(pool_id)
        .bind(sub)
        .bind(pending)
        .bind(step)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn use_totp_step(&self, pool_id: &str, sub: &str, step: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE users SET totp_last_step = ?3 WHERE pool_id = ?1 AND sub = ?2 \
             AND (totp_last_step IS NULL OR totp_last_step < ?3)",
        )
        .bind(pool_id)
        .bind(sub)
        .bind(step)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn fill_srp_verifier(
        &self,
        pool_id: &str,
        sub: &str,
        hash: &str,
        verifier: &str,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE users SET srp_verifier = ?4 WHERE pool_id = ?1 AND sub = ?2 \
             AND password_hash = ?3 AND srp_verifier IS NULL",
        )
        .bind(pool_id)
        .bind(sub)
        .bind(hash)
        .bind(verifier)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn record_unknown_failure(
        &self,
        pool_id: &str,
        name_hash: &str,
        now_ms: i64,
        policy: &LockoutPolicy,
    ) -> StoreResult<PasswordAttempt> {
        super::lockout::unknown_attempt(self, pool_id, name_hash, now_ms, policy).await
    }

    async fn begin_password_attempt(
        &self,
        pool_id: &str,
        sub: &str,
        now_ms: i64,
        policy: &LockoutPolicy,
    ) -> StoreResult<PasswordAttempt> {
        super::lockout::user_attempt(self, pool_id, sub, now_ms, policy).await
    }

    async fn clear_login_failures(&self, pool_id: &str, sub: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE users SET failed_attempts = 0, locked_until_ms = 0 \
             WHERE pool_id = ?1 AND sub = ?2 AND (failed_attempts <> 0 OR locked_until_ms <> 0)",
        )
        .bind(pool_id)
        .bind(sub)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn delete_user(&self, pool_id: &str, sub: &str) -> StoreResult<()> {
        // Keys, attributes, codes, sessions and memberships go with the row (ON DELETE CASCADE).
        let done = sqlx::query("DELETE FROM users WHERE pool_id = ?1 AND sub = ?2")
            .bind(pool_id)
            .bind(sub)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        require_row(done.rows_affected())
    }

    async fn list_users(
        &self,
        pool_id: &str,
        filter: Option<&UserFilter>,
        cursor: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<User>> {
        super::user_list::list_users(self, pool_id, filter, cursor, limit).await
    }
}

/// `NotFound` unless one row was updated.
fn require_updated(rows: u64) -> StoreResult<()> {
    if rows == 1 {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}
