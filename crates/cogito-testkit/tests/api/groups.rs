//! Groups (reference §8.12): `CreateGroup`, `GetGroup`, `UpdateGroup`, `DeleteGroup`,
//! `ListGroups`; memberships with `AdminAddUserToGroup`, `AdminRemoveUserFromGroup`,
//! `AdminListGroupsForUser`, `ListUsersInGroup`; pagination (§1.6) and errors (§7.2).

use cogito_testkit::TestApp;
use cogito_testkit::sdk::types::GroupType;

use crate::helpers::{confirmed_user, err};

const PW: &str = "Passw0rd!";
const ROLE: &str = "arn:aws:iam::123456789012:role/admins";
const MISSING_POOL: &str = "us-east-1_NoSuchPool";

fn group_not_found() -> (String, String) {
    (
        "ResourceNotFoundException".into(),
        "Group not found.".into(),
    )
}

fn pool_not_found(pool: &str) -> (String, String) {
    (
        "ResourceNotFoundException".into(),
        format!("User pool {pool} does not exist."),
    )
}

fn user_not_found() -> (String, String) {
    (
        "UserNotFoundException".into(),
        "User does not exist.".into(),
    )
}

async fn group(app: &TestApp, pool: &str, name: &str) {
    app.sdk
        .create_group()
        .user_pool_id(pool)
        .group_name(name)
        .send()
        .await
        .unwrap();
}

async fn get(app: &TestApp, pool: &str, name: &str) -> GroupType {
    app.sdk
        .get_group()
        .user_pool_id(pool)
        .group_name(name)
        .send()
        .await
        .unwrap()
        .group
        .expect("group")
}

async fn add(app: &TestApp, pool: &str, user: &str, group: &str) {
    app.sdk
        .admin_add_user_to_group()
        .user_pool_id(pool)
        .username(user)
        .group_name(group)
        .send()
        .await
        .unwrap();
}

/// Names of a user's groups (first page of up to 60).
async fn groups_of(app: &TestApp, pool: &str, user: &str) -> Vec<String> {
    let r = app
        .sdk
        .admin_list_groups_for_user()
        .user_pool_id(pool)
        .username(user)
        .send()
        .await
        .unwrap();
    assert!(r.next_token().is_none());
    r.groups()
        .iter()
        .map(|g| g.group_name().unwrap().to_string())
        .collect()
}

/// Usernames in a group (first page of up to 60).
async fn members(app: &TestApp, pool: &str, group: &str) -> Vec<String> {
    let r = app
        .sdk
        .list_users_in_group()
        .user_pool_id(pool)
        .group_name(group)
        .send()
        .await
        .unwrap();
    assert!(r.next_token().is_none());
    let mut v: Vec<String> = r
        .users()
        .iter()
        .map(|u| u.username().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn create_and_get_a_group() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let g = app
        .sdk
        .create_group()
        .user_pool_id(&pool)
        .group_name("admins")
        .description("Administrators")
        .precedence(1)
        .role_arn(ROLE)
        .send()
        .await
        .unwrap()
        .group
        .unwrap();
    assert_eq!(g.group_name(), Some("admins"));
    assert_eq!(g.user_pool_id(), Some(pool.as_str()));
    assert_eq!(g.description(), Some("Administrators"));
    assert_eq!(g.precedence(), Some(1));
    assert_eq!(g.role_arn(), Some(ROLE));
    assert!(g.creation_date().is_some());
    assert_eq!(g.creation_date(), g.last_modified_date());
    assert_eq!(get(&app, &pool, "admins").await, g);
}

#[tokio::test]
async fn optional_group_members_are_absent_when_not_given() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    group(&app, &pool, "plain").await;
    let g = get(&app, &pool, "plain").await;
    assert_eq!(g.group_name(), Some("plain"));
    assert!(g.description().is_none() && g.precedence().is_none() && g.role_arn().is_none());
}

#[tokio::test]
async fn duplicate_group_is_refused() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    app.sdk
        .create_group()
        .user_pool_id(&pool)
        .group_name("admins")
        .description("first")
        .send()
        .await
        .unwrap();
    let r = app
        .sdk
        .create_group()
        .user_pool_id(&pool)
        .group_name("admins")
        .description("second")
        .send()
        .await;
    assert_eq!(
        err(r),
        (
            "GroupExistsException".into(),
            "A group with the name already exists.".into()
        )
    );
    assert_eq!(
        get(&app, &pool, "admins").await.description(),
        Some("first")
    );

    // The same name in another pool is a different group.
    let other = app.pool("other").await;
    group(&app, &other, "admins").await;
    assert!(get(&app, &other, "admins").await.description().is_none());
}

