//! Outbox messages: every code, invitation and notification cogito sends is recorded here,
//! whether or not a transport (SMTP, SMS webhook) also delivered it.

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
}
