//! The store ports: small, use-case-sized, atomic operations that every backend implements.
//! Errors are backend-neutral ([`StoreError`]); services translate them explicitly.
//!
//! Every method is atomic on its own. Uniqueness that matters under concurrency (one user per
//! username / login key, one group per name) is enforced by the backend, not by read-then-write
//! in the services.

use async_trait::async_trait;

mod apply;

use crate::model::user::LoginKey;
use crate::model::{
    AppClient, AuthSession, AuthorizationCode, Code, CodePurpose, DeliveryStatus, Device, Domain,
    Group, HostedSession, ImportJob, ImportJobStatus, MfaPreference, OutboxMessage, RefreshSession,
    ResourceServer, UiCustomization, User, UserPool, UserStatus,
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
    /// A conditional update found the record changed since it was read (its [`Revision`]
    /// moved on); nothing was written. The caller re-reads and re-applies its change.
    #[error("record changed since it was read")]
    Stale,
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

/// The revision of a pool or client row: it moves on with every write of the record, so an
/// update can require the row to be exactly as it was read (optimistic concurrency).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Revision(pub i64);

/// A record together with the revision it was read at, to be passed back to its update.
#[derive(Debug, Clone, PartialEq)]
pub struct Revised<T> {
    /// The record as read.
    pub record: T,
    /// Its revision when read.
    pub revision: Revision,
}

/// User pools.
#[async_trait]
pub trait PoolStore: Send + Sync {
    /// Inserts a new pool. `Conflict(Id)` if the id exists.
    async fn insert_pool(&self, pool: &UserPool) -> StoreResult<()>;
    /// Reads a pool.
    async fn get_pool(&self, pool_id: &str) -> StoreResult<UserPool>;
    /// Reads a pool with its revision, to change it with [`PoolStore::update_pool`].
    async fn get_pool_revised(&self, pool_id: &str) -> StoreResult<Revised<UserPool>>;
    /// Replaces a pool's settings, atomically and only if its row is still at revision `read`;
    /// returns the new revision. `Stale` (nothing written) if the pool changed since it was
    /// read; `NotFound` if absent.
    async fn update_pool(&self, pool: &UserPool, read: Revision) -> StoreResult<Revision>;
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
    /// Reads a client of a pool with its revision, to change it with
    /// [`ClientStore::update_client`].
    async fn get_client_revised(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> StoreResult<Revised<AppClient>>;
    /// Replaces a client, atomically and only if its row is still at revision `read`; returns
    /// the new revision. `Stale` (nothing written) if the client changed since it was read;
    /// `NotFound` if absent.
    async fn update_client(&self, client: &AppClient, read: Revision) -> StoreResult<Revision>;
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

/// Which login keys a user holds, derived from the pool's username/alias settings
/// ([`crate::attributes::login_keys`]). Backends recompute a user's keys with it inside the
/// transaction that changes the user's attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPolicy {
    /// `UsernameAttributes`.
    pub username_attributes: Vec<String>,
    /// `AliasAttributes`.
    pub alias_attributes: Vec<String>,
    /// `UsernameConfiguration.CaseSensitive`.
    pub case_sensitive: bool,
}

/// A new password for a user (already hashed and checked against the policy and history).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPassword {
    /// The PHC string of the new password.
    pub hash: String,
    /// Its sealed SRP verifier (replaces the stored one, also when `None`).
    pub srp_verifier: Option<String>,
    /// When it was set, epoch ms.
    pub set_ms: i64,
    /// How many earlier hashes to keep (`PasswordHistorySize`, at least 1).
    pub keep_history: usize,
}

impl NewPassword {
    /// Sets the password of a user being created (no history yet).
    pub fn set_on_new(self, user: &mut User) {
        user.password_hash = Some(self.hash);
        user.srp_verifier = self.srp_verifier;
        user.password_set_ms = self.set_ms;
    }
}

/// A code presented to confirm a user change; checked and consumed in the change's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redeem {
    /// What the code confirms.
    pub purpose: CodePurpose,
    /// Keyed fingerprint of the presented code.
    pub code_hash: String,
    /// Now, epoch ms (expiry check).
    pub now_ms: i64,
    /// Wrong attempts a code survives.
    pub max_attempts: u32,
}

/// Why a presented code was refused. A mismatch has been counted against the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRefusal {
    /// No code of that purpose, or it expired.
    Missing,
    /// Wrong code (the attempt was counted and committed).
    Mismatch,
    /// The code has used up its attempts.
    TooManyAttempts,
}

