//! `/login` (password sign-in, reference §4.4) and `/newPassword` (the `NEW_PASSWORD_REQUIRED`
//! step of invited users). Failures never say whether the user exists: every refusal before
//! the password is known reads "Incorrect username or password".

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use cogito_core::error::CoreError;
use cogito_core::service::auth::{Answer, ChallengeName};
use minijinja::Value;

use super::flow::Flow;
use super::render::View;
use crate::AppState;
use crate::domain::DomainCtx;
use crate::oauth2::params::Params;

fn login_view(username: &str) -> View {
    View::new("login.html", StatusCode::OK).with("username", username)
}

/// `GET /login`.
pub async fn get_login(
    State(state): State<AppState>,
    ctx: DomainCtx,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    match Flow::start(&state, ctx, &headers, q, "/login").await {
        Ok(flow) => {
            let username = flow.param("login_hint").unwrap_or_default();
            flow.render(login_view(&username))
        }
        Err(resp) => resp,
    }
}

/// `POST /login`.
pub async fn post_login(
    State(state): State<AppState>,
    ctx: DomainCtx,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Response {
    let (flow, form) = match Flow::start_post(&state, ctx, &headers, q, "/login", &body).await {
        Ok(started) => started,
        Err(resp) => return resp,
    };
    let username = form.get("username").unwrap_or_default().trim().to_string();
    let password = form.get("password").unwrap_or_default();
    let view = login_view(&username);
    if username.is_empty() || password.is_empty() {
        let text = flow.text("err_missing_fields", &[]);
        return flow.render(view.error(text, &["username", "password"], StatusCode::BAD_REQUEST));
    }
    let req = flow.req();
    match state
        .core
        .hosted_sign_in(&req.pool, &req.client, &username, &password)
        .await
    {
        Ok(next) => super::mfa::continue_sign_in(&state, &flow, &headers, &username, next).await,
        Err(CoreError::Internal(cause)) => flow.internal(&cause),
        Err(
            CoreError::UserLambdaValidation(m)
            | CoreError::UnexpectedLambda(m)
            | CoreError::InvalidLambdaResponse(m),
        ) => flow.render(view.error(m, &[], StatusCode::BAD_REQUEST)),
        Err(e) => {
            let key = match &e {
                CoreError::NotAuthorized(m) if m.starts_with("Temporary password has expired") => {
                    "err_temp_password_expired"
                }
                CoreError::LimitExceeded(_) | CoreError::TooManyFailedAttempts(_) => "err_too_many",
                _ => "err_credentials",
            };
            tracing::debug!(error = %e, "hosted sign-in refused");
            let text = flow.text(key, &[]);
            flow.render(view.error(text, &["username", "password"], StatusCode::BAD_REQUEST))
        }
    }
}

/// The attribute inputs of a form: one per name, `attr_<name>` / `attr-<name>`.
pub fn attribute_fields(flow: &Flow, names: &[String], form: Option<&Params>) -> Vec<Value> {
    names
        .iter()
        .map(|name| {
            let field = format!("attr_{name}");
            let value = form.and_then(|f| f.get(&field)).unwrap_or_default();
            let (kind, autocomplete) = match name.as_str() {
                "email" => ("email", "email"),
                "phone_number" => ("tel", "tel"),
                "given_name" => ("text", "given-name"),
                "family_name" => ("text", "family-name"),
                "name" => ("text", "name"),
                "birthdate" => ("text", "bday"),
                "website" | "profile" | "picture" => ("url", "url"),
                _ => ("text", ""),
            };
            let mut m = std::collections::BTreeMap::new();
            m.insert("name", Value::from(name.clone()));
            m.insert("id", Value::from(format!("attr-{name}")));
            m.insert("field", Value::from(field));
            m.insert("label", Value::from(flow.attribute_label(name)));
            m.insert("type", Value::from(kind));
            m.insert("autocomplete", Value::from(autocomplete));
            m.insert("required", Value::from(true));
            m.insert("value", Value::from(value));
            Value::from(m)
        })
        .collect()
}

/// `attr_<name>` fields of a form as `(name, value)` pairs (non-empty values only).
pub fn form_attributes(form: &Params) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = form
        .values
        .iter()
        .filter_map(|(k, v)| {
            let name = k.strip_prefix("attr_")?;
            let v = v.trim();
            (!name.is_empty() && !v.is_empty()).then(|| (name.to_string(), v.to_string()))
        })
        .collect();
    out.sort();
    out
}

