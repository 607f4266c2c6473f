//! The versioned configuration cache: pools, their app clients and their parsed signing keys,
//! kept in memory per pool and tagged with the pool's configuration version
//! ([`crate::store::KeyStore::config_version`]).
//!
//! The store changes a pool's version in the same transaction as every change to the pool's
//! configuration, so a cached value is good exactly as long as the version it was read under
//! (read *before* the value) is current. Each pool's version is re-read at most once per
//! [`RECHECK`] by one request (the others keep using the entry meanwhile), so a change made by
//! another instance is seen within about a second; a change made by this instance drops the
//! entry at once ([`ConfigCache::forget`]). Requests in between cost no store lookups.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::model::{AppClient, UserPool};
use crate::store::{Store, StoreResult};
use crate::token::PoolKeys;

/// How long a pool's entry is used before its version is read again.
pub const RECHECK: Duration = Duration::from_secs(1);

/// What is cached of one pool under one configuration version. Parts are filled on first use.
#[derive(Debug)]
pub struct Entry {
    version: i64,
    /// When the version was last confirmed, ms since the cache's start.
    checked_ms: AtomicU64,
    pool: RwLock<Option<UserPool>>,
    clients: RwLock<HashMap<String, AppClient>>,
    keys: RwLock<Option<Arc<PoolKeys>>>,
}

impl Entry {
    fn new(version: i64, now_ms: u64) -> Self {
        Self {
            version,
            checked_ms: AtomicU64::new(now_ms),
            pool: RwLock::new(None),
            clients: RwLock::new(HashMap::new()),
            keys: RwLock::new(None),
        }
    }

    /// The version this entry was read under.
    pub fn version(&self) -> i64 {
        self.version
    }

    /// The cached pool record.
    pub fn pool(&self) -> Option<UserPool> {
        self.pool.read().ok().and_then(|p| p.clone())
    }

    /// Caches the pool record (read after this entry's version).
    pub fn set_pool(&self, pool: &UserPool) {
        if let Ok(mut p) = self.pool.write() {
            *p = Some(pool.clone());
        }
    }

    /// A cached client (secret already opened).
    pub fn client(&self, client_id: &str) -> Option<AppClient> {
        self.clients
            .read()
            .ok()
            .and_then(|c| c.get(client_id).cloned())
    }

    /// Caches a client (read after this entry's version, secret opened).
    pub fn set_client(&self, client: &AppClient) {
        if let Ok(mut c) = self.clients.write() {
            c.insert(client.client_id.clone(), client.clone());
        }
    }

    /// The cached parsed signing keys.
    pub fn keys(&self) -> Option<Arc<PoolKeys>> {
        self.keys.read().ok().and_then(|k| k.clone())
    }

    /// Caches the parsed signing keys (read after this entry's version).
    pub fn set_keys(&self, keys: Arc<PoolKeys>) {
        if let Ok(mut k) = self.keys.write() {
            *k = Some(keys);
        }
    }
}

/// Versioned per-pool cache of configuration, shared by the services and the key ring.
pub struct ConfigCache {
    store: Arc<dyn Store>,
    start: Instant,
    entries: RwLock<HashMap<String, Arc<Entry>>>,
    /// Which pool a client id belongs to (never changes: client ids are unique across pools).
    client_pools: RwLock<HashMap<String, String>>,
    /// Bumped by every local [`ConfigCache::forget`]: an entry read before it is not installed.
    epoch: AtomicU64,
}

impl std::fmt::Debug for ConfigCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigCache").finish_non_exhaustive()
    }
}

impl ConfigCache {
    /// An empty cache over a store.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            start: Instant::now(),
            entries: RwLock::new(HashMap::new()),
            client_pools: RwLock::new(HashMap::new()),
            epoch: AtomicU64::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// The entry of a pool valid for its current version. `NotFound` if the pool never existed.
    ///
    /// # Errors
    /// The store's error when the version cannot be read.
    pub async fn entry(&self, pool_id: &str) -> StoreResult<Arc<Entry>> {
        let now = self.now_ms();
        let cached = self
            .entries
            .read()
            .ok()
            .and_then(|e| e.get(pool_id).cloned());
        if let Some(entry) = &cached {
            let checked = entry.checked_ms.load(Ordering::Acquire);
            let recheck = u64::try_from(RECHECK.as_millis()).unwrap_or(u64::MAX);
            if now.saturating_sub(checked) < recheck {
                return Ok(entry.clone());
            }
            // One request re-reads the version; concurrent ones keep the entry meanwhile.
            if entry
                .checked_ms
                .compare_exchange(checked, now, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
            {
                return Ok(entry.clone());
            }
        }
        let epoch = self.epoch.load(Ordering::Acquire);
        let version = match self.store.config_version(pool_id).await {
            Ok(v) => v,
            Err(e) => {
                if let Some(entry) = &cached {
                    // Let the next request try again.
                    entry.checked_ms.store(0, Ordering::Release);
                }
                return Err(e);
            }
        };
        if let Some(entry) = cached.filter(|e| e.version == version) {
            return Ok(entry);
        }
        let fresh = Arc::new(Entry::new(version, now));
        let Ok(mut entries) = self.entries.write() else {
            return Ok(fresh);
        };
        if self.epoch.load(Ordering::Acquire) != epoch {
            // Changed here since the version was read: use it for this request only.
            return Ok(fresh);
        }
        if let Some(existing) = entries.get(pool_id).filter(|e| e.version == version) {
            return Ok(existing.clone());
        }
        entries.insert(pool_id.to_string(), fresh.clone());
        Ok(fresh)
    }

    /// The pool a client id belongs to, if this instance has seen the client.
    pub fn pool_of_client(&self, client_id: &str) -> Option<String> {
        self.client_pools
            .read()
            .ok()
            .and_then(|c| c.get(client_id).cloned())
    }

    /// Remembers which pool a client id belongs to.
    pub fn set_pool_of_client(&self, client_id: &str, pool_id: &str) {
        if let Ok(mut c) = self.client_pools.write() {
            c.insert(client_id.to_string(), pool_id.to_string());
        }
    }

    /// Drops what is cached of a pool (this instance just changed its configuration).
    pub fn forget(&self, pool_id: &str) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut e) = self.entries.write() {
            e.remove(pool_id);
        }
    }
}
