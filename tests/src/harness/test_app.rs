//! The core `App` in-process: memory store, fixed clock, seeded RNG, ring crypto. Fast and
//! deterministic; what cross-group journeys (`flows/`) and edge cases that need time travel use.

use std::sync::Arc;

use edgeid_core::ports::{FixedClock, SeededRng};
use edgeid_core::store::memory::MemoryStore;
use edgeid_core::{App, Config};

use edgeid_core::bootstrap;

use super::client::Client;
use super::target::Credentials;

/// 2026-01-01T00:00:00Z: every TestApp starts here.
pub const START_MS: i64 = 1_767_225_600_000;

pub struct TestApp {
    pub app: Arc<App>,
    pub clock: Arc<FixedClock>,
    pub store: Arc<MemoryStore>,
    /// The admin M2M app (Management API `all`) that [`TestApp::bootstrapped`] ensured.
    pub admin: Credentials,
}

impl TestApp {
    /// The endpoint tests see: what `edgeid-local` announces by default.
    pub const ENDPOINT: &'static str = "http://localhost:3001";

    pub fn new() -> Self {
        Self::with_config(Config::new(Self::ENDPOINT))
    }

    pub fn with_config(config: Config) -> Self {
        let clock = Arc::new(FixedClock::new(START_MS));
        let store = Arc::new(MemoryStore::new(clock.clone()));
        let app = App::new(
            config,
            store.clone(),
            clock.clone(),
            Arc::new(SeededRng::new(0x5eed)),
            Arc::new(edgeid_core::ports::RingCrypto::new()),
        )
        .expect("the memory store is atomic");
        let admin =
            Credentials { id: "test-admin".to_owned(), secret: "test-admin-secret-0123456789abcdef".to_owned() };
        Self { app: Arc::new(app), clock, store, admin }
    }

    /// A new app after the host's start-up: Logto's Management API seed and the admin app.
    pub async fn bootstrapped() -> Self {
        let t = Self::new();
        let given = bootstrap::Credentials { client_id: t.admin.id.clone(), client_secret: t.admin.secret.clone() };
        bootstrap::run(&t.app, Some(&given)).await.expect("bootstrap");
        t
    }

    /// A fresh cookie-keeping client talking to this app through `edgeid_core::handle`.
    pub fn client(&self) -> Client {
        Client::in_process(Arc::clone(&self.app))
    }

    /// Move the clock forward.
    pub fn advance_secs(&self, secs: i64) {
        self.clock.advance_ms(secs * 1000);
    }
}

impl Default for TestApp {
    fn default() -> Self {
        Self::new()
    }
}
