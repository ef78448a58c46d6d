//! Compact JWS (RFC 7515 §7.1): `b64(header).b64(payload).b64(signature)`.
//!
//! Encoding takes a pre-encoded header (the header of every token a key signs is the same,
//! so the hot path encodes it once per key, not once per token). Decoding is strict: exactly
//! three parts, unpadded base64url, a JSON object header naming one of our algorithms,
//! no `crit`, and a key whose type and curve fit that algorithm.

use serde::{Deserialize, Serialize};

use super::{Alg, Jwk, b64, unb64};
use crate::ports::{Crypto, CryptoError, SigningKey};

/// The protected header members edgeid reads and writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub alg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
    /// Critical extensions: we understand none, so any `crit` makes the token invalid
    /// (RFC 7515 §4.1.11).
    #[serde(default, skip_serializing)]
    pub crit: Option<serde_json::Value>,
}

/// Why a compact JWS was rejected. Never the server's fault except `Crypto`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwsError {
    /// Not three dot-separated parts, bad base64url, header or payload not JSON.
    Malformed(&'static str),
    /// `alg` is `none`, unknown, or not one of ours.
    UnsupportedAlg,
    /// `crit` header present.
    UnsupportedCrit,
    /// No key with that `kid` (or no `kid` and no single candidate).
    UnknownKey,
    /// The key's type/curve does not fit `alg` (algorithm confusion).
    AlgKeyMismatch,
    BadSignature,
    Crypto(CryptoError),
}

impl std::fmt::Display for JwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JwsError::Malformed(why) => write!(f, "malformed JWS: {why}"),
            JwsError::UnsupportedAlg => f.write_str("unsupported JWS algorithm"),
            JwsError::UnsupportedCrit => f.write_str("unsupported critical JWS header"),
            JwsError::UnknownKey => f.write_str("no matching key"),
            JwsError::AlgKeyMismatch => f.write_str("key does not fit the JWS algorithm"),
            JwsError::BadSignature => f.write_str("invalid signature"),
            JwsError::Crypto(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for JwsError {}

/// A split, base64-decoded compact JWS whose signature has not been checked yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded<'a> {
    pub header: Header,
    /// `alg` parsed (never `none`).
    pub alg: Alg,
    /// `b64(header).b64(payload)`, the bytes the signature covers.
    pub signing_input: &'a str,
    pub payload: Vec<u8>,
    pub signature: Vec<u8>,
}

/// The base64url header `{"alg","kid","typ"}`, to be cached per key and passed to [`encode`].
pub fn header_b64(alg: Alg, kid: &str, typ: &str) -> String {
    let header =
        Header { alg: alg.as_str().to_owned(), kid: Some(kid.to_owned()), typ: Some(typ.to_owned()), crit: None };
    // Serialising three strings cannot fail.
    b64(&serde_json::to_vec(&header).unwrap_or_default())
}

/// Sign `payload` (JSON bytes) under a pre-encoded header.
pub async fn encode(key: &dyn SigningKey, header_b64: &str, payload: &[u8]) -> Result<String, CryptoError> {
    use base64::Engine as _;
    let engine = &base64::engine::general_purpose::URL_SAFE_NO_PAD;
    // One buffer for the whole token: header, payload and signature (ES384/RS256 ≤ 512 bytes).
    let mut token = String::with_capacity(header_b64.len() + 2 + payload.len() * 4 / 3 + 4 + 700);
    token.push_str(header_b64);
    token.push('.');
    engine.encode_string(payload, &mut token);
    let signature = key.sign(token.as_bytes()).await?;
    token.push('.');
    engine.encode_string(&signature, &mut token);
    Ok(token)
}

/// Convenience for callers that sign rarely: builds the header, then [`encode`]s.
pub async fn encode_with_header(
    key: &dyn SigningKey,
    alg: Alg,
    kid: &str,
    typ: &str,
    payload: &[u8],
) -> Result<String, CryptoError> {
    encode(key, &header_b64(alg, kid, typ), payload).await
}

/// Split and decode a compact JWS without checking the signature.
pub fn decode_unverified(token: &str) -> Result<Decoded<'_>, JwsError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(JwsError::Malformed("expected three dot-separated parts"));
    };
    let header_bytes = unb64(h).ok_or(JwsError::Malformed("header is not base64url"))?;
    let header: Header = serde_json::from_slice(&header_bytes)
        .map_err(|_| JwsError::Malformed("header is not a JSON object with an alg"))?;
    let alg = Alg::parse(&header.alg).ok_or(JwsError::UnsupportedAlg)?;
    if header.crit.is_some() {
        return Err(JwsError::UnsupportedCrit);
    }
    let payload = unb64(p).ok_or(JwsError::Malformed("payload is not base64url"))?;
    let signature = unb64(s).ok_or(JwsError::Malformed("signature is not base64url"))?;
    let signing_input = token.get(..h.len() + 1 + p.len()).ok_or(JwsError::Malformed("truncated"))?;
    Ok(Decoded { header, alg, signing_input, payload, signature })
}