/// A change to one user, applied field by field in one transaction: only the named fields are
/// written, on the row as it is when the transaction holds it, so concurrent changes to other
/// fields are never undone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserUpdate {
    /// Modification time, epoch ms.
    pub modified_ms: i64,
    /// Apply only if the user is in this status (else [`UpdateOutcome::StatusWas`]).
    pub only_if_status: Option<UserStatus>,
    /// New status.
    pub status: Option<UserStatus>,
    /// Enable / disable.
    pub enabled: Option<bool>,
    /// New password; the old hash moves into the history and the lockout counters reset.
    pub password: Option<NewPassword>,
    /// Attributes to set (after which `remove_attributes` are removed).
    pub set_attributes: Vec<(String, String)>,
    /// Attributes to remove.
    pub remove_attributes: Vec<String>,
    /// Recompute the login keys with this policy (required when attributes change).
    pub keys: Option<KeyPolicy>,
    /// A taken login key moves to this user (`ForceAliasCreation`, verification of an alias)
    /// instead of failing with `Conflict(LoginKey(_))`.
    pub steal_keys: bool,
    /// A code that must match first (consumed on success).
    pub redeem: Option<Redeem>,
}

/// Sessions to end with a user change (credential change, disable; SEC-22/23).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndSessions {
    /// Revocation time, epoch ms.
    pub at_ms: i64,
    /// The caller's own sign-in, which survives (`ChangePassword`).
    pub keep_origin_jti: Option<String>,
}

/// Writes that commit together with a user change or creation, or not at all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Effects {
    /// Codes to store (each replaces an earlier code of the same user and purpose).
    pub codes: Vec<Code>,
    /// Outbox messages to append.
    pub messages: Vec<OutboxMessage>,
    /// Refresh sessions to revoke and hosted-UI sessions to delete.
    pub end_sessions: Option<EndSessions>,
}

impl Effects {
    /// No side effects.
    pub fn none() -> Self {
        Self::default()
    }
}

/// What [`UserStore::update_user`] did.
#[derive(Debug, Clone, PartialEq)]
// The user is the usual outcome; boxing it would cost an allocation on every update.
#[allow(clippy::large_enum_variant)]
pub enum UpdateOutcome {
    /// Applied; the user as committed.
    Updated(User),
    /// Not applied: `only_if_status` did not hold; the user's status.
    StatusWas(UserStatus),
    /// Not applied: the code was refused.
    Code(CodeRefusal),
}

/// Lockout rules (reference §8.4), applied by the store under the user's row lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures before the first lock.
    pub threshold: u32,
    /// First lock, ms (doubling per further failure).
    pub base_lock_ms: i64,
    /// Longest lock, ms.
    pub max_lock_ms: i64,
    /// Quiet period after which failures are forgotten, ms.
    pub reset_after_ms: i64,
}

/// The failure counters of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoginFailures {
    /// Failures counted.
    pub failed_attempts: u32,
    /// Locked until, epoch ms (0 = not locked).
    pub locked_until_ms: i64,
    /// Last counted failure, epoch ms.
    pub last_failure_ms: i64,
}

impl LockoutPolicy {
    /// The counters after one more (presumed failed) attempt at `now_ms`, or `None` while
    /// locked (the attempt is refused and does not extend the lock).
    pub fn on_attempt(&self, current: LoginFailures, now_ms: i64) -> Option<LoginFailures> {
        if current.locked_until_ms > now_ms {
            return None;
        }
        let previous = if now_ms - current.last_failure_ms > self.reset_after_ms {
            0
        } else {
            current.failed_attempts
        };
        let failed_attempts = previous.saturating_add(1);
        let locked_until_ms = if failed_attempts >= self.threshold {
            let exp = (failed_attempts - self.threshold).min(20);
            now_ms + (self.base_lock_ms << exp).min(self.max_lock_ms)
        } else {
            current.locked_until_ms
        };
        Some(LoginFailures {
            failed_attempts,
            locked_until_ms,
            last_failure_ms: now_ms,
        })
    }
}

/// Whether a password check may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordAttempt {
    /// Counted as a failure in advance (cleared by [`UserStore::clear_login_failures`] when the
    /// password is right), so at most `threshold` checks can ever be in flight.
    Allowed,
    /// Locked: refuse without checking.
    Locked,
}

