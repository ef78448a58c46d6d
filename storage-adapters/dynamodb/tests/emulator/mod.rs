//! The emulator the DynamoDB tests talk to, shared by the test binaries.
//!
//! `EDGEID_DYNAMODB_ENDPOINT` when set (`.ci/lambda.sh` runs the suites against moto and
//! DynamoDB Local); otherwise a `moto_server` from PATH that this test process starts itself and
//! that a watchdog stops once the process is gone.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use edgeid_store_dynamodb::{Client, ClientSettings, create_table};

/// The emulator's URL: the given one, or a moto server this process started.
pub fn endpoint() -> Result<String, String> {
    static ENDPOINT: OnceLock<Result<String, String>> = OnceLock::new();
    ENDPOINT
        .get_or_init(|| match std::env::var("EDGEID_DYNAMODB_ENDPOINT") {
            Ok(url) if !url.is_empty() => Ok(url),
            _ => start_moto(),
        })
        .clone()
}

pub fn settings() -> Result<ClientSettings, String> {
    Ok(ClientSettings::local(&endpoint()?))
}

/// A new, empty table; unique across runs against one long-lived emulator.
pub async fn fresh_table(client: &Client) -> Result<String, String> {
    static TABLES: AtomicU32 = AtomicU32::new(0);
    let nonce = RandomState::new().hash_one(std::process::id());
    let table = format!("test-{nonce:x}-{}", TABLES.fetch_add(1, Ordering::SeqCst));
    create_table(client, &table).await.map_err(|e| format!("create table {table}: {e}"))?;
    Ok(table)
}

fn start_moto() -> Result<String, String> {
    let port =
        TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| format!("no free port: {e}"))?.port();
    // A watchdog shell owns the server and stops it once this test process is gone.
    let script = format!(
        "moto_server -H 127.0.0.1 -p {port} >/dev/null 2>&1 & srv=$!; \
         while kill -0 {parent} 2>/dev/null; do sleep 1; done; kill $srv",
        parent = std::process::id()
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start moto_server (is it on PATH?): {e}"))?;
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(format!("http://127.0.0.1:{port}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("moto_server did not listen on port {port} within 10 s (is it on PATH?)"))
}
