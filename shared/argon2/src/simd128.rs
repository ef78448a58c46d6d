//! `compress` for WebAssembly with SIMD (`simd128`, enabled for both wasm targets in
//! `.cargo/config.toml`): what the Workers run, in V8.
//!
//! The reference implementation's SSE layout (`opt.c` with `blamka-round-opt.h`) on 128-bit
//! `i64x2` vectors: the block is 8 rows of 8 vectors (16 words a row, two per vector); one
//! BLAKE2b round takes a row, or the same vector of every row (two columns), as
//! `A0 A1 B0 B1 C0 C1 D0 D1` and runs two G functions per vector pair.
//!
//! Shaped for V8 rather than for LLVM, from measurements under node 22 (`bench/README.md`):
//! - the rows stay in one array that the rounds update in place, one round at a time (a loop
//!   over rows, then over columns). Holding all 64 vectors as separate values, as the
//!   portable code does with its 32 `[u64; 4]`, leaves V8's register allocator spilling and
//!   ran ~20 % slower;
//! - BlaMka gathers the low halves of both operands with one shuffle and multiplies them with
//!   one `u64x2_extmul_low_u32x4`: masking and `i64x2_mul` (which LLVM turns the obvious
//!   shuffle-and-extmul into) makes V8 emit three multiplies;
//! - the 32/24/16-bit rotations are byte shuffles (`pshufd`/`pshufb` in V8), the 63-bit one
//!   shifts and an add, the diagonal steps `alignr`-style two-vector shuffles.
//!
//! `core::arch::wasm32`'s SIMD functions are safe to call where the build enables `simd128`;
//! words become vectors and back by value (`bytemuck::cast`, which compiles to whole-vector
//! loads and stores even at the Worker's opt-level "s"), never through pointers.

use core::arch::wasm32::{
    i8x16_shuffle, i32x4_shuffle, i64x2_add, i64x2_shuffle, u64x2, u64x2_extmul_low_u32x4, u64x2_shr, v128, v128_xor,
};

use super::block::{Block, Lanes};

/// The block as 8 rows of 8 vectors.
type Rows = [[v128; 8]; 8];

/// BlaMka's `x + y + 2 · lo32(x) · lo32(y)` on both words.
#[inline(always)]
fn blamka(x: v128, y: v128) -> v128 {
    // [lo32(x0), lo32(x1), lo32(y0), lo32(y1)], and the same with its halves swapped: the
    // multiply reads the two low 32-bit lanes of each.
    let halves = i32x4_shuffle::<0, 2, 4, 6>(x, y);
    let m = u64x2_extmul_low_u32x4(halves, i64x2_shuffle::<1, 0>(halves, halves));
    i64x2_add(i64x2_add(x, y), i64x2_add(m, m))
}

#[inline(always)]
fn rotr32(x: v128) -> v128 {
    i32x4_shuffle::<1, 0, 3, 2>(x, x)
}

#[inline(always)]
fn rotr24(x: v128) -> v128 {
    i8x16_shuffle::<3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10>(x, x)
}

#[inline(always)]
fn rotr16(x: v128) -> v128 {
    i8x16_shuffle::<2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9>(x, x)
}

#[inline(always)]
fn rotr63(x: v128) -> v128 {
    v128_xor(u64x2_shr(x, 63), i64x2_add(x, x))
}

/// Two BLAKE2b G functions, one per word of the vectors.
#[inline(always)]
fn g(a: &mut v128, b: &mut v128, c: &mut v128, d: &mut v128) {
    *a = blamka(*a, *b);
    *d = rotr32(v128_xor(*d, *a));
    *c = blamka(*c, *d);
    *b = rotr24(v128_xor(*b, *c));
    *a = blamka(*a, *b);
    *d = rotr16(v128_xor(*d, *a));
    *c = blamka(*c, *d);
    *b = rotr63(v128_xor(*b, *c));
}

/// `[x1, y0]` (SSSE3's `alignr(y, x, 8)`).
#[inline(always)]
fn across(x: v128, y: v128) -> v128 {
    i64x2_shuffle::<1, 2>(x, y)
}

