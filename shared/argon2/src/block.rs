//! One Argon2 memory block: 1 KiB, 128 little-endian `u64` words.
//!
//! The words are grouped as 32 × `[u64; 4]` ([`Lanes`]) because that is the unit `compress`
//! works in: four 64-bit lanes are one 256-bit AVX2 register (two simd128/NEON registers), so
//! keeping the grouping in the type lets LLVM load, xor and store whole vectors without
//! reshuffling. The 64-byte alignment keeps each group inside one cache line.

/// Four consecutive words of a block, the vector unit of [`super::compress`].
pub type Lanes = [u64; 4];

/// Words per block.
pub const WORDS: usize = 128;
/// Bytes per block.
pub const BYTES: usize = WORDS * 8;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C, align(64))]
pub struct Block(pub [Lanes; 32]);

impl Block {
    /// The 128 words in order.
    pub fn words(&self) -> &[u64] {
        self.0.as_flattened()
    }

    pub fn words_mut(&mut self) -> &mut [u64] {
        self.0.as_flattened_mut()
    }

    /// Word `i` (an address in an address block, or word 0 of the previous block).
    pub fn word(&self, i: usize) -> u64 {
        self.words().get(i).copied().unwrap_or(0)
    }

    /// The block whose little-endian encoding is `bytes` (H′ output).
    pub fn from_bytes(bytes: &[u8; BYTES]) -> Self {
        let mut block = Block::default();
        for (word, chunk) in block.words_mut().iter_mut().zip(bytes.as_chunks::<8>().0) {
            *word = u64::from_le_bytes(*chunk);
        }
        block
    }

    /// The little-endian encoding (input of the final H′).
    pub fn to_bytes(&self) -> [u8; BYTES] {
        let mut bytes = [0u8; BYTES];
        for (chunk, word) in bytes.as_chunks_mut::<8>().0.iter_mut().zip(self.words()) {
            *chunk = word.to_le_bytes();
        }
        bytes
    }

    pub fn xor_assign(&mut self, other: &Block) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a = xor(*a, *b);
        }
    }
}

#[inline(always)]
pub fn xor(a: Lanes, b: Lanes) -> Lanes {
    [a[0] ^ b[0], a[1] ^ b[1], a[2] ^ b[2], a[3] ^ b[3]]
}
