//! `SessionStore`: codes (replace, bump, delete), single-use auth sessions, and refresh sessions
//! (lookups, the granted scope, revocation of one and of all).

use std::sync::Arc;

use cogito_core::model::CodePurpose;
use cogito_core::store::{Store, StoreError};

use crate::support::*;

pub async fn code_put_get_replace(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "s-a").await;
    seed_user(&*store, "p", "bob", "s-b").await;
    let email = CodePurpose::VerifyAttribute("email".into());
    let phone = CodePurpose::VerifyAttribute("phone_number".into());
    assert_not_found(store.get_code("p", "s-a", &CodePurpose::SignUp).await);

    let signup = code("p", "s-a", CodePurpose::SignUp, "h1");
    let verify = code("p", "s-a", email.clone(), "h2");
    store.put_code(&signup).await.unwrap();
    store.put_code(&verify).await.unwrap();
    assert_eq!(
        store
            .get_code("p", "s-a", &CodePurpose::SignUp)
            .await
            .unwrap(),
        signup,
    );
    assert_eq!(store.get_code("p", "s-a", &email).await.unwrap(), verify);
    assert_not_found(store.get_code("p", "s-a", &phone).await);
    assert_not_found(
        store
            .get_code("p", "s-a", &CodePurpose::ForgotPassword)
            .await,
    );
    assert_not_found(store.get_code("p", "s-b", &CodePurpose::SignUp).await);

    // A new code of the same purpose replaces the old one, attempts included.
    let mut resent = code("p", "s-a", CodePurpose::SignUp, "h3");
    resent.expires_ms = 123;
    resent.destination_attribute = None;
    store.put_code(&resent).await.unwrap();
    assert_eq!(
        store
            .get_code("p", "s-a", &CodePurpose::SignUp)
            .await
            .unwrap(),
        resent,
    );
    assert_eq!(store.get_code("p", "s-a", &email).await.unwrap(), verify);

    let forgot = code("p", "s-a", CodePurpose::ForgotPassword, "h4");
    store.put_code(&forgot).await.unwrap();
    assert_eq!(
        store
            .get_code("p", "s-a", &CodePurpose::ForgotPassword)
            .await
            .unwrap(),
        forgot
    );
}

pub async fn code_needs_user(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    let c = code("p", "nobody", CodePurpose::SignUp, "h");
    assert_eq!(store.put_code(&c).await, Err(StoreError::NotFound));
}

pub async fn auth_session_single_use(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "s-a").await;
    let s = auth_session("p", "s-a", "hash-1");
    store.put_auth_session(&s).await.unwrap();
    store
        .put_auth_session(&auth_session("p", "s-a", "hash-2"))
        .await
        .unwrap();
    assert_eq!(store.take_auth_session("hash-1").await.unwrap(), s);
    assert_eq!(
        store.take_auth_session("hash-1").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.take_auth_session("unknown").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.take_auth_session("hash-2").await.unwrap().id_hash,
        "hash-2"
    );
}

/// A `CUSTOM_AUTH` flow for a name no user has keeps a session naming no user (empty sub),
/// while a session naming a user that does not exist is still refused.
pub async fn auth_session_without_user(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    let s = auth_session("p", "", "nobody-1");
    store.put_auth_session(&s).await.unwrap();
    assert_eq!(
        store
            .try_auth_session("nobody-1", 3)
            .await
            .unwrap()
            .user_sub,
        ""
    );
    assert_eq!(
        store.take_auth_session("nobody-1").await.unwrap().user_sub,
        ""
    );
    assert!(
        store
            .put_auth_session(&auth_session("p", "ghost", "ghost-1"))
            .await
            .is_err()
    );
}

pub async fn auth_session_taken_once_under_concurrency(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "s-a").await;
    store
        .put_auth_session(&auth_session("p", "s-a", "contested"))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.take_auth_session("contested").await })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(s) => {
                assert_eq!(s.id_hash, "contested");
                won += 1;
            }
            Err(e) => assert_eq!(e, StoreError::NotFound),
        }
    }
    assert_eq!(won, 1);
}

