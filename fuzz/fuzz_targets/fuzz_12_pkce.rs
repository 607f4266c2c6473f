//! FUZZ-12: PKCE — the challenge of an authorization request and the verifier of the token
//! request, against an independent reference: `S256` with 43 base64url characters only (`plain`
//! never), a verifier of 43–128 unreserved characters whose SHA-256 is the challenge.
#![no_main]

use cogito_core::service::oauth::{pkce_challenge, pkce_verified};
use cogito_fuzz::parts;
use libfuzzer_sys::fuzz_target;

fn reference_challenge_ok(challenge: &str, method: &str) -> bool {
    method == "S256"
        && challenge.len() == 43
        && challenge
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn reference_verifier_ok(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
}

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 3);
    let (challenge, method, verifier) = (&p[0], &p[1], &p[2]);
    let accepted = pkce_challenge(Some(challenge), Some(method));
    assert_eq!(
        accepted.is_ok(),
        reference_challenge_ok(challenge, method),
        "{p:?}"
    );
    assert!(pkce_challenge(Some(challenge), Some("plain")).is_err());
    assert!(pkce_challenge(Some(challenge), None).is_err());
    if pkce_verified(challenge, verifier) {
        assert!(reference_verifier_ok(verifier), "{verifier:?}");
    }
    // A verifier always proves its own S256 challenge, and only that one.
    if reference_verifier_ok(verifier) {
        let own = s256(verifier);
        assert!(pkce_verified(&own, verifier));
        assert_eq!(pkce_verified(challenge, verifier), *challenge == own);
    }
});

/// BASE64URL(SHA-256(verifier)) without padding (RFC 7636 §4.2), computed here independently.
fn s256(verifier: &str) -> String {
    let digest = sha256(verifier.as_bytes());
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in digest.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(alphabet[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}
