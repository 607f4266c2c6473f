//! Field-by-field user updates (`UserStore::update_user`), their side effects, code redemption,
//! the stored lockout counters and the rate counters — including the races of the security
//! bar's REL-20…REL-24 at the store level: every case runs with parallel writers.

use std::sync::Arc;

use cogito_core::model::{CodePurpose, OutboxMessage, UserStatus};
use cogito_core::store::{
    CodeRefusal, Effects, EndSessions, LockoutPolicy, NewPassword, OutboxQuery, PasswordAttempt,
    Redeem, Store, StoreError, UpdateOutcome, UserUpdate,
};

use crate::support::*;
use crate::users::email_filter;

/// Cognito's lockout (reference §8.4).
pub const LOCKOUT: LockoutPolicy = LockoutPolicy {
    threshold: 5,
    base_lock_ms: 1000,
    max_lock_ms: 900_000,
    reset_after_ms: 900_000,
};

fn password(hash: &str) -> UserUpdate {
    UserUpdate {
        modified_ms: 2_000,
        password: Some(NewPassword {
            hash: hash.into(),
            set_ms: 2_000,
            keep_history: 3,
            srp_verifier: Some("sealed-verifier".into()),
        }),
        ..UserUpdate::default()
    }
}

fn set_attr(name: &str, value: &str) -> UserUpdate {
    UserUpdate {
        modified_ms: 2_000,
        set_attributes: vec![(name.into(), value.into())],
        keys: Some(email_keys()),
        ..UserUpdate::default()
    }
}

async fn apply(store: &dyn Store, sub: &str, update: &UserUpdate) -> UpdateOutcome {
    store
        .update_user("p", sub, update, &Effects::none())
        .await
        .expect("update")
}

fn updated(outcome: UpdateOutcome) -> cogito_core::model::User {
    match outcome {
        UpdateOutcome::Updated(u) => u,
        other => panic!("expected Updated, got {other:?}"),
    }
}

pub async fn update_touches_only_named_fields(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    let before = seed_user(&*store, "p", "alice", "sub-a").await;
    let after = updated(apply(&*store, "sub-a", &password("h-new")).await);
    assert_eq!(after.password_hash.as_deref(), Some("h-new"));
    let mut history = vec![before.password_hash.clone().unwrap()];
    history.extend(before.password_history.iter().cloned());
    assert_eq!(after.password_history, history);
    assert_eq!(after.attributes, before.attributes);
    assert_eq!(store.get_user_by_sub("p", "sub-a").await.unwrap(), after);

    let disabled = updated(
        apply(
            &*store,
            "sub-a",
            &UserUpdate {
                modified_ms: 3_000,
                enabled: Some(false),
                ..UserUpdate::default()
            },
        )
        .await,
    );
    assert!(!disabled.enabled);
    assert_eq!(disabled.password_hash.as_deref(), Some("h-new"));
    assert_eq!(disabled.modified_ms, 3_000);
}

