//! Load shedding (security bar REL-04): an instance works on a bounded number of requests at
//! once, in two classes — requests that hash a password or run SRP (sign-in, sign-up, password
//! changes and the hosted pages' forms) and all others — so that a flood of one class never
//! takes the other's places: a burst of password guesses does not stall token refreshes. A
//! request that cannot start within [`InFlight::queue_wait`] is answered at once instead of
//! joining a backlog that would make every request late — unless the class has refused nothing
//! for [`CALM`]: then a request may wait up to [`InFlight::burst_wait`], so that a moment's stall
//! (a slow `fsync`, a checkpoint) under ordinary load delays a few requests instead of refusing
//! them, while under sustained overload, where refusals keep coming, every refusal is quick (the
//! idea of CoDel: a queue that drains is good, a standing one is not). The JSON API answers
//! `TooManyRequestsException` (as Cognito does when it throttles), the OAuth endpoints, hosted
//! pages and metadata documents 503 with `Retry-After: 1`, each in its own error shape.
//!
//! This bounds the work of one instance, which is why it is kept in memory: what must hold
//! across instances (rate limits per client and user) is counted in the store
//! ([`crate::rate`]). Password hashing has its own bound on queued work
//! ([`cogito_core::password`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::error::ApiError;

/// How many requests one instance works on at once, and how long one may wait to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InFlight {
    /// Requests of the light class worked on at once.
    pub light: usize,
    /// Requests that hash a password or run SRP worked on at once.
    pub heavy: usize,
    /// The longest a request waits for a place before it is refused, while its class has
    /// refused a request in the last [`CALM`].
    pub queue_wait: Duration,
    /// The longest a request waits for a place when its class has refused none for [`CALM`].
    pub burst_wait: Duration,
}

/// How long a class must refuse nothing before its requests may wait [`InFlight::burst_wait`].
pub const CALM: Duration = Duration::from_secs(1);

impl InFlight {
    /// Eight ordinary requests per core (and as many hashing ones): enough to keep the cores
    /// busy while some wait on the database, few enough that an accepted request is not queued
    /// behind hundreds. Instances that share a host each count their share of its cores: each
    /// admitting the whole host's worth multiplies the work accepted under overload, and the
    /// accepted requests' latency with it.
    pub fn for_cores(cores: usize) -> Self {
        Self::with_places(8 * cores.max(1))
    }

    /// `places` places for ordinary requests and as many for hashing ones.
    pub fn with_places(places: usize) -> Self {
        Self {
            light: places.max(1),
            heavy: places.max(1),
            queue_wait: Duration::from_millis(5),
            burst_wait: Duration::from_millis(50),
        }
    }
}

impl Default for InFlight {
    /// [`InFlight::for_cores`] of the cores the system grants the process.
    fn default() -> Self {
        Self::for_cores(crate::setup::available_cores())
    }
}

/// The class of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Hashes a password or runs SRP.
    Heavy,
    /// Anything else.
    Light,
}

/// The class of a JSON API operation with its input.
pub fn api_class(op_name: &str, input: &Value) -> Class {
    let flow = input
        .get("AuthFlow")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match op_name {
        "InitiateAuth" | "AdminInitiateAuth" if flow == "REFRESH_TOKEN_AUTH" => Class::Light,
        "InitiateAuth" | "AdminInitiateAuth" if flow == "REFRESH_TOKEN" => Class::Light,
        "InitiateAuth"
        | "AdminInitiateAuth"
        | "RespondToAuthChallenge"
        | "AdminRespondToAuthChallenge"
        | "SignUp"
        | "ChangePassword"
        | "ConfirmForgotPassword"
        | "AdminCreateUser"
        | "AdminSetUserPassword" => Class::Heavy,
        _ => Class::Light,
    }
}

/// The places of the requests in flight.
#[derive(Debug, Clone)]
pub struct Shedder {
    light: Places,
    heavy: Places,
    queue_wait: Duration,
    burst_wait: Duration,
    /// When the shedder was made: the origin of [`Places::last_refusal_ms`].
    epoch: Instant,
}

/// The places of one class, and when it last refused a request.
#[derive(Debug, Clone)]
struct Places {
    free: Arc<Semaphore>,
    /// Milliseconds from the shedder's epoch to the last refusal, plus one (0: none yet).
    last_refusal_ms: Arc<AtomicU64>,
}

impl Places {
    fn new(count: usize) -> Self {
        Self {
            free: Arc::new(Semaphore::new(count.max(1))),
            last_refusal_ms: Arc::new(AtomicU64::new(0)),
        }
    }
}

impl Shedder {
    /// A shedder with the places of `limits`.
    pub fn new(limits: InFlight) -> Self {
        Self {
            light: Places::new(limits.light),
            heavy: Places::new(limits.heavy),
            queue_wait: limits.queue_wait,
            burst_wait: limits.burst_wait.max(limits.queue_wait),
            epoch: Instant::now(),
        }
    }

