//! Grants (node-oidc-provider's `Grant` model): what one user allowed one client — the OIDC
//! scopes (`openid`, `profile`, `offline_access`, …) and, per API resource, the resource
//! scopes. Codes, refresh tokens and access tokens each name the grant they came from, and
//! every token is indexed under it (`keys::grant_token`), so [`revoke`] finds them all with one
//! prefix listing.
//!
//! Every use of a code, refresh token or opaque access token re-reads its grant: deleting the
//! grant is what kills them all at once (the token records left behind expire by TTL). JWT
//! access tokens are self-contained, so [`revoke`] puts their `jti`s on the deny list first.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Versioned;
use super::table::{decode, encode, read};
use crate::App;
use crate::error::Internal;
use crate::ports::Millis;
use crate::store::{Condition, Key, PutOptions, StoreError, Version, WriteOp, keys};

/// Logto's `ttl.Grant`: 180 days.
pub const GRANT_TTL_SECS: i64 = 180 * 24 * 3600;

/// Length of a grant id (oidc-provider's nanoid length).
const ID_LEN: usize = 21;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantRecord {
    pub id: String,
    pub account_id: String,
    pub client_id: String,
    /// Granted OIDC scopes, in the order they were first granted.
    pub openid_scopes: Vec<String>,
    /// Granted scopes per API resource indicator.
    #[serde(default)]
    pub resource_scopes: BTreeMap<String, Vec<String>>,
    pub created_at: Millis,
    pub expires_at: Millis,
}

impl GrantRecord {
    /// A new, empty grant with a fresh id, expiring after [`GRANT_TTL_SECS`].
    pub fn new(app: &App, account_id: &str, client_id: &str) -> Self {
        let now = app.clock.now_ms();
        Self {
            id: app.rng.id(ID_LEN),
            account_id: account_id.to_owned(),
            client_id: client_id.to_owned(),
            openid_scopes: Vec::new(),
            resource_scopes: BTreeMap::new(),
            created_at: now,
            expires_at: now.saturating_add(GRANT_TTL_SECS * 1000),
        }
    }

    /// Grant more OIDC scopes (repeats are ignored).
    pub fn add_openid_scopes<'a>(&mut self, scopes: impl IntoIterator<Item = &'a str>) {
        for scope in scopes {
            if !self.openid_scopes.iter().any(|s| s == scope) {
                self.openid_scopes.push(scope.to_owned());
            }
        }
    }

    /// Grant more scopes of one resource (the resource is recorded even with no scope, so a
    /// token for it may be issued).
    pub fn add_resource_scopes<'a>(&mut self, indicator: &str, scopes: impl IntoIterator<Item = &'a str>) {
        let held = self.resource_scopes.entry(indicator.to_owned()).or_default();
        for scope in scopes {
            if !held.iter().any(|s| s == scope) {
                held.push(scope.to_owned());
            }
        }
    }

    /// `requested` narrowed to the granted OIDC scopes, in request order (`getOIDCScopeFiltered`).
    pub fn openid_scope_filtered<'a>(&self, requested: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        requested.into_iter().filter(|s| self.openid_scopes.iter().any(|g| g == s)).collect()
    }

    /// `requested` narrowed to the scopes granted for `indicator` (`getResourceScopeFiltered`).
    pub fn resource_scope_filtered<'a>(
        &self,
        indicator: &str,
        requested: impl IntoIterator<Item = &'a str>,
    ) -> Vec<&'a str> {
        let Some(held) = self.resource_scopes.get(indicator) else {
            return Vec::new();
        };
        requested.into_iter().filter(|s| held.iter().any(|g| g == s)).collect()
    }

    pub fn has_resource(&self, indicator: &str) -> bool {
        self.resource_scopes.contains_key(indicator)
    }
}

/// Why a grant write failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantWriteError {
    /// `insert`: the id is taken; `update`: the grant changed or vanished since it was read.
    Conflict,
    Internal(Internal),
}

impl From<Internal> for GrantWriteError {
    fn from(e: Internal) -> Self {
        GrantWriteError::Internal(e)
    }
}

impl From<StoreError> for GrantWriteError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { .. } => GrantWriteError::Conflict,
            e => GrantWriteError::Internal(e.into()),
        }
    }
}

/// The live grant (expired or revoked grants read as `None`).
pub async fn find(app: &App, id: &str) -> Result<Option<Versioned<GrantRecord>>, Internal> {
    read(app.store.as_ref(), &keys::grant(id)).await
}

