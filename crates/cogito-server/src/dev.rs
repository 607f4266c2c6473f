//! Dev-only HTTP access to the outbox (`GET /_dev/outbox?pool=&username=`), so a developer can
//! read the codes they were sent. The route does not exist without `--dev`.

use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use cogito_core::model::OutboxMessage;
use cogito_core::store::OutboxQuery;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiError;

/// Query parameters.
#[derive(Debug, Deserialize)]
pub struct OutboxParams {
    pool: Option<String>,
    username: Option<String>,
    limit: Option<u32>,
}

/// Lists outbox messages, newest first.
pub async fn outbox(State(state): State<AppState>, Query(p): Query<OutboxParams>) -> Response {
    let q = OutboxQuery {
        pool_id: p.pool,
        username: p.username,
        limit: p.limit.unwrap_or(50),
    };
    match state.core.outbox(&q).await {
        Ok(m) => Json(m.iter().map(message_json).collect::<Vec<_>>()).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// One outbox message as `/_dev/outbox` and `cogito outbox` show it.
pub fn message_json(m: &OutboxMessage) -> Value {
    json!({
        "id": m.id,
        "pool_id": m.pool_id,
        "username": m.username,
        "medium": m.medium.as_str(),
        "destination": m.destination,
        "subject": m.subject,
        "body": m.body,
        "code": m.code,
        "purpose": m.purpose,
        "created_ms": m.created_ms,
        "delivery": m.delivery.state.as_str(),
        "attempts": m.delivery.attempts,
        "last_error": m.delivery.last_error,
    })
}
