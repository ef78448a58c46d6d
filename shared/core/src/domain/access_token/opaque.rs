//! Opaque access tokens (logto-api.md §1.10): what the token endpoint issues when no
//! `resource` is asked for and `openid` was granted — usable at `/oidc/me` (and, later, the
//! Account API). The value is 32 random bytes (43 base64url characters, no dots, so it never
//! looks like a JWT); the record lives under `token/access/<sha256(value)>` for
//! [`OPAQUE_TTL_SECS`], indexed under its grant in the same commit.

use serde::{Deserialize, Serialize};

use crate::App;
use crate::domain::grant::{self, TokenKind};
use crate::domain::table::{decode, encode};
use crate::domain::token_hash;
use crate::error::Internal;
use crate::store::{PutOptions, WriteOp, keys};

/// Logto's `ttl.AccessToken` without a resource server: one hour.
pub const OPAQUE_TTL_SECS: i64 = 3600;

/// Bytes of randomness in a token value.
const TOKEN_BYTES: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpaqueAccessToken {
    pub account_id: String,
    pub client_id: String,
    pub grant_id: String,
    /// Granted OIDC scopes, space-separated.
    pub scope: String,
    /// Seconds since the epoch.
    pub iat: i64,
    pub exp: i64,
    /// The grant type that issued it (`authorization_code`, `refresh_token`).
    pub gty: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

impl OpaqueAccessToken {
    pub fn has_scope(&self, wanted: &str) -> bool {
        self.scope.split(' ').any(|s| s == wanted)
    }
}

/// A fresh value for `token` and the writes that store it (the token and its grant index),
/// for the caller to commit together with whatever else it issues.
pub fn prepare(app: &App, token: &OpaqueAccessToken) -> Result<(String, Vec<WriteOp>), Internal> {
    let value = app.rng.token(TOKEN_BYTES);
    let hash = token_hash::hash(&value);
    let expires_at = token.exp.saturating_mul(1000);
    let ops = vec![
        WriteOp::Put {
            key: keys::opaque_access_token(&hash),
            value: encode(token)?,
            options: PutOptions::IF_ABSENT.expiring_at(expires_at),
        },
        grant::index_op(&token.grant_id, TokenKind::OpaqueAccess, &hash, &token.client_id, expires_at)?,
    ];
    Ok((value, ops))
}

/// Whether a presented value could be one of ours (cheap check before hashing and reading).
pub fn looks_opaque(value: &str) -> bool {
    value.len() == 43 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The live token with this value (unknown, expired and revoked tokens read as `None`).
pub async fn find(app: &App, value: &str) -> Result<Option<OpaqueAccessToken>, Internal> {
    if !looks_opaque(value) {
        return Ok(None);
    }
    let key = keys::opaque_access_token(&token_hash::hash(value));
    match app.store.get(&key).await? {
        Some(record) => Ok(Some(decode(&key, &record.value)?)),
        None => Ok(None),
    }
}

#[cfg(test)]
#[cfg(feature = "ring")]
mod tests {
    use super::*;
    use crate::ports::Clock as _;
    use crate::store::Store as _;
    use crate::testing;

    #[tokio::test]
    async fn a_token_is_stored_by_hash_for_an_hour() {
        let app = testing::app();
        let now = app.clock.now_secs();
        let token = OpaqueAccessToken {
            account_id: "u1".into(),
            client_id: "spa".into(),
            grant_id: "g1".into(),
            scope: "openid profile".into(),
            iat: now,
            exp: now + OPAQUE_TTL_SECS,
            gty: "authorization_code".into(),
            sid: None,
        };
        let (value, ops) = prepare(&app, &token).unwrap();
        assert!(looks_opaque(&value) && !value.contains('.'));
        app.store.commit(ops).await.unwrap();
        assert_eq!(find(&app, &value).await.unwrap(), Some(token.clone()));
        assert!(token.has_scope("openid") && !token.has_scope("email"));
        assert_eq!(find(&app, "x").await.unwrap(), None);
        assert_eq!(find(&app, &"A".repeat(43)).await.unwrap(), None);
        app.clock.advance_ms(OPAQUE_TTL_SECS * 1000);
        assert_eq!(find(&app, &value).await.unwrap(), None);
    }
}
