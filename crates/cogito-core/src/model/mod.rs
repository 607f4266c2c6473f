//! The domain records: user pools, app clients, users, groups, codes, sessions and outbox
//! messages. Config-like records use Cognito's PascalCase member names because they *are*
//! Cognito's concepts; behaviour-free members a pool or client carries are kept verbatim in
//! `extra` and echoed back.

pub mod client;
pub mod group;
pub mod message;
pub mod oauth;
pub mod pool;
pub mod session;
pub mod user;

pub use client::AppClient;
pub use group::Group;
pub use message::{DeliveryMedium, OutboxMessage};
pub use oauth::{
    AuthorizationCode, Domain, HostedSession, OAuthSettings, ResourceServer, UiCustomization,
};
pub use pool::{PasswordPolicy, SchemaAttribute, UserPool};
pub use session::{AuthSession, Code, CodePurpose, RefreshSession};
pub use user::{User, UserStatus};
