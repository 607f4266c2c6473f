//! JWS compact serialisation for RS256. Signing is done here with a pre-parsed aws-lc-rs key pair
//! rather than through `jsonwebtoken::encode`, which re-parses the DER key on every call.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{KeyPair as _, ParsedPublicKey, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

/// Signs `claims` as an RS256 JWT with header `{"kid","alg"}` (no `typ`, like Cognito).
pub fn sign(kid: &str, key: &RsaKeyPair, claims: &Value) -> String {
    let header = serde_json::json!({ "kid": kid, "alg": "RS256" });
    let mut out = URL_SAFE_NO_PAD.encode(header.to_string());
    out.push('.');
    out.push_str(&URL_SAFE_NO_PAD.encode(claims.to_string()));
    let mut sig = vec![0u8; key.public_modulus_len()];
    // Signing with a valid key and a correctly sized buffer cannot fail.
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        out.as_bytes(),
        &mut sig,
    )
    .expect("RSA signing with a validated key");
    out.push('.');
    out.push_str(&URL_SAFE_NO_PAD.encode(sig));
    out
}

/// The public key of a key pair in the RFC 8017 DER form `ParsedPublicKey` takes.
pub fn public_der(key: &RsaKeyPair) -> Vec<u8> {
    key.public_key().as_ref().to_vec()
}

/// Why a JWT could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtError {
    /// Not three base64url parts of JSON.
    Malformed,
    /// Unknown `kid` or an algorithm other than RS256.
    UnknownKey,
    /// The signature does not verify.
    BadSignature,
}

/// A JWT split into its parts, before signature verification.
#[derive(Debug)]
pub struct ParsedJwt<'a> {
    /// `kid` from the header.
    pub kid: String,
    /// Decoded claims.
    pub claims: Value,
    signing_input: &'a str,
    signature: Vec<u8>,
}

/// Splits and decodes a compact JWT. Only `alg: RS256` is accepted.
pub fn parse(token: &str) -> Result<ParsedJwt<'_>, JwtError> {
    // Oversized tokens are refused before any decoding (security bar SEC-27).
    if token.len() > 16 * 1024 {
        return Err(JwtError::Malformed);
    }
    let mut parts = token.splitn(3, '.');
    let (Some(h), Some(p), Some(s)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(JwtError::Malformed);
    };
    let header: Value = decode_json(h)?;
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err(JwtError::UnknownKey);
    }
    // No JWS extension is understood, so any `crit` must be refused (RFC 7515 §4.1.11,
    // security bar SEC-26). Key-carrying headers (`jwk`, `jku`, `x5u`, `x5c`) are simply
    // never read: the key is always ours, looked up by `kid`.
    if header.get("crit").is_some() {
        return Err(JwtError::UnknownKey);
    }
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .ok_or(JwtError::UnknownKey)?
        .to_string();
    let claims = decode_json(p)?;
    let signature = URL_SAFE_NO_PAD.decode(s).map_err(|_| JwtError::Malformed)?;
    let signing_input = &token[..h.len() + 1 + p.len()];
    Ok(ParsedJwt {
        kid,
        claims,
        signing_input,
        signature,
    })
}

impl ParsedJwt<'_> {
    /// Verifies the signature with an already parsed public key.
    pub fn verify(&self, key: &ParsedPublicKey) -> Result<(), JwtError> {
        key.verify_sig(self.signing_input.as_bytes(), &self.signature)
            .map_err(|_| JwtError::BadSignature)
    }
}

fn decode_json(part: &str) -> Result<Value, JwtError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| JwtError::Malformed)?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| JwtError::Malformed)?;
    if v.is_object() {
        Ok(v)
    } else {
        Err(JwtError::Malformed)
    }
}