/// One BLAKE2b round on the 16 words `A0 A1 B0 B1 C0 C1 D0 D1` (v0..v15 in pairs): the
/// columns of its 4×4 matrix, then the diagonals (b moved by one word, c by two, d by three).
#[inline(always)]
#[allow(clippy::too_many_arguments)] // The round's sixteen words, as the reference names them.
fn round(
    a0: &mut v128,
    a1: &mut v128,
    b0: &mut v128,
    b1: &mut v128,
    c0: &mut v128,
    c1: &mut v128,
    d0: &mut v128,
    d1: &mut v128,
) {
    g(a0, b0, c0, d0);
    g(a1, b1, c1, d1);
    (*b0, *b1) = (across(*b0, *b1), across(*b1, *b0));
    (*c0, *c1) = (*c1, *c0);
    (*d0, *d1) = (across(*d1, *d0), across(*d0, *d1));
    g(a0, b0, c0, d0);
    g(a1, b1, c1, d1);
    (*b0, *b1) = (across(*b1, *b0), across(*b0, *b1));
    (*c0, *c1) = (*c1, *c0);
    (*d0, *d1) = (across(*d0, *d1), across(*d1, *d0));
}

/// Four words as two vectors (by value: two `v128.load`s).
#[inline(always)]
fn load(x: &Lanes) -> [v128; 2] {
    bytemuck::cast(*x)
}

/// `x ⊕ y` of four words as two vectors.
#[inline(always)]
fn load_xor(x: &Lanes, y: &Lanes) -> [v128; 2] {
    let ([x0, x1], [y0, y1]) = (load(x), load(y));
    [v128_xor(x0, y0), v128_xor(x1, y1)]
}

#[inline(always)]
fn words(lo: v128, hi: v128) -> Lanes {
    bytemuck::cast([lo, hi])
}

/// Same contract as [`super::compress::compress`], which calls it on wasm with SIMD.
#[inline(always)]
pub fn compress(previous: &Block, reference: &Block, out: &mut Block, xor_into: bool) {
    // Q = R = X ⊕ Y; the rounds permute Q in place.
    let mut q: Rows = [[u64x2(0, 0); 8]; 8];
    for (v, (x, y)) in q.as_flattened_mut().as_chunks_mut::<2>().0.iter_mut().zip(previous.0.iter().zip(&reference.0)) {
        *v = load_xor(x, y);
    }
    for row in &mut q {
        let [a0, a1, b0, b1, c0, c1, d0, d1] = row;
        round(a0, a1, b0, b1, c0, c1, d0, d1);
    }
    // Columns: vector i of rows 0..8 (words 2i and 2i+1 of each row).
    let [r0, r1, r2, r3, r4, r5, r6, r7] = &mut q;
    for (((((((a0, a1), b0), b1), c0), c1), d0), d1) in r0
        .iter_mut()
        .zip(r1.iter_mut())
        .zip(r2.iter_mut())
        .zip(r3.iter_mut())
        .zip(r4.iter_mut())
        .zip(r5.iter_mut())
        .zip(r6.iter_mut())
        .zip(r7.iter_mut())
    {
        round(a0, a1, b0, b1, c0, c1, d0, d1);
    }
    // New block = Q ⊕ R (⊕ the block it replaces), R read again from X and Y rather than kept
    // in a second array (as fast here, and one 1 KiB buffer less).
    let q = q.as_flattened().as_chunks::<2>().0;
    let blocks = out.0.iter_mut().zip(q).zip(previous.0.iter().zip(&reference.0));
    if xor_into {
        for ((o, [q0, q1]), (x, y)) in blocks {
            let ([r0, r1], [o0, o1]) = (load_xor(x, y), load(o));
            *o = words(v128_xor(v128_xor(*q0, r0), o0), v128_xor(v128_xor(*q1, r1), o1));
        }
    } else {
        for ((o, [q0, q1]), (x, y)) in blocks {
            let [r0, r1] = load_xor(x, y);
            *o = words(v128_xor(*q0, r0), v128_xor(*q1, r1));
        }
    }
}
