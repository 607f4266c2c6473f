//! `POST /oauth2/revoke` (reference §4.8, RFC 7009, security bar SEC-21): a form body with
//! `token` and the same client authentication as the token endpoint. `200` with an empty body
//! on success and for unknown tokens (no validity oracle); `400 invalid_request` without a token
//! or when revocation is disabled for the client; `400 unsupported_token_type` for a JWT;
//! `401 invalid_client`; a storage failure is a 5xx, never a 200.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::error::{invalid_request, no_store, oauth_error};
use super::token::authenticated_form;
use crate::AppState;
use crate::domain::DomainCtx;

/// `POST /oauth2/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    ctx: DomainCtx,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = match authenticated_form(&headers, query.as_deref(), &body) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let Some(token) = form.params.get("token").filter(|t| !t.is_empty()) else {
        return oauth_error(&invalid_request("token is required"), form.basic);
    };
    match state
        .core
        .oauth_revoke(&ctx.pool.id, &form.auth, &token)
        .await
    {
        Ok(()) => {
            let mut resp = StatusCode::OK.into_response();
            no_store(resp.headers_mut());
            resp
        }
        Err(e) => oauth_error(&e, form.basic),
    }
}
