//! Sending codes and invitations: render the pool's template, record the message in the outbox
//! (always), then hand it to the transport (SMTP / SMS webhook) when one is configured.

use async_trait::async_trait;

use super::Cogito;
use crate::attributes::mask_destination;
use crate::error::{CoreError, CoreResult};
use crate::model::{DeliveryMedium, OutboxMessage, User};

/// Delivers a message beyond the outbox.
#[async_trait]
pub trait Transport: Send + Sync {
    /// Sends the message; an error is logged, the outbox keeps the message.
    async fn send(&self, message: &OutboxMessage) -> Result<(), String>;
}

/// A transport that only keeps messages in the outbox.
#[derive(Debug, Default)]
pub struct OutboxOnly;

#[async_trait]
impl Transport for OutboxOnly {
    async fn send(&self, _message: &OutboxMessage) -> Result<(), String> {
        Ok(())
    }
}

/// `CodeDeliveryDetails`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeDelivery {
    /// Masked destination.
    pub destination: String,
    /// `EMAIL` / `SMS`.
    pub medium: DeliveryMedium,
    /// `email` / `phone_number`.
    pub attribute: String,
}

/// A message to render and send.
#[derive(Debug)]
pub struct Outgoing<'a> {
    /// Recipient.
    pub user: &'a User,
    /// E-mail or SMS.
    pub medium: DeliveryMedium,
    /// Subject (e-mail).
    pub subject: &'a str,
    /// Template with `{####}` and `{username}`.
    pub template: &'a str,
    /// Replaces `{####}`.
    pub code: &'a str,
    /// Why.
    pub purpose: &'a str,
}

impl Cogito {
    /// Renders, records and sends a message; returns the delivery details.
    pub async fn send_message(&self, out: Outgoing<'_>) -> CoreResult<CodeDelivery> {
        let attribute = match out.medium {
            DeliveryMedium::Email => "email",
            DeliveryMedium::Sms => "phone_number",
        };
        let destination = out
            .user
            .attr(attribute)
            .ok_or_else(|| CoreError::invalid(format!("No {attribute} to deliver to")))?
            .to_string();
        let body = out
            .template
            .replace("{####}", out.code)
            .replace("{username}", &out.user.username);
        let message = OutboxMessage {
            id: crate::ids::new_uuid(),
            pool_id: out.user.pool_id.clone(),
            username: out.user.username.clone(),
            medium: out.medium,
            destination: destination.clone(),
            subject: out.subject.to_string(),
            body,
            code: Some(out.code.to_string()),
            purpose: out.purpose.to_string(),
            created_ms: self.clock.now_ms(),
        };
        self.store
            .insert_message(&message)
            .await
            .map_err(|e| CoreError::from_store("outbox", e))?;
        // Delivery runs in the background: a slow or hanging SMTP server / webhook must not
        // stall the API answer (the message is already in the outbox).
        let transport = self.transport.clone();
        tokio::spawn(async move {
            if let Err(e) = transport.send(&message).await {
                tracing::warn!(pool = %message.pool_id, medium = message.medium.as_str(), error = %e, "message delivery failed; kept in the outbox");
            }
        });
        Ok(CodeDelivery {
            destination: mask_destination(&destination),
            medium: out.medium,
            attribute: attribute.into(),
        })
    }
}

/// Picks where a verification code goes: phone preferred over e-mail when both are
/// auto-verified and present (reference §5.10).
pub fn verification_medium(auto_verified: &[String], user: &User) -> Option<DeliveryMedium> {
    let wants = |a: &str| auto_verified.iter().any(|x| x == a) && user.attr(a).is_some();
    if wants("phone_number") {
        Some(DeliveryMedium::Sms)
    } else if wants("email") {
        Some(DeliveryMedium::Email)
    } else {
        None
    }
}
