//! Argon2 (RFC 9106): Argon2d, Argon2i and Argon2id, versions 0x10 and 0x13, any number of
//! lanes, optional secret and associated data.
//!
//! Our own implementation rather than the RustCrypto `argon2` crate (which stays a
//! dev-dependency, as the oracle of the differential tests): the sign-in benchmark spends
//! ~93 % of a password sign-in in this hash, and the crate runs it ~45 % slower than the
//! reference C code's AVX2 build (12 ms vs 8.3 at edgeid's parameters). Ours ([`compress`])
//! uses the reference's vector layout, on AVX2 registers when the build enables them
//! (`avx2.rs`, through `safe_arch`) and as `[u64; 4]` arithmetic elsewhere, and writes each
//! new block straight into memory (no per-block copies): ~7.6 ms. The digests are the same
//! bit for bit (RFC test vectors, differential tests against the crate in `tests.rs`).
//!
//! - [`Argon2::new`] checks the parameters the way the crate does, so a digest the crate
//!   refused is still refused;
//! - [`Argon2::hash_into`] runs H0 → first blocks ([`hprime`]) → [`fill`] → final H′, on
//!   caller-provided memory (edgeid-core reuses one buffer between runs);
//! - [`check_cpu`] tells a host whether this CPU can run an x86-64-v3 build.

#[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
mod avx2;
mod block;
mod compress;
mod fill;
mod hprime;
#[cfg(any(
    test,
    not(any(
        all(target_arch = "x86_64", target_feature = "avx2"),
        all(target_arch = "wasm32", target_feature = "simd128")
    ))
))]
mod scalar;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128;
#[cfg(test)]
mod tests;
mod vector;

use blake2::Blake2b512;
use blake2::digest::Digest as _;

pub use block::Block;

/// Argon2's type `y` (its value is hashed into H0 and the address blocks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    D = 0,
    I = 1,
    Id = 2,
}

impl Variant {
    /// The PHC identifier (`argon2d`, `argon2i`, `argon2id`).
    pub fn ident(self) -> &'static str {
        match self {
            Variant::D => "argon2d",
            Variant::I => "argon2i",
            Variant::Id => "argon2id",
        }
    }

    pub fn from_ident(ident: &str) -> Option<Self> {
        [Variant::D, Variant::I, Variant::Id].into_iter().find(|v| v.ident() == ident)
    }
}

/// 0x10 overwrites blocks on later passes; 0x13 (the RFC's, PHC `v=19`) xors into them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    V0x10 = 0x10,
    V0x13 = 0x13,
}

impl Version {
    pub fn from_number(n: u32) -> Option<Self> {
        match n {
            0x10 => Some(Version::V0x10),
            0x13 => Some(Version::V0x13),
            _ => None,
        }
    }
}

/// Why a run could not be made (the `argon2` crate refuses the same inputs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// `m` below 8 blocks per lane.
    MemoryTooLittle,
    /// `t` is 0.
    NoPasses,
    /// `p` outside 1..=2²⁴−1.
    Lanes,
    /// Tag shorter than 4 bytes or longer than 2³²−1.
    OutputLength,
    /// Salt shorter than 8 bytes.
    SaltTooShort,
    /// An input longer than 2³²−1 bytes.
    InputTooLong,
    /// The memory passed in is smaller than [`Argon2::block_count`].
    Memory,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Error::MemoryTooLittle => "memory cost below 8 KiB per lane",
            Error::NoPasses => "time cost is 0",
            Error::Lanes => "parallelism outside 1..=16777215",
            Error::OutputLength => "tag length outside 4..=4294967295",
            Error::SaltTooShort => "salt shorter than 8 bytes",
            Error::InputTooLong => "input longer than 4294967295 bytes",
            Error::Memory => "working memory too small",
        })
    }
}

const MIN_SALT_LEN: usize = 8;
const MIN_OUTPUT_LEN: usize = 4;
const MAX_LANES: u32 = 0xff_ffff;

/// One Argon2 configuration: variant, version, costs and the optional secret (K) and
/// associated data (X) of H0.
#[derive(Clone, Copy, Debug)]
pub struct Argon2<'a> {
    variant: Variant,
    version: Version,
    /// Memory in KiB (= blocks), as given (H0 hashes it before rounding).
    m: u32,
    t: u32,
    p: u32,
    secret: &'a [u8],
    data: &'a [u8],
}

impl<'a> Argon2<'a> {
    pub fn new(variant: Variant, version: Version, m: u32, t: u32, p: u32) -> Result<Self, Error> {
        if p == 0 || p > MAX_LANES {
            return Err(Error::Lanes);
        }
        if m < 8 || u64::from(m) < 8 * u64::from(p) {
            return Err(Error::MemoryTooLittle);
        }
        if t == 0 {
            return Err(Error::NoPasses);
        }
        Ok(Argon2 { variant, version, m, t, p, secret: &[], data: &[] })
    }

