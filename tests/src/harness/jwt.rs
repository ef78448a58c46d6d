//! Verify a JWT against a JWKS with ring directly: an independent check of what the server
//! signs (it does not reuse the core's JOSE code it is testing).

use base64::Engine as _;
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde_json::Value;

fn b64(s: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).map_err(|e| format!("bad base64url {s:?}: {e}"))
}

/// The decoded header and claims of `token` if its signature verifies with the JWKS key
/// named by its `kid`; an error saying why otherwise. Claims (exp, aud, …) are the caller's.
pub fn verify(token: &str, jwks: &Value) -> Result<(Value, Value), String> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(format!("not a compact JWS: {token}"));
    };
    let header: Value = serde_json::from_slice(&b64(h)?).map_err(|e| format!("header: {e}"))?;
    let claims: Value = serde_json::from_slice(&b64(p)?).map_err(|e| format!("claims: {e}"))?;
    let signature = b64(s)?;
    let signed = format!("{h}.{p}");

    let kid = header["kid"].as_str().ok_or("no kid in header")?;
    let alg = header["alg"].as_str().ok_or("no alg in header")?;
    let key = jwks["keys"]
        .as_array()
        .ok_or("JWKS has no keys array")?
        .iter()
        .find(|k| k["kid"] == kid)
        .ok_or_else(|| format!("no key with kid {kid} in the JWKS"))?;
    let field = |name: &str| key[name].as_str().ok_or_else(|| format!("JWK has no {name}")).and_then(b64);

    let ok = match alg {
        "ES256" | "ES384" => {
            let algorithm: &dyn signature::VerificationAlgorithm =
                if alg == "ES256" { &signature::ECDSA_P256_SHA256_FIXED } else { &signature::ECDSA_P384_SHA384_FIXED };
            let mut point = vec![4u8];
            point.extend(field("x")?);
            point.extend(field("y")?);
            UnparsedPublicKey::new(algorithm, point).verify(signed.as_bytes(), &signature).is_ok()
        }
        "RS256" => RsaPublicKeyComponents { n: field("n")?, e: field("e")? }
            .verify(&signature::RSA_PKCS1_2048_8192_SHA256, signed.as_bytes(), &signature)
            .is_ok(),
        other => return Err(format!("unexpected alg {other}")),
    };
    if ok { Ok((header, claims)) } else { Err("signature does not verify".to_owned()) }
}
