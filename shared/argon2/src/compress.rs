//! Argon2's compression function G (RFC 9106 §3.5) in a vector-friendly layout.
//!
//! G(X, Y): R = X ⊕ Y; apply the BLAKE2b round P (with BlaMka's multiply) to the eight rows of
//! R seen as 8 × 16 words, then to its eight columns (pairs of words from each row), and xor
//! the result with R. The speed of the whole hash is the speed of this function (36,864 calls
//! per hash at `PARAMS`).
//!
//! The layout follows the reference implementation's AVX2 code (`opt.c`,
//! `blamka-round-opt.h`): every operand is a vector of four words, so one call of
//! [`round`] runs four G functions at once on four lanes, twice (`a0..d0` and `a1..d1`).
//! - Row rounds take two rows at a time: `a0, b0, c0, d0` are words 0–3, 4–7, 8–11, 12–15 of
//!   the first row, `a1..d1` of the second. The diagonal step rotates lanes within each vector
//!   (a `vpermq` each on AVX2).
//! - Column rounds take two columns (four words across) at a time: each vector holds the word
//!   pair of one column and of the next. The diagonal step trades lanes between the `0` and
//!   `1` vectors (a blend plus a `vpermq` each).
//!
//! The algorithm is written once, generic over [`Vector`] (four 64-bit lanes and the few
//! operations G needs), with an AVX2 backend (`avx2.rs`) for builds that enable AVX2. LLVM
//! does not vectorise the same code over plain `[u64; 4]` by itself (it left most of it
//! scalar: 14 ms per hash against 7.6), so targets without a vector backend (aarch64, wasm
//! without simd128, x86 without the flag) run `scalar.rs`, G in the RFC's own order; a backend
//! for their vectors (NEON) would plug into [`Vector`] the same way. WebAssembly with SIMD
//! runs `simd128.rs`, which has the same layout but its own loop structure (see [`compress`]).

// Without AVX2 only the tests (and future vector backends: NEON) use the generic code.
#![cfg_attr(not(all(target_arch = "x86_64", target_feature = "avx2")), allow(dead_code))]

use super::block::Block;
#[cfg(test)]
use super::block::Lanes;
use super::vector::Vector;

/// Four BLAKE2b G functions, one per lane.
#[inline(always)]
fn g<V: Vector>(a: &mut V, b: &mut V, c: &mut V, d: &mut V) {
    *a = a.blamka(*b);
    *d = d.xor(*a).rotr32();
    *c = c.blamka(*d);
    *b = b.xor(*c).rotr24();
    *a = a.blamka(*b);
    *d = d.xor(*a).rotr16();
    *c = c.blamka(*d);
    *b = b.xor(*c).rotr63();
}

/// One BLAKE2b round (columns of the 4×4 matrix, then its diagonals) on two 4×4 matrices
/// `[a0, b0, c0, d0, a1, b1, c1, d1]`, laid out as rows or as columns of the block.
///
/// Row layout: each vector is four consecutive words of one row, so the diagonals are lane
/// rotations within a vector (b by one, c by two, d by three).
///
/// Column layout: `a0 = [v0, v1, v0', v1']`, `a1 = [v2, v3, v2', v3']` (words v0..v15 of a
/// column and v0'..v15' of the next), likewise b = v4..v7, c = v8..v11, d = v12..v15. The
/// diagonals (v0,v5,v10,v15), (v1,v6,v11,v12), (v2,v7,v8,v13), (v3,v4,v9,v14) need
/// `b0 = [v5, v6, ..]`, `b1 = [v7, v4, ..]`, c0 and c1 swapped, `d0 = [v15, v12, ..]`,
/// `d1 = [v13, v14, ..]`.
#[inline(always)]
fn round<V: Vector, const COLUMNS: bool>(v: [V; 8]) -> [V; 8] {
    let [mut a0, mut b0, mut c0, mut d0, mut a1, mut b1, mut c1, mut d1] = v;
    g(&mut a0, &mut b0, &mut c0, &mut d0);
    g(&mut a1, &mut b1, &mut c1, &mut d1);
    if COLUMNS {
        (b0, b1) = (b0.interleave_swap(b1), b1.interleave_swap(b0));
        (c0, c1) = (c1, c0);
        (d0, d1) = (d1.interleave_swap(d0), d0.interleave_swap(d1));
    } else {
        (b0, b1) = (b0.lanes_left_1(), b1.lanes_left_1());
        (c0, c1) = (c0.lanes_left_2(), c1.lanes_left_2());
        (d0, d1) = (d0.lanes_left_3(), d1.lanes_left_3());
    }
    g(&mut a0, &mut b0, &mut c0, &mut d0);
    g(&mut a1, &mut b1, &mut c1, &mut d1);
    if COLUMNS {
        (b0, b1) = (b1.interleave_swap(b0), b0.interleave_swap(b1));
        (c0, c1) = (c1, c0);
        (d0, d1) = (d0.interleave_swap(d1), d1.interleave_swap(d0));
    } else {
        (b0, b1) = (b0.lanes_left_3(), b1.lanes_left_3());
        (c0, c1) = (c0.lanes_left_2(), c1.lanes_left_2());
        (d0, d1) = (d0.lanes_left_1(), d1.lanes_left_1());
    }
    [a0, b0, c0, d0, a1, b1, c1, d1]
}

