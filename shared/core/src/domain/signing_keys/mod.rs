//! The OIDC signing key ring, in Logto's model (`logto_configs.oidc.privateKeys`, logto-api.md
//! §1.3): exactly one `Current` key signs, at most one `Next` (staged by a rotation with a
//! grace period, already published) and one `Previous` (still published so tokens it signed
//! keep verifying). JWKS order is Current, Next, Previous.
//!
//! The ring is one store record (`store::keys::signing_keys()`), created lazily with
//! `IfAbsent` (concurrent cold starts converge on one key) and updated with `IfVersion` (two
//! instances rotating at once cannot clobber each other). Keys are PKCS#8 DER (what ring and
//! WebCrypto import), kept base64url in the JSON record.
//!
//! Reading it on every request would cost a store round trip and a key parse; [`cache`] keeps
//! the parsed ring per isolate with bounded staleness.

pub mod cache;
mod ring;

pub use cache::{LoadedKeys, PublicKey, Signer, SigningKeyCache};
pub use ring::{DeleteError, KeyRing, KeyStatus, RotateError, StoredKey};

use crate::App;
use crate::error::Internal;
use crate::jose::{Alg, thumbprint};
use crate::store::{PutOptions, StoreError, Version, keys};

/// The stored ring and its version, if one was ever written.
pub async fn find(app: &App) -> Result<Option<(KeyRing, Version)>, Internal> {
    let Some(record) = app.store.get(&keys::signing_keys()).await? else {
        return Ok(None);
    };
    let ring: KeyRing = serde_json::from_slice(&record.value)
        .map_err(|e| Internal::Store(StoreError::Corrupt(format!("signing key ring: {e}"))))?;
    ring.validate().map_err(|e| Internal::Store(StoreError::Corrupt(format!("signing key ring: {e}"))))?;
    Ok(Some((ring, record.version)))
}

