//! Plumbing every repository shares: JSON records with versions, ordered list copies,
//! counters kept in the same commit, offset pages over the store's cursor listing.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Internal;
use crate::ports::Millis;
use crate::store::{Condition, Key, PutOptions, Store, StoreError, Version, WriteOp, keys};

/// A decoded record and the version to write it back with (`IfVersion`).
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    pub value: T,
    pub version: Version,
}

/// How many times a write is retried when it lost a race on a counter shard only. Counters
/// are split into [`COUNTER_SHARDS`] records and each write picks its shard from the key it
/// writes, so N concurrent creates mostly touch different records; a lost round costs one
/// `get` and one commit that writes nothing.
const COUNTER_RETRIES: usize = 32;

/// Shards per counter: `Total-Number` reads them all in one listing.
const COUNTER_SHARDS: u8 = 16;

pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, Internal> {
    serde_json::to_vec(value).map_err(|e| Internal::Bug(format!("encode record: {e}")))
}

pub(crate) fn decode<T: DeserializeOwned>(key: &Key, bytes: &[u8]) -> Result<T, Internal> {
    serde_json::from_slice(bytes).map_err(|e| Internal::Store(StoreError::Corrupt(format!("{key}: {e}"))))
}

pub(crate) async fn read<T: DeserializeOwned>(store: &dyn Store, key: &Key) -> Result<Option<Versioned<T>>, Internal> {
    match store.get(key).await? {
        Some(record) => Ok(Some(Versioned { value: decode(key, &record.value)?, version: record.version })),
        None => Ok(None),
    }
}

/// [`read`] through [`Store::get_relaxed`]: the answer may be up to a minute old. Only for
/// configuration the token endpoint reads on every request and whose staleness cannot grant
/// more than a recent administrator already allowed (see `resource::find_by_indicator`).
pub(crate) async fn read_relaxed<T: DeserializeOwned>(store: &dyn Store, key: &Key) -> Result<Option<T>, Internal> {
    match store.get_relaxed(key).await? {
        Some(record) => Ok(Some(decode(key, &record.value)?)),
        None => Ok(None),
    }
}

pub(crate) fn put(key: Key, value: Vec<u8>, condition: Condition) -> WriteOp {
    WriteOp::Put { key, value, options: PutOptions { expires_at: None, condition } }
}

pub(crate) fn delete(key: Key) -> WriteOp {
    WriteOp::Delete { key, condition: Condition::Always }
}

/// The write of a record that was read at `version` (or created, when `None`).
pub(crate) fn put_versioned(key: Key, value: Vec<u8>, version: Option<Version>) -> WriteOp {
    let condition = version.map_or(Condition::IfAbsent, Condition::IfVersion);
    put(key, value, condition)
}

/// Sort token for oldest-first lists: fixed width, so byte order is time order.
pub(crate) fn sort_ascending(at: Millis) -> String {
    format!("{:020}", at.max(0))
}

/// Sort token for newest-first lists.
pub(crate) fn sort_descending(at: Millis) -> String {
    format!("{:020}", i64::MAX - at.max(0))
}

