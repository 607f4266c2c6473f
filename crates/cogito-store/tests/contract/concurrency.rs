//! Uniqueness and atomicity under concurrent writers: many sign-ups of one username yield one
//! user, unrelated sign-ups all succeed, and concurrent key steals leave consistent keys.

use std::sync::Arc;

use cogito_core::store::{Effects, PasswordAttempt, Store, StoreError, UniqueKey, UserUpdate};

use crate::user_updates::LOCKOUT;

use crate::support::*;

pub async fn concurrent_signups_one_winner(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    let key = username_key("popular");
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            let key = key.clone();
            tokio::spawn(async move {
                let mut u = user("p", "popular", &format!("sub-{i:02}"));
                u.attributes
                    .insert("email".into(), format!("popular{i}@example.com"));
                let email = email_key(&format!("popular{i}@example.com"));
                (
                    i,
                    store
                        .insert_user(&u, &[key, email], false, &Effects::none())
                        .await,
                )
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            (i, Ok(())) => winners.push(i),
            (_, Err(StoreError::Conflict(UniqueKey::LoginKey(k)))) => assert_eq!(k, key),
            (i, Err(e)) => panic!("sign-up {i} failed with {e:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    let winner = format!("sub-{:02}", winners[0]);
    assert_eq!(store.count_users("p").await.unwrap(), 1);
    assert_eq!(store.find_user_by_key("p", &key).await.unwrap().sub, winner);
    // The losers' other keys were not written either.
    for i in 0..20 {
        let found = store
            .find_user_by_key("p", &email_key(&format!("popular{i}@example.com")))
            .await;
        if i == winners[0] {
            assert_eq!(found.unwrap().sub, winner);
        } else {
            assert_eq!(found, Err(StoreError::NotFound));
        }
    }
}

pub async fn concurrent_distinct_signups_all_succeed(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let u = user_at("p", &format!("user{i}"), &format!("sub-{i:02}"), i);
                store
                    .insert_user(&u, &keys_of(&u), false, &Effects::none())
                    .await?;
                // Interleave reads and single-row writes with the transactions.
                assert_eq!(
                    store
                        .begin_password_attempt("p", &u.sub, 1_000_000 + i, &LOCKOUT)
                        .await?,
                    PasswordAttempt::Allowed
                );
                store.get_user_by_sub("p", &u.sub).await
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().failed_attempts, 1);
    }
    assert_eq!(store.count_users("p").await.unwrap(), 40);
    let page = store.list_users("p", None, None, 100).await.unwrap();
    assert_eq!(page.items.len(), 40);
}

pub async fn concurrent_alias_steals_stay_consistent(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    let a = seed_user(&*store, "p", "alice", "s-a").await;
    let b = seed_user(&*store, "p", "bob", "s-b").await;
    let shared = email_key("shared@example.com");
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            let u = if i % 2 == 0 { a.clone() } else { b.clone() };
            tokio::spawn(async move {
                let update = UserUpdate {
                    set_attributes: vec![("email".into(), "shared@example.com".into())],
                    keys: Some(email_keys()),
                    steal_keys: true,
                    ..UserUpdate::default()
                };
                store
                    .update_user("p", &u.sub, &update, &Effects::none())
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let holder = store.find_user_by_key("p", &shared).await.unwrap();
    assert!(holder.sub == "s-a" || holder.sub == "s-b");
    // Both users keep their usernames whatever the interleaving.
    assert_eq!(
        store
            .find_user_by_key("p", &username_key("alice"))
            .await
            .unwrap()
            .sub,
        "s-a"
    );
    assert_eq!(
        store
            .find_user_by_key("p", &username_key("bob"))
            .await
            .unwrap()
            .sub,
        "s-b"
    );
}