/// Store a new grant (and its entry in the account's index, in the same commit); returns its
/// version.
pub async fn insert(app: &App, grant: &GrantRecord) -> Result<Version, GrantWriteError> {
    let options = PutOptions::IF_ABSENT.expiring_at(grant.expires_at);
    app.store
        .commit(vec![
            WriteOp::Put { key: keys::grant(&grant.id), value: encode(grant)?, options },
            WriteOp::Put {
                key: keys::account_grant(&grant.account_id, &grant.id),
                value: encode(&grant.client_id)?,
                options: PutOptions::ALWAYS.expiring_at(grant.expires_at),
            },
        ])
        .await?;
    // A fresh key's first write is version 1 on every backend.
    Ok(1)
}

/// Write back a grant read at `version` (more scopes granted on a later authorization).
pub async fn update(app: &App, grant: &GrantRecord, version: Version) -> Result<Version, GrantWriteError> {
    let options = PutOptions::if_version(version).expiring_at(grant.expires_at);
    Ok(app.store.put(&keys::grant(&grant.id), encode(grant)?, options).await?)
}

/// What kind of token an index entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    OpaqueAccess,
    Refresh,
    /// A JWT access token, by `jti`.
    Jwt,
}

impl TokenKind {
    fn as_str(self) -> &'static str {
        match self {
            TokenKind::OpaqueAccess => "access",
            TokenKind::Refresh => "refresh",
            TokenKind::Jwt => "jwt",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "access" => Some(TokenKind::OpaqueAccess),
            "refresh" => Some(TokenKind::Refresh),
            "jwt" => Some(TokenKind::Jwt),
            _ => None,
        }
    }
}

/// What an index entry remembers: enough to revoke the token without reading it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct IndexEntry {
    /// The token's own expiry (ms); the entry expires with it.
    exp: Millis,
    #[serde(default)]
    client_id: String,
}

/// The index write that ties a token to its grant; goes into the same commit as the token.
/// `id` is the token's hash (opaque, refresh) or `jti` (JWT).
pub fn index_op(
    grant_id: &str,
    kind: TokenKind,
    id: &str,
    client_id: &str,
    expires_at: Millis,
) -> Result<WriteOp, Internal> {
    let value = encode(&IndexEntry { exp: expires_at, client_id: client_id.to_owned() })?;
    Ok(WriteOp::Put {
        key: keys::grant_token(grant_id, kind.as_str(), id),
        value,
        options: PutOptions { expires_at: Some(expires_at), condition: Condition::Always },
    })
}

/// Page size of the index listing during revocation.
const REVOKE_PAGE: usize = 100;

/// Revoke a grant and every token issued from it (node-oidc-provider's `revoke(ctx, grantId)`:
/// a replayed code, a reused refresh token, a revoked refresh token). Idempotent, and safe to
/// repeat after a failure half-way: (1) JWT `jti`s go on the deny list, (2) the grant is
/// deleted — from here on no code, refresh or opaque token of it is accepted anywhere — (3)
/// the token records and index entries are removed.
pub async fn revoke(app: &App, grant_id: &str) -> Result<(), Internal> {
    revoke_with(app, grant_id, true).await
}

/// Revoke every grant of an account and every token issued from them (Logto's `signOutUser`
/// when a user is suspended or deleted).
pub async fn revoke_all_for_account(app: &App, account_id: &str) -> Result<(), Internal> {
    let prefix = keys::account_grants(account_id);
    loop {
        // Each round revokes a page and deletes its index entries, so the listing restarts.
        let page = app.store.list(&prefix, None, REVOKE_PAGE).await?;
        if page.items.is_empty() {
            return Ok(());
        }
        for (key, _) in page.items {
            revoke(app, &key.last_segment()).await?;
            app.store.delete(&key).await?;
        }
    }
}

/// Revoke every token issued from a grant but keep the grant (oidc-provider's
/// `revokeGrantPolicy` for a revoked access token: the user's consent stays).
pub async fn revoke_tokens(app: &App, grant_id: &str) -> Result<(), Internal> {
    revoke_with(app, grant_id, false).await
}

