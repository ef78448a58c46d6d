//! The compression function G for builds without a vector backend (aarch64, wasm, x86
//! without AVX2): the RFC's own order, in place on 64-bit words. Each BLAKE2b round works on
//! 16 words held in locals, which a scalar machine keeps in registers; the lane shuffles of
//! the vector layout (free in vector registers) would only cost moves here.

use super::block::Block;

/// BlaMka's `x + y + 2 · lo32(x) · lo32(y)`.
#[inline(always)]
fn blamka(x: u64, y: u64) -> u64 {
    let m = (x & 0xffff_ffff) * (y & 0xffff_ffff);
    x.wrapping_add(y).wrapping_add(m).wrapping_add(m)
}

#[inline(always)]
fn g(v: &mut [u64; 16], a: usize, b: usize, c: usize, d: usize) {
    // Indices are the compile-time constants of `round` after inlining; `get` keeps this free
    // of panics without costing anything then.
    let (Some(&va), Some(&vb), Some(&vc), Some(&vd)) = (v.get(a), v.get(b), v.get(c), v.get(d)) else {
        return;
    };
    let va = blamka(va, vb);
    let vd = (vd ^ va).rotate_right(32);
    let vc = blamka(vc, vd);
    let vb = (vb ^ vc).rotate_right(24);
    let va = blamka(va, vb);
    let vd = (vd ^ va).rotate_right(16);
    let vc = blamka(vc, vd);
    let vb = (vb ^ vc).rotate_right(63);
    for (i, x) in [(a, va), (b, vb), (c, vc), (d, vd)] {
        if let Some(slot) = v.get_mut(i) {
            *slot = x;
        }
    }
}

/// One BLAKE2b round on 16 words: columns, then diagonals.
#[inline(always)]
fn round(v: &mut [u64; 16]) {
    g(v, 0, 4, 8, 12);
    g(v, 1, 5, 9, 13);
    g(v, 2, 6, 10, 14);
    g(v, 3, 7, 11, 15);
    g(v, 0, 5, 10, 15);
    g(v, 1, 6, 11, 12);
    g(v, 2, 7, 8, 13);
    g(v, 3, 4, 9, 14);
}

/// `out ← G(previous, reference)`, or `out ← out ⊕ G(previous, reference)` when `xor_into`.
#[inline(always)]
pub fn compress(previous: &Block, reference: &Block, out: &mut Block, xor_into: bool) {
    // The block as 8 rows of 8 word pairs.
    let mut r = [[[0u64; 2]; 8]; 8];
    for ((r, x), y) in r.as_flattened_mut().as_flattened_mut().iter_mut().zip(previous.words()).zip(reference.words()) {
        *r = x ^ y;
    }
    let mut q = r;
    // Rows: 16 consecutive words each.
    for row in &mut q {
        let mut v = [0u64; 16];
        v.copy_from_slice(row.as_flattened());
        round(&mut v);
        row.as_flattened_mut().copy_from_slice(&v);
    }
    // Columns: word pair i of every row.
    let [q0, q1, q2, q3, q4, q5, q6, q7] = &mut q;
    let rows = q0.iter_mut().zip(q1.iter_mut()).zip(q2.iter_mut()).zip(q3.iter_mut());
    let rows = rows.zip(q4.iter_mut()).zip(q5.iter_mut()).zip(q6.iter_mut()).zip(q7.iter_mut());
    for (((((((c0, c1), c2), c3), c4), c5), c6), c7) in rows {
        let mut v = [
            c0[0], c0[1], c1[0], c1[1], c2[0], c2[1], c3[0], c3[1], c4[0], c4[1], c5[0], c5[1], c6[0], c6[1], c7[0],
            c7[1],
        ];
        round(&mut v);
        let [v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15] = v;
        (*c0, *c1, *c2, *c3) = ([v0, v1], [v2, v3], [v4, v5], [v6, v7]);
        (*c4, *c5, *c6, *c7) = ([v8, v9], [v10, v11], [v12, v13], [v14, v15]);
    }
    let q = q.as_flattened().as_flattened();
    let r = r.as_flattened().as_flattened();
    for ((out, q), r) in out.words_mut().iter_mut().zip(q).zip(r) {
        *out = if xor_into { *out ^ q ^ r } else { q ^ r };
    }
}
