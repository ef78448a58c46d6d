//! Test-only routes (feature `conformance`, never deployed): the core's storage conformance
//! suite and a single-use probe, run inside workerd against the real Durable Object, and the
//! handler and password-check benchmarks (`tests/cpu.mjs`).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use bytes::Bytes;
use edgeid_core::App;
use edgeid_core::domain::password::{self, Check};
use edgeid_core::ports::{FixedClock, Rng as _};
use edgeid_core::store::conformance::{Harness, run_all};
use edgeid_core::store::memory::MemoryStore;
use edgeid_core::store::{Capabilities, Consumed, Key, Page, PutOptions, Record, Store, StoreError, Version, WriteOp};
use edgeid_store_cloudflare::{CloudflareStore, STORE_BINDING};
use serde::Deserialize;
use serde_json::json;
use worker::{Env, Request, Response};

use crate::system::{JsClock, JsRng};

pub const PREFIX: &str = "/__edgeid_test/";

/// Fresh stores: each one is a new object instance (a random shard name), so cases never see
/// each other's records.
struct ObjectHarness {
    env: Env,
}

#[async_trait::async_trait(?Send)]
impl Harness for ObjectHarness {
    async fn store(&self, clock: Arc<FixedClock>) -> Result<Arc<dyn Store>, String> {
        let objects = self.env.durable_object(STORE_BINDING).map_err(|e| e.to_string())?;
        let shard = format!("conformance-{}", JsRng.id(16));
        Ok(Arc::new(CloudflareStore::new(objects, shard, None, clock)))
    }
}

pub async fn handle(mut req: Request, env: &Env) -> worker::Result<Response> {
    let url = req.url()?;
    let param = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    match url.path().trim_start_matches(PREFIX) {
        // Every conformance case; their concurrent cases issue truly parallel subrequests to
        // the object.
        "conformance" => {
            let results = run_all(&ObjectHarness { env: env.clone() }).await;
            let cases: Vec<_> = results
                .into_iter()
                .map(|(name, verdict)| json!({ "name": name, "ok": verdict.is_ok(), "error": verdict.err() }))
                .collect();
            Response::from_json(&json!({ "cases": cases }))
        }
        // One `put` / `consume` per HTTP request, for races driven from outside the Worker.
        "put" | "consume" => {
            let (Some(shard), Some(key)) = (param("shard"), param("key")) else {
                return Response::error("shard and key are required", 400);
            };
            let objects = env.durable_object(STORE_BINDING)?;
            let store = CloudflareStore::new(objects, shard, None, Arc::new(JsClock));
            let key = Key::new(["race", key.as_str()]);
            let outcome = if url.path().ends_with("put") {
                store.put(&key, b"claim me".to_vec(), PutOptions::ALWAYS).await.map(|v| format!("version {v}"))
            } else {
                store.consume(&key).await.map(|c| match c {
                    Consumed::First(_) => "first".to_owned(),
                    Consumed::Already(_) => "already".to_owned(),
                    Consumed::Missing => "missing".to_owned(),
                })
            };
            match outcome {
                Ok(text) => Response::ok(text),
                Err(e) => Response::error(e.to_string(), 503),
            }
        }
        // What KV can and cannot affect: a relaxed read fills the KV copy; after a write, `get`
        // answers the new value at once (the object), while a relaxed read may still answer the
        // copy until it expires.
        "relaxed" => {
            let Some(shard) = param("shard") else {
                return Response::error("shard is required", 400);
            };
            let objects = env.durable_object(STORE_BINDING)?;
            let kv = env.kv(edgeid_store_cloudflare::KV_BINDING)?;
            let store = CloudflareStore::new(objects, shard, Some(kv), Arc::new(JsClock));
            let key = Key::new(["public", "doc"]);
            let text = |r: Option<Record>| r.map(|r| String::from_utf8_lossy(&r.value).into_owned());
            let steps = async {
                store.put(&key, b"v1".to_vec(), PutOptions::ALWAYS).await?;
                let relaxed_before = text(store.get_relaxed(&key).await?);
                store.put(&key, b"v2".to_vec(), PutOptions::ALWAYS).await?;
                let get_after = text(store.get(&key).await?);
                let relaxed_after = text(store.get_relaxed(&key).await?);
                Ok::<_, StoreError>(json!({
                    "relaxed_before": relaxed_before, "get_after": get_after, "relaxed_after": relaxed_after,
                }))
            };
            match steps.await {
                Ok(report) => Response::from_json(&report),
                Err(e) => Response::error(e.to_string(), 503),
            }
        }
        // The handler CPU of one endpoint: `n` sequential calls inside this one request, on a
        // memory store (so no I/O at all) that counts store operations. The client times the
        // request from outside (workerd's clock stands still during CPU work).
        "bench" => {
            let n: usize = param("n").and_then(|n| n.parse().ok()).unwrap_or(1);
            let spec: BenchRequest = req.json().await?;
            let app = match bench_app(env).await {
                Ok(app) => app,
                Err(e) => return Response::error(e, 500),
            };
            let ops_before = app.1.ops.get();
            let mut last = None;
            for _ in 0..n {
                last = Some(crate::serve(&app.0, spec.to_request()?).await);
            }
            let ops = app.1.ops.get() - ops_before;
            let (status, body) = last
                .map_or((0, String::new()), |r| (r.status().as_u16(), String::from_utf8_lossy(r.body()).into_owned()));
            Response::from_json(&json!({ "n": n, "status": status, "store_ops": ops, "body": body }))
        }
        // `n` password checks (`domain::password::verify` at `PARAMS`, alternately the right and
        // a wrong password, as sign-ins come) against one fresh Argon2id hash: the CPU a password
        // sign-in costs here, timed from outside like "bench". Each request also makes that
        // hash, so the client subtracts an `n = 0` request.
        "argon2" => {
            let n: usize = param("n").and_then(|n| n.parse().ok()).unwrap_or(1);
            let right = "correct horse battery staple";
            let stored = match password::hash(&JsRng, right) {
                Ok(stored) => stored,
                Err(e) => return Response::error(e.to_string(), 500),
            };
            let (mut valid, mut invalid) = (0, 0);
            for i in 0..n {
                match password::verify(Some(&stored), if i % 2 == 0 { right } else { "wrong" }) {
                    Check::Valid => valid += 1,
                    Check::Invalid => invalid += 1,
                    Check::Upgrade => {}
                }
            }
            Response::from_json(&json!({ "n": n, "valid": valid, "invalid": invalid }))
        }
        _ => Response::error("no such test route", 404),
    }
}