#[tokio::test]
async fn unknown_group_is_resource_not_found() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let r = app
        .sdk
        .get_group()
        .user_pool_id(&pool)
        .group_name("nope")
        .send()
        .await;
    assert_eq!(err(r), group_not_found());
    let r = app
        .sdk
        .update_group()
        .user_pool_id(&pool)
        .group_name("nope")
        .description("d")
        .send()
        .await;
    assert_eq!(err(r), group_not_found());
    let r = app
        .sdk
        .delete_group()
        .user_pool_id(&pool)
        .group_name("nope")
        .send()
        .await;
    assert_eq!(err(r), group_not_found());
    let r = app
        .sdk
        .list_users_in_group()
        .user_pool_id(&pool)
        .group_name("nope")
        .send()
        .await;
    assert_eq!(err(r), group_not_found());
    let r = app
        .sdk
        .admin_add_user_to_group()
        .user_pool_id(&pool)
        .username("alice")
        .group_name("nope")
        .send()
        .await;
    assert_eq!(err(r), group_not_found());
    let r = app
        .sdk
        .admin_remove_user_from_group()
        .user_pool_id(&pool)
        .username("alice")
        .group_name("nope")
        .send()
        .await;
    assert_eq!(err(r), group_not_found());
    // A group of another pool is not visible here.
    let other = app.pool("other").await;
    group(&app, &other, "theirs").await;
    let r = app
        .sdk
        .get_group()
        .user_pool_id(&pool)
        .group_name("theirs")
        .send()
        .await;
    assert_eq!(err(r), group_not_found());
}

#[tokio::test]
async fn unknown_pool_is_resource_not_found() {
    let app = TestApp::spawn().await;
    let p = MISSING_POOL;
    assert_eq!(
        err(app
            .sdk
            .create_group()
            .user_pool_id(p)
            .group_name("g")
            .send()
            .await),
        pool_not_found(p)
    );
    assert_eq!(
        err(app
            .sdk
            .get_group()
            .user_pool_id(p)
            .group_name("g")
            .send()
            .await),
        pool_not_found(p)
    );
    assert_eq!(
        err(app.sdk.list_groups().user_pool_id(p).send().await),
        pool_not_found(p)
    );
    assert_eq!(
        err(app
            .sdk
            .delete_group()
            .user_pool_id(p)
            .group_name("g")
            .send()
            .await),
        pool_not_found(p)
    );
    let r = app
        .sdk
        .admin_add_user_to_group()
        .user_pool_id(p)
        .username("u")
        .group_name("g")
        .send()
        .await;
    assert_eq!(err(r), pool_not_found(p));
    let r = app
        .sdk
        .admin_list_groups_for_user()
        .user_pool_id(p)
        .username("u")
        .send()
        .await;
    assert_eq!(err(r), pool_not_found(p));
}

#[tokio::test]
async fn update_group_changes_the_given_members() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let created = app
        .sdk
        .create_group()
        .user_pool_id(&pool)
        .group_name("staff")
        .description("old")
        .precedence(5)
        .role_arn(ROLE)
        .send()
        .await
        .unwrap()
        .group
        .unwrap();
    app.clock.advance_secs(30);
    let updated = app
        .sdk
        .update_group()
        .user_pool_id(&pool)
        .group_name("staff")
        .description("new")
        .precedence(2)
        .send()
        .await
        .unwrap()
        .group
        .unwrap();
    assert_eq!(updated.description(), Some("new"));
    assert_eq!(updated.precedence(), Some(2));
    assert_eq!(updated.role_arn(), Some(ROLE), "omitted RoleArn is kept");
    assert_eq!(updated.group_name(), Some("staff"));
    assert_eq!(updated.creation_date(), created.creation_date());
    let (c, m) = (
        created.last_modified_date().unwrap().secs(),
        updated.last_modified_date().unwrap().secs(),
    );
    assert!(m >= c + 30, "LastModifiedDate must move: {c} → {m}");
    assert_eq!(get(&app, &pool, "staff").await, updated);
}

