//! JWT access tokens (Logto's format, logto-api.md §1.10): header `{alg, kid, typ: "at+jwt"}`,
//! claims `{jti, sub, iat, exp, scope?, client_id, iss, aud}`, signed by the Current key.
//!
//! [`verify`] is what every edgeid endpoint that accepts a bearer JWT uses — the Management
//! API guard, introspection — so "valid" means the same everywhere: signed by a key of the
//! ring (Current, Next or Previous), `typ` `at+jwt`, `iss` = our issuer, inside `exp`/`nbf`
//! (with [`LEEWAY_SECS`] for clock skew between instances), and not revoked. The caller checks
//! what depends on the endpoint: `aud` (the resource) and `scope`.

pub mod opaque;

use std::collections::HashMap;
use std::sync::RwLock;

use serde::{Deserialize, Serialize};

use crate::App;
use crate::error::Internal;
use crate::jose::{self, JwsError};
use crate::store::{PutOptions, keys};

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECS: i64 = 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTokenClaims {
    pub jti: String,
    /// The user id, or the client id for client-credentials tokens.
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    /// Not issued by edgeid; honoured if present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Absent when the token has no scope at all (client credentials without `scope`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub client_id: String,
    pub iss: String,
    /// The resource indicator (or `urn:logto:organization:<id>`).
    pub aud: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
}

impl AccessTokenClaims {
    /// Whether the space-separated `scope` contains `wanted`.
    pub fn has_scope(&self, wanted: &str) -> bool {
        self.scope.as_deref().is_some_and(|s| s.split(' ').any(|x| x == wanted))
    }
}

/// Why a presented access token is not valid. Everything but `Internal` is the client's
/// problem (401 at the Management API, `{active:false}` at introspection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// Not a compact JWS, bad base64url/JSON, missing claims, or not `typ: at+jwt`.
    Malformed,
    /// `alg` none/unknown, unknown `kid`, key/alg mismatch, or a wrong signature.
    BadSignature,
    WrongIssuer,
    Expired,
    NotYetValid,
    Revoked,
    Internal(Internal),
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenError::Malformed => f.write_str("malformed access token"),
            TokenError::BadSignature => f.write_str("access token signature is invalid"),
            TokenError::WrongIssuer => f.write_str("access token issued by another issuer"),
            TokenError::Expired => f.write_str("access token expired"),
            TokenError::NotYetValid => f.write_str("access token not yet valid"),
            TokenError::Revoked => f.write_str("access token revoked"),
            TokenError::Internal(e) => e.fmt(f),
        }
    }
}

impl From<Internal> for TokenError {
    fn from(e: Internal) -> Self {
        TokenError::Internal(e)
    }
}

impl From<crate::store::StoreError> for TokenError {
    fn from(e: crate::store::StoreError) -> Self {
        TokenError::Internal(e.into())
    }
}

fn is_at_jwt(typ: &str) -> bool {
    // RFC 9068 §4: `at+jwt`, also accepted with the `application/` prefix, case-insensitively.
    let typ = typ.strip_prefix("application/").unwrap_or(typ);
    typ.eq_ignore_ascii_case("at+jwt")
}

/// How many verified tokens one isolate remembers (about 0.7 kB each).
pub const VERIFIED_CAPACITY: usize = 2048;

/// Per-isolate memo of tokens whose signature and claims verified under one loaded key ring
/// (it lives in [`crate::domain::signing_keys::LoadedKeys`], so a new ring starts empty).
/// An ES256 verification costs ≈ 50 µs, and clients present the same token for its whole
/// lifetime (an M2M app calling the Management API, a gateway introspecting every call), so a
/// repeat costs a hash lookup instead. Only verified tokens get in (forged ones cannot fill
/// it); `iss`, `exp`/`nbf` and revocation are still checked on every use. Bounded: when full
/// it is emptied. Safe to lose at any moment.
#[derive(Default)]
pub struct VerifiedTokens {
    map: RwLock<HashMap<Box<str>, AccessTokenClaims>>,
}

impl VerifiedTokens {
    fn get(&self, token: &str) -> Option<AccessTokenClaims> {
        self.map.read().unwrap_or_else(|p| p.into_inner()).get(token).cloned()
    }

    fn insert(&self, token: &str, claims: &AccessTokenClaims) {
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= VERIFIED_CAPACITY {
            map.clear();
        }
        map.insert(token.into(), claims.clone());
    }