#[derive(Deserialize)]
struct BenchRequest {
    method: String,
    path: String,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default)]
    body: String,
}

impl BenchRequest {
    fn to_request(&self) -> worker::Result<edgeid_core::Request> {
        let mut builder = http::Request::builder().method(self.method.as_str()).uri(self.path.as_str());
        for (name, value) in &self.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder.body(Bytes::from(self.body.clone())).map_err(|e| worker::Error::from(e.to_string()))
    }
}

thread_local! {
    static BENCH: RefCell<Option<(Rc<App>, Rc<CountingStore>)>> = const { RefCell::new(None) };
}

/// An `App` like production's (WebCrypto, `Date.now()`, `getRandomValues`, bootstrapped with the
/// same secrets) but on a memory store, built once per isolate.
async fn bench_app(env: &Env) -> Result<(Rc<App>, Rc<CountingStore>), String> {
    if let Some(app) = BENCH.with(|b| b.borrow().clone()) {
        return Ok(app);
    }
    let clock: Arc<dyn edgeid_core::ports::Clock> = Arc::new(JsClock);
    let counting = Rc::new(CountingStore { inner: MemoryStore::new(Arc::clone(&clock)), ops: Cell::new(0) });
    let store: Arc<dyn Store> = Arc::new(SharedCounting(Rc::clone(&counting)));
    let config = edgeid_core::Config::new(&crate::setting(env, "EDGEID_ENDPOINT").unwrap_or_default());
    let app = App::new(config, store, clock, Arc::new(JsRng), Arc::new(crate::crypto::WebCrypto))
        .map_err(|e| e.to_string())?;
    crate::bootstrap::run(&app, env).await.map_err(|e| e.to_string())?;
    let pair = (Rc::new(app), counting);
    BENCH.with(|b| *b.borrow_mut() = Some(pair.clone()));
    Ok(pair)
}

/// The memory store, counting every operation (each would be one Durable Object round trip).
struct CountingStore {
    inner: MemoryStore,
    ops: Cell<usize>,
}

struct SharedCounting(Rc<CountingStore>);

impl SharedCounting {
    fn tick(&self) -> &MemoryStore {
        self.0.ops.set(self.0.ops.get() + 1);
        &self.0.inner
    }
}

#[async_trait::async_trait(?Send)]
impl Store for SharedCounting {
    async fn get(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        self.tick().get(key).await
    }
    async fn put(&self, key: &Key, value: Vec<u8>, options: PutOptions) -> Result<Version, StoreError> {
        self.tick().put(key, value, options).await
    }
    async fn delete(&self, key: &Key) -> Result<(), StoreError> {
        self.tick().delete(key).await
    }
    async fn consume(&self, key: &Key) -> Result<Consumed, StoreError> {
        self.tick().consume(key).await
    }
    async fn list(&self, prefix: &Key, cursor: Option<&str>, limit: usize) -> Result<Page, StoreError> {
        self.tick().list(prefix, cursor, limit).await
    }
    async fn commit(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        self.tick().commit(ops).await
    }
    fn capabilities(&self) -> Capabilities {
        self.0.inner.capabilities()
    }
}