pub async fn update_attributes_rewrites_keys_and_index(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "sub-a").await;
    let u = updated(
        apply(
            &*store,
            "sub-a",
            &set_attr("email", "Alice.New@Example.com"),
        )
        .await,
    );
    assert_eq!(u.attr("email"), Some("Alice.New@Example.com"));
    let new_key = email_key("alice.new@example.com");
    assert_eq!(store.find_user_by_key("p", &new_key).await.unwrap(), u);
    assert_not_found(
        store
            .find_user_by_key("p", &email_key("alice@example.com"))
            .await,
    );
    let f = email_filter("alice.new@example.com");
    let page = store.list_users("p", Some(&f), None, 10).await.unwrap();
    assert_eq!(subs(&page.items), ["sub-a"]);
    let f = email_filter("alice@example.com");
    assert!(
        store
            .list_users("p", Some(&f), None, 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    // Removing an attribute drops its key.
    let removed = updated(
        apply(
            &*store,
            "sub-a",
            &UserUpdate {
                remove_attributes: vec!["email".into()],
                keys: Some(email_keys()),
                ..UserUpdate::default()
            },
        )
        .await,
    );
    assert_eq!(removed.attr("email"), None);
    assert_not_found(store.find_user_by_key("p", &new_key).await);
}

pub async fn update_key_conflict_writes_nothing(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    let a = seed_user(&*store, "p", "alice", "sub-a").await;
    let b = seed_user(&*store, "p", "bob", "sub-b").await;
    let mut with_code = Effects::none();
    with_code
        .codes
        .push(code("p", "sub-b", CodePurpose::SignUp, "h"));
    let mut change = set_attr("email", "alice@example.com");
    change.set_attributes.push(("name".into(), "Bob".into()));
    let result = store.update_user("p", "sub-b", &change, &with_code).await;
    assert_key_conflict(result, &email_key("alice@example.com"));
    assert_eq!(store.get_user_by_sub("p", "sub-b").await.unwrap(), b);
    assert_eq!(
        store
            .find_user_by_key("p", &email_key("alice@example.com"))
            .await
            .unwrap(),
        a
    );
    assert_not_found(store.get_code("p", "sub-b", &CodePurpose::SignUp).await);
    // With steal_keys the alias moves.
    change.steal_keys = true;
    let b = updated(apply(&*store, "sub-b", &change).await);
    assert_eq!(
        store
            .find_user_by_key("p", &email_key("alice@example.com"))
            .await
            .unwrap(),
        b
    );
    assert_eq!(
        store
            .find_user_by_key("p", &username_key("alice"))
            .await
            .unwrap()
            .sub,
        "sub-a"
    );
}

pub async fn update_missing_user_is_not_found(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    assert_eq!(
        store
            .update_user("p", "ghost", &password("h"), &Effects::none())
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store
            .begin_password_attempt("p", "ghost", 1, &LOCKOUT)
            .await,
        Err(StoreError::NotFound)
    );
}

pub async fn update_status_condition(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "sub-a").await;
    let confirm = UserUpdate {
        only_if_status: Some(UserStatus::Unconfirmed),
        status: Some(UserStatus::Confirmed),
        ..UserUpdate::default()
    };
    // seed_user makes CONFIRMED users.
    assert_eq!(
        apply(&*store, "sub-a", &confirm).await,
        UpdateOutcome::StatusWas(UserStatus::Confirmed)
    );
}

fn redeem(hash: &str) -> Redeem {
    Redeem {
        purpose: CodePurpose::ForgotPassword,
        code_hash: hash.into(),
        now_ms: 1_000,
        max_attempts: 5,
    }
}

pub async fn code_redemption_counts_and_consumes(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    let before = seed_user(&*store, "p", "alice", "sub-a").await;
    let mut code = code("p", "sub-a", CodePurpose::ForgotPassword, "right");
    code.expires_ms = 10_000;
    store.put_code(&code).await.unwrap();
    let mut change = password("h-new");
    change.redeem = Some(redeem("wrong"));
    for _ in 0..5 {
        assert_eq!(
            apply(&*store, "sub-a", &change).await,
            UpdateOutcome::Code(CodeRefusal::Mismatch)
        );
    }
    assert_eq!(store.get_user_by_sub("p", "sub-a").await.unwrap(), before);
    change.redeem = Some(redeem("right"));
    assert_eq!(
        apply(&*store, "sub-a", &change).await,
        UpdateOutcome::Code(CodeRefusal::TooManyAttempts),
        "five wrong attempts void the code"
    );
    store.put_code(&code).await.unwrap();
    let after = updated(apply(&*store, "sub-a", &change).await);
    assert_eq!(after.password_hash.as_deref(), Some("h-new"));
    assert_eq!(
        apply(&*store, "sub-a", &change).await,
        UpdateOutcome::Code(CodeRefusal::Missing),
        "single use"
    );
    let mut expired = code.clone();
    expired.expires_ms = 999;
    store.put_code(&expired).await.unwrap();
    assert_eq!(
        apply(&*store, "sub-a", &change).await,
        UpdateOutcome::Code(CodeRefusal::Missing)
    );
}

/// REL-23: 20 parallel redemptions of one right code with 20 different passwords: one wins,
/// and its password is the one stored.
pub async fn code_redeemed_once_under_concurrency(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "sub-a").await;
    let mut c = code("p", "sub-a", CodePurpose::ForgotPassword, "right");
    c.expires_ms = 10_000;
    store.put_code(&c).await.unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut change = password(&format!("h-{i}"));
                change.redeem = Some(redeem("right"));
                (i, apply(&*store, "sub-a", &change).await)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            (i, UpdateOutcome::Updated(_)) => winners.push(i),
            (_, UpdateOutcome::Code(CodeRefusal::Missing)) => {}
            (_, other) => panic!("{other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    let stored = store.get_user_by_sub("p", "sub-a").await.unwrap();
    assert_eq!(stored.password_hash, Some(format!("h-{}", winners[0])));
}

