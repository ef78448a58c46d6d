use serde::{Deserialize, Serialize};

/// The JWS algorithms edgeid signs with. ES256 is the default (fastest on every runtime);
/// ES384 matches Logto's default P-384 key; RS256 is what OpenID conformance requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Alg {
    ES256,
    ES384,
    RS256,
}

impl Alg {
    pub const ALL: [Alg; 3] = [Alg::ES256, Alg::ES384, Alg::RS256];

    pub fn as_str(self) -> &'static str {
        match self {
            Alg::ES256 => "ES256",
            Alg::ES384 => "ES384",
            Alg::RS256 => "RS256",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ES256" => Some(Alg::ES256),
            "ES384" => Some(Alg::ES384),
            "RS256" => Some(Alg::RS256),
            _ => None,
        }
    }

    /// The JWK `kty` of keys for this algorithm (`signingKeyAlgorithm` in Logto's key API).
    pub fn kty(self) -> &'static str {
        match self {
            Alg::ES256 | Alg::ES384 => "EC",
            Alg::RS256 => "RSA",
        }
    }

    /// The JWK `crv` for EC algorithms.
    pub fn crv(self) -> Option<&'static str> {
        match self {
            Alg::ES256 => Some("P-256"),
            Alg::ES384 => Some("P-384"),
            Alg::RS256 => None,
        }
    }

    /// Whether a public key can verify signatures of this algorithm (RFC 7518 §3.1: the key
    /// type and curve are fixed by `alg`; anything else is an algorithm-confusion attempt).
    pub fn fits(self, jwk: &super::Jwk) -> bool {
        jwk.kty == self.kty() && jwk.crv.as_deref() == self.crv()
    }
}
