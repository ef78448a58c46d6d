//! edgeid-tests: the harness behind the one integration-test binary (`tests/it.rs`).
//!
//! - [`harness::TestApp`]: the core `App` in-process (memory store, fixed clock, seeded RNG,
//!   ring crypto), driven through `edgeid_core::handle` with a cookie-keeping [`harness::Client`].
//! - [`harness::LocalServer`]: the real `edgeid-local` binary as a child process on a free port
//!   with its own data dir; kill it (SIGKILL), stop it (SIGTERM), restart it on the same data.
//! - [`harness::Target`]: where the black-box suite points: `EDGEID_BLACKBOX_URL` if set
//!   (Workers under `wrangler dev`, Lambda under `cargo lambda watch`, …), else a fresh local server.
//!
//! The test modules themselves live beside this file (`blackbox/`, `local/`, …) and are compiled
//! into `tests/it.rs`, so `cargo test -p edgeid-tests --test it blackbox::` runs one suite.

// A harness reports failures by panicking, with a message saying what went wrong.
// It also reads the real clock, for process timeouts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::disallowed_methods)]

pub mod harness;
