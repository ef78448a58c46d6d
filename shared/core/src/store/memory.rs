//! The reference store: a `BTreeMap` behind a mutex. Every unit test uses it, and the
//! conformance suite holds the other adapters to its behaviour.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard};

use super::{Capabilities, Consumed, Key, Page, PutOptions, Record, Store, StoreError, Version, WriteOp};
use crate::ports::{Clock, Millis};

pub struct MemoryStore {
    clock: Arc<dyn Clock>,
    records: Mutex<BTreeMap<Key, Record>>,
}

impl MemoryStore {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock, records: Mutex::new(BTreeMap::new()) }
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<Key, Record>> {
        // A panic while holding the lock cannot leave a half-applied write: every mutation
        // below is checked first and applied after.
        self.records.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The live record under `key`, if any.
fn live<'a>(map: &'a BTreeMap<Key, Record>, key: &Key, now: Millis) -> Option<&'a Record> {
    map.get(key).filter(|r| r.is_live(now))
}

#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
impl Store for MemoryStore {
    async fn get(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        let now = self.clock.now_ms();
        Ok(live(&self.lock(), key, now).cloned())
    }

    async fn put(&self, key: &Key, value: Vec<u8>, options: PutOptions) -> Result<Version, StoreError> {
        let now = self.clock.now_ms();
        let mut map = self.lock();
        let version = options
            .condition
            .next_version(live(&map, key, now))
            .ok_or_else(|| StoreError::Conflict { key: key.clone() })?;
        map.insert(key.clone(), Record { value, version, expires_at: options.expires_at, consumed_at: None });
        Ok(version)
    }

    async fn delete(&self, key: &Key) -> Result<(), StoreError> {
        self.lock().remove(key);
        Ok(())
    }

    async fn consume(&self, key: &Key) -> Result<Consumed, StoreError> {
        let now = self.clock.now_ms();
        let mut map = self.lock();
        let Some(record) = map.get_mut(key).filter(|r| r.is_live(now)) else {
            return Ok(Consumed::Missing);
        };
        if record.consumed_at.is_some() {
            return Ok(Consumed::Already(record.clone()));
        }
        record.consumed_at = Some(now);
        record.version += 1;
        Ok(Consumed::First(record.clone()))
    }

    async fn list(&self, prefix: &Key, cursor: Option<&str>, limit: usize) -> Result<Page, StoreError> {
        let now = self.clock.now_ms();
        let map = self.lock();
        let start = prefix.child_prefix();
        // Resume right after the cursor when it lies inside the prefix, else at the prefix.
        let from = match cursor {
            Some(c) if c >= start.as_str() => Bound::Excluded(Key::from_encoded(c)),
            _ => Bound::Included(Key::from_encoded(start.clone())),
        };
        let mut items = Vec::new();
        let mut cursor_out = None;
        for (key, record) in map.range((from, Bound::Unbounded)) {
            if !key.as_str().starts_with(&start) {
                break;
            }
            if !record.is_live(now) {
                continue;
            }
            if items.len() == limit {
                cursor_out = items.last().map(|(k, _): &(Key, Record)| k.as_str().to_owned());
                break;
            }
            items.push((key.clone(), record.clone()));
        }
        Ok(Page { items, cursor: cursor_out })
    }

    async fn commit(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        super::check_batch(&ops, usize::MAX)?;
        let now = self.clock.now_ms();
        let mut map = self.lock();
        // Check every condition against the state before the batch, then apply them all.
        let mut versions = Vec::with_capacity(ops.len());
        for op in &ops {
            let version = op
                .condition()
                .next_version(live(&map, op.key(), now))
                .ok_or_else(|| StoreError::Conflict { key: op.key().clone() })?;
            versions.push(version);
        }
        for (op, version) in ops.into_iter().zip(versions) {
            match op {
                WriteOp::Put { key, value, options } => {
                    map.insert(key, Record { value, version, expires_at: options.expires_at, consumed_at: None });
                }
                WriteOp::Delete { key, .. } => {
                    map.remove(&key);
                }
            }
        }
        Ok(())
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { atomic_single_use: true, read_your_writes: true, max_batch: usize::MAX }
    }
}
