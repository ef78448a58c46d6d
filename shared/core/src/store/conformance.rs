//! The storage conformance suite: one set of cases every [`Store`] adapter runs (DESIGN §4).
//!
//! # The guarantees it holds every backend to
//!
//! - **Expiry is decided on read.** A record whose `expires_at` is at or before the store's
//!   clock reads as absent everywhere: `get` returns `None`, `list` skips it, `consume` reports
//!   `Missing`, and every write condition treats the key as free (`IfAbsent` succeeds and starts
//!   a new life at version 1). Backend TTL deletion is only garbage collection.
//! - **Versions.** The first write of a key (or the first after it was deleted or expired) is
//!   version 1; every later `put` and the first `consume` add one, so a writer holding a stale
//!   version loses its `IfVersion` race.
//! - **Conditional writes are linearizable.** `put` with `IfAbsent`/`IfVersion`/`IfPresent`,
//!   `consume` and `commit` are decided atomically by the backend: of N concurrent callers
//!   claiming the same thing exactly one wins, on every backend. A failed condition is
//!   `StoreError::Conflict` naming the key and writes nothing.
//! - **`commit` is all or nothing.** Every condition is checked against the state before the
//!   batch; if any fails, nothing is written and the error names the failing key. A batch names
//!   each key at most once (DynamoDB refuses otherwise); a batch that repeats a key is rejected
//!   as a caller bug (`StoreError::Backend`), again writing nothing.
//! - **Ordered listing.** `list(prefix, cursor, limit)` returns the live records strictly below
//!   `prefix` (segment-wise: `app` never lists `application/...`, nested keys are included),
//!   ordered by encoded key bytewise, `min(limit, remaining)` per page, with a cursor exactly
//!   when more records remain. Keys come back exactly as they were built.
//! - **Durability** (not testable here, see each adapter): a write is acknowledged only once the
//!   backend has made it durable.
//!
//! # Running it
//!
//! An adapter implements [`Harness`] (a fresh store on a given clock, and a way to run futures
//! truly concurrently) and either expands [`store_conformance!`](crate::store_conformance)
//! in its tests (native: one `#[tokio::test]` per case on a multi-thread runtime, so the caller
//! needs `tokio` as a dev-dependency) or calls [`run_all`] and reports the outcome (wasm, inside
//! workerd). Cases are plain async functions in [`cases`], runtime-agnostic and returning a
//! message that says what a user would have seen go wrong.

use std::collections::BTreeSet;
use std::fmt::Display;
use std::sync::Arc;

use super::{Condition, Consumed, Key, PutOptions, Record, Store, StoreError, Version, WriteOp};
use crate::ports::{BoxFuture, FixedClock, MaybeSend, MaybeSync, Millis};

/// What an adapter provides to run the suite.
#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
pub trait Harness: MaybeSend + MaybeSync {
    /// A fresh, empty store that reads time from `clock` (the suite advances it to test expiry).
    async fn store(&self, clock: Arc<FixedClock>) -> Result<Arc<dyn Store>, String>;

    /// Run every task at the same time and return their outputs in order. Native adapters
    /// spawn them on a multi-thread runtime (or threads) so they really race; single-threaded
    /// hosts (wasm) just interleave them, which is the default.
    async fn concurrently<T: MaybeSend + 'static>(&self, tasks: Vec<BoxFuture<'static, T>>) -> Result<Vec<T>, String> {
        Ok(futures::future::join_all(tasks).await)
    }
}

/// A case's verdict: `Err` carries what went wrong, in words.
pub type CaseResult = Result<(), String>;

macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        /// Every case, in the order [`run_all`] runs them.
        pub const CASE_NAMES: &[&str] = &[$(stringify!($case)),*];

        /// Run every case against fresh stores from `harness`; one verdict per case, in order.
        pub async fn run_all<H: Harness>(harness: &H) -> Vec<(&'static str, CaseResult)> {
            let mut out = Vec::with_capacity(CASE_NAMES.len());
            $(out.push((stringify!($case), cases::$case(harness).await));)*
            out
        }
    };
}

/// The one list of cases: calls `$callback!(<args> case, case, ...)`, so the suite below and
/// [`store_conformance!`] expand the same cases.
#[doc(hidden)]
#[macro_export]
macro_rules! __store_conformance_cases {
    ($callback:path; $($args:tt)*) => {
        $callback!($($args)*
            get_put_delete_roundtrip,
            versions_start_at_one_and_increment,
            if_absent_conflicts_on_a_live_key,
            if_version_conflicts_unless_current,
            if_present_needs_a_live_record,
            ttl_hides_records_from_expiry_on,
            expired_records_are_absent_for_conditions,
            consume_first_already_missing,
            consume_of_expired_record_is_missing,
            list_is_ordered_and_pages_with_cursor,
            list_skips_expired_records,
            list_isolates_prefixes,
            key_segments_cannot_forge_keys,
            commit_is_all_or_nothing,
            commit_applies_puts_and_deletes_in_one_batch,
            commit_rejects_a_key_named_twice,
            concurrent_consume_has_one_winner,
            concurrent_if_absent_has_one_winner,
            concurrent_commits_claim_a_unique_index_once,
            large_and_binary_values_roundtrip,
            capabilities_report_atomic_single_use,
        );
    };
}

__store_conformance_cases!(suite;);

/// Expands into one test per conformance case for a native adapter:
/// `edgeid_core::store_conformance!(MyHarness::new());` in the adapter's tests. The expression
/// is evaluated once per case. Needs `tokio` (with `macros` and `rt-multi-thread`) as a
/// dev-dependency of the calling crate.
#[macro_export]
macro_rules! store_conformance {
    ($harness:expr) => {
        $crate::__store_conformance_cases!($crate::store_conformance; @cases $harness;);
    };
    (@cases $harness:expr; $($case:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let harness = $harness;
                if let Err(message) = $crate::store::conformance::cases::$case(&harness).await {
                    panic!("store conformance `{}` failed: {}", stringify!($case), message);
                }
            }
        )*
    };
}