    #[cfg(all(test, feature = "ring"))] // Only the ring-backed tests below sign tokens.
    pub(crate) fn len(&self) -> usize {
        self.map.read().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// Sign `claims` with the Current key.
pub async fn sign(app: &App, claims: &AccessTokenClaims) -> Result<String, Internal> {
    let keys = app.signing_keys.get(app).await?;
    let payload = serde_json::to_vec(claims).map_err(|e| Internal::Bug(format!("claims not serialisable: {e}")))?;
    Ok(jose::encode(keys.signer.key.as_ref(), &keys.signer.access_token_header, &payload).await?)
}

/// Verify an edgeid access token: signature against the key ring (incl. Next/Previous keys),
/// `typ`, `iss`, `exp`/`nbf` with [`LEEWAY_SECS`], and the revocation deny list. Used by the
/// Management API guard (which then checks `aud` = the Management API indicator and scope
/// `all`) and by introspection.
pub async fn verify(app: &App, token: &str) -> Result<AccessTokenClaims, TokenError> {
    // Not even shaped like a JWS: refuse before touching the key ring (or the store).
    if !looks_like_jws(token) {
        return Err(TokenError::Malformed);
    }
    let keys = app.signing_keys.get(app).await?;
    let claims = match keys.verified.get(token) {
        Some(claims) => claims,
        None => verify_signature(app, keys, token).await?,
    };
    if claims.iss != app.config.issuer() {
        return Err(TokenError::WrongIssuer);
    }
    let now = app.clock.now_secs();
    if claims.exp <= now - LEEWAY_SECS {
        return Err(TokenError::Expired);
    }
    if claims.nbf.is_some_and(|nbf| nbf > now + LEEWAY_SECS) {
        return Err(TokenError::NotYetValid);
    }
    if app.store.get(&keys::revoked_token(&claims.jti)).await?.is_some() {
        return Err(TokenError::Revoked);
    }
    Ok(claims)
}

/// Three non-empty base64url segments (the signature may be empty: `alg: none`).
fn looks_like_jws(token: &str) -> bool {
    let mut parts = token.split('.');
    let b64url = |p: &str| p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(s), None) => !h.is_empty() && !p.is_empty() && b64url(h) && b64url(p) && b64url(s),
        _ => false,
    }
}

/// The signature and structure half of [`verify`]; remembers what passed.
async fn verify_signature(
    app: &App,
    mut keys: std::sync::Arc<crate::domain::signing_keys::LoadedKeys>,
    token: &str,
) -> Result<AccessTokenClaims, TokenError> {
    let decoded = jose::decode_unverified(token).map_err(|e| match e {
        JwsError::UnsupportedAlg | JwsError::UnsupportedCrit => TokenError::BadSignature,
        _ => TokenError::Malformed,
    })?;
    if !decoded.header.typ.as_deref().is_some_and(is_at_jwt) {
        return Err(TokenError::Malformed);
    }
    let kid = decoded.header.kid.as_deref().ok_or(TokenError::BadSignature)?;
    if keys.key(kid).is_none() {
        // Another instance may have rotated since we loaded the ring.
        keys = app.signing_keys.refresh_for_unknown_kid(app).await?;
    }
    let key = keys.key(kid).ok_or(TokenError::BadSignature)?;
    if key.alg != decoded.alg {
        return Err(TokenError::BadSignature);
    }
    jose::verify_signature(app.crypto.as_ref(), &decoded, &key.jwk).await.map_err(|e| match e {
        JwsError::Crypto(e) => TokenError::Internal(e.into()),
        _ => TokenError::BadSignature,
    })?;
    let claims: AccessTokenClaims = serde_json::from_slice(&decoded.payload).map_err(|_| TokenError::Malformed)?;
    keys.verified.insert(token, &claims);
    Ok(claims)
}

/// Put a token's `jti` on the deny list until the token would have expired anyway.
/// Idempotent: revoking twice writes the same record.
pub async fn revoke(app: &App, claims: &AccessTokenClaims) -> Result<(), Internal> {
    let until = claims.exp.saturating_add(LEEWAY_SECS).saturating_mul(1000);
    let value = serde_json::to_vec(&serde_json::json!({ "clientId": claims.client_id, "exp": claims.exp }))
        .map_err(|e| Internal::Bug(e.to_string()))?;
    app.store.put(&keys::revoked_token(&claims.jti), value, PutOptions::ALWAYS.expiring_at(until)).await?;
    Ok(())
}

#[cfg(test)]
#[cfg(feature = "ring")]
mod tests {
    use super::*;
    use crate::domain::signing_keys;
    use crate::jose::{Alg, b64};
    use crate::testing::{self, T0};

