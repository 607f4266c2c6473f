//! Security headers of the hosted pages (security bar SEC-49): a strict Content-Security-Policy
//! (no scripts, styles and images from the domain only, forms to the domain and the client's
//! callback origins — browsers apply `form-action` to the redirect that follows a POST),
//! framing denied, no referrer, no sniffing, no caching, an isolated opener, HSTS under TLS.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::Response;

/// The CSP of a page whose forms may lead to `form_sources` besides the domain itself.
pub fn csp(form_sources: &[String]) -> String {
    let mut form_action = String::from("'self'");
    for s in form_sources {
        form_action.push(' ');
        form_action.push_str(s);
    }
    format!(
        "default-src 'none'; script-src 'none'; object-src 'none'; style-src 'self'; \
         img-src 'self' data:; font-src 'self'; form-action {form_action}; \
         frame-ancestors 'none'; base-uri 'none'"
    )
}

fn safe_source(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b':' | b'/' | b'.' | b'-' | b'[' | b']' | b'*')
        })
}

/// CSP sources for a client's callback URLs: the origin of web callbacks (any port for a
/// loopback callback registered without one), the scheme of private-use callbacks.
pub fn callback_sources(callback_urls: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for cb in callback_urls {
        let Ok(url) = url::Url::parse(cb) else {
            continue;
        };
        let source = match url.scheme() {
            "http" | "https" => {
                let origin = url.origin().ascii_serialization();
                let loopback = matches!(url.host_str(), Some("127.0.0.1" | "[::1]" | "localhost"));
                if loopback && url.port().is_none() {
                    format!("{origin}:*")
                } else {
                    origin
                }
            }
            scheme => format!("{scheme}:"),
        };
        if safe_source(&source) && !out.contains(&source) {
            out.push(source);
        }
    }
    out
}

fn set_default(h: &mut HeaderMap, name: &'static str, value: &str) {
    let name = HeaderName::from_static(name);
    if !h.contains_key(&name)
        && let Ok(v) = HeaderValue::from_str(value)
    {
        h.insert(name, v);
    }
}

/// Adds every security header the response lacks (`https`: also HSTS).
pub fn apply(resp: &mut Response, csp_value: Option<&str>, https: bool) {
    let h = resp.headers_mut();
    set_default(h, "content-security-policy", csp_value.unwrap_or(&csp(&[])));
    set_default(h, "x-frame-options", "DENY");
    set_default(h, "referrer-policy", "no-referrer");
    set_default(h, "x-content-type-options", "nosniff");
    set_default(h, "cache-control", "no-store");
    set_default(h, "cross-origin-opener-policy", "same-origin");
    set_default(h, "cross-origin-resource-policy", "same-origin");
    if https {
        set_default(h, "strict-transport-security", "max-age=31536000");
    }
}

/// Middleware of the hosted-UI router: a baseline for responses no handler decorated
/// (rejections, 404/405).
pub async fn baseline(mut resp: Response) -> Response {
    apply(&mut resp, None, false);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_sources_cover_web_loopback_and_private_schemes() {
        let urls: Vec<String> = vec![
            "https://app.example/cb".into(),
            "https://app.example/cb2".into(),
            "http://127.0.0.1/cb".into(),
            "http://localhost:8080/cb".into(),
            "myapp://cb".into(),
            "https://bad.example/x;script-src".into(),
        ];
        assert_eq!(
            callback_sources(&urls),
            vec![
                "https://app.example",
                "http://127.0.0.1:*",
                "http://localhost:8080",
                "myapp:",
                "https://bad.example",
            ]
        );
        assert!(csp(&callback_sources(&urls)).contains("form-action 'self' https://app.example "));
    }
}