// ---- helpers -------------------------------------------------------------------------------

/// 2100-01-01T00:00:00Z: a realistic instant catches unit mix-ups, and one in the real
/// future keeps emulators out of the test: DynamoDB Local sweeps items whose `ttl` attribute
/// is past by the wall clock within about a second, so records the suite's clock still sees
/// as live vanished mid-case while T0 was 2026-01-01 (`commit_applies_puts_and_deletes_in_one_batch`).
const T0: Millis = 4_102_444_800_000;

/// How many callers race in the concurrency cases.
const RACERS: usize = 32;

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

/// Attach what the suite was doing to a store error.
trait Context<T> {
    fn ctx(self, doing: impl Display) -> Result<T, String>;
}

impl<T> Context<T> for Result<T, StoreError> {
    fn ctx(self, doing: impl Display) -> Result<T, String> {
        self.map_err(|e| format!("{doing}: unexpected store error: {e}"))
    }
}

struct Fixture {
    store: Arc<dyn Store>,
    clock: Arc<FixedClock>,
}

impl Fixture {
    async fn new<H: Harness>(harness: &H) -> Result<Self, String> {
        let clock = Arc::new(FixedClock::new(T0));
        let store = harness.store(clock.clone()).await.map_err(|e| format!("harness could not build a store: {e}"))?;
        Ok(Self { store, clock })
    }

    fn now(&self) -> Millis {
        use crate::ports::Clock as _;
        self.clock.now_ms()
    }

    async fn put(&self, key: &Key, value: &[u8], options: PutOptions) -> Result<Version, String> {
        self.store.put(key, value.to_vec(), options).await.ctx(format_args!("put {key} ({:?})", options.condition))
    }

    async fn get(&self, key: &Key) -> Result<Option<Record>, String> {
        self.store.get(key).await.ctx(format_args!("get {key}"))
    }

    /// The record under `key`, which must be there.
    async fn must_get(&self, key: &Key, why: &str) -> Result<Record, String> {
        self.get(key).await?.ok_or_else(|| format!("get {key} returned None, but {why}"))
    }

    async fn must_be_absent(&self, key: &Key, why: &str) -> Result<(), String> {
        match self.get(key).await? {
            None => Ok(()),
            Some(r) => Err(format!("get {key} returned {}, but {why}", show(&r))),
        }
    }

    /// Every live record under `prefix`, following cursors, checking each page's shape.
    async fn list_all(&self, prefix: &Key, limit: usize) -> Result<Vec<(Key, Record)>, String> {
        let mut all: Vec<(Key, Record)> = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..10_000 {
            let page = self
                .store
                .list(prefix, cursor.as_deref(), limit)
                .await
                .ctx(format_args!("list {prefix} after {cursor:?} limit {limit}"))?;
            ensure!(
                page.items.len() <= limit,
                "list {prefix} limit {limit} returned {} items: {}",
                page.items.len(),
                keys_of(&page.items)
            );
            ensure!(
                page.cursor.is_none() || page.items.len() == limit,
                "list {prefix} limit {limit} returned a short page ({}) with a cursor; pages must be full until \
                 the last",
                keys_of(&page.items)
            );
            all.extend(page.items);
            match page.cursor {
                None => return Ok(all),
                Some(next) => cursor = Some(next),
            }
        }
        Err(format!("list {prefix} never stopped returning cursors"))
    }

    async fn consume(&self, key: &Key) -> Result<Consumed, String> {
        self.store.consume(key).await.ctx(format_args!("consume {key}"))
    }
}

fn key(segments: &[&str]) -> Key {
    Key::new(segments.iter().copied())
}

fn expect_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>, on: &Key, doing: &str) -> CaseResult {
    match result {
        Err(StoreError::Conflict { key }) if &key == on => Ok(()),
        Err(StoreError::Conflict { key }) => Err(format!("{doing}: Conflict named {key}, expected {on}")),
        Err(other) => Err(format!("{doing}: expected Conflict on {on}, got error {other}")),
        Ok(v) => Err(format!("{doing}: expected Conflict on {on}, but the write succeeded ({v:?})")),
    }
}

/// A record in words, without dumping large values.
fn show(r: &Record) -> String {
    let preview: String = String::from_utf8_lossy(r.value.get(..r.value.len().min(32)).unwrap_or_default()).into();
    format!(
        "{{value: {preview:?}{} ({} bytes), version: {}, expires_at: {:?}, consumed_at: {:?}}}",
        if r.value.len() > 32 { "…" } else { "" },
        r.value.len(),
        r.version,
        r.expires_at,
        r.consumed_at
    )
}

fn show_consumed(c: &Consumed) -> String {
    match c {
        Consumed::First(r) => format!("First({})", show(r)),
        Consumed::Already(r) => format!("Already({})", show(r)),
        Consumed::Missing => "Missing".into(),
    }
}

fn keys_of(items: &[(Key, Record)]) -> String {
    let keys: Vec<&str> = items.iter().map(|(k, _)| k.as_str()).collect();
    format!("{keys:?}")
}

fn expect_value(record: &Record, value: &[u8], what: &str) -> CaseResult {
    ensure!(record.value == value, "{what}: expected value {:?}, got {}", String::from_utf8_lossy(value), show(record));
    Ok(())
}

fn expect_listed(items: &[(Key, Record)], expected: &[Key], what: &str) -> CaseResult {
    let got: Vec<&Key> = items.iter().map(|(k, _)| k).collect();
    let want: Vec<&Key> = expected.iter().collect();
    ensure!(got == want, "{what}: expected keys {want:?}, got {got:?}");
    Ok(())
}

/// The cases, one async function each. Public so that an adapter can run one in isolation.
pub mod cases {
    use super::*;

