//! `UserStore` (except listing): inserts with login keys, lookups, updates with and without key
//! stealing, lockout counters, and the cascade of `delete_user`.

use std::sync::Arc;

use cogito_core::model::user::{LoginKey, LoginKeyKind};
use cogito_core::model::{CodePurpose, MfaFactor, User, UserMfa, UserStatus};
use cogito_core::store::{
    Effects, FilterField, FilterOp, ImportedUser, Store, StoreError, UniqueKey, UserFilter,
};

use crate::support::*;

pub fn email_filter(value: &str) -> UserFilter {
    UserFilter {
        field: FilterField::Attribute("email".into()),
        op: FilterOp::Equals,
        value: value.into(),
    }
}

pub async fn user_insert_and_read(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    let mut u = user("p", "Alice", "sub-a");
    u.status = UserStatus::ForceChangePassword;
    u.enabled = false;
    u.password_hash = None;
    u.password_history = vec!["h2".into(), "h1".into()];
    u.attributes.insert("custom:team".into(), "Blue".into());
    u.attributes
        .insert("phone_number".into(), "+15550100".into());
    u.failed_attempts = 2;
    u.locked_until_ms = 77;
    u.last_failure_ms = 66;
    let phone = LoginKey {
        kind: LoginKeyKind::PhoneNumber,
        value: "+15550100".into(),
    };
    let keys = vec![
        username_key("Alice"),
        email_key("alice@example.com"),
        phone.clone(),
    ];
    store
        .insert_user(&u, &keys, false, &Effects::none())
        .await
        .unwrap();

    assert_eq!(store.get_user_by_sub("p", "sub-a").await.unwrap(), u);
    for key in &keys {
        assert_eq!(
            store.find_user_by_key("p", key).await.unwrap(),
            u,
            "{key:?}"
        );
    }
    assert_not_found(store.get_user_by_sub("p", "sub-b").await);
    assert_not_found(store.get_user_by_sub("other", "sub-a").await);
    assert_not_found(store.find_user_by_key("p", &username_key("bob")).await);
    assert_not_found(
        store
            .find_user_by_key("other", &username_key("alice"))
            .await,
    );
    // Keys are matched exactly as given; normalising them is the caller's job.
    let upper = LoginKey {
        kind: LoginKeyKind::Username,
        value: "Alice".into(),
    };
    assert_not_found(store.find_user_by_key("p", &upper).await);
}

pub async fn user_key_conflict_writes_nothing(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "sub-a").await;

    // bob's username is free but alice's e-mail is taken: nothing of bob may be written.
    let mut bob = user("p", "bob", "sub-b");
    bob.attributes
        .insert("email".into(), "alice@example.com".into());
    let taken = email_key("alice@example.com");
    assert_key_conflict(
        store
            .insert_user(
                &bob,
                &[username_key("bob"), taken.clone()],
                false,
                &Effects::none(),
            )
            .await,
        &taken,
    );
    assert_not_found(store.get_user_by_sub("p", "sub-b").await);
    assert_not_found(store.find_user_by_key("p", &username_key("bob")).await);
    assert_eq!(store.count_users("p").await.unwrap(), 1);
    let page = store
        .list_users("p", Some(&email_filter("alice@example.com")), None, 10)
        .await;
    assert_eq!(subs(&page.unwrap().items), ["sub-a"]);

    // Same username, other key set.
    let dup = user("p", "alice", "sub-c");
    let key = username_key("alice");
    assert_key_conflict(
        store
            .insert_user(
                &dup,
                &[email_key("c@example.com"), key.clone()],
                false,
                &Effects::none(),
            )
            .await,
        &key,
    );
    assert_not_found(
        store
            .find_user_by_key("p", &email_key("c@example.com"))
            .await,
    );

    // The same key listed twice is not a conflict with itself.
    let carol = user("p", "carol", "sub-d");
    store
        .insert_user(
            &carol,
            &[username_key("carol"), username_key("carol")],
            false,
            &Effects::none(),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .find_user_by_key("p", &username_key("carol"))
            .await
            .unwrap()
            .sub,
        "sub-d",
    );
}

pub async fn user_insert_into_missing_pool_is_not_found(store: Arc<dyn Store>) {
    let u = user("missing", "alice", "sub-a");
    assert_eq!(
        store
            .insert_user(&u, &keys_of(&u), false, &Effects::none())
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store
            .find_user_by_key("missing", &username_key("alice"))
            .await,
        Err(StoreError::NotFound)
    );
}

