//! `/signup` (mirrors `SignUp`) and `/confirmUser` (code entry → `ConfirmSignUp`, "send a new
//! code" → `ResendConfirmationCode`, and the e-mail link form
//! `GET /confirmUser?client_id&user_name&confirmation_code`). A confirmed user is sent to
//! `/login` with a notice rather than signed in: holding a code is not a password check.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use cogito_core::error::CoreError;
use cogito_core::service::signup::SignUpInput;

use super::flow::Flow;
use super::login::{attribute_fields, form_attributes};
use super::render::View;
use crate::AppState;
use crate::domain::DomainCtx;
use crate::oauth2::params::Params;

fn username_is(flow: &Flow, attr: &str) -> bool {
    flow.ctx.pool.username_attributes.iter().any(|a| a == attr)
}

fn signup_view(flow: &Flow, form: Option<&Params>) -> View {
    let pool = &flow.ctx.pool;
    let email_is_username = username_is(flow, "email");
    let phone_is_username = username_is(flow, "phone_number") && !email_is_username;
    let show_email = !email_is_username;
    let required: Vec<String> = cogito_core::attributes::missing_required(pool, |_| false)
        .into_iter()
        .filter(|n| !(n == "email" && show_email))
        .filter(|n| !(n == "email" && email_is_username))
        .filter(|n| !(n == "phone_number" && phone_is_username))
        .collect();
    let email_required = pool.attribute("email").is_some_and(|a| a.required)
        || pool.auto_verified_attributes.iter().any(|a| a == "email");
    let value = |k: &str| form.and_then(|f| f.get(k)).unwrap_or_default();
    View::new("signup.html", StatusCode::OK)
        .with("username", value("username"))
        .with("email", value("email"))
        .with("show_email", show_email)
        .with("email_required", email_required)
        .with("password_rules", flow.password_rules())
        .with("attributes", attribute_fields(flow, &required, form))
}

fn signup_closed(flow: &Flow) -> Option<Response> {
    flow.ctx.pool.allow_admin_create_user_only.then(|| {
        let text = flow.text("err_signup_disabled", &[]);
        flow.error_response(StatusCode::FORBIDDEN, &text, Some(flow.url("/login", &[])))
    })
}

