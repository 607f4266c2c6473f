//! The reference's SRP test vector (`cognito-srp-test-vector.json`, a copy of the project's
//! shared one) reproduced value by value, a client written from the reference's description
//! signing in against the server side many times with fresh random values (so that every `PAD`
//! case occurs), and the strict timestamp format.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use num_bigint::BigUint;
use serde_json::Value;
use sha2::{Digest, Sha256, Sha512};

use super::*;

fn vector() -> Value {
    serde_json::from_str(include_str!("cognito-srp-test-vector.json")).expect("test vector JSON")
}

fn int(v: &Value, k: &str) -> BigUint {
    BigUint::parse_bytes(v[k].as_str().unwrap().as_bytes(), 16).unwrap()
}

/// `(SHA-512(label) repeated twice, 128 bytes) mod N`, as the vector builds `a` and `b`.
fn ephemeral(label: &str) -> BigUint {
    let h = Sha512::digest(label.as_bytes());
    let twice = [h.as_slice(), h.as_slice()].concat();
    BigUint::from_bytes_be(&twice) % &*N
}

/// The client of reference §5.4 ([`client::ClientSide`]) with a given `a`.
fn client_signature(
    salt_hex: &str,
    b_pub: &BigUint,
    a: &BigUint,
    (realm, user, password): (&str, &str, &str),
    block: &[u8],
    timestamp: &str,
) -> [u8; 32] {
    let salt = BigUint::parse_bytes(salt_hex.as_bytes(), 16).unwrap();
    let side = client::ClientSide {
        big_a: G.modpow(a, &N),
        a: a.clone(),
    };
    let challenge = client::Challenge {
        realm,
        user_id: user,
        salt: &salt,
        big_b: b_pub,
        secret_block: block,
    };
    side.claim(&challenge, password, timestamp)
}

#[test]
fn the_constants_match_the_reference() {
    let v = vector();
    assert_eq!(hex::encode(K.to_bytes_be()), v["k_hex"].as_str().unwrap());
    assert_eq!(N.bits(), 3072);
}

#[test]
fn the_test_vector_is_reproduced() {
    let v = vector();
    let (realm, user, pw) = ("TestPool1", "alice", "Passw0rd!");
    let salt_bytes = &Sha256::digest(b"cogito-test-salt")[..16];
    let salt = BigUint::from_bytes_be(salt_bytes);
    assert_eq!(pad_hex(&salt), v["salt_hex_PAD"].as_str().unwrap());
    let x = private_key(&salt, realm, user, pw);
    assert_eq!(x, int(&v, "x_hex"));
    let verifier = Verifier::with_salt(salt, realm, user, pw);
    assert_eq!(verifier.v, int(&v, "v_hex"));

    let (a, b) = (ephemeral("cogito-test-a"), ephemeral("cogito-test-b"));
    assert_eq!(a, int(&v, "a_hex"));
    assert_eq!(b, int(&v, "b_hex"));
    let big_a = G.modpow(&a, &N);
    assert_eq!(big_a, int(&v, "A_hex"));
    let big_b = public_b(&verifier.v, &b);
    assert_eq!(big_b, int(&v, "B_hex"));
    let u = scrambler(&big_a, &big_b);
    assert_eq!(u, int(&v, "u_hex"));
    let s = (&big_a * verifier.v.modpow(&u, &N) % &*N).modpow(&b, &N);
    assert_eq!(s, int(&v, "S_hex"));
    assert_eq!(
        hex::encode(session_key(&u, &s)),
        v["K_hex"].as_str().unwrap()
    );

    let block = [
        Sha256::digest(b"cogito-test-secret-block").as_slice(),
        &[0x00, 0xff],
    ]
    .concat();
    assert_eq!(
        STANDARD.encode(&block),
        v["secret_block_b64"].as_str().unwrap()
    );
    let timestamp = v["timestamp"].as_str().unwrap();
    let side = ServerSide {
        a: &big_a,
        b: &b,
        big_b: &big_b,
        v: &verifier.v,
    };
    let signature = expected_signature(&side, realm, user, &block, timestamp).unwrap();
    assert_eq!(
        STANDARD.encode(signature),
        v["signature_b64"].as_str().unwrap()
    );
    // The client's formula gives the same claim.
    let client = client_signature(
        v["salt_hex_PAD"].as_str().unwrap(),
        &big_b,
        &a,
        (realm, user, pw),
        &block,
        timestamp,
    );
    assert_eq!(client, signature);
}

