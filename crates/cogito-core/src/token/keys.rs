//! Signing keys: two RSA-2048 key pairs per pool (ID tokens, access tokens), generated when the
//! pool is created, stored encrypted under the master key, decrypted and parsed once per
//! configuration version of the pool (the [`ConfigCache`]) and cached as ready-to-use key pairs
//! and public keys. Rotation adds new pairs and retires the old ones: they stay published and
//! accepted until every token they signed has expired.

use std::sync::Arc;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair as _, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::cache::ConfigCache;
use crate::clock::Clock;
use crate::crypto::MasterKey;
use crate::error::{CoreError, CoreResult};
use crate::store::{Store, StoreError, StoredKey};

/// Longest token lifetime a retirement waits for (Cognito's cap on ID and access tokens).
const MAX_TOKEN_SECS: i64 = 86_400;
/// Added to a retirement: instances that have not yet seen the rotation (at most
/// [`crate::cache::RECHECK`]) still sign with the old keys, and clocks differ a little.
const RETIRE_GRACE_MS: i64 = 60_000;

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
    /// When the first retired key stops being published (epoch ms; `i64::MAX` if none): the
    /// keys are re-read then.
    pub valid_until_ms: i64,
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

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// `kid`s of the new ID and access keys.
    pub new_kids: Vec<String>,
    /// `kid`s of the keys retired by this rotation.
    pub retired_kids: Vec<String>,
    /// Until when the retired keys are published and accepted, epoch ms.
    pub retired_until_ms: i64,
}

/// Loads, creates, rotates and caches pool keys.
pub struct KeyRing {
    store: Arc<dyn Store>,
    master: Arc<MasterKey>,
    clock: Arc<dyn Clock>,
    cache: Arc<ConfigCache>,
    verified: super::verified::VerifiedTokens,
}

impl KeyRing {
    /// A key ring over a store, with a new configuration cache.
    pub fn new(store: Arc<dyn Store>, master: Arc<MasterKey>, clock: Arc<dyn Clock>) -> Self {
        let cache = Arc::new(ConfigCache::new(store.clone()));
        Self {
            store,
            master,
            clock,
            cache,
            verified: Default::default(),
        }
    }

    /// Access tokens whose signature this process has already checked (see `verified`).
    pub fn verified(&self) -> &super::verified::VerifiedTokens {
        &self.verified
    }

    /// The configuration cache the keys live in (shared with the pool and client reads).
    pub fn cache(&self) -> &ConfigCache {
        &self.cache
    }

    /// Generates a new ID and an access key pair of a pool, sealed for storage.
    async fn generate(&self, pool_id: &str) -> CoreResult<Vec<StoredKey>> {
        let mut keys = Vec::new();
        for purpose in ["id", "access"] {
            let pkcs8 = tokio::task::spawn_blocking(generate_pkcs8)
                .await
                .map_err(|e| CoreError::Internal(format!("key generation task: {e}")))??;
            let parsed = parse_key(&pkcs8)?;
            keys.push(StoredKey {
                pool_id: pool_id.to_string(),
                kid: parsed.kid.clone(),
                purpose: purpose.to_string(),
                encrypted_private_key: self.master.seal(&pkcs8),
                created_ms: self.clock.now_ms(),
                retired_until_ms: None,
            });
        }
        Ok(keys)
    }

    /// Generates and stores the two key pairs of a new pool.
    pub async fn create_for_pool(&self, pool_id: &str) -> CoreResult<()> {
        for stored in self.generate(pool_id).await? {
            self.store
                .insert_key(&stored)
                .await
                .map_err(|e| CoreError::from_store("insert key", e))?;
        }
        self.cache.forget(pool_id);
        Ok(())
    }

