//! Refresh tokens (node-oidc-provider's `RefreshToken` with Logto's settings, logto-api.md
//! §1.7.2 and §1.11).
//!
//! - Issued only when the grant includes `offline_access` (or a Traditional app asks for
//!   `alwaysIssueRefreshToken`), TTL `refreshTokenTtlInDays` (default 14 days).
//! - Stored by hash under `token/refresh/<sha256>`, indexed under the grant. The record stays
//!   readable for [`EXPIRED_KEPT_MS`] after `exp`, so the endpoint can say "refresh token is
//!   expired" as oidc-provider does rather than "not found".
//! - Rotation ([`should_rotate`]): always for public clients, else once 70 % of the TTL has
//!   passed, never after a chain lifetime of a year or when the app sets
//!   `rotateRefreshToken: false`. The old token is claimed with `Store::consume`; a consumed
//!   token still works for [`REUSE_GRACE_MS`] (Logto's `refreshTokenReuseInterval`, so parallel
//!   refreshes of a serverless app succeed), and reuse after that revokes the whole grant.

use serde::{Deserialize, Serialize};

use super::application::{ApplicationRecord, ApplicationType};
use super::auth_context::AuthContext;
use super::grant::{self, TokenKind};
use super::table::{decode, encode};
use super::token_hash;
use crate::App;
use crate::error::Internal;
use crate::ports::Millis;
use crate::store::{Consumed, PutOptions, WriteOp, keys};

/// Logto's `customClientMetadataDefault.refreshTokenTtlInDays`.
pub const DEFAULT_TTL_DAYS: i64 = 14;

/// Logto's `refreshTokenReuseInterval`: a rotated token still counts as unused this long.
pub const REUSE_GRACE_MS: Millis = 3_000;

/// How long an expired record is kept to answer "expired" instead of "not found".
pub const EXPIRED_KEPT_MS: Millis = 24 * 3600 * 1000;

/// oidc-provider: rotation stops once the chain is a year old (its TTL is then final).
const MAX_ROTATING_LIFETIME_SECS: i64 = 31_557_600;

/// Bytes of randomness in a token value.
const TOKEN_BYTES: usize = 32;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshTokenRecord {
    /// What was authorized, in which sign-in (from the authorization code, kept by rotation).
    #[serde(flatten)]
    pub context: AuthContext,
    /// Seconds since the epoch.
    pub iat: i64,
    pub exp: i64,
    /// `iat` of the first token of the rotation chain.
    pub iiat: i64,
    pub rotations: u32,
    pub gty: String,
}

impl RefreshTokenRecord {
    pub fn is_expired(&self, now_secs: i64) -> bool {
        self.exp <= now_secs
    }

    /// The next token of the chain (`rotations + 1`, same `iiat`), valid from `now` for `ttl`.
    pub fn rotated(&self, now_secs: i64, ttl_secs: i64) -> Self {
        Self { iat: now_secs, exp: now_secs.saturating_add(ttl_secs), rotations: self.rotations + 1, ..self.clone() }
    }
}

/// The refresh-token TTL of a client (`ttl.RefreshToken` in Logto's `init.ts`).
pub fn ttl_secs(client: &ApplicationRecord) -> i64 {
    let meta = &client.app.custom_client_metadata;
    if let Some(days) = meta.refresh_token_ttl_in_days {
        return days.saturating_mul(86_400);
    }
    if let Some(secs) = meta.refresh_token_ttl.as_ref().and_then(|n| n.as_i64()) {
        return secs;
    }
    DEFAULT_TTL_DAYS * 86_400
}

/// Public clients (`none`: SPA, Native).
fn is_public(client: &ApplicationRecord) -> bool {
    matches!(client.app.app_type, ApplicationType::Spa | ApplicationType::Native)
}

/// The TTL of the token that replaces `old` (Logto's `refreshTokenTtl` default): a public
/// *web* client (SPA) keeps the remaining lifetime, so rotation cannot extend it forever;
/// others get a fresh [`ttl_secs`].
pub fn rotated_ttl_secs(client: &ApplicationRecord, old: &RefreshTokenRecord, now_secs: i64) -> i64 {
    if client.app.app_type == ApplicationType::Spa { old.exp - now_secs } else { ttl_secs(client) }
}

