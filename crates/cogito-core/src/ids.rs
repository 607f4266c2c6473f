//! Identifier generation and formats (reference §1.5): pool ids `<region>_<9 alnum>`, client ids
//! of 26 lowercase alphanumerics, client secrets of 51, `sub` UUIDs, 6-digit codes.

use rand::RngExt;

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

fn random_from(alphabet: &[u8], len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect()
}

/// A new user pool id in the given region, e.g. `us-east-1_AbC123xyz`.
pub fn new_pool_id(region: &str) -> String {
    format!("{region}_{}", random_from(ALNUM, 9))
}

/// A new app client id: 26 lowercase alphanumerics.
pub fn new_client_id() -> String {
    random_from(LOWER_ALNUM, 26)
}

/// A new app client secret: 51 lowercase alphanumerics.
pub fn new_client_secret() -> String {
    random_from(LOWER_ALNUM, 51)
}

/// A new lowercase hyphenated UUID (`sub`, `jti`, `event_id`).
pub fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A new 6-digit confirmation code.
pub fn new_code() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

/// An opaque random token of `bytes` random bytes, URL-safe base64 without padding.
pub fn new_opaque_token(bytes: usize) -> String {
    use base64::Engine;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill(&mut buf[..]);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// The "pool name part" of a pool id: what follows the first `_`.
pub fn pool_name_part(pool_id: &str) -> &str {
    pool_id.split_once('_').map_or(pool_id, |(_, rest)| rest)
}

/// The region a pool id was created in: what precedes the first `_`.
pub fn pool_region(pool_id: &str) -> &str {
    pool_id.split_once('_').map_or("", |(region, _)| region)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_ids_match_the_model_pattern() {
        let id = new_pool_id("us-east-1");
        let re = regex::Regex::new(r"^[\w-]+_[0-9a-zA-Z]+$").unwrap();
        assert!(re.is_match(&id), "{id}");
        assert_eq!(pool_region(&id), "us-east-1");
        assert_eq!(pool_name_part(&id).len(), 9);
    }

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..100 {
            let c = new_code();
            assert_eq!(c.len(), 6);
            assert!(c.chars().all(|c| c.is_ascii_digit()));
        }
    }

    #[test]
    fn opaque_tokens_use_the_token_alphabet() {
        let t = new_opaque_token(32);
        assert!(
            t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }
}
