//! Password hashes made by other systems, so users imported with them sign in without a reset
//! (their hash is replaced by the pool's argon2id at the first successful sign-in).
//!
//! Accepted forms:
//! - argon2 PHC strings: `$argon2id$…`, `$argon2i$…`, `$argon2d$…` (any version and cost);
//! - bcrypt: `$2a$`, `$2b$`, `$2y$`;
//! - PBKDF2-SHA256/SHA512: PHC `$pbkdf2-sha256$i=N[,l=L]$salt$hash`, passlib
//!   `$pbkdf2-sha512$N$salt$hash`, Django `pbkdf2_sha256$N$salt$hash`;
//! - scrypt: `$scrypt$ln=L,r=R,p=P$salt$hash`;
//! - Firebase's modified scrypt, with the project's hash parameters written into the string:
//!   `$firebase-scrypt$key=<signer key>,sep=<salt separator>,r=<rounds>,m=<mem cost>$<salt>$<hash>`
//!   (every value as Firebase's console shows it, standard base64).
//!
//! Every cost is bounded ([`parse`] refuses a hash outside the bounds), so an imported hash can
//! never make one sign-in allocate gigabytes or spin for minutes.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

use crate::crypto::secrets_equal;

/// The most memory one verification may use, in KiB (argon2 and scrypt).
pub const MAX_MEMORY_KIB: u64 = 256 * 1024;
/// The most argon2 passes or lanes.
pub const MAX_ARGON2_PASSES: u32 = 16;
/// The highest bcrypt cost (2^16 rounds, about 5 s).
const MAX_BCRYPT_COST: u32 = 16;
/// The most PBKDF2 iterations.
const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;
/// The longest salt, in bytes.
const MAX_FIELD_BYTES: usize = 1024;
/// The longest hash output, in bytes: PBKDF2's cost grows with it (one run of the iterations per
/// 32 or 64 bytes), so it is bounded as tightly as real hashes allow.
const MAX_HASH_BYTES: usize = 64;

/// A parsed password hash of another system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForeignHash {
    /// argon2i, argon2d or argon2id of any version and cost.
    Argon2 {
        /// Variant.
        algorithm: Algorithm,
        /// Version.
        version: Version,
        /// Memory (KiB), passes, lanes.
        cost: (u32, u32, u32),
        /// Salt bytes.
        salt: Vec<u8>,
        /// Expected output.
        hash: Vec<u8>,
    },
    /// A bcrypt string, checked by the bcrypt crate.
    Bcrypt(String),
    /// PBKDF2 with HMAC-SHA256 or HMAC-SHA512.
    Pbkdf2 {
        /// `true` for SHA-512.
        sha512: bool,
        /// Iterations.
        iterations: u32,
        /// Salt bytes.
        salt: Vec<u8>,
        /// Expected output.
        hash: Vec<u8>,
    },
    /// scrypt.
    Scrypt {
        /// log2 of N.
        log_n: u8,
        /// Block size.
        r: u32,
        /// Parallelism.
        p: u32,
        /// Salt bytes.
        salt: Vec<u8>,
        /// Expected output.
        hash: Vec<u8>,
    },
    /// Firebase's scrypt: scrypt(password, salt ‖ separator) keys AES-256-CTR over the signer key.
    FirebaseScrypt {
        /// The project's signer key.
        signer_key: Vec<u8>,
        /// The project's salt separator.
        separator: Vec<u8>,
        /// Rounds (scrypt r).
        rounds: u32,
        /// Memory cost (scrypt log2 N).
        mem_cost: u8,
        /// The user's salt.
        salt: Vec<u8>,
        /// The user's hash.
        hash: Vec<u8>,
    },
}

/// Decodes a hash output (see [`b64`]), at most [`MAX_HASH_BYTES`] long.
fn hash_b64(text: &str) -> Result<Vec<u8>, String> {
    let bytes = b64(text)?;
    if bytes.len() > MAX_HASH_BYTES {
        return Err(format!("a hash longer than {MAX_HASH_BYTES} bytes"));
    }
    Ok(bytes)
}

