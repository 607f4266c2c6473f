//! `PoolStore`: CRUD, paging, user counts, and the cascade of `delete_pool`.

use std::sync::Arc;

use cogito_core::model::CodePurpose;
use cogito_core::model::pool::RecoveryMechanism;
use cogito_core::store::{OutboxQuery, Store, StoreError, StoredKey, UniqueKey};

use crate::support::*;

pub async fn pool_crud(store: Arc<dyn Store>) {
    let mut p = pool("us-east-1_crud");
    assert_eq!(store.get_pool(&p.id).await, Err(StoreError::NotFound));
    store.insert_pool(&p).await.unwrap();
    assert_eq!(store.get_pool(&p.id).await.unwrap(), p);

    p.name = "renamed".into();
    p.mfa_configuration = "OPTIONAL".into();
    p.password_policy.minimum_length = 12;
    p.schema[1].string_attribute_constraints = None;
    p.account_recovery = Some(vec![RecoveryMechanism {
        priority: 1,
        name: "admin_only".into(),
    }]);
    p.unused_account_validity_days = 2;
    p.default_email_option = "CONFIRM_WITH_LINK".into();
    p.extra.insert(
        "EmailConfiguration".into(),
        serde_json::json!({"From": "a@b.c"}),
    );
    let read = store.get_pool_revised(&p.id).await.unwrap().revision;
    store.update_pool(&p, read).await.unwrap();
    assert_eq!(store.get_pool(&p.id).await.unwrap(), p);

    assert_eq!(
        store.update_pool(&pool("us-east-1_missing"), read).await,
        Err(StoreError::NotFound)
    );
    store.delete_pool(&p.id).await.unwrap();
    assert_eq!(store.get_pool(&p.id).await, Err(StoreError::NotFound));
    assert_eq!(store.delete_pool(&p.id).await, Err(StoreError::NotFound));
}

pub async fn pool_insert_duplicate_is_conflict(store: Arc<dyn Store>) {
    store.insert_pool(&pool("us-east-1_dup")).await.unwrap();
    let mut again = pool("us-east-1_dup");
    again.name = "other".into();
    assert_eq!(
        store.insert_pool(&again).await,
        Err(StoreError::Conflict(UniqueKey::Id))
    );
    assert_eq!(
        store.get_pool("us-east-1_dup").await.unwrap(),
        pool("us-east-1_dup")
    );
}

pub async fn pool_list_pages(store: Arc<dyn Store>) {
    for id in ["p_e", "p_a", "p_d", "p_c", "p_b"] {
        store.insert_pool(&pool(id)).await.unwrap();
    }
    let (sizes, pools) = all_pages(2, |cursor| {
        let store = store.clone();
        async move { store.list_pools(cursor.as_deref(), 2).await }
    })
    .await;
    assert_eq!(sizes, vec![2, 2, 1]);
    let ids: Vec<_> = pools.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["p_a", "p_b", "p_c", "p_d", "p_e"]);
    assert_eq!(pools[0], pool("p_a"));

    // Exactly one full page: no cursor.
    let page = store.list_pools(None, 5).await.unwrap();
    assert_eq!((page.items.len(), page.next), (5, None));
}

pub async fn pool_count_users(store: Arc<dyn Store>) {
    seed_pool(&*store, "p1").await;
    seed_pool(&*store, "p2").await;
    assert_eq!(store.count_users("p1").await.unwrap(), 0);
    for (i, name) in ["a", "b", "c"].iter().enumerate() {
        seed_user(&*store, "p1", name, &format!("sub-{i}")).await;
    }
    seed_user(&*store, "p2", "a", "sub-x").await;
    assert_eq!(store.count_users("p1").await.unwrap(), 3);
    assert_eq!(store.count_users("p2").await.unwrap(), 1);
}

