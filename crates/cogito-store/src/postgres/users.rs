//! [`UserStore`] for PostgreSQL, except `list_users` (see `user_list`): the `users` row, the
//! `login_keys` that make usernames and aliases unique per pool, and the `user_attributes`
//! index that `ListUsers` filters search. The three are always written together, in one
//! transaction. A change reads the row a [`UserUpdate`] applies to with
//! `SELECT … FOR NO KEY UPDATE`, so concurrent changes of one user queue on the row lock from the
//! read to the commit and none is lost. (`NO KEY`: the key never changes, and the weaker lock lets
//! rows that merely reference the user, such as codes and sessions, be written meanwhile.)
//!
//! Login keys are written with `INSERT … ON CONFLICT`: `DO NOTHING RETURNING` detects a taken key
//! without an error (which would abort the transaction) and the caller rolls back, so a conflict
//! writes nothing, as on SQLite; stealing a key is `DO UPDATE SET sub = EXCLUDED.sub`, one atomic
//! statement whatever other stealers do.

use std::collections::BTreeMap;

use async_trait::async_trait;
use cogito_core::model::user::{LoginKey, LoginKeyKind};
use cogito_core::model::{MfaFactor, MfaPreference, User, UserMfa, UserStatus};
use cogito_core::store::{
    CodeRefusal, Effects, ImportedUser, LockoutPolicy, LoginFailures, Page, PasswordAttempt,
    StoreError, StoreResult, UniqueKey, UpdateOutcome, UserFilter, UserStore, UserUpdate,
};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use super::{PostgresStore, commit, db_err, from_json, require_row, to_json, to_u32};
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