/// Decodes base64 in any of the spellings these formats use: standard or passlib's adapted
/// alphabet (`.` for `+`), padded or not.
fn b64(text: &str) -> Result<Vec<u8>, String> {
    let text: String = text.trim_end_matches('=').replace('.', "+");
    let bytes = STANDARD_NO_PAD
        .decode(text.as_bytes())
        .map_err(|_| "a salt or hash is not valid base64".to_owned())?;
    if bytes.is_empty() || bytes.len() > MAX_FIELD_BYTES {
        return Err("a salt or hash is empty or too long".into());
    }
    Ok(bytes)
}

/// The `key=value` settings of a PHC string.
fn settings(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.split(',').filter_map(|kv| kv.split_once('='))
}

fn number<T: std::str::FromStr>(value: Option<&str>, what: &str) -> Result<T, String> {
    value
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("the hash has no valid {what}"))
}

fn bounded<T: PartialOrd + std::fmt::Display>(value: T, max: T, what: &str) -> Result<T, String> {
    if value > max {
        return Err(format!("{what} {value} is above cogito's bound of {max}"));
    }
    Ok(value)
}

/// Parses and bounds a hash of another system; `Err` says why it is not accepted.
pub fn parse(stored: &str) -> Result<ForeignHash, String> {
    let parts: Vec<&str> = stored.split('$').collect();
    match parts.as_slice() {
        ["", kind @ ("argon2i" | "argon2d" | "argon2id"), rest @ ..] => argon2(kind, rest),
        ["", "2a" | "2b" | "2y", cost, _] => {
            bounded(
                number::<u32>(Some(cost), "cost")?,
                MAX_BCRYPT_COST,
                "bcrypt cost",
            )?;
            stored
                .parse::<bcrypt::HashParts>()
                .map_err(|e| format!("bcrypt: {e}"))?;
            Ok(ForeignHash::Bcrypt(stored.to_owned()))
        }
        [
            "",
            kind @ ("pbkdf2-sha256" | "pbkdf2-sha512"),
            cost,
            salt,
            hash,
        ] => {
            let iterations = if cost.contains('=') {
                number(settings(cost).find(|(k, _)| *k == "i").map(|(_, v)| v), "i")?
            } else {
                number(Some(cost), "iteration count")?
            };
            pbkdf2(
                *kind == "pbkdf2-sha512",
                iterations,
                b64(salt)?,
                hash_b64(hash)?,
            )
        }
        [
            kind @ ("pbkdf2_sha256" | "pbkdf2_sha512"),
            iterations,
            salt,
            hash,
        ] => {
            // Django: the salt is used as text.
            let salt = salt.as_bytes().to_vec();
            if salt.is_empty() || salt.len() > MAX_FIELD_BYTES {
                return Err("the salt is empty or too long".into());
            }
            let iterations = number(Some(iterations), "iteration count")?;
            pbkdf2(*kind == "pbkdf2_sha512", iterations, salt, hash_b64(hash)?)
        }
        ["", "scrypt", cost, salt, hash] => {
            let get = |key: &str| settings(cost).find(|(k, _)| *k == key).map(|(_, v)| v);
            let (log_n, r, p) = (
                number(get("ln"), "ln")?,
                number(get("r"), "r")?,
                number(get("p"), "p")?,
            );
            scrypt_memory(log_n, r, p)?;
            Ok(ForeignHash::Scrypt {
                log_n,
                r,
                p,
                salt: b64(salt)?,
                hash: hash_b64(hash)?,
            })
        }
        ["", "firebase-scrypt", cost, salt, hash] => {
            let get = |key: &str| settings(cost).find(|(k, _)| *k == key).map(|(_, v)| v);
            let rounds = number(get("r"), "r (rounds)")?;
            let mem_cost = number(get("m"), "m (mem_cost)")?;
            scrypt_memory(mem_cost, rounds, 1)?;
            Ok(ForeignHash::FirebaseScrypt {
                signer_key: b64(get("key").ok_or("the hash has no key (signer key)")?)?,
                separator: get("sep").map(b64).transpose()?.unwrap_or_default(),
                rounds,
                mem_cost,
                salt: b64(salt)?,
                hash: b64(hash)?,
            })
        }
        _ => Err(
            "not a password hash cogito reads (argon2, bcrypt, PBKDF2, scrypt, \
                  Firebase scrypt)"
                .into(),
        ),
    }
}