    pub async fn get_put_delete_roundtrip<H: Harness>(h: &H) -> CaseResult {
        let f = Fixture::new(h).await?;
        let k = key(&["app", "roundtrip"]);
        f.must_be_absent(&k, "nothing was written yet").await?;

        f.put(&k, b"first", PutOptions::ALWAYS).await?;
        let r = f.must_get(&k, "it was just written").await?;
        expect_value(&r, b"first", "get after put")?;
        ensure!(r.expires_at.is_none(), "a put without TTL came back expiring: {}", show(&r));
        ensure!(r.consumed_at.is_none(), "a fresh record came back consumed: {}", show(&r));

        f.put(&k, b"second", PutOptions::ALWAYS).await?;
        expect_value(&f.must_get(&k, "it was overwritten").await?, b"second", "get after overwrite")?;

        f.store.delete(&k).await.ctx("delete an existing key")?;
        f.must_be_absent(&k, "it was deleted").await?;
        f.store.delete(&k).await.ctx("delete the same key again (must be idempotent)")?;
        f.store.delete(&key(&["app", "never-written"])).await.ctx("delete a key that never existed")?;
        f.must_be_absent(&k, "it was deleted twice").await
    }

    pub async fn versions_start_at_one_and_increment<H: Harness>(h: &H) -> CaseResult {
        let f = Fixture::new(h).await?;
        let k = key(&["app", "versions"]);
        for expected in 1..=3 {
            let v = f.put(&k, format!("v{expected}").as_bytes(), PutOptions::ALWAYS).await?;
            ensure!(v == expected, "write #{expected} of a key returned version {v}, expected {expected}");
        }
        let r = f.must_get(&k, "it was written three times").await?;
        ensure!(r.version == 3, "get reports version {} after three writes", r.version);

        f.store.delete(&k).await.ctx("delete")?;
        let v = f.put(&k, b"reborn", PutOptions::ALWAYS).await?;
        ensure!(v == 1, "the first write after a delete returned version {v}, expected 1");
        Ok(())
    }

    pub async fn if_absent_conflicts_on_a_live_key<H: Harness>(h: &H) -> CaseResult {
        let f = Fixture::new(h).await?;
        let k = key(&["idx", "username", "alice"]);
        let v = f.put(&k, b"user-1", PutOptions::IF_ABSENT).await?;
        ensure!(v == 1, "IfAbsent on a new key returned version {v}, expected 1");
        expect_conflict(
            f.store.put(&k, b"user-2".to_vec(), PutOptions::IF_ABSENT).await,
            &k,
            "IfAbsent on a taken key",
        )?;
        let r = f.must_get(&k, "the first claim succeeded").await?;
        expect_value(&r, b"user-1", "the losing IfAbsent must not overwrite")?;
        ensure!(r.version == 1, "a failed IfAbsent changed the version: {}", show(&r));
        Ok(())
    }

    pub async fn if_version_conflicts_unless_current<H: Harness>(h: &H) -> CaseResult {
        let f = Fixture::new(h).await?;
        let k = key(&["config", "keys"]);
        expect_conflict(
            f.store.put(&k, b"x".to_vec(), PutOptions::if_version(1)).await,
            &k,
            "IfVersion(1) on a missing key",
        )?;
        f.must_be_absent(&k, "the only write was a failed IfVersion").await?;

        f.put(&k, b"v1", PutOptions::ALWAYS).await?;
        expect_conflict(
            f.store.put(&k, b"future".to_vec(), PutOptions::if_version(2)).await,
            &k,
            "IfVersion(2) when the record is at version 1",
        )?;
        expect_value(&f.must_get(&k, "it was written").await?, b"v1", "after a failed IfVersion")?;

        let v = f.put(&k, b"v2", PutOptions::if_version(1)).await?;
        ensure!(v == 2, "IfVersion(1) on version 1 returned version {v}, expected 2");
        expect_value(&f.must_get(&k, "it was updated").await?, b"v2", "after a successful IfVersion")?;

        expect_conflict(
            f.store.put(&k, b"stale".to_vec(), PutOptions::if_version(1)).await,
            &k,
            "a second IfVersion(1) with a now-stale version",
        )?;
        expect_value(&f.must_get(&k, "it was updated").await?, b"v2", "a stale IfVersion must not overwrite")
    }

    pub async fn if_present_needs_a_live_record<H: Harness>(h: &H) -> CaseResult {
        let f = Fixture::new(h).await?;
        let k = key(&["user", "u1"]);
        let if_present = PutOptions { expires_at: None, condition: Condition::IfPresent };
        expect_conflict(f.store.put(&k, b"x".to_vec(), if_present).await, &k, "IfPresent on a missing key")?;
        f.must_be_absent(&k, "IfPresent must not create a record").await?;

        f.put(&k, b"v1", PutOptions::ALWAYS).await?;
        let v = f.put(&k, b"v2", if_present).await?;
        ensure!(v == 2, "IfPresent on version 1 returned version {v}, expected 2");
        expect_value(&f.must_get(&k, "it was updated").await?, b"v2", "after IfPresent")
    }

    pub async fn ttl_hides_records_from_expiry_on<H: Harness>(h: &H) -> CaseResult {
        let f = Fixture::new(h).await?;
        let k = key(&["code", "c1"]);
        let expires_at = f.now() + 1_000;
        f.put(&k, b"code", PutOptions::ALWAYS.expiring_at(expires_at)).await?;

        let r = f.must_get(&k, "it expires in 1 s").await?;
        ensure!(r.expires_at == Some(expires_at), "expires_at came back as {:?}, expected {expires_at}", r.expires_at);
        f.clock.advance_ms(999);
        f.must_get(&k, "it still has 1 ms to live").await?;
        f.clock.advance_ms(1);
        f.must_be_absent(&k, "the clock reached its expires_at").await?;
        f.clock.advance_ms(60_000);
        f.must_be_absent(&k, "it expired a minute ago").await?;

        let born_dead = key(&["code", "c2"]);
        f.put(&born_dead, b"late", PutOptions::ALWAYS.expiring_at(f.now() - 1)).await?;
        f.must_be_absent(&born_dead, "it was written with an expiry in the past").await?;

        // A longer-lived neighbour is unaffected.
        let k3 = key(&["code", "c3"]);
        f.put(&k3, b"long", PutOptions::ALWAYS.expiring_at(f.now() + 3_600_000)).await?;
        f.clock.advance_ms(3_599_999);
        f.must_get(&k3, "it lives for an hour").await?;
        Ok(())
    }