/// The stored ring, creating it with one `Current` key of `config.signing_alg` on first use.
/// Concurrent first uses race on `IfAbsent`; the losers read the winner's ring.
pub async fn find_or_create(app: &App) -> Result<(KeyRing, Version), Internal> {
    if let Some(found) = find(app).await? {
        return Ok(found);
    }
    let key = generate(app, app.config.signing_alg, KeyStatus::Current).await?;
    let ring = KeyRing { keys: vec![key], rotation_at: None };
    match app.store.put(&keys::signing_keys(), encode(&ring)?, PutOptions::IF_ABSENT).await {
        Ok(version) => Ok((ring, version)),
        Err(StoreError::Conflict { .. }) => {
            find(app).await?.ok_or_else(|| Internal::Bug("signing key ring vanished after a create conflict".into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// Replace the ring if it is still at `version`; `Conflict` if someone else wrote first.
pub async fn update(app: &App, ring: &KeyRing, version: Version) -> Result<Version, StoreError> {
    let bytes = encode(ring).map_err(|e| StoreError::Backend(e.to_string()))?;
    let version = app.store.put(&keys::signing_keys(), bytes, PutOptions::if_version(version)).await?;
    app.signing_keys.invalidate();
    Ok(version)
}

/// A fresh key: random Logto-style id, `kid` = RFC 7638 thumbprint of its public JWK.
pub async fn generate(app: &App, alg: Alg, status: KeyStatus) -> Result<StoredKey, Internal> {
    let generated = app.crypto.generate_key(alg).await?;
    let kid = thumbprint(&generated.public).ok_or_else(|| Internal::Bug("generated key has no thumbprint".into()))?;
    Ok(StoredKey {
        id: app.rng.id(21),
        kid,
        alg,
        pkcs8: crate::jose::b64(&generated.pkcs8),
        public: generated.public,
        created_at: app.clock.now_ms(),
        status,
    })
}

fn encode(ring: &KeyRing) -> Result<Vec<u8>, Internal> {
    serde_json::to_vec(ring).map_err(|e| Internal::Bug(format!("signing key ring not serialisable: {e}")))
}

#[cfg(test)]
#[cfg(feature = "ring")]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;
    use crate::ports::{FixedClock, RingCrypto, SeededRng};
    use crate::store::memory::MemoryStore;
    use crate::store::{Consumed, Key, Page, Record, Store, WriteOp};
    use crate::testing::{self, T0};

    /// A store whose first read of the key ring misses, as if another instance created it
    /// between our read and our write (the cold-start race).
    struct LateReader {
        inner: Arc<MemoryStore>,
        missed: AtomicBool,
    }

    #[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
    #[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
    impl Store for LateReader {
        async fn get(&self, key: &Key) -> Result<Option<Record>, StoreError> {
            if *key == keys::signing_keys() && !self.missed.swap(true, Ordering::SeqCst) {
                return Ok(None);
            }
            self.inner.get(key).await
        }
        async fn put(&self, key: &Key, value: Vec<u8>, options: PutOptions) -> Result<Version, StoreError> {
            self.inner.put(key, value, options).await
        }
        async fn delete(&self, key: &Key) -> Result<(), StoreError> {
            self.inner.delete(key).await
        }
        async fn consume(&self, key: &Key) -> Result<Consumed, StoreError> {
            self.inner.consume(key).await
        }
        async fn list(&self, prefix: &Key, cursor: Option<&str>, limit: usize) -> Result<Page, StoreError> {
            self.inner.list(prefix, cursor, limit).await
        }
        async fn commit(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
            self.inner.commit(ops).await
        }
        fn capabilities(&self) -> crate::store::Capabilities {
            self.inner.capabilities()
        }
    }

    #[tokio::test]
    async fn concurrent_cold_starts_converge_on_one_key() {
        let first = testing::app();
        let (ring, version) = find_or_create(&first).await.unwrap();
        let late = LateReader { inner: first.store.clone(), missed: AtomicBool::new(false) };
        let clock = Arc::new(FixedClock::new(T0));
        let second = crate::App::new(
            first.config.clone(),
            Arc::new(late),
            clock,
            Arc::new(SeededRng::new(99)),
            Arc::new(RingCrypto::new()),
        )
        .unwrap();
        // The second instance generated its own key, lost the IfAbsent race, and adopted ours.
        assert_eq!(find_or_create(&second).await.unwrap(), (ring.clone(), version));
        assert_eq!(second.signing_keys.get(&second).await.unwrap().signer.kid, ring.current().unwrap().kid);
    }

    #[tokio::test]
    async fn a_stale_writer_cannot_clobber_a_newer_ring() {
        let app = testing::app();
        let (ring, version) = find_or_create(&app).await.unwrap();
        let a = generate(&app, Alg::ES256, KeyStatus::Current).await.unwrap();
        let b = generate(&app, Alg::ES256, KeyStatus::Current).await.unwrap();
        update(&app, &ring.clone().rotated_now(a.clone()).unwrap(), version).await.unwrap();
        let stale = update(&app, &ring.rotated_now(b).unwrap(), version).await;
        assert!(matches!(stale, Err(StoreError::Conflict { .. })));
        assert_eq!(find(&app).await.unwrap().unwrap().0.current().unwrap().id, a.id);
    }

    #[tokio::test]
    async fn first_keys_follow_the_configured_algorithm_and_carry_thumbprint_kids() {
        for alg in Alg::ALL {
            let mut config = crate::Config::new(testing::ENDPOINT);
            config.signing_alg = alg;
            let app = testing::app_with(config);
            let (ring, _) = find_or_create(&app).await.unwrap();
            let key = ring.current().unwrap();
            assert_eq!((key.alg, key.status, key.created_at), (alg, KeyStatus::Current, T0));
            assert_eq!(Some(key.kid.clone()), thumbprint(&key.public));
            assert_eq!(key.id.len(), 21);
            // The stored record never holds the private key in a form other than PKCS#8.
            let pkcs8 = crate::jose::unb64(&key.pkcs8).unwrap();
            assert!(app.crypto.signing_key(alg, &pkcs8).await.is_ok());
        }
    }
}
