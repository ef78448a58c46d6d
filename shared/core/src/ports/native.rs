//! The native hosts' clock and randomness (local server, Lambda, CLI, tests). They live here,
//! behind the `ring` feature, so every native host uses the same ones; handlers still only see
//! the [`Clock`] and [`Rng`] ports (Workers bring `Date.now()` and `crypto.getRandomValues`).

use super::{Clock, Millis, Rng};

/// Wall-clock time from the OS.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // The one place a native host reads the real clock.
    fn now_ms(&self) -> Millis {
        match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => Millis::try_from(d.as_millis()).unwrap_or(Millis::MAX),
            // A clock before 1970 is a broken machine; time 0 makes every token expired.
            Err(_) => 0,
        }
    }
}

/// Randomness for native hosts: the OS generator, stretched per thread.
///
/// Each thread keys a ChaCha12 stream from `getrandom(2)` and re-keys it from the OS after
/// every 64 KiB of output (rand's `ThreadRng`, the generator the Rust ecosystem reviews and
/// uses for exactly this). Drawing a token then costs a few hundred nanoseconds in user space
/// instead of one system call per token (≈ 1 µs under KVM, on every token the server mints).
/// The native hosts never fork after start, the one case `ThreadRng` does not re-key for.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRng;

impl Rng for OsRng {
    fn fill(&self, buf: &mut [u8]) {
        // Seeding failure (no OS entropy) panics inside rand: minting secrets without entropy
        // is worse than stopping, and there is no fallback to take.
        rand::Rng::fill_bytes(&mut rand::rng(), buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_reads_the_present() {
        assert!(SystemClock.now_ms() > 1_735_689_600_000, "after 2025-01-01");
    }

    #[test]
    fn os_randomness_differs_between_draws() {
        assert_ne!(OsRng.token(32), OsRng.token(32));
    }

    #[test]
    fn each_thread_draws_its_own_stream() {
        let here = OsRng.token(32);
        let there = std::thread::spawn(|| OsRng.token(32)).join().unwrap();
        assert_ne!(here, there);
    }
}
