//! The stored shapes of the records kept as one JSON column (pools, app clients, resource
//! servers): store-private serde types, converted to and from the plain core models.
//!
//! These shapes are what is on disk, so they change only with care: a member is renamed only
//! with a `serde(alias)` for the old name, and a setting that moves out of `extra` into a typed
//! field is still read from `extra` in records written before (see [`pool`] and [`client`]).
//! The Cognito wire shapes live at the edge and never reach this module, so renaming a wire
//! member cannot change stored data. SQL-free, shared by both backends.

pub(crate) mod client;
pub(crate) mod pool;
mod resource_server;

use std::collections::BTreeMap;

use cogito_core::store::{StoreError, StoreResult};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A core record with a stored JSON shape.
pub(crate) trait Record: Sized {
    /// The stored shape.
    type Stored: Serialize + DeserializeOwned;
    /// Core record → stored shape.
    fn to_stored(&self) -> Self::Stored;
    /// Stored shape → core record.
    fn from_stored(stored: Self::Stored) -> Self;
}

/// Serialises a record for its JSON column.
pub(crate) fn encode<T: Record>(record: &T) -> StoreResult<String> {
    to_json(&record.to_stored())
}

/// Reads a record from its JSON column.
pub(crate) fn decode<T: Record>(text: &str) -> StoreResult<T> {
    from_json::<T::Stored>(text).map(T::from_stored)
}

/// Serialises plain data (lists, maps of strings) stored as a JSON column.
pub(crate) fn to_json<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Unavailable(format!("cannot serialise record: {e}")))
}

/// Deserialises plain data stored as a JSON column.
pub(crate) fn from_json<T: DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Unavailable(format!("corrupt record in database: {e}")))
}

/// Takes `key` out of a legacy `extra` bag and reads it as `T` (records written before the
/// member was typed); `None` when absent or unreadable.
fn take_legacy<T: DeserializeOwned>(extra: &mut BTreeMap<String, Value>, key: &str) -> Option<T> {
    extra
        .remove(key)
        .and_then(|v| serde_json::from_value(v).ok())
}