    fn claims(app: &App) -> AccessTokenClaims {
        let now = app.clock.now_secs();
        AccessTokenClaims {
            jti: "jti-1".into(),
            sub: "m2m".into(),
            iat: now,
            exp: now + 3600,
            nbf: None,
            scope: Some("all".into()),
            client_id: "m2m".into(),
            iss: app.config.issuer(),
            aud: "https://default.logto.app/api".into(),
            organization_id: None,
        }
    }

    #[tokio::test]
    async fn a_signed_token_verifies_and_carries_logtos_header() {
        let app = testing::app();
        let token = sign(&app, &claims(&app)).await.unwrap();
        assert_eq!(verify(&app, &token).await.unwrap(), claims(&app));
        let decoded = jose::decode_unverified(&token).unwrap();
        let keys = app.signing_keys.get(&app).await.unwrap();
        assert_eq!(decoded.header.alg, "ES256");
        assert_eq!(decoded.header.typ.as_deref(), Some("at+jwt"));
        assert_eq!(decoded.header.kid.as_deref(), Some(keys.signer.kid.as_str()));
        let payload: serde_json::Value = serde_json::from_slice(&decoded.payload).unwrap();
        let names: Vec<&str> = payload.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(names, ["aud", "client_id", "exp", "iat", "iss", "jti", "scope", "sub"]);
    }

    #[tokio::test]
    async fn time_issuer_and_revocation_are_checked() {
        let app = testing::app();
        let token = sign(&app, &claims(&app)).await.unwrap();
        app.clock.set_ms(T0 + 3_600_000 + (LEEWAY_SECS - 1) * 1000);
        assert!(verify(&app, &token).await.is_ok(), "inside the leeway");
        app.clock.set_ms(T0 + 3_600_000 + LEEWAY_SECS * 1000);
        assert_eq!(verify(&app, &token).await, Err(TokenError::Expired));
        app.clock.set_ms(T0);

        let other = sign(&app, &AccessTokenClaims { iss: "http://evil/oidc".into(), ..claims(&app) }).await.unwrap();
        assert_eq!(verify(&app, &other).await, Err(TokenError::WrongIssuer));
        let early = sign(&app, &AccessTokenClaims { nbf: Some(T0 / 1000 + 60), ..claims(&app) }).await.unwrap();
        assert_eq!(verify(&app, &early).await, Err(TokenError::NotYetValid));

        revoke(&app, &claims(&app)).await.unwrap();
        revoke(&app, &claims(&app)).await.unwrap();
        assert_eq!(verify(&app, &token).await, Err(TokenError::Revoked));
    }

