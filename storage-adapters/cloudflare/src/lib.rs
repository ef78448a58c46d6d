//! edgeid's [`Store`](edgeid_core::store::Store) on Cloudflare Workers.
//!
//! # Consistency design
//!
//! * **One source of truth.** Every record lives in one SQLite-backed Durable Object
//!   ([`EdgeidStore`], binding `STORE`, instance `"edgeid"`). `get`, `put`, `delete`, `consume`,
//!   `list` and `commit` are all answered by that object, so the Store contract holds exactly
//!   as on the reference `MemoryStore`: linearizable single use, read-your-writes, atomic batches.
//! * **Conditions are decided in one place.** The object runs one event at a time and applies
//!   each write request inside `storage.transactionSync` (checks first, then writes, all
//!   rolled back on any error), using the core's own `Condition::next_version` for `IfAbsent`,
//!   `IfVersion`, `IfPresent`. N concurrent `consume`s of one code: exactly one `First`.
//! * **KV never decides anything and is never read by `get`.** Workers KV (binding `KV`) is a
//!   read-through copy used only by [`Store::get_relaxed`](edgeid_core::store::Store::get_relaxed),
//!   which the core calls only for configuration it declares staleness-tolerant (today: the
//!   token endpoint's resource-by-indicator lookup, `domain::resource::find_by_indicator`,
//!   which saves a Durable Object round trip on every token request). A copy is filled
//!   from the object on a miss and expires after [`RELAXED_TTL_SECS`] (60 s), which bounds the
//!   staleness; KV is never written on the write path, only on a relaxed-read miss (at most
//!   one write per hot key per minute per location; the Free plan allows 1,000 a day, and a
//!   failed fill only costs the fast path).
//! * **What 60 s of KV staleness can affect:** only the answers of relaxed reads — at worst a
//!   resource deleted or changed in the last minute is still honoured as it was (the scopes a
//!   client gets are still capped by its roles, read through the object). **What it cannot affect:** client
//!   authentication, token/code/session lookups, introspection, revocation, single use,
//!   uniqueness, key-ring updates — all of them read and write through the object.
//! * **Failures are retryable and never half-applied.** A failed object call (reset,
//!   overload, storage error) maps to `StoreError::Unavailable` (503 / `temporarily_unavailable`);
//!   the object's transaction either committed or rolled back as a whole.
//!
//! Expiry is judged against the Worker's clock, sent with each request (the core's `Clock`:
//! `Date.now()` in production, a fixed clock in the conformance suite); the object also sweeps a
//! few expired rows on each write. Throughput: one object serialises all writes of a deployment
//! (on the order of a thousand small requests a second); shard by tenant if that ever binds.
//!
//! The crate is empty on non-wasm targets so that the workspace checks on the host.
#![cfg(target_arch = "wasm32")]

mod client;
mod object;
mod protocol;

pub use client::{CloudflareStore, MAX_BATCH, RELAXED_TTL_SECS};
pub use object::EdgeidStore;

/// Binding names the host and `wrangler.toml` agree on.
pub const STORE_BINDING: &str = "STORE";
pub const KV_BINDING: &str = "KV";
/// The object instance that holds a deployment's records.
pub const DEFAULT_SHARD: &str = "edgeid";