pub async fn refresh_lookup(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "s-a").await;
    let r = refresh("p", "s-a", "jti-1", "th-1");
    store.insert_refresh(&r).await.unwrap();
    assert_eq!(store.get_refresh_by_hash("th-1").await.unwrap(), r);
    assert_eq!(store.get_refresh_by_origin("jti-1").await.unwrap(), r);
    assert_not_found(store.get_refresh_by_hash("jti-1").await);
    assert_not_found(store.get_refresh_by_origin("th-1").await);

    // origin_jti and token_hash are unique.
    let same_jti = refresh("p", "s-a", "jti-1", "th-2");
    assert!(matches!(
        store.insert_refresh(&same_jti).await,
        Err(StoreError::Conflict(_))
    ));
    let same_hash = refresh("p", "s-a", "jti-2", "th-1");
    assert!(matches!(
        store.insert_refresh(&same_hash).await,
        Err(StoreError::Conflict(_))
    ));
    assert_not_found(store.get_refresh_by_hash("th-2").await);
    assert_not_found(
        store
            .insert_refresh(&refresh("p", "nobody", "jti-3", "th-3"))
            .await,
    );
}

pub async fn refresh_scope_round_trips(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "s-a").await;
    let api = refresh("p", "s-a", "jti-api", "th-api");
    let mut oauth = refresh("p", "s-a", "jti-oauth", "th-oauth");
    oauth.scope = Some("openid email https://api.example.com/read".into());
    let mut empty = refresh("p", "s-a", "jti-empty", "th-empty");
    empty.scope = Some(String::new());
    for r in [&api, &oauth, &empty] {
        store.insert_refresh(r).await.unwrap();
    }
    assert_eq!(
        store.get_refresh_by_hash("th-api").await.unwrap().scope,
        None
    );
    assert_eq!(store.get_refresh_by_hash("th-oauth").await.unwrap(), oauth);
    assert_eq!(
        store.get_refresh_by_origin("jti-empty").await.unwrap(),
        empty
    );
    // Revocation keeps the scope.
    store.revoke_refresh("jti-oauth", 5).await.unwrap();
    store.revoke_all_refresh("p", "s-a", 6).await.unwrap();
    assert_eq!(
        store
            .get_refresh_by_origin("jti-oauth")
            .await
            .unwrap()
            .scope,
        oauth.scope
    );
}

pub async fn refresh_revoke(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "s-a").await;
    store
        .insert_refresh(&refresh("p", "s-a", "jti-1", "th-1"))
        .await
        .unwrap();
    store
        .insert_refresh(&refresh("p", "s-a", "jti-2", "th-2"))
        .await
        .unwrap();

    store.revoke_refresh("jti-1", 5_000).await.unwrap();
    assert_eq!(
        store
            .get_refresh_by_origin("jti-1")
            .await
            .unwrap()
            .revoked_ms,
        Some(5_000)
    );
    assert_eq!(
        store.get_refresh_by_hash("th-1").await.unwrap().revoked_ms,
        Some(5_000)
    );
    // Idempotent: revoking again succeeds and keeps the first revocation time.
    store.revoke_refresh("jti-1", 6_000).await.unwrap();
    assert_eq!(
        store
            .get_refresh_by_origin("jti-1")
            .await
            .unwrap()
            .revoked_ms,
        Some(5_000)
    );
    assert_eq!(
        store
            .get_refresh_by_origin("jti-2")
            .await
            .unwrap()
            .revoked_ms,
        None
    );
    assert_eq!(
        store.revoke_refresh("unknown", 1).await,
        Err(StoreError::NotFound)
    );
}

pub async fn refresh_revoke_all(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_pool(&*store, "q").await;
    seed_user(&*store, "p", "alice", "s-a").await;
    seed_user(&*store, "p", "bob", "s-b").await;
    seed_user(&*store, "q", "alice", "s-a").await;
    for (p, sub, jti) in [
        ("p", "s-a", "a1"),
        ("p", "s-a", "a2"),
        ("p", "s-a", "a3"),
        ("p", "s-b", "b1"),
        ("q", "s-a", "q1"),
    ] {
        store
            .insert_refresh(&refresh(p, sub, jti, &format!("th-{jti}")))
            .await
            .unwrap();
    }
    store.revoke_refresh("a1", 1_000).await.unwrap();

    store.revoke_all_refresh("p", "s-a", 2_000).await.unwrap();
    let revoked = |jti: &'static str| {
        let store = store.clone();
        async move { store.get_refresh_by_origin(jti).await.unwrap().revoked_ms }
    };
    assert_eq!(revoked("a1").await, Some(1_000));
    assert_eq!(revoked("a2").await, Some(2_000));
    assert_eq!(revoked("a3").await, Some(2_000));
    assert_eq!(revoked("b1").await, None);
    assert_eq!(revoked("q1").await, None);
    // Nothing to revoke is fine.
    store
        .revoke_all_refresh("p", "nobody", 3_000)
        .await
        .unwrap();
    store.revoke_all_refresh("p", "s-a", 3_000).await.unwrap();
    assert_eq!(revoked("a2").await, Some(2_000));
}

