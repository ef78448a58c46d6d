use serde::{Deserialize, Serialize};

use crate::jose::{Alg, Jwk};
use crate::ports::Millis;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyStatus {
    Current,
    Next,
    Previous,
}

impl KeyStatus {
    /// oidc-provider's keystore order: the signer first, then the staged key, then the old one.
    fn provider_order(self) -> u8 {
        match self {
            KeyStatus::Current => 0,
            KeyStatus::Next => 1,
            KeyStatus::Previous => 2,
        }
    }
}

/// One private key as stored. `id` is Logto's key id (what the Management API deletes by);
/// `kid` is the JWK thumbprint tokens carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredKey {
    pub id: String,
    pub kid: String,
    pub alg: Alg,
    /// PKCS#8 DER, base64url.
    pub pkcs8: String,
    /// The public half, so publishing and verifying never touch the private key.
    pub public: Jwk,
    pub created_at: Millis,
    pub status: KeyStatus,
}

/// The whole ring (one record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyRing {
    pub keys: Vec<StoredKey>,
    /// When the staged `Next` key becomes `Current` (Logto's `signingKeyRotationAt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_at: Option<Millis>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RotateError {
    /// An immediate rotation while a staged `Next` key waits (Logto: 422 `oidc.invalid_request`).
    NextPending,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteError {
    /// 422 `oidc.key_required`: the ring would be left without its second key.
    KeyRequired,
    /// 404 `oidc.key_not_found`.
    NotFound,
    /// 422 `oidc.only_previous_key_can_be_deleted`.
    NotPrevious,
}