    pub async fn expired_records_are_absent_for_conditions<H: Harness>(h: &H) -> CaseResult {
        let f = Fixture::new(h).await?;
        let k = key(&["idx", "email", "a@example.com"]);
        f.put(&k, b"old-owner", PutOptions::IF_ABSENT.expiring_at(f.now() + 10)).await?;
        f.put(&k, b"old-owner-2", PutOptions::ALWAYS.expiring_at(f.now() + 10)).await?; // version 2
        f.clock.advance_ms(10);

        let if_present = PutOptions { expires_at: None, condition: Condition::IfPresent };
        expect_conflict(f.store.put(&k, b"x".to_vec(), if_present).await, &k, "IfPresent on an expired key")?;
        expect_conflict(
            f.store.put(&k, b"x".to_vec(), PutOptions::if_version(2)).await,
            &k,
            "IfVersion(2) on an expired record that had version 2",
        )?;
        let v = f.put(&k, b"new-owner", PutOptions::IF_ABSENT).await?;
        ensure!(v == 1, "IfAbsent on an expired key returned version {v}; an expired key starts over at 1");
        let r = f.must_get(&k, "IfAbsent on the expired key succeeded").await?;
        expect_value(&r, b"new-owner", "after reclaiming an expired key")?;
        ensure!(r.expires_at.is_none(), "the new record inherited the old expiry: {}", show(&r));

        // Same through a batch.
        let k2 = key(&["idx", "email", "b@example.com"]);
        f.put(&k2, b"old", PutOptions::ALWAYS.expiring_at(f.now() + 5)).await?;
        f.clock.advance_ms(5);
        f.store
            .commit(vec![WriteOp::Put { key: k2.clone(), value: b"new".to_vec(), options: PutOptions::IF_ABSENT }])
            .await
            .ctx("commit an IfAbsent put over an expired key")?;
        expect_value(&f.must_get(&k2, "the batch reclaimed it").await?, b"new", "after a batch reclaim")
    }

    pub async fn consume_first_already_missing<H: Harness>(h: &H) -> CaseResult {
        let f = Fixture::new(h).await?;
        let k = key(&["code", "abc"]);
        let c = f.consume(&k).await?;
        ensure!(c == Consumed::Missing, "consume of a key never written returned {}", show_consumed(&c));

        let written = f.put(&k, b"grant-1", PutOptions::ALWAYS.expiring_at(f.now() + 60_000)).await?;
        f.clock.advance_ms(5);
        let consumed_at = f.now();
        match f.consume(&k).await? {
            Consumed::First(r) => {
                expect_value(&r, b"grant-1", "First carries the record")?;
                ensure!(
                    r.consumed_at == Some(consumed_at),
                    "First has consumed_at {:?}, expected {consumed_at}",
                    r.consumed_at
                );
                ensure!(r.expires_at == Some(T0 + 60_000), "consume changed the expiry: {}", show(&r));
            }
            other => return Err(format!("first consume returned {}", show_consumed(&other))),
        }

        f.clock.advance_ms(5);
        match f.consume(&k).await? {
            Consumed::Already(r) => {
                expect_value(&r, b"grant-1", "Already still carries the record (for revoke-by-grant)")?;
                ensure!(
                    r.consumed_at == Some(consumed_at),
                    "Already reports consumed_at {:?}; it must keep the first consumption time {consumed_at}",
                    r.consumed_at
                );
            }
            other => return Err(format!("second consume returned {}", show_consumed(&other))),
        }

        let r = f.must_get(&k, "a consumed record is still readable until it expires").await?;
        ensure!(r.consumed_at == Some(consumed_at), "get after consume shows {}", show(&r));
        expect_conflict(
            f.store.put(&k, b"replayed".to_vec(), PutOptions::IF_ABSENT).await,
            &k,
            "IfAbsent on a consumed (but live) code",
        )?;
        expect_conflict(
            f.store.put(&k, b"stale".to_vec(), PutOptions::if_version(written)).await,
            &k,
            "IfVersion with the version read before the consume",
        )?;

        // A plain put replaces the record entirely, consumed mark included.
        f.put(&k, b"grant-2", PutOptions::ALWAYS).await?;
        let c = f.consume(&k).await?;
        ensure!(
            matches!(c, Consumed::First(_)),
            "consume after overwriting a consumed record returned {}",
            show_consumed(&c)
        );
        Ok(())
    }

    pub async fn consume_of_expired_record_is_missing<H: Harness>(h: &H) -> CaseResult {
        let f = Fixture::new(h).await?;
        let k = key(&["code", "expired"]);
        f.put(&k, b"code", PutOptions::ALWAYS.expiring_at(f.now() + 100)).await?;
        f.clock.advance_ms(100);
        let c = f.consume(&k).await?;
        ensure!(c == Consumed::Missing, "consume of an expired code returned {}", show_consumed(&c));

        let k2 = key(&["code", "used-then-expired"]);
        f.put(&k2, b"code", PutOptions::ALWAYS.expiring_at(f.now() + 100)).await?;
        let c = f.consume(&k2).await?;
        ensure!(matches!(c, Consumed::First(_)), "first consume returned {}", show_consumed(&c));
        f.clock.advance_ms(100);
        let c = f.consume(&k2).await?;
        ensure!(c == Consumed::Missing, "consume of a consumed and then expired code returned {}", show_consumed(&c));
        Ok(())
    }

