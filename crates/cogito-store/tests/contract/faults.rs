//! Fault injection (issue 7 acceptance 6, REL-13): a store that fails at the Nth statement of a
//! write shows that each use case's single store call leaves nothing half done — SignUp (user +
//! code + outbox row), AdminCreateUser (user + invitation), ChangePassword / AdminSetUserPassword
//! (password + end of the other sessions) and ConfirmForgotPassword (code + password + sessions).
//! And a full disk (`PRAGMA max_page_count`) answers a clean error and loses nothing
//! acknowledged (SQLite's page cap). The fault-point tests run on both backends: each has the
//! hook at the same points.

use cogito_core::model::CodePurpose;
use cogito_core::store::{
    Effects, EndSessions, NewPassword, OutboxQuery, OutboxStore, Redeem, StoreError, UpdateOutcome,
    UserStore, UserUpdate,
};
use cogito_store::postgres::testing::TempDatabase;
use cogito_store::{PostgresStore, SqliteStore};

use crate::support::*;

/// A store with its backend's fault hook.
trait Faulty: cogito_core::store::Store + Sized {
    /// The `n`th fault point from now fails; 0 disarms.
    fn fail_at(&self, n: i64);
}

impl Faulty for SqliteStore {
    fn fail_at(&self, n: i64) {
        self.inject_fault_after(n);
    }
}

impl Faulty for PostgresStore {
    fn fail_at(&self, n: i64) {
        self.inject_fault_after(n);
    }
}

async fn fresh() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_path(&dir.path().join("f.db"))
        .await
        .unwrap();
    seed_pool(&store, "p").await;
    (dir, store)
}

/// Instantiates a fault-point test on a fresh SQLite store and on a fresh PostgreSQL database
/// (skipped without one, unless `COGITO_REQUIRE_PG=1`), each with the pool `p`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    let (_dir, store) = super::fresh().await;
                    super::$name(&store).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    let Some(db) = super::TempDatabase::from_env().await else {
                        return;
                    };
                    let store = super::PostgresStore::open(db.url()).await.unwrap();
                    super::seed_pool(&store, "p").await;
                    super::$name(&store).await;
                }
            }
        )*
    };
}

on_both_backends!(
    a_failed_sign_up_or_invitation_writes_nothing,
    a_failed_password_reset_changes_nothing,
    a_failed_key_rotation_changes_nothing,
);

async fn outbox_len(store: &impl OutboxStore) -> usize {
    store
        .list_messages(&OutboxQuery::default())
        .await
        .unwrap()
        .len()
}

fn injected<T: std::fmt::Debug>(r: Result<T, StoreError>) -> bool {
    match r {
        Err(StoreError::Unavailable(m)) if m.contains("injected fault") => true,
        Ok(_) => false,
        other => panic!("unexpected {other:?}"),
    }
}

/// SignUp and AdminCreateUser: every fault point leaves no user, no code, no message.
async fn a_failed_sign_up_or_invitation_writes_nothing(store: &impl Faulty) {
    let u = user("p", "sam", "sub-s");
    let mut effects = Effects::none();
    effects
        .codes
        .push(code("p", "sub-s", CodePurpose::SignUp, "h"));
    effects.messages.push(message("m1", "p", "sam", 1));
    let mut faults = 0;
    for n in 1.. {
        store.fail_at(n);
        let r = store.insert_user(&u, &keys_of(&u), false, &effects).await;
        if !injected(r) {
            break;
        }
        faults += 1;
        assert_not_found(store.get_user_by_sub("p", "sub-s").await);
        assert_not_found(store.get_code("p", "sub-s", &CodePurpose::SignUp).await);
        assert_eq!(outbox_len(store).await, 0, "fault {n}");
    }
    store.fail_at(0);
    assert!(
        faults >= 3,
        "the write has fault points between its statements"
    );
    store.get_user_by_sub("p", "sub-s").await.unwrap();
    assert_eq!(outbox_len(store).await, 1);
}

