use std::sync::atomic::{AtomicI64, Ordering};

use super::{MaybeSend, MaybeSync};

/// Milliseconds since the Unix epoch: Logto's timestamp unit on the wire.
pub type Millis = i64;

/// Wall-clock time. The core never reads the system clock itself (it panics or lies on wasm
/// and makes tests flaky); hosts pass the platform's clock, tests a [`FixedClock`].
pub trait Clock: MaybeSend + MaybeSync {
    fn now_ms(&self) -> Millis;

    fn now_secs(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct FixedClock(AtomicI64);

impl FixedClock {
    pub fn new(now_ms: Millis) -> Self {
        Self(AtomicI64::new(now_ms))
    }

    pub fn advance_ms(&self, by: Millis) {
        self.0.fetch_add(by, Ordering::SeqCst);
    }

    pub fn set_ms(&self, to: Millis) {
        self.0.store(to, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now_ms(&self) -> Millis {
        self.0.load(Ordering::SeqCst)
    }
}
