//! Races through the real SDK, continued (security bar REL-22 code part, REL-24 referential
//! integrity, REL-25 writer contention): barrier-synchronised parallel calls on one code, one
//! user or one group leave exactly what the acknowledged calls say, and no row behind.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cogito_testkit::TestApp;
use cogito_testkit::sdk::error::ProvideErrorMetadata;
use cogito_testkit::sdk::types::{AliasAttributeType, MessageActionType};
use reqwest::StatusCode;
use tokio::sync::Barrier;

use crate::helpers::{admin_login, attr, confirmed_user, err};
use crate::oauth_support::{code, fixture, hosted_session, pkce, redeem_public};

const PW: &str = "Passw0rd!";

/// Runs `n` copies of `f` at once (all released by one barrier) and collects their results.
async fn together<T, F, Fut>(n: usize, f: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (barrier, fut) = (barrier.clone(), f(i));
            tokio::spawn(async move {
                barrier.wait().await;
                fut.await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

fn code_of<E: ProvideErrorMetadata>(e: &E) -> String {
    e.code().unwrap_or("<none>").to_string()
}

/// REL-22: 20 parallel `/oauth2/token` exchanges of one authorization code: exactly one 200,
/// 19 `invalid_grant`.
#[tokio::test]
async fn rel_22_parallel_exchanges_of_one_code_succeed_once() {
    let app = TestApp::spawn().await;
    let fx = fixture(&app).await;
    let cookie = hosted_session(&app, &fx.pool, "alice").await;
    let (verifier, challenge) = pkce();
    let code = code(
        &fx,
        &fx.c_pub,
        &cookie,
        &[
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    let answers = together(20, |_| {
        let (fx, code, verifier) = (fx.clone(), code.clone(), verifier.clone());
        async move {
            let t = redeem_public(&fx, &fx.c_pub, &code, &verifier).await;
            (t.status, t.error().to_string())
        }
    })
    .await;
    let ok = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    let refused = answers
        .iter()
        .filter(|(s, e)| *s == StatusCode::BAD_REQUEST && e == "invalid_grant")
        .count();
    assert_eq!((ok, refused), (1, 19), "{answers:?}");
}

/// REL-24: parallel AdminUpdateUserAttributes of different attributes of one user: every
/// acknowledged attribute is there afterwards (no lost update).
#[tokio::test]
async fn rel_24_parallel_updates_of_different_attributes_are_all_kept() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    confirmed_user(&app, &pool, "alice", PW).await;
    let names = [
        "name",
        "given_name",
        "family_name",
        "nickname",
        "locale",
        "zoneinfo",
        "website",
        "profile",
        "middle_name",
        "gender",
    ];
    let results = together(names.len(), |i| {
        let (sdk, pool) = (app.sdk.clone(), pool.clone());
        let name = names[i];
        async move {
            sdk.admin_update_user_attributes()
                .user_pool_id(pool)
                .username("alice")
                .user_attributes(attr(name, &format!("value-{name}")))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| format!("{e:?}"))
        }
    })
    .await;
    for r in results {
        r.expect("every update is acknowledged");
    }
    let u = app
        .sdk
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    for name in names {
        let value = u
            .user_attributes()
            .iter()
            .find(|a| a.name() == name)
            .and_then(|a| a.value());
        assert_eq!(value, Some(format!("value-{name}").as_str()), "{name} lost");
    }
}

async fn create_group(app: &TestApp, pool: &str, name: &str) {
    app.sdk
        .create_group()
        .user_pool_id(pool)
        .group_name(name)
        .send()
        .await
        .unwrap();
}

async fn groups_of(app: &TestApp, pool: &str, user: &str) -> Vec<String> {
    app.sdk
        .admin_list_groups_for_user()
        .user_pool_id(pool)
        .username(user)
        .send()
        .await
        .unwrap()
        .groups()
        .iter()
        .filter_map(|g| g.group_name().map(str::to_owned))
        .collect()
}

async fn members_of(app: &TestApp, pool: &str, group: &str) -> Vec<String> {
    app.sdk
        .list_users_in_group()
        .user_pool_id(pool)
        .group_name(group)
        .send()
        .await
        .unwrap()
        .users()
        .iter()
        .filter_map(|u| u.username().map(str::to_owned))
        .collect()
}

/// REL-24: 20 parallel AdminAddUserToGroup of the same pair all succeed (the operation is
/// idempotent) and leave one membership.
#[tokio::test]
async fn rel_24_parallel_adds_of_one_membership_leave_one() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    confirmed_user(&app, &pool, "alice", PW).await;
    create_group(&app, &pool, "admins").await;
    let results = together(20, |_| {
        let (sdk, pool) = (app.sdk.clone(), pool.clone());
        async move {
            sdk.admin_add_user_to_group()
                .user_pool_id(pool)
                .username("alice")
                .group_name("admins")
                .send()
                .await
                .map(|_| ())
                .map_err(|e| format!("{e:?}"))
        }
    })
    .await;
    for r in results {
        r.expect("adding an existing membership succeeds");
    }
    assert_eq!(groups_of(&app, &pool, "alice").await, ["admins"]);
    assert_eq!(members_of(&app, &pool, "admins").await, ["alice"]);
}

/// REL-24: DeleteGroup racing AdminAddUserToGroup never leaves a membership of the deleted
/// group: not in the user's groups, and not in a new group of the same name.
#[tokio::test]
async fn rel_24_delete_group_racing_adds_leaves_no_membership() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let users: Vec<String> = (0..8).map(|i| format!("u{i}")).collect();
    for u in &users {
        confirmed_user(&app, &pool, u, PW).await;
    }
    for run in 0..5 {
        create_group(&app, &pool, "doomed").await;
        let results = together(users.len() + 1, |i| {
            let (sdk, pool) = (app.sdk.clone(), pool.clone());
            let user = users.get(i).cloned();
            async move {
                match user {
                    Some(user) => sdk
                        .admin_add_user_to_group()
                        .user_pool_id(pool)
                        .username(user)
                        .group_name("doomed")
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| code_of(&e)),
                    None => sdk
                        .delete_group()
                        .user_pool_id(pool)
                        .group_name("doomed")
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| code_of(&e)),
                }
            }
        })
        .await;
        assert_eq!(results[users.len()], Ok(()), "run {run}: the delete");
        for r in &results[..users.len()] {
            // An add either happened before the delete (and went with the group) or found no
            // group.
            if let Err(code) = r {
                assert_eq!(code, "ResourceNotFoundException", "run {run}");
            }
        }
        for u in &users {
            assert!(groups_of(&app, &pool, u).await.is_empty(), "run {run}: {u}");
        }
        create_group(&app, &pool, "doomed").await;
        assert!(
            members_of(&app, &pool, "doomed").await.is_empty(),
            "run {run}"
        );
        app.sdk
            .delete_group()
            .user_pool_id(&pool)
            .group_name("doomed")
            .send()
            .await
            .unwrap();
    }
}

