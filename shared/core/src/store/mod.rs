//! The storage contract (DESIGN §4): one small trait, thin adapters, one conformance suite.
//!
//! Records are opaque bytes (JSON of the domain types) with a version, an optional absolute
//! expiry and a consumed mark. Expiry is checked on every read against the [`Clock`]; backend
//! TTL deletion is only garbage collection. Everything security-critical that must happen once
//! (codes, rotated refresh tokens, uniqueness indexes) goes through `consume`, `IfAbsent`,
//! `IfVersion` or an atomic [`Store::commit`], which every backend implements with a
//! conditional write only one caller can win.
//!
//! [`Clock`]: crate::ports::Clock

mod error;
pub mod keys;
pub mod memory;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use error::StoreError;
pub use keys::Key;

use crate::ports::{MaybeSend, MaybeSync, Millis};

/// Monotonic per-key version; the first write of a key is version 1.
pub type Version = u64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub value: Vec<u8>,
    pub version: Version,
    /// Absolute expiry; the record reads as absent from this instant on.
    pub expires_at: Option<Millis>,
    /// Set by the first successful [`Store::consume`].
    pub consumed_at: Option<Millis>,
}

/// When a write may happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    Always,
    /// Only if no live (unexpired) record exists under the key.
    IfAbsent,
    /// Only if the live record has exactly this version.
    IfVersion(Version),
    /// Only if a live record exists (any version).
    IfPresent,
}

impl Condition {
    /// Whether the condition holds given the live record under the key (`None` if absent or
    /// expired); if it does, the version the write gets. Shared by every adapter that decides
    /// conditions itself, so they cannot disagree.
    pub fn next_version(self, current: Option<&Record>) -> Option<Version> {
        let holds = match self {
            Condition::Always => true,
            Condition::IfAbsent => current.is_none(),
            Condition::IfVersion(v) => current.is_some_and(|r| r.version == v),
            Condition::IfPresent => current.is_some(),
        };
        holds.then_some(current.map_or(1, |r| r.version + 1))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PutOptions {
    /// Absolute expiry (ms since epoch), computed by the caller from its clock.
    pub expires_at: Option<Millis>,
    pub condition: Condition,
}

impl PutOptions {
    pub const ALWAYS: Self = Self { expires_at: None, condition: Condition::Always };
    pub const IF_ABSENT: Self = Self { expires_at: None, condition: Condition::IfAbsent };

    pub fn if_version(v: Version) -> Self {
        Self { expires_at: None, condition: Condition::IfVersion(v) }
    }

    pub fn expiring_at(mut self, at: Millis) -> Self {
        self.expires_at = Some(at);
        self
    }
}

/// Outcome of [`Store::consume`] (node-oidc-provider's semantics: a replay is detectable and
/// still carries the record, so the caller can revoke everything issued from it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Consumed {
    First(Record),
    Already(Record),
    Missing,
}

/// One write of an atomic batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOp {
    Put {
        key: Key,
        value: Vec<u8>,
        options: PutOptions,
    },
    /// Deletes the key; with `IfVersion`/`IfPresent` the batch fails unless the condition holds.
    Delete {
        key: Key,
        condition: Condition,
    },
}

impl WriteOp {
    /// The key this op writes.
    pub fn key(&self) -> &Key {
        match self {
            WriteOp::Put { key, .. } | WriteOp::Delete { key, .. } => key,
        }
    }

    /// The condition this op is guarded by.
    pub fn condition(&self) -> Condition {
        match self {
            WriteOp::Put { options, .. } => options.condition,
            WriteOp::Delete { condition, .. } => *condition,
        }
    }
}

/// Refuse a batch that names a key twice or exceeds `max_batch`, before touching anything.
/// A batch's conditions are all checked against the state before it, which has no sensible
/// meaning for two writes of one key, and DynamoDB refuses such batches: every adapter calls
/// this so they all fail alike.
pub fn check_batch(ops: &[WriteOp], max_batch: usize) -> Result<(), StoreError> {
    if ops.len() > max_batch {
        return Err(StoreError::Backend(format!("a batch of {} writes exceeds this store's {max_batch}", ops.len())));
    }
    let mut seen = std::collections::BTreeSet::new();
    for op in ops {
        if !seen.insert(op.key()) {
            return Err(StoreError::Backend(format!("a batch names {} more than once", op.key())));
        }
    }
    Ok(())
}

/// One page of an ordered listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Live records under the prefix, ordered by key; `min(limit, remaining)` of them.
    pub items: Vec<(Key, Record)>,
    /// Present exactly when more live records follow. Opaque: pass it back, unchanged, to the
    /// same prefix's listing to get the next page.
    pub cursor: Option<String>,
}

/// What a backend guarantees. The core refuses to start on a backend that cannot decide
/// single use atomically (DESIGN §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// `consume`, `IfAbsent`/`IfVersion` and `commit` are linearizable.
    pub atomic_single_use: bool,
    /// `get` after an acknowledged write sees it (no eventual consistency on reads).
    pub read_your_writes: bool,
    /// Largest number of operations in one `commit`.
    pub max_batch: usize,
}

#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
pub trait Store: MaybeSend + MaybeSync {
    /// The live record under `key`; expired records read as `None`.
    async fn get(&self, key: &Key) -> Result<Option<Record>, StoreError>;

    /// Like [`Store::get`], but the answer may be up to a minute old. Only for public data whose
    /// staleness is harmless and that sits on a hot path; never for secrets, tokens, codes,
    /// sessions, or anything a later write condition is derived from. Backends without a
    /// nearer copy answer with `get` (the Cloudflare store serves it from Workers KV).
    async fn get_relaxed(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        self.get(key).await
    }

    /// Write `value`; returns the new version, or `Conflict` if the condition fails.
    async fn put(&self, key: &Key, value: Vec<u8>, options: PutOptions) -> Result<Version, StoreError>;

    /// Idempotent removal.
    async fn delete(&self, key: &Key) -> Result<(), StoreError>;

    /// Mark the live record consumed (its version goes up by one); exactly one caller ever gets
    /// `First`. Expired records are `Missing`.
    async fn consume(&self, key: &Key) -> Result<Consumed, StoreError>;

    /// Live records strictly below `prefix` (segment-wise, nested keys included), ordered by
    /// encoded key bytewise, `limit` per page (fewer only on the last), resuming after `cursor`.
    async fn list(&self, prefix: &Key, cursor: Option<&str>, limit: usize) -> Result<Page, StoreError>;

    /// Apply every op or none, durably. Every condition is checked against the state before the
    /// batch; a failed one yields `Conflict` naming its key. A batch names each key at most
    /// once (else `Backend`, nothing written) and holds at most `capabilities().max_batch` ops.
    async fn commit(&self, ops: Vec<WriteOp>) -> Result<(), StoreError>;

    fn capabilities(&self) -> Capabilities;
}

impl Record {
    pub fn is_live(&self, now: Millis) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }
}
