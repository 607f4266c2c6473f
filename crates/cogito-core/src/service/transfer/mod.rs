//! Users out and in with their password hashes (`cogito users export` / `import`), so a team can
//! move onto cogito or leave it without resetting a password.
//!
//! A [`PortableUser`] is a user with its secrets opened: the sealed SRP verifier and TOTP secret
//! are bound to one installation's master key and to the user's pool and `sub`, so they leave
//! in the clear (the export is as sensitive as the password hashes it holds) and are sealed
//! again for the user's new home. Password hashes travel as they are: cogito's own argon2id, or
//! another system's ([`crate::password::foreign`]), which is replaced by the pool's argon2id at
//! the user's first successful sign-in.
//!
//! An SRP verifier depends on the pool's name (the part of its id after `_`), so it is kept only
//! when the users arrive in a pool of the same name; elsewhere it is dropped and made again at
//! the user's first password sign-in.

pub mod csv;
pub mod jobs;

use std::collections::BTreeMap;

use super::Cogito;
use crate::attributes::{Writer, validate_writes};
use crate::error::{CoreError, CoreResult};
use crate::model::{MfaFactor, User, UserMfa, UserPool, UserStatus};
use crate::store::{ImportedUser, StoreError, UniqueKey};

/// The MFA settings of a portable user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortableMfa {
    /// SMS codes turned on.
    pub sms: bool,
    /// TOTP turned on.
    pub totp: bool,
    /// E-mail codes turned on.
    pub email: bool,
    /// The preferred factor.
    pub preferred: Option<MfaFactor>,
    /// The verified TOTP secret (raw bytes).
    pub totp_secret: Option<Vec<u8>>,
    /// The last TOTP time step accepted, so a code used before the move is not accepted again.
    pub totp_last_step: Option<i64>,
}

/// A user as it leaves one pool or arrives in another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortableUser {
    /// Internal username.
    pub username: String,
    /// `sub`; `None` for a user arriving without one (a new one is made).
    pub sub: Option<String>,
    /// Status.
    pub status: UserStatus,
    /// Enabled.
    pub enabled: bool,
    /// Attributes (without `sub`).
    pub attributes: BTreeMap<String, String>,
    /// Group names.
    pub groups: Vec<String>,
    /// Password hash: cogito's argon2id PHC string or another system's.
    pub password_hash: Option<String>,
    /// SRP verifier bytes (valid only in a pool of the same name).
    pub srp_verifier: Option<Vec<u8>>,
    /// MFA settings.
    pub mfa: PortableMfa,
    /// Created, epoch ms (`None`: now).
    pub created_ms: Option<i64>,
    /// Last modified, epoch ms (`None`: now).
    pub modified_ms: Option<i64>,
    /// When the password was set, epoch ms (`None`: now).
    pub password_set_ms: Option<i64>,
}

/// The shortest TOTP secret accepted (128 bits, RFC 4226's minimum).
const MIN_TOTP_SECRET_BYTES: usize = 16;

/// What became of one imported user.
#[derive(Debug)]
pub enum ImportOutcome {
    /// Written.
    Imported,
    /// A user with this `sub` and username is already in the pool (an import run again after
    /// an interruption): left as it is.
    AlreadyPresent,
    /// Refused; nothing of it was written.
    Refused(CoreError),
}

/// Whether an SRP verifier made for pool `from` works in pool `to` (same pool name).
pub fn verifier_carries(from: &str, to: &str) -> bool {
    let name = |id: &str| id.split_once('_').map_or(id, |(_, n)| n).to_owned();
    name(from) == name(to)
}

