//! How a [`Record`] lies in the table: one item per key.
//!
//! | attribute | type | meaning |
//! |---|---|---|
//! | `pk`  | S | the key's first segment (its kind: `app`, `token`, `idx`, ...) |
//! | `sk`  | S | the whole encoded key |
//! | `val` | B | the record's bytes |
//! | `ver` | N | version, 1 on first write |
//! | `exp` | N | absolute expiry in ms (the truth every read and condition checks) |
//! | `ttl` | N | the same instant in seconds, for DynamoDB's lazy TTL sweep (garbage collection only) |
//! | `con` | N | consumed at, ms |
//! | `wid` | S | id of the write that produced this state (makes retried conditional writes idempotent, see `store.rs`) |
//!
//! Why `pk` = first segment: `list(prefix)` must return every key below the prefix in key order,
//! at any depth. With the kind as partition key and the whole key as sort key, any listing is one
//! strongly consistent Query (`begins_with(sk, prefix/)`) on one partition, ordered exactly like
//! the encoded keys (DynamoDB orders `S` sort keys by UTF-8 bytes, as Rust orders `String`). The
//! price: all records of a kind share a partition key value. The table has no LSI, so DynamoDB
//! may split a hot item collection across partitions by sort-key range ("split for heat"), and
//! no item-collection size limit applies; a GSI would avoid sharing but is only eventually
//! consistent, which revoke-by-grant and uniqueness indexes cannot accept.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use edgeid_core::ports::Millis;
use edgeid_core::store::{Key, Record, StoreError, Version};

pub(crate) type Item = HashMap<String, AttributeValue>;

pub(crate) const PK: &str = "pk";
pub(crate) const SK: &str = "sk";
pub(crate) const VALUE: &str = "val";
pub(crate) const VERSION: &str = "ver";
pub(crate) const EXPIRES: &str = "exp";
pub(crate) const TTL: &str = "ttl";
pub(crate) const CONSUMED: &str = "con";
pub(crate) const WRITE_ID: &str = "wid";

/// The partition key of `key`: its first encoded segment.
pub(crate) fn partition(key: &str) -> &str {
    key.split('/').next().unwrap_or(key)
}

/// `pk` and `sk` of a key. DynamoDB rejects empty key attributes; the core never builds an empty
/// key, so one is a bug reported as a backend error rather than sent.
pub(crate) fn primary_key(key: &Key) -> Result<Item, StoreError> {
    let sk = key.as_str();
    let pk = partition(sk);
    if pk.is_empty() {
        return Err(StoreError::Backend(format!("key {sk:?} has an empty first segment")));
    }
    Ok(HashMap::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))]))
}

pub(crate) fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

pub(crate) fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub(crate) fn blob(v: Vec<u8>) -> AttributeValue {
    AttributeValue::B(Blob::new(v))
}

/// DynamoDB TTL wants epoch seconds; round up so the sweep never runs before `exp`.
pub(crate) fn ttl_secs(expires_at: Millis) -> i64 {
    expires_at.div_euclid(1000) + i64::from(expires_at.rem_euclid(1000) != 0)
}

/// A full item for a fresh write (PutItem / transactional Put).
pub(crate) fn full_item(
    key: &Key,
    value: Vec<u8>,
    version: Version,
    expires_at: Option<Millis>,
    write_id: &str,
) -> Result<Item, StoreError> {
    let mut item = primary_key(key)?;
    item.insert(WRITE_ID.to_owned(), s(write_id));
    item.insert(VALUE.to_owned(), blob(value));
    item.insert(VERSION.to_owned(), n(version));
    if let Some(at) = expires_at {
        item.insert(EXPIRES.to_owned(), n(at));
        item.insert(TTL.to_owned(), n(ttl_secs(at)));
    }
    Ok(item)
}

fn number<T: std::str::FromStr>(item: &Item, name: &str) -> Result<Option<T>, StoreError> {
    match item.get(name) {
        None => Ok(None),
        Some(AttributeValue::N(v)) => {
            v.parse().map(Some).map_err(|_| StoreError::Corrupt(format!("attribute {name} is not an integer: {v}")))
        }
        Some(_) => Err(StoreError::Corrupt(format!("attribute {name} has the wrong type"))),
    }
}

/// Whether `item` is the state written by the write `write_id`.
pub(crate) fn written_by(item: Option<&Item>, write_id: &str) -> bool {
    matches!(item.and_then(|i| i.get(WRITE_ID)), Some(AttributeValue::S(w)) if w == write_id)
}

/// The key an item was stored under.
pub(crate) fn key_of(item: &Item) -> Result<Key, StoreError> {
    match item.get(SK) {
        Some(AttributeValue::S(sk)) => Ok(Key::from_encoded(sk.clone())),
        _ => Err(StoreError::Corrupt("item without a string sk".to_owned())),
    }
}

/// Decode an item (whatever its expiry: callers decide liveness against their clock).
pub(crate) fn record(item: &Item) -> Result<Record, StoreError> {
    let value = match item.get(VALUE) {
        Some(AttributeValue::B(b)) => b.clone().into_inner(),
        _ => return Err(StoreError::Corrupt("item without a binary val".to_owned())),
    };
    let version = number(item, VERSION)?.ok_or_else(|| StoreError::Corrupt("item without ver".to_owned()))?;
    Ok(Record { value, version, expires_at: number(item, EXPIRES)?, consumed_at: number(item, CONSUMED)? })
}

/// The live record in `item`, if there is one.
pub(crate) fn live(item: Option<&Item>, now: Millis) -> Result<Option<Record>, StoreError> {
    match item {
        Some(item) if !item.is_empty() => Ok(Some(record(item)?).filter(|r| r.is_live(now))),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_is_the_first_segment() {
        assert_eq!(partition("app/abc"), "app");
        assert_eq!(partition("idx/grant/g1/t1"), "idx");
        assert_eq!(partition("single"), "single");
        let key = Key::new(["a/b", "c"]);
        assert_eq!(partition(key.as_str()), "a%2Fb");
    }

    #[test]
    fn ttl_rounds_up_to_the_next_second() {
        assert_eq!(ttl_secs(1_000), 1);
        assert_eq!(ttl_secs(1_001), 2);
        assert_eq!(ttl_secs(1_999), 2);
    }

    #[test]
    fn an_item_round_trips() {
        let key = Key::new(["code", "x"]);
        let item = full_item(&key, b"v".to_vec(), 3, Some(5_000), "w1").unwrap();
        assert!(written_by(Some(&item), "w1") && !written_by(Some(&item), "w2"));
        assert_eq!(key_of(&item).unwrap(), key);
        let rec = record(&item).unwrap();
        assert_eq!(rec, Record { value: b"v".to_vec(), version: 3, expires_at: Some(5_000), consumed_at: None });
        assert!(live(Some(&item), 4_999).unwrap().is_some());
        assert!(live(Some(&item), 5_000).unwrap().is_none());
    }

    #[test]
    fn empty_key_is_refused() {
        assert!(matches!(primary_key(&Key::new([""; 0])), Err(StoreError::Backend(_))));
    }
}
