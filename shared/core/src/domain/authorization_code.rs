//! Authorization codes (node-oidc-provider's `AuthorizationCode`): issued by `/oidc/auth/:uid`
//! once the user has signed in and consented, redeemed once at `/oidc/token`.
//!
//! The value is 32 random bytes (43 base64url characters), returned to the caller only; the
//! record lives under `code/<sha256(value)>` for Logto's 60 s. Redemption is [`find`] (the
//! token endpoint validates client, PKCE and `redirect_uri` first, as oidc-provider does, so a
//! wrong verifier does not burn the code) and then [`consume`], the atomic single use: exactly
//! one caller gets [`CodeUse::First`]; a replay gets [`CodeUse::Replayed`] and must revoke the
//! grant ([`crate::domain::grant::revoke`]).

use serde::{Deserialize, Serialize};

use super::auth_context::AuthContext;
use super::table::{decode, encode};
use super::token_hash;
use crate::App;
use crate::error::Internal;
use crate::ports::Millis;
use crate::store::{Consumed, PutOptions, keys};

/// Logto's `ttl.AuthorizationCode`.
pub const CODE_TTL_SECS: i64 = 60;

/// Bytes of randomness in a code.
const CODE_BYTES: usize = 32;

/// Everything the token endpoint needs to answer a code (what oidc-provider keeps on its
/// `AuthorizationCode`). Built by the authorization endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeRequest {
    /// What was authorized, in which sign-in (copied to the refresh tokens).
    #[serde(flatten)]
    pub context: AuthContext,
    /// The `redirect_uri` of the authorization request; the token request must repeat it.
    pub redirect_uri: String,
    /// The S256 `code_challenge` (edgeid supports no other method), if the client sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge: Option<String>,
    /// The `claims` request parameter, if any (Logto does not support it; kept for parity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<serde_json::Value>,
}

/// A stored code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeRecord {
    pub request: CodeRequest,
    pub issued_at: Millis,
    pub expires_at: Millis,
}

/// Outcome of [`consume`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeUse {
    First(CodeRecord),
    /// Someone redeemed it before: revoke the grant.
    Replayed(CodeRecord),
    /// Unknown or expired.
    Missing,
}

/// Issue a code for `request`; returns the value for the redirect.
pub async fn issue(app: &App, request: CodeRequest) -> Result<String, Internal> {
    let code = app.rng.token(CODE_BYTES);
    let now = app.clock.now_ms();
    let expires_at = now.saturating_add(CODE_TTL_SECS * 1000);
    let record = CodeRecord { request, issued_at: now, expires_at };
    let key = keys::authorization_code(&token_hash::hash(&code));
    app.store.put(&key, encode(&record)?, PutOptions::IF_ABSENT.expiring_at(expires_at)).await?;
    Ok(code)
}

/// The live code and whether it was already redeemed, without redeeming it.
pub async fn find(app: &App, code: &str) -> Result<Option<(CodeRecord, bool)>, Internal> {
    let key = keys::authorization_code(&token_hash::hash(code));
    match app.store.get(&key).await? {
        Some(record) => Ok(Some((decode(&key, &record.value)?, record.consumed_at.is_some()))),
        None => Ok(None),
    }
}

/// Redeem a code: exactly one caller ever gets `First`.
pub async fn consume(app: &App, code: &str) -> Result<CodeUse, Internal> {
    let key = keys::authorization_code(&token_hash::hash(code));
    Ok(match app.store.consume(&key).await? {
        Consumed::First(record) => CodeUse::First(decode(&key, &record.value)?),
        Consumed::Already(record) => CodeUse::Replayed(decode(&key, &record.value)?),
        Consumed::Missing => CodeUse::Missing,
    })
}

#[cfg(test)]
#[cfg(feature = "ring")]
mod tests {
    use super::*;
    use crate::store::Store as _;
    use crate::testing;

    fn request() -> CodeRequest {
        CodeRequest {
            context: AuthContext {
                grant_id: "g1".into(),
                client_id: "spa".into(),
                account_id: "user1".into(),
                scope: "openid profile".into(),
                nonce: Some("n".into()),
                auth_time: testing::T0 / 1000,
                ..Default::default()
            },
            redirect_uri: "https://spa.example.com/callback".into(),
            code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn a_code_is_stored_by_hash_and_redeemed_once() {
        let app = testing::app();
        let code = issue(&app, request()).await.unwrap();
        assert_eq!(code.len(), 43);
        assert!(code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        // Nothing in the store names the value itself.
        let page = app.store.list(&crate::store::Key::new(["code"]), None, 10).await.unwrap();
        assert_eq!(page.items.len(), 1);
        assert!(!page.items[0].0.as_str().contains(&code));
        assert!(!String::from_utf8_lossy(&page.items[0].1.value).contains(&code));

        let (found, used) = find(&app, &code).await.unwrap().unwrap();
        assert_eq!((found.request.clone(), used), (request(), false));
        assert!(matches!(consume(&app, &code).await.unwrap(), CodeUse::First(r) if r.request == request()));
        assert!(matches!(consume(&app, &code).await.unwrap(), CodeUse::Replayed(r) if r.request == request()));
        assert_eq!(find(&app, &code).await.unwrap().map(|(_, used)| used), Some(true));
        assert_eq!(consume(&app, "nope").await.unwrap(), CodeUse::Missing);
    }

    #[tokio::test]
    async fn a_code_lives_sixty_seconds() {
        let app = testing::app();
        let code = issue(&app, request()).await.unwrap();
        app.clock.advance_ms(CODE_TTL_SECS * 1000 - 1);
        assert!(find(&app, &code).await.unwrap().is_some());
        app.clock.advance_ms(1);
        assert!(find(&app, &code).await.unwrap().is_none());
        assert_eq!(consume(&app, &code).await.unwrap(), CodeUse::Missing);
    }
}