/// REL-24: AdminDeleteUser racing UpdateUserAttributes and AdminUpdateUserAttributes: the user
/// is gone and left nothing behind — no login key (the same username and verified e-mail alias
/// can be created again), no attribute-index row (ListUsers by the e-mail finds only the new
/// user), no session (the old refresh token is dead).
#[tokio::test]
async fn rel_24_delete_user_racing_attribute_updates_leaves_no_orphans() {
    let app = TestApp::spawn().await;
    let pool = app
        .sdk
        .create_user_pool()
        .pool_name("alias")
        .alias_attributes(AliasAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool
        .and_then(|p| p.id)
        .unwrap();
    let (client, _) = app.client(&pool, false).await;
    for run in 0..5 {
        confirmed_user(&app, &pool, "alice", PW).await;
        let tokens = admin_login(&app, &pool, &client, "alice", PW).await;
        let (access, refresh) = (tokens.access_token.unwrap(), tokens.refresh_token.unwrap());
        let results = together(9, |i| {
            let (sdk, pool, access) = (app.sdk.clone(), pool.clone(), access.clone());
            async move {
                let value = format!("r{run}-{i}");
                match i {
                    0 => sdk
                        .admin_delete_user()
                        .user_pool_id(pool)
                        .username("alice")
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| code_of(&e)),
                    i if i % 2 == 0 => sdk
                        .update_user_attributes()
                        .access_token(access)
                        .user_attributes(attr("name", &value))
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| code_of(&e)),
                    _ => sdk
                        .admin_update_user_attributes()
                        .user_pool_id(pool)
                        .username("alice")
                        .user_attributes(attr("nickname", &value))
                        .user_attributes(attr("email", "alice@example.com"))
                        .user_attributes(attr("email_verified", "true"))
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| code_of(&e)),
                }
            }
        })
        .await;
        assert_eq!(results[0], Ok(()), "run {run}: the delete");
        for r in &results[1..] {
            if let Err(code) = r {
                assert!(
                    ["UserNotFoundException", "NotAuthorizedException"].contains(&code.as_str()),
                    "run {run}: {code}"
                );
            }
        }
        let gone = app
            .sdk
            .admin_get_user()
            .user_pool_id(&pool)
            .username("alice")
            .send()
            .await;
        assert_eq!(err(gone).0, "UserNotFoundException", "run {run}");
        let by_alias = app
            .sdk
            .admin_get_user()
            .user_pool_id(&pool)
            .username("alice@example.com")
            .send()
            .await;
        assert_eq!(err(by_alias).0, "UserNotFoundException", "run {run}");
        let old = app
            .sdk
            .get_tokens_from_refresh_token()
            .client_id(&client)
            .refresh_token(&refresh)
            .send()
            .await;
        assert_eq!(err(old).0, "NotAuthorizedException", "run {run}");
        // Same username, same verified e-mail alias: nothing of the old user is in the way.
        confirmed_user(&app, &pool, "alice", PW).await;
        let found = app
            .sdk
            .list_users()
            .user_pool_id(&pool)
            .filter("email = \"alice@example.com\"")
            .send()
            .await
            .unwrap();
        assert_eq!(found.users().len(), 1, "run {run}: {found:?}");
        let new = admin_login(&app, &pool, &client, "alice@example.com", PW).await;
        assert!(new.access_token.is_some());
        app.sdk
            .admin_delete_user()
            .user_pool_id(&pool)
            .username("alice")
            .send()
            .await
            .unwrap();
    }
}

