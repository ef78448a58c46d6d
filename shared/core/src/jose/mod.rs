//! JOSE: JWK, compact JWS/JWT, RFC 7638 thumbprints. Signing and verification themselves go
//! through [`crate::ports::Crypto`]; this module only encodes, decodes and checks structure.

mod alg;
mod jwk;
mod jws;

pub use alg::Alg;
pub use jwk::{Jwk, Jwks, thumbprint};
pub use jws::{
    Decoded, Header, JwsError, decode, decode_unverified, encode, encode_with_header, header_b64, verify_signature,
};

/// base64url without padding, the only base64 JOSE uses.
pub(crate) fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Decode base64url without padding; padding, `+`/`/` and stray characters are rejected.
pub(crate) fn unb64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).ok()
}
