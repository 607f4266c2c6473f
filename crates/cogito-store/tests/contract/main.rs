//! The store contract suite: every port method of `cogito_core::store::Store`, exercised through
//! `Arc<dyn Store>` as the services see it, against real databases (no mocks).
//!
//! The test bodies are backend-neutral `pub async fn name(store: Arc<dyn Store>)` (or
//! `name(url: String)` for tests that must reopen the database) in the area modules.
//! [`contract_suite!`] instantiates all of them for one backend from a function that yields a
//! fresh, empty database URL; adding a backend is one more `contract_suite!` line.

use std::sync::Arc;

use cogito_core::store::{Store, StoreError};
use cogito_store::open_store;
use cogito_store::postgres::testing::TempDatabase;

mod support;

mod clients;
mod concurrency;
mod devices;
mod durability;
mod faults;
mod groups;
mod import_jobs;
mod keys;
mod mfa;
mod oauth;
mod outbox;
mod pg_only;
mod pools;
mod sessions;
mod user_list;
mod user_updates;
mod users;

/// Instantiates the whole suite as `mod $backend`, each test on a fresh database from
/// `$fresh().await`, which returns `Some((guard, url))` (the guard keeps the database alive),
/// or `None` when the backend is not available here and the test is skipped.
macro_rules! contract_suite {
    ($backend:ident, $fresh:path) => {
        mod $backend {
            contract_suite!(@store $fresh;
                pools::pool_crud,
                pools::pool_insert_duplicate_is_conflict,
                pools::pool_list_pages,
                pools::pool_count_users,
                pools::pool_delete_cascades,
                pools::pool_update_at_a_stale_revision_writes_nothing,
                pools::pool_updates_from_one_read_have_one_winner,
                clients::client_crud,
                clients::client_conflict_and_missing_pool,
                clients::client_list_pages,
                clients::client_update_at_a_stale_revision_writes_nothing,
                clients::client_updates_from_one_read_have_one_winner,
                users::user_insert_and_read,
                users::user_import_is_all_or_nothing,
                import_jobs::import_jobs_run_once_and_drop_their_file,
                users::user_with_session_in_one_lookup,
                users::user_key_conflict_writes_nothing,
                users::user_insert_into_missing_pool_is_not_found,
                users::user_duplicate_sub_is_conflict,
                users::user_keys_are_per_kind_and_pool,
                user_updates::update_touches_only_named_fields,
                user_updates::update_attributes_rewrites_keys_and_index,
                user_updates::update_key_conflict_writes_nothing,
                user_updates::update_missing_user_is_not_found,
                user_updates::update_status_condition,
                user_updates::code_redemption_counts_and_consumes,
                user_updates::code_redeemed_once_under_concurrency,
                user_updates::parallel_wrong_codes_count_exactly,
                user_updates::parallel_field_updates_are_never_lost,
                user_updates::effects_commit_with_the_change,
                user_updates::password_attempts_are_reserved_exactly,
                user_updates::event_counters_hold_under_concurrency,
                user_updates::event_counters_count_several_keys_in_one_call,
                user_updates::rotation_is_a_compare_and_swap,
                user_updates::janitor_purges_only_what_ended,
                user_updates::unknown_name_failures_lock_like_a_user,
                user_updates::rehash_replaces_only_the_hash_it_read,
                user_updates::a_missing_verifier_is_filled_once,
                mfa::mfa_preference_changes_only_what_it_names,
                mfa::totp_secret_is_confirmed_once_and_steps_used_once,
                mfa::auth_session_answers_are_counted_exactly,
                devices::devices_are_confirmed_once_by_their_user,
                sessions::single_use_values_are_used_once_under_concurrency,
                users::user_delete_cascades,
                user_list::list_users_pages_in_creation_order,
                user_list::list_users_filter_email,
                user_list::list_users_prefix_ignores_other_attributes,
                user_list::list_users_filter_username,
                user_list::list_users_filter_status,
                user_list::list_users_filter_enabled,
                user_list::list_users_filter_sub,
                user_list::list_users_filtered_pages,
                user_list::list_users_sees_updates,
                groups::group_crud,
                groups::group_list_pages,
                groups::group_membership,
                groups::group_delete_removes_memberships,
                groups::group_updates_of_different_members_are_all_kept,
                sessions::code_put_get_replace,
                sessions::code_needs_user,
                sessions::auth_session_single_use,
                sessions::auth_session_without_user,
                sessions::auth_session_taken_once_under_concurrency,
                sessions::refresh_lookup,
                sessions::refresh_scope_round_trips,
                sessions::refresh_revoke,
                sessions::refresh_revoke_all,
                sessions::refresh_revoke_others,
                sessions::refresh_rotation,
                sessions::hosted_sessions_of_a_user_end_together,
                keys::signing_keys_oldest_first,
                keys::settings_put_if_absent,
                keys::settings_put_if_absent_concurrently,
                keys::config_version_changes_with_every_config_write,
                keys::rotate_keys_retires_the_keys_in_use,
                outbox::outbox_newest_first,
                outbox::outbox_filters,
                outbox::outbox_default_limit,
                outbox::outbox_due_messages_are_claimed_once_and_outcomes_recorded,
                outbox::outbox_parallel_claims_share_the_due_messages,
                concurrency::concurrent_signups_one_winner,
                concurrency::concurrent_distinct_signups_all_succeed,
                concurrency::concurrent_alias_steals_stay_consistent,
                oauth::domain_crud,
                oauth::domain_conflicts_and_missing_pool,
                oauth::resource_server_crud,
                oauth::resource_server_list_pages,
                oauth::authorization_code_single_use,
                oauth::set_code_origin_before_and_after_use,
                oauth::authorization_code_redeemed_once_under_concurrency,
                oauth::hosted_session_lifecycle,
                oauth::ui_customization_pool_and_client,
                oauth::ui_customization_goes_with_its_client,
                oauth::ui_look_keeps_the_template_overrides,
                oauth::oauth_delete_pool_cascades,
                oauth::oauth_delete_user_cascades,
            );
            contract_suite!(@url $fresh;
                durability::data_survives_reopen,
                oauth::oauth_survives_reopen,
            );
        }
    };
    (@store $fresh:path; $($module:ident :: $name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let Some((_guard, url)) = $fresh().await else { return };
                let store = cogito_store::open_store(&url).await.expect("open store");
                crate::$module::$name(store).await;
            }
        )*
    };
    (@url $fresh:path; $($module:ident :: $name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let Some((_guard, url)) = $fresh().await else { return };
                crate::$module::$name(url).await;
            }
        )*
    };
}

