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

/// The world of the OIDC tests.
pub mod seed {
    pub const API: &str = "https://api.example.com";
    pub const OTHER_API: &str = "https://other.example.com";
    /// M2M app holding role `r1` (read, write on API); `old-secret` has expired.
    pub const M2M: &str = "m2m";
    pub const M2M_SECRET: &str = "m2m-secret";
    pub const EXPIRED_SECRET: &str = "old-secret";
    /// M2M app without roles.
    pub const M2M_BARE: &str = "m2m-bare";
    pub const M2M_BARE_SECRET: &str = "bare-secret";
    /// Public SPA and confidential Traditional apps.
    pub const SPA: &str = "spa";
    pub const WEB: &str = "web";
    pub const WEB_SECRET: &str = "web-secret";
}

/// Seed resources, scopes, an M2M role and applications through the domain repositories.
pub async fn seed(app: &App) {
    use crate::domain::application::{self, ApplicationRecord, ApplicationType, StoredSecret};
    use crate::domain::resource::{self, ResourceRecord};
    use crate::domain::role::{self, RoleRecord, RoleType};
    use crate::domain::role_application;
    use crate::domain::scope::{self, Scope};
    use seed::*;

    let store = app.store.as_ref();
    resource::insert(store, &ResourceRecord::new("api".into(), "API".into(), API.into(), 3600, T0)).await.unwrap();
    resource::insert(store, &ResourceRecord::new("other".into(), "Other".into(), OTHER_API.into(), 600, T0))
        .await
        .unwrap();
    let scopes: Vec<Scope> =
        [("s-read", "api", "read"), ("s-write", "api", "write"), ("s-admin", "api", "admin"), ("s-x", "other", "x")]
            .into_iter()
            .map(|(id, res, name)| Scope::new(id.into(), res.into(), name.into(), None, T0))
            .collect();
    for s in &scopes {
        scope::insert(store, s).await.unwrap();
    }
    role::insert(
        store,
        &RoleRecord::new("r1".into(), "Reader".into(), "d".into(), RoleType::MachineToMachine, T0),
        &[scopes[0].clone(), scopes[1].clone(), scopes[3].clone()],
    )
    .await
    .unwrap();

    let with_secret = |id: &str, t: ApplicationType, secrets: &[(&str, Option<i64>)]| {
        let mut record = ApplicationRecord::new(id.into(), id.into(), t, T0);
        for (plain, expires_at) in secrets {
            record.secrets.push(StoredSecret::new(format!("{plain} name"), plain, T0, *expires_at));
        }
        record
    };
    for record in [
        with_secret(M2M, ApplicationType::MachineToMachine, &[(M2M_SECRET, None), (EXPIRED_SECRET, Some(T0 - 1))]),
        with_secret(M2M_BARE, ApplicationType::MachineToMachine, &[(M2M_BARE_SECRET, None)]),
        with_secret(SPA, ApplicationType::Spa, &[]),
        with_secret(WEB, ApplicationType::Traditional, &[(WEB_SECRET, None)]),
    ] {
        application::insert(store, &record).await.unwrap();
    }
    let m2m = application::find(store, M2M).await.unwrap().unwrap();
    role_application::insert(store, "r1", &[m2m]).await.unwrap();
}

/// A POST with a form body (and optional Basic credentials).
pub fn post_form(path: &str, basic: Option<(&str, &str)>, body: &str) -> crate::Request {
    use base64::Engine as _;
    let mut builder = ::http::Request::post(path).header("content-type", "application/x-www-form-urlencoded");
    if let Some((id, secret)) = basic {
        let raw = format!("{id}:{secret}");
        builder =
            builder.header("authorization", format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw)));
    }
    builder.body(bytes::Bytes::from(body.to_owned())).unwrap()
}

/// Status, headers and JSON body (`Null` for an empty body).
pub async fn call(app: &App, req: crate::Request) -> (::http::StatusCode, ::http::HeaderMap, serde_json::Value) {
    let (parts, body) = crate::handle(app, req).await.into_parts();
    let json = if body.is_empty() { serde_json::Value::Null } else { serde_json::from_slice(&body).unwrap() };
    (parts.status, parts.headers, json)
}
