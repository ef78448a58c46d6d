//! Backup codes: 10 codes of 10 lowercase hex characters (Logto's `generateBackupCodes`),
//! each usable once.
//!
//! Stored hashed (Logto stores them in clear): `sha256$<salt hex>$<digest hex>` with a
//! random 16-byte salt per code, so equal codes of two users never share a digest and a
//! precomputed table is useless. A code carries 40 bits, so a fast hash protects a leaked
//! store against casual reading, not against a determined offline search of one code; what
//! keeps them safe online is single use plus the `MfaBackupCode` sentinel pool.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq as _;

use crate::ports::Rng;

pub const COUNT: usize = 10;
pub const LENGTH: usize = 10;
const SALT_BYTES: usize = 16;
const SCHEME: &str = "sha256";

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Ten fresh codes: 5 random bytes each, as 10 hex characters (uniform over the alphabet).
pub fn generate(rng: &dyn Rng) -> Vec<String> {
    (0..COUNT)
        .map(|_| {
            let mut bytes = [0u8; LENGTH / 2];
            rng.fill(&mut bytes);
            hex(&bytes)
        })
        .collect()
}

/// Logto's `validateBackupCodes`: exactly ten codes of 10 hex characters (any case).
pub fn validate(codes: &[String]) -> bool {
    codes.len() == COUNT && codes.iter().all(|c| c.len() == LENGTH && c.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn digest(salt: &str, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update(b"$");
    h.update(code.as_bytes());
    hex(&h.finalize())
}

/// The stored form of `code`.
pub fn hash(rng: &dyn Rng, code: &str) -> String {
    let mut salt = [0u8; SALT_BYTES];
    rng.fill(&mut salt);
    let salt = hex(&salt);
    let digest = digest(&salt, code);
    format!("{SCHEME}${salt}${digest}")
}

/// Whether `code` is the one `stored` was made from (compared in constant time).
pub fn matches(stored: &str, code: &str) -> bool {
    let mut parts = stored.splitn(3, '$');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(SCHEME), Some(salt), Some(expected)) => {
            bool::from(digest(salt, code).as_bytes().ct_eq(expected.as_bytes()))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_codes_of_ten_hex_chars_stored_as_salted_hashes() {
        let rng = crate::ports::SeededRng::new(11);
        let codes = generate(&rng);
        assert!(validate(&codes), "{codes:?}");
        assert!(codes.iter().all(|c| c.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))));
        let stored = hash(&rng, &codes[0]);
        assert!(!stored.contains(&codes[0]));
        assert!(matches(&stored, &codes[0]));
        assert!(!matches(&stored, &codes[1]));
        assert_ne!(hash(&rng, &codes[0]), stored, "salted");
        assert!(!matches(&codes[0], &codes[0]), "a clear code in the store never matches");
    }

    #[test]
    fn format_is_logtos() {
        let ok: Vec<String> = (0..10).map(|i| format!("{i:010}")).collect();
        assert!(validate(&ok));
        assert!(!validate(&ok[..9]));
        let mut bad = ok.clone();
        bad[3] = "zzzzzzzzzz".into();
        assert!(!validate(&bad));
        bad[3] = "ABCDEF0123".into();
        assert!(validate(&bad));
    }
}