impl KeyRing {
    /// Exactly one Current, at most one Next and one Previous.
    pub fn validate(&self) -> Result<(), &'static str> {
        let count = |s: KeyStatus| self.keys.iter().filter(|k| k.status == s).count();
        if count(KeyStatus::Current) != 1 || count(KeyStatus::Next) > 1 || count(KeyStatus::Previous) > 1 {
            return Err("expected exactly one Current key and at most one Next and Previous key");
        }
        Ok(())
    }

    pub fn current(&self) -> Option<&StoredKey> {
        self.find_status(KeyStatus::Current)
    }

    fn find_status(&self, status: KeyStatus) -> Option<&StoredKey> {
        self.keys.iter().find(|k| k.status == status)
    }

    /// Keys in oidc-provider order: Current, Next, Previous (the JWKS order).
    pub fn in_provider_order(&self) -> Vec<&StoredKey> {
        let mut keys: Vec<&StoredKey> = self.keys.iter().collect();
        keys.sort_by_key(|k| k.status.provider_order());
        keys
    }

    /// Whether a staged `Next` key is due at `now`.
    pub fn promotion_due(&self, now: Millis) -> bool {
        self.find_status(KeyStatus::Next).is_some() && self.rotation_at.is_none_or(|at| at <= now)
    }

    /// Promote a due `Next` key: it becomes Current, the old Current becomes Previous, an older
    /// Previous is dropped (Logto's `rotateOidcPrivateKeyStatuses`). Unchanged otherwise.
    pub fn promoted(self, now: Millis) -> KeyRing {
        if !self.promotion_due(now) {
            return self;
        }
        let mut keys = Vec::with_capacity(2);
        for mut key in self.keys {
            match key.status {
                KeyStatus::Next => {
                    key.status = KeyStatus::Current;
                    keys.insert(0, key);
                }
                KeyStatus::Current => {
                    key.status = KeyStatus::Previous;
                    keys.push(key);
                }
                KeyStatus::Previous => {}
            }
        }
        KeyRing { keys, rotation_at: None }
    }

    /// Immediate rotation (grace 0): `new` becomes Current, Current becomes Previous, an older
    /// Previous is dropped.
    pub fn rotated_now(self, mut new: StoredKey) -> Result<KeyRing, RotateError> {
        if self.find_status(KeyStatus::Next).is_some() {
            return Err(RotateError::NextPending);
        }
        new.status = KeyStatus::Current;
        let mut keys = vec![new];
        keys.extend(self.keys.into_iter().filter(|k| k.status == KeyStatus::Current).map(|mut k| {
            k.status = KeyStatus::Previous;
            k
        }));
        Ok(KeyRing { keys, rotation_at: None })
    }

    /// Staged rotation (grace > 0): `new` is published as Next and signs from `at` on; a
    /// previously staged Next is replaced, Current and Previous are kept.
    pub fn staged(self, mut new: StoredKey, at: Millis) -> KeyRing {
        new.status = KeyStatus::Next;
        let mut keys = vec![new];
        keys.extend(self.keys.into_iter().filter(|k| k.status != KeyStatus::Next));
        KeyRing { keys, rotation_at: Some(at) }
    }

    /// Remove a `Previous` key (Logto's `deletePrivateSigningKey` checks, in its order).
    pub fn without(self, id: &str) -> Result<KeyRing, DeleteError> {
        if self.keys.len() <= 1 {
            return Err(DeleteError::KeyRequired);
        }
        let key = self.keys.iter().find(|k| k.id == id).ok_or(DeleteError::NotFound)?;
        if key.status != KeyStatus::Previous {
            return Err(DeleteError::NotPrevious);
        }
        let keys = self.keys.into_iter().filter(|k| k.id != id).collect();
        Ok(KeyRing { keys, rotation_at: self.rotation_at })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, status: KeyStatus) -> StoredKey {
        StoredKey {
            id: id.into(),
            kid: format!("kid-{id}"),
            alg: Alg::ES256,
            pkcs8: String::new(),
            public: Jwk::ec("P-256", b"x", b"y"),
            created_at: 0,
            status,
        }
    }

    fn ring(keys: &[(&str, KeyStatus)]) -> KeyRing {
        KeyRing { keys: keys.iter().map(|(id, s)| key(id, *s)).collect(), rotation_at: None }
    }

    fn shape(ring: &KeyRing) -> Vec<(String, KeyStatus)> {
        ring.in_provider_order().iter().map(|k| (k.id.clone(), k.status)).collect()
    }

    use KeyStatus::*;

    #[test]
    fn immediate_rotation_keeps_one_previous() {
        let r = ring(&[("a", Current), ("old", Previous)]).rotated_now(key("b", Next)).unwrap();
        assert_eq!(shape(&r), [("b".into(), Current), ("a".into(), Previous)]);
        assert_eq!(ring(&[("a", Current), ("n", Next)]).rotated_now(key("b", Next)), Err(RotateError::NextPending));
    }

    #[test]
    fn staged_rotation_publishes_next_and_promotes_when_due() {
        let r = ring(&[("a", Current), ("old", Previous)]).staged(key("b", Current), 1_000);
        assert_eq!(shape(&r), [("a".into(), Current), ("b".into(), Next), ("old".into(), Previous)]);
        assert!(r.validate().is_ok());
        assert!(!r.promotion_due(999));
        assert_eq!(r.clone().promoted(999), r);
        let p = r.promoted(1_000);
        assert_eq!(shape(&p), [("b".into(), Current), ("a".into(), Previous)]);
        assert_eq!(p.rotation_at, None);
    }

    #[test]
    fn only_previous_keys_can_be_deleted() {
        let r = ring(&[("a", Current), ("n", Next), ("p", Previous)]);
        assert_eq!(r.clone().without("zzz"), Err(DeleteError::NotFound));
        assert_eq!(r.clone().without("a"), Err(DeleteError::NotPrevious));
        assert_eq!(r.clone().without("n"), Err(DeleteError::NotPrevious));
        assert_eq!(shape(&r.without("p").unwrap()), [("a".into(), Current), ("n".into(), Next)]);
        assert_eq!(ring(&[("a", Current)]).without("a"), Err(DeleteError::KeyRequired));
    }

    #[test]
    fn malformed_rings_are_refused() {
        assert!(ring(&[("a", Current), ("b", Current)]).validate().is_err());
        assert!(ring(&[("a", Previous)]).validate().is_err());
        assert!(ring(&[("a", Current), ("b", Previous), ("c", Previous)]).validate().is_err());
        assert!(ring(&[("a", Current), ("b", Next), ("c", Previous)]).validate().is_ok());
    }
}
