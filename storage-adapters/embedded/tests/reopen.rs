//! What survives closing and reopening the file, and what the background sweep removes.

use std::sync::Arc;

use edgeid_core::ports::FixedClock;
use edgeid_core::store::{Consumed, Key, PutOptions, Store, StoreError};
use edgeid_store_embedded::{EmbeddedStore, SWEEP_PER_WRITE};

const T0: i64 = 1_767_225_600_000;

fn key(id: &str) -> Key {
    Key::new(["app", id])
}

#[tokio::test]
async fn data_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("edgeid.redb");
    let clock = Arc::new(FixedClock::new(T0));
    {
        let store = EmbeddedStore::open(&path, clock.clone()).unwrap();
        store.put(&key("plain"), b"one".to_vec(), PutOptions::ALWAYS).await.unwrap();
        store.put(&key("plain"), b"two".to_vec(), PutOptions::ALWAYS).await.unwrap();
        store.put(&key("code"), b"code".to_vec(), PutOptions::IF_ABSENT.expiring_at(T0 + 60_000)).await.unwrap();
        assert!(matches!(store.consume(&key("code")).await.unwrap(), Consumed::First(_)));
        store.put(&key("gone"), b"x".to_vec(), PutOptions::ALWAYS).await.unwrap();
        store.delete(&key("gone")).await.unwrap();
    }

    let store = EmbeddedStore::open(&path, clock.clone()).unwrap();
    let plain = store.get(&key("plain")).await.unwrap().expect("plain record after reopen");
    assert_eq!((plain.value.as_slice(), plain.version), (&b"two"[..], 2));
    let code = store.get(&key("code")).await.unwrap().expect("code after reopen");
    assert_eq!((code.expires_at, code.consumed_at, code.version), (Some(T0 + 60_000), Some(T0), 2));
    assert!(
        matches!(store.consume(&key("code")).await.unwrap(), Consumed::Already(_)),
        "a code consumed before the restart is replayable after it"
    );
    assert_eq!(store.get(&key("gone")).await.unwrap(), None);
    let listed: Vec<String> =
        store.list(&Key::new(["app"]), None, 10).await.unwrap().items.iter().map(|(k, _)| k.last_segment()).collect();
    assert_eq!(listed, ["code", "plain"]);
}

#[tokio::test]
async fn a_second_open_of_the_same_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("edgeid.redb");
    let clock = Arc::new(FixedClock::new(T0));
    let _first = EmbeddedStore::open(&path, clock.clone()).unwrap();
    match EmbeddedStore::open(&path, clock) {
        Err(StoreError::Unavailable(message)) => assert!(message.contains("already open"), "{message}"),
        Err(other) => panic!("second open failed with {other:?}, expected Unavailable"),
        Ok(_) => panic!("a second open of a file in use succeeded"),
    }
}

#[tokio::test]
async fn a_file_that_is_not_a_store_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not-a-store");
    std::fs::write(&path, b"hello, this is not redb").unwrap();
    assert!(EmbeddedStore::open(&path, Arc::new(FixedClock::new(T0))).is_err());
}

/// Writes garbage-collect expired records: after the sweep, turning the clock back does not
/// bring them back, while records that had not expired yet are untouched.
#[tokio::test]
async fn writes_sweep_expired_records() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(T0));
    let store = EmbeddedStore::open(dir.path().join("edgeid.redb"), clock.clone()).unwrap();
    let dead = SWEEP_PER_WRITE + 4;
    for i in 0..dead {
        store.put(&key(&format!("dead{i:02}")), b"x".to_vec(), PutOptions::ALWAYS.expiring_at(T0 + 10)).await.unwrap();
    }
    store.put(&key("later"), b"x".to_vec(), PutOptions::ALWAYS.expiring_at(T0 + 1_000)).await.unwrap();
    // Overwritten without TTL: its old index entry must not delete the new record.
    store.put(&key("renewed"), b"old".to_vec(), PutOptions::ALWAYS.expiring_at(T0 + 10)).await.unwrap();
    store.put(&key("renewed"), b"new".to_vec(), PutOptions::ALWAYS).await.unwrap();

    clock.set_ms(T0 + 20);
    store.put(&key("trigger1"), b"x".to_vec(), PutOptions::ALWAYS).await.unwrap();
    store.put(&key("trigger2"), b"x".to_vec(), PutOptions::ALWAYS).await.unwrap();

    clock.set_ms(T0);
    let listed: Vec<String> =
        store.list(&Key::new(["app"]), None, 100).await.unwrap().items.iter().map(|(k, _)| k.last_segment()).collect();
    assert_eq!(
        listed,
        ["later", "renewed", "trigger1", "trigger2"],
        "two writes sweep up to {} records",
        2 * SWEEP_PER_WRITE
    );
}