/// What one REL-25 writer had acknowledged when the time was up.
#[derive(Debug, Default)]
struct Acked {
    /// The last acknowledged `name` of the writer's own user.
    name: Option<String>,
    /// The last acknowledged password of the writer's own user.
    password: Option<String>,
    /// Users whose SignUp was acknowledged.
    signed_up: Vec<String>,
    /// Errors seen (must stay empty).
    errors: Vec<String>,
}

/// REL-25: 64 concurrent writers (AdminUpdateUserAttributes, SignUp, AdminSetUserPassword)
/// hammer one database; no client ever sees `database is locked` / SQLITE_BUSY or an
/// `InternalErrorException`, and every acknowledged write is visible afterwards.
///
/// Deviation from the bar: it runs for 10 s, not 60 s, so that CI stays quick; the p99 SLO is
/// not measured here. The suite's PostgreSQL pass runs it against PostgreSQL as well.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rel_25_sixty_four_concurrent_writers_never_see_a_busy_database() {
    const WRITERS: usize = 64;
    const RUN: Duration = Duration::from_secs(10);
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    let (client, _) = app.client(&pool, false).await;
    for w in 0..WRITERS {
        app.sdk
            .admin_create_user()
            .user_pool_id(&pool)
            .username(format!("w{w}"))
            .temporary_password(PW)
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
    }
    let until = Instant::now() + RUN;
    let acked = together(WRITERS, |w| {
        let (sdk, pool, client) = (app.sdk.clone(), pool.clone(), client.clone());
        async move {
            let mut acked = Acked::default();
            let user = format!("w{w}");
            let mut i = 0;
            while Instant::now() < until {
                let r = match (w + i) % 3 {
                    0 => {
                        let name = format!("{user}-{i}");
                        sdk.admin_update_user_attributes()
                            .user_pool_id(&pool)
                            .username(&user)
                            .user_attributes(attr("name", &name))
                            .send()
                            .await
                            .map(|_| acked.name = Some(name))
                            .map_err(|e| format!("{}: {e:?}", code_of(&e)))
                    }
                    1 => {
                        let new = format!("s{w}-{i}");
                        sdk.sign_up()
                            .client_id(&client)
                            .username(&new)
                            .password(PW)
                            .user_attributes(attr("email", &format!("{new}@example.com")))
                            .send()
                            .await
                            .map(|_| acked.signed_up.push(new))
                            .map_err(|e| format!("{}: {e:?}", code_of(&e)))
                    }
                    _ => {
                        let pw = format!("Set{w}-{i}!pw");
                        sdk.admin_set_user_password()
                            .user_pool_id(&pool)
                            .username(&user)
                            .password(&pw)
                            .permanent(true)
                            .send()
                            .await
                            .map(|_| acked.password = Some(pw))
                            .map_err(|e| format!("{}: {e:?}", code_of(&e)))
                    }
                };
                if let Err(e) = r {
                    acked.errors.push(e);
                }
                i += 1;
            }
            acked
        }
    })
    .await;
    let errors: Vec<&String> = acked.iter().flat_map(|a| &a.errors).collect();
    assert!(
        errors.is_empty(),
        "{} errors, e.g. {:?}",
        errors.len(),
        errors.first()
    );
    let mut writes = 0;
    for (w, a) in acked.iter().enumerate() {
        let user = format!("w{w}");
        let u = app
            .sdk
            .admin_get_user()
            .user_pool_id(&pool)
            .username(&user)
            .send()
            .await
            .unwrap();
        let name = u
            .user_attributes()
            .iter()
            .find(|x| x.name() == "name")
            .and_then(|x| x.value().map(str::to_owned));
        assert_eq!(name, a.name, "{user}: the last acknowledged name");
        if let Some(pw) = &a.password {
            assert!(
                admin_login(&app, &pool, &client, &user, pw)
                    .await
                    .access_token
                    .is_some()
            );
        }
        for new in &a.signed_up {
            app.sdk
                .admin_get_user()
                .user_pool_id(&pool)
                .username(new)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{new} was acknowledged: {e:?}"));
        }
        writes += usize::from(a.name.is_some()) + a.signed_up.len();
    }
    assert!(writes >= WRITERS, "only {writes} writes in {RUN:?}");
}

