//! `KeyStore`: signing keys of a pool (oldest first) and write-once instance settings.

use std::collections::HashSet;
use std::sync::Arc;

use cogito_core::store::{Store, StoreError, StoredKey};

fn key(pool_id: &str, kid: &str, created_ms: i64) -> StoredKey {
    StoredKey {
        pool_id: pool_id.into(),
        kid: kid.into(),
        purpose: if kid.ends_with('a') {
            "access".into()
        } else {
            "id".into()
        },
        encrypted_private_key: kid.bytes().chain([0, 255, 7]).collect(),
        created_ms,
    }
}

pub async fn signing_keys_oldest_first(store: Arc<dyn Store>) {
    crate::support::seed_pool(&*store, "p").await;
    assert!(store.keys_of_pool("p").await.unwrap().is_empty());
    let keys = [
        key("p", "k3a", 300),
        key("p", "k1", 100),
        key("p", "k2a", 200),
        key("p", "k2b", 200),
    ];
    for k in &keys {
        store.insert_key(k).await.unwrap();
    }
    store.insert_key(&key("q", "k0", 1)).await.unwrap();
    let got = store.keys_of_pool("p").await.unwrap();
    let kids: Vec<_> = got.iter().map(|k| k.kid.as_str()).collect();
    assert_eq!(kids, ["k1", "k2a", "k2b", "k3a"]);
    assert_eq!(got[0], keys[1]);
    assert_eq!(got[3], keys[0]);
    assert!(matches!(
        store.insert_key(&key("p", "k1", 999)).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.keys_of_pool("q").await.unwrap(),
        vec![key("q", "k0", 1)]
    );
}

pub async fn settings_put_if_absent(store: Arc<dyn Store>) {
    assert_eq!(
        store.get_setting("master-key-check").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store
            .put_setting_if_absent("master-key-check", "v1")
            .await
            .unwrap(),
        "v1"
    );
    assert_eq!(
        store
            .put_setting_if_absent("master-key-check", "v2")
            .await
            .unwrap(),
        "v1"
    );
    assert_eq!(store.get_setting("master-key-check").await.unwrap(), "v1");
    assert_eq!(store.put_setting_if_absent("other", "").await.unwrap(), "");
    assert_eq!(store.get_setting("other").await.unwrap(), "");
}

pub async fn settings_put_if_absent_concurrently(store: Arc<dyn Store>) {
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .put_setting_if_absent("instance-id", &format!("v{i}"))
                    .await
            })
        })
        .collect();
    let mut seen = HashSet::new();
    for task in tasks {
        seen.insert(task.await.unwrap().unwrap());
    }
    assert_eq!(seen.len(), 1, "{seen:?}");
    let winner = seen.into_iter().next().unwrap();
    assert_eq!(store.get_setting("instance-id").await.unwrap(), winner);
}
