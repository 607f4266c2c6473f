//! Load shedding (security bar REL-04): at most [`InFlight::max`] requests are worked on at
//! once; a request that cannot start within [`InFlight::queue_wait`] is answered at once
//! instead of joining a backlog that would make every request late. The JSON API answers
//! `TooManyRequestsException` (as Cognito does when it throttles), the OAuth endpoints, hosted
//! pages and metadata documents 503 with `Retry-After: 1`, each in its own error shape.
//!
//! This bounds the work of one instance, which is why it is kept in memory: what must hold
//! across instances (rate limits per client and user) is counted in the store
//! ([`crate::rate`]). Password hashing has its own bound ([`cogito_core::password`]).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::error::ApiError;

/// How many requests one instance works on at once, and how long one may wait to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InFlight {
    /// Requests worked on at once.
    pub max: usize,
    /// The longest a request waits for one of them to finish before it is refused.
    pub queue_wait: Duration,
}

impl Default for InFlight {
    fn default() -> Self {
        Self {
            max: 64,
            queue_wait: Duration::from_millis(20),
        }
    }
}

/// The middleware's state: the permits of the requests in flight.
#[derive(Debug, Clone)]
pub struct Shedder {
    permits: Arc<Semaphore>,
    queue_wait: Duration,
}

impl Shedder {
    /// A shedder admitting `limits.max` requests at once.
    pub fn new(limits: InFlight) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(limits.max.max(1))),
            queue_wait: limits.queue_wait,
        }
    }

    /// Middleware: runs the request once it holds a permit, or refuses it. The health check is
    /// never refused (an orchestrator must not restart a busy instance).
    pub async fn run(self, req: Request, next: Next) -> Response {
        if req.uri().path() == "/health" {
            return next.run(req).await;
        }
        let permit = match self.permits.clone().try_acquire_owned() {
            Ok(p) => Some(p),
            Err(_) => tokio::time::timeout(self.queue_wait, self.permits.clone().acquire_owned())
                .await
                .ok()
                .and_then(Result::ok),
        };
        match permit {
            Some(_permit) => next.run(req).await,
            None => refused(req.method(), req.uri().path()),
        }
    }
}

/// The answer of a refused request in its route's error shape.
fn refused(method: &Method, path: &str) -> Response {
    tracing::debug!(path, "request refused: too many in flight");
    if path == "/" && method == Method::POST {
        ApiError {
            type_name: "TooManyRequestsException".into(),
            message: "Too many requests".into(),
            status: 400,
        }
        .into_response()
    } else {
        crate::deadline::unavailable(path, "1")
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::{Body, to_bytes};
    use axum::routing::{get, post};
    use tower::ServiceExt;

    use super::*;

    fn app(limits: InFlight, gate: Arc<tokio::sync::Notify>) -> Router {
        let shedder = Shedder::new(limits);
        let wait = move || {
            let gate = gate.clone();
            async move {
                gate.notified().await;
                "done"
            }
        };
        Router::new()
            .route("/", post(wait.clone()))
            .route("/domain/d/oauth2/token", post(wait.clone()))
            .route("/domain/d/login", get(wait))
            .route("/health", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn(move |req, next| {
                shedder.clone().run(req, next)
            }))
    }

    async fn call(app: &Router, method: &str, path: &str) -> (u16, String, Option<String>) {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap();
        let resp = app.clone().oneshot(req).await.unwrap();
        let status = resp.status().as_u16();
        let retry = resp
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = to_bytes(resp.into_body(), 1 << 20).await.unwrap();
        (status, String::from_utf8_lossy(&body).into_owned(), retry)
    }

    #[tokio::test]
    async fn rel_04_requests_beyond_the_in_flight_bound_are_refused_at_once_in_their_shape() {
        let gate = Arc::new(tokio::sync::Notify::new());
        let limits = InFlight {
            max: 2,
            queue_wait: Duration::from_millis(20),
        };
        let app = app(limits, gate.clone());
        // Two requests hold the permits.
        let held: Vec<_> = (0..2)
            .map(|_| {
                let app = app.clone();
                tokio::spawn(async move { call(&app, "POST", "/").await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = std::time::Instant::now();
        let (status, body, _) = call(&app, "POST", "/").await;
        assert_eq!(status, 400);
        assert!(body.contains("TooManyRequestsException"), "{body}");
        let (status, body, retry) = call(&app, "POST", "/domain/d/oauth2/token").await;
        assert_eq!((status, retry.as_deref()), (503, Some("1")));
        assert!(body.contains("\"error\""), "{body}");
        let (status, body, retry) = call(&app, "GET", "/domain/d/login").await;
        assert_eq!((status, retry.as_deref()), (503, Some("1")));
        assert!(body.contains("<html") || body.contains("<!"), "{body}");
        assert!(started.elapsed() < Duration::from_millis(500));
        // The health check is never refused.
        assert_eq!(call(&app, "GET", "/health").await.0, 200);
        // Once the held requests finish, requests are served again.
        gate.notify_waiters();
        for h in held {
            assert_eq!(h.await.unwrap().0, 200);
        }
        let next = {
            let app = app.clone();
            tokio::spawn(async move { call(&app, "POST", "/").await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        gate.notify_waiters();
        assert_eq!(next.await.unwrap().0, 200);
    }
}
