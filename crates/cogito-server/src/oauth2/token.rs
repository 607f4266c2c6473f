//! `POST /oauth2/token` (reference §4.6): a form body only, no repeated parameters (SEC-06),
//! client authentication by exactly one method — `client_secret_basic` or `client_secret_post`
//! (SEC-16) — and the JSON token response with anti-caching headers (SEC-17). The shared client
//! authentication parsing is also used by `/oauth2/revoke`.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cogito_core::service::oauth::{ClientAuth, OAuthError, TokenRequest};
use serde_json::json;

use super::error::{invalid_request, json_response, oauth_error};
use super::params::Params;
use crate::AppState;
use crate::domain::DomainCtx;

/// A parsed form body of the token or revocation endpoint, with how the client authenticated.
#[derive(Debug)]
pub struct AuthenticatedForm {
    /// The form parameters.
    pub params: Params,
    /// Client id and secret.
    pub auth: ClientAuth,
    /// Whether HTTP Basic was used (an `invalid_client` then asks for Basic again).
    pub basic: bool,
}

/// Decodes one `application/x-www-form-urlencoded` component (`+` is a space).
fn form_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// `Authorization: Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1). `None`
/// when there is no Basic header; `Some(Err)` when it is malformed.
fn basic_credentials(headers: &HeaderMap) -> Option<Result<(String, String), ()>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let parsed = STANDARD
        .decode(rest.trim())
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|text| {
            let (id, secret) = text.split_once(':')?;
            Some((form_decode(id)?, form_decode(secret)?))
        });
    Some(parsed.ok_or(()))
}

fn invalid_client(text: &str) -> OAuthError {
    OAuthError {
        error: "invalid_client",
        description: text.to_string(),
        status: 401,
    }
}

/// Why a token/revocation request was refused before reaching the core: the error, and whether
/// HTTP Basic was tried.
#[derive(Debug)]
pub struct FormError(pub OAuthError, pub bool);

impl FormError {
    /// The rendered error.
    pub fn into_response(self) -> Response {
        oauth_error(&self.0, self.1)
    }
}

/// Checks the content type and parameters of a token/revocation request and extracts the
/// client's credentials.
pub fn authenticated_form(
    headers: &HeaderMap,
    query: Option<&str>,
    body: &[u8],
) -> Result<AuthenticatedForm, FormError> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(FormError(
            invalid_request("Content-Type must be application/x-www-form-urlencoded"),
            false,
        ));
    }
    // Credentials never travel in a URL (logs, Referer): a query carrying a secret is refused.
    let query = Params::parse(query.unwrap_or_default());
    if query.values.contains_key("client_secret") {
        return Err(FormError(
            invalid_request("client_secret must not be sent in the query string"),
            false,
        ));
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return Err(FormError(invalid_request("the body is not UTF-8"), false));
    };
    let params = Params::parse(text);
    if let Some(name) = params.repeated.first() {
        return Err(FormError(
            invalid_request(&format!("parameter {name} repeated")),
            false,
        ));
    }
    let body_id = params.get("client_id").filter(|s| !s.is_empty());
    let body_secret = params.get("client_secret");
    // An empty secret is no secret (public clients sometimes send `id:` in Basic).
    let (auth, basic) = match basic_credentials(headers) {
        Some(Err(())) => {
            return Err(FormError(
                invalid_client("malformed Basic credentials"),
                true,
            ));
        }
        Some(Ok(_)) if body_secret.is_some() => {
            return Err(FormError(
                invalid_request("use one client authentication method, not two"),
                false,
            ));
        }
        Some(Ok((id, _))) if body_id.as_ref().is_some_and(|b| *b != id) => {
            return Err(FormError(
                invalid_request("client_id does not match the Authorization header"),
                false,
            ));
        }
        Some(Ok((id, secret))) => (
            ClientAuth {
                client_id: id,
                secret: Some(secret).filter(|s| !s.is_empty()),
            },
            true,
        ),
        None => (
            ClientAuth {
                client_id: body_id.unwrap_or_default(),
                secret: body_secret.filter(|s| !s.is_empty()),
            },
            false,
        ),
    };
    Ok(AuthenticatedForm {
        params,
        auth,
        basic,
    })
}

/// `POST /oauth2/token`.
pub async fn token(
    State(state): State<AppState>,
    ctx: DomainCtx,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = match authenticated_form(&headers, query.as_deref(), &body) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let per_client = cogito_core::service::rate_limits::Admission {
        class: cogito_core::service::rate_limits::RateClass::Token,
        scope: &ctx.pool.id,
        source: None,
        subject: Some(&form.auth.client_id),
    };
    if let Err(e) = state.core.admit(per_client).await {
        return crate::rate::over_limit(&e, true);
    }
    let p = &form.params;
    let req = TokenRequest {
        grant_type: p.get("grant_type"),
        code: p.get("code"),
        redirect_uri: p.get("redirect_uri"),
        code_verifier: p.get("code_verifier"),
        refresh_token: p.get("refresh_token"),
        scope: p.get("scope"),
    };
    match state.core.token(&ctx.pool.id, &form.auth, &req).await {
        Ok(t) => {
            let mut body = json!({
                "access_token": t.access_token,
                "token_type": "Bearer",
                "expires_in": t.expires_in,
            });
            if let Some(id) = t.id_token {
                body["id_token"] = json!(id);
            }
            if let Some(rt) = t.refresh_token {
                body["refresh_token"] = json!(rt);
            }
            json_response(StatusCode::OK, &body)
        }
        Err(e) => oauth_error(&e, form.basic),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(auth: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded; charset=UTF-8"),
        );
        if let Some(a) = auth {
            h.insert(header::AUTHORIZATION, HeaderValue::from_str(a).unwrap());
        }
        h
    }

    #[test]
    fn basic_credentials_are_url_decoded() {
        let b = STANDARD.encode("my%20id:s%2Bc+r");
        let f = authenticated_form(&headers(Some(&format!("basic {b}"))), None, b"").unwrap();
        assert_eq!(f.auth.client_id, "my id");
        assert_eq!(f.auth.secret.as_deref(), Some("s+c r"));
        assert!(f.basic);
    }

    #[test]
    fn two_methods_repeats_and_query_secrets_are_refused() {
        let b = STANDARD.encode("id:secret");
        let h = headers(Some(&format!("Basic {b}")));
        let r = authenticated_form(&h, None, b"client_secret=x")
            .unwrap_err()
            .into_response();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let r = authenticated_form(&headers(None), None, b"code=a&code=b")
            .unwrap_err()
            .into_response();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let r = authenticated_form(&headers(None), Some("client_secret=x"), b"client_id=a")
            .unwrap_err()
            .into_response();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let r = authenticated_form(&headers(Some("Basic !!!")), None, b"")
            .unwrap_err()
            .into_response();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }

    #[test]
    fn body_credentials() {
        let f = authenticated_form(&headers(None), None, b"client_id=a&client_secret=b").unwrap();
        assert_eq!(f.auth.client_id, "a");
        assert_eq!(f.auth.secret.as_deref(), Some("b"));
        assert!(!f.basic);
    }
}
