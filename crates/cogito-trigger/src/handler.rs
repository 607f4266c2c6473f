//! An axum router serving one trigger function: it refuses requests without a valid, fresh
//! signature (`401`), decodes the event, runs the function, and answers with the event or with
//! `{"errorMessage": …}`, which cogito turns into `UserLambdaValidationException`.

use std::future::Future;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;

use crate::event::Event;
use crate::signature::{DEFAULT_TOLERANCE_SECS, SIGNATURE_HEADER, verify};

/// A function's refusal: its message reaches the caller of the Cognito API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerError(pub String);

impl TriggerError {
    /// A refusal with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

#[allow(clippy::disallowed_methods)] // the receiver checks against its own wall clock
fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A router answering `POST` on any path with `function`, for requests signed with `secret`.
pub fn router<F, Fut>(secret: Vec<u8>, function: F) -> Router
where
    F: Fn(Event) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<Event, TriggerError>> + Send + 'static,
{
    let secret = Arc::new(secret);
    let serve = move |headers: HeaderMap, body: Bytes| {
        let (secret, function) = (secret.clone(), function.clone());
        async move { handle(&secret, function, &headers, &body).await }
    };
    Router::new()
        .route("/", post(serve.clone()))
        .route("/{*path}", post(serve))
}

async fn handle<F, Fut>(secret: &[u8], function: F, headers: &HeaderMap, body: &[u8]) -> Response
where
    F: Fn(Event) -> Fut,
    Fut: Future<Output = Result<Event, TriggerError>>,
{
    let header = headers
        .get(SIGNATURE_HEADER)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    if let Err(e) = verify(secret, header, body, now(), DEFAULT_TOLERANCE_SECS) {
        return (StatusCode::UNAUTHORIZED, e.to_string()).into_response();
    }
    let event: Event = match serde_json::from_slice(body) {
        Ok(e) => e,
        Err(e) => {
            return (StatusCode::BAD_REQUEST, format!("not a trigger event: {e}")).into_response();
        }
    };
    match function(event).await {
        Ok(event) => axum::Json(event).into_response(),
        Err(TriggerError(message)) => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "errorType": "Error", "errorMessage": message })),
        )
            .into_response(),
    }
}
