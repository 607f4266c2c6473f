//! Assembling a running instance from its parts: store, clock, master key, hashing cost,
//! delivery, and the admin credentials (generated and stored encrypted on first start when none
//! are configured). Used by the binary and the test kit alike.

use std::collections::HashMap;
use std::sync::Arc;

use cogito_core::Clock;
use cogito_core::crypto::MasterKey;
use cogito_core::password::{HashCost, PasswordHasher};
use cogito_core::service::{Cogito, CoreConfig, Transport};
use cogito_core::store::{Store, StoreError};

use crate::{AppState, ServerConfig};

/// Everything an instance is built from.
pub struct Parts {
    /// Storage.
    pub store: Arc<dyn Store>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Master key for secrets at rest.
    pub master: Arc<MasterKey>,
    /// Password hashing cost.
    pub hash_cost: HashCost,
    /// The cores the instance counts as its own ([`hash_workers`]).
    pub cores: usize,
    /// Delivery beyond the outbox.
    pub transport: Arc<dyn Transport>,
    /// Core settings.
    pub core: CoreConfig,
    /// Edge settings.
    pub server: ServerConfig,
    /// Trigger functions (none: pools cannot name any).
    pub triggers: Option<crate::triggers::TriggerSettings>,
}

/// Builds the shared state.
pub fn build(parts: Parts) -> Result<AppState, cogito_core::CoreError> {
    let core = Cogito::new(
        parts.store,
        parts.clock,
        parts.master.clone(),
        PasswordHasher::new(parts.hash_cost, hash_workers(parts.cores))?,
        parts.transport,
        parts.core,
    );
    let core = match parts.triggers {
        Some(t) => core.with_invoker(Arc::new(crate::triggers::HttpInvoker::new(t))),
        None => core,
    };
    let shedder = crate::shed::Shedder::new(parts.server.in_flight);
    Ok(AppState {
        core: Arc::new(core),
        shedder,
        config: Arc::new(parts.server),
        cookie_key: Arc::new(parts.master.derive("hosted-ui cookies")),
    })
}

/// The password-hashing workers of an instance with `cores`: one per core, and never fewer
/// than two, so that one slow verification (an imported hash of another system may cost more
/// than our own) does not stop all sign-ins, and so that hashing, whose threads run at a
/// lower priority, keeps a share of a single core that other busy processes cannot take whole.
pub fn hash_workers(cores: usize) -> usize {
    cores.max(2)
}

/// The cores the system grants this process (a container's CPU quota included), 2 when it
/// cannot tell.
pub fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
}

const KEY_ID_SETTING: &str = "admin_access_key_id";
const SECRET_SETTING: &str = "admin_secret_access_key_sealed";

/// Admin credentials found in (or newly written to) the store.
#[derive(Debug)]
pub struct StoredCredentials {
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
    /// Whether they were generated just now (print them once).
    pub generated: bool,
}

/// Loads the instance's admin credentials, generating and storing them (secret encrypted under
/// the master key) if none exist yet.
pub async fn admin_credentials(
    store: &dyn Store,
    master: &MasterKey,
) -> Result<StoredCredentials, String> {
    let existing = store.get_setting(KEY_ID_SETTING).await;
    let generated = matches!(existing, Err(StoreError::NotFound));
    if generated {
        let id = format!(
            "AKIA{}",
            cogito_core::ids::new_client_id()[..16].to_uppercase()
        );
        // Secret first: a crash in between leaves no key id pointing at a missing secret.
        put_sealed_if_absent(store, master, SECRET_SETTING, || {
            cogito_core::ids::new_opaque_token(30)
        })
        .await?;
        store
            .put_setting_if_absent(KEY_ID_SETTING, &id)
            .await
            .map_err(|e| e.to_string())?;
    }
    let id = store
        .get_setting(KEY_ID_SETTING)
        .await
        .map_err(|e| e.to_string())?;
    Ok(StoredCredentials {
        access_key_id: id,
        secret_access_key: open_sealed_setting(store, master, SECRET_SETTING).await?,
        generated,
    })
}

/// Stores a secret made by `make`, sealed under the master key, unless the setting exists (of
/// several instances starting at once, the first writer wins).
async fn put_sealed_if_absent(
    store: &dyn Store,
    master: &MasterKey,
    key: &str,
    make: impl FnOnce() -> String,
) -> Result<(), String> {
    let sealed = hex_encode(&master.seal(make().as_bytes()));
    store
        .put_setting_if_absent(key, &sealed)
        .await
        .map(drop)
        .map_err(|e| e.to_string())
}

/// A secret stored sealed by [`put_sealed_if_absent`], opened.
async fn open_sealed_setting(
    store: &dyn Store,
    master: &MasterKey,
    key: &str,
) -> Result<String, String> {
    let corrupt = || format!("stored setting {key} is corrupt");
    let sealed = store.get_setting(key).await.map_err(|e| e.to_string())?;
    let bytes = hex_decode(&sealed).ok_or_else(corrupt)?;
    let secret = master.open(&bytes).map_err(|e| e.to_string())?;
    String::from_utf8(secret).map_err(|_| corrupt())
}

const TRIGGER_SECRET_SETTING: &str = "trigger_secret_sealed";

/// The installation's trigger secret (the HMAC key of `X-Cogito-Signature`): generated on first
/// use and stored sealed under the master key, so every instance signs alike.
pub async fn trigger_secret(store: &dyn Store, master: &MasterKey) -> Result<String, String> {
    if matches!(
        store.get_setting(TRIGGER_SECRET_SETTING).await,
        Err(StoreError::NotFound)
    ) {
        put_sealed_if_absent(store, master, TRIGGER_SECRET_SETTING, || {
            cogito_core::ids::new_opaque_token(32)
        })
        .await?;
    }
    // Whichever instance stored it first, every instance reads the same one.
    open_sealed_setting(store, master, TRIGGER_SECRET_SETTING).await
}

fn hex_encode(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

/// A credentials map for [`ServerConfig::admin_credentials`].
pub fn credentials_map(id: &str, secret: &str) -> HashMap<String, String> {
    HashMap::from([(id.to_string(), secret.to_string())])
}
