use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A public JSON Web Key (RFC 7517) as published in the JWKS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
}

impl Jwk {
    /// The public EC key `(crv, x, y)` as base64url members.
    pub fn ec(crv: &str, x: &[u8], y: &[u8]) -> Self {
        Self {
            kty: "EC".into(),
            crv: Some(crv.into()),
            x: Some(super::b64(x)),
            y: Some(super::b64(y)),
            n: None,
            e: None,
            kid: None,
            alg: None,
            use_: None,
        }
    }

    /// The public RSA key `(n, e)` from big-endian bytes (leading zeros stripped, RFC 7518 §6.3.1).
    pub fn rsa(n: &[u8], e: &[u8]) -> Self {
        let strip = |b: &[u8]| -> Vec<u8> {
            let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
            b.get(start..).unwrap_or_default().to_vec()
        };
        Self {
            kty: "RSA".into(),
            crv: None,
            x: None,
            y: None,
            n: Some(super::b64(&strip(n))),
            e: Some(super::b64(&strip(e))),
            kid: None,
            alg: None,
            use_: None,
        }
    }

    /// The same key with `kid`, `alg` and `use: "sig"` set, as published in the JWKS.
    pub fn published(mut self, kid: &str, alg: super::Alg) -> Self {
        self.kid = Some(kid.to_owned());
        self.alg = Some(alg.as_str().to_owned());
        self.use_ = Some("sig".to_owned());
        self
    }
}

/// A JWK Set (RFC 7517 §5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// The RFC 7638 thumbprint: base64url(SHA-256 of the required public members, sorted, no
/// whitespace). `None` when a required member is missing or the key type is unknown.
pub fn thumbprint(jwk: &Jwk) -> Option<String> {
    // serde_json escapes the values (they are base64url in practice, so nothing to escape);
    // the member order is written out by hand because it is part of the definition.
    let s = |v: &str| serde_json::to_string(v).ok();
    let canonical = match jwk.kty.as_str() {
        "EC" => format!(
            r#"{{"crv":{},"kty":"EC","x":{},"y":{}}}"#,
            s(jwk.crv.as_deref()?)?,
            s(jwk.x.as_deref()?)?,
            s(jwk.y.as_deref()?)?
        ),
        "RSA" => format!(r#"{{"e":{},"kty":"RSA","n":{}}}"#, s(jwk.e.as_deref()?)?, s(jwk.n.as_deref()?)?),
        _ => return None,
    };
    Some(super::b64(&Sha256::digest(canonical.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ec(crv: &str, x: &str, y: &str) -> Jwk {
        Jwk {
            kty: "EC".into(),
            crv: Some(crv.into()),
            x: Some(x.into()),
            y: Some(y.into()),
            n: None,
            e: None,
            kid: None,
            alg: None,
            use_: None,
        }
    }

    fn rsa(n: &str, e: &str) -> Jwk {
        Jwk {
            kty: "RSA".into(),
            crv: None,
            x: None,
            y: None,
            n: Some(n.into()),
            e: Some(e.into()),
            kid: None,
            alg: None,
            use_: None,
        }
    }

    #[track_caller]
    fn check(jwk: Jwk, expected: Option<&str>) {
        assert_eq!(thumbprint(&jwk).as_deref(), expected);
    }

    #[test]
    fn thumbprints_match_known_answers() {
        // RFC 7638 §3.1, the worked example.
        check(
            rsa(
                "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
                "AQAB",
            ),
            Some("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"),
        );
        // RFC 7517 appendix A.1's EC key; thumbprint computed independently (Python hashlib
        // over the canonical JSON) — optional members like `kid`/`use` do not take part.
        let mut key =
            ec("P-256", "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4", "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM");
        key.kid = Some("1".into());
        key.use_ = Some("enc".into());
        check(key, Some("cn-I_WNMClehiVp51i_0VpOENW1upEerA8sEam5hn-s"));
        // Missing members and unknown types have no thumbprint.
        check(Jwk { x: None, ..ec("P-256", "a", "b") }, None);
        check(Jwk { n: None, ..rsa("a", "AQAB") }, None);
        check(Jwk { kty: "oct".into(), ..rsa("a", "b") }, None);
    }

    #[test]
    fn rsa_members_drop_leading_zero_bytes() {
        let jwk = Jwk::rsa(&[0, 0, 1, 2], &[0, 1, 0, 1]);
        assert_eq!(jwk.n.as_deref(), Some("AQI"));
        assert_eq!(jwk.e.as_deref(), Some("AQAB"));
    }

    #[test]
    fn published_keys_carry_kid_alg_and_use() {
        let jwk = ec("P-256", "x", "y").published("k1", crate::jose::Alg::ES256);
        let json = serde_json::to_value(&jwk).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kty":"EC","crv":"P-256","x":"x","y":"y","kid":"k1","alg":"ES256","use":"sig"})
        );
    }
}
