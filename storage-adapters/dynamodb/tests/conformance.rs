//! The core's storage conformance suite against a local DynamoDB emulator.
//!
//! Compiled in with `EDGEID_DYNAMODB_TESTS=1` (see `build.rs`). The emulator is
//! `EDGEID_DYNAMODB_ENDPOINT` when set (`.ci/lambda.sh` runs the suite once against moto and
//! once against DynamoDB Local); otherwise the test starts `moto_server` from PATH itself and
//! stops it when the test process exits. Every case gets a fresh table.

#[cfg(not(dynamodb_emulator_tests))]
#[test]
fn dynamodb_emulator_suite_skipped_set_edgeid_dynamodb_tests_1_to_run_it() {
    eprintln!(
        "WARNING: the DynamoDB conformance suite was NOT run; build with EDGEID_DYNAMODB_TESTS=1 \
         (and moto_server on PATH or EDGEID_DYNAMODB_ENDPOINT set), as .ci/lambda.sh does"
    );
}

#[cfg(dynamodb_emulator_tests)]
mod emulator {
    use std::collections::hash_map::RandomState;
    use std::net::TcpListener;
    use std::process::{Command, Stdio};
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::{Arc, OnceLock};
    use std::time::Duration;

    use edgeid_core::ports::{BoxFuture, FixedClock, MaybeSend};
    use edgeid_core::store::Store;
    use edgeid_core::store::conformance::Harness;
    use edgeid_store_dynamodb::{ClientSettings, DynamoStore, client, create_table};

    /// The emulator's URL: the given one, or a moto server this process started.
    fn endpoint() -> Result<String, String> {
        static ENDPOINT: OnceLock<Result<String, String>> = OnceLock::new();
        ENDPOINT
            .get_or_init(|| match std::env::var("EDGEID_DYNAMODB_ENDPOINT") {
                Ok(url) if !url.is_empty() => Ok(url),
                _ => start_moto(),
            })
            .clone()
    }

    fn start_moto() -> Result<String, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
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

    pub struct Emulator;

    #[async_trait::async_trait]
    impl Harness for Emulator {
        async fn store(&self, clock: Arc<FixedClock>) -> Result<Arc<dyn Store>, String> {
            static TABLES: AtomicU32 = AtomicU32::new(0);
            let endpoint = endpoint()?;
            let client = client(&ClientSettings::local(&endpoint));
            // Unique across runs against one long-lived emulator: pid plus a per-process nonce.
            let nonce = std::hash::BuildHasher::hash_one(&RandomState::new(), std::process::id());
            let table = format!("conformance-{nonce:x}-{}", TABLES.fetch_add(1, Ordering::SeqCst));
            create_table(&client, &table).await.map_err(|e| format!("create table on {endpoint}: {e}"))?;
            Ok(Arc::new(DynamoStore::new(client, table, clock)))
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

    edgeid_core::store_conformance!(Emulator);
}
