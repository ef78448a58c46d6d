//! The platform's clock and randomness, which the core takes as inputs (DESIGN §3).

use edgeid_core::ports::{Clock, Millis, Rng};

/// Wall-clock time from the OS.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // The host is where the real clock is read.
    fn now_ms(&self) -> Millis {
        match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => Millis::try_from(d.as_millis()).unwrap_or(Millis::MAX),
            // A clock before 1970 is a broken machine; time 0 makes every token expired.
            Err(_) => 0,
        }
    }
}

/// Randomness from the OS (`getrandom`: `getrandom(2)` on Linux).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRng;

impl Rng for OsRng {
    fn fill(&self, buf: &mut [u8]) {
        if let Err(e) = getrandom::fill(buf) {
            // Minting secrets without entropy is worse than stopping: never fall back.
            tracing::error!(error = %e, "the OS random number generator failed; aborting");
            std::process::abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_is_after_2025() {
        assert!(SystemClock.now_ms() > 1_735_689_600_000);
    }

    #[test]
    fn rng_fills_differently_each_time() {
        assert_ne!(OsRng.token(32), OsRng.token(32));
    }
}