/// Logto's `rotateRefreshToken`.
pub fn should_rotate(client: &ApplicationRecord, token: &RefreshTokenRecord, now_secs: i64) -> bool {
    if client.app.custom_client_metadata.rotate_refresh_token == Some(false) {
        return false;
    }
    if now_secs - token.iiat >= MAX_ROTATING_LIFETIME_SECS {
        return false;
    }
    if is_public(client) {
        return true;
    }
    let lifetime = (token.exp - token.iat).max(1);
    let passed = (100 * (now_secs - token.iat)).div_euclid(lifetime).clamp(0, 100);
    passed >= 70
}

/// A fresh value for `token` and the writes that store it (token + grant index).
pub fn prepare(app: &App, token: &RefreshTokenRecord) -> Result<(String, Vec<WriteOp>), Internal> {
    let value = app.rng.token(TOKEN_BYTES);
    let hash = token_hash::hash(&value);
    let exp_ms = token.exp.saturating_mul(1000);
    let ops = vec![
        WriteOp::Put {
            key: keys::refresh_token(&hash),
            value: encode(token)?,
            options: PutOptions::IF_ABSENT.expiring_at(exp_ms.saturating_add(EXPIRED_KEPT_MS)),
        },
        grant::index_op(
            &token.context.grant_id,
            TokenKind::Refresh,
            &hash,
            &token.context.client_id,
            exp_ms.saturating_add(EXPIRED_KEPT_MS),
        )?,
    ];
    Ok((value, ops))
}

/// A stored refresh token as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub token: RefreshTokenRecord,
    /// When it was rotated away, if it was.
    pub consumed_at: Option<Millis>,
}

impl Found {
    /// Consumed longer ago than the reuse grace: presenting it again is a replay.
    pub fn is_spent(&self, now: Millis) -> bool {
        self.consumed_at.is_some_and(|at| at.saturating_add(REUSE_GRACE_MS) < now)
    }
}

fn key_of(value: &str) -> Option<crate::store::Key> {
    // Not even shaped like one of ours: no need to hash or read.
    let ok = value.len() == 43 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| keys::refresh_token(&token_hash::hash(value)))
}

/// The stored token with this value (possibly expired or consumed; see [`Found`]).
pub async fn find(app: &App, value: &str) -> Result<Option<Found>, Internal> {
    let Some(key) = key_of(value) else { return Ok(None) };
    match app.store.get(&key).await? {
        Some(record) => Ok(Some(Found { token: decode(&key, &record.value)?, consumed_at: record.consumed_at })),
        None => Ok(None),
    }
}

/// Outcome of [`consume`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshUse {
    /// This caller rotated it.
    First,
    /// Another caller rotated it within the reuse grace: this one may rotate too.
    InGrace,
    /// Rotated longer ago than the grace: a replay.
    Spent,
    Missing,
}

/// Claim the token for rotation (atomic on every backend).
pub async fn consume(app: &App, value: &str) -> Result<RefreshUse, Internal> {
    let Some(key) = key_of(value) else { return Ok(RefreshUse::Missing) };
    let now = app.clock.now_ms();
    Ok(match app.store.consume(&key).await? {
        Consumed::First(_) => RefreshUse::First,
        Consumed::Already(record) => match record.consumed_at {
            Some(at) if at.saturating_add(REUSE_GRACE_MS) >= now => RefreshUse::InGrace,
            _ => RefreshUse::Spent,
        },
        Consumed::Missing => RefreshUse::Missing,
    })
}

/// Delete one token (a replayed one, before its grant is revoked).
pub async fn delete(app: &App, value: &str) -> Result<(), Internal> {
    if let Some(key) = key_of(value) {
        app.store.delete(&key).await?;
    }
    Ok(())
}

#[cfg(test)]
#[cfg(feature = "ring")]
mod tests {
    use super::*;
    use crate::domain::application::CustomClientMetadata;
    use crate::ports::Clock as _;
    use crate::store::Store as _;
    use crate::testing::{self, T0};

    fn client(t: ApplicationType, meta: CustomClientMetadata) -> ApplicationRecord {
        let mut c = ApplicationRecord::new("c".into(), "c".into(), t, T0);
        c.app.custom_client_metadata = meta;
        c
    }

    fn token(iat: i64, ttl: i64) -> RefreshTokenRecord {
        RefreshTokenRecord {
            context: AuthContext {
                account_id: "u1".into(),
                client_id: "c".into(),
                grant_id: "g1".into(),
                scope: "openid offline_access".into(),
                ..Default::default()
            },
            iat,
            exp: iat + ttl,
            iiat: iat,
            gty: "authorization_code".into(),
            ..Default::default()
        }
    }