fn argon2(kind: &str, rest: &[&str]) -> Result<ForeignHash, String> {
    let (version, cost, salt, hash) = match rest {
        [v, cost, salt, hash] if v.starts_with("v=") => {
            (number::<u32>(v.get(2..), "version")?, cost, salt, hash)
        }
        [cost, salt, hash] => (0x10, cost, salt, hash),
        _ => return Err("an argon2 hash needs settings, a salt and a hash".into()),
    };
    let version = Version::try_from(version).map_err(|_| "unknown argon2 version".to_owned())?;
    let get = |key: &str| settings(cost).find(|(k, _)| *k == key).map(|(_, v)| v);
    let m: u32 = number(get("m"), "m")?;
    let t: u32 = number(get("t"), "t")?;
    let p: u32 = number(get("p"), "p")?;
    bounded(u64::from(m), MAX_MEMORY_KIB, "argon2 memory (KiB)")?;
    bounded(t, MAX_ARGON2_PASSES, "argon2 passes")?;
    bounded(p, MAX_ARGON2_PASSES, "argon2 lanes")?;
    let algorithm = match kind {
        "argon2i" => Algorithm::Argon2i,
        "argon2d" => Algorithm::Argon2d,
        _ => Algorithm::Argon2id,
    };
    let (salt, hash) = (b64(salt)?, hash_b64(hash)?);
    Params::new(m, t, p, Some(hash.len())).map_err(|e| format!("argon2 settings: {e}"))?;
    Ok(ForeignHash::Argon2 {
        algorithm,
        version,
        cost: (m, t, p),
        salt,
        hash,
    })
}

fn pbkdf2(
    sha512: bool,
    iterations: u32,
    salt: Vec<u8>,
    hash: Vec<u8>,
) -> Result<ForeignHash, String> {
    bounded(iterations, MAX_PBKDF2_ITERATIONS, "PBKDF2 iterations")?;
    if iterations == 0 {
        return Err("PBKDF2 needs at least one iteration".into());
    }
    Ok(ForeignHash::Pbkdf2 {
        sha512,
        iterations,
        salt,
        hash,
    })
}

/// Refuses scrypt settings needing more than [`MAX_MEMORY_KIB`] (128 · r · N · p bytes).
fn scrypt_memory(log_n: u8, r: u32, p: u32) -> Result<(), String> {
    scrypt::Params::new(log_n, r, p).map_err(|_| "invalid scrypt settings".to_owned())?;
    let kib = 128u64
        .saturating_mul(u64::from(r))
        .saturating_mul(1u64.checked_shl(u32::from(log_n)).unwrap_or(u64::MAX))
        .saturating_mul(u64::from(p.max(1)))
        / 1024;
    bounded(kib, MAX_MEMORY_KIB, "scrypt memory (KiB)").map(|_| ())
}

impl ForeignHash {
    /// Whether `password` matches (compared in constant time). Settings were checked by
    /// [`parse`]; a failure inside a library counts as a mismatch.
    pub fn verify(&self, password: &str) -> bool {
        let pw = password.as_bytes();
        match self {
            Self::Argon2 {
                algorithm,
                version,
                cost,
                salt,
                hash,
            } => {
                let Ok(params) = Params::new(cost.0, cost.1, cost.2, Some(hash.len())) else {
                    return false;
                };
                let mut out = vec![0u8; hash.len()];
                Argon2::new(*algorithm, *version, params)
                    .hash_password_into(pw, salt, &mut out)
                    .is_ok()
                    && secrets_equal(&out, hash)
            }
            Self::Bcrypt(stored) => bcrypt::verify(pw, stored).unwrap_or(false),
            Self::Pbkdf2 {
                sha512,
                iterations,
                salt,
                hash,
            } => {
                let mut out = vec![0u8; hash.len()];
                if *sha512 {
                    pbkdf2::pbkdf2_hmac::<sha2::Sha512>(pw, salt, *iterations, &mut out);
                } else {
                    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(pw, salt, *iterations, &mut out);
                }
                secrets_equal(&out, hash)
            }
            Self::Scrypt {
                log_n,
                r,
                p,
                salt,
                hash,
            } => {
                let mut out = vec![0u8; hash.len()];
                scrypt_into(pw, salt, (*log_n, *r, *p), &mut out) && secrets_equal(&out, hash)
            }
            Self::FirebaseScrypt {
                signer_key,
                separator,
                rounds,
                mem_cost,
                salt,
                hash,
            } => {
                let mut key = [0u8; 64];
                let salted = [salt.as_slice(), separator.as_slice()].concat();
                if !scrypt_into(pw, &salted, (*mem_cost, *rounds, 1), &mut key) {
                    return false;
                }
                let mut out = signer_key.clone();
                aes256_ctr_zero_iv(&key[..32], &mut out) && secrets_equal(&out, hash)
            }
        }
    }
}