/// Decodes a row selected with [`user_columns!`].
pub(super) fn user_from_row(row: &PgRow) -> StoreResult<User> {
    let text = |col: &str| row.try_get::<String, _>(col).map_err(db_err);
    let int = |col: &str| row.try_get::<i64, _>(col).map_err(db_err);
    let status = text("status")?;
    Ok(User {
        pool_id: text("pool_id")?,
        username: text("username")?,
        sub: text("sub")?,
        status: UserStatus::parse(&status).ok_or_else(|| {
            StoreError::Unavailable(format!("unknown user status in database: {status}"))
        })?,
        enabled: row.try_get::<bool, _>("enabled").map_err(db_err)?,
        password_hash: row
            .try_get::<Option<String>, _>("password_hash")
            .map_err(db_err)?,
        srp_verifier: row
            .try_get::<Option<String>, _>("srp_verifier")
            .map_err(db_err)?,
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
fn mfa_from_row(row: &PgRow) -> StoreResult<UserMfa> {
    let flag = |col: &str| row.try_get::<bool, _>(col).map_err(db_err);
    let opt_text = |col: &str| row.try_get::<Option<String>, _>(col).map_err(db_err);
    let preferred = opt_text("mfa_preferred")?;
    Ok(UserMfa {
        sms: flag("mfa_sms")?,
        totp: flag("mfa_totp")?,
        email: flag("mfa_email")?,
        preferred: preferred.as_deref().and_then(MfaFactor::parse),
        totp_secret: opt_text("totp_secret")?,
        totp_pending: opt_text("totp_pending")?,
        totp_last_step: row
            .try_get::<Option<i64>, _>("totp_last_step")
            .map_err(db_err)?,
    })
}

/// Inserts (`insert == true`) or replaces the `users` row of `user`. Returns the rows touched.
async fn write_user_row(conn: &mut PgConnection, user: &User, insert: bool) -> StoreResult<u64> {
    let sql = if insert {
        "INSERT INTO users (pool_id, sub, username, username_norm, status, enabled, \
         password_hash, password_set_ms, password_history, attributes, created_ms, modified_ms, \
         failed_attempts, locked_until_ms, last_failure_ms, srp_verifier) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
    } else {
        "UPDATE users SET username = $3, username_norm = $4, status = $5, enabled = $6, \
         password_hash = $7, password_set_ms = $8, password_history = $9, attributes = $10, \
         created_ms = $11, modified_ms = $12, failed_attempts = $13, locked_until_ms = $14, \
         last_failure_ms = $15, srp_verifier = $16 WHERE pool_id = $1 AND sub = $2"
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

/// Rewrites the attribute index of `user` (every attribute, lower-cased).
async fn write_attribute_index(conn: &mut PgConnection, user: &User) -> StoreResult<()> {
    sqlx::query("DELETE FROM user_attributes WHERE pool_id = $1 AND sub = $2")
        .bind(&user.pool_id)
        .bind(&user.sub)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    for (name, value) in &user.attributes {
        sqlx::query(
            "INSERT INTO user_attributes (pool_id, sub, name, value_norm, created_ms) \
             VALUES ($1, $2, $3, $4, $5)",
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

/// Inserts the login keys of `user`. With `steal`, an alias held by another user moves to it;
/// otherwise a taken key is `Conflict(LoginKey(key))` (the caller's transaction is then dropped,
/// so nothing is written). Call with the user's own keys already deleted.
async fn write_login_keys(
    conn: &mut PgConnection,
    user: &User,
    keys: &[LoginKey],
    steal: bool,
) -> StoreResult<()> {
    const INSERT: &str = "INSERT INTO login_keys (pool_id, kind, value, sub) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (pool_id, kind, value) DO NOTHING RETURNING sub";
    let mut written: Vec<&LoginKey> = Vec::with_capacity(keys.len());
    for key in keys {
        if written.contains(&key) {
            continue; // the same key listed twice is one key
        }
        let inserted: Option<String> = sqlx::query_scalar(INSERT)
            .bind(&user.pool_id)
            .bind(key.kind.as_str())
            .bind(&key.value)
            .bind(&user.sub)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_err)?;
        // The username itself is never stolen: only aliases move (ForceAliasCreation).
        if inserted.is_none() {
            if !steal || key.kind == LoginKeyKind::Username {
                return Err(StoreError::Conflict(UniqueKey::LoginKey(key.clone())));
            }
            // Taken (the insert waited for its holder's commit): lock the row, learn the
            // holder, move the alias and unverify it there.
            let former: Option<String> = sqlx::query_scalar(
                "SELECT sub FROM login_keys WHERE pool_id = $1 AND kind = $2 AND value = $3 \
                 FOR UPDATE",
            )
            .bind(&user.pool_id)
            .bind(key.kind.as_str())
            .bind(&key.value)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_err)?;
            sqlx::query(
                "INSERT INTO login_keys (pool_id, kind, value, sub) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (pool_id, kind, value) DO UPDATE SET sub = EXCLUDED.sub",
            )
            .bind(&user.pool_id)
            .bind(key.kind.as_str())
            .bind(&key.value)
            .bind(&user.sub)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
            if let (Some(former), Some(flag)) = (former, verified_flag(key.kind))
                && former != user.sub
            {
                unverify(conn, &user.pool_id, &former, flag).await?;
            }
        }
        written.push(key);
    }
    Ok(())
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
///
/// Its row is taken with `SKIP LOCKED`: waiting for it while this transaction holds its own
/// user's row and the alias row would deadlock with a holder stealing the alias back at the
/// same moment. A holder whose row is busy keeps its flag; when that busy transaction is itself
/// taking the alias back (the race this guards), the flag ends up right either way.
async fn unverify(
    conn: &mut PgConnection,
    pool_id: &str,
    sub: &str,
    flag: &str,
) -> StoreResult<()> {
    let changed: Option<i32> = sqlx::query_scalar(
        "UPDATE users SET attributes = jsonb_set(attributes::jsonb, ARRAY[$3], '\"false\"')::text \
         WHERE (pool_id, sub) = (SELECT pool_id, sub FROM users \
         WHERE pool_id = $1 AND sub = $2 FOR NO KEY UPDATE SKIP LOCKED) RETURNING 1",
    )
    .bind(pool_id)
    .bind(sub)
    .bind(flag)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?;
    if changed.is_none() {
        tracing::debug!("former alias holder busy; its verified flag is left as it is");
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO user_attributes (pool_id, sub, name, value_norm, created_ms) \
         SELECT pool_id, sub, $3, 'false', created_ms FROM users WHERE pool_id = $1 AND sub = $2 \
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

/// The rows of a bulk import as three array-bound statements (`UNNEST`), one round trip each
/// instead of several per user. A key taken already, or twice in the batch, is inserted by
/// neither (`ON CONFLICT DO NOTHING`) and reported as `Conflict(LoginKey(k))`.
/// The MFA settings (of users that have some) and group memberships of an import, the groups
/// created if missing: one statement each.
async fn import_extras(conn: &mut PgConnection, users: &[ImportedUser]) -> StoreResult<()> {
    let with_mfa: Vec<&User> = users
        .iter()
        .map(|u| &u.user)
        .filter(|u| u.mfa != UserMfa::default())
        .collect();
    if !with_mfa.is_empty() {
        let text =
            |f: &dyn Fn(&User) -> Option<String>| with_mfa.iter().map(|u| f(u)).collect::<Vec<_>>();
        let flag = |f: &dyn Fn(&User) -> bool| with_mfa.iter().map(|u| f(u)).collect::<Vec<_>>();
        sqlx::query(
            "UPDATE users u SET mfa_sms = v.sms, mfa_totp = v.totp, mfa_email = v.email, \
             mfa_preferred = v.preferred, totp_secret = v.secret, totp_pending = v.pending, \
             totp_last_step = v.step \
             FROM UNNEST($1::text[], $2::text[], $3::bool[], $4::bool[], $5::bool[], $6::text[], \
             $7::text[], $8::text[], $9::int8[]) \
             AS v(pool_id, sub, sms, totp, email, preferred, secret, pending, step) \
             WHERE u.pool_id = v.pool_id AND u.sub = v.sub",
        )
        .bind(text(&|u| Some(u.pool_id.clone())))
        .bind(text(&|u| Some(u.sub.clone())))
        .bind(flag(&|u| u.mfa.sms))
        .bind(flag(&|u| u.mfa.totp))
        .bind(flag(&|u| u.mfa.email))
        .bind(text(&|u| u.mfa.preferred.map(|f| f.as_str().to_owned())))
        .bind(text(&|u| u.mfa.totp_secret.clone()))
        .bind(text(&|u| u.mfa.totp_pending.clone()))
        .bind(
            with_mfa
                .iter()
                .map(|u| u.mfa.totp_last_step)
                .collect::<Vec<_>>(),
        )
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    let members: Vec<(&User, &String)> = users
        .iter()
        .flat_map(|u| u.groups.iter().map(move |g| (&u.user, g)))
        .collect();
    if members.is_empty() {
        return Ok(());
    }
    let pools: Vec<String> = members.iter().map(|(u, _)| u.pool_id.clone()).collect();
    let names: Vec<String> = members.iter().map(|(_, g)| (*g).clone()).collect();
    let created: Vec<i64> = members.iter().map(|(u, _)| u.created_ms).collect();
    sqlx::query(
        "INSERT INTO groups (pool_id, name, created_ms, modified_ms) \
         SELECT DISTINCT ON (p, n) p, n, c, c FROM UNNEST($1::text[], $2::text[], $3::int8[]) \
         AS v(p, n, c) ON CONFLICT DO NOTHING",
    )
    .bind(&pools)
    .bind(&names)
    .bind(&created)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    sqlx::query(
        "INSERT INTO group_members (pool_id, group_name, sub) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING",
    )
    .bind(&pools)
    .bind(&names)
    .bind(
        members
            .iter()
            .map(|(u, _)| u.sub.clone())
            .collect::<Vec<_>>(),
    )
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

async fn import_batch(conn: &mut PgConnection, users: &[(&User, &[LoginKey])]) -> StoreResult<()> {
    let column = |f: &dyn Fn(&User) -> String| users.iter().map(|(u, _)| f(u)).collect::<Vec<_>>();
    let int = |f: &dyn Fn(&User) -> i64| users.iter().map(|(u, _)| f(u)).collect::<Vec<_>>();
    let mut history = Vec::with_capacity(users.len());
    let mut attributes = Vec::with_capacity(users.len());
    for (u, _) in users {
        history.push(to_json(&u.password_history)?);
        attributes.push(to_json(&u.attributes)?);
    }
    sqlx::query(
        "INSERT INTO users (pool_id, sub, username, username_norm, status, enabled, \
         password_hash, password_set_ms, password_history, attributes, created_ms, modified_ms, \
         failed_attempts, locked_until_ms, last_failure_ms, srp_verifier) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], \
         $6::bool[], $7::text[], $8::int8[], $9::text[], $10::text[], $11::int8[], $12::int8[], \
         $13::int8[], $14::int8[], $15::int8[], $16::text[])",
    )
    .bind(column(&|u| u.pool_id.clone()))
    .bind(column(&|u| u.sub.clone()))
    .bind(column(&|u| u.username.clone()))
    .bind(column(&|u| normalise(&u.username)))
    .bind(column(&|u| u.status.as_str().to_owned()))
    .bind(users.iter().map(|(u, _)| u.enabled).collect::<Vec<_>>())
    .bind(
        users
            .iter()
            .map(|(u, _)| u.password_hash.clone())
            .collect::<Vec<_>>(),
    )
    .bind(int(&|u| u.password_set_ms))
    .bind(history)
    .bind(attributes)
    .bind(int(&|u| u.created_ms))
    .bind(int(&|u| u.modified_ms))
    .bind(int(&|u| i64::from(u.failed_attempts)))
    .bind(int(&|u| u.locked_until_ms))
    .bind(int(&|u| u.last_failure_ms))
    .bind(
        users
            .iter()
            .map(|(u, _)| u.srp_verifier.clone())
            .collect::<Vec<_>>(),
    )
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;

    let mut keys: Vec<(&User, &LoginKey)> = Vec::new();
    for (u, user_keys) in users {
        for (i, k) in user_keys.iter().enumerate() {
            if !user_keys[..i].contains(k) {
                keys.push((u, k)); // the same key listed twice for one user is one key
            }
        }
    }
    let inserted: Vec<(String, String, String)> = sqlx::query_as(
        "INSERT INTO login_keys (pool_id, kind, value, sub) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) \
         ON CONFLICT (pool_id, kind, value) DO NOTHING RETURNING kind, value, sub",
    )
    .bind(
        keys.iter()
            .map(|(u, _)| u.pool_id.clone())
            .collect::<Vec<_>>(),
    )
    .bind(
        keys.iter()
            .map(|(_, k)| k.kind.as_str().to_owned())
            .collect::<Vec<_>>(),
    )
    .bind(
        keys.iter()
            .map(|(_, k)| k.value.clone())
            .collect::<Vec<_>>(),
    )
    .bind(keys.iter().map(|(u, _)| u.sub.clone()).collect::<Vec<_>>())
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    if inserted.len() != keys.len() {
        let landed: std::collections::HashSet<(&str, &str, &str)> = inserted
            .iter()
            .map(|(kind, value, sub)| (kind.as_str(), value.as_str(), sub.as_str()))
            .collect();
        let lost = keys
            .iter()
            .find(|(u, k)| !landed.contains(&(k.kind.as_str(), k.value.as_str(), u.sub.as_str())))
            .map_or_else(|| keys[0].1.clone(), |(_, k)| (*k).clone());
        return Err(StoreError::Conflict(UniqueKey::LoginKey(lost)));
    }

    let mut index: Vec<(&User, &String, String)> = Vec::new();
    for (u, _) in users {
        for (name, value) in &u.attributes {
            index.push((u, name, normalise(value)));
        }
    }
    sqlx::query(
        "INSERT INTO user_attributes (pool_id, sub, name, value_norm, created_ms) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[])",
    )
    .bind(
        index
            .iter()
            .map(|(u, _, _)| u.pool_id.clone())
            .collect::<Vec<_>>(),
    )
    .bind(
        index
            .iter()
            .map(|(u, _, _)| u.sub.clone())
            .collect::<Vec<_>>(),
    )
    .bind(
        index
            .iter()
            .map(|(_, n, _)| (*n).clone())
            .collect::<Vec<_>>(),
    )
    .bind(index.iter().map(|(_, _, v)| v.clone()).collect::<Vec<_>>())
    .bind(
        index
            .iter()
            .map(|(u, _, _)| u.created_ms)
            .collect::<Vec<_>>(),
    )
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// Reads a user row inside a transaction and locks it until the commit.
async fn locked_user(conn: &mut PgConnection, pool_id: &str, sub: &str) -> StoreResult<User> {
    let row = sqlx::query(concat!(
        "SELECT ",
        user_columns!(),
        " FROM users u WHERE u.pool_id = $1 AND u.sub = $2 FOR NO KEY UPDATE"
    ))
    .bind(pool_id)
    .bind(sub)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?
    .ok_or(StoreError::NotFound)?;
    user_from_row(&row)
}

/// Rewrites a user's login keys (deleting its own first).
async fn rewrite_login_keys(
    conn: &mut PgConnection,
    user: &User,
    keys: &[LoginKey],
    steal: bool,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM login_keys WHERE pool_id = $1 AND sub = $2")
        .bind(&user.pool_id)
        .bind(&user.sub)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    write_login_keys(conn, user, keys, steal).await
}

#[async_trait]
impl UserStore for PostgresStore {
    async fn insert_user(
        &self,
        user: &User,
        keys: &[LoginKey],
        steal_keys: bool,
        effects: &Effects,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        self.fault("insert_user")?;
        write_user_row(&mut tx, user, true).await?;
        write_login_keys(&mut tx, user, keys, steal_keys).await?;
        write_attribute_index(&mut tx, user).await?;
        super::effects::write(&mut tx, self, &user.pool_id, &user.sub, effects).await?;
        commit(tx).await
    }

    async fn import_users(&self, users: &[ImportedUser]) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let pairs: Vec<(&User, &[LoginKey])> =
            users.iter().map(|u| (&u.user, u.keys.as_slice())).collect();
        import_batch(&mut tx, &pairs).await?;
        import_extras(&mut tx, users).await?;
        commit(tx).await
    }

    async fn find_user_by_key(&self, pool_id: &str, key: &LoginKey) -> StoreResult<User> {
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM login_keys k JOIN users u ON u.pool_id = k.pool_id AND u.sub = k.sub \
             WHERE k.pool_id = $1 AND k.kind = $2 AND k.value = $3"
        ))
        .bind(pool_id)
        .bind(key.kind.as_str())
        .bind(&key.value)
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
        // One indexed lookup of the user plus one of the session by its primary key.
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            ", COALESCE((SELECT (r.revoked_ms IS NULL) FROM refresh_sessions r \
             WHERE r.origin_jti = $3 AND r.pool_id = u.pool_id AND r.user_sub = u.sub), \
             FALSE) AS session_live \
             FROM users u WHERE u.pool_id = $1 AND u.sub = $2"
        ))
        .bind(pool_id)
        .bind(sub)
        .bind(origin_jti)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
        let live = row.try_get::<bool, _>("session_live").map_err(db_err)?;
        Ok((user_from_row(&row)?, live))
    }

    async fn get_user_by_sub(&self, pool_id: &str, sub: &str) -> StoreResult<User> {
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users u WHERE u.pool_id = $1 AND u.sub = $2"
        ))
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
        let mut tx = self.begin().await?;
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
            "UPDATE users SET password_hash = $4 \
             WHERE pool_id = $1 AND sub = $2 AND password_hash = $3",
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
            "UPDATE users SET mfa_sms = COALESCE($3, mfa_sms), \
             mfa_totp = COALESCE($4, mfa_totp), mfa_email = COALESCE($5, mfa_email), \
             mfa_preferred = CASE COALESCE($6, mfa_preferred) \
             WHEN 'SMS_MFA' THEN CASE WHEN COALESCE($3, mfa_sms) THEN 'SMS_MFA' END \
             WHEN 'SOFTWARE_TOKEN_MFA' THEN \
             CASE WHEN COALESCE($4, mfa_totp) THEN 'SOFTWARE_TOKEN_MFA' END \
             WHEN 'EMAIL_OTP' THEN CASE WHEN COALESCE($5, mfa_email) THEN 'EMAIL_OTP' END \
             END WHERE pool_id = $1 AND sub = $2",
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
            sqlx::query("UPDATE users SET totp_pending = $3 WHERE pool_id = $1 AND sub = $2")
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
             totp_last_step = $4 WHERE pool_id = $1 AND sub = $2 AND totp_pending = $3",
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
            "UPDATE users SET totp_last_step = $3 WHERE pool_id = $1 AND sub = $2 \
             AND (totp_last_step IS NULL OR totp_last_step < $3)",
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
            "UPDATE users SET srp_verifier = $4 WHERE pool_id = $1 AND sub = $2 \
             AND password_hash = $3 AND srp_verifier IS NULL",
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
        super::unknown_failures::record(self, pool_id, name_hash, now_ms, policy).await
    }

    async fn begin_password_attempt(
        &self,
        pool_id: &str,
        sub: &str,
        now_ms: i64,
        policy: &LockoutPolicy,
    ) -> StoreResult<PasswordAttempt> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "SELECT failed_attempts, locked_until_ms, last_failure_ms FROM users \
             WHERE pool_id = $1 AND sub = $2 FOR NO KEY UPDATE",
        )
        .bind(pool_id)
        .bind(sub)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?
        .ok_or(StoreError::NotFound)?;
        let current = LoginFailures {
            failed_attempts: to_u32(row.try_get("failed_attempts").map_err(db_err)?)?,
            locked_until_ms: row.try_get("locked_until_ms").map_err(db_err)?,
            last_failure_ms: row.try_get("last_failure_ms").map_err(db_err)?,
        };
        let Some(next) = policy.on_attempt(current, now_ms) else {
            return Ok(PasswordAttempt::Locked);
        };
        sqlx::query(
            "UPDATE users SET failed_attempts = $3, locked_until_ms = $4, last_failure_ms = $5 \
             WHERE pool_id = $1 AND sub = $2",
        )
        .bind(pool_id)
        .bind(sub)
        .bind(i64::from(next.failed_attempts))
        .bind(next.locked_until_ms)
        .bind(next.last_failure_ms)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        commit(tx).await?;
        Ok(PasswordAttempt::Allowed)
    }

    async fn clear_login_failures(&self, pool_id: &str, sub: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE users SET failed_attempts = 0, locked_until_ms = 0 \
             WHERE pool_id = $1 AND sub = $2 AND (failed_attempts <> 0 OR locked_until_ms <> 0)",
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
        let done = sqlx::query("DELETE FROM users WHERE pool_id = $1 AND sub = $2")
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
