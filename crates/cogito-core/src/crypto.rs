//! Secrets at rest and secret comparison: AES-256-GCM under the instance master key (signing
//! keys are stored only in this form), SHA-256 fingerprints for codes and opaque tokens, and
//! constant-time equality.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The instance master key. `Debug` never shows it.
pub struct MasterKey {
    key: LessSafeKey,
    /// Root of the derived subkeys (HMAC-SHA256 of the key over a fixed label).
    kdf: [u8; 32],
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

/// A master key that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The key is not 32 bytes.
    #[error("master key must be 32 bytes (64 hex characters)")]
    BadKeyLength,
    /// Ciphertext was tampered with or encrypted under another key.
    #[error("could not decrypt: wrong master key or corrupted data")]
    Decrypt,
}

impl MasterKey {
    /// Builds the key from 32 raw bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let unbound =
            UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| CryptoError::BadKeyLength)?;
        let kdf = hmac_sha256(bytes, b"cogito subkeys v1");
        Ok(Self {
            key: LessSafeKey::new(unbound),
            kdf,
        })
    }

    /// A 32-byte subkey for one purpose (e.g. keyed hashes of confirmation codes), derived so
    /// that it never appears in the database.
    pub fn derive(&self, label: &str) -> [u8; 32] {
        hmac_sha256(&self.kdf, label.as_bytes())
    }

    /// Parses 64 hex characters.
    pub fn from_hex(hex_str: &str) -> Result<Self, CryptoError> {
        let bytes = hex::decode(hex_str.trim()).map_err(|_| CryptoError::BadKeyLength)?;
        Self::from_bytes(&bytes)
    }

    /// 32 fresh random bytes, hex-encoded, for a new key file.
    pub fn generate_hex() -> String {
        let mut bytes = [0u8; 32];
        fill_random(&mut bytes);
        hex::encode(bytes)
    }

    /// Encrypts: output is `nonce || ciphertext || tag`.
    pub fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        self.seal_bound(plaintext, &[])
    }

    /// Decrypts what [`MasterKey::seal`] produced.
    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.open_bound(sealed, &[])
    }

    /// Encrypts bound to `context` (associated data, e.g. the owner of a secret): the result
    /// opens only with the same context, so a sealed value moved to another record fails.
    pub fn seal_bound(&self, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
        let mut nonce_bytes = [0u8; NONCE_LEN];
        fill_random(&mut nonce_bytes);
        let mut in_out = plaintext.to_vec();
        // Sealing only fails on absurd lengths (> 64 GiB); keys are a few KiB.
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::from(context),
                &mut in_out,
            )
            .expect("AES-GCM seal of a small buffer");
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&in_out);
        out
    }

    /// Decrypts what [`MasterKey::seal_bound`] produced with the same context.
    pub fn open_bound(&self, sealed: &[u8], context: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < NONCE_LEN {
            return Err(CryptoError::Decrypt);
        }
        let (nonce, rest) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::Decrypt)?;
        let mut in_out = rest.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(context), &mut in_out)
            .map_err(|_| CryptoError::Decrypt)?;
        Ok(plain.to_vec())
    }
}

/// Fills a buffer from the system CSPRNG.
pub fn fill_random(buf: &mut [u8]) {
    SystemRandom::new().fill(buf).expect("system random source");
}

/// SHA-256 of a secret (codes, refresh tokens, session ids), hex. Used to store and look up
/// secrets without storing them.
pub fn fingerprint(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// HMAC-SHA256.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// Keyed fingerprint (HMAC-SHA256, hex) of a low-entropy secret such as a 6-digit code: with
/// the key outside the database, a copy of the database does not reveal pending codes.
pub fn keyed_fingerprint(key: &[u8; 32], secret: &str) -> String {
    hex::encode(hmac_sha256(key, secret.as_bytes()))
}

/// Constant-time equality of two secrets.
pub fn secrets_equal(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_tamper_detection() {
        let key = MasterKey::from_hex(&MasterKey::generate_hex()).unwrap();
        let sealed = key.seal(b"private key bytes");
        assert_eq!(key.open(&sealed).unwrap(), b"private key bytes");
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(key.open(&tampered).is_err());
        let other = MasterKey::from_hex(&MasterKey::generate_hex()).unwrap();
        assert!(other.open(&sealed).is_err());
    }

    #[test]
    fn subkeys_differ_by_label_and_master_key() {
        let a = MasterKey::from_hex(&"11".repeat(32)).unwrap();
        let b = MasterKey::from_hex(&"22".repeat(32)).unwrap();
        assert_eq!(a.derive("codes"), a.derive("codes"));
        assert_ne!(a.derive("codes"), a.derive("other"));
        assert_ne!(a.derive("codes"), b.derive("codes"));
        let k = a.derive("codes");
        assert_eq!(
            keyed_fingerprint(&k, "123456"),
            keyed_fingerprint(&k, "123456")
        );
        assert_ne!(keyed_fingerprint(&k, "123456"), fingerprint("123456"));
    }

    #[test]
    fn bad_key_lengths_are_refused() {
        assert!(MasterKey::from_hex("abcd").is_err());
        assert!(MasterKey::from_hex("zz").is_err());
    }

    #[test]
    fn secrets_compare_in_constant_time_helper() {
        assert!(secrets_equal(b"abc", b"abc"));
        assert!(!secrets_equal(b"abc", b"abd"));
        assert!(!secrets_equal(b"abc", b"abcd"));
    }
}