    #[test]
    fn ttl_follows_the_client_metadata() {
        let none = CustomClientMetadata::default();
        assert_eq!(ttl_secs(&client(ApplicationType::Spa, none.clone())), 14 * 86_400);
        let days = CustomClientMetadata { refresh_token_ttl_in_days: Some(30), ..Default::default() };
        assert_eq!(ttl_secs(&client(ApplicationType::Spa, days)), 30 * 86_400);
        let secs = CustomClientMetadata { refresh_token_ttl: Some(600.into()), ..Default::default() };
        assert_eq!(ttl_secs(&client(ApplicationType::Traditional, secs)), 600);
    }

    #[test]
    fn rotation_follows_logtos_policy() {
        let day = 86_400;
        let t0 = T0 / 1000;
        let cases = [
            // (type, rotateRefreshToken, seconds since iat, rotate?)
            (ApplicationType::Spa, None, 0, true),
            (ApplicationType::Native, None, 0, true),
            (ApplicationType::Spa, Some(false), 0, false),
            (ApplicationType::Traditional, None, 0, false),
            (ApplicationType::Traditional, None, 9 * day, false), // 64 %
            (ApplicationType::Traditional, None, 10 * day, true), // 71 %
            (ApplicationType::Traditional, Some(false), 13 * day, false),
        ];
        for (t, rotate, elapsed, expected) in cases {
            let meta = CustomClientMetadata { rotate_refresh_token: rotate, ..Default::default() };
            let got = should_rotate(&client(t, meta), &token(t0, 14 * day), t0 + elapsed);
            assert_eq!(got, expected, "{t:?} {rotate:?} after {elapsed}s");
        }
        // A chain older than a year stops rotating, even for public clients.
        let mut old = token(t0, 14 * day);
        old.iiat = t0 - 366 * day;
        assert!(!should_rotate(&client(ApplicationType::Spa, CustomClientMetadata::default()), &old, t0));
    }

    #[test]
    fn spas_keep_the_remaining_lifetime_when_rotating() {
        let t0 = T0 / 1000;
        let old = token(t0, 1000);
        let meta = CustomClientMetadata::default();
        assert_eq!(rotated_ttl_secs(&client(ApplicationType::Spa, meta.clone()), &old, t0 + 400), 600);
        assert_eq!(rotated_ttl_secs(&client(ApplicationType::Native, meta), &old, t0 + 400), 14 * 86_400);
        let next = old.rotated(t0 + 400, 600);
        assert_eq!((next.iat, next.exp, next.iiat, next.rotations), (t0 + 400, t0 + 1000, t0, 1));
    }

    #[tokio::test]
    async fn rotation_is_claimed_once_with_a_three_second_grace() {
        let app = testing::app();
        let t = token(app.clock.now_secs(), 3600);
        let (value, ops) = prepare(&app, &t).unwrap();
        app.store.commit(ops).await.unwrap();
        assert_eq!(find(&app, &value).await.unwrap(), Some(Found { token: t.clone(), consumed_at: None }));
        assert_eq!(consume(&app, &value).await.unwrap(), RefreshUse::First);
        app.clock.advance_ms(REUSE_GRACE_MS);
        assert_eq!(consume(&app, &value).await.unwrap(), RefreshUse::InGrace);
        let found = find(&app, &value).await.unwrap().unwrap();
        assert!(!found.is_spent(app.clock.now_ms()));
        app.clock.advance_ms(1);
        assert!(found.is_spent(app.clock.now_ms()));
        assert_eq!(consume(&app, &value).await.unwrap(), RefreshUse::Spent);
        assert_eq!(consume(&app, "short").await.unwrap(), RefreshUse::Missing);
        assert_eq!(consume(&app, &"x".repeat(43)).await.unwrap(), RefreshUse::Missing);
    }

    #[tokio::test]
    async fn an_expired_token_is_still_read_for_a_day_to_say_so() {
        let app = testing::app();
        let t = token(app.clock.now_secs(), 60);
        let (value, ops) = prepare(&app, &t).unwrap();
        app.store.commit(ops).await.unwrap();
        app.clock.advance_ms(60_000);
        let found = find(&app, &value).await.unwrap().unwrap();
        assert!(found.token.is_expired(app.clock.now_secs()));
        app.clock.advance_ms(EXPIRED_KEPT_MS);
        assert_eq!(find(&app, &value).await.unwrap(), None);
    }
}
