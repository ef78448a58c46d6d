//! Logto's `Legacy` digests: a JSON expression `["<alg>", ["<arg>", …, "@", …], "<expected>"]`
//! whose `@` args stand for the password (`packages/core/src/utils/password.ts`).
//!
//! Supported: Node `crypto.createHash` algorithms of the MD5/SHA families (hex output of the
//! concatenated args) and `pbkdf2`/`pbkdf2Sync` (`[salt, iterations, keylen, digest]`, salt may
//! be `hex:<hex>`). Logto's `firebase-scrypt` is not supported (refused at import, with
//! Logto's `unsupported_legacy_hash_algorithm`).

use sha2::Digest as _;

use super::{ImportError, hex_eq};

/// A parsed expression.
pub(super) struct Expression {
    algorithm: String,
    args: Vec<String>,
    expected: String,
}

/// Node hash names (case-insensitive in OpenSSL) we can compute.
#[derive(Clone, Copy)]
enum Hash {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "md5" => Some(Self::Md5),
            "sha1" | "sha-1" => Some(Self::Sha1),
            "sha224" | "sha-224" => Some(Self::Sha224),
            "sha256" | "sha-256" => Some(Self::Sha256),
            "sha384" | "sha-384" => Some(Self::Sha384),
            "sha512" | "sha-512" => Some(Self::Sha512),
            _ => None,
        }
    }

    fn digest(self, input: &[u8]) -> Vec<u8> {
        match self {
            Self::Md5 => md5::Md5::digest(input).to_vec(),
            Self::Sha1 => sha1::Sha1::digest(input).to_vec(),
            Self::Sha224 => sha2::Sha224::digest(input).to_vec(),
            Self::Sha256 => sha2::Sha256::digest(input).to_vec(),
            Self::Sha384 => sha2::Sha384::digest(input).to_vec(),
            Self::Sha512 => sha2::Sha512::digest(input).to_vec(),
        }
    }

    fn pbkdf2(self, password: &[u8], salt: &[u8], rounds: u32, out: &mut [u8]) -> bool {
        match self {
            Self::Md5 => pbkdf2::pbkdf2_hmac::<md5::Md5>(password, salt, rounds, out),
            Self::Sha1 => pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt, rounds, out),
            Self::Sha224 => pbkdf2::pbkdf2_hmac::<sha2::Sha224>(password, salt, rounds, out),
            Self::Sha256 => pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, rounds, out),
            Self::Sha384 => pbkdf2::pbkdf2_hmac::<sha2::Sha384>(password, salt, rounds, out),
            Self::Sha512 => pbkdf2::pbkdf2_hmac::<sha2::Sha512>(password, salt, rounds, out),
        }
        true
    }
}

fn is_pbkdf2(algorithm: &str) -> bool {
    algorithm == "pbkdf2Sync" || algorithm == "pbkdf2"
}

/// PBKDF2 bounds: an import must not make one sign-in arbitrarily expensive.
const MAX_PBKDF2_ROUNDS: u32 = 10_000_000;
const MAX_PBKDF2_KEYLEN: usize = 1024;

/// Parse and check an expression as Logto does at import.
pub(super) fn parse(digest: &str) -> Result<Expression, ImportError> {
    let Ok((algorithm, args, expected)) = serde_json::from_str::<(String, Vec<String>, String)>(digest) else {
        return Err(ImportError::InvalidLegacyFormat);
    };
    if !args.iter().any(|a| a == "@") {
        return Err(ImportError::InvalidLegacyFormat);
    }
    if is_pbkdf2(&algorithm) {
        if let Some(salt) = args.first() {
            parse_salt(salt)?;
        }
    } else if Hash::parse(&algorithm).is_none() {
        return Err(ImportError::UnsupportedLegacyAlgorithm(algorithm));
    }
    Ok(Expression { algorithm, args, expected })
}

fn parse_salt(salt: &str) -> Result<Vec<u8>, ImportError> {
    let Some(hex) = salt.strip_prefix("hex:") else {
        return Ok(salt.as_bytes().to_vec());
    };
    if hex.is_empty() || hex.len() % 2 != 0 {
        return Err(ImportError::InvalidLegacyFormat);
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| hex.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect::<Option<Vec<u8>>>()
        .ok_or(ImportError::InvalidLegacyFormat)
}

/// Logto's `legacyVerify`: any error is a mismatch.
pub(super) fn verify(digest: &str, password: &str) -> bool {
    let Ok(expr) = parse(digest) else {
        return false;
    };
    let resolved: Vec<&str> = expr.args.iter().map(|a| if a == "@" { password } else { a.as_str() }).collect();
    if is_pbkdf2(&expr.algorithm) {
        // Logto reads the first four resolved args; the `@` it insists on may come after them.
        let Some([salt, rounds, keylen, hash]) = resolved.get(..4) else {
            return false;
        };
        let (Ok(salt), Ok(rounds), Ok(keylen), Some(hash)) =
            (parse_salt(salt), rounds.parse::<u32>(), keylen.parse::<usize>(), Hash::parse(hash))
        else {
            return false;
        };
        if rounds == 0 || rounds > MAX_PBKDF2_ROUNDS || keylen == 0 || keylen > MAX_PBKDF2_KEYLEN {
            return false;
        }
        let mut out = vec![0u8; keylen];
        return hash.pbkdf2(password.as_bytes(), &salt, rounds, &mut out) && hex_eq(&out, &expr.expected);
    }
    let Some(hash) = Hash::parse(&expr.algorithm) else {
        return false;
    };
    hex_eq(&hash.digest(resolved.concat().as_bytes()), &expr.expected)
}
