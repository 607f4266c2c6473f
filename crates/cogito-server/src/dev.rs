//! Dev-only HTTP access to the outbox (`GET /_dev/outbox?pool=&username=`), so a developer can
//! read the codes they were sent. The route does not exist without `--dev`.

use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use cogito_core::store::OutboxQuery;
use serde::Deserialize;

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
        Ok(m) => Json(m).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}
