//! The OIDC provider's cookie signing keys (Logto's `logto_configs.oidc.cookieKeys`): newest
//! first; the first signs, the others still verify, at most two after a rotation. Sessions
//! and interactions (later issues) sign their cookies with them; the Management API lists,
//! rotates and deletes them already, as in Logto.
//!
//! One store record, created lazily with `IfAbsent` and replaced with `IfVersion`.

use serde::{Deserialize, Serialize};

use crate::App;
use crate::error::Internal;
use crate::ports::Millis;
use crate::store::{PutOptions, StoreError, Version, keys};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CookieKey {
    pub id: String,
    /// The HMAC key (Logto's `generateStandardSecret()`); never leaves the store.
    pub value: String,
    pub created_at: Millis,
}

/// How many keys a rotation keeps (the new one and its predecessor), as in Logto.
pub const KEPT: usize = 2;

/// A fresh key.
pub fn generate(app: &App) -> CookieKey {
    CookieKey {
        id: app.rng.id(21),
        value: super::application::secret::generate(app.rng.as_ref()),
        created_at: app.clock.now_ms(),
    }
}

/// The stored keys (newest first), created with one key on first use; concurrent first uses
/// race on `IfAbsent` and the losers read the winner's keys.
pub async fn find_or_create(app: &App) -> Result<(Vec<CookieKey>, Version), Internal> {
    if let Some(found) = find(app).await? {
        return Ok(found);
    }
    let created = vec![generate(app)];
    match app.store.put(&keys::cookie_keys(), encode(&created)?, PutOptions::IF_ABSENT).await {
        Ok(version) => Ok((created, version)),
        Err(StoreError::Conflict { .. }) => {
            find(app).await?.ok_or_else(|| Internal::Bug("cookie keys vanished after a create conflict".into()))
        }
        Err(e) => Err(e.into()),
    }
}

async fn find(app: &App) -> Result<Option<(Vec<CookieKey>, Version)>, Internal> {
    let Some(record) = app.store.get(&keys::cookie_keys()).await? else {
        return Ok(None);
    };
    let keys: Vec<CookieKey> = serde_json::from_slice(&record.value)
        .map_err(|e| Internal::Store(StoreError::Corrupt(format!("cookie keys: {e}"))))?;
    Ok(Some((keys, record.version)))
}

/// Replace the keys if they are still at `version`; `Conflict` if someone else wrote first.
pub async fn update(app: &App, keys: &[CookieKey], version: Version) -> Result<Version, StoreError> {
    let bytes = encode(keys).map_err(|e| StoreError::Backend(e.to_string()))?;
    app.store.put(&keys::cookie_keys(), bytes, PutOptions::if_version(version)).await
}

/// `new` in front, then the newest of the old ones, up to [`KEPT`].
pub fn rotated(new: CookieKey, old: Vec<CookieKey>) -> Vec<CookieKey> {
    std::iter::once(new).chain(old).take(KEPT).collect()
}

fn encode(keys: &[CookieKey]) -> Result<Vec<u8>, Internal> {
    serde_json::to_vec(keys).map_err(|e| Internal::Bug(format!("cookie keys not serialisable: {e}")))
}
