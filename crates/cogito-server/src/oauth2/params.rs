//! Parsing OAuth parameters from a query string or form body, noting repeated names (security
//! bar SEC-06) instead of silently keeping one of them.

use std::collections::HashMap;

use cogito_core::service::oauth::AuthorizeParams;

/// Decoded `name → value` pairs plus the names that appeared more than once.
#[derive(Debug, Default, Clone)]
pub struct Params {
    /// First value of each name.
    pub values: HashMap<String, String>,
    /// Names given more than once.
    pub repeated: Vec<String>,
}

impl Params {
    /// Parses `application/x-www-form-urlencoded` text (a query string or form body).
    pub fn parse(text: &str) -> Self {
        let mut out = Self::default();
        for (k, v) in url::form_urlencoded::parse(text.as_bytes()) {
            if out.values.contains_key(k.as_ref()) {
                if !out.repeated.iter().any(|r| r == k.as_ref()) {
                    out.repeated.push(k.to_string());
                }
            } else {
                out.values.insert(k.into_owned(), v.into_owned());
            }
        }
        out
    }

    /// A value, if present.
    pub fn get(&self, name: &str) -> Option<String> {
        self.values.get(name).cloned()
    }
}

/// The authorize parameters (also accepted by `/login`).
pub fn authorize_params(query: &str) -> AuthorizeParams {
    let p = Params::parse(query);
    AuthorizeParams {
        response_type: p.get("response_type"),
        client_id: p.get("client_id"),
        redirect_uri: p.get("redirect_uri"),
        state: p.get("state"),
        scope: p.get("scope"),
        code_challenge: p.get("code_challenge"),
        code_challenge_method: p.get("code_challenge_method"),
        nonce: p.get("nonce"),
        prompt: p.get("prompt"),
        max_age: p.get("max_age"),
        repeated: p.repeated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_are_reported() {
        let p = authorize_params("client_id=a&redirect_uri=x&redirect_uri=y&scope=openid+email");
        assert_eq!(p.repeated, vec!["redirect_uri".to_string()]);
        assert_eq!(p.redirect_uri.as_deref(), Some("x"));
        assert_eq!(p.scope.as_deref(), Some("openid email"));
    }
}