impl Cogito {
    /// One page of a pool's users with their groups and opened secrets, in creation order.
    pub async fn export_users(
        &self,
        pool_id: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> CoreResult<(Vec<PortableUser>, Option<String>)> {
        let pool = self.pool(pool_id).await?;
        let page = self
            .store
            .list_users(&pool.id, None, cursor, limit)
            .await
            .map_err(|e| CoreError::from_store("export users", e))?;
        // The page's memberships in one query.
        let subs: Vec<String> = page.items.iter().map(|u| u.sub.clone()).collect();
        let mut memberships: std::collections::HashMap<String, Vec<String>> = Default::default();
        for (sub, group) in self
            .store
            .group_names_of(&pool.id, &subs)
            .await
            .map_err(|e| CoreError::from_store("export groups", e))?
        {
            memberships.entry(sub).or_default().push(group);
        }
        let mut out = Vec::with_capacity(page.items.len());
        for user in page.items {
            let groups = memberships.remove(&user.sub).unwrap_or_default();
            out.push(self.portable(user, groups)?);
        }
        Ok((out, page.next))
    }

    fn portable(&self, user: User, groups: Vec<String>) -> CoreResult<PortableUser> {
        let srp_verifier = self.open_srp_verifier(&user)?.map(|v| v.to_bytes());
        let totp_secret = self.open_totp_secret(&user, user.mfa.totp_secret.as_deref())?;
        Ok(PortableUser {
            username: user.username,
            sub: Some(user.sub),
            status: user.status,
            enabled: user.enabled,
            attributes: user.attributes,
            groups,
            password_hash: user.password_hash,
            srp_verifier,
            mfa: PortableMfa {
                sms: user.mfa.sms,
                totp: user.mfa.totp,
                email: user.mfa.email,
                preferred: user.mfa.preferred,
                totp_secret,
                totp_last_step: user.mfa.totp_last_step,
            },
            created_ms: Some(user.created_ms),
            modified_ms: Some(user.modified_ms),
            password_set_ms: Some(user.password_set_ms),
        })
    }

    /// Imports users into a pool, all of a batch in one transaction when they all fit, else one
    /// by one so that each refusal is told apart. `source_pool` is the pool the users were
    /// exported from, if known: their SRP verifiers are kept when it has the same name.
    pub async fn import_users(
        &self,
        pool_id: &str,
        source_pool: Option<&str>,
        rows: Vec<PortableUser>,
    ) -> CoreResult<Vec<ImportOutcome>> {
        let pool = self.pool(pool_id).await?;
        let keep_verifiers = source_pool.is_some_and(|from| verifier_carries(from, &pool.id));
        let mut outcomes: Vec<Option<ImportOutcome>> = Vec::with_capacity(rows.len());
        let mut ready: Vec<(usize, ImportedUser)> = Vec::with_capacity(rows.len());
        for (i, row) in rows.into_iter().enumerate() {
            match self.arriving(&pool, row, keep_verifiers) {
                Ok(user) => {
                    outcomes.push(None);
                    ready.push((i, user));
                }
                Err(e) => outcomes.push(Some(ImportOutcome::Refused(e))),
            }
        }
        let batch: Vec<ImportedUser> = ready.iter().map(|(_, u)| u.clone()).collect();
        match self.store.import_users(&batch).await {
            Ok(()) => {
                for (i, _) in &ready {
                    outcomes[*i] = Some(ImportOutcome::Imported);
                }
            }
            Err(StoreError::Conflict(_)) => {
                for (i, user) in ready {
                    outcomes[i] = Some(self.import_one(&pool, user).await);
                }
            }
            Err(e) => return Err(CoreError::from_store("import users", e)),
        }
        Ok(outcomes
            .into_iter()
            .map(|o| o.unwrap_or(ImportOutcome::AlreadyPresent))
            .collect())
    }

    /// One user alone, after its batch hit a conflict.
    async fn import_one(&self, pool: &UserPool, user: ImportedUser) -> ImportOutcome {
        match self.store.import_users(std::slice::from_ref(&user)).await {
            Ok(()) => ImportOutcome::Imported,
            Err(StoreError::Conflict(key)) => {
                let same = self
                    .store
                    .get_user_by_sub(&pool.id, &user.user.sub)
                    .await
                    .is_ok_and(|u| u.username == user.user.username);
                if same {
                    return ImportOutcome::AlreadyPresent;
                }
                ImportOutcome::Refused(match key {
                    UniqueKey::Id => CoreError::UsernameExists(format!(
                        "A user with sub {} already exists.",
                        user.user.sub
                    )),
                    key => super::signup::insert_error(
                        pool,
                        StoreError::Conflict(key),
                        "User account already exists",
                    ),
                })
            }
            Err(e) => ImportOutcome::Refused(CoreError::from_store("import user", e)),
        }
    }

    /// Checks an arriving user against the pool and builds its record with its secrets sealed.
    fn arriving(
        &self,
        pool: &UserPool,
        row: PortableUser,
        keep_verifier: bool,
    ) -> CoreResult<ImportedUser> {
        if row.username.is_empty() || row.username.chars().count() > 128 {
            return Err(CoreError::invalid(
                "The username must have 1 to 128 characters.",
            ));
        }
        let attrs: Vec<(String, String)> = row.attributes.into_iter().collect();
        let attrs = validate_writes(pool, &attrs, Writer::Admin, true)?;
        // Every hash, cogito's own argon2id included, is read and its cost bounded now, so no
        // imported string can make a sign-in allocate or spin beyond the bounds.
        if let Some(hash) = &row.password_hash {
            crate::password::foreign::parse(hash)
                .map_err(|e| CoreError::invalid(format!("password_hash: {e}")))?;
        }
        if row
            .mfa
            .totp_secret
            .as_ref()
            .is_some_and(|s| s.len() < MIN_TOTP_SECRET_BYTES)
        {
            return Err(CoreError::invalid(format!(
                "totp_secret must have at least {MIN_TOTP_SECRET_BYTES} bytes."
            )));
        }
        let enabled = |f: MfaFactor| match f {
            MfaFactor::Sms => row.mfa.sms,
            MfaFactor::Totp => row.mfa.totp,
            MfaFactor::Email => row.mfa.email,
        };
        if row.mfa.preferred.is_some_and(|f| !enabled(f)) {
            return Err(CoreError::invalid(
                "The preferred MFA factor must be one the user turned on.",
            ));
        }
        if row.mfa.totp && row.mfa.totp_secret.is_none() {
            return Err(CoreError::invalid("TOTP is on without a totp_secret."));
        }
        for group in &row.groups {
            if group.is_empty() || group.chars().count() > 128 {
                return Err(CoreError::invalid(
                    "A group name must have 1 to 128 characters.",
                ));
            }
        }
        let now = self.clock.now_ms();
        let mut user = match &row.sub {
            Some(sub) => {
                if uuid::Uuid::parse_str(sub).is_err() {
                    return Err(CoreError::invalid(format!("sub {sub} is not a UUID.")));
                }
                // An exported record: exactly its attributes, under its own username.
                User {
                    pool_id: pool.id.clone(),
                    username: row.username.clone(),
                    sub: sub.clone(),
                    status: row.status,
                    enabled: row.enabled,
                    password_hash: None,
                    srp_verifier: None,
                    password_set_ms: now,
                    password_history: Vec::new(),
                    attributes: attrs.into_iter().collect(),
                    created_ms: now,
                    modified_ms: now,
                    failed_attempts: 0,
                    locked_until_ms: 0,
                    last_failure_ms: 0,
                    mfa: UserMfa::default(),
                }
            }
            None => super::signup::new_user(pool, &row.username, &attrs, now)?,
        };
        user.status = row.status;
        user.enabled = row.enabled;
        user.password_hash = row.password_hash;
        user.created_ms = row.created_ms.unwrap_or(now);
        user.modified_ms = row.modified_ms.unwrap_or(now);
        user.password_set_ms = row.password_set_ms.unwrap_or(now);
        if keep_verifier && user.password_hash.is_some() {
            user.srp_verifier = row
                .srp_verifier
                .as_deref()
                .and_then(crate::srp::Verifier::from_bytes)
                .map(|v| self.seal_verifier_of(&user, &v));
        }
        let totp_secret = row
            .mfa
            .totp_secret
            .as_deref()
            .map(|secret| self.seal_totp_secret(&user, secret));
        user.mfa = UserMfa {
            sms: row.mfa.sms,
            totp: row.mfa.totp && totp_secret.is_some(),
            email: row.mfa.email,
            preferred: row.mfa.preferred,
            totp_secret,
            totp_pending: None,
            totp_last_step: row.mfa.totp_last_step,
        };
        let keys = crate::attributes::login_keys(pool, &user);
        Ok(ImportedUser {
            user,
            keys,
            groups: row.groups,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::verifier_carries;

    #[test]
    fn verifiers_carry_between_pools_of_the_same_name_only() {
        assert!(verifier_carries("us-east-1_AbC", "eu-west-1_AbC"));
        assert!(!verifier_carries("us-east-1_AbC", "us-east-1_AbD"));
    }
}