/// SEC-43 at the store: 50 parallel wrong codes evaluate at most 5.
pub async fn parallel_wrong_codes_count_exactly(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "sub-a").await;
    let mut c = code("p", "sub-a", CodePurpose::ForgotPassword, "right");
    c.expires_ms = 10_000;
    store.put_code(&c).await.unwrap();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut change = password("h");
                change.redeem = Some(redeem("wrong"));
                apply(&*store, "sub-a", &change).await
            })
        })
        .collect();
    let mut mismatches = 0;
    for t in tasks {
        match t.await.unwrap() {
            UpdateOutcome::Code(CodeRefusal::Mismatch) => mismatches += 1,
            UpdateOutcome::Code(CodeRefusal::TooManyAttempts) => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(mismatches, 5);
    assert_eq!(
        store
            .get_code("p", "sub-a", &CodePurpose::ForgotPassword)
            .await
            .unwrap()
            .attempts,
        5
    );
}

/// REL-24: parallel password changes and attribute updates never undo each other, and a
/// disable racing attribute updates is never reverted.
pub async fn parallel_field_updates_are_never_lost(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "sub-a").await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let change = if i % 3 == 0 {
                password(&format!("h-{i}"))
            } else if i == 7 {
                UserUpdate {
                    enabled: Some(false),
                    ..UserUpdate::default()
                }
            } else {
                set_attr(&format!("custom:a{i}"), &format!("v{i}"))
            };
            apply(&*store, "sub-a", &change).await
        }));
    }
    for t in tasks {
        updated(t.await.unwrap());
    }
    let u = store.get_user_by_sub("p", "sub-a").await.unwrap();
    assert!(!u.enabled, "the disable survived");
    for i in (0..12).filter(|i| i % 3 != 0 && *i != 7) {
        assert_eq!(
            u.attr(&format!("custom:a{i}")),
            Some(format!("v{i}").as_str())
        );
    }
    let hash = u.password_hash.clone().unwrap();
    assert!(
        ["h-0", "h-3", "h-6", "h-9"].contains(&hash.as_str()),
        "{hash}"
    );
    assert_eq!(
        u.password_history.len(),
        3,
        "every change went through the history"
    );
}

pub async fn effects_commit_with_the_change(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    let u = user("p", "alice", "sub-a");
    let message = OutboxMessage {
        username: "alice".into(),
        ..message("m1", "p", "alice", 5)
    };
    let mut effects = Effects::none();
    effects
        .codes
        .push(code("p", "sub-a", CodePurpose::SignUp, "h"));
    effects.messages.push(message.clone());
    store
        .insert_user(&u, &keys_of(&u), false, &effects)
        .await
        .unwrap();
    assert_eq!(
        store
            .get_code("p", "sub-a", &CodePurpose::SignUp)
            .await
            .unwrap()
            .code_hash,
        "h"
    );
    let listed = store
        .list_messages(&OutboxQuery {
            pool_id: Some("p".into()),
            ..OutboxQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(listed, std::slice::from_ref(&message));
    // A failed creation writes none of its effects.
    let dup = user("p", "alice", "sub-other");
    let mut effects = Effects::none();
    effects
        .codes
        .push(code("p", "sub-other", CodePurpose::SignUp, "h2"));
    effects.messages.push(message.clone());
    assert!(
        store
            .insert_user(&dup, &keys_of(&dup), false, &effects)
            .await
            .is_err()
    );
    assert_eq!(
        store
            .list_messages(&OutboxQuery::default())
            .await
            .unwrap()
            .len(),
        1
    );
    // Ending sessions revokes refresh sessions (all but the kept one) and hosted sessions.
    for jti in ["j1", "j2"] {
        store
            .insert_refresh(&refresh("p", "sub-a", jti, &format!("th-{jti}")))
            .await
            .unwrap();
    }
    store
        .put_hosted_session(&hosted_session("p", "sub-a", "hs"))
        .await
        .unwrap();
    let end = Effects {
        end_sessions: Some(EndSessions {
            at_ms: 7,
            keep_origin_jti: Some("j2".into()),
        }),
        ..Effects::default()
    };
    store
        .update_user("p", "sub-a", &password("h-new"), &end)
        .await
        .unwrap();
    assert_eq!(
        store.get_refresh_by_origin("j1").await.unwrap().revoked_ms,
        Some(7)
    );
    assert_eq!(
        store.get_refresh_by_origin("j2").await.unwrap().revoked_ms,
        None
    );
    assert_not_found(store.get_hosted_session("hs").await);
}

/// SEC-37 at the store: 20 parallel reservations of a password check allow exactly the
/// threshold; a lock refuses without counting; clearing resets.
pub async fn password_attempts_are_reserved_exactly(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "sub-a").await;
    let now = 10_000_000;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .begin_password_attempt("p", "sub-a", now, &LOCKOUT)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut allowed = 0;
    for t in tasks {
        if t.await.unwrap() == PasswordAttempt::Allowed {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 5);
    let u = store.get_user_by_sub("p", "sub-a").await.unwrap();
    assert_eq!((u.failed_attempts, u.locked_until_ms), (5, now + 1000));
    assert_eq!(
        store
            .begin_password_attempt("p", "sub-a", now + 1000, &LOCKOUT)
            .await
            .unwrap(),
        PasswordAttempt::Allowed,
        "the lock has run out"
    );
    let u = store.get_user_by_sub("p", "sub-a").await.unwrap();
    assert_eq!(u.locked_until_ms, now + 1000 + 2000, "the lock doubles");
    store.clear_login_failures("p", "sub-a").await.unwrap();
    let u = store.get_user_by_sub("p", "sub-a").await.unwrap();
    assert_eq!((u.failed_attempts, u.locked_until_ms), (0, 0));
}

pub async fn event_counters_hold_under_concurrency(store: Arc<dyn Store>) {
    let tasks: Vec<_> = (0..30)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.count_event("k", 3_600_000, 10).await.unwrap() })
        })
        .collect();
    let mut within = 0;
    for t in tasks {
        if t.await.unwrap() {
            within += 1;
        }
    }
    assert_eq!(within, 10);
    assert!(
        store.count_event("k", 7_200_000, 10).await.unwrap(),
        "a new window"
    );
    assert!(store.count_event("other", 3_600_000, 10).await.unwrap());
}

