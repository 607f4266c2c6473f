//! Signing keys: two RSA-2048 key pairs per pool (ID tokens, access tokens), generated when the
//! pool is created, stored encrypted under the master key, decrypted and parsed once per process
//! and cached as ready-to-use key pairs and public keys.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair as _, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::clock::Clock;
use crate::crypto::MasterKey;
use crate::error::{CoreError, CoreResult};
use crate::store::{Store, StoredKey};

/// One signing key, parsed.
pub struct SigningKey {
    /// `kid`: 44-character standard base64, like Cognito's.
    pub kid: String,
    /// Private key, parsed once.
    pub pair: RsaKeyPair,
    /// Public key, parsed once, for verifying our own tokens.
    pub public: ParsedPublicKey,
    /// The JWK published in the JWKS.
    pub jwk: Value,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// The keys of one pool.
#[derive(Debug)]
pub struct PoolKeys {
    /// Signs ID tokens.
    pub id: SigningKey,
    /// Signs access tokens.
    pub access: SigningKey,
    /// Older keys, no longer used for signing but still published and accepted, so tokens they
    /// signed keep verifying after a rotation (reference §3.1).
    pub retired: Vec<(String, SigningKey)>,
    /// The JWKS document.
    pub jwks: Value,
}

impl PoolKeys {
    /// The key with this `kid`, if it is one of the pool's.
    pub fn by_kid(&self, kid: &str) -> Option<&SigningKey> {
        [&self.id, &self.access]
            .into_iter()
            .chain(self.retired.iter().map(|(_, k)| k))
            .find(|k| k.kid == kid)
    }

    /// An access-token key (current or retired) with this `kid`.
    pub fn access_key(&self, kid: &str) -> Option<&SigningKey> {
        std::iter::once(&self.access)
            .chain(
                self.retired
                    .iter()
                    .filter(|(p, _)| p == "access")
                    .map(|(_, k)| k),
            )
            .find(|k| k.kid == kid)
    }
}

fn parse_key(pkcs8: &[u8]) -> CoreResult<SigningKey> {
    let pair = RsaKeyPair::from_pkcs8(pkcs8)
        .map_err(|e| CoreError::Internal(format!("stored signing key rejected: {e}")))?;
    let public_der = pair.public_key().as_ref().to_vec();
    let public = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &public_der)
        .map_err(|e| CoreError::Internal(format!("public key rejected: {e}")))?;
    let kid = STANDARD.encode(Sha256::digest(&public_der));
    let pk = pair.public_key();
    let jwk = json!({
        "alg": "RS256",
        "e": URL_SAFE_NO_PAD.encode(pk.exponent().big_endian_without_leading_zero()),
        "kid": kid,
        "kty": "RSA",
        "n": URL_SAFE_NO_PAD.encode(pk.modulus().big_endian_without_leading_zero()),
        "use": "sig",
    });
    Ok(SigningKey {
        kid,
        pair,
        public,
        jwk,
    })
}

fn generate_pkcs8() -> CoreResult<Vec<u8>> {
    let pair = aws_lc_rs::rsa::KeyPair::generate(KeySize::Rsa2048)
        .map_err(|_| CoreError::Internal("RSA key generation failed".into()))?;
    let der = pair
        .as_der()
        .map_err(|_| CoreError::Internal("RSA key encoding failed".into()))?;
    Ok(der.as_ref().to_vec())
}

/// Loads, creates and caches pool keys.
pub struct KeyRing {
    store: Arc<dyn Store>,
    master: Arc<MasterKey>,
    clock: Arc<dyn Clock>,
    cache: RwLock<HashMap<String, Arc<PoolKeys>>>,
}

impl KeyRing {
    /// A key ring over a store.
    pub fn new(store: Arc<dyn Store>, master: Arc<MasterKey>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            master,
            clock,
            cache: RwLock::new(HashMap::new()),
        }
    }

    /// Generates and stores the two key pairs of a new pool.
    pub async fn create_for_pool(&self, pool_id: &str) -> CoreResult<()> {
        for purpose in ["id", "access"] {
            let pkcs8 = tokio::task::spawn_blocking(generate_pkcs8)
                .await
                .map_err(|e| CoreError::Internal(format!("key generation task: {e}")))??;
            let parsed = parse_key(&pkcs8)?;
            let stored = StoredKey {
                pool_id: pool_id.to_string(),
                kid: parsed.kid.clone(),
                purpose: purpose.to_string(),
                encrypted_private_key: self.master.seal(&pkcs8),
                created_ms: self.clock.now_ms(),
            };
            self.store
                .insert_key(&stored)
                .await
                .map_err(|e| CoreError::from_store("insert key", e))?;
        }
        Ok(())
    }

    /// The keys of a pool, from the cache or loaded once from the store.
    pub async fn keys(&self, pool_id: &str) -> CoreResult<Arc<PoolKeys>> {
        if let Some(k) = self.cache.read().ok().and_then(|c| c.get(pool_id).cloned()) {
            return Ok(k);
        }
        let stored = self
            .store
            .keys_of_pool(pool_id)
            .await
            .map_err(|e| CoreError::from_store("keys", e))?;
        let open = |k: &StoredKey| -> CoreResult<SigningKey> {
            let pkcs8 = self
                .master
                .open(&k.encrypted_private_key)
                .map_err(|e| CoreError::Internal(format!("signing key of {pool_id}: {e}")))?;
            parse_key(&pkcs8)
        };
        // Newest first: the newest key of each purpose signs, the others are retired.
        let (mut id, mut access, mut retired) = (None, None, Vec::new());
        for k in stored.iter().rev() {
            let parsed = open(k)?;
            match k.purpose.as_str() {
                "id" if id.is_none() => id = Some(parsed),
                "access" if access.is_none() => access = Some(parsed),
                purpose => retired.push((purpose.to_string(), parsed)),
            }
        }
        let missing = |p: &str| CoreError::Internal(format!("pool {pool_id} has no {p} key"));
        let id = id.ok_or_else(|| missing("id"))?;
        let access = access.ok_or_else(|| missing("access"))?;
        let mut published = vec![id.jwk.clone(), access.jwk.clone()];
        published.extend(retired.iter().map(|(_, k)| k.jwk.clone()));
        let jwks = json!({ "keys": published });
        let keys = Arc::new(PoolKeys {
            id,
            access,
            retired,
            jwks,
        });
        if let Ok(mut c) = self.cache.write() {
            c.insert(pool_id.to_string(), keys.clone());
        }
        Ok(keys)
    }

    /// Drops a pool's keys from the cache (pool deleted).
    pub fn forget(&self, pool_id: &str) {
        if let Ok(mut c) = self.cache.write() {
            c.remove(pool_id);
        }
    }
}
