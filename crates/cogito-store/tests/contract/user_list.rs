//! `UserStore::list_users`: creation order, paging, and each filter (`=` and `^=`) on username,
//! status, enabled, sub and attributes.

use std::sync::Arc;

use cogito_core::model::{User, UserStatus};
use cogito_core::store::{FilterField, FilterOp, Store, UserFilter};

use crate::support::*;

fn filter(field: FilterField, op: FilterOp, value: &str) -> UserFilter {
    UserFilter {
        field,
        op,
        value: value.into(),
    }
}

fn attr(name: &str, op: FilterOp, value: &str) -> UserFilter {
    filter(FilterField::Attribute(name.into()), op, value)
}

/// Subs of every user matching `f` in pool `p`, read in pages of `limit`.
async fn matching(
    store: &Arc<dyn Store>,
    p: &str,
    f: Option<UserFilter>,
    limit: u32,
) -> Vec<String> {
    let (_, users) = all_pages(limit as usize, |cursor| {
        let (store, f) = (store.clone(), f.clone());
        let p = p.to_owned();
        async move {
            store
                .list_users(&p, f.as_ref(), cursor.as_deref(), limit)
                .await
        }
    })
    .await;
    subs(&users)
}

/// Inserts `u` with its keys into a pool that already exists.
async fn put(store: &Arc<dyn Store>, u: User) -> User {
    insert_with_keys(&**store, &u).await;
    u
}

