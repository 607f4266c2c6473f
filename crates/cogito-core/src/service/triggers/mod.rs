//! Triggers (reference §6): the port through which a pool's functions are called, and the one
//! place an event is sent and its answer judged. Each trigger kind's event and the use of its
//! answer live beside the operation that raises it; the envelope, the error mapping and the
//! record of every invocation live here.
//!
//! A function answers with the whole event, `response` filled in. A function's own error
//! becomes `UserLambdaValidationException` (`<Trigger> failed with error <message>.`), an
//! unreachable or slow one `UnexpectedLambdaException`, an answer that is not the event
//! `InvalidLambdaResponseException`. Every caller runs its trigger before it writes, so a
//! failing trigger leaves nothing half done.

pub mod lifecycle;
pub mod messages;
pub mod migration;
pub mod tokens;

use std::collections::BTreeMap;
use std::time::Instant;

use async_trait::async_trait;
use serde_json::{Map, Value, json};

use super::Cogito;
use crate::error::{CoreError, CoreResult};
use crate::model::{TriggerKind, User, UserPool};

tokio::task_local! {
    /// `ClientMetadata` of the request being handled.
    static CLIENT_METADATA: BTreeMap<String, String>;
}

/// Runs `work` with `metadata` as the request's `ClientMetadata`: the edge sets it for each
/// API request that carries one, and every trigger the request raises gets it (as
/// `clientMetadata`, and as `validationData` of pre authentication).
pub async fn with_client_metadata<F: std::future::Future>(
    metadata: BTreeMap<String, String>,
    work: F,
) -> F::Output {
    CLIENT_METADATA.scope(metadata, work).await
}

/// The `ClientMetadata` of the request being handled, if it carried one.
pub(crate) fn request_metadata() -> Option<BTreeMap<String, String>> {
    CLIENT_METADATA.try_with(Clone::clone).ok()
}

/// Why an invocation gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvokeError {
    /// The function ran and failed, with its message (`errorMessage`).
    Function(String),
    /// The function could not be reached or did not answer in time, after every retry.
    Unreachable(String),
    /// The function answered with something other than JSON.
    Malformed,
}

/// Calls functions by ARN (cogito maps ARNs to HTTP endpoints).
#[async_trait]
pub trait Invoker: Send + Sync {
    /// Whether `arn` is mapped to a function this instance can call.
    fn resolves(&self, arn: &str) -> bool;
    /// Sends `event` to the function and returns its answer.
    async fn invoke(&self, arn: &str, event: &Value) -> Result<Value, InvokeError>;
}

/// An invoker without functions: every ARN is unknown, so pools cannot name one.
#[derive(Debug, Default)]
pub struct NoFunctions;

#[async_trait]
impl Invoker for NoFunctions {
    fn resolves(&self, _arn: &str) -> bool {
        false
    }

    async fn invoke(&self, arn: &str, _event: &Value) -> Result<Value, InvokeError> {
        Err(InvokeError::Unreachable(format!(
            "no function is mapped to {arn}"
        )))
    }
}

/// Who raised an event: the app client (`callerContext.clientId`), if any, and the request's
/// `ClientMetadata`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Caller<'a> {
    /// The app client in use.
    pub client_id: Option<&'a str>,
    /// `ClientMetadata` of the request.
    pub metadata: Option<&'a BTreeMap<String, String>>,
}

impl<'a> Caller<'a> {
    /// A request through the app client `client_id` (its `ClientMetadata`, if any, comes with
    /// the request: [`with_client_metadata`]).
    pub fn of(client_id: &'a str) -> Self {
        Self {
            client_id: Some(client_id),
            metadata: None,
        }
    }
}

/// One event to send.
#[derive(Debug)]
pub struct Event<'a> {
    /// Which trigger.
    pub kind: TriggerKind,
    /// `triggerSource`.
    pub source: &'static str,
    /// `userName`.
    pub user_name: &'a str,
    /// Who raised it.
    pub caller: Caller<'a>,
    /// `request` (without `clientMetadata`, which is added from the caller).
    pub request: Map<String, Value>,
    /// The envelope's `version`.
    pub version: &'static str,
}

impl<'a> Event<'a> {
    /// A version-1 event.
    pub fn new(
        kind: TriggerKind,
        source: &'static str,
        user_name: &'a str,
        caller: Caller<'a>,
    ) -> Self {
        Self {
            kind,
            source,
            user_name,
            caller,
            request: Map::new(),
            version: "1",
        }
    }

