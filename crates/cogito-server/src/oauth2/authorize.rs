//! `GET`/`POST /oauth2/authorize` (reference §4.3, security bar SEC-01–08): an untrusted client
//! or redirect URI gets an error page and never a redirect; other request errors go back to the
//! client; a live hosted-UI session (not overridden by `prompt=login` or an exceeded `max_age`)
//! answers at once with a code or tokens; `prompt=none` without one answers `login_required`;
//! everything else is sent to `/login` with the same parameters.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use cogito_core::service::Cogito;
use cogito_core::service::oauth::{AuthorizeError, AuthorizeRequest};

use super::error::redirect;
use super::params::{self, Params};
use crate::AppState;
use crate::domain::DomainCtx;
use crate::hosted_ui::error_page;
use crate::session_cookie;

/// `GET /oauth2/authorize`.
pub async fn authorize_get(
    State(state): State<AppState>,
    ctx: DomainCtx,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    authorize(&state, &ctx, &headers, query.unwrap_or_default()).await
}

/// `POST /oauth2/authorize` with a form body (OIDC Core §3.1.2.1).
pub async fn authorize_post(
    State(state): State<AppState>,
    ctx: DomainCtx,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    let text = match (is_form, std::str::from_utf8(&body)) {
        (true, Ok(t)) if !t.is_empty() => t.to_string(),
        _ => query.unwrap_or_default(),
    };
    authorize(&state, &ctx, &headers, text).await
}

/// Validates the request and answers it.
async fn authorize(
    state: &AppState,
    ctx: &DomainCtx,
    headers: &HeaderMap,
    query: String,
) -> Response {
    let p = params::authorize_params(&query);
    let req = match state.core.validate_authorize(&ctx.pool.id, &p).await {
        Ok(r) => r,
        Err(AuthorizeError::Page(message)) => {
            return error_page(state, Some(ctx), StatusCode::BAD_REQUEST, &message);
        }
        Err(AuthorizeError::Redirect(url)) => return redirect(&url),
        Err(AuthorizeError::Unavailable) => return crate::deadline::unavailable("", "1"),
    };
    // Request objects are not supported; ignoring one silently would be wrong (OIDC Core §6).
    let raw = Params::parse(&query);
    for (name, error) in [
        ("request", "request_not_supported"),
        ("request_uri", "request_uri_not_supported"),
    ] {
        if raw.values.contains_key(name) {
            return redirect(&Cogito::authorize_error(
                &req,
                error,
                "request objects are not supported",
            ));
        }
    }
    if let Some((session, user)) = usable_session(state, ctx, headers, &req).await {
        return match state
            .core
            .complete_authorize(&req, &user, session.auth_time)
            .await
        {
            Ok(url) => redirect(&url),
            Err(e) => {
                tracing::error!(error = %e, "authorization could not be completed");
                redirect(&Cogito::authorize_error(
                    &req,
                    "server_error",
                    "the authorization could not be completed",
                ))
            }
        };
    }
    if req.prompt.as_deref() == Some("none") {
        return redirect(&Cogito::authorize_error(
            &req,
            "login_required",
            "the user is not signed in",
        ));
    }
    redirect(&format!("{}/login?{query}", ctx.base_url))
}

/// The hosted-UI session that may answer this request without asking for credentials.
async fn usable_session(
    state: &AppState,
    ctx: &DomainCtx,
    headers: &HeaderMap,
    req: &AuthorizeRequest,
) -> Option<(cogito_core::model::HostedSession, cogito_core::model::User)> {
    if req.prompt.as_deref() == Some("login") {
        return None;
    }
    let (session, user) = session_cookie::current(state, ctx, headers).await?;
    let age = state.core.clock.now_secs() - session.auth_time;
    if req.max_age.is_some_and(|max| age > max) {
        return None;
    }
    Some((session, user))
}