/// A user arriving whole ([`UserStore::import_users`]): the record (its `mfa` included), the
/// names it signs in with, and the groups it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedUser {
    /// The user.
    pub user: User,
    /// Its login keys.
    pub keys: Vec<LoginKey>,
    /// Names of its groups.
    pub groups: Vec<String>,
}

/// Users, their login keys and their attribute index.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Inserts a user with its login keys and `effects` in one transaction. With `steal_keys`,
    /// keys other than the username move from their holders to this user; otherwise a taken key
    /// is `Conflict(LoginKey(k))` and nothing is written.
    async fn insert_user(
        &self,
        user: &User,
        keys: &[LoginKey],
        steal_keys: bool,
        effects: &Effects,
    ) -> StoreResult<()>;
    /// Inserts many users with their login keys, MFA settings and group memberships in one
    /// transaction (a bulk import of users who arrive with their password hashes, or a
    /// benchmark's population); a group named that the pool lacks is created. All or nothing: a
    /// key taken by anyone, or twice in the batch, is `Conflict(LoginKey(k))`, a `sub` taken is
    /// `Conflict(Id)`, and nothing is written.
    async fn import_users(&self, users: &[ImportedUser]) -> StoreResult<()>;
    /// Reads a user by a login key (username, e-mail/phone username, alias).
    async fn find_user_by_key(&self, pool_id: &str, key: &LoginKey) -> StoreResult<User>;
    /// The user of an access token in one lookup: the user `sub` of the pool, and whether its
    /// session `origin_jti` is live (exists for this user and is not revoked). `NotFound` when
    /// the user is gone.
    async fn get_session_user(
        &self,
        pool_id: &str,
        sub: &str,
        origin_jti: &str,
    ) -> StoreResult<(User, bool)>;
    /// Reads a user by `sub`.
    async fn get_user_by_sub(&self, pool_id: &str, sub: &str) -> StoreResult<User>;
    /// Applies `update` to the user and writes `effects`, in one transaction holding the user's
    /// row: all or nothing, except that a refused code's counted attempt is committed alone.
    /// `NotFound` if the user is gone; `Conflict(LoginKey(k))` when a key is taken and
    /// `steal_keys` is off (nothing is written).
    async fn update_user(
        &self,
        pool_id: &str,
        sub: &str,
        update: &UserUpdate,
        effects: &Effects,
    ) -> StoreResult<UpdateOutcome>;
    /// Reserves one password check (SEC-37): atomically counts it as a failure per `policy`
    /// unless the user is locked. `NotFound` if the user is gone.
    async fn begin_password_attempt(
        &self,
        pool_id: &str,
        sub: &str,
        now_ms: i64,
        policy: &LockoutPolicy,
    ) -> StoreResult<PasswordAttempt>;
    /// Counts one failed sign-in of a name that matches no user (existence errors hidden,
    /// SEC-38) with the same lockout as a user's, keyed by a keyed hash of the name: `Locked`
    /// (nothing counted) while locked. One transaction; `NotFound` if the pool is gone.
    async fn record_unknown_failure(
        &self,
        pool_id: &str,
        name_hash: &str,
        now_ms: i64,
        policy: &LockoutPolicy,
    ) -> StoreResult<PasswordAttempt>;
    /// Replaces the password hash by the same password's hash at the current cost (SEC-33), only
    /// if the stored hash is still `old_hash` (one conditional statement: a password changed in
    /// the meantime is never overwritten). History, verifier and dates stay. `false` when the
    /// hash had changed or the user is gone.
    async fn rehash_password(
        &self,
        pool_id: &str,
        sub: &str,
        old_hash: &str,
        new_hash: &str,
    ) -> StoreResult<bool>;
    /// Stores the SRP verifier of a password set before verifiers were kept, only while the
    /// stored hash is still `hash` and no verifier is there (one conditional statement). `false`
    /// otherwise.
    async fn fill_srp_verifier(
        &self,
        pool_id: &str,
        sub: &str,
        hash: &str,
        verifier: &str,
    ) -> StoreResult<bool>;
    /// Changes a user's MFA settings in one statement: each factor given is turned on or off,
    /// `prefer` becomes the preferred factor, and a factor turned off stops being preferred
    /// ([`crate::model::MfaPreference::apply`]). `NotFound` when the user is gone.
    async fn set_mfa_preference(
        &self,
        pool_id: &str,
        sub: &str,
        change: &MfaPreference,
    ) -> StoreResult<()>;
    /// Stores a TOTP secret being set up (replacing an earlier one being set up; the verified
    /// secret stays until this one is verified). `NotFound` when the user is gone.
    async fn set_totp_pending(&self, pool_id: &str, sub: &str, sealed: &str) -> StoreResult<()>;
    /// Makes the pending secret `pending` the verified one, with `step` as its last accepted
    /// time step, only while `pending` is still the pending secret (one conditional statement).
    /// `false` otherwise.
    async fn confirm_totp(
        &self,
        pool_id: &str,
        sub: &str,
        pending: &str,
        step: i64,
    ) -> StoreResult<bool>;
    /// Accepts TOTP time step `step` only if it is later than the last accepted one (one
    /// conditional statement), so a code is accepted once. `false` otherwise.
    async fn use_totp_step(&self, pool_id: &str, sub: &str, step: i64) -> StoreResult<bool>;
    /// Resets the failure counters after a correct password (one statement).
    async fn clear_login_failures(&self, pool_id: &str, sub: &str) -> StoreResult<()>;
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