    /// Adds a `request` member.
    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.request.insert(key.to_owned(), value);
        self
    }

    /// Adds `request.userAttributes` of a user, as Cognito sends them: every attribute as a
    /// string, plus `sub` and `cognito:user_status`.
    pub fn with_user(self, user: &User) -> Self {
        self.with("userAttributes", user_attributes(user))
    }
}

/// `request.userAttributes` of a user.
pub fn user_attributes(user: &User) -> Value {
    let mut attrs: Map<String, Value> = user
        .attributes
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    attrs.insert("sub".into(), Value::String(user.sub.clone()));
    attrs.insert(
        "cognito:user_status".into(),
        Value::String(user.status.as_str().to_owned()),
    );
    Value::Object(attrs)
}

/// `request.userAttributes` of attributes given in a request (no user exists yet).
pub fn given_attributes(attrs: &[(String, String)]) -> Value {
    Value::Object(
        attrs
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// A string→string map as a JSON object.
pub fn string_map(map: &BTreeMap<String, String>) -> Value {
    Value::Object(
        map.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// A boolean member of a trigger's `response` (absent or `null` is false).
pub fn flag(response: &Value, key: &str) -> bool {
    response.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// `Unrecognizable lambda output`.
pub fn unrecognizable() -> CoreError {
    CoreError::InvalidLambdaResponse("Unrecognizable lambda output".into())
}

impl Cogito {
    /// Runs the pool's function for `event.kind`, if it has one, and returns the `response`
    /// member of its answer (`None` when the pool has no such function). Every invocation is
    /// logged with its trigger, source, latency and outcome.
    pub async fn run_trigger(
        &self,
        pool: &UserPool,
        event: Event<'_>,
    ) -> CoreResult<Option<Value>> {
        let Some(arn) = pool.triggers.arn(event.kind) else {
            return Ok(None);
        };
        let mut request = event.request;
        let metadata = match event.caller.metadata {
            Some(m) => Some(m.clone()),
            None if event.kind == TriggerKind::PreAuthentication => None,
            None => request_metadata(),
        };
        if let Some(m) = metadata.filter(|m| !m.is_empty()) {
            request.insert("clientMetadata".into(), string_map(&m));
        }
        let body = json!({
            "version": event.version,
            "triggerSource": event.source,
            "region": crate::ids::pool_region(&pool.id),
            "userPoolId": pool.id,
            "userName": event.user_name,
            "callerContext": {
                "awsSdkVersion": "aws-sdk-unknown-unknown",
                "clientId": event.caller.client_id.unwrap_or("CLIENT_ID_NOT_APPLICABLE"),
            },
            "request": request,
            "response": {},
        });
        let name = event.kind.as_str();
        let started = Instant::now();
        let answer = self.invoker.invoke(arn, &body).await;
        let latency_ms = started.elapsed().as_millis() as u64;
        let outcome = match &answer {
            Ok(_) => "answered",
            Err(InvokeError::Function(_)) => "function error",
            Err(InvokeError::Unreachable(_)) => "unreachable",
            Err(InvokeError::Malformed) => "malformed answer",
        };
        tracing::info!(
            trigger = name,
            source = event.source,
            pool = %pool.id,
            latency_ms,
            outcome,
            "trigger invoked"
        );
        match answer {
            Ok(Value::Object(mut answer)) => match answer.remove("response") {
                Some(r @ Value::Object(_)) => Ok(Some(r)),
                Some(Value::Null) | None => Ok(Some(Value::Object(Map::new()))),
                Some(_) => Err(unrecognizable()),
            },
            Ok(_) | Err(InvokeError::Malformed) => Err(unrecognizable()),
            Err(InvokeError::Function(message)) => Err(CoreError::UserLambdaValidation(format!(
                "{name} failed with error {message}."
            ))),
            Err(InvokeError::Unreachable(cause)) => {
                tracing::warn!(trigger = name, pool = %pool.id, %cause, "trigger unreachable");
                Err(CoreError::UnexpectedLambda(format!(
                    "An error occurred when invoking the {name} function."
                )))
            }
        }
    }

    /// Checks that every function a pool names is mapped to an endpoint (`CreateUserPool`,
    /// `UpdateUserPool`): an unmapped ARN is refused rather than silently never called.
    pub fn check_trigger_mappings(&self, pool: &UserPool) -> CoreResult<()> {
        for (kind, arn) in &pool.triggers.functions {
            if !self.invoker.resolves(arn) {
                return Err(CoreError::invalid(format!(
                    "The {} function {arn} is not mapped to an endpoint: add it to [triggers] \
                     in cogito.toml or pass --trigger {arn}=<url>.",
                    kind.as_str()
                )));
            }
        }
        Ok(())
    }
}
