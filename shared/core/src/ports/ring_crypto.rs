//! The native [`Crypto`]: ring for ECDSA and RSA signing/verification (assembly back-ends,
//! ES256 sign ≈ 19 µs), the `rsa` crate only to *generate* RSA keys (ring cannot).
//!
//! Randomness: ring's `SecureRandom` is sealed, so this port uses ring's own `SystemRandom`
//! (the OS generator) for key generation and ECDSA nonces instead of [`super::Rng`]. That is
//! the point of a native crypto port; the core's no-thread-RNG rule is about the core's logic.
//!
//! RSA keys are 2048 bits, not Logto's 4096: signing dominates the token endpoint and a
//! 4096-bit signature costs ≈ 4.5 ms against 0.64 ms (7×, performance-and-security.md §A.3);
//! 2048 bits is NIST's floor through 2030 and what node-oidc-provider itself generates.

use std::sync::Arc;

use ring::rand::SystemRandom;
use ring::signature::{
    self, ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED,
    ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256,
    RsaKeyPair, RsaPublicKeyComponents,
};

use super::{Crypto, CryptoError, GeneratedKey, SigningKey};
use crate::jose::{Alg, Jwk, unb64};

/// Size of generated RSA keys (see the module docs for why not 4096).
pub const RSA_BITS: usize = 2048;

#[derive(Debug, Clone)]
pub struct RingCrypto {
    rng: SystemRandom,
}

impl RingCrypto {
    pub fn new() -> Self {
        Self { rng: SystemRandom::new() }
    }
}

impl Default for RingCrypto {
    fn default() -> Self {
        Self::new()
    }
}

fn err(what: &str) -> impl FnOnce(ring::error::Unspecified) -> CryptoError + '_ {
    move |_| CryptoError(what.to_owned())
}

fn ec_signing(alg: Alg) -> Option<&'static signature::EcdsaSigningAlgorithm> {
    match alg {
        Alg::ES256 => Some(&ECDSA_P256_SHA256_FIXED_SIGNING),
        Alg::ES384 => Some(&ECDSA_P384_SHA384_FIXED_SIGNING),
        Alg::RS256 => None,
    }
}

/// The public JWK of an uncompressed EC point `04 || x || y`.
fn ec_public_jwk(alg: Alg, point: &[u8]) -> Result<Jwk, CryptoError> {
    let crv = alg.crv().ok_or_else(|| CryptoError("not an EC algorithm".into()))?;
    let coords = point.strip_prefix(&[4u8]).ok_or_else(|| CryptoError("EC point not uncompressed".into()))?;
    let (x, y) = coords.split_at(coords.len() / 2);
    Ok(Jwk::ec(crv, x, y))
}

fn rsa_public_jwk(key: &RsaKeyPair) -> Jwk {
    let public = RsaPublicKeyComponents::<Vec<u8>>::from(key.public());
    Jwk::rsa(&public.n, &public.e)
}

/// `rsa` wants a `rand_core` generator; feed it from the OS generator through ring.
struct RingRandCore<'a>(&'a SystemRandom);

impl rsa::rand_core::RngCore for RingRandCore<'_> {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        // The OS generator does not fail on supported platforms; if it ever did, `try_fill_bytes`
        // reports it (rsa's key generation uses the fallible path through `CryptoRngCore`).
        let _ = ring::rand::SecureRandom::fill(self.0, dest);
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rsa::rand_core::Error> {
        ring::rand::SecureRandom::fill(self.0, dest)
            .map_err(|_| rsa::rand_core::Error::from(core::num::NonZeroU32::MIN))
    }
}

impl rsa::rand_core::CryptoRng for RingRandCore<'_> {}

enum RingKey {
    Ec(EcdsaKeyPair),
    Rsa(RsaKeyPair),
}

struct RingSigningKey {
    key: RingKey,
    rng: SystemRandom,
}

#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
impl SigningKey for RingSigningKey {
    async fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match &self.key {
            RingKey::Ec(key) => Ok(key.sign(&self.rng, msg).map_err(err("ECDSA signing failed"))?.as_ref().to_vec()),
            RingKey::Rsa(key) => {
                let mut sig = vec![0u8; key.public().modulus_len()];
                key.sign(&RSA_PKCS1_SHA256, &self.rng, msg, &mut sig).map_err(err("RSA signing failed"))?;
                Ok(sig)
            }
        }
    }
}

#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
impl Crypto for RingCrypto {
    async fn generate_key(&self, alg: Alg) -> Result<GeneratedKey, CryptoError> {
        match ec_signing(alg) {
            Some(signing) => {
                let doc = EcdsaKeyPair::generate_pkcs8(signing, &self.rng).map_err(err("EC key generation failed"))?;
                let pair = EcdsaKeyPair::from_pkcs8(signing, doc.as_ref(), &self.rng)
                    .map_err(|e| CryptoError(format!("generated EC key rejected: {e}")))?;
                Ok(GeneratedKey {
                    pkcs8: doc.as_ref().to_vec(),
                    public: ec_public_jwk(alg, pair.public_key().as_ref())?,
                })
            }
            None => {
                use rsa::pkcs8::EncodePrivateKey as _;
                let private = rsa::RsaPrivateKey::new(&mut RingRandCore(&self.rng), RSA_BITS)
                    .map_err(|e| CryptoError(format!("RSA key generation failed: {e}")))?;
                let der =
                    private.to_pkcs8_der().map_err(|e| CryptoError(format!("RSA PKCS#8 encoding failed: {e}")))?;
                let pair = RsaKeyPair::from_pkcs8(der.as_bytes())
                    .map_err(|e| CryptoError(format!("generated RSA key rejected: {e}")))?;
                Ok(GeneratedKey { pkcs8: der.as_bytes().to_vec(), public: rsa_public_jwk(&pair) })
            }
        }
    }

