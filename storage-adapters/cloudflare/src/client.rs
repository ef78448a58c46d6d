//! The Worker side: every `Store` call becomes one request to the store object.

use std::sync::Arc;

use edgeid_core::ports::Clock;
use edgeid_core::store::{
    Capabilities, Consumed, Key, Page, PutOptions, Record, Store, StoreError, Version, WriteOp, check_batch,
};
use serde::{Deserialize, Serialize};
use worker::{KvStore, Method, ObjectNamespace, Request, RequestInit};

use crate::protocol::{BatchOp, Envelope, Op, Reply, WireRecord};

/// How long a KV copy may serve relaxed reads. 60 s is also KV's own minimum expiration and
/// roughly its propagation delay, so this is the real bound on staleness.
pub const RELAXED_TTL_SECS: u64 = 60;

/// Largest `commit` batch we promise. The object has no hard limit of its own (one
/// transaction, one request under 32 MiB); this keeps a batch well inside one request's CPU.
pub const MAX_BATCH: usize = 1000;

/// `edgeid_core::store::Store` on Cloudflare: the Durable Object named `shard` in `objects`
/// holds and decides every record; `kv`, if bound, serves [`Store::get_relaxed`] only.
pub struct CloudflareStore {
    objects: ObjectNamespace,
    shard: String,
    kv: Option<KvStore>,
    clock: Arc<dyn Clock>,
}

impl CloudflareStore {
    /// `shard` names the object instance: one per deployment (`"edgeid"`); tests use a fresh
    /// name each for an empty store.
    pub fn new(objects: ObjectNamespace, shard: impl Into<String>, kv: Option<KvStore>, clock: Arc<dyn Clock>) -> Self {
        Self { objects, shard: shard.into(), kv, clock }
    }

    async fn call(&self, op: Op) -> Result<Reply, StoreError> {
        let body = serde_json::to_string(&Envelope { now: self.clock.now_ms(), op })
            .map_err(|e| StoreError::Backend(format!("encoding a store request: {e}")))?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_body(Some(body.into()));
        let request = Request::new_with_init("https://store.edgeid.internal/op", &init).map_err(backend)?;
        let stub = self.objects.get_by_name(&self.shard).map_err(unavailable)?;
        let mut response = stub.fetch_with_request(request).await.map_err(unavailable)?;
        let status = response.status_code();
        let bytes = response.bytes().await.map_err(unavailable)?;
        match status {
            200 => {
                serde_json::from_slice(&bytes).map_err(|e| StoreError::Backend(format!("decoding a store reply: {e}")))
            }
            // The object failed to apply the request (storage error, overload, reset): nothing
            // was written (its transaction rolled back), so the caller may retry.
            500..=599 => Err(StoreError::Unavailable(String::from_utf8_lossy(&bytes).into_owned())),
            _ => {
                Err(StoreError::Backend(format!("store object answered {status}: {}", String::from_utf8_lossy(&bytes))))
            }
        }
    }

    /// The KV copy of `key`, if fresh enough and still live.
    async fn cached(&self, kv: &KvStore, key: &Key) -> Option<Option<Record>> {
        // A KV failure only costs the fast path: fall back to the object.
        let text = kv.get(&cache_key(&self.shard, key)).cache_ttl(RELAXED_TTL_SECS).text().await.ok()??;
        let entry: CacheEntry = serde_json::from_str(&text).ok()?;
        let now = self.clock.now_ms();
        if entry.cached_at + (RELAXED_TTL_SECS as i64) * 1000 <= now {
            return None;
        }
        Some(entry.record.map(Record::from).filter(|r| r.is_live(now)))
    }
}

/// What KV holds for a relaxed read: the authoritative answer at `cached_at` (absent included,
/// so a miss is cached too).
#[derive(Serialize, Deserialize)]
struct CacheEntry {
    cached_at: i64,
    record: Option<WireRecord>,
}

/// KV copies live under their own prefix and their shard, so the namespace can be shared by
/// deployments and purged safely.
fn cache_key(shard: &str, key: &Key) -> String {
    format!("relaxed/{shard}/{}", key.as_str())
}

fn unavailable(e: worker::Error) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

fn backend(e: worker::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn unexpected(reply: Reply) -> StoreError {
    StoreError::Backend(format!("unexpected store reply: {reply:?}"))
}

#[async_trait::async_trait(?Send)]
impl Store for CloudflareStore {
    async fn get(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        match self.call(Op::Get { key: key.as_str().to_owned() }).await? {
            Reply::Record { record } => Ok(record.map(Into::into)),
            other => Err(unexpected(other)),
        }
    }

    async fn get_relaxed(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        let Some(kv) = &self.kv else {
            return self.get(key).await;
        };
        if let Some(hit) = self.cached(kv, key).await {
            return Ok(hit);
        }
        let record = self.get(key).await?;
        let entry = CacheEntry { cached_at: self.clock.now_ms(), record: record.clone().map(Into::into) };
        // Filling the copy is best effort: the answer is already authoritative.
        if let Ok(text) = serde_json::to_string(&entry)
            && let Ok(put) = kv.put(&cache_key(&self.shard, key), text)
        {
            let _ = put.expiration_ttl(RELAXED_TTL_SECS).execute().await;
        }
        Ok(record)
    }

    async fn put(&self, key: &Key, value: Vec<u8>, options: PutOptions) -> Result<Version, StoreError> {
        match self.call(Op::put(key, value, options)).await? {
            Reply::Version { version } => Ok(version),
            Reply::Conflict { .. } => Err(StoreError::Conflict { key: key.clone() }),
            other => Err(unexpected(other)),
        }
    }

    async fn delete(&self, key: &Key) -> Result<(), StoreError> {
        match self.call(Op::Delete { key: key.as_str().to_owned() }).await? {
            Reply::Done => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    async fn consume(&self, key: &Key) -> Result<Consumed, StoreError> {
        match self.call(Op::Consume { key: key.as_str().to_owned() }).await? {
            Reply::Consumed { first: true, record: Some(r) } => Ok(Consumed::First(r.into())),
            Reply::Consumed { first: false, record: Some(r) } => Ok(Consumed::Already(r.into())),
            Reply::Consumed { record: None, .. } => Ok(Consumed::Missing),
            other => Err(unexpected(other)),
        }
    }

    async fn list(&self, prefix: &Key, cursor: Option<&str>, limit: usize) -> Result<Page, StoreError> {
        let op = Op::List { prefix: prefix.as_str().to_owned(), cursor: cursor.map(str::to_owned), limit };
        match self.call(op).await? {
            Reply::Page { items, cursor } => {
                Ok(Page { items: items.into_iter().map(|(k, r)| (Key::from_encoded(k), r.into())).collect(), cursor })
            }
            other => Err(unexpected(other)),
        }
    }

    async fn commit(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        check_batch(&ops, MAX_BATCH)?;
        if ops.is_empty() {
            return Ok(());
        }
        let ops: Vec<BatchOp> = ops.into_iter().map(Into::into).collect();
        match self.call(Op::Commit { ops }).await? {
            Reply::Done => Ok(()),
            Reply::Conflict { key } => Err(StoreError::Conflict { key: Key::from_encoded(key) }),
            other => Err(unexpected(other)),
        }
    }

    fn capabilities(&self) -> Capabilities {
        // Every call goes through the object, which serialises and decides them all.
        Capabilities { atomic_single_use: true, read_your_writes: true, max_batch: MAX_BATCH }
    }
}
