//! The hosted-UI session cookie (SSO across a pool's clients, 1 hour): its value is a random
//! session id (looked up hashed in the store) plus an HMAC under a key derived from the master
//! key, so a forged or tampered cookie is refused before any store lookup. `HttpOnly`,
//! `SameSite=Lax`, scoped to the domain's path, `Secure` under https.

use axum::http::{HeaderMap, HeaderValue};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cogito_core::crypto::{hmac_sha256, secrets_equal};
use cogito_core::model::{HostedSession, User};

use crate::AppState;
use crate::domain::DomainCtx;

/// Cookie name.
pub const NAME: &str = "cogito_session";

fn sign(key: &[u8; 32], id: &str) -> String {
    URL_SAFE_NO_PAD.encode(hmac_sha256(key, id.as_bytes()))
}

/// The cookie's `Path`: the domain's path (path form) or `/` (host form).
pub fn cookie_path(base_url: &str) -> String {
    let after_scheme = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    match after_scheme.find('/') {
        Some(i) => after_scheme[i..].to_string(),
        None => "/".to_string(),
    }
}

/// A `Set-Cookie` value that stores a session id.
pub fn set_cookie(state: &AppState, ctx: &DomainCtx, id: &str) -> HeaderValue {
    let secure = if ctx.base_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let value = format!(
        "{NAME}={id}.{}; Path={}; Max-Age=3600; HttpOnly; SameSite=Lax{secure}",
        sign(&state.cookie_key, id),
        cookie_path(&ctx.base_url)
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A `Set-Cookie` value that deletes the session cookie.
pub fn clear_cookie(ctx: &DomainCtx) -> HeaderValue {
    let value = format!(
        "{NAME}=; Path={}; Max-Age=0; HttpOnly; SameSite=Lax",
        cookie_path(&ctx.base_url)
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The verified session id carried by the request's cookie, if any.
pub fn session_id(state: &AppState, headers: &HeaderMap) -> Option<String> {
    for header in headers.get_all("cookie") {
        let Ok(text) = header.to_str() else { continue };
        for pair in text.split(';') {
            let Some((name, value)) = pair.trim().split_once('=') else {
                continue;
            };
            if name != NAME {
                continue;
            }
            let (id, mac) = value.rsplit_once('.')?;
            if secrets_equal(sign(&state.cookie_key, id).as_bytes(), mac.as_bytes()) {
                return Some(id.to_string());
            }
        }
    }
    None
}

/// The live hosted-UI session of the request (valid cookie, unexpired, user enabled).
pub async fn current(
    state: &AppState,
    ctx: &DomainCtx,
    headers: &HeaderMap,
) -> Option<(HostedSession, User)> {
    let id = session_id(state, headers)?;
    match state.core.hosted_session(&ctx.pool.id, &id).await {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %e, "hosted session lookup failed");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_paths() {
        assert_eq!(
            cookie_path("http://127.0.0.1:9229/domain/app"),
            "/domain/app"
        );
        assert_eq!(cookie_path("http://app.auth.localhost:9229"), "/");
    }
}