pub async fn event_counters_count_several_keys_in_one_call(store: Arc<dyn Store>) {
    let events = |limit_b: u32| {
        vec![
            ("a".to_string(), 1_000, 3),
            ("b".to_string(), 60_000, limit_b),
        ]
    };
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.count_events(&events(5)).await.unwrap() })
        })
        .collect();
    let (mut a, mut b) = (0, 0);
    for t in tasks {
        let within = t.await.unwrap();
        assert_eq!(within.len(), 2);
        a += usize::from(within[0]);
        b += usize::from(within[1]);
    }
    assert_eq!((a, b), (3, 5), "each key counted on its own, exactly");
    // The same counters as count_event: "b" stands at 8.
    assert!(store.count_event("b", 60_000, 9).await.unwrap());
    assert!(!store.count_event("b", 60_000, 9).await.unwrap());
    assert!(store.count_events(&[]).await.unwrap().is_empty());
}

/// REL-22 at the store: 20 parallel rotations of one token, one winner.
pub async fn rotation_is_a_compare_and_swap(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "sub-a").await;
    store
        .insert_refresh(&refresh("p", "sub-a", "jti", "th-0"))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .rotate_refresh("jti", "th-0", &format!("th-new-{i}"), 5)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut wins = 0;
    for t in tasks {
        if t.await.unwrap() {
            wins += 1;
        }
    }
    assert_eq!(wins, 1);
    let current = store.get_refresh_by_origin("jti").await.unwrap().token_hash;
    assert!(current.starts_with("th-new-"));
    assert_eq!(
        store.get_rotated_refresh("th-0").await.unwrap(),
        ("jti".to_string(), 5)
    );
    assert_eq!(
        store.rotate_refresh("nope", "a", "b", 1).await,
        Err(StoreError::NotFound)
    );
}

pub async fn janitor_purges_only_what_ended(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "sub-a").await;
    let mut old = code("p", "sub-a", CodePurpose::SignUp, "h");
    old.expires_ms = 100;
    store.put_code(&old).await.unwrap();
    let mut live = code("p", "sub-a", CodePurpose::ForgotPassword, "h");
    live.expires_ms = 10_000;
    store.put_code(&live).await.unwrap();
    let mut expired = refresh("p", "sub-a", "j-old", "th-old");
    expired.expires_ms = 100;
    store.insert_refresh(&expired).await.unwrap();
    let mut current = refresh("p", "sub-a", "j-live", "th-live");
    current.expires_ms = 10_000;
    store.insert_refresh(&current).await.unwrap();
    store
        .insert_message(&message("m-old", "p", "alice", 1))
        .await
        .unwrap();
    store
        .insert_message(&message("m-new", "p", "alice", 4_999))
        .await
        .unwrap();
    let purged = store.purge_expired(5_000, 1_000, 1_000, 100).await.unwrap();
    assert_eq!(purged.rows, 3);
    assert_not_found(store.get_code("p", "sub-a", &CodePurpose::SignUp).await);
    store
        .get_code("p", "sub-a", &CodePurpose::ForgotPassword)
        .await
        .unwrap();
    assert_not_found(store.get_refresh_by_origin("j-old").await);
    store.get_refresh_by_origin("j-live").await.unwrap();
    let left = store.list_messages(&OutboxQuery::default()).await.unwrap();
    assert_eq!(left.len(), 1);
    // Idempotent, and safe to run concurrently.
    let (a, b) = tokio::join!(
        store.purge_expired(5_000, 1_000, 1_000, 100),
        store.purge_expired(5_000, 1_000, 1_000, 100)
    );
    assert_eq!(a.unwrap().rows + b.unwrap().rows, 0);
}

