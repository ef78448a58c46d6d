//! How codes and opaque tokens are stored: by the lowercase hex SHA-256 of their value. They
//! are 256-bit random strings, so one fast hash is the right protection at rest (DESIGN §3)
//! and a stolen store does not yield usable tokens.

use sha2::{Digest, Sha256};

/// Lowercase hex SHA-256 of a code or token value.
pub fn hash(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        out.extend([b >> 4, b & 0xf].map(|n| char::from_digit(u32::from(n), 16).unwrap_or('0')));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashes_are_lowercase_hex_sha256() {
        assert_eq!(super::hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
