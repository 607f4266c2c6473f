//! `KeyStore`: signing keys of a pool (oldest first), rotation, configuration versions and
//! write-once instance settings.

use std::collections::HashSet;
use std::sync::Arc;

use cogito_core::store::{Store, StoreError, StoredKey};

use crate::support::{client, domain, pool, resource_server, seed_user, ui_customization};

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
        retired_until_ms: None,
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

/// Reads the version of `p`, asserting that it differs from every version seen so far.
async fn changed(store: &dyn Store, p: &str, seen: &mut Vec<i64>, what: &str) {
    let v = store.config_version(p).await.unwrap();
    assert!(
        !seen.contains(&v),
        "{what}: version {v} not new (seen {seen:?})"
    );
    seen.push(v);
}

pub async fn config_version_changes_with_every_config_write(store: Arc<dyn Store>) {
    let s = &*store;
    assert_eq!(s.config_version("p").await, Err(StoreError::NotFound));
    let mut seen = Vec::new();
    s.insert_pool(&pool("p")).await.unwrap();
    changed(s, "p", &mut seen, "insert pool").await;
    s.insert_pool(&pool("other")).await.unwrap();
    let other = s.config_version("other").await.unwrap();
    assert_eq!(
        s.config_version("p").await.unwrap(),
        seen[0],
        "other pools are separate"
    );
    let mut next = pool("p");
    next.name = "renamed".into();
    let read = s.get_pool_revised("p").await.unwrap().revision;
    s.update_pool(&next, read).await.unwrap();
    changed(s, "p", &mut seen, "update pool").await;
    s.insert_client(&client("p", "c1")).await.unwrap();
    changed(s, "p", &mut seen, "insert client").await;
    let mut c = client("p", "c1");
    c.name = "renamed".into();
    let read = s.get_client_revised("p", "c1").await.unwrap().revision;
    s.update_client(&c, read).await.unwrap();
    changed(s, "p", &mut seen, "update client").await;
    s.insert_key(&key("p", "k1", 1)).await.unwrap();
    changed(s, "p", &mut seen, "insert key").await;
    s.rotate_keys("p", &[key("p", "k2", 2)], 99).await.unwrap();
    changed(s, "p", &mut seen, "rotate keys").await;
    s.insert_domain(&domain("auth-p", "p")).await.unwrap();
    changed(s, "p", &mut seen, "insert domain").await;
    s.set_domain_login_version("p", "auth-p", 2).await.unwrap();
    changed(s, "p", &mut seen, "update domain").await;
    s.delete_domain("auth-p").await.unwrap();
    changed(s, "p", &mut seen, "delete domain").await;
    s.insert_resource_server(&resource_server("p", "https://api"))
        .await
        .unwrap();
    changed(s, "p", &mut seen, "insert resource server").await;
    let mut rs = resource_server("p", "https://api");
    rs.name = "renamed".into();
    s.update_resource_server(&rs).await.unwrap();
    changed(s, "p", &mut seen, "update resource server").await;
    s.delete_resource_server("p", "https://api").await.unwrap();
    changed(s, "p", &mut seen, "delete resource server").await;
    s.put_ui_customization(&ui_customization("p", None))
        .await
        .unwrap();
    changed(s, "p", &mut seen, "ui customisation").await;
    s.set_ui_look("p", None, Some("a{}"), None, 5)
        .await
        .unwrap();
    changed(s, "p", &mut seen, "ui look").await;
    s.delete_client("p", "c1").await.unwrap();
    changed(s, "p", &mut seen, "delete client").await;

    // Users and sessions are not configuration: the version stays.
    let before = s.config_version("p").await.unwrap();
    seed_user(s, "p", "alice", "sub-a").await;
    s.delete_user("p", "sub-a").await.unwrap();
    assert_eq!(s.config_version("p").await.unwrap(), before);

    s.delete_pool("p").await.unwrap();
    changed(s, "p", &mut seen, "delete pool").await;
    // A pool re-created under the same id never repeats a version an instance may hold.
    s.insert_pool(&pool("p")).await.unwrap();
    changed(s, "p", &mut seen, "re-create pool").await;
    assert_eq!(s.config_version("other").await.unwrap(), other);
}

pub async fn rotate_keys_retires_the_keys_in_use(store: Arc<dyn Store>) {
    crate::support::seed_pool(&*store, "p").await;
    store.insert_key(&key("p", "k1", 100)).await.unwrap();
    store.insert_key(&key("p", "k1a", 100)).await.unwrap();
    store
        .rotate_keys("p", &[key("p", "k2", 200), key("p", "k2a", 200)], 5_000)
        .await
        .unwrap();
    store
        .rotate_keys("p", &[key("p", "k3", 300), key("p", "k3a", 300)], 9_000)
        .await
        .unwrap();
    let got: Vec<_> = store
        .keys_of_pool("p")
        .await
        .unwrap()
        .into_iter()
        .map(|k| (k.kid, k.retired_until_ms))
        .collect();
    let expect = [
        ("k1", Some(5_000)),
        ("k1a", Some(5_000)),
        ("k2", Some(9_000)),
        ("k2a", Some(9_000)),
        ("k3", None),
        ("k3a", None),
    ];
    let expect: Vec<_> = expect.iter().map(|(k, u)| ((*k).to_string(), *u)).collect();
    assert_eq!(got, expect);

    // A missing pool: nothing written.
    let version = store.config_version("p").await.unwrap();
    assert_eq!(
        store.rotate_keys("gone", &[key("gone", "x", 1)], 1).await,
        Err(StoreError::NotFound)
    );
    assert!(store.keys_of_pool("gone").await.unwrap().is_empty());
    // A kid taken: the rotation is undone as a whole.
    assert!(matches!(
        store
            .rotate_keys("p", &[key("p", "k4", 400), key("p", "k3", 400)], 20_000)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.keys_of_pool("p").await.unwrap().len(), 6);
    assert!(
        store.keys_of_pool("p").await.unwrap()[4]
            .retired_until_ms
            .is_none()
    );
    assert_eq!(store.config_version("p").await.unwrap(), version);

    // The janitor deletes keys once they are retired until before now, and no others.
    store
        .purge_expired(5_001, 0, i64::MAX / 4, 100)
        .await
        .unwrap();
    let kids: Vec<_> = store
        .keys_of_pool("p")
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert_eq!(kids, ["k2", "k2a", "k3", "k3a"]);
}
