//! Password hashing (Logto's `users.password_encrypted` + `password_encryption_method`).
//!
//! New hashes are Argon2id at an OWASP row (see [`PARAMS`]); Logto's own Argon2i hashes and
//! imported legacy digests (Argon2i/d/id, bcrypt, MD5, SHA-1, SHA-256 and Logto's `Legacy`
//! JSON expression) verify as they do in Logto, and [`Check::Upgrade`] tells the caller to
//! store a fresh Argon2id hash after a successful sign-in. Unknown users and fast (unsalted)
//! digests burn one Argon2id verification on failure ([`burn_decoy`]), so the response time
//! does not tell who exists or how their password is stored.

mod bcrypt;
mod legacy;
mod scratch;

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm as Variant, Argon2, Params, Version};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use subtle::ConstantTimeEq as _;

use crate::error::Internal;
use crate::ports::Rng;

/// Logto's `users_password_encryption_method` enum (wire names are the variant names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Algorithm {
    Argon2i,
    Argon2id,
    Argon2d,
    #[serde(rename = "SHA1")]
    Sha1,
    #[serde(rename = "SHA256")]
    Sha256,
    #[serde(rename = "MD5")]
    Md5,
    Bcrypt,
    Legacy,
}

impl Algorithm {
    pub const ALL: [Algorithm; 8] =
        [Self::Argon2i, Self::Argon2id, Self::Argon2d, Self::Sha1, Self::Sha256, Self::Md5, Self::Bcrypt, Self::Legacy];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Argon2i => "Argon2i",
            Self::Argon2id => "Argon2id",
            Self::Argon2d => "Argon2d",
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
            Self::Md5 => "MD5",
            Self::Bcrypt => "Bcrypt",
            Self::Legacy => "Legacy",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Digests that reject a wrong password much faster than Argon2 (Logto's
    /// `fastPasswordEncryptionMethods`): a failure against them is padded with a decoy.
    fn is_fast(self) -> bool {
        matches!(self, Self::Md5 | Self::Sha1 | Self::Sha256 | Self::Legacy)
    }
}

/// Argon2id at OWASP's 12 MiB / 3 passes / 1 lane row (Password Storage Cheat Sheet: m=12288,
/// t=3, p=1 is equivalent to m=19456, t=2). Chosen as the fastest of the rows that does not
/// drop below 12 MiB of memory hardness: ~15 ms per hash natively on the CI box, which keeps
/// password sign-ins above 45/s/core (issue 5).
pub const PARAMS: (u32, u32, u32) = (12_288, 3, 1);
const SALT_LEN: usize = 16;
const OUTPUT_LEN: usize = 32;

/// Imported Argon2 digests above these bounds are refused at verification: an admin import must
/// not be able to make one sign-in cost a gigabyte or seconds of CPU.
const MAX_MEMORY_KIB: u32 = 262_144;
const MAX_PASSES: u32 = 16;
const MAX_LANES: u32 = 4;

fn argon2id() -> Result<Argon2<'static>, Internal> {
    let (m, t, p) = PARAMS;
    let params = Params::new(m, t, p, Some(OUTPUT_LEN)).map_err(|e| Internal::Bug(format!("argon2 params: {e}")))?;
    Ok(Argon2::new(Variant::Argon2id, Version::V0x13, params))
}

/// A stored password: digest + how it was made (both `None` on a user without password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stored {
    pub digest: String,
    pub algorithm: Algorithm,
}

/// A fresh Argon2id hash of `password` in PHC form (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`).
pub fn hash(rng: &dyn Rng, password: &str) -> Result<Stored, Internal> {
    let mut salt = [0u8; SALT_LEN];
    rng.fill(&mut salt);
    let argon = argon2id()?;
    let mut out = [0u8; OUTPUT_LEN];
    run(&argon, password.as_bytes(), &salt, &mut out).map_err(bug)?;
    let phc = PasswordHash {
        algorithm: Variant::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: argon2::password_hash::phc::ParamsString::try_from(argon.params()).map_err(bug)?,
        salt: Some(argon2::password_hash::phc::Salt::new(&salt).map_err(bug)?),
        hash: Some(argon2::password_hash::phc::Output::new(&out).map_err(bug)?),
    };
    Ok(Stored { digest: phc.to_string(), algorithm: Algorithm::Argon2id })
}

fn bug(e: impl std::fmt::Display) -> Internal {
    Internal::Bug(format!("argon2 hash: {e}"))
}

/// One Argon2 run of `argon` into `out`, on the reused working memory ([`scratch`]).
fn run(argon: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> argon2::Result<()> {
    let params = argon.params();
    scratch::with_blocks(params.block_count(), params.t_cost(), |memory| {
        argon.hash_password_into_with_memory(password, salt, out, memory)
    })
}

/// The outcome of checking a password against a stored digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Right password, stored at current strength.
    Valid,
    /// Right password, but the digest is legacy or weaker than [`PARAMS`]: store a new
    /// [`hash`] of the password (Logto migrates every non-default digest on success).
    Upgrade,
    /// Wrong password (or an unusable digest). The time spent is at least one Argon2id run.
    Invalid,
}

