//! Cognito's SRP-6a variant (reference §5.4–§5.6): the 3072-bit group with `g = 2`, SHA-256,
//! `PAD` (minimal two's-complement big-endian bytes) on every integer that is hashed, the
//! verifier `v = g^x` with `x = H(PAD(s) || H(poolName || userId || ":" || password))`, the
//! server's `B = k·v + g^b`, and the password claim `HMAC(K, poolName || userId || block ||
//! timestamp)` where `K` is one HKDF block ("Caldera Derived Key") keyed by `PAD(u)`.
//!
//! Pure arithmetic and formats, no I/O: the sign-in service decides what the numbers mean. The
//! timestamp a client signs is checked strictly (`EEE MMM d HH:mm:ss UTC yyyy`, the weekday
//! consistent with the date), as Cognito does.

use std::sync::LazyLock;

use num_bigint::BigUint;
use sha2::{Digest, Sha256};

use crate::crypto::{fill_random, hmac_sha256};

pub mod client;

/// The RFC 3526 3072-bit MODP prime Cognito uses.
const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

/// The group's prime `N`.
pub static N: LazyLock<BigUint> =
    LazyLock::new(|| BigUint::parse_bytes(N_HEX.as_bytes(), 16).expect("the SRP prime"));

/// The generator `g = 2`.
pub static G: LazyLock<BigUint> = LazyLock::new(|| BigUint::from(2u32));

/// `k = H(PAD(N) || PAD(g))`.
pub static K: LazyLock<BigUint> = LazyLock::new(|| hash_ints(&[&N, &G]));

/// Longest `SRP_A` accepted, in hex digits: `N` is 768 digits; leading zeros get some room.
pub const MAX_A_HEX: usize = 1024;

/// Bytes of a salt.
pub const SALT_LEN: usize = 16;

/// `PAD(x)`: the magnitude bytes, with a `00` prepended when the top bit is set (`PAD(0)` =
/// `00`).
pub fn pad(x: &BigUint) -> Vec<u8> {
    let mut bytes = x.to_bytes_be();
    if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        bytes.insert(0, 0);
    }
    bytes
}

/// Lowercase hex of `PAD(x)`.
pub fn pad_hex(x: &BigUint) -> String {
    hex::encode(pad(x))
}

/// `H(PAD(a) || PAD(b) || …)` as an integer.
fn hash_ints(values: &[&BigUint]) -> BigUint {
    let mut h = Sha256::new();
    for v in values {
        h.update(pad(v));
    }
    BigUint::from_bytes_be(&h.finalize())
}

/// A password verifier: the salt and `v`. Password-equivalent: stored only sealed.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    /// The salt as an integer (16 random bytes).
    pub salt: BigUint,
    /// `v = g^x mod N`.
    pub v: BigUint,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Verifier(<redacted>)")
    }
}

impl Verifier {
    /// A verifier with a fresh random salt. `realm` is the pool name (the pool id after the
    /// first `_`) and `user_id` the internal username (`USER_ID_FOR_SRP`).
    pub fn new(realm: &str, user_id: &str, password: &str) -> Verifier {
        let mut salt = [0u8; SALT_LEN];
        fill_random(&mut salt);
        Self::with_salt(BigUint::from_bytes_be(&salt), realm, user_id, password)
    }

    /// The verifier for a given salt.
    pub fn with_salt(salt: BigUint, realm: &str, user_id: &str, password: &str) -> Verifier {
        let x = private_key(&salt, realm, user_id, password);
        Verifier {
            v: G.modpow(&x, &N),
            salt,
        }
    }

    /// Serialised for sealing: `PAD(salt)` length (1 byte), `PAD(salt)`, `PAD(v)`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let salt = pad(&self.salt);
        let mut out = Vec::with_capacity(1 + salt.len() + 385);
        out.push(u8::try_from(salt.len()).unwrap_or(u8::MAX));
        out.extend_from_slice(&salt);
        out.extend_from_slice(&pad(&self.v));
        out
    }

    /// Reads what [`Verifier::to_bytes`] wrote.
    pub fn from_bytes(bytes: &[u8]) -> Option<Verifier> {
        let (&len, rest) = bytes.split_first()?;
        let len = usize::from(len);
        if rest.len() <= len {
            return None;
        }
        let (salt, v) = rest.split_at(len);
        Some(Verifier {
            salt: BigUint::from_bytes_be(salt),
            v: BigUint::from_bytes_be(v),
        })
    }
}

/// `x = H(PAD(s) || H(realm || user_id || ":" || password))`.
pub fn private_key(salt: &BigUint, realm: &str, user_id: &str, password: &str) -> BigUint {
    let inner = Sha256::new()
        .chain_update(realm.as_bytes())
        .chain_update(user_id.as_bytes())
        .chain_update(b":")
        .chain_update(password.as_bytes())
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(salt))
        .chain_update(inner)
        .finalize();
    BigUint::from_bytes_be(&outer)
}

/// Why a client's `SRP_A` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadA {
    /// Not hex, empty, or longer than [`MAX_A_HEX`].
    Malformed,
    /// `A ≡ 0 (mod N)`: would let anyone in (RFC 5054 §2.5.4).
    Zero,
}

