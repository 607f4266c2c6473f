//! The core services every front door (JSON API, hosted UI, CLI) calls. [`Cogito`] holds the
//! ports; each submodule owns one family of operations.

pub mod access;
pub mod admin_users;
pub mod auth;
pub mod challenge;
pub mod clients;
pub mod custom_auth;
pub mod delivery;
pub mod devices;
pub mod domains;
pub mod groups;
pub mod janitor;
pub mod limits;
pub mod messages;
pub mod mfa;
pub mod mfa_settings;
pub mod oauth;
pub mod pools;
pub mod rate_limits;
pub mod resource_servers;
pub mod self_service;
pub mod signup;
pub mod srp_auth;
pub mod transfer;
pub mod triggers;
pub mod ui_customization;

use std::sync::Arc;

use crate::attributes::candidate_keys;
use crate::clock::Clock;
use crate::error::{CoreError, CoreResult};
use crate::model::{AppClient, User, UserPool};
use crate::password::PasswordHasher;
use crate::store::{Effects, EndSessions, Store, StoreError, UpdateOutcome, UserUpdate};
use crate::token::KeyRing;

pub use messages::Transport;

/// Instance-wide settings the core needs.
#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// Base URL the issuer is built from (`{public_url}/{poolId}`).
    pub public_url: String,
    /// Issue `https://cognito-idp.{region}.amazonaws.com/{poolId}` instead.
    pub cognito_issuer: bool,
    /// Region new pool ids are created in.
    pub region: String,
    /// Request rate limits.
    pub rate_limits: rate_limits::RateLimits,
}

/// The core services.
pub struct Cogito {
    /// Storage: private to the core, so the edge reaches it only through the services.
    pub(crate) store: Arc<dyn Store>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Signing keys.
    pub keys: KeyRing,
    /// Password hashing.
    pub hasher: PasswordHasher,
    /// Message delivery beyond the outbox (SMTP, SMS webhook).
    pub transport: Arc<dyn Transport>,
    /// Settings.
    pub config: CoreConfig,
    /// Key of the keyed fingerprints of confirmation codes (derived from the master key).
    pub code_key: [u8; 32],
    /// Seals secrets kept at rest beyond signing keys (outbox bodies and codes, client secrets).
    pub sealer: Arc<crate::crypto::MasterKey>,
    /// Calls the pools' trigger functions.
    pub invoker: Arc<dyn triggers::Invoker>,
}

/// How often a read-modify-write of a pool or client is tried before it gives up with
/// `ConcurrentModificationException`: each lost attempt means another write of the record landed
/// first, so this only runs out under sustained contention on one record.
const REVISE_ATTEMPTS: usize = 32;

/// The error of a read-modify-write that lost [`REVISE_ATTEMPTS`] races in a row.
fn concurrently_modified(id: &str) -> CoreError {
    CoreError::ConcurrentModification(format!(
        "{id} was modified concurrently too often; try again."
    ))
}