/// ConfirmForgotPassword (and, without the code, ChangePassword / AdminSetUserPassword): at
/// every fault point the code, the password and the sessions are as before.
async fn a_failed_password_reset_changes_nothing(store: &impl Faulty) {
    let before = seed_user(store, "p", "alice", "sub-a").await;
    let mut c = code("p", "sub-a", CodePurpose::ForgotPassword, "right");
    c.expires_ms = 10_000;
    store.put_code(&c).await.unwrap();
    store
        .insert_refresh(&refresh("p", "sub-a", "j1", "th1"))
        .await
        .unwrap();
    let update = UserUpdate {
        modified_ms: 2_000,
        password: Some(NewPassword {
            hash: "h-new".into(),
            set_ms: 2_000,
            keep_history: 1,
            srp_verifier: Some("sealed-verifier".into()),
        }),
        redeem: Some(Redeem {
            purpose: CodePurpose::ForgotPassword,
            code_hash: "right".into(),
            now_ms: 1_000,
            max_attempts: 5,
        }),
        ..UserUpdate::default()
    };
    let end = Effects {
        end_sessions: Some(EndSessions {
            at_ms: 2_000,
            keep_origin_jti: None,
        }),
        ..Effects::default()
    };
    let mut faults = 0;
    for n in 1.. {
        store.fail_at(n);
        let r = store.update_user("p", "sub-a", &update, &end).await;
        if !injected(r) {
            break;
        }
        faults += 1;
        assert_eq!(store.get_user_by_sub("p", "sub-a").await.unwrap(), before);
        assert_eq!(
            store
                .get_code("p", "sub-a", &CodePurpose::ForgotPassword)
                .await
                .unwrap()
                .attempts,
            0,
            "the code is still there, unused"
        );
        assert_eq!(
            store.get_refresh_by_origin("j1").await.unwrap().revoked_ms,
            None
        );
    }
    store.fail_at(0);
    assert!(faults >= 2);
    let after = store.get_user_by_sub("p", "sub-a").await.unwrap();
    assert_eq!(after.password_hash.as_deref(), Some("h-new"));
    assert_eq!(
        store.get_refresh_by_origin("j1").await.unwrap().revoked_ms,
        Some(2_000)
    );
    assert_not_found(
        store
            .get_code("p", "sub-a", &CodePurpose::ForgotPassword)
            .await,
    );
}

/// REL-13: with the database full, writes fail cleanly (`Unavailable`), reads keep working,
/// nothing acknowledged is lost, and writes resume when space returns.
#[tokio::test]
async fn a_full_disk_fails_writes_cleanly_and_loses_nothing() {
    let (dir, store) = fresh().await;
    let alice = seed_user(&store, "p", "alice", "sub-a").await;
    store.limit_pages(Some(2)).await.unwrap();
    let mut refused = 0;
    let mut acknowledged = Vec::new();
    for i in 0..200 {
        let mut u = user("p", &format!("filler{i}"), &format!("sub-{i}"));
        u.attributes.insert("custom:blob".into(), "x".repeat(2000));
        match store
            .insert_user(&u, &keys_of(&u), false, &Effects::none())
            .await
        {
            Ok(()) => acknowledged.push(u.sub.clone()),
            Err(StoreError::Unavailable(_)) => refused += 1,
            Err(e) => panic!("{e:?}"),
        }
    }
    assert!(refused > 0, "the disk filled up");
    assert_eq!(store.get_user_by_sub("p", "sub-a").await.unwrap(), alice);
    let change = UserUpdate {
        set_attributes: vec![("custom:blob".into(), "y".repeat(50_000))],
        keys: Some(email_keys()),
        ..UserUpdate::default()
    };
    assert!(matches!(
        store
            .update_user("p", "sub-a", &change, &Effects::none())
            .await,
        Err(StoreError::Unavailable(_))
    ));
    assert_eq!(store.get_user_by_sub("p", "sub-a").await.unwrap(), alice);
    store.limit_pages(None).await.unwrap();
    let lifted = store
        .update_user("p", "sub-a", &change, &Effects::none())
        .await;
    assert!(
        matches!(lifted, Ok(UpdateOutcome::Updated(_))),
        "{lifted:?}"
    );
    drop(store);
    let reopened = SqliteStore::open_path(&dir.path().join("f.db"))
        .await
        .unwrap();
    assert_eq!(reopened.integrity_check().await.unwrap(), "ok");
    for sub in &acknowledged {
        reopened.get_user_by_sub("p", sub).await.unwrap();
    }
    assert_eq!(
        reopened
            .get_user_by_sub("p", "sub-a")
            .await
            .unwrap()
            .attr("custom:blob")
            .map(str::len),
        Some(50_000)
    );
}

/// A key rotation (retire the keys in use + insert the new ones): a fault leaves the old keys in
/// use, no new key, and the pool's configuration version as it was.
async fn a_failed_key_rotation_changes_nothing(store: &impl Faulty) {
    use cogito_core::store::StoredKey;
    let key = |kid: &str, purpose: &str| StoredKey {
        pool_id: "p".into(),
        kid: kid.into(),
        purpose: purpose.into(),
        encrypted_private_key: vec![1, 2, 3],
        created_ms: 1,
        retired_until_ms: None,
    };
    store.insert_key(&key("old-id", "id")).await.unwrap();
    store
        .insert_key(&key("old-access", "access"))
        .await
        .unwrap();
    let before = store.keys_of_pool("p").await.unwrap();
    let version = store.config_version("p").await.unwrap();
    let new_keys = [key("new-id", "id"), key("new-access", "access")];
    store.fail_at(1);
    assert!(injected(store.rotate_keys("p", &new_keys, 99).await));
    assert_eq!(store.keys_of_pool("p").await.unwrap(), before);
    assert_eq!(store.config_version("p").await.unwrap(), version);
    store.rotate_keys("p", &new_keys, 99).await.unwrap();
    assert_eq!(store.keys_of_pool("p").await.unwrap().len(), 4);
}