    /// A place for a request of `class`, held until dropped; `None` when none came free in
    /// time (the request is then refused).
    pub async fn admit(&self, class: Class) -> Option<OwnedSemaphorePermit> {
        let places = match class {
            Class::Heavy => &self.heavy,
            Class::Light => &self.light,
        };
        if let Ok(p) = places.free.clone().try_acquire_owned() {
            return Some(p);
        }
        let since_epoch = |at: Instant| at.duration_since(self.epoch).as_millis() as u64 + 1;
        let last = places.last_refusal_ms.load(Ordering::Relaxed);
        let calm = last == 0 || since_epoch(Instant::now()) >= last + CALM.as_millis() as u64;
        let wait = if calm {
            self.burst_wait
        } else {
            self.queue_wait
        };
        let place = tokio::time::timeout(wait, places.free.clone().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok);
        if place.is_none() {
            places
                .last_refusal_ms
                .fetch_max(since_epoch(Instant::now()), Ordering::Relaxed);
        }
        place
    }

    /// Middleware for every route but the JSON API (which admits its requests itself, once it
    /// knows the operation), the health check (an orchestrator must not restart a busy
    /// instance) and CORS preflights (which do no work): form posts — the hosted pages', on a
    /// path or a host of their own, and the console's — are heavy, everything else light. A
    /// posted body is read whole before the request takes a place, so a client sending it
    /// slowly holds its connection (until the body timeout), never a place.
    pub async fn run(self, req: Request, next: Next) -> Response {
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        if path == "/health" || method == Method::OPTIONS || (path == "/" && method == Method::POST)
        {
            return next.run(req).await;
        }
        let req = if method == Method::POST {
            match read_body(req).await {
                Ok(req) => req,
                Err(status) => return unreadable(&path, status),
            }
        } else {
            req
        };
        let class = if method == Method::POST && !path.contains("/oauth2/") {
            Class::Heavy
        } else {
            Class::Light
        };
        match self.admit(class).await {
            Some(_place) => next.run(req).await,
            None => crate::deadline::unavailable(&path, "1"),
        }
    }
}

/// The largest body a form or token request posted outside the JSON API may have.
pub const MAX_POSTED_BYTES: usize = 1 << 20;

/// The request with its body read whole, or the status that refuses it: 413 past
/// [`MAX_POSTED_BYTES`], 400 when it did not arrive (in time, or at all).
async fn read_body(req: Request) -> Result<Request, StatusCode> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_POSTED_BYTES as u64) {
        return Err(StatusCode::PAYLOAD_TOO_LARGE);
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, MAX_POSTED_BYTES).await {
        Ok(bytes) => Ok(Request::from_parts(parts, Body::from(bytes))),
        Err(_) => Err(StatusCode::BAD_REQUEST),
    }
}

/// The answer to a posted body that could not be read, in the route's shape.
fn unreadable(path: &str, status: StatusCode) -> Response {
    let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "The request body is too large."
    } else {
        "The request body could not be read."
    };
    if path.contains("/oauth2/") {
        crate::oauth2::error::oauth_error(
            &cogito_core::service::oauth::OAuthError {
                error: "invalid_request",
                description: message.into(),
                status: status.as_u16(),
            },
            false,
        )
    } else {
        crate::hosted_ui::plain_error_page(status, message)
    }
}