pub async fn list_users_pages_in_creation_order(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_pool(&*store, "q").await;
    for (name, sub, created) in [
        ("u1", "s1", 3_000),
        ("u2", "s2", 1_000),
        ("u3", "s3", 2_000),
        ("u4", "s0", 2_000),
        ("u5", "s9", 1_000),
        ("u6", "s5", 5_000),
        ("u7", "s4", 4_000),
    ] {
        put(&store, user_at("p", name, sub, created)).await;
    }
    put(&store, user_at("q", "other", "s-q", 500)).await;

    let expected = ["s2", "s9", "s0", "s3", "s1", "s4", "s5"];
    let (sizes, users) = all_pages(3, |cursor| {
        let store = store.clone();
        async move { store.list_users("p", None, cursor.as_deref(), 3).await }
    })
    .await;
    assert_eq!(sizes, vec![3, 3, 1]);
    assert_eq!(subs(&users), expected);
    assert_eq!(users[0], user_at("p", "u2", "s2", 1_000));

    let whole = store.list_users("p", None, None, 7).await.unwrap();
    assert_eq!(
        (subs(&whole.items), whole.next),
        (expected.map(String::from).to_vec(), None)
    );
    assert_eq!(matching(&store, "p", None, 1).await, expected);
    assert!(
        store
            .list_users("empty", None, None, 5)
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

pub async fn list_users_filter_email(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_pool(&*store, "q").await;
    let mut alice = user_at("p", "alice", "s-alice", 1);
    alice
        .attributes
        .insert("email".into(), "Alice@Example.com".into());
    put(&store, alice).await;
    put(&store, user_at("p", "alicia", "s-alicia", 2)).await;
    put(&store, user_at("p", "bob", "s-bob", 3)).await;
    let mut carol = user_at("p", "carol", "s-carol", 4);
    carol.attributes.clear();
    put(&store, carol).await;
    put(&store, user_at("q", "alice", "s-q", 0)).await;

    use FilterOp::{Equals, Prefix};
    let m = |f| matching(&store, "p", Some(f), 10);
    assert_eq!(
        m(attr("email", Equals, "alice@example.com")).await,
        ["s-alice"]
    );
    assert_eq!(m(attr("email", Equals, "bob@example.com")).await, ["s-bob"]);
    assert!(m(attr("email", Equals, "alice")).await.is_empty());
    assert!(
        m(attr("email", Equals, "nobody@example.com"))
            .await
            .is_empty()
    );
    assert_eq!(
        m(attr("email", Prefix, "ali")).await,
        ["s-alice", "s-alicia"]
    );
    assert_eq!(m(attr("email", Prefix, "alice@")).await, ["s-alice"]);
    assert_eq!(
        m(attr("email", Prefix, "alicia@example.com")).await,
        ["s-alicia"]
    );
    assert_eq!(
        m(attr("email", Prefix, "")).await,
        ["s-alice", "s-alicia", "s-bob"]
    );
    assert!(m(attr("email", Prefix, "z")).await.is_empty());
}

pub async fn list_users_prefix_ignores_other_attributes(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    let mut x = user_at("p", "alice-user", "s-x", 1);
    x.attributes
        .insert("email".into(), "zed@example.com".into());
    x.attributes.insert("given_name".into(), "Alice".into());
    put(&store, x).await;
    let mut y = user_at("p", "y", "s-y", 2);
    y.attributes
        .insert("email".into(), "alice@example.com".into());
    y.attributes.insert("given_name".into(), "Yolanda".into());
    put(&store, y).await;

    use FilterOp::{Equals, Prefix};
    let m = |f| matching(&store, "p", Some(f), 10);
    assert_eq!(m(attr("email", Prefix, "ali")).await, ["s-y"]);
    assert_eq!(m(attr("given_name", Prefix, "ali")).await, ["s-x"]);
    assert_eq!(m(attr("given_name", Equals, "alice")).await, ["s-x"]);
    assert!(m(attr("family_name", Prefix, "")).await.is_empty());
    assert!(m(attr("name", Prefix, "ali")).await.is_empty());
}

pub async fn list_users_filter_username(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    for (i, name) in ["Alice", "alfred", "bob", "ALBERT"].iter().enumerate() {
        put(
            &store,
            user_at("p", name, &format!("s{i}"), i64::try_from(i).unwrap()),
        )
        .await;
    }
    use FilterOp::{Equals, Prefix};
    let m = |f| matching(&store, "p", Some(f), 10);
    let username = |op, v| filter(FilterField::Username, op, v);
    assert_eq!(m(username(Equals, "alice")).await, ["s0"]);
    assert_eq!(m(username(Equals, "albert")).await, ["s3"]);
    assert!(m(username(Equals, "al")).await.is_empty());
    assert_eq!(m(username(Prefix, "al")).await, ["s0", "s1", "s3"]);
    assert_eq!(m(username(Prefix, "bo")).await, ["s2"]);
    assert_eq!(m(username(Prefix, "")).await, ["s0", "s1", "s2", "s3"]);
    assert!(m(username(Prefix, "c")).await.is_empty());
}

pub async fn list_users_filter_status(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    let statuses = [
        UserStatus::Unconfirmed,
        UserStatus::Confirmed,
        UserStatus::ForceChangePassword,
        UserStatus::Confirmed,
        UserStatus::ResetRequired,
    ];
    for (i, status) in statuses.iter().enumerate() {
        let mut u = user_at(
            "p",
            &format!("u{i}"),
            &format!("s{i}"),
            i64::try_from(i).unwrap(),
        );
        u.status = *status;
        put(&store, u).await;
    }
    use FilterOp::{Equals, Prefix};
    let m = |f| matching(&store, "p", Some(f), 10);
    let status = |op, v| filter(FilterField::Status, op, v);
    assert_eq!(m(status(Equals, "CONFIRMED")).await, ["s1", "s3"]);
    assert_eq!(m(status(Equals, "UNCONFIRMED")).await, ["s0"]);
    assert_eq!(m(status(Equals, "FORCE_CHANGE_PASSWORD")).await, ["s2"]);
    assert_eq!(m(status(Equals, "RESET_REQUIRED")).await, ["s4"]);
    assert!(m(status(Equals, "CONF")).await.is_empty());
    assert_eq!(m(status(Prefix, "CONF")).await, ["s1", "s3"]);
    assert_eq!(m(status(Prefix, "FORCE")).await, ["s2"]);
    assert_eq!(m(status(Prefix, "RE")).await, ["s4"]);
}

pub async fn list_users_filter_enabled(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    for i in 0..5 {
        let mut u = user_at("p", &format!("u{i}"), &format!("s{i}"), i);
        u.enabled = i % 2 == 0;
        put(&store, u).await;
    }
    let m = |f| matching(&store, "p", Some(f), 2);
    let enabled = |v| filter(FilterField::Enabled, FilterOp::Equals, v);
    assert_eq!(m(enabled("true")).await, ["s0", "s2", "s4"]);
    assert_eq!(m(enabled("false")).await, ["s1", "s3"]);
}

pub async fn list_users_filter_sub(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_pool(&*store, "q").await;
    for (i, sub) in ["abd-1", "abc-2", "abc-1", "xyz-9"].iter().enumerate() {
        put(
            &store,
            user_at("p", &format!("u{i}"), sub, i64::try_from(i).unwrap()),
        )
        .await;
    }
    put(&store, user_at("q", "other", "abc-3", 0)).await;
    use FilterOp::{Equals, Prefix};
    let m = |f| matching(&store, "p", Some(f), 10);
    let sub = |op, v| filter(FilterField::Sub, op, v);
    assert_eq!(m(sub(Equals, "abc-1")).await, ["abc-1"]);
    assert!(m(sub(Equals, "abc")).await.is_empty());
    assert!(m(sub(Equals, "abc-3")).await.is_empty());
    assert_eq!(m(sub(Prefix, "abc")).await, ["abc-2", "abc-1"]);
    assert_eq!(m(sub(Prefix, "ab")).await, ["abd-1", "abc-2", "abc-1"]);
    assert!(m(sub(Prefix, "b")).await.is_empty());
}

pub async fn list_users_filtered_pages(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    let mut team = Vec::new();
    let mut smiths = Vec::new();
    for i in 0..15_i64 {
        // Interleave the matching users with others, some created at the same instant.
        let name = if i % 3 == 0 {
            format!("solo{i}")
        } else {
            format!("team{i}")
        };
        let mut u = user_at("p", &name, &format!("sub-{:02}", 15 - i), i / 2);
        if i % 2 == 0 {
            u.attributes.insert("family_name".into(), "Smith".into());
            smiths.push(u.sub.clone());
        }
        if name.starts_with("team") {
            team.push(u.sub.clone());
        }
        put(&store, u).await;
    }
    let in_order = |subs: &mut Vec<String>| {
        subs.sort_by_key(|s| {
            let i = 15 - s.trim_start_matches("sub-").parse::<i64>().unwrap();
            (i / 2, s.clone())
        })
    };
    in_order(&mut team);
    in_order(&mut smiths);
    use FilterOp::{Equals, Prefix};
    for limit in [1, 3, 4, 100] {
        assert_eq!(
            matching(&store, "p", Some(attr("email", Prefix, "team")), limit).await,
            team
        );
        let f = filter(FilterField::Username, FilterOp::Prefix, "team");
        assert_eq!(matching(&store, "p", Some(f), limit).await, team);
        assert_eq!(
            matching(
                &store,
                "p",
                Some(attr("family_name", Equals, "smith")),
                limit
            )
            .await,
            smiths
        );
        let confirmed = filter(FilterField::Status, Equals, "CONFIRMED");
        assert_eq!(
            matching(&store, "p", Some(confirmed), limit).await.len(),
            15
        );
    }
    let (sizes, _) = all_pages(4, |cursor| {
        let store = store.clone();
        async move {
            let f = attr("email", Prefix, "team");
            store.list_users("p", Some(&f), cursor.as_deref(), 4).await
        }
    })
    .await;
    assert_eq!(sizes, vec![4, 4, 2]);
}

pub async fn list_users_sees_updates(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "s-a").await;
    seed_user(&*store, "p", "bob", "s-b").await;
    let update = cogito_core::store::UserUpdate {
        status: Some(UserStatus::ResetRequired),
        enabled: Some(false),
        set_attributes: vec![("email".into(), "new@example.com".into())],
        keys: Some(email_keys()),
        ..Default::default()
    };
    store
        .update_user("p", "s-a", &update, &cogito_core::store::Effects::none())
        .await
        .unwrap();

    use FilterOp::{Equals, Prefix};
    let m = |f| matching(&store, "p", Some(f), 10);
    assert_eq!(
        m(filter(FilterField::Status, Equals, "RESET_REQUIRED")).await,
        ["s-a"]
    );
    assert_eq!(
        m(filter(FilterField::Status, Equals, "CONFIRMED")).await,
        ["s-b"]
    );
    assert_eq!(
        m(filter(FilterField::Enabled, Equals, "false")).await,
        ["s-a"]
    );
    assert_eq!(m(attr("email", Prefix, "new")).await, ["s-a"]);
    assert!(m(attr("email", Prefix, "alice")).await.is_empty());
}
