//! `GroupStore`: CRUD, paging, and memberships in both directions.

use std::sync::Arc;

use cogito_core::store::{GroupChanges, Store, StoreError, UniqueKey};

use crate::support::*;

pub async fn group_crud(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_pool(&*store, "q").await;
    let mut g = group("p", "admins");
    store.insert_group(&g).await.unwrap();
    assert_eq!(store.get_group("p", "admins").await.unwrap(), g);
    assert_eq!(
        store.insert_group(&group("p", "admins")).await,
        Err(StoreError::Conflict(UniqueKey::Id))
    );
    // Names are per pool.
    store.insert_group(&group("q", "admins")).await.unwrap();
    assert_eq!(
        store.insert_group(&group("missing", "admins")).await,
        Err(StoreError::NotFound)
    );

    // Only the given members change; the others keep their stored value.
    let changes = GroupChanges {
        role_arn: Some("arn:aws:iam::123456789012:role/Admin".into()),
        modified_ms: 2_000,
        ..GroupChanges::default()
    };
    g.role_arn = changes.role_arn.clone();
    g.modified_ms = 2_000;
    assert_eq!(
        store.update_group("p", "admins", &changes).await.unwrap(),
        g
    );
    assert_eq!(store.get_group("p", "admins").await.unwrap(), g);
    assert_eq!(
        store.get_group("q", "admins").await.unwrap(),
        group("q", "admins")
    );
    assert_eq!(
        store.update_group("p", "nope", &changes).await,
        Err(StoreError::NotFound)
    );

    store.delete_group("p", "admins").await.unwrap();
    assert_eq!(
        store.get_group("p", "admins").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.delete_group("p", "admins").await,
        Err(StoreError::NotFound)
    );
    assert!(store.get_group("q", "admins").await.is_ok());
}

pub async fn group_list_pages(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_pool(&*store, "q").await;
    for name in ["g4", "g1", "g5", "g3", "g2"] {
        store.insert_group(&group("p", name)).await.unwrap();
    }
    store.insert_group(&group("q", "g0")).await.unwrap();
    let (sizes, groups) = all_pages(2, |cursor| {
        let store = store.clone();
        async move { store.list_groups("p", cursor.as_deref(), 2).await }
    })
    .await;
    assert_eq!(sizes, vec![2, 2, 1]);
    let names: Vec<_> = groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["g1", "g2", "g3", "g4", "g5"]);
    assert_eq!(groups[0], group("p", "g1"));
}

pub async fn group_membership(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    let mut users = Vec::new();
    for (i, created) in [30, 10, 20, 40].iter().enumerate() {
        let u = user_at("p", &format!("u{i}"), &format!("s{i}"), *created);
        insert_with_keys(&*store, &u).await;
        users.push(u);
    }
    for name in ["c", "a", "b"] {
        store.insert_group(&group("p", name)).await.unwrap();
    }
    for (g, sub) in [
        ("a", "s0"),
        ("a", "s1"),
        ("a", "s2"),
        ("a", "s3"),
        ("c", "s0"),
        ("b", "s0"),
    ] {
        store.add_member("p", g, sub).await.unwrap();
    }
    // Idempotent.
    store.add_member("p", "a", "s0").await.unwrap();
    assert_eq!(
        store.add_member("p", "nope", "s0").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.add_member("p", "a", "nobody").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.add_member("q", "a", "s0").await,
        Err(StoreError::NotFound)
    );

    let (sizes, groups) = all_pages(2, |cursor| {
        let store = store.clone();
        async move { store.groups_of_user("p", "s0", cursor.as_deref(), 2).await }
    })
    .await;
    assert_eq!(sizes, vec![2, 1]);
    let names: Vec<_> = groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(groups[0], group("p", "a"));

    let (sizes, members) = all_pages(3, |cursor| {
        let store = store.clone();
        async move { store.users_in_group("p", "a", cursor.as_deref(), 3).await }
    })
    .await;
    assert_eq!(sizes, vec![3, 1]);
    assert_eq!(subs(&members), ["s1", "s2", "s0", "s3"]);
    assert_eq!(members[0], users[1]);

    store.remove_member("p", "a", "s1").await.unwrap();
    store.remove_member("p", "a", "s1").await.unwrap();
    store.remove_member("p", "a", "nobody").await.unwrap();
    let page = store.users_in_group("p", "a", None, 10).await.unwrap();
    assert_eq!(
        (subs(&page.items), page.next),
        (vec!["s2".into(), "s0".into(), "s3".into()], None)
    );
    assert!(
        store
            .groups_of_user("p", "s1", None, 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        store
            .users_in_group("p", "nope", None, 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

pub async fn group_delete_removes_memberships(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "s-a").await;
    store.insert_group(&group("p", "g")).await.unwrap();
    store.insert_group(&group("p", "h")).await.unwrap();
    store.add_member("p", "g", "s-a").await.unwrap();
    store.add_member("p", "h", "s-a").await.unwrap();

    store.delete_group("p", "g").await.unwrap();
    let groups = store
        .groups_of_user("p", "s-a", None, 10)
        .await
        .unwrap()
        .items;
    assert_eq!(groups, vec![group("p", "h")]);
    store.insert_group(&group("p", "g")).await.unwrap();
    assert!(
        store
            .users_in_group("p", "g", None, 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(store.get_user_by_sub("p", "s-a").await.is_ok());
}

/// Parallel updates of different members of one group are all kept (no lost update).
pub async fn group_updates_of_different_members_are_all_kept(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    store.insert_group(&group("p", "g")).await.unwrap();
    for round in 0..10_i64 {
        let description = format!("d{round}");
        let role = format!("arn:aws:iam::123456789012:role/r{round}");
        let a = GroupChanges {
            description: Some(description.clone()),
            modified_ms: round,
            ..GroupChanges::default()
        };
        let b = GroupChanges {
            precedence: Some(round),
            modified_ms: round,
            ..GroupChanges::default()
        };
        let c = GroupChanges {
            role_arn: Some(role.clone()),
            modified_ms: round,
            ..GroupChanges::default()
        };
        let (ra, rb, rc) = tokio::join!(
            store.update_group("p", "g", &a),
            store.update_group("p", "g", &b),
            store.update_group("p", "g", &c),
        );
        ra.unwrap();
        rb.unwrap();
        rc.unwrap();
        let g = store.get_group("p", "g").await.unwrap();
        assert_eq!(g.description.as_deref(), Some(description.as_str()));
        assert_eq!(g.precedence, Some(round));
        assert_eq!(g.role_arn.as_deref(), Some(role.as_str()));
    }
}
