//! What a Worker sends the store object and what it answers: one JSON request per `Store`
//! call. The Worker's clock travels with every request, so expiry is judged by the same clock
//! the core uses (a fake one in the conformance suite, `Date.now()` in production).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use edgeid_core::ports::Millis;
use edgeid_core::store::{Condition, Consumed, Key, Page, PutOptions, Record, Version, WriteOp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Envelope {
    pub now: Millis,
    pub op: Op,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    Get { key: String },
    Put { key: String, value: Bytes, expires_at: Option<Millis>, condition: Cond },
    Delete { key: String },
    Consume { key: String },
    List { prefix: String, cursor: Option<String>, limit: usize },
    Commit { ops: Vec<BatchOp> },
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BatchOp {
    Put { key: String, value: Bytes, expires_at: Option<Millis>, condition: Cond },
    Delete { key: String, condition: Cond },
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(tag = "if", content = "version", rename_all = "snake_case")]
pub enum Cond {
    Always,
    Absent,
    Version(Version),
    Present,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Reply {
    Record {
        record: Option<WireRecord>,
    },
    Version {
        version: Version,
    },
    Done,
    Consumed {
        first: bool,
        record: Option<WireRecord>,
    },
    Page {
        items: Vec<(String, WireRecord)>,
        cursor: Option<String>,
    },
    /// A write condition failed on `key`; nothing was written.
    Conflict {
        key: String,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireRecord {
    pub value: Bytes,
    pub version: Version,
    pub expires_at: Option<Millis>,
    pub consumed_at: Option<Millis>,
}

/// Record values are opaque bytes; base64 keeps the JSON small and unambiguous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bytes(pub Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        STANDARD.decode(s.as_bytes()).map(Bytes).map_err(serde::de::Error::custom)
    }
}

impl From<Condition> for Cond {
    fn from(c: Condition) -> Self {
        match c {
            Condition::Always => Cond::Always,
            Condition::IfAbsent => Cond::Absent,
            Condition::IfVersion(v) => Cond::Version(v),
            Condition::IfPresent => Cond::Present,
        }
    }
}

impl From<Cond> for Condition {
    fn from(c: Cond) -> Self {
        match c {
            Cond::Always => Condition::Always,
            Cond::Absent => Condition::IfAbsent,
            Cond::Version(v) => Condition::IfVersion(v),
            Cond::Present => Condition::IfPresent,
        }
    }
}

impl From<Record> for WireRecord {
    fn from(r: Record) -> Self {
        Self { value: Bytes(r.value), version: r.version, expires_at: r.expires_at, consumed_at: r.consumed_at }
    }
}

impl From<WireRecord> for Record {
    fn from(r: WireRecord) -> Self {
        Self { value: r.value.0, version: r.version, expires_at: r.expires_at, consumed_at: r.consumed_at }
    }
}

impl Op {
    pub fn put(key: &Key, value: Vec<u8>, options: PutOptions) -> Self {
        Op::Put {
            key: key.as_str().to_owned(),
            value: Bytes(value),
            expires_at: options.expires_at,
            condition: options.condition.into(),
        }
    }
}

impl From<WriteOp> for BatchOp {
    fn from(op: WriteOp) -> Self {
        match op {
            WriteOp::Put { key, value, options } => BatchOp::Put {
                key: key.as_str().to_owned(),
                value: Bytes(value),
                expires_at: options.expires_at,
                condition: options.condition.into(),
            },
            WriteOp::Delete { key, condition } => {
                BatchOp::Delete { key: key.as_str().to_owned(), condition: condition.into() }
            }
        }
    }
}

impl Reply {
    pub fn consumed(c: Consumed) -> Self {
        match c {
            Consumed::First(r) => Reply::Consumed { first: true, record: Some(r.into()) },
            Consumed::Already(r) => Reply::Consumed { first: false, record: Some(r.into()) },
            Consumed::Missing => Reply::Consumed { first: false, record: None },
        }
    }

    pub fn page(p: Page) -> Self {
        Reply::Page {
            items: p.items.into_iter().map(|(k, r)| (k.as_str().to_owned(), r.into())).collect(),
            cursor: p.cursor,
        }
    }
}
