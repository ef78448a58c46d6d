//! A store outage (DynamoDB throttling, a Durable Object reset, ...) is the server's problem,
//! not the client's: every group answers a retryable 503 in its wire format, and nothing is
//! half-written when the store comes back.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use edgeid_core::bootstrap;
use edgeid_core::config::MANAGEMENT_API_INDICATOR;
use edgeid_core::ports::{FixedClock, RingCrypto, SeededRng};
use edgeid_core::store::memory::MemoryStore;
use edgeid_core::store::{Capabilities, Consumed, Key, Page, PutOptions, Record, Store, StoreError, Version, WriteOp};
use edgeid_core::{App, Config};
use edgeid_tests::harness::{Client, TestApp};

/// The memory store behind a switch that makes every operation fail as a throttled or
/// unreachable backend does.
struct FlakyStore {
    inner: MemoryStore,
    down: AtomicBool,
}

impl FlakyStore {
    fn check(&self) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable("ProvisionedThroughputExceededException".into()));
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Store for FlakyStore {
    async fn get(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        self.check()?;
        self.inner.get(key).await
    }
    async fn put(&self, key: &Key, value: Vec<u8>, options: PutOptions) -> Result<Version, StoreError> {
        self.check()?;
        self.inner.put(key, value, options).await
    }
    async fn delete(&self, key: &Key) -> Result<(), StoreError> {
        self.check()?;
        self.inner.delete(key).await
    }
    async fn consume(&self, key: &Key) -> Result<Consumed, StoreError> {
        self.check()?;
        self.inner.consume(key).await
    }
    async fn list(&self, prefix: &Key, cursor: Option<&str>, limit: usize) -> Result<Page, StoreError> {
        self.check()?;
        self.inner.list(prefix, cursor, limit).await
    }
    async fn commit(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        self.check()?;
        self.inner.commit(ops).await
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
}

async fn token(client: &Client, admin: &bootstrap::Credentials) -> edgeid_tests::harness::TestResponse {
    client
        .post("/oidc/token")
        .basic_auth(&admin.client_id, &admin.client_secret)
        .form(&[("grant_type", "client_credentials"), ("resource", MANAGEMENT_API_INDICATOR), ("scope", "all")])
        .send()
        .await
}

#[tokio::test]
async fn an_outage_is_a_retryable_503_in_each_wire_format_and_loses_nothing() {
    let clock = Arc::new(FixedClock::new(1_767_225_600_000));
    let store = Arc::new(FlakyStore { inner: MemoryStore::new(clock.clone()), down: AtomicBool::new(false) });
    let app = App::new(
        Config::new(TestApp::ENDPOINT),
        store.clone(),
        clock,
        Arc::new(SeededRng::new(7)),
        Arc::new(RingCrypto::new()),
    )
    .unwrap();
    let admin =
        bootstrap::Credentials { client_id: "admin".into(), client_secret: "admin-secret-0123456789abcdefgh".into() };
    bootstrap::run(&app, Some(&admin)).await.unwrap();
    let client = Client::in_process(Arc::new(app));
    let bearer = token(&client, &admin).await.assert_status(200).str_field("access_token");

    store.down.store(true, Ordering::SeqCst);
    let refused = token(&client, &admin).await;
    refused.assert_oauth_error(503, "temporarily_unavailable");
    let body = refused.json();
    assert!(!body.to_string().contains("ProvisionedThroughput"), "backend details leaked: {body}");
    let listed = client.get("/api/resources").bearer(&bearer).send().await;
    listed.assert_status(503);
    assert!(listed.json()["code"].is_string(), "{}", listed.text());
    let created = client
        .post("/api/resources")
        .bearer(&bearer)
        .json(&serde_json::json!({"name": "Orders", "indicator": "https://orders.example.com"}))
        .send()
        .await;
    created.assert_status(503);

    // Back up: the refused create left nothing behind, and it can simply be retried.
    store.down.store(false, Ordering::SeqCst);
    let resources = client.get("/api/resources").bearer(&bearer).send().await;
    let names: Vec<String> =
        resources.assert_status(200).json().as_array().unwrap().iter().map(|r| r["name"].to_string()).collect();
    assert!(!names.iter().any(|n| n.contains("Orders")), "half-written resource: {names:?}");
    client
        .post("/api/resources")
        .bearer(&bearer)
        .json(&serde_json::json!({"name": "Orders", "indicator": "https://orders.example.com"}))
        .send()
        .await
        .assert_status(201);
    token(&client, &admin).await.assert_status(200);
}
