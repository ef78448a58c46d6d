//! Per-isolate cache of the parsed key ring: the Current key parsed once (parsing an EC key
//! costs as much as a signature, an RSA key much more), the public keys for verification, and
//! the JWKS pre-serialised. Safe to lose at any moment (the next request reloads it) and
//! bounded in staleness: the ring record is re-read at most every [`MAX_AGE_MS`], when a staged
//! key falls due, or when a token names a `kid` we do not know (another instance rotated).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use bytes::Bytes;

use super::{KeyRing, find, find_or_create, update};
use crate::App;
use crate::domain::access_token::VerifiedTokens;
use crate::error::Internal;
use crate::jose::{Alg, Jwk, Jwks, header_b64, unb64};
use crate::ports::{Millis, SigningKey};
use crate::store::{StoreError, Version};

/// How long a loaded ring is trusted before the record is read again.
pub const MAX_AGE_MS: Millis = 30_000;
/// An unknown `kid` forces a re-read, but not more often than this (a stream of forged kids
/// must not turn into a stream of store reads).
pub const UNKNOWN_KID_REFRESH_MS: Millis = 1_000;

/// The key that signs now.
pub struct Signer {
    pub kid: String,
    pub alg: Alg,
    pub key: Arc<dyn SigningKey>,
    /// base64url of `{"alg","kid","typ":"at+jwt"}`: every access token's header.
    pub access_token_header: String,
}

/// A published key, for verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    pub kid: String,
    pub alg: Alg,
    pub jwk: Jwk,
}

/// One loaded version of the ring.
pub struct LoadedKeys {
    pub version: Version,
    pub signer: Signer,
    /// Current, Next, Previous.
    pub keys: Vec<PublicKey>,
    /// `{"keys":[...]}`, served as-is by `GET /oidc/jwks`.
    pub jwks: Bytes,
    /// Tokens already verified under this ring (see [`VerifiedTokens`]).
    pub verified: VerifiedTokens,
    rotation_at: Option<Millis>,
    checked_at: AtomicI64,
}

impl LoadedKeys {
    pub fn key(&self, kid: &str) -> Option<&PublicKey> {
        self.keys.iter().find(|k| k.kid == kid)
    }

    fn fresh(&self, now: Millis) -> bool {
        now.saturating_sub(self.checked_at.load(Ordering::Relaxed)) < MAX_AGE_MS
            && self.rotation_at.is_none_or(|at| now < at)
    }
}

#[derive(Default)]
pub struct SigningKeyCache {
    slot: RwLock<Option<Arc<LoadedKeys>>>,
}

impl SigningKeyCache {
    pub fn new() -> Self {
        Self::default()
    }

    fn cached(&self) -> Option<Arc<LoadedKeys>> {
        self.slot.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Drop the cached ring (after this isolate wrote a new one).
    pub fn invalidate(&self) {
        *self.slot.write().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The ring, from cache when fresh; creates the first key on a brand-new deployment.
    pub async fn get(&self, app: &App) -> Result<Arc<LoadedKeys>, Internal> {
        if let Some(loaded) = self.cached()
            && loaded.fresh(app.clock.now_ms())
        {
            return Ok(loaded);
        }
        self.load(app).await
    }

    /// Re-read after a token named an unknown `kid`, unless the ring was checked very recently.
    pub async fn refresh_for_unknown_kid(&self, app: &App) -> Result<Arc<LoadedKeys>, Internal> {
        if let Some(loaded) = self.cached()
            && app.clock.now_ms().saturating_sub(loaded.checked_at.load(Ordering::Relaxed)) < UNKNOWN_KID_REFRESH_MS
        {
            return Ok(loaded);
        }
        self.load(app).await
    }

    async fn load(&self, app: &App) -> Result<Arc<LoadedKeys>, Internal> {
        let now = app.clock.now_ms();
        let (mut ring, mut version) = find_or_create(app).await?;
        if ring.promotion_due(now) {
            let promoted = ring.clone().promoted(now);
            match update(app, &promoted, version).await {
                Ok(v) => (ring, version) = (promoted, v),
                // Another instance promoted (or rotated) first: take what it wrote.
                Err(StoreError::Conflict { .. }) => {
                    (ring, version) = find(app)
                        .await?
                        .ok_or_else(|| Internal::Bug("signing key ring vanished during promotion".into()))?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        // Same version as cached: only the freshness stamp moves; nothing is re-parsed.
        if let Some(loaded) = self.cached()
            && loaded.version == version
        {
            loaded.checked_at.store(now, Ordering::Relaxed);
            return Ok(loaded);
        }
        let loaded = Arc::new(parse(app, &ring, version, now).await?);
        *self.slot.write().unwrap_or_else(|p| p.into_inner()) = Some(loaded.clone());
        Ok(loaded)
    }
}

async fn parse(app: &App, ring: &KeyRing, version: Version, now: Millis) -> Result<LoadedKeys, Internal> {
    let corrupt = |why: &str| Internal::Store(StoreError::Corrupt(format!("signing key ring: {why}")));
    let current = ring.current().ok_or_else(|| corrupt("no Current key"))?;
    let pkcs8 = unb64(&current.pkcs8).ok_or_else(|| corrupt("Current key is not base64url"))?;
    let signer = Signer {
        kid: current.kid.clone(),
        alg: current.alg,
        key: app.crypto.signing_key(current.alg, &pkcs8).await?,
        access_token_header: header_b64(current.alg, &current.kid, "at+jwt"),
    };
    let keys: Vec<PublicKey> = ring
        .in_provider_order()
        .into_iter()
        .map(|k| PublicKey { kid: k.kid.clone(), alg: k.alg, jwk: k.public.clone().published(&k.kid, k.alg) })
        .collect();
    let jwks = Jwks { keys: keys.iter().map(|k| k.jwk.clone()).collect() };
    let jwks = serde_json::to_vec(&jwks).map_err(|e| Internal::Bug(format!("JWKS not serialisable: {e}")))?;
    Ok(LoadedKeys {
        version,
        signer,
        keys,
        jwks: Bytes::from(jwks),
        verified: VerifiedTokens::default(),
        rotation_at: ring.rotation_at,
        checked_at: AtomicI64::new(now),
    })
}
