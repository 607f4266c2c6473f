//! Durability: what a store acknowledged is there after the store is dropped and the same
//! database is opened again.

use cogito_core::store::OutboxQuery;
use cogito_store::open_store;

use crate::support::*;

pub async fn data_survives_reopen(url: String) {
    let store = open_store(&url).await.unwrap();
    seed_pool(&*store, "p").await;
    let u = seed_user(&*store, "p", "alice", "s-a").await;
    store.insert_client(&client("p", "c1")).await.unwrap();
    store.insert_group(&group("p", "g")).await.unwrap();
    store.add_member("p", "g", "s-a").await.unwrap();
    store
        .insert_refresh(&refresh("p", "s-a", "jti", "th"))
        .await
        .unwrap();
    store
        .put_setting_if_absent("instance", "first")
        .await
        .unwrap();
    store
        .insert_message(&message("m1", "p", "alice", 1))
        .await
        .unwrap();
    drop(store);

    let store = open_store(&url).await.unwrap();
    assert_eq!(store.get_pool("p").await.unwrap(), pool("p"));
    assert_eq!(
        store
            .find_user_by_key("p", &username_key("alice"))
            .await
            .unwrap(),
        u
    );
    assert_eq!(store.find_client("c1").await.unwrap(), client("p", "c1"));
    assert_eq!(
        store
            .users_in_group("p", "g", None, 10)
            .await
            .unwrap()
            .items,
        vec![u.clone()]
    );
    assert_eq!(
        store.get_refresh_by_hash("th").await.unwrap().origin_jti,
        "jti"
    );
    assert_eq!(
        store
            .put_setting_if_absent("instance", "second")
            .await
            .unwrap(),
        "first"
    );
    assert_eq!(
        store
            .list_messages(&OutboxQuery::default())
            .await
            .unwrap()
            .len(),
        1
    );

    // Writes after reopening work, and a third open still sees everything.
    seed_user(&*store, "p", "bob", "s-b").await;
    drop(store);
    let store = open_store(&url).await.unwrap();
    assert_eq!(store.count_users("p").await.unwrap(), 2);
}
