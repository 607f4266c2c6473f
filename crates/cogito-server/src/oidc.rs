//! OIDC metadata per pool: `/{poolId}/.well-known/jwks.json` (from the cached parsed keys) and
//! `/{poolId}/.well-known/openid-configuration`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::AppState;

fn not_found(pool_id: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "message": format!("User pool {pool_id} does not exist.") })),
    )
        .into_response()
}

/// The pool's JWKS.
pub async fn jwks(State(state): State<AppState>, Path(pool_id): Path<String>) -> Response {
    match state.core.keys.keys(&pool_id).await {
        Ok(keys) if state.core.pool(&pool_id).await.is_ok() => {
            Json(keys.jwks.clone()).into_response()
        }
        _ => not_found(&pool_id),
    }
}

/// The pool's discovery document.
pub async fn discovery(State(state): State<AppState>, Path(pool_id): Path<String>) -> Response {
    if state.core.pool(&pool_id).await.is_err() {
        return not_found(&pool_id);
    }
    let issuer = state.core.issuer(&pool_id);
    Json(json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "token"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "claims_supported": ["aud", "auth_time", "cognito:username", "email", "email_verified", "exp", "iat", "iss", "phone_number", "phone_number_verified", "sub", "token_use"],
    }))
    .into_response()
}
