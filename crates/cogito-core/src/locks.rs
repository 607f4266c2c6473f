//! Per-key async locks: serialise the read–check–write sequences that must not interleave for
//! one user (password check and lockout counters, code attempts), so parallel requests cannot
//! each see the same counter and all run the slow check (security bar SEC-37, SEC-43).
//! Entries are dropped when the last holder releases them. The lock is per process; several
//! instances sharing one database need the store to enforce the same (noted for PostgreSQL).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

/// A map of async mutexes created on demand.
#[derive(Debug, Default)]
pub struct KeyedLocks {
    locks: Mutex<HashMap<String, Weak<AsyncMutex<()>>>>,
}

impl KeyedLocks {
    /// Waits for and takes the lock of `key`; released when the guard drops.
    pub async fn lock(&self, key: String) -> OwnedMutexGuard<()> {
        let lock = {
            let mut map = self
                .locks
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if map.len() > 1024 {
                map.retain(|_, w| w.strong_count() > 0);
            }
            match map.get(&key).and_then(Weak::upgrade) {
                Some(l) => l,
                None => {
                    let l = Arc::new(AsyncMutex::new(()));
                    map.insert(key, Arc::downgrade(&l));
                    l
                }
            }
        };
        lock.lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_holder_per_key_at_a_time() {
        let locks = Arc::new(KeyedLocks::default());
        let counter = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let max = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (locks, counter, max) = (locks.clone(), counter.clone(), max.clone());
            tasks.push(tokio::spawn(async move {
                let _g = locks.lock("alice".into()).await;
                let now = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                max.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
                tokio::task::yield_now().await;
                counter.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(max.load(std::sync::atomic::Ordering::SeqCst), 1);
        // Other keys are independent.
        let _a = locks.lock("a".into()).await;
        let _b = locks.lock("b".into()).await;
    }
}