fn scrypt_into(
    password: &[u8],
    salt: &[u8],
    (log_n, r, p): (u8, u32, u32),
    out: &mut [u8],
) -> bool {
    scrypt::Params::new(log_n, r, p)
        .ok()
        .is_some_and(|params| scrypt::scrypt(password, salt, &params, out).is_ok())
}

/// AES-256-CTR with a zero IV over `data`, in place (Firebase's last step).
fn aes256_ctr_zero_iv(key: &[u8], data: &mut [u8]) -> bool {
    use aws_lc_rs::cipher::{AES_256, EncryptingKey, EncryptionContext, UnboundCipherKey};
    use aws_lc_rs::iv::FixedLength;
    let Ok(key) = UnboundCipherKey::new(&AES_256, key) else {
        return false;
    };
    let Ok(key) = EncryptingKey::ctr(key) else {
        return false;
    };
    key.less_safe_encrypt(data, EncryptionContext::Iv128(FixedLength::from([0u8; 16])))
        .is_ok()
}

/// Standard base64 of bytes (for tests and the Firebase form).
pub fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Firebase's published example (github.com/firebase/scrypt, README).
    #[test]
    fn firebase_scrypt_matches_firebases_published_example() {
        let stored = "$firebase-scrypt$key=jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==,sep=Bw==,r=8,m=14\
                      $42xEC+ixf3L2lw==$lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==";
        let hash = parse(stored).unwrap();
        assert!(hash.verify("user1password"));
        assert!(!hash.verify("user1passwore"));
    }

    #[test]
    fn bcrypt_hashes_verify() {
        let stored = bcrypt::hash("Secret1!", 4).unwrap();
        let hash = parse(&stored).unwrap();
        assert!(hash.verify("Secret1!"));
        assert!(!hash.verify("Secret1?"));
    }

    #[test]
    fn pbkdf2_matches_rfc_7914_vector() {
        // RFC 7914 §11: PBKDF2-HMAC-SHA256("passwd", "salt", 1, 64).
        let expected = hex::decode(
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc\
             49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783",
        )
        .unwrap();
        let stored = format!(
            "$pbkdf2-sha256$i=1,l=64$c2FsdA${}",
            STANDARD_NO_PAD.encode(&expected)
        );
        assert!(parse(&stored).unwrap().verify("passwd"));
        let django = format!("pbkdf2_sha256$1$salt${}", STANDARD.encode(&expected));
        assert!(parse(&django).unwrap().verify("passwd"));
        assert!(!parse(&django).unwrap().verify("passwe"));
    }

    #[test]
    fn scrypt_matches_rfc_7914_vector() {
        // RFC 7914 §12: scrypt("password", "NaCl", N=1024, r=8, p=16, 64).
        let expected = hex::decode(
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162\
             2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640",
        )
        .unwrap();
        let stored = format!(
            "$scrypt$ln=10,r=8,p=16$TmFDbA${}",
            STANDARD_NO_PAD.encode(&expected)
        );
        assert!(parse(&stored).unwrap().verify("password"));
        assert!(!parse(&stored).unwrap().verify("passwore"));
    }

    #[test]
    fn costs_beyond_the_bounds_are_refused() {
        for stored in [
            "$scrypt$ln=30,r=8,p=1$c2FsdA$aGFzaA",
            "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
            "$argon2i$v=19$m=1024,t=200,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
            "$pbkdf2-sha256$i=100000000$c2FsdA$aGFzaA",
            // 10 million iterations for each of 32 output blocks.
            &format!(
                "$pbkdf2-sha256$i=10000000${}${}",
                "c2FsdA",
                "QUFB".repeat(342)
            ),
            "$2b$20$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234",
            "$firebase-scrypt$key=a2V5,sep=Bw==,r=8,m=40$c2FsdA==$aGFzaA==",
            "$md5$whatever",
            "plaintext",
            "",
        ] {
            assert!(parse(stored).is_err(), "{stored}");
        }
    }
}
