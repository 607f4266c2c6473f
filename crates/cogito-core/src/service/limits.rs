//! Per-user hourly caps of reference §8.3, counted in the store (one atomic statement per
//! event) so that they hold across processes: a new code never restarts them (SEC-43).

use super::Cogito;
use crate::error::{CoreError, CoreResult};
use crate::model::User;

/// Length of a counting window.
const HOUR_MS: i64 = 3600 * 1000;

/// An operation with a per-user hourly cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capped {
    /// `ConfirmSignUp`: 15 per user per hour.
    ConfirmSignUp,
    /// `ResendConfirmationCode`: 5 per user per hour.
    ResendConfirmationCode,
    /// `ForgotPassword` and `ConfirmForgotPassword` together: 10 per user per hour (Cognito:
    /// 5–20, risk-based; security bar SEC-43 counts requests and entries combined).
    PasswordReset,
    /// `VerifyUserAttribute`: 15 per user per hour.
    VerifyUserAttribute,
}

impl Capped {
    /// `(counter name, events allowed per hour)`.
    pub fn rule(self) -> (&'static str, u32) {
        match self {
            Self::ConfirmSignUp => ("confirm_sign_up", 15),
            Self::ResendConfirmationCode => ("resend_code", 5),
            Self::PasswordReset => ("password_reset", 10),
            Self::VerifyUserAttribute => ("verify_attribute", 15),
        }
    }
}

impl Cogito {
    /// Counts one `op` for `user` in the current hour; `LimitExceededException` past the cap.
    pub async fn count_capped(&self, op: Capped, user: &User) -> CoreResult<()> {
        let (name, limit) = op.rule();
        let now = self.clock.now_ms();
        let window = now - now.rem_euclid(HOUR_MS);
        let key = format!("{name}:{}:{}", user.pool_id, user.sub);
        let within = self
            .store
            .count_event(&key, window, limit)
            .await
            .map_err(|e| CoreError::from_store("limit", e))?;
        if within {
            Ok(())
        } else {
            Err(CoreError::LimitExceeded(
                "Attempt limit exceeded, please try after some time.".into(),
            ))
        }
    }
}