    pub async fn list_is_ordered_and_pages_with_cursor<H: Harness>(h: &H) -> CaseResult {
        let f = Fixture::new(h).await?;
        // Written out of order; includes ids that sort around the separator and non-ASCII.
        let ids = ["m", "B", "a", "z", "a-b", "é", "a0", "Z"];
        for id in ids {
            f.put(&key(&["app", id]), id.as_bytes(), PutOptions::ALWAYS).await?;
        }
        let mut expected: Vec<Key> = ids.iter().map(|id| key(&["app", id])).collect();
        expected.sort(); // bytewise order of the encoded keys

        let prefix = key(&["app"]);
        let page = f.store.list(&prefix, None, 100).await.ctx("list app limit 100")?;
        expect_listed(&page.items, &expected, "one page holding everything")?;
        ensure!(page.cursor.is_none(), "a page holding everything returned cursor {:?}", page.cursor);
        for (k, r) in &page.items {
            let id = k.last_segment();
            ensure!(r.value == id.as_bytes(), "list returned {} under {k}, which holds {id:?}", show(r));
        }

        let first = f.store.list(&prefix, None, 3).await.ctx("list app limit 3")?;
        expect_listed(&first.items, expected.get(..3).unwrap_or_default(), "first page of 3")?;
        let Some(cursor) = first.cursor else {
            return Err("first page of 3 out of 8 returned no cursor".into());
        };
        let second = f.store.list(&prefix, Some(&cursor), 3).await.ctx("list app, second page")?;
        expect_listed(&second.items, expected.get(3..6).unwrap_or_default(), "second page of 3")?;
        let Some(cursor) = second.cursor else {
            return Err("second page of 3 out of 8 returned no cursor".into());
        };
        let third = f.store.list(&prefix, Some(&cursor), 3).await.ctx("list app, third page")?;
        expect_listed(&third.items, expected.get(6..).unwrap_or_default(), "last page")?;
        ensure!(third.cursor.is_none(), "the last page returned cursor {:?}", third.cursor);

        // A page that exactly reaches the end says so.
        let all4 = f.list_all(&prefix, 4).await?;
        expect_listed(&all4, &expected, "pages of 4 over 8 records")?;
        let exact = f.store.list(&prefix, None, 8).await.ctx("list app limit 8")?;
        ensure!(exact.cursor.is_none(), "a page of exactly the remaining 8 records returned cursor {:?}", exact.cursor);
        let all1 = f.list_all(&prefix, 1).await?;
        expect_listed(&all1, &expected, "pages of 1")?;

        // Writes between pages are seen if they sort after the cursor.
        let first = f.store.list(&prefix, None, 2).await.ctx("list app limit 2")?;
        f.put(&key(&["app", "zz"]), b"late", PutOptions::ALWAYS).await?;
        let rest = match first.cursor {
            Some(c) => f.store.list(&prefix, Some(&c), 100).await.ctx("list the rest")?,
            None => return Err("first page of 2 returned no cursor".into()),
        };
        ensure!(
            rest.items.last().is_some_and(|(k, _)| k == &key(&["app", "zz"])),
            "a key written after the first page, sorting last, was not listed: {}",
            keys_of(&rest.items)
        );

        let empty = f.store.list(&key(&["nothing"]), None, 10).await.ctx("list an empty prefix")?;
        ensure!(empty.items.is_empty() && empty.cursor.is_none(), "an empty prefix listed {}", keys_of(&empty.items));
        Ok(())
    }

    pub async fn list_skips_expired_records<H: Harness>(h: &H) -> CaseResult {
        let f = Fixture::new(h).await?;
        let now = f.now();
        let plan: [(&str, Option<Millis>); 6] = [
            ("1", Some(now + 10)),
            ("2", None),
            ("3", Some(now + 10)),
            ("4", Some(now + 10)),
            ("5", Some(now + 1_000)),
            ("6", Some(now + 10)),
        ];
        for (id, expires_at) in plan {
            f.put(&key(&["session", id]), id.as_bytes(), PutOptions { expires_at, condition: Condition::Always })
                .await?;
        }
        let prefix = key(&["session"]);
        let before = f.list_all(&prefix, 100).await?;
        ensure!(before.len() == 6, "before expiry, list returned {}", keys_of(&before));

        f.clock.advance_ms(10);
        let live = [key(&["session", "2"]), key(&["session", "5"])];
        expect_listed(&f.list_all(&prefix, 100).await?, &live, "after 4 of 6 expired")?;
        // Expired records between live ones must not produce short or empty pages.
        let first = f.store.list(&prefix, None, 1).await.ctx("list session limit 1")?;
        expect_listed(&first.items, live.get(..1).unwrap_or_default(), "first page of 1 after expiry")?;
        let Some(cursor) = first.cursor else {
            return Err("first page of 1 returned no cursor though a second live record follows".into());
        };
        let second = f.store.list(&prefix, Some(&cursor), 1).await.ctx("list session, second page")?;
        expect_listed(&second.items, live.get(1..).unwrap_or_default(), "second page of 1 after expiry")?;
        ensure!(
            second.cursor.is_none(),
            "the page holding the last live record returned cursor {:?} (only expired records follow)",
            second.cursor
        );

        f.clock.advance_ms(990);
        expect_listed(&f.list_all(&prefix, 100).await?, live.get(..1).unwrap_or_default(), "after 5 of 6 expired")
    }

    pub async fn list_isolates_prefixes<H: Harness>(h: &H) -> CaseResult {
        let f = Fixture::new(h).await?;
        let keys = [
            key(&["app"]),
            key(&["app", "a"]),
            key(&["app", "a", "nested"]),
            key(&["app", "b"]),
            key(&["application", "x"]),
            key(&["ap", "p"]),
            key(&["apq", "1"]),
            key(&["app.", "1"]),
        ];
        for k in &keys {
            f.put(k, k.as_str().as_bytes(), PutOptions::ALWAYS).await?;
        }
        let app = [key(&["app", "a"]), key(&["app", "a", "nested"]), key(&["app", "b"])];
        expect_listed(&f.list_all(&key(&["app"]), 100).await?, &app, "list app")?;
        expect_listed(&f.list_all(&key(&["app"]), 1).await?, &app, "list app in pages of 1")?;
        expect_listed(
            &f.list_all(&key(&["application"]), 100).await?,
            &[key(&["application", "x"])],
            "list application",
        )?;
        expect_listed(&f.list_all(&key(&["app", "a"]), 100).await?, &[key(&["app", "a", "nested"])], "list app/a")?;
        expect_listed(&f.list_all(&key(&["ap"]), 100).await?, &[key(&["ap", "p"])], "list ap")?;
        expect_listed(&f.list_all(&key(&["app", "a", "nested"]), 100).await?, &[], "list below a leaf")?;

        Ok(())
    }

