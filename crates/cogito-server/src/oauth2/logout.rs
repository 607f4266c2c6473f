//! `GET /logout` (reference §4.5, security bar SEC-05): ends the hosted-UI session and sends
//! the browser only to a `logout_uri` byte-equal to one of the client's `LogoutURLs`, or back
//! to `/login` for a valid authorization re-entry (`redirect_uri` + `response_type`). Anything
//! else is an error page, never a redirect: this endpoint must not be an open redirector.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use cogito_core::service::oauth::AuthorizeError;

use super::error::redirect;
use super::params::{self, Params};
use crate::AppState;
use crate::domain::DomainCtx;
use crate::hosted_ui::error_page;
use crate::session_cookie;

/// `GET /logout`.
pub async fn logout(
    State(state): State<AppState>,
    ctx: DomainCtx,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = query.unwrap_or_default();
    let p = Params::parse(&query);
    let page = |m: &str| error_page(&state, Some(&ctx), StatusCode::BAD_REQUEST, m);
    if !p.repeated.is_empty() {
        return page("A parameter was given more than once.");
    }
    let Some(client_id) = p.get("client_id").filter(|c| !c.is_empty()) else {
        return page("Missing client_id.");
    };
    let Ok(client) = state.core.pool_client(&ctx.pool.id, &client_id).await else {
        return page("Invalid client_id.");
    };
    let target = if let Some(logout_uri) = p.get("logout_uri") {
        if !client.oauth.enabled || !client.oauth.logout_urls.contains(&logout_uri) {
            return page("The logout_uri is not registered for this client.");
        }
        logout_uri
    } else if p.get("redirect_uri").is_some() && p.get("response_type").is_some() {
        // The re-entry must be an authorization request this client could make.
        match state
            .core
            .validate_authorize(&ctx.pool.id, &params::authorize_params(&query))
            .await
        {
            Ok(_) => format!("{}/login?{query}", ctx.base_url),
            Err(AuthorizeError::Page(m)) => return page(&m),
            Err(AuthorizeError::Redirect(url)) => url,
            Err(AuthorizeError::Unavailable) => return crate::deadline::unavailable("", "1"),
        }
    } else {
        return page("Required parameters missing: logout_uri, or redirect_uri and response_type.");
    };
    if let Some(id) = session_cookie::session_id(&state, &headers)
        && let Err(e) = state.core.end_hosted_session(&id).await
    {
        tracing::error!(error = %e, "hosted session could not be ended");
        return error_page(
            &state,
            Some(&ctx),
            StatusCode::SERVICE_UNAVAILABLE,
            "Temporarily unavailable, try again.",
        );
    }
    let mut resp = redirect(&target);
    resp.headers_mut()
        .append(header::SET_COOKIE, session_cookie::clear_cookie(&ctx));
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