async fn revoke_with(app: &App, grant_id: &str, delete_grant: bool) -> Result<(), Internal> {
    let store = app.store.as_ref();
    let prefix = keys::grant_tokens(grant_id);
    let mut entries: Vec<(Key, TokenKind, String, IndexEntry)> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store.list(&prefix, cursor.as_deref(), REVOKE_PAGE).await?;
        for (key, record) in page.items {
            let segments = key.segments();
            let (Some(kind), Some(id)) = (segments.get(2).and_then(|k| TokenKind::parse(k)), segments.get(3)) else {
                continue;
            };
            let entry: IndexEntry = decode(&key, &record.value)?;
            entries.push((key.clone(), kind, id.clone(), entry));
        }
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }

    let max_batch = store.capabilities().max_batch.max(1);
    let mut deny = Vec::new();
    for (_, kind, jti, entry) in &entries {
        if *kind == TokenKind::Jwt {
            let until = entry.exp.saturating_add(super::access_token::LEEWAY_SECS * 1000);
            let value = encode(&serde_json::json!({ "clientId": entry.client_id, "exp": entry.exp / 1000 }))?;
            deny.push(WriteOp::Put {
                key: keys::revoked_token(jti),
                value,
                options: PutOptions { expires_at: Some(until), condition: Condition::Always },
            });
        }
    }
    commit_chunks(app, deny, max_batch).await?;

    if delete_grant {
        store.delete(&keys::grant(grant_id)).await?;
    }

    let mut cleanup = Vec::new();
    for (index_key, kind, id, _) in entries {
        match kind {
            TokenKind::OpaqueAccess => cleanup.push(delete(keys::opaque_access_token(&id))),
            TokenKind::Refresh => cleanup.push(delete(keys::refresh_token(&id))),
            TokenKind::Jwt => {}
        }
        cleanup.push(delete(index_key));
    }
    commit_chunks(app, cleanup, max_batch).await
}

fn delete(key: Key) -> WriteOp {
    WriteOp::Delete { key, condition: Condition::Always }
}

async fn commit_chunks(app: &App, mut ops: Vec<WriteOp>, max_batch: usize) -> Result<(), Internal> {
    while !ops.is_empty() {
        let rest = ops.split_off(ops.len().min(max_batch));
        app.store.commit(ops).await?;
        ops = rest;
    }
    Ok(())
}

#[cfg(test)]
#[cfg(feature = "ring")]
mod tests {
    use super::*;
    use crate::store::Store as _;
    use crate::testing;

    fn grant(app: &App) -> GrantRecord {
        let mut g = GrantRecord::new(app, "user1", "spa");
        g.add_openid_scopes(["openid", "profile", "offline_access", "profile"]);
        g.add_resource_scopes("https://api.example.com", ["read", "write"]);
        g
    }

    #[tokio::test]
    async fn a_grant_round_trips_and_updates_only_from_its_version() {
        let app = testing::app();
        let g = grant(&app);
        assert_eq!(g.id.len(), ID_LEN);
        assert_eq!(g.openid_scopes, ["openid", "profile", "offline_access"]);
        let v = insert(&app, &g).await.unwrap();
        assert_eq!(insert(&app, &g).await, Err(GrantWriteError::Conflict));
        let found = find(&app, &g.id).await.unwrap().unwrap();
        assert_eq!(found.value, g);
        let mut more = g.clone();
        more.add_openid_scopes(["email"]);
        let v2 = update(&app, &more, v).await.unwrap();
        assert_eq!(update(&app, &more, v).await, Err(GrantWriteError::Conflict), "stale version");
        assert_eq!(find(&app, &g.id).await.unwrap().unwrap().version, v2);
    }

    #[test]
    fn scopes_are_narrowed_to_what_was_granted() {
        let app = testing::app();
        let g = grant(&app);
        assert_eq!(g.openid_scope_filtered(["email", "profile", "openid"]), ["profile", "openid"]);
        assert_eq!(g.resource_scope_filtered("https://api.example.com", ["write", "admin"]), ["write"]);
        assert!(g.resource_scope_filtered("https://other.example.com", ["write"]).is_empty());
        assert!(g.has_resource("https://api.example.com") && !g.has_resource("https://other.example.com"));
    }

