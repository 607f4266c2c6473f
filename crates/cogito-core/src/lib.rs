//! cogito's domain core: user pools, app clients, users, groups and their attributes, the
//! sign-in flows, token issuing, and the store ports the backends implement.
//!
//! Nothing here knows about HTTP or SQL. The edge (`cogito-server`) maps wire shapes onto the
//! services in [`service`]; the backends (`cogito-store`) implement the traits in [`store`].

pub mod attributes;
pub mod cache;
pub mod clock;
pub mod crypto;
pub mod error;
pub mod filter;
pub mod ids;
pub mod model;
pub mod password;
pub mod secret_hash;
pub mod service;
pub mod srp;
pub mod store;
pub mod token;
pub mod totp;

pub use clock::{Clock, FakeClock, SystemClock};
pub use error::CoreError;