/// The JSON API's answer when no place came free: `TooManyRequestsException`.
pub fn too_many() -> ApiError {
    tracing::debug!("request refused: too many in flight");
    ApiError {
        type_name: "TooManyRequestsException".into(),
        message: "Too many requests".into(),
        status: 400,
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::to_bytes;
    use axum::response::IntoResponse;
    use axum::routing::{get, post};
    use tower::ServiceExt;

    use super::*;

    fn app(limits: InFlight, gate: Arc<tokio::sync::Notify>) -> Router {
        let shedder = Shedder::new(limits);
        let api = shedder.clone();
        let wait = move || {
            let gate = gate.clone();
            async move {
                gate.notified().await;
                "done"
            }
        };
        let api_wait = wait.clone();
        let api_call = move || {
            let (api, api_wait) = (api.clone(), api_wait.clone());
            async move {
                match api.admit(Class::Light).await {
                    Some(_place) => api_wait().await.into_response(),
                    None => too_many().into_response(),
                }
            }
        };
        Router::new()
            .route("/", post(api_call))
            .route("/domain/d/oauth2/token", post(wait.clone()))
            .route("/domain/d/login", get(wait.clone()).post(wait))
            .route("/health", get(|| async { "ok" }))
            // Forms that read their body and answer at once, on a path and on a domain's host.
            .route("/domain/d/form", post(|body: String| async move { body }))
            .route("/login", post(|body: String| async move { body }))
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
    async fn rel_04_requests_beyond_their_class_bound_are_refused_at_once_in_their_shape() {
        let gate = Arc::new(tokio::sync::Notify::new());
        let limits = InFlight {
            light: 2,
            heavy: 1,
            queue_wait: Duration::from_millis(20),
            burst_wait: Duration::from_millis(20),
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
        // The heavy class has places of its own: a form post still runs (and holds the only
        // heavy place until the gate opens).
        let form = {
            let app = app.clone();
            tokio::spawn(async move { call(&app, "POST", "/domain/d/login").await })
        };
        assert!(started.elapsed() < Duration::from_millis(500));
        // The health check is never refused.
        assert_eq!(call(&app, "GET", "/health").await.0, 200);
        // Once the held requests finish, requests are served again.
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !form.is_finished(),
            "the form post was refused: {:?}",
            form.await
        );
        gate.notify_waiters();
        for h in held {
            assert_eq!(h.await.unwrap().0, 200);
        }
        assert_eq!(form.await.unwrap().0, 200);
        let next = {
            let app = app.clone();
            tokio::spawn(async move { call(&app, "POST", "/").await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        gate.notify_waiters();
        assert_eq!(next.await.unwrap().0, 200);
    }

    #[tokio::test]
    async fn rel_04_a_calm_class_rides_out_a_stall_and_a_refusing_one_refuses_at_once() {
        use std::time::Instant;
        let burst = Duration::from_millis(200);
        let shedder = Shedder::new(InFlight {
            light: 1,
            heavy: 1,
            queue_wait: Duration::from_millis(5),
            burst_wait: burst,
        });
        // Nothing refused yet: a request waits past `queue_wait` for a place that comes free.
        let held = shedder.admit(Class::Light).await.expect("a free place");
        let waiter = {
            let s = shedder.clone();
            tokio::spawn(async move { s.admit(Class::Light).await.is_some() })
        };
        tokio::time::sleep(Duration::from_millis(30)).await;
        drop(held);
        assert!(
            waiter.await.unwrap(),
            "refused during a 30 ms stall of a calm class"
        );
        // A stall past `burst_wait` is refused…
        let held = shedder.admit(Class::Light).await.expect("a free place");
        let started = Instant::now();
        assert!(shedder.admit(Class::Light).await.is_none());
        assert!(started.elapsed() >= burst);
        // …and while the class keeps refusing, refusals come at once.
        let started = Instant::now();
        assert!(shedder.admit(Class::Light).await.is_none());
        assert!(
            started.elapsed() < Duration::from_millis(150),
            "{:?}",
            started.elapsed()
        );
        // The other class is calm still.
        let heavy = shedder.admit(Class::Heavy).await.expect("a free place");
        let started = Instant::now();
        assert!(shedder.admit(Class::Heavy).await.is_none());
        assert!(started.elapsed() >= burst);
        // After a calm second the grace returns.
        tokio::time::sleep(CALM).await;
        let started = Instant::now();
        assert!(shedder.admit(Class::Light).await.is_none());
        assert!(started.elapsed() >= burst);
        drop((held, heavy));
    }

    /// The test app with one place in each class, and the gate its waiting routes wait on.
    fn one_place_each() -> (Router, Arc<tokio::sync::Notify>) {
        let gate = Arc::new(tokio::sync::Notify::new());
        let limits = InFlight {
            light: 1,
            heavy: 1,
            queue_wait: Duration::from_millis(20),
            burst_wait: Duration::from_millis(20),
        };
        (app(limits, gate.clone()), gate)
    }

    #[tokio::test]
    async fn rel_06_a_body_sent_slowly_holds_no_place() {
        let (app, _gate) = one_place_each();
        // A form post whose body never finishes arriving…
        let slow = {
            let app = app.clone();
            let chunks = futures::stream::pending::<Result<axum::body::Bytes, std::io::Error>>();
            let body = Body::from_stream(chunks);
            let req = Request::post("/domain/d/form").body(body).unwrap();
            tokio::spawn(async move { app.oneshot(req).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        // …does not take the only heavy place from the next one.
        let (status, body, _) = call(&app, "POST", "/domain/d/form").await;
        assert_eq!(status, 200, "{body}");
        assert!(!slow.is_finished());
        slow.abort();
    }

    #[tokio::test]
    async fn rel_04_forms_on_a_domain_host_are_heavy_and_preflights_are_never_refused() {
        let (app, gate) = one_place_each();
        let held = {
            let app = app.clone();
            tokio::spawn(async move { call(&app, "GET", "/domain/d/login").await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(call(&app, "GET", "/domain/d/login").await.0, 503);
        // The light place is taken; a form posted to a domain's own host is heavy.
        assert_eq!(call(&app, "POST", "/login").await.0, 200);
        // A preflight does no work and is not refused (this router has no OPTIONS route).
        assert_ne!(call(&app, "OPTIONS", "/domain/d/oauth2/token").await.0, 503);
        gate.notify_waiters();
        assert_eq!(held.await.unwrap().0, 200);
    }
}