/// Apply `ops` and bump `counters` by their deltas in the same commit. A race on a counter
/// shard alone is retried; a conflict on any other key is returned to the caller (a
/// uniqueness index or a stale version, which it maps to its own error).
pub(crate) async fn commit_counted(
    store: &dyn Store,
    ops: Vec<WriteOp>,
    counters: &[(Key, i64)],
) -> Result<(), StoreError> {
    let counter_prefix = keys::counters();
    let shard = shard_for(&ops);
    let mut attempt = 0;
    loop {
        let mut batch = ops.clone();
        for (counter, delta) in counters {
            let key = keys::counter_shard(counter, shard);
            let (current, version) = match store.get(&key).await? {
                Some(record) => (serde_json::from_slice::<i64>(&record.value).unwrap_or(0), Some(record.version)),
                None => (0, None),
            };
            // A shard may go negative (created on one shard, deleted on another); only the
            // sum is meaningful.
            batch.push(put_versioned(key, (current + delta).to_string().into_bytes(), version));
        }
        if batch.is_empty() {
            return Ok(());
        }
        match store.commit(batch).await {
            Err(StoreError::Conflict { key }) if key.is_under(&counter_prefix) && attempt < COUNTER_RETRIES => {
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// The shard a batch bumps: derived from the first key it writes (the new entity's, for a
/// create), so concurrent writers of different entities spread over the shards.
fn shard_for(ops: &[WriteOp]) -> u8 {
    let key = ops.first().map_or("", |op| op.key().as_str());
    // FNV-1a: cheap and well spread; not a security boundary.
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    u8::try_from(hash % u64::from(COUNTER_SHARDS)).unwrap_or(0)
}

/// Commit `groups` (each kept whole) and `last` (+ `counters`). When it all fits in one batch
/// of this store, it is one atomic commit. Otherwise (DynamoDB takes 100 writes per
/// transaction) the groups go first, in as few batches as fit, and `last` — the writes that
/// make the change visible, with the conditions that matter — commits at the end. Callers
/// order things so that every intermediate state is one readers may see (a role with fewer
/// grants, a resource with fewer scopes), and a retry after a failure finishes the job.
pub(crate) async fn commit_grouped(
    store: &dyn Store,
    groups: Vec<Vec<WriteOp>>,
    last: Vec<WriteOp>,
    counters: &[(Key, i64)],
) -> Result<(), StoreError> {
    let max = store.capabilities().max_batch;
    let total = groups.iter().map(Vec::len).sum::<usize>() + last.len() + counters.len();
    if total <= max {
        let mut ops: Vec<WriteOp> = groups.into_iter().flatten().collect();
        ops.extend(last);
        return commit_counted(store, ops, counters).await;
    }
    commit_chunks(store, groups, max).await?;
    commit_counted(store, last, counters).await
}

/// Commit `first` (+ `counters`), then `groups` in as few batches as fit: an insert whose
/// relations may not fit in the same batch (a role created with hundreds of scopes).
pub(crate) async fn commit_then(
    store: &dyn Store,
    first: Vec<WriteOp>,
    groups: Vec<Vec<WriteOp>>,
    counters: &[(Key, i64)],
) -> Result<(), StoreError> {
    let max = store.capabilities().max_batch;
    let total = groups.iter().map(Vec::len).sum::<usize>() + first.len() + counters.len();
    if total <= max {
        let mut ops = first;
        ops.extend(groups.into_iter().flatten());
        return commit_counted(store, ops, counters).await;
    }
    commit_counted(store, first, counters).await?;
    commit_chunks(store, groups, max).await
}

async fn commit_chunks(store: &dyn Store, groups: Vec<Vec<WriteOp>>, max: usize) -> Result<(), StoreError> {
    let mut batch: Vec<WriteOp> = Vec::new();
    for group in groups {
        if group.len() > max {
            return Err(StoreError::Backend(format!(
                "{} related writes exceed this store's batch of {max}",
                group.len()
            )));
        }
        if batch.len() + group.len() > max {
            store.commit(std::mem::take(&mut batch)).await?;
        }
        batch.extend(group);
    }
    if !batch.is_empty() {
        store.commit(batch).await?;
    }
    Ok(())
}

/// The value of a counter: the sum of its shards.
pub(crate) async fn count(store: &dyn Store, counter: &Key) -> Result<u64, Internal> {
    let page = store.list(&keys::counter_shards(counter), None, usize::from(COUNTER_SHARDS)).await?;
    let sum: i64 = page.items.iter().map(|(_, record)| serde_json::from_slice::<i64>(&record.value).unwrap_or(0)).sum();
    Ok(sum.max(0).unsigned_abs())
}

/// Which slice of an ordered list to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub offset: usize,
    pub limit: usize,
}

/// Largest page the store is asked for at once while skipping or reading everything.
const CHUNK: usize = 100;

/// Decoded records under `prefix` in key order: the `window`, or all of them.
pub(crate) async fn list<T: DeserializeOwned>(
    store: &dyn Store,
    prefix: &Key,
    window: Option<Window>,
) -> Result<Vec<T>, Internal> {
    let mut out = Vec::new();
    for_each(store, prefix, window, |key, bytes| {
        out.push(decode(key, bytes)?);
        Ok(())
    })
    .await?;
    Ok(out)
}

/// Keys (not values) under `prefix`, all of them, in key order.
pub(crate) async fn list_keys(store: &dyn Store, prefix: &Key) -> Result<Vec<Key>, Internal> {
    let mut out = Vec::new();
    for_each(store, prefix, None, |key, _| {
        out.push(key.clone());
        Ok(())
    })
    .await?;
    Ok(out)
}

async fn for_each(
    store: &dyn Store,
    prefix: &Key,
    window: Option<Window>,
    mut f: impl FnMut(&Key, &[u8]) -> Result<(), Internal>,
) -> Result<(), Internal> {
    let (mut skip, mut remaining) = match window {
        Some(w) => (w.offset, w.limit),
        None => (0, usize::MAX),
    };
    let mut cursor: Option<String> = None;
    while remaining > 0 {
        let want = if skip > 0 { skip.min(CHUNK) } else { remaining.min(CHUNK) };
        let page = store.list(prefix, cursor.as_deref(), want).await?;
        for (key, record) in &page.items {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            if remaining == 0 {
                break;
            }
            remaining -= 1;
            f(key, &record.value)?;
        }
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok(())
}