    #[tokio::test]
    async fn a_grant_expires_after_180_days() {
        let app = testing::app();
        let g = grant(&app);
        insert(&app, &g).await.unwrap();
        app.clock.advance_ms(GRANT_TTL_SECS * 1000 - 1);
        assert!(find(&app, &g.id).await.unwrap().is_some());
        app.clock.advance_ms(1);
        assert!(find(&app, &g.id).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn revoke_removes_the_grant_its_tokens_and_denies_its_jwts() {
        let app = testing::app();
        let g = grant(&app);
        insert(&app, &g).await.unwrap();
        let other = GrantRecord::new(&app, "user1", "spa");
        insert(&app, &other).await.unwrap();
        let exp = testing::T0 + 3_600_000;
        let mut ops = Vec::new();
        for i in 0..5 {
            ops.push(WriteOp::Put {
                key: keys::opaque_access_token(&format!("h{i}")),
                value: b"{}".to_vec(),
                options: PutOptions::ALWAYS,
            });
            ops.push(index_op(&g.id, TokenKind::OpaqueAccess, &format!("h{i}"), "spa", exp).unwrap());
        }
        ops.push(WriteOp::Put { key: keys::refresh_token("r1"), value: b"{}".to_vec(), options: PutOptions::ALWAYS });
        ops.push(index_op(&g.id, TokenKind::Refresh, "r1", "spa", exp).unwrap());
        ops.push(index_op(&g.id, TokenKind::Jwt, "jti-1", "spa", exp).unwrap());
        // A token of another grant is left alone.
        ops.push(WriteOp::Put { key: keys::refresh_token("r2"), value: b"{}".to_vec(), options: PutOptions::ALWAYS });
        ops.push(index_op(&other.id, TokenKind::Refresh, "r2", "spa", exp).unwrap());
        app.store.commit(ops).await.unwrap();

        revoke(&app, &g.id).await.unwrap();
        revoke(&app, &g.id).await.unwrap();
        assert!(find(&app, &g.id).await.unwrap().is_none());
        for i in 0..5 {
            assert!(app.store.get(&keys::opaque_access_token(&format!("h{i}"))).await.unwrap().is_none());
        }
        assert!(app.store.get(&keys::refresh_token("r1")).await.unwrap().is_none());
        assert!(app.store.get(&keys::revoked_token("jti-1")).await.unwrap().is_some());
        assert!(app.store.list(&keys::grant_tokens(&g.id), None, 10).await.unwrap().items.is_empty());
        assert!(app.store.get(&keys::refresh_token("r2")).await.unwrap().is_some());
        assert!(find(&app, &other.id).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn revoking_an_account_revokes_each_of_its_grants() {
        let app = testing::app();
        let mut grants = Vec::new();
        for client in ["spa", "web"] {
            let g = GrantRecord::new(&app, "user1", client);
            insert(&app, &g).await.unwrap();
            grants.push(g.id);
        }
        let other = GrantRecord::new(&app, "user2", "spa");
        insert(&app, &other).await.unwrap();
        revoke_all_for_account(&app, "user1").await.unwrap();
        for id in &grants {
            assert!(find(&app, id).await.unwrap().is_none());
        }
        assert!(find(&app, &other.id).await.unwrap().is_some());
        assert!(app.store.list(&keys::account_grants("user1"), None, 10).await.unwrap().items.is_empty());
    }

    #[tokio::test]
    async fn revoke_tokens_keeps_the_grant() {
        let app = testing::app();
        let g = grant(&app);
        insert(&app, &g).await.unwrap();
        app.store
            .commit(vec![
                WriteOp::Put { key: keys::refresh_token("r1"), value: b"{}".to_vec(), options: PutOptions::ALWAYS },
                index_op(&g.id, TokenKind::Refresh, "r1", "spa", testing::T0 + 1000).unwrap(),
            ])
            .await
            .unwrap();
        revoke_tokens(&app, &g.id).await.unwrap();
        assert!(find(&app, &g.id).await.unwrap().is_some());
        assert!(app.store.get(&keys::refresh_token("r1")).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn revoke_works_in_chunks_on_small_transaction_stores() {
        use std::sync::Arc;
        let base = testing::app();
        let small =
            Arc::new(crate::domain::testing::SmallBatch(crate::store::memory::MemoryStore::new(base.clock.clone()), 3));
        let app = App::new(
            base.config.clone(),
            small.clone(),
            base.clock.clone(),
            Arc::new(crate::ports::SeededRng::new(1)),
            Arc::new(crate::ports::RingCrypto::new()),
        )
        .unwrap();
        let g = grant(&app);
        insert(&app, &g).await.unwrap();
        for i in 0..7 {
            app.store
                .commit(vec![
                    WriteOp::Put {
                        key: keys::refresh_token(&format!("r{i}")),
                        value: b"{}".to_vec(),
                        options: PutOptions::ALWAYS,
                    },
                    index_op(&g.id, TokenKind::Refresh, &format!("r{i}"), "spa", testing::T0 + 1000).unwrap(),
                ])
                .await
                .unwrap();
        }
        revoke(&app, &g.id).await.unwrap();
        assert!(app.store.list(&crate::store::Key::new(["token"]), None, 10).await.unwrap().items.is_empty());
    }
}