impl Cogito {
    /// The services over a store: signing keys and the configuration cache over it, and the
    /// keys derived from the master key.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        master: Arc<crate::crypto::MasterKey>,
        hasher: PasswordHasher,
        transport: Arc<dyn Transport>,
        config: CoreConfig,
    ) -> Self {
        Self {
            keys: KeyRing::new(store.clone(), master.clone(), clock.clone()),
            store,
            clock,
            hasher,
            transport,
            config,
            code_key: master.derive("confirmation codes"),
            sealer: master,
            invoker: Arc::new(triggers::NoFunctions),
        }
    }

    /// The services calling trigger functions through `invoker`.
    pub fn with_invoker(mut self, invoker: Arc<dyn triggers::Invoker>) -> Self {
        self.invoker = invoker;
        self
    }

    /// The store itself, for the test harness and benchmarks that seed or inspect rows
    /// directly. Not for the edge, which goes through the services (checked by a test of
    /// `cogito-server`).
    #[doc(hidden)]
    pub fn store_for_harness(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The issuer of a pool's tokens.
    pub fn issuer(&self, pool_id: &str) -> String {
        if self.config.cognito_issuer {
            let region = crate::ids::pool_region(pool_id);
            format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}")
        } else {
            format!("{}/{pool_id}", self.config.public_url.trim_end_matches('/'))
        }
    }

    /// Reads a pool or fails with `ResourceNotFoundException`. Served from the versioned
    /// configuration cache ([`crate::cache`]): no store lookup while the pool is unchanged.
    pub async fn pool(&self, pool_id: &str) -> CoreResult<UserPool> {
        let missing = |e| match e {
            StoreError::NotFound => CoreError::pool_not_found(pool_id),
            e => CoreError::from_store("get pool", e),
        };
        let entry = self.keys.cache().entry(pool_id).await.map_err(missing)?;
        if let Some(pool) = entry.pool() {
            return Ok(pool);
        }
        let pool = self.store.get_pool(pool_id).await.map_err(missing)?;
        entry.set_pool(&pool);
        Ok(pool)
    }

    /// Reads a client by id alone (public operations), through the configuration cache.
    pub async fn client(&self, client_id: &str) -> CoreResult<AppClient> {
        if let Some(pool_id) = self.keys.cache().pool_of_client(client_id) {
            return self.pool_client(&pool_id, client_id).await;
        }
        let client = self
            .store
            .find_client(client_id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::client_not_found(client_id),
                e => CoreError::from_store("find client", e),
            })?;
        self.keys
            .cache()
            .set_pool_of_client(client_id, &client.pool_id);
        // Read again under the pool's version, so the cached copy is never older than it.
        self.pool_client(&client.pool_id, client_id).await
    }

    /// Reads a client of a pool, through the configuration cache.
    pub async fn pool_client(&self, pool_id: &str, client_id: &str) -> CoreResult<AppClient> {
        let missing = |e| match e {
            StoreError::NotFound => CoreError::client_not_found(client_id),
            e => CoreError::from_store("get client", e),
        };
        let entry = self.keys.cache().entry(pool_id).await.map_err(missing)?;
        if let Some(client) = entry.client(client_id) {
            return Ok(client);
        }
        let client = self.store.get_client(pool_id, client_id).await;
        let client = self.open_client(client.map_err(missing)?)?;
        entry.set_client(&client);
        Ok(client)
    }

    /// Drops the cached configuration of a pool after this instance changed it (other
    /// instances notice the new version within [`crate::cache::RECHECK`]).
    pub fn config_changed(&self, pool_id: &str) {
        self.keys.forget(pool_id);
    }

    /// A client as read from the store, its secret opened (it is sealed at rest).
    pub fn open_client(&self, mut client: AppClient) -> CoreResult<AppClient> {
        if let Some(sealed) = &client.secret {
            client.secret = Some(self.open_text(sealed)?);
        }
        Ok(client)
    }

    /// The copy of a client kept at rest: its secret sealed under the master key.
    pub fn sealed_client(&self, client: &AppClient) -> AppClient {
        AppClient {
            secret: client.secret.as_deref().map(|s| self.seal_text(s)),
            ..client.clone()
        }
    }

    /// Finds a user by anything they may be named by (username, e-mail/phone username, alias,
    /// `sub`). `Ok(None)` when nobody matches.
    pub async fn lookup_user(&self, pool: &UserPool, name: &str) -> CoreResult<Option<User>> {
        for key in candidate_keys(pool, name) {
            match self.store.find_user_by_key(&pool.id, &key).await {
                Ok(u) => return Ok(Some(u)),
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(CoreError::from_store("find user", e)),
            }
        }
        if uuid::Uuid::parse_str(name).is_ok() {
            match self.store.get_user_by_sub(&pool.id, name).await {
                Ok(u) => return Ok(Some(u)),
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(CoreError::from_store("find user", e)),
            }
        }
        Ok(None)
    }

    /// The user with this `sub`; `Ok(None)` when there is none.
    pub async fn user_by_sub(&self, pool: &UserPool, sub: &str) -> CoreResult<Option<User>> {
        match self.store.get_user_by_sub(&pool.id, sub).await {
            Ok(u) => Ok(Some(u)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(CoreError::from_store("find user", e)),
        }
    }

    /// Finds a user or fails with `UserNotFoundException` (admin operations).
    pub async fn user(&self, pool: &UserPool, name: &str) -> CoreResult<User> {
        self.lookup_user(pool, name)
            .await?
            .ok_or_else(CoreError::user_not_found)
    }

    /// Applies a field-by-field change to a user with its side effects, in one store
    /// transaction (see [`crate::store::UserStore::update_user`]).
    pub async fn change_user(
        &self,
        user: &User,
        update: &UserUpdate,
        effects: &Effects,
    ) -> CoreResult<UpdateOutcome> {
        self.store
            .update_user(&user.pool_id, &user.sub, update, effects)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::user_not_found(),
                StoreError::Conflict(_) => alias_exists(user),
                e => CoreError::from_store("update user", e),
            })
    }

    /// [`Cogito::change_user`] for changes without a code or status condition.
    pub async fn update_user_fields(
        &self,
        user: &User,
        update: &UserUpdate,
        effects: &Effects,
    ) -> CoreResult<User> {
        match self.change_user(user, update, effects).await? {
            UpdateOutcome::Updated(u) => Ok(u),
            UpdateOutcome::StatusWas(_) | UpdateOutcome::Code(_) => Err(CoreError::Internal(
                "unconditional user update was refused".into(),
            )),
        }
    }

    /// Ends every session of a user at the current time (all but `keep_origin_jti`).
    pub fn end_sessions(&self, keep_origin_jti: Option<&str>) -> Effects {
        Effects {
            end_sessions: Some(EndSessions {
                at_ms: self.clock.now_ms(),
                keep_origin_jti: keep_origin_jti.map(str::to_owned),
            }),
            ..Effects::default()
        }
    }
}

fn alias_exists(user: &User) -> CoreError {
    let what = if user.attr("email").is_some() {
        "email"
    } else {
        "phone_number"
    };
    CoreError::AliasExists(format!("An account with the {what} already exists."))
}

/// Converts `(name, value)` pairs into a map update: blank values delete.
pub fn apply_attributes(user: &mut User, attrs: &[(String, String)]) {
    for (name, value) in attrs {
        if value.is_empty() {
            user.attributes.remove(name);
        } else {
            user.attributes.insert(name.clone(), value.clone());
        }
    }
}
