//! ms per Argon2id hash at edgeid's parameters (m=12288, t=3, p=1), ours and the `argon2`
//! crate's, alternating in one process: `cargo run --release -p edgeid-argon2 --example speed
//! [rounds]`, pinned with `taskset -c 0`. Compare with the reference C `bench-avx2 12288 3 N`.
#![allow(clippy::disallowed_methods, clippy::unwrap_used)] // A benchmark times itself.

use std::time::Instant;

use edgeid_argon2::{Argon2, Block, Variant, Version};

fn main() {
    let rounds: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100);
    let (m, t, p) = (12_288, 3, 1);
    let ours = Argon2::new(Variant::Id, Version::V0x13, m, t, p).unwrap();
    let mut memory = vec![Block::default(); ours.block_count()];
    let theirs = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(m, t, p, Some(32)).unwrap(),
    );
    let mut their_memory = vec![argon2::Block::default(); m as usize];
    let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
    let (mut ours_s, mut theirs_s) = (0.0, 0.0);
    for _ in 0..rounds {
        let start = Instant::now();
        ours.hash_into(b"password", b"somesaltsomesalt", &mut a, &mut memory).unwrap();
        ours_s += start.elapsed().as_secs_f64();
        let start = Instant::now();
        theirs.hash_password_into_with_memory(b"password", b"somesaltsomesalt", &mut b, &mut their_memory).unwrap();
        theirs_s += start.elapsed().as_secs_f64();
        assert_eq!(a, b);
    }
    let per = |s: f64| s * 1e3 / f64::from(rounds);
    println!("m={m} t={t} p={p}: edgeid-argon2 {:.2} ms/hash, argon2 crate {:.2} ms/hash", per(ours_s), per(theirs_s));
}
