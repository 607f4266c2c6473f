//! Outbox messages: every code, invitation and notification cogito sends is recorded here,
//! whether or not a transport (SMTP, SMS webhook) also delivered it. The outbox is also the
//! delivery queue: each message carries its delivery state, attempts and next attempt
//! (security bar REL-16).

/// How a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryMedium {
    /// E-mail (SMTP when configured).
    Email,
    /// SMS (outbox and optional webhook).
    Sms,
}

impl DeliveryMedium {
    /// Cognito's wire name (`EMAIL` / `SMS`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "EMAIL",
            Self::Sms => "SMS",
        }
    }
}

/// One message in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxMessage {
    /// Unique id.
    pub id: String,
    /// Pool the message was sent for.
    pub pool_id: String,
    /// Internal username of the recipient.
    pub username: String,
    /// E-mail or SMS.
    pub medium: DeliveryMedium,
    /// E-mail address or phone number.
    pub destination: String,
    /// E-mail subject (empty for SMS).
    pub subject: String,
    /// Rendered body.
    pub body: String,
    /// The code or temporary password the message carries, if any (for `cogito outbox --latest-code`).
    pub code: Option<String>,
    /// Why it was sent: `SignUp`, `ResendCode`, `ForgotPassword`, `AdminCreateUser`, `VerifyUserAttribute`, ...
    pub purpose: String,
    /// Creation time, epoch ms.
    pub created_ms: i64,
    /// Where its delivery stands.
    pub delivery: DeliveryStatus,
}

/// Where a message's delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Not delivered yet; tried again at `next_attempt_ms`.
    Pending,
    /// Handed to the transport.
    Sent,
    /// Given up on after its last attempt failed (the dead letters).
    Dead,
}

impl DeliveryState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Dead => "dead",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Pending, Self::Sent, Self::Dead]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// A message's delivery: its state, the attempts made, when the next may start (an attempt
/// under way holds the message until then), and the last failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryStatus {
    /// State.
    pub state: DeliveryState,
    /// Attempts made so far.
    pub attempts: u32,
    /// Epoch ms before which no instance starts another attempt.
    pub next_attempt_ms: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

impl DeliveryStatus {
    /// A new message, its first attempt under way until `held_until_ms`.
    pub fn pending(held_until_ms: i64) -> Self {
        Self {
            state: DeliveryState::Pending,
            attempts: 0,
            next_attempt_ms: held_until_ms,
            last_error: None,
        }
    }
}
