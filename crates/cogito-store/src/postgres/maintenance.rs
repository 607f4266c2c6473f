//! [`MaintenanceStore`] for PostgreSQL: the janitor's bounded deletes, with the same conditions
//! as SQLite's. Each kind of expired row goes in one statement that deletes at most `$4` rows
//! found through an expiry index, picked by `ctid` with `FOR UPDATE SKIP LOCKED`: a batch is
//! short, and janitors on several instances at once take disjoint rows instead of queueing on
//! each other's.

use async_trait::async_trait;
use cogito_core::store::{MaintenanceStore, Purged, StoreResult};

use super::{PostgresStore, db_err};

/// One complete statement per kind; `$1` = now, `$2` = revoked/rotated cutoff, `$3` = outbox
/// cutoff, `$4` = batch size. Every statement is bound with all four (typed by the binds, so
/// PostgreSQL accepts the ones a statement does not use).
const PURGES: &[&str] = &[
    "DELETE FROM codes WHERE ctid = ANY(ARRAY(SELECT ctid FROM codes \
     WHERE expires_ms < $1 LIMIT $4 FOR UPDATE SKIP LOCKED))",
    "DELETE FROM auth_sessions WHERE ctid = ANY(ARRAY(SELECT ctid FROM auth_sessions \
     WHERE expires_ms < $1 LIMIT $4 FOR UPDATE SKIP LOCKED))",
    "DELETE FROM used_nonces WHERE ctid = ANY(ARRAY(SELECT ctid FROM used_nonces \
     WHERE expires_ms < $1 LIMIT $4 FOR UPDATE SKIP LOCKED))",
    "DELETE FROM authorization_codes WHERE ctid = ANY(ARRAY(SELECT ctid FROM authorization_codes \
     WHERE expires_ms < $1 LIMIT $4 FOR UPDATE SKIP LOCKED))",
    "DELETE FROM hosted_sessions WHERE ctid = ANY(ARRAY(SELECT ctid FROM hosted_sessions \
     WHERE expires_ms < $1 LIMIT $4 FOR UPDATE SKIP LOCKED))",
    "DELETE FROM event_counters WHERE ctid = ANY(ARRAY(SELECT ctid FROM event_counters \
     WHERE window_start_ms < $1 - 86400000 LIMIT $4 FOR UPDATE SKIP LOCKED))",
    // Forgotten after 15 quiet minutes, once any lock is over.
    "DELETE FROM unknown_login_failures WHERE ctid = ANY(ARRAY(SELECT ctid \
     FROM unknown_login_failures WHERE last_failure_ms < $1 - 900000 AND locked_until_ms < $1 \
     LIMIT $4 FOR UPDATE SKIP LOCKED))",
    // Rotated-out tokens past any grace period (at most 60 s) are only kept for reuse detection
    // while their sign-in lives; they go with it (ON DELETE CASCADE) or after the cutoff.
    "DELETE FROM rotated_refresh_tokens WHERE ctid = ANY(ARRAY(SELECT ctid \
     FROM rotated_refresh_tokens WHERE rotated_ms < $2 LIMIT $4 FOR UPDATE SKIP LOCKED))",
    "DELETE FROM refresh_sessions WHERE ctid = ANY(ARRAY(SELECT ctid FROM refresh_sessions \
     WHERE expires_ms < $1 OR revoked_ms < $2 LIMIT $4 FOR UPDATE SKIP LOCKED))",
    "DELETE FROM outbox WHERE ctid = ANY(ARRAY(SELECT ctid FROM outbox \
     WHERE created_ms < $3 LIMIT $4 FOR UPDATE SKIP LOCKED))",
    // Device keys handed out at sign-in but never confirmed, after a day.
    "DELETE FROM devices WHERE ctid = ANY(ARRAY(SELECT ctid FROM devices \
     WHERE verifier IS NULL AND created_ms < $1 - 86400000 LIMIT $4 FOR UPDATE SKIP LOCKED))",
    // Keys a rotation retired, once every token they signed has expired.
    "DELETE FROM signing_keys WHERE ctid = ANY(ARRAY(SELECT ctid FROM signing_keys \
     WHERE retired_until_ms < $1 LIMIT $4 FOR UPDATE SKIP LOCKED))",
];

#[async_trait]
impl MaintenanceStore for PostgresStore {
    async fn purge_expired(
        &self,
        now_ms: i64,
        keep_revoked_ms: i64,
        outbox_retention_ms: i64,
        batch: u32,
    ) -> StoreResult<Purged> {
        let mut rows = 0;
        for sql in PURGES {
            rows += sqlx::query(*sql)
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
