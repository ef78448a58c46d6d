//! bcrypt verification (`$2a$`, `$2b$`, `$2x$`, `$2y$`), for imported digests only: edgeid
//! never makes bcrypt hashes. Written over `blowfish`'s bcrypt primitives because the `bcrypt`
//! crate needs OS randomness (`getrandom`) that the wasm32 core cannot link.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use blowfish::Blowfish;
use subtle::ConstantTimeEq as _;

const BCRYPT_B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::BCRYPT,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// Largest cost accepted (2^16 rounds, ~5 s): an import cannot stall sign-ins further.
const MAX_COST: u32 = 16;

pub(super) fn verify(password: &[u8], digest: &str) -> bool {
    let Some((cost, salt, expected)) = split(digest) else {
        return false;
    };
    if !(4..=MAX_COST).contains(&cost) {
        return false;
    }
    // bcrypt hashes the NUL-terminated password, truncated to 72 bytes.
    let mut key: Vec<u8> = password.iter().copied().take(72).collect();
    if key.len() < 72 {
        key.push(0);
    }
    let out = raw(cost, &salt, &key);
    out.get(..23).is_some_and(|o| o.ct_eq(&expected).into())
}

fn split(digest: &str) -> Option<(u32, [u8; 16], [u8; 23])> {
    let rest = digest.strip_prefix('$')?;
    let (version, rest) = rest.split_once('$')?;
    if !matches!(version, "2a" | "2b" | "2x" | "2y") {
        return None;
    }
    let (cost, rest) = rest.split_once('$')?;
    if cost.len() != 2 || rest.len() != 53 || !rest.is_ascii() {
        return None;
    }
    let cost: u32 = cost.parse().ok()?;
    let (salt_b64, hash_b64) = rest.split_at_checked(22)?;
    let mut salt = [0u8; 16];
    let mut hash = [0u8; 23];
    let salt_vec = BCRYPT_B64.decode(salt_b64).ok()?;
    let hash_vec = BCRYPT_B64.decode(hash_b64).ok()?;
    salt.copy_from_slice(salt_vec.get(..16)?);
    hash.copy_from_slice(hash_vec.get(..23)?);
    Some((cost, salt, hash))
}

fn raw(cost: u32, salt: &[u8; 16], key: &[u8]) -> [u8; 24] {
    let mut state = Blowfish::bc_init_state();
    state.salted_expand_key(salt, key);
    for _ in 0..1u32 << cost {
        state.bc_expand_key(key);
        state.bc_expand_key(salt);
    }
    // "OrpheanBeholderScryDoubt"
    let mut ctext: [u32; 6] = [0x4f72_7068, 0x6561_6e42, 0x6568_6f6c, 0x6465_7253, 0x6372_7944, 0x6f75_6274];
    let mut out = [0u8; 24];
    for (pair, chunk) in ctext.chunks_exact_mut(2).zip(out.chunks_exact_mut(8)) {
        let (mut l, mut r) = (pair.first().copied().unwrap_or(0), pair.get(1).copied().unwrap_or(0));
        for _ in 0..64 {
            [l, r] = state.bc_encrypt([l, r]);
        }
        chunk.copy_from_slice(&[l.to_be_bytes(), r.to_be_bytes()].concat());
    }
    out
}
