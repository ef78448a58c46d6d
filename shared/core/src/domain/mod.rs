//! What two groups share: the entities and their repositories over [`crate::store::Store`].
//!
//! Every multi-key write goes through one `Store::commit`; uniqueness (resource indicator,
//! scope name per resource, role name, relations) is claimed with `IfAbsent` keys in that same
//! commit, so a failed check writes nothing. Keys are built in [`crate::store::keys`].
//!
//! For the token endpoint (`client_credentials`): [`application::find`] (client, hashed
//! secrets and M2M role ids in one read), [`application::ApplicationRecord::verify_secret`],
//! [`resource::find_by_indicator`] (one read) and [`role_scope::names_for_application`] (one
//! prefix listing per assigned role).

pub mod access_token;
pub mod account_center;
pub mod application;
pub mod auth_context;
pub mod authorization_code;
pub mod claims;
pub mod connector;
pub mod connector_session;
pub mod cookie_keys;
pub mod cookies;
pub mod email_blocklist;
pub mod email_template;
pub mod grant;
pub mod interaction;
pub mod message_rate;
pub mod mfa;
pub mod one_time_token;
pub mod password;
pub mod password_policy;
pub mod refresh_token;
pub mod resource;
pub mod role;
pub mod role_application;
pub mod role_scope;
pub mod role_user;
pub mod scope;
pub mod sentinel;
pub mod session;
pub mod sign_in_experience;
pub mod signing_keys;
mod table;
pub mod token_hash;
pub mod user;
pub mod username_policy;
pub mod verification_code;
pub mod verification_record;

pub use table::{Versioned, Window};

/// Logto's OSS tenant id, echoed as `tenantId` in every entity.
pub const TENANT_ID: &str = "default";

#[cfg(test)]
pub(crate) mod testing {
    use std::sync::Arc;

    use crate::ports::FixedClock;
    use crate::store::memory::MemoryStore;
    use crate::store::{Capabilities, Consumed, Key, Page, PutOptions, Record, Store, StoreError, Version, WriteOp};

    pub fn store() -> MemoryStore {
        MemoryStore::new(Arc::new(FixedClock::new(1_700_000_000_000)))
    }

    /// The memory store with a DynamoDB-like (here: tiny) transaction size.
    pub struct SmallBatch(pub MemoryStore, pub usize);

    #[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
    #[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
    impl Store for SmallBatch {
        async fn get(&self, key: &Key) -> Result<Option<Record>, StoreError> {
            self.0.get(key).await
        }
        async fn put(&self, key: &Key, value: Vec<u8>, options: PutOptions) -> Result<Version, StoreError> {
            self.0.put(key, value, options).await
        }
        async fn delete(&self, key: &Key) -> Result<(), StoreError> {
            self.0.delete(key).await
        }
        async fn consume(&self, key: &Key) -> Result<Consumed, StoreError> {
            self.0.consume(key).await
        }
        async fn list(&self, prefix: &Key, cursor: Option<&str>, limit: usize) -> Result<Page, StoreError> {
            self.0.list(prefix, cursor, limit).await
        }
        async fn commit(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
            crate::store::check_batch(&ops, self.1)?;
            if ops.is_empty() {
                return Err(StoreError::Backend("empty batch".into()));
            }
            self.0.commit(ops).await
        }
        fn capabilities(&self) -> Capabilities {
            Capabilities { max_batch: self.1, ..self.0.capabilities() }
        }
    }

    /// The memory store, yielding to the executor before every operation, so that concurrent
    /// futures on one thread really interleave between a read and the write that follows it.
    #[cfg(feature = "ring")] // Only `yielding_app` (ring crypto) uses it.
    pub struct Yielding(pub MemoryStore);

    #[cfg(feature = "ring")]
    #[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
    #[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
    impl Store for Yielding {
        async fn get(&self, key: &Key) -> Result<Option<Record>, StoreError> {
            tokio::task::yield_now().await;
            self.0.get(key).await
        }
        async fn put(&self, key: &Key, value: Vec<u8>, options: PutOptions) -> Result<Version, StoreError> {
            tokio::task::yield_now().await;
            self.0.put(key, value, options).await
        }
        async fn delete(&self, key: &Key) -> Result<(), StoreError> {
            tokio::task::yield_now().await;
            self.0.delete(key).await
        }
        async fn consume(&self, key: &Key) -> Result<Consumed, StoreError> {
            tokio::task::yield_now().await;
            self.0.consume(key).await
        }
        async fn list(&self, prefix: &Key, cursor: Option<&str>, limit: usize) -> Result<Page, StoreError> {
            tokio::task::yield_now().await;
            self.0.list(prefix, cursor, limit).await
        }
        async fn commit(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
            tokio::task::yield_now().await;
            self.0.commit(ops).await
        }
        fn capabilities(&self) -> Capabilities {
            self.0.capabilities()
        }
    }

    /// An app over the yielding store (fixed clock at `crate::testing::T0`).
    #[cfg(feature = "ring")]
    pub fn yielding_app() -> crate::App {
        let clock = Arc::new(FixedClock::new(crate::testing::T0));
        let store = Arc::new(Yielding(MemoryStore::new(clock.clone())));
        crate::App::new(
            crate::Config::new(crate::testing::ENDPOINT),
            store,
            clock,
            Arc::new(crate::ports::SeededRng::new(7)),
            Arc::new(crate::ports::RingCrypto::new()),
        )
        .unwrap_or_else(|e| panic!("test app: {e}"))
    }
}
