//! A bounded memo of access tokens whose RS256 signature this process has already checked.
//! Clients present the same access token many times within its hour (every `GetUser`, every
//! API call), and the public-key operation is the largest single cost of such a request. The
//! memo is keyed by the SHA-256 of the whole token (header with `kid`, payload and signature),
//! so it only ever vouches for exactly the bytes that verified; the key must still be one of the
//! pool's (looked up before the memo), and expiry, scope and revocation are checked on every
//! request as before. Bounded: when full it is emptied, costing one verification per token.

use std::collections::HashSet;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

/// Tokens remembered before the memo starts over (32 bytes each).
const CAPACITY: usize = 16_384;

/// The memo.
#[derive(Debug, Default)]
pub struct VerifiedTokens {
    seen: Mutex<HashSet<[u8; 32]>>,
}

impl VerifiedTokens {
    /// Runs `verify` unless exactly this token already passed it; remembers a success.
    pub fn check<E>(&self, token: &str, verify: impl FnOnce() -> Result<(), E>) -> Result<(), E> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if self.seen.lock().is_ok_and(|seen| seen.contains(&digest)) {
            return Ok(());
        }
        verify()?;
        if let Ok(mut seen) = self.seen.lock() {
            if seen.len() >= CAPACITY {
                seen.clear();
            }
            seen.insert(digest);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_token_that_verified_is_remembered() {
        let memo = VerifiedTokens::default();
        let calls = std::cell::Cell::new(0);
        let ok = || {
            calls.set(calls.get() + 1);
            Ok::<(), ()>(())
        };
        memo.check("a.b.c", ok).unwrap();
        memo.check("a.b.c", ok).unwrap();
        assert_eq!(
            calls.get(),
            1,
            "the second presentation is not verified again"
        );
        // A failure is never remembered, and a different token is verified anew.
        assert!(memo.check("a.b.d", || Err::<(), ()>(())).is_err());
        assert!(memo.check("a.b.d", || Err::<(), ()>(())).is_err());
        memo.check("a.b.e", ok).unwrap();
        assert_eq!(calls.get(), 2);
    }

    #[test]
    fn a_full_memo_starts_over() {
        let memo = VerifiedTokens::default();
        for i in 0..CAPACITY + 1 {
            memo.check(&i.to_string(), || Ok::<(), ()>(())).unwrap();
        }
        assert_eq!(memo.seen.lock().unwrap().len(), 1);
    }
}
