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

pub use edgeid_argon2::check_cpu;
use edgeid_argon2::{Argon2, Variant, Version};
use phc::PasswordHash;
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
/// drop below 12 MiB of memory hardness: ~7.6 ms per hash natively on the CI box with
/// `edgeid-argon2`'s AVX2 code (~12 ms with the RustCrypto crate), which keeps password sign-ins
/// well above 45/s/core (issue 5).
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
    Argon2::new(Variant::Id, Version::V0x13, m, t, p).map_err(|e| Internal::Bug(format!("argon2 params: {e}")))
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
    let (m, t, p) = PARAMS;
    let mut params = phc::ParamsString::new();
    for (name, value) in [("m", m), ("t", t), ("p", p)] {
        params.add_decimal(name, value).map_err(bug)?;
    }
    let phc = PasswordHash {
        algorithm: phc::Ident::new(Variant::Id.ident()).map_err(bug)?,
        version: Some(Version::V0x13 as u32),
        params,
        salt: Some(phc::Salt::new(&salt).map_err(bug)?),
        hash: Some(phc::Output::new(&out).map_err(bug)?),
    };
    Ok(Stored { digest: phc.to_string(), algorithm: Algorithm::Argon2id })
}

fn bug(e: impl std::fmt::Display) -> Internal {
    Internal::Bug(format!("argon2 hash: {e}"))
}

/// One Argon2 run of `argon` into `out`, on the reused working memory ([`scratch`]).
fn run(argon: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> Result<(), edgeid_argon2::Error> {
    scratch::with_blocks(argon.block_count(), argon.passes(), |memory| argon.hash_into(password, salt, out, memory))
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
    // What the `argon2` crate's `PasswordVerifier::verify_password` does, on the reused
    // memory: the digest's own variant, version (default 0x13), parameters (`m`, `t`, `p`, an
    // ignored `keyid` of up to 8 bytes, associated `data` of up to 32) and output length,
    // compared in constant time. Anything else in the string makes it unusable.
    let (Some(salt), Some(expected)) = (&phc.salt, &phc.hash) else {
        return false;
    };
    let Some(variant) = Variant::from_ident(phc.algorithm.as_str()) else {
        return false;
    };
    let Some(version) = phc.version.map_or(Some(Version::V0x13), Version::from_number) else {
        return false;
    };
    let (mut m, mut t, mut p) = (None, None, None);
    let mut data_value = None;
    for (name, value) in phc.params.iter() {
        let ok = match name.as_str() {
            "m" => value.decimal().map(|v| m = Some(v)).is_ok(),
            "t" => value.decimal().map(|v| t = Some(v)).is_ok(),
            "p" => value.decimal().map(|v| p = Some(v)).is_ok(),
            "keyid" => value.b64_decode(&mut [0u8; 8]).is_ok(),
            "data" => {
                data_value = Some(value);
                true
            }
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    // The crate's defaults for absent costs (19 MiB, 2 passes, 1 lane); `bounded` above has
    // already refused digests without all three, so they never apply in practice.
    let Ok(argon) = Argon2::new(variant, version, m.unwrap_or(19 * 1024), t.unwrap_or(2), p.unwrap_or(1)) else {
        return false;
    };
    let mut data = [0u8; 32];
    let data = match data_value.map(|value| value.b64_decode(&mut data)) {
        None => &[][..],
        Some(Ok(data)) => data,
        Some(Err(_)) => return false,
    };
    let argon = argon.with_data(data);
    let mut out = vec![0u8; expected.len()];
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
