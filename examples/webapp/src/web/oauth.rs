//! The web client's side of the authorization-code grant: the `/oauth2/authorize` URL (with
//! `state` and an S256 PKCE challenge), and calls to `/oauth2/token` authenticated with the
//! client secret (HTTP Basic) to redeem a code or refresh the access token.

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use crate::AppState;
use crate::session::{LoginRequest, Session, now_secs, random_token};

/// Scopes the web client asks for.
pub const SCOPES: &str = "openid email profile aws.cognito.signin.user.admin";

/// A successful token-endpoint answer.
#[derive(Debug, Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    expires_in: u64,
}

/// A fresh sign-in request and the authorize URL it goes with.
pub fn authorize(state: &AppState) -> (LoginRequest, String) {
    let login = LoginRequest {
        state: random_token(24),
        verifier: random_token(48),
    };
    let challenge =
        URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, login.verifier.as_bytes()));
    let config = &state.config;
    let mut url = url::Url::parse(&config.domain_endpoint("/oauth2/authorize"))
        .expect("the domain URL is a URL");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &config.web_client_id)
        .append_pair("redirect_uri", &config.callback_url())
        .append_pair("scope", SCOPES)
        .append_pair("state", &login.state)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    (login, url.into())
}

/// The pool's `/logout` URL, returning to the app's home page.
pub fn logout_url(state: &AppState) -> String {
    let config = &state.config;
    let mut url =
        url::Url::parse(&config.domain_endpoint("/logout")).expect("the domain URL is a URL");
    url.query_pairs_mut()
        .append_pair("client_id", &config.web_client_id)
        .append_pair("logout_uri", &config.signed_out_url());
    url.into()
}

/// Redeems an authorization code.
pub async fn redeem(state: &AppState, code: &str, verifier: &str) -> anyhow::Result<Session> {
    let config = &state.config;
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", config.web_client_id.as_str()),
        ("code", code),
        ("redirect_uri", &config.callback_url()),
        ("code_verifier", verifier),
    ];
    let t = token_call(state, &form).await?;
    Ok(Session {
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        expires_at: now_secs() + t.expires_in,
    })
}

/// Gets a new access token with the session's refresh token (keeping the refresh token unless
/// the pool rotated it).
pub async fn refresh(state: &AppState, session: &Session) -> anyhow::Result<Session> {
    let Some(refresh_token) = &session.refresh_token else {
        anyhow::bail!("the session has no refresh token");
    };
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", state.config.web_client_id.as_str()),
        ("refresh_token", refresh_token.as_str()),
    ];
    let t = token_call(state, &form).await?;
    Ok(Session {
        access_token: t.access_token,
        refresh_token: t.refresh_token.or_else(|| session.refresh_token.clone()),
        expires_at: now_secs() + t.expires_in,
    })
}

async fn token_call(state: &AppState, form: &[(&str, &str)]) -> anyhow::Result<TokenResponse> {
    let config = &state.config;
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let resp = state
        .http
        .post(config.domain_endpoint("/oauth2/token"))
        .basic_auth(&config.web_client_id, Some(&config.web_client_secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await?;
    let status = resp.status();
    let text = resp.text().await?;
    if !status.is_success() {
        anyhow::bail!("the token endpoint answered {status}: {text}");
    }
    Ok(serde_json::from_str(&text)?)
}
