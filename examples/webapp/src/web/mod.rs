//! The web face: home, sign-in through the hosted UI (`/login` → `/oauth2/authorize` →
//! `/callback`), profile, the Admin-only page, and sign-out through the pool's `/logout`.
//!
//! Every page that needs a user reads the session cookie, refreshes the access token when it
//! has expired (rewriting the cookie), and verifies it; a session that can neither be verified
//! nor refreshed is dropped.

pub mod oauth;
pub mod pages;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use cogito_verify::Claims;
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::session::{
    LOGIN_COOKIE, LOGIN_MAX_AGE, LoginRequest, SESSION_COOKIE, SESSION_MAX_AGE, Session, now_secs,
};

/// Seconds before expiry at which the access token is refreshed.
const REFRESH_MARGIN_SECS: u64 = 30;

/// The web routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/app.css", get(css))
        .route("/login", get(login))
        .route("/callback", get(callback))
        .route("/profile", get(profile))
        .route("/admin", get(admin))
        .route("/logout", axum::routing::post(logout))
}

/// The signed-in user of a request, and the `Set-Cookie` the response must carry (a refreshed
/// or dropped session).
struct Current {
    user: Option<(Claims, Session)>,
    set_cookie: Option<String>,
}

impl Current {
    fn finish(self, mut resp: Response) -> Response {
        if let Some(c) = self.set_cookie
            && let Ok(v) = HeaderValue::from_str(&c)
        {
            resp.headers_mut().append(SET_COOKIE, v);
        }
        resp.headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        resp
    }
}

async fn current(state: &AppState, headers: &HeaderMap) -> Current {
    let Some(mut session) = state.cookies.read::<Session>(headers, SESSION_COOKIE) else {
        return Current {
            user: None,
            set_cookie: None,
        };
    };
    let mut set_cookie = None;
    let mut refreshed = false;
    if session.expires_at <= now_secs() + REFRESH_MARGIN_SECS {
        match oauth::refresh(state, &session).await {
            Ok(s) => {
                session = s;
                refreshed = true;
            }
            Err(e) => {
                tracing::info!(error = %e, "refresh failed; dropping the session");
                return dropped(state);
            }
        }
    }
    let claims = match state.verifier.verify_access(&session.access_token).await {
        Ok(c) => c,
        Err(e) if !refreshed && session.refresh_token.is_some() => {
            tracing::info!(error = %e, "access token refused; refreshing");
            match oauth::refresh(state, &session).await {
                Ok(s) => session = s,
                Err(_) => return dropped(state),
            }
            refreshed = true;
            match state.verifier.verify_access(&session.access_token).await {
                Ok(c) => c,
                Err(_) => return dropped(state),
            }
        }
        Err(e) => {
            tracing::info!(error = %e, "access token refused; dropping the session");
            return dropped(state);
        }
    };
    if refreshed {
        set_cookie = Some(state.cookies.set(SESSION_COOKIE, &session, SESSION_MAX_AGE));
    }
    Current {
        user: Some((claims, session)),
        set_cookie,
    }
}

fn dropped(state: &AppState) -> Current {
    Current {
        user: None,
        set_cookie: Some(state.cookies.clear(SESSION_COOKIE)),
    }
}

fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_string())]).into_response()
}

fn error_page(state: &AppState, status: StatusCode, title: &str, message: &str) -> Response {
    state.pages.render(
        status,
        "error.html",
        json!({ "title": title, "message": message, "status": status.as_u16(), "user": null }),
    )
}

async fn css() -> Response {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=300"),
        ],
        pages::CSS,
    )
        .into_response()
}

async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let cur = current(&state, &headers).await;
    let user = cur.user.as_ref().map(|(c, _)| c.clone());
    let page = state.pages.render(
        StatusCode::OK,
        "home.html",
        json!({ "title": "Home", "user": user, "public_url": state.config.public_url }),
    );
    cur.finish(page)
}

