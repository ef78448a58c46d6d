//! The embedded store passes the whole storage conformance suite, racing on real threads.
#![allow(clippy::expect_used)] // test set-up: a missing temp dir is a broken machine, not a finding

use std::sync::{Arc, Barrier};

use edgeid_core::ports::{BoxFuture, FixedClock, MaybeSend};
use edgeid_core::store::Store;
use edgeid_core::store::conformance::Harness;
use edgeid_store_embedded::EmbeddedStore;

/// Each store gets its own file in its own temp dir, removed when the harness is dropped.
struct EmbeddedHarness {
    dir: tempfile::TempDir,
}

impl EmbeddedHarness {
    fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("temp dir") }
    }
}

#[async_trait::async_trait]
impl Harness for EmbeddedHarness {
    async fn store(&self, clock: Arc<FixedClock>) -> Result<Arc<dyn Store>, String> {
        let path = self.dir.path().join(format!("store-{}.redb", self.dir.path().read_dir().map_or(0, |d| d.count())));
        let store = EmbeddedStore::open(&path, clock).map_err(|e| e.to_string())?;
        Ok(Arc::new(store))
    }

    /// One OS thread per task, released together by a barrier, so they really race for redb's
    /// write lock.
    async fn concurrently<T: MaybeSend + 'static>(&self, tasks: Vec<BoxFuture<'static, T>>) -> Result<Vec<T>, String> {
        let start = Arc::new(Barrier::new(tasks.len()));
        let runtime = tokio::runtime::Handle::current();
        let handles: Vec<_> = tasks
            .into_iter()
            .map(|task| {
                let (start, runtime) = (start.clone(), runtime.clone());
                tokio::task::spawn_blocking(move || {
                    start.wait();
                    runtime.block_on(task)
                })
            })
            .collect();
        let mut out = Vec::with_capacity(handles.len());
        for handle in handles {
            out.push(handle.await.map_err(|e| format!("a concurrent task panicked: {e}"))?);
        }
        Ok(out)
    }
}

edgeid_core::store_conformance!(EmbeddedHarness::new());