/// A fresh SQLite file in a temporary directory; the directory lives as long as the guard.
async fn fresh_sqlite() -> Option<(tempfile::TempDir, String)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}/t.db", dir.path().display());
    Some((dir, url))
}

/// A fresh PostgreSQL database on the server of `COGITO_TEST_DATABASE_URL`, dropped with the
/// guard; `None` (skip) when the variable is unset, a panic instead when `COGITO_REQUIRE_PG=1`.
async fn fresh_postgres() -> Option<(TempDatabase, String)> {
    let db = TempDatabase::from_env().await?;
    let url = db.url().to_owned();
    Some((db, url))
}

contract_suite!(sqlite, crate::fresh_sqlite);
contract_suite!(postgres, crate::fresh_postgres);

#[tokio::test]
async fn open_store_rejects_unknown_schemes() {
    for (url, expected) in [
        ("mysql://x/y", "unsupported database URL scheme"),
        ("redis://h/0", "unsupported database URL scheme"),
        ("not a url", "invalid database URL"),
    ] {
        let Err(StoreError::Unavailable(message)) = open_store(url).await.map(|_| ()) else {
            panic!("{url} was accepted");
        };
        assert!(message.contains(expected), "{url}: {message}");
    }
}

#[tokio::test]
async fn open_store_reports_an_unreachable_postgres_as_unavailable() {
    // Port 1: nothing listens, the connection is refused at once.
    for url in ["postgres://127.0.0.1:1/db", "postgresql://127.0.0.1:1/db"] {
        match open_store(url).await.map(|_: Arc<dyn Store>| ()) {
            Err(StoreError::Unavailable(message)) => {
                assert!(
                    !message.contains("unsupported database URL scheme"),
                    "{url}: {message}"
                );
            }
            other => panic!("{url}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn open_store_creates_missing_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("new.db");
    assert!(!path.exists());
    open_store(&format!("sqlite://{}", path.display()))
        .await
        .expect("open");
    assert!(path.exists());
}

/// Every `pub async fn` of an area module is in the suite: a new contract test cannot be
/// forgotten in the list above.
#[test]
fn every_contract_test_is_in_the_suite() {
    let this = include_str!("main.rs");
    let areas = [
        ("clients", include_str!("clients.rs")),
        ("concurrency", include_str!("concurrency.rs")),
        ("durability", include_str!("durability.rs")),
        ("groups", include_str!("groups.rs")),
        ("keys", include_str!("keys.rs")),
        ("oauth", include_str!("oauth.rs")),
        ("outbox", include_str!("outbox.rs")),
        ("pools", include_str!("pools.rs")),
        ("sessions", include_str!("sessions.rs")),
        ("user_list", include_str!("user_list.rs")),
        ("user_updates", include_str!("user_updates.rs")),
        ("users", include_str!("users.rs")),
    ];
    let mut missing = Vec::new();
    for (module, source) in areas {
        for line in source.lines() {
            let Some(rest) = line.strip_prefix("pub async fn ") else {
                continue;
            };
            let name = rest.split('(').next().unwrap_or_default();
            if !this.contains(&format!("{module}::{name},")) {
                missing.push(format!("{module}::{name}"));
            }
        }
    }
    assert!(missing.is_empty(), "not in contract_suite!: {missing:?}");
}
