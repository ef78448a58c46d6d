//! The native hosts' clock and randomness (local server, Lambda, CLI, tests). They live here,
//! behind the `ring` feature, so every native host uses the same ones; handlers still only see
//! the [`Clock`] and [`Rng`] ports (Workers bring `Date.now()` and `crypto.getRandomValues`).

use ring::rand::SecureRandom as _;

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

/// Randomness from the OS (ring's `SystemRandom`: `getrandom(2)` on Linux).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRng;

impl Rng for OsRng {
    fn fill(&self, buf: &mut [u8]) {
        if ring::rand::SystemRandom::new().fill(buf).is_err() {
            // Minting secrets without entropy is worse than stopping: never fall back.
            tracing::error!("the OS random number generator failed; aborting");
            std::process::abort();
        }
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
}
