//! Passwords: the pool policy check (reference §8.7, messages of §7.2), temporary-password
//! generation, and argon2id hashing on a bounded blocking pool so a burst of sign-ins cannot
//! starve the async executor or exhaust memory.

use std::sync::Arc;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngExt;
use tokio::sync::Semaphore;

use crate::error::{CoreError, CoreResult};
use crate::model::PasswordPolicy;

/// Symbols that count as special characters (space counts too).
pub const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

/// Checks a password against a policy. `prefix` is the message prefix
/// (`Password did not conform with policy`).
pub fn check_policy(policy: &PasswordPolicy, password: &str, prefix: &str) -> CoreResult<()> {
    let fail = |reason: &str| Err(CoreError::InvalidPassword(format!("{prefix}: {reason}")));
    if password.chars().count() < policy.minimum_length as usize {
        return fail("Password not long enough");
    }
    if password.chars().count() > 256 {
        return fail("Password must have length less than or equal to 256");
    }
    if password.starts_with(' ') || password.ends_with(' ') {
        return fail("Password must not begin or end with a space");
    }
    if policy.require_uppercase && !password.chars().any(|c| c.is_ascii_uppercase()) {
        return fail("Password must have uppercase characters");
    }
    if policy.require_lowercase && !password.chars().any(|c| c.is_ascii_lowercase()) {
        return fail("Password must have lowercase characters");
    }
    if policy.require_numbers && !password.chars().any(|c| c.is_ascii_digit()) {
        return fail("Password must have numeric characters");
    }
    if policy.require_symbols && !password.chars().any(|c| SYMBOLS.contains(c)) {
        return fail("Password must have symbol characters");
    }
    Ok(())
}

/// A random password that satisfies any policy (for invitations without `TemporaryPassword`).
pub fn generate_temporary(policy: &PasswordPolicy) -> String {
    let mut rng = rand::rng();
    let sets: [&[u8]; 4] = [
        b"ABCDEFGHJKLMNPQRSTUVWXYZ",
        b"abcdefghijkmnopqrstuvwxyz",
        b"23456789",
        b"!#%&*+-=?^_",
    ];
    let len = (policy.minimum_length as usize).max(12);
    let mut chars: Vec<u8> = sets
        .iter()
        .map(|s| s[rng.random_range(0..s.len())])
        .collect();
    while chars.len() < len {
        let set = sets[rng.random_range(0..3)];
        chars.push(set[rng.random_range(0..set.len())]);
    }
    for i in (1..chars.len()).rev() {
        chars.swap(i, rng.random_range(0..=i));
    }
    String::from_utf8(chars).unwrap_or_default()
}

/// The longest password (Cognito's `PasswordType`): anything longer is refused before it is
/// hashed, so long inputs cannot buy CPU time (security bar SEC-33).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Refuses a password longer than [`MAX_PASSWORD_CHARS`] with `InvalidParameterException`.
pub fn check_length(password: &str) -> CoreResult<()> {
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(CoreError::invalid(format!(
            "1 validation error detected: Value at 'password' failed to satisfy constraint: \
             Member must have length less than or equal to {MAX_PASSWORD_CHARS}"
        )));
    }
    Ok(())
}

/// argon2id cost settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Iterations.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl HashCost {
    /// OWASP's recommended argon2id setting (19 MiB, 2 iterations, 1 lane).
    pub const OWASP: Self = Self {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };
    /// A cheap setting for development and test suites only.
    pub const INSECURE_DEV: Self = Self {
        memory_kib: 256,
        iterations: 1,
        parallelism: 1,
    };
}

/// Hashes and verifies passwords off the async executor, with at most `permits` at a time.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    params: Params,
    permits: Arc<Semaphore>,
    decoy: Arc<std::sync::OnceLock<String>>,
}

