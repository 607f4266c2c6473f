//! TOTP (RFC 6238) for `SOFTWARE_TOKEN_MFA`, computed by the `totp-rs` crate with the parameters
//! authenticator apps use: HMAC-SHA1, 6 digits, 30-second steps, one step of drift either way.
//! That a code is accepted only once is the store's part (`use_totp_step`).

use totp_rs::{Algorithm, Builder, Secret};

/// Length of a new secret: 160 bits, as RFC 4226 recommends (32 base32 characters).
const SECRET_BYTES: usize = 20;

/// A new random secret: its bytes and the base32 text (`SecretCode`) shown to the user.
pub fn new_secret() -> (Vec<u8>, String) {
    let mut bytes = vec![0u8; SECRET_BYTES];
    crate::crypto::fill_random(&mut bytes);
    let text = Secret::from(bytes.clone()).to_base32();
    (bytes, text)
}

/// The base32 text of a secret.
pub fn secret_text(secret: &[u8]) -> String {
    Secret::from(secret.to_vec()).to_base32()
}

/// The bytes of a secret given as base32 text (as authenticator apps show it).
pub fn secret_from_text(text: &str) -> Option<Vec<u8>> {
    Secret::try_from_base32(text.trim().to_uppercase())
        .ok()
        .map(|s| s.as_bytes().to_vec())
}

/// The time step a six-digit `code` belongs to, if it is right for `secret` at `now_secs` or
/// one step before or after.
pub fn check(secret: &[u8], code: &str, now_secs: i64) -> Option<i64> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret.to_vec())
        .build()
        .ok()?;
    let now = u64::try_from(now_secs).ok()?;
    totp.check(code, now)
        .and_then(|step| i64::try_from(step).ok())
}

/// The `otpauth://` URI an authenticator app reads from a QR code.
pub fn otpauth_uri(issuer: &str, account: &str, secret_text: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let label = format!("{}:{}", enc(issuer), enc(account)).replace('+', "%20");
    format!(
        "otpauth://totp/{label}?secret={secret_text}&issuer={}&algorithm=SHA1&digits=6&period=30",
        enc(issuer).replace('+', "%20")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 rows (8 digits there; the last 6 digits here).
    #[test]
    fn rfc_6238_vectors() {
        let secret = b"12345678901234567890";
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(check(secret, code, time), Some(time / 30), "{time}");
        }
    }

    #[test]
    fn one_step_of_drift_and_no_more() {
        let secret = b"12345678901234567890";
        // "287082" belongs to step 1 (30..59).
        assert_eq!(check(secret, "287082", 59 + 30), Some(1));
        assert_eq!(check(secret, "287082", 30 - 30), Some(1));
        assert_eq!(check(secret, "287082", 59 + 60), None);
        assert_eq!(check(secret, "287083", 59), None);
        assert_eq!(check(secret, "28708", 59), None);
        assert_eq!(check(secret, "2870822", 59), None);
        assert_eq!(check(secret, "28708a", 59), None);
    }

    #[test]
    fn secrets_are_base32_and_fresh() {
        let (a, text) = new_secret();
        let (b, _) = new_secret();
        assert_ne!(a, b);
        assert_eq!(text.len(), 32);
        assert!(
            text.bytes()
                .all(|c| c.is_ascii_uppercase() || (b'2'..=b'7').contains(&c))
        );
        assert_eq!(secret_text(&a), text);
    }

    #[test]
    fn uri_is_escaped() {
        let uri = otpauth_uri("My Pool", "a b@x.io", "ABC");
        assert_eq!(
            uri,
            "otpauth://totp/My%20Pool:a%20b%40x.io?secret=ABC&issuer=My%20Pool&algorithm=SHA1&digits=6&period=30"
        );
    }
}
