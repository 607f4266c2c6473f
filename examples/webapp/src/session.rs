//! The web session lives entirely in cookies, encrypted and authenticated with AES-256-GCM
//! (aws-lc-rs), `HttpOnly`, `SameSite=Lax`, `Path=/` and `Secure` when the app is served over
//! HTTPS. The cookie's name is bound in as associated data, so one cookie cannot stand in for
//! another. Two cookies: [`SESSION_COOKIE`] holds the tokens; [`LOGIN_COOKIE`] holds the
//! `state` and PKCE verifier of a sign-in in progress (ten minutes).

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Name of the cookie holding the tokens.
pub const SESSION_COOKIE: &str = "webapp_session";
/// Name of the cookie of a sign-in in progress.
pub const LOGIN_COOKIE: &str = "webapp_login";
/// Lifetime of [`LOGIN_COOKIE`] in seconds.
pub const LOGIN_MAX_AGE: u32 = 600;
/// Lifetime of [`SESSION_COOKIE`] in seconds (the refresh token bounds it anyway).
pub const SESSION_MAX_AGE: u32 = 30 * 24 * 3600;

/// The tokens of a signed-in browser.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    /// Access token (JWT), sent to the API and verified on every request.
    pub access_token: String,
    /// Refresh token, to get a new access token when it expires.
    pub refresh_token: Option<String>,
    /// When the access token expires (seconds since the epoch).
    pub expires_at: u64,
}

/// A sign-in in progress: what the callback must match.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    /// The `state` sent to `/oauth2/authorize`.
    pub state: String,
    /// The PKCE code verifier.
    pub verifier: String,
}

/// Seals and opens cookie values.
pub struct CookieJar {
    key: LessSafeKey,
    secure: bool,
}

impl std::fmt::Debug for CookieJar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CookieJar")
            .field("secure", &self.secure)
            .finish_non_exhaustive()
    }
}

/// Random bytes from the system CSPRNG, base64url-encoded.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    SystemRandom::new()
        .fill(&mut buf)
        .expect("system random source");
    URL_SAFE_NO_PAD.encode(buf)
}

/// A fresh random 32-byte cookie key.
pub fn random_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    SystemRandom::new()
        .fill(&mut key)
        .expect("system random source");
    key
}

/// Seconds since the epoch.
#[allow(
    clippy::disallowed_methods,
    reason = "the example app stands alone: it has no cogito_core::Clock"
)]
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl CookieJar {
    /// A jar sealing with `key`; `secure` adds the `Secure` attribute.
    pub fn new(key: &[u8; 32], secure: bool) -> Self {
        let unbound = UnboundKey::new(&AES_256_GCM, key).expect("a 32-byte AES-256 key");
        Self {
            key: LessSafeKey::new(unbound),
            secure,
        }
    }

    /// `nonce || ciphertext || tag`, base64url.
    pub fn seal<T: Serialize>(&self, name: &str, value: &T) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .expect("system random source");
        let mut in_out = serde_json::to_vec(value).expect("serialisable cookie value");
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(name.as_bytes()),
                &mut in_out,
            )
            .expect("AES-GCM seal of a small buffer");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&in_out);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// Opens a sealed value; `None` when it was tampered with, sealed under another key or
    /// under another cookie name.
    pub fn open<T: DeserializeOwned>(&self, name: &str, sealed: &str) -> Option<T> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, rest) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut in_out = rest.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(name.as_bytes()), &mut in_out)
            .ok()?;
        serde_json::from_slice(plain).ok()
    }

    /// Reads and opens cookie `name` from the request headers.
    pub fn read<T: DeserializeOwned>(&self, headers: &HeaderMap, name: &str) -> Option<T> {
        headers
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .filter(|(k, _)| *k == name)
            .find_map(|(_, v)| self.open(name, v))
    }

    /// A `Set-Cookie` value storing `value` for `max_age` seconds.
    pub fn set<T: Serialize>(&self, name: &str, value: &T, max_age: u32) -> String {
        format!(
            "{name}={}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{}",
            self.seal(name, value),
            if self.secure { "; Secure" } else { "" }
        )
    }

    /// A `Set-Cookie` value deleting cookie `name`.
    pub fn clear(&self, name: &str) -> String {
        format!(
            "{name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{}",
            if self.secure { "; Secure" } else { "" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_under_the_same_key_and_name() {
        let jar = CookieJar::new(&[7u8; 32], false);
        let s = Session {
            access_token: "a".into(),
            refresh_token: Some("r".into()),
            expires_at: 42,
        };
        let sealed = jar.seal(SESSION_COOKIE, &s);
        let back: Session = jar.open(SESSION_COOKIE, &sealed).expect("opens");
        assert_eq!(back.access_token, "a");
        assert!(jar.open::<Session>(LOGIN_COOKIE, &sealed).is_none());
        assert!(
            CookieJar::new(&[8u8; 32], false)
                .open::<Session>(SESSION_COOKIE, &sealed)
                .is_none()
        );
        let mut tampered = sealed.into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(
            jar.open::<Session>(SESSION_COOKIE, std::str::from_utf8(&tampered).unwrap())
                .is_none()
        );
    }

    #[test]
    fn set_cookie_attributes() {
        let jar = CookieJar::new(&[1u8; 32], true);
        let c = jar.set(SESSION_COOKIE, &1u8, 60);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure"));
        let mut headers = HeaderMap::new();
        let value = c.split(';').next().unwrap().to_string();
        headers.insert(
            axum::http::header::COOKIE,
            format!("other=1; {value}").parse().unwrap(),
        );
        assert_eq!(jar.read::<u8>(&headers, SESSION_COOKIE), Some(1));
    }
}
