//! Test fixtures for unit tests: an `App` on the memory store, a fixed clock, a seeded RNG and
//! native crypto.

use std::sync::Arc;

use crate::ports::{FixedClock, RingCrypto, SeededRng};
use crate::store::memory::MemoryStore;
use crate::{App, Config};

/// 2026-01-01T00:00:00Z.
pub const T0: i64 = 1_767_225_600_000;
pub const ENDPOINT: &str = "http://localhost:3001";

pub struct TestApp {
    pub app: App,
    pub clock: Arc<FixedClock>,
    pub store: Arc<MemoryStore>,
}

impl std::ops::Deref for TestApp {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
}

pub fn app() -> TestApp {
    app_with(Config::new(ENDPOINT))
}

pub fn app_with(config: Config) -> TestApp {
    let clock = Arc::new(FixedClock::new(T0));
    let store = Arc::new(MemoryStore::new(clock.clone()));
    second_instance(config, &clock, &store)
}

/// Another isolate of the same deployment: same store and clock, its own caches.
pub fn second_instance(config: Config, clock: &Arc<FixedClock>, store: &Arc<MemoryStore>) -> TestApp {
    let app = App::new(config, store.clone(), clock.clone(), Arc::new(SeededRng::new(7)), Arc::new(RingCrypto::new()))
        .unwrap_or_else(|e| panic!("test app: {e}"));
    TestApp { app, clock: clock.clone(), store: store.clone() }
}
