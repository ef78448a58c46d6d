use super::*;

fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace().map(|b| u8::from_str_radix(b, 16).unwrap()).collect()
}

fn run(argon: &Argon2<'_>, password: &[u8], salt: &[u8], len: usize) -> Vec<u8> {
    let mut memory = vec![Block::default(); argon.block_count()];
    let mut out = vec![0u8; len];
    argon.hash_into(password, salt, &mut out, &mut memory).unwrap();
    out
}

/// RFC 9106 §5.1–5.3 (version 0x13) and the reference implementation's `kats/*_v16` (0x10):
/// m = 32, t = 3, p = 4, 32 × 0x01 password, 16 × 0x02 salt, 8 × 0x03 secret, 12 × 0x04 data.
#[test]
fn rfc_9106_test_vectors() {
    let vectors = [
        (
            Variant::D,
            Version::V0x13,
            "51 2b 39 1b 6f 11 62 97 53 71 d3 09 19 73 42 94 f8 68 e3 be 39 84 f3 c1 a1 3a 4d b9 fa be 4a cb",
        ),
        (
            Variant::I,
            Version::V0x13,
            "c8 14 d9 d1 dc 7f 37 aa 13 f0 d7 7f 24 94 bd a1 c8 de 6b 01 6d d3 88 d2 99 52 a4 c4 67 2b 6c e8",
        ),
        (
            Variant::Id,
            Version::V0x13,
            "0d 64 0d f5 8d 78 76 6c 08 c0 37 a3 4a 8b 53 c9 d0 1e f0 45 2d 75 b6 5e b5 25 20 e9 6b 01 e6 59",
        ),
        (
            Variant::D,
            Version::V0x10,
            "96 a9 d4 e5 a1 73 40 92 c8 5e 29 f4 10 a4 59 14 a5 dd 1f 5c bf 08 b2 67 0d a6 8a 02 85 ab f3 2b",
        ),
        (
            Variant::I,
            Version::V0x10,
            "87 ae ed d6 51 7a b8 30 cd 97 65 cd 82 31 ab b2 e6 47 a5 de e0 8f 7c 05 e0 2f cb 76 33 35 d0 fd",
        ),
        (
            Variant::Id,
            Version::V0x10,
            "b6 46 15 f0 77 89 b6 6b 64 5b 67 ee 9e d3 b3 77 ae 35 0b 6b fc bb 0f c9 51 41 ea 8f 32 26 13 c0",
        ),
    ];
    for (variant, version, tag) in vectors {
        let argon = Argon2::new(variant, version, 32, 3, 4).unwrap().with_secret(&[3; 8]).with_data(&[4; 12]);
        assert_eq!(run(&argon, &[1; 32], &[2; 16], 32), hex(tag), "{variant:?} {version:?}");
    }
}

/// A deterministic stream of test inputs (SplitMix64).
struct Stream(u64);

