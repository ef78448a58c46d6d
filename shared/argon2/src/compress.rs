//! Argon2's compression function G (RFC 9106 §3.5) in a vector-friendly layout.
//!
//! G(X, Y): R = X ⊕ Y; apply the BLAKE2b round P (with BlaMka's multiply) to the eight rows of
//! R seen as 8 × 16 words, then to its eight columns (pairs of words from each row), and xor
//! the result with R. The speed of the whole hash is the speed of this function (36,864 calls
//! per hash at `PARAMS`).
//!
//! The layout follows the reference implementation's AVX2 code (`opt.c`,
//! `blamka-round-opt.h`): every operand is a [`Lanes`] of four words, so one call of
//! [`round`] runs four G functions at once on four lanes, twice (`a0..d0` and `a1..d1`).
//! - Row rounds take two rows at a time: `a0, b0, c0, d0` are words 0–3, 4–7, 8–11, 12–15 of
//!   the first row, `a1..d1` of the second. The diagonal step rotates lanes within each vector
//!   ([`diagonalize_rows`], a `vpermq` each on AVX2).
//! - Column rounds take two columns (four words across) at a time: each vector holds the word
//!   pair of one column and of the next. The diagonal step trades lanes between the `0` and
//!   `1` vectors ([`diagonalize_columns`], blends plus `vpermq`).
//!
//! Written as plain array arithmetic with constant indices, so it is safe Rust that LLVM
//! vectorises for whatever the build targets (AVX2 with `target-cpu=x86-64-v3`, simd128 on
//! wasm, NEON on aarch64) and still correct scalar code anywhere else.

use super::block::{Block, Lanes, xor};

/// BlaMka's `x + y + 2 · lo32(x) · lo32(y)` per lane (`vpmuludq` + adds).
#[inline(always)]
fn blamka(x: Lanes, y: Lanes) -> Lanes {
    #[inline(always)]
    fn one(x: u64, y: u64) -> u64 {
        let m = (x & 0xffff_ffff) * (y & 0xffff_ffff);
        x.wrapping_add(y).wrapping_add(m).wrapping_add(m)
    }
    [one(x[0], y[0]), one(x[1], y[1]), one(x[2], y[2]), one(x[3], y[3])]
}

/// Rotate every lane right by `N` bits (32: `vpshufd`, 24 and 16: `vpshufb`).
#[inline(always)]
fn rotr<const N: u32>(x: Lanes) -> Lanes {
    [x[0].rotate_right(N), x[1].rotate_right(N), x[2].rotate_right(N), x[3].rotate_right(N)]
}

/// Four BLAKE2b G functions, one per lane.
#[inline(always)]
fn g(a: &mut Lanes, b: &mut Lanes, c: &mut Lanes, d: &mut Lanes) {
    *a = blamka(*a, *b);
    *d = rotr::<32>(xor(*d, *a));
    *c = blamka(*c, *d);
    *b = rotr::<24>(xor(*b, *c));
    *a = blamka(*a, *b);
    *d = rotr::<16>(xor(*d, *a));
    *c = blamka(*c, *d);
    *b = rotr::<63>(xor(*b, *c));
}

/// Eight vectors of one round: `[a0, b0, c0, d0, a1, b1, c1, d1]`.
type Quad = [Lanes; 8];

/// Row layout: each vector is four consecutive words of one row, so the diagonals are lane
/// rotations within a vector (b by one, c by two, d by three).
#[inline(always)]
fn diagonalize_rows(v: &mut Quad) {
    let [_, b0, c0, d0, _, b1, c1, d1] = v;
    for b in [b0, b1] {
        *b = [b[1], b[2], b[3], b[0]];
    }
    for c in [c0, c1] {
        *c = [c[2], c[3], c[0], c[1]];
    }
    for d in [d0, d1] {
        *d = [d[3], d[0], d[1], d[2]];
    }
}

#[inline(always)]
fn undiagonalize_rows(v: &mut Quad) {
    let [_, b0, c0, d0, _, b1, c1, d1] = v;
    for b in [b0, b1] {
        *b = [b[3], b[0], b[1], b[2]];
    }
    for c in [c0, c1] {
        *c = [c[2], c[3], c[0], c[1]];
    }
    for d in [d0, d1] {
        *d = [d[1], d[2], d[3], d[0]];
    }
}

/// Column layout: `a0 = [v0, v1, v0', v1']`, `a1 = [v2, v3, v2', v3']` (words v0..v15 of a
/// column and v0'..v15' of the next), likewise b = v4..v7, c = v8..v11, d = v12..v15. The
/// diagonals (v0,v5,v10,v15), (v1,v6,v11,v12), (v2,v7,v8,v13), (v3,v4,v9,v14) need
/// `b0 = [v5, v6, ..]`, `b1 = [v7, v4, ..]`, c0 and c1 swapped, `d0 = [v15, v12, ..]`,
/// `d1 = [v13, v14, ..]`.
#[inline(always)]
fn diagonalize_columns(v: &mut Quad) {
    let [_, b0, c0, d0, _, b1, c1, d1] = v;
    let (b, d) = (*b0, *d0);
    *b0 = [b[1], b1[0], b[3], b1[2]];
    *b1 = [b1[1], b[0], b1[3], b[2]];
    std::mem::swap(c0, c1);
    *d0 = [d1[1], d[0], d1[3], d[2]];
    *d1 = [d[1], d1[0], d[3], d1[2]];
}

