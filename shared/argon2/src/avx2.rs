//! The AVX2 backend of [`super::compress`]: one 256-bit register per four lanes, with the
//! reference implementation's instruction choices (`blamka-round-opt.h`): `vpmuludq` for
//! BlaMka, `vpshufd`/`vpshufb` for the 32/24/16-bit rotations, `vpermq`/`vpblendd` for the
//! diagonals.
//!
//! Only compiled when AVX2 is enabled for the whole build (`target-cpu=x86-64-v3` in
//! `.cargo/config.toml`). The intrinsics come through `safe_arch`, whose safe wrappers exist
//! exactly when the build enables the feature: `core::arch`'s AVX2 functions may only be
//! called without `unsafe` from functions that carry `#[target_feature(enable = "avx2")]`
//! themselves (Rust 1.95 does not count the build-wide flag), and such a function can only
//! be entered from plain code through an `unsafe` call, which the workspace forbids.

use safe_arch::{
    add_i64_m256i, bitxor_m256i, blend_imm_i32_m256i, m256i, mul_u64_low_bits_m256i, shr_imm_u64_m256i,
    shuffle_ai_i32_half_m256i, shuffle_ai_i64_all_m256i, shuffle_av_i8z_half_m256i,
};

use super::block::Lanes;
use super::vector::Vector;

/// `vpshufb` masks rotating each 64-bit lane right by 24 and by 16 bits.
#[rustfmt::skip]
const ROTR24: [u8; 32] = [
    3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10,
    3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10,
];
#[rustfmt::skip]
const ROTR16: [u8; 32] = [
    2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9,
    2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9,
];

#[derive(Clone, Copy)]
pub struct Avx2(m256i);

impl Vector for Avx2 {
    #[inline(always)]
    fn zero() -> Self {
        Avx2(m256i::default())
    }

    #[inline(always)]
    fn load(x: Lanes) -> Self {
        Avx2(m256i::from(x))
    }

    #[inline(always)]
    fn store(self) -> Lanes {
        self.0.into()
    }

    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        Avx2(bitxor_m256i(self.0, other.0))
    }

    #[inline(always)]
    fn blamka(self, other: Self) -> Self {
        let m = mul_u64_low_bits_m256i(self.0, other.0);
        Avx2(add_i64_m256i(add_i64_m256i(self.0, other.0), add_i64_m256i(m, m)))
    }

    #[inline(always)]
    fn rotr32(self) -> Self {
        // Swap the 32-bit halves of each lane.
        Avx2(shuffle_ai_i32_half_m256i::<0b10_11_00_01>(self.0))
    }

    #[inline(always)]
    fn rotr24(self) -> Self {
        Avx2(shuffle_av_i8z_half_m256i(self.0, m256i::from(ROTR24)))
    }

    #[inline(always)]
    fn rotr16(self) -> Self {
        Avx2(shuffle_av_i8z_half_m256i(self.0, m256i::from(ROTR16)))
    }

    #[inline(always)]
    fn rotr63(self) -> Self {
        // (x >> 63) ^ (x + x): the add is cheaper than a left shift on most cores.
        Avx2(bitxor_m256i(shr_imm_u64_m256i::<63>(self.0), add_i64_m256i(self.0, self.0)))
    }

    #[inline(always)]
    fn lanes_left_1(self) -> Self {
        Avx2(shuffle_ai_i64_all_m256i::<0b00_11_10_01>(self.0))
    }

    #[inline(always)]
    fn lanes_left_2(self) -> Self {
        Avx2(shuffle_ai_i64_all_m256i::<0b01_00_11_10>(self.0))
    }

    #[inline(always)]
    fn lanes_left_3(self) -> Self {
        Avx2(shuffle_ai_i64_all_m256i::<0b10_01_00_11>(self.0))
    }

    #[inline(always)]
    fn interleave_swap(self, y: Self) -> Self {
        // [y0, x1, y2, x3], then swap the lanes of each pair.
        Avx2(shuffle_ai_i64_all_m256i::<0b10_11_00_01>(blend_imm_i32_m256i::<0b1100_1100>(y.0, self.0)))
    }
}