impl Stream {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Up to `max_len` bytes (the length drawn first).
    fn bytes(&mut self, min_len: u64, max_len: u64) -> Vec<u8> {
        let len = min_len + self.below(max_len - min_len + 1);
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// What the `argon2` crate computes for the same inputs (the oracle).
#[allow(clippy::too_many_arguments)] // One argument per Argon2 input.
fn oracle(
    variant: Variant,
    version: Version,
    (m, t, p): (u32, u32, u32),
    password: &[u8],
    salt: &[u8],
    secret: &[u8],
    data: &[u8],
    len: usize,
) -> Vec<u8> {
    let algorithm = match variant {
        Variant::D => argon2::Algorithm::Argon2d,
        Variant::I => argon2::Algorithm::Argon2i,
        Variant::Id => argon2::Algorithm::Argon2id,
    };
    let version = match version {
        Version::V0x10 => argon2::Version::V0x10,
        Version::V0x13 => argon2::Version::V0x13,
    };
    let mut params = argon2::ParamsBuilder::new();
    params.m_cost(m).t_cost(t).p_cost(p).output_len(len);
    params.data(argon2::AssociatedData::new(data).unwrap());
    let params = params.build().unwrap();
    let argon = if secret.is_empty() {
        argon2::Argon2::new(algorithm, version, params)
    } else {
        argon2::Argon2::new_with_secret(secret, algorithm, version, params).unwrap()
    };
    let mut out = vec![0u8; len];
    argon.hash_password_into(password, salt, &mut out).unwrap();
    out
}

/// Many pseudo-random configurations, including several lanes, the smallest memories (where
/// the RFC's rounding and the per-lane minimum matter), memories that are not a multiple of
/// 4p, tags longer than 64 bytes (chained H′), empty passwords, secrets and data.
#[test]
fn the_same_digests_as_the_argon2_crate() {
    let mut s = Stream(0x5eed);
    for case in 0..160 {
        let variant = [Variant::D, Variant::I, Variant::Id][s.below(3) as usize];
        let version = if s.below(4) == 0 { Version::V0x10 } else { Version::V0x13 };
        let p = 1 + s.below(4) as u32;
        let m = 8 * p + s.below(if case % 8 == 0 { 600 } else { 80 }) as u32;
        let t = 1 + s.below(4) as u32;
        let password = s.bytes(0, 80);
        let salt = s.bytes(8, 48);
        let secret = if s.below(3) == 0 { s.bytes(1, 40) } else { Vec::new() };
        let data = if s.below(3) == 0 { s.bytes(0, 32) } else { Vec::new() };
        let len = [4, 16, 32, 33, 64, 65, 100, 128][s.below(8) as usize];
        let argon = Argon2::new(variant, version, m, t, p).unwrap().with_secret(&secret).with_data(&data);
        assert_eq!(
            run(&argon, &password, &salt, len),
            oracle(variant, version, (m, t, p), &password, &salt, &secret, &data, len),
            "case {case}: {variant:?} {version:?} m={m} t={t} p={p} pw={} salt={} secret={} data={} len={len}",
            password.len(),
            salt.len(),
            secret.len(),
            data.len()
        );
    }
}

/// Argon2i at 2 MiB: more than one address block per segment (128 addresses each), which the
/// small cases above do not reach.
#[test]
fn long_segments_match_the_crate() {
    for variant in [Variant::I, Variant::Id, Variant::D] {
        let argon = Argon2::new(variant, Version::V0x13, 2048, 2, 2).unwrap();
        assert_eq!(
            run(&argon, b"password", b"somesaltsomesalt", 32),
            oracle(variant, Version::V0x13, (2048, 2, 2), b"password", b"somesaltsomesalt", &[], &[], 32),
            "{variant:?}"
        );
    }
}

#[test]
fn dirty_memory_gives_the_same_digest() {
    let argon = Argon2::new(Variant::Id, Version::V0x13, 64, 1, 1).unwrap();
    let mut memory = vec![Block([[0xdead_beef; 4]; 32]); argon.block_count() + 3];
    let mut out = [0u8; 32];
    argon.hash_into(b"pw", b"saltsalt", &mut out, &mut memory).unwrap();
    assert_eq!(out.to_vec(), run(&argon, b"pw", b"saltsalt", 32));
}

#[test]
fn refuses_what_the_crate_refuses() {
    assert_eq!(Argon2::new(Variant::Id, Version::V0x13, 7, 1, 1).unwrap_err(), Error::MemoryTooLittle);
    assert_eq!(Argon2::new(Variant::Id, Version::V0x13, 15, 1, 2).unwrap_err(), Error::MemoryTooLittle);
    assert_eq!(Argon2::new(Variant::Id, Version::V0x13, 8, 0, 1).unwrap_err(), Error::NoPasses);
    assert_eq!(Argon2::new(Variant::Id, Version::V0x13, 8, 1, 0).unwrap_err(), Error::Lanes);
    let argon = Argon2::new(Variant::Id, Version::V0x13, 8, 1, 1).unwrap();
    let mut memory = vec![Block::default(); 8];
    assert_eq!(argon.hash_into(b"pw", b"short", &mut [0; 32], &mut memory), Err(Error::SaltTooShort));
    assert_eq!(argon.hash_into(b"pw", b"saltsalt", &mut [0; 3], &mut memory), Err(Error::OutputLength));
    assert_eq!(argon.hash_into(b"pw", b"saltsalt", &mut [0; 32], &mut memory[..7]), Err(Error::Memory));
}
