//! Request rate limits (security bar SEC-40, SEC-56): per client address and per subject (the
//! username, or the app client of the token endpoint) for sign-in, sign-up, code sending, the
//! token endpoint and the hosted pages. Counted in the store, one atomic statement per counter
//! and fixed window ([`crate::store::SessionStore::count_event`]), so a limit holds across every
//! instance on one database. Counter keys hold keyed hashes, never an address or a username.
//!
//! The defaults follow Cognito's published request-rate quotas of the matching categories
//! (UserAuthentication 120/s, UserCreation 50/s, UserAccountRecovery 30/s, ClientCredentials
//! 150/s): one address gets at most what a whole Cognito account gets. Settings
//! ([`RateLimits::set`]) change them for every pool or for one.

use std::collections::HashMap;
use std::net::IpAddr;

use super::Cogito;
use crate::crypto::keyed_fingerprint;
use crate::error::{CoreError, CoreResult};

/// A kind of request with its own limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateClass {
    /// `InitiateAuth`, `AdminInitiateAuth` and the challenge answers.
    SignIn,
    /// `SignUp`.
    SignUp,
    /// Requests that send a code: `ResendConfirmationCode`, `ForgotPassword`,
    /// `GetUserAttributeVerificationCode`.
    CodeSend,
    /// `/oauth2/token` and `/oauth2/revoke`.
    Token,
    /// The hosted sign-in pages.
    HostedPage,
}

impl RateClass {
    const ALL: [Self; 5] = [
        Self::SignIn,
        Self::SignUp,
        Self::CodeSend,
        Self::Token,
        Self::HostedPage,
    ];

    /// The name used in settings.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "sign-in",
            Self::SignUp => "sign-up",
            Self::CodeSend => "code-send",
            Self::Token => "token",
            Self::HostedPage => "hosted-page",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

/// At most `count` requests per `per_secs` seconds; `count == 0` is no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Requests allowed per window.
    pub count: u32,
    /// Window length, seconds.
    pub per_secs: u32,
}

impl Rate {
    const fn new(count: u32, per_secs: u32) -> Self {
        Self { count, per_secs }
    }

    /// No limit.
    pub const OFF: Self = Self::new(0, 1);

    fn parse(s: &str) -> Option<Self> {
        if s == "off" {
            return Some(Self::OFF);
        }
        let (count, per) = s.split_once('/')?;
        let per_secs = per.trim_end_matches('s').parse().ok().filter(|p| *p > 0)?;
        Some(Self::new(count.parse().ok()?, per_secs))
    }
}

/// The limits of one class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassLimits {
    /// Per client address.
    pub per_source: Rate,
    /// Per subject: the username (sign-in, sign-up, code sending) or the app client (token).
    pub per_subject: Rate,
}

/// Every class's limits, for all pools and for single pools.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    all: HashMap<RateClass, ClassLimits>,
    pools: HashMap<String, HashMap<RateClass, ClassLimits>>,
}

impl Default for RateLimits {
    fn default() -> Self {
        let limits = |source, subject| ClassLimits {
            per_source: source,
            per_subject: subject,
        };
        let all = HashMap::from([
            (
                RateClass::SignIn,
                limits(Rate::new(120, 1), Rate::new(10, 1)),
            ),
            (
                RateClass::SignUp,
                limits(Rate::new(50, 1), Rate::new(5, 60)),
            ),
            (
                RateClass::CodeSend,
                limits(Rate::new(30, 1), Rate::new(5, 60)),
            ),
            (
                RateClass::Token,
                limits(Rate::new(120, 1), Rate::new(150, 1)),
            ),
            (RateClass::HostedPage, limits(Rate::new(120, 1), Rate::OFF)),
        ]);
        Self {
            all,
            pools: HashMap::new(),
        }
    }
}

impl RateLimits {
    /// No limits at all (test harnesses, benchmarks of raw capacity).
    pub fn off() -> Self {
        let off = ClassLimits {
            per_source: Rate::OFF,
            per_subject: Rate::OFF,
        };
        Self {
            all: RateClass::ALL.into_iter().map(|c| (c, off)).collect(),
            pools: HashMap::new(),
        }
    }

