//! edgeid's embedded store: the whole [`Store`] contract over one redb file, for the local
//! server and self-hosting.
//!
//! # Guarantees
//!
//! - **Durability.** Every write (`put`, `delete`, `consume`, `commit`) is one redb write
//!   transaction committed with immediate durability before the call returns: once a write is
//!   acknowledged it is on disk and survives a crash or `SIGKILL` of the process (the crash test
//!   in `tests/` kills a real server mid-stream to show it). A write that was not acknowledged
//!   is either wholly present or wholly absent after restart.
//! - **Atomicity and isolation.** Conditions (`IfAbsent`, `IfVersion`, `IfPresent`), `consume`
//!   and every op of a `commit` are decided inside that same write transaction, and redb runs
//!   one write transaction at a time, so of any number of threads racing for a code or a
//!   username exactly one wins. A failed condition aborts the transaction: nothing is written.
//!   Reads use read transactions (MVCC snapshots) and never block writers.
//! - **Expiry.** A record's absolute `expires_at` is checked against the store's clock on every
//!   read and every condition, so an expired record is absent the instant it expires. Removing
//!   expired records is only garbage collection: each write transaction also deletes up to
//!   [`SWEEP_PER_WRITE`] records whose expiry has passed, found through an `(expires_at, key)`
//!   index, so the file does not grow with dead codes and sessions.
//! - **One process.** redb locks the file: a second process opening the same file gets
//!   `StoreError::Unavailable` instead of corrupting it.
//!
//! The calls block the calling thread for the duration of one transaction (an fsync for
//! writes); they are short and the core is runtime-free, so there is no `spawn_blocking` here.
//!
//! Records are stored by their encoded [`Key`] (so listing order is the encoded keys' bytewise
//! order, as on every backend) in a compact, versioned binary layout (see `record.rs`).

mod record;

use std::path::Path;
use std::sync::Arc;

use edgeid_core::ports::{Clock, Millis};
use edgeid_core::store::{
    Capabilities, Condition, Consumed, Key, Page, PutOptions, Record, Store, StoreError, Version, WriteOp, check_batch,
};
use redb::{Database, ReadableDatabase, ReadableTable, Table, TableDefinition, WriteTransaction};

/// Encoded key → encoded record.
const RECORDS: TableDefinition<&str, &[u8]> = TableDefinition::new("records");
/// `(expires_at, encoded key)` of every record that expires: lets writes sweep dead records
/// without scanning.
const EXPIRY: TableDefinition<(i64, &str), ()> = TableDefinition::new("expiry");
/// `"format"` → the layout version of this file.
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const FORMAT: u64 = 1;

/// How many expired records each write transaction removes at most.
pub const SWEEP_PER_WRITE: usize = 16;
/// Largest `commit` accepted (redb has no limit; this bounds one transaction's size).
const MAX_BATCH: usize = 1_000;
/// redb's page cache; its default (1 GiB) is far more than a local identity server needs.
const CACHE_BYTES: usize = 64 * 1024 * 1024;

pub struct EmbeddedStore {
    db: Database,
    clock: Arc<dyn Clock>,
}

impl EmbeddedStore {
    /// Open (or create) the store file at `path`. Fails if another process has it open, or if
    /// it was written by a newer, incompatible edgeid.
    pub fn open(path: impl AsRef<Path>, clock: Arc<dyn Clock>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let db = Database::builder().set_cache_size(CACHE_BYTES).create(path).map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => {
                StoreError::Unavailable(format!("{} is already open in another process", path.display()))
            }
            other => backend(other),
        })?;
        let txn = db.begin_write().map_err(backend)?;
        {
            let mut meta = txn.open_table(META).map_err(backend)?;
            let format = meta.get("format").map_err(backend)?.map(|v| v.value());
            match format {
                None => {
                    meta.insert("format", FORMAT).map_err(backend)?;
                }
                Some(FORMAT) => {}
                Some(other) => {
                    return Err(StoreError::Corrupt(format!(
                        "{} has store format {other}; this edgeid reads format {FORMAT}",
                        path.display()
                    )));
                }
            }
            txn.open_table(RECORDS).map_err(backend)?;
            txn.open_table(EXPIRY).map_err(backend)?;
        }
        txn.commit().map_err(backend)?;
        Ok(Self { db, clock })
    }

    /// Run `f` in one write transaction and commit it durably if it returns `Ok`; on `Err`
    /// (a failed condition included) the transaction is aborted and nothing is written. A
    /// transaction that changed nothing (a replayed `consume`, say) is not committed, which
    /// saves the fsync.
    fn write<T>(&self, f: impl FnOnce(&mut Tables<'_>) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let now = self.clock.now_ms();
        let txn = self.db.begin_write().map_err(backend)?;
        let (out, dirty) = {
            let mut tables = Tables::open(&txn, now)?;
            let out = f(&mut tables)?;
            tables.sweep()?;
            (out, tables.dirty)
        };
        if dirty {
            txn.commit().map_err(backend)?;
        } else {
            txn.abort().map_err(backend)?;
        }
        Ok(out)
    }
}