async fn login(State(state): State<AppState>) -> Response {
    let (request, url) = oauth::authorize(&state);
    let mut resp = redirect(&url);
    if let Ok(v) = HeaderValue::from_str(&state.cookies.set(LOGIN_COOKIE, &request, LOGIN_MAX_AGE))
    {
        resp.headers_mut().append(SET_COOKIE, v);
    }
    resp
}

/// Query of the redirect back from the hosted UI.
#[derive(Debug, Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Response {
    if let Some(error) = &q.error {
        let message = format!(
            "The sign-in was not completed: {error} {}",
            q.error_description.as_deref().unwrap_or_default()
        );
        return error_page(&state, StatusCode::BAD_REQUEST, "Sign-in failed", &message);
    }
    let Some(request) = state.cookies.read::<LoginRequest>(&headers, LOGIN_COOKIE) else {
        return error_page(
            &state,
            StatusCode::BAD_REQUEST,
            "Sign-in expired",
            "No sign-in is in progress in this browser (or it took longer than ten minutes). Please sign in again.",
        );
    };
    let (Some(code), Some(returned)) = (q.code.as_deref(), q.state.as_deref()) else {
        return error_page(
            &state,
            StatusCode::BAD_REQUEST,
            "Sign-in failed",
            "The callback carries no code.",
        );
    };
    if returned != request.state {
        return error_page(
            &state,
            StatusCode::BAD_REQUEST,
            "Sign-in failed",
            "The state does not match this browser's sign-in.",
        );
    }
    let session = match oauth::redeem(&state, code, &request.verifier).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "code redemption failed");
            return error_page(
                &state,
                StatusCode::BAD_GATEWAY,
                "Sign-in failed",
                "The authorization code could not be redeemed.",
            );
        }
    };
    if let Err(e) = state.verifier.verify_access(&session.access_token).await {
        tracing::warn!(error = %e, "the new access token does not verify");
        return error_page(
            &state,
            StatusCode::BAD_GATEWAY,
            "Sign-in failed",
            "The issued token could not be verified.",
        );
    }
    let mut resp = redirect("/profile");
    for c in [
        state.cookies.set(SESSION_COOKIE, &session, SESSION_MAX_AGE),
        state.cookies.clear(LOGIN_COOKIE),
    ] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            resp.headers_mut().append(SET_COOKIE, v);
        }
    }
    resp
}

async fn profile(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let mut cur = current(&state, &headers).await;
    let Some((claims, session)) = cur.user.take() else {
        return cur.finish(redirect("/login"));
    };
    // Attributes come from the pool (GetUser with the access token), not from a stored ID token.
    let attributes = state
        .cognito
        .attributes(&session.access_token)
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "GetUser failed");
            Vec::new()
        });
    let email = attributes
        .iter()
        .find(|(k, _)| k == "email")
        .map(|(_, v)| v.clone());
    let page = state.pages.render(
        StatusCode::OK,
        "profile.html",
        json!({
            "title": "Profile",
            "user": claims,
            "email": email,
            "attributes": attributes,
            "expires_in": session.expires_at.saturating_sub(now_secs()),
            "access_token": session.access_token,
            "public_url": state.config.public_url,
        }),
    );
    cur.finish(page)
}

async fn admin(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let mut cur = current(&state, &headers).await;
    let Some((claims, _)) = cur.user.take() else {
        return cur.finish(redirect("/login"));
    };
    if !claims.has_group("Admin") {
        let page = state.pages.render(
            StatusCode::FORBIDDEN,
            "forbidden.html",
            json!({ "title": "Forbidden", "user": claims }),
        );
        return cur.finish(page);
    }
    let (users, error) = match state.cognito.list_users().await {
        Ok(u) => (u, None),
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    let page = state.pages.render(
        StatusCode::OK,
        "admin.html",
        json!({ "title": "Admin", "user": claims, "users": users, "error": error }),
    );
    cur.finish(page)
}

async fn logout(State(state): State<AppState>) -> Response {
    let mut resp = redirect(&oauth::logout_url(&state));
    if let Ok(v) = HeaderValue::from_str(&state.cookies.clear(SESSION_COOKIE)) {
        resp.headers_mut().append(SET_COOKIE, v);
    }
    resp
}