#[tokio::test]
async fn delete_group_then_it_is_gone() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    group(&app, &pool, "a").await;
    group(&app, &pool, "b").await;
    app.sdk
        .delete_group()
        .user_pool_id(&pool)
        .group_name("a")
        .send()
        .await
        .unwrap();
    assert_eq!(
        err(app
            .sdk
            .get_group()
            .user_pool_id(&pool)
            .group_name("a")
            .send()
            .await),
        group_not_found()
    );
    assert_eq!(
        err(app
            .sdk
            .delete_group()
            .user_pool_id(&pool)
            .group_name("a")
            .send()
            .await),
        group_not_found()
    );
    let listed = app
        .sdk
        .list_groups()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = listed
        .groups()
        .iter()
        .filter_map(|g| g.group_name())
        .collect();
    assert_eq!(names, vec!["b"]);
    // The name can be used again.
    group(&app, &pool, "a").await;
    assert_eq!(get(&app, &pool, "a").await.group_name(), Some("a"));
}

#[tokio::test]
async fn list_groups_paginates_with_limit_and_next_token() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let other = app.pool("other").await;
    group(&app, &other, "foreign").await;
    let names = ["delta", "alpha", "echo", "charlie", "bravo"];
    for n in names {
        group(&app, &pool, n).await;
    }
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let r = app
            .sdk
            .list_groups()
            .user_pool_id(&pool)
            .limit(2)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        pages.push(r.groups().len());
        for g in r.groups() {
            assert_eq!(g.user_pool_id(), Some(pool.as_str()));
            seen.push(g.group_name().unwrap().to_string());
        }
        token = r.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
        assert!(pages.len() < 10, "pagination does not end");
    }
    assert_eq!(pages, vec![2, 2, 1]);
    let mut expected: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    expected.sort();
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(sorted, expected, "every group exactly once: {seen:?}");

    // Without Limit every group fits on one page.
    let all = app
        .sdk
        .list_groups()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(all.groups().len(), 5);
    assert!(all.next_token().is_none());
    let exact = app
        .sdk
        .list_groups()
        .user_pool_id(&pool)
        .limit(5)
        .send()
        .await
        .unwrap();
    assert_eq!(exact.groups().len(), 5);
    assert!(exact.next_token().is_none());

    let r = app
        .sdk
        .list_groups()
        .user_pool_id(&pool)
        .limit(2)
        .next_token("garbage")
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
    let r = app
        .sdk
        .list_groups()
        .user_pool_id(&pool)
        .limit(61)
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
}

#[tokio::test]
async fn add_list_and_remove_members() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    confirmed_user(&app, &pool, "alice", PW).await;
    confirmed_user(&app, &pool, "bob", PW).await;
    confirmed_user(&app, &pool, "carol", PW).await;
    group(&app, &pool, "admins").await;
    group(&app, &pool, "staff").await;

    add(&app, &pool, "alice", "admins").await;
    add(&app, &pool, "alice", "staff").await;
    add(&app, &pool, "bob", "staff").await;

    assert_eq!(
        groups_of(&app, &pool, "alice").await,
        vec!["admins", "staff"]
    );
    assert_eq!(groups_of(&app, &pool, "bob").await, vec!["staff"]);
    assert!(groups_of(&app, &pool, "carol").await.is_empty());
    assert_eq!(members(&app, &pool, "admins").await, vec!["alice"]);
    assert_eq!(members(&app, &pool, "staff").await, vec!["alice", "bob"]);

    // ListUsersInGroup returns full user records.
    let r = app
        .sdk
        .list_users_in_group()
        .user_pool_id(&pool)
        .group_name("admins")
        .send()
        .await
        .unwrap();
    let u = &r.users()[0];
    assert_eq!(u.user_status().map(|s| s.as_str()), Some("CONFIRMED"));
    assert!(u.enabled());
    assert!(
        u.attributes()
            .iter()
            .any(|a| a.name() == "email" && a.value() == Some("alice@example.com"))
    );
    assert!(u.attributes().iter().any(|a| a.name() == "sub"));
    // AdminListGroupsForUser returns full group records.
    let r = app
        .sdk
        .admin_list_groups_for_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(r.groups()[0], get(&app, &pool, "admins").await);

    app.sdk
        .admin_remove_user_from_group()
        .user_pool_id(&pool)
        .username("alice")
        .group_name("staff")
        .send()
        .await
        .unwrap();
    assert_eq!(groups_of(&app, &pool, "alice").await, vec!["admins"]);
    assert_eq!(members(&app, &pool, "staff").await, vec!["bob"]);
}