pub async fn user_duplicate_sub_is_conflict(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "sub-a").await;
    let again = user("p", "other", "sub-a");
    assert_eq!(
        store
            .insert_user(&again, &[username_key("other")], false, &Effects::none())
            .await,
        Err(StoreError::Conflict(UniqueKey::Id))
    );
    assert_eq!(
        store.find_user_by_key("p", &username_key("other")).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.get_user_by_sub("p", "sub-a").await.unwrap().username,
        "alice"
    );
}

pub async fn user_keys_are_per_kind_and_pool(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_pool(&*store, "q").await;
    let a = user("p", "a@example.com", "sub-a");
    store
        .insert_user(
            &a,
            &[username_key("a@example.com")],
            false,
            &Effects::none(),
        )
        .await
        .unwrap();
    // The same value as another kind is a different key.
    let b = user("p", "b", "sub-b");
    store
        .insert_user(
            &b,
            &[username_key("b"), email_key("a@example.com")],
            false,
            &Effects::none(),
        )
        .await
        .unwrap();
    // The same username in another pool is a different key.
    let a2 = user("q", "a@example.com", "sub-a");
    store
        .insert_user(
            &a2,
            &[username_key("a@example.com")],
            false,
            &Effects::none(),
        )
        .await
        .unwrap();

    assert_eq!(
        store
            .find_user_by_key("p", &username_key("a@example.com"))
            .await
            .unwrap()
            .sub,
        "sub-a"
    );
    assert_eq!(
        store
            .find_user_by_key("p", &email_key("a@example.com"))
            .await
            .unwrap()
            .sub,
        "sub-b"
    );
    assert_eq!(
        store
            .find_user_by_key("q", &username_key("a@example.com"))
            .await
            .unwrap()
            .pool_id,
        "q"
    );
}

