use std::sync::Mutex;

use super::{MaybeSend, MaybeSync};

/// Cryptographically secure randomness, supplied by the host (OS or `crypto.getRandomValues`).
pub trait Rng: MaybeSend + MaybeSync {
    fn fill(&self, buf: &mut [u8]);

    /// `n` random bytes, base64url without padding: ids, secrets, token values.
    fn token(&self, n: usize) -> String {
        use base64::Engine as _;
        let mut buf = vec![0u8; n];
        self.fill(&mut buf);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
    }

    /// A Logto-style id: `len` characters of `[0-9a-z]` (Logto's `generateStandardId` is 21).
    fn id(&self, len: usize) -> String {
        const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
        let mut out = String::with_capacity(len);
        let mut byte = [0u8; 1];
        while out.len() < len {
            self.fill(&mut byte);
            // Rejection sampling keeps the distribution uniform (252 = 7 * 36).
            if byte[0] < 252
                && let Some(c) = ALPHABET.get(usize::from(byte[0] % 36))
            {
                out.push(char::from(*c));
            }
        }
        out
    }
}

/// A deterministic generator for tests (xorshift; never use it to mint real secrets).
#[derive(Debug)]
pub struct SeededRng(Mutex<u64>);

impl SeededRng {
    pub fn new(seed: u64) -> Self {
        Self(Mutex::new(seed | 1))
    }
}

impl Rng for SeededRng {
    fn fill(&self, buf: &mut [u8]) {
        let mut state = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for b in buf.iter_mut() {
            let mut x = *state;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *state = x;
            *b = (x >> 24) as u8;
        }
    }
}
