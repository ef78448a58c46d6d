//! H′, Argon2's variable-length hash (RFC 9106 §3.3) over BLAKE2b.
//!
//! Up to 64 bytes it is BLAKE2b with that digest length (a different hash from a truncated
//! BLAKE2b-512: the length is in BLAKE2b's parameter block). Longer outputs chain BLAKE2b-512
//! and keep the first half of each link; the last link has the remaining length.

use blake2::Blake2b512;
use blake2::digest::Digest as _;
use blake2::digest::block_api::{UpdateCore as _, VariableOutputCore as _};
use blake2::digest::block_buffer::LazyBuffer;

/// BLAKE2b with a digest of `out.len()` (1..=64) bytes over the concatenation of `inputs`.
/// Returns false if `out` has no valid BLAKE2b length.
fn blake2b(inputs: &[&[u8]], out: &mut [u8]) -> bool {
    let Ok(mut core) = blake2::Blake2bVarCore::new(out.len()) else {
        return false;
    };
    let mut buffer = LazyBuffer::new(&[]);
    for input in inputs {
        buffer.digest_blocks(input, |blocks| core.update_blocks(blocks));
    }
    let mut full = Default::default();
    core.finalize_variable_core(&mut buffer, &mut full);
    match full.get(..out.len()) {
        Some(digest) => {
            out.copy_from_slice(digest);
            true
        }
        None => false,
    }
}

/// `out ← H′^len(out)(inputs…)`. False only for an empty or over-long (> 2³²−1) `out`.
pub fn hprime(inputs: &[&[u8]], out: &mut [u8]) -> bool {
    let Ok(len) = u32::try_from(out.len()) else {
        return false;
    };
    let len = len.to_le_bytes();
    if out.len() <= 64 {
        let mut all = Vec::with_capacity(inputs.len() + 1);
        all.push(&len[..]);
        all.extend_from_slice(inputs);
        return blake2b(&all, out);
    }
    let mut digest = Blake2b512::new();
    digest.update(len);
    for input in inputs {
        digest.update(input);
    }
    let mut link = digest.finalize();
    let (first, mut rest) = out.split_at_mut(32);
    first.copy_from_slice(link.get(..32).unwrap_or_default());
    while rest.len() > 64 {
        link = Blake2b512::digest(link);
        let (chunk, tail) = rest.split_at_mut(32);
        chunk.copy_from_slice(link.get(..32).unwrap_or_default());
        rest = tail;
    }
    blake2b(&[&link], rest)
}
