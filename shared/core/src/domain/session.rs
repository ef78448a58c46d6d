//! OP sessions (node-oidc-provider's `Session`): who is signed in to this browser, since when
//! and how, and which grant each client holds. The signed `_session` cookie names the record
//! `session/<uid>`; it lives for Logto's default 14 days.
//!
//! A login always writes a new uid (node-oidc-provider's `resetIdentifier`), so a session id
//! planted before sign-in is worthless afterwards. Every write after the first is `IfVersion`.

use std::collections::BTreeMap;

use http::{HeaderMap, HeaderValue};
use serde::{Deserialize, Serialize};

use super::cookie_keys::CookieKey;
use super::cookies;
use super::table;
use crate::App;
use crate::error::Internal;
use crate::ports::Millis;
use crate::store::{Condition, PutOptions, Version, WriteOp, keys};

/// Logto's default session TTL (`oidc.session.ttl`): 14 days.
pub const TTL_MS: Millis = 14 * 24 * 3600 * 1000;

/// The signed cookie holding the session uid.
pub const COOKIE: &str = "_session";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionRecord {
    pub uid: String,
    /// The session id clients see (ID token `sid`, back-channel logout). Unlike `uid` it
    /// survives the re-login rotations of one account's session.
    #[serde(default)]
    pub sid: String,
    pub account_id: String,
    /// When the user last authenticated (seconds since the epoch: `auth_time`).
    pub login_ts: i64,
    #[serde(default)]
    pub amr: Vec<String>,
    /// client id → grant id (node-oidc-provider's `session.authorizations`).
    #[serde(default)]
    pub grants: BTreeMap<String, String>,
    pub created_at: Millis,
    pub expires_at: Millis,
}

impl SessionRecord {
    /// A fresh session for a login that just happened.
    pub fn new(app: &App, account_id: &str, login_ts: i64, amr: Vec<String>) -> Self {
        let now = app.clock.now_ms();
        Self {
            uid: app.rng.id(21),
            sid: app.rng.id(21),
            account_id: account_id.to_owned(),
            login_ts,
            amr,
            grants: BTreeMap::new(),
            created_at: now,
            expires_at: now.saturating_add(TTL_MS),
        }
    }

    /// Whether the last authentication is older than `max_age` seconds (`session.past`).
    pub fn older_than(&self, max_age: u64, now_secs: i64) -> bool {
        let max_age = i64::try_from(max_age).unwrap_or(i64::MAX);
        now_secs.saturating_sub(self.login_ts) > max_age
    }

    /// The writes of this session (created when `version` is `None`) and its account index.
    pub fn write_ops(&self, version: Option<Version>) -> Result<[WriteOp; 2], Internal> {
        let condition = version.map_or(Condition::IfAbsent, Condition::IfVersion);
        Ok([
            WriteOp::Put {
                key: keys::session(&self.uid),
                value: table::encode(self)?,
                options: PutOptions { expires_at: Some(self.expires_at), condition },
            },
            WriteOp::Put {
                key: keys::session_of_account(&self.account_id, &self.uid),
                value: Vec::new(),
                options: PutOptions { expires_at: Some(self.expires_at), condition: Condition::Always },
            },
        ])
    }

    /// The deletes of this session and its account index.
    pub fn delete_ops(&self) -> [WriteOp; 2] {
        [
            WriteOp::Delete { key: keys::session(&self.uid), condition: Condition::Always },
            WriteOp::Delete {
                key: keys::session_of_account(&self.account_id, &self.uid),
                condition: Condition::Always,
            },
        ]
    }
}

/// The live session `uid`.
pub async fn find(app: &App, uid: &str) -> Result<Option<(SessionRecord, Version)>, Internal> {
    Ok(table::read::<SessionRecord>(app.store.as_ref(), &keys::session(uid)).await?.map(|v| (v.value, v.version)))
}

/// The uid the request's (verified) `_session` cookie names.
pub fn cookie_uid(headers: &HeaderMap, keys: &[CookieKey]) -> Option<String> {
    cookies::read(headers, COOKIE, keys).filter(|uid| !uid.is_empty())
}

/// The session of this browser, if its cookie verifies and the record is live.
pub async fn from_headers(
    app: &App,
    headers: &HeaderMap,
    keys: &[CookieKey],
) -> Result<Option<(SessionRecord, Version)>, Internal> {
    match cookie_uid(headers, keys) {
        Some(uid) => find(app, &uid).await,
        None => Ok(None),
    }
}

/// `Set-Cookie` values for `session`.
pub fn cookie(app: &App, session: &SessionRecord, keys: &[CookieKey]) -> Option<[HeaderValue; 2]> {
    let seconds = (session.expires_at - app.clock.now_ms()).max(0) / 1000;
    cookies::signed(COOKIE, &session.uid, keys, cookies::Lifetime::Seconds(seconds), cookies::secure(&app.config))
}

/// Remove a session (and its index entry) in one commit.
pub async fn delete(app: &App, session: &SessionRecord) -> Result<(), Internal> {
    Ok(app.store.commit(session.delete_ops().into()).await?)
}

/// End every session of `account_id` and revoke the grants they hold, with every token
/// issued from them (Logto's `signOutUser`, for suspension and deletion). Idempotent.
pub async fn end_all_for_account(app: &App, account_id: &str) -> Result<(), Internal> {
    let prefix = keys::sessions_of_account(account_id);
    loop {
        // Each round deletes what it read, so the first page is always the next one.
        let page = app.store.list(&prefix, None, 50).await?;
        if page.items.is_empty() {
            return Ok(());
        }
        for (key, _) in page.items {
            let uid = key.last_segment();
            match find(app, &uid).await? {
                Some((session, _)) => {
                    for grant_id in session.grants.values() {
                        super::grant::revoke(app, grant_id).await?;
                    }
                    delete(app, &session).await?;
                }
                None => app.store.delete(&key).await?,
            }
        }
    }
}
