//! Which requests count against the rate limits ([`cogito_core::service::rate_limits`]), and
//! the answer over a limit in each front door's shape: `TooManyRequestsException` on the JSON
//! API, HTTP 429 with `Retry-After` on the OAuth endpoints (a JSON `temporarily_unavailable`)
//! and the hosted pages (an HTML page).
//!
//! Admin operations come from the application's back end, one address for all its users, so
//! they count per subject only; public operations count per client address and per subject.

use std::net::IpAddr;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cogito_core::CoreError;
use cogito_core::service::oauth::OAuthError;
use cogito_core::service::rate_limits::{Admission, RateClass};
use serde_json::Value;

use crate::AppState;
use crate::error::ApiError;
use crate::listen::Peer;

/// The client address of a request that came through the listener.
pub fn source_of(
    state: &AppState,
    req_peer: Option<Peer>,
    headers: &axum::http::HeaderMap,
) -> Option<IpAddr> {
    crate::client_addr::client_ip(req_peer, headers, &state.config.trusted_proxies)
}

/// Counts a JSON API request of a limited operation; `TooManyRequestsException` over a limit.
pub async fn admit_api(
    state: &AppState,
    op_name: &str,
    input: &Value,
    source: Option<IpAddr>,
) -> Result<(), ApiError> {
    let (class, admin) = match op_name {
        "InitiateAuth" | "RespondToAuthChallenge" => (RateClass::SignIn, false),
        "AdminInitiateAuth" | "AdminRespondToAuthChallenge" => (RateClass::SignIn, true),
        "SignUp" => (RateClass::SignUp, false),
        "ResendConfirmationCode" | "ForgotPassword" | "GetUserAttributeVerificationCode" => {
            (RateClass::CodeSend, false)
        }
        _ => return Ok(()),
    };
    let text = |pointer: &str| input.pointer(pointer).and_then(Value::as_str);
    let subject = text("/AuthParameters/USERNAME")
        .or_else(|| text("/ChallengeResponses/USERNAME"))
        .or_else(|| text("/Username"));
    // The pool the request is counted in: the admin input names it, a public one names its
    // client (an unknown client fails the operation itself; it is counted in no pool).
    let pool = match (text("/UserPoolId"), text("/ClientId")) {
        (Some(pool), _) if admin => pool.to_owned(),
        (_, Some(client)) => match state.core.client(client).await {
            Ok(c) => c.pool_id,
            // Storage trouble fails the request now rather than after a second wait.
            Err(CoreError::ResourceNotFound(_)) => String::new(),
            Err(e) => return Err(ApiError::from(e)),
        },
        _ => String::new(),
    };
    let admission = Admission {
        class,
        scope: &pool,
        source: if admin { None } else { source },
        subject,
    };
    state.core.admit(admission).await.map_err(ApiError::from)
}

/// Middleware of the domain routes: counts each page and OAuth endpoint request per client
/// address (hosted pages, and the token and revocation endpoints), answering 429 over a limit.
pub async fn limit_domain(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let oauth = ["/oauth2/token", "/oauth2/revoke"]
        .iter()
        .any(|p| path.ends_with(p));
    let class = if oauth {
        RateClass::Token
    } else {
        RateClass::HostedPage
    };
    let domain = path
        .strip_prefix("/domain/")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default()
        .to_owned();
    let peer = req.extensions().get::<Peer>().copied();
    let source = source_of(&state, peer, req.headers());
    let admission = Admission {
        class,
        scope: &domain,
        source,
        subject: None,
    };
    match state.core.admit(admission).await {
        Ok(()) => next.run(req).await,
        Err(e) => over_limit(&e, oauth),
    }
}

/// The answer of an OAuth endpoint or page over a limit (or whose counting failed).
pub fn over_limit(e: &CoreError, oauth_json: bool) -> Response {
    let (status, error, text) = match e {
        CoreError::TooManyRequests(m) => (
            StatusCode::TOO_MANY_REQUESTS,
            "temporarily_unavailable",
            m.clone(),
        ),
        other => {
            tracing::error!(cause = %other, "rate limit not counted");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "server_error",
                "Temporarily unavailable".to_owned(),
            )
        }
    };
    let mut resp = if oauth_json {
        crate::oauth2::error::oauth_error(
            &OAuthError {
                error,
                description: text,
                status: status.as_u16(),
            },
            false,
        )
    } else {
        crate::hosted_ui::plain_error_page(status, &text)
    };
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    resp.into_response()
}
