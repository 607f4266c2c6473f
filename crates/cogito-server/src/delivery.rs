//! Message transports behind the core's `Transport` port: e-mail over SMTP (`lettre`) and SMS
//! to an optional HTTP webhook. The outbox record is written by the core before either runs,
//! and a failed send is retried from it (`cogito_core::service::delivery`).

use async_trait::async_trait;
use cogito_core::model::{DeliveryMedium, OutboxMessage};
use cogito_core::service::Transport;
use lettre::message::Mailbox;
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};

/// The longest one SMTP exchange or webhook call may take; a slower one fails the attempt,
/// which is retried later.
const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Delivery settings.
#[derive(Debug, Clone, Default)]
pub struct DeliveryConfig {
    /// `smtp://host:port` (plain, e.g. a local relay), `smtp+starttls://…` or `smtps://…`, with
    /// optional `user:pass@`.
    pub smtp_url: Option<String>,
    /// Sender address.
    pub from: String,
    /// URL that receives `POST {"to","body"}` for every SMS.
    pub sms_webhook: Option<String>,
}

/// SMTP + SMS webhook transport.
pub struct Delivery {
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    sms_webhook: Option<String>,
    http: reqwest::Client,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("smtp", &self.smtp.is_some())
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

/// A delivery configuration that cannot work.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// Bad SMTP URL.
    #[error("invalid SMTP URL: {0}")]
    SmtpUrl(String),
    /// Bad sender address.
    #[error("invalid sender address {0:?}")]
    From(String),
}

impl Delivery {
    /// Builds the transports.
    pub fn new(config: &DeliveryConfig) -> Result<Self, DeliveryError> {
        let smtp = match &config.smtp_url {
            None => None,
            Some(url) if url.starts_with("smtp://") => {
                let parsed =
                    url::Url::parse(url).map_err(|e| DeliveryError::SmtpUrl(e.to_string()))?;
                let host = parsed
                    .host_str()
                    .ok_or_else(|| DeliveryError::SmtpUrl("no host".into()))?;
                let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                    .port(parsed.port().unwrap_or(25))
                    .timeout(Some(SEND_TIMEOUT));
                if !parsed.username().is_empty() {
                    b = b.credentials(lettre::transport::smtp::authentication::Credentials::new(
                        parsed.username().to_string(),
                        parsed.password().unwrap_or_default().to_string(),
                    ));
                }
                Some(b.build())
            }
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| DeliveryError::SmtpUrl(e.to_string()))?
                    .timeout(Some(SEND_TIMEOUT))
                    .build(),
            ),
        };
        let from = config
            .from
            .parse()
            .map_err(|_| DeliveryError::From(config.from.clone()))?;
        Ok(Self {
            smtp,
            from,
            sms_webhook: config.sms_webhook.clone(),
            http: reqwest::Client::builder()
                .timeout(SEND_TIMEOUT)
                .build()
                .unwrap_or_default(),
        })
    }

    async fn send_email(&self, m: &OutboxMessage) -> Result<(), String> {
        let Some(smtp) = &self.smtp else {
            return Ok(());
        };
        let to: Mailbox = m
            .destination
            .parse()
            .map_err(|e| format!("recipient: {e}"))?;
        // The outbox id as `Message-ID`: a message delivered twice (at least once) is recognisable.
        let email = Message::builder()
            .message_id(Some(format!("<{}@cogito>", m.id)))
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            .body(m.body.clone())
            .map_err(|e| format!("message: {e}"))?;
        smtp.send(email)
            .await
            .map(|_| ())
            .map_err(|e| format!("smtp: {e}"))
    }

    async fn send_sms(&self, m: &OutboxMessage) -> Result<(), String> {
        let Some(url) = &self.sms_webhook else {
            return Ok(());
        };
        // `id`: the outbox id, the same on every attempt, so the receiver can drop duplicates.
        let body = serde_json::json!({ "id": m.id, "to": m.destination, "body": m.body, "poolId": m.pool_id, "username": m.username });
        let resp = self
            .http
            .post(url)
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("sms webhook: {e}"))?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(format!("sms webhook answered {}", resp.status()))
        }
    }
}

#[async_trait]
impl Transport for Delivery {
    async fn send(&self, m: &OutboxMessage) -> Result<(), String> {
        match m.medium {
            DeliveryMedium::Email => self.send_email(m).await,
            DeliveryMedium::Sms => self.send_sms(m).await,
        }
    }
}
