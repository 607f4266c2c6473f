//! CSRF protection of the hosted forms (security bar SEC-47): a signed double-submit token
//! bound to a pre-auth cookie. The cookie holds a random id; the form's `_csrf` field holds
//! HMAC(cookie key, domain ‖ id), so a token is useless without the matching cookie and cannot
//! be minted without the server's key. Every POST also passes a same-origin check (`Origin`,
//! else `Sec-Fetch-Site`). The pre-auth id is replaced at sign-in.

use axum::http::{HeaderMap, HeaderValue};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cogito_core::crypto::{hmac_sha256, secrets_equal};

use crate::AppState;
use crate::domain::DomainCtx;
use crate::session_cookie::cookie_path;

/// Name of the pre-auth cookie.
pub const COOKIE: &str = "cogito_csrf";
/// Name of the form field.
pub const FIELD: &str = "_csrf";

/// The token of a page, and the cookie to set when the browser had none.
#[derive(Debug, Clone)]
pub struct Csrf {
    /// Value of the `_csrf` field.
    pub token: String,
    /// `Set-Cookie` for a fresh pre-auth id.
    pub set_cookie: Option<HeaderValue>,
}

fn token_for(state: &AppState, ctx: &DomainCtx, id: &str) -> String {
    let msg = format!("cogito-csrf\0{}\0{id}", ctx.domain.domain);
    URL_SAFE_NO_PAD.encode(hmac_sha256(state.cookie_key.as_ref(), msg.as_bytes()))
}

fn valid_id(id: &str) -> bool {
    (22..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The pre-auth id carried by the request, if well-formed.
pub fn cookie_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE && valid_id(value))
        .map(|(_, value)| value.to_string())
}

/// A `Set-Cookie` value carrying a pre-auth id.
pub fn set_cookie(ctx: &DomainCtx, id: &str) -> HeaderValue {
    let secure = if ctx.base_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let value = format!(
        "{COOKIE}={id}; Path={}; HttpOnly; SameSite=Lax{secure}",
        cookie_path(&ctx.base_url)
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The token for this browser, minting a pre-auth id when it has none.
pub fn issue(state: &AppState, ctx: &DomainCtx, headers: &HeaderMap) -> Csrf {
    match cookie_id(headers) {
        Some(id) => Csrf {
            token: token_for(state, ctx, &id),
            set_cookie: None,
        },
        None => fresh(state, ctx),
    }
}

/// A new pre-auth id (at sign-in, the old one is discarded).
pub fn fresh(state: &AppState, ctx: &DomainCtx) -> Csrf {
    let id = cogito_core::ids::new_opaque_token(24);
    Csrf {
        token: token_for(state, ctx, &id),
        set_cookie: Some(set_cookie(ctx, &id)),
    }
}

/// The origin (`scheme://host[:port]`) of a base URL.
pub fn origin_of(base_url: &str) -> &str {
    let after = base_url.find("://").map_or(0, |i| i + 3);
    match base_url[after..].find('/') {
        Some(i) => &base_url[..after + i],
        None => base_url,
    }
}

/// Whether the request came from one of this domain's own pages: `Origin` must be the
/// domain's origin; without `Origin`, or with `Origin: null` (what browsers send for a POST
/// from a page with `Referrer-Policy: no-referrer`, as ours are), `Sec-Fetch-Site` (when sent)
/// must be `same-origin`.
pub fn same_origin(ctx: &DomainCtx, headers: &HeaderMap) -> bool {
    if let Some(origin) = headers.get("origin").filter(|o| o.as_bytes() != b"null") {
        return origin
            .to_str()
            .is_ok_and(|o| o.eq_ignore_ascii_case(origin_of(&ctx.base_url)));
    }
    match headers.get("sec-fetch-site") {
        Some(site) => site.as_bytes() == b"same-origin",
        None => true,
    }
}

/// Checks a POST: same origin, a pre-auth cookie, and its token in the form.
pub fn verify(
    state: &AppState,
    ctx: &DomainCtx,
    headers: &HeaderMap,
    form_token: Option<&str>,
) -> bool {
    if !same_origin(ctx, headers) {
        return false;
    }
    let (Some(id), Some(given)) = (cookie_id(headers), form_token) else {
        return false;
    };
    secrets_equal(token_for(state, ctx, &id).as_bytes(), given.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert_eq!(
            origin_of("http://127.0.0.1:9229/domain/app"),
            "http://127.0.0.1:9229"
        );
        assert_eq!(
            origin_of("https://app.auth.example.com"),
            "https://app.auth.example.com"
        );
    }

    #[test]
    fn cookie_ids_are_read_and_checked() {
        let mut h = HeaderMap::new();
        h.insert(
            "cookie",
            HeaderValue::from_static("a=b; cogito_csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA; c=d"),
        );
        assert_eq!(
            cookie_id(&h).as_deref(),
            Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        );
        h.insert("cookie", HeaderValue::from_static("cogito_csrf=short"));
        assert_eq!(cookie_id(&h), None);
    }
}