    async fn signing_key(&self, alg: Alg, pkcs8: &[u8]) -> Result<Arc<dyn SigningKey>, CryptoError> {
        let key = match ec_signing(alg) {
            Some(signing) => RingKey::Ec(
                EcdsaKeyPair::from_pkcs8(signing, pkcs8, &self.rng)
                    .map_err(|e| CryptoError(format!("stored {} key rejected: {e}", alg.as_str())))?,
            ),
            None => RingKey::Rsa(
                RsaKeyPair::from_pkcs8(pkcs8).map_err(|e| CryptoError(format!("stored RSA key rejected: {e}")))?,
            ),
        };
        Ok(Arc::new(RingSigningKey { key, rng: self.rng.clone() }))
    }

    async fn verify(&self, alg: Alg, key: &Jwk, msg: &[u8], sig: &[u8]) -> Result<bool, CryptoError> {
        if !alg.fits(key) {
            return Ok(false);
        }
        let member = |v: &Option<String>| {
            v.as_deref().and_then(unb64).ok_or_else(|| CryptoError("JWK member missing or not base64url".into()))
        };
        match alg {
            Alg::ES256 | Alg::ES384 => {
                let (x, y) = (member(&key.x)?, member(&key.y)?);
                let (verifier, size) =
                    if alg == Alg::ES256 { (&ECDSA_P256_SHA256_FIXED, 32) } else { (&ECDSA_P384_SHA384_FIXED, 48) };
                if x.len() != size || y.len() != size {
                    return Err(CryptoError("EC coordinates have the wrong length".into()));
                }
                let mut point = Vec::with_capacity(1 + 2 * size);
                point.push(4);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                Ok(signature::UnparsedPublicKey::new(verifier, &point).verify(msg, sig).is_ok())
            }
            Alg::RS256 => {
                let public = RsaPublicKeyComponents { n: member(&key.n)?, e: member(&key.e)? };
                Ok(public.verify(&RSA_PKCS1_2048_8192_SHA256, msg, sig).is_ok())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn roundtrip(alg: Alg) {
        let crypto = RingCrypto::new();
        let generated = crypto.generate_key(alg).await.unwrap();
        assert_eq!(generated.public.kty, alg.kty());
        assert_eq!(generated.public.crv.as_deref(), alg.crv());
        let key = crypto.signing_key(alg, &generated.pkcs8).await.unwrap();
        let sig = key.sign(b"hello").await.unwrap();
        let expected_len = match alg {
            Alg::ES256 => 64,
            Alg::ES384 => 96,
            Alg::RS256 => RSA_BITS / 8,
        };
        assert_eq!(sig.len(), expected_len, "JWS signatures are fixed-size r||s / modulus-sized");
        assert!(crypto.verify(alg, &generated.public, b"hello", &sig).await.unwrap());
        assert!(!crypto.verify(alg, &generated.public, b"hellO", &sig).await.unwrap());
        let mut bad = sig.clone();
        bad[0] ^= 1;
        assert!(!crypto.verify(alg, &generated.public, b"hello", &bad).await.unwrap());
        // Another key of the same type does not verify it.
        let other = crypto.generate_key(alg).await.unwrap();
        assert!(!crypto.verify(alg, &other.public, b"hello", &sig).await.unwrap());
    }

    #[tokio::test]
    async fn es256_signs_and_verifies() {
        roundtrip(Alg::ES256).await;
    }

    #[tokio::test]
    async fn es384_signs_and_verifies() {
        roundtrip(Alg::ES384).await;
    }

    #[tokio::test]
    async fn rs256_signs_and_verifies() {
        roundtrip(Alg::RS256).await;
    }

    #[tokio::test]
    async fn a_key_never_verifies_under_another_algorithm() {
        let crypto = RingCrypto::new();
        let p256 = crypto.generate_key(Alg::ES256).await.unwrap();
        let key = crypto.signing_key(Alg::ES256, &p256.pkcs8).await.unwrap();
        let sig = key.sign(b"m").await.unwrap();
        assert!(!crypto.verify(Alg::ES384, &p256.public, b"m", &sig).await.unwrap());
        assert!(!crypto.verify(Alg::RS256, &p256.public, b"m", &sig).await.unwrap());
        // A stored key parsed under the wrong algorithm is refused, not misused.
        assert!(crypto.signing_key(Alg::ES384, &p256.pkcs8).await.is_err());
        assert!(crypto.signing_key(Alg::RS256, &p256.pkcs8).await.is_err());
    }
}
