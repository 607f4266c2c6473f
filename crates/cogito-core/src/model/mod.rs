//! The domain records: user pools, app clients, users, groups, codes, sessions and outbox
//! messages. These are plain Rust records with no serialisation: the Cognito wire shapes are
//! built at the edge (`cogito-server`) and the stored shapes are private to `cogito-store`, so
//! renaming one never changes the other. Every member that changes behaviour is a typed field;
//! behaviour-free members a pool or client carries are kept verbatim in `extra` and echoed back.

pub mod client;
pub mod device;
pub mod group;
pub mod import_job;
pub mod message;
pub mod mfa;
pub mod oauth;
pub mod pool;
pub mod session;
pub mod triggers;
pub mod user;

pub use client::AppClient;
pub use device::{Device, DeviceConfig};
pub use group::Group;
pub use import_job::{ImportJob, ImportJobStatus};
pub use message::{DeliveryMedium, DeliveryState, DeliveryStatus, OutboxMessage};
pub use mfa::{MfaFactor, MfaMode, MfaPreference, PoolMfa, UserMfa};
pub use oauth::{
    AuthorizationCode, Domain, HostedSession, OAuthSettings, ResourceServer, UiCustomization,
};
pub use pool::{PasswordPolicy, SchemaAttribute, UserPool};
pub use session::{AuthSession, Code, CodePurpose, RefreshSession};
pub use triggers::{PoolTriggers, PreTokenVersion, TriggerKind};
pub use user::{User, UserStatus};
