//! axum integration: the [`Authenticated`] extractor and the [`VerifyLayer`] middleware.
//!
//! Both read `Authorization: Bearer <token>` and answer failures the RFC 6750 way:
//!
//! * no token: `401` with `WWW-Authenticate: Bearer`;
//! * an invalid token: `401` with
//!   `WWW-Authenticate: Bearer error="invalid_token", error_description="..."`;
//! * a valid token lacking a required group or scope: `403` with
//!   `WWW-Authenticate: Bearer error="insufficient_scope", error_description="..."`;
//! * the JWKS cannot be fetched: `503`.
//!
//! ```no_run
//! use axum::{Router, routing::get, extract::FromRef};
//! use cogito_verify::{Verifier, axum::Authenticated};
//!
//! #[derive(Clone)]
//! struct AppState { verifier: Verifier }
//!
//! impl FromRef<AppState> for Verifier {
//!     fn from_ref(s: &AppState) -> Verifier { s.verifier.clone() }
//! }
//!
//! async fn me(Authenticated(claims): Authenticated) -> String {
//!     format!("hello {}", claims.username)
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let verifier = Verifier::builder("https://auth.example.com/us-east-1_AbC123xyz")
//!     .client_ids(["7c2h1ftmi1jetkbnr5nj5m8a4"])
//!     .build()?;
//! let app: Router = Router::new().route("/me", get(me)).with_state(AppState { verifier });
//! # let _ = app; Ok(()) }
//! ```
//!
//! With the layer, handlers read the claims from the request extensions:
//!
//! ```no_run
//! use axum::{Extension, Router, routing::get};
//! use cogito_verify::{Claims, Verifier, axum::VerifyLayer};
//!
//! # fn run(verifier: Verifier) {
//! let app: Router = Router::new()
//!     .route("/admin", get(|Extension(c): Extension<Claims>| async move { c.sub }))
//!     .layer(VerifyLayer::new(verifier));
//! # let _ = app; }
//! ```

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use ::axum::body::Body;
use ::axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use ::axum::http::request::Parts;
use ::axum::http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header};
use ::axum::response::IntoResponse;

use crate::{Claims, Verifier, VerifyError};

/// The verified claims of the request's bearer token.
///
/// An extractor for any state `S` from which a [`Verifier`] can be taken
/// ([`FromRef`]). When a [`VerifyLayer`] already verified the request, its claims are reused.
/// As `Option<Authenticated>` it yields `None` when the request has no bearer token (an invalid
/// token is still rejected).
#[derive(Debug, Clone)]
pub struct Authenticated(pub Claims);

/// Why [`Authenticated`] or [`VerifyLayer`] refused a request; answers 401, 403 or 503.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthRejection {
    /// No `Authorization: Bearer` header.
    MissingToken,
    /// The token was refused.
    Invalid(VerifyError),
}

impl std::fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::MissingToken => f.write_str("missing bearer token"),
            Self::Invalid(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for AuthRejection {}

impl From<VerifyError> for AuthRejection {
    fn from(e: VerifyError) -> Self {
        Self::Invalid(e)
    }
}

/// An RFC 6750 `error_description`: printable ASCII without `"` and `\`.
fn description(e: &VerifyError) -> String {
    e.to_string()
        .chars()
        .filter(|c| matches!(c, ' '..='~') && *c != '"' && *c != '\\')
        .take(200)
        .collect()
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> ::axum::response::Response {
        let (status, challenge) = match &self {
            Self::MissingToken => (StatusCode::UNAUTHORIZED, "Bearer".to_owned()),
            Self::Invalid(VerifyError::Jwks(_)) => {
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "token keys are unavailable",
                )
                    .into_response();
            }
            Self::Invalid(e) if e.is_insufficient() => (
                StatusCode::FORBIDDEN,
                format!(
                    "Bearer error=\"insufficient_scope\", error_description=\"{}\"",
                    description(e)
                ),
            ),
            Self::Invalid(e) => (
                StatusCode::UNAUTHORIZED,
                format!(
                    "Bearer error=\"invalid_token\", error_description=\"{}\"",
                    description(e)
                ),
            ),
        };
        let mut resp = (status, self.to_string()).into_response();
        if let Ok(v) = HeaderValue::from_str(&challenge) {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        resp
    }
}

/// The bearer token of a request: `None` without an `Authorization: Bearer` header.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    (!token.is_empty()).then_some(token)
}

impl<S> FromRequestParts<S> for Authenticated
where
    Verifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(c) = parts.extensions.get::<Claims>() {
            return Ok(Self(c.clone()));
        }
        let token = bearer_token(&parts.headers).ok_or(AuthRejection::MissingToken)?;
        let verifier = Verifier::from_ref(state);
        Ok(Self(verifier.verify(token).await?))
    }
}

impl<S> OptionalFromRequestParts<S> for Authenticated
where
    Verifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        if parts.extensions.get::<Claims>().is_none() && bearer_token(&parts.headers).is_none() {
            return Ok(None);
        }
        <Self as FromRequestParts<S>>::from_request_parts(parts, state)
            .await
            .map(Some)
    }
}

/// A tower [`Layer`](tower::Layer) that verifies every request's bearer token with a
/// [`Verifier`], inserts the [`Claims`] into the request extensions and calls the inner
/// service, or answers 401/403/503 (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct VerifyLayer {
    verifier: Verifier,
}

impl VerifyLayer {
    /// A layer verifying with `verifier` (its `token_use`, clients, groups and scopes).
    pub fn new(verifier: Verifier) -> Self {
        Self { verifier }
    }
}

impl<S> tower::Layer<S> for VerifyLayer {
    type Service = VerifyService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        VerifyService {
            inner,
            verifier: self.verifier.clone(),
        }
    }
}

/// The service made by [`VerifyLayer`].
#[derive(Debug, Clone)]
pub struct VerifyService<S> {
    inner: S,
    verifier: Verifier,
}

impl<S, B> tower::Service<Request<B>> for VerifyService<S>
where
    S: tower::Service<Request<B>, Response = Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        // The clone is not ready; the ready one serves this request (tower's usual swap).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let verifier = self.verifier.clone();
        Box::pin(async move {
            let result = match bearer_token(req.headers()) {
                None => Err(AuthRejection::MissingToken),
                Some(token) => verifier.verify(token).await.map_err(AuthRejection::from),
            };
            match result {
                Ok(claims) => {
                    req.extensions_mut().insert(claims);
                    inner.call(req).await
                }
                Err(r) => Ok(r.into_response()),
            }
        })
    }
}