/// Parses `SRP_A` (unpadded hex, possibly of odd length) and refuses `A ≡ 0 (mod N)`.
pub fn parse_a(text: &str) -> Result<BigUint, BadA> {
    if text.is_empty() || text.len() > MAX_A_HEX || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(BadA::Malformed);
    }
    let a = BigUint::parse_bytes(text.as_bytes(), 16).ok_or(BadA::Malformed)?;
    if (&a % &*N) == BigUint::ZERO {
        return Err(BadA::Zero);
    }
    Ok(a)
}

/// The server's ephemeral pair: a fresh 256-bit `b` and `B = (k·v + g^b) mod N`.
pub fn server_ephemeral(v: &BigUint) -> (BigUint, BigUint) {
    loop {
        let mut bytes = [0u8; 32];
        fill_random(&mut bytes);
        let b = BigUint::from_bytes_be(&bytes);
        let big_b = public_b(v, &b);
        if big_b != BigUint::ZERO {
            return (b, big_b);
        }
    }
}

/// `B = (k·v + g^b) mod N`.
pub fn public_b(v: &BigUint, b: &BigUint) -> BigUint {
    (&*K * v + G.modpow(b, &N)) % &*N
}

/// The 16-byte session key of both sides, from `u` and `S`.
pub fn session_key(u: &BigUint, s: &BigUint) -> [u8; 16] {
    let prk = hmac_sha256(&pad(u), &pad(s));
    let okm = hmac_sha256(&prk, b"Caldera Derived Key\x01");
    let mut key = [0u8; 16];
    key.copy_from_slice(&okm[..16]);
    key
}

/// `u = H(PAD(A) || PAD(B))`.
pub fn scrambler(a: &BigUint, b: &BigUint) -> BigUint {
    hash_ints(&[a, b])
}

/// What the server knows when it checks a password claim.
#[derive(Debug)]
pub struct ServerSide<'a> {
    /// The client's `A`.
    pub a: &'a BigUint,
    /// The server's secret `b`.
    pub b: &'a BigUint,
    /// The server's `B`.
    pub big_b: &'a BigUint,
    /// The user's verifier `v`.
    pub v: &'a BigUint,
}

/// The claim a client holding the password signs: `HMAC(K, realm || user_id || block ||
/// timestamp)`; `None` when `u = 0` (no claim can be valid).
pub fn expected_signature(
    side: &ServerSide<'_>,
    realm: &str,
    user_id: &str,
    secret_block: &[u8],
    timestamp: &str,
) -> Option<[u8; 32]> {
    let u = scrambler(side.a, side.big_b);
    if u == BigUint::ZERO {
        return None;
    }
    let s = (side.a * side.v.modpow(&u, &N) % &*N).modpow(side.b, &N);
    let key = session_key(&u, &s);
    let mut msg = Vec::with_capacity(realm.len() + user_id.len() + secret_block.len() + 32);
    msg.extend_from_slice(realm.as_bytes());
    msg.extend_from_slice(user_id.as_bytes());
    msg.extend_from_slice(secret_block);
    msg.extend_from_slice(timestamp.as_bytes());
    Some(hmac_sha256(&key, &msg))
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Parses the `TIMESTAMP` a client signed (`Tue Nov 3 09:05:07 UTC 2026`: English
/// abbreviations, day of month without a leading zero, two-digit time, literal `UTC`, a weekday
/// that matches the date) into epoch seconds; `None` for anything else.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let parts: Vec<&str> = text.split(' ').collect();
    let [weekday, month, day, time, "UTC", year] = parts.as_slice() else {
        return None;
    };
    let month = MONTHS.iter().position(|m| m == month)? + 1;
    let day = digits(day, 1, 2).filter(|d| !day.starts_with('0') && (1..=31).contains(d))?;
    let year = digits(year, 4, 4)?;
    let hms: Vec<&str> = time.split(':').collect();
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    let (h, m, s) = (digits(h, 2, 2)?, digits(m, 2, 2)?, digits(s, 2, 2)?);
    if h > 23 || m > 59 || s > 59 || day > days_in_month(year, month as i64) {
        return None;
    }
    let days = days_from_civil(year, month as i64, day);
    // 1970-01-01 was a Thursday.
    if WEEKDAYS[(days + 4).rem_euclid(7) as usize] != *weekday {
        return None;
    }
    Some(days * 86_400 + h * 3600 + m * 60 + s)
}

/// The timestamp format for epoch seconds (what clients send; for tests and tools).
pub fn format_timestamp(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{} {} {} {:02}:{:02}:{:02} UTC {}",
        WEEKDAYS[(days + 4).rem_euclid(7) as usize],
        MONTHS[(m - 1) as usize],
        d,
        tod / 3600,
        tod % 3600 / 60,
        tod % 60,
        y
    )
}

/// A decimal of `min..=max` ASCII digits.
fn digits(text: &str, min: usize, max: usize) -> Option<i64> {
    if !(min..=max).contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests;
