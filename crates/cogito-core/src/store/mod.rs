//! The store ports: small, use-case-sized, atomic operations that every backend implements.
//! Errors are backend-neutral ([`StoreError`]); services translate them explicitly.
//!
//! Every method is atomic on its own. Uniqueness that matters under concurrency (one user per
//! username / login key, one group per name) is enforced by the backend, not by read-then-write
//! in the services.

use async_trait::async_trait;

use crate::model::user::LoginKey;
use crate::model::{
    AppClient, AuthSession, AuthorizationCode, Code, CodePurpose, Domain, Group, HostedSession,
    OutboxMessage, RefreshSession, ResourceServer, UiCustomization, User, UserPool,
};

/// What a unique-key conflict was about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UniqueKey {
    /// Pool, client, group id/name already taken.
    Id,
    /// A login key (username, e-mail/phone username, alias) is already taken.
    LoginKey(LoginKey),
}

/// A failure of the store, independent of the backend.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist.
    #[error("not found")]
    NotFound,
    /// A unique key is already taken.
    #[error("conflict on {0:?}")]
    Conflict(UniqueKey),
    /// The backend failed (I/O, connection, corruption). The string is for logs only.
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

/// Result alias for store calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// A page of results plus the opaque cursor of the next page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// Items of this page.
    pub items: Vec<T>,
    /// Cursor for the next page; `None` on the last page.
    pub next: Option<String>,
}

/// How a `ListUsers` filter compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    /// `=`: exact (case-insensitive for attributes, per reference §8.10).
    Equals,
    /// `^=`: prefix.
    Prefix,
}

/// What a `ListUsers` filter looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterField {
    /// The internal username.
    Username,
    /// `cognito:user_status` (value is the upper-case status).
    Status,
    /// `status`: `Enabled` / `Disabled` (value is `true` for Enabled).
    Enabled,
    /// `sub`.
    Sub,
    /// A searchable attribute (`email`, `phone_number`, `name`, `given_name`, `family_name`,
    /// `preferred_username`).
    Attribute(String),
}

/// A parsed `ListUsers` filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFilter {
    /// What to look at.
    pub field: FilterField,
    /// How to compare.
    pub op: FilterOp,
    /// The value; already lower-cased by the parser where the comparison is case-insensitive.
    pub value: String,
}

/// User pools.
#[async_trait]
pub trait PoolStore: Send + Sync {
    /// Inserts a new pool. `Conflict(Id)` if the id exists.
    async fn insert_pool(&self, pool: &UserPool) -> StoreResult<()>;
    /// Reads a pool.
    async fn get_pool(&self, pool_id: &str) -> StoreResult<UserPool>;
    /// Replaces a pool's settings. `NotFound` if absent.
    async fn update_pool(&self, pool: &UserPool) -> StoreResult<()>;
    /// Deletes a pool and everything in it (clients, users, groups, codes, sessions, keys,
    /// outbox). `NotFound` if absent.
    async fn delete_pool(&self, pool_id: &str) -> StoreResult<()>;
    /// Pools ordered by id, after the cursor.
    async fn list_pools(&self, cursor: Option<&str>, limit: u32) -> StoreResult<Page<UserPool>>;
    /// Number of users in a pool.
    async fn count_users(&self, pool_id: &str) -> StoreResult<u64>;
}