/// Changes of `UpdateGroup`: a `Some` member replaces the stored value, `None` keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupChanges {
    /// New description.
    pub description: Option<String>,
    /// New precedence.
    pub precedence: Option<i64>,
    /// New role ARN.
    pub role_arn: Option<String>,
    /// Modification time, epoch ms (always written).
    pub modified_ms: i64,
}

/// Groups and memberships.
#[async_trait]
pub trait GroupStore: Send + Sync {
    /// Inserts a group. `Conflict(Id)` if the name is taken.
    async fn insert_group(&self, group: &Group) -> StoreResult<()>;
    /// Reads a group.
    async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Group>;
    /// Applies `changes` to a group in one statement (members not given keep their stored
    /// value, so concurrent updates of different members are never lost) and returns the group
    /// as written. `NotFound` if absent.
    async fn update_group(
        &self,
        pool_id: &str,
        name: &str,
        changes: &GroupChanges,
    ) -> StoreResult<Group>;
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
    /// The group names of many users at once (an export): `(sub, group)` pairs ordered by sub,
    /// then group; users in no group have none.
    async fn group_names_of(
        &self,
        pool_id: &str,
        subs: &[String],
    ) -> StoreResult<Vec<(String, String)>>;
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

/// What `ConfirmDevice` stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceConfirmation {
    /// The device's SRP salt and verifier, sealed.
    pub verifier: String,
    /// `DeviceName`.
    pub name: Option<String>,
    /// Remembered from the start (the pool does not wait for the user's say).
    pub remembered: bool,
    /// Now, epoch ms.
    pub now_ms: i64,
}

