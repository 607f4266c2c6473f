//! `ClientStore`: CRUD, lookups with and without the pool, conflicts and paging.

use std::sync::Arc;

use cogito_core::model::client::{RefreshTokenRotation, TokenValidityUnits};
use cogito_core::store::{Store, StoreError, UniqueKey};

use crate::support::*;

pub async fn client_crud(store: Arc<dyn Store>) {
    seed_pool(&*store, "p1").await;
    seed_pool(&*store, "p2").await;
    let mut c = client("p1", "c1");
    c.secret = Some("s3cr3t".into());
    store.insert_client(&c).await.unwrap();
    assert_eq!(store.get_client("p1", "c1").await.unwrap(), c);
    assert_eq!(store.find_client("c1").await.unwrap(), c);
    assert_eq!(
        store.get_client("p2", "c1").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.get_client("p1", "nope").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(store.find_client("nope").await, Err(StoreError::NotFound));

    c.name = "renamed".into();
    c.units = Some(TokenValidityUnits::default());
    c.read_attributes = Some(vec!["email".into(), "name".into()]);
    c.refresh_token_rotation = Some(RefreshTokenRotation {
        enabled: true,
        retry_grace_period_seconds: 5,
    });
    c.oauth.callback_urls = vec!["https://a.example/cb".into()];
    c.oauth.default_redirect_uri = Some("https://a.example/cb".into());
    c.extra.insert(
        "CallbackURLs".into(),
        serde_json::json!(["https://a.example/cb"]),
    );
    let read = store.get_client_revised("p1", "c1").await.unwrap().revision;
    store.update_client(&c, read).await.unwrap();
    assert_eq!(store.find_client("c1").await.unwrap(), c);
    assert_eq!(
        store.update_client(&client("p1", "nope"), read).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.update_client(&client("p2", "c1"), read).await,
        Err(StoreError::NotFound)
    );

    assert_eq!(
        store.delete_client("p2", "c1").await,
        Err(StoreError::NotFound)
    );
    store.delete_client("p1", "c1").await.unwrap();
    assert_eq!(store.find_client("c1").await, Err(StoreError::NotFound));
    assert_eq!(
        store.delete_client("p1", "c1").await,
        Err(StoreError::NotFound)
    );
}

pub async fn client_conflict_and_missing_pool(store: Arc<dyn Store>) {
    seed_pool(&*store, "p1").await;
    seed_pool(&*store, "p2").await;
    store.insert_client(&client("p1", "c1")).await.unwrap();
    assert_eq!(
        store.insert_client(&client("p1", "c1")).await,
        Err(StoreError::Conflict(UniqueKey::Id))
    );
    // Client ids are global: the same id in another pool is taken too.
    assert_eq!(
        store.insert_client(&client("p2", "c1")).await,
        Err(StoreError::Conflict(UniqueKey::Id))
    );
    assert_eq!(
        store.insert_client(&client("missing", "c9")).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(store.find_client("c9").await, Err(StoreError::NotFound));
}

pub async fn client_list_pages(store: Arc<dyn Store>) {
    seed_pool(&*store, "p1").await;
    seed_pool(&*store, "p2").await;
    for id in ["c5", "c3", "c1", "c4", "c2", "c6", "c7"] {
        store.insert_client(&client("p1", id)).await.unwrap();
    }
    store.insert_client(&client("p2", "c0")).await.unwrap();
    let (sizes, clients) = all_pages(3, |cursor| {
        let store = store.clone();
        async move { store.list_clients("p1", cursor.as_deref(), 3).await }
    })
    .await;
    assert_eq!(sizes, vec![3, 3, 1]);
    let ids: Vec<_> = clients.iter().map(|c| c.client_id.as_str()).collect();
    assert_eq!(ids, ["c1", "c2", "c3", "c4", "c5", "c6", "c7"]);
    assert_eq!(clients[0], client("p1", "c1"));

    let p2 = store.list_clients("p2", None, 10).await.unwrap();
    assert_eq!((p2.items.len(), p2.next), (1, None));
    assert!(
        store
            .list_clients("empty", None, 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

pub async fn client_update_at_a_stale_revision_writes_nothing(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    store.insert_client(&client("p", "c")).await.unwrap();
    let read = store.get_client_revised("p", "c").await.unwrap();
    assert_eq!(read.record, client("p", "c"));

    let mut first = client("p", "c");
    first.name = "first".into();
    let next = store.update_client(&first, read.revision).await.unwrap();
    assert_ne!(next, read.revision, "a write moves the revision on");
    assert_eq!(
        store.get_client_revised("p", "c").await.unwrap().revision,
        next
    );
    let version = store.config_version("p").await.unwrap();

    // A second writer that read before the first one wrote is refused and changes nothing.
    let mut second = client("p", "c");
    second.read_attributes = Some(vec!["email".into()]);
    assert_eq!(
        store.update_client(&second, read.revision).await,
        Err(StoreError::Stale)
    );
    assert_eq!(store.get_client("p", "c").await.unwrap(), first);
    assert_eq!(store.config_version("p").await.unwrap(), version);

    // At the current revision it lands.
    store.update_client(&second, next).await.unwrap();
    assert_eq!(store.get_client("p", "c").await.unwrap(), second);
}

pub async fn client_updates_from_one_read_have_one_winner(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    store.insert_client(&client("p", "c")).await.unwrap();
    let read = store.get_client_revised("p", "c").await.unwrap().revision;
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut c = client("p", "c");
                c.name = format!("writer {i}");
                (c.clone(), store.update_client(&c, read).await)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            (c, Ok(_)) => winners.push(c),
            (_, Err(StoreError::Stale)) => {}
            (_, Err(e)) => panic!("update failed with {e:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one writer of one revision wins");
    assert_eq!(store.get_client("p", "c").await.unwrap(), winners[0]);
}
