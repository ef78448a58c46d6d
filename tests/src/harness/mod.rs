//! Test harness: clients, in-process app, real processes, JWT checks. See the crate docs.

pub mod account;
mod binary;
mod cli;
mod client;
pub mod http_sink;
pub mod jwt;
mod process;
pub mod sign_in;
mod target;
mod test_app;
pub mod totp;

pub use binary::{edgeid_cli_binary, edgeid_local_binary};
pub use cli::{CliOutput, edgeid_cli};
pub use client::{Client, RequestBuilder, TestResponse};
pub use http_sink::{SeenRequest, http_sink};
pub use process::{LocalServer, LocalServerBuilder};
pub use target::{Credentials, Target};
pub use test_app::TestApp;
