//! Passwords: the pool policy check (reference §8.7, messages of §7.2), temporary-password
//! generation, and argon2id hashing ([`hasher`]: a fixed set of workers with reusable memory and
//! a bounded queue, so a burst of sign-ins can neither starve the executor nor grow memory);
//! [`foreign`] reads the hashes of other systems that users are imported with.

pub mod foreign;
mod hasher;

use rand::RngExt;

pub use hasher::{HashCost, HashTicket, PasswordHasher};

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
