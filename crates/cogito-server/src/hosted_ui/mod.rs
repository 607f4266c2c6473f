//! The hosted login pages of a pool domain (reference §4.4): sign-in, new password, the second
//! factor (code, choice of factor, TOTP set-up with a QR code), sign-up,
//! account confirmation (code and e-mail link), password reset, and the error page.
//!
//! * Every page re-validates the authorize parameters it carries and forwards them to the
//!   next page; a successful sign-in starts a hosted-UI session and answers `303` to the
//!   client's callback with a code or tokens (SEC-07).
//! * Every form carries a CSRF token bound to a pre-auth cookie and every POST is checked for
//!   same origin (SEC-47, [`csrf`]); every response has the security headers of SEC-49
//!   ([`headers`]); pages never carry CORS headers (SEC-51, [`no_cors_on_pages`]); templates
//!   auto-escape everything (SEC-50).
//! * Pages are minijinja templates over a base layout; a pool and a client can override any
//!   template, the CSS, the logo and the texts, from the UI directory or through
//!   `SetUICustomization` ([`branding`]); texts come in English and French ([`i18n`]).

pub mod assets;
pub mod branding;
pub mod csrf;
mod flow;
mod forgot;
pub mod headers;
pub mod i18n;
mod login;
mod mfa;
pub mod render;
mod signup;

use std::sync::Arc;

use axum::Router;
use axum::extract::{RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use minijinja::Value;

use crate::AppState;
use crate::domain::DomainCtx;
use branding::Branding;
use flow::Flow;
use i18n::Messages;
use render::View;

/// Paths (relative to a domain) that are browser pages or their resources: no CORS headers.
const PAGE_PATHS: &[&str] = &[
    "/login",
    "/newPassword",
    "/mfa",
    "/mfa/select",
    "/mfa/setup",
    "/signup",
    "/confirmUser",
    "/forgotPassword",
    "/confirmForgotPassword",
    "/confirmforgotPassword",
    "/error",
    "/oauth2/authorize",
    "/logout",
    "/static/hosted.css",
    "/ui/custom.css",
    "/ui/logo",
];

/// The hosted-UI routes (relative to the domain root).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login::get_login).post(login::post_login))
        .route(
            "/newPassword",
            get(login::get_new_password).post(login::post_new_password),
        )
        .route("/mfa", get(mfa::get_code).post(mfa::post_code))
        .route("/mfa/select", get(mfa::get_select).post(mfa::post_select))
        .route("/mfa/setup", get(mfa::get_setup).post(mfa::post_setup))
        .route("/signup", get(signup::get_signup).post(signup::post_signup))
        .route(
            "/confirmUser",
            get(signup::get_confirm).post(signup::post_confirm),
        )
        .route(
            "/forgotPassword",
            get(forgot::get_forgot).post(forgot::post_forgot),
        )
        .route(
            "/confirmForgotPassword",
            get(forgot::get_reset).post(forgot::post_reset),
        )
        .route(
            "/confirmforgotPassword",
            get(forgot::get_reset).post(forgot::post_reset),
        )
        .route("/error", get(error_route))
        .route("/static/hosted.css", get(assets::hosted_css))
        .route("/ui/custom.css", get(assets::custom_css))
        .route("/ui/logo", get(assets::logo))
        .layer(axum::middleware::map_response(headers::baseline))
}

/// Known `error=` codes of `/error` and their texts; other codes get the generic text (the
/// page never displays text taken from the URL).
fn error_text_key(code: &str) -> &'static str {
    match code {
        "redirect_mismatch" => "err_redirect_mismatch",
        "not_found" => "err_not_found",
        _ => "error_lead",
    }
}

/// `GET /error?error=…`.
async fn error_route(
    State(state): State<AppState>,
    ctx: DomainCtx,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let query = crate::oauth2::params::Params::parse(q.as_deref().unwrap_or_default());
    let client = match query.get("client_id") {
        Some(id) => state.core.pool_client(&ctx.pool.id, &id).await.ok(),
        None => None,
    };
    let flow = Flow::bare(&state, ctx, &headers, q, client, "/error").await;
    let key = error_text_key(&query.get("error").unwrap_or_default());
    let text = flow.text(key, &[]);
    flow.error_response(StatusCode::BAD_REQUEST, &text, None)
}

/// An error page (never a redirect), in the domain's look when the domain is known. Rendered
/// without the store (customisation files only) and in English: callers have no request
/// context to negotiate with.
pub fn error_page(
    state: &AppState,
    ctx: Option<&DomainCtx>,
    status: StatusCode,
    message: &str,
) -> Response {
    let branding = ctx
        .map(|c| Branding::files_only(state, &c.pool.id))
        .unwrap_or_default();
    let https = ctx.is_some_and(|c| c.base_url.starts_with("https://"));
    render_error_page(ctx, branding, https, status, message)
}

/// An error page in the default look, for answers that have no domain at hand (a request past
/// its deadline).
pub fn plain_error_page(status: StatusCode, message: &str) -> Response {
    render_error_page(None, Branding::default(), false, status, message)
}

fn render_error_page(
    ctx: Option<&DomainCtx>,
    branding: Branding,
    https: bool,
    status: StatusCode,
    message: &str,
) -> Response {
    let branding = Arc::new(branding);
    let messages = Arc::new(Messages::load(
        i18n::DEFAULT_LANG,
        &branding.messages(i18n::DEFAULT_LANG),
    ));
    let title = if status == StatusCode::FORBIDDEN {
        messages.text("forbidden_title", &[])
    } else {
        messages.text("error_title", &[])
    };
    let view = View::new("error.html", status)
        .with("title", title)
        .with("message", message)
        .with("retry_url", Value::default());
    let mut vars = render::base_vars(ctx, None, &branding, &messages, view.template);
    vars.extend(view.vars);
    let html = render::render(&branding, &messages, view.template, &Value::from(vars));
    let mut resp = (status, Html(html)).into_response();
    headers::apply(&mut resp, None, https);
    resp
}

/// Whether a request path (top level, `/domain/<d>/…` or host form) names a hosted page.
pub fn is_page_path(path: &str) -> bool {
    let rest = match path.strip_prefix("/domain/") {
        Some(r) => match r.find('/') {
            Some(i) => &r[i..],
            None => return false,
        },
        None => path,
    };
    let rest = if rest.len() > 1 {
        rest.trim_end_matches('/')
    } else {
        rest
    };
    PAGE_PATHS.contains(&rest)
}

/// Outer middleware: strips the CORS headers the API's CORS layer adds, from hosted pages
/// and their preflights (security bar SEC-51: no CORS at the authorization endpoint and the
/// login pages).
pub async fn no_cors_on_pages(req: Request, next: Next) -> Response {
    // The admin console is never readable cross-origin either.
    let path = req.uri().path();
    let page = is_page_path(path) || path == "/console" || path.starts_with("/console/");
    let mut resp = next.run(req).await;
    if page {
        let names: Vec<_> = resp
            .headers()
            .keys()
            .filter(|k| k.as_str().starts_with("access-control-"))
            .cloned()
            .collect();
        for name in names {
            resp.headers_mut().remove(name);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_paths_in_both_domain_forms() {
        assert!(is_page_path("/login"));
        assert!(is_page_path("/domain/app/login"));
        assert!(is_page_path("/domain/app/oauth2/authorize"));
        assert!(is_page_path("/domain/app/login/"));
        assert!(!is_page_path("/domain/app/oauth2/token"));
        assert!(!is_page_path("/"));
        assert!(!is_page_path("/domain/login"));
    }
}