/// Remembered devices (reference §5.8). Every change is one statement, scoped to the device's
/// user.
#[async_trait]
pub trait DeviceStore: Send + Sync {
    /// Stores a device handed out at sign-in (unconfirmed). `NotFound` when the user is gone.
    async fn insert_device(&self, device: &Device) -> StoreResult<()>;
    /// Confirms a device of the user with its sealed verifier and name, only while it is
    /// unconfirmed. `NotFound` when the user has no such device, `Conflict(Id)` when it was
    /// confirmed already.
    async fn confirm_device(
        &self,
        pool_id: &str,
        sub: &str,
        device_key: &str,
        confirmation: &DeviceConfirmation,
    ) -> StoreResult<()>;
    /// A device by key (any user of the pool).
    async fn get_device(&self, pool_id: &str, device_key: &str) -> StoreResult<Device>;
    /// Confirmed devices of a user ordered by key, after the cursor.
    async fn list_devices(
        &self,
        pool_id: &str,
        sub: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<Device>>;
    /// Deletes a device of the user. `NotFound` when the user has no such device.
    async fn delete_device(&self, pool_id: &str, sub: &str, device_key: &str) -> StoreResult<()>;
    /// Sets whether a confirmed device of the user is remembered. `NotFound` otherwise.
    async fn set_device_remembered(
        &self,
        pool_id: &str,
        sub: &str,
        device_key: &str,
        remembered: bool,
        now_ms: i64,
    ) -> StoreResult<()>;
    /// Records a sign-in on a device.
    async fn touch_device(&self, pool_id: &str, device_key: &str, now_ms: i64) -> StoreResult<()>;
}

/// Codes, auth-challenge sessions and refresh sessions.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a code, replacing any earlier code of the same user and purpose.
    async fn put_code(&self, code: &Code) -> StoreResult<()>;
    /// Reads the pending code of a user and purpose.
    async fn get_code(&self, pool_id: &str, sub: &str, purpose: &CodePurpose) -> StoreResult<Code>;
    /// Counts one event against `key` in the window starting at `window_start_ms` (one
    /// `INSERT … ON CONFLICT … RETURNING` statement) and answers whether the count is still within
    /// `limit`. Per-user hourly caps (reference §8.3) hold across instances this way.
    async fn count_event(&self, key: &str, window_start_ms: i64, limit: u32) -> StoreResult<bool>;
    /// [`SessionStore::count_event`] for several distinct `(key, window_start_ms, limit)` at
    /// once, in one statement; whether each is within its limit, in order.
    async fn count_events(&self, events: &[(String, i64, u32)]) -> StoreResult<Vec<bool>> {
        let mut within = Vec::with_capacity(events.len());
        for (key, window, limit) in events {
            within.push(self.count_event(key, *window, *limit).await?);
        }
        Ok(within)
    }
    /// Stores an auth-challenge session.
    async fn put_auth_session(&self, session: &AuthSession) -> StoreResult<()>;
    /// Removes and returns an auth-challenge session (single use).
    async fn take_auth_session(&self, id_hash: &str) -> StoreResult<AuthSession>;
    /// Counts one answer to an auth-challenge session before it is checked (one statement) and
    /// returns the session as counted; `NotFound` when it is gone or has had `max_attempts`.
    async fn try_auth_session(&self, id_hash: &str, max_attempts: u32) -> StoreResult<AuthSession>;
    /// Records the use of a single-use value by its fingerprint (one statement); `false` when it
    /// was used before. The record may be purged after `expires_ms`, when the value is refused
    /// anyway.
    async fn use_once(&self, id_hash: &str, expires_ms: i64) -> StoreResult<bool>;
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
    /// Rotates the refresh token of a sign-in (`RefreshTokenRotation`) as a compare-and-swap:
    /// if `expected_hash` is still current, it is recorded as rotated out at `at_ms` and
    /// `new_hash` becomes current, and the answer is `true`; if another rotation won, nothing
    /// changes and the answer is `false`. `NotFound` if the sign-in does not exist.
    async fn rotate_refresh(
        &self,
        origin_jti: &str,
        expected_hash: &str,
        new_hash: &str,
        at_ms: i64,
    ) -> StoreResult<bool>;
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
    /// Set when a rotation replaced the key: it is published and accepted until then (every
    /// token it signed has expired by that time), and purged after. `None` while in use.
    pub retired_until_ms: Option<i64>,
}

/// Signing keys, the configuration versions of pools and instance settings.
///
/// Configuration versions: the backend changes a pool's version in the same transaction as every
/// insert, update or delete of the pool, its clients, signing keys, domain, resource servers and
/// UI customisation (deleting the pool included), to a value the pool never had before. An
/// instance may cache any of those as long as the version it read *before* reading them is still
/// current.
#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Stores a signing key.
    async fn insert_key(&self, key: &StoredKey) -> StoreResult<()>;
    /// All keys of a pool, oldest first.
    async fn keys_of_pool(&self, pool_id: &str) -> StoreResult<Vec<StoredKey>>;
    /// Rotates a pool's signing keys in one transaction: every key still in use gets
    /// `retired_until_ms`, then `new_keys` are inserted (and the pool's version changes).
    /// `NotFound` if the pool does not exist (nothing is written).
    async fn rotate_keys(
        &self,
        pool_id: &str,
        new_keys: &[StoredKey],
        retired_until_ms: i64,
    ) -> StoreResult<()>;
    /// The configuration version of a pool: one indexed read. A deleted pool still has one
    /// (changed by the deletion). `NotFound` if the pool never existed here.
    async fn config_version(&self, pool_id: &str) -> StoreResult<i64>;
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

