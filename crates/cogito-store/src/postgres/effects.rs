//! The [`Effects`] of a user change, written on the change's own transaction: codes, outbox
//! messages and the end of the user's sessions commit with the change or not at all.

use cogito_core::store::{Effects, StoreResult};
use sqlx::PgConnection;

use super::PostgresStore;

/// Writes `effects` for the user `sub` on `conn`.
pub(super) async fn write(
    conn: &mut PgConnection,
    store: &PostgresStore,
    pool_id: &str,
    sub: &str,
    effects: &Effects,
) -> StoreResult<()> {
    for code in &effects.codes {
        store.fault("effects: code")?;
        super::sessions::put_code_in(conn, code).await?;
    }
    for message in &effects.messages {
        store.fault("effects: outbox")?;
        super::outbox::insert_in(conn, message).await?;
    }
    if let Some(end) = &effects.end_sessions {
        store.fault("effects: end sessions")?;
        super::sessions::revoke_refresh_in(
            conn,
            pool_id,
            sub,
            end.keep_origin_jti.as_deref(),
            end.at_ms,
        )
        .await?;
        sqlx::query("DELETE FROM hosted_sessions WHERE pool_id = $1 AND user_sub = $2")
            .bind(pool_id)
            .bind(sub)
            .execute(&mut *conn)
            .await
            .map_err(super::db_err)?;
    }
    store.fault("effects: done")
}
