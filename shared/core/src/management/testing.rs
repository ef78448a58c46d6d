//! Test harness for the Management API: memory store, fixed clock, seeded RNG, and requests
//! sent as Logto's integration tests send them (the `development-user-id` admin header).

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::jose::{Alg, Jwk};
use crate::ports::{Crypto, CryptoError, FixedClock, GeneratedKey, SeededRng, SigningKey};
use crate::store::memory::MemoryStore;
use crate::{App, Config, Request};

/// Crypto is not needed by the Management API itself.
struct NoCrypto;

#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
impl Crypto for NoCrypto {
    async fn generate_key(&self, _: Alg) -> Result<GeneratedKey, CryptoError> {
        Err(CryptoError("no crypto in management tests".into()))
    }
    async fn signing_key(&self, _: Alg, _: &[u8]) -> Result<Arc<dyn SigningKey>, CryptoError> {
        Err(CryptoError("no crypto in management tests".into()))
    }
    async fn verify(&self, _: Alg, _: &Jwk, _: &[u8], _: &[u8]) -> Result<bool, CryptoError> {
        Ok(false)
    }
}

pub const NOW: i64 = 1_700_000_000_000;

pub struct TestApp {
    pub app: App,
    pub clock: Arc<FixedClock>,
    pub store: Arc<MemoryStore>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
}

impl Reply {
    /// `(status, code)` of an error reply.
    pub fn error(&self) -> (u16, &str) {
        (self.status.as_u16(), self.json["code"].as_str().unwrap_or_default())
    }
}

pub fn request(method: &str, path: &str, body: &str) -> Request {
    let mut req = Request::new(Bytes::from(body.to_owned()));
    *req.method_mut() = method.parse().unwrap();
    *req.uri_mut() = path.parse().unwrap();
    if !body.is_empty() {
        req.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    }
    req
}

impl TestApp {
    pub fn new(dev_admin: bool) -> Self {
        let clock = Arc::new(FixedClock::new(NOW));
        let store = Arc::new(MemoryStore::new(clock.clone()));
        let mut config = Config::new("http://localhost:3001");
        config.dev_admin = dev_admin;
        let app =
            App::new(config, store.clone(), clock.clone(), Arc::new(SeededRng::new(42)), Arc::new(NoCrypto)).unwrap();
        Self { app, clock, store }
    }

    /// A dev-admin app with Logto's seed (Management API resource and admin role).
    pub async fn seeded() -> Self {
        let t = Self::new(true);
        crate::bootstrap::seed(&t.app).await.unwrap();
        t
    }

    pub async fn send(&self, req: Request) -> Reply {
        let response = crate::management::handle(&self.app, req).await;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body();
        let json = if body.is_empty() { Value::Null } else { serde_json::from_slice(&body).unwrap() };
        Reply { status, headers, json }
    }

    /// A request as an admin (development header).
    pub async fn call(&self, method: &str, path: &str, body: Value) -> Reply {
        let body = if body.is_null() { String::new() } else { body.to_string() };
        let mut req = request(method, path, &body);
        req.headers_mut().insert("development-user-id", http::HeaderValue::from_static("admin"));
        self.send(req).await
    }

    #[track_caller]
    pub fn ok(reply: &Reply, status: u16) {
        assert_eq!(reply.status.as_u16(), status, "unexpected reply: {}", reply.json);
    }
}
