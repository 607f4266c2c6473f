//! [`MaintenanceStore`] for SQLite: the janitor's bounded deletes. Each kind of expired row goes
//! in one `DELETE … WHERE rowid IN (SELECT … LIMIT n)` statement served by an expiry index, so a
//! batch is short and two instances running it at once only race for rows.

use async_trait::async_trait;
use cogito_core::store::{MaintenanceStore, Purged, StoreResult};

use super::{SqliteStore, db_err};

/// `(table, condition on ?1 = now, ?2 = revoked/retention cutoff, ?3 = outbox cutoff)`.
const PURGES: &[(&str, &str)] = &[
    ("codes", "expires_ms < ?1"),
    ("auth_sessions", "expires_ms < ?1"),
    ("used_nonces", "expires_ms < ?1"),
    ("authorization_codes", "expires_ms < ?1"),
    ("hosted_sessions", "expires_ms < ?1"),
    ("event_counters", "window_start_ms < ?1 - 86400000"),
    // Forgotten after 15 quiet minutes, once any lock is over.
    (
        "unknown_login_failures",
        "last_failure_ms < ?1 - 900000 AND locked_until_ms < ?1",
    ),
    // Rotated-out tokens past any grace period (at most 60 s) are only kept for reuse detection
    // while their sign-in lives; they go with it (ON DELETE CASCADE) or after the cutoff.
    ("rotated_refresh_tokens", "rotated_ms < ?2"),
    ("refresh_sessions", "expires_ms < ?1 OR revoked_ms < ?2"),
    ("outbox", "created_ms < ?3"),
    // Device keys handed out at sign-in but never confirmed, after a day.
    ("devices", "verifier IS NULL AND created_ms < ?1 - 86400000"),
    // Keys a rotation retired, once every token they signed has expired.
    ("signing_keys", "retired_until_ms < ?1"),
];

#[async_trait]
impl MaintenanceStore for SqliteStore {
    async fn purge_expired(
        &self,
        now_ms: i64,
        keep_revoked_ms: i64,
        outbox_retention_ms: i64,
        batch: u32,
    ) -> StoreResult<Purged> {
        let mut rows = 0;
        for (table, condition) in PURGES {
            let sql = format!(
                "DELETE FROM {table} WHERE rowid IN \
                 (SELECT rowid FROM {table} WHERE {condition} LIMIT ?4)"
            );
            rows += sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(now_ms)
                .bind(now_ms - keep_revoked_ms)
                .bind(now_ms - outbox_retention_ms)
                .bind(i64::from(batch))
                .execute(&self.pool)
                .await
                .map_err(db_err)?
                .rows_affected();
        }
        Ok(Purged { rows })
    }
}
