//! Trigger functions over HTTP: each Lambda ARN a pool names is mapped, by the instance's
//! configuration, to an endpoint that gets Cognito's event as a signed `POST` (see
//! `cogito-trigger`). An invocation has [`TriggerSettings::timeout`] to be answered (5 s, as a
//! Lambda function has): an attempt that cannot connect or fails with a 5xx and no
//! `errorMessage` is tried again while time is left, three attempts in all, as Cognito does, so
//! one trigger never holds a request longer than the timeout (and the request deadline of
//! [`crate::deadline`] is not reached by one slow function).

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use cogito_core::service::triggers::{InvokeError, Invoker};
use serde_json::Value;

/// The time a request keeps, after its last trigger call, to finish and answer.
const ANSWER_MARGIN: Duration = Duration::from_secs(1);

/// How triggers are reached.
#[derive(Debug, Clone)]
pub struct TriggerSettings {
    /// Function ARN, or function name, → endpoint URL.
    pub functions: HashMap<String, String>,
    /// The HMAC key of the `X-Cogito-Signature` header.
    pub secret: Vec<u8>,
    /// How long an invocation, with its retries, may take.
    pub timeout: Duration,
    /// Attempts before giving up.
    pub attempts: u32,
}

impl TriggerSettings {
    /// Settings from `ARN=URL` (or `name=URL`) pairs, with Cognito's timeout and attempts.
    pub fn parse(pairs: &[String], secret: Vec<u8>) -> Result<Self, String> {
        let mut functions = HashMap::new();
        for pair in pairs.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
            let (function, url) = pair
                .split_once('=')
                .ok_or_else(|| format!("trigger `{pair}` is not ARN=URL"))?;
            let parsed = url::Url::parse(url.trim())
                .map_err(|e| format!("trigger `{function}`: bad URL {url}: {e}"))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(format!("trigger `{function}`: {url} is not http(s)"));
            }
            functions.insert(function.trim().to_owned(), url.trim().to_owned());
        }
        Ok(Self {
            functions,
            secret,
            timeout: Duration::from_secs(5),
            attempts: 3,
        })
    }
}

/// The function name of a Lambda ARN (`arn:aws:lambda:<region>:<account>:function:<name>`,
/// optionally `:<qualifier>`).
fn function_name(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    (parts.next()? == "arn" && parts.nth(1)? == "lambda" && parts.nth(2)? == "function")
        .then(|| parts.next())
        .flatten()
}

/// Calls trigger functions over HTTP.
pub struct HttpInvoker {
    settings: TriggerSettings,
    http: reqwest::Client,
}

impl HttpInvoker {
    /// An invoker with its own HTTP client (no redirects followed).
    pub fn new(settings: TriggerSettings) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client");
        Self { settings, http }
    }

    fn endpoint(&self, arn: &str) -> Option<&str> {
        let f = &self.settings.functions;
        f.get(arn)
            .or_else(|| function_name(arn).and_then(|n| f.get(n)))
            .map(String::as_str)
    }

    // The signature's timestamp is checked against the receiver's wall clock, not cogito's.
    #[allow(clippy::disallowed_methods)]
    async fn attempt(&self, url: &str, body: &[u8], time_left: Duration) -> Attempt {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let signature = cogito_trigger::sign(&self.settings.secret, now, body);
        let sent = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .header(cogito_trigger::SIGNATURE_HEADER, signature)
            .body(body.to_vec())
            .timeout(time_left)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return Attempt::Retry("timed out".into()),
            Err(e) => return Attempt::Retry(format!("not reachable: {e}")),
        };
        let status = response.status();
        let code = status.as_u16();
        let bytes = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return Attempt::Retry(format!("answer cut short: {e}")),
        };
        let json = serde_json::from_slice::<Value>(&bytes);
        if status.is_success() {
            return match json {
                Ok(v) => Attempt::Done(code, Ok(v)),
                Err(_) => Attempt::Done(code, Err(InvokeError::Malformed)),
            };
        }
        let message = json.ok().and_then(|v| {
            v.get("errorMessage")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
        match message {
            Some(m) => Attempt::Done(code, Err(InvokeError::Function(m))),
            None if status.is_server_error() => Attempt::Retry(format!("HTTP {status}")),
            None => Attempt::Done(
                code,
                Err(InvokeError::Unreachable(format!("HTTP {status}"))),
            ),
        }
    }
}

enum Attempt {
    /// An answer (with its HTTP status) that ends the invocation.
    Done(u16, Result<Value, InvokeError>),
    Retry(String),
}

#[async_trait]
impl Invoker for HttpInvoker {
    fn resolves(&self, arn: &str) -> bool {
        self.endpoint(arn).is_some()
    }

    async fn invoke(&self, arn: &str, event: &Value) -> Result<Value, InvokeError> {
        let Some(url) = self.endpoint(arn) else {
            return Err(InvokeError::Unreachable(format!("{arn} is not mapped")));
        };
        let body = serde_json::to_vec(event).expect("JSON");
        // Within the request's own deadline, with time left to answer: a slow function is
        // reported as such rather than cut off with the whole request.
        let budget = match crate::deadline::time_left() {
            Some(left) => self
                .settings
                .timeout
                .min(left.saturating_sub(ANSWER_MARGIN)),
            None => self.settings.timeout,
        };
        let until = tokio::time::Instant::now() + budget;
        let mut last = String::new();
        for n in 0..self.settings.attempts.max(1) {
            if n > 0 {
                tokio::time::sleep(Duration::from_millis(50 << n)).await;
            }
            let time_left = until.saturating_duration_since(tokio::time::Instant::now());
            if time_left.is_zero() {
                break;
            }
            match self.attempt(url, &body, time_left).await {
                Attempt::Done(status, result) => {
                    crate::trace::note_trigger(url, status, event, result.as_ref().ok());
                    return result;
                }
                Attempt::Retry(why) => {
                    tracing::warn!(function = arn, attempt = n + 1, %why, "trigger attempt failed");
                    last = why;
                }
            }
        }
        crate::trace::note_trigger(url, 0, event, None);
        Err(InvokeError::Unreachable(last))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_resolve_by_full_arn_or_function_name() {
        let s = TriggerSettings::parse(
            &[
                "arn:aws:lambda:us-east-1:123456789012:function:pre-signup=http://127.0.0.1:1/a"
                    .into(),
                "migrate=http://127.0.0.1:1/b".into(),
            ],
            vec![],
        )
        .unwrap();
        let i = HttpInvoker::new(s);
        assert!(i.resolves("arn:aws:lambda:us-east-1:123456789012:function:pre-signup"));
        assert!(i.resolves("arn:aws:lambda:eu-west-1:999999999999:function:migrate"));
        assert!(i.resolves("arn:aws:lambda:eu-west-1:999999999999:function:migrate:live"));
        assert!(!i.resolves("arn:aws:lambda:us-east-1:123456789012:function:other"));
        assert!(!i.resolves("arn:aws:sns:us-east-1:123456789012:function:migrate"));
        assert!(TriggerSettings::parse(&["no-url".into()], vec![]).is_err());
        assert!(TriggerSettings::parse(&["f=ftp://x".into()], vec![]).is_err());
    }
}