/// `GET /signup`.
pub async fn get_signup(
    State(state): State<AppState>,
    ctx: DomainCtx,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let flow = match Flow::start(&state, ctx, &headers, q, "/signup").await {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    signup_closed(&flow).unwrap_or_else(|| flow.render(signup_view(&flow, None)))
}

/// `POST /signup` → `303 /confirmUser?username=…`.
pub async fn post_signup(
    State(state): State<AppState>,
    ctx: DomainCtx,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Response {
    let (flow, form) = match Flow::start_post(&state, ctx, &headers, q, "/signup", &body).await {
        Ok(started) => started,
        Err(resp) => return resp,
    };
    if let Some(closed) = signup_closed(&flow) {
        return closed;
    }
    let view = signup_view(&flow, Some(&form));
    let bad = |key: &str, args: &[&str], fields: &[&str]| {
        let text = flow.text(key, args);
        flow.render(view.clone().error(text, fields, StatusCode::BAD_REQUEST))
    };
    let username = form.get("username").unwrap_or_default().trim().to_string();
    let password = form.get("password").unwrap_or_default();
    if username.is_empty() || password.is_empty() {
        return bad("err_missing_fields", &[], &["username", "password"]);
    }
    let mut attributes = form_attributes(&form);
    let email = form.get("email").unwrap_or_default().trim().to_string();
    // With e-mail / phone usernames, what was typed is also the attribute.
    let (by_email, by_phone) = (
        username_is(&flow, "email"),
        username_is(&flow, "phone_number"),
    );
    if by_email && (username.contains('@') || !by_phone) {
        attributes.push(("email".into(), username.clone()));
    } else if by_phone {
        attributes.push(("phone_number".into(), username.clone()));
    }
    if !email.is_empty() && !attributes.iter().any(|(n, _)| n == "email") {
        attributes.push(("email".into(), email));
    }
    let client_id = flow.req().client.client_id.clone();
    let input = SignUpInput {
        client_id,
        username: username.clone(),
        password,
        attributes,
        secret_hash: flow.secret_hash(&username),
        validation_data: Vec::new(),
        client_metadata: Default::default(),
    };
    match state.core.sign_up(input).await {
        Ok(out) if out.confirmed => flow.redirect(&flow.url("/login", &[("notice", "confirmed")])),
        Ok(_) => flow.redirect(&flow.url("/confirmUser", &[("username", &username)])),
        Err(CoreError::Internal(cause)) => flow.internal(&cause),
        Err(CoreError::UsernameExists(_)) => bad("err_username_exists", &[], &["username"]),
        Err(CoreError::AliasExists(_)) => bad("err_alias_exists", &[], &["username", "email"]),
        Err(CoreError::InvalidPassword(_)) => bad("err_password_policy", &[], &["password"]),
        Err(CoreError::LimitExceeded(_) | CoreError::TooManyFailedAttempts(_)) => {
            bad("err_too_many", &[], &[])
        }
        Err(CoreError::NotAuthorized(_)) => bad("err_signup_disabled", &[], &[]),
        Err(e) => bad("err_invalid_input", &[&e.to_string()], &[]),
    }
}

fn confirm_view(username: &str, code: &str) -> View {
    View::new("confirm_user.html", StatusCode::OK)
        .with("username", username)
        .with("code", code)
}

/// The e-mail link: confirms directly, then shows the outcome.
async fn confirm_link(
    state: &AppState,
    ctx: DomainCtx,
    headers: &HeaderMap,
    q: Option<String>,
) -> Response {
    let query = Params::parse(q.as_deref().unwrap_or_default());
    let client_id = query.get("client_id").unwrap_or_default();
    let client = state.core.pool_client(&ctx.pool.id, &client_id).await.ok();
    let flow = Flow::bare(state, ctx, headers, q, client, "/confirmUser").await;
    let Some(client) = flow.client.clone() else {
        let text = flow.text("err_request", &["Invalid client_id."]);
        return flow.error_response(StatusCode::BAD_REQUEST, &text, None);
    };
    let username = query.get("user_name").unwrap_or_default();
    let code = query.get("confirmation_code").unwrap_or_default();
    let result = state
        .core
        .confirm_sign_up(
            &client.client_id,
            &username,
            &code,
            flow.secret_hash(&username).as_deref(),
            false,
        )
        .await;
    let view = View::new("confirmed.html", StatusCode::OK);
    match result {
        Ok(()) => flow.render(view),
        Err(CoreError::Internal(cause)) => flow.internal(&cause),
        Err(e) => {
            tracing::debug!(error = %e, "confirmation link refused");
            let text = flow.text("err_code_invalid", &[]);
            flow.render(view.error(text, &[], StatusCode::BAD_REQUEST))
        }
    }
}

/// `GET /confirmUser`: the code form, or the e-mail link when `confirmation_code` is given.
pub async fn get_confirm(
    State(state): State<AppState>,
    ctx: DomainCtx,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let query = Params::parse(q.as_deref().unwrap_or_default());
    if query.values.contains_key("confirmation_code") {
        return confirm_link(&state, ctx, &headers, q).await;
    }
    let flow = match Flow::start(&state, ctx, &headers, q, "/confirmUser").await {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let username = flow.param("username").unwrap_or_default();
    flow.render(confirm_view(&username, ""))
}

/// `POST /confirmUser`: `action=resend` sends a new code, anything else confirms.
pub async fn post_confirm(
    State(state): State<AppState>,
    ctx: DomainCtx,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Response {
    let (flow, form) = match Flow::start_post(&state, ctx, &headers, q, "/confirmUser", &body).await
    {
        Ok(started) => started,
        Err(resp) => return resp,
    };
    let username = form.get("username").unwrap_or_default().trim().to_string();
    let code = form.get("code").unwrap_or_default().trim().to_string();
    let view = confirm_view(&username, &code);
    let bad = |key: &str, fields: &[&str]| {
        let text = flow.text(key, &[]);
        flow.render(view.clone().error(text, fields, StatusCode::BAD_REQUEST))
    };
    let client_id = flow.req().client.client_id.clone();
    let secret_hash = flow.secret_hash(&username);
    if form.get("action").as_deref() == Some("resend") {
        if username.is_empty() {
            return bad("err_missing_fields", &["username"]);
        }
        return match state
            .core
            .resend_confirmation_code(&client_id, &username, secret_hash.as_deref())
            .await
        {
            Err(CoreError::Internal(cause)) => flow.internal(&cause),
            Err(CoreError::LimitExceeded(_) | CoreError::TooManyFailedAttempts(_)) => {
                bad("err_too_many", &[])
            }
            // Unknown, already confirmed… all look the same (no account enumeration).
            _ => flow.redirect(&flow.url(
                "/confirmUser",
                &[("username", &username), ("notice", "code_sent")],
            )),
        };
    }
    if username.is_empty() || code.is_empty() {
        return bad("err_missing_fields", &["username", "code"]);
    }
    match state
        .core
        .confirm_sign_up(&client_id, &username, &code, secret_hash.as_deref(), false)
        .await
    {
        Ok(()) => flow.redirect(&flow.url("/login", &[("notice", "confirmed")])),
        Err(CoreError::Internal(cause)) => flow.internal(&cause),
        Err(CoreError::AliasExists(_)) => bad("err_alias_exists", &[]),
        Err(CoreError::LimitExceeded(_) | CoreError::TooManyFailedAttempts(_)) => {
            bad("err_too_many", &["code"])
        }
        Err(e) => {
            tracing::debug!(error = %e, "confirmation refused");
            bad("err_code_invalid", &["code"])
        }
    }
}