/// App clients.
#[async_trait]
pub trait ClientStore: Send + Sync {
    /// Inserts a client. `Conflict(Id)` if the id exists; `NotFound` if the pool does not.
    async fn insert_client(&self, client: &AppClient) -> StoreResult<()>;
    /// Reads a client of a pool.
    async fn get_client(&self, pool_id: &str, client_id: &str) -> StoreResult<AppClient>;
    /// Reads a client by id alone (public operations only name the client).
    async fn find_client(&self, client_id: &str) -> StoreResult<AppClient>;
    /// Replaces a client. `NotFound` if absent.
    async fn update_client(&self, client: &AppClient) -> StoreResult<()>;
    /// Deletes a client. `NotFound` if absent.
    async fn delete_client(&self, pool_id: &str, client_id: &str) -> StoreResult<()>;
    /// Clients of a pool ordered by id, after the cursor.
    async fn list_clients(
        &self,
        pool_id: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<AppClient>>;
}

/// Users, their login keys and their attribute index.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Inserts a user with its login keys in one transaction. `Conflict(LoginKey(k))` when a key
    /// is taken (nothing is written).
    async fn insert_user(&self, user: &User, keys: &[LoginKey]) -> StoreResult<()>;
    /// Reads a user by a login key (username, e-mail/phone username, alias).
    async fn find_user_by_key(&self, pool_id: &str, key: &LoginKey) -> StoreResult<User>;
    /// Reads a user by `sub`.
    async fn get_user_by_sub(&self, pool_id: &str, sub: &str) -> StoreResult<User>;
    /// Replaces a user record and its login keys in one transaction. With `steal_keys`, keys held
    /// by other users move to this one (`ForceAliasCreation`); otherwise a taken key is
    /// `Conflict(LoginKey(k))` and nothing is written. `NotFound` if the user is gone.
    async fn update_user(
        &self,
        user: &User,
        keys: &[LoginKey],
        steal_keys: bool,
    ) -> StoreResult<()>;
    /// Updates only the lockout counters (hot path of failed sign-ins).
    async fn update_lockout(
        &self,
        pool_id: &str,
        sub: &str,
        failed_attempts: u32,
        locked_until_ms: i64,
        last_failure_ms: i64,
    ) -> StoreResult<()>;
    /// Deletes a user with its keys, codes, sessions and group memberships.
    async fn delete_user(&self, pool_id: &str, sub: &str) -> StoreResult<()>;
    /// Users ordered by creation, optionally filtered, after the cursor. Filters are served by
    /// indexes (username, status, sub, attribute name + normalised value), never a full scan.
    async fn list_users(
        &self,
        pool_id: &str,
        filter: Option<&UserFilter>,
        cursor: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<User>>;
}

/// Groups and memberships.
#[async_trait]
pub trait GroupStore: Send + Sync {
    /// Inserts a group. `Conflict(Id)` if the name is taken.
    async fn insert_group(&self, group: &Group) -> StoreResult<()>;
    /// Reads a group.
    async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Group>;
    /// Replaces a group. `NotFound` if absent.
    async fn update_group(&self, group: &Group) -> StoreResult<()>;
    /// Deletes a group and its memberships.
    async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<()>;
    /// Groups of a pool ordered by name, after the cursor.
    async fn list_groups(
        &self,
        pool_id: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<Group>>;
    /// Adds a user to a group (idempotent). `NotFound` if either is missing.
    async fn add_member(&self, pool_id: &str, group: &str, sub: &str) -> StoreResult<()>;
    /// Removes a user from a group (idempotent).
    async fn remove_member(&self, pool_id: &str, group: &str, sub: &str) -> StoreResult<()>;
    /// Groups of a user ordered by name, after the cursor.
    async fn groups_of_user(
        &self,
        pool_id: &str,
        sub: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<Group>>;
    /// Users of a group ordered by creation, after the cursor.
    async fn users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<User>>;
}

/// Codes, auth-challenge sessions and refresh sessions.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a code, replacing any earlier code of the same user and purpose.
    async fn put_code(&self, code: &Code) -> StoreResult<()>;
    /// Reads the pending code of a user and purpose.
    async fn get_code(&self, pool_id: &str, sub: &str, purpose: &CodePurpose) -> StoreResult<Code>;
    /// Counts a failed attempt against a code; returns the new count.
    async fn bump_code_attempts(
        &self,
        pool_id: &str,
        sub: &str,
        purpose: &CodePurpose,
    ) -> StoreResult<u32>;
    /// Deletes a code (used once).
    async fn delete_code(&self, pool_id: &str, sub: &str, purpose: &CodePurpose)
    -> StoreResult<()>;
    /// Stores an auth-challenge session.
    async fn put_auth_session(&self, session: &AuthSession) -> StoreResult<()>;
    /// Removes and returns an auth-challenge session (single use).
    async fn take_auth_session(&self, id_hash: &str) -> StoreResult<AuthSession>;
    /// Stores a refresh session (one sign-in).
    async fn insert_refresh(&self, session: &RefreshSession) -> StoreResult<()>;
    /// Reads a refresh session by the hash of its token.
    async fn get_refresh_by_hash(&self, token_hash: &str) -> StoreResult<RefreshSession>;
    /// Reads a refresh session by `origin_jti` (revocation checks of access tokens).
    async fn get_refresh_by_origin(&self, origin_jti: &str) -> StoreResult<RefreshSession>;
    /// Marks one refresh session revoked (idempotent).
    async fn revoke_refresh(&self, origin_jti: &str, at_ms: i64) -> StoreResult<()>;
    /// Marks every live refresh session of a user revoked.
    async fn revoke_all_refresh(&self, pool_id: &str, sub: &str, at_ms: i64) -> StoreResult<()>;
    /// Rotates the refresh token of a sign-in (`RefreshTokenRotation`): the current token's
    /// digest is recorded as rotated out at `at_ms` and `new_hash` becomes current, atomically.
    /// `NotFound` if the sign-in does not exist.
    async fn rotate_refresh(&self, origin_jti: &str, new_hash: &str, at_ms: i64)
    -> StoreResult<()>;
    /// A refresh token rotated out of a sign-in: `(origin_jti, rotated_ms)`. `NotFound` if no
    /// sign-in ever had this token digest and rotated it out.
    async fn get_rotated_refresh(&self, token_hash: &str) -> StoreResult<(String, i64)>;
    /// Marks every live refresh session of a user revoked except the one with `keep_origin_jti`
    /// (a password change ends the user's other sessions, security bar SEC-23).
    async fn revoke_other_refresh(
        &self,
        pool_id: &str,
        sub: &str,
        keep_origin_jti: &str,
        at_ms: i64,
    ) -> StoreResult<()>;
}

/// A stored signing key. The private key is encrypted under the master key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    /// Pool.
    pub pool_id: String,
    /// `kid`.
    pub kid: String,
    /// `id` or `access`.
    pub purpose: String,
    /// Encrypted PKCS#8 private key.
    pub encrypted_private_key: Vec<u8>,
    /// Creation, epoch ms.
    pub created_ms: i64,
}

/// Signing keys, the outbox and instance settings.
#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Stores a signing key.
    async fn insert_key(&self, key: &StoredKey) -> StoreResult<()>;
    /// All keys of a pool, oldest first.
    async fn keys_of_pool(&self, pool_id: &str) -> StoreResult<Vec<StoredKey>>;
    /// Reads an instance setting.
    async fn get_setting(&self, name: &str) -> StoreResult<String>;
    /// Writes an instance setting unless one exists; returns the value in force.
    async fn put_setting_if_absent(&self, name: &str, value: &str) -> StoreResult<String>;
}

