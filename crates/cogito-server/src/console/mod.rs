//! The admin console at `/console`: server-rendered pages (minijinja, the hosted UI's engine)
//! that work without JavaScript, for operators signed in with the admin credentials.
//!
//! - **Sign-in**: the admin access key id and secret (the pair SigV4 requests are signed with);
//!   in `--dev` without configured credentials, any pair. The session is a signed cookie
//!   (`HttpOnly`, `SameSite=Strict`, `Path=/console`, 8 hours) naming the key id; its MAC
//!   covers the key's secret, so it is refused once that key is removed or its secret changes.
//!   Signing out clears the cookie; a copy taken before stays valid until it expires (there is
//!   no server-side session list).
//! - **Guard**: every page but the sign-in redirects there without a session; every `POST`
//!   without a session, or without the session's CSRF token, is refused with 403.
//! - **Actions** go through [`crate::cognito_api::call_operation`], the JSON API's own path
//!   (the service model's checks, then the operation), so the console has no rule of its own.
//!
//! Pages are in [`pages`] and [`users`]; templates in `templates/console/`.

mod pages;
mod users;

use std::sync::OnceLock;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cogito_core::crypto::{fill_random, hmac_sha256, secrets_equal};
use minijinja::{AutoEscape, Environment, Value};
use serde_json::json;

use crate::AppState;

/// Session cookie.
const COOKIE: &str = "cogito_console";
/// Cookie tying the sign-in form to its browser (double-submit CSRF before a session exists).
const LOGIN_COOKIE: &str = "cogito_console_login";
/// Session lifetime.
const SESSION_SECS: i64 = 8 * 3600;

/// The console's routes, under `/console`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(pages::home))
        .route("/console/login", get(pages::login_page).post(pages::login))
        .route("/console/logout", post(pages::logout))
        .route("/console/pools", post(pages::create_pool))
        .route("/console/pools/{pool}", get(pages::pool))
        .route("/console/pools/{pool}/{action}", post(pages::pool_action))
        .route(
            "/console/pools/{pool}/users",
            get(users::users).post(users::create_user),
        )
        // A username may hold `/` or be `..`: it travels as a query parameter or form field,
        // never as a path segment a browser would normalise.
        .route("/console/pools/{pool}/user", get(users::user))
        .route(
            "/console/pools/{pool}/user/{action}",
            post(users::user_action),
        )
        .route("/console/outbox", get(pages::outbox))
        .route("/console/static/console.css", get(pages::css))
}

/// A signed-in operator.
pub struct Operator {
    /// The access key id signed in with.
    pub key_id: String,
    /// The session's CSRF token.
    pub csrf: String,
}

fn session_key(state: &AppState) -> [u8; 32] {
    hmac_sha256(&state.cookie_key[..], b"cogito console sessions")
}

fn mac(state: &AppState, text: &str) -> String {
    URL_SAFE_NO_PAD.encode(hmac_sha256(&session_key(state), text.as_bytes()))
}

/// The MAC of a session body, bound to the current secret of its key (`""` in `--dev` without
/// configured keys).
fn session_mac(state: &AppState, body: &str, key_id: &str) -> String {
    let secret = state
        .config
        .admin_credentials
        .get(key_id)
        .map(String::as_str)
        .unwrap_or_default();
    mac(state, &format!("session\0{body}\0{secret}"))
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_owned())
}

fn secure(state: &AppState) -> &'static str {
    if state.core.config.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    }
}

/// Whether a key pair may sign in.
fn admits(state: &AppState, key_id: &str, secret: &str) -> bool {
    let creds = &state.config.admin_credentials;
    if creds.is_empty() {
        return state.config.dev && !key_id.is_empty() && !secret.is_empty();
    }
    creds
        .get(key_id)
        .is_some_and(|s| secrets_equal(s.as_bytes(), secret.as_bytes()))
}

/// Whether a session's key id is still allowed.
fn still_admitted(state: &AppState, key_id: &str) -> bool {
    let creds = &state.config.admin_credentials;
    if creds.is_empty() {
        state.config.dev
    } else {
        creds.contains_key(key_id)
    }
}

