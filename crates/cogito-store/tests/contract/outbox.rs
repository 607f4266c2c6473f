//! `OutboxStore`: newest-first listing, pool and username filters, limits.

use std::sync::Arc;

use cogito_core::model::DeliveryMedium;
use cogito_core::store::{OutboxQuery, Store, StoreError};

use crate::support::*;

fn ids(messages: &[cogito_core::model::OutboxMessage]) -> Vec<&str> {
    messages.iter().map(|m| m.id.as_str()).collect()
}

pub async fn outbox_newest_first(store: Arc<dyn Store>) {
    let mut sms = message("m2", "p", "bob", 300);
    sms.medium = DeliveryMedium::Sms;
    sms.subject = String::new();
    sms.code = None;
    sms.destination = "+15550100".into();
    let all = [
        message("m1", "p", "alice", 100),
        sms.clone(),
        message("m3", "p", "alice", 200),
        // Same instant as m2: the later insert is newer.
        message("m4", "p", "alice", 300),
    ];
    for m in &all {
        store.insert_message(m).await.unwrap();
    }
    let got = store.list_messages(&OutboxQuery::default()).await.unwrap();
    assert_eq!(ids(&got), ["m4", "m2", "m3", "m1"]);
    assert_eq!(got[1], sms);
    assert_eq!(got[3], all[0]);

    let two = OutboxQuery {
        limit: 2,
        ..OutboxQuery::default()
    };
    assert_eq!(ids(&store.list_messages(&two).await.unwrap()), ["m4", "m2"]);

    assert!(matches!(
        store.insert_message(&all[0]).await,
        Err(StoreError::Conflict(_))
    ));
}

pub async fn outbox_filters(store: Arc<dyn Store>) {
    for (id, pool, user, at) in [
        ("a", "p", "alice", 1),
        ("b", "q", "alice", 2),
        ("c", "p", "bob", 3),
        ("d", "p", "alice", 4),
        ("e", "q", "carol", 5),
    ] {
        store
            .insert_message(&message(id, pool, user, at))
            .await
            .unwrap();
    }
    let q = |pool: Option<&str>, user: Option<&str>, limit| OutboxQuery {
        pool_id: pool.map(Into::into),
        username: user.map(Into::into),
        limit,
    };
    let list = |query: OutboxQuery| {
        let store = store.clone();
        async move { store.list_messages(&query).await.unwrap() }
    };
    assert_eq!(ids(&list(q(Some("p"), None, 0)).await), ["d", "c", "a"]);
    assert_eq!(ids(&list(q(Some("q"), None, 0)).await), ["e", "b"]);
    assert_eq!(ids(&list(q(None, Some("alice"), 0)).await), ["d", "b", "a"]);
    assert_eq!(ids(&list(q(Some("p"), Some("alice"), 0)).await), ["d", "a"]);
    assert_eq!(ids(&list(q(Some("p"), Some("alice"), 1)).await), ["d"]);
    assert!(list(q(Some("p"), Some("carol"), 0)).await.is_empty());
    assert!(list(q(Some("zzz"), None, 0)).await.is_empty());
}

pub async fn outbox_default_limit(store: Arc<dyn Store>) {
    for i in 0..105 {
        store
            .insert_message(&message(&format!("m{i:03}"), "p", "alice", i))
            .await
            .unwrap();
    }
    let got = store.list_messages(&OutboxQuery::default()).await.unwrap();
    assert_eq!(got.len(), 100);
    assert_eq!((got[0].id.as_str(), got[99].id.as_str()), ("m104", "m005"));
    let all = OutboxQuery {
        limit: 500,
        ..OutboxQuery::default()
    };
    assert_eq!(store.list_messages(&all).await.unwrap().len(), 105);
}
