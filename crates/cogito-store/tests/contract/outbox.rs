//! `OutboxStore`: newest-first listing, pool and username filters, limits; the delivery queue:
//! claiming due messages (once each, also when two claim at once), recording outcomes.

use std::sync::Arc;

use cogito_core::model::{DeliveryMedium, DeliveryState, DeliveryStatus};
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

pub async fn outbox_due_messages_are_claimed_once_and_outcomes_recorded(store: Arc<dyn Store>) {
    // m1 is held until 60_100 (its first attempt), m2 until 60_200.
    for m in [
        message("m1", "p", "alice", 100),
        message("m2", "p", "bob", 200),
    ] {
        store.insert_message(&m).await.unwrap();
    }
    assert!(
        store
            .claim_due_messages(60_000, 120_000, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let claimed = store.claim_due_messages(60_150, 120_150, 10).await.unwrap();
    assert_eq!(ids(&claimed), ["m1"]);
    assert_eq!(
        claimed[0].delivery.next_attempt_ms, 120_150,
        "held by the claim"
    );
    assert_eq!(claimed[0].body, "Your verification code is 123456. ");
    // Held now: a second claim does not get m1 again.
    let again = store.claim_due_messages(60_300, 120_300, 10).await.unwrap();
    assert_eq!(ids(&again), ["m2"]);
    let failed = DeliveryStatus {
        state: DeliveryState::Pending,
        attempts: 1,
        next_attempt_ms: 65_000,
        last_error: Some("smtp: connection refused".into()),
    };
    assert!(store.record_delivery("m1", &failed).await.unwrap());
    let sent = DeliveryStatus {
        state: DeliveryState::Sent,
        attempts: 1,
        next_attempt_ms: 60_300,
        last_error: None,
    };
    assert!(store.record_delivery("m2", &sent).await.unwrap());
    assert!(
        !store.record_delivery("m2", &sent).await.unwrap(),
        "a message no longer pending is not changed"
    );
    assert!(!store.record_delivery("nope", &sent).await.unwrap());
    let retried = store.claim_due_messages(65_000, 125_000, 10).await.unwrap();
    assert_eq!(ids(&retried), ["m1"], "a sent message is never claimed");
    assert_eq!(retried[0].delivery.attempts, 1);
    assert_eq!(
        retried[0].delivery.last_error.as_deref(),
        Some("smtp: connection refused")
    );
    let dead = DeliveryStatus {
        state: DeliveryState::Dead,
        attempts: 8,
        next_attempt_ms: 65_000,
        last_error: Some("smtp: 550".into()),
    };
    assert!(store.record_delivery("m1", &dead).await.unwrap());
    assert!(
        store
            .claim_due_messages(i64::MAX / 2, i64::MAX / 2, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let listed = store.list_messages(&OutboxQuery::default()).await.unwrap();
    let state = |id: &str| {
        listed
            .iter()
            .find(|m| m.id == id)
            .map(|m| (m.delivery.state, m.delivery.attempts))
    };
    assert_eq!(state("m1"), Some((DeliveryState::Dead, 8)));
    assert_eq!(state("m2"), Some((DeliveryState::Sent, 1)));
}

pub async fn outbox_parallel_claims_share_the_due_messages(store: Arc<dyn Store>) {
    for i in 0..40 {
        store
            .insert_message(&message(&format!("m{i:02}"), "p", "alice", i))
            .await
            .unwrap();
    }
    let now = 1_000_000;
    let claims: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.claim_due_messages(now, now + 60_000, 15).await })
        })
        .collect();
    let mut all = Vec::new();
    for c in claims {
        all.extend(c.await.unwrap().unwrap().into_iter().map(|m| m.id));
    }
    let claimed = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), claimed, "a message claimed twice");
    assert_eq!(claimed, 40, "every due message claimed");
}
