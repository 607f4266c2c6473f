//! `DeviceStore`: devices handed out unconfirmed, confirmed once, listed only when confirmed,
//! changed only by their user, purged when never confirmed, and gone with their user.

use std::sync::Arc;

use cogito_core::model::Device;
use cogito_core::store::{DeviceConfirmation, Store, StoreError, UniqueKey};

use crate::support::*;

fn device(key: &str, sub: &str, created_ms: i64) -> Device {
    Device {
        pool_id: "p".into(),
        device_key: key.into(),
        user_sub: sub.into(),
        group_key: "-group".into(),
        verifier: None,
        name: None,
        remembered: false,
        created_ms,
        modified_ms: created_ms,
        last_auth_ms: created_ms,
    }
}

fn confirmation(remembered: bool) -> DeviceConfirmation {
    DeviceConfirmation {
        verifier: "sealed-verifier".into(),
        name: Some("phone".into()),
        remembered,
        now_ms: 5_000,
    }
}

pub async fn devices_are_confirmed_once_by_their_user(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "s-a").await;
    seed_user(&*store, "p", "bob", "s-b").await;
    for key in ["d-1", "d-2", "d-3"] {
        store
            .insert_device(&device(key, "s-a", 1_000))
            .await
            .unwrap();
    }
    assert_not_found(store.insert_device(&device("d-x", "nobody", 1)).await);
    // Unconfirmed devices are not listed.
    assert!(
        store
            .list_devices("p", "s-a", None, 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );

    // Another user cannot confirm alice's device; alice can, once.
    assert_not_found(
        store
            .confirm_device("p", "s-b", "d-1", &confirmation(true))
            .await,
    );
    store
        .confirm_device("p", "s-a", "d-1", &confirmation(true))
        .await
        .unwrap();
    match store
        .confirm_device("p", "s-a", "d-1", &confirmation(false))
        .await
    {
        Err(StoreError::Conflict(UniqueKey::Id)) => {}
        other => panic!("a second confirmation must conflict, got {other:?}"),
    }
    store
        .confirm_device("p", "s-a", "d-2", &confirmation(false))
        .await
        .unwrap();
    let d1 = store.get_device("p", "d-1").await.unwrap();
    assert_eq!(d1.verifier.as_deref(), Some("sealed-verifier"));
    assert_eq!(d1.name.as_deref(), Some("phone"));
    assert!(d1.remembered);
    assert_eq!(d1.last_auth_ms, 5_000);

    // Paged by key, confirmed only.
    let page = store.list_devices("p", "s-a", None, 1).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].device_key, "d-1");
    let rest = store
        .list_devices("p", "s-a", page.next.as_deref(), 10)
        .await
        .unwrap();
    assert_eq!(
        rest.items
            .iter()
            .map(|d| d.device_key.as_str())
            .collect::<Vec<_>>(),
        ["d-2"]
    );
    assert!(
        store
            .list_devices("p", "s-b", None, 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );

    // Status and deletion are the owner's; an unconfirmed device has no status to set.
    assert_not_found(
        store
            .set_device_remembered("p", "s-b", "d-2", true, 6_000)
            .await,
    );
    assert_not_found(
        store
            .set_device_remembered("p", "s-a", "d-3", true, 6_000)
            .await,
    );
    store
        .set_device_remembered("p", "s-a", "d-2", true, 6_000)
        .await
        .unwrap();
    let d2 = store.get_device("p", "d-2").await.unwrap();
    assert!(d2.remembered);
    assert_eq!(d2.modified_ms, 6_000);
    store.touch_device("p", "d-2", 7_000).await.unwrap();
    assert_eq!(
        store.get_device("p", "d-2").await.unwrap().last_auth_ms,
        7_000
    );
    assert_not_found(store.delete_device("p", "s-b", "d-2").await);
    store.delete_device("p", "s-a", "d-2").await.unwrap();
    assert_not_found(store.get_device("p", "d-2").await);

    // Never-confirmed keys are purged after a day; confirmed ones stay.
    let day = 86_400_000;
    store
        .purge_expired(1_000 + day + 1, 0, i64::MAX / 4, 100)
        .await
        .unwrap();
    assert_not_found(store.get_device("p", "d-3").await);
    store.get_device("p", "d-1").await.unwrap();

    // Devices go with their user.
    store.delete_user("p", "s-a").await.unwrap();
    assert_not_found(store.get_device("p", "d-1").await);
}