/// The open tables of one write transaction, and the instant it decides expiry at.
struct Tables<'txn> {
    records: Table<'txn, &'static str, &'static [u8]>,
    expiry: Table<'txn, (i64, &'static str), ()>,
    now: Millis,
    /// Whether anything was written.
    dirty: bool,
}

impl<'txn> Tables<'txn> {
    fn open(txn: &'txn WriteTransaction, now: Millis) -> Result<Self, StoreError> {
        Ok(Self {
            records: txn.open_table(RECORDS).map_err(backend)?,
            expiry: txn.open_table(EXPIRY).map_err(backend)?,
            now,
            dirty: false,
        })
    }

    /// The stored record under `key`, expired or not.
    fn stored(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        let bytes = self.records.get(key.as_str()).map_err(backend)?;
        bytes.map(|b| record::decode(b.value())).transpose()
    }

    /// The live record under `key`.
    fn live(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        Ok(self.stored(key)?.filter(|r| r.is_live(self.now)))
    }

    /// Decide `condition` against the live record; the version the write gets.
    fn check(&self, key: &Key, condition: Condition) -> Result<Version, StoreError> {
        condition.next_version(self.live(key)?.as_ref()).ok_or_else(|| StoreError::Conflict { key: key.clone() })
    }

    /// Replace whatever is under `key` (keeping the expiry index in step).
    fn insert(&mut self, key: &Key, record: &Record) -> Result<(), StoreError> {
        self.dirty = true;
        let old = self.records.insert(key.as_str(), record::encode(record).as_slice()).map_err(backend)?;
        let old_expiry = old.map(|b| record::expires_at(b.value())).transpose()?.flatten();
        if old_expiry != record.expires_at {
            if let Some(at) = old_expiry {
                self.expiry.remove((at, key.as_str())).map_err(backend)?;
            }
            if let Some(at) = record.expires_at {
                self.expiry.insert((at, key.as_str()), ()).map_err(backend)?;
            }
        }
        Ok(())
    }

    /// Remove `key`; whether anything was there.
    fn remove(&mut self, key: &Key) -> Result<bool, StoreError> {
        let Some(old) = self.records.remove(key.as_str()).map_err(backend)? else {
            return Ok(false);
        };
        self.dirty = true;
        if let Some(at) = record::expires_at(old.value())? {
            drop(old);
            self.expiry.remove((at, key.as_str())).map_err(backend)?;
        }
        Ok(true)
    }

    /// Garbage-collect a few records whose expiry has passed (they already read as absent).
    /// Never fails the write it rides on because of a record it cannot read.
    fn sweep(&mut self) -> Result<(), StoreError> {
        let mut dead: Vec<(i64, String)> = Vec::with_capacity(SWEEP_PER_WRITE);
        for entry in self.expiry.range::<(i64, &str)>(..(self.now, "")).map_err(backend)?.take(SWEEP_PER_WRITE) {
            let (k, _) = entry.map_err(backend)?;
            let (at, key) = k.value();
            dead.push((at, key.to_owned()));
        }
        for (at, key) in dead {
            self.dirty = true;
            self.expiry.remove((at, key.as_str())).map_err(backend)?;
            let still_dead = match self.records.get(key.as_str()).map_err(backend)? {
                Some(bytes) => record::expires_at(bytes.value()).ok() == Some(Some(at)),
                None => false,
            };
            if still_dead {
                self.records.remove(key.as_str()).map_err(backend)?;
            }
        }
        Ok(())
    }
}