    /// Applies one setting, `[POOL_ID:]CLASS.SCOPE=COUNT/SECONDS` (SCOPE `source` or `subject`;
    /// `off` for no limit), e.g. `sign-up.source=20/1` or `us-east-1_abc:code-send.subject=3/60`;
    /// or `off` for no limits anywhere.
    pub fn set(&mut self, setting: &str) -> Result<(), String> {
        let setting = setting.trim();
        if setting == "off" {
            *self = Self::off();
            return Ok(());
        }
        let bad = || {
            format!(
                "rate limit `{setting}`: expected [POOL_ID:]CLASS.SCOPE=COUNT/SECONDS, CLASS one \
                 of sign-in, sign-up, code-send, token, hosted-page, SCOPE source or subject"
            )
        };
        let (target, rate) = setting.split_once('=').ok_or_else(bad)?;
        let (pool, target) = match target.rsplit_once(':') {
            Some((pool, t)) => (Some(pool), t),
            None => (None, target),
        };
        let (class, scope) = target.split_once('.').ok_or_else(bad)?;
        let class = RateClass::parse(class).ok_or_else(bad)?;
        let rate = Rate::parse(rate).ok_or_else(bad)?;
        let base = self.all[&class];
        let limits = match pool {
            None => self.all.entry(class).or_insert(base),
            Some(p) => self
                .pools
                .entry(p.to_owned())
                .or_default()
                .entry(class)
                .or_insert(base),
        };
        match scope {
            "source" => limits.per_source = rate,
            "subject" => limits.per_subject = rate,
            _ => return Err(bad()),
        }
        Ok(())
    }

    /// The limits of `class` in `pool_id`.
    pub fn of(&self, pool_id: &str, class: RateClass) -> ClassLimits {
        self.pools
            .get(pool_id)
            .and_then(|p| p.get(&class))
            .or_else(|| self.all.get(&class))
            .copied()
            .unwrap_or(ClassLimits {
                per_source: Rate::OFF,
                per_subject: Rate::OFF,
            })
    }
}

/// What one request is counted as.
#[derive(Debug, Clone, Copy)]
pub struct Admission<'a> {
    /// Its class.
    pub class: RateClass,
    /// The pool (or, for pages not yet tied to a pool, the domain) it is counted in.
    pub scope: &'a str,
    /// The client's address, when known.
    pub source: Option<IpAddr>,
    /// Its subject, when it has one (matched case-insensitively).
    pub subject: Option<&'a str>,
}

/// The answer to a request over a limit (`TooManyRequestsException`; 429 with `Retry-After`
/// on the OAuth endpoints and pages).
pub const TOO_MANY: &str = "Too many requests";

impl Cogito {
    /// Counts one request; `TooManyRequestsException` when its address or its subject is over
    /// the limit of its class.
    pub async fn admit(&self, a: Admission<'_>) -> CoreResult<()> {
        let limits = self.config.rate_limits.of(a.scope, a.class);
        let source = a.source.map(|ip| ip.to_string());
        let subject = a.subject.map(str::to_lowercase);
        let now = self.clock.now_ms();
        let events: Vec<(String, i64, u32)> = [
            ("source", limits.per_source, source.as_deref()),
            ("subject", limits.per_subject, subject.as_deref()),
        ]
        .into_iter()
        .filter(|(_, rate, value)| rate.count > 0 && value.is_some())
        .map(|(scope, rate, value)| {
            let window_ms = i64::from(rate.per_secs) * 1000;
            let who = keyed_fingerprint(&self.code_key, value.unwrap_or_default());
            let key = format!("rate:{}:{scope}:{}:{who}", a.class.as_str(), a.scope);
            (key, now - now.rem_euclid(window_ms), rate.count)
        })
        .collect();
        if events.is_empty() {
            return Ok(());
        }
        // One statement for both counters; both count even when one is over, so a refused
        // burst cannot reset either.
        let within = self
            .store
            .count_events(&events)
            .await
            .map_err(|e| CoreError::from_store("rate limit", e))?;
        if within.iter().all(|w| *w) {
            Ok(())
        } else {
            Err(CoreError::TooManyRequests(TOO_MANY.into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_change_one_class_scope_for_all_pools_or_one() {
        let mut limits = RateLimits::default();
        limits.set("sign-up.source=20/1").unwrap();
        limits.set("us-east-1_abc:code-send.subject=3/60s").unwrap();
        assert_eq!(
            limits.of("any", RateClass::SignUp).per_source,
            Rate::new(20, 1)
        );
        assert_eq!(
            limits.of("us-east-1_abc", RateClass::CodeSend).per_subject,
            Rate::new(3, 60)
        );
        assert_eq!(
            limits.of("us-east-1_abc", RateClass::CodeSend).per_source,
            Rate::new(30, 1),
            "the pool keeps the other scope's default"
        );
        assert_eq!(
            limits.of("other", RateClass::CodeSend).per_subject,
            Rate::new(5, 60)
        );
        for bad in [
            "sign-up=1/1",
            "nope.source=1/1",
            "sign-in.source=1/0",
            "sign-in.x=1/1",
        ] {
            assert!(limits.set(bad).is_err(), "{bad}");
        }
        limits.set("off").unwrap();
        assert_eq!(limits.of("any", RateClass::SignIn).per_source, Rate::OFF);
    }
}