    /// Rotates a pool's keys in one store transaction: new ID and access keys sign from now on;
    /// the keys in use so far are retired until every token they may have signed has expired
    /// (`now` + the longest ID/access token lifetime of the pool's clients, at most a day, plus
    /// a minute for instances that have not yet seen the rotation).
    pub async fn rotate(&self, pool_id: &str) -> CoreResult<Rotation> {
        let before = self
            .store
            .keys_of_pool(pool_id)
            .await
            .map_err(|e| CoreError::from_store("keys", e))?;
        // New keys sealed under another master key would make the pool unusable: prove first
        // that this one opens the keys in use.
        for k in before.iter().filter(|k| k.retired_until_ms.is_none()) {
            self.master.open(&k.encrypted_private_key).map_err(|e| {
                CoreError::Internal(format!("the master key does not open the keys: {e}"))
            })?;
        }
        let longest = self.longest_token_secs(pool_id).await?;
        let retired_until_ms = self.clock.now_ms() + longest * 1000 + RETIRE_GRACE_MS;
        let new_keys = self.generate(pool_id).await?;
        self.store
            .rotate_keys(pool_id, &new_keys, retired_until_ms)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::pool_not_found(pool_id),
                e => CoreError::from_store("rotate keys", e),
            })?;
        self.cache.forget(pool_id);
        Ok(Rotation {
            new_kids: new_keys.into_iter().map(|k| k.kid).collect(),
            retired_kids: before
                .into_iter()
                .filter(|k| k.retired_until_ms.is_none())
                .map(|k| k.kid)
                .collect(),
            retired_until_ms,
        })
    }

    /// The longest ID or access token lifetime the pool's clients allow, capped at a day.
    async fn longest_token_secs(&self, pool_id: &str) -> CoreResult<i64> {
        let mut longest = 3600;
        let mut cursor = None;
        loop {
            let page = self
                .store
                .list_clients(pool_id, cursor.as_deref(), 60)
                .await
                .map_err(|e| CoreError::from_store("list clients", e))?;
            for c in &page.items {
                longest = longest.max(c.id_token_secs()).max(c.access_token_secs());
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(longest.min(MAX_TOKEN_SECS)),
            }
        }
    }

    /// The keys of a pool, parsed once per configuration version of the pool.
    pub async fn keys(&self, pool_id: &str) -> CoreResult<Arc<PoolKeys>> {
        let entry = self.cache.entry(pool_id).await.map_err(|e| match e {
            StoreError::NotFound => CoreError::pool_not_found(pool_id),
            e => CoreError::from_store("config version", e),
        })?;
        let now = self.clock.now_ms();
        if let Some(k) = entry.keys().filter(|k| k.valid_until_ms > now) {
            return Ok(k);
        }
        let keys = Arc::new(self.load(pool_id, now).await?);
        entry.set_keys(keys.clone());
        Ok(keys)
    }

    /// Reads and parses the keys of a pool: the newest key of each purpose still in use signs;
    /// retired keys are published until their time is up.
    async fn load(&self, pool_id: &str, now: i64) -> CoreResult<PoolKeys> {
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
        // Newest first: the newest key of each purpose in use signs, the others are retired.
        let (mut id, mut access, mut retired) = (None, None, Vec::new());
        let mut valid_until_ms = i64::MAX;
        for k in stored.iter().rev() {
            if let Some(until) = k.retired_until_ms {
                if until <= now {
                    continue;
                }
                valid_until_ms = valid_until_ms.min(until);
            }
            let in_use = k.retired_until_ms.is_none();
            let parsed = open(k)?;
            match k.purpose.as_str() {
                "id" if in_use && id.is_none() => id = Some(parsed),
                "access" if in_use && access.is_none() => access = Some(parsed),
                purpose => retired.push((purpose.to_string(), parsed)),
            }
        }
        let missing = |p: &str| CoreError::Internal(format!("pool {pool_id} has no {p} key"));
        let id = id.ok_or_else(|| missing("id"))?;
        let access = access.ok_or_else(|| missing("access"))?;
        let mut published = vec![id.jwk.clone(), access.jwk.clone()];
        published.extend(retired.iter().map(|(_, k)| k.jwk.clone()));
        let jwks = json!({ "keys": published });
        Ok(PoolKeys {
            id,
            access,
            retired,
            jwks,
            valid_until_ms,
        })
    }

    /// Drops what is cached of a pool (its configuration changed here).
    pub fn forget(&self, pool_id: &str) {
        self.cache.forget(pool_id);
    }
}
