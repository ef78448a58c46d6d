use std::sync::Arc;

use super::{MaybeSend, MaybeSync};
use crate::jose::{Alg, Jwk};

/// Signing and verification, by runtime: ring natively, WebCrypto (`crypto.subtle`) on
/// Workers (pure-Rust ECDSA in wasm is 6-9x slower and ES384 would eat the 10 ms CPU budget).
/// Hashing and HMAC are cheap everywhere and are plain Rust in the core (`sha2`, `hmac`).
#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
pub trait Crypto: MaybeSend + MaybeSync {
    /// A fresh private key for `alg`, as PKCS#8 DER (what both ring and WebCrypto import),
    /// with its public JWK (no `kid`; the caller sets the RFC 7638 thumbprint).
    async fn generate_key(&self, alg: Alg) -> Result<GeneratedKey, CryptoError>;

    /// Parse a stored PKCS#8 key once; the handle signs many times (parsing an EC key
    /// recomputes its public point, which costs as much as a signature).
    async fn signing_key(&self, alg: Alg, pkcs8: &[u8]) -> Result<Arc<dyn SigningKey>, CryptoError>;

    /// Verify a JWS signature (`r||s` for ECDSA, PKCS#1 v1.5 for RSA) over `msg`.
    async fn verify(&self, alg: Alg, key: &Jwk, msg: &[u8], sig: &[u8]) -> Result<bool, CryptoError>;
}

#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
pub trait SigningKey: MaybeSend + MaybeSync {
    /// The JWS signature of `msg` (fixed-size `r||s` for ECDSA).
    async fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, CryptoError>;
}

#[derive(Debug, Clone)]
pub struct GeneratedKey {
    pub pkcs8: Vec<u8>,
    pub public: Jwk,
}

/// Crypto failures are never the client's fault: they become a 500 at the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CryptoError(pub String);

impl std::fmt::Display for CryptoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "crypto: {}", self.0)
    }
}

impl std::error::Error for CryptoError {}
