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

/// The pool's discovery document (reference §4.2). The issuer comes from configuration, never
/// from the request's `Host` (security bar SEC-32). When the pool has a domain, the OAuth
/// endpoints point at it; `code_challenge_methods_supported` says only S256 is accepted (SEC-14).
pub async fn discovery(State(state): State<AppState>, Path(pool_id): Path<String>) -> Response {
    if state.core.pool(&pool_id).await.is_err() {
        return not_found(&pool_id);
    }
    let issuer = state.core.issuer(&pool_id);
    let mut doc = json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "token"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["aud", "auth_time", "cognito:username", "email", "email_verified", "exp", "iat", "iss", "phone_number", "phone_number_verified", "sub", "token_use"],
    });
    match state.core.domain_of_pool(&pool_id).await {
        Ok(Some(domain)) => {
            let base = state.config.domain_urls.base(&domain);
            for (member, path) in [
                ("authorization_endpoint", "/oauth2/authorize"),
                ("token_endpoint", "/oauth2/token"),
                ("userinfo_endpoint", "/oauth2/userInfo"),
                ("revocation_endpoint", "/oauth2/revoke"),
                ("end_session_endpoint", "/logout"),
            ] {
                doc[member] = json!(format!("{base}{path}"));
            }
        }
        Ok(None) => {}
        Err(e) => {
            tracing::error!(error = %e, "domain lookup for discovery failed");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [("retry-after", "5")],
                "Temporarily unavailable",
            )
                .into_response();
        }
    }
    Json(doc).into_response()
}
