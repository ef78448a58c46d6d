//! The store's Durable Object: one SQLite table holding every record, and the only place a
//! write condition is ever decided.
//!
//! Why this is atomic: a Durable Object runs one event at a time through its input gate, and
//! every request is applied inside `storage.transactionSync`, which runs synchronously (no
//! other request can interleave) and rolls back every statement if one fails. Conditions are
//! checked against the state before the batch, then all writes are applied — the same order
//! as the reference `MemoryStore`, and `Condition::next_version` decides each condition here too.

use std::cell::RefCell;
use std::rc::Rc;

use edgeid_core::ports::Millis;
use edgeid_core::store::{Condition, Consumed, Key, Page, Record};
use js_sys::{Function, Reflect};
use wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::*;
use worker::{DurableObject, Env, Request, Response, SqlStorage, SqlStorageValue, State, Storage, durable_object};

use crate::protocol::{BatchOp, Envelope, Op, Reply};

const SCHEMA: [&str; 2] = [
    "CREATE TABLE IF NOT EXISTS records (
        key TEXT PRIMARY KEY,
        value BLOB NOT NULL,
        version INTEGER NOT NULL,
        expires_at INTEGER,
        consumed_at INTEGER
    ) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS records_by_expiry ON records (expires_at) WHERE expires_at IS NOT NULL",
];

/// Expired rows removed per write: backend deletion is only garbage collection (reads judge
/// expiry themselves), so a small bounded sweep keeps the table from growing without an alarm.
const SWEEP_PER_WRITE: i64 = 16;

#[durable_object]
pub struct EdgeidStore {
    storage: Storage,
    sql: SqlStorage,
}

impl DurableObject for EdgeidStore {
    fn new(state: State, _env: Env) -> Self {
        let storage = state.storage();
        let sql = storage.sql();
        for statement in SCHEMA {
            // A failure here resurfaces on the first query as a 500 the Worker maps to
            // `StoreError::Unavailable`; the constructor itself cannot fail.
            if let Err(e) = sql.exec(statement, None) {
                worker::console_error!("edgeid store: schema setup failed: {e}");
            }
        }
        Self { storage, sql }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let body = req.bytes().await?;
        let envelope: Envelope = match serde_json::from_slice(&body) {
            Ok(e) => e,
            Err(e) => return Response::error(format!("bad store request: {e}"), 400),
        };
        let reply = match envelope.op {
            Op::Get { key } => read(&self.sql, &key)
                .map(|r| Reply::Record { record: r.filter(|r| r.is_live(envelope.now)).map(Into::into) }),
            Op::List { prefix, cursor, limit } => {
                list(&self.sql, &prefix, cursor.as_deref(), limit, envelope.now).map(Reply::page)
            }
            write => {
                let sql = self.sql.clone();
                let now = envelope.now;
                in_transaction(&self.storage, move || apply(&sql, write, now))
            }
        };
        match reply {
            Ok(reply) => Response::from_json(&reply),
            Err(e) => Response::error(format!("store object: {e}"), 500),
        }
    }
}

/// Run `f` inside `storage.transactionSync`: all of its statements commit together, or none
/// do (an `Err` throws, which rolls the transaction back).
fn in_transaction(storage: &Storage, f: impl FnOnce() -> worker::Result<Reply> + 'static) -> worker::Result<Reply> {
    let out: Rc<RefCell<Option<Reply>>> = Rc::new(RefCell::new(None));
    let slot = Rc::clone(&out);
    let body = Closure::once_into_js(move || -> Result<JsValue, JsValue> {
        let reply = f().map_err(|e| JsValue::from_str(&e.to_string()))?;
        *slot.borrow_mut() = Some(reply);
        Ok(JsValue::UNDEFINED)
    });
    let raw: &JsValue = storage.as_raw();
    let transaction_sync = Reflect::get(raw, &JsValue::from_str("transactionSync"))?.dyn_into::<Function>()?;
    transaction_sync.call1(raw, &body)?;
    out.borrow_mut().take().ok_or_else(|| worker::Error::from("transaction ended without a reply"))
}

fn apply(sql: &SqlStorage, op: Op, now: Millis) -> worker::Result<Reply> {
    let reply = match op {
        Op::Put { key, value, expires_at, condition } => {
            let current = live(sql, &key, now)?;
            match Condition::from(condition).next_version(current.as_ref()) {
                Some(version) => {
                    write(sql, &key, value.0, version, expires_at)?;
                    Reply::Version { version }
                }
                None => Reply::Conflict { key },
            }
        }
        Op::Delete { key } => {
            sql.exec("DELETE FROM records WHERE key = ?", vec![key.into()])?;
            Reply::Done
        }
        Op::Consume { key } => Reply::consumed(consume(sql, &key, now)?),
        Op::Commit { ops } => commit(sql, ops, now)?,
        // Reads are answered outside a transaction (see `fetch`); accept them here anyway.
        Op::Get { key } => Reply::Record { record: live(sql, &key, now)?.map(Into::into) },
        Op::List { prefix, cursor, limit } => Reply::page(list(sql, &prefix, cursor.as_deref(), limit, now)?),
    };
    sql.exec(
        "DELETE FROM records WHERE key IN \
         (SELECT key FROM records WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)",
        vec![now.into(), SWEEP_PER_WRITE.into()],
    )?;
    Ok(reply)
}

