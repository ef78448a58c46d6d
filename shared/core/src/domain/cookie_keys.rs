//! The OIDC provider's cookie signing keys (Logto's `logto_configs.oidc.cookieKeys`): newest
//! first; the first signs, the others still verify, at most two after a rotation. Sessions
//! and interactions (later issues) sign their cookies with them; the Management API lists,
//! rotates and deletes them already, as in Logto.
//!
//! One store record, created lazily with `IfAbsent` and replaced with `IfVersion`. Every hop of
//! a sign-in signs or verifies a cookie, so the parsed keys are cached per isolate
//! ([`CookieKeyCache`], read through `domain::cookies::keys`): safe to lose, re-read at most every
//! [`MAX_AGE_MS`], dropped on this isolate's own rotation, and re-read early (at most every
//! [`UNKNOWN_SIGNATURE_REFRESH_MS`]) when a request carries a signed cookie no cached key
//! verifies — another isolate may have rotated.

use std::sync::{Arc, RwLock};

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

/// How long loaded keys are trusted before the record is read again (as the signing keys).
pub const MAX_AGE_MS: Millis = 30_000;
/// A signed cookie no cached key verifies forces a re-read, but not more often than this (a
/// stream of forged cookies must not turn into a stream of store reads).
pub const UNKNOWN_SIGNATURE_REFRESH_MS: Millis = 1_000;

/// The keys as last read, and when.
pub struct Loaded {
    pub keys: Arc<[CookieKey]>,
    pub loaded_at: Millis,
}

/// Per-isolate cache of the cookie keys (see the module docs).
#[derive(Default)]
pub struct CookieKeyCache {
    slot: RwLock<Option<Arc<Loaded>>>,
}

impl CookieKeyCache {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cached(&self) -> Option<Arc<Loaded>> {
        self.slot.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn put(&self, keys: Arc<[CookieKey]>, loaded_at: Millis) {
        *self.slot.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(Loaded { keys, loaded_at }));
    }

    /// Forget the keys (after this isolate rotated or deleted one).
    pub fn clear(&self) {
        *self.slot.write().unwrap_or_else(|p| p.into_inner()) = None;
    }
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
    let written = app.store.put(&keys::cookie_keys(), bytes, PutOptions::if_version(version)).await;
    app.cookie_keys.clear();
    written
}

/// `new` in front, then the newest of the old ones, up to [`KEPT`].
pub fn rotated(new: CookieKey, old: Vec<CookieKey>) -> Vec<CookieKey> {
    std::iter::once(new).chain(old).take(KEPT).collect()
}

fn encode(keys: &[CookieKey]) -> Result<Vec<u8>, Internal> {
    serde_json::to_vec(keys).map_err(|e| Internal::Bug(format!("cookie keys not serialisable: {e}")))
}

#[cfg(test)]
#[cfg(feature = "ring")]
mod tests {
    use http::{HeaderMap, HeaderValue, header};

    use super::*;
    use crate::domain::cookies::{self, Lifetime};
    use crate::testing::{self, ENDPOINT};

    /// The `Cookie` header a browser sends back for a signed cookie.
    fn signed_request(name: &str, value: &str, keys: &[CookieKey]) -> HeaderMap {
        let set = cookies::signed(name, value, keys, Lifetime::Session, false).unwrap();
        let pairs: Vec<&str> = set.iter().map(|v| v.to_str().unwrap().split(';').next().unwrap()).collect();
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_str(&pairs.join("; ")).unwrap());
        headers
    }

    /// A rotation as the Management API makes it, to a key named `id` (both test isolates run
    /// one seeded RNG, so generated keys would repeat across them).
    async fn rotate(app: &App, id: &str) -> Vec<CookieKey> {
        let (old, version) = find_or_create(app).await.unwrap();
        let new = CookieKey { id: id.into(), value: format!("{id}-secret-value"), created_at: 0 };
        let next = rotated(new, old);
        update(app, &next, version).await.unwrap();
        next
    }

    #[tokio::test]
    async fn keys_are_read_once_per_max_age_and_at_once_after_a_local_rotation() {
        let a = testing::app();
        let b = testing::second_instance(crate::Config::new(ENDPOINT), &a.clock, &a.store);
        let first = cookies::keys(&a).await.unwrap();
        // Another isolate rotates: this one keeps its keys until they are MAX_AGE_MS old.
        let rotated_by_b = rotate(&b, "k2").await;
        assert_eq!(cookies::keys(&a).await.unwrap(), first);
        a.clock.advance_ms(MAX_AGE_MS);
        assert_eq!(&*cookies::keys(&a).await.unwrap(), rotated_by_b.as_slice());
        // Its own rotation is seen by the next request.
        let rotated_by_a = rotate(&a, "k3").await;
        assert_eq!(&*cookies::keys(&a).await.unwrap(), rotated_by_a.as_slice());
    }

    #[tokio::test]
    async fn a_cookie_signed_with_a_key_another_isolate_just_made_verifies_a_second_later() {
        let a = testing::app();
        let b = testing::second_instance(crate::Config::new(ENDPOINT), &a.clock, &a.store);
        cookies::keys(&a).await.unwrap();
        let new_keys = rotate(&b, "k2").await;
        let request = signed_request("_session", "s1", &new_keys);
        // Within the first second the cached keys stand (a forged cookie cannot force reads)...
        let keys = cookies::keys_for(&a, &request).await.unwrap();
        assert_eq!(cookies::read(&request, "_session", &keys), None);
        // ...after it, a signature no cached key verifies makes this isolate read the keys again.
        a.clock.advance_ms(UNKNOWN_SIGNATURE_REFRESH_MS);
        let keys = cookies::keys_for(&a, &request).await.unwrap();
        assert_eq!(cookies::read(&request, "_session", &keys).as_deref(), Some("s1"));

        // A forged signature is refused whatever the keys, and re-reads at most once a second.
        let stranger = CookieKey { id: "forged".into(), value: "a key nobody stored".into(), created_at: 0 };
        let forged = signed_request("_session", "s1", &[stranger]);
        assert_eq!(cookies::read(&forged, "_session", &cookies::keys_for(&a, &forged).await.unwrap()), None);
        let loaded_at = a.cookie_keys.cached().unwrap().loaded_at;
        a.clock.advance_ms(UNKNOWN_SIGNATURE_REFRESH_MS - 1);
        cookies::keys_for(&a, &forged).await.unwrap();
        assert_eq!(a.cookie_keys.cached().unwrap().loaded_at, loaded_at);
    }
}