    #[tokio::test]
    async fn forged_and_broken_tokens_are_refused() {
        let app = testing::app();
        let token = sign(&app, &claims(&app)).await.unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let header: serde_json::Value = serde_json::from_slice(&crate::jose::unb64(parts[0]).unwrap()).unwrap();
        let with_header = |h: serde_json::Value| format!("{}.{}.{}", b64(h.to_string().as_bytes()), parts[1], parts[2]);
        let mut none = header.clone();
        none["alg"] = "none".into();
        let mut hs = header.clone();
        hs["alg"] = "HS256".into();
        let mut es384 = header.clone();
        es384["alg"] = "ES384".into();
        let mut no_typ = header.clone();
        no_typ.as_object_mut().unwrap().remove("typ");
        let mut crit = header.clone();
        crit["crit"] = serde_json::json!(["exp"]);
        let mut unknown_kid = header.clone();
        unknown_kid["kid"] = "nope".into();
        let forged_payload = b64(br#"{"jti":"x","sub":"admin","iat":0,"exp":99999999999,"scope":"all","client_id":"x","iss":"http://localhost:3001/oidc","aud":"https://default.logto.app/api"}"#);
        let cases = [
            // The classic `alg: none` token with an empty signature.
            (format!("{}.", with_header(none.clone()).rsplit_once('.').unwrap().0), TokenError::BadSignature),
            (with_header(none), TokenError::BadSignature),
            (with_header(hs), TokenError::BadSignature),
            (with_header(es384), TokenError::BadSignature),
            (with_header(crit), TokenError::BadSignature),
            (with_header(unknown_kid), TokenError::BadSignature),
            (with_header(no_typ), TokenError::Malformed),
            (format!("{}.{}.{}", parts[0], forged_payload, parts[2]), TokenError::BadSignature),
            (format!("{}.{}", parts[0], parts[1]), TokenError::Malformed),
            (format!("{token}.x"), TokenError::Malformed),
            (format!("{}.{}=.{}", parts[0], parts[1], parts[2]), TokenError::Malformed),
            (format!("{}.{}.{}", b64(b"not json"), parts[1], parts[2]), TokenError::Malformed),
            ("".into(), TokenError::Malformed),
            ("opaque-token-value".into(), TokenError::Malformed),
        ];
        for (token, expected) in cases {
            assert_eq!(verify(&app, &token).await, Err(expected), "{token}");
        }
    }

    #[tokio::test]
    async fn payload_that_is_not_our_claims_is_malformed() {
        let app = testing::app();
        let keys = app.signing_keys.get(&app).await.unwrap();
        let token =
            jose::encode(keys.signer.key.as_ref(), &keys.signer.access_token_header, b"{\"sub\":1}").await.unwrap();
        assert_eq!(verify(&app, &token).await, Err(TokenError::Malformed));
    }

    #[tokio::test]
    async fn tokens_of_previous_and_next_keys_verify_and_new_tokens_follow_current() {
        let app = testing::app();
        let old = sign(&app, &claims(&app)).await.unwrap();
        let (ring, version) = signing_keys::find(&app).await.unwrap().unwrap();
        let new_key = signing_keys::generate(&app, Alg::RS256, signing_keys::KeyStatus::Current).await.unwrap();
        let rotated = ring.rotated_now(new_key.clone()).unwrap();
        signing_keys::update(&app, &rotated, version).await.unwrap();

        let new = sign(&app, &claims(&app)).await.unwrap();
        assert_eq!(jose::decode_unverified(&new).unwrap().header.kid.as_deref(), Some(new_key.kid.as_str()));
        assert_eq!(jose::decode_unverified(&new).unwrap().alg, Alg::RS256);
        assert!(verify(&app, &old).await.is_ok(), "Previous key still verifies");
        assert!(verify(&app, &new).await.is_ok());
    }

    #[tokio::test]
    async fn the_verification_memo_holds_only_valid_tokens_of_the_current_ring() {
        let app = testing::app();
        let token = sign(&app, &claims(&app)).await.unwrap();
        let mut forged = token.clone();
        forged.push('A');
        assert!(verify(&app, &forged).await.is_err());
        assert_eq!(app.signing_keys.get(&app).await.unwrap().verified.len(), 0, "forged tokens stay out");
        assert!(verify(&app, &token).await.is_ok());
        assert!(verify(&app, &token).await.is_ok());
        assert_eq!(app.signing_keys.get(&app).await.unwrap().verified.len(), 1);

        // Two rotations drop the key that signed it: the memo does not outlive the key.
        for _ in 0..2 {
            let (ring, version) = signing_keys::find(&app).await.unwrap().unwrap();
            let key = signing_keys::generate(&app, Alg::ES256, signing_keys::KeyStatus::Current).await.unwrap();
            signing_keys::update(&app, &ring.rotated_now(key).unwrap(), version).await.unwrap();
        }
        app.clock.advance_ms(signing_keys::cache::UNKNOWN_KID_REFRESH_MS);
        assert_eq!(verify(&app, &token).await, Err(TokenError::BadSignature));
    }

    #[tokio::test]
    async fn the_verification_memo_is_bounded() {
        let app = testing::app();
        for i in 0..VERIFIED_CAPACITY + 1 {
            let token = sign(&app, &AccessTokenClaims { jti: format!("j{i}"), ..claims(&app) }).await.unwrap();
            assert!(verify(&app, &token).await.is_ok());
        }
        let len = app.signing_keys.get(&app).await.unwrap().verified.len();
        assert!((1..=VERIFIED_CAPACITY).contains(&len), "{len}");
    }

    #[tokio::test]
    async fn another_instance_picks_up_a_rotation_on_an_unknown_kid() {
        let a = testing::app();
        let b = testing::second_instance(a.config.clone(), &a.clock, &a.store);
        let first = sign(&a, &claims(&a)).await.unwrap();
        assert!(verify(&b, &first).await.is_ok(), "cold starts converge on one key");

        let (ring, version) = signing_keys::find(&a).await.unwrap().unwrap();
        let new_key = signing_keys::generate(&a, Alg::ES256, signing_keys::KeyStatus::Current).await.unwrap();
        signing_keys::update(&a, &ring.rotated_now(new_key).unwrap(), version).await.unwrap();
        let second = sign(&a, &claims(&a)).await.unwrap();
        // b still caches the old ring; within the unknown-kid guard it cannot know the key...
        assert_eq!(verify(&b, &second).await, Err(TokenError::BadSignature));
        // ...and a moment later it re-reads the ring instead of trusting its cache.
        b.clock.advance_ms(signing_keys::cache::UNKNOWN_KID_REFRESH_MS);
        assert!(verify(&b, &second).await.is_ok());
    }
}