pub async fn refresh_revoke_others(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "s-a").await;
    seed_user(&*store, "p", "bob", "s-b").await;
    for (sub, jti) in [("s-a", "a1"), ("s-a", "a2"), ("s-a", "a3"), ("s-b", "b1")] {
        store
            .insert_refresh(&refresh("p", sub, jti, &format!("th-{jti}")))
            .await
            .unwrap();
    }
    store
        .revoke_other_refresh("p", "s-a", "a2", 2_000)
        .await
        .unwrap();
    let revoked = |jti: &'static str| {
        let store = store.clone();
        async move { store.get_refresh_by_origin(jti).await.unwrap().revoked_ms }
    };
    assert_eq!(revoked("a1").await, Some(2_000));
    assert_eq!(revoked("a2").await, None);
    assert_eq!(revoked("a3").await, Some(2_000));
    assert_eq!(revoked("b1").await, None);
}

pub async fn refresh_rotation(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "s-a").await;
    let r = refresh("p", "s-a", "jti-1", "th-1");
    store.insert_refresh(&r).await.unwrap();
    assert_not_found(store.get_rotated_refresh("th-1").await);
    assert!(
        store
            .rotate_refresh("jti-1", "th-1", "th-2", 1_000)
            .await
            .unwrap()
    );
    // A stale expected digest changes nothing.
    assert!(
        !store
            .rotate_refresh("jti-1", "th-1", "th-x", 1_500)
            .await
            .unwrap()
    );
    // The new digest finds the same sign-in; the old one is only history.
    let now = store.get_refresh_by_hash("th-2").await.unwrap();
    assert_eq!(now.origin_jti, "jti-1");
    assert_eq!(now.expires_ms, r.expires_ms);
    assert_not_found(store.get_refresh_by_hash("th-1").await);
    assert_eq!(
        store.get_rotated_refresh("th-1").await.unwrap(),
        ("jti-1".to_string(), 1_000)
    );
    assert!(
        store
            .rotate_refresh("jti-1", "th-2", "th-3", 2_000)
            .await
            .unwrap()
    );
    assert_eq!(
        store.get_rotated_refresh("th-2").await.unwrap(),
        ("jti-1".to_string(), 2_000)
    );
    assert_eq!(
        store.get_rotated_refresh("th-1").await.unwrap(),
        ("jti-1".to_string(), 1_000)
    );
    assert_eq!(
        store.rotate_refresh("unknown", "th-1", "th-9", 3_000).await,
        Err(StoreError::NotFound)
    );
    // History goes with the user.
    store.delete_user("p", "s-a").await.unwrap();
    assert_not_found(store.get_rotated_refresh("th-1").await);
}

pub async fn hosted_sessions_of_a_user_end_together(store: Arc<dyn Store>) {
    use cogito_core::model::HostedSession;
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "s-a").await;
    seed_user(&*store, "p", "bob", "s-b").await;
    for (id, sub) in [("h1", "s-a"), ("h2", "s-a"), ("h3", "s-b")] {
        store
            .put_hosted_session(&HostedSession {
                id_hash: id.into(),
                pool_id: "p".into(),
                user_sub: sub.into(),
                auth_time: 1,
                expires_ms: 10_000,
            })
            .await
            .unwrap();
    }
    store
        .delete_hosted_sessions_of_user("p", "s-a")
        .await
        .unwrap();
    assert_not_found(store.get_hosted_session("h1").await);
    assert_not_found(store.get_hosted_session("h2").await);
    assert_eq!(
        store.get_hosted_session("h3").await.unwrap().user_sub,
        "s-b"
    );
    store
        .delete_hosted_sessions_of_user("p", "nobody")
        .await
        .unwrap();
}

pub async fn single_use_values_are_used_once_under_concurrency(store: Arc<dyn Store>) {
    let tries = (0..8).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.use_once("nonce-1", 10_000).await.unwrap() })
    });
    let mut used = 0;
    for t in tries {
        used += usize::from(t.await.unwrap());
    }
    assert_eq!(used, 1, "one of eight parallel uses wins");
    assert!(!store.use_once("nonce-1", 10_000).await.unwrap());
    assert!(store.use_once("nonce-2", 10_000).await.unwrap());
    // Purged once expired (the value is refused anyway by then).
    store
        .purge_expired(10_001, 0, i64::MAX / 4, 100)
        .await
        .unwrap();
    assert!(store.use_once("nonce-1", 20_000).await.unwrap());
}