/// Which outbox messages to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxQuery {
    /// Only this pool.
    pub pool_id: Option<String>,
    /// Only this internal username.
    pub username: Option<String>,
    /// At most this many, newest first.
    pub limit: u32,
}

/// The outbox of sent messages.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Appends a message.
    async fn insert_message(&self, message: &OutboxMessage) -> StoreResult<()>;
    /// Messages newest first.
    async fn list_messages(&self, query: &OutboxQuery) -> StoreResult<Vec<OutboxMessage>>;
}

fn unsupported<T>() -> StoreResult<T> {
    Err(StoreError::Unavailable(
        "this backend does not implement OAuth storage yet".into(),
    ))
}

/// OAuth 2.0 and hosted-UI state: domains, resource servers, authorization codes, hosted-UI
/// sessions and UI customisation. Default methods answer `Unavailable` so that a backend can be
/// written incrementally; the SQLite backend implements them all.
#[async_trait]
pub trait OAuthStore: Send + Sync {
    /// Inserts a domain. `Conflict(Id)` if the domain name is taken or the pool already has one;
    /// `NotFound` if the pool does not exist.
    async fn insert_domain(&self, _domain: &Domain) -> StoreResult<()> {
        unsupported()
    }
    /// Reads a domain by its name (prefix or custom host).
    async fn get_domain(&self, _domain: &str) -> StoreResult<Domain> {
        unsupported()
    }
    /// The domain of a pool.
    async fn domain_of_pool(&self, _pool_id: &str) -> StoreResult<Domain> {
        unsupported()
    }
    /// Replaces a domain record. `NotFound` if absent.
    async fn update_domain(&self, _domain: &Domain) -> StoreResult<()> {
        unsupported()
    }
    /// Deletes a domain. `NotFound` if absent.
    async fn delete_domain(&self, _domain: &str) -> StoreResult<()> {
        unsupported()
    }
    /// Inserts a resource server. `Conflict(Id)` if the identifier is taken in the pool.
    async fn insert_resource_server(&self, _server: &ResourceServer) -> StoreResult<()> {
        unsupported()
    }
    /// Reads a resource server.
    async fn get_resource_server(
        &self,
        _pool_id: &str,
        _identifier: &str,
    ) -> StoreResult<ResourceServer> {
        unsupported()
    }
    /// Replaces a resource server. `NotFound` if absent.
    async fn update_resource_server(&self, _server: &ResourceServer) -> StoreResult<()> {
        unsupported()
    }
    /// Deletes a resource server. `NotFound` if absent.
    async fn delete_resource_server(&self, _pool_id: &str, _identifier: &str) -> StoreResult<()> {
        unsupported()
    }
    /// Resource servers of a pool ordered by identifier, after the cursor.
    async fn list_resource_servers(
        &self,
        _pool_id: &str,
        _cursor: Option<&str>,
        _limit: u32,
    ) -> StoreResult<Page<ResourceServer>> {
        unsupported()
    }
    /// Stores a new authorization code.
    async fn insert_authorization_code(&self, _code: &AuthorizationCode) -> StoreResult<()> {
        unsupported()
    }
    /// Atomically marks a code used (if it was not) and returns the record as it was *before*
    /// this call: `used_ms: Some(_)` means it had already been redeemed (replay).
    async fn redeem_authorization_code(
        &self,
        _code_hash: &str,
        _now_ms: i64,
    ) -> StoreResult<AuthorizationCode> {
        unsupported()
    }
    /// Records the `origin_jti` of the tokens a code's redemption issued.
    async fn set_code_origin(&self, _code_hash: &str, _origin_jti: &str) -> StoreResult<()> {
        unsupported()
    }
    /// Stores a hosted-UI session.
    async fn put_hosted_session(&self, _session: &HostedSession) -> StoreResult<()> {
        unsupported()
    }
    /// Reads a hosted-UI session.
    async fn get_hosted_session(&self, _id_hash: &str) -> StoreResult<HostedSession> {
        unsupported()
    }
    /// Deletes a hosted-UI session (idempotent).
    async fn delete_hosted_session(&self, _id_hash: &str) -> StoreResult<()> {
        unsupported()
    }
    /// Deletes every hosted-UI session of a user (idempotent; password change, SEC-23).
    async fn delete_hosted_sessions_of_user(&self, _pool_id: &str, _sub: &str) -> StoreResult<()> {
        unsupported()
    }
    /// Writes the UI customisation of a pool (`client_id: None`) or client, replacing it.
    async fn put_ui_customization(&self, _ui: &UiCustomization) -> StoreResult<()> {
        unsupported()
    }
    /// Reads the UI customisation of a pool or client. `NotFound` if none was set.
    async fn get_ui_customization(
        &self,
        _pool_id: &str,
        _client_id: Option<&str>,
    ) -> StoreResult<UiCustomization> {
        unsupported()
    }
}

/// Everything a backend provides.
pub trait Store:
    PoolStore
    + ClientStore
    + UserStore
    + GroupStore
    + SessionStore
    + KeyStore
    + OutboxStore
    + OAuthStore
{
}

impl<T> Store for T where
    T: PoolStore
        + ClientStore
        + UserStore
        + GroupStore
        + SessionStore
        + KeyStore
        + OutboxStore
        + OAuthStore
{
}
