//! The hosted login pages of a pool domain: sign-in, sign-up, confirmation, password reset,
//! new password, error page (reference §4.4). Being built.

use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::AppState;
use crate::domain::DomainCtx;

/// The hosted-UI routes (relative to the domain root).
pub fn routes() -> Router<AppState> {
    Router::new()
}

/// An error page (never a redirect). Placeholder rendering until the templates land.
pub fn error_page(
    _state: &AppState,
    _ctx: Option<&DomainCtx>,
    status: StatusCode,
    message: &str,
) -> Response {
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    let mut resp = (
        status,
        Html(format!(
            "<!doctype html><title>Error</title><p>{escaped}</p>"
        )),
    )
        .into_response();
    let h = resp.headers_mut();
    h.insert(
        "cache-control",
        axum::http::HeaderValue::from_static("no-store"),
    );
    h.insert(
        "content-security-policy",
        axum::http::HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
    );
    resp
}