pub async fn user_delete_cascades(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "sub-a").await;
    let b = seed_user(&*store, "p", "bob", "sub-b").await;
    store.insert_group(&group("p", "g")).await.unwrap();
    for sub in ["sub-a", "sub-b"] {
        store.add_member("p", "g", sub).await.unwrap();
        store
            .put_code(&code("p", sub, CodePurpose::ForgotPassword, "h"))
            .await
            .unwrap();
        store
            .insert_refresh(&refresh(
                "p",
                sub,
                &format!("jti-{sub}"),
                &format!("th-{sub}"),
            ))
            .await
            .unwrap();
        store
            .put_auth_session(&auth_session("p", sub, &format!("as-{sub}")))
            .await
            .unwrap();
    }

    store.delete_user("p", "sub-a").await.unwrap();
    assert_not_found(store.get_user_by_sub("p", "sub-a").await);
    assert_not_found(store.find_user_by_key("p", &username_key("alice")).await);
    assert_not_found(
        store
            .find_user_by_key("p", &email_key("alice@example.com"))
            .await,
    );
    let f = email_filter("alice@example.com");
    assert!(
        store
            .list_users("p", Some(&f), None, 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_not_found(
        store
            .get_code("p", "sub-a", &CodePurpose::ForgotPassword)
            .await,
    );
    assert_not_found(store.get_refresh_by_origin("jti-sub-a").await);
    assert_not_found(store.get_refresh_by_hash("th-sub-a").await);
    assert_not_found(store.take_auth_session("as-sub-a").await);
    assert!(
        store
            .groups_of_user("p", "sub-a", None, 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(
        store
            .users_in_group("p", "g", None, 10)
            .await
            .unwrap()
            .items,
        vec![b.clone()],
    );
    assert_eq!(store.count_users("p").await.unwrap(), 1);
    assert_not_found(store.delete_user("p", "sub-a").await);

    // bob is untouched, and alice's keys are free again.
    assert!(
        store
            .get_code("p", "sub-b", &CodePurpose::ForgotPassword)
            .await
            .is_ok()
    );
    assert!(store.get_refresh_by_origin("jti-sub-b").await.is_ok());
    assert!(store.take_auth_session("as-sub-b").await.is_ok());
    seed_user(&*store, "p", "alice", "sub-a2").await;
}

/// `import_users`: a batch lands whole, with MFA settings and group memberships (a missing group
/// created), findable by every key and listable by attribute; a batch with one taken key (or a
/// key twice in it, or a taken sub) writes nothing.
pub async fn user_import_is_all_or_nothing(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    let imported = |user: User, groups: &[&str]| {
        let keys = keys_of(&user);
        ImportedUser {
            user,
            keys,
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        }
    };
    let batch: Vec<_> = (0..50)
        .map(|i| {
            let mut u = user("p", &format!("imp{i:02}"), &format!("sub-{i:02}"));
            u.password_hash = Some(format!("hash-{i}"));
            u.attributes
                .insert("email".into(), format!("imp{i:02}@example.com"));
            if i % 2 == 0 {
                u.mfa = UserMfa {
                    totp: true,
                    preferred: Some(MfaFactor::Totp),
                    totp_secret: Some(format!("sealed-{i}")),
                    totp_last_step: Some(7),
                    ..UserMfa::default()
                };
            }
            imported(
                u,
                if i % 3 == 0 {
                    &["admins", "staff"]
                } else {
                    &["staff"]
                },
            )
        })
        .collect();
    store.import_users(&batch).await.unwrap();
    for ImportedUser { user: u, keys, .. } in &batch {
        assert_eq!(&store.get_user_by_sub("p", &u.sub).await.unwrap(), u);
        for key in keys {
            assert_eq!(&store.find_user_by_key("p", key).await.unwrap(), u);
        }
    }
    let names = store
        .group_names_of("p", &["sub-03".into(), "sub-01".into(), "nobody".into()])
        .await
        .unwrap();
    assert_eq!(
        names,
        [
            ("sub-01".to_owned(), "staff".to_owned()),
            ("sub-03".to_owned(), "admins".to_owned()),
            ("sub-03".to_owned(), "staff".to_owned()),
        ]
    );
    let groups = store.groups_of_user("p", "sub-03", None, 10).await.unwrap();
    let names: Vec<&str> = groups.items.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["admins", "staff"]);
    let staff = store.users_in_group("p", "staff", None, 60).await.unwrap();
    assert_eq!(staff.items.len(), 50);
    let found = store
        .list_users("p", Some(&email_filter("imp07@example.com")), None, 10)
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);

    // A second batch whose last user takes an existing username: nothing of it is written.
    let mut again: Vec<_> = (50..60)
        .map(|i| {
            imported(
                user("p", &format!("imp{i:02}"), &format!("sub-{i:02}")),
                &["late"],
            )
        })
        .collect();
    again.push(imported(user("p", "imp03", "sub-x"), &[]));
    assert!(matches!(
        store.import_users(&again).await,
        Err(StoreError::Conflict(UniqueKey::LoginKey(_)))
    ));
    assert_not_found(store.get_user_by_sub("p", "sub-50").await);
    assert_not_found(store.get_user_by_sub("p", "sub-x").await);
    assert_not_found(store.get_group("p", "late").await);
    let twice = vec![
        ImportedUser {
            user: user("p", "dup", "sub-d1"),
            keys: vec![username_key("dup")],
            groups: Vec::new(),
        },
        ImportedUser {
            user: user("p", "dup2", "sub-d2"),
            keys: vec![username_key("dup")],
            groups: Vec::new(),
        },
    ];
    assert!(store.import_users(&twice).await.is_err());
    assert_not_found(store.get_user_by_sub("p", "sub-d1").await);
    // A sub already there.
    let same_sub = vec![imported(user("p", "other", "sub-07"), &[])];
    assert!(matches!(
        store.import_users(&same_sub).await,
        Err(StoreError::Conflict(_))
    ));
}

/// `get_session_user`: the user with whether the token's session is live — false when the
/// session is revoked, missing, or another user's; `NotFound` once the user is gone.
pub async fn user_with_session_in_one_lookup(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    let alice = seed_user(&*store, "p", "alice", "sub-a").await;
    seed_user(&*store, "p", "bob", "sub-b").await;
    store
        .insert_refresh(&refresh("p", "sub-a", "ja", "ha"))
        .await
        .unwrap();
    store
        .insert_refresh(&refresh("p", "sub-b", "jb", "hb"))
        .await
        .unwrap();
    assert_eq!(
        store.get_session_user("p", "sub-a", "ja").await.unwrap(),
        (alice.clone(), true)
    );
    assert_eq!(
        store.get_session_user("p", "sub-a", "jb").await.unwrap(),
        (alice.clone(), false),
        "bob's session is not alice's"
    );
    assert_eq!(
        store.get_session_user("p", "sub-a", "nope").await.unwrap(),
        (alice.clone(), false)
    );
    store.revoke_refresh("ja", 5).await.unwrap();
    assert_eq!(
        store.get_session_user("p", "sub-a", "ja").await.unwrap(),
        (alice, false)
    );
    assert_not_found(store.get_session_user("p", "sub-x", "jb").await);
    assert_not_found(store.get_session_user("other", "sub-b", "jb").await);
    store.delete_user("p", "sub-b").await.unwrap();
    assert_not_found(store.get_session_user("p", "sub-b", "jb").await);
}
