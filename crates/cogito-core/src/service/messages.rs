//! Sending codes and invitations: render the pool's template, record the message in the outbox
//! (always, sealed under the master key, in the same transaction as the operation that sends it),
//! then hand it to the transport (SMTP / SMS webhook) when one is configured.

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::Cogito;
use crate::attributes::mask_destination;
use crate::crypto::MasterKey;
use crate::error::{CoreError, CoreResult};
use crate::model::{DeliveryMedium, DeliveryStatus, OutboxMessage, User};
use crate::store::{Effects, OutboxQuery};

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

/// Messages and codes prepared for one operation: their stored (sealed) rows ride in
/// [`Mail::effects`] and commit with the operation's user change; [`Cogito::deliver`] hands the
/// plaintext to the transport only after that commit.
#[derive(Debug, Default)]
pub struct Mail {
    /// Codes and sealed outbox rows to commit.
    pub effects: Effects,
    /// Where each message goes, in order.
    pub deliveries: Vec<CodeDelivery>,
    pub(crate) plain: Vec<OutboxMessage>,
}

impl Mail {
    /// The messages prepared so far, in plain text.
    pub(crate) fn prepared(&self) -> &[OutboxMessage] {
        &self.plain
    }

    /// Replaces the `i`-th prepared message, and its sealed copy among the effects.
    pub(crate) fn replace(&mut self, i: usize, plain: OutboxMessage, sealed: OutboxMessage) {
        if let Some(stored) = self.effects.messages.iter_mut().find(|m| m.id == plain.id) {
            *stored = sealed;
        }
        self.plain[i] = plain;
    }
}

impl Effects {
    /// These effects as the start of a [`Mail`].
    pub fn into_mail(self) -> Mail {
        Mail {
            effects: self,
            ..Mail::default()
        }
    }
}

/// Prefix of a value sealed under the master key (base64 of nonce ‖ ciphertext ‖ tag).
const SEALED: &str = "sealed:v1:";

impl Cogito {
    /// Renders a message into `mail` (stored sealed, sent after commit); returns its delivery.
    pub fn compose(&self, mail: &mut Mail, out: Outgoing<'_>) -> CoreResult<CodeDelivery> {
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
            delivery: DeliveryStatus::pending(
                self.clock.now_ms() + super::delivery::ATTEMPT_HOLD_MS,
            ),
        };
        mail.effects.messages.push(self.seal_message(&message));
        mail.plain.push(message);
        let delivery = CodeDelivery {
            destination: mask_destination(&destination),
            medium: out.medium,
            attribute: attribute.into(),
        };
        mail.deliveries.push(delivery.clone());
        Ok(delivery)
    }

    /// The copy of a message kept at rest: body and code sealed under the master key.
    pub fn seal_message(&self, message: &OutboxMessage) -> OutboxMessage {
        OutboxMessage {
            body: self.seal_text(&message.body),
            code: message.code.as_deref().map(|c| self.seal_text(c)),
            ..message.clone()
        }
    }

    /// Seals a short secret for storage.
    pub fn seal_text(&self, text: &str) -> String {
        format!(
            "{SEALED}{}",
            STANDARD.encode(self.sealer.seal(text.as_bytes()))
        )
    }

    /// Opens what [`Cogito::seal_text`] produced (plain text from older versions passes as is).
    pub fn open_text(&self, text: &str) -> CoreResult<String> {
        open_sealed(&self.sealer, text)
    }

    /// Outbox messages, newest first, opened (for `/_dev/outbox` and `cogito outbox`).
    pub async fn outbox(&self, query: &OutboxQuery) -> CoreResult<Vec<OutboxMessage>> {
        let stored = self
            .store
            .list_messages(query)
            .await
            .map_err(|e| CoreError::from_store("outbox", e))?;
        stored.into_iter().map(|m| self.open_message(m)).collect()
    }

    /// A stored message with its body and code opened.
    pub(crate) fn open_message(&self, m: OutboxMessage) -> CoreResult<OutboxMessage> {
        Ok(OutboxMessage {
            body: self.open_text(&m.body)?,
            code: m.code.as_deref().map(|c| self.open_text(c)).transpose()?,
            ..m
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

/// Opens a value sealed by [`Cogito::seal_text`] under `master` (plain text passes as is).
pub fn open_sealed(master: &MasterKey, text: &str) -> CoreResult<String> {
    let Some(b64) = text.strip_prefix(SEALED) else {
        return Ok(text.to_string());
    };
    let sealed = STANDARD
        .decode(b64)
        .map_err(|_| CoreError::Internal("sealed value is not base64".into()))?;
    let plain = master
        .open(&sealed)
        .map_err(|_| CoreError::Internal("sealed value does not open".into()))?;
    String::from_utf8(plain).map_err(|_| CoreError::Internal("sealed value is not UTF-8".into()))
}