pub async fn pool_delete_cascades(store: Arc<dyn Store>) {
    for p in ["doomed", "kept"] {
        seed_pool(&*store, p).await;
        store
            .insert_client(&client(p, &format!("{p}-client")))
            .await
            .unwrap();
        seed_user(&*store, p, "alice", &format!("{p}-sub")).await;
        store.insert_group(&group(p, "admins")).await.unwrap();
        store
            .add_member(p, "admins", &format!("{p}-sub"))
            .await
            .unwrap();
        let sub = format!("{p}-sub");
        store
            .put_code(&code(p, &sub, CodePurpose::SignUp, "h"))
            .await
            .unwrap();
        store
            .put_auth_session(&auth_session(p, &sub, &format!("{p}-as")))
            .await
            .unwrap();
        store
            .insert_refresh(&refresh(p, &sub, &format!("{p}-jti"), &format!("{p}-th")))
            .await
            .unwrap();
        store
            .insert_key(&StoredKey {
                pool_id: p.into(),
                kid: format!("{p}-kid"),
                purpose: "id".into(),
                encrypted_private_key: vec![1, 2, 3],
                created_ms: 1,
                retired_until_ms: None,
            })
            .await
            .unwrap();
        store
            .insert_message(&message(&format!("{p}-m"), p, "alice", 1))
            .await
            .unwrap();
    }
    store.put_setting_if_absent("instance", "v").await.unwrap();

    store.delete_pool("doomed").await.unwrap();
    assert_not_found(store.get_pool("doomed").await);
    assert_not_found(store.find_client("doomed-client").await);
    assert_not_found(store.get_user_by_sub("doomed", "doomed-sub").await);
    assert_not_found(
        store
            .find_user_by_key("doomed", &username_key("alice"))
            .await,
    );
    assert_not_found(store.get_group("doomed", "admins").await);
    assert_not_found(
        store
            .get_code("doomed", "doomed-sub", &CodePurpose::SignUp)
            .await,
    );
    assert_not_found(store.take_auth_session("doomed-as").await);
    assert_not_found(store.get_refresh_by_origin("doomed-jti").await);
    assert_not_found(store.get_refresh_by_hash("doomed-th").await);
    assert!(store.keys_of_pool("doomed").await.unwrap().is_empty());
    let q = OutboxQuery {
        pool_id: Some("doomed".into()),
        ..OutboxQuery::default()
    };
    assert!(store.list_messages(&q).await.unwrap().is_empty());
    assert_eq!(store.count_users("doomed").await.unwrap(), 0);

    // The other pool and instance settings are untouched.
    assert_eq!(store.get_pool("kept").await.unwrap().id, "kept");
    assert_eq!(
        store.find_client("kept-client").await.unwrap().pool_id,
        "kept"
    );
    assert_eq!(
        store
            .find_user_by_key("kept", &username_key("alice"))
            .await
            .unwrap()
            .sub,
        "kept-sub"
    );
    assert_eq!(
        store
            .groups_of_user("kept", "kept-sub", None, 10)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert!(
        store
            .get_code("kept", "kept-sub", &CodePurpose::SignUp)
            .await
            .is_ok()
    );
    assert!(store.get_refresh_by_origin("kept-jti").await.is_ok());
    assert_eq!(store.keys_of_pool("kept").await.unwrap().len(), 1);
    assert_eq!(
        store
            .list_messages(&OutboxQuery::default())
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(store.get_setting("instance").await.unwrap(), "v");

    // The id and the login keys are free again.
    seed_pool(&*store, "doomed").await;
    seed_user(&*store, "doomed", "alice", "new-sub").await;
    assert!(
        store
            .list_groups("doomed", None, 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

pub async fn pool_update_at_a_stale_revision_writes_nothing(store: Arc<dyn Store>) {
    store.insert_pool(&pool("p")).await.unwrap();
    let read = store.get_pool_revised("p").await.unwrap();
    assert_eq!(read.record, pool("p"));

    let mut first = pool("p");
    first.name = "first".into();
    let next = store.update_pool(&first, read.revision).await.unwrap();
    assert_ne!(next, read.revision, "a write moves the revision on");
    assert_eq!(store.get_pool_revised("p").await.unwrap().revision, next);
    let version = store.config_version("p").await.unwrap();

    // A second writer that read before the first one wrote is refused and changes nothing.
    let mut second = pool("p");
    second.mfa_configuration = "ON".into();
    assert_eq!(
        store.update_pool(&second, read.revision).await,
        Err(StoreError::Stale)
    );
    assert_eq!(store.get_pool("p").await.unwrap(), first);
    assert_eq!(store.get_pool_revised("p").await.unwrap().revision, next);
    assert_eq!(store.config_version("p").await.unwrap(), version);

    // At the current revision it lands.
    store.update_pool(&second, next).await.unwrap();
    assert_eq!(store.get_pool("p").await.unwrap(), second);
}

pub async fn pool_updates_from_one_read_have_one_winner(store: Arc<dyn Store>) {
    store.insert_pool(&pool("p")).await.unwrap();
    let read = store.get_pool_revised("p").await.unwrap().revision;
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut p = pool("p");
                p.name = format!("writer {i}");
                (p.clone(), store.update_pool(&p, read).await)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            (p, Ok(_)) => winners.push(p),
            (_, Err(StoreError::Stale)) => {}
            (_, Err(e)) => panic!("update failed with {e:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one writer of one revision wins");
    assert_eq!(store.get_pool("p").await.unwrap(), winners[0]);
}
