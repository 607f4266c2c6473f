//! The MFA operations of `UserStore` (preferences, TOTP set-up, one use per TOTP time step) and
//! the counted answers of auth sessions: each one statement, exact under concurrency.

use std::sync::Arc;

use cogito_core::model::{MfaFactor, MfaPreference, UserMfa};
use cogito_core::store::Store;

use crate::support::*;

async fn mfa_of(store: &Arc<dyn Store>, sub: &str) -> UserMfa {
    store.get_user_by_sub("p", sub).await.unwrap().mfa
}

pub async fn mfa_preference_changes_only_what_it_names(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "s-a").await;
    seed_user(&*store, "p", "bob", "s-b").await;
    assert_eq!(mfa_of(&store, "s-a").await, UserMfa::default());

    let mut change = MfaPreference::default();
    change.turn(MfaFactor::Totp, true);
    change.turn(MfaFactor::Sms, true);
    change.prefer = Some(MfaFactor::Totp);
    store.set_mfa_preference("p", "s-a", &change).await.unwrap();
    let mfa = mfa_of(&store, "s-a").await;
    assert!(mfa.totp && mfa.sms && !mfa.email);
    assert_eq!(mfa.preferred, Some(MfaFactor::Totp));
    assert_eq!(mfa_of(&store, "s-b").await, UserMfa::default());

    // Turning e-mail on leaves the others and the preference alone.
    let mut change = MfaPreference::default();
    change.turn(MfaFactor::Email, true);
    store.set_mfa_preference("p", "s-a", &change).await.unwrap();
    let mfa = mfa_of(&store, "s-a").await;
    assert!(mfa.totp && mfa.sms && mfa.email);
    assert_eq!(mfa.preferred, Some(MfaFactor::Totp));

    // Turning the preferred factor off drops the preference, as `MfaPreference::apply` says.
    let mut change = MfaPreference::default();
    change.turn(MfaFactor::Totp, false);
    store.set_mfa_preference("p", "s-a", &change).await.unwrap();
    let mut expected = mfa.clone();
    change.apply(&mut expected);
    let mfa = mfa_of(&store, "s-a").await;
    assert_eq!(mfa, expected);
    assert!(!mfa.totp && mfa.preferred.is_none());

    // Preferring a factor that stays off prefers nothing.
    let change = MfaPreference {
        prefer: Some(MfaFactor::Totp),
        ..MfaPreference::default()
    };
    store.set_mfa_preference("p", "s-a", &change).await.unwrap();
    assert_eq!(mfa_of(&store, "s-a").await.preferred, None);

    assert_not_found(store.set_mfa_preference("p", "nobody", &change).await);
}

pub async fn totp_secret_is_confirmed_once_and_steps_used_once(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "s-a").await;
    store
        .set_totp_pending("p", "s-a", "secret-1")
        .await
        .unwrap();
    store
        .set_totp_pending("p", "s-a", "secret-2")
        .await
        .unwrap();
    assert_eq!(
        mfa_of(&store, "s-a").await.totp_pending.as_deref(),
        Some("secret-2")
    );
    // Only the secret still pending is confirmed.
    assert!(
        !store
            .confirm_totp("p", "s-a", "secret-1", 10)
            .await
            .unwrap()
    );
    assert!(
        store
            .confirm_totp("p", "s-a", "secret-2", 10)
            .await
            .unwrap()
    );
    assert!(
        !store
            .confirm_totp("p", "s-a", "secret-2", 11)
            .await
            .unwrap()
    );
    let mfa = mfa_of(&store, "s-a").await;
    assert_eq!(mfa.totp_secret.as_deref(), Some("secret-2"));
    assert_eq!(mfa.totp_pending, None);
    assert_eq!(mfa.totp_last_step, Some(10));

    // A step is accepted once, and never one at or before the last accepted.
    assert!(!store.use_totp_step("p", "s-a", 10).await.unwrap());
    assert!(!store.use_totp_step("p", "s-a", 9).await.unwrap());
    let tries = (0..8).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.use_totp_step("p", "s-a", 11).await.unwrap() })
    });
    let mut accepted = 0;
    for t in tries {
        accepted += usize::from(t.await.unwrap());
    }
    assert_eq!(
        accepted, 1,
        "one of eight parallel uses of a step is accepted"
    );
    assert_eq!(mfa_of(&store, "s-a").await.totp_last_step, Some(11));
    assert_not_found(store.set_totp_pending("p", "nobody", "x").await);
}

pub async fn auth_session_answers_are_counted_exactly(store: Arc<dyn Store>) {
    seed_pool(&*store, "p").await;
    seed_user(&*store, "p", "alice", "s-a").await;
    let session = auth_session("p", "s-a", "h-1");
    store.put_auth_session(&session).await.unwrap();
    let tries = (0..12).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.try_auth_session("h-1", 3).await })
    });
    let mut counted = Vec::new();
    for t in tries {
        if let Ok(s) = t.await.unwrap() {
            assert_eq!(s.state, session.state);
            counted.push(s.attempts);
        }
    }
    counted.sort_unstable();
    assert_eq!(
        counted,
        vec![1, 2, 3],
        "exactly three answers are let through"
    );
    assert_not_found(store.try_auth_session("h-1", 3).await);
    // Still there to be taken (or to expire).
    assert_eq!(store.take_auth_session("h-1").await.unwrap().attempts, 3);
    assert_not_found(store.try_auth_session("h-1", 3).await);
}
