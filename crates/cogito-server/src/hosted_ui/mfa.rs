//! The second factor on the hosted pages: `/mfa` (a code from an SMS, an e-mail or an
//! authenticator app), `/mfa/select` (the user picks a factor) and `/mfa/setup` (TOTP set-up
//! with a QR code of the `otpauth://` URI, drawn server-side as inline SVG: no script, the CSP
//! stays). Each page answers the challenge through the core's sign-in engine, like the API.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use cogito_core::error::CoreError;
use cogito_core::model::MfaFactor;
use cogito_core::service::auth::{Answer, Challenge, ChallengeName, Next};
use cogito_core::service::mfa_settings::TotpOwner;
use minijinja::Value;
use qrcode::QrCode;
use qrcode::render::svg;

use super::flow::Flow;
use super::render::View;
use crate::AppState;
use crate::domain::DomainCtx;

/// Where a sign-in goes after a step: the hosted session and the client's callback once every
/// factor is proven, else the page of the next challenge.
pub async fn continue_sign_in(
    state: &AppState,
    flow: &Flow,
    headers: &HeaderMap,
    username: &str,
    next: Next,
) -> Response {
    let c = match next {
        Next::SignedIn(user) => return flow.complete_sign_in(state, headers, &user).await,
        Next::Challenge(c) => c,
    };
    let param = |k: &str| c.parameters.get(k).cloned().unwrap_or_default();
    let url = match c.name {
        ChallengeName::NewPasswordRequired => {
            let required: Vec<String> =
                serde_json::from_str::<Vec<String>>(&param("requiredAttributes"))
                    .unwrap_or_default()
                    .into_iter()
                    .map(|n| n.trim_start_matches("userAttributes.").to_owned())
                    .collect();
            flow.url(
                "/newPassword",
                &[
                    ("session", &c.session),
                    ("username", username),
                    ("required", &required.join(" ")),
                ],
            )
        }
        ChallengeName::SelectMfaType => {
            let options = serde_json::from_str::<Vec<String>>(&param("MFAS_CAN_CHOOSE"))
                .unwrap_or_default()
                .join(" ");
            flow.url(
                "/mfa/select",
                &[
                    ("session", &c.session),
                    ("username", username),
                    ("options", &options),
                ],
            )
        }
        ChallengeName::MfaSetup => flow.url(
            "/mfa/setup",
            &[("session", &c.session), ("username", username)],
        ),
        ChallengeName::SmsMfa | ChallengeName::EmailOtp | ChallengeName::SoftwareTokenMfa => {
            code_url(flow, &c, username)
        }
        ChallengeName::PasswordVerifier
        | ChallengeName::DeviceSrpAuth
        | ChallengeName::DevicePasswordVerifier
        | ChallengeName::CustomChallenge => {
            return flow.internal(&format!("{} on a hosted page", c.name.as_str()));
        }
    };
    flow.redirect(&url)
}

fn code_url(flow: &Flow, c: &Challenge, username: &str) -> String {
    let destination = c
        .parameters
        .get("CODE_DELIVERY_DESTINATION")
        .cloned()
        .unwrap_or_default();
    flow.url(
        "/mfa",
        &[
            ("session", &c.session),
            ("challenge", c.name.as_str()),
            ("username", username),
            ("destination", &destination),
        ],
    )
}

fn expired(flow: &Flow) -> Response {
    let text = flow.text("err_session_expired", &[]);
    flow.error_response(
        StatusCode::BAD_REQUEST,
        &text,
        Some(flow.url("/login", &[])),
    )
}

/// The failure of an answer: a wrong code is shown on the page; anything else ends the flow.
fn refused(flow: &Flow, view: View, e: CoreError) -> Response {
    match e {
        CoreError::Internal(cause) => flow.internal(&cause),
        CoreError::CodeMismatch(_) | CoreError::EnableSoftwareTokenMfa(_) => {
            let text = flow.text("err_mfa_code", &[]);
            flow.render(view.error(text, &["code"], StatusCode::BAD_REQUEST))
        }
        e => {
            tracing::debug!(error = %e, "hosted MFA answer refused");
            expired(flow)
        }
    }
}

fn code_view(challenge: &str, session: &str, username: &str, destination: &str) -> View {
    View::new("mfa_code.html", StatusCode::OK)
        .with("challenge", challenge)
        .with("session", session)
        .with("username", username)
        .with("destination", destination)
}