    pub async fn key_segments_cannot_forge_keys<H: Harness>(h: &H) -> CaseResult {
        let f = Fixture::new(h).await?;
        let victim = key(&["app", "x", "secret"]);
        f.put(&victim, b"victim", PutOptions::ALWAYS).await?;
        let escaped = key(&["app", "y/secret"]); // stored as app/y%2Fsecret
        f.put(&escaped, b"slash-id", PutOptions::ALWAYS).await?;

        // Ids an attacker controls, each used as one segment.
        f.must_be_absent(&key(&["app", "x/secret"]), "an id with `/` must not reach app/x/secret").await?;
        f.must_be_absent(&key(&["app", "y%2Fsecret"]), "an id with `%` must not reach the escaped key").await?;
        f.must_be_absent(&key(&["app", "y", "secret"]), "segments must not reach a single escaped segment").await?;
        expect_value(&f.must_get(&escaped, "it was written").await?, b"slash-id", "the escaped key itself")?;

        expect_listed(&f.list_all(&key(&["app", "x/"]), 100).await?, &[], "list under an id ending in `/`")?;
        expect_listed(&f.list_all(&key(&["app", "x%2F"]), 100).await?, &[], "list under an id with `%2F`")?;
        expect_listed(&f.list_all(&key(&["app", "y"]), 100).await?, &[], "list app/y must not see app/y%2Fsecret")?;
        expect_listed(&f.list_all(&key(&["app", "x"]), 100).await?, std::slice::from_ref(&victim), "list app/x")?;

        // Listed keys come back byte-exact, so decoding them gives the original ids back.
        let listed = f.list_all(&key(&["app"]), 100).await?;
        let mut expected = vec![victim, escaped.clone()];
        expected.sort();
        expect_listed(&listed, &expected, "list app")?;
        let segments: Vec<Vec<String>> = listed.iter().map(|(k, _)| k.segments()).collect();
        ensure!(
            segments.contains(&vec!["app".to_owned(), "y/secret".to_owned()]),
            "decoding the listed keys lost the `/` inside an id: {segments:?}"
        );

        // Odd but legal ids round-trip too.
        for id in ["", " ", "%", "%%25", "a\u{0}b", "line\nbreak", "ü/../x", "😀"] {
            let k = key(&["odd", id]);
            f.put(&k, id.as_bytes(), PutOptions::ALWAYS).await?;
            expect_value(&f.must_get(&k, "it was just written").await?, id.as_bytes(), &format!("id {id:?}"))?;
        }
        let odd = f.list_all(&key(&["odd"]), 3).await?;
        ensure!(odd.len() == 8, "list odd returned {} of 8 ids: {}", odd.len(), keys_of(&odd));
        for (k, r) in &odd {
            ensure!(k.last_segment().as_bytes() == r.value, "listed key {k} decodes to a different id than stored");
        }
        Ok(())
    }

    pub async fn commit_is_all_or_nothing<H: Harness>(h: &H) -> CaseResult {
        let f = Fixture::new(h).await?;
        let kept = key(&["user", "kept"]);
        let taken = key(&["idx", "username", "taken"]);
        f.put(&kept, b"kept", PutOptions::ALWAYS).await?;
        f.put(&taken, b"owner", PutOptions::ALWAYS).await?;
        let fresh = key(&["user", "fresh"]);
        let fresh2 = key(&["user", "fresh2"]);

        // The failing condition last: earlier ops must not have been applied.
        let ops = vec![
            WriteOp::Put { key: fresh.clone(), value: b"new".to_vec(), options: PutOptions::IF_ABSENT },
            WriteOp::Delete { key: kept.clone(), condition: Condition::Always },
            WriteOp::Put { key: fresh2.clone(), value: b"new".to_vec(), options: PutOptions::ALWAYS },
            WriteOp::Put { key: taken.clone(), value: b"thief".to_vec(), options: PutOptions::IF_ABSENT },
        ];
        expect_conflict(f.store.commit(ops).await, &taken, "a batch whose last op claims a taken key")?;
        // The failing condition first.
        let ops = vec![
            WriteOp::Delete { key: taken.clone(), condition: Condition::IfVersion(7) },
            WriteOp::Put { key: fresh.clone(), value: b"new".to_vec(), options: PutOptions::ALWAYS },
            WriteOp::Delete { key: kept.clone(), condition: Condition::IfPresent },
        ];
        expect_conflict(f.store.commit(ops).await, &taken, "a batch whose first op has a stale version")?;
        // A conditional delete of a missing key fails the batch.
        let missing = key(&["user", "missing"]);
        let ops = vec![
            WriteOp::Put { key: fresh.clone(), value: b"new".to_vec(), options: PutOptions::ALWAYS },
            WriteOp::Delete { key: missing.clone(), condition: Condition::IfPresent },
        ];
        expect_conflict(f.store.commit(ops).await, &missing, "a batch deleting a missing key IfPresent")?;

        f.must_be_absent(&fresh, "every batch that wrote it failed").await?;
        f.must_be_absent(&fresh2, "every batch that wrote it failed").await?;
        let r = f.must_get(&kept, "every batch that deleted it failed").await?;
        ensure!(r.version == 1, "a failed batch touched {kept}: {}", show(&r));
        let r = f.must_get(&taken, "it was never deleted").await?;
        expect_value(&r, b"owner", "a failed batch must not overwrite")?;
        ensure!(r.version == 1, "a failed batch touched {taken}: {}", show(&r));
        let all = f.list_all(&key(&["user"]), 100).await?;
        expect_listed(&all, &[kept], "users after three failed batches")?;

        f.store.commit(Vec::new()).await.ctx("commit an empty batch")
    }

