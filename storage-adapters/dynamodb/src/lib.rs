//! `edgeid-store-dynamodb`: the core's [`Store`] over ONE DynamoDB table (native only).
//!
//! Layout and the partition-key trade-off: [`item`]. Every read is strongly consistent; expiry
//! is checked against the core's clock on every read and inside every write condition (TTL
//! deletion is lazy, up to days late). Single use and uniqueness are conditional writes
//! (`ConditionExpression`), batches are `TransactWriteItems`, so each guarantee holds under
//! any number of concurrent Lambda instances.

mod client;
mod error;
mod expr;
mod item;
mod store;
mod table;

pub use client::{ClientSettings, client, client_config};
pub use store::{DynamoStore, MAX_BATCH};
pub use table::create_table;

pub use aws_sdk_dynamodb::Client;