fn consume(sql: &SqlStorage, key: &str, now: Millis) -> worker::Result<Consumed> {
    let Some(mut record) = live(sql, key, now)? else {
        return Ok(Consumed::Missing);
    };
    if record.consumed_at.is_some() {
        return Ok(Consumed::Already(record));
    }
    record.consumed_at = Some(now);
    record.version += 1;
    sql.exec(
        "UPDATE records SET consumed_at = ?, version = ? WHERE key = ?",
        vec![now.into(), version_value(record.version)?, key.into()],
    )?;
    Ok(Consumed::First(record))
}

fn commit(sql: &SqlStorage, ops: Vec<BatchOp>, now: Millis) -> worker::Result<Reply> {
    // Every condition is judged against the state before the batch, then every write applied.
    let mut versions = Vec::with_capacity(ops.len());
    for op in &ops {
        let (key, condition) = match op {
            BatchOp::Put { key, condition, .. } | BatchOp::Delete { key, condition } => (key, *condition),
        };
        let current = live(sql, key, now)?;
        match Condition::from(condition).next_version(current.as_ref()) {
            Some(version) => versions.push(version),
            None => return Ok(Reply::Conflict { key: key.clone() }),
        }
    }
    for (op, version) in ops.into_iter().zip(versions) {
        match op {
            BatchOp::Put { key, value, expires_at, .. } => write(sql, &key, value.0, version, expires_at)?,
            BatchOp::Delete { key, .. } => {
                sql.exec("DELETE FROM records WHERE key = ?", vec![key.into()])?;
            }
        }
    }
    Ok(Reply::Done)
}

fn write(sql: &SqlStorage, key: &str, value: Vec<u8>, version: u64, expires_at: Option<Millis>) -> worker::Result<()> {
    sql.exec(
        "INSERT OR REPLACE INTO records (key, value, version, expires_at, consumed_at) VALUES (?, ?, ?, ?, NULL)",
        vec![key.into(), value.into(), version_value(version)?, expires_at.into()],
    )?;
    Ok(())
}

fn version_value(version: u64) -> worker::Result<SqlStorageValue> {
    let v = i64::try_from(version).map_err(|_| worker::Error::from("version overflow"))?;
    SqlStorageValue::try_from_i64(v)
}

fn live(sql: &SqlStorage, key: &str, now: Millis) -> worker::Result<Option<Record>> {
    Ok(read(sql, key)?.filter(|r| r.is_live(now)))
}

fn read(sql: &SqlStorage, key: &str) -> worker::Result<Option<Record>> {
    let cursor =
        sql.exec("SELECT value, version, expires_at, consumed_at FROM records WHERE key = ?", vec![key.into()])?;
    match cursor.raw().next() {
        Some(row) => record(&row?).map(Some),
        None => Ok(None),
    }
}

fn list(sql: &SqlStorage, prefix: &str, cursor: Option<&str>, limit: usize, now: Millis) -> worker::Result<Page> {
    if limit == 0 {
        return Ok(Page { items: Vec::new(), cursor: None });
    }
    // Keys under `p` are exactly those in [`p/`, `p0`): '0' is the byte after the separator.
    let start = Key::from_encoded(prefix).child_prefix();
    let end = format!("{}0", start.trim_end_matches('/'));
    let after = cursor.unwrap_or("").to_owned();
    let fetch = i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX);
    let rows = sql.exec(
        "SELECT key, value, version, expires_at, consumed_at FROM records \
         WHERE key >= ? AND key < ? AND key > ? AND (expires_at IS NULL OR expires_at > ?) \
         ORDER BY key LIMIT ?",
        vec![start.into(), end.into(), after.into(), now.into(), fetch.into()],
    )?;
    let mut items = Vec::with_capacity(limit.min(1024));
    let mut more = false;
    for row in rows.raw() {
        let row = row?;
        let Some((SqlStorageValue::String(key), rest)) = row.split_first() else {
            return Err(corrupt());
        };
        if items.len() == limit {
            more = true;
            break;
        }
        items.push((Key::from_encoded(key.clone()), record(rest)?));
    }
    let cursor = if more { items.last().map(|(k, _)| k.as_str().to_owned()) } else { None };
    Ok(Page { items, cursor })
}

fn record(row: &[SqlStorageValue]) -> worker::Result<Record> {
    let [value, SqlStorageValue::Integer(version), expires_at, consumed_at] = row else {
        return Err(corrupt());
    };
    let value = match value {
        SqlStorageValue::Blob(b) => b.clone(),
        // SQLite hands back an empty blob as an empty string on some paths.
        SqlStorageValue::String(s) if s.is_empty() => Vec::new(),
        _ => return Err(corrupt()),
    };
    Ok(Record {
        value,
        version: u64::try_from(*version).map_err(|_| corrupt())?,
        expires_at: millis(expires_at)?,
        consumed_at: millis(consumed_at)?,
    })
}

fn millis(v: &SqlStorageValue) -> worker::Result<Option<Millis>> {
    match v {
        SqlStorageValue::Null => Ok(None),
        SqlStorageValue::Integer(i) => Ok(Some(*i)),
        _ => Err(corrupt()),
    }
}

fn corrupt() -> worker::Error {
    worker::Error::from("unexpected row shape in the records table")
}