    pub async fn commit_applies_puts_and_deletes_in_one_batch<H: Harness>(h: &H) -> CaseResult {
        let f = Fixture::new(h).await?;
        let max = f.store.capabilities().max_batch;
        let n = max.min(25);
        ensure!(n >= 4, "capabilities().max_batch is {max}; the repositories need at least 4");

        // Revoke-by-grant shape: delete many tokens and write a marker, in one batch.
        let tokens: Vec<Key> = (0..n - 2).map(|i| key(&["grant", "g1", "token", &format!("t{i:02}")])).collect();
        for t in &tokens {
            f.put(t, b"token", PutOptions::ALWAYS).await?;
        }
        let grant = key(&["grant", "g1"]);
        let grant_v = f.put(&grant, b"grant", PutOptions::ALWAYS).await?;
        let marker = key(&["revoked", "g1"]);

        let mut ops: Vec<WriteOp> =
            tokens.iter().map(|t| WriteOp::Delete { key: t.clone(), condition: Condition::Always }).collect();
        ops.push(WriteOp::Delete { key: grant.clone(), condition: Condition::IfVersion(grant_v) });
        ops.push(WriteOp::Put {
            key: marker.clone(),
            value: b"revoked".to_vec(),
            options: PutOptions::IF_ABSENT.expiring_at(f.now() + 1_000),
        });
        ensure!(ops.len() == n, "the suite built a batch of {} ops, meant {n}", ops.len());
        f.store.commit(ops).await.ctx(format_args!("commit a batch of {n} deletes and puts"))?;

        expect_listed(&f.list_all(&key(&["grant"]), 100).await?, &[], "grant/ after deleting all of it")?;
        let r = f.must_get(&marker, "the batch wrote it").await?;
        expect_value(&r, b"revoked", "the marker")?;
        ensure!(r.version == 1, "a batch's first write of a key has version {}", r.version);
        ensure!(r.expires_at == Some(f.now() + 1_000), "a batch put lost its expiry: {}", show(&r));

        // Versions advance through batches like through put; deletes of missing keys are fine.
        let ops = vec![
            WriteOp::Put { key: marker.clone(), value: b"again".to_vec(), options: PutOptions::if_version(1) },
            WriteOp::Delete { key: key(&["grant", "never"]), condition: Condition::Always },
        ];
        f.store.commit(ops).await.ctx("commit IfVersion(1) plus a delete of a missing key")?;
        let r = f.must_get(&marker, "the batch updated it").await?;
        ensure!(r.version == 2 && r.value == b"again", "after an IfVersion batch put: {}", show(&r));
        ensure!(r.expires_at.is_none(), "a put without TTL kept the old expiry: {}", show(&r));

        f.clock.advance_ms(2_000);
        f.must_get(&marker, "its new version has no expiry").await?;
        Ok(())
    }

    pub async fn commit_rejects_a_key_named_twice<H: Harness>(h: &H) -> CaseResult {
        let f = Fixture::new(h).await?;
        let k = key(&["user", "twice"]);
        let other = key(&["user", "other"]);
        let ops = vec![
            WriteOp::Put { key: other.clone(), value: b"x".to_vec(), options: PutOptions::ALWAYS },
            WriteOp::Put { key: k.clone(), value: b"a".to_vec(), options: PutOptions::IF_ABSENT },
            WriteOp::Put { key: k.clone(), value: b"b".to_vec(), options: PutOptions::IF_ABSENT },
        ];
        match f.store.commit(ops).await {
            Err(StoreError::Backend(_)) => {}
            other => return Err(format!("a batch naming {k} twice returned {other:?}, expected a Backend error")),
        }
        f.must_be_absent(&k, "the rejected batch wrote it").await?;
        f.must_be_absent(&other, "the rejected batch wrote it").await
    }

    pub async fn concurrent_consume_has_one_winner<H: Harness>(h: &H) -> CaseResult {
        let f = Fixture::new(h).await?;
        let k = key(&["code", "raced"]);
        f.put(&k, b"code", PutOptions::ALWAYS.expiring_at(f.now() + 60_000)).await?;
        let tasks: Vec<BoxFuture<'static, Result<Consumed, StoreError>>> = (0..RACERS)
            .map(|_| {
                let (store, k) = (f.store.clone(), k.clone());
                Box::pin(async move { store.consume(&k).await }) as BoxFuture<'static, _>
            })
            .collect();
        let outcomes = h.concurrently(tasks).await?;
        ensure!(outcomes.len() == RACERS, "the harness returned {} outcomes for {RACERS} tasks", outcomes.len());
        let (mut first, mut already) = (0, 0);
        for outcome in outcomes {
            match outcome {
                Ok(Consumed::First(_)) => first += 1,
                Ok(Consumed::Already(_)) => already += 1,
                Ok(Consumed::Missing) => return Err("a concurrent consume of a live code returned Missing".into()),
                Err(e) => return Err(format!("a concurrent consume failed: {e}")),
            }
        }
        ensure!(first == 1, "{RACERS} concurrent consumes of one code: {first} got First (must be exactly 1)");
        ensure!(already == RACERS - 1, "{already} of {RACERS} concurrent consumes got Already");
        Ok(())
    }

    pub async fn concurrent_if_absent_has_one_winner<H: Harness>(h: &H) -> CaseResult {
        let f = Fixture::new(h).await?;
        let k = key(&["idx", "username", "raced"]);
        let tasks: Vec<BoxFuture<'static, Result<Version, StoreError>>> = (0..RACERS)
            .map(|i| {
                let (store, k) = (f.store.clone(), k.clone());
                Box::pin(async move { store.put(&k, format!("user-{i}").into_bytes(), PutOptions::IF_ABSENT).await })
                    as BoxFuture<'static, _>
            })
            .collect();
        let outcomes = h.concurrently(tasks).await?;
        let mut winners = Vec::new();
        for (i, outcome) in outcomes.into_iter().enumerate() {
            match outcome {
                Ok(1) => winners.push(i),
                Ok(v) => return Err(format!("a concurrent IfAbsent on a new key returned version {v}")),
                Err(StoreError::Conflict { key }) if key == k => {}
                Err(e) => return Err(format!("a concurrent IfAbsent failed with {e} instead of Conflict")),
            }
        }
        let [winner] = winners.as_slice() else {
            return Err(format!("{RACERS} concurrent IfAbsent puts: {} succeeded (must be exactly 1)", winners.len()));
        };
        let r = f.must_get(&k, "one IfAbsent succeeded").await?;
        expect_value(&r, format!("user-{winner}").as_bytes(), "the stored value must be the winner's")?;
        ensure!(r.version == 1, "after one winning IfAbsent the version is {}", r.version);
        Ok(())
    }