/// `GET /mfa?session=…&challenge=…`.
pub async fn get_code(
    State(state): State<AppState>,
    ctx: DomainCtx,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let flow = match Flow::start(&state, ctx, &headers, q, "/mfa").await {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let (Some(session), Some(challenge)) = (flow.param("session"), flow.param("challenge")) else {
        return expired(&flow);
    };
    let username = flow.param("username").unwrap_or_default();
    let destination = flow.param("destination").unwrap_or_default();
    flow.render(code_view(&challenge, &session, &username, &destination))
}

/// `POST /mfa`: answers `SMS_MFA`, `EMAIL_OTP` or `SOFTWARE_TOKEN_MFA`.
pub async fn post_code(
    State(state): State<AppState>,
    ctx: DomainCtx,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Response {
    let (flow, form) = match Flow::start_post(&state, ctx, &headers, q, "/mfa", &body).await {
        Ok(started) => started,
        Err(resp) => return resp,
    };
    let session = form.get("session").unwrap_or_default();
    let username = form.get("username").unwrap_or_default();
    let challenge_text = form.get("challenge").unwrap_or_default();
    let destination = form.get("destination").unwrap_or_default();
    let view = code_view(&challenge_text, &session, &username, &destination);
    let challenge = match ChallengeName::parse(&challenge_text) {
        Some(
            c @ (ChallengeName::SmsMfa | ChallengeName::EmailOtp | ChallengeName::SoftwareTokenMfa),
        ) => c,
        _ => return expired(&flow),
    };
    let code = form.get("code").unwrap_or_default();
    if code.trim().is_empty() {
        let text = flow.text("err_missing_fields", &[]);
        return flow.render(view.error(text, &["code"], StatusCode::BAD_REQUEST));
    }
    let req = flow.req();
    match state
        .core
        .answer_challenge(
            &req.pool,
            &req.client,
            challenge,
            &session,
            Answer::Code(code),
        )
        .await
    {
        Ok(next) => continue_sign_in(&state, &flow, &headers, &username, next).await,
        Err(e) => refused(&flow, view, e),
    }
}

fn select_view(flow: &Flow, session: &str, username: &str) -> View {
    let options: Vec<Value> = flow
        .param("options")
        .unwrap_or_else(|| "SOFTWARE_TOKEN_MFA SMS_MFA EMAIL_OTP".into())
        .split([' ', ','])
        .filter_map(MfaFactor::parse)
        .map(|f| {
            let mut m = std::collections::BTreeMap::new();
            m.insert("name", Value::from(f.as_str()));
            m.insert(
                "label",
                Value::from(flow.text(&format!("mfa_factor_{}", f.as_str()), &[])),
            );
            Value::from(m)
        })
        .collect();
    View::new("mfa_select.html", StatusCode::OK)
        .with("session", session)
        .with("username", username)
        .with("options", options)
}

/// `GET /mfa/select?session=…`.
pub async fn get_select(
    State(state): State<AppState>,
    ctx: DomainCtx,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let flow = match Flow::start(&state, ctx, &headers, q, "/mfa/select").await {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let Some(session) = flow.param("session") else {
        return expired(&flow);
    };
    let username = flow.param("username").unwrap_or_default();
    flow.render(select_view(&flow, &session, &username))
}

/// `POST /mfa/select`: answers `SELECT_MFA_TYPE`; the chosen factor's page follows.
pub async fn post_select(
    State(state): State<AppState>,
    ctx: DomainCtx,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Response {
    let (flow, form) = match Flow::start_post(&state, ctx, &headers, q, "/mfa/select", &body).await
    {
        Ok(started) => started,
        Err(resp) => return resp,
    };
    let session = form.get("session").unwrap_or_default();
    let username = form.get("username").unwrap_or_default();
    let Some(factor) = form.get("factor").as_deref().and_then(MfaFactor::parse) else {
        return expired(&flow);
    };
    let req = flow.req();
    match state
        .core
        .answer_challenge(
            &req.pool,
            &req.client,
            ChallengeName::SelectMfaType,
            &session,
            Answer::Select(factor),
        )
        .await
    {
        Ok(next) => continue_sign_in(&state, &flow, &headers, &username, next).await,
        Err(e) => refused(&flow, select_view(&flow, &session, &username), e),
    }
}

/// The QR code of an `otpauth://` URI as inline SVG.
fn qr_svg(uri: &str) -> Option<String> {
    let code = QrCode::new(uri.as_bytes()).ok()?;
    Some(
        code.render::<svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

fn setup_view(flow: &Flow, session: &str, username: &str, secret: &str) -> View {
    let issuer = flow.ctx.pool.name.clone();
    let uri = cogito_core::totp::otpauth_uri(&issuer, username, secret);
    let qr = qr_svg(&uri).map(Value::from_safe_string);
    View::new("mfa_setup.html", StatusCode::OK)
        .with("session", session)
        .with("username", username)
        .with("secret", secret)
        .with("qr", qr.unwrap_or_default())
}

/// `GET /mfa/setup?session=…`: a new TOTP secret for the user (`AssociateSoftwareToken` with
/// the challenge's session), shown as a QR code and as text.
pub async fn get_setup(
    State(state): State<AppState>,
    ctx: DomainCtx,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let flow = match Flow::start(&state, ctx, &headers, q, "/mfa/setup").await {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let Some(session) = flow.param("session") else {
        return expired(&flow);
    };
    let username = flow.param("username").unwrap_or_default();
    match state
        .core
        .associate_software_token(TotpOwner::Session(&session))
        .await
    {
        Ok(step) => {
            let next = step.session.unwrap_or_default();
            let secret = step.secret_code.unwrap_or_default();
            flow.render(setup_view(&flow, &next, &username, &secret))
        }
        Err(CoreError::Internal(cause)) => flow.internal(&cause),
        Err(_) => expired(&flow),
    }
}

/// `POST /mfa/setup`: verifies a code of the new secret, then answers `MFA_SETUP`.
pub async fn post_setup(
    State(state): State<AppState>,
    ctx: DomainCtx,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: String,
) -> Response {
    let (flow, form) = match Flow::start_post(&state, ctx, &headers, q, "/mfa/setup", &body).await {
        Ok(started) => started,
        Err(resp) => return resp,
    };
    let session = form.get("session").unwrap_or_default();
    let username = form.get("username").unwrap_or_default();
    let secret = form.get("secret").unwrap_or_default();
    let view = setup_view(&flow, &session, &username, &secret);
    let code = form.get("code").unwrap_or_default();
    let verified = state
        .core
        .verify_software_token(TotpOwner::Session(&session), &code)
        .await;
    let next_session = match verified {
        Ok(step) => step.session.unwrap_or_default(),
        Err(e) => return refused(&flow, view, e),
    };
    let req = flow.req();
    match state
        .core
        .answer_challenge(
            &req.pool,
            &req.client,
            ChallengeName::MfaSetup,
            &next_session,
            Answer::SetupDone,
        )
        .await
    {
        Ok(next) => continue_sign_in(&state, &flow, &headers, &username, next).await,
        Err(e) => refused(&flow, view, e),
    }
}
