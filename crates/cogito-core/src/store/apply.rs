//! The backend-neutral meaning of a [`UserUpdate`]: how a user row read inside the update's
//! transaction (under the backend's row or write lock) changes. Every backend calls
//! [`UserUpdate::apply`], so SQLite and PostgreSQL cannot drift apart.

use crate::crypto::secrets_equal;
use crate::model::{Code, User};

use super::{CodeRefusal, Redeem, UserUpdate};

impl UserUpdate {
    /// Whether the update touches attributes (and so the login keys and attribute index).
    pub fn changes_attributes(&self) -> bool {
        !self.set_attributes.is_empty() || !self.remove_attributes.is_empty()
    }

    /// Applies the named fields to `user` (the row as the transaction holds it).
    pub fn apply(&self, user: &mut User) {
        if let Some(status) = self.status {
            user.status = status;
        }
        if let Some(enabled) = self.enabled {
            user.enabled = enabled;
        }
        if let Some(p) = &self.password {
            if let Some(old) = user.password_hash.replace(p.hash.clone()) {
                user.password_history.insert(0, old);
                user.password_history.truncate(p.keep_history.max(1));
            }
            user.srp_verifier.clone_from(&p.srp_verifier);
            user.password_set_ms = p.set_ms;
            user.failed_attempts = 0;
            user.locked_until_ms = 0;
        }
        for (name, value) in &self.set_attributes {
            if value.is_empty() {
                user.attributes.remove(name);
            } else {
                user.attributes.insert(name.clone(), value.clone());
            }
        }
        for name in &self.remove_attributes {
            user.attributes.remove(name);
        }
        user.modified_ms = self.modified_ms;
    }
}

impl Redeem {
    /// Checks a stored code (read under the transaction's lock) against this redemption.
    /// `Ok(())` means the code matches and is to be deleted; a `Mismatch` is to be counted.
    pub fn check(&self, stored: Option<&Code>) -> Result<(), CodeRefusal> {
        let Some(code) = stored else {
            return Err(CodeRefusal::Missing);
        };
        if code.expires_ms < self.now_ms {
            return Err(CodeRefusal::Missing);
        }
        if code.attempts >= self.max_attempts {
            return Err(CodeRefusal::TooManyAttempts);
        }
        if !secrets_equal(code.code_hash.as_bytes(), self.code_hash.as_bytes()) {
            return Err(CodeRefusal::Mismatch);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CodePurpose, UserStatus};
    use crate::store::{LockoutPolicy, LoginFailures, NewPassword};

    fn user() -> User {
        User {
            pool_id: "p".into(),
            username: "u".into(),
            sub: "s".into(),
            status: UserStatus::Unconfirmed,
            enabled: true,
            password_hash: Some("h0".into()),
            srp_verifier: None,
            password_set_ms: 0,
            password_history: vec![],
            attributes: [("email".to_string(), "a@x".to_string())].into(),
            created_ms: 0,
            modified_ms: 0,
            failed_attempts: 3,
            locked_until_ms: 0,
            last_failure_ms: 0,
            mfa: Default::default(),
        }
    }

    #[test]
    fn only_named_fields_change() {
        let mut u = user();
        UserUpdate {
            modified_ms: 9,
            enabled: Some(false),
            ..Default::default()
        }
        .apply(&mut u);
        assert!(!u.enabled);
        assert_eq!(u.status, UserStatus::Unconfirmed);
        assert_eq!(u.password_hash.as_deref(), Some("h0"));
        assert_eq!(u.failed_attempts, 3);
        assert_eq!(u.modified_ms, 9);
    }

    #[test]
    fn password_moves_into_history_and_resets_lockout() {
        let mut u = user();
        let change = |hash: &str| UserUpdate {
            password: Some(NewPassword {
                hash: hash.into(),
                set_ms: 5,
                keep_history: 2,
                srp_verifier: Some("sealed-verifier".into()),
            }),
            ..Default::default()
        };
        change("h1").apply(&mut u);
        change("h2").apply(&mut u);
        change("h3").apply(&mut u);
        assert_eq!(u.password_hash.as_deref(), Some("h3"));
        assert_eq!(u.password_history, ["h2", "h1"]);
        assert_eq!(u.failed_attempts, 0);
    }

    #[test]
    fn attributes_set_then_removed_blank_deletes() {
        let mut u = user();
        UserUpdate {
            set_attributes: vec![("name".into(), "N".into()), ("email".into(), "".into())],
            remove_attributes: vec!["name".into()],
            ..Default::default()
        }
        .apply(&mut u);
        assert!(u.attributes.is_empty());
    }

    #[test]
    fn code_checks() {
        let code = Code {
            pool_id: "p".into(),
            user_sub: "s".into(),
            purpose: CodePurpose::SignUp,
            code_hash: "abc".into(),
            expires_ms: 100,
            attempts: 0,
            destination_attribute: None,
        };
        let redeem = |hash: &str, now: i64| Redeem {
            purpose: CodePurpose::SignUp,
            code_hash: hash.into(),
            now_ms: now,
            max_attempts: 5,
        };
        assert_eq!(redeem("abc", 10).check(Some(&code)), Ok(()));
        assert_eq!(
            redeem("abd", 10).check(Some(&code)),
            Err(CodeRefusal::Mismatch)
        );
        assert_eq!(
            redeem("abc", 101).check(Some(&code)),
            Err(CodeRefusal::Missing)
        );
        assert_eq!(redeem("abc", 10).check(None), Err(CodeRefusal::Missing));
        let spent = Code {
            attempts: 5,
            ..code
        };
        assert_eq!(
            redeem("abc", 10).check(Some(&spent)),
            Err(CodeRefusal::TooManyAttempts)
        );
    }

    #[test]
    fn lockout_counts_in_advance_and_doubles() {
        let p = LockoutPolicy {
            threshold: 5,
            base_lock_ms: 1000,
            max_lock_ms: 900_000,
            reset_after_ms: 900_000,
        };
        let mut c = LoginFailures::default();
        for i in 1..=4 {
            c = p.on_attempt(c, 1_000_000).unwrap();
            assert_eq!((c.failed_attempts, c.locked_until_ms), (i, 0));
        }
        c = p.on_attempt(c, 1_000_000).unwrap();
        assert_eq!(c.locked_until_ms, 1_001_000);
        assert_eq!(
            p.on_attempt(c, 1_000_500),
            None,
            "locked: refused, not counted"
        );
        c = p.on_attempt(c, 1_001_000).unwrap();
        assert_eq!(c.locked_until_ms, 1_003_000);
        // 15 quiet minutes forget the failures.
        let later = p.on_attempt(c, 1_001_000 + 900_001).unwrap();
        assert_eq!(later.failed_attempts, 1);
    }
}