/// Check the signature of a decoded JWS with `jwk`, which must fit its `alg`.
pub async fn verify_signature(crypto: &dyn Crypto, decoded: &Decoded<'_>, jwk: &Jwk) -> Result<(), JwsError> {
    if !decoded.alg.fits(jwk) {
        return Err(JwsError::AlgKeyMismatch);
    }
    let valid = crypto
        .verify(decoded.alg, jwk, decoded.signing_input.as_bytes(), &decoded.signature)
        .await
        .map_err(JwsError::Crypto)?;
    if valid { Ok(()) } else { Err(JwsError::BadSignature) }
}

/// Decode and verify: `key_for` picks the public key from the header (by `kid`); the key
/// must fit `alg`, and the signature must verify.
pub async fn decode<'t, 'k>(
    crypto: &dyn Crypto,
    token: &'t str,
    key_for: impl FnOnce(&Header) -> Option<&'k Jwk>,
) -> Result<Decoded<'t>, JwsError> {
    let decoded = decode_unverified(token)?;
    let jwk = key_for(&decoded.header).ok_or(JwsError::UnknownKey)?;
    verify_signature(crypto, &decoded, jwk).await?;
    Ok(decoded)
}

#[cfg(test)]
#[cfg(feature = "ring")]
mod tests {
    use super::*;
    use crate::ports::RingCrypto;

    async fn key(crypto: &RingCrypto, alg: Alg) -> (std::sync::Arc<dyn SigningKey>, Jwk) {
        let generated = crypto.generate_key(alg).await.unwrap();
        (crypto.signing_key(alg, &generated.pkcs8).await.unwrap(), generated.public)
    }

    #[tokio::test]
    async fn every_algorithm_round_trips() {
        let crypto = RingCrypto::new();
        for alg in Alg::ALL {
            let (signer, public) = key(&crypto, alg).await;
            let token = encode_with_header(signer.as_ref(), alg, "k1", "JWT", br#"{"a":1}"#).await.unwrap();
            let decoded =
                decode(&crypto, &token, |h| (h.kid.as_deref() == Some("k1")).then_some(&public)).await.unwrap();
            assert_eq!(decoded.alg, alg);
            assert_eq!(decoded.header.typ.as_deref(), Some("JWT"));
            assert_eq!(decoded.payload, br#"{"a":1}"#);
            assert_eq!(decode(&crypto, &token, |_| None).await, Err(JwsError::UnknownKey));
        }
    }

    #[tokio::test]
    async fn a_key_of_another_type_is_an_algorithm_mismatch() {
        let crypto = RingCrypto::new();
        let (signer, _) = key(&crypto, Alg::ES256).await;
        let (_, p384) = key(&crypto, Alg::ES384).await;
        let (_, rsa) = key(&crypto, Alg::RS256).await;
        let token = encode_with_header(signer.as_ref(), Alg::ES256, "k", "JWT", b"{}").await.unwrap();
        assert_eq!(decode(&crypto, &token, |_| Some(&p384)).await, Err(JwsError::AlgKeyMismatch));
        assert_eq!(decode(&crypto, &token, |_| Some(&rsa)).await, Err(JwsError::AlgKeyMismatch));
        let (_, other) = key(&crypto, Alg::ES256).await;
        assert_eq!(decode(&crypto, &token, |_| Some(&other)).await, Err(JwsError::BadSignature));
    }

    #[track_caller]
    fn check(token: &str, expected: Result<(), JwsError>) {
        assert_eq!(decode_unverified(token).map(|_| ()), expected, "{token}");
    }

    #[test]
    fn malformed_tokens_are_refused_before_any_crypto() {
        let h = |json: &str| b64(json.as_bytes());
        let es = h(r#"{"alg":"ES256","kid":"k"}"#);
        let p = h("{}");
        check(&format!("{es}.{p}.c2ln"), Ok(()));
        check(&format!("{es}.{p}."), Ok(())); // empty signature decodes (and fails verification)
        let cases = [
            (format!("{es}.{p}"), JwsError::Malformed("expected three dot-separated parts")),
            (format!("{es}.{p}.c2ln.x"), JwsError::Malformed("expected three dot-separated parts")),
            (format!("{es}=.{p}.c2ln"), JwsError::Malformed("header is not base64url")),
            (format!("{}.{p}.c2ln", h("[1]")), JwsError::Malformed("header is not a JSON object with an alg")),
            (format!("{}.{p}.c2ln", h("{}")), JwsError::Malformed("header is not a JSON object with an alg")),
            (format!("{es}.{p}+.c2ln"), JwsError::Malformed("payload is not base64url")),
            (format!("{es}.{p}.c2ln/"), JwsError::Malformed("signature is not base64url")),
            (format!("{}.{p}.", h(r#"{"alg":"none"}"#)), JwsError::UnsupportedAlg),
            (format!("{}.{p}.c2ln", h(r#"{"alg":"HS256"}"#)), JwsError::UnsupportedAlg),
            (format!("{}.{p}.c2ln", h(r#"{"alg":"es256"}"#)), JwsError::UnsupportedAlg),
            (format!("{}.{p}.c2ln", h(r#"{"alg":"ES256","crit":["b64"],"b64":false}"#)), JwsError::UnsupportedCrit),
        ];
        for (token, error) in cases {
            check(&token, Err(error));
        }
    }
}
