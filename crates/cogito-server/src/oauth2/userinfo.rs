//! `GET`/`POST /oauth2/userInfo` (reference §4.7): the claims an OAuth access token with
//! `openid` releases (reference §3.7). The token comes as `Authorization: Bearer` (scheme
//! matched case-insensitively) or, on POST, as the `access_token` form field (RFC 6750 §2.2).
//! A missing or malformed request is `400 invalid_request`; a token that does not verify,
//! expired, was revoked, lacks `openid` or belongs to another pool is `401 invalid_token`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use cogito_core::CoreError;

use super::error::{bearer_error, json_response};
use super::params::Params;
use crate::AppState;
use crate::domain::DomainCtx;

const BAD_REQUEST: &str = "Bad OAuth2 request at UserInfo Endpoint";
const BAD_TOKEN: &str =
    "Access token is expired, disabled, or deleted, or the user has globally signed out.";

/// The bearer token of the `Authorization` header: `None` without a header, `Some(None)` when
/// the header is not a usable Bearer credential.
fn bearer(headers: &HeaderMap) -> Option<Option<String>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let token = value.to_str().ok().and_then(|v| {
        let (scheme, token) = v.trim().split_once(' ')?;
        let token = token.trim();
        (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_string())
    });
    Some(token)
}

/// `GET /oauth2/userInfo`.
pub async fn userinfo_get(
    State(state): State<AppState>,
    ctx: DomainCtx,
    headers: HeaderMap,
) -> Response {
    match bearer(&headers) {
        Some(Some(token)) => answer(&state, &ctx, &token).await,
        _ => bearer_error(StatusCode::BAD_REQUEST, "invalid_request", BAD_REQUEST),
    }
}

/// `POST /oauth2/userInfo`.
pub async fn userinfo_post(
    State(state): State<AppState>,
    ctx: DomainCtx,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = std::str::from_utf8(&body)
        .map(Params::parse)
        .unwrap_or_default();
    let in_body = form.get("access_token").filter(|t| !t.is_empty());
    let token = match (bearer(&headers), in_body) {
        (Some(Some(t)), None) | (None, Some(t)) if form.repeated.is_empty() => t,
        _ => return bearer_error(StatusCode::BAD_REQUEST, "invalid_request", BAD_REQUEST),
    };
    answer(&state, &ctx, &token).await
}

async fn answer(state: &AppState, ctx: &DomainCtx, token: &str) -> Response {
    match state.core.user_info(&ctx.pool.id, token).await {
        Ok(claims) => json_response(StatusCode::OK, &claims),
        Err(CoreError::Internal(cause)) => {
            tracing::error!(cause = %cause, "userInfo failed");
            let mut r = bearer_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "server_error",
                "Temporarily unavailable",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
            r.headers_mut().remove(header::WWW_AUTHENTICATE);
            r
        }
        Err(_) => bearer_error(StatusCode::UNAUTHORIZED, "invalid_token", BAD_TOKEN),
    }
}
