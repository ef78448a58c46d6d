//! Application secrets (Logto's `application_secrets`), stored as SHA-256 digests.
//!
//! Secrets are 32 random characters from a 62-letter alphabet (~190 bits, Logto's
//! `generateStandardSecret`): far beyond guessing, so one fast hash is the right protection at
//! rest and keeps the token endpoint cheap. The plaintext exists only in the response that
//! creates it.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::ports::{Millis, Rng};

/// Name of the secret created with every confidential application (Logto's constant).
pub const DEFAULT_SECRET_NAME: &str = "Default secret";

/// Length of a generated secret (Logto's `generateStandardSecret`).
pub const SECRET_LEN: usize = 32;

/// How many leading characters of a secret are kept in clear to tell secrets apart in lists.
const HINT_LEN: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredSecret {
    pub name: String,
    /// Lowercase hex SHA-256 of the secret.
    pub hash: String,
    /// The first characters of the secret, for display only.
    pub hint: String,
    pub created_at: Millis,
    pub expires_at: Option<Millis>,
}

/// Outcome of checking a presented client secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretCheck {
    Valid,
    /// It matches a secret whose `expiresAt` has passed.
    Expired,
    Wrong,
}

impl StoredSecret {
    /// Hash `plaintext` into a stored secret.
    pub fn new(name: String, plaintext: &str, created_at: Millis, expires_at: Option<Millis>) -> Self {
        let hint = plaintext.chars().take(HINT_LEN).collect();
        Self { name, hash: digest_hex(plaintext), hint, created_at, expires_at }
    }

    /// What the Management API shows as `value` once the plaintext is gone: the hint, masked.
    pub fn masked_value(&self) -> String {
        let mut out = self.hint.clone();
        out.extend(std::iter::repeat_n('*', SECRET_LEN.saturating_sub(self.hint.chars().count())));
        out
    }

    pub fn is_expired(&self, now: Millis) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

/// A fresh secret: 32 characters of `[0-9A-Za-z]`.
pub fn generate(rng: &dyn Rng) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity(SECRET_LEN);
    let mut byte = [0u8; 1];
    while out.len() < SECRET_LEN {
        rng.fill(&mut byte);
        // Rejection sampling keeps the distribution uniform (248 = 4 * 62).
        if byte[0] < 248
            && let Some(c) = ALPHABET.get(usize::from(byte[0] % 62))
        {
            out.push(char::from(*c));
        }
    }
    out
}

fn digest_hex(plaintext: &str) -> String {
    let digest = Sha256::digest(plaintext.as_bytes());
    // Per nibble, not `format!` per byte: this runs on every token request (oidc helper).
    let mut out = String::with_capacity(64);
    for b in digest {
        out.extend([b >> 4, b & 0xf].map(|n| char::from_digit(u32::from(n), 16).unwrap_or('0')));
    }
    out
}

/// Compare against every stored secret without an early exit, each comparison in constant time.
pub(crate) fn verify(secrets: &[StoredSecret], presented: &str, now: Millis) -> SecretCheck {
    let presented = digest_hex(presented);
    let mut valid = false;
    let mut expired = false;
    for secret in secrets {
        let matches: bool = secret.hash.as_bytes().ct_eq(presented.as_bytes()).into();
        if matches {
            if secret.is_expired(now) {
                expired = true;
            } else {
                valid = true;
            }
        }
    }
    if valid {
        SecretCheck::Valid
    } else if expired {
        SecretCheck::Expired
    } else {
        SecretCheck::Wrong
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::SeededRng;

    #[test]
    fn generated_secrets_are_32_alphanumerics_and_differ() {
        let rng = SeededRng::new(7);
        let a = generate(&rng);
        let b = generate(&rng);
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn only_the_hash_is_kept_and_it_verifies() {
        let stored = StoredSecret::new("s".into(), "abcdEFGH1234", 0, None);
        assert!(!stored.hash.contains("abcdEFGH1234"));
        assert_eq!(stored.masked_value(), format!("abcd{}", "*".repeat(28)));
        assert_eq!(verify(std::slice::from_ref(&stored), "abcdEFGH1234", 10), SecretCheck::Valid);
        assert_eq!(verify(std::slice::from_ref(&stored), "abcdEFGH1235", 10), SecretCheck::Wrong);
        assert_eq!(verify(&[], "abcdEFGH1234", 10), SecretCheck::Wrong);
    }

    #[test]
    fn expiry_is_reported_unless_another_secret_is_valid() {
        let old = StoredSecret::new("old".into(), "same", 0, Some(100));
        assert_eq!(verify(std::slice::from_ref(&old), "same", 99), SecretCheck::Valid);
        assert_eq!(verify(std::slice::from_ref(&old), "same", 100), SecretCheck::Expired);
        let fresh = StoredSecret::new("new".into(), "same", 0, None);
        assert_eq!(verify(&[old, fresh], "same", 100), SecretCheck::Valid);
    }
}
