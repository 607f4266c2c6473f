//! `/forgotPassword` (→ `ForgotPassword`) and `/confirmForgotPassword` (→
//! `ConfirmForgotPassword`, also reachable as Cognito's `/confirmforgotPassword`). Asking for a
//! code always moves on to the code page, whether or not the account exists.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use cogito_core::error::CoreError;

use super::flow::Flow;
use super::render::View;
use crate::AppState;
use crate::domain::DomainCtx;

/// `GET /forgotPassword`.
pub async fn get_forgot(
    State(state): State<AppState>,
    ctx: DomainCtx,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    match Flow::start(&state, ctx, &headers, q, "/forgotPassword").await {
        Ok(flow) => {
            let username = flow.param("username").unwrap_or_default();
            flow.render(
                View::new("forgot_password.html", StatusCode::OK).with("username", username),
            )
        }
        Err(resp) => resp,
    }
}

/// `POST /forgotPassword` → `303 /confirmForgotPassword?username=…`.
pub async fn post_forgot(
    State(state): State<AppState>,
    ctx: DomainCtx,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Response {
    let (flow, form) =
        match Flow::start_post(&state, ctx, &headers, q, "/forgotPassword", &body).await {
            Ok(started) => started,
            Err(resp) => return resp,
        };
    let username = form.get("username").unwrap_or_default().trim().to_string();
    let view = View::new("forgot_password.html", StatusCode::OK).with("username", username.clone());
    if username.is_empty() {
        let text = flow.text("err_missing_fields", &[]);
        return flow.render(view.error(text, &["username"], StatusCode::BAD_REQUEST));
    }
    let client_id = flow.req().client.client_id.clone();
    match state
        .core
        .forgot_password(
            &client_id,
            &username,
            flow.secret_hash(&username).as_deref(),
        )
        .await
    {
        Err(CoreError::Internal(cause)) => flow.internal(&cause),
        Err(CoreError::LimitExceeded(_) | CoreError::TooManyFailedAttempts(_)) => {
            let text = flow.text("err_too_many", &[]);
            flow.render(view.error(text, &[], StatusCode::BAD_REQUEST))
        }
        other => {
            if let Err(e) = other {
                tracing::debug!(error = %e, "password reset request refused (not shown)");
            }
            flow.redirect(&flow.url("/confirmForgotPassword", &[("username", &username)]))
        }
    }
}

fn reset_view(flow: &Flow, username: &str, code: &str) -> View {
    View::new("confirm_forgot_password.html", StatusCode::OK)
        .with("username", username)
        .with("code", code)
        .with("password_rules", flow.password_rules())
}

/// `GET /confirmForgotPassword`.
pub async fn get_reset(
    State(state): State<AppState>,
    ctx: DomainCtx,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    match Flow::start(&state, ctx, &headers, q, "/confirmForgotPassword").await {
        Ok(flow) => {
            let username = flow.param("username").unwrap_or_default();
            flow.render(reset_view(&flow, &username, ""))
        }
        Err(resp) => resp,
    }
}

/// `POST /confirmForgotPassword` → `303 /login?notice=password_reset`.
pub async fn post_reset(
    State(state): State<AppState>,
    ctx: DomainCtx,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Response {
    let (flow, form) =
        match Flow::start_post(&state, ctx, &headers, q, "/confirmForgotPassword", &body).await {
            Ok(started) => started,
            Err(resp) => return resp,
        };
    let username = form.get("username").unwrap_or_default().trim().to_string();
    let code = form.get("code").unwrap_or_default().trim().to_string();
    let password = form.get("password").unwrap_or_default();
    let view = reset_view(&flow, &username, &code);
    let bad = |key: &str, fields: &[&str]| {
        let text = flow.text(key, &[]);
        flow.render(view.clone().error(text, fields, StatusCode::BAD_REQUEST))
    };
    if username.is_empty() || code.is_empty() || password.is_empty() {
        return bad("err_missing_fields", &["username", "code", "password"]);
    }
    if form.get("password_confirm").is_some_and(|c| c != password) {
        return bad("err_password_mismatch", &["password"]);
    }
    let client_id = flow.req().client.client_id.clone();
    match state
        .core
        .confirm_forgot_password(
            &client_id,
            &username,
            &code,
            &password,
            flow.secret_hash(&username).as_deref(),
        )
        .await
    {
        Ok(()) => flow.redirect(&flow.url("/login", &[("notice", "password_reset")])),
        Err(CoreError::Internal(cause)) => flow.internal(&cause),
        Err(CoreError::InvalidPassword(_)) => bad("err_password_policy", &["password"]),
        Err(CoreError::PasswordHistoryPolicyViolation(_)) => {
            bad("err_password_reused", &["password"])
        }
        Err(CoreError::LimitExceeded(_) | CoreError::TooManyFailedAttempts(_)) => {
            bad("err_too_many", &["code"])
        }
        Err(e) => {
            tracing::debug!(error = %e, "password reset refused");
            bad("err_code_invalid", &["code"])
        }
    }
}