/// The outbox of sent messages, and the queue of their delivery.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Appends a message.
    async fn insert_message(&self, message: &OutboxMessage) -> StoreResult<()>;
    /// Messages newest first.
    async fn list_messages(&self, query: &OutboxQuery) -> StoreResult<Vec<OutboxMessage>>;
    /// Claims up to `limit` pending messages due at `now_ms` (oldest due first) by moving their
    /// next attempt to `held_until_ms`, in one atomic statement, and returns them as claimed: an
    /// instance claiming at the same time gets other messages, so each attempt runs once.
    async fn claim_due_messages(
        &self,
        now_ms: i64,
        held_until_ms: i64,
        limit: u32,
    ) -> StoreResult<Vec<OutboxMessage>>;
    /// Records the outcome of an attempt on a pending message (one conditional statement;
    /// `false` if the message is gone or no longer pending).
    async fn record_delivery(&self, id: &str, status: &DeliveryStatus) -> StoreResult<bool>;
}

/// OAuth 2.0 and hosted-UI state: domains, resource servers, authorization codes, hosted-UI
/// sessions and UI customisation.
#[async_trait]
pub trait OAuthStore: Send + Sync {
    /// Inserts a domain. `Conflict(Id)` if the domain name is taken or the pool already has one;
    /// `NotFound` if the pool does not exist.
    async fn insert_domain(&self, domain: &Domain) -> StoreResult<()>;
    /// Reads a domain by its name (prefix or custom host).
    async fn get_domain(&self, domain: &str) -> StoreResult<Domain>;
    /// The domain of a pool.
    async fn domain_of_pool(&self, pool_id: &str) -> StoreResult<Domain>;
    /// Sets the managed-login version of the domain `domain` of `pool_id` (its only mutable
    /// setting) in one statement and returns the domain as written. `NotFound` if the pool does
    /// not own such a domain.
    async fn set_domain_login_version(
        &self,
        pool_id: &str,
        domain: &str,
        version: i64,
    ) -> StoreResult<Domain>;
    /// Deletes a domain. `NotFound` if absent.
    async fn delete_domain(&self, domain: &str) -> StoreResult<()>;
    /// Inserts a resource server. `Conflict(Id)` if the identifier is taken in the pool.
    async fn insert_resource_server(&self, server: &ResourceServer) -> StoreResult<()>;
    /// Reads a resource server.
    async fn get_resource_server(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> StoreResult<ResourceServer>;
    /// Replaces a resource server. `NotFound` if absent.
    async fn update_resource_server(&self, server: &ResourceServer) -> StoreResult<()>;
    /// Deletes a resource server. `NotFound` if absent.
    async fn delete_resource_server(&self, pool_id: &str, identifier: &str) -> StoreResult<()>;
    /// Resource servers of a pool ordered by identifier, after the cursor.
    async fn list_resource_servers(
        &self,
        pool_id: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<ResourceServer>>;
    /// Stores a new authorization code.
    async fn insert_authorization_code(&self, code: &AuthorizationCode) -> StoreResult<()>;
    /// Atomically marks a code used (if it was not) and returns the record as it was *before*
    /// this call: `used_ms: Some(_)` means it had already been redeemed (replay).
    async fn redeem_authorization_code(
        &self,
        code_hash: &str,
        now_ms: i64,
    ) -> StoreResult<AuthorizationCode>;
    /// Records the `origin_jti` of the tokens a code's redemption issued.
    async fn set_code_origin(&self, code_hash: &str, origin_jti: &str) -> StoreResult<()>;
    /// Stores a hosted-UI session.
    async fn put_hosted_session(&self, session: &HostedSession) -> StoreResult<()>;
    /// Reads a hosted-UI session.
    async fn get_hosted_session(&self, id_hash: &str) -> StoreResult<HostedSession>;
    /// Deletes a hosted-UI session (idempotent).
    async fn delete_hosted_session(&self, id_hash: &str) -> StoreResult<()>;
    /// Deletes every hosted-UI session of a user (idempotent; password change, SEC-23).
    async fn delete_hosted_sessions_of_user(&self, pool_id: &str, sub: &str) -> StoreResult<()>;
    /// Writes the UI customisation of a pool (`client_id: None`) or client, replacing it with
    /// its template overrides (seeding and copying). `NotFound` if the pool or client is missing.
    async fn put_ui_customization(&self, ui: &UiCustomization) -> StoreResult<()>;
    /// `SetUICustomization`: sets the CSS and logo of a pool (`client_id: None`) or client in one
    /// statement, creating the customisation when absent; template overrides already stored
    /// stay. Returns the customisation as written. `NotFound` if the pool or client is missing.
    async fn set_ui_look(
        &self,
        pool_id: &str,
        client_id: Option<&str>,
        css: Option<&str>,
        image: Option<&[u8]>,
        modified_ms: i64,
    ) -> StoreResult<UiCustomization>;
    /// Reads the UI customisation of a pool or client. `NotFound` if none was set.
    async fn get_ui_customization(
        &self,
        pool_id: &str,
        client_id: Option<&str>,
    ) -> StoreResult<UiCustomization>;
}

/// What the janitor removed in one batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Rows deleted.
    pub rows: u64,
}

/// Housekeeping that is safe to run on several instances at once.
#[async_trait]
pub trait MaintenanceStore: Send + Sync {
    /// Deletes at most `batch` rows of each kind that ended before `now_ms`: expired codes,
    /// auth sessions, authorization codes, hosted sessions, rate counters, signing keys retired
    /// until before `now_ms`; refresh sessions expired or revoked more than `keep_revoked_ms`
    /// ago (with their rotated tokens); outbox
    /// rows older than `outbox_retention_ms`. Each kind is one bounded statement, so concurrent
    /// runs only compete for rows, never corrupt anything.
    async fn purge_expired(
        &self,
        now_ms: i64,
        keep_revoked_ms: i64,
        outbox_retention_ms: i64,
        batch: u32,
    ) -> StoreResult<Purged>;
}

/// User import jobs and their uploaded files.
#[async_trait]
pub trait ImportJobStore: Send + Sync {
    /// Inserts a job (status `Created`, no file). `NotFound` if the pool does not exist.
    async fn insert_import_job(&self, job: &ImportJob) -> StoreResult<()>;
    /// Reads a job of a pool.
    async fn get_import_job(&self, pool_id: &str, job_id: &str) -> StoreResult<ImportJob>;
    /// Reads a job by its id alone (the upload URL names only the job).
    async fn find_import_job(&self, job_id: &str) -> StoreResult<ImportJob>;
    /// A pool's jobs ordered by id, after the cursor.
    async fn list_import_jobs(
        &self,
        pool_id: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> StoreResult<Page<ImportJob>>;
    /// Stores the uploaded file of a job, replacing an earlier upload, only while the job is
    /// `Created` (one conditional statement). `false` otherwise.
    async fn put_import_file(&self, job_id: &str, file: &[u8]) -> StoreResult<bool>;
    /// The uploaded file of a job (`None` before an upload).
    async fn import_file(&self, job_id: &str) -> StoreResult<Option<Vec<u8>>>;
    /// Moves a job from one of `from` to `to` (one conditional statement), setting its start
    /// time when it becomes `InProgress`, its end time (and dropping its file) when `to` is
    /// final, and its message when one is given. `false` when its status was none of `from`.
    async fn set_import_status(
        &self,
        job_id: &str,
        from: &[ImportJobStatus],
        to: ImportJobStatus,
        at_ms: i64,
        message: Option<&str>,
    ) -> StoreResult<bool>;
    /// Records a job's counts and message so far, at `at_ms` (its heartbeat).
    async fn record_import_progress(
        &self,
        job_id: &str,
        counts: (i64, i64, i64),
        message: Option<&str>,
        at_ms: i64,
    ) -> StoreResult<()>;
    /// Ends the jobs nobody finishes, each in one conditional statement: a started job whose
    /// last heartbeat is before `stale_before_ms` (its instance stopped) becomes `Failed`; a
    /// `Created` job created before `expire_before_ms` becomes `Expired`. Their files are
    /// dropped. Returns how many jobs ended.
    async fn settle_import_jobs(
        &self,
        now_ms: i64,
        stale_before_ms: i64,
        expire_before_ms: i64,
    ) -> StoreResult<u64>;
}

/// Everything a backend provides.
pub trait Store:
    PoolStore
    + ImportJobStore
    + DeviceStore
    + ClientStore
    + UserStore
    + GroupStore
    + SessionStore
    + KeyStore
    + OutboxStore
    + OAuthStore
    + MaintenanceStore
{
}

impl<T> Store for T where
    T: PoolStore
        + ImportJobStore
        + DeviceStore
        + ClientStore
        + UserStore
        + GroupStore
        + SessionStore
        + KeyStore
        + OutboxStore
        + OAuthStore
        + MaintenanceStore
{
}
