//! Connector sessions of the Management API's social linking (`POST
//! /api/connectors/:id/authorization-uri`, then `POST /api/users/:userId/identities`). Logto keeps
//! none there (its connectors run with `notImplemented` as the session getter, so only those
//! that need no session work); edgeid's connectors send PKCE (and OpenID Connect ones a nonce),
//! so the authorization URI's session is kept for ten minutes under the connector id and the
//! SHA-256 of the caller's `state`, and the first link that names that `state` spends it.

use serde::{Deserialize, Serialize};

use super::{table, token_hash};
use crate::App;
use crate::connectors::social::ConnectorSession;
use crate::error::Internal;
use crate::store::{Consumed, PutOptions, keys};

/// As long as an Account API verification record (Logto's social verification lifetime).
pub const TTL_SECS: i64 = 600;

#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    session: ConnectorSession,
}

/// Keep `session` (from the authorization URI for `state`) until the link; a second URI for the
/// same connector and `state` replaces it.
pub async fn save(app: &App, connector_id: &str, state: &str, session: ConnectorSession) -> Result<(), Internal> {
    let expires_at = app.clock.now_ms().saturating_add(TTL_SECS * 1000);
    app.store
        .put(
            &keys::connector_session(connector_id, &token_hash::hash(state)),
            table::encode(&Stored { session })?,
            PutOptions::ALWAYS.expiring_at(expires_at),
        )
        .await?;
    Ok(())
}

/// The session kept for `state`, spent by this call: `None` when there is none (never created,
/// expired, or already used by an earlier link).
pub async fn take(app: &App, connector_id: &str, state: &str) -> Result<Option<ConnectorSession>, Internal> {
    let key = keys::connector_session(connector_id, &token_hash::hash(state));
    match app.store.consume(&key).await? {
        Consumed::First(record) => Ok(Some(table::decode::<Stored>(&key, &record.value)?.session)),
        Consumed::Already(_) | Consumed::Missing => Ok(None),
    }
}
