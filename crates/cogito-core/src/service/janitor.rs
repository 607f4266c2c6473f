//! The janitor: deletes what has ended (expired codes, auth sessions, authorization codes,
//! hosted sessions, rate counters; expired or long-revoked refresh sessions with their rotated
//! tokens; outbox rows past their retention) in bounded batches, and ends the import jobs
//! nobody will finish (see [`super::transfer::jobs`]). Every instance may run it: each
//! batch is a set of independent bounded deletes, so concurrent runs only race for rows.

use std::time::Duration;

use super::Cogito;
use crate::error::{CoreError, CoreResult};

/// How long a revoked refresh session is kept (revocation checks of access tokens minted from it
/// need it until those expire, at most a day).
pub const KEEP_REVOKED_MS: i64 = 2 * 24 * 3600 * 1000;
/// How long outbox rows (sealed) are kept after they were written.
pub const OUTBOX_RETENTION_MS: i64 = 24 * 3600 * 1000;
/// Rows per kind and batch.
pub const BATCH: u32 = 500;

impl Cogito {
    /// One janitor pass: batches until a batch removes nothing (at most 20 per pass). Returns the
    /// rows removed.
    pub async fn purge_expired(&self) -> CoreResult<u64> {
        let mut total = 0;
        for _ in 0..20 {
            let purged = self
                .store
                .purge_expired(
                    self.clock.now_ms(),
                    KEEP_REVOKED_MS,
                    OUTBOX_RETENTION_MS,
                    BATCH,
                )
                .await
                .map_err(|e| CoreError::from_store("purge", e))?;
            total += purged.rows;
            if purged.rows == 0 {
                break;
            }
        }
        Ok(total + self.settle_import_jobs().await?)
    }

    /// Runs [`Cogito::purge_expired`] every `every`, forever (spawn it; errors are logged and the
    /// next pass tries again).
    pub async fn run_janitor(self: std::sync::Arc<Self>, every: Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match self.purge_expired().await {
                Ok(0) => {}
                Ok(rows) => tracing::info!(rows, "janitor removed expired rows"),
                Err(e) => tracing::warn!(error = ?e, "janitor pass failed; retrying later"),
            }
        }
    }
}
