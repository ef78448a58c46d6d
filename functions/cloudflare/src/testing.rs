//! Test-only routes (feature `conformance`, never deployed): the core's storage conformance
//! suite and a single-use probe, run inside workerd against the real Durable Object.

use std::sync::Arc;

use edgeid_core::ports::{FixedClock, Rng as _};
use edgeid_core::store::conformance::{Harness, run_all};
use edgeid_core::store::{Consumed, Key, PutOptions, Store};
use edgeid_store_cloudflare::{CloudflareStore, STORE_BINDING};
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

pub async fn handle(req: Request, env: &Env) -> worker::Result<Response> {
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
        _ => Response::error("no such test route", 404),
    }
}