    /// The secret K (a pepper), hashed into H0.
    pub fn with_secret(self, secret: &'a [u8]) -> Self {
        Argon2 { secret, ..self }
    }

    /// The associated data X (PHC `data=`), hashed into H0.
    pub fn with_data(self, data: &'a [u8]) -> Self {
        Argon2 { data, ..self }
    }

    /// How many blocks [`Self::hash_into`] needs.
    pub fn block_count(&self) -> usize {
        fill::Geometry::new(self.m, self.p).blocks
    }

    pub fn passes(&self) -> u32 {
        self.t
    }

    /// The tag of `password` and `salt` into `out` (its length is the tag length), using the
    /// first [`Self::block_count`] blocks of `memory` (their contents do not matter).
    pub fn hash_into(&self, password: &[u8], salt: &[u8], out: &mut [u8], memory: &mut [Block]) -> Result<(), Error> {
        if out.len() < MIN_OUTPUT_LEN || u32::try_from(out.len()).is_err() {
            return Err(Error::OutputLength);
        }
        if salt.len() < MIN_SALT_LEN {
            return Err(Error::SaltTooShort);
        }
        let geometry = fill::Geometry::new(self.m, self.p);
        let memory = memory.get_mut(..geometry.blocks).ok_or(Error::Memory)?;
        let h0 = self.h0(password, salt, out.len())?;
        // B[l][0] = H′(H0 ‖ 0 ‖ l), B[l][1] = H′(H0 ‖ 1 ‖ l).
        for (lane, blocks) in memory.chunks_exact_mut(geometry.lane_length).enumerate() {
            let lane = u32::try_from(lane).map_err(|_| Error::Lanes)?.to_le_bytes();
            for (i, block) in blocks.iter_mut().take(2).enumerate() {
                let mut bytes = [0u8; block::BYTES];
                let i = if i == 0 { 0u32 } else { 1 };
                hprime::hprime(&[&h0, &i.to_le_bytes(), &lane], &mut bytes);
                *block = Block::from_bytes(&bytes);
            }
        }
        fill::fill(self, &geometry, memory)?;
        // C = xor of every lane's last block; tag = H′(C).
        let mut last = Block::default();
        for lane in memory.chunks_exact(geometry.lane_length) {
            last.xor_assign(lane.last().ok_or(Error::Memory)?);
        }
        if hprime::hprime(&[&last.to_bytes()], out) { Ok(()) } else { Err(Error::OutputLength) }
    }

    /// H0 = BLAKE2b-512(p ‖ T ‖ m ‖ t ‖ v ‖ y ‖ len P ‖ P ‖ len S ‖ S ‖ len K ‖ K ‖ len X ‖ X),
    /// numbers as 32-bit little-endian.
    fn h0(&self, password: &[u8], salt: &[u8], tag_len: usize) -> Result<[u8; 64], Error> {
        let len = |bytes: &[u8]| u32::try_from(bytes.len()).map(u32::to_le_bytes).map_err(|_| Error::InputTooLong);
        let mut h = Blake2b512::new();
        for number in [self.p, tag_len as u32, self.m, self.t, self.version as u32, self.variant as u32] {
            h.update(number.to_le_bytes());
        }
        for input in [password, salt, self.secret, self.data] {
            h.update(len(input)?);
            h.update(input);
        }
        Ok(h.finalize().into())
    }
}

/// Whether this CPU runs what this build was compiled for. Native x86_64 builds target
/// x86-64-v3 (`.cargo/config.toml`) for the AVX2 compression; on an older CPU the first AVX2
/// instruction would kill the process with SIGILL, so the hosts call this first thing in
/// `main` and refuse to start with the message instead. Always `Ok` on other targets.
pub fn check_cpu() -> Result<(), String> {
    #[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
    {
        // Everything x86-64-v3 adds to the baseline that LLVM may use anywhere in the build.
        let missing: Vec<&str> = [
            ("avx", std::is_x86_feature_detected!("avx")),
            ("avx2", std::is_x86_feature_detected!("avx2")),
            ("bmi1", std::is_x86_feature_detected!("bmi1")),
            ("bmi2", std::is_x86_feature_detected!("bmi2")),
            ("fma", std::is_x86_feature_detected!("fma")),
            ("f16c", std::is_x86_feature_detected!("f16c")),
            ("lzcnt", std::is_x86_feature_detected!("lzcnt")),
            ("movbe", std::is_x86_feature_detected!("movbe")),
        ]
        .into_iter()
        .filter(|(_, present)| !present)
        .map(|(name, _)| name)
        .collect();
        if !missing.is_empty() {
            return Err(format!(
                "this build needs an x86-64-v3 CPU (AVX2, 2013 or later); this one lacks {}. \
                 Rebuild without `target-cpu=x86-64-v3` in .cargo/config.toml for a portable \
                 (slower) binary.",
                missing.join(", ")
            ));
        }
    }
    Ok(())
}
