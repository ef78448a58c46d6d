//! The black-box HTTP suite: only what a client on the network can see. Every test builds its
//! own [`Target`](edgeid_tests::harness::Target): a fresh `edgeid-local` by default, or the host
//! named by `EDGEID_BLACKBOX_URL` (see `tests/it.rs`). Names are unique per run, so the suite can
//! run repeatedly against one long-lived host.

mod account;
mod bad_input;
mod connectors;
mod discovery;
mod machine_to_machine;
mod sign_in;
mod users;
mod wire_errors;