/// REL-24: parallel `UpdateGroup` calls that each give a different member (description,
/// precedence, role) all stick: the store applies each as one statement, not as a rewrite of
/// the group read before.
#[tokio::test]
async fn rel_24_parallel_group_updates_of_different_members_are_all_kept() {
    let app = TestApp::spawn().await;
    let pool = app.pool("p").await;
    create_group(&app, &pool, "g").await;
    for round in 0..5_i32 {
        let results = together(3, |i| {
            let (sdk, pool) = (app.sdk.clone(), pool.clone());
            async move {
                let req = sdk.update_group().user_pool_id(&pool).group_name("g");
                let req = match i {
                    0 => req.description(format!("d{round}")),
                    1 => req.precedence(round),
                    _ => req.role_arn(format!("arn:aws:iam::123456789012:role/r{round}")),
                };
                req.send().await.map(|_| ()).map_err(|e| code_of(&e))
            }
        })
        .await;
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        let g = app
            .sdk
            .get_group()
            .user_pool_id(&pool)
            .group_name("g")
            .send()
            .await
            .unwrap()
            .group
            .unwrap();
        let expected_role = format!("arn:aws:iam::123456789012:role/r{round}");
        assert_eq!(
            (g.description(), g.precedence(), g.role_arn()),
            (
                Some(format!("d{round}").as_str()),
                Some(round),
                Some(expected_role.as_str())
            ),
            "round {round}"
        );
    }
}