fn new_password_view(flow: &Flow, session: &str, username: &str, form: Option<&Params>) -> View {
    let required: Vec<String> = flow
        .param("required")
        .unwrap_or_default()
        .split([' ', ','])
        .filter(|n| flow.ctx.pool.attribute(n).is_some_and(|a| a.required))
        .map(str::to_string)
        .collect();
    View::new("new_password.html", StatusCode::OK)
        .with("session", session)
        .with("username", username)
        .with("password_rules", flow.password_rules())
        .with("attributes", attribute_fields(flow, &required, form))
}

/// `GET /newPassword?session=…&username=…&required=…&<authorize parameters>`.
pub async fn get_new_password(
    State(state): State<AppState>,
    ctx: DomainCtx,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let flow = match Flow::start(&state, ctx, &headers, q, "/newPassword").await {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let Some(session) = flow.param("session") else {
        let text = flow.text("err_session_expired", &[]);
        return flow.error_response(
            StatusCode::BAD_REQUEST,
            &text,
            Some(flow.url("/login", &[])),
        );
    };
    let username = flow.param("username").unwrap_or_default();
    flow.render(new_password_view(&flow, &session, &username, None))
}

/// `POST /newPassword`: answers the challenge, then signs in like `/login`.
pub async fn post_new_password(
    State(state): State<AppState>,
    ctx: DomainCtx,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Response {
    let (flow, form) = match Flow::start_post(&state, ctx, &headers, q, "/newPassword", &body).await
    {
        Ok(started) => started,
        Err(resp) => return resp,
    };
    let session = form.get("session").unwrap_or_default();
    let username = form.get("username").unwrap_or_default();
    let password = form.get("password").unwrap_or_default();
    let view = new_password_view(&flow, &session, &username, Some(&form));
    let bad = |key: &str, args: &[&str], fields: &[&str]| {
        let text = flow.text(key, args);
        flow.render(view.clone().error(text, fields, StatusCode::BAD_REQUEST))
    };
    if password.is_empty() {
        return bad("err_missing_fields", &[], &["password"]);
    }
    if form.get("password_confirm").is_some_and(|c| c != password) {
        return bad(
            "err_password_mismatch",
            &[],
            &["password", "password_confirm"],
        );
    }
    let answer = Answer::NewPassword {
        password,
        attributes: form_attributes(&form),
    };
    let req = flow.req();
    let result = state
        .core
        .answer_challenge(
            &req.pool,
            &req.client,
            ChallengeName::NewPasswordRequired,
            &session,
            answer,
        )
        .await;
    match result {
        Ok(next) => super::mfa::continue_sign_in(&state, &flow, &headers, &username, next).await,
        Err(CoreError::Internal(cause)) => flow.internal(&cause),
        Err(CoreError::InvalidPassword(_)) => bad("err_password_policy", &[], &["password"]),
        Err(CoreError::PasswordHistoryPolicyViolation(_)) => {
            bad("err_password_reused", &[], &["password"])
        }
        Err(CoreError::InvalidParameter(m)) => bad("err_invalid_input", &[&m], &[]),
        Err(e) => {
            tracing::debug!(error = %e, "new password refused");
            let text = flow.text("err_session_expired", &[]);
            flow.error_response(
                StatusCode::BAD_REQUEST,
                &text,
                Some(flow.url("/login", &[])),
            )
        }
    }
}