/// A new session's `Set-Cookie`.
fn session_cookie(state: &AppState, key_id: &str) -> HeaderValue {
    let mut nonce = [0u8; 18];
    fill_random(&mut nonce);
    let nonce = URL_SAFE_NO_PAD.encode(nonce);
    let who = URL_SAFE_NO_PAD.encode(key_id);
    let expires = state.core.clock.now_secs() + SESSION_SECS;
    let body = format!("{expires}.{nonce}.{who}");
    let value = format!(
        "{COOKIE}={body}.{}; Path=/console; Max-Age={SESSION_SECS}; HttpOnly; SameSite=Strict{}",
        session_mac(state, &body, key_id),
        secure(state)
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn clear_cookie(name: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}=; Path=/console; Max-Age=0; HttpOnly; SameSite=Strict"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The operator of a request's session cookie, if it is valid.
pub fn operator(state: &AppState, headers: &HeaderMap) -> Option<Operator> {
    let value = cookie(headers, COOKIE)?;
    let (body, tag) = value.rsplit_once('.')?;
    let mut parts = body.splitn(3, '.');
    let expires: i64 = parts.next()?.parse().ok()?;
    let nonce = parts.next()?;
    let key_id = String::from_utf8(URL_SAFE_NO_PAD.decode(parts.next()?).ok()?).ok()?;
    if !secrets_equal(session_mac(state, body, &key_id).as_bytes(), tag.as_bytes()) {
        return None;
    }
    if expires < state.core.clock.now_secs() || !still_admitted(state, &key_id) {
        return None;
    }
    Some(Operator {
        key_id,
        csrf: mac(state, &format!("csrf\0{nonce}")),
    })
}

/// The security headers of every console page: no scripts, no framing, no caching.
fn secured(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// The template environment (built once).
fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        for (name, text) in [
            (
                "base.html",
                include_str!("../../templates/console/base.html"),
            ),
            (
                "login.html",
                include_str!("../../templates/console/login.html"),
            ),
            (
                "home.html",
                include_str!("../../templates/console/home.html"),
            ),
            (
                "pool.html",
                include_str!("../../templates/console/pool.html"),
            ),
            (
                "users.html",
                include_str!("../../templates/console/users.html"),
            ),
            (
                "user.html",
                include_str!("../../templates/console/user.html"),
            ),
            (
                "outbox.html",
                include_str!("../../templates/console/outbox.html"),
            ),
        ] {
            if let Err(e) = env.add_template(name, text) {
                tracing::error!(error = %e, template = name, "console template");
            }
        }
        env
    })
}

/// Renders a page with `ctx` (a JSON object) plus the operator's CSRF token.
fn render(name: &str, operator: Option<&Operator>, mut ctx: serde_json::Value) -> Response {
    if let Some(op) = operator {
        ctx["csrf"] = json!(op.csrf);
        ctx["operator"] = json!(op.key_id);
    }
    let page = env()
        .get_template(name)
        .and_then(|t| t.render(Value::from(minijinja::value::Serde(&ctx))));
    match page {
        Ok(html) => secured(Html(html).into_response()),
        Err(e) => {
            tracing::error!(error = %e, template = name, "console page");
            secured((StatusCode::INTERNAL_SERVER_ERROR, "console page failed").into_response())
        }
    }
}

/// Where an unauthenticated page request goes.
fn to_login() -> Response {
    secured(Redirect::to("/console/login").into_response())
}

/// The answer to a refused `POST`.
fn forbidden(why: &str) -> Response {
    secured((StatusCode::FORBIDDEN, why.to_owned()).into_response())
}

/// The operator of a `POST` whose CSRF token is right; otherwise the 403 to answer.
fn guard_post(
    state: &AppState,
    headers: &HeaderMap,
    form: &std::collections::HashMap<String, String>,
) -> Result<Operator, Forbidden> {
    let op = operator(state, headers).ok_or(Forbidden("Sign in first."))?;
    let sent = form.get("csrf").map(String::as_str).unwrap_or_default();
    if !secrets_equal(sent.as_bytes(), op.csrf.as_bytes()) {
        return Err(Forbidden("The form expired; reload the page."));
    }
    Ok(op)
}

/// A refused `POST` and why.
struct Forbidden(&'static str);

impl IntoResponse for Forbidden {
    fn into_response(self) -> Response {
        forbidden(self.0)
    }
}

/// Parses an `application/x-www-form-urlencoded` body.
fn form(body: &str) -> std::collections::HashMap<String, String> {
    url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}
