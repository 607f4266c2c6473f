//! The signature cogito puts on every trigger request: `t=<unix seconds>,v1=<hex>` where the
//! hex is HMAC-SHA256 under the trigger secret of `"<t>.<body>"`. The receiver recomputes it and
//! refuses a request whose signature differs or whose timestamp is too far from its clock.

use hmac::{KeyInit, Mac};
use subtle::ConstantTimeEq;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-cogito-signature";

/// How far a request's timestamp may be from the receiver's clock, in seconds.
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;

/// Why a request's signature was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureError {
    /// No header, or not `t=…,v1=…`.
    Malformed,
    /// The timestamp is further from the receiver's clock than the tolerance (a replay).
    Stale,
    /// The body or the timestamp was changed, or another secret signed it.
    Mismatch,
}

impl std::fmt::Display for SignatureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Malformed => "missing or malformed signature",
            Self::Stale => "stale signature timestamp",
            Self::Mismatch => "signature mismatch",
        })
    }
}

impl std::error::Error for SignatureError {}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> [u8; 32] {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// The header value signing `body` at `timestamp` (unix seconds).
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac(secret, timestamp, body))
    )
}

/// Checks a header value against `body`, with `now` the receiver's clock (unix seconds).
pub fn verify(
    secret: &[u8],
    header: &str,
    body: &[u8],
    now: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut given = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => given = hex::decode(v).ok(),
            _ => {}
        }
    }
    let (Some(timestamp), Some(given)) = (timestamp, given) else {
        return Err(SignatureError::Malformed);
    };
    if (now - timestamp).abs() > tolerance_secs {
        return Err(SignatureError::Stale);
    }
    if bool::from(mac(secret, timestamp, body).ct_eq(given.as_slice())) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_a_tampered_or_stale_one_does_not() {
        let body = br#"{"triggerSource":"PreSignUp_SignUp"}"#;
        let header = sign(b"secret", 1_000, body);
        assert_eq!(verify(b"secret", &header, body, 1_010, 300), Ok(()));
        let tampered = br#"{"triggerSource":"PreSignUp_AdminCreateUser"}"#;
        assert_eq!(
            verify(b"secret", &header, tampered, 1_010, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"other", &header, body, 1_010, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"secret", &header, body, 1_301, 300),
            Err(SignatureError::Stale)
        );
        let moved = header.replace("t=1000", "t=1001");
        assert_eq!(
            verify(b"secret", &moved, body, 1_010, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"secret", "v1=00", body, 1_010, 300),
            Err(SignatureError::Malformed)
        );
    }
}