fn backend(e: impl Into<redb::Error>) -> StoreError {
    match e.into() {
        redb::Error::Corrupted(m) => StoreError::Corrupt(format!("redb: {m}")),
        redb::Error::DatabaseAlreadyOpen => StoreError::Unavailable("the store file is open in another process".into()),
        other => StoreError::Backend(format!("redb: {other}")),
    }
}

#[async_trait::async_trait]
impl Store for EmbeddedStore {
    async fn get(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        let now = self.clock.now_ms();
        let txn = self.db.begin_read().map_err(backend)?;
        let table = txn.open_table(RECORDS).map_err(backend)?;
        let Some(bytes) = table.get(key.as_str()).map_err(backend)? else {
            return Ok(None);
        };
        Ok(Some(record::decode(bytes.value())?).filter(|r| r.is_live(now)))
    }

    async fn put(&self, key: &Key, value: Vec<u8>, options: PutOptions) -> Result<Version, StoreError> {
        self.write(|t| {
            let version = t.check(key, options.condition)?;
            t.insert(key, &Record { value, version, expires_at: options.expires_at, consumed_at: None })?;
            Ok(version)
        })
    }

    async fn delete(&self, key: &Key) -> Result<(), StoreError> {
        // Nothing to delete means nothing to commit (and no fsync).
        let present = {
            let txn = self.db.begin_read().map_err(backend)?;
            let table = txn.open_table(RECORDS).map_err(backend)?;
            table.get(key.as_str()).map_err(backend)?.is_some()
        };
        if !present {
            return Ok(());
        }
        self.write(|t| t.remove(key).map(drop))
    }

    async fn consume(&self, key: &Key) -> Result<Consumed, StoreError> {
        self.write(|t| {
            let Some(mut record) = t.live(key)? else {
                return Ok(Consumed::Missing);
            };
            if record.consumed_at.is_some() {
                return Ok(Consumed::Already(record));
            }
            record.consumed_at = Some(t.now);
            record.version += 1;
            t.insert(key, &record)?;
            Ok(Consumed::First(record))
        })
    }

    async fn list(&self, prefix: &Key, cursor: Option<&str>, limit: usize) -> Result<Page, StoreError> {
        let now = self.clock.now_ms();
        let start = prefix.child_prefix();
        let txn = self.db.begin_read().map_err(backend)?;
        let table = txn.open_table(RECORDS).map_err(backend)?;
        let range = match cursor {
            Some(c) if c >= start.as_str() => {
                table.range::<&str>((std::ops::Bound::Excluded(c), std::ops::Bound::Unbounded))
            }
            _ => table.range::<&str>(start.as_str()..),
        }
        .map_err(backend)?;
        let mut items: Vec<(Key, Record)> = Vec::new();
        let mut more = false;
        for entry in range {
            let (k, v) = entry.map_err(backend)?;
            let k = k.value();
            if !k.starts_with(&start) {
                break;
            }
            if record::expires_at(v.value())?.is_some_and(|at| now >= at) {
                continue;
            }
            if items.len() == limit {
                more = true;
                break;
            }
            items.push((Key::from_encoded(k), record::decode(v.value())?));
        }
        let cursor = if more { items.last().map(|(k, _)| k.as_str().to_owned()) } else { None };
        Ok(Page { items, cursor })
    }

    async fn commit(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        check_batch(&ops, MAX_BATCH)?;
        if ops.is_empty() {
            return Ok(());
        }
        // Keys are distinct, so checking and applying op by op sees exactly the state before
        // the batch for every key; a failed condition aborts the whole transaction.
        self.write(|t| {
            for op in ops {
                let version = t.check(op.key(), op.condition())?;
                match op {
                    WriteOp::Put { key, value, options } => {
                        t.insert(&key, &Record { value, version, expires_at: options.expires_at, consumed_at: None })?;
                    }
                    WriteOp::Delete { key, .. } => {
                        t.remove(&key)?;
                    }
                }
            }
            Ok(())
        })
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { atomic_single_use: true, read_your_writes: true, max_batch: MAX_BATCH }
    }
}