/// The permutation P applied to the rows and then the columns of the block `s`.
#[inline(always)]
fn permute<V: Vector>(s: [V; 32]) -> [V; 32] {
    #[rustfmt::skip]
    let [
        mut s0, mut s1, mut s2, mut s3, mut s4, mut s5, mut s6, mut s7,
        mut s8, mut s9, mut s10, mut s11, mut s12, mut s13, mut s14, mut s15,
        mut s16, mut s17, mut s18, mut s19, mut s20, mut s21, mut s22, mut s23,
        mut s24, mut s25, mut s26, mut s27, mut s28, mut s29, mut s30, mut s31,
    ] = s;
    // Rows 2i and 2i+1 are vectors 8i..8i+8: a0 = 8i, b0 = 8i+1, …, a1 = 8i+4, ….
    [s0, s1, s2, s3, s4, s5, s6, s7] = round::<V, false>([s0, s1, s2, s3, s4, s5, s6, s7]);
    [s8, s9, s10, s11, s12, s13, s14, s15] = round::<V, false>([s8, s9, s10, s11, s12, s13, s14, s15]);
    [s16, s17, s18, s19, s20, s21, s22, s23] = round::<V, false>([s16, s17, s18, s19, s20, s21, s22, s23]);
    [s24, s25, s26, s27, s28, s29, s30, s31] = round::<V, false>([s24, s25, s26, s27, s28, s29, s30, s31]);
    // Columns 4i..4i+4 are vectors i, 4+i, …, 28+i (one per row, four words of that row):
    // a0 = row 0, a1 = row 1, b0 = row 2, b1 = row 3, and so on.
    [s0, s8, s16, s24, s4, s12, s20, s28] = round::<V, true>([s0, s8, s16, s24, s4, s12, s20, s28]);
    [s1, s9, s17, s25, s5, s13, s21, s29] = round::<V, true>([s1, s9, s17, s25, s5, s13, s21, s29]);
    [s2, s10, s18, s26, s6, s14, s22, s30] = round::<V, true>([s2, s10, s18, s26, s6, s14, s22, s30]);
    [s3, s11, s19, s27, s7, s15, s23, s31] = round::<V, true>([s3, s11, s19, s27, s7, s15, s23, s31]);
    #[rustfmt::skip]
    let out = [
        s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15,
        s16, s17, s18, s19, s20, s21, s22, s23, s24, s25, s26, s27, s28, s29, s30, s31,
    ];
    out
}

/// `out ← G(previous, reference)`, or `out ← out ⊕ G(previous, reference)` when `xor_into`
/// (passes after the first in version 0x13 xor the new block into the one it replaces).
#[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
#[inline(always)]
pub fn compress(previous: &Block, reference: &Block, out: &mut Block, xor_into: bool) {
    compress_with::<super::avx2::Avx2>(previous, reference, out, xor_into);
}

/// WebAssembly with SIMD (the Workers): `simd128.rs`, the reference's SSE layout on `i64x2`
/// vectors shaped for V8 (rows updated in place in one array; as a [`Vector`] backend, with
/// all 64 vectors as separate values, V8 spilled and ran ~20 % slower).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
pub fn compress(previous: &Block, reference: &Block, out: &mut Block, xor_into: bool) {
    super::simd128::compress(previous, reference, out, xor_into);
}

/// Without a vector backend, the scalar code in the RFC's order (`scalar.rs`): the vector
/// layout over `[u64; 4]` is correct there too, but slower (its lane shuffles become moves).
#[cfg(not(any(
    all(target_arch = "x86_64", target_feature = "avx2"),
    all(target_arch = "wasm32", target_feature = "simd128")
)))]
#[inline(always)]
pub fn compress(previous: &Block, reference: &Block, out: &mut Block, xor_into: bool) {
    super::scalar::compress(previous, reference, out, xor_into);
}

/// Loops over the 32 vectors rather than `array::map`, which LLVM leaves as an out-of-line
/// call with copies (a quarter of the run time when it did).
#[inline(always)]
fn compress_with<V: Vector>(previous: &Block, reference: &Block, out: &mut Block, xor_into: bool) {
    let mut r = [V::zero(); 32];
    for ((r, x), y) in r.iter_mut().zip(&previous.0).zip(&reference.0) {
        *r = V::load(*x).xor(V::load(*y));
    }
    // What the permuted block is finally xored with: R, and the old block if any.
    let mut outer = r;
    if xor_into {
        for (o, old) in outer.iter_mut().zip(&out.0) {
            *o = o.xor(V::load(*old));
        }
    }
    let q = permute(r);
    for ((out, q), o) in out.0.iter_mut().zip(q).zip(outer) {
        *out = q.xor(o).store();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every implementation this target can build agrees: the one in use ([`compress`]), the
    /// vector layout over `[u64; 4]`, and the scalar one.
    #[test]
    fn backends_agree() {
        let mut seed = 0x0123_4567_89ab_cdefu64;
        let mut block = || {
            let mut b = Block::default();
            for w in b.words_mut() {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                *w = seed;
            }
            b
        };
        for _ in 0..20 {
            let (previous, reference, old) = (block(), block(), block());
            for xor_into in [false, true] {
                let (mut native, mut lanes, mut scalar) = (old, old, old);
                compress(&previous, &reference, &mut native, xor_into);
                compress_with::<Lanes>(&previous, &reference, &mut lanes, xor_into);
                super::super::scalar::compress(&previous, &reference, &mut scalar, xor_into);
                assert_eq!(native, lanes);
                assert_eq!(native, scalar);
            }
        }
    }
}