/// SEC-38: failures of a name that matches no user lock at exactly the threshold, also when
/// they arrive in parallel; another name (or pool) has its own counter; the janitor forgets a
/// quiet name and a missing pool is `NotFound`.
pub async fn unknown_name_failures_lock_like_a_user(store: Arc<dyn Store>) {
    use cogito_core::service::auth::LOCKOUT;
    use cogito_core::store::PasswordAttempt;
    seed_pool(&*store, "p").await;
    seed_pool(&*store, "q").await;
    let now = 1_000_000;
    let attempts = futures::future::join_all(
        (0..20).map(|_| store.record_unknown_failure("p", "h-nobody", now, &LOCKOUT)),
    )
    .await;
    let allowed = attempts
        .iter()
        .filter(|a| matches!(a, Ok(PasswordAttempt::Allowed)))
        .count();
    assert_eq!(allowed, LOCKOUT.threshold as usize, "{attempts:?}");
    assert!(attempts.iter().all(Result::is_ok));
    for (pool, name) in [("p", "h-other"), ("q", "h-nobody")] {
        assert_eq!(
            store
                .record_unknown_failure(pool, name, now, &LOCKOUT)
                .await,
            Ok(PasswordAttempt::Allowed)
        );
    }
    // Past the lock and 15 quiet minutes, the janitor deletes the counters.
    let later = now + LOCKOUT.reset_after_ms + 1;
    let purged = store.purge_expired(later, 0, 0, 100).await.unwrap();
    assert!(purged.rows >= 3, "{purged:?}");
    for _ in 0..LOCKOUT.threshold {
        assert_eq!(
            store
                .record_unknown_failure("p", "h-nobody", later, &LOCKOUT)
                .await,
            Ok(PasswordAttempt::Allowed)
        );
    }
    assert_eq!(
        store
            .record_unknown_failure("missing", "h", now, &LOCKOUT)
            .await,
        Err(StoreError::NotFound)
    );
}

/// SEC-33: a re-hash replaces the hash only while it is still the one read, and leaves the
/// history, the verifier and the dates alone.
pub async fn rehash_replaces_only_the_hash_it_read(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    let before = seed_user(&*store, "p", "alice", "sub-a").await;
    let old = before.password_hash.clone().unwrap();
    assert!(
        !store
            .rehash_password("p", "sub-a", "not-the-hash", "h-new")
            .await
            .unwrap()
    );
    assert!(
        store
            .rehash_password("p", "sub-a", &old, "h-new")
            .await
            .unwrap()
    );
    let after = store.get_user_by_sub("p", "sub-a").await.unwrap();
    assert_eq!(after.password_hash.as_deref(), Some("h-new"));
    assert_eq!(after.password_history, before.password_history);
    assert_eq!(after.password_set_ms, before.password_set_ms);
    assert_eq!(after.srp_verifier, before.srp_verifier);
    assert!(
        !store
            .rehash_password("p", "sub-a", &old, "h-2")
            .await
            .unwrap()
    );
    assert!(
        !store
            .rehash_password("p", "nobody", &old, "h-2")
            .await
            .unwrap()
    );
}

/// A missing SRP verifier is filled only while the hash is the one checked and none is there.
pub async fn a_missing_verifier_is_filled_once(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    let alice = seed_user(&*store, "p", "alice", "sub-a").await;
    let hash = alice.password_hash.clone().unwrap();
    assert_eq!(alice.srp_verifier, None);
    assert!(
        !store
            .fill_srp_verifier("p", "sub-a", "other-hash", "v1")
            .await
            .unwrap()
    );
    assert!(
        store
            .fill_srp_verifier("p", "sub-a", &hash, "v1")
            .await
            .unwrap()
    );
    assert!(
        !store
            .fill_srp_verifier("p", "sub-a", &hash, "v2")
            .await
            .unwrap()
    );
    let after = store.get_user_by_sub("p", "sub-a").await.unwrap();
    assert_eq!(after.srp_verifier.as_deref(), Some("v1"));
    assert_eq!(after.password_hash, alice.password_hash);
}