impl Check {
    pub fn is_valid(self) -> bool {
        !matches!(self, Check::Invalid)
    }
}

/// Verify `password` against `stored`. Never fails: a digest that cannot be parsed is simply a
/// mismatch (Logto's `isPasswordValid` returns false, too). Failures against fast digests and
/// against no digest at all run the decoy so they cost as much as an Argon2 failure.
pub fn verify(stored: Option<&Stored>, password: &str) -> Check {
    let Some(stored) = stored else {
        burn_decoy(password);
        return Check::Invalid;
    };
    let ok = matches_digest(stored, password);
    match (ok, stored.algorithm) {
        (false, algorithm) => {
            if algorithm.is_fast() {
                burn_decoy(password);
            }
            Check::Invalid
        }
        (true, Algorithm::Argon2id) if is_current(&stored.digest) => Check::Valid,
        (true, _) => Check::Upgrade,
    }
}

fn matches_digest(stored: &Stored, password: &str) -> bool {
    let digest = stored.digest.as_str();
    let pwd = password.as_bytes();
    match stored.algorithm {
        Algorithm::Argon2i | Algorithm::Argon2id | Algorithm::Argon2d => verify_argon2(digest, pwd),
        // hash-wasm's hex output is lowercase; Logto compares strings exactly.
        Algorithm::Md5 => hex_eq(&md5::Md5::digest(pwd), digest),
        Algorithm::Sha1 => hex_eq(&sha1::Sha1::digest(pwd), digest),
        Algorithm::Sha256 => hex_eq(&sha2::Sha256::digest(pwd), digest),
        Algorithm::Bcrypt => bcrypt::verify(pwd, digest),
        Algorithm::Legacy => legacy::verify(digest, password),
    }
}

fn verify_argon2(digest: &str, password: &[u8]) -> bool {
    let Ok(phc) = PasswordHash::new(digest) else {
        return false;
    };
    let bounded = ["m", "t", "p"]
        .iter()
        .zip([MAX_MEMORY_KIB, MAX_PASSES, MAX_LANES])
        .all(|(name, max)| phc.params.get_decimal(*name).is_some_and(|v| v <= max));
    if !bounded {
        return false;
    }
    // What `PasswordVerifier::verify_password` does, on the reused memory: the digest's own
    // variant, version (default 0x13), parameters and output length, compared in constant time.
    let (Some(salt), Some(expected)) = (&phc.salt, &phc.hash) else {
        return false;
    };
    let Ok(variant) = Variant::try_from(phc.algorithm.as_str()) else {
        return false;
    };
    let Ok(version) = phc.version.map_or(Ok(Version::V0x13), Version::try_from) else {
        return false;
    };
    let Ok(params) = Params::try_from(&phc) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(variant, version, params);
    run(&argon, password, salt.as_ref(), &mut out).is_ok() && out.as_slice().ct_eq(expected.as_bytes()).into()
}

/// Whether an Argon2id digest was made with [`PARAMS`] (else it is upgraded on success).
fn is_current(digest: &str) -> bool {
    let (m, t, p) = PARAMS;
    PasswordHash::new(digest).is_ok_and(|phc| {
        phc.params.get_decimal("m") == Some(m)
            && phc.params.get_decimal("t") == Some(t)
            && phc.params.get_decimal("p") == Some(p)
    })
}

pub(crate) fn hex_eq(bytes: &[u8], expected: &str) -> bool {
    use std::fmt::Write as _;
    let mut hex = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(hex, "{b:02x}");
    }
    hex.as_bytes().ct_eq(expected.as_bytes()).into()
}

/// One Argon2id computation at [`PARAMS`] whose result is thrown away: what a failed
/// verification costs, for unknown users and fast digests (Logto's `runDecoyArgon2Verify`).
/// The experience group calls it when an identifier matches no user.
pub fn burn_decoy(password: &str) {
    const DECOY_SALT: &[u8; SALT_LEN] = b"edgeid-decoy-slt";
    let mut out = [0u8; OUTPUT_LEN];
    if let Ok(argon) = argon2id() {
        let _ = run(&argon, password.as_bytes(), DECOY_SALT, &mut out);
    }
    std::hint::black_box(out);
}

/// Why a `passwordDigest` + `passwordAlgorithm` pair cannot be imported (Logto checks only the
/// `Legacy` expression at creation; every other digest is stored as given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    /// 400 `password.invalid_legacy_password_format`.
    InvalidLegacyFormat,
    /// 400 `password.unsupported_legacy_hash_algorithm` (`{algorithm}`).
    UnsupportedLegacyAlgorithm(String),
}

/// Check an imported digest the way Logto's `POST /api/users` does.
pub fn check_import(digest: &str, algorithm: Algorithm) -> Result<Stored, ImportError> {
    if algorithm == Algorithm::Legacy {
        legacy::parse(digest)?;
    }
    Ok(Stored { digest: digest.to_owned(), algorithm })
}

#[cfg(test)]
mod tests;