/// Fresh random values every time: each `PAD` case (high bit set or not in `A`, `B`, `u`, `S`,
/// the salt) occurs within a few dozen runs; a wrong password never verifies.
#[test]
fn random_sign_ins_agree_and_a_wrong_password_never_verifies() {
    for i in 0..64 {
        let verifier = Verifier::new("Pool_x", "user-1", "Secret#1");
        let mut a_bytes = [0u8; 128];
        fill_random(&mut a_bytes);
        let a = BigUint::from_bytes_be(&a_bytes);
        let big_a = G.modpow(&a, &N);
        let (b, big_b) = server_ephemeral(&verifier.v);
        let side = ServerSide {
            a: &big_a,
            b: &b,
            big_b: &big_b,
            v: &verifier.v,
        };
        let ts = format_timestamp(1_790_000_000 + i * 86_400);
        let block = [7u8, 0, 255];
        let expected = expected_signature(&side, "Pool_x", "user-1", &block, &ts).unwrap();
        let salt_hex = pad_hex(&verifier.salt);
        let right = client_signature(
            &salt_hex,
            &big_b,
            &a,
            ("Pool_x", "user-1", "Secret#1"),
            &block,
            &ts,
        );
        assert_eq!(right, expected, "run {i}");
        let wrong = client_signature(
            &salt_hex,
            &big_b,
            &a,
            ("Pool_x", "user-1", "Secret#2"),
            &block,
            &ts,
        );
        assert_ne!(wrong, expected, "run {i}");
        let restored = Verifier::from_bytes(&verifier.to_bytes()).unwrap();
        assert_eq!(restored, verifier);
    }
}

#[test]
fn a_is_parsed_as_an_integer_and_zero_mod_n_is_refused() {
    assert_eq!(parse_a("abc").unwrap(), BigUint::from(0xabcu32));
    let n_hex = N.to_str_radix(16);
    let two_n = (&*N * 2u32).to_str_radix(16);
    for zero in [
        "0",
        "000",
        n_hex.as_str(),
        two_n.as_str(),
        &format!("0000{n_hex}"),
    ] {
        assert_eq!(parse_a(zero), Err(BadA::Zero), "{zero}");
    }
    for bad in ["", "xyz", "12 34", &"f".repeat(MAX_A_HEX + 1)] {
        assert_eq!(parse_a(bad), Err(BadA::Malformed), "{bad:?}");
    }
}

#[test]
fn timestamps_are_strict() {
    assert_eq!(
        parse_timestamp("Tue Nov 24 10:00:00 UTC 2026"),
        Some(1_795_514_400)
    );
    let t = parse_timestamp("Tue Nov 3 09:05:07 UTC 2026").unwrap();
    assert_eq!(format_timestamp(t), "Tue Nov 3 09:05:07 UTC 2026");
    for bad in [
        "Tue Nov 03 09:05:07 UTC 2026",
        "Wed Nov 3 09:05:07 UTC 2026",
        "Tue Nov 3 9:05:07 UTC 2026",
        "Tue Nov 3 09:05:07 GMT 2026",
        "Tue Nov  3 09:05:07 UTC 2026",
        "Tue Nov 31 09:05:07 UTC 2026",
        "Tue Nov 3 24:05:07 UTC 2026",
        "tue Nov 3 09:05:07 UTC 2026",
        "Tue Nov 3 09:05:07 UTC 2026 ",
        "",
    ] {
        assert_eq!(parse_timestamp(bad), None, "{bad:?}");
    }
    for secs in [0, 951_782_400, 1_795_514_400, 4_102_444_799] {
        assert_eq!(parse_timestamp(&format_timestamp(secs)), Some(secs));
    }
}
