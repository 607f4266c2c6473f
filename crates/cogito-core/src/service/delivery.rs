//! Delivery of outbox messages (security bar REL-16): the outbox is the queue. A message is
//! committed with the change that sent it, as `pending` and held for its first attempt, which
//! runs at once in the background, so a slow SMTP server or webhook never delays the answer.
//! A failed attempt is retried with exponential backoff (5 s, doubling, at most 10 minutes);
//! after [`MAX_ATTEMPTS`] the message is kept as a dead letter (`dead`, with the last error),
//! visible in the outbox. Any instance's delivery pass ([`Cogito::deliver_due`]) claims due
//! messages in one atomic statement and holds them while it tries, so several instances never
//! attempt one message at once. Delivery is at least once: a message whose outcome could not
//! be recorded is tried again, carrying the same id (the e-mail's `Message-ID`, the SMS
//! webhook's `id`) for the receiver to drop duplicates.

use std::sync::Arc;
use std::time::Duration;

use super::Cogito;
use super::messages::{Mail, Transport};
use crate::clock::Clock;
use crate::error::{CoreError, CoreResult};
use crate::model::{DeliveryState, DeliveryStatus, OutboxMessage};
use crate::store::Store;

/// How long an attempt holds its message before another pass may try it.
pub const ATTEMPT_HOLD_MS: i64 = 60_000;
/// Attempts before a message is given up on.
pub const MAX_ATTEMPTS: u32 = 8;
/// Delay after the first failed attempt; it doubles per failure up to [`MAX_BACKOFF_MS`].
pub const FIRST_BACKOFF_MS: i64 = 5_000;
/// Longest delay between attempts.
pub const MAX_BACKOFF_MS: i64 = 10 * 60_000;
/// Messages claimed by one pass.
const BATCH: u32 = 50;

/// The delay before the attempt after `failed` failed attempts.
pub fn backoff_ms(failed: u32) -> i64 {
    let doublings = failed.saturating_sub(1).min(20);
    FIRST_BACKOFF_MS
        .saturating_mul(1_i64 << doublings)
        .min(MAX_BACKOFF_MS)
}

/// What an attempt needs, cheap to move into the task of one attempt.
#[derive(Clone)]
struct Courier {
    store: Arc<dyn Store>,
    transport: Arc<dyn Transport>,
    clock: Arc<dyn Clock>,
}

impl Courier {
    /// One attempt at `message` (opened), and its outcome recorded.
    async fn attempt(&self, message: &OutboxMessage) {
        let result = self.transport.send(message).await;
        let now = self.clock.now_ms();
        let attempts = message.delivery.attempts.saturating_add(1);
        let (pool, medium) = (&message.pool_id, message.medium.as_str());
        let status = match result {
            Ok(()) => DeliveryStatus {
                state: DeliveryState::Sent,
                attempts,
                next_attempt_ms: now,
                last_error: None,
            },
            Err(e) if attempts >= MAX_ATTEMPTS => {
                tracing::error!(%pool, medium, id = %message.id, attempts, error = %e, "message delivery failed for the last time: kept as a dead letter in the outbox");
                DeliveryStatus {
                    state: DeliveryState::Dead,
                    attempts,
                    next_attempt_ms: now,
                    last_error: Some(e),
                }
            }
            Err(e) => {
                let retry_ms = backoff_ms(attempts);
                tracing::warn!(%pool, medium, id = %message.id, attempts, retry_ms, error = %e, "message delivery failed; will retry");
                DeliveryStatus {
                    state: DeliveryState::Pending,
                    attempts,
                    next_attempt_ms: now + retry_ms,
                    last_error: Some(e),
                }
            }
        };
        if let Err(e) = self.store.record_delivery(&message.id, &status).await {
            tracing::warn!(id = %message.id, error = %e, "delivery outcome not recorded; the message will be tried again");
        }
    }
}

impl Cogito {
    fn courier(&self) -> Courier {
        Courier {
            store: self.store.clone(),
            transport: self.transport.clone(),
            clock: self.clock.clone(),
        }
    }

    /// Hands committed messages to the transport: each first attempt runs in the background
    /// (a slow or hanging SMTP server / webhook must not stall the API answer); a failure is
    /// retried by the delivery passes.
    pub fn deliver(&self, mail: Mail) {
        for message in mail.plain {
            let courier = self.courier();
            tokio::spawn(async move { courier.attempt(&message).await });
        }
    }

    /// One delivery pass: claims the messages due now and attempts each; how many it attempted.
    pub async fn deliver_due(&self) -> CoreResult<usize> {
        let now = self.clock.now_ms();
        let claimed = self
            .store
            .claim_due_messages(now, now + ATTEMPT_HOLD_MS, BATCH)
            .await
            .map_err(|e| CoreError::from_store("outbox", e))?;
        let mut attempts = tokio::task::JoinSet::new();
        for stored in claimed {
            match self.open_message(stored) {
                Ok(message) => {
                    let courier = self.courier();
                    attempts.spawn(async move { courier.attempt(&message).await });
                }
                Err(e) => tracing::error!(error = %e, "an outbox message cannot be opened"),
            }
        }
        let attempted = attempts.len();
        while attempts.join_next().await.is_some() {}
        Ok(attempted)
    }

    /// Runs delivery passes every `every` until the process ends.
    pub async fn run_delivery(self: Arc<Self>, every: Duration) {
        loop {
            tokio::time::sleep(every).await;
            if let Err(e) = self.deliver_due().await {
                tracing::warn!(error = %e, "delivery pass failed");
            }
        }
    }
}
