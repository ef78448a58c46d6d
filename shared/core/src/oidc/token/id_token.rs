//! ID tokens from the token endpoint (logto-api.md §1.9; oidc-provider `models/id_token.js`).
//!
//! Header `{alg, kid, typ: "JWT"}` with the Current signing key. Payload: the user's claims for
//! the granted OIDC scopes (`domain::claims`, ID-token rules), `auth_time`, `nonce`, `sid`,
//! `at_hash` (left half of the access token's hash with the signing alg's SHA-2, RFC OIDC
//! Core §3.1.3.6), then `iat`, `exp` (`idTokenTtl` or 3600 s), `aud` = client id, `iss`.

use base64::Engine as _;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256, Sha384};

use crate::App;
use crate::domain::application::ApplicationRecord;
use crate::domain::claims::{self, Subject, Use};
use crate::error::Internal;
use crate::jose::{self, Alg};

/// Logto's `customClientMetadataDefault.idTokenTtl`.
pub const DEFAULT_TTL_SECS: i64 = 3600;

/// What goes into one ID token besides the user's claims.
pub struct IdTokenInput<'a> {
    pub client: &'a ApplicationRecord,
    /// Granted OIDC scopes the claims are released for (space-separated).
    pub scope: &'a str,
    pub nonce: Option<&'a str>,
    pub auth_time: i64,
    pub sid: Option<&'a str>,
    /// The access token issued beside it, for `at_hash`.
    pub access_token: Option<&'a str>,
}

/// `at_hash`: base64url of the left half of the digest the signing alg uses.
pub fn at_hash(alg: Alg, access_token: &str) -> String {
    let engine = &base64::engine::general_purpose::URL_SAFE_NO_PAD;
    match alg {
        Alg::ES256 | Alg::RS256 => {
            let digest = Sha256::digest(access_token.as_bytes());
            engine.encode(digest.get(..16).unwrap_or_default())
        }
        Alg::ES384 => {
            let digest = Sha384::digest(access_token.as_bytes());
            engine.encode(digest.get(..24).unwrap_or_default())
        }
    }
}

/// The client's ID token TTL (`customClientMetadata.idTokenTtl`, else one hour).
pub fn ttl_secs(client: &ApplicationRecord) -> i64 {
    client
        .app
        .custom_client_metadata
        .id_token_ttl
        .as_ref()
        .and_then(|n| n.as_i64())
        .filter(|ttl| *ttl > 0)
        .unwrap_or(DEFAULT_TTL_SECS)
}

/// The payload (without signing): exposed for tests and for the refresh grant.
pub fn payload(app: &App, alg: Alg, subject: &Subject, input: &IdTokenInput<'_>) -> Map<String, Value> {
    let accepted = claims::accepted(input.scope, Use::IdToken);
    let mut out = claims::values(subject, &accepted);
    out.insert("auth_time".into(), Value::from(input.auth_time));
    if let Some(nonce) = input.nonce {
        out.insert("nonce".into(), Value::from(nonce));
    }
    if let Some(sid) = input.sid {
        out.insert("sid".into(), Value::from(sid));
    }
    if let Some(at) = input.access_token {
        out.insert("at_hash".into(), Value::from(at_hash(alg, at)));
    }
    let iat = app.clock.now_secs();
    out.insert("iat".into(), Value::from(iat));
    out.insert("exp".into(), Value::from(iat.saturating_add(ttl_secs(input.client))));
    out.insert("aud".into(), Value::from(input.client.app.id.as_str()));
    out.insert("iss".into(), Value::from(app.config.issuer()));
    out
}

/// Sign an ID token for `subject` with the Current key.
pub async fn issue(app: &App, subject: &Subject, input: &IdTokenInput<'_>) -> Result<String, Internal> {
    let keys = app.signing_keys.get(app).await?;
    let payload = payload(app, keys.signer.alg, subject, input);
    let bytes = serde_json::to_vec(&payload).map_err(|e| Internal::Bug(format!("id token payload: {e}")))?;
    let header = jose::header_b64(keys.signer.alg, &keys.signer.kid, "JWT");
    Ok(jose::encode(keys.signer.key.as_ref(), &header, &bytes).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_is_the_left_half_of_the_algs_digest() {
        // OIDC Core appendix A.3's example access token and at_hash (RS256).
        assert_eq!(at_hash(Alg::RS256, "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"), "77QmUPtjPfzWtF2AnpK9RQ");
        assert_eq!(at_hash(Alg::ES256, "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"), "77QmUPtjPfzWtF2AnpK9RQ");
        assert_eq!(at_hash(Alg::ES384, "token").len(), 32, "24 bytes of SHA-384");
    }
}