#[inline(always)]
fn undiagonalize_columns(v: &mut Quad) {
    let [_, b0, c0, d0, _, b1, c1, d1] = v;
    let (b, d) = (*b0, *d0);
    *b0 = [b1[1], b[0], b1[3], b[2]];
    *b1 = [b[1], b1[0], b[3], b1[2]];
    std::mem::swap(c0, c1);
    *d0 = [d[1], d1[0], d[3], d1[2]];
    *d1 = [d1[1], d[0], d1[3], d[2]];
}

/// One BLAKE2b round (columns of the 4×4 matrix, then its diagonals) on two 4×4 matrices,
/// laid out as rows or as columns of the block.
#[inline(always)]
fn round<const COLUMNS: bool>(mut v: Quad) -> Quad {
    let [a0, b0, c0, d0, a1, b1, c1, d1] = &mut v;
    g(a0, b0, c0, d0);
    g(a1, b1, c1, d1);
    if COLUMNS {
        diagonalize_columns(&mut v);
    } else {
        diagonalize_rows(&mut v);
    }
    let [a0, b0, c0, d0, a1, b1, c1, d1] = &mut v;
    g(a0, b0, c0, d0);
    g(a1, b1, c1, d1);
    if COLUMNS {
        undiagonalize_columns(&mut v);
    } else {
        undiagonalize_rows(&mut v);
    }
    v
}

/// The permutation P applied to the rows and then the columns of `r`.
#[inline(always)]
fn permute(r: &[Lanes; 32]) -> [Lanes; 32] {
    #[rustfmt::skip]
    let [
        s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15,
        s16, s17, s18, s19, s20, s21, s22, s23, s24, s25, s26, s27, s28, s29, s30, s31,
    ] = *r;
    let (mut s0, mut s1, mut s2, mut s3, mut s4, mut s5, mut s6, mut s7) = (s0, s1, s2, s3, s4, s5, s6, s7);
    let (mut s8, mut s9, mut s10, mut s11, mut s12, mut s13, mut s14, mut s15) = (s8, s9, s10, s11, s12, s13, s14, s15);
    let (mut s16, mut s17, mut s18, mut s19, mut s20, mut s21, mut s22, mut s23) =
        (s16, s17, s18, s19, s20, s21, s22, s23);
    let (mut s24, mut s25, mut s26, mut s27, mut s28, mut s29, mut s30, mut s31) =
        (s24, s25, s26, s27, s28, s29, s30, s31);
    // Rows 2i and 2i+1 are vectors 8i..8i+8: a0 = 8i, b0 = 8i+1, …, a1 = 8i+4, ….
    [s0, s1, s2, s3, s4, s5, s6, s7] = round::<false>([s0, s1, s2, s3, s4, s5, s6, s7]);
    [s8, s9, s10, s11, s12, s13, s14, s15] = round::<false>([s8, s9, s10, s11, s12, s13, s14, s15]);
    [s16, s17, s18, s19, s20, s21, s22, s23] = round::<false>([s16, s17, s18, s19, s20, s21, s22, s23]);
    [s24, s25, s26, s27, s28, s29, s30, s31] = round::<false>([s24, s25, s26, s27, s28, s29, s30, s31]);
    // Columns 4i..4i+4 are vectors i, 4+i, …, 28+i (one per row, four words of that row):
    // a0 = row 0, a1 = row 1, b0 = row 2, b1 = row 3, and so on.
    [s0, s8, s16, s24, s4, s12, s20, s28] = round::<true>([s0, s8, s16, s24, s4, s12, s20, s28]);
    [s1, s9, s17, s25, s5, s13, s21, s29] = round::<true>([s1, s9, s17, s25, s5, s13, s21, s29]);
    [s2, s10, s18, s26, s6, s14, s22, s30] = round::<true>([s2, s10, s18, s26, s6, s14, s22, s30]);
    [s3, s11, s19, s27, s7, s15, s23, s31] = round::<true>([s3, s11, s19, s27, s7, s15, s23, s31]);
    #[rustfmt::skip]
    let out = [
        s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15,
        s16, s17, s18, s19, s20, s21, s22, s23, s24, s25, s26, s27, s28, s29, s30, s31,
    ];
    out
}

/// `state ← G(state, reference)`, xored with `overwritten` when given (passes after the first
/// in version 0x13 xor the new block into the old one). `state` is the previous block on entry
/// and the new block on return, kept by the caller for the next call (as `opt.c` does), so the
/// previous block is never read back from memory.
#[inline(always)]
pub fn compress(state: &mut Block, reference: &Block, overwritten: Option<&Block>) {
    let mut r = [[0u64; 4]; 32];
    for ((r, x), y) in r.iter_mut().zip(&state.0).zip(&reference.0) {
        *r = xor(*x, *y);
    }
    let q = permute(&r);
    match overwritten {
        Some(old) => {
            for (((s, q), r), o) in state.0.iter_mut().zip(&q).zip(&r).zip(&old.0) {
                *s = xor(xor(*q, *r), *o);
            }
        }
        None => {
            for ((s, q), r) in state.0.iter_mut().zip(&q).zip(&r) {
                *s = xor(*q, *r);
            }
        }
    }
}
