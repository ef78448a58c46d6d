//! The operations [`super::compress`] needs on four 64-bit lanes, so that one algorithm runs
//! on several backends: portable array code ([`Lanes`], below) everywhere, AVX2 registers
//! (`avx2.rs`) when the build targets them. A backend only has to get these right; the
//! differential tests check the whole hash on each.

// Without AVX2 only the tests use the trait (`compress.rs` runs `scalar.rs` there).
#![cfg_attr(not(all(target_arch = "x86_64", target_feature = "avx2")), allow(dead_code))]

use super::block::{Lanes, xor};

pub trait Vector: Copy {
    fn zero() -> Self;
    fn load(x: Lanes) -> Self;
    fn store(self) -> Lanes;
    fn xor(self, other: Self) -> Self;
    /// BlaMka's `x + y + 2 · lo32(x) · lo32(y)` per lane.
    fn blamka(self, other: Self) -> Self;
    fn rotr32(self) -> Self;
    fn rotr24(self) -> Self;
    fn rotr16(self) -> Self;
    fn rotr63(self) -> Self;
    /// `[x1, x2, x3, x0]`, `[x2, x3, x0, x1]`, `[x3, x0, x1, x2]`.
    fn lanes_left_1(self) -> Self;
    fn lanes_left_2(self) -> Self;
    fn lanes_left_3(self) -> Self;
    /// `[x1, y0, x3, y2]`: the column rounds' diagonal step.
    fn interleave_swap(self, y: Self) -> Self;
}

impl Vector for Lanes {
    #[inline(always)]
    fn zero() -> Self {
        [0; 4]
    }

    #[inline(always)]
    fn load(x: Lanes) -> Self {
        x
    }

    #[inline(always)]
    fn store(self) -> Lanes {
        self
    }

    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        xor(self, other)
    }

    #[inline(always)]
    fn blamka(self, y: Self) -> Self {
        #[inline(always)]
        fn one(x: u64, y: u64) -> u64 {
            let m = (x & 0xffff_ffff) * (y & 0xffff_ffff);
            x.wrapping_add(y).wrapping_add(m).wrapping_add(m)
        }
        let x = self;
        [one(x[0], y[0]), one(x[1], y[1]), one(x[2], y[2]), one(x[3], y[3])]
    }

    #[inline(always)]
    fn rotr32(self) -> Self {
        self.map(|x| x.rotate_right(32))
    }

    #[inline(always)]
    fn rotr24(self) -> Self {
        self.map(|x| x.rotate_right(24))
    }

    #[inline(always)]
    fn rotr16(self) -> Self {
        self.map(|x| x.rotate_right(16))
    }

    #[inline(always)]
    fn rotr63(self) -> Self {
        self.map(|x| x.rotate_right(63))
    }

    #[inline(always)]
    fn lanes_left_1(self) -> Self {
        let x = self;
        [x[1], x[2], x[3], x[0]]
    }

    #[inline(always)]
    fn lanes_left_2(self) -> Self {
        let x = self;
        [x[2], x[3], x[0], x[1]]
    }

    #[inline(always)]
    fn lanes_left_3(self) -> Self {
        let x = self;
        [x[3], x[0], x[1], x[2]]
    }

    #[inline(always)]
    fn interleave_swap(self, y: Self) -> Self {
        let x = self;
        [x[1], y[0], x[3], y[2]]
    }
}
