//! The request deadline: no request waits on storage longer than [`REQUEST_DEADLINE`]. Every
//! database wait has its own limit (the PostgreSQL pool's acquire timeout, its
//! `statement_timeout`, SQLite's busy timeout), but none bounds a database server that stops
//! answering on an open connection (frozen, or its host gone without a reset): without a
//! deadline such a request would hang until TCP gives up, many minutes later.
//!
//! The Cognito JSON API applies it itself, to answer `InternalErrorException`; [`bounded`]
//! applies it to the other routes that read the store (OAuth 2.0 endpoints, hosted pages, JWKS
//! and discovery) and answers each in its own shape: an OAuth JSON `server_error` (503 with
//! `Retry-After`, as for any storage failure there), a plain 503 for the metadata documents, an
//! HTML error page for the hosted pages.

use std::time::Duration;

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cogito_core::service::oauth::OAuthError;

/// The longest a request may take: the PostgreSQL pool's acquire timeout (3 s) plus its
/// `statement_timeout` (5 s), the most a well-behaved request spends waiting for the database
/// (SQLite's busy timeout, 5 s, fits too).
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(8);

/// What a client is told when the deadline passes.
const UNAVAILABLE: &str = "Temporarily unavailable";

tokio::task_local! {
    /// When the request being handled runs out of time.
    static ENDS_AT: tokio::time::Instant;
}

/// Runs `work` under `deadline`: `None` when it passed first. Work inside can ask how much
/// time is left ([`time_left`]) and stop in good order before it runs out.
pub async fn run_within<F: std::future::Future>(deadline: Duration, work: F) -> Option<F::Output> {
    let ends_at = tokio::time::Instant::now() + deadline;
    ENDS_AT
        .scope(ends_at, tokio::time::timeout_at(ends_at, work))
        .await
        .ok()
}

/// The time the request being handled has left, if it runs under a deadline.
pub fn time_left() -> Option<Duration> {
    ENDS_AT
        .try_with(|end| end.saturating_duration_since(tokio::time::Instant::now()))
        .ok()
}

/// Middleware: [`REQUEST_DEADLINE`] on the routes it wraps.
pub async fn bounded(req: Request, next: Next) -> Response {
    within(REQUEST_DEADLINE, req, next).await
}

/// Runs the request for at most `deadline`. Dropping it mid-way rolls back its uncommitted
/// transaction; a commit already sent may still land, as with any answer lost in transit.
pub async fn within(deadline: Duration, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    match run_within(deadline, next.run(req)).await {
        Some(resp) => resp,
        None => {
            tracing::error!(
                path,
                ?deadline,
                "request did not finish within its deadline"
            );
            unavailable(&path, "5")
        }
    }
}

/// The answer of a request that is not served now (past its deadline, or shed under
/// overload), in the shape its route answers errors, with `Retry-After: retry_after`.
pub fn unavailable(path: &str, retry_after: &'static str) -> Response {
    let oauth_json = ["/oauth2/token", "/oauth2/revoke", "/oauth2/userInfo"]
        .iter()
        .any(|p| path.ends_with(p));
    let mut resp = if oauth_json {
        crate::oauth2::error::oauth_error(
            &OAuthError {
                error: "server_error",
                description: UNAVAILABLE.into(),
                status: 503,
            },
            false,
        )
    } else if path.contains("/.well-known/") {
        (StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE).into_response()
    } else {
        crate::hosted_ui::plain_error_page(StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE)
    };
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static(retry_after));
    resp
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::{Body, to_bytes};
    use axum::routing::{get, post};
    use tower::ServiceExt;

    use super::*;

    async fn slow() -> &'static str {
        tokio::time::sleep(Duration::from_secs(5)).await;
        "late"
    }

    fn app() -> Router {
        Router::new()
            .route("/domain/d/oauth2/token", post(slow))
            .route("/domain/d/login", get(slow))
            .route("/p/.well-known/jwks.json", get(slow))
            .route("/domain/d/fast", get(|| async { "fast" }))
            .layer(axum::middleware::from_fn(|req, next| {
                within(Duration::from_millis(50), req, next)
            }))
    }

    async fn call(
        method: &str,
        path: &str,
    ) -> (StatusCode, Option<String>, Option<String>, String) {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap();
        let resp = app().oneshot(req).await.unwrap();
        let status = resp.status();
        let header = |h: header::HeaderName| {
            resp.headers()
                .get(h)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let (ct, retry) = (header(header::CONTENT_TYPE), header(header::RETRY_AFTER));
        let body = to_bytes(resp.into_body(), 1 << 20).await.unwrap();
        (status, ct, retry, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn a_slow_token_request_is_an_oauth_server_error() {
        let (status, ct, retry, body) = call("POST", "/domain/d/oauth2/token").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(ct.as_deref(), Some(crate::oauth2::error::JSON));
        assert_eq!(retry.as_deref(), Some("5"));
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"], "server_error");
    }

    #[tokio::test]
    async fn a_slow_page_is_an_html_error_page() {
        let (status, ct, retry, body) = call("GET", "/domain/d/login").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(ct.unwrap().starts_with("text/html"));
        assert_eq!(retry.as_deref(), Some("5"));
        assert!(body.contains(UNAVAILABLE), "{body}");
    }

    #[tokio::test]
    async fn a_slow_metadata_document_is_a_plain_503() {
        let (status, _, retry, body) = call("GET", "/p/.well-known/jwks.json").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(retry.as_deref(), Some("5"));
        assert_eq!(body, UNAVAILABLE);
    }

    #[tokio::test]
    async fn a_request_within_the_deadline_is_untouched() {
        let (status, _, retry, body) = call("GET", "/domain/d/fast").await;
        assert_eq!(
            (status, retry, body.as_str()),
            (StatusCode::OK, None, "fast")
        );
    }
}
