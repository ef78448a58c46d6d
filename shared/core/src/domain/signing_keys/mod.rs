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