#[tokio::test]
async fn adding_a_member_twice_is_idempotent() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    confirmed_user(&app, &pool, "alice", PW).await;
    group(&app, &pool, "admins").await;
    add(&app, &pool, "alice", "admins").await;
    add(&app, &pool, "alice", "admins").await;
    assert_eq!(groups_of(&app, &pool, "alice").await, vec!["admins"]);
    assert_eq!(members(&app, &pool, "admins").await, vec!["alice"]);
    // One removal undoes it.
    app.sdk
        .admin_remove_user_from_group()
        .user_pool_id(&pool)
        .username("alice")
        .group_name("admins")
        .send()
        .await
        .unwrap();
    assert!(groups_of(&app, &pool, "alice").await.is_empty());
    assert!(members(&app, &pool, "admins").await.is_empty());
}

#[tokio::test]
async fn unknown_user_is_user_not_found() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    group(&app, &pool, "admins").await;
    let r = app
        .sdk
        .admin_add_user_to_group()
        .user_pool_id(&pool)
        .username("ghost")
        .group_name("admins")
        .send()
        .await;
    assert_eq!(err(r), user_not_found());
    let r = app
        .sdk
        .admin_remove_user_from_group()
        .user_pool_id(&pool)
        .username("ghost")
        .group_name("admins")
        .send()
        .await;
    assert_eq!(err(r), user_not_found());
    let r = app
        .sdk
        .admin_list_groups_for_user()
        .user_pool_id(&pool)
        .username("ghost")
        .send()
        .await;
    assert_eq!(err(r), user_not_found());
    // A user of another pool is unknown here.
    let other = app.pool("other").await;
    confirmed_user(&app, &other, "alice", PW).await;
    let r = app
        .sdk
        .admin_add_user_to_group()
        .user_pool_id(&pool)
        .username("alice")
        .group_name("admins")
        .send()
        .await;
    assert_eq!(err(r), user_not_found());
    assert!(members(&app, &pool, "admins").await.is_empty());
}

#[tokio::test]
async fn deleting_a_group_removes_its_memberships() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    confirmed_user(&app, &pool, "alice", PW).await;
    confirmed_user(&app, &pool, "bob", PW).await;
    group(&app, &pool, "doomed").await;
    group(&app, &pool, "kept").await;
    add(&app, &pool, "alice", "doomed").await;
    add(&app, &pool, "alice", "kept").await;
    add(&app, &pool, "bob", "doomed").await;

    app.sdk
        .delete_group()
        .user_pool_id(&pool)
        .group_name("doomed")
        .send()
        .await
        .unwrap();
    assert_eq!(groups_of(&app, &pool, "alice").await, vec!["kept"]);
    assert!(groups_of(&app, &pool, "bob").await.is_empty());
    assert_eq!(members(&app, &pool, "kept").await, vec!["alice"]);

    // A new group with the same name starts empty.
    group(&app, &pool, "doomed").await;
    assert!(members(&app, &pool, "doomed").await.is_empty());
    assert_eq!(groups_of(&app, &pool, "alice").await, vec!["kept"]);
}

#[tokio::test]
async fn deleting_a_user_removes_their_memberships() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    confirmed_user(&app, &pool, "alice", PW).await;
    confirmed_user(&app, &pool, "bob", PW).await;
    group(&app, &pool, "staff").await;
    add(&app, &pool, "alice", "staff").await;
    add(&app, &pool, "bob", "staff").await;
    app.sdk
        .admin_delete_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(members(&app, &pool, "staff").await, vec!["bob"]);

    // A new user with the same username is not a member.
    confirmed_user(&app, &pool, "alice", PW).await;
    assert!(groups_of(&app, &pool, "alice").await.is_empty());
    assert_eq!(members(&app, &pool, "staff").await, vec!["bob"]);
}