    pub async fn concurrent_commits_claim_a_unique_index_once<H: Harness>(h: &H) -> CaseResult {
        let f = Fixture::new(h).await?;
        let index = key(&["idx", "username", "alice"]);
        let tasks: Vec<BoxFuture<'static, Result<(), StoreError>>> = (0..RACERS)
            .map(|i| {
                let store = f.store.clone();
                let ops = vec![
                    WriteOp::Put {
                        key: key(&["user", &format!("u{i:02}")]),
                        value: b"{\"username\":\"alice\"}".to_vec(),
                        options: PutOptions::IF_ABSENT,
                    },
                    WriteOp::Put {
                        key: index.clone(),
                        value: format!("u{i:02}").into_bytes(),
                        options: PutOptions::IF_ABSENT,
                    },
                ];
                Box::pin(async move { store.commit(ops).await }) as BoxFuture<'static, _>
            })
            .collect();
        let outcomes = h.concurrently(tasks).await?;
        let mut winners = Vec::new();
        for (i, outcome) in outcomes.into_iter().enumerate() {
            match outcome {
                Ok(()) => winners.push(i),
                Err(StoreError::Conflict { key }) if key == index => {}
                Err(StoreError::Conflict { key }) => {
                    return Err(format!("a losing commit named {key}; only {index} was contended"));
                }
                Err(e) => return Err(format!("a concurrent commit failed with {e} instead of Conflict")),
            }
        }
        let [winner] = winners.as_slice() else {
            return Err(format!("{RACERS} concurrent commits claiming one username: {} succeeded", winners.len()));
        };
        let owner = format!("u{winner:02}");
        expect_value(&f.must_get(&index, "one claim succeeded").await?, owner.as_bytes(), "the index")?;
        let users = f.list_all(&key(&["user"]), 100).await?;
        let listed: BTreeSet<String> = users.iter().map(|(k, _)| k.last_segment()).collect();
        ensure!(
            listed.len() == 1 && listed.contains(&owner),
            "after the race the users are {listed:?}; only the winner {owner} may exist (no orphans)"
        );
        Ok(())
    }

    pub async fn large_and_binary_values_roundtrip<H: Harness>(h: &H) -> CaseResult {
        let f = Fixture::new(h).await?;
        let large: Vec<u8> = (0..100 * 1024).map(|i: u32| (i.wrapping_mul(7) % 251) as u8).collect();
        let k = key(&["blob", "large"]);
        f.put(&k, &large, PutOptions::ALWAYS).await?;
        let r = f.must_get(&k, "a 100 KiB value was written").await?;
        ensure!(r.value == large, "a 100 KiB value came back different ({} bytes)", r.value.len());

        let k2 = key(&["blob", "large-batch"]);
        f.store
            .commit(vec![WriteOp::Put { key: k2.clone(), value: large.clone(), options: PutOptions::IF_ABSENT }])
            .await
            .ctx("commit a 100 KiB value")?;
        let listed = f.list_all(&key(&["blob"]), 10).await?;
        ensure!(
            listed.len() == 2 && listed.iter().all(|(_, r)| r.value == large),
            "listing two 100 KiB values returned {}",
            keys_of(&listed)
        );

        let k3 = key(&["blob", "binary"]);
        let binary: Vec<u8> = (0..=255u8).rev().collect();
        f.put(&k3, &binary, PutOptions::ALWAYS.expiring_at(f.now() + 10)).await?;
        ensure!(f.must_get(&k3, "it was written").await?.value == binary, "non-UTF-8 bytes did not round-trip");
        let k4 = key(&["blob", "empty"]);
        f.put(&k4, b"", PutOptions::ALWAYS).await?;
        let r = f.must_get(&k4, "an empty value is still a record").await?;
        ensure!(r.value.is_empty(), "an empty value came back as {}", show(&r));
        Ok(())
    }

    pub async fn capabilities_report_atomic_single_use<H: Harness>(h: &H) -> CaseResult {
        let f = Fixture::new(h).await?;
        let caps = f.store.capabilities();
        ensure!(caps.atomic_single_use, "capabilities() reports no atomic single use; the core refuses such stores");
        ensure!(caps.read_your_writes, "capabilities() reports no read-your-writes; the suite assumes it");
        ensure!(
            caps.max_batch >= 4,
            "capabilities().max_batch is {}; the repositories need at least 4",
            caps.max_batch
        );
        Ok(())
    }
}

#[cfg(test)]
mod memory {
    //! The reference store runs the suite like every adapter.
    use std::sync::Arc;

    use super::Harness;
    use crate::ports::{BoxFuture, FixedClock, MaybeSend};
    use crate::store::Store;
    use crate::store::memory::MemoryStore;

    struct MemoryHarness;

    #[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
    #[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
    impl Harness for MemoryHarness {
        async fn store(&self, clock: Arc<FixedClock>) -> Result<Arc<dyn Store>, String> {
            Ok(Arc::new(MemoryStore::new(clock)))
        }

        async fn concurrently<T: MaybeSend + 'static>(
            &self,
            tasks: Vec<BoxFuture<'static, T>>,
        ) -> Result<Vec<T>, String> {
            let handles: Vec<_> = tasks.into_iter().map(tokio::spawn).collect();
            let mut out = Vec::with_capacity(handles.len());
            for handle in handles {
                out.push(handle.await.map_err(|e| format!("a concurrent task panicked: {e}"))?);
            }
            Ok(out)
        }
    }

    crate::store_conformance!(MemoryHarness);
}
