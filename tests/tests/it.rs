//! The one integration-test binary of edgeid. The modules live under `tests/src/` next to the
//! harness (`edgeid_tests::harness`) so that the suites read like the rest of the code base.
//!
//! - `blackbox::` — the HTTP suite, written once, run against any host:
//!   `cargo test -p edgeid-tests --test it blackbox::` starts `edgeid-local` itself;
//!   `EDGEID_BLACKBOX_URL=http://127.0.0.1:8787 EDGEID_BLACKBOX_CLIENT_ID=… EDGEID_BLACKBOX_CLIENT_SECRET=…
//!   cargo test -p edgeid-tests --test it blackbox::` tests a running Worker / Lambda / server.
//! - `flows::` — in-process journeys on a `TestApp` (memory store, fixed clock, seeded RNG).
//! - `local::` — what only the local host does (process lifecycle, settings, raw HTTP abuse).

// Test code: a panic is a failure report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../src/blackbox/mod.rs"]
mod blackbox;
#[path = "../src/flows/mod.rs"]
mod flows;
#[path = "../src/local/mod.rs"]
mod local;