impl PasswordHasher {
    /// A hasher with the given cost, running at most `concurrency` hashes at once.
    pub fn new(cost: HashCost, concurrency: usize) -> CoreResult<Self> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|e| CoreError::Internal(format!("argon2 parameters: {e}")))?;
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            decoy: Arc::default(),
        })
    }

    fn argon(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// PHC string of the password.
    pub async fn hash(&self, password: &str) -> CoreResult<String> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| CoreError::Internal("hasher closed".into()))?;
        let argon = self.argon();
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || {
            argon
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| CoreError::Internal(format!("argon2: {e}")))
        })
        .await
        .map_err(|e| CoreError::Internal(format!("hash task: {e}")))?
    }

    /// Spends the time of one verification on a password nobody has (unknown users), so that
    /// response times do not reveal whether a user exists.
    pub async fn burn(&self, password: &str) {
        let decoy = self.decoy.get_or_init(|| {
            self.argon()
                .hash_password(b"cogito decoy password")
                .map(|h| h.to_string())
                .unwrap_or_default()
        });
        let _ = self.verify(password, &decoy.clone()).await;
    }

    /// Whether a stored PHC string was made with other settings than this hasher's (another
    /// algorithm, memory, iterations or lanes): it is then re-hashed at the next successful
    /// sign-in (security bar SEC-33).
    pub fn needs_rehash(&self, phc: &str) -> bool {
        let current = format!(
            "m={},t={},p={}",
            self.params.m_cost(),
            self.params.t_cost(),
            self.params.p_cost()
        );
        let parts: Vec<&str> = phc.split('$').collect();
        !matches!(parts.as_slice(), ["", "argon2id", "v=19", params, _, _] if *params == current)
    }

    /// Whether the password matches the PHC string (comparison is constant-time inside argon2).
    pub async fn verify(&self, password: &str, phc: &str) -> CoreResult<bool> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| CoreError::Internal("hasher closed".into()))?;
        let argon = self.argon();
        let password = password.to_owned();
        let phc = phc.to_owned();
        tokio::task::spawn_blocking(move || {
            PasswordHash::new(&phc).map(|h| argon.verify_password(password.as_bytes(), &h).is_ok())
        })
        .await
        .map_err(|e| CoreError::Internal(format!("verify task: {e}")))?
        .map_err(|e| CoreError::Internal(format!("stored hash unreadable: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "Password did not conform with policy";

    #[test]
    fn hashes_of_other_settings_need_a_rehash() {
        let h = PasswordHasher::new(HashCost::OWASP, 1).unwrap();
        assert!(!h.needs_rehash("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA"));
        for other in [
            "$argon2id$v=19$m=256,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
            "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
            "$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
            "$2b$12$abcdefghijklmnopqrstuv",
            "",
        ] {
            assert!(h.needs_rehash(other), "{other}");
        }
    }

    #[test]
    fn passwords_longer_than_256_characters_are_refused() {
        assert!(check_length(&"é".repeat(256)).is_ok());
        assert!(matches!(
            check_length(&"a".repeat(257)),
            Err(CoreError::InvalidParameter(_))
        ));
    }

    #[test]
    fn each_rule_names_itself() {
        let policy = PasswordPolicy::default();
        let msg = |pw: &str| check_policy(&policy, pw, P).unwrap_err().to_string();
        assert_eq!(msg("Ab1!"), format!("{P}: Password not long enough"));
        assert_eq!(
            msg("abcdefg1!"),
            format!("{P}: Password must have uppercase characters")
        );
        assert_eq!(
            msg("ABCDEFG1!"),
            format!("{P}: Password must have lowercase characters")
        );
        assert_eq!(
            msg("Abcdefgh!"),
            format!("{P}: Password must have numeric characters")
        );
        assert_eq!(
            msg("Abcdefgh1"),
            format!("{P}: Password must have symbol characters")
        );
        assert!(check_policy(&policy, "Abcdefg1!", P).is_ok());
    }

    #[test]
    fn relaxed_policy_accepts_plain_passwords() {
        let policy = PasswordPolicy {
            minimum_length: 6,
            require_uppercase: false,
            require_lowercase: false,
            require_numbers: false,
            require_symbols: false,
            ..PasswordPolicy::default()
        };
        assert!(check_policy(&policy, "simple", P).is_ok());
    }

    #[test]
    fn generated_temporary_passwords_satisfy_the_strictest_policy() {
        let policy = PasswordPolicy {
            minimum_length: 20,
            ..PasswordPolicy::default()
        };
        for _ in 0..50 {
            let pw = generate_temporary(&policy);
            check_policy(&policy, &pw, P).unwrap();
        }
    }

    #[tokio::test]
    async fn hash_and_verify() {
        let h = PasswordHasher::new(HashCost::INSECURE_DEV, 2).unwrap();
        let phc = h.hash("Secret1!").await.unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(h.verify("Secret1!", &phc).await.unwrap());
        assert!(!h.verify("Secret1?", &phc).await.unwrap());
    }
}