#[tokio::test]
async fn membership_listings_paginate() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    group(&app, &pool, "big").await;
    let users = ["u1", "u2", "u3", "u4", "u5"];
    for u in users {
        confirmed_user(&app, &pool, u, PW).await;
        add(&app, &pool, u, "big").await;
    }
    let groups = ["g1", "g2", "g3"];
    for g in groups {
        group(&app, &pool, g).await;
        add(&app, &pool, "u1", g).await;
    }

    // ListUsersInGroup, 2 per page.
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let r = app
            .sdk
            .list_users_in_group()
            .user_pool_id(&pool)
            .group_name("big")
            .limit(2)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        pages.push(r.users().len());
        seen.extend(r.users().iter().map(|u| u.username().unwrap().to_string()));
        token = r.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
        assert!(pages.len() < 10, "pagination does not end");
    }
    assert_eq!(pages, vec![2, 2, 1]);
    seen.sort();
    assert_eq!(seen, users);

    // AdminListGroupsForUser, 2 per page (u1 is in big, g1, g2, g3).
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let r = app
            .sdk
            .admin_list_groups_for_user()
            .user_pool_id(&pool)
            .username("u1")
            .limit(2)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        pages.push(r.groups().len());
        seen.extend(
            r.groups()
                .iter()
                .map(|g| g.group_name().unwrap().to_string()),
        );
        token = r.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
        assert!(pages.len() < 10, "pagination does not end");
    }
    assert_eq!(pages, vec![2, 2]);
    seen.sort();
    assert_eq!(seen, vec!["big", "g1", "g2", "g3"]);

    let r = app
        .sdk
        .list_users_in_group()
        .user_pool_id(&pool)
        .group_name("big")
        .limit(2)
        .next_token("garbage")
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
    let r = app
        .sdk
        .admin_list_groups_for_user()
        .user_pool_id(&pool)
        .username("u1")
        .limit(2)
        .next_token("garbage")
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
}

#[tokio::test]
async fn invalid_group_input_is_refused() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let r = app
        .sdk
        .create_group()
        .user_pool_id(&pool)
        .group_name("neg")
        .precedence(-1)
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
    let r = app
        .sdk
        .create_group()
        .user_pool_id(&pool)
        .group_name("x".repeat(129))
        .send()
        .await;
    assert_eq!(err(r).0, "InvalidParameterException");
    let listed = app
        .sdk
        .list_groups()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert!(listed.groups().is_empty());
}

/// The JSON payload of a JWT, decoded without verification.
fn claims(jwt: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).expect("JWT payload");
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn memberships_feed_token_claims_issued_afterwards() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let before = crate::helpers::admin_login(&app, &pool, &client, "alice", PW).await;
    let (id, access) = (
        claims(before.id_token().unwrap()),
        claims(before.access_token().unwrap()),
    );
    assert!(id.get("cognito:groups").is_none() && access.get("cognito:groups").is_none());
    assert!(id.get("cognito:roles").is_none() && id.get("cognito:preferred_role").is_none());

    let reader = "arn:aws:iam::123456789012:role/readers";
    app.sdk
        .create_group()
        .user_pool_id(&pool)
        .group_name("admins")
        .precedence(1)
        .role_arn(ROLE)
        .send()
        .await
        .unwrap();
    app.sdk
        .create_group()
        .user_pool_id(&pool)
        .group_name("readers")
        .precedence(5)
        .role_arn(reader)
        .send()
        .await
        .unwrap();
    add(&app, &pool, "alice", "admins").await;
    add(&app, &pool, "alice", "readers").await;

    let after = crate::helpers::admin_login(&app, &pool, &client, "alice", PW).await;
    let (id, access) = (
        claims(after.id_token().unwrap()),
        claims(after.access_token().unwrap()),
    );
    let mut groups: Vec<String> = serde_json::from_value(access["cognito:groups"].clone()).unwrap();
    groups.sort();
    assert_eq!(groups, vec!["admins", "readers"]);
    let mut id_groups: Vec<String> = serde_json::from_value(id["cognito:groups"].clone()).unwrap();
    id_groups.sort();
    assert_eq!(id_groups, groups);
    let mut roles: Vec<String> = serde_json::from_value(id["cognito:roles"].clone()).unwrap();
    roles.sort();
    assert_eq!(roles, vec![ROLE.to_string(), reader.to_string()]);
    assert_eq!(id["cognito:preferred_role"], ROLE, "lowest precedence wins");
    assert!(
        access.get("cognito:roles").is_none() && access.get("cognito:preferred_role").is_none()
    );

    app.sdk
        .admin_remove_user_from_group()
        .user_pool_id(&pool)
        .username("alice")
        .group_name("admins")
        .send()
        .await
        .unwrap();
    let last = crate::helpers::admin_login(&app, &pool, &client, "alice", PW).await;
    let (id, access) = (
        claims(last.id_token().unwrap()),
        claims(last.access_token().unwrap()),
    );
    assert_eq!(access["cognito:groups"], serde_json::json!(["readers"]));
    assert_eq!(id["cognito:preferred_role"], reader);
}
